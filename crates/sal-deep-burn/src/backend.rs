//! Which burn backend and element type a network runs on.

use burn::prelude::*;
use burn::tensor::DType;
use sal_deep::DeepError;
use std::fmt;
use std::str::FromStr;

/// Which burn backend runs the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (always built).
    Flex,
    /// An NVIDIA GPU by index (cargo feature `cuda`).
    Cuda(usize),
    /// The default wgpu adapter: Vulkan, Metal or DirectX 12 (cargo feature `wgpu`).
    Wgpu,
}

impl Backend {
    /// The backends this build has (`flex` always; `cuda`, `wgpu` with their features).
    pub fn built() -> Vec<&'static str> {
        let mut v = vec!["flex"];
        if cfg!(feature = "cuda") {
            v.push("cuda");
        }
        if cfg!(feature = "wgpu") {
            v.push("wgpu");
        }
        v
    }

    /// An error naming the cargo feature to build with when this build lacks the backend.
    pub fn check_built(self) -> Result<(), DeepError> {
        let feature = match self {
            Backend::Flex => return Ok(()),
            Backend::Cuda(_) => "cuda",
            Backend::Wgpu => "wgpu",
        };
        if Backend::built().contains(&feature) {
            return Ok(());
        }
        Err(DeepError::config(
            "device",
            format!(
                "'{self}': this build has no {feature} backend (rebuild with `--features {feature}`; built: {})",
                Backend::built().join(", ")
            ),
        ))
    }

    /// The autodiff device. A GPU device is probed (one value up and back) so that a
    /// missing device or driver is an error naming `device`, not a crash at the first batch
    /// (burn's GPU runtimes panic when they cannot start).
    pub(crate) fn device(self) -> Result<Device, DeepError> {
        self.check_built()?;
        match self {
            #[cfg(feature = "cuda")]
            Backend::Cuda(i) => self.probed(Device::cuda(i)),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => self.probed(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            _ => Ok(Device::flex().autodiff()),
        }
    }

    #[cfg(any(feature = "cuda", feature = "wgpu"))]
    fn probed(self, device: Device) -> Result<Device, DeepError> {
        use burn::tensor::TensorData;
        let hook = std::panic::take_hook();
        // the runtime's own panic message is reported below, once, as the error's reason
        std::panic::set_hook(Box::new(|_| {}));
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Tensor::<1>::from_data(TensorData::new(vec![1.5f32], [1]), &device)
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
        }));
        std::panic::set_hook(hook);
        let reason = match got {
            Ok(Ok(v)) if v == [1.5] => return Ok(device.autodiff()),
            Ok(Ok(v)) => format!("a test value came back as {v:?}"),
            Ok(Err(e)) => format!("{e:?}"),
            Err(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the runtime failed to start".into()),
        };
        Err(DeepError::config(
            "device",
            format!(
                "'{self}': no usable device (is there a GPU and its driver?); the runtime said: {reason}"
            ),
        ))
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Flex => f.write_str("flex"),
            Backend::Cuda(0) => f.write_str("cuda"),
            Backend::Cuda(i) => write!(f, "cuda:{i}"),
            Backend::Wgpu => f.write_str("wgpu"),
        }
    }
}

impl FromStr for Backend {
    type Err = DeepError;
    /// `flex`, `cuda`, `cuda:N`, `wgpu`.
    fn from_str(s: &str) -> Result<Self, DeepError> {
        match s {
            "flex" => Ok(Backend::Flex),
            "cuda" => Ok(Backend::Cuda(0)),
            "wgpu" => Ok(Backend::Wgpu),
            _ => match s.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(i)) => Ok(Backend::Cuda(i)),
                _ => Err(DeepError::config(
                    "device",
                    format!("unknown burn device {s:?} (expected flex, cuda, cuda:N or wgpu)"),
                )),
            },
        }
    }
}

/// Element type of the network's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit floats (training).
    F32,
    /// 64-bit floats (exact replays of the reference's float64 oracle).
    F64,
}

impl Precision {
    pub(crate) fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}
