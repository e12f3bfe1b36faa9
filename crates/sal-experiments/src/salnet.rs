//! Pure SAL symmetrisation of a SALNet (Fig 9; the reference script `salnet_symm.py`,
//! spec `deep.md` §2.4): a layered spiking network with its own random weights runs
//! `n_epochs` epochs of `len_epoch·t_ref` steps, each followed by one SAL update of every
//! feedback matrix B_k; the alignment of W_(k+1) with B_kᵀ is recorded before the first epoch
//! and after each, under the reference's keys `symm/angle/k`, `symm/var/k`, `symm/corrcoef/k`.
//!
//! A file is of this kind when it has the top-level keys `sal_lr` and `len_epoch`
//! (`configs/salnet/fig9.yaml`). `--init FILE.npz` gives initial weights: arrays `W_k`
//! (n_k × n_(k−1)), `B_k` (n_k × n_(k+1)), `b_k` (n_k), any subset; the others are drawn.

use crate::config::{apply_sets, parse};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, Extras, InitRef, Kind, Limits, Outcome, has_key};
use crate::out::Array;
use crate::progress::Ctx;
use sal::salnet::{SalNetError, SalWeights, SymmetriseConfig, SymmetriseResult, symmetrise};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use serde_norway::Value;
use std::any::Any;
use std::path::{Path, PathBuf};

/// The SALNet kind: files with top-level `sal_lr` and `len_epoch`.
pub struct SalNetKind;

/// A SALNet symmetrisation file (the reference script's parameter names plus `dims`, `seed`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SalNetConfig {
    /// Layer sizes [n_0, …, n_L] (at least 2 layers).
    pub dims: Vec<usize>,
    /// Refractory period in steps (PSP length t_ref, spike buffer 2·t_ref).
    pub t_ref: usize,
    /// Number of epochs (one B update after each).
    pub n_epochs: usize,
    /// Epoch length in units of t_ref (an epoch has len_epoch·t_ref steps).
    pub len_epoch: usize,
    /// SAL learning rate η of every feedback matrix.
    pub sal_lr: f64,
    /// Independent copies sharing the weights.
    pub batchsize: usize,
    /// Seed of the initial weights (those not given by `--init`) and of the spike streams.
    pub seed: u64,
    /// Epochs whose feedback matrices are kept for the scatter plots (default 0, 50, 100 as
    /// far as the run goes, and the last epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_epochs: Option<Vec<usize>>,
}

impl SalNetConfig {
    /// Fig 9: [1600, 384, 192, 10], t_ref 10, 100 epochs of 1000·t_ref steps, η 0.01,
    /// batch 1.
    pub fn fig9(seed: u64) -> Self {
        let c = SymmetriseConfig::fig9(seed);
        SalNetConfig {
            dims: c.dims,
            t_ref: c.t_ref,
            n_epochs: c.n_epochs,
            len_epoch: c.len_epoch,
            sal_lr: c.sal_lr,
            batchsize: c.batchsize,
            seed,
            snapshot_epochs: None,
        }
    }

