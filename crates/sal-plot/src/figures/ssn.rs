//! Figures of one sampling-network run.

use super::common::{num, render};
use crate::kit::{Figure, LegendPos, Panel, Rgb, Series, Style, palette};
use sal::sampling::training::Record;
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::ssn::SsnExperiment;

/// Legend text of D_KL = +∞ marks.
pub const DKL_INF: &str = "+∞ (a target state was never sampled)";
/// Legend text of asymmetry = 0 marks on a log axis.
pub const ASYM_ZERO: &str = "0 (W exactly symmetric)";

/// The variant of a sampling-network run in the paper's words: the plasticity rules and
/// noise levels in effect.
pub fn ssn_variant(exp: &SsnExperiment) -> String {
    let c = &exp.config;
    let mut parts = Vec::new();
    parts.push(if c.lr.symm > 0.0 {
        format!("SAL (η_SAL = {})", num(c.lr.symm))
    } else {
        "no SAL".to_string()
    });
    if c.lr.kp > 0.0 {
        parts.push(format!("Kolen–Pollack decay λ = {}", num(c.lr.kp)));
    }
    parts.push(format!("σ_init = {}", num(c.init_noise)));
    parts.push(format!("σ_stdp = {}", num(c.stdp.ws.noise)));
    parts.join(", ")
}

/// D_KL and asymmetry over training, final weights vs target, final sampled vs target
/// distribution: `figures/run.png|svg`.
pub fn ssn_run(dir: &OutDir, exp: &SsnExperiment, rec: &Record) -> Result<()> {
    let n = exp.config.dim;
    let it: Vec<f64> = rec.validation_iteration.iter().map(|&i| i as f64).collect();
    let line = |y: &[f64], k: usize| Series::Line {
        x: it.clone(),
        y: y.to_vec(),
        style: Style::new(palette(k)).width(2),
        label: None,
    };
    // A log axis needs a positive finite value; with none (e.g. D_KL = +∞ because a short
    // validation left target states unsampled) the panel gets a fixed range and says why.
    let drawable = |v: &[f64]| v.iter().any(|x| x.is_finite() && *x > 0.0);
    let fallback = |v: &[f64]| (!drawable(v)).then_some((1e-3, 1.0));
    let note = |v: &[f64], what: &str| {
        if drawable(v) {
            what.to_string()
        } else {
            format!("{what} — no finite positive value")
        }
    };
    let mut panels = vec![
        Panel {
            title: Some(note(&rec.dkl, "D_KL(p* ‖ p) at the validation points")),
            y_range: fallback(&rec.dkl),
            x_label: "wake–sleep iteration".into(),
            y_label: "D_KL(p* ‖ p)".into(),
            log_y: true,
            x_integer: true,
            series: vec![line(&rec.dkl, 0)],
            top_mark_label: Some(DKL_INF.into()),
            legend: Some(LegendPos::Best),
            ..Panel::default()
        },
        Panel {
            title: Some(note(&rec.asymmetry, "weight asymmetry")),
            y_range: fallback(&rec.asymmetry),
            x_label: "wake–sleep iteration".into(),
            y_label: "Var(W_ij − W_ji)".into(),
            log_y: true,
            x_integer: true,
            series: vec![line(&rec.asymmetry, 1)],
            bottom_mark_label: Some(ASYM_ZERO.into()),
            legend: Some(LegendPos::Best),
            ..Panel::default()
        },
    ];
    if let Some(w) = rec.weights.last() {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    x.push(exp.init.w_target[i * n + j]);
                    y.push(w[i * n + j]);
                }
            }
        }
        let lim = x.iter().chain(&y).fold(1.0f64, |m, v| m.max(v.abs())) * 1.05;
        panels.push(Panel {
            title: Some(format!("final weights ({} off-diagonal entries)", x.len())),
            x_label: "target W*_ij".into(),
            y_label: "learned W_ij".into(),
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            series: vec![
                Series::Line {
                    x: vec![-lim, lim],
                    y: vec![-lim, lim],
                    style: Style::new(Rgb::GREY).dashed(),
                    label: Some("W_ij = W*_ij".into()),
                },
                Series::Scatter {
                    x,
                    y,
                    style: Style::new(palette(2)),
                    size: 6,
                    label: Some("W_ij, i ≠ j".into()),
                },
            ],
            legend: Some(LegendPos::Best),
            ..Panel::default()
        });
    }
    if let Some(q) = rec.distributions.last() {
        let k = q.len();
        let edges: Vec<f64> = (0..=k).map(|i| i as f64 - 0.5).collect();
        let centres: Vec<f64> = (0..k).map(|i| i as f64).collect();
        panels.push(Panel {
            title: Some("final sampled distribution".into()),
            x_label: format!("network state z ({k} states, neuron 1 = most significant bit)"),
            y_label: "probability".into(),
            series: vec![
                Series::Bars {
                    x: centres,
                    y: rec.target_distribution.clone(),
                    width: 1.0,
                    style: Style::new(Rgb(0xb0, 0xb0, 0xb0)).width(0),
                    label: Some("target p*(z)".into()),
                },
                Series::Step {
                    edges,
                    y: q.clone(),
                    style: Style::new(palette(3)).width(1),
                    label: Some("sampled p(z)".into()),
                },
            ],
            x_integer: true,
            legend: Some(LegendPos::Best),
            ..Panel::default()
        });
    }
    let cols = 2;
    let rows = panels.len().div_ceil(cols);
    let fig = Figure {
        title: Some(format!(
            "Sampling network, {n} neurons ({}): {}",
            exp.name,
            ssn_variant(exp)
        )),
        rows,
        cols,
        panel_width: 560,
        panel_height: 380,
        panels,
        ..Figure::default()
    };
    render(dir, "figures/run", &fig)
}
