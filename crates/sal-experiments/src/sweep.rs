//! Sweeps: a scenario expanded into a grid of points, run in parallel, resumable.
//!
//! Layout of a sweep directory:
//!
//! ```text
//! DIR/sweep.json          the plan: scenario, file, overrides, grids, every point
//! DIR/points/0000/        one run directory per point (config.resolved.yaml, metrics.json,
//!                         arrays.npz, run.json) — present only when the point finished
//! DIR/report/             written by `sal report`
//! ```
//!
//! A point is written under a hidden staging name and renamed when complete, so a killed
//! sweep never leaves a partial point that could be mistaken for a result; re-running the
//! same command skips finished points and recomputes the rest. Every point's result depends
//! only on its own configuration and seeds, so local, resumed and sharded sweeps give
//! identical points.

use crate::config::{get_path, load_yaml};
use crate::error::{CliError, Result};
use crate::experiment::{Experiment, prepare};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// One point of a sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// Global index (position in the Cartesian product).
    pub index: usize,
    /// Directory relative to the sweep directory.
    pub dir: String,
    /// `--set` overrides of this point (base overrides first).
    pub sets: Vec<String>,
    /// Initial-conditions file and run index, if any.
    pub init: Option<(PathBuf, usize)>,
    /// Grid coordinates (key → value) for reports.
    pub coords: serde_json::Map<String, Json>,
}

/// The plan of a sweep (`sweep.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// Noise family for the paper's figures: "syn", "plast" or null.
    pub family: Option<String>,
    /// Key that holds the noise level in `coords`, if any.
    pub noise_key: Option<String>,
    /// The scenario file.
    pub file: PathBuf,
    /// Overrides applied to every point.
    pub base_sets: Vec<String>,
    /// The grids, in nesting order (first = outermost).
    pub grids: Vec<(String, Vec<Json>)>,
    /// Whether the reference's grid and seeds were used.
    pub paper: bool,
    /// Seed indices per noise level (paper sweeps).
    pub seeds: Option<usize>,
    /// All points.
    pub points: Vec<Point>,
}

/// Distr and init seeds of the reference's seed indices (`ssn_v3.md` §3; B12: 4235 sic).
pub const SEED_DISTR: [u64; 5] = [4321, 4322, 4323, 4324, 4235];
/// See [`SEED_DISTR`].
pub const SEED_INIT: [u64; 4] = [9002, 9003, 9004, 9005];

/// Parses `KEY=V1,V2,…` (values as YAML scalars).
pub fn parse_grid(spec: &str) -> Result<(String, Vec<Json>)> {
    let (key, vals) = spec.split_once('=').ok_or_else(|| {
        CliError::invalid("--grid", format!("expected KEY.PATH=V1,V2,…, got '{spec}'"))
    })?;
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(CliError::invalid(
            "--grid",
            format!("empty key in '{spec}'"),
        ));
    }
    let mut out = Vec::new();
    for v in vals.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(CliError::invalid(format!("--grid {key}"), "empty value"));
        }
        let y: serde_norway::Value = serde_norway::from_str(v).map_err(|e| {
            CliError::invalid(format!("--grid {key}"), format!("cannot parse '{v}': {e}"))
        })?;
        out.push(
            serde_json::to_value(y)
                .map_err(|e| CliError::invalid(format!("--grid {key}"), e.to_string()))?,
        );
    }
    Ok((key, out))
}

fn yaml_scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The family of a scenario file: from `exp_type` (v3) or the folder name (v2 files).
fn family_of(file: &Path, exp_type: Option<&str>) -> Option<&'static str> {
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

/// A derived initial-conditions file `name` of the reference: in `init_dir` (--init-dir) or
/// else in `../../derived` next to the scenario `file`, as the spec's folders lie.
fn derived_file(init_dir: Option<&Path>, file: &Path, name: &str) -> Result<PathBuf> {
    let dir = match init_dir {
        Some(d) => d.to_path_buf(),
        None => file
            .parent()
            .unwrap_or(Path::new("."))
            .join("../../derived"),
    };
    dir.join(name).canonicalize().map_err(|_| {
        CliError::invalid(
            "--init-dir",
            format!(
                "{} not found (the reference's initial conditions; set --init-dir)",
                dir.join(name).display()
            ),
        )
    })
}

