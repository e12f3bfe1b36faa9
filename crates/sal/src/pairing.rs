//! Pair accumulators: the spike pairs an STDP rule counts (spec `models.md` §5).
//!
//! Both accumulate S\[post\]\[pre\] = Σ over counted pairs of K(t_post − t_pre) with a window
//! per synapse ([`crate::window::Window`]); the caller normalises (e.g. × t_ref / D, §6).

use crate::spikes::SpikeSink;
use crate::window::Window;
use std::collections::VecDeque;

/// Window parameters per synapse: one window for all, or one per (post, pre) pair.
#[derive(Debug, Clone)]
pub enum SynapseWindows {
    /// The same window for every synapse.
    Shared(Window),
    /// Row-major N×N windows, `[post * n + pre]` (per-synapse noisy amplitudes).
    PerSynapse(Vec<Window>),
}

impl SynapseWindows {
    #[inline]
    fn get(&self, n: usize, post: usize, pre: usize) -> &Window {
        match self {
            SynapseWindows::Shared(w) => w,
            SynapseWindows::PerSynapse(v) => &v[post * n + pre],
        }
    }
}

/// "All pairs with the last K spikes" (§5.1; SSN with K = 1, Fig 2d with K = 10).
///
/// For a spike of neuron s at step t, every other neuron l and each of l's K most recent
/// spikes t_l: S\[s\]\[l\] += K(t − t_l) and S\[l\]\[s\] += K(t_l − t); afterwards t is pushed into
/// s's history. Same-step spikes are processed in increasing index, so the later one sees
/// the simultaneous spike (Δ = 0, contribution 0) among its partner's history.
#[derive(Debug, Clone)]
pub struct KLastPairs {
    n: usize,
    k: usize,
    windows: SynapseWindows,
    history: Vec<VecDeque<u64>>,
    /// Accumulated S, row-major `[post * n + pre]`; the diagonal stays 0.
    pub sum: Vec<f64>,
}

impl KLastPairs {
    /// An accumulator for `n` neurons keeping each neuron's `k` ≥ 1 most recent spikes.
    pub fn new(n: usize, k: usize, windows: SynapseWindows) -> KLastPairs {
        assert!(k >= 1, "history length K must be at least 1");
        if let SynapseWindows::PerSynapse(v) = &windows {
            assert_eq!(v.len(), n * n, "per-synapse windows must be N×N");
        }
        KLastPairs {
            n,
            k,
            windows,
            history: vec![VecDeque::with_capacity(k); n],
            sum: vec![0.0; n * n],
        }
    }

    /// Forgets all spikes and zeroes the sum (a fresh simulation).
    pub fn reset(&mut self) {
        self.history.iter_mut().for_each(VecDeque::clear);
        self.sum.iter_mut().for_each(|x| *x = 0.0);
    }

    /// S\[post\]\[pre\].
    pub fn get(&self, post: usize, pre: usize) -> f64 {
        self.sum[post * self.n + pre]
    }
}

impl SpikeSink for KLastPairs {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        let n = self.n;
        for &s in ids {
            for l in (0..n).filter(|&l| l != s) {
                for &tl in &self.history[l] {
                    let d = t as f64 - tl as f64;
                    self.sum[s * n + l] += self.windows.get(n, s, l).eval(d);
                    self.sum[l * n + s] += self.windows.get(n, l, s).eval(-d);
                }
            }
            let h = &mut self.history[s];
            if h.len() == self.k {
                h.pop_front();
            }
            h.push_back(t);
        }
    }
}

/// "First-order nearest neighbour" pairing (§5.2; E–I system, Fig 10).
///
/// For a spike of p at t with d_self = t − last(p): every neuron q (p included) with
/// d = t − last(q) < d_self contributes S\[p\]\[q\] += K(d) and S\[q\]\[p\] += K(−d), i.e. a pair
/// counts only if q fired after p's own previous spike.
#[derive(Debug, Clone)]
pub struct NearestNeighbourPairs {
    n: usize,
    windows: SynapseWindows,
    last: Vec<f64>,
    /// Accumulated S, row-major `[post * n + pre]`.
    pub sum: Vec<f64>,
}

