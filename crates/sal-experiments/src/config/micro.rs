//! Cortical-microcircuit files (`params/microcircuits/{sal,bp,fa}/*.yaml`, `example.yaml`,
//! `params/tests-fixtures/microcircuits_smoke.yaml`), unchanged, plus extensions for networks
//! wider and deeper than 1-1-1 (all optional):
//!
//! * `u_input.training` / `validation` entries may be vectors (n_0 values) instead of
//!   scalars; or `u_input.random: {training: N, validation: M, limits: [lo, hi], seed: S}`
//!   draws N + M input vectors uniformly (NumPy `default_rng(S)`);
//! * biases may be vectors (one value per unit) instead of scalars;
//! * teacher and student `weights` entries may be matrices (`[post][pre]` rows);
//! * `teacher_initial_parameters.random_weights_init_limits` with
//!   `teacher_simulation_settings.weights_init_seed`: a random teacher, drawn like a student.
//!
//! Keys the reference reads but never uses (`share_weights`, the teacher's `len_epoch`,
//! `len_validation`, `num_epochs`, shuffle flags, `training_seed` and `recorded_quantities`;
//! discrepancies C5) are accepted and ignored.

use crate::error::{Error, Result};
use sal::microcircuit::{LayerRates, Mat, NetParams, Quantity, Weights};
use sal::rng_numpy::NumpyRng;
use serde::{Deserialize, Serialize};

/// A microcircuit experiment file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MicroConfig {
    /// Network shared by teacher and student.
    pub network_properties: NetworkProperties,
    /// Student biases and initial weights.
    pub student_initial_parameters: StudentInit,
    /// Student protocol and seeds.
    pub student_simulation_settings: StudentSettings,
    /// Teacher biases and weights.
    pub teacher_initial_parameters: TeacherInit,
    /// Teacher seeds and pattern length.
    pub teacher_simulation_settings: TeacherSettings,
    /// Training and validation inputs.
    pub u_input: Inputs,
}

/// `network_properties`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkProperties {
    /// Layer sizes [n_0, …, n_L].
    pub dims: Vec<usize>,
    /// λ_api.
    pub lambda_api: f64,
    /// λ_nudge.
    pub lambda_nudge: f64,
    /// Learning lag (steps).
    pub learning_lag: u64,
    /// Learning rates per non-input layer.
    pub lr: Vec<LrEntry>,
    /// Stored spikes per unit.
    pub n_last_spks: usize,
    /// Moving-average window (steps).
    pub size_moving_average: usize,
    /// SAL amplitude of anti-causal pairs.
    pub stdp_a_anticausal: f64,
    /// SAL amplitude of causal pairs.
    pub stdp_a_causal: f64,
    /// SAL time constant of anti-causal pairs (steps).
    pub stdp_tau_anticausal: f64,
    /// SAL time constant of causal pairs (steps).
    pub stdp_tau_causal: f64,
    /// Refractory time (steps).
    pub t_ref: u32,
    /// PSP length (steps).
    pub tau_syn: u32,
}

/// One `lr` entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LrEntry {
    /// η of W_up.
    pub up: f64,
    /// η of W_down (hidden layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<f64>,
}

/// A scalar or a vector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ScalarOrVec {
    /// One value for every unit.
    Scalar(f64),
    /// One value per unit.
    Vector(Vec<f64>),
}

/// A scalar or a matrix (`[post][pre]` rows).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ScalarOrMat {
    /// Every entry.
    Scalar(f64),
    /// Rows.
    Matrix(Vec<Vec<f64>>),
}

/// Weights of one layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerWeights {
    /// W_up.
    pub w_up: ScalarOrMat,
    /// W_down (hidden layers; 0 if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w_down: Option<ScalarOrMat>,
}

/// Uniform limits of random initial weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// [lo, hi] of W_up.
    pub up: [f64; 2],
    /// [lo, hi] of W_down.
    pub down: [f64; 2],
}

/// `student_initial_parameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudentInit {
    /// Biases per non-input layer.
    pub bias: Vec<ScalarOrVec>,
    /// Never read by the reference (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_weights: Option<bool>,
    /// Limits of the random initial weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_weights_init_limits: Option<Limits>,
    /// Explicit initial weights per layer (instead of random ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<LayerWeights>>,
    /// Extension: the student's readout (output-layer W_up) starts as a copy of the
    /// teacher's, so the teacher's map is reachable by learning the hidden layers alone
    /// (with the readout's learning rate 0 it is a fixed, known decoder).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readout_from_teacher: bool,
}

