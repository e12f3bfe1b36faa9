//! Errors of the experiments layer as Python exceptions.
//!
//! | `sal_experiments::Error` | Python |
//! |---|---|
//! | `Invalid` (a bad value for a named key, option or file) | `ValueError` |
//! | `OutExists` (the output directory exists, no `force`) | `FileExistsError` |
//! | `Io` | `OSError` |
//! | `NonFinite` (a NaN / ∞ weight, bias, membrane, loss) | `sal.NonFiniteError` |
//! | `Protected`, `Failed` | `sal.SalError` (a `RuntimeError`) |
//! | `Interrupted` | `KeyboardInterrupt` |
//!
//! Messages name the option as the Python keyword: the layer's messages use command-line
//! flags (`--t-max`), which are rewritten to keywords (`t_max`).

use pyo3::exceptions::{
    PyFileExistsError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use sal_experiments::Error;

pyo3::create_exception!(
    sal,
    SalError,
    PyRuntimeError,
    "A computation of sal failed (a point of a sweep, a protected output directory, …)."
);
pyo3::create_exception!(
    sal,
    NonFiniteError,
    SalError,
    "A run produced a non-finite number (NaN or ±∞); the message names the quantity and when."
);

/// Rewrites command-line flags in `msg` to Python keywords: `--t-max` → `t_max`; `renames`
/// are applied first (whole words such as `FILE` → `config`).
pub fn pythonic(msg: &str, renames: &[(&str, &str)]) -> String {
    let mut s = msg.to_string();
    for (from, to) in renames {
        s = s.replace(from, to);
    }
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let starts_flag = s[i..].starts_with("--")
            && b.get(i + 2).is_some_and(|c| c.is_ascii_lowercase())
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'-');
        if starts_flag {
            let mut j = i + 2;
            while j < s.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                j += 1;
            }
            out.push_str(&s[i + 2..j].replace('-', "_"));
            i = j;
        } else {
            let c = s[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The Python exception for an error of the experiments layer (messages made Pythonic with
/// `renames`, see [`pythonic`]).
pub fn to_py(e: Error, renames: &[(&str, &str)]) -> PyErr {
    let msg = pythonic(&e.to_string(), renames);
    match e {
        Error::Invalid { .. } => PyValueError::new_err(msg),
        Error::OutExists(_) => PyFileExistsError::new_err(msg.replace(
            "(use force to replace it)",
            "(use force=True to replace it)",
        )),
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::NonFinite { .. } => NonFiniteError::new_err(msg),
        Error::Interrupted { .. } => PyKeyboardInterrupt::new_err(msg),
        Error::Protected { .. } | Error::Failed(_) => SalError::new_err(msg),
    }
}
