//! Sweep report figures: per scenario, and the paper's Fig 4 / Fig 5 layout per noise family.

use super::common::render;
use crate::kit::{
    Band, Colormap, Figure, LegendPos, Panel, RefLine, Rgb, Series, Style, colormap_rgb, palette,
};
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::report::common::Quartiles;
use sal_experiments::report::ssn::{Level, Scenario};

/// Log axes cannot show 0 (an exactly symmetric weight matrix has asymmetry 0): such values
/// are drawn at this floor, and the axis label says so (the paper uses a symlog axis).
const LOG_FLOOR: f64 = 1e-6;

fn clean(v: f64) -> f64 {
    if !v.is_finite() {
        f64::NAN
    } else if v <= 0.0 {
        LOG_FLOOR
    } else {
        v
    }
}

fn band(x: &[f64], q: &[Quartiles], color: Rgb, label: Option<String>) -> (Band, Series) {
    (
        Band {
            x: x.to_vec(),
            lower: q.iter().map(|q| clean(q.q25)).collect(),
            upper: q.iter().map(|q| clean(q.q75)).collect(),
            color,
            alpha: 0.25,
            label: None,
        },
        Series::Line {
            x: x.to_vec(),
            y: q.iter().map(|q| clean(q.median)).collect(),
            style: Style::new(color).width(2),
            label,
        },
    )
}

fn time_panel(title: &str, y_label: &str, curves: &[(String, Rgb, &Level, bool)]) -> Panel {
    let mut p = Panel {
        title: Some(title.into()),
        x_label: "wake–sleep cycles".into(),
        y_label: y_label.into(),
        log_y: true,
        legend: Some(LegendPos::Best),
        ..Panel::default()
    };
    let mut any = false;
    for (label, color, level, dkl) in curves {
        let q = if *dkl { &level.dkl } else { &level.asymmetry };
        any |= q.iter().any(|q| q.median.is_finite() || q.q25.is_finite());
        let (b, s) = band(&level.iterations, q, *color, Some(label.clone()));
        p.bands.push(b);
        p.series.push(s);
    }
    if !any {
        // every value is +∞ (unsampled target states): nothing to scale the axis by
        p.y_range = Some((1e-3, 1.0));
        p.title = Some(format!("{title} — no finite value"));
    }
    p
}

/// Final value vs noise with inter-quartile error bars (vertical segments).
fn final_series(levels: &[Level], dkl: bool, dx: f64, color: Rgb, label: &str) -> Vec<Series> {
    let pick = |l: &Level| {
        if dkl {
            l.final_dkl()
        } else {
            l.final_asymmetry()
        }
    };
    let pts: Vec<(f64, Quartiles)> = levels
        .iter()
        // A sweep without a noise axis has one level with noise NaN: draw it at 0.
        .filter_map(|l| pick(l).map(|q| (if l.noise.is_nan() { 0.0 } else { l.noise } + dx, q)))
        .collect();
    let mut ex = Vec::new();
    let mut ey = Vec::new();
    for (x, q) in &pts {
        ex.extend([*x, *x, f64::NAN]);
        ey.extend([clean(q.q25), clean(q.q75), f64::NAN]);
    }
    vec![
        Series::Line {
            x: ex,
            y: ey,
            style: Style::new(color).width(2),
            label: None,
        },
        Series::Scatter {
            x: pts.iter().map(|p| p.0).collect(),
            y: pts.iter().map(|p| clean(p.1.median)).collect(),
            style: Style::new(color),
            size: 8,
            label: Some(label.into()),
        },
    ]
}

