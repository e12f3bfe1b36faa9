//! SALNet: the layered spiking network that learns feedback weights by spike-based alignment
//! learning (simulator M4 of spec `models.md` §9; `deep.md` §2). It symmetrises the fc
//! feedback matrices of the ConvNet (Fig 8), is studied alone in Fig 9 and is the SAL method
//! of Fig 7.
//!
//! # The model
//!
//! Layers k = 0 … L with sizes `dims = [n_0, …, n_L]` (L ≥ 1) of escape-rate neurons
//! ([`crate::neuron`]: per-step firing probability ρ(u) = 1/(1 + t_ref·e^(−u))):
//!
//! * layer 0 (input): u = B_0·PSP(layer 1) + b_0 (feedback only);
//! * hidden layer k: u = W_k·PSP(layer k−1) + B_k·PSP(layer k+1) + b_k;
//! * layer L (output): u = W_L·PSP(layer L−1) + b_L.
//!
//! W_k is n_k × n_(k−1) (forward), B_k is n_k × n_(k+1) (feedback from the layer above), all
//! row-major `[post][pre]`. A batch of independent copies shares the weights.
//!
//! Time is in steps (t_ref = 10 steps; the paper's Fig 7 calls a step 0.1 ms). Conventions
//! [`Conventions::SALNET_M4`]: a unit may fire again at the earliest t_ref + 1 steps after a
//! spike; the rectangular PSP of a spike at step s covers the buffer slots m = 0 … τ_syn − 1,
//! i.e. it acts on the spike decisions of steps s + 1 … s + τ_syn (τ_syn = t_ref).
//!
//! SAL (online, `models.md` §9 step 3): for every feedback matrix B_k (post = layer k,
//! pre = layer k+1) every pair of a post spike and a pre spike less than `buffer_len` steps
//! apart adds the SAL window K(Δ) ([`crate::window::Window::sal_exp`] with τ = t_ref,
//! Δ = t_post − t_pre) to `D_k[post][pre]`: −e^(−Δ/t_ref) for post after pre (depression),
//! +e^(−|Δ|/t_ref) for pre after post (potentiation), 0 for same-step pairs. After a block
//! of steps [`SalNet::update`] applies ΔB_k = η_k·mean_batch(D_k)/buffer_len and clears
//! D_k. Membranes, spike buffers and refractory state persist across blocks (never reset).
//!
//! # Engines
//!
//! [`SalNetEngine::Sparse`] (default) is event driven: membranes change only when a spike
//! enters or leaves a PSP window (one column of W or B per event), the SAL sums are added
//! as whole rows at the spike of one partner (rows of D_k at post spikes, rows of a
//! transposed accumulator at pre spikes), so the work per step follows spikes × fan-out.
//! Batch copies run in parallel (rayon) with one random stream per copy, and the SAL sums
//! are reduced in a fixed order, so results are bit-identical for any number of threads.
//! [`SalNetEngine::Dense`] is the plain per-step implementation of `models.md` §9
//! (matrix–vector products, dense outer products) kept as the test oracle; with the same
//! seed it draws the same random numbers, so both give the same spike trains up to the
//! rounding of the membranes.

mod dense;
mod sparse;
mod symmetrise;

pub use symmetrise::{
    LayerSeries, SymmetriseConfig, SymmetriseResult, fig7_initial_weights, fig7_sal_weights,
    symmetrise,
};

use crate::control::{Flow, Halt, check_finite, tick};
use crate::conventions::{Conventions, MinIsi};
use crate::metrics::{Alignment, alignment};
use crate::rng::stream;
use crate::window::Window;

