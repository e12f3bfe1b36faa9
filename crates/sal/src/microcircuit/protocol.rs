//! Pattern presentation, epochs, the teacher run and the student run (`microcircuits.md`
//! §2–4).

use super::network::{Microcircuit, Quantity};
use super::{Mat, MicroError, NetParams, Weights};
use crate::control::{Flow, Halt, check_finite, tick};
use crate::rng_numpy::NumpyRng;

/// What a pattern slot does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Forward plasticity after the learning lag.
    Training,
    /// λ_api = 1, interneuron weights 0, SAL on W_down; no forward plasticity.
    Symmetrisation,
    /// No plasticity; contributes to the epoch's validation loss.
    Validation,
}

/// Epoch e, slot kind and c = n − e·(E+V) − E of pattern n (`microcircuits.md` §3).
pub fn slot_kind(
    n: usize,
    len_epoch: usize,
    len_symm: usize,
    len_val: usize,
) -> (usize, Kind, i64) {
    let per = len_epoch + len_val;
    let e = n / per;
    let c = n as i64 - (e * per) as i64 - len_epoch as i64;
    let kind = if c < -(len_symm as i64) {
        Kind::Training
    } else if c < 0 {
        Kind::Symmetrisation
    } else {
        Kind::Validation
    };
    (e, kind, c)
}

/// The pattern order of a run: for every slot whether it indexes the training inputs and
/// which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// true: `index` refers to the training inputs; false: to the validation inputs.
    pub training: Vec<bool>,
    /// Input index per slot.
    pub index: Vec<usize>,
}

/// The reference's pattern order from `default_rng(training_seed)`: per epoch E training
/// slots drawn with replacement (`integers(0, n_train, E)`; cycled in file order without
/// shuffling), then V validation slots (in file order, cycled; drawn like the training slots
/// when `shuffle_validation` is set).
#[allow(clippy::too_many_arguments)]
pub fn draw_schedule(
    seed: u64,
    num_epochs: usize,
    n_train: usize,
    n_val: usize,
    len_epoch: usize,
    len_val: usize,
    shuffle_training: bool,
    shuffle_validation: bool,
) -> Schedule {
    let mut rng = NumpyRng::new(seed);
    let mut s = Schedule {
        training: Vec::new(),
        index: Vec::new(),
    };
    for _ in 0..num_epochs {
        for k in 0..len_epoch {
            s.training.push(true);
            s.index.push(if shuffle_training {
                rng.integer_below(n_train as u64) as usize
            } else {
                k % n_train
            });
        }
        for k in 0..len_val {
            s.training.push(false);
            s.index.push(if shuffle_validation {
                rng.integer_below(n_val as u64) as usize
            } else {
                k % n_val
            });
        }
    }
    s
}

/// The student's random initial weights from `default_rng(weights_init_seed)`: per hidden
/// layer W_up ~ U(up) then W_down ~ U(down) (row-major), finally the output W_up ~ U(up).
/// For [1, 1, 1] this is the reference's order (hidden W_up, hidden W_down, output W_up).
pub fn draw_initial_weights(
    seed: u64,
    dims: &[usize],
    up: (f64, f64),
    down: (f64, f64),
) -> Weights {
    let mut rng = NumpyRng::new(seed);
    let mut w = Weights::zeros(dims);
    let mut fill = |m: &mut Mat, (lo, hi): (f64, f64)| {
        for v in &mut m.data {
            *v = rng.uniform(lo, hi);
        }
    };
    let nh = w.down.len();
    for k in 0..nh {
        fill(&mut w.up[k], up);
        fill(&mut w.down[k], down);
    }
    fill(&mut w.up[nh], up);
    w
}