/// Per-scenario figure: time courses for every noise level and final values vs noise.
pub fn scenario(dir: &OutDir, s: &Scenario, levels: &[Level]) -> Result<()> {
    if levels.is_empty() {
        return Ok(());
    }
    let key = s.plan.noise_key.clone().unwrap_or_else(|| "noise".into());
    let k = levels.len().max(2) - 1;
    let curves: Vec<(String, Rgb, &Level, bool)> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                if l.noise.is_nan() {
                    "all runs".to_string()
                } else {
                    format!("{key} = {}", l.noise)
                },
                colormap_rgb(Colormap::Viridis, 0.9 * i as f64 / k as f64),
                l,
                false,
            )
        })
        .collect();
    let dkl_curves: Vec<_> = curves
        .iter()
        .map(|(a, b, c, _)| (a.clone(), *b, *c, true))
        .collect();
    let mut asym_final = Panel {
        title: Some("final asymmetry".into()),
        x_label: key.clone(),
        y_label: "Var(W_ij − W_ji) (0 at 1e-6)".into(),
        log_y: true,
        ..Panel::default()
    };
    asym_final.series = final_series(levels, false, 0.0, palette(0), "median ± IQR");
    let mut dkl_final = Panel {
        title: Some("final D_KL".into()),
        x_label: key.clone(),
        y_label: "D_KL".into(),
        log_y: true,
        ..Panel::default()
    };
    dkl_final.series = final_series(levels, true, 0.0, palette(1), "median ± IQR");
    if levels.iter().all(|l| l.noise.is_nan()) {
        // No noise axis (a sweep over seeds only): one column of final values.
        for p in [&mut asym_final, &mut dkl_final] {
            p.x_range = Some((-1.0, 1.0));
            p.x_ticks = Some(vec![(0.0, "all runs".into())]);
        }
    }
    let runs: Vec<usize> = levels.iter().map(|l| l.runs).collect();
    let fig = Figure {
        title: Some(format!(
            "{} — median and inter-quartile range over runs ({:?} per level)",
            s.plan.scenario, runs
        )),
        rows: 2,
        cols: 2,
        panel_width: 560,
        panel_height: 380,
        panels: vec![
            time_panel("asymmetry", "Var(W_ij − W_ji) (0 at 1e-6)", &curves),
            asym_final,
            time_panel("D_KL(target ‖ sampled)", "D_KL", &dkl_curves),
            dkl_final,
        ],
        ..Figure::default()
    };
    render(dir, &s.plan.scenario, &fig)
}

