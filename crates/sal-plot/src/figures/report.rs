//! Sweep report figures: per scenario, and the paper's Fig 4 / Fig 5 layout per noise family.
//!
//! Values a log axis cannot show are marked by the kit, never moved: an asymmetry of exactly
//! 0 (no synaptic noise: W starts and stays symmetric) as ▼ at the bottom edge, a D_KL of
//! +∞ (a target state never sampled in a validation run) as ▲ at the top edge.

use super::common::{describe_overrides, noise_meaning, noise_symbol, num, render};
use super::ssn::{ASYM_ZERO, DKL_INF};
use crate::kit::{
    Band, Colormap, Figure, LegendPos, Panel, RefLine, Rgb, Series, Style, colormap_rgb, palette,
};
use sal_experiments::error::Result;
use sal_experiments::out::OutDir;
use sal_experiments::report::common::Quartiles;
use sal_experiments::report::ssn::{Level, Scenario};

/// Median line (and, with `band`, the inter-quartile band) of quartiles over time.
fn median_iqr(
    x: &[f64],
    q: &[Quartiles],
    color: Rgb,
    label: Option<String>,
    band: bool,
) -> (Option<Band>, Series) {
    (
        band.then(|| Band {
            x: x.to_vec(),
            lower: q.iter().map(|q| q.q25).collect(),
            upper: q.iter().map(|q| q.q75).collect(),
            color,
            alpha: 0.22,
            label: None,
        }),
        Series::Line {
            x: x.to_vec(),
            y: q.iter().map(|q| q.median).collect(),
            style: Style::new(color).width(2),
            label,
        },
    )
}

/// One curve of a time panel: label, colour, level, D_KL (else asymmetry), with IQR band.
type Curve<'a> = (String, Rgb, &'a Level, bool, bool);

const ASYM_LABEL: &str = "Var(W_ij − W_ji)";
const DKL_LABEL: &str = "D_KL(p* ‖ p)";

fn time_panel(title: &str, y_label: &str, curves: &[Curve<'_>]) -> Panel {
    let mut p = Panel {
        title: Some(title.into()),
        x_label: "wake–sleep iteration".into(),
        y_label: y_label.into(),
        log_y: true,
        x_integer: true,
        legend: Some(LegendPos::Best),
        top_mark_label: Some(DKL_INF.into()),
        bottom_mark_label: Some(ASYM_ZERO.into()),
        ..Panel::default()
    };
    let mut any = false;
    for (label, color, level, dkl, band) in curves {
        let q = if *dkl { &level.dkl } else { &level.asymmetry };
        any |= q.iter().any(|q| {
            [q.median, q.q25, q.q75]
                .iter()
                .any(|v| v.is_finite() && *v > 0.0)
        });
        let (b, s) = median_iqr(&level.iterations, q, *color, Some(label.clone()), *band);
        p.bands.extend(b);
        p.series.push(s);
    }
    if !any {
        // every value is +∞ or 0: nothing to scale the axis by
        p.y_range = Some((1e-3, 1.0));
        p.title = Some(format!("{title} — no finite positive value"));
    }
    p
}

/// Final value vs noise: median (dot) with inter-quartile bar, shifted by `dx`.
fn final_series(levels: &[Level], dkl: bool, dx: f64, color: Rgb, label: String) -> Vec<Series> {
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
        ey.extend([q.q25, q.q75, f64::NAN]);
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
            y: pts.iter().map(|p| p.1.median).collect(),
            style: Style::new(color),
            size: 8,
            label: Some(label),
        },
    ]
}

/// "n = 20" when every level has the same number of runs, else "n = 18–20".
fn n_runs(levels: &[&Level]) -> String {
    let lo = levels.iter().map(|l| l.runs).min().unwrap_or(0);
    let hi = levels.iter().map(|l| l.runs).max().unwrap_or(0);
    if lo == hi {
        format!("n = {lo}")
    } else {
        format!("n = {lo}–{hi}")
    }
}

/// The learning rule of a v3 scenario, from its name.
fn rule_of(scenario: &str) -> &'static str {
    if scenario.ends_with("_sal") {
        "SAL"
    } else if scenario.ends_with("_kp") {
        "Kolen–Pollack decay"
    } else {
        "no SAL"
    }
}

/// The noise family in words.
fn family_words(s: &Scenario) -> String {
    match s.plan.family.as_deref() {
        Some("syn") => "synaptic noise σ_init".into(),
        Some("plast") => "plasticity noise σ_stdp".into(),
        _ => s
            .plan
            .noise_key
            .as_deref()
            .map(|k| {
                format!(
                    "{} {}",
                    noise_meaning(k).unwrap_or("noise"),
                    noise_symbol(k)
                )
            })
            .unwrap_or_else(|| "one setting".into()),
    }
}

