//! Errors of the experiments layer: one clear message naming the offending flag, key, field or
//! path, and the exit code a command line should use for it.

use std::path::PathBuf;
use thiserror::Error as ThisError;

/// Everything that can make an experiment, a sweep or a report fail.
#[derive(Debug, ThisError)]
pub enum Error {
    /// An invalid value for a named flag, key or file (exit code 2).
    #[error("invalid value for {name}: {reason}")]
    Invalid {
        /// The flag, key path or file, e.g. `--t-max` or `network_properties.dims`.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The output directory exists (exit code 2).
    #[error("output directory {0} already exists (use --force to replace it)")]
    OutExists(PathBuf),
    /// A path that `sal` may not replace or delete: it was not made by `sal`, or it holds an
    /// input of the command (exit code 2).
    #[error("refusing to replace {path}: {reason}")]
    Protected {
        /// The path.
        path: PathBuf,
        /// Why it is protected.
        reason: String,
    },
    /// A run produced a non-finite number (exit code 1).
    #[error(
        "{quantity} became non-finite ({value}) at {at}; the run was stopped and nothing was kept"
    )]
    NonFinite {
        /// The quantity, e.g. `weights W[2][5]`.
        quantity: String,
        /// Where in the run, e.g. `iteration 17`.
        at: String,
        /// The value (NaN, inf or -inf).
        value: f64,
    },
    /// Stopped by a signal (SIGINT → exit code 130, SIGTERM → 143).
    #[error("interrupted by {}", signal_name(*signal))]
    Interrupted {
        /// The signal number (2 = SIGINT, 15 = SIGTERM).
        signal: i32,
    },
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

fn signal_name(s: i32) -> String {
    match s {
        2 => "SIGINT (Ctrl-C)".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::Protected`].
    pub fn protected(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::Protected {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// The process exit code: 2 for bad input, 128 + signal for interrupts, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid { .. } | Error::OutExists(_) | Error::Protected { .. } => 2,
            Error::Interrupted { signal } => 128 + signal,
            Error::Io { .. } | Error::Failed(_) | Error::NonFinite { .. } => 1,
        }
    }

    /// Whether this is an interrupt (a sweep stops instead of marking the point failed).
    pub fn is_interrupt(&self) -> bool {
        matches!(self, Error::Interrupted { .. })
    }
}

/// Result alias of the experiments layer.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that a floating-point flag is finite.
pub fn finite(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::invalid(
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
        Err(Error::invalid(
            name,
            format!("must be a positive number (got {v})"),
        ))
    }
}
