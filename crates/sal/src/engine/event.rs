//! The event-driven engine: the process of [`ClockEngine`](super::ClockEngine), exact in
//! law, with work proportional to the number of spikes times their fan-out.
//!
//! # Integrated hazard
//!
//! An eligible neuron with membrane u fires in a step with probability ρ(u); it survives a
//! step with probability 1 − ρ(u) = e^(−h), h = −ln(1 − ρ(u)) = softplus(u − ln t_ref).
//! Each neuron holds an Exp(1) budget E, drawn when it becomes refractory (and once per
//! neuron at the start of a fresh simulation), and the step t0 from which it consumes it.
//! With a constant hazard h it fires at t0 + ⌊E/h⌋: P(⌊E/h⌋ ≥ k) = e^(−hk) = (1 − ρ)^k,
//! the clock engine's geometric waiting time. When its membrane changes at step t_c (a
//! presynaptic PSP starts or ends, effective for decisions from t_c), the hazard of the
//! steps t0 … t_c − 1 is subtracted from E and the neuron is rescheduled from t_c with the
//! new hazard. Given that it did not fire before t_c, the remaining budget is again Exp(1)
//! and independent of everything else (memorylessness), so the engine is exact in law.
//! Refractory neurons consume nothing: after a spike at t the budget is fresh and
//! consumption starts at t + min_isi. A hazard of 0 (ρ underflowed) schedules "never"
//! (`u64::MAX`) until the membrane changes; a huge hazard fires at the first eligible step.
//!
//! # Events and their order
//!
//! A step is visited only if something happens in it: a scheduled spike or the end of a
//! PSP. In a step t: (1) PSPs ending at t are removed and their targets rescheduled from t;
//! (2) every neuron scheduled at t fires (one [`SpikeSink::on_spikes`] call, ids
//! increasing); (3) each spiking neuron draws a fresh budget (in increasing id order) and is
//! eligible again from t + min_isi; its PSP starts (targets rescheduled from t + 1) and its
//! end is queued at t + psp_end. PSP ends are a FIFO queue (all PSPs last equally long).
//!
//! # Queue and membranes
//!
//! The next spike step of every neuron lives in a linear array scanned for its minimum when
//! N ≤ 32, and for larger N in a tournament tree, an indexed priority queue without lazy
//! deletion: a complete binary tree over all neurons (every neuron always present, "never" =
//! `u64::MAX`) whose inner nodes hold the minimum of their children. A reschedule rewrites
//! one root path, O(log N) and branch-free (measured about twice as fast as an indexed
//! binary heap, whose sift loops mispredict); the neurons due at the minimum are found by a
//! depth-first search, already in increasing order.
//!
//! Membranes are kept incrementally from the transposed, sparse weights (zero weights are
//! skipped: a spike reschedules only its fan-out) and recomputed exactly on
//! [`Engine::reset`] and [`EventEngine::set_parameters`].
//!
//! Fast path: for N ≤ 10 with PSPs that never overlap (psp_end ≤ min_isi + 1, so each neuron
//! has 0 or 1 active PSP), the hazard of neuron i depends only on the set of neurons with
//! an active PSP. It is tabulated per (bitmask, neuron), filled lazily, and the membranes
//! are not tracked at all.

use super::{Engine, Network};
use crate::rng::SimRng;
use crate::spikes::SpikeSink;
use rand_core::Rng;
use std::collections::VecDeque;

/// Schedule of a neuron that never fires (while its membrane stays as it is).
const NEVER: u64 = u64::MAX;
/// Largest N for the hazard table (2^N · N entries).
const TABLE_MAX_N: usize = 10;
/// Largest N for the linear scan of spike times (larger N: tournament tree).
const LINEAR_MAX_N: usize = 32;

/// ln(1 + e^x) without overflow or cancellation.
#[inline]
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// An Exp(1) variate −ln U with U = (k + ½)·2^−53 uniform in (0, 1), k a 53-bit integer:
/// always finite and positive (at most 37.4).
#[inline]
fn exp1(rng: &mut SimRng) -> f64 {
    let k = rng.next_u64() >> 11;
    -((k as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)).ln()
}

/// First spike step t0 + ⌊e·inv_h⌋ (saturating; NaN or ≥ 2^64 means never).
#[inline(always)]
fn fire_step(t0: u64, e: f64, inv_h: f64) -> u64 {
    let k = e * inv_h;
    if k < 18_446_744_073_709_551_616.0 {
        t0.saturating_add(k as u64)
    } else {
        NEVER
    }
}

