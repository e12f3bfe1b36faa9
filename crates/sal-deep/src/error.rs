//! Errors of the deep-network crate: each names the key, file, parameter or epoch at fault.

use std::path::PathBuf;

/// Everything that can go wrong while building, loading or training a ConvNet.
#[derive(Debug, thiserror::Error)]
pub enum DeepError {
    /// An option has an invalid value (`key` as in the parameter file, e.g. `batch_size`).
    #[error("{key}: {reason}")]
    Config {
        /// The option.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No such feedback method.
    #[error("unknown method {0:?} (expected one of bp, fa, bp_w_fa, akrout, scfa, sal, rdd)")]
    UnknownMethod(String),
    /// No such dataset.
    #[error(
        "unknown dataset {0:?} (expected cifar10, svhn, mnist, fashion_mnist, digits or a path to an .npz file)"
    )]
    UnknownDataset(String),
    /// A data file is missing.
    #[error("{dataset}: missing file {path}{tried}")]
    MissingFile {
        /// The dataset being loaded.
        dataset: String,
        /// The file looked for first.
        path: PathBuf,
        /// Other places looked at (empty or ", also looked for …").
        tried: String,
    },
    /// A file exists but cannot be read or has the wrong content.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A named parameter (checkpoint / `--init` entry) has the wrong name or shape.
    #[error("parameter {name}: {reason}")]
    Param {
        /// The parameter name (`conv1.weight`, `fc1.fb_weight`, `bn3.running_var`, …).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Training produced a NaN or infinite number.
    #[error("epoch {epoch}: {quantity} became non-finite ({value})")]
    NonFinite {
        /// 1-based epoch.
        epoch: usize,
        /// What, e.g. `training loss (batch 3)` or `fc1.weight`.
        quantity: String,
        /// The offending value.
        value: f64,
    },
    /// The progress callback asked to stop.
    #[error("interrupted")]
    Interrupted,
    /// The feedback phase (SAL / RDD) failed.
    #[error("epoch {epoch}: feedback phase: {source}")]
    Phase {
        /// 1-based epoch.
        epoch: usize,
        /// The phase's error.
        source: sal::control::Halt,
    },
}

impl DeepError {
    /// A [`DeepError::Config`] for `key`.
    pub fn config(key: &str, reason: impl Into<String>) -> Self {
        DeepError::Config {
            key: key.to_string(),
            reason: reason.into(),
        }
    }
    /// A [`DeepError::File`] for `path`.
    pub fn file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        DeepError::File {
            path: path.into(),
            reason: reason.into(),
        }
    }
    /// A [`DeepError::Param`] for `name`.
    pub fn param(name: &str, reason: impl Into<String>) -> Self {
        DeepError::Param {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

/// Result with [`DeepError`].
pub type Result<T, E = DeepError> = std::result::Result<T, E>;
