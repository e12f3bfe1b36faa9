//! Fig 8: the deep ConvNet trained with seven ways of sending the error back. Per dataset:
//! (a) final test accuracy per method (bars: mean over seeds; dots: the seeds; whiskers:
//! ± one standard deviation), with BP-with-FA-convolutions as the "upper limit" of the
//! methods that only fix the fc feedback; (b) test accuracy over epochs (mean ± std);
//! (c–e) angle between each fc layer's forward weights W and its feedback B over epochs.

use super::common::render;
use crate::kit::{Band, Figure, LegendPos, Panel, RefLine, Rgb, Series, Style, palette};
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::report::convnet::{
    ConvReport, METHOD_ORDER, MethodStats, TARGET_ACCURACY, method_label,
};

/// A method's colour, the same in every panel.
fn color(method: &str) -> Rgb {
    palette(
        METHOD_ORDER
            .iter()
            .position(|m| *m == method)
            .unwrap_or(METHOD_ORDER.len()),
    )
}

/// Whiskers (mean ± std) as one broken polyline.
fn whiskers(x: &[f64], mean: &[f64], std: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for ((&x, &m), &s) in x.iter().zip(mean).zip(std) {
        xs.extend([x, x, f64::NAN]);
        ys.extend([m - s, m + s, f64::NAN]);
    }
    (xs, ys)
}

fn mean_band(x: &[f64], curve: &[(f64, f64)], c: Rgb, label: String) -> (Band, Series) {
    (
        Band {
            x: x.to_vec(),
            lower: curve.iter().map(|v| v.0 - v.1).collect(),
            upper: curve.iter().map(|v| v.0 + v.1).collect(),
            color: c,
            alpha: 0.15,
            label: None,
        },
        Series::Line {
            x: x.to_vec(),
            y: curve.iter().map(|v| v.0).collect(),
            style: Style::new(c).width(2),
            label: Some(label),
        },
    )
}