/// `student_simulation_settings`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudentSettings {
    /// Training slots per epoch E (symmetrisation slots included).
    pub len_epoch: usize,
    /// Symmetrisation slots per epoch S (the last S of the E).
    pub len_symmetrization: usize,
    /// Validation slots per epoch V.
    pub len_validation: usize,
    /// Epochs.
    pub num_epochs: usize,
    /// Seed of the spike decisions.
    pub poisson_seed: u64,
    /// Seed of the random initial weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_init_seed: Option<u64>,
    /// Keep every spike: arrays.npz gets spike_time, spike_population, spike_unit.
    #[serde(default)]
    pub record_all_spks: bool,
    /// Quantities recorded per layer.
    pub recorded_quantities: Vec<Vec<String>>,
    /// Block length of the recordings (steps).
    pub recorded_sample_length: u64,
    /// Maintain the self-predicting state.
    pub set_sps: bool,
    /// Draw training slots with replacement.
    pub shuffle_training: bool,
    /// Draw validation slots with replacement.
    pub shuffle_validation: bool,
    /// Pattern length in units of t_ref.
    pub t_pattern: u64,
    /// Seed of the pattern order.
    pub training_seed: u64,
    /// Learn W_down with SAL (false: BP copy).
    pub update_down: bool,
    /// Extension (absent = 0, the paper's protocol): offset added to the biases of all hidden
    /// pyramidal units during symmetrisation patterns (a global inhibitory tone for values
    /// < 0), which keeps the symmetrisation phase of deep networks from reverberating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetrization_bias_offset: Option<f64>,
    /// Extension (absent: the slot's training input, as in the paper): the value of every
    /// input unit during symmetrisation patterns (e.g. −10 silences the inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetrization_input: Option<f64>,
    /// Extension (absent: off, as in the paper): homeostatic bias offsets of the hidden
    /// pyramidal units during symmetrisation patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetrization_homeostasis: Option<Homeostasis>,
}

/// `student_simulation_settings.symmetrization_homeostasis` (extension).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Homeostasis {
    /// Target rate of every hidden pyramidal unit during symmetrisation (spikes per t_ref).
    pub rate: f64,
    /// Learning rate η_h of the per-unit bias offsets (per step).
    pub lr: f64,
}

/// `teacher_initial_parameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeacherInit {
    /// Biases per non-input layer.
    pub bias: Vec<ScalarOrVec>,
    /// Teacher weights per layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<LayerWeights>>,
    /// Random teacher (extension): uniform limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_weights_init_limits: Option<Limits>,
}

/// `teacher_simulation_settings`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeacherSettings {
    /// Seed of the teacher's spike decisions.
    pub poisson_seed: u64,
    /// Pattern length in units of t_ref.
    pub t_pattern: u64,
    /// Seed of a random teacher (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_init_seed: Option<u64>,
    /// Read but unused by the reference (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len_epoch: Option<usize>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len_validation: Option<usize>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_epochs: Option<usize>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_quantities: Option<Vec<Vec<String>>>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_training: Option<bool>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_validation: Option<bool>,
    /// Unused (C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_seed: Option<u64>,
}

/// `u_input`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Training inputs (scalars for n_0 = 1, or vectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub training: Vec<ScalarOrVec>,
    /// Validation inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validation: Vec<ScalarOrVec>,
    /// Random inputs (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomInputs>,
}

/// `u_input.random`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RandomInputs {
    /// Number of training inputs.
    pub training: usize,
    /// Number of validation inputs.
    pub validation: usize,
    /// Uniform limits [lo, hi].
    pub limits: [f64; 2],
    /// Seed (NumPy `default_rng`).
    pub seed: u64,
}

/// (training, validation) inputs: one vector of n_0 values per input.
pub type InputSets = (Vec<Vec<f64>>, Vec<Vec<f64>>);

fn bad(key: &str, why: impl Into<String>) -> Error {
    Error::invalid(key.to_string(), why.into())
}

