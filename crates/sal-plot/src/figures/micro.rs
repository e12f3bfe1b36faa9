//! Figure of one microcircuit run: validation loss, weights (or feedback angles) over epochs,
//! and the learned input–output map against the teacher's.

use super::common::render;
use crate::kit::{Figure, LegendPos, Panel, RefLine, Rgb, Series, Style, palette};
use sal::microcircuit::{RunResult, StudentSpec};
use sal_experiments::error::Result;
use sal_experiments::micro::{MicroExperiment, down_name, up_name};
use sal_experiments::out::OutDir;
use sal_experiments::report::micro::variant_label;

/// `W10` → `W₁₀`: the digits of a weight's name as subscripts.
pub fn subscript(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'][d as usize],
            None => c,
        })
        .collect()
}

/// Writes `figures/run.png|svg`.
pub fn run(
    dir: &OutDir,
    exp: &MicroExperiment,
    spec: &StudentSpec,
    targets: &sal::microcircuit::TargetSets,
    res: &RunResult,
) -> Result<()> {
    let dims = &spec.net.dims;
    let l = dims.len() - 1;
    let ep: Vec<f64> = (0..res.validation_loss.len()).map(|e| e as f64).collect();
    let positive = |v: &[f64]| v.iter().any(|x| x.is_finite() && *x > 0.0);
    let mut panels = vec![Panel {
        title: Some("validation loss".into()),
        x_label: "epoch".into(),
        y_label: "squared error to the teacher".into(),
        x_integer: true,
        log_y: positive(&res.validation_loss),
        series: vec![
            Series::Line {
                x: ep.clone(),
                y: res.validation_loss.clone(),
                style: Style::new(palette(0)).width(2),
                label: Some("nudged output (reference)".into()),
            },
            Series::Line {
                x: ep.clone(),
                y: res.validation_loss_free.clone(),
                style: Style::new(palette(1)).width(1),
                label: Some("free output".into()),
            },
        ],
        legend: Some(LegendPos::Best),
        ..Panel::default()
    }];
    let we: Vec<f64> = (0..res.epoch_weights.len()).map(|e| e as f64).collect();
    if dims.iter().all(|&d| d == 1) {
        let mut series = Vec::new();
        for k in 1..=l {
            series.push(Series::Line {
                x: we.clone(),
                y: res
                    .epoch_weights
                    .iter()
                    .map(|w| w.up[k - 1].data[0])
                    .collect(),
                style: Style::new(palette(k - 1)).width(2),
                label: Some(format!(
                    "{} (forward, layer {} → {k})",
                    subscript(&up_name(k)),
                    k - 1
                )),
            });
        }
        for k in 1..l {
            series.push(Series::Line {
                x: we.clone(),
                y: res
                    .epoch_weights
                    .iter()
                    .map(|w| w.down[k - 1].data[0])
                    .collect(),
                style: Style::new(palette(l + k - 1)).width(2).dashed(),
                label: Some(format!(
                    "{} (feedback, layer {} → {k})",
                    subscript(&down_name(k)),
                    k + 1
                )),
            });
        }
        let teacher = exp.config.teacher_weights(dims).ok();
        let hlines = teacher
            .map(|t| {
                t.up.iter()
                    .map(|m| m.data[0])
                    .fold(Vec::<f64>::new(), |mut v, x| {
                        if !v.contains(&x) {
                            v.push(x)
                        }
                        v
                    })
                    .into_iter()
                    .map(|x| RefLine {
                        at: x,
                        style: Style::new(Rgb::GREY).dashed(),
                        label: Some(format!("teacher's weight {}", super::common::num(x))),
                    })
                    .collect()
            })
            .unwrap_or_default();
        panels.push(Panel {
            title: Some("weights at the start of each epoch".into()),
            x_label: "epoch".into(),
            y_label: "weight".into(),
            x_integer: true,
            series,
            hlines,
            legend: Some(LegendPos::Best),
            ..Panel::default()
        });
    } else {
        let series = (1..l)
            .map(|k| Series::Line {
                x: we.clone(),
                y: res
                    .epoch_weights
                    .iter()
                    .map(|w| w.feedback_angles()[k - 1])
                    .collect(),
                style: Style::new(palette(k - 1)).width(2),
                label: Some(format!(
                    "∠({}, {}ᵀ)",
                    subscript(&down_name(k)),
                    subscript(&up_name(k + 1))
                )),
            })
            .collect();
        panels.push(Panel {
            title: Some("feedback alignment".into()),
            x_label: "epoch".into(),
            y_label: "angle [degrees]".into(),
            x_integer: true,
            y_range: Some((-6.0, 186.0)),
            y_ticks: Some(
                (0..=6)
                    .map(|k| (f64::from(k * 30), (k * 30).to_string()))
                    .collect(),
            ),
            series,
            hlines: vec![RefLine {
                at: 90.0,
                style: Style::new(Rgb::GREY).dashed(),
                label: Some("90° (unaligned)".into()),
            }],
            legend: Some(LegendPos::Best),
            ..Panel::default()
        });
    }
    // Input–output map on the validation inputs of the last epoch (first output unit
    // against the first input coordinate).
    let e = spec.len_epoch + spec.len_validation;
    let last = res.outputs.len().saturating_sub(spec.len_validation);
    if res.outputs.len() >= e {
        let xs: Vec<f64> = (last..res.outputs.len())
            .map(|n| spec.validation[spec.schedule.index[n]].0[0])
            .collect();
        let ys: Vec<f64> = res.outputs[last..].iter().map(|o| o[0]).collect();
        let tx: Vec<f64> = spec.training.iter().map(|p| p.0[0]).collect();
        let ty: Vec<f64> = targets.0.iter().map(|t| t[0]).collect();
        let vx: Vec<f64> = spec.validation.iter().map(|p| p.0[0]).collect();
        let vy: Vec<f64> = targets.1.iter().map(|t| t[0]).collect();
        panels.push(Panel {
            title: Some("last epoch: output against the teacher's".into()),
            x_label: "input u_in (first input unit)".into(),
            y_label: "output (first output unit)".into(),
            series: vec![
                Series::Scatter {
                    x: tx,
                    y: ty,
                    style: Style::new(Rgb::GREY),
                    size: 5,
                    label: Some("teacher (training)".into()),
                },
                Series::Scatter {
                    x: vx,
                    y: vy,
                    style: Style::new(Rgb::BLACK),
                    size: 5,
                    label: Some("teacher (validation)".into()),
                },
                Series::Scatter {
                    x: xs,
                    y: ys,
                    style: Style::new(palette(3)),
                    size: 7,
                    label: Some("student (nudged output)".into()),
                },
            ],
            legend: Some(LegendPos::Best),
            ..Panel::default()
        });
    }
    let dims_s = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("-");
    let rule = variant_label(exp.variant);
    let fig = Figure {
        title: Some(if exp.name.eq_ignore_ascii_case(&rule) {
            format!("Cortical microcircuit {dims_s}, {rule}")
        } else {
            format!("Cortical microcircuit {dims_s}, {rule} ({})", exp.name)
        }),
        rows: 1,
        cols: panels.len(),
        panel_width: 540,
        panel_height: 360,
        panels,
        ..Figure::default()
    };
    render(dir, "figures/run", &fig)
}
