//! ConvNet runs of the paper's Fig 8 (spec `deep.md` §1): the reference's
//! `params/symm_net/exp_settings.yaml` (one section per feedback method) runs unchanged with
//! `--set method=<section>` and `--set dataset=<name or path.npz>`.
//!
//! Keys besides the file's sections (all optional except `method`):
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `method` | the section to run: `bp`, `fa`, `bp_w_fa`, `akrout`, `scfa`, `sal`, `rdd` | — |
//! | `dataset` | `digits` (shipped), `mnist`, `fashion_mnist`, `cifar10`, `svhn` or a path to an `.npz` | `digits` |
//! | `data_dir` | where the named datasets' files are | `data` |
//! | `shuffle` | reshuffle the training set every epoch (`false`: stored order, for exact replays) | `true` |
//! | `device` | `cpu` (sal-deep's hand-written CPU kernels, the fastest on a CPU); with the command line built with `--features burn`: `flex` (burn's CPU backend), and with `--features cuda` / `--features wgpu`: `cuda`, `cuda:N`, `wgpu` (burn's GPU backends; `wgpu` has no `float64`) | `cpu` |
//! | `seed` | initial parameters, shuffling and augmentation | `0` |
//! | `dtype` | `float32` (training, as the reference on GPU) or `float64` (exact replays of the reference's float64 oracle) | `float32` |
//!
//! With a method chosen, `--set params.<key>`, `sal_params.<key>` and `rdd_params.<key>`
//! address that method's section (`--set params.n_epochs=10` sets `fa.params.n_epochs` for
//! `method=fa`).
//!
//! A run directory holds `metrics.json` with the reference's `scalars` (`loss/train`,
//! `accuracy/train`, `loss/test`, `accuracy/test` per epoch; `symm/angle/k`, `symm/var/k`,
//! `symm/corrcoef/k`, `symm/sign/k` for fc layer k before the first epoch and after each),
//! `checkpoints/epoch_NNN.npz` every 10 epochs and `checkpoints/final.npz` (the reference's
//! parameter names: `conv1.weight`, `fc1.fb_weight`, `bn3.running_var`, …), `arrays.npz`
//! (the per-epoch scalars as arrays) and the run figures. `--init FILE.npz` takes such a
//! checkpoint (or the oracle file's `init/…` entries).

use crate::config::{apply_set, get_path, parse, refuse_engine};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, Extras, InitRef, Kind, Limits, Outcome, scenario_name};
use crate::out::{Array, js};
use crate::progress::Ctx;
use sal::control::Halt;
use sal::rdd::{PhaseSettings, RddNet};
use sal::salnet::{SalNet, SalNetError, SalNetParams, SalWeights};
use sal::transpose;
use sal_deep::data::npz::read_checkpoint;
use sal_deep::train::{EpochOptions, EpochStats, scalars};
use sal_deep::{ConvNet, DeepError, Hyper, Method, NamedTensor, Network};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use serde_norway::{Mapping, Value};
use std::any::Any;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Checkpoints are written every this many epochs (deep.md §1.5).
pub const CHECKPOINT_EVERY: usize = 10;

/// The top-level keys of a ConvNet run besides the method sections.
const RUN_KEYS: [&str; 7] = [
    "method", "dataset", "data_dir", "shuffle", "device", "seed", "dtype",
];

/// The ConvNet kind: files whose top level has method sections with a `params` block.
pub struct ConvNetKind;

/// `params` of a method section (deep.md §1.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// Training epochs.
    pub n_epochs: usize,
    /// Images per SGD step.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// Weight decay (used by `akrout` only, D5).
    pub weight_decay: f64,
    /// BP in the fc layers.
    pub use_backprop: bool,
    /// Kolen–Pollack feedback learning.
    pub use_kp: bool,
    /// FA convolutions under BP fc layers (`bp_w_fa`).
    pub use_fa_conv_layers: bool,
    /// Sign-concordant feedback.
    pub use_scfa: bool,
}

