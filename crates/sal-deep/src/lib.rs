//! The ConvNet side of the paper's deep-network comparison (Fig 8; spec `deep.md` §1): a
//! 2-conv + 3-fc network with BatchNorm, trained with backpropagation or one of the
//! feedback-alignment variants (FA, BP with FA convolutions, Kolen–Pollack, sign-concordant
//! FA), exact against the reference's float64 PyTorch epoch; data readers for the paper's
//! datasets, user `.npz` files and the shipped 8×8 digits.
//!
//! Kernels are written here (im2col + the `gemm` crate, single-threaded products over fixed
//! partitions) rather than with burn: the FA/KP/SCFA backward passes are custom for every
//! layer anyway, the oracle needs the same code in float64, and fixed partitions make the
//! results independent of the number of threads.
#![warn(missing_docs)]

pub mod bench;
mod conv;
pub mod data;
pub mod error;
pub mod float;
mod linalg;
pub mod loss;
pub mod method;
pub mod net;
mod norm;
pub mod params;
pub mod train;

pub use data::Dataset;
pub use error::{DeepError, Result};
pub use float::Float;
pub use loss::Loss;
pub use method::{ConvKind, FcKind, Method};
pub use net::{BatchOut, ConvNet, Hyper};
pub use params::{FcParams, InputShape, NamedTensor, Params};
pub use train::EpochStats;