/// Runs one pattern of `len` steps: returns (mean output membrane, mean free output) over the
/// steps after the learning lag.
#[allow(clippy::too_many_arguments)]
fn run_pattern(
    net: &mut Microcircuit,
    rng: &mut NumpyRng,
    x: &[f64],
    target: Option<&[f64]>,
    kind: Kind,
    len: u64,
    lag: u64,
    mut rec: Option<&mut Recorder>,
) -> (Vec<f64>, Vec<f64>) {
    let n_out = *net.params().dims.last().unwrap();
    let mut acc = vec![0.0; n_out];
    let mut free = vec![0.0; n_out];
    let symm = kind == Kind::Symmetrisation;
    if symm {
        net.enter_symmetrisation();
    }
    for s in 0..len {
        let lag_over = s >= lag;
        let forward = kind == Kind::Training && lag_over && target.is_some();
        net.step(rng, x, target, forward, symm);
        if let Some(r) = rec.as_deref_mut() {
            r.add(net, kind);
        }
        if lag_over {
            for (a, u) in acc.iter_mut().zip(net.output_membranes()) {
                *a += u;
            }
            net.add_free_output(&mut free);
        }
    }
    let m = len.saturating_sub(lag).max(1) as f64;
    for a in acc.iter_mut().chain(free.iter_mut()) {
        *a /= m;
    }
    if symm {
        net.leave_symmetrisation();
    }
    (acc, free)
}

/// Block averages of the recorded quantities (`recorded_sample_length` steps per block).
struct Recorder {
    spikes: Option<Vec<(i64, u32, u32)>>,
    /// (layer, quantity, offset, length) in a row, as in `RunResult::recording_layout`.
    items: Vec<(usize, Quantity, usize, usize)>,
    acc: Vec<f64>,
    block: u64,
    filled: u64,
    rows: Vec<Vec<f64>>,
}

impl Recorder {
    fn new(
        net: &Microcircuit,
        items: &[(usize, Quantity)],
        block: u64,
    ) -> Result<Self, MicroError> {
        let mut out = Vec::new();
        let mut off = 0;
        for &(layer, q) in items {
            let len = net.quantity_len(layer, q).ok_or_else(|| {
                format!(
                    "student_simulation_settings.recorded_quantities[{layer}]: layer {layer} has no quantity '{}'",
                    q.name()
                )
            })?;
            out.push((layer, q, off, len));
            off += len;
        }
        Ok(Self {
            spikes: None,
            items: out,
            acc: vec![0.0; off],
            block,
            filled: 0,
            rows: Vec::new(),
        })
    }

    #[inline]
    fn add(&mut self, net: &Microcircuit, kind: Kind) {
        if let Some(sp) = self.spikes.as_mut() {
            net.push_spikes(sp);
        }
        for &(layer, q, off, len) in &self.items {
            match q {
                Quantity::Validation => self.acc[off] += (kind == Kind::Validation) as u8 as f64,
                Quantity::Symmetrization => {
                    self.acc[off] += (kind == Kind::Symmetrisation) as u8 as f64
                }
                _ => net.add_quantity(layer, q, &mut self.acc[off..off + len]),
            }
        }
        self.filled += 1;
        if self.filled == self.block {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.filled == 0 {
            return;
        }
        let n = self.filled as f64;
        self.rows.push(self.acc.iter().map(|v| v / n).collect());
        self.acc.fill(0.0);
        self.filled = 0;
    }
}

/// (training, validation) targets: one vector of n_L output averages per input, in file order.
pub type TargetSets = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// The teacher run (`microcircuits.md` §4.1).
#[derive(Debug, Clone)]
pub struct TeacherSpec {
    /// Network properties (shared with the student).
    pub net: NetParams,
    /// Teacher weights (W_down is ignored: stays 0 as in the reference).
    pub weights: Weights,
    /// Biases per non-input layer.
    pub biases: Vec<Vec<f64>>,
    /// `teacher_simulation_settings.poisson_seed`.
    pub poisson_seed: u64,
    /// Pattern length in units of t_ref.
    pub t_pattern: u64,
}

/// Runs the teacher on the training inputs then the validation inputs (file order, no
/// plasticity, no targets) and returns their output averages = the targets
/// (training, validation).
pub fn teacher(
    spec: &TeacherSpec,
    training: &[Vec<f64>],
    validation: &[Vec<f64>],
) -> Result<TargetSets, MicroError> {
    teacher_with(spec, training, validation, &mut |_| {})
}

/// [`teacher`] with a progress callback: `progress(steps)` after every pattern; it may stop
/// the run ([`crate::control`]). A non-finite output stops it with [`Halt::NonFinite`].
pub fn teacher_with<R: Flow>(
    spec: &TeacherSpec,
    training: &[Vec<f64>],
    validation: &[Vec<f64>],
    progress: &mut impl FnMut(u64) -> R,
) -> Result<TargetSets, MicroError> {
    let mut w = spec.weights.clone();
    for d in &mut w.down {
        d.data.fill(0.0);
    }
    let mut net = Microcircuit::new(&spec.net, w, &spec.biases, false, true, false)?;
    let mut rng = NumpyRng::new(spec.poisson_seed);
    let len = spec.t_pattern * spec.net.t_ref as u64;
    let lag = spec.net.learning_lag;
    let mut run = |xs: &[Vec<f64>], set: &str| -> Result<Vec<Vec<f64>>, MicroError> {
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            let u = run_pattern(&mut net, &mut rng, x, None, Kind::Training, len, lag, None).0;
            check_finite(
                &u,
                |k| format!("teacher output unit {k}"),
                || format!("{set} pattern {i}"),
            )?;
            out.push(u);
            tick(progress, len)?;
        }
        Ok(out)
    };
    let tr = run(training, "training")?;
    let va = run(validation, "validation")?;
    Ok((tr, va))
}

