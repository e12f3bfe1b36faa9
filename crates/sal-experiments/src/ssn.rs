//! Spiking sampling networks (Fig 4 / Fig 5): the reference's scenario files
//! (`params/ssn*/…/exp.yaml`, the minimal example) trained with the core's sampler.

use crate::config::ssn::{SsnConfig, load_initial_conditions};
use crate::config::{apply_sets, parse};
use crate::error::{Error, Result};
use crate::experiment::{
    Experiment, Extras, InitRef, Kind, Limits, Outcome, PaperBase, PaperGrid, PaperRequest,
    scenario_name,
};
use crate::out::Array;
use crate::out::js;
use crate::progress::Ctx;
use sal::sampling::init::{InitialConditions, draw};
use sal::sampling::training::{Protocol, Record, TrainError, train};
use serde_json::{Value as Json, json};
use serde_norway::Value;
use std::any::Any;
use std::path::{Path, PathBuf};

/// Distr and init seeds of the reference's seed indices (`ssn_v3.md` §3; B12: 4235 sic).
pub const SEED_DISTR: [u64; 5] = [4321, 4322, 4323, 4324, 4235];
/// See [`SEED_DISTR`].
pub const SEED_INIT: [u64; 4] = [9002, 9003, 9004, 9005];

/// The sampling-network kind: every file that no other kind claims.
pub struct SsnKind;

/// A validated sampling-network experiment.
#[derive(Debug, Clone)]
pub struct SsnExperiment {
    /// The resolved configuration.
    pub config: SsnConfig,
    /// Its initial conditions.
    pub init: InitialConditions,
    /// The scenario name and initial-conditions file given in the file or by `--init`
    /// (initial conditions drawn from `seed.distr` / `seed.init` without one).
    pub extras: Extras,
    /// Name of the scenario (exp_type or file stem).
    pub name: String,
}

/// The record of a finished training run.
#[derive(Debug, Clone)]
pub struct SsnOutcome {
    /// The experiment (for the metrics' provenance fields).
    pub experiment: SsnExperiment,
    /// What training recorded.
    pub record: Record,
}

impl Kind for SsnKind {
    fn name(&self) -> &'static str {
        "ssn"
    }

    fn recognises(&self, _: &Value) -> bool {
        true
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
        let init = extras.init.clone();
        apply_sets(&mut value, sets, None)?;
        let config: SsnConfig = parse(value, &source)?;
        config.validate(&source)?;
        let key = if config.dim > 16 { "dim" } else { "val_step" };
        limits.check_memory(memory_estimate(&config), key, "the run's records")?;
        let ic = match &init {
            Some(r) => load_initial_conditions(&r.given, r.index, config.dim)?,
            None => draw(&config.init_params(), config.seed.distr, config.seed.init),
        };
        let name = extras.name(|| {
            config
                .exp_type
                .clone()
                .unwrap_or_else(|| scenario_name(file))
        });
        Ok(Box::new(SsnExperiment {
            config,
            init: ic,
            extras,
            name,
        }))
    }

    fn paper_grid(&self, req: &PaperRequest) -> Result<PaperGrid> {
        let file = req.file;
        let exp_type = crate::config::get_path(req.raw, "exp_type")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let v3 = exp_type.is_some();
        let fam = family_of(file, exp_type.as_deref()).ok_or_else(|| {
            Error::invalid(
                "--paper",
                format!(
                    "{} is not a syn_noise / plast_noise scenario (no reference grid known)",
                    file.display()
                ),
            )
        })?;
        if !(1..=20).contains(&req.seeds) {
            return Err(Error::invalid(
                "--seeds",
                format!("must be 1…20 (got {})", req.seeds),
            ));
        }
        let (levels, keys, init_file): (Vec<f64>, Vec<&str>, &str) = match (fam, v3) {
            ("syn", true) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                vec!["init_noise"],
                "ssn_v3_syn_noise_initial_conditions.json",
            ),
            ("plast", true) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8],
                vec!["stdp.ws.noise", "stdp.sal.noise"],
                "ssn_v3_plast_noise_initial_conditions.json",
            ),
            ("syn", false) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                vec!["init_noise"],
                "ssn_syn_noise_initial_conditions.json",
            ),
            _ => (
                vec![0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
                vec!["stdp.ws.noise", "stdp.sal.noise"],
                "ssn_plast_noise_initial_conditions.json",
            ),
        };
        let init_path = crate::config::derived_file(req.init_dir, file, init_file)?;
        let key = keys[0].to_string();
        let mut bases = Vec::new();
        for (k, &level) in levels.iter().enumerate() {
            for s in 0..req.seeds {
                let run = 20 * k + s;
                let sim = if v3 { 7654 + s } else { 7654 + run };
                let mut sets: Vec<String> =
                    keys.iter().map(|key| format!("{key}={level}")).collect();
                sets.push(format!("seed.distr={}", SEED_DISTR[s / 4]));
                sets.push(format!("seed.init={}", SEED_INIT[s % 4]));
                sets.push(format!("seed.sim={sim}"));
                let mut coords = serde_json::Map::new();
                coords.insert(key.clone(), Json::from(level));
                coords.insert("seed_index".into(), Json::from(s));
                bases.push(PaperBase {
                    sets,
                    init: Some((init_path.clone(), run)),
                    coords,
                });
            }
        }
        Ok(PaperGrid {
            grids: vec![
                (key.clone(), levels.iter().map(|&x| Json::from(x)).collect()),
                (
                    "seed_index".to_string(),
                    (0..req.seeds).map(Json::from).collect(),
                ),
            ],
            noise_key: Some(key),
            bases,
        })
    }
}

