//! The paper's ConvNet (spec `deep.md` §1.1: conv → ReLU → BN → pool twice, fc → ReLU → BN
//! twice, fc, softmax) on [burn](https://burn.dev): its pure-Rust CPU backend (Flex, always
//! built) and, behind the cargo features `cuda` and `wgpu`, its GPU backends.
//!
//! The network is the same as `sal_deep::ConvNet` in every respect a run can see: the seven
//! methods of §1.2, PyTorch's BatchNorm (biased variance to normalise, unbiased in the
//! running estimate, momentum 0.1, ε = 1e-5), the double softmax, SGD with momentum and
//! akrout's weight decay on the fc weights and feedback matrices (§1.3), parameters under the
//! reference's names. It implements [`sal_deep::Network`], so the epoch loop, checkpoints,
//! the symmetry metrics and the SAL / RDD feedback phases run on it unchanged, and
//! `sal run … --set device=flex|cuda|wgpu` selects it.
//!
//! What burn lacks is written here with burn's own tensor operations: the feedback-alignment
//! backward passes, by the *detach trick* — a layer computes
//! `f(x.detach(), W) + (f(x, M) − f(x, M).detach())`, whose value is `f(x, W)` exactly (the
//! bracket is a tensor minus itself) while the gradient reaching `x` is the one through `M`:
//! M = B (FA, Kolen–Pollack, SAL, RDD), |B| ⊙ sign(W) (sign-concordant FA) — and W still
//! gets its usual gradient from the first term; for Kolen–Pollack B is trained and its
//! gradient from the bracket is ∂W, as the method requires. BatchNorm with PyTorch's
//! running-statistics semantics and the optimiser (per-tensor weight decay) are a few lines
//! of tensor code each.
//!
//! Precision: `float32` (training) or `float64` (the exact replay of the reference's float64
//! oracle, on backends that have it: Flex, and CUDA — untested here, its build needs a
//! download this project's machines cannot make; wgpu has none). The hand-written `sal_deep::ConvNet` is
//! faster on a CPU (im2col into reused buffers, no per-batch allocation; see README
//! "Performance"); this crate is the way to a GPU.
#![warn(missing_docs)]

mod backend;
mod net;
mod network;

pub use backend::{Backend, Precision};
pub use net::BurnNet;