    /// The epochs whose feedback is kept.
    pub fn snapshots(&self) -> Vec<usize> {
        let mut v = self.snapshot_epochs.clone().unwrap_or_else(|| {
            let mut d = vec![0, 50, 100];
            d.push(self.n_epochs);
            d
        });
        v.retain(|&e| e <= self.n_epochs);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The core's settings.
    pub fn symmetrise(&self) -> SymmetriseConfig {
        SymmetriseConfig {
            dims: self.dims.clone(),
            t_ref: self.t_ref,
            n_epochs: self.n_epochs,
            len_epoch: self.len_epoch,
            sal_lr: self.sal_lr,
            batchsize: self.batchsize,
            seed: self.seed,
            snapshot_epochs: self.snapshots(),
        }
    }

    /// Checks every key; the error names it (`source: key`).
    pub fn validate(&self, source: &str) -> Result<()> {
        let bad = |key: &str, why: String| Err(Error::invalid(format!("{source}: {key}"), why));
        if self.dims.len() < 2 {
            return bad(
                "dims",
                format!(
                    "needs at least 2 layers (input and output), got {}",
                    self.dims.len()
                ),
            );
        }
        if let Some(k) = self.dims.iter().position(|&d| d == 0) {
            return bad(&format!("dims[{k}]"), "must be ≥ 1".into());
        }
        if self.t_ref == 0 {
            return bad("t_ref", "must be ≥ 1 step".into());
        }
        if self.len_epoch == 0 {
            return bad("len_epoch", "must be ≥ 1".into());
        }
        if self.batchsize == 0 {
            return bad("batchsize", "must be ≥ 1".into());
        }
        if !(self.sal_lr.is_finite() && self.sal_lr >= 0.0) {
            return bad(
                "sal_lr",
                format!("must be a finite rate ≥ 0, got {}", self.sal_lr),
            );
        }
        // anything the core refuses, under the core's key
        self.symmetrise()
            .params()
            .validate()
            .map_err(|e| core_error(source, e))
    }

    /// Steps of the whole run.
    pub fn total_steps(&self) -> u64 {
        self.n_epochs as u64 * self.len_epoch as u64 * self.t_ref as u64
    }
}

fn core_error(source: &str, e: SalNetError) -> Error {
    match e {
        SalNetError::Invalid { field, reason } => {
            Error::invalid(format!("{source}: {field}"), reason)
        }
        SalNetError::Halt(h) => Error::Failed(h.to_string()),
    }
}

/// Reads initial weights from an `.npz` archive: arrays named `W_k`, `B_k`, `b_k` (float64 or
/// float32) replace the drawn ones; shapes must match `dims`. Errors name the file and array.
pub fn load_init_npz(path: &Path, dims: &[usize], drawn: SalWeights) -> Result<SalWeights> {
    use ndarray::{ArrayD, IxDyn};
    use ndarray_npy::NpzReader;
    let flag = format!("--init {}", path.display());
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut npz = NpzReader::new(f).map_err(|e| Error::invalid(&flag, e.to_string()))?;
    let names = npz
        .names()
        .map_err(|e| Error::invalid(&flag, e.to_string()))?;
    let l = dims.len() - 1;
    let mut w = drawn;
    let mut used = 0;
    for raw in names {
        let name = raw.strip_suffix(".npy").unwrap_or(&raw).to_string();
        let parsed = name
            .split_once('_')
            .and_then(|(a, k)| k.parse::<usize>().ok().map(|k| (a.to_string(), k)));
        let (what, k) = match parsed {
            Some((a, k)) if ["W", "B", "b"].contains(&a.as_str()) => (a, k),
            _ => {
                return Err(Error::invalid(
                    format!("{flag}: {name}"),
                    "unknown array (expected W_k, B_k or b_k)",
                ));
            }
        };
        let shape: Vec<usize> = match what.as_str() {
            "W" if (1..=l).contains(&k) => vec![dims[k], dims[k - 1]],
            "B" if k < l => vec![dims[k], dims[k + 1]],
            "b" if k <= l => vec![dims[k]],
            _ => {
                return Err(Error::invalid(
                    format!("{flag}: {name}"),
                    format!("no such array for dims {dims:?}"),
                ));
            }
        };
        let arr: ArrayD<f64> = match npz.by_name::<ndarray::OwnedRepr<f64>, IxDyn>(&raw) {
            Ok(a) => a,
            Err(_) => npz
                .by_name::<ndarray::OwnedRepr<f32>, IxDyn>(&raw)
                .map_err(|e| Error::invalid(format!("{flag}: {name}"), e.to_string()))?
                .mapv(f64::from),
        };
        if arr.shape() != shape.as_slice() {
            return Err(Error::invalid(
                format!("{flag}: {name}"),
                format!("has shape {:?}, dims {dims:?} need {shape:?}", arr.shape()),
            ));
        }
        let v: Vec<f64> = arr.iter().copied().collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(
                format!("{flag}: {name}"),
                format!("entry {i} is {}", v[i]),
            ));
        }
        match what.as_str() {
            "W" => w.w[k] = v,
            "B" => w.fb[k] = v,
            _ => w.bias[k] = v,
        }
        used += 1;
    }
    if used == 0 {
        return Err(Error::invalid(&flag, "holds no W_k, B_k or b_k array"));
    }
    Ok(w)
}