/// Why a SALNet could not be set up, or why it stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SalNetError {
    /// An invalid parameter or array; `field` names it with the reference script's keys
    /// (`dims`, `batchsize`, `sal_lr`, `t_ref`, …) or the matrix (`W_2`, `B_0`, `b_1`).
    #[error("{field}: {reason}")]
    Invalid {
        /// The offending parameter or matrix.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The run was interrupted, or a feedback matrix became non-finite in an update.
    #[error(transparent)]
    Halt(#[from] Halt),
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> SalNetError {
    SalNetError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Which implementation simulates the network (same model, same random draws).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SalNetEngine {
    /// Event driven, work per spike × fan-out, parallel over batch copies.
    #[default]
    Sparse,
    /// Dense per-step matrix products: the test oracle.
    Dense,
}

/// Parameters of a SALNet (the reference script's `t_ref`, `batchsize`, `sal_lr`, `dims`).
#[derive(Debug, Clone, PartialEq)]
pub struct SalNetParams {
    /// Layer sizes [n_0, …, n_L], at least 2 layers.
    pub dims: Vec<usize>,
    /// Refractory period t_ref (steps): minimum inter-spike interval t_ref + 1, the τ of the
    /// escape rate ρ and of the SAL window.
    pub t_ref: usize,
    /// Length τ_syn of the rectangular PSP in buffer slots (the reference: t_ref).
    pub psp_len: usize,
    /// Length of the spike buffer in steps (the reference: 2·t_ref = 20): pairs of spikes
    /// less than this many steps apart enter the SAL sums, and the update divides by it.
    pub buffer_len: usize,
    /// Number of independent copies sharing the weights (`batchsize`).
    pub batch: usize,
    /// SAL learning rate η_k of every feedback matrix B_0 … B_(L−1) (`sal_lr`).
    pub sal_lr: Vec<f64>,
}

impl SalNetParams {
    /// The reference's settings for `dims`: τ_syn = t_ref, buffer 2·t_ref, the same η for
    /// every feedback matrix.
    pub fn new(dims: Vec<usize>, t_ref: usize, batch: usize, sal_lr: f64) -> Self {
        let n_fb = dims.len().saturating_sub(1);
        Self {
            dims,
            t_ref,
            psp_len: t_ref,
            buffer_len: 2 * t_ref,
            batch,
            sal_lr: vec![sal_lr; n_fb],
        }
    }

    /// Number of layers L + 1.
    pub fn n_layers(&self) -> usize {
        self.dims.len()
    }

    /// The discrete-time conventions of the model (always M4).
    pub fn conventions(&self) -> Conventions {
        Conventions::SALNET_M4
    }

    /// Checks every parameter; the error names the offending key.
    pub fn validate(&self) -> Result<(), SalNetError> {
        if self.dims.len() < 2 {
            return Err(invalid(
                "dims",
                format!(
                    "needs at least 2 layers (input and output), got {}",
                    self.dims.len()
                ),
            ));
        }
        if let Some(k) = self.dims.iter().position(|&d| d == 0) {
            return Err(invalid(format!("dims[{k}]"), "must be ≥ 1"));
        }
        if self.dims.iter().any(|&d| d > u32::MAX as usize) {
            return Err(invalid("dims", "layer sizes must be below 2^32"));
        }
        if self.batch == 0 {
            return Err(invalid("batchsize", "must be ≥ 1"));
        }
        if self.t_ref == 0 {
            return Err(invalid("t_ref", "must be ≥ 1 step"));
        }
        if self.psp_len == 0 || self.psp_len > self.buffer_len {
            return Err(invalid(
                "psp_len",
                format!(
                    "must be between 1 and the buffer length {}, got {}",
                    self.buffer_len, self.psp_len
                ),
            ));
        }
        if self.sal_lr.len() != self.dims.len() - 1 {
            return Err(invalid(
                "sal_lr",
                format!(
                    "needs one rate per feedback matrix ({}), got {}",
                    self.dims.len() - 1,
                    self.sal_lr.len()
                ),
            ));
        }
        for (k, &lr) in self.sal_lr.iter().enumerate() {
            if !(lr >= 0.0 && lr.is_finite()) {
                return Err(invalid(
                    if self.sal_lr.len() == 1 {
                        "sal_lr".to_string()
                    } else {
                        format!("sal_lr[{k}]")
                    },
                    format!("must be a finite rate ≥ 0, got {lr}"),
                ));
            }
        }
        Ok(())
    }

    /// The escape-rate conventions say min ISI t_ref + 1; the engines test refractoriness
    /// with this many steps since the last spike.
    fn min_isi(&self) -> usize {
        MinIsi::TRefPlus1.steps(self.t_ref)
    }
}

/// All parameters of a SALNet, indexed by layer k as in the spec: `w[k]` = W_k
/// (n_k × n_(k−1), empty for k = 0), `fb[k]` = B_k (n_k × n_(k+1), empty for k = L),
/// `bias[k]` = b_k (n_k). Matrices are row-major `[post][pre]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SalWeights {
    /// Forward weights W_k.
    pub w: Vec<Vec<f64>>,
    /// Feedback weights B_k.
    pub fb: Vec<Vec<f64>>,
    /// Biases b_k.
    pub bias: Vec<Vec<f64>>,
}

impl SalWeights {
    /// The SALNet's own random initialisation (`deep.md` §2.1): W_k ~ U(±1/√n_(k−1)),
    /// B_k ~ U(±1/√n_(k+1)), b_k ~ U(±1/√n_k) (the bias bound uses the layer's own size,
    /// D10). Each array has its own stream (`seed`, "salnet-init-W"/"-B"/"-b", k).
    pub fn random(dims: &[usize], seed: u64) -> Self {
        let l = dims.len() - 1;
        let draw = |purpose: &str, k: usize, len: usize, bound: f64| -> Vec<f64> {
            let mut rng = stream(seed, purpose, k as u64);
            (0..len)
                .map(|_| {
                    let u = crate::neuron::uniform01(&mut rng);
                    bound * (2.0 * u - 1.0)
                })
                .collect()
        };
        let w = (0..=l)
            .map(|k| {
                if k == 0 {
                    Vec::new()
                } else {
                    let fan_in = dims[k - 1];
                    draw(
                        "salnet-init-W",
                        k,
                        dims[k] * fan_in,
                        1.0 / (fan_in as f64).sqrt(),
                    )
                }
            })
            .collect();
        let fb = (0..=l)
            .map(|k| {
                if k == l {
                    Vec::new()
                } else {
                    let fan = dims[k + 1];
                    draw("salnet-init-B", k, dims[k] * fan, 1.0 / (fan as f64).sqrt())
                }
            })
            .collect();
        let bias = (0..=l)
            .map(|k| draw("salnet-init-b", k, dims[k], 1.0 / (dims[k] as f64).sqrt()))
            .collect();
        Self { w, fb, bias }
    }

    /// Checks the shapes against `dims` and that every entry is finite; the error names the
    /// array (`W_1`, `B_0`, `b_2`).
    pub fn validate(&self, dims: &[usize]) -> Result<(), SalNetError> {
        let l = dims.len() - 1;
        for (what, v) in [("W", &self.w), ("B", &self.fb), ("b", &self.bias)] {
            if v.len() != l + 1 {
                return Err(invalid(
                    what,
                    format!("needs {} entries (one per layer), got {}", l + 1, v.len()),
                ));
            }
        }
        for k in 0..=l {
            check_array(&format!("b_{k}"), &self.bias[k], dims[k])?;
            let wlen = if k == 0 { 0 } else { dims[k] * dims[k - 1] };
            check_array(&format!("W_{k}"), &self.w[k], wlen)?;
            let blen = if k == l { 0 } else { dims[k] * dims[k + 1] };
            check_array(&format!("B_{k}"), &self.fb[k], blen)?;
        }
        Ok(())
    }
}

fn check_array(name: &str, v: &[f64], expected: usize) -> Result<(), SalNetError> {
    if v.len() != expected {
        return Err(invalid(
            name,
            format!("has {} entries, expected {expected}", v.len()),
        ));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(invalid(name, format!("entry {i} is {}", v[i])));
    }
    Ok(())
}

/// Read-only data shared by all copies during a block of steps.
struct Shared<'a> {
    dims: &'a [usize],
    min_isi: i64,
    t_ref: f64,
    psp_len: usize,
    buffer_len: usize,
    ring: usize,
    w: &'a [Vec<f64>],
    fb: &'a [Vec<f64>],
    /// W_k transposed (n_(k−1) × n_k) in single precision: row j = what a spike of unit j
    /// adds to the membranes of layer k.
    wt32: &'a [Vec<f32>],
    /// B_k transposed (n_(k+1) × n_k) in single precision.
    fbt32: &'a [Vec<f32>],
    bias: &'a [Vec<f64>],
    /// |K(−m)| of the SAL window for m = 0 … buffer_len − 1 (0 at m = 0).
    sal_kernel: &'a [f64],
}

/// The read-only part of a SALNet during a block of steps: parameters, weights and the
/// tables derived from them.
struct Model {
    params: SalNetParams,
    weights: SalWeights,
    /// W_k transposed (n_(k−1) × n_k), single precision (membrane arithmetic).
    wt32: Vec<Vec<f32>>,
    /// B_k transposed (n_(k+1) × n_k), single precision.
    fbt32: Vec<Vec<f32>>,
    /// |K(−m)| of the SAL window, m = 0 … buffer_len − 1.
    sal_kernel: Vec<f64>,
}

impl Model {
    fn shared(&self) -> Shared<'_> {
        Shared {
            dims: &self.params.dims,
            min_isi: self.params.min_isi() as i64,
            t_ref: self.params.t_ref as f64,
            psp_len: self.params.psp_len,
            buffer_len: self.params.buffer_len,
            ring: sparse::ring_len(&self.params),
            w: &self.weights.w,
            fb: &self.weights.fb,
            wt32: &self.wt32,
            fbt32: &self.fbt32,
            bias: &self.weights.bias,
            sal_kernel: &self.sal_kernel,
        }
    }

    fn retranspose(&mut self) {
        let d = &self.params.dims;
        let l = d.len() - 1;
        let single = |m: &[f64]| m.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        self.wt32 = (0..=l)
            .map(|k| {
                if k == 0 {
                    Vec::new()
                } else {
                    crate::vecops::transpose(&single(&self.weights.w[k]), d[k], d[k - 1])
                }
            })
            .collect();
        self.fbt32 = (0..=l)
            .map(|k| {
                if k == l {
                    Vec::new()
                } else {
                    crate::vecops::transpose(&single(&self.weights.fb[k]), d[k], d[k + 1])
                }
            })
            .collect();
    }
}

