//! RDD (regression discontinuity design, Guerguiev et al. 2020) as the reference adapts it
//! (spec `deep.md` §3; D12, D13): discrete-time LIF layers (1 step = 1 ms) whose units
//! estimate, by a windowed regression around the threshold, the causal effect β of their
//! spiking on the filtered spikes of the layer above; β, rescaled, replaces the feedback B.
//!
//! Implemented: the layer step (§3.3), the regression (§3.4), the feedback update (§3.5) and
//! the Fig 7 variant (§4.2) with its literal behaviour (the per-epoch step index restarts, so
//! B is never updated; D13) and the intended global-time variant, and the RDD phase of
//! Fig 8 (§3.6, [`RddNet`]).

use crate::control::{Flow, Halt, tick};
use crate::metrics::{Alignment, alignment};
use crate::rng_numpy::NumpyRng;

/// History length and RDD window (steps).
pub const HIST: usize = 30;
const REFRACTORY: u32 = 3;
const WINDOW_BAND: f64 = 0.1;
const ACCEPT_BAND: f64 = 10.0;
const ALPHA: f64 = 4.0;
const LEAK: f64 = 0.1;
const DEND: f64 = 0.6;
const ETA: f64 = 0.001;

/// κ(k) = (e^(−k/10) − e^(−k/3))/7 for k = 1 … 30 (index k − 1).
pub fn kappa() -> [f64; HIST] {
    let mut k = [0.0; HIST];
    for (i, v) in k.iter_mut().enumerate() {
        let x = (i + 1) as f64;
        *v = ((-x / 10.0).exp() - (-x / 3.0).exp()) / 7.0;
    }
    k
}

/// A spike (or count) history: the last 30 columns, newest at lag 1. Each column keeps the
/// list of its non-zero units, so filtering costs spikes, not units × 30.
#[derive(Debug, Clone)]
pub struct History {
    n: usize,
    cols: Vec<Vec<f64>>,
    nz: Vec<Vec<u32>>,
    newest: usize,
}

impl History {
    /// An empty (all-zero) history of `n` units.
    pub fn new(n: usize) -> Self {
        History {
            n,
            cols: vec![vec![0.0; n]; HIST],
            nz: vec![Vec::new(); HIST],
            newest: 0,
        }
    }

    /// Appends a column (the oldest drops out).
    pub fn push(&mut self, col: &[f64]) {
        self.newest = (self.newest + 1) % HIST;
        self.cols[self.newest].copy_from_slice(col);
        let nz = &mut self.nz[self.newest];
        nz.clear();
        nz.extend((0..col.len() as u32).filter(|&i| col[i as usize] != 0.0));
    }

    /// Empties the history (all columns zero).
    pub fn clear(&mut self) {
        for (col, nz) in self.cols.iter_mut().zip(&mut self.nz) {
            for &i in nz.iter() {
                col[i as usize] = 0.0;
            }
            nz.clear();
        }
    }

    /// p = Σ_(k=1…30) κ(k)·s(t − k + 1), s(t) the newest column.
    pub fn filtered(&self, kappa: &[f64; HIST]) -> Vec<f64> {
        let mut p = vec![0.0; self.n];
        self.filter_into(kappa, &mut p);
        p
    }

    /// [`History::filtered`] into `p` (length n). Sums lag by lag over the non-zero entries
    /// only: the zero terms the dense sum would add leave every value unchanged.
    pub fn filter_into(&self, kappa: &[f64; HIST], p: &mut [f64]) {
        p.fill(0.0);
        for (k, kv) in kappa.iter().enumerate() {
            let c = (self.newest + HIST - k) % HIST;
            let col = &self.cols[c];
            for &i in &self.nz[c] {
                p[i as usize] += kv * col[i as usize];
            }
        }
    }
}