/// A student run (`microcircuits.md` §4.2).
#[derive(Debug, Clone)]
pub struct StudentSpec {
    /// Network properties.
    pub net: NetParams,
    /// Initial weights (before "distribute weights").
    pub weights: Weights,
    /// Biases per non-input layer.
    pub biases: Vec<Vec<f64>>,
    /// Seed of the spike-decision stream.
    pub poisson_seed: u64,
    /// Pattern length in units of t_ref (20 000 steps = 2000·t_ref in Fig 6).
    pub t_pattern: u64,
    /// Training slots per epoch E (the last `len_symmetrization` are symmetrisation slots).
    pub len_epoch: usize,
    /// Symmetrisation slots per epoch S < E.
    pub len_symmetrization: usize,
    /// Validation slots per epoch V.
    pub len_validation: usize,
    /// Number of epochs.
    pub num_epochs: usize,
    /// Pattern order (at least num_epochs·(E+V) slots).
    pub schedule: Schedule,
    /// Training inputs (n_0 values each) and their targets (n_L values each).
    pub training: Vec<(Vec<f64>, Vec<f64>)>,
    /// Validation inputs and targets.
    pub validation: Vec<(Vec<f64>, Vec<f64>)>,
    /// SAL on W_down (otherwise W_down is copied from W_upᵀ: BP).
    pub update_down: bool,
    /// Maintain the self-predicting state.
    pub set_sps: bool,
    /// Quantities to record as block averages: (layer, quantity).
    pub recorded: Vec<(usize, Quantity)>,
    /// Block length of the recordings (steps).
    pub recorded_sample_length: u64,
    /// Keep every spike as (t, population, unit) (`record_all_spks`).
    pub record_spikes: bool,
    /// Extension (0 in the paper): bias offset of the hidden pyramidal units during
    /// symmetrisation patterns ([`Microcircuit::set_symmetrisation_offset`]).
    pub symmetrisation_bias_offset: f64,
    /// Extension (`None` in the paper: the slot's training input): the value every input
    /// unit gets during symmetrisation patterns (e.g. −10: silent inputs, an "offline"
    /// phase in which the hidden units run near their biases, with similar gains).
    pub symmetrisation_input: Option<f64>,
    /// Extension (`None` in the paper): (rate in spikes per t_ref, η_h) of the hidden units'
    /// homeostatic bias offsets during symmetrisation
    /// ([`Microcircuit::set_symmetrisation_homeostasis`]).
    pub symmetrisation_homeostasis: Option<(f64, f64)>,
}

/// Everything a student run produces.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Validation loss per epoch (nudged output, the reference's number, discrepancies C1).
    pub validation_loss: Vec<f64>,
    /// Validation loss of the free output b + v_bas per epoch (C1's "intended" variant).
    pub validation_loss_free: Vec<f64>,
    /// Weights at the start of every epoch (entry 0 = initial after distribution), then the
    /// final weights (num_epochs + 1 entries).
    pub epoch_weights: Vec<Weights>,
    /// Output average of every pattern (n_L values each).
    pub outputs: Vec<Vec<f64>>,
    /// Per pattern, per population (input, hidden pyramidal/interneurons…, output): spikes
    /// per unit divided by t_pattern.
    pub rates: Vec<Vec<f64>>,
    /// Recorded block averages: one row per block, quantities concatenated in the order of
    /// `StudentSpec::recorded`.
    pub recordings: Vec<Vec<f64>>,
    /// Offsets and lengths of each recorded quantity within a row.
    pub recording_layout: Vec<(usize, Quantity, usize, usize)>,
    /// Every spike as (t, population, unit) when `record_spikes` is set, else empty;
    /// populations numbered as in [`Microcircuit::spike_counts`].
    pub spikes: Vec<(i64, u32, u32)>,
}