/// The hazard bookkeeping of one neuron: remaining Exp(1) budget `e`, consumed from step
/// `t0` at `h` per eligible step.
#[derive(Debug, Clone, Copy, Default)]
struct Budget {
    t0: u64,
    e: f64,
    h: f64,
}

impl Budget {
    /// The membrane changes for decisions from `tc` (the neuron has not fired before):
    /// consume the old hazard of steps t0 … tc − 1, continue with `h`; returns the new
    /// spike step.
    #[inline(always)]
    fn restart(&mut self, tc: u64, h: f64, inv_h: f64) -> u64 {
        if self.t0 < tc {
            // NaN-free: h is finite, and max maps a NaN to 0.
            self.e = (self.e - self.h * (tc - self.t0) as f64).max(0.0);
            self.t0 = tc;
        }
        self.h = h;
        fire_step(self.t0, self.e, inv_h)
    }
}

/// The next spike step of every neuron.
trait FireQueue {
    /// Sets neuron `i`'s next spike step.
    fn set(&mut self, i: usize, t: u64);
    /// The earliest scheduled step (`NEVER` if none).
    fn min(&self) -> u64;
    /// Appends the neurons scheduled at `t` (the minimum), in increasing order.
    fn collect(&self, t: u64, out: &mut Vec<usize>);
}

/// Linear array of spike steps (small N).
#[derive(Debug, Clone, Default)]
struct LinearQueue {
    key: Vec<u64>,
}

impl FireQueue for LinearQueue {
    #[inline(always)]
    fn set(&mut self, i: usize, t: u64) {
        self.key[i] = t;
    }

    #[inline(always)]
    fn min(&self) -> u64 {
        self.key.iter().fold(NEVER, |m, &k| m.min(k))
    }

    #[inline(always)]
    fn collect(&self, t: u64, out: &mut Vec<usize>) {
        for (i, &k) in self.key.iter().enumerate() {
            if k == t {
                out.push(i);
            }
        }
    }
}

/// Tournament tree (min segment tree) over all neurons: leaf i holds neuron i's spike
/// step, every inner node the minimum of its two children. An update walks from the leaf
/// towards the root, branch-light, and stops as soon as a node's minimum is unchanged.
#[derive(Debug, Clone, Default)]
struct TournamentTree {
    /// Number of leaves (a power of two ≥ N); node k has children 2k, 2k + 1; the root is 1.
    size: usize,
    node: Vec<u64>,
}

impl TournamentTree {
    fn new(n: usize) -> TournamentTree {
        let size = n.max(1).next_power_of_two();
        TournamentTree {
            size,
            node: vec![NEVER; 2 * size],
        }
    }
}

impl FireQueue for TournamentTree {
    #[inline]
    fn set(&mut self, i: usize, t: u64) {
        // Branch-free: always up to the root (log2 size levels, the minimum carried in a
        // register; the sibling loads are independent of each other).
        let mut p = self.size + i;
        let mut m = t;
        self.node[p] = t;
        while p > 1 {
            m = m.min(self.node[p ^ 1]);
            p >>= 1;
            self.node[p] = m;
        }
    }

    #[inline]
    fn min(&self) -> u64 {
        self.node[1]
    }

    fn collect(&self, t: u64, out: &mut Vec<usize>) {
        if self.node[1] != t {
            return;
        }
        // Left-first depth-first search through the nodes whose minimum is t: leaves come
        // out in increasing order. The stack holds at most one pending right sibling per
        // level.
        let mut stack = [0usize; 64];
        let mut sp = 0;
        let mut p = 1;
        loop {
            if p >= self.size {
                out.push(p - self.size);
            } else {
                let (l, r) = (2 * p, 2 * p + 1);
                if self.node[r] == t {
                    stack[sp] = r;
                    sp += 1;
                }
                if self.node[l] == t {
                    p = l;
                    continue;
                }
            }
            if sp == 0 {
                break;
            }
            sp -= 1;
            p = stack[sp];
        }
    }
}

/// The spike-step queue in use.
#[derive(Debug, Clone)]
enum Queue {
    Linear(LinearQueue),
    Tree(TournamentTree),
}