/// A validated SALNet experiment.
#[derive(Debug, Clone)]
pub struct SalNetExperiment {
    /// The configuration.
    pub config: SalNetConfig,
    /// Initial weights (drawn from `seed`, possibly replaced by `--init` arrays).
    pub init: SalWeights,
    /// Scenario name and initial-conditions file.
    pub extras: Extras,
    /// Scenario name.
    pub name: String,
}

impl SalNetExperiment {
    /// An experiment from a configuration (validated), weights drawn from its seed.
    pub fn new(config: SalNetConfig, name: &str) -> Result<Self> {
        config.validate(name)?;
        Ok(SalNetExperiment {
            init: SalWeights::random(&config.dims, config.seed),
            config,
            extras: Extras::default(),
            name: name.to_string(),
        })
    }
}

/// What a SALNet run produced.
#[derive(Debug, Clone)]
pub struct SalNetOutcome {
    /// The experiment.
    pub experiment: SalNetExperiment,
    /// Alignment series, snapshots, weights and rates.
    pub result: SymmetriseResult,
}

impl Kind for SalNetKind {
    fn name(&self) -> &'static str {
        "salnet"
    }

    fn recognises(&self, value: &Value) -> bool {
        has_key(value, "sal_lr") && has_key(value, "len_epoch")
    }

    fn prepare(
        &self,
        file: &Path,
        mut value: Value,
        sets: &[String],
        init: Option<InitRef>,
        limits: &Limits,
    ) -> Result<Box<dyn Experiment>> {
        let source = file.display().to_string();
        let extras = Extras::take(&mut value, init, &source)?;
        apply_sets(
            &mut value,
            sets,
            Some("SALNet runs have one simulator (event driven)"),
        )?;
        let config: SalNetConfig = parse(value, &source)?;
        config.validate(&source)?;
        // weights, feedback, their f32 copies, the SAL sums and a few snapshots
        let pairs: u64 = config.dims.windows(2).map(|p| (p[0] * p[1]) as u64).sum();
        let snaps = config.snapshots().len() as u64;
        limits.check_memory(
            pairs * (8 * 4 + 4 * 2 + 8 * snaps),
            "dims",
            "the network's weights and SAL sums",
        )?;
        let drawn = SalWeights::random(&config.dims, config.seed);
        let init = match &extras.init {
            Some(r) => {
                if r.index != 0 {
                    return Err(Error::invalid(
                        "--init-index",
                        "a SALNet .npz holds one set of weights (index 0)",
                    ));
                }
                load_init_npz(&r.given, &config.dims, drawn)?
            }
            None => drawn,
        };
        let name = extras.name(|| crate::experiment::scenario_name(file));
        Ok(Box::new(SalNetExperiment {
            config,
            init,
            extras,
            name,
        }))
    }
}

impl Experiment for SalNetExperiment {
    fn kind(&self) -> &'static str {
        "salnet"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn total_work(&self) -> u64 {
        self.config.total_steps()
    }

    fn resolved_yaml(&self) -> String {
        let mut c = self.config.clone();
        c.snapshot_epochs = Some(c.snapshots());
        serde_norway::to_string(&c).expect("serialisable") + &self.extras.yaml(&self.name)
    }

    fn input_files(&self) -> Vec<(String, PathBuf)> {
        self.extras.input_files()
    }

    fn engine(&self) -> Option<String> {
        Some("event".into())
    }

