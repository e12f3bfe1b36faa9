//! `sal.run`, `sal.load_run`, `sal.sweep`, `sal.report`, `sal.load_sweep`: the experiments
//! layer as `sal run`, `sal sweep` and `sal report` call it, with Python values out.

use crate::convert::{arrays_to_py, metrics_to_py, py_to_override, py_to_yaml, yaml_to_py};
use crate::errors::to_py;
use crate::job;
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use sal_experiments::Error;
use sal_experiments::config::load_yaml;
use sal_experiments::experiment::{Experiment, Limits, Source, run_to_dir, with_engine};
use sal_experiments::kinds::{prepare, prepare_value};
use sal_experiments::out::Array;
use sal_experiments::report::long::Column;
use sal_experiments::sweep::{
    SweepSpec, in_pool, open_dir, parse_shard, plan, pool, run as run_points, shard_from_slurm,
    shard_points,
};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// What the command line calls `FILE` is `config` in `sal.run` and `file` in `sal.sweep`.
const RUN_RENAMES: &[(&str, &str)] = &[("invalid value for FILE", "invalid value for config")];
const SWEEP_RENAMES: &[(&str, &str)] = &[("invalid value for FILE", "invalid value for file")];

/// The label of a configuration given as a dict (in messages and `run.json`).
const DICT_LABEL: &str = "config";

/// One run of an experiment: its metrics, arrays and resolved configuration.
#[pyclass(module = "sal", frozen)]
pub struct Run {
    /// ``metrics.json`` as a dict; lists of numbers are numpy arrays (``null`` → NaN, for
    /// ``dkl`` +∞: a target state never sampled).
    #[pyo3(get)]
    metrics: Py<PyDict>,
    /// The arrays of ``arrays.npz`` (numpy, by name).
    #[pyo3(get)]
    arrays: Py<PyDict>,
    /// The resolved configuration (every default explicit) as a dict: ``sal.run(run.config)``
    /// runs it again to the same result.
    #[pyo3(get)]
    config: Py<PyAny>,
    /// The run directory (``pathlib.Path``), or None for a run kept in memory.
    #[pyo3(get)]
    dir: Py<PyAny>,
    /// The experiment kind (``ssn``, ``microcircuit``, …).
    #[pyo3(get)]
    kind: String,
    /// The scenario name.
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl Run {
    fn __repr__(&self, py: Python<'_>) -> String {
        let dir = self.dir.bind(py);
        format!(
            "Run(kind={:?}, name={:?}, dir={})",
            self.kind,
            self.name,
            if dir.is_none() {
                "None".to_string()
            } else {
                dir.str().map(|s| format!("{s:?}")).unwrap_or_default()
            }
        )
    }
}

fn pathlib<'py>(py: Python<'py>, p: &Path) -> PyResult<Bound<'py, PyAny>> {
    py.import("pathlib")?.getattr("Path")?.call1((p,))
}

/// `set=` as `KEY.PATH=VALUE` overrides: a dict {key: value} (values as Python objects) or a
/// list of "KEY.PATH=VALUE" strings.
fn overrides(set: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(set) = set.filter(|s| !s.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(d) = set.cast::<PyDict>() {
        let mut out = Vec::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                PyValueError::new_err("invalid value for set: keys must be strings (KEY.PATH)")
            })?;
            out.push(format!("{key}={}", py_to_override(&v, &key)?));
        }
        return Ok(out);
    }
    if set.is_instance_of::<PyString>() {
        return Ok(vec![set.extract()?]);
    }
    set.extract::<Vec<String>>().map_err(|_| {
        PyValueError::new_err(
            "invalid value for set: a dict {\"key.path\": value} or a list of \"key.path=value\" strings",
        )
    })
}

/// What `sal.run` returns before it becomes Python objects.
struct Done {
    metrics: Json,
    arrays: Vec<Array>,
    resolved: String,
    dir: Option<PathBuf>,
    kind: &'static str,
    name: String,
}

