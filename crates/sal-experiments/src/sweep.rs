//! Sweeps: a scenario expanded into a set of points, run in parallel, resumable, shardable
//! over processes and machines, and growable.
//!
//! Layout of a sweep directory:
//!
//! ```text
//! DIR/sweep.json          the plan: scenario, file, overrides, grids, provenance, every point
//! DIR/points/0000/        one run directory per point (config.resolved.yaml, metrics.json,
//!                         arrays.npz, run.json) — present only when the point finished
//! DIR/failed/0003.json    why a point failed (removed once it succeeds)
//! DIR/locks/              one lock file per point and one for the plan
//! DIR/log.jsonl           one line per point computed (or failed): host, process, time
//! DIR/report/             written by `sal report`
//! ```
//!
//! * **Points are keyed by their resolved configuration** (SHA-256 of everything that decides
//!   the run, initial conditions included), so the order of `--set` flags does not matter and a
//!   sweep can grow: adding seeds or grid values computes only the new points. A command whose
//!   points do not include every point of the existing plan is refused with a message naming
//!   what differs.
//! * **Provenance**: the plan records the SHA-256 of every input file (the scenario file,
//!   initial-condition files) and the program's version and git commit; a resume whose inputs
//!   or program changed is refused, naming what changed (`--force` starts over).
//! * **Concurrency**: the plan is read and written under an exclusive file lock
//!   (`locks/plan.lock`), each point is claimed with its own lock before it is computed, so
//!   any number of processes (shards, array tasks, restarts) can work on one directory at once
//!   and no point is computed twice. A point is written under a hidden staging name and
//!   renamed when complete; staging directories of a point are removed only by the process that
//!   holds its lock (so only stale ones). Locks are the operating system's advisory locks
//!   (`flock`), released when a process dies.

use crate::config::{get_path, load_yaml};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, Limits, PaperRequest, run_into};
use crate::kinds::{kind_of, prepare_value};
use crate::out::{OutDir, Sort, has_marker, write_marker};
use crate::progress::Ctx;
use crate::provenance::{InputFile, Program, hash_files, hostname, now_rfc3339, sha256_str};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Largest number of points of one sweep.
pub const MAX_POINTS: usize = 100_000;

/// One point of a sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// Position in the grid (Cartesian product order, first axis outermost).
    pub index: usize,
    /// Directory relative to the sweep directory (kept when the sweep grows).
    pub dir: String,
    /// `--set` overrides of this point (base overrides first).
    pub sets: Vec<String>,
    /// Initial-conditions file and run index, if any.
    pub init: Option<(PathBuf, usize)>,
    /// Grid coordinates (key → value) for reports.
    pub coords: serde_json::Map<String, Json>,
    /// SHA-256 of the point's resolved configuration (its identity).
    #[serde(default)]
    pub key: String,
}

/// The plan of a sweep (`sweep.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// Experiment kind (`ssn`, `microcircuit`, …).
    #[serde(default)]
    pub kind: String,
    /// Noise family for the paper's figures: "syn", "plast", "microcircuit" or null.
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
    /// Input files and their hashes when the plan was made.
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    /// The program that made the plan.
    #[serde(default)]
    pub program: Option<Program>,
}

/// Parses `KEY=V1,V2,…` (values as YAML scalars).
pub fn parse_grid(spec: &str) -> Result<(String, Vec<Json>)> {
    let (key, vals) = spec.split_once('=').ok_or_else(|| {
        Error::invalid("--grid", format!("expected KEY.PATH=V1,V2,…, got '{spec}'"))
    })?;
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(Error::invalid("--grid", format!("empty key in '{spec}'")));
    }
    let mut out = Vec::new();
    for v in vals.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(Error::invalid(format!("--grid {key}"), "empty value"));
        }
        let y: serde_norway::Value = serde_norway::from_str(v).map_err(|e| {
            Error::invalid(format!("--grid {key}"), format!("cannot parse '{v}': {e}"))
        })?;
        out.push(
            serde_json::to_value(y)
                .map_err(|e| Error::invalid(format!("--grid {key}"), e.to_string()))?,
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
    /// Resource limits of one point.
    pub limits: Limits,
}

