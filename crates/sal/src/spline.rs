//! Cubic interpolating splines with not-a-knot end conditions.
//!
//! This is the exact counterpart of `scipy.interpolate.CubicSpline(x, y)` with the default
//! `bc_type='not-a-knot'`, used by the phase-plane analysis (`stdd.md` §7.1–7.2):
//!
//! * [`CubicSpline::not_a_knot`] builds the piecewise cubic that interpolates `(x_i, y_i)`,
//!   is twice continuously differentiable and has a continuous third derivative at the second
//!   and the second-to-last knot ("not-a-knot"). As in SciPy, very short inputs are special:
//!   with two points the spline is the straight line through them, with three points it is the
//!   single parabola through them.
//! * [`CubicSpline::roots`] returns all real zeros inside the knot range.
//! * [`upscale_grid`] refines a square grid with the tensor-product not-a-knot spline
//!   (the "up-scaling" of `stdd.md` §7.1).
//!
//! The slopes at the knots are obtained exactly as SciPy does (a tridiagonal system, solved
//! here by Gaussian elimination with partial pivoting), and the per-interval polynomials use
//! SciPy's Hermite formulas, so values agree with SciPy to rounding.

use std::fmt;

/// Why a spline (or an up-scaled grid) could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum SplineError {
    /// Fewer than two knots were given.
    TooFewPoints {
        /// Number of knots received.
        n: usize,
    },
    /// The knot and value slices have different lengths.
    LengthMismatch {
        /// Number of knots.
        x_len: usize,
        /// Number of values.
        y_len: usize,
    },
    /// A knot is NaN or infinite.
    NonFiniteKnot {
        /// Index of the offending knot.
        index: usize,
    },
    /// Knots are not strictly increasing: `x[index] <= x[index - 1]`.
    NotIncreasing {
        /// Index of the first knot that is not larger than its predecessor.
        index: usize,
    },
    /// A grid does not have `axis.len()²` values.
    GridShape {
        /// Length of the axis (the grid must be `axis_len × axis_len`).
        axis_len: usize,
        /// Number of values received.
        values_len: usize,
    },
    /// The requested number of output points is smaller than two.
    TooFewOutputPoints {
        /// The requested number of points.
        m: usize,
    },
    /// The linear system for the knot slopes turned out singular (cannot happen for strictly
    /// increasing finite knots; kept as a guard against overflow in extreme inputs).
    Singular,
}

impl fmt::Display for SplineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplineError::TooFewPoints { n } => {
                write!(f, "a cubic spline needs at least 2 knots, got {n}")
            }
            SplineError::LengthMismatch { x_len, y_len } => write!(
                f,
                "knots and values differ in length ({x_len} knots, {y_len} values)"
            ),
            SplineError::NonFiniteKnot { index } => {
                write!(f, "knot {index} is not finite")
            }
            SplineError::NotIncreasing { index } => write!(
                f,
                "knots must be strictly increasing, but knot {index} is not larger than knot {}",
                index - 1
            ),
            SplineError::GridShape {
                axis_len,
                values_len,
            } => write!(
                f,
                "grid must hold {axis_len}×{axis_len} = {} values, got {values_len}",
                axis_len * axis_len
            ),
            SplineError::TooFewOutputPoints { m } => {
                write!(f, "up-scaling needs at least 2 output points, got {m}")
            }
            SplineError::Singular => write!(f, "singular spline system"),
        }
    }
}

impl std::error::Error for SplineError {}

/// A cubic interpolating spline with not-a-knot end conditions.
///
/// On interval `k` (`x_k ≤ x ≤ x_{k+1}`) the spline is
/// `c0·t³ + c1·t² + c2·t + c3` with `t = x − x_k` and `[c0, c1, c2, c3] = coefficients()[k]`
/// (SciPy's `PPoly` layout, highest power first).
#[derive(Debug, Clone, PartialEq)]
pub struct CubicSpline {
    x: Vec<f64>,
    y: Vec<f64>,
    coeffs: Vec<[f64; 4]>,
}