/// One RDD network layer (§3.2–3.4). `rdd` layers (those with a layer above them that they
/// regress against) hold the window state, regression coefficients, β and B.
///
/// The step does the work of §3.3 without its dense per-step parts, with the same numbers:
/// filtered histories and the feed-forward drive sum only non-zero terms (a unit silent for
/// 30 steps contributes nothing); the window sum R (§3.3 step 6) is not accumulated every
/// step but summed, in the same order, from the last 30 filtered upper-layer histories when a
/// driven unit's window ends, and R_pre is copied when a window opens (the only step whose
/// value a regression reads). `tests::matches_dense_step` holds it to a literal transcription.
#[derive(Debug, Clone)]
pub struct RddLayer {
    /// Units.
    pub n: usize,
    /// Units of the layer above (0 without RDD).
    pub n_above: usize,
    /// Forward weights transposed (n_below × n: row j holds unit j's outgoing weights), so
    /// the drive sums over active inputs run over contiguous rows.
    wt: Vec<f64>,
    n_below: usize,
    v: Vec<f64>,
    u: Vec<f64>,
    refr: Vec<u32>,
    /// Own spike history.
    pub hist: History,
    timer: Vec<u32>,
    max_u: Vec<f64>,
    /// q of the last 30 steps (the layer above's filtered history), ring indexed like
    /// [`History`]; the window sum R of a unit is the sum of all 30 at its window's end.
    q_ring: Vec<Vec<f64>>,
    q_newest: usize,
    r_win: Vec<f64>,
    r_pre: Vec<f64>,
    count: Vec<u32>,
    c: [Vec<f64>; 4],
    /// β estimates (n × n_above).
    pub beta: Vec<f64>,
    /// Feedback matrix (n × n_above).
    pub b: Vec<f64>,
    // per-step scratch: filtered input, drive, firing, window ends
    p: Vec<f64>,
    a: Vec<f64>,
    fired: Vec<bool>,
    ending: Vec<bool>,
}

