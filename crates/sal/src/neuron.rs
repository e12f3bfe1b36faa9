//! The escape-rate (logistic) neuron of discrete-time neural sampling.
//!
//! A non-refractory neuron with membrane potential `u` fires in a time step with probability
//! ρ(u) = 1 / (1 + t_ref·e^(−u)) = σ(u − ln t_ref). After a spike it is refractory (and "on",
//! z = 1) for t_ref steps, so that it spends on average a fraction σ(u) of the time in state
//! z = 1 (Buesing et al. 2011; spec `models.md` §1).

/// Logistic function σ(x) = 1/(1 + e^(−x)), evaluated without overflow for large |x|.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Per-step escape probability ρ(u) = 1/(1 + t_ref·e^(−u)) of a non-refractory neuron with
/// membrane potential `u` (dimensionless) and refractory period `t_ref` (steps).
pub fn rho(u: f64, t_ref: f64) -> f64 {
    sigmoid(u - t_ref.ln())
}

/// Converts a probability to the integer threshold used by the simulators: a 53-bit uniform
/// integer `k` (a uniform double is `k·2^-53`) fires iff `k < threshold`. This is exactly the
/// event `U < p` for `U = k·2^-53`, without converting `k` to floating point.
pub fn fire_threshold(p: f64) -> u64 {
    const TWO53: f64 = 9_007_199_254_740_992.0;
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        1u64 << 53
    } else {
        (p * TWO53).ceil() as u64
    }
}

/// Draws the 53-bit uniform integer that [`fire_threshold`] is compared against.
#[inline(always)]
pub fn uniform53(rng: &mut impl rand_core::Rng) -> u64 {
    rng.next_u64() >> 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rho_is_shifted_logistic() {
        for &u in &[-3.0, -0.5, 0.0, 0.7, 4.0] {
            for &t in &[1.0, 10.0, 50.0] {
                let direct = 1.0 / (1.0 + t * f64::exp(-u));
                assert!((rho(u, t) - direct).abs() < 1e-15);
            }
        }
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
    }

    #[test]
    fn threshold_is_exact_comparison() {
        // U = k 2^-53 < p  <=>  k < threshold(p), checked on the boundary cells.
        for &p in &[0.1, 0.5, 1.0 / 3.0, 1e-9, 0.999_999] {
            let th = fire_threshold(p);
            let u_at = |k: u64| k as f64 / 9_007_199_254_740_992.0;
            assert!(u_at(th - 1) < p);
            assert!(u_at(th) >= p);
        }
        assert_eq!(fire_threshold(0.0), 0);
        assert_eq!(fire_threshold(1.0), 1 << 53);
    }
}
