//! Fig 2c (STDDs), Fig 2d (two-neuron SAL), Fig 2e (phase plane).

use super::common::{grid_arrows, lags_f64, render, tref_ticks};
use crate::kit::{
    ArrowStyle, Colormap, Figure, Heatmap, LegendPos, Panel, RefLine, Rgb, SecondaryAxis, Series,
    Style, palette,
};
use sal::kernel::{Psp, PspKernel};
use sal::spline::upscale_grid;
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::attractor::attractor_line;
use sal::stdd::{Centre, Stdd};
use sal::two_neuron::{PairSal, Plastic, Trajectory, run_pair_sal};
use sal::window::Window;
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;
use serde_json::json;

const RIGHT: Rgb = Rgb(0xd6, 0x27, 0x28);
const LEFT: Rgb = Rgb(0x1f, 0x77, 0xb4);

fn calc_err(e: impl std::fmt::Display) -> Error {
    Error::Failed(format!("STDD calculator: {e}"))
}

/// One STDD panel: right half, left half and the symmetric reference (dashed).
fn stdd_panel(title: &str, asym: &Stdd, sym: &Stdd, t_ref: f64) -> Panel {
    let lags = lags_f64(&asym.lags());
    let t = asym.t_max();
    let right_x = lags[t..].to_vec();
    let left_x = lags[..t - 1].to_vec();
    Panel {
        title: Some(title.into()),
        x_label: "Δ = t₁ − t₂ [t_ref]".into(),
        y_label: "p(Δ)".into(),
        series: vec![
            Series::Line {
                x: lags.clone(),
                y: sym.p.clone(),
                style: Style::new(Rgb::GREY).width(2).dashed(),
                label: Some("both weights at their mean".into()),
            },
            Series::Line {
                x: right_x,
                y: asym.right().to_vec(),
                style: Style::new(RIGHT).width(2),
                label: Some("Δ > 0: 1 fires after 2 (via w₁₂)".into()),
            },
            Series::Line {
                x: left_x,
                y: asym.left().to_vec(),
                style: Style::new(LEFT).width(2),
                label: Some("Δ < 0: 2 fires after 1 (via w₂₁)".into()),
            },
        ],
        x_ticks: Some(tref_ticks(t_ref, -((t - 1) as f64), (t - 1) as f64)),
        legend: Some(LegendPos::Best),
        ..Panel::default()
    }
}

