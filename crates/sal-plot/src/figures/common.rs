//! Helpers every figure shares: rendering into an output directory, quiver grids, lag axes.

use crate::kit::{self, Figure};
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;

/// Renders `fig` as `<name>.png` and `<name>.svg` in `dir`.
pub fn render(dir: &OutDir, name: &str, fig: &Figure) -> Result<()> {
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
    kit::render(&fig, &stem).map_err(|e| Error::Failed(format!("drawing {name}: {e}")))?;
    Ok(())
}

fn has_drawable_y(p: &kit::Panel) -> bool {
    let ok = |y: f64| y.is_finite() && (!p.log_y || y > 0.0);
    p.series.iter().any(|s| match s {
        kit::Series::Line { y, .. }
        | kit::Series::Scatter { y, .. }
        | kit::Series::Bars { y, .. }
        | kit::Series::Step { y, .. } => y.iter().any(|&v| ok(v)),
    }) || p
        .bands
        .iter()
        .any(|b| b.lower.iter().chain(&b.upper).any(|&v| ok(v)))
}

/// Quiver arrows on every second point of an n×n grid: point (i, j) sits at
/// (x\[j\], y\[i\]) with components (dx\[i·n + j\], dy\[i·n + j\]).
pub fn grid_arrows(x: &[f64], y: &[f64], dx: &[f64], dy: &[f64]) -> Vec<kit::Arrow> {
    let n = x.len();
    let mut arrows = Vec::new();
    for i in (0..y.len()).step_by(2) {
        for j in (0..n).step_by(2) {
            arrows.push(kit::Arrow {
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
pub fn lags_f64(lags: &[i64]) -> Vec<f64> {
    lags.iter().map(|&l| l as f64).collect()
}

/// x ticks at 0, ±t_ref, ±2 t_ref… labelled in t_ref units.
pub fn tref_ticks(t_ref: f64, max_lag: f64) -> Vec<(f64, String)> {
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
