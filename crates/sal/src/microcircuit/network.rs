//! The microcircuit network state and one time step of simulator M3 (`models.md` §8.4).

use super::{Mat, MicroError, NetParams, Weights};
use crate::neuron::{bits53, fire_threshold, rho_reference};
use crate::rng_numpy::NumpyRng;

/// "Never spiked" entry of a spike history (the reference's −∞).
const NEVER: i64 = i64::MIN / 4;

/// Exact sliding-window mean of `models.md` §8.2: the window starts with one element equal
/// to 0; until `size` values have been pushed the mean runs over all values plus that 0,
/// afterwards each new value replaces the oldest. Never reset.
#[derive(Debug, Clone)]
pub struct MovingAverage {
    buf: Vec<f64>,
    size: usize,
    head: usize,
    sum: f64,
}

impl MovingAverage {
    /// A window of `size` values holding the initial 0.
    pub fn new(size: usize) -> Self {
        let mut buf = Vec::with_capacity(size);
        buf.push(0.0);
        Self {
            buf,
            size,
            head: 0,
            sum: 0.0,
        }
    }

    /// Adds a value (dropping the oldest once the window is full).
    #[inline]
    pub fn push(&mut self, v: f64) {
        if self.buf.len() < self.size {
            self.buf.push(v);
            self.sum += v;
        } else {
            let old = std::mem::replace(&mut self.buf[self.head], v);
            self.sum += v - old;
            self.head += 1;
            if self.head == self.size {
                self.head = 0;
                // Re-sum once per window so rounding never accumulates over a long run.
                self.sum = self.buf.iter().sum();
            }
        }
    }

    /// The current mean.
    #[inline]
    pub fn mean(&self) -> f64 {
        self.sum / self.buf.len() as f64
    }
}

/// A population of M3 units: spike histories (last `n_last` spikes, −∞ initially), the
/// membrane used for the next spike decision, and this step's spikes and PSPs.
#[derive(Debug, Clone)]
struct Pop {
    n: usize,
    k: usize,
    /// Ring of the last k spike times per unit; `hist[i·k + head[i]]` is the newest.
    hist: Vec<i64>,
    head: Vec<usize>,
    u: Vec<f64>,
    fired: Vec<bool>,
    any_fired: bool,
    psp: Vec<f64>,
    count: u64,
}

impl Pop {
    fn new(n: usize, k: usize) -> Self {
        Self {
            n,
            k,
            hist: vec![NEVER; n * k],
            head: vec![0; n],
            u: vec![0.0; n],
            fired: vec![false; n],
            any_fired: false,
            psp: vec![0.0; n],
            count: 0,
        }
    }

    #[inline]
    fn last(&self, i: usize) -> i64 {
        self.hist[i * self.k + self.head[i]]
    }

    /// Spike generation: one uniform per unit (NumPy's `random()`, drawn whether or not the
    /// unit is refractory), fire iff U < ρ(u) and t − s_last ≥ t_ref. U < ρ is decided on
    /// the draw's 53-bit integer k as k < [`fire_threshold`]`(ρ)` (the core's comparison,
    /// exactly the event k·2^−53 < ρ); ρ is the reference's literal arithmetic
    /// ([`rho_reference`]) so that a replay of NumPy's draws gives the reference's spikes.
    #[inline]
    fn spike(&mut self, t: i64, t_ref: i64, t_ref_f: f64, rng: &mut NumpyRng) {
        self.any_fired = false;
        for i in 0..self.n {
            let k = bits53(rng.next_u64());
            let fire =
                t - self.last(i) >= t_ref && k < fire_threshold(rho_reference(self.u[i], t_ref_f));
            self.fired[i] = fire;
            if fire {
                self.any_fired = true;
                self.count += 1;
                self.record(i, t);
            }
        }
    }

    /// Stores a spike of unit i at t (dropping its oldest stored spike).
    #[inline]
    fn record(&mut self, i: usize, t: i64) {
        let h = (self.head[i] + 1) % self.k;
        self.head[i] = h;
        self.hist[i * self.k + h] = t;
    }

    /// Rect PSP: number of stored spikes with 0 ≤ t − s < τ_syn.
    #[inline]
    fn update_psp(&mut self, t: i64, tau_syn: i64) {
        if self.k == 1 {
            for i in 0..self.n {
                self.psp[i] = if t - self.hist[i] < tau_syn { 1.0 } else { 0.0 };
            }
        } else {
            for i in 0..self.n {
                let c = self.hist[i * self.k..(i + 1) * self.k]
                    .iter()
                    .filter(|&&s| t - s < tau_syn && t >= s)
                    .count();
                self.psp[i] = c as f64;
            }
        }
    }