/// `sal_params` of the `sal` section (deep.md §2.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalParams {
    /// Update blocks per SAL phase.
    pub n_iterations: usize,
    /// Whether the SAL phase runs.
    pub use_sal: bool,
    /// Refractory period (steps).
    pub t_ref: u32,
    /// Block length in units of t_ref.
    pub len_epoch: usize,
    /// SAL learning rate η.
    pub sal_lr: f64,
    /// Independent SALNet copies.
    pub batch_size: usize,
}

/// `rdd_params` of the `rdd` section (deep.md §3.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RddParams {
    /// Phase length (the reference's units).
    pub rdd_time: f64,
    /// Whether the RDD phase runs.
    pub use_rdd: bool,
    /// A phase before every epoch.
    pub every_epoch: bool,
}

/// One method section of `exp_settings.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Optimiser and method flags.
    pub params: TrainParams,
    /// SAL phase settings (`sal` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sal_params: Option<SalParams>,
    /// RDD phase settings (`rdd` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdd_params: Option<RddParams>,
}

fn default_dataset() -> String {
    "digits".into()
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_true() -> bool {
    true
}
fn default_device() -> String {
    "cpu".into()
}

/// The run keys (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunKeys {
    method: String,
    #[serde(default = "default_dataset")]
    dataset: String,
    #[serde(default = "default_data_dir")]
    data_dir: PathBuf,
    #[serde(default = "default_true")]
    shuffle: bool,
    #[serde(default = "default_device")]
    device: String,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    dtype: Dtype,
}

/// Element type of the ConvNet's arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// Single precision (training).
    #[default]
    Float32,
    /// Double precision (exact replays of the float64 oracle).
    Float64,
}

/// The error of an `--init` file: its path as the key.
fn init_err(r: &InitRef, e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("--init {}", r.given.display()), e.to_string())
}

/// A validated ConvNet run.
#[derive(Debug, Clone)]
pub struct ConvNetExperiment {
    /// The feedback method (the section's name).
    pub method: Method,
    /// The section's settings.
    pub section: Section,
    /// Dataset name or `.npz` path.
    pub dataset: String,
    /// Directory of the named datasets' files.
    pub data_dir: PathBuf,
    /// Reshuffle every epoch.
    pub shuffle: bool,
    /// `cpu` (sal-deep) or a burn device (`flex`, `cuda`, `cuda:N`, `wgpu`).
    pub device: String,
    /// Seed of the run.
    pub seed: u64,
    /// Element type.
    pub dtype: Dtype,
    /// Initial parameters from a checkpoint (`--init`).
    pub extras: Extras,
    /// Scenario name.
    pub name: String,
    /// Training + test images per epoch (for progress and estimates).
    images_per_epoch: u64,
    /// The `--init` checkpoint's tensors, read once when the run is prepared (names and
    /// shapes are checked against the network when it is built).
    init_tensors: Option<std::sync::Arc<Vec<NamedTensor>>>,
}

/// A finished ConvNet run.
#[derive(Debug, Clone)]
pub struct ConvNetOutcome {
    /// The experiment.
    pub experiment: ConvNetExperiment,
    /// Per-epoch scalars under the reference's names (alignment: one more entry than epochs).
    pub scalars: BTreeMap<String, Vec<f64>>,
    /// Checkpoints: (epoch, tensors); epoch 0 = the initial parameters.
    pub checkpoints: Vec<(usize, Vec<NamedTensor>)>,
    /// Training images processed.
    pub images: u64,
}

/// The dataset sizes (train + test) of the named datasets, for progress bars.
fn known_images(name: &str) -> Option<u64> {
    Some(match name {
        "digits" => (sal_deep::data::DIGITS_TRAIN + sal_deep::data::DIGITS_TEST) as u64,
        "mnist" | "fashion_mnist" => 70_000,
        "cifar10" => 60_000,
        "svhn" => 73_257 + 26_032,
        _ => return None,
    })
}

