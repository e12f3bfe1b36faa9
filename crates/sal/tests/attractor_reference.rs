//! Attractor lines (BOA curves) and deviation measures of Fig 11 versus the reference
//! (`stdd.md` §7.1–7.3, `psp_shapes.md` §1 rows 3–4).
//!
//! Input: the reference's 10×10 sal_12 grids (`sal_grids`), which come from the analytic
//! calculator and are exact to rounding. We up-scale them to 100×100 with the exact
//! tensor-product not-a-knot spline, extract the attractor line and its deviation, and compare
//! with `boa_upscale100` and `deviation`.
//!
//! Sources of disagreement and the resulting tolerances:
//!
//! * The reference up-scaled with SciPy's B-spline interpolator whose coefficients come from an
//!   *iterative* solver (default tolerance), so its 100×100 field differs from the exact spline
//!   by up to ~1e-4 relative (`stdd.md` §7.1). A field error δF moves a root by δF/|∂F/∂w_12|.
//!   Measured maximum |w_12*(ours) − w_12*(ref)| over all matched rows: rect 9.1e-5,
//!   alpha_short 8.0e-5, alpha_long 4.4e-5. Tolerance [`ROW_TOL`] = 3e-4 (≈3× the worst).
//! * Deviation: measured maximum |dev(ours) − dev(ref)|: rect 1.9e-5, alpha_short 6.7e-6,
//!   alpha_long 2.0e-6 (relative, where dev_ref > 1e-3: 4.7e-4 and 1.9e-5). Tolerance
//!   [`DEV_TOL`] = 1e-4 absolute (5× the worst; for the alpha kernels that is < 0.2 % of
//!   every non-trivial deviation, whose smallest value is 0.0035).
//! * Row counts. The reference used `PPoly.roots`, which reports a root lying (to rounding) on
//!   a knot of the up-scaled axis twice — once from each adjacent interval, with slightly
//!   different rounding — or, when rounding pushes it just outside both intervals, not at all.
//!   That happens where the attractor is the diagonal and crosses the slice exactly at the knot
//!   w_12 = w_21 (equal biases: SciPy's outcome there is a rounding coin toss, 11–24 % of those
//!   slices), and at the grid corners (±1.5, ±1.5) whenever the attractor runs into them (rect
//!   grids, equal-bias grids): sal_12 is zero to rounding (~1e-17) at the end of the range, so
//!   the exact root is within rounding of the boundary, inside for the reference and just
//!   outside for us. These are the only mismatches allowed; each is classified explicitly below,
//!   the knot cases only on equal-bias grids, and everything else fails. The extra/missing
//!   rows change the deviation by ~1e-16 (zero-width trapezoids / a dropped point on the
//!   diagonal where d = 0).
//! * serde_json (without its `float_roundtrip` feature) may parse a float 1 ulp off, so rows
//!   are matched to slices by w_21 within 1e-12 (the grid step is 0.03), not by equality.

use std::collections::BTreeMap;

use sal::spline::upscale_grid;
use sal::stdd::attractor::{attractor_line, attractor_roots_per_slice, deviation};
use serde_json::Value;

const REFERENCE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/params/derived/"
);
const FILE: &str = "stdd_reference_fig11_psp_shapes.json";
const SHAPES: [&str; 3] = ["rect", "alpha_short", "alpha_long"];
const UPSCALE: usize = 100;

/// Tolerance on each matched attractor row's w_12* (see module docs).
const ROW_TOL: f64 = 3e-4;
/// Tolerance on each deviation value (see module docs).
const DEV_TOL: f64 = 1e-4;
/// "Same number" for floats that went through JSON / rounding at a knot.
const SAME: f64 = 1e-12;

fn load() -> Value {
    let path = format!("{REFERENCE_DIR}{FILE}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reference file {path} not found ({e}); the spec repository must be checked out as \
             `shared/` beside the repository root"
        )
    });
    serde_json::from_str(&text).expect("reference JSON does not parse")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// The sal_12 component of a 10×10×2 reference grid, row-major.
fn sal12_grid(v: &Value, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = v[i][j][0].as_f64().expect("number");
        }
    }
    out
}

/// Why a slice's root count differs from the reference (see module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RefMismatch {
    /// Reference reports our (single, on-knot, on-diagonal) root twice.
    DuplicatedAtKnot,
    /// Reference drops our (single, on-knot, on-diagonal) root.
    DroppedAtKnot,
    /// Reference has a root at an end of the range where our exact root falls just outside.
    ExtraAtRangeEnd,
}