fn finite(key: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(bad(key, format!("must be a finite number, got {v}")))
    }
}

fn limits(key: &str, l: [f64; 2]) -> Result<(f64, f64)> {
    finite(key, l[0])?;
    finite(key, l[1])?;
    if l[0] > l[1] {
        return Err(bad(
            key,
            format!("lower limit {} above upper limit {}", l[0], l[1]),
        ));
    }
    Ok((l[0], l[1]))
}

fn vector(key: &str, v: &ScalarOrVec, n: usize) -> Result<Vec<f64>> {
    let out = match v {
        ScalarOrVec::Scalar(x) => vec![*x; n],
        ScalarOrVec::Vector(xs) if xs.len() == n => xs.clone(),
        ScalarOrVec::Vector(xs) => {
            return Err(bad(key, format!("needs {n} values, got {}", xs.len())));
        }
    };
    for x in &out {
        finite(key, *x)?;
    }
    Ok(out)
}

fn matrix(key: &str, v: &ScalarOrMat, rows: usize, cols: usize) -> Result<Mat> {
    let m = match v {
        ScalarOrMat::Scalar(x) => Mat::filled(rows, cols, *x),
        ScalarOrMat::Matrix(r) => {
            if r.len() != rows || r.iter().any(|row| row.len() != cols) {
                return Err(bad(
                    key,
                    format!("needs a {rows}×{cols} matrix (`[post][pre]` rows)"),
                ));
            }
            Mat {
                rows,
                cols,
                data: r.concat(),
            }
        }
    };
    for x in &m.data {
        finite(key, *x)?;
    }
    Ok(m)
}

/// Which of the paper's three variants a configuration is.
pub fn variant(c: &MicroConfig) -> &'static str {
    if !c.student_simulation_settings.update_down {
        "bp"
    } else if c
        .network_properties
        .lr
        .iter()
        .all(|l| l.down.unwrap_or(0.0) == 0.0)
    {
        "fa"
    } else {
        "sal"
    }
}

impl MicroConfig {
    /// The validated network properties.
    pub fn net(&self) -> Result<NetParams> {
        let p = &self.network_properties;
        let k = "network_properties";
        for (name, v) in [
            ("lambda_api", p.lambda_api),
            ("lambda_nudge", p.lambda_nudge),
            ("stdp_a_anticausal", p.stdp_a_anticausal),
            ("stdp_a_causal", p.stdp_a_causal),
            ("stdp_tau_anticausal", p.stdp_tau_anticausal),
            ("stdp_tau_causal", p.stdp_tau_causal),
        ] {
            finite(&format!("{k}.{name}"), v)?;
        }
        if p.dims.len() < 3 {
            return Err(bad(
                &format!("{k}.dims"),
                format!(
                    "needs at least 3 layers (input, hidden, output), got {:?}",
                    p.dims
                ),
            ));
        }
        if p.lr.len() != p.dims.len() - 1 {
            return Err(bad(
                &format!("{k}.lr"),
                format!(
                    "needs one entry per non-input layer ({}), got {}",
                    p.dims.len() - 1,
                    p.lr.len()
                ),
            ));
        }
        let mut lr = Vec::new();
        for (i, e) in p.lr.iter().enumerate() {
            let up = finite(&format!("{k}.lr[{i}].up"), e.up)?;
            let down = finite(&format!("{k}.lr[{i}].down"), e.down.unwrap_or(0.0))?;
            if up < 0.0 || down < 0.0 {
                return Err(bad(&format!("{k}.lr[{i}]"), "learning rates must be ≥ 0"));
            }
            if down != 0.0 && i + 2 == p.dims.len() {
                return Err(bad(
                    &format!("{k}.lr[{i}].down"),
                    "the output layer has no top-down weights",
                ));
            }
            lr.push(LayerRates { up, down });
        }
        let net = NetParams {
            dims: p.dims.clone(),
            lambda_api: p.lambda_api,
            lambda_nudge: p.lambda_nudge,
            learning_lag: p.learning_lag,
            lr,
            n_last_spks: p.n_last_spks,
            size_moving_average: p.size_moving_average,
            a_causal: p.stdp_a_causal,
            a_anticausal: p.stdp_a_anticausal,
            tau_causal: p.stdp_tau_causal,
            tau_anticausal: p.stdp_tau_anticausal,
            t_ref: p.t_ref,
            tau_syn: p.tau_syn,
        };
        net.validate().map_err(|e| match e {
            sal::microcircuit::MicroError::Invalid { field, reason } => bad(&field, reason),
            other => Error::Failed(other.to_string()),
        })?;
        if net.dims.iter().sum::<usize>() > 100_000 {
            return Err(bad("network_properties.dims", "more than 100 000 units"));
        }
        Ok(net)
    }