impl RddLayer {
    /// A reset layer of `n` units fed by `n_below` units (0: none) and regressing against
    /// `n_above` units (0: no RDD).
    pub fn new(n: usize, n_below: usize, n_above: usize) -> Self {
        let m = n * n_above;
        RddLayer {
            n,
            n_above,
            wt: vec![0.0; n * n_below],
            n_below,
            v: vec![-1.0; n],
            u: vec![-1.0; n],
            refr: vec![0; n],
            hist: History::new(n),
            timer: vec![0; n],
            max_u: vec![0.0; n],
            q_ring: vec![vec![0.0; n_above]; HIST],
            q_newest: 0,
            r_win: vec![0.0; n_above],
            r_pre: vec![0.0; m],
            count: vec![0; n],
            c: [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]],
            beta: vec![0.0; m],
            b: vec![0.0; m],
            p: vec![0.0; n_below.max(n)],
            a: vec![0.0; n],
            fired: vec![false; n],
            ending: vec![false; n],
        }
    }

    /// Sets the forward weights W (n × n_below, row-major `[unit][input]`).
    pub fn set_forward(&mut self, w: &[f64]) {
        assert_eq!(
            w.len(),
            self.n * self.n_below,
            "forward weights n × n_below"
        );
        self.wt = crate::vecops::transpose(w, self.n, self.n_below);
    }

    /// One step (§3.3) with the lower layer's history `f`, the upper layer's `g` (RDD
    /// layers) and the driving history `d`. Returns the units that fired.
    // per-unit state lives in parallel vectors; indexing by unit mirrors the spec's steps
    #[allow(clippy::needless_range_loop)]
    pub fn step(
        &mut self,
        kappa: &[f64; HIST],
        f: Option<&History>,
        g: Option<&History>,
        d: Option<&History>,
    ) -> &[bool] {
        let (n, na) = (self.n, self.n_above);
        let rdd = na > 0;
        // 1.
        for i in 0..n {
            self.ending[i] = rdd && self.timer[i] == 1;
        }
        if rdd {
            for i in 0..n {
                if self.timer[i] > 0 && self.u[i] > self.max_u[i] {
                    self.max_u[i] = self.u[i];
                }
            }
        }
        // 2.
        for r in self.refr.iter_mut() {
            *r = r.saturating_sub(1);
        }
        // 3.
        if let Some(d) = d {
            d.filter_into(kappa, &mut self.a);
            for x in self.a.iter_mut() {
                *x *= ALPHA;
            }
        } else if let Some(f) = f {
            let nb = self.n_below;
            let p = &mut self.p[..nb];
            f.filter_into(kappa, p);
            // a_i = Σ_j W_ij·p_j over the active inputs j in ascending order, all units at
            // once (−0.0 start: the value of an empty f64 sum)
            self.a.fill(-0.0);
            for j in (0..nb).filter(|&j| p[j] != 0.0) {
                let pj = p[j];
                for (a, w) in self.a.iter_mut().zip(&self.wt[j * n..(j + 1) * n]) {
                    *a += w * pj;
                }
            }
        } else {
            self.a.fill(0.0);
        }
        // 4.
        if rdd {
            self.q_newest = (self.q_newest + 1) % HIST;
            let q = &mut self.q_ring[self.q_newest];
            match g {
                Some(g) => g.filter_into(kappa, q),
                None => q.fill(0.0),
            }
        }
        // 5.
        for i in 0..n {
            let a = self.a[i];
            self.v[i] = self.v[i] + LEAK * (-self.v[i]) + DEND * (a - self.v[i]);
            if rdd {
                self.u[i] = self.u[i] + LEAK * (-self.u[i]) + DEND * (a - self.u[i]);
            }
        }
        // 6. (R and R_pre: see the type's documentation)
        // 7.
        for i in 0..n {
            self.fired[i] = self.v[i] >= 1.0 && self.refr[i] == 0;
            if self.fired[i] {
                self.v[i] = -1.0;
                self.refr[i] = REFRACTORY;
            }
        }
        if rdd {
            // 8.
            if d.is_some() && self.ending.contains(&true) {
                // every window ending now spans the same 30 steps: R summed once, oldest first
                // (the order of the step-by-step accumulation), then divided by 30
                self.r_win.fill(0.0);
                for k in 1..=HIST {
                    let q = &self.q_ring[(self.q_newest + k) % HIST];
                    for (r, x) in self.r_win.iter_mut().zip(q) {
                        *r += x;
                    }
                }
                for r in self.r_win.iter_mut() {
                    *r /= HIST as f64;
                }
                for i in 0..n {
                    if self.ending[i] {
                        self.regress(i);
                    }
                }
            }
            for i in 0..n {
                self.timer[i] = self.timer[i].saturating_sub(1);
                if self.timer[i] == 0 {
                    self.u[i] = self.v[i];
                }
            }
            // 9.
            for i in 0..n {
                if self.timer[i] == 0 && (1.0 - self.u[i]).abs() <= WINDOW_BAND {
                    self.timer[i] = HIST as u32;
                    // R_pre is this step's q unless the unit was still in a window at step
                    // 6 (a window that ends and reopens keeps the older R_pre)
                    if !self.ending[i] {
                        self.r_pre[i * na..(i + 1) * na]
                            .copy_from_slice(&self.q_ring[self.q_newest]);
                    }
                }
                if self.timer[i] > 0 && self.fired[i] {
                    self.count[i] += 1;
                }
                if self.ending[i] {
                    self.count[i] = 0;
                    self.max_u[i] = 0.0;
                }
            }
        }
        // 10.
        let col = &mut self.p[..n];
        for (c, &s) in col.iter_mut().zip(&self.fired) {
            *c = s as u8 as f64;
        }
        self.hist.push(col);
        &self.fired
    }

    /// Resets the dynamic state (§3.2 loading): v = u = −1, no refractoriness, empty history,
    /// closed windows, R = R_pre = 0, counts 0, max_u 0, B cleared. The regression
    /// coefficients and β persist (never reset, D12).
    pub fn reset_dynamic(&mut self) {
        self.v.fill(-1.0);
        self.u.fill(-1.0);
        self.refr.fill(0);
        self.hist.clear();
        self.timer.fill(0);
        self.max_u.fill(0.0);
        for q in &mut self.q_ring {
            q.fill(0.0);
        }
        self.r_pre.fill(0.0);
        self.count.fill(0);
        self.b.fill(0.0);
    }

    /// The regression update of an ending unit (§3.4), with the window mean R/30 of this
    /// step in `r_win`.
    fn regress(&mut self, i: usize) {
        let na = self.n_above;
        let mu = self.max_u[i];
        if (mu - 1.0).abs() > ACCEPT_BAND {
            return;
        }
        let spiked = self.count[i] >= 1;
        let (slope, icpt) = if spiked { (2, 0) } else { (3, 1) };
        for j in 0..na {
            let e_ = i * na + j;
            let y = self.r_win[j] - self.r_pre[e_];
            let e = self.c[slope][e_] * mu + self.c[icpt][e_] - y;
            self.c[slope][e_] -= ETA * e * mu;
            self.c[icpt][e_] -= ETA * e;
            self.beta[e_] = (self.c[2][e_] + self.c[0][e_]) - (self.c[3][e_] + self.c[1][e_]);
        }
    }

    /// The feedback update (§3.5): where β ≠ 0, B ← β·σ_B / std(β over the non-zero
    /// entries) (population standard deviation).
    pub fn update_feedback(&mut self, sigma_b: f64) {
        let nz: Vec<f64> = self.beta.iter().copied().filter(|&x| x != 0.0).collect();
        if nz.is_empty() {
            return;
        }
        let sd = pop_std(&nz);
        for (b, &be) in self.b.iter_mut().zip(&self.beta) {
            if be != 0.0 {
                *b = be * sigma_b / sd;
            }
        }
    }
}