/// Expands a sweep into its plan and validates every point (nothing is written).
pub fn plan(spec: &SweepSpec) -> Result<Plan> {
    if !spec.file.exists() {
        return Err(Error::invalid(
            "FILE",
            format!("{} does not exist", spec.file.display()),
        ));
    }
    // Absolute, canonical paths: the plan must compare equal whichever directory a
    // resumed run or a cluster task starts from.
    let canonical = spec
        .file
        .canonicalize()
        .map_err(|e| Error::invalid("FILE", format!("{}: {e}", spec.file.display())))?;
    let file = canonical.as_path();
    let raw = load_yaml(file)?;
    let kind = kind_of(&raw);
    let user: Vec<(String, Vec<Json>)> = spec
        .grids
        .iter()
        .map(|g| parse_grid(g))
        .collect::<Result<_>>()?;
    // the file with the sweep's overrides and the first value of every user grid: a real
    // point (a kind may need a grid key, e.g. a ConvNet's `method`)
    let first_sets: Vec<String> = spec
        .sets
        .iter()
        .cloned()
        .chain(
            user.iter()
                .filter_map(|(k, v)| v.first().map(|x| format!("{k}={}", yaml_scalar(x)))),
        )
        .collect();
    let first = prepare_value(file, raw.clone(), &first_sets, None, &spec.limits)?;
    let family = match kind.name() {
        "microcircuit" => Some("microcircuit".to_string()),
        "ssn" => crate::ssn::family_of(file, get_path(&raw, "exp_type").and_then(|v| v.as_str()))
            .map(str::to_string),
        _ => None,
    };
    // Paper grid outermost, user grids inside.
    let (mut grids, mut noise_key, bases) = if spec.paper {
        let g = kind.paper_grid(&PaperRequest {
            file,
            raw: &raw,
            experiment: first.as_ref(),
            seeds: spec.seeds,
            init_dir: spec.init_dir,
        })?;
        (g.grids, g.noise_key, g.bases)
    } else {
        (
            Vec::new(),
            None,
            vec![crate::experiment::PaperBase {
                sets: Vec::new(),
                init: None,
                coords: serde_json::Map::new(),
            }],
        )
    };
    if !spec.paper
        && let Some((k, _)) = user.first()
    {
        noise_key = Some(k.clone());
    }
    // The size of the product, before it is built.
    let total = user
        .iter()
        .try_fold(bases.len(), |n, (_, v)| n.checked_mul(v.len()))
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| {
            Error::invalid(
                "--grid",
                format!(
                    "the grid has more than {MAX_POINTS} points ({})",
                    std::iter::once(bases.len().to_string())
                        .chain(user.iter().map(|(k, v)| format!("{} {k}", v.len())))
                        .collect::<Vec<_>>()
                        .join(" × ")
                ),
            )
        })?;
    grids.extend(user.iter().cloned());
    let mut points = Vec::with_capacity(total);
    for b in &bases {
        let mut combo = vec![0usize; user.len()];
        loop {
            let index = points.len();
            let mut sets = spec.sets.to_vec();
            sets.extend(b.sets.iter().cloned());
            let mut coords = b.coords.clone();
            for ((k, vals), &i) in user.iter().zip(&combo) {
                sets.push(format!("{k}={}", yaml_scalar(&vals[i])));
                coords.insert(k.clone(), vals[i].clone());
            }
            points.push(Point {
                index,
                dir: format!("points/{index:04}"),
                sets,
                init: b.init.clone(),
                coords,
                key: String::new(),
            });
            // next combination, last axis fastest
            let mut a = user.len();
            loop {
                if a == 0 {
                    break;
                }
                a -= 1;
                combo[a] += 1;
                if combo[a] < user[a].1.len() {
                    break;
                }
                combo[a] = 0;
            }
            if combo.iter().all(|&i| i == 0) {
                break;
            }
        }
    }
    // Validate every point now (bad input must fail before anything is written) and key it by
    // its resolved configuration.
    let keys: Vec<Result<String>> = points
        .par_iter()
        .map(|p| {
            let e = prepare_point_value(file, &raw, p, &spec.limits)?;
            Ok(point_key(e.as_ref()))
        })
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (p, k) in points.iter_mut().zip(keys) {
        p.key = k?;
        if let Some(other) = seen.insert(p.key.clone(), p.index) {
            return Err(Error::invalid(
                "--grid",
                format!(
                    "points {other} and {} have the same configuration ({}); a grid axis has no effect or repeats a value",
                    p.index,
                    coords_text(&p.coords)
                ),
            ));
        }
    }
    let mut files: Vec<(String, PathBuf)> = vec![("config".into(), file.to_path_buf())];
    let inits: BTreeSet<PathBuf> = points
        .iter()
        .filter_map(|p| p.init.clone())
        .map(|i| i.0)
        .collect();
    files.extend(inits.into_iter().map(|p| ("init".to_string(), p)));
    Ok(Plan {
        scenario: first.name().to_string(),
        kind: kind.name().to_string(),
        family,
        noise_key,
        file: file.to_path_buf(),
        base_sets: spec.sets.to_vec(),
        grids,
        paper: spec.paper,
        seeds: spec.paper.then_some(spec.seeds),
        points,
        inputs: hash_files(&files)?,
        program: Some(Program::this()),
    })
}

