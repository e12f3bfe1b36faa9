//! The clock-driven engine.

use super::{Engine, Network};
use crate::neuron::{fire_threshold, rho, uniform53};
use crate::rng::SimRng;
use crate::spikes::SpikeSink;

/// The clock-driven engine: one step at a time, in the reference simulator's order (all
/// decisions of a step use the membranes at its start; spikes of the same step never
/// interact; neurons are processed in increasing index).
///
/// Membranes change only when a PSP starts or ends; they are updated incrementally (one
/// column of W per event; exact again after every [`Engine::reset`]) and firing thresholds
/// are recomputed lazily, only for neurons about to decide. A quiet step costs one uniform
/// draw per non-refractory neuron.
#[derive(Debug, Clone)]
pub struct ClockEngine {
    net: Network,
    /// W transposed: column j (the fan-out of neuron j) is contiguous.
    wt: Vec<f64>,
    min_isi: usize,
    end: usize,
    /// Steps since each neuron's last spike (saturating at `age_cap`).
    age: Vec<usize>,
    age_cap: usize,
    /// Number of active PSPs of each presynaptic neuron.
    active: Vec<u32>,
    /// Pending PSP ends: ring indexed by step modulo `ring.len()`.
    ring: Vec<Vec<usize>>,
    u: Vec<f64>,
    thr: Vec<u64>,
    stale: Vec<bool>,
    t: u64,
    fired: Vec<usize>,
}

impl ClockEngine {
    /// An engine for `net`, in the fresh state.
    pub fn new(net: Network) -> ClockEngine {
        let n = net.n;
        let min_isi = net.conventions.min_isi.steps(net.t_ref);
        let end = net.psp_end();
        let mut e = ClockEngine {
            wt: vec![0.0; n * n],
            min_isi,
            end,
            age: vec![0; n],
            age_cap: min_isi.max(end) + 1,
            active: vec![0; n],
            ring: vec![Vec::new(); end + 1],
            u: vec![0.0; n],
            thr: vec![0; n],
            stale: vec![true; n],
            t: 0,
            fired: Vec::with_capacity(n),
            net,
        };
        e.load_weights();
        e.reset();
        e
    }

    fn load_weights(&mut self) {
        let n = self.net.n;
        for i in 0..n {
            for j in 0..n {
                self.wt[j * n + i] = self.net.w[i * n + j];
            }
        }
    }

    /// Recomputes every membrane exactly from the active PSPs.
    fn recompute(&mut self) {
        self.net.membranes(&self.active, &mut self.u);
        self.stale.iter_mut().for_each(|s| *s = true);
    }

    /// The network being simulated.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Replaces weights and biases (same size); the state is kept.
    pub fn set_parameters(&mut self, w: &[f64], b: &[f64]) {
        self.net.w.copy_from_slice(w);
        self.net.b.copy_from_slice(b);
        self.load_weights();
        self.recompute();
    }

    /// The current step.
    pub fn now(&self) -> u64 {
        self.t
    }

    /// Adds `sign` times the fan-out of `j` to the membranes.
    #[inline]
    fn psp_event(&mut self, j: usize, sign: f64) {
        let n = self.net.n;
        let col = &self.wt[j * n..(j + 1) * n];
        for ((u, w), st) in self.u.iter_mut().zip(col).zip(self.stale.iter_mut()) {
            if *w != 0.0 {
                *u += sign * w;
                *st = true;
            }
        }
    }
}

impl Engine for ClockEngine {
    fn reset(&mut self) {
        self.age.iter_mut().for_each(|a| *a = self.age_cap);
        self.active.iter_mut().for_each(|a| *a = 0);
        self.ring.iter_mut().for_each(Vec::clear);
        self.t = 0;
        self.recompute();
    }

    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        let n = self.net.n;
        let ring_len = self.ring.len() as u64;
        let tr = self.net.t_ref as f64;
        // A PSP acts at lags max(1, delay) … delay + psp_len − 1 (non-empty iff end ≥ 2).
        let psp_acts = self.end >= 2;
        for t in self.t..self.t + steps {
            // PSPs ending at this step.
            let slot = (t % ring_len) as usize;
            if !self.ring[slot].is_empty() {
                let ending = std::mem::take(&mut self.ring[slot]);
                for &j in &ending {
                    self.active[j] -= 1;
                    self.psp_event(j, -1.0);
                }
                self.ring[slot] = ending;
                self.ring[slot].clear();
            }
            self.fired.clear();
            for i in 0..n {
                let a = (self.age[i] + 1).min(self.age_cap);
                self.age[i] = a;
                if a >= self.min_isi {
                    if self.stale[i] {
                        self.thr[i] = fire_threshold(rho(self.u[i], tr));
                        self.stale[i] = false;
                    }
                    if uniform53(rng) < self.thr[i] {
                        self.fired.push(i);
                    }
                }
            }
            if !self.fired.is_empty() {
                sink.on_spikes(t, &self.fired);
                let end_slot = ((t + self.end as u64) % ring_len) as usize;
                for k in 0..self.fired.len() {
                    let j = self.fired[k];
                    self.age[j] = 0;
                    if psp_acts {
                        self.active[j] += 1;
                        self.ring[end_slot].push(j);
                        self.psp_event(j, 1.0);
                    }
                }
            }
        }
        self.t += steps;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AnyEngine;
    use crate::engine::probe::{expected, schedule};

    #[test]
    fn psp_window_and_refractoriness_per_convention() {
        // M1: min ISI 2, PSP at lags 1 … 4 → 1 fires at 0, suppressed 1–4, then 5, 7, 9, 11.
        // M2: min ISI 1, rect of length 5 at lags 1 … 4 → 0, then every step from 5.
        // M3: min ISI 1, PSP includes the spike step, acts at lags 1 … 5 → 0, 6, 7, …
        // M4: min ISI 2, lags 1 … 5 → 0, 6, 8, 10.
        for (conv, want) in expected() {
            let got = schedule(
                |net| AnyEngine::Clock(Box::new(ClockEngine::new(net))),
                conv,
            );
            assert_eq!(got, want, "{conv:?}");
        }
    }
}
