//! Postsynaptic-potential (PSP) kernels κ(x) (spec `stdd.md` §9, `models.md` §10).
//!
//! `x` is the lag in steps between a presynaptic spike and the spike decision that sees it
//! (after the conventions' `psp_delay`, see [`crate::conventions`]). All kernels are
//! normalised to the area of the rectangular PSP of length τ = t_ref, so that changing the
//! shape does not change the total synaptic drive (Fig 11).

use std::fmt;

/// PSP shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Psp {
    /// Rectangular: 1 for 0 ≤ x < τ, else 0 (height 1, length τ steps; τ_syn ignored).
    Rect,
    /// Exponential: a·e^(−x/τ_syn) for x ≥ 0, a = (τ/τ_syn)/(1 − e^(−τ/τ_syn)), so that its
    /// integral over [0, τ] equals τ.
    Exp,
    /// Truncated exponential: the exponential for 0 ≤ x ≤ τ (inclusive), 0 beyond.
    Cutoff,
    /// Rectangle with exponential tail: 1 for x ≤ τ (inclusive), the exponential beyond.
    Tail,
    /// Alpha function (τ/τ_syn²)·x·e^(−x/τ_syn) for x > 0: area τ over [0, ∞), peak at τ_syn.
    Alpha,
}

impl Psp {
    /// All shapes, in the order of the command-line help.
    pub const ALL: [Psp; 5] = [Psp::Rect, Psp::Exp, Psp::Cutoff, Psp::Tail, Psp::Alpha];

    /// The command-line / config name (`rect`, `exp`, `cutoff`, `tail`, `alpha`).
    pub fn name(self) -> &'static str {
        match self {
            Psp::Rect => "rect",
            Psp::Exp => "exp",
            Psp::Cutoff => "cutoff",
            Psp::Tail => "tail",
            Psp::Alpha => "alpha",
        }
    }

    /// Parses a name produced by [`Psp::name`].
    pub fn parse(s: &str) -> Option<Psp> {
        Psp::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Whether the kernel depends on τ_syn (the rectangle does not).
    pub fn uses_t_syn(self) -> bool {
        !matches!(self, Psp::Rect)
    }
}

impl fmt::Display for Psp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A PSP kernel: a shape with its length/normalisation τ (steps, the refractory period
/// t_ref in the analytic model) and synaptic time constant τ_syn (steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PspKernel {
    /// Shape.
    pub shape: Psp,
    /// Length of the rectangle and normalisation interval [0, τ] (steps).
    pub tau: f64,
    /// Synaptic time constant of the exponential and alpha shapes (steps).
    pub tau_syn: f64,
}

impl PspKernel {
    /// The analytic calculator's kernel (`stdd.md` §9): τ = t_ref, τ_syn = t_syn.
    pub fn new(shape: Psp, t_ref: f64, t_syn: f64) -> PspKernel {
        PspKernel {
            shape,
            tau: t_ref,
            tau_syn: t_syn,
        }
    }

    /// A rectangular PSP of height 1 covering lags 0 ≤ x < `len` steps (simulator M1 uses
    /// `len` = τ_syn, which with the M1 conventions is seen at lags 1 … τ_syn − 1).
    pub fn rect(len: f64) -> PspKernel {
        PspKernel {
            shape: Psp::Rect,
            tau: len,
            tau_syn: len,
        }
    }

    /// κ(x) for a lag `x` in steps.
    pub fn eval(&self, x: f64) -> f64 {
        let (tau, ts) = (self.tau, self.tau_syn);
        let exp = |x: f64| (tau / ts) / (1.0 - (-tau / ts).exp()) * (-x / ts).exp();
        match self.shape {
            Psp::Rect => {
                if (0.0..tau).contains(&x) {
                    1.0
                } else {
                    0.0
                }
            }
            Psp::Exp => {
                if x >= 0.0 {
                    exp(x)
                } else {
                    0.0
                }
            }
            Psp::Cutoff => {
                if (0.0..=tau).contains(&x) {
                    exp(x)
                } else {
                    0.0
                }
            }
            Psp::Tail => {
                if x <= tau {
                    1.0
                } else {
                    exp(x)
                }
            }
            Psp::Alpha => {
                if x > 0.0 {
                    tau / (ts * ts) * x * (-x / ts).exp()
                } else {
                    0.0
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Riemann sum with a fine grid; the kernels are smooth or piecewise constant.
    fn area(k: &PspKernel, from: f64, to: f64) -> f64 {
        let n = 400_000;
        let h = (to - from) / n as f64;
        (0..n)
            .map(|i| k.eval(from + (i as f64 + 0.5) * h) * h)
            .sum()
    }

    #[test]
    fn normalisations_match_the_rectangle() {
        let t_ref = 10.0;
        let rect = PspKernel::new(Psp::Rect, t_ref, 3.0);
        assert!((area(&rect, 0.0, 40.0) - t_ref).abs() < 1e-3);
        for shape in [Psp::Exp, Psp::Cutoff] {
            let k = PspKernel::new(shape, t_ref, 3.0);
            assert!((area(&k, 0.0, t_ref) - t_ref).abs() < 1e-6, "{shape}");
        }
        let alpha = PspKernel::new(Psp::Alpha, t_ref, 2.5);
        assert!((area(&alpha, 0.0, 200.0) - t_ref).abs() < 1e-6);
    }

    #[test]
    fn boundaries_follow_the_reference() {
        let k = |s| PspKernel::new(s, 5.0, 2.0);
        assert_eq!(k(Psp::Rect).eval(0.0), 1.0);
        assert_eq!(k(Psp::Rect).eval(4.0), 1.0);
        assert_eq!(k(Psp::Rect).eval(5.0), 0.0); // κ_rect(τ) = 0
        assert!(k(Psp::Cutoff).eval(5.0) > 0.0); // cutoff includes τ
        assert_eq!(k(Psp::Cutoff).eval(5.000_001), 0.0);
        assert_eq!(k(Psp::Tail).eval(5.0), 1.0); // tail: rect up to τ inclusive
        assert!((k(Psp::Tail).eval(6.0) - k(Psp::Exp).eval(6.0)).abs() < 1e-15);
        assert_eq!(k(Psp::Alpha).eval(0.0), 0.0);
        // alpha peaks at τ_syn
        let a = k(Psp::Alpha);
        assert!(a.eval(2.0) > a.eval(1.9) && a.eval(2.0) > a.eval(2.1));
        for p in Psp::ALL {
            assert_eq!(Psp::parse(p.name()), Some(p));
        }
        assert_eq!(Psp::parse("gauss"), None);
    }
}
