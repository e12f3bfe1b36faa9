//! What every sweep report shares: quartiles (NaN-ignoring, linear interpolation — the
//! reference's pandas/NumPy quantiles) and finding the sweeps under a directory.

use crate::error::{Error, Result};
use sal::metrics::nanquantile;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Quartiles (25 %, 50 %, 75 %).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Quartiles {
    /// 25 %.
    pub q25: f64,
    /// Median.
    pub median: f64,
    /// 75 %.
    pub q75: f64,
}

impl Quartiles {
    /// Quartiles of a sample (NaN ignored).
    pub fn of(xs: &[f64]) -> Quartiles {
        Quartiles {
            q25: nanquantile(xs, 0.25),
            median: nanquantile(xs, 0.5),
            q75: nanquantile(xs, 0.75),
        }
    }
}

/// The sweep directories under `dir`: the directory itself if it holds a `sweep.json`,
/// else its immediate subdirectories that do (sorted); an error if there is none.
pub fn sweep_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.join("sweep.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid("DIR", format!("{}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("sweep.json").is_file())
        .collect();
    subs.sort();
    if subs.is_empty() {
        return Err(Error::invalid(
            "DIR",
            format!(
                "{} holds no sweep (no sweep.json in it or its subdirectories)",
                dir.display()
            ),
        ));
    }
    Ok(subs)
}
