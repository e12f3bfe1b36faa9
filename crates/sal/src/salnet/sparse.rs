//! The event-driven SALNet engine: work per step follows spikes × fan-out.
//!
//! **Spikes and membranes.** Per copy and layer it keeps the membranes u for the next spike
//! decisions, the step of every unit's last spike (refractoriness), and a ring with the spike
//! lists of the last steps (the M4 spike buffer, stored sparsely). The spikes of one step
//! enter the PSP window together (the step after them) and leave it together (τ_syn steps
//! later), so per layer and step the engine keeps their summed input P_t: column j of
//! W_(k+1) for every spike of unit j in layer k and column j of B_(k−1) for every spike in
//! layer k−1's other neighbour, added once to the membranes on entry and subtracted as one
//! vector on exit. Each weight column is read once per spike (not again when the spike
//! leaves, by which time a wide network has pushed it out of the cache); the ring of P
//! (τ_syn vectors per layer) stays in cache. Membranes are recomputed exactly from the
//! buffers every [`REFRESH`] steps of global time and whenever weights change, so rounding
//! never accumulates.
//!
//! **SAL sums.** Every pair of a post spike (unit i of layer k, step t) and a pre spike
//! (unit j of layer k+1) at most H = buffer_len − 1 steps apart adds K(t − t_pre) to
//! D_k[i][j]. A post spike is processed once all its partners are known, H steps later: the
//! two-sided trace V_j = Σ_(m=1…H) e^(−m/t_ref)·(s_j(t+m) − s_j(t−m)) of the pre layer is
//! added to row i of D_k (one contiguous row per post spike). An update in between
//! ([`State::flush`]) adds the pairs already complete, exactly as the reference's online
//! rule has counted them by then (a pair is counted when its later spike occurs), and the
//! rest later.
//!
//! **Locality.** The row additions of a block of steps are sorted by row, so each row of D_k
//! is read and written once per block; within a row the additions keep their (step, copy)
//! order, so the result does not depend on the block length or on the number of threads.
//! Copies draw from their own streams and run in parallel; the row additions are split over
//! threads by blocks of rows.

use super::{SalNetParams, Shared, copy_stream};
use crate::neuron::{rho, uniform53};
use crate::rng::SimRng;
use crate::vecops::{add_assign, sub_assign};
use rayon::prelude::*;

/// Membranes are recomputed from the spike buffers at global steps that are multiples of
/// this (and after every weight change).
pub(super) const REFRESH: u64 = 1024;
/// "Never spiked": far enough in the past for any refractory test.
const NEVER: i64 = i64::MIN / 4;
/// Below this much work per step (batch × Σ n_k·n_(k+1)) everything runs on one thread.
const PARALLEL_WORK: usize = 150_000;
/// Target size (bytes) of the two-sided traces held for one block: cache-sized (a few MB)
/// so that a block brings several additions to each row of D_k it touches (measured with
/// `sal bench --filter salnet`: batch 32 ≈ 390× the reference at 4 MB, ≈ 300× at 512 KB).
const BLOCK_BYTES: usize = 4 * 1024 * 1024;
/// Rows of D_k per parallel task.
const ROWS_PER_TASK: usize = 32;

/// One batch copy.
pub(super) struct Copy {
    rng: SimRng,
    /// Membranes for the next spike decision, per layer.
    u: Vec<Vec<f64>>,
    /// Step of the last spike per unit.
    last: Vec<Vec<i64>>,
    /// `ring[k][t % ring_len]` = units of layer k that fired at step t (increasing).
    ring: Vec<Vec<Vec<u32>>>,
    /// Spikes per layer since the last collection.
    count: Vec<u64>,
    /// `psp[k][(t % τ_syn)·n_k ..]` = input P_t to layer k from the spikes of step t (both
    /// neighbours), for the τ_syn steps in the PSP window; `live[k][t % τ_syn]`: P_t ≠ 0.
    psp: Vec<Vec<f64>>,
    live: Vec<Vec<bool>>,
    /// Per feedback matrix k: the two-sided traces of the current block
    /// (`block_len` × n_(k+1)).
    vb: Vec<Vec<f64>>,
    /// Per feedback matrix k and block step: the post units whose row gets that trace.
    ev: Vec<Vec<Vec<u32>>>,
}

