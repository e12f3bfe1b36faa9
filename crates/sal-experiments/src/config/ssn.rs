//! Scenario files of the spiking sampling networks (`params/ssn/`, `params/ssn_v3/`,
//! `params/tests-fixtures/ssn_smoke.yaml`), unchanged, plus two optional extensions:
//! `protocol: v2|v3` (default: v3 if the file has `exp_type`, else v2) and
//! `engine: clock` (the simulation engine).

use crate::error::{Error, Result};
use sal::engine::EngineKind;
use sal::sampling::boltzmann::MAX_UNITS;
use sal::sampling::init::{InitParams, InitialConditions};
use sal::sampling::training::{Protocol, TrainParams};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A sampling-network scenario file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SsnConfig {
    /// Scenario name (v3 files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_type: Option<String>,
    /// Free-form tags (v3 files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Number of neurons N.
    pub dim: usize,
    /// Seeds of the target, the initialisation and the simulation.
    pub seed: Seeds,
    /// Beta distribution of the target parameters.
    pub distr: Distr,
    /// Neuron parameters.
    pub sim_params: SimParams,
    /// Training iterations.
    pub num_epochs: usize,
    /// Validation every `val_step` iterations (from 0).
    pub val_step: usize,
    /// Sleep-duration factor of validation iterations.
    pub val_factor: usize,
    /// Learning rates.
    pub lr: Lr,
    /// Sleep duration in units of t_ref.
    pub dur: usize,
    /// σ_init: synaptic (initial-weight) noise.
    pub init_noise: f64,
    /// Std of the symmetric initial weights.
    pub weight_init: f64,
    /// Std of the initial biases.
    pub bias_init: f64,
    /// Weight clipping bound.
    pub max_w: f64,
    /// Bias clipping bound.
    pub max_b: f64,
    /// STDP rules.
    pub stdp: Stdp,
    /// Training-iteration version (extension; default from `exp_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<ProtocolName>,
    /// Simulation engine (extension; default `event`, the faster exact one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineName>,
}

/// Engine names in files.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    /// Clock-driven.
    Clock,
    /// Event-driven.
    Event,
}

impl EngineName {
    /// The core's engine kind.
    pub fn kind(self) -> EngineKind {
        match self {
            EngineName::Clock => EngineKind::Clock,
            EngineName::Event => EngineKind::Event,
        }
    }
}

/// `seed` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Seeds {
    /// Target seed.
    pub distr: u64,
    /// Initialisation (and amplitude-noise) seed.
    pub init: u64,
    /// Simulation seed.
    pub sim: u64,
}

/// `distr` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Distr {
    /// Beta α.
    pub alpha: f64,
    /// Beta β.
    pub beta: f64,
}

/// `sim_params` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SimParams {
    /// Refractory period (steps).
    pub t_ref: usize,
    /// PSP length (steps).
    pub tau_syn: usize,
    /// Unused by the reference (discrepancy B2); accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_last_spikes: Option<usize>,
}

/// `lr` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lr {
    /// η_b.
    pub bias: f64,
    /// η_w.
    pub weight: f64,
    /// η_SAL.
    pub symm: f64,
    /// λ (Kolen–Pollack decay; absent → 0).
    #[serde(default)]
    pub kp: f64,
}

/// `stdp` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stdp {
    /// K of the pair accumulation (only 1 is used by the paper).
    pub num_last_spikes: usize,
    /// Hebbian (wake–sleep) window.
    pub ws: StdpRule,
    /// SAL window (only `tau_minus` is effective, discrepancy B5).
    pub sal: StdpRule,
}

/// One triangular STDP window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StdpRule {
    /// Mean amplitude.
    pub a_plus: f64,
    /// Ignored by the reference (B5).
    pub a_minus: f64,
    /// Ignored: τ− is used for both sides (B3).
    pub tau_plus: f64,
    /// Window width τ (steps).
    pub tau_minus: f64,
    /// σ_stdp: amplitude noise (only `ws.noise` is effective, B5).
    pub noise: f64,
}