/// The method a section's flags describe (deep.md §1.2), checked against the section name.
fn check_flags(method: Method, s: &Section) -> Result<()> {
    let p = &s.params;
    let sal = s.sal_params.as_ref().is_some_and(|x| x.use_sal);
    let rdd = s.rdd_params.as_ref().is_some_and(|x| x.use_rdd);
    let by_flags = match (p.use_backprop, p.use_kp, p.use_scfa, sal, rdd) {
        (true, false, false, false, false) if p.use_fa_conv_layers => Method::BpWFa,
        (true, false, false, false, false) => Method::Bp,
        (false, true, false, false, false) => Method::Akrout,
        (false, false, true, false, false) => Method::Scfa,
        (false, false, false, true, false) => Method::Sal,
        (false, false, false, false, true) => Method::Rdd,
        (false, false, false, false, false) => Method::Fa,
        _ => {
            return Err(Error::invalid(
                format!("{method}.params"),
                "use_backprop, use_kp, use_scfa, sal_params.use_sal and rdd_params.use_rdd: at most one may be true",
            ));
        }
    };
    if by_flags != method {
        return Err(Error::invalid(
            format!("{method}.params"),
            format!(
                "the flags describe method '{by_flags}', not the section '{method}' (deep.md §1.2)"
            ),
        ));
    }
    Ok(())
}

fn deep_err(e: DeepError, ctx: &Ctx) -> Error {
    match e {
        DeepError::Interrupted => Error::Interrupted {
            signal: ctx.stop.requested().unwrap_or(2),
        },
        DeepError::NonFinite {
            epoch,
            quantity,
            value,
        } => Error::NonFinite {
            quantity,
            at: format!("epoch {epoch}"),
            value,
        },
        DeepError::Config { key, reason } => Error::invalid(key, reason),
        DeepError::UnknownMethod(m) => Error::invalid("method", format!("unknown method {m:?}")),
        e @ (DeepError::UnknownDataset(_) | DeepError::MissingFile { .. }) => {
            Error::invalid("dataset", e.to_string())
        }
        e @ DeepError::File { .. } => Error::invalid("dataset", e.to_string()),
        e @ DeepError::Param { .. } => Error::invalid("--init", e.to_string()),
        e @ DeepError::Phase { .. } => Error::Failed(e.to_string()),
    }
}

