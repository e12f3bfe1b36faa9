//! One experiment abstraction and one registry of experiment kinds.
//!
//! A parameter file is recognised by the first [`Kind`] in [`KINDS`](crate::kinds::KINDS) that claims it, validated
//! into an [`Experiment`], run into an [`Outcome`] (values, no files), and written into a run
//! directory by [`run_into`]: `config.resolved.yaml` (everything that decides the run, so that
//! `sal run DIR/config.resolved.yaml` reproduces it), `metrics.json`, `arrays.npz` and
//! `run.json` (provenance and timing). Figures are drawn afterwards by `sal-plot`, so a figure
//! that cannot be drawn never costs a result.
//!
//! A new kind of experiment implements [`Kind`], [`Experiment`] and [`Outcome`] and adds
//! itself to [`crate::kinds::KINDS`]; `sal run`, `sal sweep`, `sal report`, the Python
//! package and the benchmarks then reach it without further changes.

use crate::config::get_path;
use crate::error::{Error, Result};
use crate::out::{Array, OutDir};
use crate::progress::Ctx;
use crate::provenance::{Provenance, now_rfc3339};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use serde_norway::Value;
use std::any::Any;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Initial conditions taken from a file: run `index` of `file` (`--init FILE --init-index K`).
/// Recorded in `config.resolved.yaml` as `initial_conditions` with the file's SHA-256, so the
/// run directory says exactly where its start came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitRef {
    /// The file (absolute path).
    pub file: PathBuf,
    /// Run index in the file.
    #[serde(default)]
    pub index: usize,
    /// SHA-256 of the file's content when the run was set up (checked when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The path as the user gave it (shown in `metrics.json`); `file` when read from a
    /// configuration.
    #[serde(skip)]
    pub given: PathBuf,
}

impl InitRef {
    /// A reference to run `index` of `file`, with the file's current hash.
    pub fn new(file: &Path, index: usize) -> Result<InitRef> {
        let abs = file
            .canonicalize()
            .map_err(|e| Error::invalid(format!("--init {}", file.display()), e.to_string()))?;
        Ok(InitRef {
            sha256: Some(crate::provenance::sha256_file(&abs)?),
            file: abs,
            index,
            given: file.to_path_buf(),
        })
    }

    /// Checks that the file still has the recorded content.
    pub fn verify(&self) -> Result<()> {
        if let Some(h) = &self.sha256 {
            let now = crate::provenance::sha256_file(&self.file)?;
            if &now != h {
                return Err(Error::invalid(
                    format!("initial_conditions.file {}", self.file.display()),
                    "its content changed since this configuration was written (SHA-256 differs)",
                ));
            }
        }
        Ok(())
    }
}

/// Resource limits a run must fit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory a run may use (estimated from synapses, state and recorders before
    /// it starts). Default: 80 % of this machine's memory.
    pub memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: crate::provenance::default_memory_limit(),
        }
    }
}

impl Limits {
    /// The limits of a memory budget given in GiB (`--max-memory`, Python's `max_memory`);
    /// `None`: the default.
    pub fn gib(max_memory: Option<f64>) -> Result<Limits> {
        match max_memory {
            None => Ok(Limits::default()),
            Some(g) if g.is_finite() && g > 0.0 => Ok(Limits {
                memory: (g * (1u64 << 30) as f64) as u64,
            }),
            Some(g) => Err(Error::invalid(
                "--max-memory",
                format!("must be a positive number of GiB (got {g})"),
            )),
        }
    }

    /// Refuses `bytes` above the memory limit, naming `key` (the setting that decides the
    /// size) and `what` (what would be that big).
    pub fn check_memory(&self, bytes: u64, key: &str, what: &str) -> Result<()> {
        if bytes > self.memory {
            return Err(Error::invalid(
                key,
                format!(
                    "{what} would need about {} of memory, more than the limit of {} (--max-memory; default 80 % of this machine's memory)",
                    crate::provenance::human_bytes(bytes),
                    crate::provenance::human_bytes(self.memory)
                ),
            ));
        }
        Ok(())
    }
}

/// A kind of experiment: which files it reads and how it validates them.
pub trait Kind: Sync {
    /// Short name recorded in run directories and sweep plans (`ssn`, `microcircuit`, …).
    fn name(&self) -> &'static str;