/// Protocol names in files.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolName {
    /// Main branch.
    V2,
    /// Published v3.
    V3,
}

fn check(ok: bool, key: &str, reason: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(key, reason))
    }
}

impl SsnConfig {
    /// The protocol in force.
    pub fn protocol(&self) -> Protocol {
        match self.protocol {
            Some(ProtocolName::V2) => Protocol::V2,
            Some(ProtocolName::V3) => Protocol::V3,
            None if self.exp_type.is_some() => Protocol::V3,
            None => Protocol::V2,
        }
    }

    /// Checks every value; errors name `source: key`.
    pub fn validate(&self, source: &str) -> Result<()> {
        let k = |key: &str| format!("{source}: {key}");
        check(self.dim >= 1, &k("dim"), "must be at least 1")?;
        check(
            self.dim <= MAX_UNITS,
            &k("dim"),
            &format!(
                "{} is above the limit of {MAX_UNITS} neurons (exact 2^N enumeration)",
                self.dim
            ),
        )?;
        check(
            self.sim_params.t_ref >= 1,
            &k("sim_params.t_ref"),
            "must be at least 1 step",
        )?;
        check(
            self.sim_params.tau_syn >= 1,
            &k("sim_params.tau_syn"),
            "must be at least 1 step",
        )?;
        check(self.num_epochs >= 1, &k("num_epochs"), "must be at least 1")?;
        check(self.val_step >= 1, &k("val_step"), "must be at least 1")?;
        check(self.val_factor >= 1, &k("val_factor"), "must be at least 1")?;
        check(self.dur >= 1, &k("dur"), "must be at least 1 (t_ref units)")?;
        let steps = self.dur as u128 * self.sim_params.t_ref as u128 * self.val_factor as u128;
        check(
            steps < 1 << 53,
            &k("dur"),
            "dur·t_ref·val_factor is too large",
        )?;
        for (key, v) in [
            ("lr.bias", self.lr.bias),
            ("lr.weight", self.lr.weight),
            ("lr.symm", self.lr.symm),
        ] {
            check(
                v.is_finite() && v >= 0.0,
                &k(key),
                "must be a finite number ≥ 0",
            )?;
        }
        check(
            self.lr.kp.is_finite() && (0.0..1.0).contains(&self.lr.kp),
            &k("lr.kp"),
            "must be in [0, 1)",
        )?;
        for (key, v) in [
            ("init_noise", self.init_noise),
            ("weight_init", self.weight_init),
            ("bias_init", self.bias_init),
            ("stdp.ws.noise", self.stdp.ws.noise),
            ("stdp.sal.noise", self.stdp.sal.noise),
        ] {
            check(
                v.is_finite() && v >= 0.0,
                &k(key),
                "must be a finite number ≥ 0",
            )?;
        }
        for (key, v) in [
            ("max_w", self.max_w),
            ("max_b", self.max_b),
            ("distr.alpha", self.distr.alpha),
            ("distr.beta", self.distr.beta),
            ("stdp.ws.tau_minus", self.stdp.ws.tau_minus),
            ("stdp.sal.tau_minus", self.stdp.sal.tau_minus),
        ] {
            check(
                v.is_finite() && v > 0.0,
                &k(key),
                "must be a finite number > 0",
            )?;
        }
        for (key, v) in [
            ("stdp.ws.a_plus", self.stdp.ws.a_plus),
            ("stdp.ws.a_minus", self.stdp.ws.a_minus),
            ("stdp.sal.a_plus", self.stdp.sal.a_plus),
            ("stdp.sal.a_minus", self.stdp.sal.a_minus),
            ("stdp.ws.tau_plus", self.stdp.ws.tau_plus),
            ("stdp.sal.tau_plus", self.stdp.sal.tau_plus),
        ] {
            check(v.is_finite(), &k(key), "must be a finite number")?;
        }
        check(
            self.stdp.num_last_spikes == 1,
            &k("stdp.num_last_spikes"),
            "only K = 1 (pairs with the most recent spike, as in every paper file) is supported",
        )?;
        Ok(())
    }