impl Kind for ConvNetKind {
    fn name(&self) -> &'static str {
        "convnet"
    }

    fn recognises(&self, value: &Value) -> bool {
        let Some(m) = value.as_mapping() else {
            return false;
        };
        m.iter().any(|(k, v)| {
            k.as_str().is_some_and(|k| Method::from_str(k).is_ok()) && v.get("params").is_some()
        })
    }

    fn prepare(
        &self,
        file: &Path,
        mut value: Value,
        sets: &[String],
        init: Option<InitRef>,
        _limits: &Limits,
    ) -> Result<Box<dyn Experiment>> {
        let source = file.display().to_string();
        let extras = Extras::take(&mut value, init, &source)?;
        // the method first: it decides where params./sal_params./rdd_params. go
        let mut method_name = get_path(&value, "method")
            .and_then(Value::as_str)
            .map(str::to_string);
        for s in sets {
            if let Some(m) = s.strip_prefix("method=") {
                method_name = Some(m.trim().to_string());
            }
        }
        let Some(method_name) = method_name else {
            return Err(Error::invalid(
                "method",
                "choose the section to run with --set method=<bp|fa|bp_w_fa|akrout|scfa|sal|rdd>",
            ));
        };
        let method = Method::from_str(&method_name).map_err(|_| {
            Error::invalid(
                "method",
                format!("unknown method {method_name:?} (expected one of bp, fa, bp_w_fa, akrout, scfa, sal, rdd)"),
            )
        })?;
        if get_path(&value, method.name()).is_none() {
            return Err(Error::invalid(
                "method",
                format!("{source} has no section '{method}'"),
            ));
        }
        for s in sets {
            refuse_engine(s, "ConvNet runs have no engine choice")?;
            let routed = ["params.", "sal_params.", "rdd_params."]
                .iter()
                .any(|p| s.starts_with(p));
            if routed {
                apply_set(&mut value, &format!("{method}.{s}"))?;
            } else {
                apply_set(&mut value, s)?;
            }
        }
        // split the value into the run keys and the chosen section
        let map = value.as_mapping().cloned().unwrap_or_default();
        let mut keys = Mapping::new();
        let mut section = None;
        for (k, v) in map {
            let Some(name) = k.as_str() else {
                return Err(Error::invalid(&source, "top-level keys must be strings"));
            };
            if RUN_KEYS.contains(&name) {
                keys.insert(k.clone(), v);
            } else if name == method.name() {
                section = Some(v);
            } else if Method::from_str(name).is_err() {
                return Err(Error::invalid(
                    format!("{source}: {name}"),
                    format!(
                        "unknown key (expected a method section or one of {})",
                        RUN_KEYS.join(", ")
                    ),
                ));
            }
        }
        keys.insert("method".into(), Value::String(method.name().into()));
        let run: RunKeys = parse(Value::Mapping(keys), &source)?;
        let section: Section = parse(
            section.expect("checked above"),
            &format!("{source}: {method}"),
        )?;
        check_flags(method, &section)?;
        let p = &section.params;
        if p.batch_size == 0 {
            return Err(Error::invalid(
                format!("{method}.params.batch_size"),
                "must be at least 1",
            ));
        }
        for (k, v) in [
            ("lr", p.lr),
            ("momentum", p.momentum),
            ("weight_decay", p.weight_decay),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::invalid(
                    format!("{method}.params.{k}"),
                    format!("must be a finite number ≥ 0, got {v}"),
                ));
            }
        }
        if let Some(s) = &section.sal_params {
            if !s.sal_lr.is_finite() || s.sal_lr < 0.0 {
                return Err(Error::invalid(
                    "sal.sal_params.sal_lr",
                    format!("must be a finite number ≥ 0, got {}", s.sal_lr),
                ));
            }
            if s.batch_size == 0 || s.t_ref == 0 || s.len_epoch == 0 {
                return Err(Error::invalid(
                    "sal.sal_params",
                    "batch_size, t_ref and len_epoch must be at least 1",
                ));
            }
        }
        check_device(&run.device, run.dtype)?;
        if method == Method::Sal && section.sal_params.is_none() {
            return Err(Error::invalid(
                "sal.sal_params",
                "the sal section needs sal_params (n_iterations, use_sal, t_ref, len_epoch, sal_lr, batch_size)",
            ));
        }
        // the dataset: names are checked here (a user's .npz: its labels are counted), the
        // named datasets' files when the run loads them
        let images_per_epoch = if run.dataset.ends_with(".npz") {
            let path = Path::new(&run.dataset);
            if !path.is_file() {
                return Err(Error::invalid(
                    "dataset",
                    format!("{}: no such file", path.display()),
                ));
            }
            // the label arrays only (the images are read when the run starts)
            let (train, test) = sal_deep::data::npz::count_user(path)
                .map_err(|e| Error::invalid("dataset", e.to_string()))?;
            (train + test) as u64
        } else {
            known_images(&run.dataset).ok_or_else(|| {
                Error::invalid(
                    "dataset",
                    format!(
                        "unknown dataset {:?} (expected one of {} or a path to an .npz file)",
                        run.dataset,
                        sal_deep::data::DATASETS.join(", ")
                    ),
                )
            })?
        };
        let init_tensors = match &extras.init {
            // names and shapes are checked against the network when the run starts
            Some(r) => Some(std::sync::Arc::new(
                read_checkpoint(&r.given).map_err(|e| init_err(r, e))?,
            )),
            None => None,
        };
        Ok(Box::new(ConvNetExperiment {
            method,
            name: extras.name(|| format!("{}_{method}", scenario_name(file))),
            section,
            dataset: run.dataset,
            data_dir: run.data_dir,
            shuffle: run.shuffle,
            device: run.device,
            seed: run.seed,
            dtype: run.dtype,
            extras,
            images_per_epoch,
            init_tensors,
        }))
    }
}

