//! The exact STDD calculator (spec `stdd.md` §2): a two-neuron Markov chain on the ages
//! (steps since the last spike) of both neurons.
//!
//! The chain is the discrete-time neural-sampling model of a reciprocally coupled pair. Its
//! stationary distribution is computed *exactly* (direct solve, no iteration) by exploiting
//! its structure: without a spike both ages just advance, so every state with both ages ≥ 1
//! is reached only along a diagonal from a "boundary" state in which one neuron has just
//! fired. Censoring the chain on the 2T − 1 boundary states gives a small dense stochastic
//! matrix built in O(T²); one (2T−2)-dimensional linear solve and one sweep over the
//! diagonals give π on all T² states. Cost O(T³) in total (< 1 ms for T = 80), where the
//! reference's ARPACK shift-invert needs seconds.

use super::{Centre, Stdd};
use crate::conventions::Conventions;
use crate::kernel::PspKernel;
use crate::neuron::rho;
use crate::window::Window;
use thiserror::Error;

/// Invalid calculator parameters.
#[derive(Debug, Error, PartialEq)]
pub enum StddError {
    /// t_ref must be at least 1 step.
    #[error("t_ref must be at least 1 step (got {0})")]
    TRef(usize),
    /// T must exceed the minimum inter-spike interval.
    #[error(
        "t_max ({t_max}) must be greater than the minimum inter-spike interval ({min_isi} steps)"
    )]
    TMax {
        /// Requested T.
        t_max: usize,
        /// Minimum ISI in steps.
        min_isi: usize,
    },
    /// A parameter is NaN or infinite.
    #[error("{0} must be a finite number")]
    NotFinite(&'static str),
    /// τ_syn must be positive for kernels that use it.
    #[error("t_syn must be positive for the {0} kernel")]
    TSyn(&'static str),
    /// The chain never leaves its all-quiet state (firing probability underflowed to 0).
    #[error("the chain is not ergodic: firing probability is 0 in the quiescent state")]
    NotErgodic,
}

/// Weights and biases of the pair, in the public convention (`stdd.md` §1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Synapse 2 → 1 (onto neuron 1).
    pub w12: f64,
    /// Synapse 1 → 2 (onto neuron 2).
    pub w21: f64,
    /// Bias of neuron 1.
    pub b1: f64,
    /// Bias of neuron 2.
    pub b2: f64,
}

/// The calculator: PSP kernel, T (= `t_max`, states per neuron and maximum lag + 1),
/// refractory period t_ref (steps) and the discrete-time conventions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calculator {
    /// PSP kernel κ (for the reference calculator: `PspKernel::new(shape, t_ref, t_syn)`).
    pub kernel: PspKernel,
    /// T: ages are capped at T − 1; lags run over −(T−1) … T−1.
    pub t_max: usize,
    /// Refractory period t_ref in steps (also the τ of ρ).
    pub t_ref: usize,
    /// Refractoriness and PSP timing (the reference calculator: [`Conventions::ANALYTIC_M2`]).
    pub conventions: Conventions,
}

impl Calculator {
    /// A calculator with the reference calculator's conventions (minimum ISI t_ref).
    pub fn new(kernel: PspKernel, t_max: usize, t_ref: usize) -> Calculator {
        Calculator {
            kernel,
            t_max,
            t_ref,
            conventions: Conventions::ANALYTIC_M2,
        }
    }

    /// Checks the parameters (and the pair's, if given).
    pub fn validate(&self, pair: Option<&Pair>) -> Result<(), StddError> {
        if self.t_ref < 1 {
            return Err(StddError::TRef(self.t_ref));
        }
        let min_isi = self.conventions.min_isi.steps(self.t_ref);
        // T > t_ref (ages reach the end of the PSP) and T ≥ min ISI (a neuron can fire
        // again from the capped age T − 1).
        if self.t_max <= self.t_ref || self.t_max < min_isi {
            return Err(StddError::TMax {
                t_max: self.t_max,
                min_isi,
            });
        }
        if !self.kernel.tau.is_finite() {
            return Err(StddError::NotFinite("t_ref"));
        }
        if self.kernel.shape.uses_t_syn()
            && !(self.kernel.tau_syn.is_finite() && self.kernel.tau_syn > 0.0)
        {
            return Err(StddError::TSyn(self.kernel.shape.name()));
        }
        if let Some(p) = pair {
            for (name, v) in [("w12", p.w12), ("w21", p.w21), ("b1", p.b1), ("b2", p.b2)] {
                if !v.is_finite() {
                    return Err(StddError::NotFinite(name));
                }
            }
        }
        Ok(())
    }