/// The identity of a point: SHA-256 of its kind and resolved configuration.
fn point_key(e: &dyn Experiment) -> String {
    sha256_str(&format!("{}\n{}", e.kind(), e.resolved_yaml()))
}

fn coords_text(c: &serde_json::Map<String, Json>) -> String {
    c.iter()
        .map(|(k, v)| format!("{k}={}", yaml_scalar(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn prepare_point_value(
    file: &Path,
    raw: &serde_norway::Value,
    p: &Point,
    limits: &Limits,
) -> Result<Box<dyn Experiment>> {
    prepare_value(
        file,
        raw.clone(),
        &p.sets,
        p.init.as_ref().map(|(f, k)| (f.as_path(), *k)),
        limits,
    )
}

/// The validated experiment of one point.
pub fn prepare_point(file: &Path, p: &Point, limits: &Limits) -> Result<Box<dyn Experiment>> {
    prepare_point_value(file, &load_yaml(file)?, p, limits)
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
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let m: Json = serde_json::from_str(&text)
            .map_err(|e| Error::Failed(format!("{}: {e}", path.display())))?;
        out.push((p, m));
    }
    Ok((out, missing))
}

/// Reads a plan.
pub fn read_plan(dir: &Path) -> Result<Plan> {
    let path = dir.join("sweep.json");
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::invalid(
            path.display().to_string(),
            format!("not a sweep directory ({e})"),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::invalid(
            path.display().to_string(),
            format!("unreadable sweep plan: {e}"),
        )
    })
}

/// An exclusive lock on a file, released when dropped (or when the process dies).
pub struct Lock(File);

impl Lock {
    fn open(path: &Path) -> Result<File> {
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))
    }

    /// Waits for the lock.
    pub fn acquire(path: &Path) -> Result<Lock> {
        let f = Lock::open(path)?;
        f.lock().map_err(|e| Error::io(path, e))?;
        Ok(Lock(f))
    }

    /// The lock if no other process holds it.
    pub fn try_acquire(path: &Path) -> Result<Option<Lock>> {
        let f = Lock::open(path)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(Lock(f))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn plan_lock(dir: &Path) -> Result<Lock> {
    Lock::acquire(&dir.join("locks/plan.lock"))
}

/// Writes `text` to `path` atomically (a temporary file of this process, then a rename).
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        hostname(),
        std::process::id()
    ));
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Why an existing plan cannot be continued by `new`, if it cannot.
fn resume_refusal(old: &Plan, new: &Plan) -> Option<String> {
    if old.file != new.file {
        return Some(format!(
            "it is a sweep of {}, not of {}",
            old.file.display(),
            new.file.display()
        ));
    }
    for o in &old.inputs {
        if let Some(n) = new.inputs.iter().find(|n| n.path == o.path)
            && n.sha256 != o.sha256
        {
            return Some(format!(
                "{} ({}) changed since the sweep was planned (its SHA-256 differs), so old and new points would not be comparable",
                o.path.display(),
                o.role
            ));
        }
    }
    if let (Some(a), Some(b)) = (&old.program, &new.program)
        && a != b
    {
        return Some(format!(
            "its points were computed by sal {} (commit {}), this is sal {} (commit {})",
            a.version, a.git_commit, b.version, b.git_commit
        ));
    }
    if old.points.iter().any(|p| p.key.is_empty()) {
        // A plan written before points had keys: it continues only with the same points.
        let same = old.points.len() == new.points.len()
            && old
                .points
                .iter()
                .zip(&new.points)
                .all(|(o, p)| o.sets == p.sets && o.init == p.init && o.coords == p.coords);
        return (!same).then(|| {
            "it was planned by an earlier version of sal with other points (growing such a sweep needs a new directory)".to_string()
        });
    }
    let keys: BTreeSet<&str> = new.points.iter().map(|p| p.key.as_str()).collect();
    let missing: Vec<&Point> = old
        .points
        .iter()
        .filter(|p| !keys.contains(p.key.as_str()))
        .collect();
    if !missing.is_empty() {
        let same_coords = missing
            .iter()
            .all(|m| new.points.iter().any(|p| p.coords == m.coords));
        let what = if same_coords {
            "with the same grid coordinates but a different configuration (a --set value or an input differs)".to_string()
        } else {
            let axes: Vec<String> = old
                .grids
                .iter()
                .filter_map(|(k, vals)| {
                    let now = new.grids.iter().find(|(nk, _)| nk == k).map(|g| &g.1);
                    let gone: Vec<String> = vals
                        .iter()
                        .filter(|v| now.is_none_or(|n| !n.contains(v)))
                        .map(yaml_scalar)
                        .collect();
                    (!gone.is_empty()).then(|| format!("{k} = {}", gone.join(", ")))
                })
                .collect();
            if axes.is_empty() {
                "that this command's grid does not include".to_string()
            } else {
                format!(
                    "with {} that this command does not include",
                    axes.join("; ")
                )
            }
        };
        return Some(format!(
            "it has {} point(s) {what} (e.g. {}); pass the full grid to resume or grow it",
            missing.len(),
            coords_text(&missing[0].coords)
        ));
    }
    None
}

