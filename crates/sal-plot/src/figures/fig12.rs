//! Fig 12: linear response of the STDD to an asymmetric weight perturbation
//! (`psp_shapes.md` §2).

use super::common::{render, tref_ticks};
use crate::kit::{Figure, Panel, RefLine, Rgb, Series, Style, palette};
use sal::kernel::{Psp, PspKernel};
use sal::stdd::analytic::Calculator;
use sal::stdd::linear_response::{LinearResponse, linear_response};
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;
use serde_json::json;

/// Fig 12: δ(Δ) and its running integral for an excitatory (w = 0.5) and an inhibitory
/// (w = −0.5) pair perturbed by ε = 0.05 (T = 80, t_ref = τ_syn = 40, b = (0, 1)).
pub fn fig12(dir: &OutDir) -> Result<&'static str> {
    let t_ref = 40usize;
    let calc = Calculator::new(
        PspKernel::new(Psp::Rect, t_ref as f64, t_ref as f64),
        80,
        t_ref,
    );
    let run = |w: f64| {
        linear_response(&calc, w, 0.05, 0.0, 1.0).map_err(|e| Error::Failed(format!("STDD: {e}")))
    };
    let exc = run(0.5)?;
    let inh = run(-0.5)?;
    let entry = |r: &LinearResponse, w: f64| json!({"w": w, "eps": 0.05, "p_0": r.p0.p, "p_eps": r.p_eps.p, "delta": r.delta, "int_delta": r.int_delta, "big_delta": r.big_delta});
    let caption: Vec<String> = vec![
            "Rect PSP, T = 80, t_ref = τ_syn = 40 steps, b₁ = 0, b₂ = 1. δ(Δ) = (p_ε − p₀)(Δ) − (p_ε − p₀)(−Δ) for Δ ≥ 0: the antisymmetric part of the change of the STDD p when the symmetric pair (w, w) is perturbed to (w + ε, w − ε). ∫δ dΔ: its trapezoid integral over Δ = 0 … 79 steps.".into(),
            "C, D: the running integral I(Δ) of δ from 0 to Δ (trapezoid rule). I ≥ 0 for every Δ and the SAL window decays monotonically with |Δ|, so the SAL update of the increased weight w₁₂ is negative in both cases: SAL opposes the perturbation.".into(),
        ];
    dir.json(
        "fig12.json",
        &json!({
            "caption": caption,
            "description": "Fig 12: rect PSP, T=80, t_ref=t_syn=40, b1=0, b2=1; perturbed (w+eps, w-eps); delta on lags 0..79; big_delta = running trapezoid integral",
            "exc": entry(&exc, 0.5),
            "inh": entry(&inh, -0.5),
        }),
    )?;
    let mut npz = dir.npz("fig12.npz")?;
    for (k, r) in [("exc", &exc), ("inh", &inh)] {
        npz.vec(&format!("{k}_p_0"), &r.p0.p)?
            .vec(&format!("{k}_p_eps"), &r.p_eps.p)?
            .vec(&format!("{k}_delta"), &r.delta)?
            .vec(&format!("{k}_big_delta"), &r.big_delta)?
            .vec(&format!("{k}_int_delta"), &[r.int_delta])?;
    }
    npz.finish()?;

    let zero = || {
        vec![RefLine {
            at: 0.0,
            style: Style::new(Rgb::GREY).width(1),
            label: None,
        }]
    };
    let n = exc.delta.len() as f64;
    let ticks = Some(tref_ticks(t_ref as f64, 0.0, n - 1.0));
    let mut panels = Vec::new();
    for (k, (name, r)) in [
        ("excitatory: w = 0.5", &exc),
        ("inhibitory: w = −0.5", &inh),
    ]
    .into_iter()
    .enumerate()
    {
        let x: Vec<f64> = (0..r.delta.len()).map(|i| i as f64).collect();
        panels.push(Panel {
            title: Some(format!(
                "{name}; ∫δ dΔ = {}",
                crate::kit::format_value(r.int_delta)
            )),
            x_label: "Δ = t₁ − t₂ [t_ref]".into(),
            y_label: "δ(Δ)".into(),
            series: vec![Series::Line {
                x: x.clone(),
                y: r.delta.clone(),
                style: Style::new(palette(k)).width(2),
                label: None,
            }],
            hlines: zero(),
            x_ticks: ticks.clone(),
            ..Panel::default()
        });
    }
    for (k, r) in [&exc, &inh].into_iter().enumerate() {
        let x: Vec<f64> = (0..r.big_delta.len()).map(|i| i as f64).collect();
        panels.push(Panel {
            x_label: "Δ = t₁ − t₂ [t_ref]".into(),
            y_label: "running integral I(Δ)".into(),
            series: vec![Series::Line {
                x,
                y: r.big_delta.clone(),
                style: Style::new(palette(k)).width(2),
                label: None,
            }],
            hlines: zero(),
            x_ticks: ticks.clone(),
            ..Panel::default()
        });
    }
    let fig = Figure {
        title: Some(
            "Fig 12 — linear response of the STDD to w₁₂ = w + ε, w₂₁ = w − ε, ε = 0.05 (analytic)"
                .into(),
        ),
        caption: caption.clone(),
        rows: 2,
        cols: 2,
        panel_width: 540,
        panel_height: 340,
        panels,
        ..Figure::default()
    };
    render(dir, "fig12", &fig)?;
    Ok("fig12")
}
