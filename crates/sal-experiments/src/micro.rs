//! Cortical microcircuits (Fig 6 and deeper nets): the reference's files
//! (`params/microcircuits/…`) run as teacher, then student (simulator M3).

use crate::config::micro::{MicroConfig, variant};
use crate::config::{apply_sets, parse};
use crate::error::{Error, Result};
use crate::experiment::{
    Experiment, Extras, InitRef, Kind, Limits, Outcome, PaperBase, PaperGrid, PaperRequest,
    has_key, scenario_name,
};
use crate::out::Array;
use crate::out::js;
use crate::progress::Ctx;
use sal::microcircuit::{
    Mat, MicroError, RunResult, Schedule, StudentSpec, TargetSets, TeacherSpec, Weights,
    draw_schedule, student, teacher_with,
};
use serde_json::{Value as Json, json};
use serde_norway::Value;
use std::any::Any;
use std::path::{Path, PathBuf};

/// The microcircuit kind: files with `network_properties`.
pub struct MicroKind;

/// Initial weights and pattern schedule of one reference run (derived JSON file).
#[derive(Debug, Clone)]
pub struct ReferenceRun {
    /// Initial weights (W_up hidden, W_down hidden, W_up output).
    pub weights: Weights,
    /// The 3 900-slot schedule.
    pub schedule: Schedule,
}

/// A validated microcircuit experiment.
#[derive(Debug, Clone)]
pub struct MicroExperiment {
    /// The resolved configuration (seeds from an --init file already applied).
    pub config: MicroConfig,
    /// Scenario name (file stem).
    pub name: String,
    /// "sal", "bp" or "fa".
    pub variant: &'static str,
    /// The scenario name and the initial-conditions file (`--init`: initial weights, seeds
    /// and schedule of a reference run) given in the file or on the command line.
    pub extras: Extras,
    /// The reference run's weights and schedule (with --init).
    pub reference: Option<ReferenceRun>,
}

/// Loads run `index` of a `microcircuits_*_initial_conditions.json` file.
fn load_reference(path: &Path, index: usize, cfg: &mut MicroConfig) -> Result<ReferenceRun> {
    let name = path.display().to_string();
    let flag = format!("--init {name}");
    let v = crate::config::read_init_json(path)?;
    let runs = v.get("runs").and_then(Json::as_array).ok_or_else(|| {
        Error::invalid(
            &flag,
            "no 'runs' list (not a microcircuit initial-conditions file)",
        )
    })?;
    let run = crate::config::init_run(runs, index, &name)?;
    if cfg.network_properties.dims != [1, 1, 1] {
        return Err(Error::invalid(
            &flag,
            "the reference's initial conditions are for dims [1, 1, 1]",
        ));
    }
    let num = |k: &str| -> Result<f64> {
        run.get(k)
            .and_then(Json::as_f64)
            .ok_or_else(|| Error::invalid(&flag, format!("run {index} has no number '{k}'")))
    };
    let seed = |k: &str| -> Result<u64> {
        run.get(k)
            .and_then(Json::as_u64)
            .ok_or_else(|| Error::invalid(&flag, format!("run {index} has no seed '{k}'")))
    };
    let list = |k: &str| -> Result<Vec<u64>> {
        run.get(k)
            .and_then(Json::as_array)
            .and_then(|a| a.iter().map(Json::as_u64).collect::<Option<Vec<_>>>())
            .ok_or_else(|| Error::invalid(&flag, format!("run {index} has no integer list '{k}'")))
    };
    let s = &mut cfg.student_simulation_settings;
    s.poisson_seed = seed("poisson_seed")?;
    s.weights_init_seed = Some(seed("weights_init_seed")?);
    s.training_seed = seed("training_seed")?;
    let idx = list("pattern_index_sequence")?;
    let tr = list("is_training_slot")?;
    if idx.len() != tr.len() {
        return Err(Error::invalid(
            &flag,
            "pattern_index_sequence and is_training_slot differ in length",
        ));
    }
    let weights = Weights {
        up: vec![
            Mat::filled(1, 1, num("w_up_1")?),
            Mat::filled(1, 1, num("w_up_2")?),
        ],
        down: vec![Mat::filled(1, 1, num("w_down_1")?)],
    };
    Ok(ReferenceRun {
        weights,
        schedule: Schedule {
            training: tr.iter().map(|&x| x == 1).collect(),
            index: idx.iter().map(|&x| x as usize).collect(),
        },
    })
}