/// Opens (or creates) the sweep directory for `plan` and returns the plan in force: the
/// existing points keep their directories, new points get new ones. With `force` an
/// existing sweep of sal is discarded (its points, logs and locks; nothing else in the
/// directory). Safe against other processes opening the same directory at the same time.
pub fn open_dir(dir: &Path, mut plan: Plan, force: bool) -> Result<Plan> {
    let path = dir.join("sweep.json");
    if !path.exists() {
        let occupied = fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if occupied && !has_marker(dir, "sweep") {
            return Err(if force {
                Error::protected(
                    dir,
                    "it is not a sweep directory made by sal (no sweep.json); choose an empty or new directory",
                )
            } else {
                Error::OutExists(dir.to_path_buf())
            });
        }
    }
    if plan
        .file
        .starts_with(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
        && force
    {
        return Err(Error::protected(
            dir,
            format!("it holds the scenario file {}", plan.file.display()),
        ));
    }
    fs::create_dir_all(dir.join("points")).map_err(|e| Error::io(dir, e))?;
    let _lock = plan_lock(dir)?;
    if !has_marker(dir, "sweep") {
        write_marker(dir, "sweep")?;
    }
    if path.exists() {
        let old = read_plan(dir)?;
        match resume_refusal(&old, &plan) {
            None => {
                // keep every existing point's directory; number new ones after the last
                let dirs: HashMap<&str, &str> = old
                    .points
                    .iter()
                    .map(|p| (p.key.as_str(), p.dir.as_str()))
                    .collect();
                let legacy = old.points.iter().any(|p| p.key.is_empty());
                let mut next = old
                    .points
                    .iter()
                    .filter_map(|p| p.dir.strip_prefix("points/")?.parse::<usize>().ok())
                    .max()
                    .map_or(0, |m| m + 1);
                for p in &mut plan.points {
                    match dirs.get(p.key.as_str()) {
                        Some(d) => p.dir = d.to_string(),
                        None if legacy => {} // a plan written before keys: same layout
                        None => {
                            p.dir = format!("points/{next:04}");
                            next += 1;
                        }
                    }
                }
                if old == plan {
                    return Ok(plan);
                }
            }
            Some(why) if !force => {
                return Err(Error::invalid(
                    "--out",
                    format!(
                        "{} holds a different sweep: {why} (use --force to discard its points and start over)",
                        dir.display()
                    ),
                ));
            }
            Some(_) => {
                for sub in ["points", "failed"] {
                    let p = dir.join(sub);
                    if p.exists() {
                        fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
                    }
                }
                let log = dir.join("log.jsonl");
                if log.exists() {
                    fs::remove_file(&log).map_err(|e| Error::io(&log, e))?;
                }
                fs::create_dir_all(dir.join("points")).map_err(|e| Error::io(dir, e))?;
            }
        }
    }
    let text = serde_json::to_string_pretty(&plan).expect("serialisable");
    write_atomic(&path, &text)?;
    Ok(plan)
}

/// Appends one event to `DIR/log.jsonl` (under the plan lock, so lines never interleave).
/// The line is written with one `write` call (an unbuffered `writeln!` issues one call per
/// piece, and a process killed between them would leave half a line).
fn log_event(dir: &Path, event: Json) -> Result<()> {
    let _lock = plan_lock(dir)?;
    let path = dir.join("log.jsonl");
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    f.write_all(format!("{event}\n").as_bytes())
        .map_err(|e| Error::io(&path, e))
}

/// Removes the staging directories of point `p` left by processes that died (call only
/// while holding the point's lock: then no live process owns them).
fn remove_stale_partials(dir: &Path, p: &Point) -> Result<()> {
    let target = dir.join(&p.dir);
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return Ok(());
    };
    let prefix = format!(".{}.partial-", name.to_string_lossy());
    if let Ok(rd) = fs::read_dir(parent) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                fs::remove_dir_all(e.path()).map_err(|err| Error::io(e.path(), err))?;
            }
        }
    }
    Ok(())
}