/// Fig 2c: analytic STDDs of an excitatory and an inhibitory pair (T = 102,
/// t_ref = τ_syn = 50, b = −0.5), asymmetric (0.8/0.4) vs symmetric (0.6), and the SAL window.
pub fn fig2c(dir: &OutDir) -> Result<&'static str> {
    let t_ref = 50usize;
    let calc = Calculator::new(
        PspKernel::new(Psp::Rect, t_ref as f64, t_ref as f64),
        102,
        t_ref,
    );
    let b = -0.5;
    let mk = |w12: f64, w21: f64| {
        calc.stdd(
            &Pair {
                w12,
                w21,
                b1: b,
                b2: b,
            },
            Centre::Nan,
        )
    };
    let exc_asym = mk(0.8, 0.4).map_err(calc_err)?;
    let exc_sym = mk(0.6, 0.6).map_err(calc_err)?;
    let inh_asym = mk(-0.8, -0.4).map_err(calc_err)?;
    let inh_sym = mk(-0.6, -0.6).map_err(calc_err)?;
    let window = Window::sal_exp(t_ref as f64);
    let lags = exc_asym.lags();
    let wx: Vec<f64> = (-100..=100).map(f64::from).collect();
    let wy: Vec<f64> = wx.iter().map(|&d| window.eval(d)).collect();
    let sal = |s: &Stdd| s.sal(&window);

    let caption: Vec<String> = vec![
            "A, B: exact spike-time-difference distributions p(Δ), Δ = t₁ − t₂, of the asymmetric pair (solid; red: neuron 1 fires after neuron 2, the side w₁₂ drives) and of the pair with both weights at their mean (dashed). The centre bin Δ = 0 (both neurons spike in the same step) is not drawn: the reference leaves it undefined (null in fig2c.json). C: the SAL window, potentiating for anti-causal and depressing for causal pairs.".into(),
        ];
    dir.json(
        "fig2c.json",
        &json!({
            "caption": caption,
            "description": "Fig 2c: analytic STDDs (rect PSP, T=102, t_ref=t_syn=50, b1=b2=-0.5); centre bin null",
            "lag": lags,
            "exc": {"w12": 0.8, "w21": 0.4, "stdd_asym": exc_asym.p, "stdd_sym_mean": exc_sym.p, "sal_asym": sal(&exc_asym)},
            "inh": {"w12": -0.8, "w21": -0.4, "stdd_asym": inh_asym.p, "stdd_sym_mean": inh_sym.p, "sal_asym": sal(&inh_asym)},
            "window": {"lag": wx, "k": wy, "a_plus": -1.0, "a_minus": 1.0, "tau": t_ref},
        }),
    )?;
    let mut npz = dir.npz("fig2c.npz")?;
    npz.vec("lag", &lags_f64(&lags))?
        .vec("exc_asym", &exc_asym.p)?
        .vec("exc_sym", &exc_sym.p)?
        .vec("inh_asym", &inh_asym.p)?
        .vec("inh_sym", &inh_sym.p)?
        .vec("window_lag", &wx)?
        .vec("window_k", &wy)?;
    npz.finish()?;

    let window_panel = Panel {
        title: Some("SAL window K (A₊ = −1, A₋ = +1, τ = t_ref)".into()),
        x_label: "t_post − t_pre [t_ref]".into(),
        y_label: "K(t_post − t_pre)".into(),
        series: vec![
            Series::Line {
                x: wx[..100].to_vec(),
                y: wy[..100].to_vec(),
                style: Style::new(LEFT).width(2),
                label: Some("anti-causal: potentiation".into()),
            },
            Series::Line {
                x: wx[101..].to_vec(),
                y: wy[101..].to_vec(),
                style: Style::new(RIGHT).width(2),
                label: Some("causal: depression".into()),
            },
        ],
        hlines: vec![RefLine {
            at: 0.0,
            style: Style::new(Rgb::GREY),
            label: None,
        }],
        x_ticks: Some(tref_ticks(t_ref as f64, -100.0, 100.0)),
        legend: Some(LegendPos::UpperRight),
        ..Panel::default()
    };
    let fig = Figure {
        title: Some(
            "Fig 2c — STDDs of reciprocally coupled pairs (analytic; rect PSP, T = 102, t_ref = τ_syn = 50 steps, b₁ = b₂ = −0.5)"
                .into(),
        ),
        caption: caption.clone(),
        rows: 1,
        cols: 3,
        panel_width: 560,
        panel_height: 400,
        panels: vec![
            stdd_panel(
                "excitatory: w₁₂ = 0.8, w₂₁ = 0.4",
                &exc_asym,
                &exc_sym,
                t_ref as f64,
            ),
            stdd_panel(
                "inhibitory: w₁₂ = −0.8, w₂₁ = −0.4",
                &inh_asym,
                &inh_sym,
                t_ref as f64,
            ),
            window_panel,
        ],
        ..Figure::default()
    };
    render(dir, "fig2c", &fig)?;
    Ok("fig2c")
}

/// The two Fig 2d runs (seed for run 1, seed + 1 for run 2).
fn fig2d_runs(seed: u64) -> (PairSal, Trajectory, Trajectory) {
    let cfg = PairSal::fig2d(Plastic::Both);
    let both = run_pair_sal(&cfg, seed);
    let one = run_pair_sal(&PairSal::fig2d(Plastic::W21), seed.wrapping_add(1));
    (cfg, both, one)
}