    fn run(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>> {
        let total = self.config.total_steps();
        let mut progress = ctx.reporter.task(&self.name, total, "steps");
        let result = {
            let mut tick = ctx.ticker(progress.as_mut());
            symmetrise(
                &self.config.symmetrise(),
                Some(self.init.clone()),
                &mut tick,
            )
        };
        progress.finish();
        let result = result.map_err(|e| match e {
            SalNetError::Halt(h) => ctx.halt(h),
            other => core_error(&self.name, other),
        })?;
        Ok(Box::new(SalNetOutcome {
            experiment: self.clone(),
            result,
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl SalNetOutcome {
    /// The reference's scalars: `symm/angle/k`, `symm/var/k`, `symm/corrcoef/k` (and
    /// `symm/sign/k`), each `n_epochs + 1` values (before the first epoch, after each).
    pub fn scalars(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        for (k, s) in self.result.layers.iter().enumerate() {
            m.insert(format!("symm/angle/{k}"), json!(s.angle_deg));
            m.insert(format!("symm/var/{k}"), json!(s.var));
            m.insert(format!("symm/corrcoef/{k}"), json!(s.corrcoef));
            m.insert(format!("symm/sign/{k}"), json!(s.sign));
        }
        m
    }
}

impl Outcome for SalNetOutcome {
    fn summary(&self) -> String {
        let parts: Vec<String> = self
            .result
            .layers
            .iter()
            .enumerate()
            .map(|(k, s)| {
                format!(
                    "B_{k} {:.1}° r={:.3}",
                    s.angle_deg.last().copied().unwrap_or(f64::NAN),
                    s.corrcoef.last().copied().unwrap_or(f64::NAN)
                )
            })
            .collect();
        format!("final alignment {}", parts.join(", "))
    }

    fn metrics(&self) -> Json {
        let exp = &self.experiment;
        let c = &exp.config;
        let init = match &exp.extras.init {
            None => json!({"source": "drawn", "seed": c.seed}),
            Some(r) => json!({"source": "file", "file": r.file.display().to_string()}),
        };
        json!({
            "scenario": exp.name,
            "dims": c.dims,
            "t_ref": c.t_ref,
            "n_epochs": c.n_epochs,
            "len_epoch": c.len_epoch,
            "sal_lr": c.sal_lr,
            "batchsize": c.batchsize,
            "seed": c.seed,
            "init": init,
            "epoch": (0..=c.n_epochs).collect::<Vec<_>>(),
            "scalars": self.scalars(),
            "rates": self.result.rates,
            "note": "symm/*/k compares W_(k+1) with B_k^T (deep.md §1.6): angle in degrees, unbiased variance of the difference, Pearson correlation, sign concordance; entry 0 before the first epoch, entry e after epoch e. rates: spikes per unit per step of each layer in each epoch",
        })
    }

    fn arrays(&self) -> Result<Vec<Array>> {
        let d = &self.experiment.config.dims;
        let l = d.len() - 1;
        let mut out = Vec::new();
        for (tag, w) in [
            ("initial", &self.result.initial),
            ("final", &self.result.final_weights),
        ] {
            for k in 1..=l {
                out.push(Array::mat(
                    format!("{tag}_W_{k}"),
                    d[k],
                    d[k - 1],
                    w.w[k].clone(),
                ));
            }
            for k in 0..l {
                out.push(Array::mat(
                    format!("{tag}_B_{k}"),
                    d[k],
                    d[k + 1],
                    w.fb[k].clone(),
                ));
            }
            for k in 0..=l {
                out.push(Array::vec(format!("{tag}_b_{k}"), &w.bias[k]));
            }
        }
        for (k, s) in self.result.layers.iter().enumerate() {
            out.push(Array::vec(format!("angle_{k}"), &s.angle_deg));
            out.push(Array::vec(format!("corrcoef_{k}"), &s.corrcoef));
        }
        Ok(out)
    }

    fn simulated_steps(&self) -> Option<u64> {
        Some(self.experiment.config.total_steps())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