/// Population standard deviation (NumPy's `std`, ddof 0).
pub fn pop_std(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
}

/// How Fig 7's RDD loop counts steps (D13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepCounter {
    /// The reference: the index restarts every 1 000-step epoch, so the 10 000-step update
    /// and record condition never holds (B unchanged, one record at t = 0).
    Literal,
    /// The evidently intended behaviour: cumulative time, update and record every 10 000
    /// steps (every 10 epochs).
    Global,
}

/// Fig 7's RDD result: records (time in s, alignment of W with the feedback).
#[derive(Debug, Clone, PartialEq)]
pub struct RddFig7 {
    /// Record times (s).
    pub time_s: Vec<f64>,
    /// Alignment of W with L0.Bᵀ at each record.
    pub alignment: Vec<Alignment>,
    /// L0.B (`[in][out]`) at the end.
    pub b_final: Vec<f64>,
}

/// Fig 7's RDD part (§4.2): L0 (n, RDD against L1, driven by Poisson counts from
/// `default_rng(44)`) and L1 (n, feed-forward from L0 with 0.2·n·W/std(W)); B from the drawn
/// feedback (`[in][out]`), σ_B = std(B); `epochs` epochs of 1 000 steps. `progress(steps)`
/// after every epoch.
pub fn fig7_rdd<R: Flow>(
    w: &[f64],
    b: &[f64],
    n: usize,
    epochs: usize,
    counter: StepCounter,
    progress: &mut impl FnMut(u64) -> R,
) -> Result<RddFig7, Halt> {
    let kappa = kappa();
    let mut l0 = RddLayer::new(n, 0, n);
    let mut l1 = RddLayer::new(n, n, 0);
    let sd_w = pop_std(w);
    l1.set_forward(
        &w.iter()
            .map(|x| 0.2 * n as f64 * x / sd_w)
            .collect::<Vec<_>>(),
    );
    l0.b = b.to_vec();
    let sigma_b = pop_std(b);
    let mut g = NumpyRng::new(44);
    let active = (n as f64 * 0.2) as usize;
    let mut subset = g.choice_without_replacement(n, active);
    let mut drive = History::new(n);
    let wt = |b: &[f64]| crate::vecops::transpose(b, n, n);
    let mut time_s = vec![0.0];
    let mut al = vec![alignment(w, &wt(&l0.b))];
    let mut global = 0u64;
    let mut col = vec![0.0; n];
    for _ in 0..epochs {
        for i in 0..1000u64 {
            let idx = match counter {
                StepCounter::Literal => i,
                StepCounter::Global => global,
            };
            if (idx + 1).is_multiple_of(100) {
                subset = g.choice_without_replacement(n, active);
            }
            for (u, c) in col.iter_mut().enumerate() {
                let lam = if subset.contains(&u) { 0.2 } else { 0.0 };
                *c = g.poisson(lam) as f64;
            }
            drive.push(&col);
            l0.step(&kappa, None, Some(&l1.hist), Some(&drive));
            l1.step(&kappa, Some(&l0.hist), None, None);
            if (idx + 1).is_multiple_of(10_000) {
                l0.update_feedback(sigma_b);
                time_s.push((global + 1) as f64 / 1000.0);
                al.push(alignment(w, &wt(&l0.b)));
                crate::control::check_finite(
                    &l0.b,
                    |k| format!("RDD feedback B[{}][{}]", k / n, k % n),
                    || format!("step {}", global + 1),
                )?;
            }
            global += 1;
        }
        tick(progress, 1000)?;
    }
    Ok(RddFig7 {
        time_s,
        alignment: al,
        b_final: l0.b,
    })
}