/// Fig 2d: two-neuron SAL, both weights plastic and only w₂₁ (the reference's W10) plastic (1500 epochs of 1500
/// steps, t_ref = 25; time axis 1 t_ref = 10 ms).
pub fn fig2d(dir: &OutDir, seed: u64) -> Result<&'static str> {
    let (cfg, both, one) = fig2d_runs(seed);
    let sec_per_epoch = cfg.steps_per_epoch as f64 / cfg.t_ref as f64 * 0.01;
    let time: Vec<f64> = (0..=cfg.epochs).map(|e| e as f64 * sec_per_epoch).collect();
    let caption: Vec<String> = vec![format!(
        "One simulation per panel (seeds {seed} and {}): 1 500 epochs of 1 500 steps, SAL with the last K = 10 spikes; weights drawn every 10th epoch, 1 t_ref = 10 ms. A: both weights converge to their mean (dashed). B: w₁₂ is held at 1.5 and w₂₁ converges onto it.",
        seed.wrapping_add(1)
    )];
    dir.json(
        "fig2d.json",
        &json!({
            "caption": caption,
            "description": "Fig 2d: two-neuron SAL (simulator M1, rect PSP, t_ref=t_syn=25, K=10, lr=0.03, 1500 epochs x 1500 steps); W01=w12, W10=w21; run 2 keeps W01 fixed",
            "seeds": [seed, seed.wrapping_add(1)],
            "time_s": time,
            "both": {"w12": both.w12, "w21": both.w21},
            "w21_only": {"w12": one.w12, "w21": one.w21},
        }),
    )?;
    let mut npz = dir.npz("fig2d.npz")?;
    npz.vec("time_s", &time)?
        .vec("both_w12", &both.w12)?
        .vec("both_w21", &both.w21)?
        .vec("w21_only_w12", &one.w12)?
        .vec("w21_only_w21", &one.w21)?;
    npz.finish()?;

    let every = |v: &[f64]| v.iter().step_by(10).copied().collect::<Vec<f64>>();
    let tx = every(&time);
    let panel = |title: &str, tr: &Trajectory, w12_label: &str, hlines: Vec<RefLine>| Panel {
        title: Some(title.into()),
        x_label: "time [s]".into(),
        y_label: "weight".into(),
        series: vec![
            Series::Line {
                x: tx.clone(),
                y: every(&tr.w12),
                style: Style::new(palette(0)).width(2),
                label: Some(w12_label.into()),
            },
            Series::Line {
                x: tx.clone(),
                y: every(&tr.w21),
                style: Style::new(palette(1)).width(2),
                label: Some("w₂₁ (synapse 1 → 2)".into()),
            },
        ],
        hlines,
        secondary_x: Some(SecondaryAxis {
            label: "time [10⁴ t_ref]".into(),
            scale: 0.01,
        }),
        legend: Some(LegendPos::Best),
        y_range: Some((0.3, 1.7)),
        ..Panel::default()
    };
    let fig = Figure {
        title: Some(
            "Fig 2d — SAL in a simulated two-neuron system (rect PSP, t_ref = τ_syn = 25 steps, η = 0.03)"
                .into(),
        ),
        caption: caption.clone(),
        rows: 1,
        cols: 2,
        panel_width: 560,
        panel_height: 380,
        panels: vec![
            panel(
                "both synapses plastic",
                &both,
                "w₁₂ (synapse 2 → 1)",
                vec![RefLine {
                    at: 1.0,
                    style: Style::new(Rgb::GREY).dashed(),
                    label: Some("mean weight (symmetric point)".into()),
                }],
            ),
            panel(
                "only w₂₁ plastic",
                &one,
                "w₁₂ (synapse 2 → 1), fixed at 1.5",
                Vec::new(),
            ),
        ],
        ..Figure::default()
    };
    render(dir, "fig2d", &fig)?;
    Ok("fig2d")
}