    /// The ordered chain C(A, B) with reference neuron A and target neuron B.
    fn chain(&self, bias_a: f64, w_a: f64, bias_b: f64, w_b: f64) -> Chain {
        let t = self.t_max;
        let tr = self.t_ref as f64;
        let delay = self.conventions.psp_delay as f64;
        // Firing probability given the partner's successor age x = n(ζ) ∈ 1 … T−1.
        let table = |bias: f64, w: f64| -> Vec<f64> {
            (0..t)
                .map(|x| {
                    if x == 0 {
                        0.0 // never used: successor ages are ≥ 1
                    } else {
                        rho(bias + w * self.kernel.eval(x as f64 - delay), tr)
                    }
                })
                .collect()
        };
        let ta = table(bias_a, w_a);
        let tb = table(bias_b, w_b);
        let r = self.conventions.min_isi.steps(self.t_ref) - 1;
        let mut qa = vec![0.0; t * t];
        let mut qb = vec![0.0; t * t];
        for a in 0..t {
            for b in 0..t {
                let na = (a + 1).min(t - 1);
                let nb = (b + 1).min(t - 1);
                qa[a * t + b] = if a >= r { ta[nb] } else { 0.0 };
                qb[a * t + b] = if b >= r { tb[na] } else { 0.0 };
            }
        }
        Chain { t, qa, qb }
    }

    /// The half histogram h\[c\], c = 0 … T−1, of chain C(A, B) (`stdd.md` §2.3).
    fn half(&self, bias_a: f64, w_a: f64, bias_b: f64, w_b: f64) -> Result<Vec<f64>, StddError> {
        let chain = self.chain(bias_a, w_a, bias_b, w_b);
        let pi = chain.stationary()?;
        Ok(chain.half_histogram(&pi))
    }

    /// The STDD of `pair` with the centre bin set by `centre` (`stdd.md` §2.4).
    pub fn stdd(&self, pair: &Pair, centre: Centre) -> Result<Stdd, StddError> {
        self.validate(Some(pair))?;
        let t = self.t_max;
        // Right half: A = neuron 2 (bias b2, input w21), B = neuron 1 (bias b1, input w12).
        let right = self.half(pair.b2, pair.w21, pair.b1, pair.w12)?;
        // Left half: A = neuron 1, B = neuron 2, reversed in lag.
        let left = self.half(pair.b1, pair.w12, pair.b2, pair.w21)?;
        let mut p = vec![0.0; 2 * t - 1];
        for c in 1..t {
            p[t - 1 + c] = right[c];
            p[t - 1 - c] = left[c];
        }
        Ok(Stdd { p }.with_centre(centre))
    }

    /// SAL values (sal_12, sal_21) of `pair` under `window` (`stdd.md` §6).
    pub fn sal(&self, pair: &Pair, window: &Window) -> Result<(f64, f64), StddError> {
        Ok(self.stdd(pair, Centre::Zero)?.sal(window))
    }

    /// The stationary distribution of the ordered chain C(A = neuron 2, B = neuron 1) on the
    /// T² age states, index ζ_A·T + ζ_B (exposed for tests and diagnostics).
    pub fn stationary_right(&self, pair: &Pair) -> Result<Vec<f64>, StddError> {
        self.validate(Some(pair))?;
        self.chain(pair.b2, pair.w21, pair.b1, pair.w12)
            .stationary()
    }

    /// The column-stochastic one-step transition of C(A = neuron 2, B = neuron 1) applied to
    /// a distribution `p` over the T² states (for tests: power iteration).
    pub fn step_right(&self, pair: &Pair, p: &[f64]) -> Vec<f64> {
        self.chain(pair.b2, pair.w21, pair.b1, pair.w12)
            .apply(p, false)
    }
}

/// Ordered two-neuron chain with precomputed firing probabilities per state.
struct Chain {
    t: usize,
    /// P(A fires | state), index a·T + b.
    qa: Vec<f64>,
    /// P(B fires | state).
    qb: Vec<f64>,
}

impl Chain {
    #[inline]
    fn succ(&self, z: usize) -> usize {
        (z + 1).min(self.t - 1)
    }

    /// Boundary index of a state with a = 0 or b = 0.
    #[inline]
    fn bidx(&self, a: usize, b: usize) -> usize {
        if a == 0 { b } else { self.t - 1 + a }
    }

    /// One step of P (or of the "no-spike" matrix P̃ when `no_spike`: transitions into
    /// states where exactly one neuron just fired are dropped; the joint state (0,0) stays).
    fn apply(&self, p: &[f64], no_spike: bool) -> Vec<f64> {
        let t = self.t;
        let mut out = vec![0.0; t * t];
        for a in 0..t {
            let na = self.succ(a);
            for b in 0..t {
                let m = p[a * t + b];
                if m == 0.0 {
                    continue;
                }
                let s = a * t + b;
                let (qa, qb) = (self.qa[s], self.qb[s]);
                let nb = self.succ(b);
                out[0] += m * qa * qb;
                out[na * t + nb] += m * (1.0 - qa) * (1.0 - qb);
                if !no_spike {
                    out[nb] += m * qa * (1.0 - qb);
                    out[na * t] += m * (1.0 - qa) * qb;
                }
            }
        }
        out
    }

