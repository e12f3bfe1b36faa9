//! Figures of one sampling-network run.

use super::common::render;
use crate::kit::{Figure, LegendPos, Panel, Rgb, Series, Style, palette};
use sal::sampling::training::Record;
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::ssn::SsnExperiment;

/// DKL and asymmetry over training, final weights vs target, final sampled vs target
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
            title: Some(note(&rec.dkl, "D_KL(target ‖ sampled)")),
            y_range: fallback(&rec.dkl),
            x_label: "wake–sleep cycles".into(),
            y_label: "D_KL".into(),
            log_y: true,
            series: vec![line(&rec.dkl, 0)],
            ..Panel::default()
        },
        Panel {
            title: Some(note(&rec.asymmetry, "weight asymmetry")),
            y_range: fallback(&rec.asymmetry),
            x_label: "wake–sleep cycles".into(),
            y_label: "Var(W_ij − W_ji)".into(),
            log_y: true,
            series: vec![line(&rec.asymmetry, 1)],
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
            title: Some("final weights".into()),
            x_label: "target W*_ij".into(),
            y_label: "learned W_ij".into(),
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            series: vec![
                Series::Line {
                    x: vec![-lim, lim],
                    y: vec![-lim, lim],
                    style: Style::new(Rgb::GREY).dashed(),
                    label: None,
                },
                Series::Scatter {
                    x,
                    y,
                    style: Style::new(palette(2)),
                    size: 6,
                    label: None,
                },
            ],
            ..Panel::default()
        });
    }
    if let Some(q) = rec.distributions.last() {
        let k = q.len();
        let edges: Vec<f64> = (0..=k).map(|i| i as f64 - 0.5).collect();
        panels.push(Panel {
            title: Some("final sampled distribution".into()),
            x_label: format!("state index (neuron 0 = MSB, {k} states)"),
            y_label: "p(z)".into(),
            series: vec![
                Series::Step {
                    edges: edges.clone(),
                    y: rec.target_distribution.clone(),
                    style: Style::new(Rgb::BLACK).width(1),
                    label: Some("target".into()),
                },
                Series::Step {
                    edges,
                    y: q.clone(),
                    style: Style::new(palette(3)).width(1),
                    label: Some("sampled".into()),
                },
            ],
            legend: Some(LegendPos::UpperRight),
            ..Panel::default()
        });
    }
    let cols = 2;
    let rows = panels.len().div_ceil(cols);
    let fig = Figure {
        title: Some(format!("{} — {} neurons", exp.name, n)),
        rows,
        cols,
        panel_width: 520,
        panel_height: 360,
        panels,
        ..Figure::default()
    };
    render(dir, "figures/run", &fig)
}
