//! The clock-driven engine.

use super::{Engine, Network};
use crate::neuron::{fire_threshold, sigmoid, uniform53};
use crate::rng::SimRng;
use crate::spikes::SpikeSink;

/// Largest N for the bitmask path (eligibility and PSP ends as 64-bit masks).
const MASK_MAX_N: usize = 64;

/// The clock-driven engine: one step at a time, in the reference simulator's order (all
/// decisions of a step use the membranes at its start; spikes of the same step never
/// interact; neurons are processed in increasing index).
///
/// Membranes change only when a PSP starts or ends; they are updated incrementally (one
/// column of W per event; exact again after every [`Engine::reset`]) and firing thresholds
/// are recomputed lazily, only for neurons about to decide, through an exact memo of
/// recent (membrane → threshold) pairs (a membrane takes few distinct values, so most
/// recomputations cost a look-up instead of an exponential). A quiet step costs one
/// uniform draw per non-refractory neuron.
///
/// For N ≤ 64 the non-refractory neurons and the pending PSP ends are bitmasks (a step
/// visits only the neurons that may fire); larger networks count the age of every neuron.
/// Both paths make the same draws and the same arithmetic, so the same spike train.
#[derive(Debug, Clone)]
pub struct ClockEngine {
    net: Network,
    /// W transposed: column j (the fan-out of neuron j) is contiguous.
    /// Fan-out of each presynaptic neuron j: targets i with W\[i\]\[j\] ≠ 0 in increasing
    /// order, `fan_idx[fan_start[j]..fan_start[j + 1]]`, and their weights `fan_w`.
    fan_start: Vec<usize>,
    fan_idx: Vec<u32>,
    fan_w: Vec<f64>,
    min_isi: usize,
    end: usize,
    /// Whether the bitmask path is in use.
    masks: bool,
    /// Steps since each neuron's last spike, saturating at `age_cap` (age path).
    age: Vec<usize>,
    age_cap: usize,
    /// Pending PSP ends: ring indexed by step modulo `ring.len()` (age path).
    ring: Vec<Vec<usize>>,
    /// Non-refractory neurons (bitmask path).
    eligible: u64,
    /// Neurons whose refractoriness ends at a step ≡ slot (bitmask path).
    eligible_ring: Vec<u64>,
    /// Neurons with a PSP ending at a step ≡ slot (bitmask path; one spike per neuron and
    /// step, so a bit per neuron suffices).
    end_ring: Vec<u64>,
    /// Number of active PSPs of each presynaptic neuron.
    active: Vec<u32>,
    u: Vec<f64>,
    thr: Vec<u64>,
    stale: Vec<bool>,
    memo: ThresholdMemo,
    t: u64,
    fired: Vec<usize>,
}

/// An exact memo of firing thresholds: direct-mapped (membrane bits → threshold) pairs. A
/// hit returns exactly what [`fire_threshold`]`(`[`rho`](crate::neuron::rho)`(u, t_ref))`
/// would.
#[derive(Debug, Clone)]
struct ThresholdMemo {
    /// Membrane bits of each slot; `EMPTY` (a NaN pattern, never a membrane) if unused.
    key: Vec<u64>,
    val: Vec<u64>,
    /// ln t_ref, computed once ([`rho`](crate::neuron::rho) is σ(u − ln t_ref): the same
    /// operations, so the same bits, without a logarithm per threshold).
    ln_tref: f64,
}

impl ThresholdMemo {
    const BITS: u32 = 10;
    const EMPTY: u64 = u64::MAX;

    fn new(t_ref: f64) -> ThresholdMemo {
        ThresholdMemo {
            key: vec![Self::EMPTY; 1 << Self::BITS],
            val: vec![0; 1 << Self::BITS],
            ln_tref: t_ref.ln(),
        }
    }

    /// The threshold of membrane `u`, not memoised.
    #[inline(always)]
    fn compute(&self, u: f64) -> u64 {
        fire_threshold(sigmoid(u - self.ln_tref))
    }

    /// The threshold of membrane `u`.
    #[inline(always)]
    fn get(&mut self, u: f64) -> u64 {
        let b = u.to_bits();
        let slot = (b.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - Self::BITS)) as usize;
        if self.key[slot] == b {
            return self.val[slot];
        }
        let v = self.compute(u);
        self.key[slot] = b;
        self.val[slot] = v;
        v
    }
}

impl ClockEngine {
    /// An engine for `net`, in the fresh state.
    pub fn new(net: Network) -> ClockEngine {
        let masks = net.n <= MASK_MAX_N;
        ClockEngine::with_path(net, masks)
    }

