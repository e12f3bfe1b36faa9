//! Running one experiment into a run directory (shared by `sal run` and `sal sweep`): a
//! spiking sampling network (this module) or a cortical microcircuit ([`crate::micro`]),
//! chosen by the file's content.

use crate::config::ssn::{SsnConfig, load_initial_conditions};
use crate::config::{apply_set, load_yaml, parse};
use crate::error::{CliError, Result};
use crate::out::OutDir;
use crate::progress::Progress;
use sal::sampling::init::{InitialConditions, draw};
use sal::sampling::training::{Protocol, Record, train};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where a run's initial conditions come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InitSource {
    /// Drawn with our generator from `seed.distr` / `seed.init`.
    Drawn,
    /// Run `index` of a derived initial-conditions file.
    File {
        /// The JSON file.
        path: PathBuf,
        /// The run index.
        index: usize,
    },
}

/// A validated sampling-network experiment.
#[derive(Debug, Clone)]
pub struct SsnExperiment {
    /// The resolved configuration.
    pub config: SsnConfig,
    /// Its initial conditions.
    pub init: InitialConditions,
    /// Their source.
    pub init_source: InitSource,
    /// Name of the scenario (exp_type or file stem).
    pub name: String,
}

/// Any experiment `sal run` / `sal sweep` can run.
#[derive(Debug, Clone)]
pub enum Experiment {
    /// A spiking sampling network (Fig 4/5).
    Ssn(Box<SsnExperiment>),
    /// A cortical microcircuit teacher–student run (Fig 6).
    Micro(Box<crate::micro::MicroExperiment>),
}

impl Experiment {
    /// Scenario name.
    pub fn name(&self) -> &str {
        match self {
            Experiment::Ssn(e) => &e.name,
            Experiment::Micro(e) => &e.name,
        }
    }

    /// Simulated steps of the run.
    pub fn total_steps(&self) -> u64 {
        match self {
            Experiment::Ssn(e) => e.config.train_params().total_steps(),
            Experiment::Micro(e) => e.total_steps(),
        }
    }

    /// The resolved configuration as YAML.
    pub fn resolved_yaml(&self) -> String {
        match self {
            Experiment::Ssn(e) => resolved_yaml(&e.config),
            Experiment::Micro(e) => e.resolved_yaml(),
        }
    }