    /// (1/k)·Σ_stored a·e^(−(t−s)/τ)·[t − s > 0] of unit i.
    fn trace(&self, i: usize, t: i64, a: f64, tau: f64) -> f64 {
        let mut sum = 0.0;
        for &s in &self.hist[i * self.k..(i + 1) * self.k] {
            if t - s > 0 && s != NEVER {
                sum += a * (-((t - s) as f64) / tau).exp();
            }
        }
        sum / self.k as f64
    }
}

/// `out = m · x`.
#[inline]
fn matvec(m: &Mat, x: &[f64], out: &mut [f64]) {
    if m.cols == 1 {
        let x0 = x[0];
        for (o, &w) in out.iter_mut().zip(&m.data) {
            *o = w * x0;
        }
        return;
    }
    for (o, row) in out.iter_mut().zip(m.data.chunks_exact(m.cols)) {
        let mut s = 0.0;
        for (&w, &v) in row.iter().zip(x) {
            s += w * v;
        }
        *o = s;
    }
}

/// `out += m · x`.
#[inline]
fn matvec_add(m: &Mat, x: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(m.data.chunks_exact(m.cols)) {
        let mut s = 0.0;
        for (&w, &v) in row.iter().zip(x) {
            s += w * v;
        }
        *o += s;
    }
}

#[derive(Debug, Clone)]
struct Hidden {
    pyr: Pop,
    inn: Pop,
    w_pi: Mat,
    w_ip: Mat,
    b_pyr: Vec<f64>,
    /// The configured b_pyr (b_pyr differs from it during symmetrisation when an offset is set).
    b_pyr_cfg: Vec<f64>,
    /// Per-unit bias offset during symmetrisation (extension; 0 in the paper).
    symm_delta: Vec<f64>,
    /// This layer is in a symmetrisation pattern.
    in_symm: bool,
    b_inn: Vec<f64>,
    v_bas: Vec<f64>,
    v_api: Vec<f64>,
    avg_u: Vec<MovingAverage>,
    avg_vbas: Vec<MovingAverage>,
    lambda_api: f64,
}

#[derive(Debug, Clone)]
struct Output {
    pyr: Pop,
    b: Vec<f64>,
    v_bas: Vec<f64>,
    v_nudge: Vec<f64>,
    u_tgt: Vec<f64>,
    avg_u: Vec<MovingAverage>,
    avg_vbas: Vec<MovingAverage>,
}

/// A quantity the reference can record per layer (`recorded_quantities`), averaged over
/// blocks of `recorded_sample_length` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Input value (layer 0).
    UIn,
    /// Pyramidal membrane u (hidden and output layers).
    UPyr,
    /// Basal potential v_bas.
    VBas,
    /// Apical potential v_api (hidden layers).
    VApi,
    /// Interneuron membrane (hidden layers).
    UInn,
    /// Forward weights W_up (row-major).
    WUp,
    /// Top-down weights W_down (hidden layers, row-major).
    WDown,
    /// Nudging potential v_nudge (output layer; 0 without target).
    VNudge,
    /// Target u_tgt (output layer; 0 without target).
    UTgt,
    /// 1 in validation patterns (output layer).
    Validation,
    /// 1 in symmetrisation patterns (output layer).
    Symmetrization,
}

impl Quantity {
    /// Parses a reference name (`u_in`, `u_pyr`, `v_bas`, `v_api`, `u_inn`, `w_up`, `w_down`,
    /// `v_nudge`, `u_tgt`, `validation`, `symmetrization`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "u_in" => Self::UIn,
            "u_pyr" => Self::UPyr,
            "v_bas" => Self::VBas,
            "v_api" => Self::VApi,
            "u_inn" => Self::UInn,
            "w_up" => Self::WUp,
            "w_down" => Self::WDown,
            "v_nudge" => Self::VNudge,
            "u_tgt" => Self::UTgt,
            "validation" => Self::Validation,
            "symmetrization" => Self::Symmetrization,
            _ => return None,
        })
    }

    /// The reference name.
    pub fn name(self) -> &'static str {
        match self {
            Self::UIn => "u_in",
            Self::UPyr => "u_pyr",
            Self::VBas => "v_bas",
            Self::VApi => "v_api",
            Self::UInn => "u_inn",
            Self::WUp => "w_up",
            Self::WDown => "w_down",
            Self::VNudge => "v_nudge",
            Self::UTgt => "u_tgt",
            Self::Validation => "validation",
            Self::Symmetrization => "symmetrization",
        }
    }
}