/// What [`run`] did.
#[derive(Debug, Default)]
pub struct SweepSummary {
    /// Points computed by this process.
    pub computed: usize,
    /// Points skipped because another process held them.
    pub busy: usize,
    /// Failed points: (index, message).
    pub failed: Vec<(usize, String)>,
    /// Finished points of the whole plan after this process.
    pub done: usize,
}

impl SweepSummary {
    /// `Err` naming every failed point (recorded in `DIR/failed/`), else `Ok`.
    pub fn check(&self, dir: &Path) -> Result<()> {
        if self.failed.is_empty() {
            return Ok(());
        }
        Err(Error::Failed(format!(
            "{} point(s) failed (recorded in {}; the other points are kept, re-running retries them):\n  {}",
            self.failed.len(),
            dir.join("failed").display(),
            self.failed
                .iter()
                .map(|(i, m)| format!("point {i}: {m}"))
                .collect::<Vec<_>>()
                .join("\n  ")
        )))
    }
}

/// A rayon pool of `jobs` worker threads for a sweep (`--jobs`, Python's `jobs=`); `None`:
/// the global pool (all cores).
pub fn pool(jobs: Option<usize>) -> Result<Option<rayon::ThreadPool>> {
    match jobs {
        None => Ok(None),
        Some(0) => Err(Error::invalid("--jobs", "must be at least 1")),
        Some(j) => rayon::ThreadPoolBuilder::new()
            .num_threads(j)
            .build()
            .map(Some)
            .map_err(|e| Error::Failed(e.to_string())),
    }
}