fn run_object(py: Python<'_>, d: Done) -> PyResult<Run> {
    let resolved: serde_norway::Value = serde_norway::from_str(&d.resolved)
        .map_err(|e| PyValueError::new_err(format!("resolved configuration: {e}")))?;
    Ok(Run {
        metrics: metrics_to_py(py, &d.metrics)?
            .cast_into::<PyDict>()?
            .unbind(),
        arrays: arrays_to_py(py, d.arrays)?.unbind(),
        config: yaml_to_py(py, &resolved)?.unbind(),
        dir: match &d.dir {
            Some(p) => pathlib(py, p)?.unbind(),
            None => py.None(),
        },
        kind: d.kind.to_string(),
        name: d.name,
    })
}

/// Runs an experiment from a parameter file (the paper's files work unchanged) or a dict —
/// `sal run`.
///
/// Sampling networks (``params/ssn*/…/exp.yaml``, the minimal example; Fig 4/5) and cortical
/// microcircuits (``params/microcircuits/…``; Fig 6, any ``dims``). A dict is converted to
/// the same YAML value a file would give and validated exactly like one.
///
/// Args:
///     config: the parameter file (str or os.PathLike), or its content as a dict.
///     set: overrides, {"key.path": value} (e.g. ``{"seed.sim": 3}``) or a list of
///         "key.path=value" strings, validated like the file.
///     init: a derived initial-conditions file (target and initial parameters; for
///         microcircuits the seeds, weights and pattern schedule of a reference run).
///     init_index: run index in ``init``.
///     out: None: run in memory (nothing is written); a path: write the run directory as
///         ``sal run --out`` does (config.resolved.yaml, metrics.json, arrays.npz, run.json,
///         figures/), assembled under a hidden name and moved into place at the end.
///     force: replace an existing ``out`` (only a run directory made by sal that holds no
///         input of this call).
///     engine: "event" (default, exact, per spike) or "clock" (per step, the reference's
///         procedure); the same as ``set={"engine": …}``.
///     progress: True: a tqdm bar when tqdm is installed; False: nothing; a callable:
///         called as ``progress(done, total)`` with simulated steps.
///     max_memory: memory the run may use, in GiB (default 80 % of this machine's memory).
///
/// Returns:
///     Run: ``metrics``, ``arrays``, ``config``, ``dir``, ``kind``, ``name``.
///
/// Raises:
///     ValueError: invalid configuration (the message names the key).
///     FileExistsError: ``out`` exists and ``force`` is False.
///     KeyboardInterrupt: Ctrl-C; the run stops within about a second and leaves nothing.
///     sal.NonFiniteError: a weight, bias, membrane or loss became NaN or infinite.
#[pyfunction]
#[pyo3(signature = (
    config, set = None, init = None, init_index = 0, out = None, force = false, engine = None,
    progress = None, max_memory = None
),
text_signature = "(config, set=None, init=None, init_index=0, out=None, force=False, engine=None, progress=True, max_memory=None)")]
#[allow(clippy::too_many_arguments)]
pub fn run(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    set: Option<&Bound<'_, PyAny>>,
    init: Option<PathBuf>,
    init_index: usize,
    out: Option<PathBuf>,
    force: bool,
    engine: Option<String>,
    progress: Option<&Bound<'_, PyAny>>,
    max_memory: Option<f64>,
) -> PyResult<Run> {
    let progress = progress_default(py, progress);
    let fail = |e: Error| to_py(e, RUN_RENAMES);
    let sets = with_engine(&overrides(set)?, engine.as_deref()).map_err(fail)?;
    let limits = Limits::gib(max_memory).map_err(fail)?;
    let init_ref = init.as_deref().map(|p| (p, init_index));
    // A dict (or any mapping) is a configuration value; anything else a path.
    let (exp, file, yaml): (Box<dyn Experiment>, Option<PathBuf>, String) =
        if config.is_instance_of::<PyDict>() {
            let value = py_to_yaml(config, DICT_LABEL)?;
            let yaml = serde_norway::to_string(&value)
                .map_err(|e| PyValueError::new_err(format!("invalid value for config: {e}")))?;
            let exp = prepare_value(Path::new(DICT_LABEL), value, &sets, init_ref, &limits)
                .map_err(fail)?;
            (exp, None, yaml)
        } else {
            let file: PathBuf = config.extract().map_err(|_| {
                PyValueError::new_err(format!(
                    "invalid value for config: a path or a dict, not {}",
                    config
                        .get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            if !file.exists() {
                return Err(PyValueError::new_err(format!(
                    "invalid value for config: {} does not exist",
                    file.display()
                )));
            }
            let exp = prepare(&file, &sets, init_ref, &limits).map_err(fail)?;
            (exp, Some(file), String::new())
        };
    let done = job::run(py, progress.as_ref(), true, RUN_RENAMES, move |ctx| {
        let (kind, name, resolved) = (exp.kind(), exp.name().to_string(), exp.resolved_yaml());
        let (outcome, dir) = match &out {
            None => (exp.run(ctx)?, None),
            Some(out) => {
                let source = match &file {
                    Some(f) => Source::File(f),
                    None => Source::Value {
                        label: DICT_LABEL,
                        yaml: &yaml,
                    },
                };
                let d = run_to_dir(
                    exp.as_ref(),
                    &source,
                    init.as_deref(),
                    out,
                    force,
                    ctx,
                    &mut |e, o, d| sal_plot::run_figures(e, o, d),
                )?;
                if let Some(why) = &d.figure_warning {
                    eprintln!(
                        "warning: a figure of {} could not be drawn ({why}); the results are kept",
                        d.dest.display()
                    );
                }
                (d.outcome, Some(d.dest))
            }
        };
        Ok(Done {
            metrics: outcome.metrics(),
            arrays: outcome.arrays()?,
            resolved,
            dir,
            kind,
            name,
        })
    })?;
    run_object(py, done)
}

/// `progress=None` means the default, True (a tqdm bar when tqdm is installed).
fn progress_default<'py>(
    py: Python<'py>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Option<Bound<'py, PyAny>> {
    match progress {
        None => Some(pyo3::types::PyBool::new(py, true).to_owned().into_any()),
        Some(p) => Some(p.clone()),
    }
}

/// Loads a run directory written by ``sal run``, ``sal.run(…, out=…)`` or a sweep point:
/// ``config.resolved.yaml``, ``metrics.json`` and ``arrays.npz``, as the ``Run`` that
/// ``sal.run`` returns (``metrics``, ``arrays`` and ``config`` compare equal).
///
/// Raises:
///     ValueError: ``dir`` is not a run directory.
#[pyfunction]
pub fn load_run(py: Python<'_>, dir: PathBuf) -> PyResult<Run> {
    let fail = |e: Error| to_py(e, &[]);
    let metrics_path = dir.join("metrics.json");
    if !metrics_path.is_file() {
        return Err(PyValueError::new_err(format!(
            "invalid value for dir: {} is not a run directory (no metrics.json)",
            dir.display()
        )));
    }
    let text =
        std::fs::read_to_string(&metrics_path).map_err(|e| fail(Error::io(&metrics_path, e)))?;
    let metrics: Json = serde_json::from_str(&text).map_err(|e| {
        PyValueError::new_err(format!("invalid value for {}: {e}", metrics_path.display()))
    })?;
    let config = load_yaml(&dir.join("config.resolved.yaml")).map_err(fail)?;
    let run_json: Json = std::fs::read_to_string(dir.join("run.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null);
    let kind = run_json["kind"].as_str().unwrap_or("").to_string();
    let name = metrics["scenario"]
        .as_str()
        .or_else(|| config.get("scenario").and_then(|v| v.as_str()))
        .unwrap_or("")
        .to_string();
    // arrays.npz with numpy (every array, read eagerly; the file is closed)
    let arrays = PyDict::new(py);
    let npz_path = dir.join("arrays.npz");
    if npz_path.is_file() {
        let npz = py.import("numpy")?.call_method1("load", (&npz_path,))?;
        for name in npz.getattr("files")?.try_iter()? {
            let name = name?;
            arrays.set_item(&name, npz.get_item(&name)?)?;
        }
        npz.call_method0("close")?;
    }
    Ok(Run {
        metrics: metrics_to_py(py, &metrics)?.cast_into::<PyDict>()?.unbind(),
        arrays: arrays.unbind(),
        config: yaml_to_py(py, &config)?.unbind(),
        dir: pathlib(py, &dir)?.unbind(),
        kind,
        name,
    })
}

/// What `sal.sweep` did: the points of the plan, how many it computed, how many are done.
#[pyclass(module = "sal", frozen)]
pub struct Sweep {
    /// The sweep directory.
    #[pyo3(get)]
    dir: Py<PyAny>,
    /// The scenario name.
    #[pyo3(get)]
    scenario: String,
    /// Points of the whole plan.
    #[pyo3(get)]
    points: usize,
    /// Points computed by this call.
    #[pyo3(get)]
    computed: usize,
    /// Points skipped because another process held them.
    #[pyo3(get)]
    busy: usize,
    /// Finished points of the whole plan after this call.
    #[pyo3(get)]
    done: usize,
}

#[pymethods]
impl Sweep {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Sweep({:?}: {}/{} points done, {} computed now, dir={})",
            self.scenario,
            self.done,
            self.points,
            self.computed,
            self.dir
                .bind(py)
                .str()
                .map(|s| s.to_string())
                .unwrap_or_default()
        )
    }
}

/// `grid=` as `KEY=V1,V2,…` axes (a dict {key: [values]}, or a list of such strings).
fn grids(grid: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(grid) = grid.filter(|g| !g.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(d) = grid.cast::<PyDict>() {
        let mut out = Vec::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                PyValueError::new_err("invalid value for grid: keys must be strings (KEY.PATH)")
            })?;
            let mut vals = Vec::new();
            for x in v.try_iter().map_err(|_| {
                PyValueError::new_err(format!("invalid value for grid {key}: a list of values"))
            })? {
                vals.push(py_to_override(&x?, &key)?);
            }
            out.push(format!("{key}={}", vals.join(",")));
        }
        return Ok(out);
    }
    grid.extract::<Vec<String>>().map_err(|_| {
        PyValueError::new_err(
            "invalid value for grid: a dict {\"key.path\": [v1, v2, …]} or a list of \"key.path=v1,v2\" strings",
        )
    })
}

fn shard_arg(shard: Option<&Bound<'_, PyAny>>) -> PyResult<Option<(usize, usize)>> {
    let fail = |e: Error| to_py(e, &[]);
    match shard.filter(|s| !s.is_none()) {
        None => shard_from_slurm(|v| std::env::var(v).ok()).map_err(fail),
        Some(s) if s.is_instance_of::<PyString>() => {
            parse_shard(&s.extract::<String>()?).map(Some).map_err(fail)
        }
        Some(s) if s.is_instance_of::<PyTuple>() || s.is_instance_of::<PyList>() => {
            let (k, n): (usize, usize) = s.extract()?;
            parse_shard(&format!("{k}/{n}")).map(Some).map_err(fail)
        }
        Some(_) => Err(PyValueError::new_err(
            "invalid value for shard: \"K/N\" or (K, N) with 1 ≤ K ≤ N",
        )),
    }
}

/// Runs a scenario over a grid of parameter values, in parallel and resumably — ``sal
/// sweep``: one run directory per point in ``out/points/NNNN``, the plan in
/// ``out/sweep.json``. Calling it again resumes (finished points are skipped); more seeds or
/// grid values grow a finished sweep; several processes (shards) may share one directory.
///
/// Args:
///     file: the scenario file.
///     grid: axes {"key.path": [v1, v2, …]} (Cartesian product, first axis outermost).
///     set: overrides for every point, as in :func:`run`.
///     paper: the reference's grid and seeds (sampling networks: noise levels × seed
///         indices; microcircuits: runs k = 0 … seeds − 1 of the variant).
///     seeds: seed indices per noise level with ``paper`` (1 … 20).
///     out: the sweep directory.
///     jobs: worker threads (default: all cores).
///     shard: only shard K of N, "K/N" or (K, N) (points with index ≡ K − 1 mod N); by
///         default read from a SLURM array task's environment, as the command line does.
///     engine: "event" or "clock" for every point.
///     init_dir: folder of the derived initial-condition files (default ../../derived from
///         ``file``).
///     force: discard an existing sweep of sal in ``out`` whose plan or inputs differ.
///     max_memory: memory one point may use, in GiB.
///     progress: as in :func:`run` (units: points).
///
/// Returns:
///     Sweep: ``dir``, ``scenario``, ``points``, ``computed``, ``busy``, ``done``.
///
/// Raises:
///     ValueError: invalid input (named); sal.SalError: points failed (recorded in
///     ``out/failed/``; the others are kept); KeyboardInterrupt: Ctrl-C (finished points are
///     kept, the point in progress leaves nothing).
#[pyfunction]
#[pyo3(signature = (
    file, grid = None, set = None, paper = false, seeds = 20, out = None, jobs = None,
    shard = None, engine = None, init_dir = None, force = false, max_memory = None,
    progress = None
),
text_signature = "(file, grid=None, set=None, paper=False, seeds=20, out=None, jobs=None, shard=None, engine=None, init_dir=None, force=False, max_memory=None, progress=True)")]
#[allow(clippy::too_many_arguments)]
pub fn sweep(
    py: Python<'_>,
    file: PathBuf,
    grid: Option<&Bound<'_, PyAny>>,
    set: Option<&Bound<'_, PyAny>>,
    paper: bool,
    seeds: usize,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<&Bound<'_, PyAny>>,
    engine: Option<String>,
    init_dir: Option<PathBuf>,
    force: bool,
    max_memory: Option<f64>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<Sweep> {
    let out = out.ok_or_else(|| {
        PyValueError::new_err("invalid value for out: the sweep directory is required")
    })?;
    let progress = progress_default(py, progress);
    let fail = |e: Error| to_py(e, SWEEP_RENAMES);
    let shard = shard_arg(shard)?;
    let limits = Limits::gib(max_memory).map_err(fail)?;
    let sets = with_engine(&overrides(set)?, engine.as_deref()).map_err(fail)?;
    let grids = grids(grid)?;
    let pool = pool(jobs).map_err(fail)?;
    let dir = out.clone();
    let (scenario, points, summary) =
        job::run(py, progress.as_ref(), true, SWEEP_RENAMES, move |ctx| {
            let spec = SweepSpec {
                file: &file,
                sets: &sets,
                grids: &grids,
                paper,
                seeds,
                init_dir: init_dir.as_deref(),
                limits,
            };
            let plan = in_pool(pool.as_ref(), || plan(&spec))?;
            let plan = open_dir(&out, plan, force)?;
            let mine = shard_points(&plan, shard);
            let summary = in_pool(pool.as_ref(), || {
                run_points(&out, &plan, &mine, &limits, ctx)
            })?;
            summary.check(&out)?;
            Ok((plan.scenario.clone(), plan.points.len(), summary))
        })?;
    Ok(Sweep {
        dir: pathlib(py, &dir)?.unbind(),
        scenario,
        points,
        computed: summary.computed,
        busy: summary.busy,
        done: summary.done,
    })
}

/// A report written by `sal.report`: where its tables and figures are, and its rows.
#[pyclass(module = "sal", frozen)]
pub struct Report {
    /// The report directory.
    #[pyo3(get)]
    dir: Py<PyAny>,
    /// The files written (sorted paths: tables table.csv/json, micro_table.*,
    /// fig8_table.*, salnet_table.*, long.csv, figures).
    #[pyo3(get)]
    files: Py<PyList>,
    /// The figures drawn (``fig4``, ``fig5``, ``fig6``, ``fig8``, ``salnet``).
    #[pyo3(get)]
    figures: Vec<String>,
    /// Per-point final values (the rows of ``sal report --json``).
    #[pyo3(get)]
    rows: Py<PyAny>,
    /// Warnings for the reader (unfinished or failed points, mixed inputs, a figure that
    /// could not be drawn).
    #[pyo3(get)]
    warnings: Vec<String>,
}

#[pymethods]
impl Report {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Report(dir={}, figures={:?}, {} files)",
            self.dir
                .bind(py)
                .str()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            self.figures,
            self.files.bind(py).len()
        )
    }
}