    /// Biases per non-input layer.
    pub fn biases(&self, teacher: bool, dims: &[usize]) -> Result<Vec<Vec<f64>>> {
        let (key, b) = if teacher {
            (
                "teacher_initial_parameters.bias",
                &self.teacher_initial_parameters.bias,
            )
        } else {
            (
                "student_initial_parameters.bias",
                &self.student_initial_parameters.bias,
            )
        };
        if b.len() != dims.len() - 1 {
            return Err(bad(
                key,
                format!(
                    "needs one entry per non-input layer ({}), got {}",
                    dims.len() - 1,
                    b.len()
                ),
            ));
        }
        b.iter()
            .enumerate()
            .map(|(i, v)| vector(&format!("{key}[{i}]"), v, dims[i + 1]))
            .collect()
    }

    fn explicit_weights(key: &str, ws: &[LayerWeights], dims: &[usize]) -> Result<Weights> {
        let l = dims.len() - 1;
        if ws.len() != l {
            return Err(bad(
                key,
                format!(
                    "needs one entry per non-input layer ({l}), got {}",
                    ws.len()
                ),
            ));
        }
        let mut w = Weights::zeros(dims);
        for (i, lw) in ws.iter().enumerate() {
            w.up[i] = matrix(&format!("{key}[{i}].w_up"), &lw.w_up, dims[i + 1], dims[i])?;
            match (&lw.w_down, i + 1 < l) {
                (Some(d), true) => {
                    w.down[i] = matrix(&format!("{key}[{i}].w_down"), d, dims[i + 1], dims[i + 2])?
                }
                (Some(_), false) => {
                    return Err(bad(
                        &format!("{key}[{i}].w_down"),
                        "the output layer has no W_down",
                    ));
                }
                (None, _) => {}
            }
        }
        Ok(w)
    }

    /// The teacher's weights.
    pub fn teacher_weights(&self, dims: &[usize]) -> Result<Weights> {
        let t = &self.teacher_initial_parameters;
        match (&t.weights, &t.random_weights_init_limits) {
            (Some(ws), None) => {
                Self::explicit_weights("teacher_initial_parameters.weights", ws, dims)
            }
            (None, Some(l)) => {
                let seed = self
                    .teacher_simulation_settings
                    .weights_init_seed
                    .ok_or_else(|| {
                        bad(
                            "teacher_simulation_settings.weights_init_seed",
                            "a random teacher (random_weights_init_limits) needs a seed",
                        )
                    })?;
                let k = "teacher_initial_parameters.random_weights_init_limits";
                Ok(sal::microcircuit::draw_initial_weights(
                    seed,
                    dims,
                    limits(&format!("{k}.up"), l.up)?,
                    limits(&format!("{k}.down"), l.down)?,
                ))
            }
            (Some(_), Some(_)) => Err(bad(
                "teacher_initial_parameters",
                "give either weights or random_weights_init_limits, not both",
            )),
            (None, None) => Err(bad(
                "teacher_initial_parameters",
                "needs weights or random_weights_init_limits",
            )),
        }
    }

    /// The student's initial weights (explicit, or drawn from `weights_init_seed`).
    pub fn student_weights(&self, dims: &[usize]) -> Result<Weights> {
        let mut w = self.student_weights_own(dims)?;
        if self.student_initial_parameters.readout_from_teacher {
            let t = self.teacher_weights(dims)?;
            let last = w.up.len() - 1;
            w.up[last] = t.up[last].clone();
        }
        Ok(w)
    }