impl NearestNeighbourPairs {
    /// Initial "last spike" time of the reference (−10^10 steps).
    pub const NEVER: f64 = -1e10;

    /// An accumulator for `n` neurons.
    pub fn new(n: usize, windows: SynapseWindows) -> NearestNeighbourPairs {
        NearestNeighbourPairs {
            n,
            windows,
            last: vec![Self::NEVER; n],
            sum: vec![0.0; n * n],
        }
    }

    /// S\[post\]\[pre\].
    pub fn get(&self, post: usize, pre: usize) -> f64 {
        self.sum[post * self.n + pre]
    }
}

impl SpikeSink for NearestNeighbourPairs {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        let n = self.n;
        let t = t as f64;
        for &p in ids {
            let d_self = t - self.last[p];
            for q in 0..n {
                let d = t - self.last[q];
                if d < d_self {
                    self.sum[p * n + q] += self.windows.get(n, p, q).eval(d);
                    self.sum[q * n + p] += self.windows.get(n, q, p).eval(-d);
                }
            }
            self.last[p] = t;
        }
    }
}

/// All pairs with the most recent spike (K = 1, §5.1) accumulated once with a *unit*
/// window shape, ordered by which spike came later: P\[later\]\[earlier\] += k(Δ), Δ > 0.
///
/// Any window whose two sides share that shape, with per-synapse amplitudes A+ (causal)
/// and A− (anti-causal), then follows exactly as S\[i\]\[j\] = A+\[i\]\[j\]·P\[i\]\[j\] +
/// A−\[i\]\[j\]·P\[j\]\[i\] — so the Hebbian (A+ = A− = A_ws) and the SAL (A+ = −A_sal,
/// A− = A_sal) matrices of the sampling networks come from one pass over the spikes. The
/// pair selection is [`KLastPairs`] with K = 1, including its same-step rule.
#[derive(Debug, Clone)]
pub struct OrderedPairSums {
    n: usize,
    unit: Window,
    last: Vec<Option<u64>>,
    /// P, row-major `[later * n + earlier]`.
    pub p: Vec<f64>,
}

impl OrderedPairSums {
    /// An accumulator for `n` neurons with unit window shape `unit` (its causal side,
    /// `unit.eval(Δ)` for Δ > 0, is used).
    pub fn new(n: usize, unit: Window) -> OrderedPairSums {
        OrderedPairSums {
            n,
            unit,
            last: vec![None; n],
            p: vec![0.0; n * n],
        }
    }

    /// Forgets all spikes and zeroes P.
    pub fn reset(&mut self) {
        self.last.iter_mut().for_each(|l| *l = None);
        self.p.iter_mut().for_each(|x| *x = 0.0);
    }

    /// S\[i\]\[j\] = A+\[i\]\[j\]·P\[i\]\[j\] + A−\[i\]\[j\]·P\[j\]\[i\] (diagonal 0), row-major.
    pub fn window_sum(&self, a_plus: &[f64], a_minus: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut s = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    s[i * n + j] = a_plus[i * n + j] * self.p[i * n + j]
                        + a_minus[i * n + j] * self.p[j * n + i];
                }
            }
        }
        s
    }
}