/// Runs `f` on `pool` (or on the global pool without one).
pub fn in_pool<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Computes the points `mine` (plan indices) of an opened sweep, each claimed by its lock,
/// in parallel on the current rayon pool. A point that fails is recorded in
/// `DIR/failed/NNNN.json` and the log, and the sweep goes on; an interrupt stops it (finished
/// points are kept, the point in progress leaves nothing behind).
pub fn run(
    dir: &Path,
    plan: &Plan,
    mine: &[usize],
    limits: &Limits,
    ctx: &Ctx,
) -> Result<SweepSummary> {
    let raw = load_yaml(&plan.file)?;
    let pending: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|&i| !is_done(dir, &plan.points[i]))
        .collect();
    let progress = Mutex::new(
        ctx.reporter
            .task(&plan.scenario, pending.len() as u64, "points"),
    );
    let summary = Mutex::new(SweepSummary::default());
    let host = hostname();
    pending.par_iter().for_each(|&i| {
        if ctx.stop.requested().is_some() {
            return;
        }
        let p = &plan.points[i];
        let lock_path = dir.join(format!(
            "locks/{}.lock",
            p.dir.trim_start_matches("points/")
        ));
        let result = (|| -> Result<bool> {
            let Some(_lock) = Lock::try_acquire(&lock_path)? else {
                return Ok(false);
            };
            if is_done(dir, p) {
                return Ok(false);
            }
            remove_stale_partials(dir, p)?;
            let started = now_rfc3339();
            let t0 = std::time::Instant::now();
            let exp = prepare_point_value(&plan.file, &raw, p, limits)?;
            let out = OutDir::create(&dir.join(&p.dir), false, Sort::Run, &[])?;
            run_into(exp.as_ref(), &plan.file, &out, &ctx.silent())?;
            out.finish()?;
            let failed = dir.join(format!("failed/{}.json", p.dir.trim_start_matches("points/")));
            if failed.exists() {
                fs::remove_file(&failed).map_err(|e| Error::io(&failed, e))?;
            }
            log_event(
                dir,
                json!({"event": "finished", "index": p.index, "dir": p.dir, "key": p.key,
                       "host": host, "pid": std::process::id(), "started": started,
                       "finished": now_rfc3339(), "wall_s": t0.elapsed().as_secs_f64()}),
            )?;
            Ok(true)
        })();
        let mut s = summary.lock().expect("lock");
        match result {
            Ok(true) => s.computed += 1,
            Ok(false) => s.busy += 1,
            Err(e) if e.is_interrupt() => {}
            Err(e) => {
                let msg = e.to_string();
                let rel = p.dir.trim_start_matches("points/");
                let f = dir.join(format!("failed/{rel}.json"));
                let record = json!({"index": p.index, "dir": p.dir, "coords": p.coords,
                                    "error": msg, "host": host, "pid": std::process::id(),
                                    "time": now_rfc3339()});
                let _ = fs::create_dir_all(dir.join("failed"));
                let _ = fs::write(&f, format!("{record:#}\n"));
                let _ = log_event(dir, json!({"event": "failed", "index": p.index, "dir": p.dir, "error": msg,
                                              "host": host, "pid": std::process::id(), "time": now_rfc3339()}));
                s.failed.push((p.index, msg));
            }
        }
        drop(s);
        progress.lock().expect("lock").inc(1);
    });
    progress.lock().expect("lock").finish();
    ctx.stop.check()?;
    let mut s = summary.into_inner().expect("lock");
    s.failed.sort();
    s.done = plan.points.iter().filter(|p| is_done(dir, p)).count();
    Ok(s)
}

/// The failures recorded in `DIR/failed/` (index, message), by index.
pub fn failures(dir: &Path) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = fs::read_dir(dir.join("failed"))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let v: Json = serde_json::from_str(&fs::read_to_string(e.path()).ok()?).ok()?;
                    Some((
                        v["index"].as_u64()? as usize,
                        v["error"].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || Error::invalid("--shard", format!("expected K/N with 1 ≤ K ≤ N, got '{s}'"));
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The shard of a SLURM array task from its environment (`SLURM_ARRAY_TASK_ID` with
/// `SLURM_ARRAY_TASK_MIN` / `_MAX` / `_STEP`, or with `SLURM_ARRAY_TASK_COUNT` for arrays
/// `0-(N−1)`): task ids `min, min + step, …, max` map to shards 1 … N. `var` reads a variable.
pub fn shard_from_slurm(var: impl Fn(&str) -> Option<String>) -> Result<Option<(usize, usize)>> {
    let num = |name: &str| -> Result<Option<usize>> {
        match var(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| Error::invalid(name, format!("not a number: {v}"))),
        }
    };
    let Some(id) = num("SLURM_ARRAY_TASK_ID")? else {
        return Ok(None);
    };
    let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
    let (min, count) = match (num("SLURM_ARRAY_TASK_MIN")?, num("SLURM_ARRAY_TASK_MAX")?) {
        (Some(min), Some(max)) if max >= min => (min, (max - min) / step + 1),
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "SLURM_ARRAY_TASK_MAX",
                "is smaller than SLURM_ARRAY_TASK_MIN",
            ));
        }
        _ => match num("SLURM_ARRAY_TASK_COUNT")? {
            Some(c) => (0, c),
            None => return Ok(None),
        },
    };
    if id < min || (id - min) % step != 0 || (id - min) / step >= count || count == 0 {
        return Err(Error::invalid(
            "SLURM_ARRAY_TASK_ID",
            format!(
                "{id} is not one of the array's task ids ({min}, {}, … {} tasks)",
                min + step,
                count
            ),
        ));
    }
    Ok(Some(((id - min) / step + 1, count)))
}

/// The plan indices of shard `k` of `n` (points with index ≡ k − 1 mod n); all without one.
pub fn shard_points(plan: &Plan, shard: Option<(usize, usize)>) -> Vec<usize> {
    plan.points
        .iter()
        .filter(|p| shard.is_none_or(|(k, n)| p.index % n == k - 1))
        .map(|p| p.index)
        .collect()
}
