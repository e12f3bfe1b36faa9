//! Attractor line ("BOA curve") of a SAL phase plane and its deviation from weight symmetry
//! (`stdd.md` §7.2–7.3).
//!
//! In a SAL phase plane of a reciprocally coupled pair (public weights w_12, w_21) the
//! expected updates satisfy sal_21 = −sal_12 (antisymmetric SAL window), so the SAL flow only
//! moves along the anti-diagonal direction and conserves w_12 + w_21. Its fixed points are the
//! zeros of sal_12: the *attractor line*, a line of fixed points of the SAL flow (named the
//! basin-of-attraction, BOA, curve in the reference code). For a PSP that exactly covers the
//! refractory period it coincides with the weight-symmetric diagonal w_12 = w_21; the
//! [`deviation`] measure quantifies how far it departs from that diagonal.
//!
//! Grid convention: `sal12` is an `n × n` row-major grid with `sal12[i*n + j]` = sal_12 at
//! public w_12 = `axis[i]`, w_21 = `axis[j]` (as `sal_grid[i][j]` in `stdd.md` §7).

use crate::spline::{CubicSpline, SplineError};

/// Roots of sal_12 per slice of fixed w_21: `(axis[j], roots)` for every `j` in increasing
/// order, `roots` being all zeros in `[axis[0], axis[n−1]]` (increasing) of the not-a-knot
/// cubic spline of column `j` (sal_12 as a function of w_12).
///
/// This is [`attractor_line`] before flattening; the reference issues a warning for every
/// slice with more than one root, which callers can reproduce from this output.
pub fn attractor_roots_per_slice(
    axis: &[f64],
    sal12: &[f64],
) -> Result<Vec<(f64, Vec<f64>)>, SplineError> {
    let n = axis.len();
    if sal12.len() != n * n {
        return Err(SplineError::GridShape {
            axis_len: n,
            values_len: sal12.len(),
        });
    }
    let mut column = vec![0.0; n];
    (0..n)
        .map(|j| {
            for (i, c) in column.iter_mut().enumerate() {
                *c = sal12[i * n + j];
            }
            let spline = CubicSpline::not_a_knot(axis, &column)?;
            Ok((axis[j], spline.roots()))
        })
        .collect()
}

/// The attractor line of a phase plane: rows `(w_21, w_12*)` with sal_12(w_12*, w_21) = 0.
///
/// For every grid column `j` (fixed public w_21 = `axis[j]`, increasing) the not-a-knot cubic
/// spline of `sal12[·, j]` over `axis` (sal_12 as a function of w_12) is built and every real
/// root inside `[axis[0], axis[n−1]]` (no extrapolation) is appended as `[axis[j], root]`, in
/// increasing order of the root; slices without a root contribute nothing. Because
/// sal_21 = −sal_12 these points are fixed points of the SAL flow — the line of attractors.
/// Roots follow [`CubicSpline::roots`] (a root on a knot is reported once; identically zero
/// stretches of a slice contribute only their end knots).
///
/// Usually called on the up-scaled grid of [`crate::spline::upscale_grid`] (`stdd.md` §7.1).
///
/// Errors: `sal12.len() != axis.len()²` or an invalid axis (fewer than 2 points, not finite or
/// not strictly increasing).
pub fn attractor_line(axis: &[f64], sal12: &[f64]) -> Result<Vec<[f64; 2]>, SplineError> {
    Ok(attractor_roots_per_slice(axis, sal12)?
        .into_iter()
        .flat_map(|(w21, roots)| roots.into_iter().map(move |w12| [w21, w12]))
        .collect())
}