impl CubicSpline {
    /// Builds the not-a-knot cubic spline through `(x[i], y[i])`.
    ///
    /// Matches `scipy.interpolate.CubicSpline(x, y)` (default `bc_type='not-a-knot'`),
    /// including SciPy's special cases: for `n = 2` the straight line through both points,
    /// for `n = 3` the parabola through the three points.
    ///
    /// Errors: fewer than 2 points, `x.len() != y.len()`, a non-finite knot, or knots that
    /// are not strictly increasing. Values `y` are not checked: non-finite values propagate
    /// into the polynomials (as in SciPy).
    pub fn not_a_knot(x: &[f64], y: &[f64]) -> Result<Self, SplineError> {
        let n = x.len();
        if n != y.len() {
            return Err(SplineError::LengthMismatch {
                x_len: n,
                y_len: y.len(),
            });
        }
        check_knots(x)?;

        let dx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let slope: Vec<f64> = y
            .windows(2)
            .zip(&dx)
            .map(|(w, h)| (w[1] - w[0]) / h)
            .collect();

        let s = if n == 2 {
            // SciPy replaces not-a-knot by "first derivative = slope" at both ends: a line.
            vec![slope[0], slope[0]]
        } else {
            // Tridiagonal system for the first derivatives s_i at the knots:
            // sub[i] = a[i+1][i], diag[i] = a[i][i], sup[i] = a[i][i+1].
            let mut sub = vec![0.0; n - 1];
            let mut diag = vec![0.0; n];
            let mut sup = vec![0.0; n - 1];
            let mut rhs = vec![0.0; n];
            for i in 1..n - 1 {
                sub[i - 1] = dx[i];
                diag[i] = 2.0 * (dx[i - 1] + dx[i]);
                sup[i] = dx[i - 1];
                rhs[i] = 3.0 * (dx[i] * slope[i - 1] + dx[i - 1] * slope[i]);
            }
            if n == 3 {
                // Not-a-knot with a single interior knot: the parabola through the 3 points
                // (SciPy's dedicated 3×3 system).
                diag[0] = 1.0;
                sup[0] = 1.0;
                rhs[0] = 2.0 * slope[0];
                sub[1] = 1.0;
                diag[2] = 1.0;
                rhs[2] = 2.0 * slope[1];
            } else {
                let d = x[2] - x[0];
                diag[0] = dx[1];
                sup[0] = d;
                rhs[0] = ((dx[0] + 2.0 * d) * dx[1] * slope[0] + dx[0] * dx[0] * slope[1]) / d;
                let d = x[n - 1] - x[n - 3];
                sub[n - 2] = d;
                diag[n - 1] = dx[n - 3];
                rhs[n - 1] = (dx[n - 2] * dx[n - 2] * slope[n - 3]
                    + (2.0 * d + dx[n - 2]) * dx[n - 3] * slope[n - 2])
                    / d;
            }
            solve_tridiagonal(&mut sub, &mut diag, &mut sup, &mut rhs)?;
            rhs
        };

        // Cubic Hermite coefficients per interval (SciPy's CubicHermiteSpline formulas).
        let coeffs = (0..n - 1)
            .map(|k| {
                let h = dx[k];
                let t = (s[k] + s[k + 1] - 2.0 * slope[k]) / h;
                [t / h, (slope[k] - s[k]) / h - t, s[k], y[k]]
            })
            .collect();

        Ok(CubicSpline {
            x: x.to_vec(),
            y: y.to_vec(),
            coeffs,
        })
    }

    /// The knots `x_0 < x_1 < … < x_{n−1}`.
    pub fn knots(&self) -> &[f64] {
        &self.x
    }

    /// The interpolated values `y_i` at the knots.
    pub fn values(&self) -> &[f64] {
        &self.y
    }

    /// Local polynomial coefficients `[c0, c1, c2, c3]` per interval (highest power first,
    /// in the local variable `t = x − x_k`).
    pub fn coefficients(&self) -> &[[f64; 4]] {
        &self.coeffs
    }