    /// Exact stationary distribution (see the module docs).
    fn stationary(&self) -> Result<Vec<f64>, StddError> {
        let t = self.t;
        let nb = 2 * t - 1;
        let corner = (t - 1) * t + (t - 1);
        // g[k][row]: probability that the chain censored on the boundary moves from boundary
        // state k to boundary state `row`.
        let mut g = vec![vec![0.0; nb]; nb];
        for (k, col) in g.iter_mut().enumerate() {
            let (mut a, mut b) = if k < t { (0, k) } else { (k + 1 - t, 0) };
            let mut m = 1.0;
            loop {
                let s = a * t + b;
                let (qa, qb) = (self.qa[s], self.qb[s]);
                let stay = (1.0 - qa) * (1.0 - qb);
                if s == corner {
                    // Geometric self-loop: expected visits 1/(1 − stay).
                    if stay >= 1.0 {
                        return Err(StddError::NotErgodic);
                    }
                    m /= 1.0 - stay;
                }
                let (na, nbb) = (self.succ(a), self.succ(b));
                col[0] += m * qa * qb;
                col[self.bidx(0, nbb)] += m * qa * (1.0 - qb);
                col[self.bidx(na, 0)] += m * (1.0 - qa) * qb;
                if s == corner {
                    break;
                }
                m *= stay;
                a = na;
                b = nbb;
            }
        }
        // Solve (G − I) x = 0 with x[(0,0)] = 1: drop row and column 0.
        let n = nb - 1;
        let mut mat = vec![0.0; n * (n + 1)]; // augmented, row-major
        for r in 0..n {
            for c in 0..n {
                mat[r * (n + 1) + c] = g[c + 1][r + 1] - if r == c { 1.0 } else { 0.0 };
            }
            mat[r * (n + 1) + n] = -g[0][r + 1];
        }
        let x = solve_augmented(&mut mat, n).ok_or(StddError::NotErgodic)?;
        let mut pi = vec![0.0; t * t];
        pi[0] = 1.0;
        for (k, &v) in x.iter().enumerate() {
            let kb = k + 1;
            let (a, b) = if kb < t { (0, kb) } else { (kb + 1 - t, 0) };
            pi[a * t + b] = v;
        }
        // Interior states: inflow along the diagonals, in order of increasing a + b.
        let stay = |s: usize| (1.0 - self.qa[s]) * (1.0 - self.qb[s]);
        for sum in 2..=(2 * t - 2) {
            let a_lo = 1.max(sum.saturating_sub(t - 1));
            let a_hi = (t - 1).min(sum - 1);
            for a in a_lo..=a_hi {
                let b = sum - a;
                let s = a * t + b;
                let mut inflow = 0.0;
                let preds_a: &[usize] = if a == t - 1 {
                    &[a - 1, t - 1]
                } else {
                    &[a - 1]
                };
                let preds_b: &[usize] = if b == t - 1 {
                    &[b - 1, t - 1]
                } else {
                    &[b - 1]
                };
                for &pa in preds_a {
                    for &pb in preds_b {
                        let ps = pa * t + pb;
                        if ps != s {
                            inflow += pi[ps] * stay(ps);
                        }
                    }
                }
                pi[s] = if s == corner {
                    inflow / (1.0 - stay(s))
                } else {
                    inflow
                };
            }
        }
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|v| *v /= total);
        Ok(pi)
    }

    /// The half histogram (`stdd.md` §2.3), normalised to sum ½.
    fn half_histogram(&self, pi: &[f64]) -> Vec<f64> {
        let t = self.t;
        // 1. condition on "A has just fired".
        let mut p = vec![0.0; t * t];
        let mass: f64 = pi[..t].iter().sum();
        for b in 0..t {
            p[b] = pi[b] / mass;
        }
        let mut h = vec![0.0; t];
        // R·p: B fires (alone or with A) from old age of A = c − 1, c = 1 … T−1.
        let read = |p: &[f64], h: &mut [f64]| {
            for (c, hc) in h.iter_mut().enumerate().skip(1) {
                let row = (c - 1) * t;
                let qb = &self.qb[row..row + t];
                *hc += qb
                    .iter()
                    .zip(&p[row..row + t])
                    .map(|(q, m)| q * m)
                    .sum::<f64>();
            }
        };
        read(&p, &mut h);
        for _ in 0..t {
            p = self.apply(&p, true);
            read(&p, &mut h);
        }
        let total: f64 = h.iter().sum();
        h.iter_mut().for_each(|v| *v /= 2.0 * total);
        h
    }
}

/// Gaussian elimination with partial pivoting on an n×(n+1) augmented row-major matrix.
fn solve_augmented(m: &mut [f64], n: usize) -> Option<Vec<f64>> {
    let w = n + 1;
    for col in 0..n {
        let piv =
            (col..n).max_by(|&i, &j| m[i * w + col].abs().total_cmp(&m[j * w + col].abs()))?;
        if m[piv * w + col].abs() < 1e-300 {
            return None;
        }
        if piv != col {
            for k in 0..w {
                m.swap(piv * w + k, col * w + k);
            }
        }
        let d = m[col * w + col];
        for r in (col + 1)..n {
            let f = m[r * w + col] / d;
            if f != 0.0 {
                for k in col..w {
                    m[r * w + k] -= f * m[col * w + k];
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let mut acc = m[r * w + n];
        for k in (r + 1)..n {
            acc -= m[r * w + k] * x[k];
        }
        x[r] = acc / m[r * w + r];
    }
    Some(x)
}