    /// The typed training parameters.
    pub fn train_params(&self) -> TrainParams {
        TrainParams {
            n: self.dim,
            t_ref: self.sim_params.t_ref,
            tau_syn: self.sim_params.tau_syn,
            num_epochs: self.num_epochs,
            val_step: self.val_step,
            val_factor: self.val_factor,
            lr_bias: self.lr.bias,
            lr_weight: self.lr.weight,
            lr_symm: self.lr.symm,
            lr_kp: self.lr.kp,
            dur: self.dur,
            max_w: self.max_w,
            max_b: self.max_b,
            ws_tau: self.stdp.ws.tau_minus,
            sal_tau: self.stdp.sal.tau_minus,
            protocol: self.protocol(),
            engine: self.engine.map(EngineName::kind).unwrap_or_default(),
        }
    }

    /// Parameters of our own random draws (used without `--init`).
    pub fn init_params(&self) -> InitParams {
        InitParams {
            n: self.dim,
            alpha: self.distr.alpha,
            beta: self.distr.beta,
            weight_init: self.weight_init,
            bias_init: self.bias_init,
            init_noise: self.init_noise,
            stdp_noise: self.stdp.ws.noise,
            a_plus: self.stdp.ws.a_plus,
            clip_amplitudes_at_zero: self.protocol() == Protocol::V3,
        }
    }
}

/// Loads run `index` of an initial-conditions file (`params/derived/ssn_*.json`: either
/// `{"runs": [...]}` or a single run object) and checks it against N.
pub fn load_initial_conditions(path: &Path, index: usize, n: usize) -> Result<InitialConditions> {
    let name = path.display().to_string();
    let v = super::read_init_json(path)?;
    let run = match v.get("runs").and_then(|r| r.as_array()) {
        Some(runs) => super::init_run(runs, index, &name)?,
        None if index == 0 => &v,
        None => {
            return Err(Error::invalid(
                "--init-index",
                format!("{index} is out of range: {name} holds a single run (index 0)"),
            ));
        }
    };
    let mat = |key: &str| -> Result<Vec<f64>> {
        let rows = run.get(key).and_then(|x| x.as_array()).ok_or_else(|| {
            Error::invalid(
                format!("--init {name}"),
                format!("run {index} has no matrix '{key}'"),
            )
        })?;
        let mut out = Vec::with_capacity(n * n);
        if rows.len() != n {
            return Err(Error::invalid(
                format!("--init {name}"),
                format!("'{key}' has {} rows, the config has dim = {n}", rows.len()),
            ));
        }
        for r in rows {
            let r = r.as_array().filter(|r| r.len() == n).ok_or_else(|| {
                Error::invalid(format!("--init {name}"), format!("'{key}' is not {n}×{n}"))
            })?;
            for x in r {
                out.push(x.as_f64().ok_or_else(|| {
                    Error::invalid(
                        format!("--init {name}"),
                        format!("'{key}' has a non-number"),
                    )
                })?);
            }
        }
        Ok(out)
    };
    let vecn = |key: &str| -> Result<Vec<f64>> {
        let xs = run
            .get(key)
            .and_then(|x| x.as_array())
            .filter(|x| x.len() == n)
            .ok_or_else(|| {
                Error::invalid(
                    format!("--init {name}"),
                    format!("run {index} has no vector '{key}' of length {n}"),
                )
            })?;
        xs.iter()
            .map(|x| {
                x.as_f64().ok_or_else(|| {
                    Error::invalid(
                        format!("--init {name}"),
                        format!("'{key}' has a non-number"),
                    )
                })
            })
            .collect()
    };
    Ok(InitialConditions {
        w_target: mat("w_target")?,
        b_target: vecn("b_target")?,
        w_init: mat("w_init")?,
        b_init: vecn("b_init")?,
        ws_amplitude: mat("ws_amplitude")?,
        sal_amplitude: mat("sal_amplitude")?,
    })
}