/// Fig 4 (syn family) and Fig 5 (plast family) in the paper's layout, where the scenarios
/// are present: left, time courses of baseline (no SAL at noise 0), no SAL, SAL and KP at the
/// largest plotted noise; right, final values vs noise with IQR bars and the baseline band.
pub fn families(dir: &OutDir, stats: &[(Scenario, Vec<Level>)]) -> Result<Vec<String>> {
    let mut made = Vec::new();
    for (fam, fig_name, title) in [
        ("syn", "fig4", "Fig 4 — synaptic noise (σ_init)"),
        ("plast", "fig5", "Fig 5 — plasticity noise (σ_stdp)"),
    ] {
        let find = |suffix: &str| {
            stats.iter().find(|(s, _)| {
                let n = &s.plan.scenario;
                s.plan.family.as_deref() == Some(fam)
                    && match suffix {
                        "" => !n.ends_with("_sal") && !n.ends_with("_kp"),
                        x => n.ends_with(x),
                    }
            })
        };
        let Some((plain_s, plain)) = find("") else {
            continue;
        };
        let sal = find("_sal");
        let kp = find("_kp");
        // Fig 4 omits σ_init = 1.0 (simulated, not plotted).
        let shown = |ls: &[Level]| -> Vec<Level> {
            ls.iter()
                .filter(|l| !(fam == "syn" && l.noise > 0.85))
                .cloned()
                .collect()
        };
        let plain_l = shown(plain);
        let Some(base) = plain_l.iter().find(|l| l.noise == 0.0) else {
            continue;
        };
        let top = plain_l.iter().map(|l| l.noise).fold(f64::NAN, f64::max);
        let at = |ls: &[Level]| ls.iter().find(|l| l.noise == top).cloned();
        let colors = [
            Rgb(0x1f, 0x77, 0xb4),
            Rgb(0xff, 0x7f, 0x0e),
            Rgb(0x2c, 0xa0, 0x2c),
            Rgb(0xd6, 0x27, 0x28),
        ];
        let mut curves: Vec<(String, Rgb, Level)> =
            vec![("baseline (noise 0, no SAL)".into(), colors[0], base.clone())];
        if let Some(l) = at(&plain_l) {
            curves.push((format!("no SAL (σ = {top})"), colors[1], l));
        }
        if let Some(l) = sal.and_then(|(_, ls)| at(&shown(ls))) {
            curves.push((format!("SAL (σ = {top})"), colors[2], l));
        }
        if let Some(l) = kp.and_then(|(_, ls)| at(&shown(ls))) {
            curves.push((format!("Kolen–Pollack (σ = {top})"), colors[3], l));
        }
        let mk = |dkl: bool| -> Vec<(String, Rgb, &Level, bool)> {
            curves
                .iter()
                .map(|(a, b, c)| (a.clone(), *b, c, dkl))
                .collect()
        };
        let mut panels = vec![time_panel(
            "asymmetry over training",
            "Var(W_ij − W_ji) (0 at 1e-6)",
            &mk(false),
        )];
        let finals = |dkl: bool| -> Panel {
            let mut p = Panel {
                title: Some(if dkl { "final D_KL" } else { "final asymmetry" }.into()),
                x_label: if fam == "syn" {
                    "σ_init (synaptic noise)"
                } else {
                    "σ_stdp (plasticity noise)"
                }
                .into(),
                y_label: if dkl {
                    "D_KL"
                } else {
                    "Var(W_ij − W_ji) (0 at 1e-6)"
                }
                .into(),
                log_y: true,
                legend: Some(LegendPos::Best),
                ..Panel::default()
            };
            let step = plain_l
                .windows(2)
                .map(|w| w[1].noise - w[0].noise)
                .fold(f64::INFINITY, f64::min);
            let dx = if step.is_finite() { 0.1 * step } else { 0.02 };
            if let Some(q) = if dkl {
                base.final_dkl()
            } else {
                base.final_asymmetry()
            } {
                let (lo, hi) = (-dx * 2.0, top + dx * 2.0);
                if q.q25.is_finite() && q.q75.is_finite() {
                    p.bands.push(Band {
                        x: vec![lo, hi],
                        lower: vec![clean(q.q25); 2],
                        upper: vec![clean(q.q75); 2],
                        color: colors[0],
                        alpha: 0.2,
                        label: None,
                    });
                }
                if q.median.is_finite() {
                    p.hlines.push(RefLine {
                        at: clean(q.median),
                        style: Style::new(colors[0]).dashed(),
                        label: Some("baseline".into()),
                    });
                }
            }
            p.series
                .extend(final_series(&plain_l, dkl, 0.0, colors[1], "no SAL"));
            if let Some((_, ls)) = sal {
                p.series
                    .extend(final_series(&shown(ls), dkl, dx, colors[2], "SAL"));
            }
            if let Some((_, ls)) = kp {
                p.series
                    .extend(final_series(&shown(ls), dkl, -dx, colors[3], "KP"));
            }
            p
        };
        panels.push(finals(false));
        panels.push(time_panel(
            "D_KL over training",
            "D_KL(target ‖ sampled)",
            &mk(true),
        ));
        panels.push(finals(true));
        let runs = plain_l.first().map(|l| l.runs).unwrap_or(0);
        let fig = Figure {
            title: Some(format!(
                "{title}: median and inter-quartile range over {runs} runs per level ({})",
                plain_s.plan.scenario
            )),
            rows: 2,
            cols: 2,
            panel_width: 580,
            panel_height: 400,
            panels,
            ..Figure::default()
        };
        render(dir, fig_name, &fig)?;
        made.push(fig_name.to_string());
    }
    Ok(made)
}