    /// An engine with an explicit choice of path (`masks` requires N ≤ 64).
    fn with_path(net: Network, masks: bool) -> ClockEngine {
        let n = net.n;
        assert!(!masks || n <= MASK_MAX_N);
        let min_isi = net.conventions.min_isi.steps(net.t_ref);
        let end = net.psp_end();
        let ring_len = if masks { min_isi.max(end) + 1 } else { 0 };
        let mut e = ClockEngine {
            fan_start: vec![0; n + 1],
            fan_idx: Vec::new(),
            fan_w: Vec::new(),
            min_isi,
            end,
            masks,
            age: vec![0; n],
            age_cap: min_isi.max(end) + 1,
            ring: vec![Vec::new(); if masks { 0 } else { end + 1 }],
            eligible: 0,
            eligible_ring: vec![0; ring_len],
            end_ring: vec![0; ring_len],
            active: vec![0; n],
            u: vec![0.0; n],
            thr: vec![0; n],
            stale: vec![true; n],
            memo: ThresholdMemo::new(net.t_ref as f64),
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
        self.fan_idx.clear();
        self.fan_w.clear();
        for j in 0..n {
            self.fan_start[j] = self.fan_idx.len();
            for i in 0..n {
                let w = self.net.w[i * n + j];
                if w != 0.0 {
                    self.fan_idx.push(i as u32);
                    self.fan_w.push(w);
                }
            }
        }
        self.fan_start[n] = self.fan_idx.len();
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

    /// Replaces weights and biases (same size, finite: checked as at construction, and
    /// nothing changes on an error); the state is kept.
    pub fn set_parameters(&mut self, w: &[f64], b: &[f64]) -> Result<(), super::NetworkError> {
        super::check_parameters(self.net.n, w, b)?;
        self.net.w.copy_from_slice(w);
        self.net.b.copy_from_slice(b);
        self.load_weights();
        self.recompute();
        Ok(())
    }

    /// The current step.
    pub fn now(&self) -> u64 {
        self.t
    }

    /// Adds `sign` times the fan-out of `j` to the membranes (sparse: work ∝ fan-out; each
    /// membrane receives the same additions in the same order as a dense column would give).
    #[inline]
    fn psp_event(&mut self, j: usize, sign: f64) {
        for k in self.fan_start[j]..self.fan_start[j + 1] {
            let i = self.fan_idx[k] as usize;
            self.u[i] += sign * self.fan_w[k];
            self.stale[i] = true;
        }
    }

    /// The age path (any N).
    fn run_ages(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        let n = self.net.n;
        let ring_len = self.ring.len() as u64;
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
                        // Large networks: membranes rarely repeat, the memo would miss.
                        self.thr[i] = self.memo.compute(self.u[i]);
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
    }

    /// The bitmask path (N ≤ 64): the same steps, draws and membrane updates as
    /// [`ClockEngine::run_ages`]; a step visits only the non-refractory neurons.
    fn run_masks(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        let ring_len = self.eligible_ring.len() as u64;
        let psp_acts = self.end >= 2;
        let (min_isi, end) = (self.min_isi as u64, self.end as u64);
        let mut eligible = self.eligible;
        // Slots of step t, t + min_isi and t + end, advanced without divisions.
        let mut slot = (self.t % ring_len) as usize;
        let mut slot_isi = ((self.t + min_isi) % ring_len) as usize;
        let mut slot_end = ((self.t + end) % ring_len) as usize;
        let last = ring_len as usize - 1;
        // The generator in registers (through `rng` it would be stored at every draw).
        let mut r = rng.clone();
        for t in self.t..self.t + steps {
            // PSPs ending at this step (in increasing neuron index, as their spikes were).
            let mut ending = std::mem::take(&mut self.end_ring[slot]);
            while ending != 0 {
                let j = ending.trailing_zeros() as usize;
                ending &= ending - 1;
                self.active[j] -= 1;
                self.psp_event(j, -1.0);
            }
            // Neurons whose refractoriness ends now.
            eligible |= std::mem::take(&mut self.eligible_ring[slot]);
            let mut fired = 0u64;
            let mut m = eligible;
            while m != 0 {
                let i = m.trailing_zeros() as usize;
                m &= m - 1;
                if self.stale[i] {
                    self.thr[i] = self.memo.get(self.u[i]);
                    self.stale[i] = false;
                }
                if uniform53(&mut r) < self.thr[i] {
                    fired |= 1 << i;
                }
            }
            if fired != 0 {
                self.fired.clear();
                let mut f = fired;
                while f != 0 {
                    self.fired.push(f.trailing_zeros() as usize);
                    f &= f - 1;
                }
                sink.on_spikes(t, &self.fired);
                eligible &= !fired;
                self.eligible_ring[slot_isi] |= fired;
                if psp_acts {
                    self.end_ring[slot_end] |= fired;
                    for k in 0..self.fired.len() {
                        let j = self.fired[k];
                        self.active[j] += 1;
                        self.psp_event(j, 1.0);
                    }
                }
            }
            slot = if slot == last { 0 } else { slot + 1 };
            slot_isi = if slot_isi == last { 0 } else { slot_isi + 1 };
            slot_end = if slot_end == last { 0 } else { slot_end + 1 };
        }
        self.eligible = eligible;
        *rng = r;
    }
}

impl Engine for ClockEngine {
    fn reset(&mut self) {
        self.age.iter_mut().for_each(|a| *a = self.age_cap);
        self.active.iter_mut().for_each(|a| *a = 0);
        self.ring.iter_mut().for_each(Vec::clear);
        self.eligible = if self.net.n == 64 {
            u64::MAX
        } else {
            (1u64 << self.net.n) - 1
        };
        self.eligible_ring.iter_mut().for_each(|m| *m = 0);
        self.end_ring.iter_mut().for_each(|m| *m = 0);
        self.t = 0;
        self.recompute();
    }

    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        if self.masks {
            self.run_masks(steps, rng, sink);
        } else {
            self.run_ages(steps, rng, sink);
        }
        self.t += steps;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conventions::Conventions;
    use crate::engine::AnyEngine;
    use crate::engine::probe::{expected, schedule};
    use crate::rng::stream;
    use crate::spikes::SpikeRecorder;

    #[test]
    fn psp_window_and_refractoriness_per_convention() {
        // M1: min ISI 2, PSP at lags 1 … 4 → 1 fires at 0, suppressed 1–4, then 5, 7, 9, 11.
        // M2: min ISI 1, rect of length 5 at lags 1 … 4 → 0, then every step from 5.
        // M3: min ISI 1, PSP includes the spike step, acts at lags 1 … 5 → 0, 6, 7, …
        // M4: min ISI 2, lags 1 … 5 → 0, 6, 8, 10.
        for (conv, want) in expected() {
            for masks in [false, true] {
                let got = schedule(
                    |net| AnyEngine::Clock(Box::new(ClockEngine::with_path(net, masks))),
                    conv,
                );
                assert_eq!(got, want, "{conv:?} masks {masks}");
            }
        }
    }

    /// The bitmask path and the age path make the same draws and the same membrane
    /// updates, so they give the same spike train, also across pieces, a parameter change
    /// and overlapping PSPs (psp_len > min ISI).
    #[test]
    fn both_paths_give_the_same_spike_train() {
        for conv in [
            Conventions::SAMPLER_M1,
            Conventions::ANALYTIC_M2,
            Conventions::MICROCIRCUIT_M3,
            Conventions::SALNET_M4,
        ] {
            for (n, psp) in [(1, 5), (3, 5), (7, 5), (7, 12), (20, 5), (64, 5)] {
                let mut rng = stream(3, "net", n as u64);
                let mut unif = || crate::neuron::uniform01(&mut rng);
                let w: Vec<f64> = (0..n * n)
                    .map(|k| {
                        if k % (n + 1) != 0 && unif() < 0.6 {
                            2.0 * unif() - 1.0
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let b: Vec<f64> = (0..n).map(|_| unif() - 1.5).collect();
                let w2: Vec<f64> = w.iter().map(|x| 0.5 * x).collect();
                let net = Network::new(w.clone(), b.clone(), 5, psp, conv).unwrap();
                let mut trains = Vec::new();
                for masks in [false, true] {
                    let mut e = ClockEngine::with_path(net.clone(), masks);
                    let mut rng = stream(11, "clock", 0);
                    let mut rec = SpikeRecorder::default();
                    e.run(7_001, &mut rng, &mut rec);
                    e.set_parameters(&w2, &b).unwrap();
                    e.run(3, &mut rng, &mut rec);
                    e.run(12_996, &mut rng, &mut rec);
                    e.reset();
                    e.run(5_000, &mut rng, &mut rec);
                    trains.push(rec.spikes);
                }
                assert!(trains[0].len() > 100 * n, "{conv:?} n {n}");
                assert!(trains[0] == trains[1], "{conv:?} n {n} psp {psp}");
            }
        }
    }
}