/// A microcircuit network in the middle of a run: weights, spike histories, membranes and
/// moving averages at global time t (steps; never reset between patterns).
#[derive(Debug, Clone)]
pub struct Microcircuit {
    p: NetParams,
    w: Weights,
    input: Pop,
    hidden: Vec<Hidden>,
    out: Output,
    t: i64,
    bp_mode: bool,
    sps: bool,
    update_down: bool,
    symm_bias: bool,
    symm_homeostasis: Option<(f64, f64)>,
}

impl Microcircuit {
    /// A network at t = 0 with the given weights and biases (`biases[ℓ−1]` = vector of layer ℓ,
    /// ℓ = 1 … L). `bp_mode`: W_down is copied from W_up(ℓ+1)ᵀ (BP); `sps`: the
    /// self-predicting state is maintained; `update_down`: SAL may change W_down. Start-up
    /// "distribute weights" is applied (BP copy, then W_ip := W_up(ℓ+1), W_pi := −W_down).
    pub fn new(
        p: &NetParams,
        weights: Weights,
        biases: &[Vec<f64>],
        bp_mode: bool,
        sps: bool,
        update_down: bool,
    ) -> Result<Self, MicroError> {
        p.validate()?;
        let dims = &p.dims;
        let l = dims.len() - 1;
        let expect = Weights::zeros(dims);
        if weights.up.len() != expect.up.len() || weights.down.len() != expect.down.len() {
            return Err("weights: wrong number of layers".into());
        }
        for (name, got, want) in [
            ("W_up", &weights.up, &expect.up),
            ("W_down", &weights.down, &expect.down),
        ] {
            for (k, (a, b)) in got.iter().zip(want).enumerate() {
                if (a.rows, a.cols) != (b.rows, b.cols) {
                    return Err(format!(
                        "weights: {name} of layer {} must be {}×{}, got {}×{}",
                        k + 1,
                        b.rows,
                        b.cols,
                        a.rows,
                        a.cols
                    )
                    .into());
                }
            }
        }
        if biases.len() != l {
            return Err(format!(
                "bias: needs one entry per non-input layer ({l}), got {}",
                biases.len()
            )
            .into());
        }
        for (k, b) in biases.iter().enumerate() {
            if b.len() != dims[k + 1] {
                return Err(
                    format!("bias[{k}]: needs {} values, got {}", dims[k + 1], b.len()).into(),
                );
            }
        }
        let k = p.n_last_spks;
        let ma = |n: usize| {
            (0..n)
                .map(|_| MovingAverage::new(p.size_moving_average))
                .collect()
        };
        let hidden = (1..l)
            .map(|h| Hidden {
                pyr: Pop::new(dims[h], k),
                inn: Pop::new(dims[h + 1], k),
                w_pi: Mat::zeros(dims[h], dims[h + 1]),
                w_ip: Mat::zeros(dims[h + 1], dims[h]),
                b_pyr: biases[h - 1].clone(),
                b_pyr_cfg: biases[h - 1].clone(),
                symm_delta: vec![0.0; dims[h]],
                in_symm: false,
                b_inn: biases[h].clone(),
                v_bas: vec![0.0; dims[h]],
                v_api: vec![0.0; dims[h]],
                avg_u: ma(dims[h]),
                avg_vbas: ma(dims[h]),
                lambda_api: p.lambda_api,
            })
            .collect();
        let out = Output {
            pyr: Pop::new(dims[l], k),
            b: biases[l - 1].clone(),
            v_bas: vec![0.0; dims[l]],
            v_nudge: vec![0.0; dims[l]],
            u_tgt: vec![0.0; dims[l]],
            avg_u: ma(dims[l]),
            avg_vbas: ma(dims[l]),
        };
        let mut net = Self {
            p: p.clone(),
            w: weights,
            input: Pop::new(dims[0], k),
            hidden,
            out,
            t: 0,
            bp_mode,
            sps,
            update_down,
            symm_bias: false,
            symm_homeostasis: None,
        };
        // "Distribute weights" happens only with set_sps (microcircuits.md §4.2).
        if sps {
            if bp_mode {
                net.copy_feedback();
            }
            net.impose_sps();
        }
        Ok(net)
    }