    fn student_weights_own(&self, dims: &[usize]) -> Result<Weights> {
        let s = &self.student_initial_parameters;
        match (&s.weights, &s.random_weights_init_limits) {
            (Some(ws), _) => Self::explicit_weights("student_initial_parameters.weights", ws, dims),
            (None, Some(l)) => {
                let seed = self
                    .student_simulation_settings
                    .weights_init_seed
                    .ok_or_else(|| {
                        bad(
                            "student_simulation_settings.weights_init_seed",
                            "random initial weights need a seed",
                        )
                    })?;
                let k = "student_initial_parameters.random_weights_init_limits";
                Ok(sal::microcircuit::draw_initial_weights(
                    seed,
                    dims,
                    limits(&format!("{k}.up"), l.up)?,
                    limits(&format!("{k}.down"), l.down)?,
                ))
            }
            (None, None) => Err(bad(
                "student_initial_parameters",
                "needs weights or random_weights_init_limits",
            )),
        }
    }

    /// Training and validation inputs (n_0 values each).
    pub fn inputs(&self, n0: usize) -> Result<InputSets> {
        let u = &self.u_input;
        if let Some(r) = &u.random {
            if !u.training.is_empty() || !u.validation.is_empty() {
                return Err(bad(
                    "u_input",
                    "give either random or training/validation lists",
                ));
            }
            let (lo, hi) = limits("u_input.random.limits", r.limits)?;
            if r.training == 0 || r.validation == 0 {
                return Err(bad(
                    "u_input.random",
                    "needs ≥ 1 training and ≥ 1 validation input",
                ));
            }
            let mut rng = NumpyRng::new(r.seed);
            let mut draw = |n: usize| -> Vec<Vec<f64>> {
                (0..n)
                    .map(|_| (0..n0).map(|_| rng.uniform(lo, hi)).collect())
                    .collect()
            };
            let tr = draw(r.training);
            let va = draw(r.validation);
            return Ok((tr, va));
        }
        let conv = |name: &str, xs: &[ScalarOrVec]| -> Result<Vec<Vec<f64>>> {
            if xs.is_empty() {
                return Err(bad(&format!("u_input.{name}"), "needs at least one input"));
            }
            xs.iter()
                .enumerate()
                .map(|(i, x)| match x {
                    ScalarOrVec::Scalar(_) if n0 != 1 => Err(bad(
                        &format!("u_input.{name}[{i}]"),
                        format!("needs a vector of {n0} values (dims[0] = {n0})"),
                    )),
                    _ => vector(&format!("u_input.{name}[{i}]"), x, n0),
                })
                .collect()
        };
        Ok((
            conv("training", &u.training)?,
            conv("validation", &u.validation)?,
        ))
    }

    /// The recorded quantities as (layer, quantity).
    pub fn recorded(&self, dims: &[usize]) -> Result<Vec<(usize, Quantity)>> {
        let key = "student_simulation_settings.recorded_quantities";
        let rq = &self.student_simulation_settings.recorded_quantities;
        if rq.len() > dims.len() {
            return Err(bad(
                key,
                format!("{} layers listed, the network has {}", rq.len(), dims.len()),
            ));
        }
        let l = dims.len() - 1;
        let mut out = Vec::new();
        for (layer, names) in rq.iter().enumerate() {
            for n in names {
                let q = Quantity::parse(n).ok_or_else(|| {
                    bad(
                        &format!("{key}[{layer}]"),
                        format!("unknown quantity '{n}'"),
                    )
                })?;
                let ok = match layer {
                    0 => q == Quantity::UIn,
                    x if x == l => matches!(
                        q,
                        Quantity::UPyr
                            | Quantity::VBas
                            | Quantity::VNudge
                            | Quantity::UTgt
                            | Quantity::WUp
                            | Quantity::Validation
                            | Quantity::Symmetrization
                    ),
                    _ => matches!(
                        q,
                        Quantity::UPyr
                            | Quantity::VBas
                            | Quantity::VApi
                            | Quantity::UInn
                            | Quantity::WUp
                            | Quantity::WDown
                    ),
                };
                if !ok {
                    return Err(bad(
                        &format!("{key}[{layer}]"),
                        format!("layer {layer} has no quantity '{n}'"),
                    ));
                }
                out.push((layer, q));
            }
        }
        Ok(out)
    }