    /// Index of the interval used to evaluate at `x` (SciPy's convention: intervals are
    /// half-open `[x_k, x_{k+1})`, the last one is closed; points outside use the first or last
    /// interval, i.e. the end polynomials are extrapolated). `None` for NaN.
    fn interval(&self, x: f64) -> Option<usize> {
        if x.is_nan() {
            return None;
        }
        let last = self.coeffs.len() - 1;
        // Number of interior knots x_1..x_{n-2} that are <= x.
        let k = self.x[1..self.x.len() - 1].partition_point(|&xi| xi <= x);
        Some(k.min(last))
    }

    /// Evaluates the spline at `x`; outside `[x_0, x_{n−1}]` the first/last cubic is
    /// extrapolated (SciPy's default `extrapolate=True`). NaN gives NaN.
    pub fn eval(&self, x: f64) -> f64 {
        match self.interval(x) {
            None => f64::NAN,
            Some(k) => horner(&self.coeffs[k], x - self.x[k]),
        }
    }

    /// First derivative of the spline at `x` (extrapolating like [`CubicSpline::eval`]).
    pub fn derivative(&self, x: f64) -> f64 {
        match self.interval(x) {
            None => f64::NAN,
            Some(k) => horner_derivative(&self.coeffs[k], x - self.x[k]),
        }
    }

    /// All real roots in `[x_0, x_{n−1}]` (no extrapolation), in strictly increasing order.
    ///
    /// Each interval's cubic is split at its critical points into monotone pieces; a piece
    /// whose end values have opposite signs contains exactly one root, which is polished to
    /// full precision by safeguarded Newton/bisection. Pieces' end points where the value is
    /// exactly zero are roots too, so tangential (double) roots are found when the spline is
    /// exactly zero there — in particular at a knot with `y_i = 0`. Values at the knots are the
    /// data `y_i` themselves, and a root lying on a knot is returned as that knot, exactly once.
    ///
    /// Semantics relative to SciPy's `PPoly.roots(discontinuity=True, extrapolate=False)`
    /// (eigenvalues of each interval's companion matrix, keeping those LAPACK calls exactly
    /// real): the same real roots up to rounding, except that
    /// * a tangential root whose computed value is not exactly zero is not reported by either
    ///   method (SciPy usually sees a complex pair there);
    /// * for an interval on which the spline is identically zero SciPy appends
    ///   `(x_k, NaN)`; here the interval interior is skipped and only its end knots (which are
    ///   zeros of the spline, `y = 0` there) are returned;
    /// * SciPy can return a root on a shared knot twice (once from each side) when rounding
    ///   differs, or not at all when rounding puts it just outside both intervals; here such a
    ///   root is returned once and roots are strictly increasing.
    ///
    /// Intervals whose coefficients are not finite contribute no roots.
    pub fn roots(&self) -> Vec<f64> {
        let mut roots: Vec<f64> = Vec::new();
        // Keeps the list strictly increasing: a root on a shared knot is found from both
        // adjacent intervals but returned once.
        let push = |r: f64, roots: &mut Vec<f64>| {
            if roots.last().is_none_or(|&last| r > last) {
                roots.push(r);
            }
        };
        for (k, c) in self.coeffs.iter().enumerate() {
            let x0 = self.x[k];
            let x1 = self.x[k + 1];
            let y0 = self.y[k];
            let y1 = self.y[k + 1];
            if !(c.iter().all(|v| v.is_finite()) && y0.is_finite() && y1.is_finite()) {
                continue;
            }
            if c.iter().all(|&v| v == 0.0) {
                // Identically zero interval: report its end knots only.
                push(x0, &mut roots);
                push(x1, &mut roots);
                continue;
            }
            let h = x1 - x0;
            // Split points: 0, interior critical points, h; values at the knots are the data.
            let mut ts = vec![0.0];
            let mut fs = vec![y0];
            for t in critical_points(c, h) {
                ts.push(t);
                fs.push(horner(c, t));
            }
            ts.push(h);
            fs.push(y1);

            let to_x = |t: f64| {
                if t <= 0.0 {
                    x0
                } else if t >= h {
                    x1
                } else {
                    (x0 + t).clamp(x0, x1)
                }
            };
            for p in 0..ts.len() {
                if fs[p] == 0.0 {
                    push(to_x(ts[p]), &mut roots);
                }
                if p + 1 < ts.len() && fs[p] * fs[p + 1] < 0.0 {
                    let t = polish_root(c, ts[p], ts[p + 1], fs[p]);
                    push(to_x(t), &mut roots);
                }
            }
        }
        roots
    }
}