    /// The network properties.
    pub fn params(&self) -> &NetParams {
        &self.p
    }

    /// Current global time (steps).
    pub fn time(&self) -> i64 {
        self.t
    }

    /// Current weights.
    pub fn weights(&self) -> &Weights {
        &self.w
    }

    /// λ_api of hidden layer ℓ (1-based) as currently in force.
    pub fn lambda_api(&self, layer: usize) -> f64 {
        self.hidden[layer - 1].lambda_api
    }

    /// (W_ip, W_pi) of hidden layer ℓ (1-based).
    pub fn interneuron_weights(&self, layer: usize) -> (&Mat, &Mat) {
        let h = &self.hidden[layer - 1];
        (&h.w_ip, &h.w_pi)
    }

    /// Spike counts so far per population, in the order of the spike generation: input,
    /// then per hidden layer pyramidal and interneurons, then output.
    pub fn spike_counts(&self) -> Vec<u64> {
        let mut v = vec![self.input.count];
        for h in &self.hidden {
            v.push(h.pyr.count);
            v.push(h.inn.count);
        }
        v.push(self.out.pyr.count);
        v
    }

    /// Appends (t, population, unit) for every spike of the last step; populations are
    /// numbered as in [`Self::spike_counts`] (0 = input, then pyramidal/interneurons per
    /// hidden layer, last = output).
    pub fn push_spikes(&self, out: &mut Vec<(i64, u32, u32)>) {
        let t = self.t - 1;
        let mut push = |p: u32, pop: &Pop| {
            if pop.any_fired {
                for (i, &f) in pop.fired.iter().enumerate() {
                    if f {
                        out.push((t, p, i as u32));
                    }
                }
            }
        };
        push(0, &self.input);
        for (k, h) in self.hidden.iter().enumerate() {
            push(2 * k as u32 + 1, &h.pyr);
            push(2 * k as u32 + 2, &h.inn);
        }
        push(2 * self.hidden.len() as u32 + 1, &self.out.pyr);
    }

    /// Membranes of the output units (u = b + v_bas + λ_nudge·v_nudge, or b + v_bas without
    /// target) after the last step.
    pub fn output_membranes(&self) -> &[f64] {
        &self.out.pyr.u
    }

    /// The free (un-nudged) output b + v_bas after the last step, added into `out`.
    pub fn add_free_output(&self, out: &mut [f64]) {
        for ((o, b), v) in out.iter_mut().zip(&self.out.b).zip(&self.out.v_bas) {
            *o += b + v;
        }
    }

    /// Last spike time of every unit of a population (`layer` 0 = input, hidden layers
    /// pyramidal (`interneuron` false) or interneurons, L = output), `None` if it never fired.
    pub fn last_spikes(&self, layer: usize, interneuron: bool) -> Vec<Option<i64>> {
        let pop = self.pop(layer, interneuron);
        (0..pop.n)
            .map(|i| Some(pop.last(i)).filter(|&s| s != NEVER))
            .collect()
    }

    /// Whether each unit of a population fired in the last step.
    pub fn fired(&self, layer: usize, interneuron: bool) -> &[bool] {
        &self.pop(layer, interneuron).fired
    }

    /// PSP values of a population after the last step.
    pub fn psp(&self, layer: usize, interneuron: bool) -> &[f64] {
        &self.pop(layer, interneuron).psp
    }

    /// Membranes of a population after the last step (for the input: the input value).
    pub fn membranes(&self, layer: usize, interneuron: bool) -> &[f64] {
        &self.pop(layer, interneuron).u
    }

    fn pop(&self, layer: usize, interneuron: bool) -> &Pop {
        let l = self.p.dims.len() - 1;
        if layer == 0 {
            &self.input
        } else if layer == l {
            &self.out.pyr
        } else if interneuron {
            &self.hidden[layer - 1].inn
        } else {
            &self.hidden[layer - 1].pyr
        }
    }

    fn pop_mut(&mut self, layer: usize, interneuron: bool) -> &mut Pop {
        let l = self.p.dims.len() - 1;
        if layer == 0 {
            &mut self.input
        } else if layer == l {
            &mut self.out.pyr
        } else if interneuron {
            &mut self.hidden[layer - 1].inn
        } else {
            &mut self.hidden[layer - 1].pyr
        }
    }

