//! STDP windows K(Δ) of the spike-time difference Δ = t_post − t_pre (steps), and the SAL
//! window (spec `models.md` §4).
//!
//! Causal pairs (post after pre) have Δ > 0. The SAL window is antisymmetric,
//! K(−Δ) = −K(Δ): causal pairs depress (A+ < 0), anti-causal pairs potentiate (A− > 0).
//! K(0) = 0 and K(±∞) = 0 for every window.

/// Shape of an STDP window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WindowShape {
    /// A+·e^(−Δ/τ+) for Δ > 0, A−·e^(Δ/τ−) for Δ < 0.
    Exp,
    /// A+·(1 − Δ/τ+) for 0 < Δ < τ+, A−·(1 + Δ/τ−) for −τ− < Δ < 0, else 0.
    Tri,
}

/// A pair-based STDP window with amplitudes and time constants (steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Exponential or triangular.
    pub shape: WindowShape,
    /// Amplitude of the causal side (Δ > 0).
    pub a_plus: f64,
    /// Amplitude of the anti-causal side (Δ < 0).
    pub a_minus: f64,
    /// Time constant / width of the causal side (steps).
    pub tau_plus: f64,
    /// Time constant / width of the anti-causal side (steps).
    pub tau_minus: f64,
}

impl Window {
    /// Exponential window with the given amplitudes and time constants.
    pub fn exp(a_plus: f64, a_minus: f64, tau_plus: f64, tau_minus: f64) -> Window {
        Window {
            shape: WindowShape::Exp,
            a_plus,
            a_minus,
            tau_plus,
            tau_minus,
        }
    }

    /// Triangular window with the given amplitudes and widths.
    pub fn tri(a_plus: f64, a_minus: f64, tau_plus: f64, tau_minus: f64) -> Window {
        Window {
            shape: WindowShape::Tri,
            a_plus,
            a_minus,
            tau_plus,
            tau_minus,
        }
    }

    /// The SAL window of the paper: exponential, A+ = −1, A− = +1, τ± = τ (usually t_ref).
    pub fn sal_exp(tau: f64) -> Window {
        Window::exp(-1.0, 1.0, tau, tau)
    }

    /// The Hebbian (wake–sleep) triangular window A+ = A− = `a`, τ± = t_ref, whose pair sum
    /// times t_ref / D estimates the coactivation p(z_i = 1, z_j = 1).
    pub fn hebbian_tri(a: f64, t_ref: f64) -> Window {
        Window::tri(a, a, t_ref, t_ref)
    }

    /// K(Δ) for a time difference Δ = t_post − t_pre in steps. 0 at Δ = 0 and for
    /// infinite Δ (pairs with an empty history entry).
    #[inline]
    pub fn eval(&self, delta: f64) -> f64 {
        if delta == 0.0 || !delta.is_finite() {
            return 0.0;
        }
        match self.shape {
            WindowShape::Exp => {
                if delta > 0.0 {
                    self.a_plus * (-delta / self.tau_plus).exp()
                } else {
                    self.a_minus * (delta / self.tau_minus).exp()
                }
            }
            WindowShape::Tri => {
                if delta > 0.0 {
                    if delta < self.tau_plus {
                        self.a_plus * (1.0 - delta / self.tau_plus)
                    } else {
                        0.0
                    }
                } else if -delta < self.tau_minus {
                    self.a_minus * (1.0 + delta / self.tau_minus)
                } else {
                    0.0
                }
            }
        }
    }

    /// The same window with both amplitudes multiplied by `factor` (per-synapse noisy
    /// amplitudes of the sampling networks).
    pub fn scaled(&self, factor: f64) -> Window {
        Window {
            a_plus: self.a_plus * factor,
            a_minus: self.a_minus * factor,
            ..*self
        }
    }

    /// Whether K(−Δ) = −K(Δ) for all Δ (the SAL property that conserves W_ij + W_ji).
    pub fn is_antisymmetric(&self) -> bool {
        self.a_plus == -self.a_minus && self.tau_plus == self.tau_minus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sal_window_is_antisymmetric_and_signed() {
        let w = Window::sal_exp(25.0);
        assert!(w.is_antisymmetric());
        for d in 1..100 {
            let d = d as f64;
            assert_eq!(w.eval(d), -w.eval(-d));
            assert!(w.eval(d) < 0.0, "causal pairs depress");
        }
        assert_eq!(w.eval(0.0), 0.0);
        assert_eq!(w.eval(f64::INFINITY), 0.0);
        assert_eq!(w.eval(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn triangular_window_overlap_of_on_periods() {
        // Two on-windows of length t_ref whose starts differ by |Δ| overlap t_ref − |Δ| steps.
        let t_ref = 10.0;
        let w = Window::hebbian_tri(1.0, t_ref);
        for d in 1..15 {
            let d = d as f64;
            let overlap = (t_ref - d).max(0.0);
            assert!((w.eval(d) * t_ref - overlap).abs() < 1e-12);
            assert_eq!(w.eval(d), w.eval(-d));
        }
    }
}
