//! Fig 6 of the paper: teacher–student learning in spiking cortical microcircuits with SAL,
//! BP (exact feedback) and FA (fixed random feedback), from `sal report` of the
//! microcircuit sweeps.
//!
//! For the paper's 1-1-1 network:
//!
//! * **b (top)** — validation loss (nudged output) vs epoch: median and inter-quartile band
//!   over runs per variant, every 4th epoch, log scale;
//! * **b (bottom)** — weight trajectories W10, W21, B12 of one SAL run (run index 11, else
//!   the first SAL run) for epochs 0–50, with the teacher's weight 2.0 dashed;
//! * **c** — distributions over runs of the final validation loss (log scale) and of the
//!   final W10, W21, B12 per variant: every run as a dot (with a small deterministic
//!   horizontal jitter) and a box (quartiles, median, whiskers to the most extreme runs
//!   within 1.5 IQR of the box); teacher weight dashed.
//!
//! For bigger networks the weight panels are replaced by the feedback angles between each
//! hidden layer's `W_down` and `W_up(next)ᵀ`: median and IQR over epochs, and the final
//! angle distributions.

use super::common::render;
use crate::kit::{Band, Figure, LegendPos, Panel, RefLine, Rgb, Series, Style, palette};
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::report::common::Quartiles;
use sal_experiments::report::micro::{
    MicroPoint, MicroReport, TEACHER_WEIGHT, TINY_WEIGHTS, TRAJECTORY_EPOCHS, TRAJECTORY_RUN,
    variant_label,
};

/// Colour of a variant: SAL green, BP blue, FA red, others from the palette.
fn variant_color(v: &str, k: usize) -> Rgb {
    match v {
        "sal" => Rgb::hex(0x2ca02c),
        "bp" => Rgb::hex(0x1f77b4),
        "fa" => Rgb::hex(0xd62728),
        _ => palette(4 + k),
    }
}

/// Colour of a weight in the trajectory panel.
fn weight_color(k: &str) -> Rgb {
    match k {
        "W10" => Rgb::hex(0x9467bd),
        "W21" => Rgb::hex(0xff7f0e),
        "B12" => Rgb::hex(0x17becf),
        _ => Rgb::GREY,
    }
}

/// What a weight is, in the paper's terms.
fn weight_meaning(k: &str) -> &'static str {
    match k {
        "W10" => "hidden W_up",
        "W21" => "output W_up",
        "B12" => "hidden W_down, feedback",
        _ => "",
    }
}

/// Non-finite (and, on a log axis, non-positive) values are not drawn.
fn clean(v: f64, log: bool) -> f64 {
    if v.is_finite() && (!log || v > 0.0) {
        v
    } else {
        f64::NAN
    }
}

/// Every 4th epoch as in the paper; every epoch for short (development) runs.
fn epoch_step(epochs: usize) -> usize {
    if epochs >= 40 { 4 } else { 1 }
}

/// Median line and inter-quartile band of per-epoch quartiles.
fn median_band(p: &mut Panel, q: &[Quartiles], color: Rgb, style: Style, label: String, log: bool) {
    let ks: Vec<usize> = (0..q.len()).step_by(epoch_step(q.len())).collect();
    let x: Vec<f64> = ks.iter().map(|&k| k as f64).collect();
    p.bands.push(Band {
        x: x.clone(),
        lower: ks.iter().map(|&k| clean(q[k].q25, log)).collect(),
        upper: ks.iter().map(|&k| clean(q[k].q75, log)).collect(),
        color,
        alpha: 0.2,
        label: None,
    });
    p.series.push(Series::Line {
        x,
        y: ks.iter().map(|&k| clean(q[k].median, log)).collect(),
        style,
        label: Some(label),
    });
}

fn epoch_range(epochs: usize) -> (f64, f64) {
    (0.0, (epochs.max(2) - 1) as f64)
}

/// Fig 6b top: validation loss over epochs.
fn loss_panel(rep: &MicroReport) -> Panel {
    let epochs = rep.variants.iter().map(|v| v.epochs).max().unwrap_or(0);
    let mut p = Panel {
        title: Some(format!(
            "validation loss (median, IQR{})",
            if epoch_step(epochs) > 1 {
                "; every 4th epoch"
            } else {
                ""
            }
        )),
        tag: Some("b".into()),
        x_label: "epoch".into(),
        y_label: "validation loss (nudged output)".into(),
        x_range: Some(epoch_range(epochs)),
        log_y: true,
        legend: Some(LegendPos::UpperRight),
        grid: true,
        ..Panel::default()
    };
    for (k, v) in rep.variants.iter().enumerate() {
        let c = variant_color(&v.variant, k);
        median_band(
            &mut p,
            &v.loss,
            c,
            Style::new(c).width(2),
            format!("{} ({} runs)", variant_label(&v.variant), v.runs),
            true,
        );
    }
    p
}