    /// Runs into `dir`; returns a one-line summary of the final values.
    pub fn run_into(&self, dir: &OutDir, figures: bool, quiet: bool) -> Result<String> {
        match self {
            Experiment::Ssn(e) => {
                let rec = run_into(e, dir, figures, quiet)?;
                let last = rec.dkl.len().saturating_sub(1);
                Ok(format!(
                    "final D_KL {:.4e}, asymmetry {:.4e} ({} validation points)",
                    rec.dkl.get(last).copied().unwrap_or(f64::NAN),
                    rec.asymmetry.get(last).copied().unwrap_or(f64::NAN),
                    rec.dkl.len()
                ))
            }
            Experiment::Micro(e) => {
                let res = crate::micro::run_into(e, dir, figures, quiet)?;
                let w = res.epoch_weights.last().expect("final weights");
                let angles = w.feedback_angles();
                Ok(format!(
                    "final validation loss {:.4e} (free output {:.4e}), feedback angle(s) {}",
                    res.validation_loss.last().copied().unwrap_or(f64::NAN),
                    res.validation_loss_free.last().copied().unwrap_or(f64::NAN),
                    angles
                        .iter()
                        .map(|a| format!("{a:.1}°"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

/// Loads `file`, applies `sets` and validates (sampling network or microcircuit, by the
/// file's keys); loads the initial conditions. Any error names the file, key or flag;
/// nothing is written.
pub fn prepare(file: &Path, sets: &[String], init: Option<(&Path, usize)>) -> Result<Experiment> {
    let value = load_yaml(file)?;
    if crate::config::get_path(&value, "network_properties").is_some() {
        return crate::micro::prepare(file, value, sets, init)
            .map(|m| Experiment::Micro(Box::new(m)));
    }
    prepare_ssn(file, value, sets, init).map(|e| Experiment::Ssn(Box::new(e)))
}

fn prepare_ssn(
    file: &Path,
    mut value: serde_norway::Value,
    sets: &[String],
    init: Option<(&Path, usize)>,
) -> Result<SsnExperiment> {
    for s in sets {
        apply_set(&mut value, s)?;
    }
    let source = file.display().to_string();
    let config: SsnConfig = parse(value, &source)?;
    config.validate(&source)?;
    let (ic, init_source) = match init {
        Some((path, index)) => (
            load_initial_conditions(path, index, config.dim)?,
            InitSource::File {
                path: path.to_path_buf(),
                index,
            },
        ),
        None => (
            draw(&config.init_params(), config.seed.distr, config.seed.init),
            InitSource::Drawn,
        ),
    };
    let name = config
        .exp_type
        .clone()
        .unwrap_or_else(|| scenario_name(file));
    Ok(SsnExperiment {
        config,
        init: ic,
        init_source,
        name,
    })
}

/// A scenario's name from its file: the stem, or the folder for the reference's `exp.yaml`.
pub fn scenario_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ssn".into());
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

/// The resolved configuration as YAML (every default made explicit).
pub fn resolved_yaml(cfg: &SsnConfig) -> String {
    let mut c = cfg.clone();
    c.protocol = Some(match cfg.protocol() {
        Protocol::V2 => crate::config::ssn::ProtocolName::V2,
        Protocol::V3 => crate::config::ssn::ProtocolName::V3,
    });
    c.engine = Some(match cfg.train_params().engine {
        sal::engine::EngineKind::Clock => crate::config::ssn::EngineName::Clock,
        sal::engine::EngineKind::Event => crate::config::ssn::EngineName::Event,
    });
    serde_norway::to_string(&c).expect("serialisable")
}

/// JSON-safe float: non-finite values (an unsampled state gives D_KL = +∞) become null.
fn js(x: f64) -> serde_json::Value {
    if x.is_finite() {
        json!(x)
    } else {
        serde_json::Value::Null
    }
}

/// Trains and writes config.resolved.yaml, metrics.json, arrays.npz and (with `figures`)
/// figures/ into `dir`; run.json holds timing and provenance (kept out of metrics.json so
/// that metrics are bit-identical across machines and thread counts).
pub fn run_into(exp: &SsnExperiment, dir: &OutDir, figures: bool, quiet: bool) -> Result<Record> {
    let p = exp.config.train_params();
    let mut progress = Progress::new(&exp.name, p.total_steps(), "steps", quiet);
    let t0 = Instant::now();
    let rec = train(&p, &exp.init, exp.config.seed.sim, &mut |step| {
        progress.inc(p.duration(step))
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    progress.finish();
    let wall = t0.elapsed().as_secs_f64();
    write_outputs(exp, &rec, dir)?;
    dir.json(
        "run.json",
        &json!({
            "tool": "sal", "version": env!("CARGO_PKG_VERSION"),
            "command": std::env::args().collect::<Vec<_>>(),
            "wall_s": wall, "simulated_steps": p.total_steps(),
            "steps_per_s": p.total_steps() as f64 / wall,
        }),
    )?;
    if figures {
        crate::figures::ssn_run(dir, exp, &rec)?;
    }
    Ok(rec)
}

fn write_outputs(exp: &SsnExperiment, rec: &Record, dir: &OutDir) -> Result<()> {
    let cfg = &exp.config;
    let n = cfg.dim;
    let path = dir.path("config.resolved.yaml")?;
    std::fs::write(&path, resolved_yaml(cfg)).map_err(|e| CliError::io(&path, e))?;
    let init = match &exp.init_source {
        InitSource::Drawn => {
            json!({"source": "drawn", "seed_distr": cfg.seed.distr, "seed_init": cfg.seed.init})
        }
        InitSource::File { path, index } => {
            json!({"source": "file", "file": path.display().to_string(), "index": index})
        }
    };
    let last = rec.dkl.len().saturating_sub(1);
    dir.json(
        "metrics.json",
        &json!({
            "scenario": exp.name,
            "protocol": match cfg.protocol() { Protocol::V2 => "v2", Protocol::V3 => "v3" },
            "engine": cfg.train_params().engine.name(),
            "seed_sim": cfg.seed.sim,
            "init": init,
            "noise": {"init_noise": cfg.init_noise, "stdp_noise": cfg.stdp.ws.noise},
            "validation_iteration": rec.validation_iteration,
            "dkl": rec.dkl.iter().map(|&x| js(x)).collect::<Vec<_>>(),
            "asymmetry": rec.asymmetry.iter().map(|&x| js(x)).collect::<Vec<_>>(),
            "final": {
                "dkl": rec.dkl.get(last).map(|&x| js(x)),
                "asymmetry": rec.asymmetry.get(last).map(|&x| js(x)),
            },
            "note": "dkl = D_KL(target || sampled) of the distribution sampled in each validation iteration (pre-update weights); asymmetry = Var(W_ij - W_ji), i<j, after the update; null = +inf (a target state was never sampled)",
        }),
    )?;
    let v = rec.validation_iteration.len();
    let it: Vec<f64> = rec.validation_iteration.iter().map(|&i| i as f64).collect();
    let mut npz = dir.npz("arrays.npz")?;
    npz.vec("validation_iteration", &it)?
        .vec("dkl", &rec.dkl)?
        .vec("asymmetry", &rec.asymmetry)?
        .arr3("weights", v, n, n, &rec.weights.concat())?
        .mat("biases", v, n, &rec.biases.concat())?
        .mat("distributions", v, 1 << n, &rec.distributions.concat())?
        .vec("target_distribution", &rec.target_distribution)?
        .mat("w_target", n, n, &exp.init.w_target)?
        .vec("b_target", &exp.init.b_target)?
        .mat("w_init", n, n, &exp.init.w_init)?
        .vec("b_init", &exp.init.b_init)?
        .mat("ws_amplitude", n, n, &exp.init.ws_amplitude)?
        .mat("sal_amplitude", n, n, &exp.init.sal_amplitude)?;
    npz.finish()
}