/// State of the sparse engine.
pub(super) struct State {
    copies: Vec<Copy>,
    /// D_k (n_k × n_(k+1)), all copies.
    d: Vec<Vec<f64>>,
    block_len: usize,
    /// Block steps filled so far.
    filled: usize,
    /// First step after the last update: pairs with both spikes before it are counted.
    flushed: u64,
    dirty: bool,
}

/// The spike-ring length: the PSP window (τ_syn + 1 steps) and the pair window of a post
/// spike processed H steps late (2H + 1 steps).
pub(super) fn ring_len(p: &SalNetParams) -> usize {
    (2 * p.buffer_len - 1).max(p.psp_len + 1)
}

impl State {
    pub(super) fn new(p: &SalNetParams, seed: u64) -> Self {
        let d = &p.dims;
        let ring = ring_len(p);
        let fb_len: usize = d[1..].iter().sum();
        let block_len = (BLOCK_BYTES / (8 * fb_len * p.batch)).clamp(1, 256);
        let copies = (0..p.batch)
            .map(|c| Copy {
                rng: copy_stream(seed, c),
                u: d.iter().map(|&n| vec![0.0; n]).collect(),
                last: d.iter().map(|&n| vec![NEVER; n]).collect(),
                ring: d
                    .iter()
                    .map(|_| (0..ring).map(|_| Vec::new()).collect())
                    .collect(),
                count: vec![0; d.len()],
                psp: d.iter().map(|&n| vec![0.0; p.psp_len * n]).collect(),
                live: d.iter().map(|_| vec![false; p.psp_len]).collect(),
                vb: d[1..].iter().map(|&n| vec![0.0; block_len * n]).collect(),
                ev: d[1..]
                    .iter()
                    .map(|_| (0..block_len).map(|_| Vec::new()).collect())
                    .collect(),
            })
            .collect();
        Self {
            copies,
            d: d.windows(2).map(|p| vec![0.0; p[0] * p[1]]).collect(),
            block_len,
            filled: 0,
            flushed: 0,
            dirty: true,
        }
    }

    pub(super) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// D_k as processed so far (complete after [`State::flush`]).
    pub(super) fn sums(&self, k: usize) -> &[f64] {
        &self.d[k]
    }

    /// D_k := 0 after an update (call [`State::flush`] first).
    pub(super) fn clear_sums(&mut self) {
        for m in &mut self.d {
            m.fill(0.0);
        }
    }

    /// Σ over copies of D_k as the reference would hold it before step `t`: the processed
    /// rows plus the pairs of the pending post spikes that are already complete.
    pub(super) fn accumulated(&self, sh: &Shared<'_>, k: usize, t: u64) -> Vec<f64> {
        let mut d = self.d[k].clone();
        process_block(&mut d, k, &self.copies, self.filled, sh.dims, false);
        add_pending(&mut d, k, &self.copies, sh, t, self.flushed);
        d
    }

    /// Brings D_k up to date with every pair counted before step `t` (an update follows).
    pub(super) fn flush(&mut self, sh: &Shared<'_>, t: u64, parallel: bool) {
        self.finish_block(sh, parallel);
        for k in 0..self.d.len() {
            add_pending(&mut self.d[k], k, &self.copies, sh, t, self.flushed);
        }
        self.flushed = t;
    }

    fn finish_block(&mut self, sh: &Shared<'_>, parallel: bool) {
        if self.filled == 0 {
            return;
        }
        for (k, dk) in self.d.iter_mut().enumerate() {
            process_block(dk, k, &self.copies, self.filled, sh.dims, parallel);
        }
        self.filled = 0;
    }

