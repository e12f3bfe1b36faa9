//! Distances and summary statistics used to compare distributions and weights.

/// Total variation distance ½ Σ |p − q| between two distributions on the same support.
/// Non-finite entries (e.g. an undefined centre bin) are skipped in both.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "distributions must have the same support");
    0.5 * p
        .iter()
        .zip(q)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
}

/// Element-wise magnitude √(a² + b²) of a vector field, divided by its maximum (all 0 if
/// the field vanishes): the background of the phase-plane figures (Fig 2e, Fig 10).
pub fn normalised_magnitude(a: &[f64], b: &[f64]) -> Vec<f64> {
    assert_eq!(a.len(), b.len(), "both components on the same grid");
    let m: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.hypot(*y)).collect();
    let max = m.iter().cloned().fold(0.0, f64::max);
    m.iter()
        .map(|v| if max > 0.0 { v / max } else { 0.0 })
        .collect()
}

/// Median of a sample (NaN for an empty one); sorts a copy.
pub fn median(xs: &[f64]) -> f64 {
    quantile(xs, 0.5)
}

/// Linear-interpolation quantile (NumPy's default) of a sample; NaN for an empty one.
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    if frac == 0.0 || v[hi] == v[lo] {
        // exact position (also keeps +∞ samples from turning into NaN)
        return v[lo];
    }
    v[lo] + (v[hi] - v[lo]) * frac
}

/// Like [`quantile`], ignoring NaN samples (NumPy's `nanquantile`).
pub fn nanquantile(xs: &[f64], q: f64) -> f64 {
    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    quantile(&v, q)
}

/// How well a feedback matrix B matches the forward weights W it should transport (spec
/// `deep.md` §1.6; both flattened in the same element order, e.g. W_(k+1) and B_kᵀ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    /// Angle between W and B seen as vectors, in degrees: arccos(⟨w, b⟩ / (‖w‖·‖b‖)),
    /// clamped to [−1, 1] before the arccos (0° = parallel, 90° = orthogonal; NaN if either
    /// is zero).
    pub angle_deg: f64,
    /// Unbiased sample variance (divide by n − 1) of the elements of W − B.
    pub var: f64,
    /// Pearson correlation of the elements of W and B.
    pub corrcoef: f64,
    /// Mean over the elements of sign(W)·sign(B), with sign(0) = 0.
    pub sign: f64,
}

/// Angle in degrees between two equal-length vectors (see [`Alignment::angle_deg`]).
pub fn angle_deg(w: &[f64], b: &[f64]) -> f64 {
    assert_eq!(w.len(), b.len(), "angle_deg: lengths differ");
    let (mut wb, mut ww, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in w.iter().zip(b) {
        wb += x * y;
        ww += x * x;
        bb += y * y;
    }
    let c = wb / (ww.sqrt() * bb.sqrt());
    c.clamp(-1.0, 1.0).acos().to_degrees()
}

/// The four alignment measures of W and its feedback B (flattened alike).
pub fn alignment(w: &[f64], b: &[f64]) -> Alignment {
    assert_eq!(w.len(), b.len(), "alignment: lengths differ");
    let n = w.len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (mw, mb) = (mean(w), mean(b));
    let md = mw - mb;
    let (mut cov, mut vw, mut vb, mut vd, mut sign) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y) in w.iter().zip(b) {
        let (dx, dy) = (x - mw, y - mb);
        cov += dx * dy;
        vw += dx * dx;
        vb += dy * dy;
        let d = (x - y) - md;
        vd += d * d;
        let sg = |v: f64| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        };
        sign += sg(*x) * sg(*y);
    }
    Alignment {
        angle_deg: angle_deg(w, b),
        var: vd / (n - 1.0),
        corrcoef: cov / (vw.sqrt() * vb.sqrt()),
        sign: sign / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tv_and_quantiles() {
        assert_eq!(total_variation(&[0.5, 0.5], &[1.0, 0.0]), 0.5);
        assert_eq!(total_variation(&[f64::NAN, 1.0], &[0.0, 1.0]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert!(median(&[]).is_nan());
        assert_eq!(quantile(&[1.0, f64::INFINITY, 2.0], 0.5), 2.0);
        assert_eq!(nanquantile(&[1.0, f64::NAN, 3.0], 0.5), 2.0);
    }

    #[test]
    fn alignment_measures() {
        // Hand-computed: w = (1, 2, 3, 0), b = (2, 4, 6, 0) → parallel, corr 1, sign 3/4;
        // W − B = (−1, −2, −3, 0): mean −1.5, Σd² = 0.25 + 0.25 + 2.25 + 2.25 = 5 → var 5/3.
        let a = alignment(&[1.0, 2.0, 3.0, 0.0], &[2.0, 4.0, 6.0, 0.0]);
        assert!(a.angle_deg.abs() < 1e-6);
        assert!((a.corrcoef - 1.0).abs() < 1e-15);
        assert_eq!(a.sign, 0.75);
        assert!((a.var - 5.0 / 3.0).abs() < 1e-15);
        // Orthogonal, anti-correlated signs.
        let o = alignment(&[1.0, 0.0], &[0.0, -1.0]);
        assert!((o.angle_deg - 90.0).abs() < 1e-12);
        assert_eq!(o.sign, 0.0);
        let anti = alignment(&[1.0, -1.0, 2.0], &[-1.0, 1.0, -2.0]);
        assert!((anti.angle_deg - 180.0).abs() < 1e-6);
        assert!((anti.corrcoef + 1.0).abs() < 1e-15);
        assert_eq!(anti.sign, -1.0);
    }
}