struct ShapeResult {
    max_row_err: f64,
    max_dev_err: f64,
    /// Mismatch counts on the 9 equal-bias grids.
    mismatches_equal_bias: BTreeMap<RefMismatch, usize>,
    /// Mismatch counts on the 72 other grids.
    mismatches_other: BTreeMap<RefMismatch, usize>,
    devs: [[f64; 9]; 9],
}

fn check_shape(r: &Value, shape: &str) -> ShapeResult {
    let axis = f64s(&r["w_range"]);
    let n = axis.len();
    let mut res = ShapeResult {
        max_row_err: 0.0,
        max_dev_err: 0.0,
        mismatches_equal_bias: BTreeMap::new(),
        mismatches_other: BTreeMap::new(),
        devs: [[0.0; 9]; 9],
    };
    for ix in 0..9 {
        for iy in 0..9 {
            let key = format!("{ix},{iy}");
            let ctx = format!("{shape} [{key}]");
            let grid = sal12_grid(&r["sal_grids"][shape][&key], n);
            let (ax, up) = upscale_grid(&axis, &grid, UPSCALE).unwrap();
            assert_eq!(ax.len(), UPSCALE);
            let fmax = up.iter().fold(0.0f64, |a, b| a.max(b.abs()));

            let ref_rows: Vec<[f64; 2]> = r["boa_upscale100"][shape][&key]
                .as_array()
                .expect("rows")
                .iter()
                .map(|row| [row[0].as_f64().unwrap(), row[1].as_f64().unwrap()])
                .collect();
            // Every reference row sits on one of our up-scaled w_21 values.
            for row in &ref_rows {
                assert!(
                    ax.iter().any(|&a| (a - row[0]).abs() <= SAME),
                    "{ctx}: reference w_21 = {} is not on the up-scaled axis",
                    row[0]
                );
            }

            // Slice by slice comparison of the roots.
            let slices = attractor_roots_per_slice(&ax, &up).unwrap();
            for (j, (w21, ours)) in slices.iter().enumerate() {
                let theirs: Vec<f64> = ref_rows
                    .iter()
                    .filter(|row| (row[0] - w21).abs() <= SAME)
                    .map(|row| row[1])
                    .collect();
                if ours.len() == theirs.len() {
                    for (a, b) in ours.iter().zip(&theirs) {
                        let e = (a - b).abs();
                        assert!(
                            e <= ROW_TOL,
                            "{ctx} w_21 = {w21}: root {a} vs reference {b} (|Δ| = {e:.2e})"
                        );
                        res.max_row_err = res.max_row_err.max(e);
                    }
                    continue;
                }
                let on_diagonal_knot = |x: f64| ix == iy && (x - w21).abs() <= SAME;
                let kind = match (ours.as_slice(), theirs.as_slice()) {
                    ([a], [b, c])
                        if on_diagonal_knot(*a)
                            && (a - b).abs() <= SAME
                            && (a - c).abs() <= SAME =>
                    {
                        RefMismatch::DuplicatedAtKnot
                    }
                    ([a], []) if on_diagonal_knot(*a) => RefMismatch::DroppedAtKnot,
                    ([], [b])
                        if (j == 0 || j == ax.len() - 1)
                            && ((b - ax[0]).abs() <= SAME
                                || (b - ax[ax.len() - 1]).abs() <= SAME) =>
                    {
                        // The field at that grid corner must be zero to rounding: our root is
                        // then within rounding of the boundary (just outside).
                        let k = if (b - ax[0]).abs() <= SAME {
                            0
                        } else {
                            ax.len() - 1
                        };
                        let corner = up[k * ax.len() + j];
                        assert!(
                            corner.abs() <= 1e-12 * fmax,
                            "{ctx} w_21 = {w21}: reference end-point root {b} but sal_12 there \
                             is {corner:.3e}"
                        );
                        RefMismatch::ExtraAtRangeEnd
                    }
                    _ => panic!(
                        "{ctx} w_21 = {w21}: unexplained root-count mismatch, ours {ours:?}, \
                         reference {theirs:?}"
                    ),
                };
                let counts = if ix == iy {
                    &mut res.mismatches_equal_bias
                } else {
                    &mut res.mismatches_other
                };
                *counts.entry(kind).or_default() += 1;
            }

            // Deviation. First our formula on the reference's own rows must give the
            // reference's deviation (tests `deviation` itself, independent of the solver
            // noise): agreement to summation-order rounding.
            let dev_ref = r["deviation"][shape][ix][iy].as_f64().unwrap();
            let dev_of_ref_rows = deviation(&ref_rows);
            assert!(
                (dev_of_ref_rows - dev_ref).abs() <= 1e-12 * dev_ref.abs().max(1e-3),
                "{ctx}: deviation of reference rows {dev_of_ref_rows} vs stored {dev_ref}"
            );
            let line = attractor_line(&ax, &up).unwrap();
            let dev = deviation(&line);
            let e = (dev - dev_ref).abs();
            assert!(
                e <= DEV_TOL,
                "{ctx}: deviation {dev} vs reference {dev_ref} (|Δ| = {e:.2e})"
            );
            res.max_dev_err = res.max_dev_err.max(e);
            res.devs[ix][iy] = dev;

            // Equal biases: the attractor is the diagonal (to rounding) for every kernel.
            if ix == iy {
                for row in &line {
                    assert!(
                        (row[0] - row[1]).abs() <= 1e-12,
                        "{ctx}: equal biases but attractor row {row:?} is off the diagonal"
                    );
                }
                assert!(line.len() >= UPSCALE - 2, "{ctx}: {} rows", line.len());
                assert!(dev.abs() <= 1e-12, "{ctx}: deviation {dev}");
            }
        }
    }
    res
}