    /// Whether a parameter file (before overrides) is of this kind.
    fn recognises(&self, value: &Value) -> bool;

    /// Validates `value` (the file's content, read from `file`) with the `--set` overrides
    /// `sets` and optional initial conditions into an experiment. Errors name the key.
    /// A run whose estimated memory exceeds `limits.memory` is refused here, before anything
    /// large is allocated, with an error naming the key that decides the size.
    fn prepare(
        &self,
        file: &Path,
        value: Value,
        sets: &[String],
        init: Option<InitRef>,
        limits: &Limits,
    ) -> Result<Box<dyn Experiment>>;

    /// The reference's grid for `sal sweep --paper` (noise levels, seeds, initial
    /// conditions), if this kind has one.
    fn paper_grid(&self, req: &PaperRequest) -> Result<PaperGrid> {
        Err(Error::invalid(
            "--paper",
            format!(
                "{} has no reference grid ({} experiments)",
                req.file.display(),
                self.name()
            ),
        ))
    }
}

/// What `sal sweep --paper` asks a kind for.
pub struct PaperRequest<'a> {
    /// The scenario file (canonical).
    pub file: &'a Path,
    /// The file's raw content.
    pub raw: &'a Value,
    /// The experiment of the file with the sweep's overrides.
    pub experiment: &'a dyn Experiment,
    /// Seed indices per grid point.
    pub seeds: usize,
    /// Where the derived initial-condition files are (`--init-dir`).
    pub init_dir: Option<&'a Path>,
}

/// One base point of a paper grid: overrides, initial conditions and grid coordinates.
#[derive(Debug, Clone)]
pub struct PaperBase {
    /// `--set` overrides of this point.
    pub sets: Vec<String>,
    /// Initial conditions (file, run index).
    pub init: Option<(PathBuf, usize)>,
    /// Coordinates for reports (key → value).
    pub coords: serde_json::Map<String, Json>,
}

/// The reference's grid of a scenario.
#[derive(Debug, Clone)]
pub struct PaperGrid {
    /// The axes (key, values), outermost first, for reports.
    pub grids: Vec<(String, Vec<Json>)>,
    /// The key holding the noise level in the coordinates, if any.
    pub noise_key: Option<String>,
    /// One entry per point, in grid order.
    pub bases: Vec<PaperBase>,
}

/// A validated experiment, ready to run.
pub trait Experiment: Send + Sync + std::fmt::Debug {
    /// The kind's name ([`Kind::name`]).
    fn kind(&self) -> &'static str;
    /// The scenario name (exp_type or file stem).
    fn name(&self) -> &str;
    /// Units of work of the run (simulated steps, or images for a ConvNet), for progress bars
    /// and `--dry-run` estimates.
    fn total_work(&self) -> u64;
    /// What [`Experiment::total_work`] counts.
    fn work_unit(&self) -> &'static str {
        "steps"
    }
    /// The resolved configuration as YAML: every default explicit and the initial conditions
    /// included, so it runs again to the same result.
    fn resolved_yaml(&self) -> String;
    /// The files the run reads besides the parameter file (initial conditions, datasets), as
    /// (role, path), for the provenance hashes.
    fn input_files(&self) -> Vec<(String, PathBuf)> {
        Vec::new()
    }
    /// The simulation engine, where there is a choice (recorded in `run.json`).
    fn engine(&self) -> Option<String> {
        None
    }
    /// Runs the experiment: values only, no files.
    fn run(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>>;
    /// For downcasting (figures are drawn per kind by `sal-plot`).
    fn as_any(&self) -> &dyn Any;
}

/// The result of a run, before it is written.
pub trait Outcome: Send + Sync {
    /// A one-line summary of the final values.
    fn summary(&self) -> String;
    /// `metrics.json`.
    fn metrics(&self) -> Json;
    /// The arrays of `arrays.npz`, in file order.
    fn arrays(&self) -> Result<Vec<Array>>;
    /// Further archives of the run directory as (relative path, arrays), written after
    /// `arrays.npz` (e.g. a ConvNet's `checkpoints/final.npz`).
    fn files(&self) -> Result<Vec<(String, Vec<Array>)>> {
        Ok(Vec::new())
    }
    /// Simulated steps (for `run.json`'s `steps_per_s`), if the run counts steps.
    fn simulated_steps(&self) -> Option<u64> {
        None
    }
    /// For downcasting (figures are drawn per kind by `sal-plot`).
    fn as_any(&self) -> &dyn Any;
}

