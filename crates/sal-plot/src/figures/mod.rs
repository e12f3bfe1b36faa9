//! The paper's analytic and two-neuron figures (Fig 2c, 2d, 2e, 11, 12).
//!
//! Each function computes the data with the `sal` core, writes `<name>.npz` and
//! `<name>.json` and draws `<name>.png` / `<name>.svg` into the output directory.

mod fig10;
mod fig11;
mod fig12;
mod fig2;
pub mod fig6;
pub mod micro;
pub mod report;
mod ssn;

pub use fig2::{fig2c, fig2d, fig2e};
pub use fig10::fig10;
pub use fig11::fig11;
pub use fig12::fig12;
pub use ssn::ssn_run;

use crate::error::{CliError, Result};
use crate::out::OutDir;
use crate::plot::{self, Figure};

/// Renders `fig` as `<name>.png` and `<name>.svg` in `dir`.
pub(crate) fn render(dir: &OutDir, name: &str, fig: &Figure) -> Result<()> {
    let stem = dir.path(name)?;
    // A panel whose data are all non-finite (e.g. D_KL = +∞ everywhere after a very short
    // validation) gets a fixed range instead of failing the whole figure.
    let mut fig = fig.clone();
    for p in &mut fig.panels {
        if p.y_range.is_none() && p.heatmap.is_none() && !has_drawable_y(p) {
            p.y_range = Some(if p.log_y { (1e-3, 1.0) } else { (0.0, 1.0) });
            p.title = Some(format!(
                "{} (no finite data)",
                p.title.clone().unwrap_or_default()
            ));
        }
    }
    plot::render(&fig, &stem).map_err(|e| CliError::Failed(format!("drawing {name}: {e}")))?;
    Ok(())
}

fn has_drawable_y(p: &plot::Panel) -> bool {
    let ok = |y: f64| y.is_finite() && (!p.log_y || y > 0.0);
    p.series.iter().any(|s| match s {
        plot::Series::Line { y, .. }
        | plot::Series::Scatter { y, .. }
        | plot::Series::Bars { y, .. }
        | plot::Series::Step { y, .. } => y.iter().any(|&v| ok(v)),
    }) || p
        .bands
        .iter()
        .any(|b| b.lower.iter().chain(&b.upper).any(|&v| ok(v)))
}

/// Quiver arrows on every second point of an n×n grid: point (i, j) sits at
/// (x\[j\], y\[i\]) with components (dx\[i·n + j\], dy\[i·n + j\]).
pub(crate) fn grid_arrows(x: &[f64], y: &[f64], dx: &[f64], dy: &[f64]) -> Vec<plot::Arrow> {
    let n = x.len();
    let mut arrows = Vec::new();
    for i in (0..y.len()).step_by(2) {
        for j in (0..n).step_by(2) {
            arrows.push(plot::Arrow {
                x: x[j],
                y: y[i],
                dx: dx[i * n + j],
                dy: dy[i * n + j],
            });
        }
    }
    arrows
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
