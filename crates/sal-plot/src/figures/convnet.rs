//! Figures of one ConvNet run (Fig 8's runs): loss, accuracy and fc feedback angles over
//! epochs, and W-vs-B scatters of the three fc layers at every checkpoint (every 10 epochs).

use super::common::render;
use crate::kit::{Figure, LegendPos, Panel, Series, Style, palette};
use sal_experiments::convnet::{CHECKPOINT_EVERY, ConvNetOutcome};
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::report::convnet::method_label;

/// Points drawn per scatter panel at most (a fixed stride through the matrix).
pub const MAX_POINTS: usize = 4000;

/// Writes `figures/run.png|svg` and `figures/scatter_epoch_NNN.png|svg`.
pub fn run(dir: &OutDir, o: &ConvNetOutcome) -> Result<()> {
    let e = &o.experiment;
    let epochs =
        |n: usize, from: usize| -> Vec<f64> { (0..n).map(|k| (k + from) as f64).collect() };
    let line = |y: &[f64], from: usize, k: usize, label: &str, dashed: bool| {
        let mut style = Style::new(palette(k)).width(2);
        if dashed {
            style = style.dashed();
        }
        Series::Line {
            x: epochs(y.len(), from),
            y: y.to_vec(),
            style,
            label: Some(label.into()),
        }
    };
    let n = o.scalar("loss/train").len();
    let panels = vec![
        Panel {
            title: Some("loss (summed over batches)".into()),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            x_integer: true,
            series: vec![
                line(o.scalar("loss/train"), 1, 0, "training", false),
                line(o.scalar("loss/test"), 1, 1, "test", true),
            ],
            legend: Some(LegendPos::Best),
            ..Panel::default()
        },
        Panel {
            title: Some("accuracy".into()),
            x_label: "epoch".into(),
            y_label: "accuracy [%]".into(),
            x_integer: true,
            y_range: Some((0.0, 100.0)),
            series: vec![
                line(o.scalar("accuracy/train"), 1, 0, "training", false),
                line(o.scalar("accuracy/test"), 1, 1, "test", true),
            ],
            legend: Some(LegendPos::Best),
            ..Panel::default()
        },
        Panel {
            title: Some("fc feedback angle ∠(W, B)".into()),
            x_label: "epoch".into(),
            y_label: "angle [degrees]".into(),
            x_integer: true,
            y_range: Some((0.0, 180.0)),
            series: (0..3)
                .map(|k| {
                    line(
                        o.scalar(&format!("symm/angle/{k}")),
                        0,
                        k + 2,
                        &format!("fc{}", k + 1),
                        k > 0,
                    )
                })
                .collect(),
            legend: Some(LegendPos::Best),
            ..Panel::default()
        },
    ];
    let fig = Figure {
        title: Some(format!(
            "ConvNet on {}, {} (seed {}, {n} epochs)",
            e.dataset,
            method_label(e.method.name()),
            e.seed
        )),
        rows: 1,
        cols: panels.len(),
        panel_width: 480,
        panel_height: 340,
        panels,
        caption: vec![
            "Losses: the reference's loss/train and loss/test, sums over batches of the batch-mean loss. Angles: between each fc layer's forward weights W and the matrix B that carries its error back (0° for BP by definition), before the first epoch (epoch 0) and after each.".into(),
        ],
        ..Figure::default()
    };
    render(dir, "figures/run", &fig)?;
    for (epoch, tensors) in &o.checkpoints {
        let last = o.checkpoints.last().map(|c| c.0) == Some(*epoch);
        if epoch % CHECKPOINT_EVERY != 0 && !last {
            continue;
        }
        let mut panels = Vec::new();
        for k in 1..=3 {
            let get = |name: &str| tensors.iter().find(|t| t.name == name).map(|t| &t.data);
            let (Some(w), Some(b)) = (
                get(&format!("fc{k}.weight")),
                get(&format!("fc{k}.fb_weight")).or_else(|| get(&format!("fc{k}.weight"))),
            ) else {
                continue;
            };
            let stride = w.len().div_ceil(MAX_POINTS).max(1);
            let xs: Vec<f64> = w.iter().step_by(stride).copied().collect();
            let ys: Vec<f64> = b.iter().step_by(stride).copied().collect();
            let lo = xs.iter().chain(&ys).copied().fold(f64::INFINITY, f64::min);
            let hi = xs
                .iter()
                .chain(&ys)
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            panels.push(Panel {
                title: Some(format!("fc{k} ({} of {} entries)", xs.len(), w.len())),
                x_label: "forward weight W".into(),
                y_label: "feedback weight B".into(),
                series: vec![
                    Series::Scatter {
                        x: xs,
                        y: ys,
                        style: Style::new(palette(k + 1)).alpha(0.35),
                        size: 3,
                        label: None,
                    },
                    Series::Line {
                        x: vec![lo, hi],
                        y: vec![lo, hi],
                        style: Style::new(palette(7)).width(1).dashed(),
                        label: Some("B = W".into()),
                    },
                ],
                legend: Some(LegendPos::Best),
                ..Panel::default()
            });
        }
        let fig = Figure {
            title: Some(format!(
                "fc weights against their feedback, epoch {epoch} ({} on {}, seed {})",
                method_label(e.method.name()),
                e.dataset,
                e.seed
            )),
            rows: 1,
            cols: panels.len(),
            panel_width: 400,
            panel_height: 380,
            panels,
            caption: vec![format!(
                "Every entry (W_ij, B_ij) at a fixed stride through the matrix, at most {MAX_POINTS} per panel. BP has no separate feedback matrix: its points lie on B = W."
            )],
            ..Figure::default()
        };
        render(dir, &format!("figures/scatter_epoch_{epoch:03}"), &fig)?;
    }
    Ok(())
}