/// Figures and tables of a sweep directory (or a directory of sweeps) — ``sal report``:
/// per-scenario figures, Fig 4 / 5 (sampling networks), Fig 6 (microcircuits) and Fig 8
/// (ConvNets) when their sweeps are there, table.csv/json, micro_table.csv/json,
/// fig8_table.csv/json, salnet_table.csv/json (SALNet sweeps) and long.csv, into
/// ``out`` (default ``dir/report``, regenerated on every call; only a report directory made
/// by sal is ever replaced).
///
/// Returns:
///     Report: ``dir``, ``files``, ``figures``, ``rows``, ``warnings``.
#[pyfunction]
#[pyo3(signature = (dir, out = None))]
pub fn report(py: Python<'_>, dir: PathBuf, out: Option<PathBuf>) -> PyResult<Report> {
    let written = job::run(py, None, true, &[], move |_| {
        sal_experiments::report::write(&dir, out.as_deref(), &mut |d, r| {
            sal_plot::report_figures(d, r)
        })
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&written.dest, &mut files);
    files.sort();
    let pyfiles = PyList::empty(py);
    for f in &files {
        pyfiles.append(pathlib(py, f)?)?;
    }
    let mut warnings = written.report.warnings.clone();
    if let Some(w) = &written.figure_warning {
        warnings.push(format!(
            "a figure could not be drawn ({w}); the tables are kept"
        ));
    }
    let rows = Json::Array(written.report.point_rows());
    Ok(Report {
        dir: pathlib(py, &written.dest)?.unbind(),
        files: pyfiles.unbind(),
        figures: written.figures,
        rows: crate::convert::json_plain(py, &rows)?.unbind(),
        warnings,
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if p.is_dir() {
                collect_files(&p, out);
            } else if !hidden {
                out.push(p);
            }
        }
    }
}

/// Every finished point × validation point of the sweeps under ``dir`` as one long table —
/// the table ``sal report`` writes as ``long.csv``: columns ``sweep``, ``kind``, ``point``,
/// the grid keys (e.g. the noise level, ``seed``), ``iteration`` (sampling networks) or
/// ``epoch`` (microcircuits), and every metric (``dkl``, ``asymmetry``;
/// ``validation_loss``, ``angle_deg_*``, weights). Missing values are NaN.
///
/// Args:
///     dir: a sweep directory or a directory of sweeps.
///     frame: True: a pandas DataFrame; False: a dict of numpy arrays (float64 for numbers,
///         str for text); None (default): a DataFrame when pandas is installed.
#[pyfunction]
#[pyo3(signature = (dir, frame = None))]
pub fn load_sweep(py: Python<'_>, dir: PathBuf, frame: Option<bool>) -> PyResult<Py<PyAny>> {
    let table = job::run(py, None, true, &[], move |_| {
        Ok(sal_experiments::report::build(&dir)?.long_table())
    })?;
    let cols = PyDict::new(py);
    let np = py.import("numpy")?;
    for (name, col) in table.columns {
        match col {
            Column::Num(v) => cols.set_item(name, PyArray1::from_vec(py, v))?,
            Column::Text(v) => {
                let arr = np.call_method1("array", (v,))?;
                // an empty text column keeps dtype str
                let arr = arr.call_method1("astype", ("str",))?;
                cols.set_item(name, arr)?
            }
        }
    }
    let pandas = match frame {
        Some(false) => None,
        Some(true) => Some(py.import("pandas")?),
        None => py.import("pandas").ok(),
    };
    match pandas {
        Some(pd) => Ok(pd.getattr("DataFrame")?.call1((cols,))?.unbind()),
        None => Ok(cols.into_any().unbind()),
    }
}
