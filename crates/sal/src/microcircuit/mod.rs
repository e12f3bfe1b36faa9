//! Spiking cortical microcircuits with learned feedback (spec `microcircuits.md`, simulator M3
//! of `models.md` §8): the teacher–student experiment of the paper's Fig 6 and its extension
//! to wider and deeper networks.
//!
//! A network with layer sizes `dims = [n_0, …, n_L]` has input units (layer 0), hidden layers
//! ℓ = 1 … L−1 made of pyramidal units (basal dendrite fed by W_up from below, apical dendrite
//! fed by W_down from the pyramidal units above and W_pi from the layer's interneurons) plus
//! one interneuron per unit of layer ℓ+1 (fed by W_ip), and a nudged output layer L. Time is in
//! steps; t_ref = τ_syn = 10 steps in every shipped file. The per-step order of operations,
//! the moving averages, the forward (Urbanczik–Senn-like) rule, the SAL rule on W_down and the
//! self-predicting state are implemented exactly as `models.md` §8 describes (conventions
//! [`crate::conventions::Conventions::MICROCIRCUIT_M3`]: minimum ISI t_ref, PSP on for
//! t − s = 0 … τ_syn − 1, i.e. it acts on spike decisions one step later).
//!
//! Random numbers come from NumPy's `default_rng` streams ([`crate::rng_numpy`]) with the
//! reference's seeds, so a run replays the reference's input noise draw for draw.

mod network;
mod protocol;

use crate::control::Halt;

pub use network::{Microcircuit, MovingAverage, Quantity};
pub use protocol::{
    Kind, RunResult, Schedule, StudentSpec, TargetSets, TeacherSpec, draw_initial_weights,
    draw_schedule, slot_kind, student, teacher, teacher_with,
};

/// Why a microcircuit could not be set up or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MicroError {
    /// An invalid set-up: `field` names the offending parameter by its key path in the
    /// reference's YAML files (e.g. `network_properties.dims`), `reason` says what is wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// The offending parameter (YAML key path).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The run was interrupted, or a weight or membrane became non-finite.
    #[error(transparent)]
    Halt(#[from] Halt),
}

impl From<String> for MicroError {
    /// From a "field: reason" message.
    fn from(m: String) -> Self {
        match m.split_once(": ") {
            Some((f, r)) => MicroError::Invalid {
                field: f.to_string(),
                reason: r.to_string(),
            },
            None => MicroError::Invalid {
                field: "microcircuit".into(),
                reason: m,
            },
        }
    }
}

impl From<&str> for MicroError {
    fn from(m: &str) -> Self {
        MicroError::from(m.to_string())
    }
}

/// A dense matrix in \[post\]\[pre\] order (row-major), the reference's weight layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    /// Number of rows (post-synaptic units).
    pub rows: usize,
    /// Number of columns (pre-synaptic units).
    pub cols: usize,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl Mat {
    /// A rows × cols matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A rows × cols matrix filled with `v`.
    pub fn filled(rows: usize, cols: usize, v: f64) -> Self {
        Self {
            rows,
            cols,
            data: vec![v; rows * cols],
        }
    }

    /// Element (i, j).
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// The transpose.
    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t.data[j * self.rows + i] = self.at(i, j);
            }
        }
        t
    }

    /// Rows as nested vectors (for JSON output).
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.data
            .chunks(self.cols.max(1))
            .map(|r| r.to_vec())
            .collect()
    }
}

/// Angle in degrees between two equally shaped matrices seen as vectors (0° = parallel,
/// 90° = orthogonal; NaN if either is zero). The alignment measure of the feedback weights:
/// `angle_deg(W_down(ℓ), W_up(ℓ+1)ᵀ)`.
pub fn angle_deg(a: &Mat, b: &Mat) -> f64 {
    assert_eq!(
        (a.rows, a.cols),
        (b.rows, b.cols),
        "angle_deg: shapes differ"
    );
    crate::metrics::angle_deg(&a.data, &b.data)
}

/// Learning rates of one layer (entry ℓ−1 of the file's `lr` list).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerRates {
    /// η of the forward weights W_up of this layer.
    pub up: f64,
    /// η of the top-down weights W_down (hidden layers only; 0 for the output).
    pub down: f64,
}

/// The network properties shared by teacher and student (`network_properties`).
#[derive(Debug, Clone, PartialEq)]
pub struct NetParams {
    /// Layer sizes [n_0, …, n_L] (at least 3 layers: input, ≥ 1 hidden, output).
    pub dims: Vec<usize>,
    /// λ_api: weight of the apical potential in the pyramidal membrane.
    pub lambda_api: f64,
    /// λ_nudge: strength of the output nudging towards the target.
    pub lambda_nudge: f64,
    /// Steps at the start of every pattern without forward learning and output averaging.
    pub learning_lag: u64,
    /// Learning rates, one entry per non-input layer.
    pub lr: Vec<LayerRates>,
    /// Number of stored spikes per unit (PSP and SAL sums run over them).
    pub n_last_spks: usize,
    /// Window of the moving averages ū_pyr, v̄_bas (steps).
    pub size_moving_average: usize,
    /// SAL amplitude for pre-before-post pairs (a_causal, −1 in the paper).
    pub a_causal: f64,
    /// SAL amplitude for post-before-pre pairs (a_anticausal, +1).
    pub a_anticausal: f64,
    /// SAL time constant of causal pairs (steps).
    pub tau_causal: f64,
    /// SAL time constant of anti-causal pairs (steps).
    pub tau_anticausal: f64,
    /// Refractory time t_ref (steps; minimum ISI t_ref).
    pub t_ref: u32,
    /// Length of the rectangular PSP τ_syn (steps, spike step included).
    pub tau_syn: u32,
}