/// The run whose weights Fig 6b (bottom) shows: SAL run index 11, else the first SAL run,
/// else the first run.
fn trajectory_run(rep: &MicroReport) -> Option<&MicroPoint> {
    let sal = rep.runs_of("sal");
    sal.iter()
        .find(|p| p.seed_index == Some(TRAJECTORY_RUN))
        .or(sal.first())
        .copied()
        .or(rep.points.first())
}

fn teacher_line() -> RefLine {
    RefLine {
        at: TEACHER_WEIGHT,
        style: Style::new(Rgb::BLACK).width(1).dashed(),
        label: Some(format!("teacher ({TEACHER_WEIGHT:.1})")),
    }
}

/// Fig 6b bottom: weight trajectories of one run.
fn trajectory_panel(rep: &MicroReport) -> Panel {
    let run = trajectory_run(rep);
    let mut p = Panel {
        x_label: "epoch".into(),
        y_label: "weight".into(),
        legend: Some(LegendPos::Best),
        hlines: vec![teacher_line()],
        grid: true,
        ..Panel::default()
    };
    let mut last = 1usize;
    if let Some(r) = run {
        for k in TINY_WEIGHTS {
            let Some(path) = r.weight_paths.get(k) else {
                continue;
            };
            let n = path.len().min(TRAJECTORY_EPOCHS + 1);
            last = last.max(n.saturating_sub(1));
            let style = Style::new(weight_color(k)).width(2);
            p.series.push(Series::Line {
                x: (0..n).map(|e| e as f64).collect(),
                y: path[..n].iter().map(|&w| clean(w, false)).collect(),
                style: if k.starts_with('B') {
                    style.dashed()
                } else {
                    style
                },
                label: Some(format!("{k} ({})", weight_meaning(k))),
            });
        }
    }
    p.x_range = Some((0.0, last as f64));
    p.title = Some(match run {
        Some(r) => format!(
            "weights of {} run {} (epochs 0–{last})",
            variant_label(&r.variant),
            r.seed_index
                .map_or_else(|| format!("#{}", r.index), |s| s.to_string())
        ),
        None => "weights (no run)".into(),
    });
    p
}

/// One box of a box plot, drawn with lines: box from q25 to q75, median, whiskers to the
/// most extreme values within 1.5 IQR of the box, with caps.
fn box_lines(x0: f64, ys: &[f64], color: Rgb) -> Option<Series> {
    let q = Quartiles::of(ys);
    if !(q.q25.is_finite() && q.q75.is_finite()) {
        return None;
    }
    let iqr = q.q75 - q.q25;
    let lo = ys
        .iter()
        .copied()
        .filter(|&y| y >= q.q25 - 1.5 * iqr)
        .fold(q.q25, f64::min);
    let hi = ys
        .iter()
        .copied()
        .filter(|&y| y <= q.q75 + 1.5 * iqr)
        .fold(q.q75, f64::max);
    let (w, c) = (0.25, 0.12);
    let segs: [&[(f64, f64)]; 6] = [
        &[
            (x0 - w, q.q25),
            (x0 + w, q.q25),
            (x0 + w, q.q75),
            (x0 - w, q.q75),
            (x0 - w, q.q25),
        ],
        &[(x0 - w, q.median), (x0 + w, q.median)],
        &[(x0, q.q25), (x0, lo)],
        &[(x0 - c, lo), (x0 + c, lo)],
        &[(x0, q.q75), (x0, hi)],
        &[(x0 - c, hi), (x0 + c, hi)],
    ];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for s in segs {
        for &(a, b) in s {
            x.push(a);
            y.push(b);
        }
        x.push(f64::NAN);
        y.push(f64::NAN);
    }
    Some(Series::Line {
        x,
        y,
        style: Style::new(color).width(2),
        label: None,
    })
}

/// A distribution panel (Fig 6c): per variant, dots for the runs plus a box.
fn distribution_panel(
    rep: &MicroReport,
    title: String,
    y_label: &str,
    log: bool,
    value: impl Fn(&MicroPoint) -> f64,
) -> Panel {
    let n = rep.variants.len();
    let mut p = Panel {
        title: Some(title),
        x_label: "variant".into(),
        y_label: y_label.into(),
        x_range: Some((-0.6, n.max(1) as f64 - 0.4)),
        log_y: log,
        x_ticks: Some(
            rep.variants
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, variant_label(&v.variant)))
                .collect(),
        ),
        grid: true,
        ..Panel::default()
    };
    for (i, v) in rep.variants.iter().enumerate() {
        let c = variant_color(&v.variant, i);
        let ys: Vec<f64> = rep
            .runs_of(&v.variant)
            .iter()
            .map(|r| clean(value(r), log))
            .collect();
        // deterministic jitter: golden-ratio sequence in ±0.18
        let xs: Vec<f64> = (0..ys.len())
            .map(|j| i as f64 + ((j as f64 + 1.0) * 0.618_033_988_75).fract() * 0.36 - 0.18)
            .collect();
        let finite: Vec<f64> = ys.iter().copied().filter(|y| y.is_finite()).collect();
        if let Some(b) = box_lines(i as f64, &finite, Rgb::hex(0x404040)) {
            p.series.push(b);
        }
        p.series.push(Series::Scatter {
            x: xs,
            y: ys,
            style: Style::new(c).alpha(0.75),
            size: 8,
            label: None,
        });
    }
    p
}

