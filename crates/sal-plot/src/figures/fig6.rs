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
//!   horizontal jitter) and, from 5 runs on, a box (quartiles, median, whiskers to the most
//!   extreme runs within 1.5 IQR of the box); teacher weight dashed.
//!
//! The panels are lettered b1, b2 (the paper's panel b, top and bottom) and c1–c4 (panel c).
//!
//! For bigger networks the weight panels are replaced by the feedback angles between each
//! hidden layer's `W_down` and `W_up(next)ᵀ`: median and IQR over epochs, and the final
//! angle distributions.

use super::common::{describe_overrides, render};
use super::micro::subscript;
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

/// A weight's name with subscripts and its meaning: "W₁₀ (hidden W_up)".
fn weight_label(k: &str) -> String {
    match weight_meaning(k) {
        "" => subscript(k),
        m => format!("{} ({m})", subscript(k)),
    }
}

/// "SAL (n = 20)".
fn group_label(rep: &MicroReport, v: &str) -> String {
    format!("{} (n = {})", variant_label(v), rep.runs_of(v).len())
}

/// Every 4th epoch as in the paper; every epoch for short (development) runs.
fn epoch_step(epochs: usize) -> usize {
    if epochs >= 40 { 4 } else { 1 }
}

/// Median line and inter-quartile band of per-epoch quartiles.
fn median_band(p: &mut Panel, q: &[Quartiles], color: Rgb, style: Style, label: String) {
    let ks: Vec<usize> = (0..q.len()).step_by(epoch_step(q.len())).collect();
    let x: Vec<f64> = ks.iter().map(|&k| k as f64).collect();
    p.bands.push(Band {
        x: x.clone(),
        lower: ks.iter().map(|&k| q[k].q25).collect(),
        upper: ks.iter().map(|&k| q[k].q75).collect(),
        color,
        alpha: 0.2,
        label: None,
    });
    p.series.push(Series::Line {
        x,
        y: ks.iter().map(|&k| q[k].median).collect(),
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
        x_label: "epoch".into(),
        y_label: "validation loss (nudged output)".into(),
        x_range: Some(epoch_range(epochs)),
        x_integer: true,
        log_y: true,
        legend: Some(LegendPos::Best),
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
            format!("{} (n = {})", variant_label(&v.variant), v.runs),
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
        label: Some(format!("teacher's weight ({TEACHER_WEIGHT:.0})")),
    }
}

/// Fig 6b bottom: weight trajectories of one run.
fn trajectory_panel(rep: &MicroReport) -> Panel {
    let run = trajectory_run(rep);
    let mut p = Panel {
        x_label: "epoch".into(),
        y_label: "weight".into(),
        x_integer: true,
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
                y: path[..n].to_vec(),
                style: if k.starts_with('B') {
                    style.dashed()
                } else {
                    style
                },
                label: Some(weight_label(k)),
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

/// A distribution panel (Fig 6c): per variant, every run as a dot, plus a box from 5 runs
/// on ([`crate::kit::distribution`]).
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
        x_label: "learning rule".into(),
        y_label: y_label.into(),
        x_range: Some((-0.6, n.max(1) as f64 - 0.4)),
        log_y: log,
        x_ticks: Some(
            rep.variants
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, group_label(rep, &v.variant)))
                .collect(),
        ),
        grid: true,
        ..Panel::default()
    };
    for (i, v) in rep.variants.iter().enumerate() {
        let c = variant_color(&v.variant, i);
        let ys: Vec<f64> = rep.runs_of(&v.variant).iter().map(|r| value(r)).collect();
        p.series
            .extend(crate::kit::distribution(i as f64, &ys, c, None));
    }
    p
}

/// Fig 6c's first panel: final validation loss per variant (log y).
fn final_loss_panel(rep: &MicroReport) -> Panel {
    distribution_panel(
        rep,
        "final validation loss".into(),
        "validation loss (nudged output)",
        true,
        |r| r.final_loss,
    )
}

