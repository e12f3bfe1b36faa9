//! The ConvNet side of the paper's deep-network comparison (Fig 8; spec `deep.md` §1): a
//! 2-conv + 3-fc network with BatchNorm, trained with backpropagation or one of the
//! feedback-alignment variants (FA, BP with FA convolutions, Kolen–Pollack, sign-concordant
//! FA), exact against the reference's float64 PyTorch epoch; data readers for the paper's
//! datasets, user `.npz` files and the shipped 8×8 digits.
//!
//! ```no_run
//! use sal_deep::{ConvNet, Hyper, Method, Network, data, train::EpochOptions};
//! use std::ops::ControlFlow;
//! let data = data::load("digits", std::path::Path::new("."))?;
//! let mut net = ConvNet::<f32>::new(Method::Fa, data.shape, 0, Hyper::default())?;
//! let opts = EpochOptions { seed: 0, ..EpochOptions::default() };
//! for epoch in 1..=3 {
//!     let train = net.train_epoch(&data, epoch, &opts, &mut |_| ControlFlow::Continue(()))?;
//!     let test = net.evaluate(&data, &mut |_| ControlFlow::Continue(()))?;
//!     let rows = sal_deep::train::scalars(Some(&train), Some(&test), &net.alignment());
//! }
//! sal_deep::data::npz::write_checkpoint("final.npz".as_ref(), &net.checkpoint())?;
//! # Ok::<(), sal_deep::DeepError>(())
//! ```
//!
//! Kernels are written here (im2col + the `gemm` crate, single-threaded products over fixed
//! groups of 8 images run in parallel by rayon): on a CPU this is 3.5× faster than the same
//! network on burn's CPU backend, the same generic code runs in float64 to reproduce the
//! reference's float64 oracle exactly, and fixed partitions with fixed-order reductions make
//! results bit-identical for any number of threads. Element type: `f32` for training (as the
//! reference on GPU), `f64` for replays. The epoch loop is written once for any
//! [`Network`]; `sal-deep-burn` implements it on burn (its CPU and GPU backends), and
//! [`oracle::replay`] checks any implementation against the reference.
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
pub mod oracle;
pub mod params;
pub mod train;

pub use data::Dataset;
pub use error::{DeepError, Result};
pub use float::Float;
pub use loss::Loss;
pub use method::{ConvKind, FcKind, Method};
pub use net::{BatchOut, ConvNet, Hyper};
pub use params::{FcParams, InputShape, NamedTensor, Params};
pub use train::{EpochStats, Network};
