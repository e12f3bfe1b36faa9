//! RDD (regression discontinuity design, Guerguiev et al. 2020) as the reference adapts it
//! (spec `deep.md` §3; D12, D13): discrete-time LIF layers (1 step = 1 ms) whose units
//! estimate, by a windowed regression around the threshold, the causal effect β of their
//! spiking on the filtered spikes of the layer above; β, rescaled, replaces the feedback B.
//!
//! Implemented: the layer step (§3.3), the regression (§3.4), the feedback update (§3.5) and
//! the Fig 7 variant (§4.2) with its literal behaviour (the per-epoch step index restarts, so
//! B is never updated; D13) and the intended global-time variant. Not implemented: the
//! four-layer RDD phase of Fig 8 (§3.6).

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
    /// L0.B ([in][out]) at the end.
    pub b_final: Vec<f64>,
}

/// Fig 7's RDD part (§4.2): L0 (n, RDD against L1, driven by Poisson counts from
/// `default_rng(44)`) and L1 (n, feed-forward from L0 with 0.2·n·W/std(W)); B from the drawn
/// feedback ([in][out]), σ_B = std(B); `epochs` epochs of 1 000 steps. `progress(steps)`
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
