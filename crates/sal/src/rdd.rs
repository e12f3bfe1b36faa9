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

/// A spike (or count) history: the last 30 columns, newest at lag 1.
#[derive(Debug, Clone)]
pub struct History {
    n: usize,
    cols: Vec<Vec<f64>>,
    newest: usize,
}

impl History {
    /// An empty (all-zero) history of `n` units.
    pub fn new(n: usize) -> Self {
        History {
            n,
            cols: vec![vec![0.0; n]; HIST],
            newest: 0,
        }
    }

    /// Appends a column (the oldest drops out).
    pub fn push(&mut self, col: &[f64]) {
        self.newest = (self.newest + 1) % HIST;
        self.cols[self.newest].copy_from_slice(col);
    }

    /// p = Σ_(k=1…30) κ(k)·s(t − k + 1), s(t) the newest column.
    pub fn filtered(&self, kappa: &[f64; HIST]) -> Vec<f64> {
        let mut p = vec![0.0; self.n];
        for (k, kv) in kappa.iter().enumerate() {
            let col = &self.cols[(self.newest + HIST - k) % HIST];
            for (pi, c) in p.iter_mut().zip(col) {
                *pi += kv * c;
            }
        }
        p
    }
}

/// One RDD network layer (§3.2–3.4). `rdd` layers (those with a layer above them that they
/// regress against) hold the window state, regression coefficients, β and B.
#[derive(Debug, Clone)]
pub struct RddLayer {
    /// Units.
    pub n: usize,
    /// Units of the layer above (0 without RDD).
    pub n_above: usize,
    /// Forward weights (n × n_below), if fed forward.
    pub w: Vec<f64>,
    n_below: usize,
    v: Vec<f64>,
    u: Vec<f64>,
    refr: Vec<u32>,
    /// Own spike history.
    pub hist: History,
    timer: Vec<u32>,
    max_u: Vec<f64>,
    r: Vec<f64>,
    r_pre: Vec<f64>,
    count: Vec<u32>,
    c: [Vec<f64>; 4],
    /// β estimates (n × n_above).
    pub beta: Vec<f64>,
    /// Feedback matrix (n × n_above).
    pub b: Vec<f64>,
}