impl Queue {
    fn new(n: usize, tree: bool) -> Queue {
        if tree {
            Queue::Tree(TournamentTree::new(n))
        } else {
            Queue::Linear(LinearQueue {
                key: vec![NEVER; n],
            })
        }
    }

    fn set(&mut self, i: usize, t: u64) {
        match self {
            Queue::Linear(q) => q.set(i, t),
            Queue::Tree(q) => q.set(i, t),
        }
    }
}

/// The event-driven engine (see the module docs): the same process as
/// [`ClockEngine`](super::ClockEngine), exact in law, driven by integrated hazards. Quiet
/// steps cost nothing; a spike costs O(fan-out) hazard updates (O(fan-out · log N) with
/// the tournament-tree queue of large networks). Runs are resumable: `run(a)` then `run(b)` produces
/// the same spike train as `run(a + b)` with the same generator.
#[derive(Debug, Clone)]
pub struct EventEngine {
    net: Network,
    min_isi: u64,
    end: u64,
    /// Whether a PSP acts on any decision (psp_end ≥ 2).
    psp_acts: bool,
    ln_tref: f64,
    /// Sparse fan-out of every neuron j (W transposed, zeros skipped): targets
    /// `fan_idx[fan_start[j]..fan_start[j + 1]]` with weights `fan_w[..]`.
    fan_start: Vec<usize>,
    fan_idx: Vec<u32>,
    fan_w: Vec<f64>,
    /// Fan-out of j as a bitmask (table path only).
    fan_mask: Vec<u64>,
    /// Hazard table `[mask · n + i]` = (h, 1/h); NaN = not yet computed. Empty when the
    /// generic path is in use.
    table: Vec<[f64; 2]>,
    use_table: bool,
    /// Membranes (generic path).
    u: Vec<f64>,
    /// Number of active PSPs of every neuron.
    active: Vec<u32>,
    /// Neurons with an active PSP (table path).
    mask: u64,
    budget: Vec<Budget>,
    queue: Queue,
    /// Pending PSP ends (step, neuron), in increasing step.
    ends: VecDeque<(u64, u32)>,
    /// Whether the budgets of a fresh simulation have been drawn.
    primed: bool,
    t: u64,
    fired: Vec<usize>,
    dirty: Vec<usize>,
    dirty_flag: Vec<bool>,
}

impl EventEngine {
    /// An engine for `net`, in the fresh state.
    pub fn new(net: Network) -> EventEngine {
        let n = net.n;
        let min_isi = net.conventions.min_isi.steps(net.t_ref);
        let end = net.psp_end();
        let use_table = n <= TABLE_MAX_N && end <= min_isi + 1;
        EventEngine::with_paths(net, use_table, n > LINEAR_MAX_N)
    }

    /// An engine with an explicit choice of hazard table and queue (`use_table` requires
    /// N ≤ 10 and non-overlapping PSPs; `tree`: tournament tree, else linear scan).
    fn with_paths(net: Network, use_table: bool, tree: bool) -> EventEngine {
        let n = net.n;
        let min_isi = net.conventions.min_isi.steps(net.t_ref);
        let end = net.psp_end();
        assert!(!use_table || (n <= TABLE_MAX_N && end <= min_isi + 1));
        let mut e = EventEngine {
            min_isi: min_isi as u64,
            end: end as u64,
            psp_acts: end >= 2,
            ln_tref: (net.t_ref as f64).ln(),
            fan_start: vec![0; n + 1],
            fan_idx: Vec::new(),
            fan_w: Vec::new(),
            fan_mask: vec![0; n],
            table: if use_table {
                vec![[f64::NAN; 2]; n << n]
            } else {
                Vec::new()
            },
            use_table,
            u: vec![0.0; n],
            active: vec![0; n],
            mask: 0,
            budget: vec![Budget::default(); n],
            queue: Queue::new(n, tree),
            ends: VecDeque::new(),
            primed: false,
            t: 0,
            fired: Vec::with_capacity(n),
            dirty: Vec::with_capacity(n),
            dirty_flag: vec![false; n],
            net,
        };
        e.load_weights();
        e.reset();
        e
    }

