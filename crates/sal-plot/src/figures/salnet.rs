//! Figures of a SALNet symmetrisation run (Fig 9): angle and correlation between W_(k+1) and
//! B_kᵀ per layer over the epochs, and W vs B scatter per layer at the snapshot epochs; and
//! of a report's SALNet sweeps (the same curves over seeds).

use super::common::render;
use crate::kit::{Band, Figure, LegendPos, Panel, Rgb, Series, Style, palette};
use sal_experiments::error::Result;
use sal_experiments::experiment::{Experiment, run_into};
use sal_experiments::out::OutDir;
use sal_experiments::progress::Ctx;
use sal_experiments::report::salnet::{SalnetPoint, SalnetReport, median_range};
use sal_experiments::salnet::{SalNetConfig, SalNetExperiment, SalNetOutcome};
use std::path::Path;

/// Points per scatter series at most (a deterministic stride through the matrix).
const MAX_POINTS: usize = 4000;

/// The figure of one SALNet run, drawn to `name` (e.g. `figures/run`) in `dir`.
pub fn salnet_run(dir: &OutDir, name: &str, out: &SalNetOutcome) -> Result<()> {
    let exp = &out.experiment;
    let res = &out.result;
    let d = &exp.config.dims;
    let l = d.len() - 1;
    let epochs: Vec<f64> = (0..=exp.config.n_epochs).map(|e| e as f64).collect();
    let curves = |pick: &dyn Fn(usize) -> Vec<f64>| -> Vec<Series> {
        (0..l)
            .map(|k| Series::Line {
                x: epochs.clone(),
                y: pick(k),
                style: Style::new(palette(k)).width(2),
                label: Some(format!("B_{k} vs W_{}ᵀ", k + 1)),
            })
            .collect()
    };
    let mut panels = vec![
        Panel {
            title: Some("angle between W and Bᵀ".into()),
            x_label: "epoch".into(),
            y_label: "angle (°)".into(),
            y_range: Some((0.0, 95.0)),
            series: curves(&|k| res.layers[k].angle_deg.clone()),
            legend: Some(LegendPos::UpperRight),
            grid: true,
            ..Panel::default()
        },
        Panel {
            title: Some("Pearson correlation of W and Bᵀ".into()),
            x_label: "epoch".into(),
            y_label: "correlation".into(),
            y_range: Some((-0.1, 1.0)),
            series: curves(&|k| res.layers[k].corrcoef.clone()),
            legend: Some(LegendPos::LowerRight),
            grid: true,
            ..Panel::default()
        },
    ];
    panels.push(Panel {
        title: Some("variance of W − Bᵀ".into()),
        x_label: "epoch".into(),
        y_label: "unbiased variance".into(),
        series: curves(&|k| res.layers[k].var.clone()),
        legend: Some(LegendPos::UpperRight),
        grid: true,
        ..Panel::default()
    });
    for k in 0..l {
        let (n0, n1) = (d[k], d[k + 1]);
        let w = &res.initial.w[k + 1]; // W is never changed by SAL
        let total = n0 * n1;
        let stride = total.div_ceil(MAX_POINTS).max(1);
        let mut series = Vec::new();
        let mut lim = 0.0f64;
        for (s, (epoch, fbs)) in res.snapshots.iter().enumerate() {
            let b = &fbs[k];
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for idx in (0..total).step_by(stride) {
                let (i, j) = (idx / n1, idx % n1);
                x.push(w[j * n0 + i]);
                y.push(b[idx]);
            }
            lim = x.iter().chain(&y).fold(lim, |m, v| m.max(v.abs()));
            series.push(Series::Scatter {
                x,
                y,
                // red, blue, green: snapshots stay apart where they overlap
                style: Style::new(palette([3, 0, 2][s % 3])).alpha(0.5),
                size: 3,
                label: Some(format!("epoch {epoch}")),
            });
        }
        let lim = if lim > 0.0 { lim * 1.05 } else { 1.0 };
        series.insert(
            0,
            Series::Line {
                x: vec![-lim, lim],
                y: vec![-lim, lim],
                style: Style::new(Rgb::GREY).dashed(),
                label: None,
            },
        );
        panels.push(Panel {
            title: Some(format!("layer {k}: B_{k} vs W_{}ᵀ", k + 1)),
            x_label: format!("W_{}[j][i]", k + 1),
            y_label: format!("B_{k}[i][j]"),
            x_range: Some((-lim, lim)),
            y_range: Some((-lim, lim)),
            series,
            legend: Some(LegendPos::UpperLeft),
            ..Panel::default()
        });
    }
    // first row: the three series; then the scatter plots, three per row
    let cols = 3;
    let fig = Figure {
        title: Some(format!(
            "{} — SALNet {:?}, η {}, batch {}",
            exp.name, d, exp.config.sal_lr, exp.config.batchsize
        )),
        rows: 1 + l.div_ceil(cols),
        cols,
        panel_width: 420,
        panel_height: 360,
        panels,
        ..Figure::default()
    };
    render(dir, name, &fig)
}

