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
}