/// Keys every kind accepts besides its own schema, written into `config.resolved.yaml` so
/// that it reruns to the same result: `scenario` (the name shown in results; default the
/// file's name) and `initial_conditions` (see [`InitRef`]).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Initial conditions from a file.
    pub init: Option<InitRef>,
    /// The scenario name given in the file.
    pub scenario: Option<String>,
}

impl Extras {
    /// Takes the extra keys out of a configuration value (`--init` given as `init` wins over
    /// the file's `initial_conditions`, whose content hash is checked).
    pub fn take(value: &mut Value, init: Option<InitRef>, source: &str) -> Result<Extras> {
        let m = value.as_mapping_mut();
        let (ic, name) = match m {
            Some(m) => (m.remove("initial_conditions"), m.remove("scenario")),
            None => (None, None),
        };
        let scenario = match name {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                return Err(Error::invalid(
                    format!("{source}: scenario"),
                    "must be a string",
                ));
            }
        };
        let init = match (init, ic) {
            (Some(i), _) => Some(i),
            (None, None) => None,
            (None, Some(v)) => {
                let mut r: InitRef =
                    crate::config::parse(v, &format!("{source}: initial_conditions"))?;
                r.verify()?;
                r.given = r.file.clone();
                Some(r)
            }
        };
        Ok(Extras { init, scenario })
    }

    /// The scenario name: the file's `scenario` key, else `default`.
    pub fn name(&self, default: impl FnOnce() -> String) -> String {
        self.scenario.clone().unwrap_or_else(default)
    }

    /// The initial-conditions file as a provenance input (`init`), if any.
    pub fn input_files(&self) -> Vec<(String, PathBuf)> {
        self.init
            .iter()
            .map(|r| ("init".to_string(), r.file.clone()))
            .collect()
    }

    /// The extra keys as YAML, to append to a resolved configuration (`name`: the scenario).
    pub fn yaml(&self, name: &str) -> String {
        let mut m = serde_json::Map::new();
        m.insert("scenario".into(), Json::from(name));
        if let Some(r) = &self.init {
            m.insert(
                "initial_conditions".into(),
                serde_json::to_value(r).expect("serialisable"),
            );
        }
        serde_norway::to_string(&m).expect("serialisable")
    }
}

/// A scenario's name from its file: the stem, or the folder for the reference's `exp.yaml`.
pub fn scenario_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "experiment".into());
    if stem == "exp"
        && let Some(folder) = file
            .canonicalize()
            .ok()
            .as_deref()
            .and_then(Path::parent)
            .and_then(Path::file_name)
    {
        return folder.to_string_lossy().into_owned();
    }
    stem
}

/// Whether the file's content has `key` (a dotted path) — for [`Kind::recognises`].
pub fn has_key(value: &Value, key: &str) -> bool {
    get_path(value, key).is_some()
}

/// The overrides `sets` plus `engine=…` for an engine choice (`--engine`, Python's
/// `engine=`), checked here so that the message names the option.
pub fn with_engine(sets: &[String], engine: Option<&str>) -> Result<Vec<String>> {
    let mut out = sets.to_vec();
    if let Some(e) = engine {
        if sal::engine::EngineKind::parse(e).is_none() {
            return Err(Error::invalid(
                "--engine",
                format!("'{e}' is not an engine (clock or event)"),
            ));
        }
        out.push(format!("engine={e}"));
    }
    Ok(out)
}

/// Where an experiment's configuration came from: a parameter file, or a value built in
/// memory (a Python dict), recorded in `run.json`'s provenance by the hash of its YAML text.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A parameter file.
    File(&'a Path),
    /// A configuration value: `label` names it (e.g. `config`), `yaml` is its YAML text.
    Value {
        /// What the value is called in messages and provenance.
        label: &'a str,
        /// The value as YAML text (hashed for the provenance).
        yaml: &'a str,
    },
}