    /// Builds the sparse transposed weights and invalidates the hazard table.
    fn load_weights(&mut self) {
        let n = self.net.n;
        self.fan_idx.clear();
        self.fan_w.clear();
        for j in 0..n {
            self.fan_start[j] = self.fan_idx.len();
            let mut m = 0u64;
            for i in 0..n {
                let w = self.net.w[i * n + j];
                if w != 0.0 {
                    self.fan_idx.push(i as u32);
                    self.fan_w.push(w);
                    if self.use_table {
                        m |= 1 << i;
                    }
                }
            }
            self.fan_mask[j] = m;
        }
        self.fan_start[n] = self.fan_idx.len();
        self.table.iter_mut().for_each(|x| *x = [f64::NAN; 2]);
    }

    /// Recomputes every membrane exactly from the active PSPs.
    fn recompute(&mut self) {
        self.net.membranes(&self.active, &mut self.u);
    }

    /// The network being simulated.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Replaces weights and biases (same size); the state is kept. Decisions from the
    /// current step on use the new parameters.
    pub fn set_parameters(&mut self, w: &[f64], b: &[f64]) {
        self.net.w.copy_from_slice(w);
        self.net.b.copy_from_slice(b);
        self.load_weights();
        self.recompute();
        if self.primed {
            let t = self.t;
            for i in 0..self.net.n {
                let (h, inv) = self.hazard(i);
                let s = self.budget[i].restart(t, h, inv);
                self.queue.set(i, s);
            }
        }
    }

    /// The current step.
    pub fn now(&self) -> u64 {
        self.t
    }

    /// (h, 1/h) of neuron `i` from the membrane (generic path).
    #[inline(always)]
    fn hazard_u(&self, i: usize) -> (f64, f64) {
        let h = softplus(self.u[i] - self.ln_tref);
        (h, 1.0 / h)
    }

    /// (h, 1/h) of neuron `i` when the neurons in `mask` have an active PSP (table path).
    #[inline(always)]
    fn hazard_table(&mut self, i: usize, mask: u64) -> (f64, f64) {
        let n = self.net.n;
        let idx = mask as usize * n + i;
        let [h, inv] = self.table[idx];
        if !h.is_nan() {
            return (h, inv);
        }
        let mut u = self.net.b[i];
        let mut m = mask;
        while m != 0 {
            let j = m.trailing_zeros() as usize;
            u += self.net.w[i * n + j];
            m &= m - 1;
        }
        let h = softplus(u - self.ln_tref);
        self.table[idx] = [h, 1.0 / h];
        (h, 1.0 / h)
    }

    /// (h, 1/h) of neuron `i` in the current state.
    fn hazard(&mut self, i: usize) -> (f64, f64) {
        if self.use_table {
            self.hazard_table(i, self.mask)
        } else {
            self.hazard_u(i)
        }
    }

    /// Draws the initial budgets of a fresh simulation (every neuron eligible now).
    fn prime(&mut self, rng: &mut SimRng) {
        let t = self.t;
        for i in 0..self.net.n {
            let (h, inv) = self.hazard(i);
            let e = exp1(rng);
            self.budget[i] = Budget { t0: t, e, h };
            self.queue.set(i, fire_step(t, e, inv));
        }
        self.primed = true;
    }

    /// The event loop up to (excluding) step `t_end`.
    fn run_with<Q: FireQueue, const TABLE: bool>(
        &mut self,
        q: &mut Q,
        t_end: u64,
        rng: &mut SimRng,
        sink: &mut dyn SpikeSink,
    ) {
        loop {
            let tp = self.ends.front().map_or(NEVER, |e| e.0);
            let t = q.min().min(tp);
            if t >= t_end {
                break;
            }
            debug_assert!(t >= self.t);
            if tp == t {
                if TABLE {
                    self.psp_ends_table(q, t);
                } else {
                    self.psp_ends_generic(q, t);
                }
            }
            self.fired.clear();
            q.collect(t, &mut self.fired);
            if !self.fired.is_empty() {
                sink.on_spikes(t, &self.fired);
                if TABLE {
                    self.spikes_table(q, t, rng);
                } else {
                    self.spikes_generic(q, t, rng);
                }
            }
        }
    }