    /// Refuses a run that would not fit in `limits.memory`, before any weight is drawn: the
    /// networks (synapses and per-unit state, one weight snapshot per epoch) and the
    /// recorders (`recorded_quantities` rows of `recorded_sample_length` steps; with
    /// `record_all_spks` every spike, 16 bytes, counted at the highest possible rate of one
    /// spike per t_ref per unit). The message names the key that decides the size.
    pub fn check_memory(&self, limits: &crate::experiment::Limits) -> Result<()> {
        let net = self.net()?;
        let d = &net.dims;
        let s = &self.student_simulation_settings;
        limits.check_memory(
            net.memory_estimate(s.num_epochs),
            "network_properties.dims",
            &format!("a network of dims {d:?} ({} synapses)", net.synapses()),
        )?;
        let steps = (s.num_epochs as u64)
            .saturating_mul((s.len_epoch + s.len_validation) as u64)
            .saturating_mul(s.t_pattern)
            .saturating_mul(net.t_ref as u64);
        if s.record_all_spks {
            let l = d.len() - 1;
            let units: u64 = d.iter().map(|&x| x as u64).sum::<u64>()
                + (1..l).map(|k| d[k + 1] as u64).sum::<u64>();
            let spikes = units.saturating_mul(steps / net.t_ref.max(1) as u64);
            limits.check_memory(
                spikes.saturating_mul(16),
                "student_simulation_settings.record_all_spks",
                &format!("recording every spike ({units} units, {steps} steps)"),
            )?;
        }
        let items = self.recorded(d)?;
        if !items.is_empty() {
            let width: u64 = items
                .iter()
                .map(|&(layer, q)| match q {
                    Quantity::WUp => (d[layer] * d[layer.saturating_sub(1)]) as u64,
                    Quantity::WDown => (d[layer] * d.get(layer + 1).copied().unwrap_or(0)) as u64,
                    Quantity::Validation | Quantity::Symmetrization => 1,
                    _ => d[layer] as u64,
                })
                .sum();
            let rows = steps / s.recorded_sample_length.max(1);
            limits.check_memory(
                rows.saturating_mul(width).saturating_mul(8),
                "student_simulation_settings.recorded_sample_length",
                &format!(
                    "recording {width} numbers every {} steps",
                    s.recorded_sample_length
                ),
            )?;
        }
        Ok(())
    }

    /// Checks everything that can be checked without running.
    pub fn validate(&self) -> Result<()> {
        let net = self.net()?;
        let d = &net.dims;
        self.biases(true, d)?;
        self.biases(false, d)?;
        self.teacher_weights(d)?;
        self.student_weights(d)?;
        self.inputs(d[0])?;
        self.recorded(d)?;
        let s = &self.student_simulation_settings;
        let k = "student_simulation_settings";
        if s.len_epoch == 0 {
            return Err(bad(&format!("{k}.len_epoch"), "must be ≥ 1"));
        }
        if s.len_symmetrization >= s.len_epoch && s.len_symmetrization > 0 {
            return Err(bad(
                &format!("{k}.len_symmetrization"),
                format!("must be < len_epoch ({})", s.len_epoch),
            ));
        }
        for (name, v) in [
            ("len_validation", s.len_validation as u64),
            ("num_epochs", s.num_epochs as u64),
            ("t_pattern", s.t_pattern),
            ("recorded_sample_length", s.recorded_sample_length),
        ] {
            if v == 0 {
                return Err(bad(&format!("{k}.{name}"), "must be ≥ 1"));
            }
        }
        if s.num_epochs > 1_000_000 {
            return Err(bad(&format!("{k}.num_epochs"), "more than 10^6 epochs"));
        }
        let len = s.t_pattern * net.t_ref as u64;
        if net.learning_lag >= len {
            return Err(bad(
                "network_properties.learning_lag",
                format!(
                    "{} steps is not shorter than a student pattern ({len} steps)",
                    net.learning_lag
                ),
            ));
        }
        let t = &self.teacher_simulation_settings;
        if t.t_pattern == 0 {
            return Err(bad("teacher_simulation_settings.t_pattern", "must be ≥ 1"));
        }
        if net.learning_lag >= t.t_pattern * net.t_ref as u64 {
            return Err(bad(
                "network_properties.learning_lag",
                "not shorter than a teacher pattern",
            ));
        }
        Ok(())
    }
}