/// A SALNet (see the module docs).
pub struct SalNet {
    model: Model,
    engine: Engine,
    /// Next step to simulate (global step counter, never reset).
    t: u64,
    updates: u64,
    counts: Vec<u64>,
    counted_steps: u64,
}

enum Engine {
    Sparse(sparse::State),
    Dense(dense::State),
}

/// Per-copy random stream of the spike draws.
fn copy_stream(seed: u64, copy: usize) -> crate::rng::SimRng {
    stream(seed, "salnet-spikes", copy as u64)
}

impl SalNet {
    /// A SALNet with the event-driven engine; `seed` selects the spike streams (one per
    /// batch copy).
    pub fn new(params: SalNetParams, weights: SalWeights, seed: u64) -> Result<Self, SalNetError> {
        Self::with_engine(params, weights, seed, SalNetEngine::Sparse)
    }

    /// A SALNet with the chosen engine.
    pub fn with_engine(
        params: SalNetParams,
        weights: SalWeights,
        seed: u64,
        engine: SalNetEngine,
    ) -> Result<Self, SalNetError> {
        params.validate()?;
        weights.validate(&params.dims)?;
        let window = Window::sal_exp(params.t_ref as f64);
        // Magnitude of the anti-causal side K(−m) = +e^(−m/t_ref); K(0) = 0, so same-step
        // pairs contribute nothing (the reference adds −1 and +1).
        let sal_kernel: Vec<f64> = (0..params.buffer_len)
            .map(|m| window.eval(-(m as f64)))
            .collect();
        let l = params.dims.len() - 1;
        let engine = match engine {
            SalNetEngine::Sparse => Engine::Sparse(sparse::State::new(&params, seed)),
            SalNetEngine::Dense => Engine::Dense(dense::State::new(&params, &weights, seed)),
        };
        let mut model = Model {
            params,
            weights,
            wt32: Vec::new(),
            fbt32: Vec::new(),
            sal_kernel,
        };
        model.retranspose();
        Ok(Self {
            model,
            engine,
            t: 0,
            updates: 0,
            counts: vec![0; l + 1],
            counted_steps: 0,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &SalNetParams {
        &self.model.params
    }

    /// Layer sizes.
    pub fn dims(&self) -> &[usize] {
        &self.model.params.dims
    }

    /// Which engine simulates the network.
    pub fn engine(&self) -> SalNetEngine {
        match self.engine {
            Engine::Sparse(_) => SalNetEngine::Sparse,
            Engine::Dense(_) => SalNetEngine::Dense,
        }
    }

    /// All weights and biases.
    pub fn weights(&self) -> &SalWeights {
        &self.model.weights
    }

    /// W_k (n_k × n_(k−1), row-major), k = 1 … L.
    pub fn forward(&self, k: usize) -> &[f64] {
        &self.model.weights.w[k]
    }

    /// B_k (n_k × n_(k+1), row-major), k = 0 … L−1.
    pub fn feedback(&self, k: usize) -> &[f64] {
        &self.model.weights.fb[k]
    }

    /// b_k, k = 0 … L.
    pub fn bias(&self, k: usize) -> &[f64] {
        &self.model.weights.bias[k]
    }

    fn check_layer(what: &str, k: usize, lo: usize, hi: usize) -> Result<(), SalNetError> {
        if k < lo || k > hi {
            return Err(invalid(
                format!("{what}_{k}"),
                format!("no such array (layers {lo} … {hi})"),
            ));
        }
        Ok(())
    }

    /// Replaces W_k (k = 1 … L; n_k × n_(k−1) row-major). The state (membranes, buffers,
    /// refractoriness, SAL sums) persists; membranes are recomputed with the new weights.
    pub fn set_forward(&mut self, k: usize, w: &[f64]) -> Result<(), SalNetError> {
        let d = &self.model.params.dims;
        Self::check_layer("W", k, 1, d.len() - 1)?;
        check_array(&format!("W_{k}"), w, d[k] * d[k - 1])?;
        self.model.weights.w[k].copy_from_slice(w);
        self.weights_changed();
        Ok(())
    }

    /// Replaces B_k (k = 0 … L−1; n_k × n_(k+1) row-major). The state persists.
    pub fn set_feedback(&mut self, k: usize, b: &[f64]) -> Result<(), SalNetError> {
        let d = &self.model.params.dims;
        Self::check_layer("B", k, 0, d.len() - 2)?;
        check_array(&format!("B_{k}"), b, d[k] * d[k + 1])?;
        self.model.weights.fb[k].copy_from_slice(b);
        self.weights_changed();
        Ok(())
    }

    /// Replaces b_k (k = 0 … L). The state persists.
    pub fn set_bias(&mut self, k: usize, b: &[f64]) -> Result<(), SalNetError> {
        let d = &self.model.params.dims;
        Self::check_layer("b", k, 0, d.len() - 1)?;
        check_array(&format!("b_{k}"), b, d[k])?;
        self.model.weights.bias[k].copy_from_slice(b);
        self.weights_changed();
        Ok(())
    }

    /// Replaces every learning rate η_k (`sal_lr`, one per feedback matrix).
    pub fn set_sal_lr(&mut self, sal_lr: &[f64]) -> Result<(), SalNetError> {
        let mut p = self.model.params.clone();
        p.sal_lr = sal_lr.to_vec();
        p.validate()?;
        self.model.params = p;
        Ok(())
    }

    fn weights_changed(&mut self) {
        self.model.retranspose();
        match &mut self.engine {
            Engine::Sparse(s) => s.mark_dirty(),
            Engine::Dense(s) => s.refresh_membranes(&self.model.shared(), self.t),
        }
    }

    /// Simulates `steps` steps of every copy, accumulating the SAL sums. `progress(steps)`
    /// is called about every 50 ms of work; returning `Break` stops the run with
    /// [`Halt::Interrupted`] (the state is then that after the last completed step).
    pub fn run<R: Flow>(
        &mut self,
        steps: u64,
        progress: &mut impl FnMut(u64) -> R,
    ) -> Result<(), SalNetError> {
        let chunk = self.progress_chunk();
        let mut done = 0;
        while done < steps {
            let n = chunk.min(steps - done);
            self.advance(n, None);
            done += n;
            tick(progress, n)?;
        }
        Ok(())
    }

    /// Steps per progress call: about 50 ms of work (≈ 0.7 ns per unit of
    /// batch × (Σ n_k·n_(k+1) + Σ n_k)).
    fn progress_chunk(&self) -> u64 {
        let d = &self.model.params.dims;
        let pairs = d.windows(2).map(|p| p[0] * p[1]).sum::<usize>() + d.iter().sum::<usize>();
        let work = (pairs * self.model.params.batch).max(1) as f64;
        (7e8 / work).clamp(1.0, 10_000.0) as u64
    }

    fn advance(&mut self, steps: u64, forced: Option<&[Vec<Vec<usize>>]>) {
        let shared = self.model.shared();
        match &mut self.engine {
            Engine::Sparse(s) => s.run(&shared, self.t, steps, forced, &mut self.counts),
            Engine::Dense(s) => s.run(&shared, self.t, steps, forced, &mut self.counts),
        }
        self.t += steps;
        self.counted_steps += steps;
    }

    /// One step in which the spikes are given instead of drawn: `spikes[c][k]` lists the
    /// units (increasing) of layer k in copy c that fire at this step, refractory or not.
    /// Membranes, buffers, refractory state and the SAL sums evolve exactly as in a drawn
    /// step. For tests and for replaying recorded spike trains.
    pub fn step_with_spikes(&mut self, spikes: &[Vec<Vec<usize>>]) -> Result<(), SalNetError> {
        let d = &self.model.params.dims;
        if spikes.len() != self.model.params.batch {
            return Err(invalid(
                "spikes",
                format!(
                    "needs one entry per copy ({}), got {}",
                    self.model.params.batch,
                    spikes.len()
                ),
            ));
        }
        for (c, per) in spikes.iter().enumerate() {
            if per.len() != d.len() {
                return Err(invalid(
                    format!("spikes[{c}]"),
                    format!("needs one list per layer ({}), got {}", d.len(), per.len()),
                ));
            }
            for (k, ids) in per.iter().enumerate() {
                if ids.windows(2).any(|p| p[0] >= p[1]) || ids.last().is_some_and(|&i| i >= d[k]) {
                    return Err(invalid(
                        format!("spikes[{c}][{k}]"),
                        format!("units must be increasing and below {}", d[k]),
                    ));
                }
            }
        }
        self.advance(1, Some(spikes));
        Ok(())
    }

    /// Σ over copies of the SAL sums D_k accumulated since the last update (n_k × n_(k+1),
    /// row-major), k = 0 … L−1.
    pub fn accumulated(&self, k: usize) -> Vec<f64> {
        match &self.engine {
            Engine::Sparse(s) => s.accumulated(&self.model.shared(), k, self.t),
            Engine::Dense(s) => s.accumulated(k),
        }
    }

    /// The SAL update (`models.md` §9 step 4): B_k += η_k·mean_batch(D_k)/buffer_len for
    /// every k, then D_k := 0. A non-finite entry stops with [`Halt::NonFinite`] naming the
    /// matrix entry and the update (counted from 1).
    pub fn update(&mut self) -> Result<(), SalNetError> {
        let l = self.model.params.dims.len() - 1;
        self.updates += 1;
        let batch = self.model.params.batch as f64;
        let norm = self.model.params.buffer_len as f64;
        if let Engine::Sparse(s) = &mut self.engine {
            let sh = self.model.shared();
            let parallel = s.parallel(&sh);
            s.flush(&sh, self.t, parallel);
        }
        for k in 0..l {
            let d = match &self.engine {
                Engine::Sparse(s) => s.sums(k).to_vec(),
                Engine::Dense(s) => s.accumulated(k),
            };
            let lr = self.model.params.sal_lr[k];
            for (b, dv) in self.model.weights.fb[k].iter_mut().zip(&d) {
                *b += lr * (dv / batch) / norm;
            }
        }
        match &mut self.engine {
            Engine::Sparse(s) => s.clear_sums(),
            Engine::Dense(s) => s.clear_sums(),
        }
        self.weights_changed();
        let upd = self.updates;
        for k in 0..l {
            let n_pre = self.model.params.dims[k + 1];
            check_finite(
                &self.model.weights.fb[k],
                |i| format!("feedback B_{k}[{}][{}]", i / n_pre, i % n_pre),
                || format!("update {upd}"),
            )?;
        }
        Ok(())
    }

    /// Whether the batch copies of this network are simulated in parallel on the current
    /// rayon pool (sparse engine, more than one copy and thread, and enough work per step).
    pub fn parallel_copies(&self) -> bool {
        match &self.engine {
            Engine::Sparse(s) => s.parallel(&self.model.shared()),
            Engine::Dense(_) => false,
        }
    }

    /// Spike counts per layer (all copies) since construction or [`SalNet::reset_counts`].
    pub fn spike_counts(&self) -> &[u64] {
        &self.counts
    }

    /// Mean firing rate per layer (spikes per unit per step, all copies) since construction
    /// or [`SalNet::reset_counts`]; NaN before the first step.
    pub fn rates(&self) -> Vec<f64> {
        let p = &self.model.params;
        let denom = self.counted_steps as f64 * p.batch as f64;
        self.counts
            .iter()
            .zip(&p.dims)
            .map(|(&c, &n)| c as f64 / (denom * n as f64))
            .collect()
    }

    /// Restarts the spike counts.
    pub fn reset_counts(&mut self) {
        self.counts.fill(0);
        self.counted_steps = 0;
    }

    /// Steps simulated so far.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// Updates applied so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Alignment of W_(k+1) with B_kᵀ (k = 0 … L−1; `deep.md` §1.6): angle, unbiased variance
    /// of the difference, Pearson correlation, sign concordance.
    pub fn alignment(&self, k: usize) -> Alignment {
        let d = &self.model.params.dims;
        let bt = crate::vecops::transpose(&self.model.weights.fb[k], d[k], d[k + 1]);
        alignment(&self.model.weights.w[k + 1], &bt)
    }

    /// The spikes of layer `k` in copy `c` during the last `back` steps (at most the buffer
    /// length), as (buffer slot m, unit): m = 0 is the last simulated step.
    pub fn recent_spikes(&self, c: usize, k: usize, back: usize) -> Vec<(usize, usize)> {
        let back = back.min(self.model.params.buffer_len);
        match &self.engine {
            Engine::Sparse(s) => s.recent_spikes(c, k, self.t, back),
            Engine::Dense(s) => s.recent_spikes(c, k, self.t, back),
        }
    }

    /// The membranes u of layer `k` in copy `c` that the next step's spike decisions use,
    /// recomputed from the spike buffers: b_k + W_k·PSP(k−1) + B_k·PSP(k+1) with
    /// PSP_j = number of spikes of j in the τ_syn newest buffer slots (weights rounded to
    /// single precision, as in the simulation).
    pub fn membranes(&self, c: usize, k: usize) -> Vec<f64> {
        let p = &self.model.params;
        let wts = &self.model.weights;
        let d = &p.dims;
        let psp = |layer: usize| -> Vec<f64> {
            let mut v = vec![0.0; d[layer]];
            for (_, j) in self.recent_spikes(c, layer, p.psp_len) {
                v[j] += 1.0;
            }
            v
        };
        let mut u = wts.bias[k].clone();
        let mut add = |m: &[f64], x: &[f64]| {
            for (i, ui) in u.iter_mut().enumerate() {
                *ui += m[i * x.len()..(i + 1) * x.len()]
                    .iter()
                    .zip(x)
                    .map(|(&a, b)| (a as f32) as f64 * b)
                    .sum::<f64>();
            }
        };
        if k > 0 {
            add(&wts.w[k], &psp(k - 1));
        }
        if k + 1 < d.len() {
            add(&wts.fb[k], &psp(k + 1));
        }
        u
    }

    /// Test hook of the dense oracle: plant an off-by-one (see [`OraclePerturbation`]).
    /// No effect on the sparse engine.
    #[doc(hidden)]
    pub fn perturb_oracle(&mut self, p: OraclePerturbation) {
        if let Engine::Dense(s) = &mut self.engine {
            s.perturbation = p;
            s.refresh_membranes(&self.model.shared(), self.t);
        }
    }
}

/// Deliberate off-by-one errors of the dense oracle, for the test that shows the
/// sparse-vs-dense comparison would catch them.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OraclePerturbation {
    /// The faithful model.
    #[default]
    None,
    /// The PSP covers one buffer slot more (τ_syn + 1 slots).
    PspOneSlotLonger,
    /// Refractoriness allows the next spike one step earlier (minimum ISI t_ref).
    RefractoryOneShorter,
}

/// Adds rows `cols` of `mt` (row-major, rows of `u.len()` values: e.g. W_1ᵀ, one row per
/// presynaptic unit) to `u`, one after another: how the event engine sums a step's spikes
/// into a layer's PSP input, and what `sal bench`'s `column_stream` rows time alone.
pub fn add_columns(u: &mut [f64], mt: &[f32], cols: &[u32]) {
    let n = u.len();
    for &j in cols {
        let j = j as usize;
        crate::vecops::add_f32(u, &mt[j * n..(j + 1) * n]);
    }
}

/// A SALNet for speed measurements (`sal bench`): layer sizes `dims`, `batch` copies, the
/// Fig 9 settings (t_ref 10 steps, rect PSP 10 slots, buffer 20, η 0.01), the SALNet's own
/// random initialisation from `seed`, already run for 2 000 steps past the initial transient
/// (all units start non-refractory and fire together).
pub fn bench_network(dims: &[usize], batch: usize, seed: u64) -> Result<SalNet, SalNetError> {
    let params = SalNetParams::new(dims.to_vec(), 10, batch, 0.01);
    params.validate()?;
    let mut net = SalNet::new(params, SalWeights::random(dims, seed), seed)?;
    net.run(2_000, &mut |_| {})?;
    Ok(net)
}

/// Simulates `steps` steps of `net` (every copy) followed by one SAL update, as a SAL phase
/// does; returns the number of spikes (all layers and copies) in those steps, so that a
/// benchmark can report the cost per spike.
pub fn bench_steps(net: &mut SalNet, steps: u64) -> Result<u64, SalNetError> {
    let before: u64 = net.spike_counts().iter().sum();
    net.run(steps, &mut |_| {})?;
    let spikes = net.spike_counts().iter().sum::<u64>() - before;
    net.update()?;
    Ok(spikes)
}