impl StudentSpec {
    /// Total number of simulated steps.
    pub fn total_steps(&self) -> u64 {
        (self.num_epochs * (self.len_epoch + self.len_validation)) as u64
            * self.t_pattern
            * self.net.t_ref as u64
    }

    fn check(&self) -> Result<(), MicroError> {
        self.net.validate()?;
        let s = "student_simulation_settings";
        if self.len_symmetrization >= self.len_epoch.max(1) && self.len_symmetrization > 0 {
            return Err(format!(
                "{s}.len_symmetrization: must be < len_epoch ({}), got {}",
                self.len_epoch, self.len_symmetrization
            )
            .into());
        }
        if self.len_validation == 0 {
            return Err(format!("{s}.len_validation: must be ≥ 1").into());
        }
        if self.num_epochs == 0 {
            return Err(format!("{s}.num_epochs: must be ≥ 1").into());
        }
        if self.t_pattern == 0 {
            return Err(format!("{s}.t_pattern: must be ≥ 1").into());
        }
        if self.recorded_sample_length == 0 {
            return Err(format!("{s}.recorded_sample_length: must be ≥ 1").into());
        }
        if let Some((rate, lr)) = self.symmetrisation_homeostasis {
            if !(rate > 0.0 && rate < 1.0) {
                return Err(format!(
                    "{s}.symmetrization_homeostasis.rate: must be in (0, 1) spikes per t_ref, got {rate}"
                )
                .into());
            }
            if !(lr >= 0.0 && lr.is_finite()) {
                return Err(format!(
                    "{s}.symmetrization_homeostasis.lr: must be a finite number ≥ 0, got {lr}"
                )
                .into());
            }
        }
        if self.symmetrisation_input.is_some_and(|v| !v.is_finite()) {
            return Err(format!("{s}.symmetrization_input: must be a finite number").into());
        }
        if !self.symmetrisation_bias_offset.is_finite() {
            return Err(format!("{s}.symmetrization_bias_offset: must be a finite number").into());
        }
        let len = self.t_pattern * self.net.t_ref as u64;
        if self.net.learning_lag >= len {
            return Err(format!(
                "network_properties.learning_lag: {} steps leaves nothing of a {len}-step pattern",
                self.net.learning_lag
            )
            .into());
        }
        let need = self.num_epochs * (self.len_epoch + self.len_validation);
        if self.schedule.index.len() < need {
            return Err(format!(
                "pattern schedule: {} slots, the run needs {need}",
                self.schedule.index.len()
            )
            .into());
        }
        let (n0, nl) = (self.net.dims[0], *self.net.dims.last().unwrap());
        for (name, set) in [
            ("training", &self.training),
            ("validation", &self.validation),
        ] {
            if set.is_empty() {
                return Err(format!("u_input.{name}: needs at least one input").into());
            }
            for (k, (x, y)) in set.iter().enumerate() {
                if x.len() != n0 {
                    return Err(
                        format!("u_input.{name}[{k}]: needs {n0} values, got {}", x.len()).into(),
                    );
                }
                if y.len() != nl {
                    return Err(
                        format!("targets.{name}[{k}]: needs {nl} values, got {}", y.len()).into(),
                    );
                }
            }
        }
        for k in 0..need {
            let (set, name) = if self.schedule.training[k] {
                (&self.training, "training")
            } else {
                (&self.validation, "validation")
            };
            if self.schedule.index[k] >= set.len() {
                return Err(format!(
                    "pattern schedule slot {k}: index {} out of range for {} {name} inputs",
                    self.schedule.index[k],
                    set.len()
                )
                .into());
            }
        }
        Ok(())
    }
}

/// Checks every weight of `w` (the message names the matrix, the layer and the entry).
fn check_weights(w: &Weights, at: &dyn Fn() -> String) -> Result<(), Halt> {
    for (name, mats, off) in [("W_up", &w.up, 1), ("W_down", &w.down, 1)] {
        for (k, m) in mats.iter().enumerate() {
            check_finite(
                &m.data,
                |i| {
                    format!(
                        "{name} of layer {} [{}][{}]",
                        k + off,
                        i / m.cols.max(1),
                        i % m.cols.max(1)
                    )
                },
                at,
            )?;
        }
    }
    Ok(())
}

