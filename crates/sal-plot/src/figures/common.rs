//! Helpers every figure shares: rendering into an output directory, quiver grids, lag axes.

use crate::kit::{self, Figure};
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;

/// Renders `fig` as `<name>.png` and `<name>.svg` (and its layout, `<name>.layout.json`) in
/// `dir`, refusing a figure the kit finds misleading ([`kit::render_strict`]).
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
    kit::render_strict(&fig, &stem).map_err(|e| Error::Failed(format!("drawing {name}: {e}")))?;
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

/// The paper's symbol for a sweep's noise key: σ_init for the synaptic (initialisation)
/// noise `init_noise`, σ_stdp for the plasticity noise `stdp.ws.noise`; other keys as they
/// are.
pub fn noise_symbol(key: &str) -> String {
    match key {
        "init_noise" => "σ_init".into(),
        "stdp.ws.noise" => "σ_stdp".into(),
        other => other.into(),
    }
}

/// What a noise symbol means, for axis labels.
pub fn noise_meaning(key: &str) -> Option<&'static str> {
    match key {
        "init_noise" => Some("synaptic noise"),
        "stdp.ws.noise" => Some("plasticity noise"),
        _ => None,
    }
}

/// A number as the reader writes it ("0.8", "1", "2001").
pub fn num(v: f64) -> String {
    kit::format_value(v)
}

/// Overrides (`--set KEY=VALUE` of a sweep) in words, for titles that name the variant:
/// known keys get the paper's words, others appear as `KEY = VALUE`. `None` without any.
pub fn describe_overrides(sets: &[String]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut kv: Vec<(String, String)> = sets
        .iter()
        .filter_map(|s| s.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let take = |kv: &mut Vec<(String, String)>, key: &str| -> Option<String> {
        let i = kv.iter().position(|(k, _)| k == key)?;
        Some(kv.remove(i).1)
    };
    let sym_in = take(&mut kv, "student_simulation_settings.symmetrization_input");
    let sym_h = take(
        &mut kv,
        "student_simulation_settings.symmetrization_homeostasis",
    );
    match (sym_in.as_deref(), sym_h.as_deref()) {
        (Some("null"), Some("null")) => {
            parts.push("the paper's symmetrisation phase (training inputs, no homeostasis)".into())
        }
        (a, h) => {
            match a {
                Some("null") => parts.push("training inputs during symmetrisation".into()),
                Some(v) if v.parse::<f64>().is_ok_and(|x| x <= -5.0) => {
                    parts.push("silent inputs during symmetrisation".into())
                }
                Some(v) => parts.push(format!("symmetrisation input {v}")),
                None => {}
            }
            match h {
                Some("null") => parts.push("no homeostasis during symmetrisation".into()),
                Some(v) => parts.push(format!("symmetrisation homeostasis {v}")),
                None => {}
            }
        }
    }
    if let Some(v) = take(&mut kv, "network_properties.n_last_spks") {
        parts.push(if v == "1" {
            "nearest-spike pairing".into()
        } else {
            format!("pairing with the last {v} spikes")
        });
    }
    let epochs = take(&mut kv, "num_epochs");
    let val = take(&mut kv, "val_step");
    match (epochs, val) {
        (Some(e), Some(v)) => parts.push(format!(
            "shortened schedule: {} iterations, validation every {v}",
            e.parse::<f64>().map_or(e.clone(), |x| format!("{x:.0}"))
        )),
        (Some(e), None) => parts.push(format!("{e} iterations")),
        (None, Some(v)) => parts.push(format!("validation every {v} iterations")),
        (None, None) => {}
    }
    for (k, v) in kv {
        parts.push(format!("{k} = {v}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Explicit ticks in units of t_ref for data in steps (the axis label must say `[t_ref]`).
pub fn tref_ticks(t_ref: f64, lo: f64, hi: f64) -> Vec<(f64, String)> {
    kit::unit_ticks(lo, hi, t_ref)
}