/// The four-layer (in general L + 1 layer) RDD network of the ConvNet comparison (Fig 8,
/// §3.2 and §3.6): layer k < L regresses against layer k + 1; the regression coefficients,
/// β and the frozen scales σ_B persist across phases.
#[derive(Debug, Clone)]
pub struct RddNet {
    /// Layers L0 … L_L.
    pub layers: Vec<RddLayer>,
    sigma_b: Vec<Option<f64>>,
    rng: crate::rng::SimRng,
    phases: u64,
}

/// Settings of one RDD phase (§3.6; the reference: 30 000 steps per driven layer, feedback
/// update every 10 000 steps, subsets redrawn every 100 steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseSettings {
    /// Steps during which each of L0 … L_(L−1) is driven in turn.
    pub steps_per_layer: u64,
    /// Steps between feedback updates.
    pub update_every: u64,
    /// Steps between redraws of the driven subsets.
    pub redraw_every: u64,
}

impl Default for PhaseSettings {
    fn default() -> Self {
        PhaseSettings {
            steps_per_layer: 30_000,
            update_every: 10_000,
            redraw_every: 100,
        }
    }
}

impl RddNet {
    /// A network of layer sizes `dims` (≥ 2 layers); `seed` selects the driving input stream
    /// (`sal::rng::stream(seed, "rdd-drive", 0)`).
    pub fn new(dims: &[usize], seed: u64) -> Self {
        let l = dims.len() - 1;
        let layers = (0..=l)
            .map(|k| {
                let below = if k == 0 { 0 } else { dims[k - 1] };
                let above = if k == l { 0 } else { dims[k + 1] };
                RddLayer::new(dims[k], below, above)
            })
            .collect();
        RddNet {
            layers,
            sigma_b: vec![None; l],
            rng: crate::rng::stream(seed, "rdd-drive", 0),
            phases: 0,
        }
    }

    /// Loading at the start of a phase (§3.2): resets the dynamic state, sets
    /// L_k.W = 0.2·n_(k−1)·W_k/std(W_k) from the forward weights `w[k − 1]` = W_k
    /// (n_k × n_(k−1), k = 1 … L) and L_k.B = `fb[k]` (n_k × n_(k+1), the fc feedback
    /// transposed); σ_B,k = std(B_k) is taken at the first load and kept.
    // layer k pairs with matrices k and k ± 1: index loops read as in the spec
    #[allow(clippy::needless_range_loop)]
    pub fn load(&mut self, w: &[&[f64]], fb: &[&[f64]]) {
        let l = self.layers.len() - 1;
        assert_eq!(w.len(), l, "one forward matrix per layer above the input");
        assert_eq!(
            fb.len(),
            l,
            "one feedback matrix per layer below the output"
        );
        for layer in &mut self.layers {
            layer.reset_dynamic();
        }
        for k in 1..=l {
            let wk = w[k - 1];
            assert_eq!(wk.len(), self.layers[k].wt.len(), "W_{k} shape");
            let n_in = self.layers[k - 1].n as f64;
            let sd = pop_std(wk);
            let scaled: Vec<f64> = wk.iter().map(|x| 0.2 * n_in * x / sd).collect();
            self.layers[k].set_forward(&scaled);
        }
        for k in 0..l {
            assert_eq!(fb[k].len(), self.layers[k].b.len(), "B_{k} shape");
            self.layers[k].b.copy_from_slice(fb[k]);
            if self.sigma_b[k].is_none() {
                self.sigma_b[k] = Some(pop_std(fb[k]));
            }
        }
    }

    /// Feedback matrix of layer k (n_k × n_(k+1)).
    pub fn feedback(&self, k: usize) -> &[f64] {
        &self.layers[k].b
    }