impl ConvNetExperiment {
    fn hyper(&self) -> Hyper {
        let p = &self.section.params;
        Hyper {
            lr: p.lr,
            momentum: p.momentum,
            weight_decay: p.weight_decay,
            ..Hyper::default()
        }
    }

    fn epochs(&self) -> usize {
        self.section.params.n_epochs
    }
}

/// Checks the `device` key (and that `dtype` is one the device has).
fn check_device(device: &str, dtype: Dtype) -> Result<()> {
    if device == "cpu" {
        return Ok(());
    }
    #[cfg(feature = "burn")]
    {
        let config = |e: DeepError| match e {
            DeepError::Config { key, reason } => Error::invalid(key, reason),
            e => Error::invalid("device", e.to_string()),
        };
        let backend: sal_deep_burn::Backend = device.parse().map_err(config)?;
        backend.check_built().map_err(config)?;
        if backend == sal_deep_burn::Backend::Wgpu && dtype == Dtype::Float64 {
            return Err(Error::invalid(
                "dtype",
                "float64 is not available on wgpu (use float32, or device cpu, flex or cuda)",
            ));
        }
        Ok(())
    }
    #[cfg(not(feature = "burn"))]
    {
        let _ = dtype;
        Err(Error::invalid(
            "device",
            format!(
                "'{device}': this build has sal-deep's CPU backend only (device: cpu); burn's backends (flex, cuda, wgpu) are in builds with the cargo feature `burn` (`cuda`, `wgpu` for the GPUs; README \"Backends\")"
            ),
        ))
    }
}

impl ConvNetExperiment {
    /// The network on the run's device and element type, with the PyTorch-default
    /// initialisation drawn from the run's seed (the same values on every device).
    fn network(&self, shape: sal_deep::InputShape) -> sal_deep::Result<Box<dyn Network>> {
        let hyper = self.hyper();
        match (self.device.as_str(), self.dtype) {
            ("cpu", Dtype::Float32) => Ok(Box::new(ConvNet::<f32>::new(
                self.method,
                shape,
                self.seed,
                hyper,
            )?)),
            ("cpu", Dtype::Float64) => Ok(Box::new(ConvNet::<f64>::new(
                self.method,
                shape,
                self.seed,
                hyper,
            )?)),
            #[cfg(feature = "burn")]
            (device, dtype) => Ok(Box::new(sal_deep_burn::BurnNet::new(
                self.method,
                shape,
                self.seed,
                hyper,
                device.parse()?,
                match dtype {
                    Dtype::Float32 => sal_deep_burn::Precision::F32,
                    Dtype::Float64 => sal_deep_burn::Precision::F64,
                },
            )?)),
            #[cfg(not(feature = "burn"))]
            (device, _) => Err(DeepError::config(
                "device",
                format!("'{device}': this build has no burn backend"),
            )),
        }
    }

