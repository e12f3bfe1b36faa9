//! Data sets of deep.md §1.4 and their preprocessing: MNIST and Fashion-MNIST (IDX files,
//! raw or gzip), CIFAR-10 (binary batches), a user's `.npz`, and the 8×8 handwritten digits
//! shipped with this crate (upsampled to 1×32×32). Pixels are stored scaled to [0, 1];
//! augmentation (random crop with zero padding, horizontal flip) and per-channel
//! normalisation are applied when a batch is assembled, in torchvision's order (crop, flip,
//! then normalise, so padding is black before normalisation).

mod cifar;
mod dataset;
mod digits;
mod idx;
pub mod npz;
mod svhn;

pub use cifar::parse_cifar;
pub use dataset::{Augment, Dataset};
pub use digits::{DIGITS_TEST, DIGITS_TRAIN, digits};
pub use idx::{parse_idx, read_maybe_gz};

use crate::error::{DeepError, Result};
use std::path::Path;

/// The data sets a run can name.
pub const DATASETS: [&str; 5] = ["cifar10", "svhn", "mnist", "fashion_mnist", "digits"];

/// Loads `name` (`cifar10`, `mnist`, `fashion_mnist`, `digits`, or a path ending in
/// `.npz`) from `data_dir` (ignored for `digits` and `.npz` paths).
pub fn load(name: &str, data_dir: &Path) -> Result<Dataset> {
    if name.ends_with(".npz") {
        return npz::load_user(Path::new(name));
    }
    match name {
        "digits" => Ok(digits::digits()),
        "mnist" => idx::load_idx(name, data_dir, &["MNIST/raw", "mnist", "MNIST"], 0.13, 0.30),
        "fashion_mnist" => idx::load_idx(
            name,
            data_dir,
            &[
                "FashionMNIST/raw",
                "fashion_mnist",
                "fashion-mnist",
                "FashionMNIST",
            ],
            0.29,
            0.32,
        ),
        "cifar10" => cifar::load_cifar10(data_dir),
        "svhn" => svhn::load_svhn(data_dir),
        _ => Err(DeepError::UnknownDataset(name.to_string())),
    }
}