/// At least two finite, strictly increasing knots.
fn check_knots(x: &[f64]) -> Result<(), SplineError> {
    if x.len() < 2 {
        return Err(SplineError::TooFewPoints { n: x.len() });
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(SplineError::NonFiniteKnot { index });
    }
    if let Some(k) = x.windows(2).position(|w| w[1] <= w[0]) {
        return Err(SplineError::NotIncreasing { index: k + 1 });
    }
    Ok(())
}

/// `c0 t³ + c1 t² + c2 t + c3` by Horner's scheme.
fn horner(c: &[f64; 4], t: f64) -> f64 {
    ((c[0] * t + c[1]) * t + c[2]) * t + c[3]
}

/// Derivative `3 c0 t² + 2 c1 t + c2`.
fn horner_derivative(c: &[f64; 4], t: f64) -> f64 {
    (3.0 * c[0] * t + 2.0 * c[1]) * t + c[2]
}

/// Zeros of the derivative strictly inside `(0, h)`, increasing.
fn critical_points(c: &[f64; 4], h: f64) -> Vec<f64> {
    let (a, b, cc) = (3.0 * c[0], 2.0 * c[1], c[2]);
    let mut out = Vec::with_capacity(2);
    if a == 0.0 {
        if b != 0.0 {
            out.push(-cc / b);
        }
    } else {
        let disc = b * b - 4.0 * a * cc;
        if disc == 0.0 {
            out.push(-b / (2.0 * a));
        } else if disc > 0.0 {
            // Cancellation-free quadratic formula.
            let q = -0.5 * (b + b.signum() * disc.sqrt());
            let q = if q == 0.0 { -0.5 * disc.sqrt() } else { q };
            out.push(q / a);
            if q != 0.0 {
                out.push(cc / q);
            }
        }
    }
    out.retain(|t| t.is_finite() && *t > 0.0 && *t < h);
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// The single root of the cubic `c` on `(lo, hi)`, where it is monotone and changes sign
/// (`f_lo` = value at `lo`, non-zero). Safeguarded Newton iteration with bisection fallback,
/// run until the bracket cannot shrink further.
fn polish_root(c: &[f64; 4], mut lo: f64, mut hi: f64, f_lo: f64) -> f64 {
    let lo_positive = f_lo > 0.0;
    let mut x = 0.5 * (lo + hi);
    for _ in 0..200 {
        let fx = horner(c, x);
        if fx == 0.0 {
            return x;
        }
        if (fx > 0.0) == lo_positive {
            lo = x;
        } else {
            hi = x;
        }
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let d = horner_derivative(c, x);
        let newton = x - fx / d;
        let next = if newton > lo && newton < hi && newton != x {
            newton
        } else {
            mid
        };
        x = next;
    }
    // Bracket collapsed to adjacent floats: take the end with the smaller residual.
    if horner(c, lo).abs() <= horner(c, hi).abs() {
        lo
    } else {
        hi
    }
}

/// Solves a tridiagonal system in place by Gaussian elimination with partial pivoting
/// (LAPACK `dgtsv`). On return `rhs` holds the solution; the other slices are overwritten.
/// `sub[i] = a[i+1][i]`, `diag[i] = a[i][i]`, `sup[i] = a[i][i+1]`.
fn solve_tridiagonal(
    sub: &mut [f64],
    diag: &mut [f64],
    sup: &mut [f64],
    rhs: &mut [f64],
) -> Result<(), SplineError> {
    let n = diag.len();
    // Second super-diagonal created by row interchanges: fill[i] = a[i][i+2].
    let mut fill = vec![0.0; n.saturating_sub(2)];
    for i in 0..n - 1 {
        if diag[i].abs() >= sub[i].abs() {
            // No interchange.
            if diag[i] == 0.0 {
                return Err(SplineError::Singular);
            }
            let fact = sub[i] / diag[i];
            diag[i + 1] -= fact * sup[i];
            rhs[i + 1] -= fact * rhs[i];
        } else {
            // Interchange rows i and i+1.
            let fact = diag[i] / sub[i];
            diag[i] = sub[i];
            let temp = diag[i + 1];
            diag[i + 1] = sup[i] - fact * temp;
            if i + 2 < n {
                fill[i] = sup[i + 1];
                sup[i + 1] = -fact * fill[i];
            }
            sup[i] = temp;
            let temp = rhs[i];
            rhs[i] = rhs[i + 1];
            rhs[i + 1] = temp - fact * rhs[i + 1];
        }
    }
    if diag[n - 1] == 0.0 || !diag.iter().all(|d| d.is_finite()) {
        return Err(SplineError::Singular);
    }
    rhs[n - 1] /= diag[n - 1];
    if n >= 2 {
        rhs[n - 2] = (rhs[n - 2] - sup[n - 2] * rhs[n - 1]) / diag[n - 2];
    }
    for i in (0..n.saturating_sub(2)).rev() {
        rhs[i] = (rhs[i] - sup[i] * rhs[i + 1] - fill[i] * rhs[i + 2]) / diag[i];
    }
    Ok(())
}

/// Up-scales a square grid with the tensor-product not-a-knot cubic spline (`stdd.md` §7.1).
///
/// `values` is the `n × n` grid in row-major order, `values[i*n + j]` at
/// `(axis[i], axis[j])`. Returns the new axis — `m` equally spaced points
/// `axis[0] + k·step`, `step = (axis[n−1] − axis[0])/(m − 1)`, with the last point set to
/// exactly `axis[n−1]` (as `numpy.linspace`) — and the `m × m` row-major interpolated grid:
/// every column is interpolated along axis 0 first, then every new row along axis 1. This is
/// the exact tensor-product spline; the reference's SciPy interpolator solved for it
/// iteratively and differs from it by up to ~1e-4 relative.
///
/// Errors: `values.len() != n²`, `m < 2`, or any error of [`CubicSpline::not_a_knot`] for
/// the axis.
pub fn upscale_grid(
    axis: &[f64],
    values: &[f64],
    m: usize,
) -> Result<(Vec<f64>, Vec<f64>), SplineError> {
    let n = axis.len();
    if values.len() != n * n {
        return Err(SplineError::GridShape {
            axis_len: n,
            values_len: values.len(),
        });
    }
    if m < 2 {
        return Err(SplineError::TooFewOutputPoints { m });
    }
    check_knots(axis)?;
    let start = axis[0];
    let stop = axis[n - 1];
    let step = (stop - start) / (m - 1) as f64;
    let mut new_axis: Vec<f64> = (0..m).map(|k| k as f64 * step + start).collect();
    new_axis[m - 1] = stop;

    // Along axis 0: tmp[a*n + j] = column j interpolated at new_axis[a].
    let mut tmp = vec![0.0; m * n];
    let mut column = vec![0.0; n];
    for j in 0..n {
        for (i, c) in column.iter_mut().enumerate() {
            *c = values[i * n + j];
        }
        let s = CubicSpline::not_a_knot(axis, &column)?;
        for (a, &xa) in new_axis.iter().enumerate() {
            tmp[a * n + j] = s.eval(xa);
        }
    }
    // Along axis 1.
    let mut out = vec![0.0; m * m];
    for a in 0..m {
        let s = CubicSpline::not_a_knot(axis, &tmp[a * n..(a + 1) * n])?;
        for (b, &xb) in new_axis.iter().enumerate() {
            out[a * m + b] = s.eval(xb);
        }
    }
    Ok((new_axis, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative-to-scale closeness: |a − b| ≤ tol·max(1, |b|).
    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn reproduces_cubic_polynomial() {
        // Not-a-knot splines reproduce cubics exactly; the residual is rounding only. The
        // values are O(10) and the system is well conditioned, so 1e-12 leaves ample room
        // over ~1e-14 observed rounding.
        let p = |x: f64| 0.7 * x * x * x - 1.3 * x * x + 0.2 * x - 2.0;
        let x = [-1.0, -0.4, 0.1, 0.3, 1.2, 1.5, 2.4];
        let y: Vec<f64> = x.iter().map(|&v| p(v)).collect();
        let s = CubicSpline::not_a_knot(&x, &y).unwrap();
        for k in 0..=200 {
            let t = -1.5 + 4.5 * k as f64 / 200.0; // includes extrapolation on both sides
            assert!(close(s.eval(t), p(t), 1e-12), "t = {t}");
        }
        // Every local polynomial carries the same leading coefficient.
        for c in s.coefficients() {
            assert!((c[0] - 0.7).abs() < 1e-11);
        }
    }

    #[test]
    fn hand_computed_case() {
        // x = 0,1,2,3, y = 0,1,0,1: with 4 points the not-a-knot spline is the interpolating
        // cubic, by Lagrange p(x) = (2/3)x³ − 3x² + (10/3)x. Hence p(0.5) = 1/12 − 9/12 +
        // 20/12 = 1, p(1.5) = 9/4 − 27/4 + 5 = 0.5, p(2.5) = 125/12 − 225/12 + 100/12 = 0 and
        // p'(0) = 10/3. Tolerance 1e-14: a few ulps of O(1) values.
        let s = CubicSpline::not_a_knot(&[0.0, 1.0, 2.0, 3.0], &[0.0, 1.0, 0.0, 1.0]).unwrap();
        assert!((s.eval(0.5) - 1.0).abs() < 1e-14);
        assert!((s.eval(1.5) - 0.5).abs() < 1e-14);
        assert!(s.eval(2.5).abs() < 1e-14);
        assert!((s.derivative(0.0) - 10.0 / 3.0).abs() < 1e-14);
        assert!((s.eval(3.0) - 1.0).abs() < 1e-14);

        // A genuinely piecewise case: x = 0..4, y = 0,1,0,1,0 (h = 1). The data are symmetric
        // about x = 2, so the slopes are s = (s0, s1, 0, −s1, −s0). Interior row 1:
        // s0 + 4 s1 + s2 = 3(y2 − y0) = 0; not-a-knot row: h s0 + 2h s1 =
        // ((h + 4h) h·1 + h²·(−1)) / 2h = 2. So s1 = −1, s0 = 4, and the first piece is the
        // Hermite cubic t³ − 4t² + 4t = t(t − 2)² (the same cubic continues on [1, 2] —
        // not-a-knot), giving p(0.5) = 1.125, p(1.5) = 0.375 and by symmetry
        // p(2.5) = 0.375, p(3.5) = 1.125.
        let s = CubicSpline::not_a_knot(&[0.0, 1.0, 2.0, 3.0, 4.0], &[0.0, 1.0, 0.0, 1.0, 0.0])
            .unwrap();
        let d = [4.0, -1.0, 0.0, 1.0, -4.0];
        for (k, &dk) in d.iter().enumerate() {
            assert!((s.derivative(k as f64) - dk).abs() < 1e-14, "slope {k}");
        }
        assert_eq!(s.coefficients()[0], [1.0, -4.0, 4.0, 0.0]);
        assert!((s.eval(0.5) - 1.125).abs() < 1e-14);
        assert!((s.eval(1.5) - 0.375).abs() < 1e-14);
        assert!((s.eval(2.5) - 0.375).abs() < 1e-14);
        assert!((s.eval(3.5) - 1.125).abs() < 1e-14);
    }

    #[test]
    fn two_points_give_a_line() {
        let s = CubicSpline::not_a_knot(&[1.0, 3.0], &[2.0, -2.0]).unwrap();
        assert_eq!(s.coefficients(), &[[0.0, 0.0, -2.0, 2.0]]);
        assert_eq!(s.eval(2.0), 0.0);
        assert_eq!(s.eval(0.0), 4.0); // extrapolation
        assert_eq!(s.roots(), vec![2.0]);
    }

    #[test]
    fn three_points_give_the_parabola() {
        // Parabola through (0,1), (1,0), (3,4): p(x) = x² − 2x + 1 = (x − 1)².
        let s = CubicSpline::not_a_knot(&[0.0, 1.0, 3.0], &[1.0, 0.0, 4.0]).unwrap();
        for k in 0..=40 {
            let t = -1.0 + 5.0 * k as f64 / 40.0;
            assert!(close(s.eval(t), (t - 1.0) * (t - 1.0), 1e-14), "t = {t}");
        }
        for c in s.coefficients() {
            assert!(c[0].abs() < 1e-15);
        }
        // The double root sits exactly on the knot x = 1 (y = 0 there): reported once.
        assert_eq!(s.roots(), vec![1.0]);
    }

    #[test]
    fn roots_of_crossing_data() {
        // Samples of sin on [0, 2π] (13 knots). Roots: x = 0 (data exactly 0 there) and the
        // sign change at the knot π, where the data are sin(π) ≈ 1.2e-16 > 0 and the next value
        // is negative, so the polished root is within rounding of π (observed: exactly the
        // float π). At 2π the data are −2.4e-16 with no sign change on the last interval: no
        // root there. Tolerance 1e-12 on π: the polished root can only move by the rounding of
        // the ~1e-16 value divided by the slope ≈ −1.
        let n = 13;
        let x: Vec<f64> = (0..n)
            .map(|k| 2.0 * std::f64::consts::PI * k as f64 / (n - 1) as f64)
            .collect();
        let y: Vec<f64> = x.iter().map(|v| v.sin()).collect();
        let s = CubicSpline::not_a_knot(&x, &y).unwrap();
        let r = s.roots();
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0], 0.0);
        assert!((r[1] - std::f64::consts::PI).abs() < 1e-12);
        // Each polished root has a rounding-level residual.
        for &root in &r {
            assert!(s.eval(root).abs() < 1e-14, "residual at {root}");
        }

        // Data crossing zero between knots: y = x − 0.3 (a line, reproduced exactly).
        let x = [0.0, 0.25, 0.5, 0.75, 1.0];
        let y: Vec<f64> = x.iter().map(|v| v - 0.3).collect();
        let s = CubicSpline::not_a_knot(&x, &y).unwrap();
        let r = s.roots();
        assert_eq!(r.len(), 1);
        assert!((r[0] - 0.3).abs() < 1e-15);

        // Three roots of a cubic, (x + 1)(x − 0.5)(x − 2), sampled on 6 knots.
        let p = |x: f64| (x + 1.0) * (x - 0.5) * (x - 2.0);
        let x = [-2.0, -1.3, 0.1, 0.9, 1.7, 3.0];
        let y: Vec<f64> = x.iter().map(|&v| p(v)).collect();
        let r = CubicSpline::not_a_knot(&x, &y).unwrap().roots();
        assert_eq!(r.len(), 3);
        for (a, b) in r.iter().zip([-1.0, 0.5, 2.0]) {
            assert!((a - b).abs() < 1e-13, "{a} vs {b}");
        }
    }

    #[test]
    fn roots_at_knots_and_double_roots() {
        // Simple root exactly on an interior knot: reported exactly once, as the knot.
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let r = CubicSpline::not_a_knot(&x, &y).unwrap().roots();
        assert_eq!(r, vec![2.0]);

        // Double root at a knot: y = (x − 2)² sampled at the knots (reproduced exactly), the
        // spline touches zero at x = 2 without changing sign.
        let y: Vec<f64> = x.iter().map(|v| (v - 2.0) * (v - 2.0)).collect();
        let s = CubicSpline::not_a_knot(&x, &y).unwrap();
        assert_eq!(s.roots(), vec![2.0]);

        // Touching zero at a knot with non-polynomial data (|x − 2|^1.5): still once.
        let y: Vec<f64> = x.iter().map(|v| (v - 2.0f64).abs().powf(1.5)).collect();
        let r = CubicSpline::not_a_knot(&x, &y).unwrap().roots();
        assert!(r.contains(&2.0));
        assert_eq!(r.iter().filter(|&&v| v == 2.0).count(), 1);

        // Roots at both end knots are inside the closed range.
        let y = [0.0, 1.0, 1.5, 1.0, 0.0];
        let r = CubicSpline::not_a_knot(&x, &y).unwrap().roots();
        assert_eq!(r.first(), Some(&0.0));
        assert_eq!(r.last(), Some(&4.0));

        // Identically zero spline: the end knots of the zero intervals (all knots here) are
        // returned, no NaN.
        let r = CubicSpline::not_a_knot(&x, &[0.0; 5]).unwrap().roots();
        assert_eq!(r, x.to_vec());

        // Roots outside the knot range are not extrapolated.
        let r = CubicSpline::not_a_knot(&[0.0, 1.0], &[1.0, 2.0])
            .unwrap()
            .roots();
        assert!(r.is_empty());
    }

    #[test]
    fn error_cases() {
        assert_eq!(
            CubicSpline::not_a_knot(&[1.0], &[1.0]),
            Err(SplineError::TooFewPoints { n: 1 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[], &[]),
            Err(SplineError::TooFewPoints { n: 0 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[0.0, 1.0, 2.0], &[1.0, 2.0]),
            Err(SplineError::LengthMismatch { x_len: 3, y_len: 2 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[0.0, 1.0, 1.0, 2.0], &[0.0; 4]),
            Err(SplineError::NotIncreasing { index: 2 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[0.0, -1.0], &[0.0; 2]),
            Err(SplineError::NotIncreasing { index: 1 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[0.0, f64::NAN, 2.0], &[0.0; 3]),
            Err(SplineError::NonFiniteKnot { index: 1 })
        );
        assert_eq!(
            CubicSpline::not_a_knot(&[0.0, 1.0, f64::INFINITY], &[0.0; 3]),
            Err(SplineError::NonFiniteKnot { index: 2 })
        );
        assert_eq!(
            upscale_grid(&[0.0, 1.0], &[0.0; 3], 5),
            Err(SplineError::GridShape {
                axis_len: 2,
                values_len: 3
            })
        );
        assert_eq!(
            upscale_grid(&[0.0, 1.0], &[0.0; 4], 1),
            Err(SplineError::TooFewOutputPoints { m: 1 })
        );
        // Display is informative.
        let msg = SplineError::NotIncreasing { index: 2 }.to_string();
        assert!(msg.contains("strictly increasing"));
    }

    #[test]
    fn eval_edge_cases() {
        let s = CubicSpline::not_a_knot(&[0.0, 1.0, 2.0, 4.0], &[1.0, 3.0, 2.0, 5.0]).unwrap();
        assert!(s.eval(f64::NAN).is_nan());
        // Knots are interpolated exactly (interior knots use the right-hand interval, t = 0).
        assert_eq!(s.eval(0.0), 1.0);
        assert_eq!(s.eval(1.0), 3.0);
        assert_eq!(s.eval(2.0), 2.0);
        assert!((s.eval(4.0) - 5.0).abs() < 1e-14);
        assert_eq!(s.knots(), &[0.0, 1.0, 2.0, 4.0]);
    }

    #[test]
    fn upscale_reproduces_bicubic_and_axis() {
        // A tensor-product cubic is reproduced exactly by the tensor-product not-a-knot spline.
        let f = |u: f64, v: f64| (u * u * u - 2.0 * u + 0.5) * (0.3 * v * v * v + v * v - 1.0);
        let axis: Vec<f64> = (0..6).map(|k| -1.5 + 0.6 * k as f64).collect();
        let n = axis.len();
        let mut vals = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                vals[i * n + j] = f(axis[i], axis[j]);
            }
        }
        let m = 17;
        let (new_axis, up) = upscale_grid(&axis, &vals, m).unwrap();
        assert_eq!(new_axis.len(), m);
        assert_eq!(new_axis[0], axis[0]);
        assert_eq!(new_axis[m - 1], axis[n - 1]);
        for a in 0..m {
            for b in 0..m {
                let want = f(new_axis[a], new_axis[b]);
                assert!(close(up[a * m + b], want, 1e-12), "({a},{b})");
            }
        }
        // m = n reproduces the grid on the same axis.
        let (ax2, same) = upscale_grid(&axis, &vals, n).unwrap();
        for (k, (&p, &q)) in same.iter().zip(&vals).enumerate() {
            assert!(close(p, q, 1e-13), "{k}");
        }
        assert!(ax2.iter().zip(&axis).all(|(p, q)| (p - q).abs() < 1e-15));
    }
}