    fn train(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>> {
        let data =
            sal_deep::data::load(&self.dataset, &self.data_dir).map_err(|e| deep_err(e, ctx))?;
        let mut net = self.network(data.shape).map_err(|e| deep_err(e, ctx))?;
        let net = net.as_mut();
        if let (Some(r), Some(tensors)) = (&self.extras.init, &self.init_tensors) {
            net.load_checkpoint(tensors).map_err(|e| init_err(r, e))?;
        }
        let mut phase = FeedbackPhase::new(self, net)?;
        let opts = EpochOptions {
            batch_size: self.section.params.batch_size,
            shuffle: self.shuffle,
            augment: true,
            seed: self.seed,
        };
        let per_epoch = (data.n_train() + data.n_test()) as u64;
        let mut progress =
            ctx.reporter
                .task(&self.name, per_epoch * self.epochs() as u64, "images");
        let mut scal: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut push = |rows: Vec<(String, f64)>| {
            for (k, v) in rows {
                scal.entry(k).or_default().push(v);
            }
        };
        let mut checkpoints = vec![(0, net.checkpoint())];
        let mut images = 0u64;
        let phase_runs = phase.is_some();
        push(scalars(None, None, &net.alignment()));
        let res: Result<()> = (|| {
            for epoch in 1..=self.epochs() {
                if let Some(ph) = phase.as_mut() {
                    progress.message(&format!("epoch {epoch}: feedback phase"));
                    ph.run(net, epoch, ctx)?;
                    push(scalars(None, None, &net.alignment()));
                }
                let mut tick = ctx.ticker(progress.as_mut());
                let train: EpochStats = net
                    .train_epoch(&data, epoch, &opts, &mut tick)
                    .map_err(|e| deep_err(e, ctx))?;
                let test = net
                    .evaluate(&data, &mut tick)
                    .map_err(|e| deep_err(e, ctx))?;
                drop(tick);
                images += train.images as u64;
                let rows = scalars(Some(&train), Some(&test), &net.alignment());
                if phase_runs {
                    // the alignment was recorded after the phase (deep.md §1.5 step 1)
                    push(
                        rows.into_iter()
                            .filter(|(k, _)| !k.starts_with("symm/"))
                            .collect(),
                    );
                } else {
                    push(rows);
                }
                progress.message(&format!(
                    "epoch {epoch}: train loss {:.3}, test accuracy {:.1} %",
                    train.loss_sum, test.accuracy
                ));
                if epoch % CHECKPOINT_EVERY == 0 || epoch == self.epochs() {
                    checkpoints.push((epoch, net.checkpoint()));
                }
            }
            Ok(())
        })();
        progress.finish();
        res?;
        Ok(Box::new(ConvNetOutcome {
            experiment: self.clone(),
            scalars: scal,
            checkpoints,
            images,
        }))
    }
}

impl Experiment for ConvNetExperiment {
    fn kind(&self) -> &'static str {
        "convnet"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn total_work(&self) -> u64 {
        self.images_per_epoch * self.epochs() as u64
    }

    fn work_unit(&self) -> &'static str {
        "images"
    }

    fn resolved_yaml(&self) -> String {
        let mut m = serde_json::Map::new();
        m.insert("method".into(), json!(self.method.name()));
        m.insert("dataset".into(), json!(self.dataset));
        m.insert("data_dir".into(), json!(self.data_dir));
        m.insert("shuffle".into(), json!(self.shuffle));
        m.insert("device".into(), json!(self.device));
        m.insert("seed".into(), json!(self.seed));
        m.insert(
            "dtype".into(),
            serde_json::to_value(self.dtype).expect("serialisable"),
        );
        m.insert(
            self.method.name().into(),
            serde_json::to_value(&self.section).expect("serialisable"),
        );
        let mut text = serde_norway::to_string(&m).expect("serialisable");
        text.push_str(&self.extras.yaml(&self.name));
        text
    }

    fn input_files(&self) -> Vec<(String, PathBuf)> {
        let mut v = self.extras.input_files();
        if self.dataset.ends_with(".npz") {
            v.push(("dataset".into(), PathBuf::from(&self.dataset)));
        }
        v
    }

    fn engine(&self) -> Option<String> {
        Some(if self.device == "cpu" {
            format!("cpu, {} rayon threads", rayon::current_num_threads())
        } else {
            format!("burn {}", self.device)
        })
    }