/// Per-scenario figure: time courses for every noise level and final values vs noise.
pub fn scenario(dir: &OutDir, s: &Scenario, levels: &[Level]) -> Result<()> {
    if levels.is_empty() {
        return Ok(());
    }
    let key = s.plan.noise_key.clone().unwrap_or_else(|| "noise".into());
    let sym = noise_symbol(&key);
    let k = levels.len().max(2) - 1;
    let last = levels.len() - 1;
    // IQR bands for the lowest and the highest level only: more overlapping bands merge.
    let curves = |dkl: bool| -> Vec<Curve<'_>> {
        levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    if l.noise.is_nan() {
                        "all runs".to_string()
                    } else {
                        format!("{sym} = {}", num(l.noise))
                    },
                    colormap_rgb(Colormap::Viridis, 0.9 * i as f64 / k as f64),
                    l,
                    dkl,
                    i == 0 || i == last,
                )
            })
            .collect()
    };
    let all: Vec<&Level> = levels.iter().collect();
    let n = n_runs(&all);
    let x_label = match noise_meaning(&key) {
        Some(m) => format!("{sym} ({m})"),
        None => sym.clone(),
    };
    let finals = |dkl: bool| {
        let mut p = Panel {
            title: Some(if dkl { "final D_KL" } else { "final asymmetry" }.into()),
            x_label: x_label.clone(),
            y_label: if dkl { DKL_LABEL } else { ASYM_LABEL }.into(),
            log_y: true,
            legend: Some(LegendPos::Best),
            top_mark_label: Some(DKL_INF.into()),
            bottom_mark_label: Some(ASYM_ZERO.into()),
            ..Panel::default()
        };
        p.series = final_series(
            levels,
            dkl,
            0.0,
            palette(if dkl { 1 } else { 0 }),
            format!("median and IQR ({n} per level)"),
        );
        if levels.iter().all(|l| l.noise.is_nan()) {
            // No noise axis (a sweep over seeds only): one column of final values.
            p.x_range = Some((-1.0, 1.0));
            p.x_ticks = Some(vec![(0.0, "all runs".into())]);
        }
        p
    };
    let mut title = format!(
        "{}: {}, {} — median and IQR over {n} runs per level",
        s.plan.scenario,
        rule_of(&s.plan.scenario),
        family_words(s)
    );
    if let Some(o) = describe_overrides(&s.plan.base_sets) {
        title.push_str(&format!(" ({o})"));
    }
    let mut caption = vec![
        "Lines: median over runs; bands and bars: inter-quartile range (25–75 %). Bands are drawn for the lowest and the highest noise level only (more overlap into one blob); table.csv and long.csv hold every quartile.".to_string(),
    ];
    let last_it = levels
        .iter()
        .filter_map(|l| l.iterations.last())
        .fold(f64::NAN, |a, &b| a.max(b));
    if last_it.is_finite() {
        caption.push(format!("Final values: iteration {}.", num(last_it)));
    }
    let fig = Figure {
        title: Some(title),
        caption,
        rows: 2,
        cols: 2,
        panel_width: 600,
        panel_height: 400,
        panels: vec![
            time_panel("asymmetry over training", ASYM_LABEL, &curves(false)),
            finals(false),
            time_panel("D_KL over training", DKL_LABEL, &curves(true)),
            finals(true),
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
    for (fam, fig_name, title, sym, meaning) in [
        (
            "syn",
            "fig4",
            "Fig 4 — synaptic noise",
            "σ_init",
            "synaptic noise",
        ),
        (
            "plast",
            "fig5",
            "Fig 5 — plasticity noise",
            "σ_stdp",
            "plasticity noise",
        ),
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
        // Fig 4 stops at σ_init = 0.8, as the paper's does; σ_init = 1.0 stays in the
        // per-scenario figures and the table, and the caption says so.
        let mut omitted: Vec<f64> = [Some(plain), sal.map(|s| &s.1), kp.map(|s| &s.1)]
            .into_iter()
            .flatten()
            .flat_map(|ls| ls.iter().map(|l| l.noise))
            .filter(|&n| fam == "syn" && n > 0.85)
            .collect();
        omitted.sort_by(f64::total_cmp);
        omitted.dedup();
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
        let sal_l = sal.map(|(_, ls)| shown(ls));
        let kp_l = kp.map(|(_, ls)| shown(ls));
        let at_top = format!("{sym} = {}", num(top));
        let mut curves: Vec<(String, Rgb, Level)> = vec![(
            format!("baseline: {sym} = 0, no SAL (n = {})", base.runs),
            colors[0],
            base.clone(),
        )];
        if let Some(l) = at(&plain_l) {
            curves.push((format!("no SAL, {at_top} (n = {})", l.runs), colors[1], l));
        }
        if let Some(l) = sal_l.as_deref().and_then(at) {
            curves.push((format!("SAL, {at_top} (n = {})", l.runs), colors[2], l));
        }
        if let Some(l) = kp_l.as_deref().and_then(at) {
            curves.push((
                format!("Kolen–Pollack, {at_top} (n = {})", l.runs),
                colors[3],
                l,
            ));
        }
        let mk = |dkl: bool| -> Vec<Curve<'_>> {
            curves
                .iter()
                .map(|(a, b, c)| (a.clone(), *b, c, dkl, true))
                .collect()
        };
        let step = plain_l
            .windows(2)
            .map(|w| w[1].noise - w[0].noise)
            .fold(f64::INFINITY, f64::min);
        let dx = if step.is_finite() { 0.1 * step } else { 0.02 };
        let finals = |dkl: bool| -> Panel {
            let mut p = Panel {
                title: Some(if dkl { "final D_KL" } else { "final asymmetry" }.into()),
                x_label: format!("{sym} ({meaning})"),
                y_label: if dkl { DKL_LABEL } else { ASYM_LABEL }.into(),
                log_y: true,
                legend: Some(LegendPos::Best),
                top_mark_label: Some(DKL_INF.into()),
                bottom_mark_label: Some(ASYM_ZERO.into()),
                ..Panel::default()
            };
            if let Some(q) = if dkl {
                base.final_dkl()
            } else {
                base.final_asymmetry()
            } {
                let (lo, hi) = (-dx * 2.0, top + dx * 2.0);
                if q.q25 > 0.0 && q.q75.is_finite() {
                    p.bands.push(Band {
                        x: vec![lo, hi],
                        lower: vec![q.q25; 2],
                        upper: vec![q.q75; 2],
                        color: colors[0],
                        alpha: 0.2,
                        label: None,
                    });
                }
                if q.median > 0.0 && q.median.is_finite() {
                    p.hlines.push(RefLine {
                        at: q.median,
                        style: Style::new(colors[0]).dashed(),
                        label: Some(format!("baseline: median and IQR (n = {})", base.runs)),
                    });
                }
            }
            let levels = |ls: &[Level]| n_runs(&ls.iter().collect::<Vec<_>>());
            p.series.extend(final_series(
                &plain_l,
                dkl,
                0.0,
                colors[1],
                format!("no SAL ({} per {sym})", levels(&plain_l)),
            ));
            if let Some(ls) = &sal_l {
                p.series.extend(final_series(
                    ls,
                    dkl,
                    dx,
                    colors[2],
                    format!("SAL ({} per {sym})", levels(ls)),
                ));
            }
            if let Some(ls) = &kp_l {
                p.series.extend(final_series(
                    ls,
                    dkl,
                    -dx,
                    colors[3],
                    format!("Kolen–Pollack ({} per {sym})", levels(ls)),
                ));
            }
            p
        };
        let panels = vec![
            time_panel("asymmetry over training", ASYM_LABEL, &mk(false)),
            finals(false),
            time_panel("D_KL over training", DKL_LABEL, &mk(true)),
            finals(true),
        ];
        let mut caption = vec![format!(
            "Lines: median over runs; bands and bars: inter-quartile range (25–75 %). Right: SAL shifted right and Kolen–Pollack left of their {sym} for legibility; the dashed line and band are the baseline's final median and IQR."
        )];
        if !omitted.is_empty() {
            caption.push(format!(
                "{sym} = {} was simulated but is not drawn here, as in the paper's Fig 4, which stops at {sym} = 0.8; its runs are in the per-scenario figures ({}.png, …) and in table.csv.",
                omitted
                    .iter()
                    .map(|&v| num(v))
                    .collect::<Vec<_>>()
                    .join(", "),
                plain_s.plan.scenario
            ));
        }
        let mut full_title = format!("{title} {sym}: baseline, no SAL, SAL and Kolen–Pollack");
        if let Some(o) = describe_overrides(&plain_s.plan.base_sets) {
            full_title.push_str(&format!(" ({o})"));
        }
        let fig = Figure {
            title: Some(full_title),
            caption,
            rows: 2,
            cols: 2,
            panel_width: 620,
            panel_height: 420,
            panels,
            ..Figure::default()
        };
        render(dir, fig_name, &fig)?;
        made.push(fig_name.to_string());
    }
    Ok(made)
}