impl Kind for MicroKind {
    fn name(&self) -> &'static str {
        "microcircuit"
    }

    fn recognises(&self, value: &Value) -> bool {
        has_key(value, "network_properties")
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
        apply_sets(
            &mut value,
            sets,
            Some("microcircuit runs have a single simulator (M3, one step at a time)"),
        )?;
        let mut config: MicroConfig = parse(value, &source)?;
        config.check_memory(limits)?;
        config.validate()?;
        let reference = match &init {
            Some(r) => Some(load_reference(&r.given, r.index, &mut config)?),
            None => None,
        };
        if let Some(r) = &reference {
            let s = &config.student_simulation_settings;
            let need = s.num_epochs * (s.len_epoch + s.len_validation);
            if r.schedule.index.len() < need {
                return Err(Error::invalid(
                    "--init",
                    format!(
                        "the reference schedule has {} slots, the run needs {need}",
                        r.schedule.index.len()
                    ),
                ));
            }
            let (ntr, nva) = config.inputs(1).map(|(a, b)| (a.len(), b.len()))?;
            for k in 0..need {
                let n = if r.schedule.training[k] { ntr } else { nva };
                if r.schedule.index[k] >= n {
                    return Err(Error::invalid(
                        "--init",
                        format!(
                            "schedule slot {k} indexes input {} of {n}: file and --init do not match",
                            r.schedule.index[k]
                        ),
                    ));
                }
            }
        }
        Ok(Box::new(MicroExperiment {
            variant: variant(&config),
            config,
            name: extras.name(|| scenario_name(file)),
            extras,
            reference,
        }))
    }

    fn paper_grid(&self, req: &PaperRequest) -> Result<PaperGrid> {
        // Fig 6: runs k = 0 … seeds−1 of the variant, each with the reference's seeds
        // (base + k + 1), initial weights and pattern schedule from the derived file.
        if !(1..=20).contains(&req.seeds) {
            return Err(Error::invalid(
                "--seeds",
                format!("must be 1…20 (got {})", req.seeds),
            ));
        }
        let exp = req
            .experiment
            .as_any()
            .downcast_ref::<MicroExperiment>()
            .expect("a microcircuit experiment");
        let variant = exp.variant;
        let reference = exp.config.network_properties.dims == [1, 1, 1];
        let init_path = if reference {
            Some(crate::config::derived_file(
                req.init_dir,
                req.file,
                &format!("microcircuits_{variant}_initial_conditions.json"),
            )?)
        } else {
            None
        };
        let st = &exp.config.student_simulation_settings;
        let mut bases = Vec::new();
        for k in 0..req.seeds {
            let mut coords = serde_json::Map::new();
            coords.insert("variant".into(), Json::from(variant));
            coords.insert("seed_index".into(), Json::from(k));
            // 1-1-1: the reference's run k from the derived file (seeds, weights, schedule);
            // other networks: the reference's seed scheme, every student seed + (k + 1).
            let sets = match &init_path {
                Some(_) => Vec::new(),
                None => {
                    let off = k as u64 + 1;
                    let mut v = vec![
                        format!(
                            "student_simulation_settings.poisson_seed={}",
                            st.poisson_seed + off
                        ),
                        format!(
                            "student_simulation_settings.training_seed={}",
                            st.training_seed + off
                        ),
                    ];
                    if let Some(w) = st.weights_init_seed {
                        v.push(format!(
                            "student_simulation_settings.weights_init_seed={}",
                            w + off
                        ));
                    }
                    v
                }
            };
            bases.push(PaperBase {
                sets,
                init: init_path.clone().map(|p| (p, k)),
                coords,
            });
        }
        Ok(PaperGrid {
            grids: vec![(
                "seed_index".to_string(),
                (0..req.seeds).map(Json::from).collect(),
            )],
            noise_key: None,
            bases,
        })
    }
}

/// The core's microcircuit error as ours (an interrupt or a non-finite number, or an invalid
/// set-up naming its key).
fn micro_err(ctx: &Ctx, e: MicroError) -> Error {
    match e {
        MicroError::Invalid { field, reason } => Error::invalid(field, reason),
        MicroError::Halt(h) => ctx.halt(h),
    }
}

impl MicroExperiment {
    /// Student steps (the teacher adds (E+V)·t_pattern_teacher·t_ref).
    pub fn total_steps(&self) -> u64 {
        let s = &self.config.student_simulation_settings;
        (s.num_epochs * (s.len_epoch + s.len_validation)) as u64
            * s.t_pattern
            * self.config.network_properties.t_ref as u64
    }

