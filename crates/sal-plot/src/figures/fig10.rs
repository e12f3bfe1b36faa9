//! Fig 10: Dale's law — the SAL phase plane of the E–I system in effective-weight
//! coordinates, and the effective-weight rate check (spec `dale.md` §2–3).

use super::common::{grid_arrows, render};
use crate::kit::{
    ArrowStyle, Colormap, Figure, Heatmap, LegendPos, Panel, Rgb, Series, Style, palette,
};
use sal::dale::{
    EiParams, FIG10_T_SIM, Pathway, RATE_CHECK_T_SIM, fig10_ws, phase_plane, rate_check,
    rate_check_ws,
};
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;
use serde_json::json;

const ZERO_LINE: Rgb = Rgb(0xff, 0x7f, 0x0e);

fn sim_err(e: impl std::fmt::Display) -> Error {
    Error::Failed(format!("E–I system: {e}"))
}

/// Fig 10: 21×21 grid of direct weights (0 … 2), 2·10^6 steps per point, paper parameters
/// (default_rng(97) draws); rate check at w = 0, 0.25, …, 2 with 5·10^5 steps per system.
pub fn fig10(dir: &OutDir, seed: u64) -> Result<&'static str> {
    let params = EiParams::PAPER;
    let ws = fig10_ws();
    let n = ws.len();
    let pp = phase_plane(&params, &ws, FIG10_T_SIM, seed).map_err(sim_err)?;
    let rws = rate_check_ws();
    let rc = rate_check(&params, &rws, RATE_CHECK_T_SIM, seed).map_err(sim_err)?;

    let off21 = params.offset(Pathway::E1ToE2);
    let off12 = params.offset(Pathway::E2ToE1);
    // x: effective e2 → e1 weight (column j), y: effective e1 → e2 weight (row i).
    let eff_x: Vec<f64> = ws.iter().map(|w| w + off12).collect();
    let eff_y: Vec<f64> = ws.iter().map(|w| w + off21).collect();
    let mag = pp.normalised_magnitude();
    let zero_col = pp.zero_line_by_column();
    let zero_row = pp.zero_line_by_row();
    let eff_diag_raw = off21 - off12;
    let disp: Vec<f64> = zero_row.iter().map(|z| z[1] - z[0]).collect();
    let mean_disp = disp.iter().sum::<f64>() / disp.len().max(1) as f64;
    eprintln!(
        "fig10: offsets 21 = {off21:.4}, 12 = {off12:.4}; zero line of the e1_e2 update at \
         w_e1_e2 − w_e2_e1 = {mean_disp:+.4} raw, {:+.4} effective (mean over rows)",
        mean_disp - eff_diag_raw
    );
    let rates: Vec<Vec<f64>> = (0..4).map(|k| pp.rate(k)).collect();

    let signed = |v: f64| format!("{v:+.3}").replace('-', "−");
    let caption: Vec<String> = vec![
        format!(
            "A: every grid point is one simulation of {} steps (seed {seed}; rect PSP, t_ref = τ_syn = 25 steps): the flow, its magnitude and the attractor line (the zero of the e1 → e2 update in each column) are Monte-Carlo estimates, and their jaggedness is sampling noise. Effective weight = direct weight + the inhibitory path's offset ({} for e1 → e2, {} for e2 → e1).",
            super::common::num(FIG10_T_SIM as f64),
            signed(off21),
            signed(off12)
        ),
        format!(
            "B: rate of e2 with e1 → e2 as the only varied weight, in the E–I system and in a direct pair with the effective weight; {} steps per system, so each rate carries sampling noise.",
            super::common::num(RATE_CHECK_T_SIM as f64)
        ),
    ];
    dir.json(
        "fig10.json",
        &json!({
            "caption": caption,
            "description": "Fig 10: E–I system (simulator M1, rect PSP, t_ref=t_syn=25). Grid point (i, j): w_e2_e1 = Ws[i] (e1→e2), w_e1_e2 = Ws[j] (e2→e1); stdp_e2_e1 = S[e2][e1]·t_ref/T_sim (update of e1→e2), stdp_e1_e2 = S[e1][e2]·t_ref/T_sim; rates in 1/t_ref. Effective weight = raw + offset (offset_21: e1→e2 path, offset_12: e2→e1 path). zero_line_by_column rows: (w_e1_e2, w_e2_e1 where stdp_e2_e1 = 0); zero_line_by_row rows: (w_e2_e1, w_e1_e2 where stdp_e1_e2 = 0).",
            "params": {
                "i1_e1": params.i1_e1, "i2_e2": params.i2_e2,
                "e2_i1": params.e2_i1, "e1_i2": params.e1_i2,
                "b_e1": params.b_e1, "b_e2": params.b_e2,
                "b_i1": params.b_i1, "b_i2": params.b_i2,
                "t_ref": sal::dale::T_REF, "tau_syn": sal::dale::TAU_SYN,
            },
            "seed": seed,
            "t_sim": pp.t_sim,
            "Ws": ws,
            "offset_21": off21,
            "offset_12": off12,
            "effective_21": eff_y,
            "effective_12": eff_x,
            "stdp_e2_e1": pp.stdp_e2_e1.chunks(n).collect::<Vec<_>>(),
            "stdp_e1_e2": pp.stdp_e1_e2.chunks(n).collect::<Vec<_>>(),
            "normalised_magnitude": mag.chunks(n).collect::<Vec<_>>(),
            "rate_e1": rates[0].chunks(n).collect::<Vec<_>>(),
            "rate_e2": rates[1].chunks(n).collect::<Vec<_>>(),
            "rate_i1": rates[2].chunks(n).collect::<Vec<_>>(),
            "rate_i2": rates[3].chunks(n).collect::<Vec<_>>(),
            "zero_line_by_column": zero_col,
            "zero_line_by_row": zero_row,
            "zero_line_mean_raw_displacement": mean_disp,
            "zero_line_mean_effective_displacement": mean_disp - eff_diag_raw,
            "rate_check": {
                "t_sim": RATE_CHECK_T_SIM,
                "w": rc.w, "w_eff": rc.w_eff,
                "rate_e2_ei": rc.rate_e2_ei, "rate_e2_direct": rc.rate_e2_direct,
            },
        }),
    )?;
    let mut npz = dir.npz("fig10.npz")?;
    npz.vec("Ws", &ws)?
        .vec("effective_21", &eff_y)?
        .vec("effective_12", &eff_x)?
        .vec("offsets", &[off21, off12])?
        .mat("stdp_e2_e1", n, n, &pp.stdp_e2_e1)?
        .mat("stdp_e1_e2", n, n, &pp.stdp_e1_e2)?
        .mat("normalised_magnitude", n, n, &mag)?
        .mat("rate_e1", n, n, &rates[0])?
        .mat("rate_e2", n, n, &rates[1])?
        .mat("rate_i1", n, n, &rates[2])?
        .mat("rate_i2", n, n, &rates[3])?
        .mat("zero_line_by_column", zero_col.len(), 2, &zero_col.concat())?
        .mat("zero_line_by_row", zero_row.len(), 2, &zero_row.concat())?
        .vec("rate_check_w", &rc.w)?
        .vec("rate_check_w_eff", &rc.w_eff)?
        .vec("rate_check_e2_ei", &rc.rate_e2_ei)?
        .vec("rate_check_e2_direct", &rc.rate_e2_direct)?;
    npz.finish()?;

    // Left: phase plane in effective coordinates.
    let arrows = grid_arrows(&eff_x, &eff_y, &pp.stdp_e1_e2, &pp.stdp_e2_e1);
    let mut heat = Heatmap::new(eff_x.clone(), eff_y.clone(), mag);
    heat.levels = 15;
    heat.colormap = Colormap::Viridis;
    heat.smooth = true;
    heat.range = Some((0.0, 1.0));
    heat.colorbar_label = Some("|Δw| / max |Δw|".into());
    let (x0, x1) = (eff_x[0], eff_x[n - 1]);
    let diag_x = vec![x0, x1];
    let panel_pp = Panel {
        title: Some("SAL flow of the direct E–E weights".into()),
        tag: Some("A".into()),
        x_label: format!("effective weight e2 → e1   (raw = eff + {:.3})", -off12),
        y_label: format!("effective weight e1 → e2   (raw = eff + {:.3})", -off21),
        x_range: Some((x0, x1)),
        y_range: Some((eff_y[0], eff_y[n - 1])),
        heatmap: Some(heat),
        arrows,
        arrow_style: ArrowStyle {
            color: Rgb::WHITE,
            ..ArrowStyle::default()
        },
        series: vec![
            Series::Line {
                x: diag_x.clone(),
                y: diag_x.iter().map(|x| x + eff_diag_raw).collect(),
                style: Style::new(Rgb(0xd0, 0xd0, 0xd0)).width(2).dashed(),
                label: Some("raw diagonal".into()),
            },
            Series::Line {
                x: diag_x.clone(),
                y: diag_x.clone(),
                style: Style::new(Rgb::WHITE).width(2),
                label: Some("effective diagonal (symmetric effective weights)".into()),
            },
            Series::Line {
                x: zero_col.iter().map(|z| z[0] + off12).collect(),
                y: zero_col.iter().map(|z| z[1] + off21).collect(),
                style: Style::new(ZERO_LINE).width(3),
                label: Some("SAL attractor (Δw = 0)".into()),
            },
        ],
        legend: Some(LegendPos::Outside),
        ..Panel::default()
    };

    // Right: rate check.
    let panel_rate = Panel {
        title: Some("effective-weight approximation".into()),
        tag: Some("B".into()),
        x_label: format!("raw weight e1 → e2   (effective = raw − {:.3})", -off21),
        y_label: "rate of e2 [1/t_ref]".into(),
        y_range: Some((0.36, 0.64)),
        x_range: Some((-0.1, 2.1)),
        series: vec![
            Series::Line {
                x: rc.w.clone(),
                y: rc.rate_e2_ei.clone(),
                style: Style::new(palette(0)).width(2),
                label: Some("E–I system (e1 → e2 direct, e1 → i1 ⊣ e2)".into()),
            },
            Series::Scatter {
                x: rc.w.clone(),
                y: rc.rate_e2_ei.clone(),
                style: Style::new(palette(0)),
                size: 7,
                label: None,
            },
            Series::Line {
                x: rc.w.clone(),
                y: rc.rate_e2_direct.clone(),
                style: Style::new(palette(1)).width(2).dashed(),
                label: Some("direct synapse only, effective weight".into()),
            },
            Series::Scatter {
                x: rc.w.clone(),
                y: rc.rate_e2_direct.clone(),
                style: Style::new(palette(1)),
                size: 7,
                label: None,
            },
        ],
        legend: Some(LegendPos::UpperLeft),
        grid: true,
        ..Panel::default()
    };
    let fig = Figure {
        title: Some(
            "Fig 10 — SAL aligns effective weights under Dale's law (E–I system, simulated)".into(),
        ),
        caption: caption.clone(),
        rows: 1,
        cols: 2,
        panel_width: 680,
        panel_height: 540,
        panels: vec![panel_pp, panel_rate],
        ..Figure::default()
    };
    render(dir, "fig10", &fig)?;
    Ok("fig10")
}