    /// Sets a spike-history entry directly (unit tests of the conventions).
    #[doc(hidden)]
    pub fn force_spike(&mut self, layer: usize, interneuron: bool, unit: usize, t: i64) {
        self.pop_mut(layer, interneuron).record(unit, t);
    }

    /// Sets the membranes of a population directly (unit tests of the conventions).
    #[doc(hidden)]
    pub fn force_membranes(&mut self, layer: usize, interneuron: bool, u: &[f64]) {
        self.pop_mut(layer, interneuron).u.copy_from_slice(u);
    }

    /// BP mode: W_down(ℓ) := W_up(ℓ+1)ᵀ for every hidden layer.
    pub fn copy_feedback(&mut self) {
        let Weights { up, down } = &mut self.w;
        for (k, d) in down.iter_mut().enumerate() {
            let u = &up[k + 1];
            for i in 0..d.rows {
                for j in 0..d.cols {
                    d.data[i * d.cols + j] = u.data[j * u.cols + i];
                }
            }
        }
    }

    /// Self-predicting state: W_ip(ℓ) := W_up(ℓ+1), W_pi(ℓ) := −W_down(ℓ).
    pub fn impose_sps(&mut self) {
        for (k, h) in self.hidden.iter_mut().enumerate() {
            h.w_ip.data.copy_from_slice(&self.w.up[k + 1].data);
            for (p, d) in h.w_pi.data.iter_mut().zip(&self.w.down[k].data) {
                *p = -d;
            }
        }
    }

    /// Start of a symmetrisation pattern: λ_api := 1, W_pi := 0, W_ip := 0 in every hidden
    /// layer.
    pub fn enter_symmetrisation(&mut self) {
        for h in &mut self.hidden {
            h.lambda_api = 1.0;
            h.w_pi.data.fill(0.0);
            h.w_ip.data.fill(0.0);
            h.in_symm = true;
            if self.symm_bias {
                for ((b, b0), d) in h.b_pyr.iter_mut().zip(&h.b_pyr_cfg).zip(&h.symm_delta) {
                    *b = b0 + d;
                }
            }
        }
    }

    /// Extension (0 in the paper): an offset Δb added to the bias of every hidden pyramidal
    /// unit during symmetrisation patterns — a global inhibitory tone for Δb < 0. It lowers
    /// the rates and gains of the reciprocally coupled layers while λ_api = 1, which keeps
    /// the symmetrisation phase of deep networks from reverberating (docs/results.md). With
    /// [`Self::set_symmetrisation_homeostasis`] it is the starting value of each unit's offset.
    pub fn set_symmetrisation_offset(&mut self, db: f64) {
        for h in &mut self.hidden {
            h.symm_delta.fill(db);
        }
        self.symm_bias = db != 0.0 || self.symm_homeostasis.is_some();
    }

    /// Extension (off in the paper): during symmetrisation patterns every hidden pyramidal
    /// unit's bias offset δ follows its own spiking, δ += η_h·(r/t_ref − s(t)) per step, so
    /// that each unit fires at `rate` spikes per t_ref on average (intrinsic homeostasis).
    /// Equal rates give equal gains — SAL's fixed point matches gain-weighted couplings, so
    /// unequal gains distort W_down — and a capped rate keeps the reciprocal loop from
    /// igniting. δ persists from one symmetrisation pattern to the next.
    pub fn set_symmetrisation_homeostasis(&mut self, rate: f64, lr: f64) {
        self.symm_homeostasis = Some((rate / self.p.t_ref as f64, lr));
        self.symm_bias = true;
    }

    /// End of a symmetrisation pattern: λ_api := configured value, self-predicting state
    /// re-imposed.
    pub fn leave_symmetrisation(&mut self) {
        for h in &mut self.hidden {
            h.lambda_api = self.p.lambda_api;
            h.in_symm = false;
            if self.symm_bias {
                h.b_pyr.copy_from_slice(&h.b_pyr_cfg);
            }
        }
        self.impose_sps();
    }