/// Deviation of an attractor line from the weight-symmetric diagonal (`stdd.md` §7.3).
///
/// With rows `(x, y)` = (w_21, w_12*) and the relative distance from the diagonal
/// `d = ½|x − y| / |½(x + y)|` (half the weight difference over the mean weight), returns the
/// trapezoid-rule integral of `d` over `x`, using the rows in their stored order (repeated `x`
/// from slices with several roots give zero-width trapezoids), divided by
/// `|x_last − x_first|`: the average relative distance of the attractor from the diagonal
/// w_12 = w_21. It is 0 when the attractor is the diagonal.
///
/// Caveats (as in the reference, which does nothing about them): `d` is undefined or very
/// large where the attractor passes near (0, 0) (division by the mean weight), so a row with
/// x + y = 0 makes the result infinite (or NaN if also x = y). With fewer than two rows the
/// measure is undefined and NaN is returned; likewise when `x_last == x_first` (0/0).
pub fn deviation(line: &[[f64; 2]]) -> f64 {
    if line.len() < 2 {
        return f64::NAN;
    }
    let d = |r: &[f64; 2]| 0.5 * (r[0] - r[1]).abs() / (0.5 * (r[0] + r[1])).abs();
    let integral: f64 = line
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]) * (d(&w[1]) + d(&w[0])) / 2.0)
        .sum();
    integral / (line[line.len() - 1][0] - line[0][0]).abs()
}

/// Rotated coordinates of attractor rows `(x, y)`: `[(x + y)/2, −(x − y)/2]`, i.e. the mean
/// weight (position along the diagonal) and the half weight difference (signed distance
/// across the diagonal, positive where y > x).
pub fn rotate(line: &[[f64; 2]]) -> Vec<[f64; 2]> {
    line.iter()
        .map(|&[x, y]| [(x + y) / 2.0, -(x - y) / 2.0])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_attractor_has_zero_deviation() {
        // sal_12 = w_21 − w_12: zero exactly on the diagonal (linear in w_12, so every spline
        // reproduces it and the root is the knot itself).
        let axis: Vec<f64> = (0..7).map(|k| -1.5 + 0.5 * k as f64).collect();
        let n = axis.len();
        let mut grid = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                grid[i * n + j] = axis[j] - axis[i];
            }
        }
        let line = attractor_line(&axis, &grid).unwrap();
        assert_eq!(line.len(), n);
        for (row, &a) in line.iter().zip(&axis) {
            assert_eq!(row, &[a, a]);
        }
        // The row at (0, 0) gives 0/0 = NaN: the documented singularity.
        assert!(deviation(&line).is_nan());
        let away: Vec<[f64; 2]> = line.iter().copied().filter(|r| r[0] != 0.0).collect();
        assert_eq!(deviation(&away[..3]), 0.0);
    }

    #[test]
    fn deviation_of_a_known_line() {
        // y = 2x on x ∈ [1, 2]: d = ½|x − 2x| / |½·3x| = 1/3 everywhere.
        let line: Vec<[f64; 2]> = (0..5)
            .map(|k| {
                let x = 1.0 + 0.25 * k as f64;
                [x, 2.0 * x]
            })
            .collect();
        assert!((deviation(&line) - 1.0 / 3.0).abs() < 1e-15);
        // Repeated x (two roots in one slice): the trapezoid between the two rows has zero
        // width, but the stored order matters for the neighbouring trapezoids. Rows
        // (1, 2), (1, 5), (2, 4): d = 1/3, 2/3, 1/3, integral = 0 + 1·(2/3 + 1/3)/2 = 1/2.
        let rows = [[1.0, 2.0], [1.0, 5.0], [2.0, 4.0]];
        assert!((deviation(&rows) - 0.5).abs() < 1e-15);
        assert!(deviation(&line[..1]).is_nan());
        assert!(deviation(&[]).is_nan());
    }

    #[test]
    fn rotation() {
        assert_eq!(
            rotate(&[[1.0, 3.0], [2.0, 0.0]]),
            vec![[2.0, 1.0], [1.0, -1.0]]
        );
    }

    #[test]
    fn shape_errors() {
        assert_eq!(
            attractor_line(&[0.0, 1.0], &[0.0; 3]),
            Err(SplineError::GridShape {
                axis_len: 2,
                values_len: 3
            })
        );
        assert_eq!(
            attractor_line(&[0.0], &[0.0]),
            Err(SplineError::TooFewPoints { n: 1 })
        );
    }
}
