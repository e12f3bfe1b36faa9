//! The paper's analytic and two-neuron figures (Fig 2c, 2d, 2e, 11, 12).
//!
//! Each function computes the data with the `sal` core, writes `<name>.npz` and
//! `<name>.json` and draws `<name>.png` / `<name>.svg` into the output directory.

mod fig11;
mod fig12;
mod fig2;
pub mod report;
mod ssn;

pub use fig2::{fig2c, fig2d, fig2e};
pub use fig11::fig11;
pub use fig12::fig12;
pub use ssn::ssn_run;

use crate::error::{CliError, Result};
use crate::out::OutDir;
use crate::plot::{self, Figure};

/// Renders `fig` as `<name>.png` and `<name>.svg` in `dir`.
pub(crate) fn render(dir: &OutDir, name: &str, fig: &Figure) -> Result<()> {
    let stem = dir.path(name)?;
    plot::render(fig, &stem).map_err(|e| CliError::Failed(format!("drawing {name}: {e}")))?;
    Ok(())
}

/// Lags as floating-point x values.
pub(crate) fn lags_f64(lags: &[i64]) -> Vec<f64> {
    lags.iter().map(|&l| l as f64).collect()
}

/// x ticks at 0, ±t_ref, ±2 t_ref… labelled in t_ref units.
pub(crate) fn tref_ticks(t_ref: f64, max_lag: f64) -> Vec<(f64, String)> {
    let k = (max_lag / t_ref).floor() as i64;
    (-k..=k)
        .map(|i| {
            let label = match i {
                0 => "0".to_string(),
                1 => "t_ref".to_string(),
                -1 => "−t_ref".to_string(),
                _ => format!("{i} t_ref").replace('-', "−"),
            };
            (i as f64 * t_ref, label)
        })
        .collect()
}