    /// One time step (`models.md` §8.4) with input `x` (n_0 values), optional target
    /// (n_L values), forward plasticity `forward` and top-down plasticity `top_down`.
    pub fn step(
        &mut self,
        rng: &mut NumpyRng,
        x: &[f64],
        target: Option<&[f64]>,
        forward: bool,
        top_down: bool,
    ) {
        let t = self.t;
        let t_ref = self.p.t_ref as i64;
        let t_ref_f = self.p.t_ref as f64;
        let tau_syn = self.p.tau_syn as i64;

        // 1. Spikes from the previous step's membranes, one draw per unit in population order.
        self.input.spike(t, t_ref, t_ref_f, rng);
        for h in &mut self.hidden {
            h.pyr.spike(t, t_ref, t_ref_f, rng);
            h.inn.spike(t, t_ref, t_ref_f, rng);
        }
        self.out.pyr.spike(t, t_ref, t_ref_f, rng);
        if let Some((r, lr)) = self.symm_homeostasis {
            for h in self.hidden.iter_mut().filter(|h| h.in_symm) {
                for i in 0..h.pyr.n {
                    let s = if h.pyr.fired[i] { 1.0 } else { 0.0 };
                    h.symm_delta[i] += lr * (r - s);
                    h.b_pyr[i] = h.b_pyr_cfg[i] + h.symm_delta[i];
                }
            }
        }

        // 2. PSPs (the spike step included) and membranes.
        self.input.update_psp(t, tau_syn);
        for h in &mut self.hidden {
            h.pyr.update_psp(t, tau_syn);
            h.inn.update_psp(t, tau_syn);
        }
        self.out.pyr.update_psp(t, tau_syn);
        self.input.u.copy_from_slice(x);
        let nh = self.hidden.len();
        for k in 0..nh {
            let (below, rest) = self.hidden.split_at_mut(k);
            let (h, above) = rest.split_first_mut().unwrap();
            let pre = if k == 0 {
                &self.input.psp
            } else {
                &below[k - 1].pyr.psp
            };
            let next = if k + 1 < nh {
                &above[0].pyr.psp
            } else {
                &self.out.pyr.psp
            };
            matvec(&self.w.up[k], pre, &mut h.v_bas);
            matvec(&self.w.down[k], next, &mut h.v_api);
            matvec_add(&h.w_pi, &h.inn.psp, &mut h.v_api);
            for i in 0..h.pyr.n {
                let u = h.b_pyr[i] + h.v_bas[i] + h.lambda_api * h.v_api[i];
                h.pyr.u[i] = u;
                h.avg_u[i].push(u);
                h.avg_vbas[i].push(h.v_bas[i]);
            }
            let Hidden {
                inn,
                w_ip,
                pyr,
                b_inn,
                ..
            } = h;
            matvec(w_ip, &pyr.psp, &mut inn.u);
            for (u, b) in inn.u.iter_mut().zip(b_inn.iter()) {
                *u += b;
            }
        }
        {
            let o = &mut self.out;
            let pre = if nh == 0 {
                &self.input.psp
            } else {
                &self.hidden[nh - 1].pyr.psp
            };
            matvec(&self.w.up[nh], pre, &mut o.v_bas);
            for i in 0..o.pyr.n {
                let u = match target {
                    Some(tg) => {
                        o.u_tgt[i] = tg[i];
                        o.v_nudge[i] = tg[i] - o.avg_vbas[i].mean() - o.b[i];
                        o.b[i] + o.v_bas[i] + self.p.lambda_nudge * o.v_nudge[i]
                    }
                    None => {
                        o.u_tgt[i] = 0.0;
                        o.v_nudge[i] = 0.0;
                        o.b[i] + o.v_bas[i]
                    }
                };
                o.pyr.u[i] = u;
                o.avg_u[i].push(u);
                o.avg_vbas[i].push(o.v_bas[i]);
            }
        }

        // 3. Forward plasticity, BP copy, self-predicting state.
        if forward {
            for layer in 1..=nh + 1 {
                let eta = self.p.lr[layer - 1].up;
                if eta == 0.0 {
                    continue;
                }
                let pre = if layer == 1 {
                    &self.input
                } else {
                    &self.hidden[layer - 2].pyr
                };
                if !(0..pre.n).any(|j| pre.last(j) == t - 1) {
                    continue;
                }
                let (avg_u, avg_vbas, b) = if layer <= nh {
                    let h = &self.hidden[layer - 1];
                    (&h.avg_u, &h.avg_vbas, &h.b_pyr)
                } else {
                    (&self.out.avg_u, &self.out.avg_vbas, &self.out.b)
                };
                let w = &mut self.w.up[layer - 1];
                for i in 0..w.rows {
                    let d = eta
                        * (rho_reference(avg_u[i].mean(), t_ref_f)
                            - rho_reference(avg_vbas[i].mean() + b[i], t_ref_f));
                    for j in 0..w.cols {
                        if pre.last(j) == t - 1 {
                            w.data[i * w.cols + j] += d;
                        }
                    }
                }
            }
            // C8: the BP copy and the self-predicting state follow in every step with
            // forward plasticity on (a no-op unless some W_up changed).
            if self.bp_mode {
                self.copy_feedback();
            }
            if self.sps {
                self.impose_sps();
            }
        }

        // 4. SAL on W_down (pre = pyramidal units above, post = this layer's pyramidal units).
        if top_down && self.update_down {
            for k in 0..nh {
                let eta = self.p.lr[k].down;
                let post = &self.hidden[k].pyr;
                let pre = if k + 1 < nh {
                    &self.hidden[k + 1].pyr
                } else {
                    &self.out.pyr
                };
                if !(post.any_fired || pre.any_fired) || eta == 0.0 {
                    continue;
                }
                let w = &mut self.w.down[k];
                let cols = w.cols;
                // Rows of post units that fired are *set* to the causal traces of the pre
                // units; columns of pre units that fired are then *set* to the anti-causal
                // traces of the post units (discrepancies.md C2: a same-step pair keeps only
                // the column value); W_down += η·(that matrix).
                for i in 0..post.n {
                    for j in 0..pre.n {
                        let m = if pre.fired[j] {
                            post.trace(i, t, self.p.a_anticausal, self.p.tau_anticausal)
                        } else if post.fired[i] {
                            pre.trace(j, t, self.p.a_causal, self.p.tau_causal)
                        } else {
                            continue;
                        };
                        w.data[i * cols + j] += eta * m;
                    }
                }
            }
        }
        self.t += 1;
    }

