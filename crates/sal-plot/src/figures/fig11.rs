//! Fig 11: robustness of the SAL fixed points to the PSP shape (`psp_shapes.md` §1).

use super::common::{lags_f64, render, tref_ticks};
use crate::kit::{
    Colormap, Figure, Heatmap, LegendPos, Panel, Rgb, Series, Style, colormap_rgb, palette,
};
use rayon::prelude::*;
use sal::kernel::{Psp, PspKernel};
use sal::spline::upscale_grid;
use sal::stdd::Centre;
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::attractor::{attractor_line, deviation};
use sal::stdd::ppd::{linspace, phase_plane};
use sal::window::Window;
use sal_experiments::error::{Error, Result};
use sal_experiments::out::OutDir;
use serde_json::json;

/// Bias values B (indices 0…8).
const B: [f64; 9] = [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0];

/// A column of the figure: name, shape, τ_syn of the phase planes (t_ref = 10) and of the
/// STDD row (t_ref = 30; the reference uses 0.33·30 = 9.9 for the short alpha, sic).
struct Shape {
    key: &'static str,
    title: &'static str,
    psp: Psp,
    t_syn_ppd: f64,
    t_syn_stdd: f64,
}

const SHAPES: [Shape; 3] = [
    Shape {
        key: "rect",
        title: "rectangular",
        psp: Psp::Rect,
        t_syn_ppd: 10.0,
        t_syn_stdd: 30.0,
    },
    Shape {
        key: "alpha_short",
        title: "alpha, short (τ_syn = t_ref/3)",
        psp: Psp::Alpha,
        t_syn_ppd: 10.0 / 3.0,
        t_syn_stdd: 9.9,
    },
    Shape {
        key: "alpha_long",
        title: "alpha, long (τ_syn = t_ref/2)",
        psp: Psp::Alpha,
        t_syn_ppd: 5.0,
        t_syn_stdd: 15.0,
    },
];

/// One phase plane of the bias grid with its attractor line and deviation.
struct Plane {
    sal12: Vec<f64>,
    sal21: Vec<f64>,
    line: Vec<[f64; 2]>,
    deviation: f64,
}