    /// (1) PSPs ending at `t`, table path.
    #[inline(always)]
    fn psp_ends_table<Q: FireQueue>(&mut self, q: &mut Q, t: u64) {
        let mut dirty = 0u64;
        while let Some(&(te, j)) = self.ends.front() {
            if te != t {
                break;
            }
            self.ends.pop_front();
            let j = j as usize;
            self.active[j] -= 1;
            // A PSP may end in the step after the same neuron's next spike (psp_end =
            // min_isi + 1): the bit stays while the newer PSP is active.
            if self.active[j] == 0 {
                self.mask &= !(1 << j);
            }
            dirty |= self.fan_mask[j];
        }
        let mask = self.mask;
        while dirty != 0 {
            let i = dirty.trailing_zeros() as usize;
            dirty &= dirty - 1;
            let (h, inv) = self.hazard_table(i, mask);
            let s = self.budget[i].restart(t, h, inv);
            q.set(i, s);
        }
    }

    /// (1) PSPs ending at `t`, generic path.
    #[inline(always)]
    fn psp_ends_generic<Q: FireQueue>(&mut self, q: &mut Q, t: u64) {
        while let Some(&(te, j)) = self.ends.front() {
            if te != t {
                break;
            }
            self.ends.pop_front();
            let j = j as usize;
            self.active[j] -= 1;
            for k in self.fan_start[j]..self.fan_start[j + 1] {
                let i = self.fan_idx[k] as usize;
                self.u[i] -= self.fan_w[k];
                if !self.dirty_flag[i] {
                    self.dirty_flag[i] = true;
                    self.dirty.push(i);
                }
            }
        }
        for k in 0..self.dirty.len() {
            let i = self.dirty[k];
            self.dirty_flag[i] = false;
            let (h, inv) = self.hazard_u(i);
            let s = self.budget[i].restart(t, h, inv);
            q.set(i, s);
        }
        self.dirty.clear();
    }

    /// (3) After the spikes `self.fired` at `t`, table path.
    #[inline(always)]
    fn spikes_table<Q: FireQueue>(&mut self, q: &mut Q, t: u64, rng: &mut SimRng) {
        let mut fired_mask = 0u64;
        let mut dirty = 0u64;
        let end_t = t.saturating_add(self.end);
        for k in 0..self.fired.len() {
            let j = self.fired[k];
            fired_mask |= 1 << j;
            if self.psp_acts {
                self.active[j] += 1;
                self.mask |= 1 << j;
                dirty |= self.fan_mask[j];
                self.ends.push_back((end_t, j as u32));
            }
        }
        let mask = self.mask;
        let t0 = t.saturating_add(self.min_isi);
        for k in 0..self.fired.len() {
            let j = self.fired[k];
            let (h, inv) = self.hazard_table(j, mask);
            let e = exp1(rng);
            self.budget[j] = Budget { t0, e, h };
            q.set(j, fire_step(t0, e, inv));
        }
        dirty &= !fired_mask;
        while dirty != 0 {
            let i = dirty.trailing_zeros() as usize;
            dirty &= dirty - 1;
            let (h, inv) = self.hazard_table(i, mask);
            let s = self.budget[i].restart(t + 1, h, inv);
            q.set(i, s);
        }
    }

    /// (3) After the spikes `self.fired` at `t`, generic path.
    #[inline(always)]
    fn spikes_generic<Q: FireQueue>(&mut self, q: &mut Q, t: u64, rng: &mut SimRng) {
        let end_t = t.saturating_add(self.end);
        // Spiking neurons are handled below: keep them out of the dirty list.
        for &j in &self.fired {
            self.dirty_flag[j] = true;
        }
        if self.psp_acts {
            for &j in &self.fired {
                self.active[j] += 1;
                self.ends.push_back((end_t, j as u32));
                for k in self.fan_start[j]..self.fan_start[j + 1] {
                    let i = self.fan_idx[k] as usize;
                    self.u[i] += self.fan_w[k];
                    if !self.dirty_flag[i] {
                        self.dirty_flag[i] = true;
                        self.dirty.push(i);
                    }
                }
            }
        }
        let t0 = t.saturating_add(self.min_isi);
        for k in 0..self.fired.len() {
            let j = self.fired[k];
            self.dirty_flag[j] = false;
            let (h, inv) = self.hazard_u(j);
            let e = exp1(rng);
            self.budget[j] = Budget { t0, e, h };
            q.set(j, fire_step(t0, e, inv));
        }
        for k in 0..self.dirty.len() {
            let i = self.dirty[k];
            self.dirty_flag[i] = false;
            let (h, inv) = self.hazard_u(i);
            let s = self.budget[i].restart(t + 1, h, inv);
            q.set(i, s);
        }
        self.dirty.clear();
    }
}