#[test]
fn fig11_attractor_lines_and_deviations_match_reference() {
    let r = load();
    let mut summary = Vec::new();
    for shape in SHAPES {
        let res = check_shape(&r, shape);
        summary.push(format!(
            "{shape}: max |Δ row| = {:.2e}, max |Δ deviation| = {:.2e}, root-count mismatches \
             on equal-bias grids {:?}, on the others {:?}",
            res.max_row_err, res.max_dev_err, res.mismatches_equal_bias, res.mismatches_other
        ));
        // Away from equal biases mismatches are rare: at most 0.5 % of the 72 × 100 slices
        // (measured: rect 13 range-end roots, alpha kernels none). On the equal-bias grids the
        // knot coin toss affects at most 40 % of the 9 × 100 slices (measured 11–24 %).
        let other: usize = res.mismatches_other.values().sum();
        let equal: usize = res.mismatches_equal_bias.values().sum();
        assert!(
            other <= 36,
            "{shape}: {other} mismatches on unequal-bias grids"
        );
        assert!(
            equal <= 360,
            "{shape}: {equal} mismatches on equal-bias grids"
        );

        // psp_shapes.md §1 row 4: deviations along the anti-diagonal dev[i][8 − i], to the
        // printed precision (half a unit of the last printed digit).
        let anti: Vec<f64> = (0..9).map(|i| res.devs[i][8 - i]).collect();
        let mean = res.devs.iter().flatten().sum::<f64>() / 81.0;
        let expected: Option<([f64; 9], f64)> = match shape {
            "alpha_short" => Some((
                [0.050, 0.040, 0.028, 0.015, 0.0, 0.015, 0.029, 0.042, 0.053],
                0.022,
            )),
            "alpha_long" => Some((
                [0.465, 0.332, 0.214, 0.104, 0.0, 0.104, 0.213, 0.332, 0.465],
                0.167,
            )),
            _ => None,
        };
        match expected {
            Some((want, want_mean)) => {
                for (i, (&got, &w)) in anti.iter().zip(&want).enumerate() {
                    assert!(
                        (got - w).abs() <= 0.5e-3,
                        "{shape}: dev[{i}][{}] = {got:.6}, spec {w}",
                        8 - i
                    );
                }
                // The spec prints the alpha_long mean as 0.167 although the reference map's
                // mean is 0.166497 (ours 0.166496): allow one unit of the last digit here.
                assert!(
                    (mean - want_mean).abs() <= 1e-3,
                    "{shape}: mean deviation {mean:.6}, spec {want_mean}"
                );
            }
            None => {
                // rect: the attractor is the diagonal for all 81 bias pairs (deviation ≈ 0 up
                // to 1e-4; ours ≤ 5.1e-5, the reference's ≤ 5.4e-5).
                for (k, &d) in res.devs.iter().flatten().enumerate() {
                    assert!(d <= 1e-4, "rect: dev[{}][{}] = {d:.3e}", k / 9, k % 9);
                }
            }
        }
    }
    for line in &summary {
        println!("{line}");
    }
}
