//! Spike-timing-difference distributions (STDDs) of a reciprocally coupled neuron pair.
//!
//! * [`analytic`] — the exact calculator: the two-neuron Markov chain of `stdd.md` §2, its
//!   stationary distribution and the half histograms, for any PSP kernel and either
//!   refractoriness convention.
//! * [`empirical`] — the same distribution estimated from a simulated spike train.
//! * [`ppd`] — SAL phase-plane grids; [`attractor`] — attractor lines and deviations;
//!   [`linear_response`] — the Fig 12 analysis.
//!
//! Public convention (`stdd.md` §1): neuron 1 receives w_12 (synapse 2 → 1), neuron 2
//! receives w_21 (synapse 1 → 2); the lag is Δ = t_1 − t_2, so Δ > 0 means neuron 1 fired
//! after neuron 2 (the causal side of w_12). Each half of the STDD sums to ½.

pub mod analytic;
pub mod attractor;
pub mod empirical;
pub mod linear_response;
pub mod ppd;

use crate::window::Window;

/// What to put in the undefined centre bin Δ = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Centre {
    /// NaN (the reference's default; `null` in JSON).
    Nan,
    /// 0.
    Zero,
    /// The mean of the two adjacent bins.
    Smooth,
}

/// An STDD on lags −(T−1) … T−1 (`p.len() == 2T − 1`, centre at index T − 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Stdd {
    /// Probabilities per lag; the centre bin holds whatever [`Centre`] was asked for.
    pub p: Vec<f64>,
}

impl Stdd {
    /// T: the number of lags per side plus one.
    pub fn t_max(&self) -> usize {
        self.p.len().div_ceil(2)
    }

    /// The lags −(T−1) … T−1 in steps.
    pub fn lags(&self) -> Vec<i64> {
        let t = self.t_max() as i64;
        (-(t - 1)..t).collect()
    }

    /// Left half (Δ = −(T−1) … −1): the partner pattern neuron 1 → neuron 2.
    pub fn left(&self) -> &[f64] {
        &self.p[..self.t_max() - 1]
    }

    /// Right half (Δ = 1 … T−1): neuron 1 fires after neuron 2.
    pub fn right(&self) -> &[f64] {
        &self.p[self.t_max()..]
    }

    /// A copy with the centre bin set by `centre`.
    pub fn with_centre(&self, centre: Centre) -> Stdd {
        let mut p = self.p.clone();
        let c = self.t_max() - 1;
        p[c] = match centre {
            Centre::Nan => f64::NAN,
            Centre::Zero => 0.0,
            Centre::Smooth => 0.5 * (p[c - 1] + p[c + 1]),
        };
        Stdd { p }
    }

    /// SAL values (`stdd.md` §6): sal_12 = Σ p(Δ)·K(Δ), the expected update of w_12 (synapse
    /// 2 → 1, Δ = t_post − t_pre), and sal_21 = Σ p(Δ)·K(−Δ). The centre bin counts as 0.
    pub fn sal(&self, window: &Window) -> (f64, f64) {
        let c = (self.t_max() - 1) as i64;
        let mut s12 = 0.0;
        let mut s21 = 0.0;
        for (k, &p) in self.p.iter().enumerate() {
            let d = k as i64 - c;
            if d == 0 {
                continue;
            }
            s12 += p * window.eval(d as f64);
            s21 += p * window.eval(-d as f64);
        }
        (s12, s21)
    }
}