    pub(super) fn recent_spikes(
        &self,
        c: usize,
        k: usize,
        t: u64,
        back: usize,
    ) -> Vec<(usize, usize)> {
        let ring = &self.copies[c].ring[k];
        let mut out = Vec::new();
        for m in 0..back {
            if m as u64 + 1 > t {
                break;
            }
            let slot = ((t - 1 - m as u64) % ring.len() as u64) as usize;
            out.extend(ring[slot].iter().map(|&j| (m, j as usize)));
        }
        out
    }

    /// Whether this network's copies run in parallel.
    pub(super) fn parallel(&self, sh: &Shared<'_>) -> bool {
        let work = self.copies.len() * sh.dims.windows(2).map(|p| p[0] * p[1]).sum::<usize>();
        self.copies.len() > 1 && work >= PARALLEL_WORK && rayon::current_num_threads() > 1
    }

    /// Simulates steps t0 … t0 + steps − 1 (`forced`: the spikes of a single step).
    pub(super) fn run(
        &mut self,
        sh: &Shared<'_>,
        t0: u64,
        steps: u64,
        forced: Option<&[Vec<Vec<usize>>]>,
        counts: &mut [u64],
    ) {
        let parallel = self.parallel(sh);
        let flushed = self.flushed;
        for s in 0..steps {
            let t = t0 + s;
            if self.dirty || (t > 0 && t.is_multiple_of(REFRESH)) {
                if parallel {
                    self.copies.par_iter_mut().for_each(|cp| refresh(cp, sh, t));
                } else {
                    self.copies.iter_mut().for_each(|cp| refresh(cp, sh, t));
                }
                self.dirty = false;
            }
            let pos = self.filled;
            let step = |(c, cp): (usize, &mut Copy)| {
                step_copy(cp, sh, t, forced.map(|f| &f[c]), pos, flushed)
            };
            if parallel {
                self.copies.par_iter_mut().enumerate().for_each(step);
            } else {
                self.copies.iter_mut().enumerate().for_each(step);
            }
            self.filled += 1;
            if self.filled == self.block_len {
                self.finish_block(sh, parallel);
            }
        }
        self.finish_block(sh, parallel);
        for cp in &mut self.copies {
            for (tot, c) in counts.iter_mut().zip(cp.count.iter_mut()) {
                *tot += *c;
                *c = 0;
            }
        }
    }
}

/// Recomputes the membranes of a copy exactly from its buffers (next step `t`): the PSP
/// inputs P of the steps t − τ_syn … t − 1, then u = b + Σ P.
fn refresh(cp: &mut Copy, sh: &Shared<'_>, t: u64) {
    let l1 = sh.dims.len();
    for k in 0..l1 {
        cp.psp[k].fill(0.0);
        cp.live[k].fill(false);
    }
    for m in 0..sh.psp_len as u64 {
        if m + 1 > t {
            break;
        }
        let s = t - 1 - m;
        for k in 0..l1 {
            psp_input(cp, sh, k, s);
        }
    }
    for k in 0..l1 {
        let n = sh.dims[k];
        cp.u[k].copy_from_slice(&sh.bias[k]);
        for (p, &live) in cp.psp[k].chunks(n).zip(&cp.live[k]) {
            if live {
                add_assign(&mut cp.u[k], p);
            }
        }
    }
}

