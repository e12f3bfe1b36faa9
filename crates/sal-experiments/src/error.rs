//! CLI errors: one clear message naming the offending flag, field or path, and an exit code
//! (2 for invalid input, 1 for failures while running).

use std::path::PathBuf;
use thiserror::Error;

/// Everything that can make a `sal` command fail.
#[derive(Debug, Error)]
pub enum CliError {
    /// An invalid value for a named flag or field (exit code 2).
    #[error("invalid value for {name}: {reason}")]
    Invalid {
        /// The flag or field, e.g. `--t-max`.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The output directory exists (exit code 2).
    #[error("output directory {0} already exists (use --force to replace it)")]
    OutExists(PathBuf),
    /// An I/O failure on a path (exit code 1).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Any other failure while running (exit code 1).
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// Shorthand for [`CliError::Invalid`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> CliError {
        CliError::Invalid {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CliError {
        CliError::Io {
            path: path.into(),
            source,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Invalid { .. } | CliError::OutExists(_) => 2,
            CliError::Io { .. } | CliError::Failed(_) => 1,
        }
    }
}

/// Result alias for the CLI.
pub type Result<T> = std::result::Result<T, CliError>;

/// Checks that a floating-point flag is finite.
pub fn finite(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(CliError::invalid(
            name,
            format!("must be a finite number (got {v})"),
        ))
    }
}

/// Checks that a floating-point flag is finite and > 0.
pub fn positive(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(CliError::invalid(
            name,
            format!("must be a positive number (got {v})"),
        ))
    }
}
