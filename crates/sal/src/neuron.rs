//! The escape-rate (logistic) neuron of discrete-time neural sampling.
//!
//! A non-refractory neuron with membrane potential `u` fires in a time step with probability
//! ρ(u) = 1 / (1 + t_ref·e^(−u)) = σ(u − ln t_ref). After a spike it is refractory (and "on",
//! z = 1) for t_ref steps, so that it spends on average a fraction σ(u) of the time in state
//! z = 1 (Buesing et al. 2011; spec `models.md` §1).
//!
//! This module is the one home of the neuron's arithmetic for every simulator of the crate:
//!
//! - the escape rate ρ(u) in two named evaluations ([`EscapeRate`]): [`rho`], the
//!   overflow-free logistic form used by the sampler engines (M1), the two-neuron simulator
//!   and the analytic chain (M2), and [`rho_reference`], the reference's literal arithmetic
//!   1/(1 + t_ref·e^(−u)) that the microcircuits (M3) must replay bit for bit;
//! - its integrated form, the per-step [`hazard`] h(u) = −ln(1 − ρ(u)) of the event engine;
//! - the uniform draws: a 53-bit integer [`uniform53`] (compared with [`fire_threshold`]
//!   without floating point), the double [`unit53`] = k·2^−53 in [0, 1) (NumPy's
//!   `random()` recipe, also replayed by [`crate::rng_numpy`]), and the Exp(1) variate
//!   [`exp1`] = −ln((k + ½)·2^−53) of the event engine's budgets.

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

/// The reference's literal escape-rate arithmetic ρ(u) = 1/(1 + t_ref·e^(−u)) (`models.md`
/// §1, microcircuit simulator M3). Mathematically equal to [`rho`], but rounded differently
/// (and it overflows to 0 for u < −709 + ln t_ref): use it only where the reference's
/// floating-point results must be replayed bit for bit.
#[inline(always)]
pub fn rho_reference(u: f64, t_ref: f64) -> f64 {
    1.0 / (1.0 + t_ref * (-u).exp())
}

/// Which evaluation of the escape rate ρ(u) a simulator uses (the same function of u,
/// rounded differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EscapeRate {
    /// σ(u − ln t_ref), overflow-free ([`rho`]): the sampler engines, the two-neuron
    /// simulator and the analytic STDD chain.
    #[default]
    Logistic,
    /// 1/(1 + t_ref·e^(−u)) exactly as the reference's microcircuits compute it
    /// ([`rho_reference`]), so that a replay of NumPy's draws gives the reference's spikes.
    ReferenceMicrocircuit,
}

impl EscapeRate {
    /// ρ(u) for membrane `u` and refractory period `t_ref` (steps).
    #[inline(always)]
    pub fn prob(self, u: f64, t_ref: f64) -> f64 {
        match self {
            EscapeRate::Logistic => rho(u, t_ref),
            EscapeRate::ReferenceMicrocircuit => rho_reference(u, t_ref),
        }
    }
}

/// ln(1 + e^x) without overflow or cancellation.
#[inline]
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Per-step hazard h = −ln(1 − ρ(u)) = softplus(u − ln t_ref) of a non-refractory neuron
/// with membrane `u`, given `ln_tref` = ln t_ref: it survives k eligible steps with
/// probability e^(−h·k) (the event engine's integrated hazard).
#[inline]
pub fn hazard(u: f64, ln_tref: f64) -> f64 {
    softplus(u - ln_tref)
}

/// 2^53: a 53-bit integer k stands for the double k·2^−53 in [0, 1).
pub const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// The 53-bit integer of a 64-bit generator word: its top 53 bits.
#[inline(always)]
pub fn bits53(word: u64) -> u64 {
    word >> 11
}

/// The uniform double k·2^−53 ∈ [0, 1) of a 53-bit integer `k` (NumPy's `random()`).
#[inline(always)]
pub fn unit53(k: u64) -> f64 {
    k as f64 * (1.0 / TWO_POW_53)
}

/// A uniform double in [0, 1) with 53 random bits: [`unit53`] of [`uniform53`].
#[inline(always)]
pub fn uniform01(rng: &mut impl rand_core::Rng) -> f64 {
    unit53(uniform53(rng))
}

