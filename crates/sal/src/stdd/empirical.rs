//! The STDD estimated from a simulated two-neuron spike train, with exactly the pair
//! selection, orientation and per-half normalisation of the analytic calculator.
//!
//! For the right half (reference neuron A = neuron 2, target B = neuron 1) every spike of A
//! opens a reference; the next spike of B at lag c = t − t_A ≤ T − 1 is recorded, and the
//! reference closes when B fires alone or A fires alone. When both fire in the same step the
//! B spike is recorded *and* the reference continues from that joint spike, on top of the
//! fresh reference the joint A spike opens itself — exactly the re-entry of the joint state
//! (0,0) in the calculator's "no-spike" propagation (`stdd.md` §2.3, `discrepancies.md` A2),
//! including its horizon of T + 1 steps from the original reference spike. The left half is
//! the same with the roles exchanged, reversed in lag. Each half is normalised to ½.
//!
//! With these rules the estimate converges to the analytic STDD of the same conventions, so
//! the simulator can be checked against its oracle to sampling precision.

use super::{Centre, Stdd};
use crate::spikes::SpikeSink;

/// One half: spikes of `b` timed relative to the preceding spike of `a`.
#[derive(Debug, Clone)]
struct Half {
    a: usize,
    b: usize,
    t_max: u64,
    h: Vec<f64>,
    reference: Option<u64>,
    /// Open components: (step of the reference spike the component started at, weight).
    open: Vec<(u64, f64)>,
}

impl Half {
    fn new(a: usize, b: usize, t_max: usize) -> Half {
        Half {
            a,
            b,
            t_max: t_max as u64,
            h: vec![0.0; t_max],
            reference: None,
            open: Vec::new(),
        }
    }

    fn observe(&mut self, t: u64, fa: bool, fb: bool) {
        if !(fa || fb) {
            return;
        }
        let tm = self.t_max;
        if let Some(r) = self.reference {
            let lag = t - r;
            if fb && lag < tm {
                for &(origin, w) in &self.open {
                    if t - origin <= tm + 1 {
                        self.h[lag as usize] += w;
                    }
                }
            }
            if fa && fb {
                // Joint spike: the reference continues (within its horizon).
                self.open.retain(|&(origin, _)| t - origin <= tm);
            } else {
                self.open.clear();
                self.reference = None;
            }
        }
        if fa {
            self.reference = Some(t);
            self.open.push((t, 1.0));
        }
    }
}

/// Streaming estimator of the two-neuron STDD (neurons 0 and 1 are the public neurons 1
/// and 2). Memory O(T).
#[derive(Debug, Clone)]
pub struct EmpiricalStdd {
    t_max: usize,
    right: Half,
    left: Half,
}

impl EmpiricalStdd {
    /// An estimator on lags −(T−1) … T−1.
    pub fn new(t_max: usize) -> EmpiricalStdd {
        EmpiricalStdd {
            t_max,
            // right half: A = neuron 2 (index 1), B = neuron 1 (index 0)
            right: Half::new(1, 0, t_max),
            // left half: A = neuron 1 (index 0), B = neuron 2 (index 1)
            left: Half::new(0, 1, t_max),
        }
    }

    /// Number of recorded (weighted) pairs in the right and left half.
    pub fn counts(&self) -> (f64, f64) {
        (self.right.h.iter().sum(), self.left.h.iter().sum())
    }

    /// The estimated STDD (each half normalised to ½; an empty half stays 0).
    pub fn stdd(&self, centre: Centre) -> Stdd {
        let t = self.t_max;
        let (nr, nl) = self.counts();
        let mut p = vec![0.0; 2 * t - 1];
        for c in 1..t {
            if nr > 0.0 {
                p[t - 1 + c] = self.right.h[c] / (2.0 * nr);
            }
            if nl > 0.0 {
                p[t - 1 - c] = self.left.h[c] / (2.0 * nl);
            }
        }
        Stdd { p }.with_centre(centre)
    }
}

impl SpikeSink for EmpiricalStdd {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        for half in [&mut self.right, &mut self.left] {
            let fa = ids.contains(&half.a);
            let fb = ids.contains(&half.b);
            half.observe(t, fa, fb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::replay;

    #[test]
    fn selection_rules_on_a_hand_made_train() {
        // T = 10. Neuron index 1 (= public neuron 2) is the reference A of the right half.
        let mut e = EmpiricalStdd::new(10);
        // A at 0, B at 3 → right lag 3; B alone closes.
        // A at 20, A at 22 (closes the first), B at 25 → lag 3 from 22.
        // A at 40, joint at 42 (records lag 2, continues), B at 45 → lag 3 twice (chain + fresh).
        // A at 60, B at 75 → lag 15 ≥ T: not recorded.
        replay(
            &[
                (0, 1),
                (3, 0),
                (20, 1),
                (22, 1),
                (25, 0),
                (40, 1),
                (42, 0),
                (42, 1),
                (45, 0),
                (60, 1),
                (75, 0),
            ],
            &mut e,
        );
        let r = &e.right.h;
        assert_eq!(r[3], 4.0);
        assert_eq!(r[2], 1.0);
        assert_eq!(r.iter().sum::<f64>(), 5.0);
        let s = e.stdd(Centre::Zero);
        assert!((s.right().iter().sum::<f64>() - 0.5).abs() < 1e-15);
        assert!((s.right()[2] - 0.5 * 4.0 / 5.0).abs() < 1e-15); // lag 3 at index 2
    }
}