/// Fig 2e: SAL phase plane (17×17 grid, T = 30, t_ref = τ_syn = 15, zero biases) with its
/// attractor line and the Fig 2d trajectories.
pub fn fig2e(dir: &OutDir, seed: u64) -> Result<&'static str> {
    // The phase plane as Python's `sal.phase_plane()` computes it (one request, one code path).
    let req = sal_experiments::analytic::PhasePlaneRequest::fig2e();
    let axis = req.axis();
    let pp = req.compute()?;
    let n = pp.n();
    let m = 101;
    let spline_err = |e: sal::spline::SplineError| Error::Failed(format!("up-scaling: {e}"));
    let (up_axis, up12) = upscale_grid(&axis, &pp.sal12, m).map_err(spline_err)?;
    let (_, up21) = upscale_grid(&axis, &pp.sal21, m).map_err(spline_err)?;
    let mag = sal::metrics::normalised_magnitude(&up12, &up21);
    let line = attractor_line(&up_axis, &up12).map_err(spline_err)?;
    let (_, both, one) = fig2d_runs(seed);

    let caption: Vec<String> = vec![
            "Arrows: the SAL update (sal₂₁, sal₁₂) on every second point of the 17×17 grid; colour: its magnitude, normalised, on the grid up-scaled to 101×101 by a not-a-knot spline. The attractor line (sal₁₂ = 0) is the diagonal w₁₂ = w₂₁. The two simulated trajectories of Fig 2d are overlaid; their neurons have t_ref = 25 and biases −0.5, −0.2, so they follow the direction of this flow, not a solution of this plane.".into(),
        ];
    dir.json(
        "fig2e.json",
        &json!({
            "caption": caption,
            "description": "Fig 2e: SAL phase plane; sal_12[i][j], sal_21[i][j] at w12 = w_range[i], w21 = w_range[j] (T=30, t_ref=t_syn=15, b=0, window -1/+1/15/15); attractor rows (w21, w12*) from the not-a-knot up-scaled grid",
            "w_range": axis,
            "sal_12": pp.sal12.chunks(n).collect::<Vec<_>>(),
            "sal_21": pp.sal21.chunks(n).collect::<Vec<_>>(),
            "normalised_magnitude": pp.normalised_magnitude().chunks(n).collect::<Vec<_>>(),
            "attractor_line": line,
            "fig2d_seed": seed,
        }),
    )?;
    let mut npz = dir.npz("fig2e.npz")?;
    npz.vec("w_range", &axis)?
        .mat("sal_12", n, n, &pp.sal12)?
        .mat("sal_21", n, n, &pp.sal21)?
        .vec("upscaled_axis", &up_axis)?
        .mat("upscaled_sal_12", m, m, &up12)?
        .mat("upscaled_sal_21", m, m, &up21)?
        .mat("attractor_line", line.len(), 2, &line.concat())?;
    npz.finish()?;

    let arrows = grid_arrows(&axis, &axis, &pp.sal21, &pp.sal12);
    let every = |v: &[f64]| v.iter().step_by(10).copied().collect::<Vec<f64>>();
    let mut heat = Heatmap::new(up_axis.clone(), up_axis.clone(), mag);
    heat.levels = 15;
    heat.colormap = Colormap::Viridis;
    heat.smooth = true;
    heat.range = Some((0.0, 1.0));
    heat.colorbar_label = Some("|Δw| / max |Δw|".into());
    let panel = Panel {
        title: Some("SAL flow (sal₂₁, sal₁₂) over the weight plane".into()),
        x_label: "w₂₁".into(),
        y_label: "w₁₂".into(),
        x_range: Some((-2.0, 2.0)),
        y_range: Some((-2.0, 2.0)),
        heatmap: Some(heat),
        arrows,
        arrow_style: ArrowStyle {
            color: Rgb::WHITE,
            ..ArrowStyle::default()
        },
        series: vec![
            Series::Line {
                x: line.iter().map(|r| r[0]).collect(),
                y: line.iter().map(|r| r[1]).collect(),
                style: Style::new(Rgb(0xff, 0x7f, 0x0e)).width(2).dashed(),
                label: Some("attractor line (sal₁₂ = 0)".into()),
            },
            Series::Line {
                x: every(&both.w21),
                y: every(&both.w12),
                style: Style::new(RIGHT).width(3),
                label: Some("Fig 2d A: both plastic".into()),
            },
            Series::Line {
                x: every(&one.w21),
                y: every(&one.w12),
                style: Style::new(Rgb(0xff, 0x9d, 0xa7)).width(3),
                label: Some("Fig 2d B: only w₂₁ plastic".into()),
            },
        ],
        legend: Some(LegendPos::Outside),
        ..Panel::default()
    };
    let fig = Figure {
        title: Some(
            "Fig 2e — phase plane of SAL (analytic; rect PSP, T = 30, t_ref = τ_syn = 15 steps, b₁ = b₂ = 0)"
                .into(),
        ),
        caption: caption.clone(),
        rows: 1,
        cols: 1,
        panel_width: 900,
        panel_height: 620,
        panels: vec![panel],
        ..Figure::default()
    };
    render(dir, "fig2e", &fig)?;
    Ok("fig2e")
}