/// The Exp(1) variate −ln U of a 53-bit integer `k`, with U = (k + ½)·2^−53 in (0, 1]:
/// always finite and ≥ 0 (at most 37.4; 0 only for the last k, whose k + ½ rounds to 2^53).
#[inline(always)]
pub fn exp1_of(k: u64) -> f64 {
    // k < 2^53: the signed conversion is exact (and a single instruction).
    -(((k as i64) as f64 + 0.5) * (1.0 / TWO_POW_53)).ln()
}

/// An Exp(1) variate ([`exp1_of`] of one [`uniform53`] draw).
#[inline(always)]
pub fn exp1(rng: &mut impl rand_core::Rng) -> f64 {
    exp1_of(uniform53(rng))
}

/// Converts a probability to the integer threshold used by the simulators: a 53-bit uniform
/// integer `k` (a uniform double is `k·2^-53`) fires iff `k < threshold`. This is exactly the
/// event `U < p` for `U = k·2^-53`, without converting `k` to floating point.
pub fn fire_threshold(p: f64) -> u64 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        1u64 << 53
    } else {
        // ⌈x⌉ for 0 < x < 2^53 without a call to libm's `ceil` (x86-64 has no rounding
        // instruction before SSE4.1): truncate, add one if a fraction was cut off.
        let x = p * TWO_POW_53;
        let k = x as u64;
        if (k as f64) < x { k + 1 } else { k }
    }
}

/// Draws the 53-bit uniform integer that [`fire_threshold`] is compared against.
#[inline(always)]
pub fn uniform53(rng: &mut impl rand_core::Rng) -> u64 {
    bits53(rng.next_u64())
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
    fn escape_rate_variants_agree_and_hazard_integrates_rho() {
        for &u in &[-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 30.0] {
            for &t in &[1.0, 10.0, 50.0] {
                let (a, b) = (
                    EscapeRate::Logistic.prob(u, t),
                    EscapeRate::ReferenceMicrocircuit.prob(u, t),
                );
                // Two roundings of the same function: the logistic form rounds u − ln t_ref
                // (relative error ≤ |u − ln t_ref|·ε, amplified to the same relative error of
                // ρ through e^x), the literal form rounds e^(−u) and the product.
                let tol = (8.0 + (u - f64::ln(t)).abs()) * f64::EPSILON * a;
                assert!((a - b).abs() <= tol, "{u} {t}: {a} {b}");
                // e^(−h) = 1 − ρ.
                let h = hazard(u, f64::ln(t));
                assert!(((-h).exp() - (1.0 - a)).abs() < 1e-15, "{u} {t}");
            }
        }
        // The literal form must stay literal: 1/(1 + t·e^(−u)) evaluated as written.
        let (u, t) = (0.3, 10.0_f64);
        assert_eq!(
            rho_reference(u, t).to_bits(),
            (1.0 / (1.0 + t * (-u).exp())).to_bits()
        );
        assert_eq!(softplus(-800.0), 0.0);
        assert_eq!(softplus(800.0), 800.0);
    }

    #[test]
    fn uniform_and_exponential_draws() {
        assert_eq!(unit53(0), 0.0);
        assert_eq!(unit53((1 << 53) - 1), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(bits53(u64::MAX), (1 << 53) - 1);
        // Extremes of the Exp(1) variate: −ln(½·2^−53) and −ln(1 − ½·2^−53).
        assert!((exp1_of(0) - (54.0 * std::f64::consts::LN_2)).abs() < 1e-12);
        assert_eq!(exp1_of((1 << 53) - 1), 0.0);
        assert!(exp1_of((1 << 53) - 2) > 0.0);
        assert!(exp1_of((1 << 53) - 2) < 1e-15);
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
        // The integer ceiling equals ⌈p·2^53⌉ everywhere in (0, 1), including the
        // probabilities on the 2^−53 grid and their neighbours.
        let mut x = 0x1234_5678_9abc_def0_u64;
        for k in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let p = match k % 4 {
                0 => (x >> 11) as f64 / TWO_POW_53,
                1 => ((x >> 11) as f64 / TWO_POW_53).next_up(),
                2 => f64::from_bits(x >> 2),
                _ => ((x >> 40) as f64 / TWO_POW_53).next_down(),
            };
            if p > 0.0 && p < 1.0 {
                assert_eq!(fire_threshold(p), (p * TWO_POW_53).ceil() as u64, "{p:e}");
            }
        }
    }
}