/// Options of a sweep.
pub struct SweepSpec<'a> {
    /// Scenario file.
    pub file: &'a Path,
    /// Overrides for every point.
    pub sets: &'a [String],
    /// User grids.
    pub grids: &'a [String],
    /// Use the reference's grid and seeds.
    pub paper: bool,
    /// Seed indices per noise level (paper), 1…20.
    pub seeds: usize,
    /// Where the derived initial-condition files are (paper).
    pub init_dir: Option<&'a Path>,
}

/// Expands a sweep into its plan and validates every point (nothing is written).
pub fn plan(spec: &SweepSpec) -> Result<Plan> {
    if !spec.file.exists() {
        return Err(CliError::invalid(
            "FILE",
            format!("{} does not exist", spec.file.display()),
        ));
    }
    // Absolute, canonical paths: the plan must compare equal whichever directory a
    // resumed run or a cluster task starts from.
    let canonical = spec
        .file
        .canonicalize()
        .map_err(|e| CliError::invalid("FILE", format!("{}: {e}", spec.file.display())))?;
    let file = canonical.as_path();
    let raw = load_yaml(file)?;
    let exp_type = get_path(&raw, "exp_type")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let v3 = exp_type.is_some();
    let family = family_of(file, exp_type.as_deref());
    let user: Vec<(String, Vec<Json>)> = spec
        .grids
        .iter()
        .map(|g| parse_grid(g))
        .collect::<Result<_>>()?;
    // Paper grid: (noise level k, seed index s) outermost, user grids inside.
    struct Base {
        sets: Vec<String>,
        init: Option<(PathBuf, usize)>,
        coords: serde_json::Map<String, Json>,
    }
    let mut bases = Vec::new();
    let mut grids = Vec::new();
    let mut noise_key = None;
    let micro = get_path(&raw, "network_properties").is_some();
    let family = if micro { Some("microcircuit") } else { family };
    if spec.paper && micro {
        // Fig 6: runs k = 0 … seeds−1 of the variant, each with the reference's seeds
        // (base + k + 1), initial weights and pattern schedule from the derived file.
        if !(1..=20).contains(&spec.seeds) {
            return Err(CliError::invalid(
                "--seeds",
                format!("must be 1…20 (got {})", spec.seeds),
            ));
        }
        let exp = match prepare(file, spec.sets, None)? {
            Experiment::Micro(m) => m,
            Experiment::Ssn(_) => unreachable!("checked above"),
        };
        let variant = exp.variant;
        let reference = exp.config.network_properties.dims == [1, 1, 1];
        let init_path = if reference {
            Some(derived_file(
                spec.init_dir,
                file,
                &format!("microcircuits_{variant}_initial_conditions.json"),
            )?)
        } else {
            None
        };
        grids.push((
            "seed_index".to_string(),
            (0..spec.seeds).map(Json::from).collect(),
        ));
        let st = &exp.config.student_simulation_settings;
        for k in 0..spec.seeds {
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
            bases.push(Base {
                sets,
                init: init_path.clone().map(|p| (p, k)),
                coords,
            });
        }
    } else if spec.paper {
        let fam = family.ok_or_else(|| {
            CliError::invalid(
                "--paper",
                format!(
                    "{} is not a syn_noise / plast_noise scenario (no reference grid known)",
                    file.display()
                ),
            )
        })?;
        if !(1..=20).contains(&spec.seeds) {
            return Err(CliError::invalid(
                "--seeds",
                format!("must be 1…20 (got {})", spec.seeds),
            ));
        }
        let (levels, keys, init_file): (Vec<f64>, Vec<&str>, String) = match (fam, v3) {
            ("syn", true) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                vec!["init_noise"],
                "ssn_v3_syn_noise_initial_conditions.json".into(),
            ),
            ("plast", true) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8],
                vec!["stdp.ws.noise", "stdp.sal.noise"],
                "ssn_v3_plast_noise_initial_conditions.json".into(),
            ),
            ("syn", false) => (
                vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                vec!["init_noise"],
                "ssn_syn_noise_initial_conditions.json".into(),
            ),
            _ => (
                vec![0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
                vec!["stdp.ws.noise", "stdp.sal.noise"],
                "ssn_plast_noise_initial_conditions.json".into(),
            ),
        };
        let init_path = derived_file(spec.init_dir, file, &init_file)?;
        let key = keys[0].to_string();
        noise_key = Some(key.clone());
        grids.push((key.clone(), levels.iter().map(|&x| Json::from(x)).collect()));
        grids.push((
            "seed_index".to_string(),
            (0..spec.seeds).map(Json::from).collect(),
        ));
        for (k, &level) in levels.iter().enumerate() {
            for s in 0..spec.seeds {
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
                bases.push(Base {
                    sets,
                    init: Some((init_path.clone(), run)),
                    coords,
                });
            }
        }
    } else {
        bases.push(Base {
            sets: Vec::new(),
            init: None,
            coords: serde_json::Map::new(),
        });
        if let Some((k, _)) = user.first() {
            noise_key = Some(k.clone());
        }
    }
    grids.extend(user.iter().cloned());
    // Cartesian product of the user grids (first outermost).
    let mut combos: Vec<Vec<(String, Json)>> = vec![Vec::new()];
    for (key, vals) in &user {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((key.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let mut points = Vec::new();
    for b in &bases {
        for c in &combos {
            let index = points.len();
            let mut sets = spec.sets.to_vec();
            sets.extend(b.sets.iter().cloned());
            let mut coords = b.coords.clone();
            for (k, v) in c {
                sets.push(format!("{k}={}", yaml_scalar(v)));
                coords.insert(k.clone(), v.clone());
            }
            points.push(Point {
                index,
                dir: format!("points/{index:04}"),
                sets,
                init: b.init.clone(),
                coords,
            });
        }
    }
    if points.len() > 100_000 {
        return Err(CliError::invalid(
            "--grid",
            format!("{} points is more than 100 000", points.len()),
        ));
    }
    // Validate every point now: bad input must fail before anything is written.
    let first = prepare_point(file, &points[0])?;
    for p in points.iter().skip(1) {
        prepare_point(file, p)?;
    }
    Ok(Plan {
        scenario: first.name().to_string(),
        family: family.map(str::to_string),
        noise_key,
        file: file.to_path_buf(),
        base_sets: spec.sets.to_vec(),
        grids,
        paper: spec.paper,
        seeds: spec.paper.then_some(spec.seeds),
        points,
    })
}

/// The validated experiment of one point.
pub fn prepare_point(file: &Path, p: &Point) -> Result<Experiment> {
    prepare(
        file,
        &p.sets,
        p.init.as_ref().map(|(f, k)| (f.as_path(), *k)),
    )
}

/// Whether a point has finished (its directory exists with metrics.json).
pub fn is_done(dir: &Path, p: &Point) -> bool {
    dir.join(&p.dir).join("metrics.json").is_file()
}

/// The metrics.json of every finished point of `plan` (in plan order) and the number of
/// points not finished yet.
pub fn finished_metrics<'a>(dir: &Path, plan: &'a Plan) -> Result<(Vec<(&'a Point, Json)>, usize)> {
    let mut out = Vec::new();
    let mut missing = 0;
    for p in &plan.points {
        if !is_done(dir, p) {
            missing += 1;
            continue;
        }
        let path = dir.join(&p.dir).join("metrics.json");
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&path, e))?;
        let m: Json = serde_json::from_str(&text)
            .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
        out.push((p, m));
    }
    Ok((out, missing))
}

/// Reads a plan.
pub fn read_plan(dir: &Path) -> Result<Plan> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::invalid(
            path.display().to_string(),
            format!("not a sweep directory ({e})"),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::invalid(
            path.display().to_string(),
            format!("unreadable sweep plan: {e}"),
        )
    })
}