impl SpikeSink for OrderedPairSums {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        let n = self.n;
        for &s in ids {
            for l in 0..n {
                if l == s {
                    continue;
                }
                if let Some(tl) = self.last[l] {
                    let d = (t - tl) as f64;
                    if d > 0.0 {
                        self.p[s * n + l] += self.unit.eval(d);
                    }
                }
            }
            self.last[s] = Some(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::replay;

    fn sal() -> Window {
        Window::sal_exp(10.0)
    }

    #[test]
    fn k1_pairs_only_with_most_recent_spike() {
        // 0 fires at 0 and 5, 1 fires at 8: with K = 1 only (5, 8) pairs.
        let mut acc = KLastPairs::new(2, 1, SynapseWindows::Shared(sal()));
        replay(&[(0, 0), (5, 0), (8, 1)], &mut acc);
        let w = sal();
        assert_eq!(acc.get(1, 0), w.eval(3.0)); // post 1 after pre 0: causal
        assert_eq!(acc.get(0, 1), w.eval(-3.0));
        assert_eq!(acc.get(0, 0), 0.0);
        // K = 2 also pairs (0, 8).
        let mut acc2 = KLastPairs::new(2, 2, SynapseWindows::Shared(sal()));
        replay(&[(0, 0), (5, 0), (8, 1)], &mut acc2);
        assert!((acc2.get(1, 0) - (w.eval(3.0) + w.eval(8.0))).abs() < 1e-15);
    }

    #[test]
    fn same_step_spike_hides_older_partner_spike_with_k1() {
        // 0 fires at 2; both fire at 6. Neuron 0 (lower index) is processed first and pairs
        // with nothing of 1; neuron 1 then sees 0's simultaneous spike (Δ = 0 → 0), which
        // has replaced 0's spike at 2 in its K = 1 history.
        let mut acc = KLastPairs::new(2, 1, SynapseWindows::Shared(sal()));
        replay(&[(2, 0), (6, 0), (6, 1)], &mut acc);
        assert_eq!(acc.get(1, 0), 0.0);
        assert_eq!(acc.get(0, 1), 0.0);
        // with K = 2 the older spike is still seen
        let mut acc2 = KLastPairs::new(2, 2, SynapseWindows::Shared(sal()));
        replay(&[(2, 0), (6, 0), (6, 1)], &mut acc2);
        assert_eq!(acc2.get(1, 0), sal().eval(4.0));
    }

    #[test]
    fn antisymmetric_window_conserves_the_sum() {
        let mut acc = KLastPairs::new(3, 10, SynapseWindows::Shared(sal()));
        let spikes = [(1, 0), (3, 2), (4, 1), (9, 0), (9, 2), (15, 1), (22, 0)];
        replay(&spikes, &mut acc);
        for i in 0..3 {
            for j in 0..3 {
                assert!((acc.get(i, j) + acc.get(j, i)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn nearest_neighbour_counts_only_partners_since_own_last_spike() {
        // 1 fires at 1, 0 fires at 3, 0 fires at 10: for the spike at 10, d_self = 7 and
        // d(1) = 9 ≥ 7 → not counted; for the spike at 3 (d_self = ∞), d(1) = 2 counts.
        let mut acc = NearestNeighbourPairs::new(2, SynapseWindows::Shared(sal()));
        replay(&[(1, 1), (3, 0), (10, 0)], &mut acc);
        assert_eq!(acc.get(0, 1), sal().eval(2.0));
        assert_eq!(acc.get(1, 0), sal().eval(-2.0));
    }

    #[test]
    fn ordered_sums_reproduce_per_synapse_windows() {
        let n = 3;
        let tau = 10.0;
        let amp: Vec<f64> = (0..9).map(|k| 0.5 + 0.1 * k as f64).collect();
        let heb: Vec<Window> = amp.iter().map(|&a| Window::tri(a, a, tau, tau)).collect();
        let salw: Vec<Window> = amp.iter().map(|&a| Window::tri(-a, a, tau, tau)).collect();
        let spikes = [
            (1, 0),
            (3, 2),
            (4, 1),
            (9, 0),
            (9, 2),
            (15, 1),
            (22, 0),
            (23, 1),
            (23, 2),
        ];
        let mut ref_heb = KLastPairs::new(n, 1, SynapseWindows::PerSynapse(heb));
        let mut ref_sal = KLastPairs::new(n, 1, SynapseWindows::PerSynapse(salw));
        let mut ours = OrderedPairSums::new(n, Window::tri(1.0, 1.0, tau, tau));
        replay(&spikes, &mut ref_heb);
        replay(&spikes, &mut ref_sal);
        replay(&spikes, &mut ours);
        let neg: Vec<f64> = amp.iter().map(|a| -a).collect();
        let h = ours.window_sum(&amp, &amp);
        let s = ours.window_sum(&neg, &amp);
        for k in 0..9 {
            assert!((h[k] - ref_heb.sum[k]).abs() < 1e-14, "hebbian {k}");
            assert!((s[k] - ref_sal.sum[k]).abs() < 1e-14, "sal {k}");
        }
        assert!(h.iter().any(|&x| x != 0.0));
    }
}