    /// Teacher steps: every training and validation input for t_pattern·t_ref steps.
    pub fn teacher_steps(&self) -> u64 {
        let c = &self.config;
        let n = c
            .inputs(c.network_properties.dims[0])
            .map(|(a, b)| (a.len() + b.len()) as u64)
            .unwrap_or(0);
        n * c.teacher_simulation_settings.t_pattern * c.network_properties.t_ref as u64
    }

    fn student_spec(&self, targets: &(Vec<Vec<f64>>, Vec<Vec<f64>>)) -> Result<StudentSpec> {
        let c = &self.config;
        let net = c.net()?;
        let s = &c.student_simulation_settings;
        let (tr, va) = c.inputs(net.dims[0])?;
        let (weights, schedule) = match &self.reference {
            Some(r) => (r.weights.clone(), r.schedule.clone()),
            None => (
                c.student_weights(&net.dims)?,
                draw_schedule(
                    s.training_seed,
                    s.num_epochs,
                    tr.len(),
                    va.len(),
                    s.len_epoch,
                    s.len_validation,
                    s.shuffle_training,
                    s.shuffle_validation,
                ),
            ),
        };
        Ok(StudentSpec {
            biases: c.biases(false, &net.dims)?,
            recorded: c.recorded(&net.dims)?,
            net,
            weights,
            poisson_seed: s.poisson_seed,
            t_pattern: s.t_pattern,
            len_epoch: s.len_epoch,
            len_symmetrization: s.len_symmetrization,
            len_validation: s.len_validation,
            num_epochs: s.num_epochs,
            schedule,
            training: tr.into_iter().zip(targets.0.iter().cloned()).collect(),
            validation: va.into_iter().zip(targets.1.iter().cloned()).collect(),
            update_down: s.update_down,
            set_sps: s.set_sps,
            recorded_sample_length: s.recorded_sample_length,
            record_spikes: s.record_all_spks,
            symmetrisation_bias_offset: s.symmetrization_bias_offset.unwrap_or(0.0),
            symmetrisation_input: s.symmetrization_input,
            symmetrisation_homeostasis: s
                .symmetrization_homeostasis
                .as_ref()
                .map(|h| (h.rate, h.lr)),
        })
    }

    /// The teacher run: targets for the training and validation inputs.
    pub fn teacher_targets(&self, ctx: &Ctx) -> Result<TargetSets> {
        let c = &self.config;
        let net = c.net()?;
        let (tr, va) = c.inputs(net.dims[0])?;
        let spec = TeacherSpec {
            weights: c.teacher_weights(&net.dims)?,
            biases: c.biases(true, &net.dims)?,
            poisson_seed: c.teacher_simulation_settings.poisson_seed,
            t_pattern: c.teacher_simulation_settings.t_pattern,
            net,
        };
        let mut progress = ctx.reporter.task(
            &format!("{} (teacher)", self.name),
            self.teacher_steps(),
            "steps",
        );
        let r = {
            let mut tick = ctx.ticker(progress.as_mut());
            teacher_with(&spec, &tr, &va, &mut tick)
        };
        progress.finish();
        r.map_err(|e| micro_err(ctx, e))
    }
}

/// Name of W_up of layer ℓ ("W10", "W21", …) and W_down of hidden layer ℓ ("B12", …).
pub fn up_name(l: usize) -> String {
    format!("W{}{}", l, l - 1)
}

/// See [`up_name`].
pub fn down_name(l: usize) -> String {
    format!("B{}{}", l, l + 1)
}

/// A matrix as JSON: a number for 1×1 networks (`scalar`), nested rows otherwise.
fn mat_json(m: &Mat, scalar: bool) -> Json {
    if scalar {
        json!(m.data[0])
    } else {
        json!(m.to_rows())
    }
}

/// A finished teacher–student run.
#[derive(Debug, Clone)]
pub struct MicroOutcome {
    /// The experiment.
    pub experiment: MicroExperiment,
    /// The student's set-up (weights, schedule, inputs with their targets).
    pub spec: StudentSpec,
    /// The teacher's targets (training, validation).
    pub targets: TargetSets,
    /// What the student recorded.
    pub result: RunResult,
}

impl Experiment for MicroExperiment {
    fn kind(&self) -> &'static str {
        "microcircuit"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn total_work(&self) -> u64 {
        self.total_steps() + self.teacher_steps()
    }

    fn resolved_yaml(&self) -> String {
        let text = serde_norway::to_string(&self.config).expect("serialisable");
        text + &self.extras.yaml(&self.name)
    }