    fn run(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>> {
        self.train(ctx)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ConvNetOutcome {
    /// The values of one scalar (`accuracy/test`, `symm/angle/0`, …).
    pub fn scalar(&self, key: &str) -> &[f64] {
        self.scalars.get(key).map_or(&[], Vec::as_slice)
    }
}

impl Outcome for ConvNetOutcome {
    fn summary(&self) -> String {
        let last = |k: &str| self.scalar(k).last().copied().unwrap_or(f64::NAN);
        format!(
            "{} on {}: final test accuracy {:.2} %, fc angles {:.1}° / {:.1}° / {:.1}°",
            self.experiment.method,
            self.experiment.dataset,
            last("accuracy/test"),
            last("symm/angle/0"),
            last("symm/angle/1"),
            last("symm/angle/2")
        )
    }

    fn metrics(&self) -> Json {
        let e = &self.experiment;
        let scal: serde_json::Map<String, Json> = self
            .scalars
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|&x| js(x)).collect()))
            .collect();
        json!({
            "kind": "convnet",
            "scenario": e.name,
            "method": e.method.name(),
            "dataset": e.dataset,
            "seed": e.seed,
            "shuffle": e.shuffle,
            "params": e.section,
            "n_epochs": e.epochs(),
            "init": e.extras.init.as_ref().map(|r| r.given.display().to_string()),
            "scalars": scal,
        })
    }

    fn arrays(&self) -> Result<Vec<Array>> {
        Ok(self
            .scalars
            .iter()
            .map(|(k, v)| Array::vec(k.replace('/', "_"), v))
            .collect())
    }