impl RddLayer {
    /// A reset layer of `n` units fed by `n_below` units (0: none) and regressing against
    /// `n_above` units (0: no RDD).
    pub fn new(n: usize, n_below: usize, n_above: usize) -> Self {
        let m = n * n_above;
        RddLayer {
            n,
            n_above,
            w: vec![0.0; n * n_below],
            n_below,
            v: vec![-1.0; n],
            u: vec![-1.0; n],
            refr: vec![0; n],
            hist: History::new(n),
            timer: vec![0; n],
            max_u: vec![0.0; n],
            r: vec![0.0; m],
            r_pre: vec![0.0; m],
            count: vec![0; n],
            c: [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]],
            beta: vec![0.0; m],
            b: vec![0.0; m],
        }
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
    ) -> Vec<bool> {
        let (n, na) = (self.n, self.n_above);
        let rdd = na > 0;
        // 1.
        let ending: Vec<bool> = self.timer.iter().map(|&t| rdd && t == 1).collect();
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
        let a: Vec<f64> = if let Some(d) = d {
            d.filtered(kappa).into_iter().map(|x| ALPHA * x).collect()
        } else if let Some(f) = f {
            let p = f.filtered(kappa);
            let nb = self.n_below;
            (0..n)
                .map(|i| {
                    self.w[i * nb..(i + 1) * nb]
                        .iter()
                        .zip(&p)
                        .map(|(w, x)| w * x)
                        .sum()
                })
                .collect()
        } else {
            vec![0.0; n]
        };
        // 4.
        let q = match (rdd, g) {
            (true, Some(g)) => g.filtered(kappa),
            _ => vec![0.0; na],
        };
        // 5.
        for i in 0..n {
            self.v[i] = self.v[i] + LEAK * (-self.v[i]) + DEND * (a[i] - self.v[i]);
            if rdd {
                self.u[i] = self.u[i] + LEAK * (-self.u[i]) + DEND * (a[i] - self.u[i]);
            }
        }
        // 6.
        if rdd {
            for i in 0..n {
                let row = i * na..(i + 1) * na;
                if self.timer[i] > 0 {
                    for (r, qj) in self.r[row].iter_mut().zip(&q) {
                        *r += qj;
                    }
                } else {
                    self.r_pre[row].copy_from_slice(&q);
                }
            }
        }
        // 7.
        let fired: Vec<bool> = (0..n)
            .map(|i| self.v[i] >= 1.0 && self.refr[i] == 0)
            .collect();
        for i in 0..n {
            if fired[i] {
                self.v[i] = -1.0;
                self.refr[i] = REFRACTORY;
            }
        }
        if rdd {
            // 8.
            if d.is_some() {
                for i in (0..n).filter(|&i| ending[i]) {
                    self.regress(i);
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
        }
        // 10.
        let col: Vec<f64> = fired.iter().map(|&x| x as u8 as f64).collect();
        self.hist.push(&col);
        fired
    }

    /// Resets the dynamic state (§3.2 loading): v = u = −1, no refractoriness, empty history,
    /// closed windows, R = R_pre = 0, counts 0, max_u 0, B cleared. The regression
    /// coefficients and β persist (never reset, D12).
    pub fn reset_dynamic(&mut self) {
        self.v.fill(-1.0);
        self.u.fill(-1.0);
        self.refr.fill(0);
        self.hist = History::new(self.n);
        self.timer.fill(0);
        self.max_u.fill(0.0);
        self.r.fill(0.0);
        self.r_pre.fill(0.0);
        self.count.fill(0);
        self.b.fill(0.0);
    }

    /// The regression update of an ending unit (§3.4).
    fn regress(&mut self, i: usize) {
        let na = self.n_above;
        let mu = self.max_u[i];
        if (mu - 1.0).abs() > ACCEPT_BAND {
            return;
        }
        let spiked = self.count[i] >= 1;
        for j in i * na..(i + 1) * na {
            self.r[j] /= HIST as f64;
            let y = self.r[j] - self.r_pre[j];
            let (slope, icpt) = if spiked { (2, 0) } else { (3, 1) };
            let e = self.c[slope][j] * mu + self.c[icpt][j] - y;
            self.c[slope][j] -= ETA * e * mu;
            self.c[icpt][j] -= ETA * e;
            self.beta[j] = (self.c[2][j] + self.c[0][j]) - (self.c[3][j] + self.c[1][j]);
            self.r[j] = 0.0;
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
    l1.w = w.iter().map(|x| 0.2 * n as f64 * x / sd_w).collect();
    l0.b = b.to_vec();
    let sigma_b = pop_std(b);
    let mut g = NumpyRng::new(44);
    let active = (n as f64 * 0.2) as usize;
    let mut subset = g.choice_without_replacement(n, active);
    let mut drive = History::new(n);
    let wt = |b: &[f64]| -> Vec<f64> { (0..n * n).map(|k| b[(k % n) * n + k / n]).collect() };
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
            let h1 = l1.hist.clone();
            l0.step(&kappa, None, Some(&h1), Some(&drive));
            let h0 = l0.hist.clone();
            l1.step(&kappa, Some(&h0), None, None);
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
            assert_eq!(wk.len(), self.layers[k].w.len(), "W_{k} shape");
            let n_in = self.layers[k - 1].n as f64;
            let sd = pop_std(wk);
            self.layers[k].w = wk.iter().map(|x| 0.2 * n_in * x / sd).collect();
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
            prod *=
                crate::neuron::uniform53(&mut self.rng) as f64 * (1.0 / 9_007_199_254_740_992.0);
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
        for i in 0..total {
            let driven = (i / s.steps_per_layer) as usize;
            let col: Vec<f64> = (0..dims[driven])
                .map(|u| {
                    if subsets[driven][u] {
                        self.poisson_02()
                    } else {
                        0.0
                    }
                })
                .collect();
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