    fn input_files(&self) -> Vec<(String, PathBuf)> {
        self.extras
            .init
            .iter()
            .map(|r| ("init".to_string(), r.file.clone()))
            .collect()
    }

    fn run(&self, ctx: &Ctx) -> Result<Box<dyn Outcome>> {
        let targets = self.teacher_targets(ctx)?;
        let spec = self.student_spec(&targets)?;
        let mut progress = ctx.reporter.task(&self.name, spec.total_steps(), "steps");
        let res = {
            let mut tick = ctx.ticker(progress.as_mut());
            student(&spec, &mut tick)
        };
        progress.finish();
        let result = res.map_err(|e| micro_err(ctx, e))?;
        Ok(Box::new(MicroOutcome {
            experiment: self.clone(),
            spec,
            targets,
            result,
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Outcome for MicroOutcome {
    fn summary(&self) -> String {
        let res = &self.result;
        let w = res.epoch_weights.last().expect("final weights");
        format!(
            "final validation loss {:.4e} (free output {:.4e}), feedback angle(s) {}",
            res.validation_loss.last().copied().unwrap_or(f64::NAN),
            res.validation_loss_free.last().copied().unwrap_or(f64::NAN),
            w.feedback_angles()
                .iter()
                .map(|a| format!("{a:.1}°"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn metrics(&self) -> Json {
        metrics(&self.experiment, &self.spec, &self.targets, &self.result)
    }

    fn arrays(&self) -> Result<Vec<Array>> {
        arrays(&self.experiment, &self.spec, &self.targets, &self.result)
    }

    fn simulated_steps(&self) -> Option<u64> {
        // teacher and student: the wall time covers both
        Some(self.spec.total_steps() + self.experiment.teacher_steps())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `metrics.json` of a run.
fn metrics(
    exp: &MicroExperiment,
    spec: &StudentSpec,
    targets: &TargetSets,
    res: &RunResult,
) -> Json {
    let dims = &spec.net.dims;
    let l = dims.len() - 1;
    let scalar = dims.iter().all(|&d| d == 1);
    let epochs = spec.num_epochs;
    let mut weights = serde_json::Map::new();
    let mut finals = serde_json::Map::new();
    for k in 1..=l {
        let series: Vec<Json> = res.epoch_weights[..epochs]
            .iter()
            .map(|w| mat_json(&w.up[k - 1], scalar))
            .collect();
        weights.insert(up_name(k), Json::Array(series));
        finals.insert(
            up_name(k),
            mat_json(&res.epoch_weights[epochs].up[k - 1], scalar),
        );
    }
    for k in 1..l {
        let series: Vec<Json> = res.epoch_weights[..epochs]
            .iter()
            .map(|w| mat_json(&w.down[k - 1], scalar))
            .collect();
        weights.insert(down_name(k), Json::Array(series));
        finals.insert(
            down_name(k),
            mat_json(&res.epoch_weights[epochs].down[k - 1], scalar),
        );
    }
    let mut angles = serde_json::Map::new();
    let mut angles_final = serde_json::Map::new();
    for k in 1..l {
        let a: Vec<Json> = res.epoch_weights[..epochs]
            .iter()
            .map(|w| js(w.feedback_angles()[k - 1]))
            .collect();
        angles.insert(down_name(k), Json::Array(a));
        angles_final.insert(
            down_name(k),
            js(res.epoch_weights[epochs].feedback_angles()[k - 1]),
        );
    }
    let teacher_w = exp
        .config
        .teacher_weights(dims)
        .expect("validated when the experiment was prepared");
    let mut teacher_weights = serde_json::Map::new();
    for k in 1..=l {
        teacher_weights.insert(up_name(k), mat_json(&teacher_w.up[k - 1], scalar));
    }
    let init = match &exp.extras.init {
        None => {
            json!({"source": "drawn", "weights_init_seed": exp.config.student_simulation_settings.weights_init_seed, "training_seed": exp.config.student_simulation_settings.training_seed})
        }
        Some(r) => {
            json!({"source": "file", "file": r.file.display().to_string(), "index": r.index})
        }
    };
    let s = &exp.config.student_simulation_settings;
    json!({
            "experiment": "microcircuit",
            "scenario": exp.name,
            "variant": exp.variant,
            "dims": dims,
            "seeds": {"poisson_seed": s.poisson_seed, "weights_init_seed": s.weights_init_seed, "training_seed": s.training_seed,
                      "teacher_poisson_seed": exp.config.teacher_simulation_settings.poisson_seed},
            "init": init,
            "epoch": (0..epochs).collect::<Vec<_>>(),
            "validation_loss": res.validation_loss.iter().map(|&x| js(x)).collect::<Vec<_>>(),
            "validation_loss_free": res.validation_loss_free.iter().map(|&x| js(x)).collect::<Vec<_>>(),
            "weights": weights,
            "weights_final": finals,
            "angle_deg": angles,
            "angle_deg_final": angles_final,
            "teacher_targets": {"training": targets.0, "validation": targets.1},
            "teacher_weights": teacher_weights,
            "final": {
                "validation_loss": res.validation_loss.last().map(|&x| js(x)),
                "validation_loss_free": res.validation_loss_free.last().map(|&x| js(x)),
            },
            "note": "validation_loss: per epoch, mean over the validation patterns of the squared error of the nudged output averaged after the learning lag (the reference's number, discrepancies C1); validation_loss_free: the same for the free output b + v_bas. weights: value at the start of every epoch (first = initial, after the BP copy in BP mode); W{l}{l-1} = W_up of layer l, B{l}{l+1} = W_down of hidden layer l ([post][pre]); angle_deg: angle between W_down(l) and W_up(l+1)^T in degrees; teacher_weights: the teacher's W_up per layer",
    })
}

/// `arrays.npz` of a run.
fn arrays(
    exp: &MicroExperiment,
    spec: &StudentSpec,
    targets: &TargetSets,
    res: &RunResult,
) -> Result<Vec<Array>> {
    let dims = &spec.net.dims;
    let l = dims.len() - 1;
    let mut npz = crate::out::Npz::memory();
    npz.vec("validation_loss", &res.validation_loss)?
        .vec("validation_loss_free", &res.validation_loss_free)?;
    let n_pat = res.outputs.len();
    let n_out = dims[l];
    npz.mat("outputs", n_pat, n_out, &res.outputs.concat())?;
    let n_pops = res.rates.first().map_or(0, Vec::len);
    npz.mat("rates", n_pat, n_pops, &res.rates.concat())?;
    let sched_idx: Vec<f64> = spec.schedule.index[..n_pat]
        .iter()
        .map(|&i| i as f64)
        .collect();
    let sched_tr: Vec<f64> = spec.schedule.training[..n_pat]
        .iter()
        .map(|&b| b as u8 as f64)
        .collect();
    npz.vec("pattern_index", &sched_idx)?
        .vec("pattern_is_training", &sched_tr)?;
    npz.mat(
        "training_targets",
        targets.0.len(),
        n_out,
        &targets.0.concat(),
    )?
    .mat(
        "validation_targets",
        targets.1.len(),
        n_out,
        &targets.1.concat(),
    )?;
    let (tr, va) = exp.config.inputs(dims[0])?;
    npz.mat("training_inputs", tr.len(), dims[0], &tr.concat())?
        .mat("validation_inputs", va.len(), dims[0], &va.concat())?;
    for k in 1..=l {
        let m = &res.epoch_weights[0].up[k - 1];
        let all: Vec<f64> = res
            .epoch_weights
            .iter()
            .flat_map(|w| w.up[k - 1].data.clone())
            .collect();
        npz.arr3(&up_name(k), res.epoch_weights.len(), m.rows, m.cols, &all)?;
    }
    for k in 1..l {
        let m = &res.epoch_weights[0].down[k - 1];
        let all: Vec<f64> = res
            .epoch_weights
            .iter()
            .flat_map(|w| w.down[k - 1].data.clone())
            .collect();
        npz.arr3(&down_name(k), res.epoch_weights.len(), m.rows, m.cols, &all)?;
    }
    if !res.spikes.is_empty() || spec.record_spikes {
        let col = |f: &dyn Fn(&(i64, u32, u32)) -> f64| -> Vec<f64> {
            res.spikes.iter().map(f).collect()
        };
        npz.vec("spike_time", &col(&|s| s.0 as f64))?
            .vec("spike_population", &col(&|s| s.1 as f64))?
            .vec("spike_unit", &col(&|s| s.2 as f64))?;
    }
    let blocks = res.recordings.len();
    for &(layer, q, off, len) in &res.recording_layout {
        let v: Vec<f64> = res
            .recordings
            .iter()
            .flat_map(|r| r[off..off + len].to_vec())
            .collect();
        npz.mat(&format!("rec_layer{layer}_{}", q.name()), blocks, len, &v)?;
    }
    Ok(npz.into_arrays())
}