    fn files(&self) -> Result<Vec<(String, Vec<Array>)>> {
        let arrays = |t: &[NamedTensor]| -> Vec<Array> {
            t.iter()
                .map(|t| Array {
                    name: t.name.clone(),
                    shape: t.shape.clone(),
                    data: t.data.clone(),
                })
                .collect()
        };
        let mut out = Vec::new();
        let last = self.checkpoints.last().map(|c| c.0);
        for (epoch, t) in &self.checkpoints {
            if *epoch > 0 && epoch % CHECKPOINT_EVERY == 0 {
                out.push((format!("checkpoints/epoch_{epoch:03}.npz"), arrays(t)));
            }
            if Some(*epoch) == last {
                out.push(("checkpoints/final.npz".to_string(), arrays(t)));
            }
        }
        Ok(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The spiking phase that learns the fc feedback matrices before every epoch: for `sal` the
/// SALNet of deep.md §2 ([F, 384, 192, 10]; its state and its fixed random b_0 persist
/// across epochs), for `rdd` the RDD network of §3.6 (regression state and the frozen σ_B
/// persist); `None` for the methods without one.
enum FeedbackPhase {
    Sal {
        net: Box<SalNet>,
        params: SalParams,
    },
    Rdd {
        net: RddNet,
        settings: PhaseSettings,
    },
}

impl FeedbackPhase {
    fn new(e: &ConvNetExperiment, net: &dyn Network) -> Result<Option<FeedbackPhase>> {
        let fc = net.fc();
        let dims = fc.sizes.to_vec();
        match e.method {
            Method::Sal => {
                let Some(sp) = e.section.sal_params.clone().filter(|p| p.use_sal) else {
                    return Ok(None);
                };
                let params =
                    SalNetParams::new(dims.clone(), sp.t_ref as usize, sp.batch_size, sp.sal_lr);
                // own random initialisation (deep.md §2.1): only b_0 survives the exchange
                let weights = SalWeights::random(
                    &dims,
                    sal::rng::derive_seed(e.seed, "convnet/salnet-init", 0),
                );
                let snn = SalNet::new(
                    params,
                    weights,
                    sal::rng::derive_seed(e.seed, "convnet/salnet", 0),
                )
                .map_err(|err| Error::invalid("sal.sal_params", err.to_string()))?;
                Ok(Some(FeedbackPhase::Sal {
                    net: Box::new(snn),
                    params: sp,
                }))
            }
            Method::Rdd => {
                let Some(rp) = e.section.rdd_params.clone().filter(|p| p.use_rdd) else {
                    return Ok(None);
                };
                // rdd_time in seconds of 1 ms steps, one third per driven layer (§3.6)
                let steps = (rp.rdd_time * 1000.0).round() as u64;
                let per_layer = steps / 3;
                let settings = PhaseSettings {
                    steps_per_layer: per_layer,
                    ..PhaseSettings::default()
                };
                Ok(Some(FeedbackPhase::Rdd {
                    net: RddNet::new(&dims, sal::rng::derive_seed(e.seed, "convnet/rdd", 0)),
                    settings,
                }))
            }
            _ => Ok(None),
        }
    }

    /// One phase before epoch `epoch`: SAL (deep.md §2.3) loads the fc weights, biases and
    /// feedbackᵀ, runs n_iterations blocks of len_epoch·t_ref steps each followed by one
    /// update; RDD (§3.6) loads the rescaled forward weights and the feedbackᵀ and runs its
    /// phase. Both write the feedback back (transposed).
    fn run(&mut self, net: &mut dyn Network, epoch: usize, ctx: &Ctx) -> Result<()> {
        let mut fc = net.fc();
        let d = fc.sizes;
        let name = match self {
            FeedbackPhase::Sal { .. } => "SAL phase",
            FeedbackPhase::Rdd { .. } => "RDD phase",
        };
        let halt = |h: Halt| match ctx.halt(h) {
            Error::NonFinite {
                quantity,
                at,
                value,
            } => Error::NonFinite {
                quantity: format!("{name}: {quantity}"),
                at: format!("epoch {epoch} ({at})"),
                value,
            },
            e => e,
        };
        let fail = |err: SalNetError| match err {
            SalNetError::Halt(h) => halt(h),
            e => Error::Failed(format!("epoch {epoch}: {name}: {e}")),
        };
        let mut stop = |_: u64| {
            if ctx.stop.requested().is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let fb_t: Vec<Vec<f64>> = (0..3)
            .map(|k| transpose(&fc.fb[k], d[k + 1], d[k]))
            .collect();
        match self {
            FeedbackPhase::Sal { net: snn, params } => {
                for (k, b_t) in fb_t.iter().enumerate() {
                    snn.set_forward(k + 1, &fc.w[k]).map_err(fail)?;
                    snn.set_bias(k + 1, &fc.b[k]).map_err(fail)?;
                    // B_k (n_k × n_(k+1)) = (fc_(k+1) feedback, n_(k+1) × n_k)ᵀ
                    snn.set_feedback(k, b_t).map_err(fail)?;
                }
                let steps = (params.len_epoch * params.t_ref as usize) as u64;
                for _ in 0..params.n_iterations {
                    snn.run(steps, &mut stop).map_err(fail)?;
                    snn.update().map_err(fail)?;
                }
                for k in 0..3 {
                    fc.fb[k] = transpose(snn.feedback(k), d[k], d[k + 1]);
                }
            }
            FeedbackPhase::Rdd { net: rdd, settings } => {
                let w: Vec<&[f64]> = fc.w.iter().map(Vec::as_slice).collect();
                let fb: Vec<&[f64]> = fb_t.iter().map(Vec::as_slice).collect();
                rdd.load(&w, &fb);
                rdd.phase(*settings, &mut stop).map_err(halt)?;
                for k in 0..3 {
                    fc.fb[k] = transpose(rdd.feedback(k), d[k], d[k + 1]);
                }
            }
        }
        net.set_fc(&fc).map_err(|err| deep_err(err, ctx))?;
        Ok(())
    }
}
