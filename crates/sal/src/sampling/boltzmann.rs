//! Exact Boltzmann machines by enumeration of all 2^N states.
//!
//! Energy E(z) = −(½ zᵀWz + bᵀz), p(z) = e^(−E(z))/Z. State index k ↔ binary
//! representation of k with **neuron 0 as the most significant bit** (index 0 = all off).

use rayon::prelude::*;
use thiserror::Error;

/// Largest N for which the distribution is enumerated (2^24 states ≈ 128 MiB of f64).
pub const MAX_UNITS: usize = 24;

/// Errors of the exact machine.
#[derive(Debug, Error, PartialEq)]
pub enum BoltzmannError {
    /// Too many units to enumerate.
    #[error("{0} units is above the enumeration limit of {MAX_UNITS} (2^N states)")]
    TooLarge(usize),
    /// Shapes do not match.
    #[error("weights must be N×N and biases N (got {w} weights, {b} biases)")]
    Shape {
        /// Weight count.
        w: usize,
        /// Bias count.
        b: usize,
    },
}

/// Below this N the enumeration runs on one thread (it takes microseconds).
const PARALLEL_FROM: usize = 16;

/// The state index of a binary vector (neuron 0 most significant).
pub fn state_index(z: &[bool]) -> usize {
    z.iter().fold(0, |k, &b| (k << 1) | b as usize)
}

/// Whether unit `i` is on in state `k` of an N-unit machine.
#[inline]
pub fn unit_on(k: usize, i: usize, n: usize) -> bool {
    (k >> (n - 1 - i)) & 1 == 1
}

/// The exact distribution p(z) of (W, b) over all 2^N states. Only the symmetric part of
/// W enters the energy (½ zᵀWz); the diagonal is ignored (z_i² = z_i would make it a bias,
/// but the reference targets have a zero diagonal).
pub fn distribution(w: &[f64], b: &[f64]) -> Result<Vec<f64>, BoltzmannError> {
    let n = b.len();
    if w.len() != n * n {
        return Err(BoltzmannError::Shape { w: w.len(), b: n });
    }
    if n > MAX_UNITS {
        return Err(BoltzmannError::TooLarge(n));
    }
    let neg_energy = |k: usize| -> f64 {
        let mut e = 0.0;
        for i in 0..n {
            if unit_on(k, i, n) {
                e += b[i];
                for j in (i + 1)..n {
                    if unit_on(k, j, n) {
                        e += 0.5 * (w[i * n + j] + w[j * n + i]);
                    }
                }
            }
        }
        e
    };
    let size = 1usize << n;
    let mut logp: Vec<f64> = if n >= PARALLEL_FROM {
        (0..size).into_par_iter().map(neg_energy).collect()
    } else {
        (0..size).map(neg_energy).collect()
    };
    let max = logp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    logp.iter_mut().for_each(|v| *v = (*v - max).exp());
    let z: f64 = logp.iter().sum();
    logp.iter_mut().for_each(|v| *v /= z);
    Ok(logp)
}

/// Coactivations C_ij = Σ_z p(z) z_i z_j of a distribution over 2^N states, with the
/// diagonal set to 0, and the marginals m_i = p(z_i = 1). Row-major N×N.
pub fn coactivation(p: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut c = vec![0.0; n * n];
    let mut m = vec![0.0; n];
    for (k, &pk) in p.iter().enumerate() {
        if pk == 0.0 {
            continue;
        }
        for i in 0..n {
            if unit_on(k, i, n) {
                m[i] += pk;
                for j in (i + 1)..n {
                    if unit_on(k, j, n) {
                        c[i * n + j] += pk;
                    }
                }
            }
        }
    }
    for i in 0..n {
        for j in (i + 1)..n {
            c[j * n + i] = c[i * n + j];
        }
    }
    (c, m)
}

/// D_KL(p ‖ q) = Σ_k [ξ(p_k, p_k) − ξ(p_k, q_k)], ξ(x, y) = 0 if x = 0 else x·ln y (the v3
/// reference's rule): states with p_k = 0 contribute nothing; a state with p_k > 0 that was
/// never sampled (q_k = 0) gives +∞ — unsampled states are deliberately not regularised,
/// so that an undersampled validation shows up instead of being hidden.
pub fn dkl(p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len());
    let mut d = 0.0;
    for (&pk, &qk) in p.iter().zip(q) {
        if pk > 0.0 {
            if qk <= 0.0 {
                return f64::INFINITY;
            }
            d += pk * pk.ln() - pk * qk.ln();
        }
    }
    d
}

/// Weight asymmetry: population variance of the N(N−1)/2 values (W − Wᵀ)\[i\]\[j\], i < j.
pub fn asymmetry(w: &[f64], n: usize) -> f64 {
    let d: Vec<f64> = (0..n)
        .flat_map(|i| ((i + 1)..n).map(move |j| (i, j)))
        .map(|(i, j)| w[i * n + j] - w[j * n + i])
        .collect();
    if d.is_empty() {
        return 0.0;
    }
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / d.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn independent_units_have_logistic_marginals() {
        let b = [0.3, -1.0, 2.0];
        let p = distribution(&[0.0; 9], &b).unwrap();
        let (c, m) = coactivation(&p, 3);
        for i in 0..3 {
            let s = 1.0 / (1.0 + (-b[i]).exp());
            assert!((m[i] - s).abs() < 1e-14);
            for j in 0..3 {
                if i != j {
                    let sj = 1.0 / (1.0 + (-b[j]).exp());
                    assert!((c[i * 3 + j] - s * sj).abs() < 1e-14);
                }
            }
        }
        assert_eq!(c[0], 0.0);
    }

    #[test]
    fn state_order_is_neuron_zero_most_significant() {
        // Only unit 0 has a strong bias: the most likely state is 100 = index 4.
        let p = distribution(&[0.0; 9], &[5.0, -5.0, -5.0]).unwrap();
        let best = (0..8).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        assert_eq!(best, 4);
        assert_eq!(state_index(&[true, false, false]), 4);
        // pairwise weight: p(11)/p(10) = e^(w + b1)
        let p2 = distribution(&[0.0, 0.7, 0.7, 0.0], &[0.1, -0.2]).unwrap();
        assert!((p2[3] / p2[2] - (0.7f64 - 0.2).exp()).abs() < 1e-12);
    }

    #[test]
    fn dkl_rules() {
        assert_eq!(dkl(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
        assert_eq!(dkl(&[0.0, 1.0], &[0.5, 0.5]), (2.0f64).ln());
        assert_eq!(dkl(&[0.5, 0.5], &[1.0, 0.0]), f64::INFINITY);
        assert!(distribution(&vec![0.0; 25 * 25], &[0.0; 25]).is_err());
    }

    #[test]
    fn asymmetry_is_population_variance() {
        // W − Wᵀ upper entries: 1, −1, 0 → mean 0, variance 2/3
        let w = [0.0, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!((asymmetry(&w, 3) - 2.0 / 3.0).abs() < 1e-15);
    }
}
