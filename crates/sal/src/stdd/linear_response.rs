//! Linear response of the STDD to an asymmetric weight perturbation (Fig 12, "plots for the
//! proof", `psp_shapes.md` §2).
//!
//! Starting from symmetric weights w_12 = w_21 = w, the perturbation (w + ε, w − ε) changes
//! the STDD by p_ε − p_0. Its antisymmetric part δ(Δ) for Δ ≥ 0 and the running integral
//! Δ(t) show the sign of the SAL update: a non-negative running integral means SAL opposes
//! the perturbation.

use super::analytic::{Calculator, Pair, StddError};
use super::{Centre, Stdd};

/// The Fig 12 quantities of one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearResponse {
    /// STDD at symmetric weights (centre bin "smooth").
    pub p0: Stdd,
    /// STDD at the perturbed weights (w + ε, w − ε).
    pub p_eps: Stdd,
    /// δ(Δ) for Δ = 0 … T−1: (p_ε − p_0) − reverse(p_ε − p_0) on the non-negative lags.
    pub delta: Vec<f64>,
    /// ∫δ by the trapezoid rule with unit spacing.
    pub int_delta: f64,
    /// Running integral Δ(t) = trapezoid(δ\[0..=k\]) for k = 0 … T−2 (first value 0).
    pub big_delta: Vec<f64>,
}

/// Computes the linear response of the pair (w, w; b1, b2) to the perturbation ε.
pub fn linear_response(
    calc: &Calculator,
    w: f64,
    eps: f64,
    b1: f64,
    b2: f64,
) -> Result<LinearResponse, StddError> {
    let p0 = calc.stdd(
        &Pair {
            w12: w,
            w21: w,
            b1,
            b2,
        },
        Centre::Smooth,
    )?;
    let p_eps = calc.stdd(
        &Pair {
            w12: w + eps,
            w21: w - eps,
            b1,
            b2,
        },
        Centre::Smooth,
    )?;
    let d: Vec<f64> = p_eps.p.iter().zip(&p0.p).map(|(a, b)| a - b).collect();
    let len = d.len();
    let c = len / 2;
    let delta: Vec<f64> = (c..len).map(|k| d[k] - d[len - 1 - k]).collect();
    let trapz = |v: &[f64]| -> f64 { v.windows(2).map(|w| 0.5 * (w[0] + w[1])).sum() };
    let int_delta = trapz(&delta);
    let big_delta = (0..delta.len() - 1).map(|k| trapz(&delta[..=k])).collect();
    Ok(LinearResponse {
        p0,
        p_eps,
        delta,
        int_delta,
        big_delta,
    })
}