/// Sets P_s of layer `k` (slot s % τ_syn) from the spikes of step `s` in the layers below
/// (column j of W_k per spike of unit j) and above (column j of B_k); returns whether any.
#[inline]
fn psp_input(cp: &mut Copy, sh: &Shared<'_>, k: usize, s: u64) -> bool {
    let l1 = sh.dims.len();
    let n = sh.dims[k];
    let ring_slot = (s % sh.ring as u64) as usize;
    let slot = (s % sh.psp_len as u64) as usize;
    let below: &[u32] = if k > 0 {
        &cp.ring[k - 1][ring_slot]
    } else {
        &[]
    };
    let above: &[u32] = if k + 1 < l1 {
        &cp.ring[k + 1][ring_slot]
    } else {
        &[]
    };
    let live = !below.is_empty() || !above.is_empty();
    let p = &mut cp.psp[k][slot * n..(slot + 1) * n];
    if live {
        p.fill(0.0);
        super::add_columns(p, &sh.wt32[k], below);
        super::add_columns(p, &sh.fbt32[k], above);
    }
    cp.live[k][slot] = live;
    live
}

/// The pairs of the post spikes at step `tp` with the pre spikes in `ring_pre`:
/// `out_j` = (if `past`) −Σ_(m=1…H) κ_m·s_j(tp − m) + Σ_(t' = lo…hi) κ_(t'−tp)·s_j(t').
#[allow(clippy::too_many_arguments)]
fn two_sided(
    out: &mut [f64],
    ring_pre: &[Vec<u32>],
    kern: &[f64],
    tp: u64,
    past: bool,
    lo: u64,
    hi: u64,
) {
    let ring = ring_pre.len() as u64;
    let h = kern.len() as u64 - 1;
    out.fill(0.0);
    if past {
        for m in 1..=h.min(tp) {
            let w = kern[m as usize];
            for &j in &ring_pre[((tp - m) % ring) as usize] {
                out[j as usize] -= w;
            }
        }
    }
    for t in lo..=hi {
        let w = kern[(t - tp) as usize];
        for &j in &ring_pre[(t % ring) as usize] {
            out[j as usize] += w;
        }
    }
}

/// One step of one copy at step `t` (block position `pos`): spike decisions of every layer,
/// membranes for the next step, and the two-sided traces of the post spikes of step t − H.
fn step_copy(
    cp: &mut Copy,
    sh: &Shared<'_>,
    t: u64,
    forced: Option<&Vec<Vec<usize>>>,
    pos: usize,
    flushed: u64,
) {
    let l1 = sh.dims.len();
    let ring = sh.ring as u64;
    let slot = (t % ring) as usize;
    let ti = t as i64;
    // 1. Spikes, layer by layer, from the membranes of the previous step.
    for k in 0..l1 {
        let spikes = &mut cp.ring[k][slot];
        spikes.clear();
        let last = &mut cp.last[k];
        match forced {
            Some(f) => {
                for &i in &f[k] {
                    spikes.push(i as u32);
                    last[i] = ti;
                }
            }
            None => {
                let u = &cp.u[k];
                for (i, (li, &ui)) in last.iter_mut().zip(u).enumerate() {
                    if ti - *li >= sh.min_isi && fires(uniform53(&mut cp.rng), rho(ui, sh.t_ref)) {
                        spikes.push(i as u32);
                        *li = ti;
                    }
                }
            }
        }
        cp.count[k] += spikes.len() as u64;
    }
    // 2. Membranes of the next step: the input of step t − τ_syn (same PSP slot) leaves the
    //    window, this step's enters.
    let pslot = (t % sh.psp_len as u64) as usize;
    for k in 0..l1 {
        let n = sh.dims[k];
        if cp.live[k][pslot] {
            sub_assign(&mut cp.u[k], &cp.psp[k][pslot * n..(pslot + 1) * n]);
        }
        if psp_input(cp, sh, k, t) {
            add_assign(&mut cp.u[k], &cp.psp[k][pslot * n..(pslot + 1) * n]);
        }
    }
    // 3. Pairs of the post spikes of step tp = t − H, now complete.
    let h = sh.buffer_len as u64 - 1;
    for k in 0..l1 - 1 {
        let ev = &mut cp.ev[k][pos];
        ev.clear();
        if t < h {
            continue;
        }
        let tp = t - h;
        let post = &cp.ring[k][(tp % ring) as usize];
        if post.is_empty() {
            continue;
        }
        ev.extend_from_slice(post);
        let n = sh.dims[k + 1];
        let out = &mut cp.vb[k][pos * n..(pos + 1) * n];
        two_sided(
            out,
            &cp.ring[k + 1],
            sh.sal_kernel,
            tp,
            tp >= flushed,
            (tp + 1).max(flushed),
            t,
        );
    }
}