/// Fig 6c's first panel: final validation loss per variant (log y).
fn final_loss_panel(rep: &MicroReport) -> Panel {
    let mut loss = distribution_panel(
        rep,
        "final validation loss".into(),
        "validation loss (nudged output)",
        true,
        |r| r.final_loss,
    );
    loss.tag = Some("c".into());
    loss
}

/// Fig 6 panels for the 1-1-1 network.
fn tiny_panels(rep: &MicroReport) -> Vec<Panel> {
    let loss = final_loss_panel(rep);
    let weight = |k: &str| {
        let mut p = distribution_panel(
            rep,
            format!("final {k} ({})", weight_meaning(k)),
            "weight",
            false,
            |r| r.final_scalar_weights.get(k).copied().unwrap_or(f64::NAN),
        );
        p.hlines.push(teacher_line());
        p.legend = Some(LegendPos::Best);
        p
    };
    vec![
        loss_panel(rep),
        loss,
        weight("W10"),
        trajectory_panel(rep),
        weight("W21"),
        weight("B12"),
    ]
}

/// Ticks every 30° from 0° to 180°.
fn angle_ticks() -> Vec<(f64, String)> {
    (0..=6)
        .map(|k| (f64::from(k * 30), (k * 30).to_string()))
        .collect()
}

/// Fig 6-style panels for bigger networks: loss, feedback angles over epochs, final loss,
/// final angle distributions and the final scale of the feedback relative to the forward
/// weights (which exposes W_down run-aways).
fn angle_panels(rep: &MicroReport) -> Vec<Panel> {
    let keys = rep.angle_keys();
    let epochs = rep.variants.iter().map(|v| v.epochs).max().unwrap_or(0);
    let mut angles = Panel {
        title: Some("feedback angle ∠(W_down, W_up(next)ᵀ) (median, IQR)".into()),
        x_label: "epoch".into(),
        y_label: "angle (degrees)".into(),
        x_range: Some(epoch_range(epochs)),
        y_range: Some((0.0, 180.0)),
        y_ticks: Some(angle_ticks()),
        legend: Some(LegendPos::Best),
        grid: true,
        ..Panel::default()
    };
    for (i, v) in rep.variants.iter().enumerate() {
        let c = variant_color(&v.variant, i);
        for (j, k) in keys.iter().enumerate() {
            let Some(q) = v.angle.get(k) else { continue };
            let style = Style::new(c).width(2);
            median_band(
                &mut angles,
                q,
                c,
                if j == 0 { style } else { style.dashed() },
                format!("{} {k}", variant_label(&v.variant)),
                false,
            );
        }
    }
    let loss = final_loss_panel(rep);
    let mut panels = vec![loss_panel(rep), angles, loss];
    for k in &keys {
        let mut p = distribution_panel(
            rep,
            format!("final feedback angle {k}"),
            "angle (degrees)",
            false,
            |r| r.final_angles.get(k).copied().unwrap_or(f64::NAN),
        );
        p.y_range = Some((0.0, 180.0));
        p.y_ticks = Some(angle_ticks());
        panels.push(p);
    }
    panels.push(distribution_panel(
        rep,
        "final ‖W_down‖ / ‖W_up(next)‖ (largest layer)".into(),
        "norm ratio (1 = forward scale)",
        true,
        |r| r.feedback_norm_ratio,
    ));
    panels
}

/// Draws `fig6.png` / `fig6.svg` into `dir`; `false` (nothing drawn) when no run has
/// finished.
pub fn fig6(dir: &OutDir, rep: &MicroReport) -> Result<bool> {
    if rep.points.is_empty() {
        return Ok(false);
    }
    let panels = if rep.tiny {
        tiny_panels(rep)
    } else {
        angle_panels(rep)
    };
    let cols = if rep.tiny || panels.len() > 4 { 3 } else { 2 };
    let runs: Vec<String> = rep
        .variants
        .iter()
        .map(|v| format!("{} {}", variant_label(&v.variant), v.runs))
        .collect();
    let dims = rep
        .variants
        .first()
        .map(|v| {
            v.dims
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("-")
        })
        .unwrap_or_default();
    let fig = Figure {
        title: Some(format!(
            "{}teacher–student learning in a {dims} spiking microcircuit (runs: {})",
            if dims == "1-1-1" { "Fig 6 — " } else { "" },
            runs.join(", ")
        )),
        rows: panels.len().div_ceil(cols),
        cols,
        panel_width: 500,
        panel_height: 380,
        panels,
        ..Figure::default()
    };
    render(dir, "fig6", &fig)?;
    Ok(true)
}