/// Runs a student (`microcircuits.md` §2–3, §4.2); `progress(steps)` is called after every
/// pattern with the steps it took and may stop the run ([`crate::control`]). A weight or
/// output membrane that becomes non-finite stops the run with [`Halt::NonFinite`] naming it
/// and the pattern slot.
pub fn student<R: Flow>(
    spec: &StudentSpec,
    progress: &mut impl FnMut(u64) -> R,
) -> Result<RunResult, MicroError> {
    spec.check()?;
    let mut net = Microcircuit::new(
        &spec.net,
        spec.weights.clone(),
        &spec.biases,
        !spec.update_down,
        spec.set_sps,
        spec.update_down,
    )?;
    if let Some((rate, lr)) = spec.symmetrisation_homeostasis {
        net.set_symmetrisation_homeostasis(rate, lr);
    }
    net.set_symmetrisation_offset(spec.symmetrisation_bias_offset);
    let mut rec = Recorder::new(&net, &spec.recorded, spec.recorded_sample_length)?;
    let mut rng = NumpyRng::new(spec.poisson_seed);
    let len = spec.t_pattern * spec.net.t_ref as u64;
    let (e, s, v) = (spec.len_epoch, spec.len_symmetrization, spec.len_validation);
    let n_out = *spec.net.dims.last().unwrap() as f64;
    let mut res = RunResult {
        validation_loss: Vec::new(),
        validation_loss_free: Vec::new(),
        epoch_weights: Vec::new(),
        outputs: Vec::new(),
        rates: Vec::new(),
        recordings: Vec::new(),
        recording_layout: Vec::new(),
        spikes: Vec::new(),
    };
    if spec.record_spikes {
        rec.spikes = Some(Vec::new());
    }
    let pop_sizes: Vec<usize> = {
        let d = &spec.net.dims;
        let mut p = vec![d[0]];
        for k in 1..d.len() - 1 {
            p.push(d[k]);
            p.push(d[k + 1]);
        }
        p.push(*d.last().unwrap());
        p
    };
    let (mut loss, mut loss_free) = (0.0, 0.0);
    let mut counts = net.spike_counts();
    let mut symm_x = vec![0.0; spec.net.dims[0]];
    for n in 0..spec.num_epochs * (e + v) {
        let (epoch, kind, c) = slot_kind(n, e, s, v);
        if c == -(e as i64) {
            res.epoch_weights.push(net.weights().clone());
        }
        let set = if spec.schedule.training[n] {
            &spec.training
        } else {
            &spec.validation
        };
        let (x, y) = &set[spec.schedule.index[n]];
        let x = match (kind, spec.symmetrisation_input) {
            (Kind::Symmetrisation, Some(v)) => {
                symm_x.fill(v);
                &symm_x
            }
            _ => x,
        };
        let (u, free) = run_pattern(
            &mut net,
            &mut rng,
            x,
            Some(y),
            kind,
            len,
            spec.net.learning_lag,
            Some(&mut rec),
        );
        let now = net.spike_counts();
        res.rates.push(
            now.iter()
                .zip(&counts)
                .zip(&pop_sizes)
                .map(|((a, b), &m)| (a - b) as f64 / m as f64 / spec.t_pattern as f64)
                .collect(),
        );
        counts = now;
        let at = || format!("pattern slot {n} (epoch {epoch})");
        check_finite(&u, |k| format!("output membrane u[{k}]"), at)?;
        check_weights(net.weights(), &at)?;
        tick(progress, len)?;
        if kind == Kind::Validation {
            if c == 0 {
                loss = 0.0;
                loss_free = 0.0;
            }
            let sq =
                |o: &[f64]| o.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n_out;
            loss += sq(&u);
            loss_free += sq(&free);
            if c == v as i64 - 1 {
                res.validation_loss.push(loss / v as f64);
                res.validation_loss_free.push(loss_free / v as f64);
            }
        }
        res.outputs.push(u);
    }
    res.epoch_weights.push(net.weights().clone());
    rec.flush();
    res.spikes = rec.spikes.take().unwrap_or_default();
    res.recordings = rec.rows;
    res.recording_layout = rec.items;
    Ok(res)
}