    /// Adds the current value of `q` in `layer` into `out` (length [`Self::quantity_len`]).
    /// Pattern flags (validation, symmetrisation) are the protocol's and add nothing here.
    pub fn add_quantity(&self, layer: usize, q: Quantity, out: &mut [f64]) {
        let l = self.p.dims.len() - 1;
        let add = |out: &mut [f64], v: &[f64]| {
            for (o, x) in out.iter_mut().zip(v) {
                *o += x;
            }
        };
        if layer == 0 {
            if q == Quantity::UIn {
                add(out, &self.input.u);
            }
            return;
        }
        if layer == l {
            let o = &self.out;
            match q {
                Quantity::UPyr => add(out, &o.pyr.u),
                Quantity::VBas => add(out, &o.v_bas),
                Quantity::VNudge => add(out, &o.v_nudge),
                Quantity::UTgt => add(out, &o.u_tgt),
                Quantity::WUp => add(out, &self.w.up[l - 1].data),
                _ => {}
            }
            return;
        }
        let h = &self.hidden[layer - 1];
        match q {
            Quantity::UPyr => add(out, &h.pyr.u),
            Quantity::VBas => add(out, &h.v_bas),
            Quantity::VApi => add(out, &h.v_api),
            Quantity::UInn => add(out, &h.inn.u),
            Quantity::WUp => add(out, &self.w.up[layer - 1].data),
            Quantity::WDown => add(out, &self.w.down[layer - 1].data),
            _ => {}
        }
    }

    /// Number of values of `q` in `layer`, or `None` if the layer does not have it.
    pub fn quantity_len(&self, layer: usize, q: Quantity) -> Option<usize> {
        let d = &self.p.dims;
        let l = d.len() - 1;
        use Quantity::*;
        match (layer, q) {
            (0, UIn) => Some(d[0]),
            (0, _) => None,
            (x, UPyr | VBas) if x >= 1 => Some(d[x]),
            (x, WUp) if x >= 1 => Some(d[x] * d[x - 1]),
            (x, VNudge | UTgt | Validation | Symmetrization) if x == l => {
                Some(if matches!(q, Validation | Symmetrization) {
                    1
                } else {
                    d[l]
                })
            }
            (x, VApi) if x < l => Some(d[x]),
            (x, UInn) if x < l => Some(d[x + 1]),
            (x, WDown) if x < l => Some(d[x] * d[x + 1]),
            _ => None,
        }
    }
}
