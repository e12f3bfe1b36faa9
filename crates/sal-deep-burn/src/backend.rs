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

    /// The autodiff device (lazy: a GPU is first touched by the first tensor).
    pub(crate) fn device(self) -> Result<Device, DeepError> {
        self.check_built()?;
        Ok(match self {
            #[cfg(feature = "cuda")]
            Backend::Cuda(i) => Device::cuda(i).autodiff(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice).autodiff(),
            _ => Device::flex().autodiff(),
        })
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