impl Source<'_> {
    /// The path that names the configuration: the file, or the label as a relative path
    /// (scenario names and messages derive from it).
    pub fn path(&self) -> &Path {
        match self {
            Source::File(p) => p,
            Source::Value { label, .. } => Path::new(label),
        }
    }
}

/// Runs `exp` and writes `config.resolved.yaml`, `metrics.json`, `arrays.npz` and `run.json`
/// into `dir` (figures are drawn afterwards by the caller). `input` is the parameter file.
pub fn run_into(
    exp: &dyn Experiment,
    input: &Path,
    dir: &OutDir,
    ctx: &Ctx,
) -> Result<Box<dyn Outcome>> {
    run_into_source(exp, &Source::File(input), dir, ctx)
}

/// [`run_into`] for a configuration from any [`Source`].
pub fn run_into_source(
    exp: &dyn Experiment,
    source: &Source,
    dir: &OutDir,
    ctx: &Ctx,
) -> Result<Box<dyn Outcome>> {
    let started = now_rfc3339();
    let mut files = Vec::new();
    if let Source::File(input) = source {
        files.push(("config".to_string(), input.to_path_buf()));
    }
    files.extend(exp.input_files());
    let mut prov = Provenance::now(&files)?;
    if let Source::Value { label, yaml } = source {
        prov.inputs.insert(
            0,
            crate::provenance::InputFile {
                role: "config".into(),
                path: PathBuf::from(format!("<{label}>")),
                sha256: crate::provenance::sha256_str(yaml),
            },
        );
    }
    let t0 = Instant::now();
    let resolved = exp.resolved_yaml();
    let out = exp.run(ctx)?;
    let wall = t0.elapsed().as_secs_f64();
    dir.text("config.resolved.yaml", &resolved)?;
    dir.json("metrics.json", &out.metrics())?;
    dir.arrays("arrays.npz", &out.arrays()?)?;
    for (rel, arrays) in out.files()? {
        dir.arrays(&rel, &arrays)?;
    }
    let mut run = json!({
        "tool": "sal", "version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "kind": exp.kind(),
        "provenance": prov,
        "engine": exp.engine(),
        "started": started, "finished": now_rfc3339(),
        "wall_s": wall,
    });
    if let Some(steps) = out.simulated_steps() {
        run["simulated_steps"] = json!(steps);
        run["steps_per_s"] = json!(steps as f64 / wall);
    }
    dir.json("run.json", &run)?;
    Ok(out)
}

/// Draws a run's figures into its directory (`sal_plot::run_figures`), for [`run_to_dir`].
pub type RunFigures<'a> = dyn FnMut(&dyn Experiment, &dyn Outcome, &OutDir) -> Result<()> + 'a;

/// A finished run directory ([`run_to_dir`]).
pub struct RunDir {
    /// Where the run directory is.
    pub dest: PathBuf,
    /// The run's values.
    pub outcome: Box<dyn Outcome>,
    /// Why a figure could not be drawn, if one could not (the results are kept).
    pub figure_warning: Option<String>,
}

/// What `sal run` (and Python's `sal.run(…, out=…)`) does with a validated experiment: runs
/// it into a staging directory ([`run_into_source`]), draws its figures with `figures` (a
/// figure that fails is a warning, never a lost result: [`crate::out::catch_figures`]), and
/// moves the directory to `out`. An existing `out` is replaced only with `force`, and only
/// if it is a run directory made by sal that holds none of the inputs (the parameter file,
/// `init`); an interrupt or error leaves nothing behind.
pub fn run_to_dir(
    exp: &dyn Experiment,
    source: &Source,
    init: Option<&Path>,
    out: &Path,
    force: bool,
    ctx: &Ctx,
    figures: &mut RunFigures,
) -> Result<RunDir> {
    let mut inputs = Vec::new();
    if let Source::File(f) = source {
        inputs.push(f.to_path_buf());
    }
    inputs.extend(init.map(Path::to_path_buf));
    let dir = OutDir::create(out, force, crate::out::Sort::Run, &inputs)?;
    let outcome = run_into_source(exp, source, &dir, ctx)?;
    let figure_warning = crate::out::catch_figures(|| figures(exp, outcome.as_ref(), &dir));
    ctx.stop.check()?;
    let dest = dir.finish()?;
    Ok(RunDir {
        dest,
        outcome,
        figure_warning,
    })
}