/// The noise family of a scenario file ("syn" or "plast"): from `exp_type` (v3) or the
/// folder name (v2 files).
pub fn family_of(file: &Path, exp_type: Option<&str>) -> Option<&'static str> {
    let folder = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = exp_type.map(str::to_string).unwrap_or(folder);
    if name.starts_with("syn_noise") {
        Some("syn")
    } else if name.starts_with("plast_noise") {
        Some("plast")
    } else {
        None
    }
}

/// Bytes a run holds: per validation point the weights (N²), biases (N) and the sampled
/// distribution (2^N states), plus the target and the state histograms of one sleep phase,
/// 8 bytes per number.
fn memory_estimate(c: &SsnConfig) -> u64 {
    let n = c.dim as u64;
    let states = 1u64 << c.dim.min(40);
    let points = (c.num_epochs as u64).div_ceil(c.val_step.max(1) as u64) + 1;
    8 * (points * (n * n + n + states) + 4 * states + 8 * n * n)
}

impl SsnExperiment {
    /// The resolved configuration (every default explicit, the initial conditions' file
    /// recorded).
    pub fn resolved_config(&self) -> SsnConfig {
        let mut c = self.config.clone();
        c.protocol = Some(match self.config.protocol() {
            Protocol::V2 => crate::config::ssn::ProtocolName::V2,
            Protocol::V3 => crate::config::ssn::ProtocolName::V3,
        });
        c.engine = Some(match self.config.train_params().engine {
            sal::engine::EngineKind::Clock => crate::config::ssn::EngineName::Clock,
            sal::engine::EngineKind::Event => crate::config::ssn::EngineName::Event,
        });
        c
    }
}

impl Experiment for SsnExperiment {
    fn kind(&self) -> &'static str {
        "ssn"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn total_work(&self) -> u64 {
        self.config.train_params().total_steps()
    }

    fn resolved_yaml(&self) -> String {
        let text = serde_norway::to_string(&self.resolved_config()).expect("serialisable");
        text + &self.extras.yaml(&self.name)
    }

    fn input_files(&self) -> Vec<(String, PathBuf)> {
        self.extras
            .init
            .iter()
            .map(|r| ("init".to_string(), r.file.clone()))
            .collect()
    }

    fn engine(&self) -> Option<String> {
        Some(self.config.train_params().engine.name().to_string())
    }

    fn run(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>> {
        let p = self.config.train_params();
        let mut progress = ctx.reporter.task(&self.name, p.total_steps(), "steps");
        let record = {
            let mut tick = ctx.ticker(progress.as_mut());
            train(&p, &self.init, self.config.seed.sim, &mut |step| {
                tick(p.duration(step))
            })
        };
        progress.finish();
        let record = record.map_err(|e| match e {
            TrainError::Halt(h) => ctx.halt(h),
            other => Error::Failed(other.to_string()),
        })?;
        Ok(Box::new(SsnOutcome {
            experiment: self.clone(),
            record,
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Outcome for SsnOutcome {
    fn summary(&self) -> String {
        let rec = &self.record;
        let last = rec.dkl.len().saturating_sub(1);
        format!(
            "final D_KL {:.4e}, asymmetry {:.4e} ({} validation points)",
            rec.dkl.get(last).copied().unwrap_or(f64::NAN),
            rec.asymmetry.get(last).copied().unwrap_or(f64::NAN),
            rec.dkl.len()
        )
    }

    fn metrics(&self) -> Json {
        let exp = &self.experiment;
        let rec = &self.record;
        let cfg = &exp.config;
        let init = match &exp.extras.init {
            None => {
                json!({"source": "drawn", "seed_distr": cfg.seed.distr, "seed_init": cfg.seed.init})
            }
            Some(r) => {
                json!({"source": "file", "file": r.file.display().to_string(), "index": r.index})
            }
        };
        let last = rec.dkl.len().saturating_sub(1);
        json!({
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
        })
    }

    fn arrays(&self) -> Result<Vec<Array>> {
        let exp = &self.experiment;
        let rec = &self.record;
        let n = exp.config.dim;
        let v = rec.validation_iteration.len();
        let it: Vec<f64> = rec.validation_iteration.iter().map(|&i| i as f64).collect();
        let ic = &exp.init;
        Ok(vec![
            Array::vec("validation_iteration", &it),
            Array::vec("dkl", &rec.dkl),
            Array::vec("asymmetry", &rec.asymmetry),
            Array::arr3("weights", v, n, n, rec.weights.concat()),
            Array::mat("biases", v, n, rec.biases.concat()),
            Array::mat("distributions", v, 1 << n, rec.distributions.concat()),
            Array::vec("target_distribution", &rec.target_distribution),
            Array::mat("w_target", n, n, ic.w_target.clone()),
            Array::vec("b_target", &ic.b_target),
            Array::mat("w_init", n, n, ic.w_init.clone()),
            Array::vec("b_init", &ic.b_init),
            Array::mat("ws_amplitude", n, n, ic.ws_amplitude.clone()),
            Array::mat("sal_amplitude", n, n, ic.sal_amplitude.clone()),
        ])
    }

    fn simulated_steps(&self) -> Option<u64> {
        Some(self.experiment.config.train_params().total_steps())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
