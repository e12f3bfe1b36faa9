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
                "'{self}': this build has no {feature} backend (it is in builds with the cargo feature `{feature}`; built: {})",
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

    /// `device` after a check that it works (once per backend and process; probes are
    /// serialised, so the process's panic hook is swapped by one thread at a time).
    #[cfg(any(feature = "cuda", feature = "wgpu"))]
    fn probed(self, device: Device) -> Result<Device, DeepError> {
        use std::sync::{Mutex, OnceLock};
        type Probes = Mutex<Vec<(Backend, Result<(), String>)>>;
        static PROBED: OnceLock<Probes> = OnceLock::new();
        let mut done = PROBED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let result = match done.iter().find(|(b, _)| *b == self) {
            Some((_, r)) => r.clone(),
            None => {
                let r = probe(&device);
                done.push((self, r.clone()));
                r
            }
        };
        match result {
            Ok(()) => Ok(device.autodiff()),
            Err(reason) => Err(DeepError::config(
                "device",
                format!(
                    "'{self}': no usable device (is there a GPU and its driver?); the runtime said: {reason}"
                ),
            )),
        }
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

/// Sends one value to `device` and reads it back. burn's GPU runtimes start the device on a
/// worker thread and panic there when they cannot; the panic messages raised meanwhile (on
/// any thread) are collected instead of printed, and the first one is the reason given.
#[cfg(any(feature = "cuda", feature = "wgpu"))]
fn probe(device: &Device) -> Result<(), String> {
    use burn::tensor::TensorData;
    use std::sync::{Arc, Mutex};
    let said: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&said);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
    }));
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Tensor::<1>::from_data(TensorData::new(vec![1.5f32], [1]), device)
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
    }));
    std::panic::set_hook(hook);
    let first = said
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .first()
        .cloned();
    match got {
        Ok(Ok(v)) if v == [1.5] => Ok(()),
        Ok(Ok(v)) => Err(format!("a test value came back as {v:?}")),
        Ok(Err(e)) => Err(first.unwrap_or_else(|| format!("{e:?}"))),
        Err(_) => Err(first.unwrap_or_else(|| "the runtime failed to start".into())),
    }
}