impl NetParams {
    /// Number of layers L+1.
    pub fn n_layers(&self) -> usize {
        self.dims.len()
    }

    /// Plastic synapses of one network: W_up of every layer plus, per hidden layer, W_down and
    /// its interneuron copies W_ip and W_pi.
    pub fn synapses(&self) -> u64 {
        let d: Vec<u64> = self.dims.iter().map(|&x| x as u64).collect();
        let l = d.len().saturating_sub(1);
        let up: u64 = (1..=l).map(|k| d[k] * d[k - 1]).sum();
        let down: u64 = (1..l).map(|k| d[k] * d[k + 1]).sum();
        up + 3 * down
    }

    /// Bytes a teacher–student run of `epochs` epochs holds at its peak, estimated from the
    /// synapses and the per-unit state: the teacher's and the student's networks, the initial
    /// weights, one weight snapshot per epoch (kept for the result), and per unit the
    /// moving-average windows and spike histories (8 bytes per number).
    pub fn memory_estimate(&self, epochs: usize) -> u64 {
        let w = self.dims.iter().map(|&x| x as u64).collect::<Vec<_>>();
        let l = w.len().saturating_sub(1);
        let weights: u64 = (1..=l).map(|k| w[k] * w[k - 1]).sum::<u64>()
            + (1..l).map(|k| w[k] * w[k + 1]).sum::<u64>();
        let units: u64 = w.iter().sum::<u64>() + (1..l).map(|k| w[k + 1]).sum::<u64>();
        let per_unit = 2 * self.size_moving_average as u64 + self.n_last_spks as u64 + 16;
        8 * (2 * self.synapses() + (epochs as u64 + 2) * weights + 2 * units * per_unit)
    }

    /// Checks shapes and values; the message names the offending field.
    pub fn validate(&self) -> Result<(), MicroError> {
        if self.dims.len() < 3 {
            return Err(format!(
                "network_properties.dims: needs at least 3 layers (input, hidden, output), got {}",
                self.dims.len()
            )
            .into());
        }
        if let Some(k) = self.dims.iter().position(|&d| d == 0) {
            return Err(format!("network_properties.dims[{k}]: must be ≥ 1").into());
        }
        if self.lr.len() != self.dims.len() - 1 {
            return Err(format!(
                "network_properties.lr: needs one entry per non-input layer ({}), got {}",
                self.dims.len() - 1,
                self.lr.len()
            )
            .into());
        }
        if self.t_ref == 0 {
            return Err("network_properties.t_ref: must be ≥ 1".into());
        }
        if self.tau_syn == 0 {
            return Err("network_properties.tau_syn: must be ≥ 1".into());
        }
        if self.n_last_spks == 0 {
            return Err("network_properties.n_last_spks: must be ≥ 1".into());
        }
        if self.size_moving_average == 0 {
            return Err("network_properties.size_moving_average: must be ≥ 1".into());
        }
        for (name, v) in [
            ("stdp_tau_causal", self.tau_causal),
            ("stdp_tau_anticausal", self.tau_anticausal),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("network_properties.{name}: must be > 0, got {v}").into());
            }
        }
        for (name, v) in [
            ("lambda_api", self.lambda_api),
            ("lambda_nudge", self.lambda_nudge),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(
                    format!("network_properties.{name}: must be in [0, 1], got {v}").into(),
                );
            }
        }
        Ok(())
    }
}

/// All plastic weights of a network: `up[ℓ−1]` = W_up of layer ℓ (n_ℓ × n_ℓ−1) for
/// ℓ = 1 … L, `down[ℓ−1]` = W_down of hidden layer ℓ (n_ℓ × n_ℓ+1) for ℓ = 1 … L−1.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Forward weights per non-input layer.
    pub up: Vec<Mat>,
    /// Top-down weights per hidden layer.
    pub down: Vec<Mat>,
}

impl Weights {
    /// All-zero weights for `dims`.
    pub fn zeros(dims: &[usize]) -> Self {
        let l = dims.len() - 1;
        Self {
            up: (1..=l).map(|k| Mat::zeros(dims[k], dims[k - 1])).collect(),
            down: (1..l).map(|k| Mat::zeros(dims[k], dims[k + 1])).collect(),
        }
    }

    /// angle(W_down(ℓ), W_up(ℓ+1)ᵀ) in degrees for every hidden layer ℓ.
    pub fn feedback_angles(&self) -> Vec<f64> {
        self.down
            .iter()
            .enumerate()
            .map(|(k, d)| angle_deg(d, &self.up[k + 1].transpose()))
            .collect()
    }
}