/// The core's spike decision `k < fire_threshold(p)` for a 53-bit uniform integer k, without
/// the rounding up: for integer k, k < ⌈p·2⁵³⌉ ⟺ k < p·2⁵³ (p·2⁵³ is exact, k < 2⁵³ is
/// exact as a double); p ≥ 1 always fires, p ≤ 0 or NaN never. Same decisions, no `ceil`.
#[inline(always)]
fn fires(k: u64, p: f64) -> bool {
    (k as f64) < p * crate::neuron::TWO_POW_53
}

/// Adds the row additions of the first `filled` block steps of every copy to D_k.
fn process_block(
    dk: &mut [f64],
    k: usize,
    copies: &[Copy],
    filled: usize,
    dims: &[usize],
    parallel: bool,
) {
    let (n0, n1) = (dims[k], dims[k + 1]);
    // counting sort of the events (row, block step, copy) by row, stable in (step, copy)
    let mut start = vec![0u32; n0 + 1];
    for s in 0..filled {
        for cp in copies {
            for &i in &cp.ev[k][s] {
                start[i as usize + 1] += 1;
            }
        }
    }
    for i in 0..n0 {
        start[i + 1] += start[i];
    }
    let total = start[n0] as usize;
    if total == 0 {
        return;
    }
    let mut next = start.clone();
    let mut events = vec![(0u32, 0u32); total];
    for s in 0..filled {
        for (c, cp) in copies.iter().enumerate() {
            for &i in &cp.ev[k][s] {
                let e = &mut next[i as usize];
                events[*e as usize] = (s as u32, c as u32);
                *e += 1;
            }
        }
    }
    let rows = |row0: usize, block: &mut [f64]| {
        for (r, row) in block.chunks_mut(n1).enumerate() {
            let i = row0 + r;
            for &(s, c) in &events[start[i] as usize..start[i + 1] as usize] {
                let s = s as usize;
                add_assign(row, &copies[c as usize].vb[k][s * n1..(s + 1) * n1]);
            }
        }
    };
    if parallel {
        dk.par_chunks_mut(ROWS_PER_TASK * n1)
            .enumerate()
            .for_each(|(b, block)| rows(b * ROWS_PER_TASK, block));
    } else {
        rows(0, dk);
    }
}

/// Adds to `dk` the pairs of the pending post spikes (steps t − H … t − 1) that are complete
/// before step `t`, i.e. with pre spikes up to t − 1 (and, for post spikes at or after the
/// last flush, their past partners).
fn add_pending(dk: &mut [f64], k: usize, copies: &[Copy], sh: &Shared<'_>, t: u64, flushed: u64) {
    if t == 0 {
        return;
    }
    let (n1, ring) = (sh.dims[k + 1], sh.ring as u64);
    let h = sh.buffer_len as u64 - 1;
    let mut v = vec![0.0; n1];
    for tp in t.saturating_sub(h)..t {
        for cp in copies {
            let post = &cp.ring[k][(tp % ring) as usize];
            if post.is_empty() {
                continue;
            }
            two_sided(
                &mut v,
                &cp.ring[k + 1],
                sh.sal_kernel,
                tp,
                tp >= flushed,
                (tp + 1).max(flushed),
                t - 1,
            );
            for &i in post {
                add_assign(&mut dk[i as usize * n1..(i as usize + 1) * n1], &v);
            }
        }
    }
}