    fn poisson_02(&mut self) -> f64 {
        // Knuth's multiplication method for λ = 0.2 with 53-bit uniforms
        let limit = (-0.2f64).exp();
        let mut prod = 1.0;
        let mut k = 0.0;
        loop {
            prod *= crate::neuron::uniform01(&mut self.rng);
            if prod > limit {
                k += 1.0;
            } else {
                return k;
            }
        }
    }

    fn subset(&mut self, n: usize) -> Vec<bool> {
        // ⌊0.2·n⌋ units without replacement (partial Fisher–Yates; the modulo bias of a
        // 53-bit draw is below 2⁻⁴⁰)
        let m = (0.2 * n as f64) as usize;
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..m {
            let r = crate::neuron::uniform53(&mut self.rng) % (n - i) as u64;
            idx.swap(i, i + r as usize);
        }
        let mut on = vec![false; n];
        for &i in &idx[..m] {
            on[i] = true;
        }
        on
    }

    /// One RDD phase (§3.6): layers L0 … L_(L−1) are driven in turn for
    /// `steps_per_layer` steps each (Poisson rate 0.2 per step on a random fifth of the
    /// units); the driven layer regresses; every `update_every` steps the feedback of every
    /// RDD layer is set from β (§3.5). `progress(steps)` every 1 000 steps.
    #[allow(clippy::needless_range_loop)]
    pub fn phase<R: Flow>(
        &mut self,
        s: PhaseSettings,
        progress: &mut impl FnMut(u64) -> R,
    ) -> Result<(), Halt> {
        let kappa = kappa();
        let l = self.layers.len() - 1;
        self.phases += 1;
        let dims: Vec<usize> = self.layers.iter().map(|x| x.n).collect();
        let mut subsets: Vec<Vec<bool>> = (0..l).map(|k| self.subset(dims[k])).collect();
        let mut drives: Vec<History> = (0..l).map(|k| History::new(dims[k])).collect();
        let total = s.steps_per_layer * l as u64;
        let mut col = Vec::with_capacity(dims.iter().copied().max().unwrap_or(0));
        for i in 0..total {
            let driven = (i / s.steps_per_layer) as usize;
            col.clear();
            for u in 0..dims[driven] {
                col.push(if subsets[driven][u] {
                    self.poisson_02()
                } else {
                    0.0
                });
            }
            drives[driven].push(&col);
            for k in 0..=l {
                let (below, rest) = self.layers.split_at_mut(k);
                let (me, above) = rest.split_first_mut().expect("layer k exists");
                let f = below.last().map(|x| &x.hist);
                let g = above.first().map(|x| &x.hist);
                // the driven layer ignores its feed-forward input; L0 has none, so it gets
                // no input at all while a higher layer is driven
                let d = (k == driven).then(|| &drives[k]);
                me.step(&kappa, f, g, d);
            }
            if (i + 1).is_multiple_of(s.redraw_every) {
                subsets = (0..l).map(|k| self.subset(dims[k])).collect();
            }
            if (i + 1).is_multiple_of(s.update_every) {
                for k in 0..l {
                    let sigma = self.sigma_b[k].unwrap_or(1.0);
                    self.layers[k].update_feedback(sigma);
                    let n1 = dims[k + 1];
                    let phase = self.phases;
                    crate::control::check_finite(
                        &self.layers[k].b,
                        |e| format!("RDD feedback B_{k}[{}][{}]", e / n1, e % n1),
                        || format!("phase {phase}, step {}", i + 1),
                    )?;
                }
            }
            if (i + 1).is_multiple_of(1000) {
                tick(progress, 1000)?;
            }
        }
        Ok(())
    }
}