impl Engine for EventEngine {
    fn reset(&mut self) {
        self.active.iter_mut().for_each(|a| *a = 0);
        self.mask = 0;
        self.ends.clear();
        self.t = 0;
        self.primed = false;
        for i in 0..self.net.n {
            self.budget[i] = Budget::default();
            self.queue.set(i, NEVER);
        }
        self.recompute();
    }

    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        if steps == 0 {
            return;
        }
        if !self.primed {
            self.prime(rng);
        }
        let t_end = self.t.saturating_add(steps);
        let mut queue = std::mem::replace(&mut self.queue, Queue::Linear(LinearQueue::default()));
        match (&mut queue, self.use_table) {
            (Queue::Linear(q), true) => self.run_with::<_, true>(q, t_end, rng, sink),
            (Queue::Linear(q), false) => self.run_with::<_, false>(q, t_end, rng, sink),
            (Queue::Tree(q), true) => self.run_with::<_, true>(q, t_end, rng, sink),
            (Queue::Tree(q), false) => self.run_with::<_, false>(q, t_end, rng, sink),
        }
        self.queue = queue;
        self.t = t_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conventions::Conventions;
    use crate::engine::probe::{expected, schedule};
    use crate::engine::{AnyEngine, ClockEngine};
    use crate::rng::stream;
    use crate::spikes::SpikeRecorder;

    #[test]
    fn psp_window_and_refractoriness_per_convention() {
        for (conv, want) in expected() {
            let clock = schedule(
                |net| AnyEngine::Clock(Box::new(ClockEngine::new(net))),
                conv,
            );
            assert_eq!(clock, want, "clock {conv:?}");
            let event = schedule(
                |net| AnyEngine::Event(Box::new(EventEngine::new(net))),
                conv,
            );
            assert_eq!(event, want, "event {conv:?}");
            let tree = schedule(
                |net| AnyEngine::Event(Box::new(EventEngine::with_paths(net, false, true))),
                conv,
            );
            assert_eq!(tree, want, "event/tree {conv:?}");
        }
        // With τ_syn = t_ref = 1 (non-overlapping PSPs) the table path is used; a PSP of
        // length 1 acts only with delay 1 (lag 1): 1 is silenced at step 1 only.
        for (conv, want) in [
            (Conventions::ANALYTIC_M2, vec![0, 1, 2, 3, 4, 5]),
            (Conventions::MICROCIRCUIT_M3, vec![0, 2, 3, 4, 5]),
        ] {
            for tree in [false, true] {
                let net = Network::new(vec![0.0, 0.0, -120.0, 0.0], vec![60.0, 60.0], 1, 1, conv)
                    .unwrap();
                let mut e =
                    AnyEngine::Event(Box::new(EventEngine::with_paths(net.clone(), true, tree)));
                let mut c = AnyEngine::Clock(Box::new(ClockEngine::new(net)));
                let mut got = Vec::new();
                for eng in [&mut e, &mut c] {
                    let mut rng = stream(1, "probe", 0);
                    let mut rec = SpikeRecorder::default();
                    eng.run(1, &mut rng, &mut rec);
                    eng.set_parameters(&[0.0, 0.0, -120.0, 0.0], &[-60.0, 60.0]);
                    eng.run(5, &mut rng, &mut rec);
                    got.push(
                        rec.spikes
                            .iter()
                            .filter(|s| s.1 == 1)
                            .map(|s| s.0)
                            .collect::<Vec<_>>(),
                    );
                }
                assert_eq!(got[0], want, "event {conv:?}");
                assert_eq!(got[1], want, "clock {conv:?}");
            }
        }
    }