/// Fig 9 (`deep.md` §2.4): the paper's SALNet [1600, 384, 192, 10] with its own random
/// initialisation from `seed`, 100 epochs of 10 000 steps, η 0.01, batch 1. Writes the run
/// files (`config.resolved.yaml`, `metrics.json` with the reference's `symm/*/k` scalars,
/// `arrays.npz`, `run.json`) and `fig9.png|svg` into `dir`.
pub fn fig9(dir: &OutDir, seed: u64, ctx: &Ctx) -> Result<&'static str> {
    let exp = SalNetExperiment::new(SalNetConfig::fig9(seed), "fig9")?;
    let input = dir.path("config.resolved.yaml")?;
    dir.text("config.resolved.yaml", &exp.resolved_yaml())?;
    let out = run_into(&exp, Path::new(&input), dir, ctx)?;
    let o = out
        .as_any()
        .downcast_ref::<SalNetOutcome>()
        .expect("a SALNet run gives a SALNet outcome");
    salnet_run(dir, "fig9", o)?;
    Ok("fig9")
}

/// The figure of a report's SALNet sweeps (`salnet.png`): per configuration (grid coordinates
/// other than the seed) the angle and the correlation of every B_k with W_(k+1)ᵀ over the
/// epochs, median over the seeds with the range (min–max) shaded. Returns whether drawn.
pub fn report(dir: &OutDir, rep: &SalnetReport) -> Result<bool> {
    // one curve per table row; a sweep is named by its scenario when it is alone, by its
    // directory otherwise
    let one_sweep = rep.sweeps.len() == 1;
    let groups: Vec<(String, Vec<&SalnetPoint>)> = rep
        .stats
        .iter()
        .map(|row| {
            let name = if one_sweep { &row.scenario } else { &row.sweep };
            let key = match row.config.as_str() {
                "-" => name.clone(),
                c => format!("{name} {c}"),
            };
            (key, rep.runs_of(row).collect())
        })
        .collect();
    let layers = rep.points.iter().map(|p| p.angles.len()).max().unwrap_or(0);
    if groups.is_empty() || layers == 0 {
        return Ok(false);
    }
    let single = groups.len() == 1;
    let mut panels = Vec::new();
    for (what, pick, y_label, y_range) in [
        (
            "angle",
            (|p: &SalnetPoint, k: usize| p.angles.get(k).cloned()) as fn(&SalnetPoint, usize) -> _,
            "angle(W, Bᵀ) [°]",
            (0.0, 95.0),
        ),
        (
            "correlation",
            |p: &SalnetPoint, k: usize| p.corrcoef.get(k).cloned(),
            "Pearson r(W, Bᵀ)",
            (-0.1, 1.0),
        ),
    ] {
        for k in 0..layers {
            let mut panel = Panel {
                title: Some(format!("{what} of B_{k} and W_{}ᵀ", k + 1)),
                x_label: "epoch".into(),
                y_label: y_label.into(),
                y_range: Some(y_range),
                legend: (k == 0 && what == "angle").then_some(LegendPos::Best),
                ..Panel::default()
            };
            for (g, (key, pts)) in groups.iter().enumerate() {
                let runs: Vec<Vec<f64>> = pts.iter().filter_map(|p| pick(p, k)).collect();
                let n = runs.iter().map(Vec::len).min().unwrap_or(0);
                let stat = |e: usize| median_range(&runs.iter().map(|r| r[e]).collect::<Vec<_>>());
                let x: Vec<f64> = (0..n).map(|e| e as f64).collect();
                let s: Vec<(f64, f64, f64)> = (0..n).map(stat).collect();
                let c = if single { palette(k) } else { palette(g) };
                panel.bands.push(Band {
                    x: x.clone(),
                    lower: s.iter().map(|v| v.1).collect(),
                    upper: s.iter().map(|v| v.2).collect(),
                    color: c,
                    alpha: 0.2,
                    label: None,
                });
                panel.series.push(Series::Line {
                    x,
                    y: s.iter().map(|v| v.0).collect(),
                    style: Style::new(c).width(2),
                    label: Some(format!("{key} (n = {})", runs.len())),
                });
            }
            panels.push(panel);
        }
    }
    let fig = Figure {
        title: Some(format!(
            "SALNet sweeps: alignment of the feedback over epochs (median over seeds, range shaded; {} run{})",
            rep.points.len(),
            if rep.points.len() == 1 { "" } else { "s" }
        )),
        rows: 2,
        cols: layers,
        panel_width: 480,
        panel_height: 360,
        panels,
        ..Figure::default()
    };
    render(dir, "salnet", &fig)?;
    Ok(true)
}