/// An RDD network of layer sizes `dims` loaded with PyTorch-like random forward and feedback
/// weights (the SALNet's own initialisation, [`crate::salnet::SalWeights::random`]): what
/// `sal bench` times a phase of.
pub fn bench_network(dims: &[usize], seed: u64) -> RddNet {
    let w = crate::salnet::SalWeights::random(dims, seed);
    let mut net = RddNet::new(dims, seed);
    let l = dims.len() - 1;
    let ws: Vec<&[f64]> = (1..=l).map(|k| w.w[k].as_slice()).collect();
    let fbs: Vec<&[f64]> = (0..l).map(|k| w.fb[k].as_slice()).collect();
    net.load(&ws, &fbs);
    net
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.3–3.4 transcribed literally, step by step with dense vectors: R accumulated every
    /// step a window is open, R_pre copied every step it is closed, dense filtering and
    /// drive. The oracle of the event-driven [`RddLayer`].
    struct Dense {
        n: usize,
        na: usize,
        nb: usize,
        w: Vec<f64>,
        v: Vec<f64>,
        u: Vec<f64>,
        refr: Vec<u32>,
        hist: Vec<Vec<f64>>,
        timer: Vec<u32>,
        max_u: Vec<f64>,
        r: Vec<f64>,
        r_pre: Vec<f64>,
        count: Vec<u32>,
        c: [Vec<f64>; 4],
        beta: Vec<f64>,
    }

    /// Σ_k κ(k)·s(t − k + 1) over a history kept newest first.
    fn filt(kappa: &[f64; HIST], h: &[Vec<f64>]) -> Vec<f64> {
        let mut p = vec![0.0; h[0].len()];
        for (kv, col) in kappa.iter().zip(h) {
            for (pi, c) in p.iter_mut().zip(col) {
                *pi += kv * c;
            }
        }
        p
    }

    impl Dense {
        fn new(n: usize, nb: usize, na: usize, w: &[f64]) -> Self {
            let m = n * na;
            Dense {
                n,
                na,
                nb,
                w: w.to_vec(),
                v: vec![-1.0; n],
                u: vec![-1.0; n],
                refr: vec![0; n],
                hist: vec![vec![0.0; n]; HIST],
                timer: vec![0; n],
                max_u: vec![0.0; n],
                r: vec![0.0; m],
                r_pre: vec![0.0; m],
                count: vec![0; n],
                c: [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]],
                beta: vec![0.0; m],
            }
        }

        #[allow(clippy::needless_range_loop)]
        fn step(
            &mut self,
            kappa: &[f64; HIST],
            f: Option<&[Vec<f64>]>,
            g: Option<&[Vec<f64>]>,
            d: Option<&[Vec<f64>]>,
        ) -> Vec<bool> {
            let (n, na, nb) = (self.n, self.na, self.nb);
            let ending: Vec<bool> = self.timer.iter().map(|&t| t == 1).collect();
            for i in 0..n {
                if self.timer[i] > 0 && self.u[i] > self.max_u[i] {
                    self.max_u[i] = self.u[i];
                }
                self.refr[i] = self.refr[i].saturating_sub(1);
            }
            let a: Vec<f64> = match (d, f) {
                (Some(d), _) => filt(kappa, d).iter().map(|x| ALPHA * x).collect(),
                (None, Some(f)) => {
                    let p = filt(kappa, f);
                    (0..n)
                        .map(|i| (0..nb).map(|j| self.w[i * nb + j] * p[j]).sum())
                        .collect()
                }
                _ => vec![0.0; n],
            };
            let q = g.map_or(vec![0.0; na], |g| filt(kappa, g));
            for i in 0..n {
                self.v[i] = self.v[i] + LEAK * (-self.v[i]) + DEND * (a[i] - self.v[i]);
                self.u[i] = self.u[i] + LEAK * (-self.u[i]) + DEND * (a[i] - self.u[i]);
                for j in 0..na {
                    if self.timer[i] > 0 {
                        self.r[i * na + j] += q[j];
                    } else {
                        self.r_pre[i * na + j] = q[j];
                    }
                }
            }
            let fired: Vec<bool> = (0..n)
                .map(|i| self.v[i] >= 1.0 && self.refr[i] == 0)
                .collect();
            for i in 0..n {
                if fired[i] {
                    self.v[i] = -1.0;
                    self.refr[i] = REFRACTORY;
                }
                if d.is_some() && ending[i] && (self.max_u[i] - 1.0).abs() <= ACCEPT_BAND {
                    let mu = self.max_u[i];
                    let (slope, icpt) = if self.count[i] >= 1 { (2, 0) } else { (3, 1) };
                    for j in i * na..(i + 1) * na {
                        self.r[j] /= HIST as f64;
                        let y = self.r[j] - self.r_pre[j];
                        let e = self.c[slope][j] * mu + self.c[icpt][j] - y;
                        self.c[slope][j] -= ETA * e * mu;
                        self.c[icpt][j] -= ETA * e;
                        self.beta[j] =
                            (self.c[2][j] + self.c[0][j]) - (self.c[3][j] + self.c[1][j]);
                        self.r[j] = 0.0;
                    }
                }
            }
            for i in 0..n {
                self.timer[i] = self.timer[i].saturating_sub(1);
                if self.timer[i] == 0 {
                    self.u[i] = self.v[i];
                }
                if self.timer[i] == 0 && (1.0 - self.u[i]).abs() <= WINDOW_BAND {
                    self.timer[i] = HIST as u32;
                }
                if self.timer[i] > 0 && fired[i] {
                    self.count[i] += 1;
                }
                if ending[i] {
                    self.count[i] = 0;
                    self.r[i * na..(i + 1) * na].fill(0.0);
                    self.max_u[i] = 0.0;
                }
            }
            self.hist.rotate_right(1);
            self.hist[0] = fired.iter().map(|&x| x as u8 as f64).collect();
            fired
        }
    }

    /// The event-driven layer equals the literal dense transcription exactly, step for step
    /// (spikes, membranes, β) over 6 000 steps of random lower and upper spike trains, with a
    /// driving phase (regressions), a feed-forward phase and windows that end and reopen.
    #[test]
    fn matches_dense_step() {
        let (n, nb, na) = (24, 40, 16);
        let kappa = kappa();
        let mut rng = crate::rng::stream(3, "rdd-test", 0);
        let mut unif = || crate::neuron::uniform01(&mut rng);
        let w: Vec<f64> = (0..n * nb).map(|_| unif() - 0.45).collect();
        let mut fast = RddLayer::new(n, nb, na);
        fast.set_forward(&w);
        let mut dense = Dense::new(n, nb, na, &w);
        let (mut f, mut g, mut d) = (History::new(nb), History::new(na), History::new(n));
        let (mut fd, mut gd, mut dd) = (
            vec![vec![0.0; nb]; HIST],
            vec![vec![0.0; na]; HIST],
            vec![vec![0.0; n]; HIST],
        );
        let push = |h: &mut History, hd: &mut Vec<Vec<f64>>, col: Vec<f64>| {
            h.push(&col);
            hd.rotate_right(1);
            hd[0] = col;
        };
        let (mut regressed, mut reopened) = (0, 0);
        for t in 0..6000 {
            let driven = t % 3000 < 2000;
            // inputs silent for stretches, so filtered histories have exact zeros
            let on = t % 500 < 400;
            let fc: Vec<f64> = (0..nb).map(|_| (on && unif() < 0.1) as u8 as f64).collect();
            let gc: Vec<f64> = (0..na).map(|_| (unif() < 0.15) as u8 as f64).collect();
            let dc: Vec<f64> = (0..n)
                .map(|_| {
                    if unif() < 0.3 {
                        (unif() * 3.0).floor()
                    } else {
                        0.0
                    }
                })
                .collect();
            push(&mut f, &mut fd, fc);
            push(&mut g, &mut gd, gc);
            push(&mut d, &mut dd, dc);
            let ending = dense.timer.iter().filter(|&&x| x == 1).count();
            let fired_d = dense.step(&kappa, Some(&fd), Some(&gd), driven.then_some(&dd[..]));
            let fired_f = fast.step(&kappa, Some(&f), Some(&g), driven.then_some(&d));
            assert_eq!(fired_f, &fired_d[..], "spikes at step {t}");
            assert_eq!(fast.v, dense.v, "v at step {t}");
            assert_eq!(fast.u, dense.u, "u at step {t}");
            assert_eq!(fast.beta, dense.beta, "β at step {t}");
            assert_eq!(fast.timer, dense.timer, "windows at step {t}");
            if driven {
                regressed += ending;
            }
            reopened += dense.timer.iter().filter(|&&x| x == HIST as u32).count();
        }
        eprintln!("{regressed} window ends while driven, {reopened} window openings");
        assert!(regressed > 100 && fast.beta.iter().filter(|&&b| b != 0.0).count() > n * na / 2);
    }
}