    fn random_net(n: usize, seed: u64, t_ref: usize, psp_len: usize, conv: Conventions) -> Network {
        let mut rng = stream(seed, "net", n as u64);
        let mut unif = || (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
        let mut w = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j && unif() < 0.6 {
                    w[i * n + j] = 2.0 * unif() - 1.0;
                }
            }
        }
        let b = (0..n).map(|_| unif() - 1.5).collect();
        Network::new(w, b, t_ref, psp_len, conv).unwrap()
    }

    fn record(e: &mut EventEngine, pieces: &[u64], seed: u64) -> Vec<(u64, usize)> {
        let mut rng = stream(seed, "event", 0);
        let mut rec = SpikeRecorder::default();
        for &p in pieces {
            e.run(p, &mut rng, &mut rec);
        }
        rec.spikes
    }

    /// The four paths (table or membranes, linear or tree) draw the same numbers in the
    /// same order, so they give the same spike train (table and membranes round u
    /// differently, which could only flip a spike with probability ~1e-16 per schedule).
    #[test]
    fn all_paths_give_the_same_spike_train() {
        for conv in [
            Conventions::SAMPLER_M1,
            Conventions::ANALYTIC_M2,
            Conventions::MICROCIRCUIT_M3,
            Conventions::SALNET_M4,
        ] {
            for (n, psp) in [(1, 5), (3, 5), (7, 5), (10, 5), (3, 12), (7, 12)] {
                let net = random_net(n, 3, 5, psp, conv);
                let table = net.conventions.min_isi.steps(5) + 1 >= net.psp_end();
                let mut trains = Vec::new();
                for (tab, tree) in [(false, false), (false, true), (true, false), (true, true)] {
                    if tab && !table {
                        continue;
                    }
                    let mut e = EventEngine::with_paths(net.clone(), tab, tree);
                    trains.push(record(&mut e, &[20_000], 11));
                }
                assert!(trains[0].len() > 100 * n, "{conv:?} n {n}");
                for (k, tr) in trains.iter().enumerate().skip(1) {
                    let first = tr.iter().zip(&trains[0]).position(|(a, b)| a != b);
                    assert!(
                        first.is_none() && tr.len() == trains[0].len(),
                        "{conv:?} n {n} psp {psp} path {k}: first difference at {first:?}"
                    );
                }
            }
        }
    }

    /// Splitting a run (and resetting) does not change the spike train.
    #[test]
    fn pieces_and_reset_reproduce_the_train() {
        for (n, psp) in [(4, 6), (7, 12), (40, 6)] {
            let net = random_net(n, 5, 6, psp, Conventions::SAMPLER_M1);
            let mut e = EventEngine::new(net);
            let whole = record(&mut e, &[30_000], 2);
            e.reset();
            assert_eq!(e.now(), 0);
            let split = record(&mut e, &[1, 0, 7_000, 13, 22_986], 2);
            assert_eq!(e.now(), 30_000);
            assert_eq!(whole, split);
            assert!(whole.len() > 1000);
        }
    }

    /// Extreme membranes: ρ underflows to 0 (never fires, no NaN) or is 1 (fires at every
    /// allowed step); a silenced neuron starts again when its input changes.
    #[test]
    fn extreme_hazards() {
        for conv in [Conventions::SAMPLER_M1, Conventions::ANALYTIC_M2] {
            let net = Network::new(vec![0.0; 4], vec![-800.0, 800.0], 3, 3, conv).unwrap();
            let mut e = EventEngine::new(net);
            let spikes = record(&mut e, &[100], 1);
            let isi = conv.min_isi.steps(3) as u64;
            let want: Vec<(u64, usize)> = (0..100).step_by(isi as usize).map(|t| (t, 1)).collect();
            assert_eq!(spikes, want);
            // Un-silence neuron 0 after 100 steps: it fires at every allowed step.
            e.set_parameters(&[0.0; 4], &[800.0, 800.0]);
            let mut rng = stream(1, "x", 0);
            let mut rec = SpikeRecorder::default();
            e.run(10, &mut rng, &mut rec);
            assert_eq!(
                rec.spikes.iter().filter(|s| s.1 == 0).map(|s| s.0).next(),
                Some(100)
            );
            assert_eq!(e.now(), 110);
        }
    }

    #[test]
    fn tree_matches_naive_minimum() {
        for n in [1, 2, 37, 64] {
            let mut h = TournamentTree::new(n);
            let mut naive = vec![NEVER; n];
            let mut rng = stream(1, "tree", n as u64);
            for _ in 0..20_000 {
                let i = (rng.next_u64() % n as u64) as usize;
                let t = if rng.next_u64().is_multiple_of(10) {
                    NEVER
                } else {
                    rng.next_u64() % 50
                };
                h.set(i, t);
                naive[i] = t;
                let m = *naive.iter().min().unwrap();
                assert_eq!(h.min(), m);
                let mut got = Vec::new();
                h.collect(m, &mut got);
                let want: Vec<usize> = (0..n).filter(|&k| naive[k] == m).collect();
                assert_eq!(got, want);
            }
        }
    }
}