/// Fig 6 panels for the 1-1-1 network.
fn tiny_panels(rep: &MicroReport) -> Vec<Panel> {
    let loss = final_loss_panel(rep);
    let weight = |k: &str| {
        let mut p = distribution_panel(
            rep,
            format!("final {}", weight_label(k)),
            "weight",
            false,
            |r| r.final_scalar_weights.get(k).copied().unwrap_or(f64::NAN),
        );
        p.hlines.push(teacher_line());
        p.legend = Some(LegendPos::Best);
        p
    };
    let tagged = |mut p: Panel, t: &str| {
        p.tag = Some(t.into());
        p
    };
    vec![
        tagged(loss_panel(rep), "b1"),
        tagged(loss, "c1"),
        tagged(weight("W10"), "c2"),
        tagged(trajectory_panel(rep), "b2"),
        tagged(weight("W21"), "c3"),
        tagged(weight("B12"), "c4"),
    ]
}

/// An angle axis from 0° to 180° with a margin, so that curves at exactly 0° (BP's copied
/// feedback) or 180° lie inside the axes, not on their frame.
const ANGLE_RANGE: (f64, f64) = (-7.0, 187.0);

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
        y_label: "angle [degrees]".into(),
        x_range: Some(epoch_range(epochs)),
        x_integer: true,
        y_range: Some(ANGLE_RANGE),
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
                format!(
                    "{} {} (n = {})",
                    variant_label(&v.variant),
                    subscript(k),
                    v.runs
                ),
            );
        }
    }
    let loss = final_loss_panel(rep);
    let mut panels = vec![loss_panel(rep), angles, loss];
    for k in &keys {
        let mut p = distribution_panel(
            rep,
            format!("final feedback angle of {}", subscript(k)),
            "angle [degrees]",
            false,
            |r| r.final_angles.get(k).copied().unwrap_or(f64::NAN),
        );
        p.y_range = Some(ANGLE_RANGE);
        p.y_ticks = Some(angle_ticks());
        panels.push(p);
    }
    panels.push(distribution_panel(
        rep,
        "final ‖W_down‖ / ‖W_up(next)‖ (largest over layers)".into(),
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
    let rules: Vec<String> = rep
        .variants
        .iter()
        .map(|v| variant_label(&v.variant))
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
    let paper = dims == "1-1-1";
    let mut title = format!(
        "{}teacher–student learning in a {dims} spiking microcircuit: {}",
        if paper { "Fig 6 — " } else { "" },
        rules.join(", ")
    );
    // The variant: overrides every sweep shares (e.g. silent inputs while symmetrising).
    let sets: Vec<&Vec<String>> = rep.sweeps.iter().map(|s| &s.plan.base_sets).collect();
    if let Some(first) = sets.first()
        && sets.iter().all(|s| s == first)
        && let Some(o) = describe_overrides(first)
    {
        title.push_str(&format!(" — {o}"));
    }
    let mut caption = vec![
        "Validation loss: squared error of the nudged output against the teacher's (the reference's number); lines: median over runs, every 4th epoch; bands: inter-quartile range. Distributions: one dot per run; boxes (quartiles, median, whiskers to 1.5 IQR) only for groups of at least 5 runs.".to_string(),
    ];
    if rep.tiny {
        caption.push(format!(
            "b2: the weights of one SAL run (run {TRAJECTORY_RUN} of the reference, else the first) over the first {TRAJECTORY_EPOCHS} epochs. The teacher's forward weights are both {TEACHER_WEIGHT:.0}."
        ));
    } else {
        let mut c = "Feedback angle: between each hidden layer's feedback weights W_down and the transposed forward weights of the next layer W_up(next)ᵀ (0°: aligned, 90°: unrelated).".to_string();
        if rep.variants.iter().any(|v| v.variant == "bp") {
            c.push_str(" BP copies the forward weights: its angles are 0° and its norm ratios 1.");
        }
        caption.push(c);
    }
    let fig = Figure {
        title: Some(title),
        caption,
        rows: panels.len().div_ceil(cols),
        cols,
        panel_width: 540,
        panel_height: 400,
        panels,
        ..Figure::default()
    };
    render(dir, "fig6", &fig)?;
    Ok(true)
}
