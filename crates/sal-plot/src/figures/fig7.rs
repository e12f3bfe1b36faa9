//! Fig 7 (`deep.md` §4): SAL, STDWI and RDD learning the feedback of one 50 → 50 layer from
//! the same seed-43 matrices, 100 s each: W vs the learned feedback per method and the angle
//! (and correlation) over time for all of them. RDD is shown run literally (D13: the
//! feedback is never updated) and with the intended global step counter.

use super::common::render;
use crate::kit::{Figure, LegendPos, Panel, Rgb, Series, Style, palette};
use sal::metrics::Alignment;
use sal::rdd::{StepCounter, fig7_rdd};
use sal::salnet::{SymmetriseConfig, fig7_initial_weights, fig7_sal_weights, symmetrise};
use sal::stdwi::{StdwiParams, run as stdwi_run};
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;
use sal_experiments::progress::Ctx;
use serde_json::{Value as Json, json};

const N: usize = 50;

fn transpose(m: &[f64]) -> Vec<f64> {
    sal::transpose(m, N, N)
}

/// One method's curve and final feedback (arranged like W, [out][in]).
struct Method {
    key: &'static str,
    label: &'static str,
    time_s: Vec<f64>,
    al: Vec<Alignment>,
    fb: Vec<f64>,
}

impl Method {
    fn json(&self) -> Json {
        json!({
            "time_s": self.time_s,
            "angle_deg": self.al.iter().map(|a| a.angle_deg).collect::<Vec<_>>(),
            "corrcoef": self.al.iter().map(|a| a.corrcoef).collect::<Vec<_>>(),
        })
    }
}

/// Runs the three methods (SAL with `seed` for its biases and spikes) and writes
/// `fig7.json` (`{"sal"|"stdwi"|"rdd"|"rdd_global_time": {time_s, angle_deg, corrcoef}}`),
/// `fig7.npz` (W and each method's final feedback) and `fig7.png|svg`.
pub fn fig7(dir: &OutDir, seed: u64, ctx: &Ctx) -> Result<&'static str> {
    let (w, b) = fig7_initial_weights();
    let halt = |h| ctx.halt(h);
    let sal_cfg = SymmetriseConfig::fig7(seed);
    let stdwi_p = StdwiParams::default();
    let total =
        sal_cfg.n_epochs as u64 * sal_cfg.steps_per_epoch() + stdwi_p.steps as u64 + 2 * 100_000;
    let mut progress = ctx.reporter.task("fig7", total, "steps");
    let mut methods = Vec::new();
    {
        let mut tick = ctx.ticker(progress.as_mut());
        let r =
            symmetrise(&sal_cfg, Some(fig7_sal_weights(seed)), &mut tick).map_err(|e| match e {
                sal::salnet::SalNetError::Halt(h) => halt(h),
                other => Error::Failed(other.to_string()),
            })?;
        methods.push(Method {
            key: "sal",
            label: "SAL",
            time_s: (0..=sal_cfg.n_epochs).map(|e| e as f64).collect(),
            al: (0..=sal_cfg.n_epochs)
                .map(|e| Alignment {
                    angle_deg: r.layers[0].angle_deg[e],
                    var: r.layers[0].var[e],
                    corrcoef: r.layers[0].corrcoef[e],
                    sign: r.layers[0].sign[e],
                })
                .collect(),
            fb: transpose(&r.final_weights.fb[0]),
        });
        let s = stdwi_run(&stdwi_p, &w, &transpose(&b), &mut tick).map_err(halt)?;
        methods.push(Method {
            key: "stdwi",
            label: "STDWI",
            time_s: s.time_s,
            al: s.alignment,
            fb: s.b_final,
        });
        for (key, label, counter) in [
            ("rdd", "RDD (literal, D13)", StepCounter::Literal),
            ("rdd_global_time", "RDD (global time)", StepCounter::Global),
        ] {
            let r = fig7_rdd(&w, &b, N, 100, counter, &mut tick).map_err(halt)?;
            methods.push(Method {
                key,
                label,
                time_s: r.time_s,
                al: r.alignment,
                fb: transpose(&r.b_final),
            });
        }
    }
    progress.finish();

    let mut data = serde_json::Map::new();
    for m in &methods {
        data.insert(m.key.into(), m.json());
    }
    data.insert(
        "note".into(),
        json!(format!(
            "W (out × in) vs each method's learned feedback arranged like W; SAL seed {seed}; rdd = the reference's literal loop (step index restarts every epoch, feedback never updated, deep.md §4.2 / D13), rdd_global_time = cumulative step counter (update and record every 10 s)"
        )),
    );
    dir.json("fig7.json", &Json::Object(data))?;
    let mut npz = dir.npz("fig7.npz")?;
    npz.mat("W", N, N, &w)?;
    npz.mat("B_initial", N, N, &transpose(&b))?;
    for m in &methods {
        npz.mat(&format!("B_{}", m.key), N, N, &m.fb)?;
    }
    npz.finish()?;

    let lim = w
        .iter()
        .chain(methods.iter().flat_map(|m| m.fb.iter()))
        .fold(0.0f64, |a, v| a.max(v.abs()))
        * 1.05;
    let mut panels: Vec<Panel> = methods
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let last = m.al.last().expect("at least the t = 0 record");
            Panel {
                title: Some(format!(
                    "{}: {:.1}°, r = {:.2}",
                    m.label, last.angle_deg, last.corrcoef
                )),
                x_label: "W".into(),
                y_label: "learned feedback (Bᵀ)".into(),
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
                        x: w.clone(),
                        y: m.fb.clone(),
                        style: Style::new(palette(k)).alpha(0.6),
                        size: 4,
                        label: None,
                    },
                ],
                ..Panel::default()
            }
        })
        .collect();
    let curve = |pick: fn(&Alignment) -> f64| -> Vec<Series> {
        methods
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let y: Vec<f64> = m.al.iter().map(pick).collect();
                if m.time_s.len() == 1 {
                    Series::Scatter {
                        x: m.time_s.clone(),
                        y,
                        style: Style::new(palette(k)),
                        size: 8,
                        label: Some(m.label.into()),
                    }
                } else {
                    Series::Line {
                        x: m.time_s.clone(),
                        y,
                        style: Style::new(palette(k)).width(2),
                        label: Some(m.label.into()),
                    }
                }
            })
            .collect()
    };
    panels.push(Panel {
        title: Some("angle between W and Bᵀ".into()),
        x_label: "time (s)".into(),
        y_label: "angle (°)".into(),
        y_range: Some((0.0, 95.0)),
        series: curve(|a| a.angle_deg),
        legend: Some(LegendPos::LowerLeft),
        grid: true,
        ..Panel::default()
    });
    panels.push(Panel {
        title: Some("correlation of W and Bᵀ".into()),
        x_label: "time (s)".into(),
        y_label: "Pearson correlation".into(),
        y_range: Some((-0.1, 1.0)),
        series: curve(|a| a.corrcoef),
        legend: Some(LegendPos::UpperLeft),
        grid: true,
        ..Panel::default()
    });
    let fig = Figure {
        title: Some("Fig 7 — SAL, STDWI and RDD on one 50 → 50 layer (seed-43 matrices)".into()),
        rows: 2,
        cols: 3,
        panel_width: 400,
        panel_height: 360,
        panels,
        ..Figure::default()
    };
    render(dir, "fig7", &fig)?;
    Ok("fig7")
}