/// Draws `fig8_<dataset>.png|svg` for every dataset of the report; returns whether any was
/// drawn.
pub fn fig8(dir: &OutDir, rep: &ConvReport) -> Result<bool> {
    let mut datasets: Vec<&str> = rep.stats.iter().map(|s| s.dataset.as_str()).collect();
    datasets.dedup();
    for ds in &datasets {
        let stats: Vec<&MethodStats> = rep.stats.iter().filter(|s| s.dataset == *ds).collect();
        let x: Vec<f64> = (0..stats.len()).map(|i| i as f64).collect();
        let mean: Vec<f64> = stats.iter().map(|s| s.final_accuracy.0).collect();
        let sd: Vec<f64> = stats.iter().map(|s| s.final_accuracy.1).collect();
        let mut bars = Panel {
            tag: Some("a".into()),
            title: Some(format!("final test accuracy ({ds})")),
            x_label: "method".into(),
            y_label: "test accuracy [%]".into(),
            x_ticks: Some(
                stats
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i as f64, s.method.clone()))
                    .collect(),
            ),
            x_range: Some((-0.6, stats.len() as f64 - 0.4)),
            ..Panel::default()
        };
        for (i, s) in stats.iter().enumerate() {
            bars.series.push(Series::Bars {
                x: vec![i as f64],
                y: vec![s.final_accuracy.0],
                width: 0.7,
                style: Style::new(color(&s.method)).alpha(0.6).width(1),
                label: None,
            });
            let runs: Vec<f64> = rep
                .points
                .iter()
                .filter(|p| p.dataset == *ds && p.method == s.method)
                .map(|p| p.final_accuracy())
                .collect();
            bars.series.push(Series::Scatter {
                x: vec![i as f64; runs.len()],
                y: runs,
                style: Style::new(Rgb::BLACK),
                size: 5,
                label: (i == 0).then(|| "one seed".to_string()),
            });
        }
        let (wx, wy) = whiskers(&x, &mean, &sd);
        bars.series.push(Series::Line {
            x: wx,
            y: wy,
            style: Style::new(Rgb::BLACK).width(2),
            label: Some("mean ± std over seeds".into()),
        });
        if let Some(up) = stats.iter().find(|s| s.method == "bp_w_fa") {
            bars.hlines.push(RefLine {
                at: up.final_accuracy.0,
                style: Style::new(Rgb::GREY).dashed(),
                label: Some("upper limit: BP with FA convs".into()),
            });
        }
        let lo = rep
            .points
            .iter()
            .filter(|p| p.dataset == *ds)
            .map(|p| p.final_accuracy())
            .fold(100.0f64, f64::min);
        bars.y_range = Some(((lo - 5.0).max(0.0).floor(), 100.5));
        bars.legend = Some(LegendPos::Best);

        let mut curves = Panel {
            tag: Some("b".into()),
            title: Some("test accuracy over training".into()),
            x_label: "epoch".into(),
            y_label: "test accuracy [%] (mean ± std)".into(),
            legend: Some(LegendPos::Best),
            ..Panel::default()
        };
        curves.hlines.push(RefLine {
            at: TARGET_ACCURACY,
            style: Style::new(Rgb::GREY).dashed(),
            label: Some(format!("{TARGET_ACCURACY} %")),
        });
        for s in &stats {
            let ex: Vec<f64> = (1..=s.curve.len()).map(|e| e as f64).collect();
            let (b, l) = mean_band(
                &ex,
                &s.curve,
                color(&s.method),
                format!("{} (n = {})", method_label(&s.method), s.runs),
            );
            curves.bands.push(b);
            curves.series.push(l);
        }
        let mut panels = vec![bars, curves];
        let layers = stats
            .iter()
            .map(|s| s.angle_curves.len())
            .max()
            .unwrap_or(0);
        for k in 0..layers {
            let mut p = Panel {
                tag: Some(((b'c' + k as u8) as char).to_string()),
                title: Some(format!("alignment of fc{} feedback", k + 1)),
                x_label: "epoch".into(),
                y_label: format!("angle(W_fc{}, B_fc{}) [°]", k + 1, k + 1),
                y_range: Some((-3.0, 120.0)),
                legend: (k == 0).then_some(LegendPos::Best),
                ..Panel::default()
            };
            p.hlines.push(RefLine {
                at: 90.0,
                style: Style::new(Rgb::GREY).dashed(),
                label: (k == 0).then(|| "90° (random feedback)".to_string()),
            });
            for s in &stats {
                if let Some(c) = s.angle_curves.get(k) {
                    let ex: Vec<f64> = (0..c.len()).map(|e| e as f64).collect();
                    let (b, mut l) = mean_band(&ex, c, color(&s.method), method_label(&s.method));
                    if let Series::Line { style, .. } = &mut l
                        && s.method == "bp"
                    {
                        // BP's feedback is W itself: 0° at every epoch, drawn dashed and thick
                        // so it is not lost on the axis
                        *style = style.dashed().width(3);
                    }
                    p.bands.push(b);
                    if k != 0
                        && let Series::Line { label, .. } = &mut l
                    {
                        *label = None;
                    }
                    p.series.push(l);
                }
            }
            panels.push(p);
        }
        let cols = 3;
        let rows = panels.len().div_ceil(cols);
        let fig = Figure {
            title: Some({
                let lo = stats.iter().map(|s| s.runs).min().unwrap_or(0);
                let hi = stats.iter().map(|s| s.runs).max().unwrap_or(0);
                let seeds = match (lo, hi) {
                    (1, 1) => "1 seed each".to_string(),
                    (a, b) if a == b => format!("{a} seeds each"),
                    (a, b) => format!("{a}–{b} seeds per method"),
                };
                format!(
                    "Fig 8 — ConvNet on {ds}: {} methods, {seeds} (mean ± std)",
                    stats.len()
                )
            }),
            rows,
            cols,
            panel_width: 520,
            panel_height: 380,
            panels,
            ..Figure::default()
        };
        render(dir, &format!("fig8_{ds}"), &fig)?;
    }
    Ok(!datasets.is_empty())
}