/// Fig 11: kernels, STDDs for three bias pairs, attractor lines for 9 bias differences and
/// deviation maps over the 9×9 bias grid, for the rectangular and two alpha PSPs.
pub fn fig11(dir: &OutDir) -> Result<&'static str> {
    let w_range = linspace(-1.5, 1.5, 10);
    let window = Window::sal_exp(10.0);
    // 3 shapes × 81 bias pairs, in parallel; ordered results.
    let tasks: Vec<(usize, usize, usize)> = (0..3)
        .flat_map(|s| (0..9).flat_map(move |ix| (0..9).map(move |iy| (s, ix, iy))))
        .collect();
    let planes: Vec<Plane> = tasks
        .par_iter()
        .map(|&(s, ix, iy)| -> Result<Plane> {
            let sh = &SHAPES[s];
            let calc = Calculator::new(PspKernel::new(sh.psp, 10.0, sh.t_syn_ppd), 20, 10);
            // attribute-level biases (B[ix], B[iy]) = public (b1, b2) = (B[iy], B[ix])
            let pp = phase_plane(&calc, B[iy], B[ix], &w_range, &window)
                .map_err(|e| Error::Failed(format!("phase plane: {e}")))?;
            let serr = |e: sal::spline::SplineError| Error::Failed(format!("attractor line: {e}"));
            let (up_axis, up12) = upscale_grid(&w_range, &pp.sal12, 100).map_err(serr)?;
            let line = attractor_line(&up_axis, &up12).map_err(serr)?;
            let deviation = deviation(&line);
            Ok(Plane {
                sal12: pp.sal12,
                sal21: pp.sal21,
                line,
                deviation,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let plane = |s: usize, ix: usize, iy: usize| &planes[s * 81 + ix * 9 + iy];

    // Row 1: kernels; row 2: STDDs (T = 60, t_ref = 30, w = 1).
    let kx = linspace(-2.0, 20.0, 100);
    let pairs = [(B[3], B[7]), (B[5], B[5]), (B[7], B[3])];
    let mut kernels = Vec::new();
    let mut stdds = Vec::new();
    for sh in &SHAPES {
        let k = PspKernel::new(sh.psp, 10.0, sh.t_syn_ppd);
        kernels.push(kx.iter().map(|&x| k.eval(x)).collect::<Vec<f64>>());
        let calc = Calculator::new(PspKernel::new(sh.psp, 30.0, sh.t_syn_stdd), 60, 30);
        let mut row = Vec::new();
        for &(b1, b2) in &pairs {
            let s = calc
                .stdd(
                    &Pair {
                        w12: 1.0,
                        w21: 1.0,
                        b1,
                        b2,
                    },
                    Centre::Smooth,
                )
                .map_err(|e| Error::Failed(format!("STDD: {e}")))?;
            row.push(s);
        }
        stdds.push(row);
    }
    let lags = stdds[0][0].lags();

    // Data.
    let mut dev = Vec::new();
    let mut json_shapes = serde_json::Map::new();
    for (s, sh) in SHAPES.iter().enumerate() {
        let d: Vec<Vec<f64>> = (0..9)
            .map(|ix| (0..9).map(|iy| plane(s, ix, iy).deviation).collect())
            .collect();
        let lines: serde_json::Map<String, serde_json::Value> = (0..9)
            .flat_map(|ix| (0..9).map(move |iy| (ix, iy)))
            .map(|(ix, iy)| (format!("{ix},{iy}"), json!(plane(s, ix, iy).line)))
            .collect();
        json_shapes.insert(
            sh.key.into(),
            json!({
                "t_syn_ppd": sh.t_syn_ppd, "t_syn_stdd": sh.t_syn_stdd,
                "kernel": kernels[s],
                "stdds": stdds[s].iter().zip(&pairs).map(|(st, (b1, b2))| json!({"b_1": b1, "b_2": b2, "stdd": st.p})).collect::<Vec<_>>(),
                "deviation": d,
                "attractor_lines": lines,
            }),
        );
        dev.push(d);
    }
    let caption: Vec<String> = vec![
            "Columns: rectangular PSP, alpha PSPs with τ_syn = t_ref/3 and t_ref/2, all of the area of the rectangular one. A–C: the kernels (t_ref = 10 steps). D–F: STDDs of a pair with w₁₂ = w₂₁ = 1 for three bias pairs (T = 60, t_ref = 30 steps; the short alpha kernel uses τ_syn = 9.9 as the reference does).".into(),
            "G–I: attractor lines (zero of the SAL update of w₁₂; phase planes T = 20, t_ref = 10 steps, up-scaled to 100×100) for bias differences b₂ − b₁ from −2 to 2. With the rectangular PSP the STDDs of the swapped bias pairs (D) coincide, and so do all nine attractor lines, on the diagonal (G): lines drawn over by others carry ringed markers. J–L: deviation of the attractor line from the diagonal, the average of |w₁₂ − w₂₁| / |w₁₂ + w₂₁| along it, over all 81 bias pairs (white dots: the pairs of G–I); one colour scale for all three.".into(),
        ];
    dir.json(
        "fig11.json",
        &json!({
            "caption": caption,
            "description": "Fig 11: PSP shapes. Phase planes T=20, t_ref=10, w_range=linspace(-1.5,1.5,10); key 'ix,iy' = public b1 = b_range[iy], b2 = b_range[ix]; attractor lines (w21, w12*) from grids up-scaled to 100 (exact not-a-knot spline); deviation[ix][iy]. STDDs T=60, t_ref=30, w=1, centre smooth.",
            "b_range": B, "w_range": w_range, "kernel_x": kx, "lag": lags,
            "shapes": json_shapes,
        }),
    )?;
    let mut npz = dir.npz("fig11.npz")?;
    npz.vec("b_range", &B)?
        .vec("w_range", &w_range)?
        .vec("kernel_x", &kx)?
        .vec("lag", &lags_f64(&lags))?;
    for (s, sh) in SHAPES.iter().enumerate() {
        npz.vec(&format!("{}_kernel", sh.key), &kernels[s])?;
        let st: Vec<f64> = stdds[s].iter().flat_map(|x| x.p.clone()).collect();
        npz.mat(&format!("{}_stdds", sh.key), 3, lags.len(), &st)?;
        npz.mat(&format!("{}_deviation", sh.key), 9, 9, &dev[s].concat())?;
        let g12: Vec<f64> = (0..81)
            .flat_map(|k| planes[s * 81 + k].sal12.clone())
            .collect();
        let g21: Vec<f64> = (0..81)
            .flat_map(|k| planes[s * 81 + k].sal21.clone())
            .collect();
        npz.mat(&format!("{}_sal12_grids", sh.key), 81, 100, &g12)?;
        npz.mat(&format!("{}_sal21_grids", sh.key), 81, 100, &g21)?;
    }
    npz.finish()?;

    // Figure: 4 rows × 3 columns.
    let dev_max = dev
        .iter()
        .flatten()
        .flatten()
        .cloned()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let mut panels = Vec::new();
    for (s, sh) in SHAPES.iter().enumerate() {
        panels.push(Panel {
            title: Some(sh.title.into()),
            x_label: "time since the spike [t_ref]".into(),
            y_label: "PSP κ".into(),
            series: vec![Series::Line {
                x: kx.clone(),
                y: kernels[s].clone(),
                style: Style::new(palette(s)).width(2),
                label: None,
            }],
            x_ticks: Some(tref_ticks(10.0, -2.0, 20.0)),
            ..Panel::default()
        });
    }
    let lx = lags_f64(&lags);
    for (s, row) in stdds.iter().enumerate() {
        let series = row
            .iter()
            .zip(&pairs)
            .enumerate()
            .map(|(k, (st, (b1, b2)))| Series::Line {
                x: lx.clone(),
                y: st.p.clone(),
                style: Style::new(colormap_rgb(Colormap::Coolwarm, k as f64 / 2.0)).width(2),
                label: Some(format!(
                    "b₁ = {}, b₂ = {}",
                    super::common::num(*b1),
                    super::common::num(*b2)
                )),
            })
            .collect();
        panels.push(Panel {
            x_label: "Δ = t₁ − t₂ [t_ref]".into(),
            y_label: "p(Δ)".into(),
            series,
            x_ticks: Some(tref_ticks(30.0, -59.0, 59.0)),
            legend: if s == 0 { Some(LegendPos::Best) } else { None },
            ..Panel::default()
        });
    }
    for s in 0..3 {
        let mut series = vec![Series::Line {
            x: vec![-1.5, 1.5],
            y: vec![-1.5, 1.5],
            style: Style::new(Rgb::GREY).dashed(),
            label: Some("w₁₂ = w₂₁".into()),
        }];
        for (i, &bi) in B.iter().enumerate() {
            let p = plane(s, i, 8 - i);
            let diff = 2.0 * bi;
            series.push(Series::Line {
                x: p.line.iter().map(|r| r[0]).collect(),
                y: p.line.iter().map(|r| r[1]).collect(),
                style: Style::new(colormap_rgb(Colormap::Coolwarm, (diff + 2.0) / 4.0)).width(2),
                label: if i % 4 == 0 {
                    Some(format!("b₂ − b₁ = {}", super::common::num(diff)))
                } else {
                    None
                },
            });
        }
        series.push(Series::Scatter {
            x: vec![1.0],
            y: vec![1.0],
            style: Style::new(Rgb::BLACK),
            size: 7,
            label: Some("weights of D–F".into()),
        });
        panels.push(Panel {
            x_label: "w₂₁".into(),
            y_label: "w₁₂ on the attractor line".into(),
            x_range: Some((-1.5, 1.5)),
            y_range: Some((-1.5, 1.5)),
            series,
            legend: if s == 0 { Some(LegendPos::Best) } else { None },
            ..Panel::default()
        });
    }
    for (s, d) in dev.iter().enumerate() {
        let mut heat = Heatmap::new(B.to_vec(), B.to_vec(), d.concat());
        heat.levels = 15;
        heat.colormap = Colormap::Magma;
        heat.range = Some((0.0, dev_max));
        heat.colorbar_label = if s == 2 {
            Some("deviation from w₁₂ = w₂₁".into())
        } else {
            None
        };
        panels.push(Panel {
            x_label: "b₁".into(),
            y_label: "b₂".into(),
            heatmap: Some(heat),
            series: vec![Series::Scatter {
                x: (0..9).map(|i| B[8 - i]).collect(),
                y: B.to_vec(),
                style: Style::new(Rgb::WHITE),
                size: 6,
                label: None,
            }],
            ..Panel::default()
        });
    }
    let fig = Figure {
        title: Some("Fig 11 — SAL fixed points for different PSP shapes (analytic)".into()),
        caption: caption.clone(),
        rows: 4,
        cols: 3,
        panel_width: 460,
        panel_height: 330,
        panels,
        ..Figure::default()
    };
    render(dir, "fig11", &fig)?;
    Ok("fig11")
}
