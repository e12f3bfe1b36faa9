//! Sweep reports: per-noise-level statistics over runs (median and inter-quartile range,
//! NaN-ignoring, linear interpolation — the reference's pandas/NumPy quantiles), final
//! values, tables, and the Fig 4 / Fig 5 panels when the scenarios of a family are present.

use crate::error::Result;
use crate::report::common::{Quartiles, sweep_dirs};
use crate::sweep::{Plan, finished_metrics, read_plan};
use serde::Serialize;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The results of one finished point.
#[derive(Debug, Clone, Serialize)]
pub struct PointResult {
    /// Point index in its sweep.
    pub index: usize,
    /// Grid coordinates.
    pub coords: serde_json::Map<String, Json>,
    /// Noise level (the plan's noise key), if any.
    pub noise: Option<f64>,
    /// Validation iterations.
    pub iterations: Vec<f64>,
    /// D_KL per validation point (+∞ where a target state was never sampled).
    pub dkl: Vec<f64>,
    /// Asymmetry per validation point.
    pub asymmetry: Vec<f64>,
}

/// A loaded sweep.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its directory.
    pub dir: PathBuf,
    /// Its plan.
    pub plan: Plan,
    /// Finished points.
    pub points: Vec<PointResult>,
    /// Points not (yet) finished.
    pub missing: usize,
}

/// Statistics of one noise level of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// Noise level (NaN if the sweep has none).
    pub noise: f64,
    /// Number of runs.
    pub runs: usize,
    /// Validation iterations.
    pub iterations: Vec<f64>,
    /// D_KL quartiles per validation point.
    pub dkl: Vec<Quartiles>,
    /// Asymmetry quartiles per validation point.
    pub asymmetry: Vec<Quartiles>,
}

impl Level {
    /// Final D_KL quartiles.
    pub fn final_dkl(&self) -> Option<Quartiles> {
        self.dkl.last().copied()
    }
    /// Final asymmetry quartiles.
    pub fn final_asymmetry(&self) -> Option<Quartiles> {
        self.asymmetry.last().copied()
    }
}

fn floats(v: &Json, null_as: f64) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(null_as)).collect())
        .unwrap_or_default()
}

/// Loads a sweep directory (finished points only).
pub fn load(dir: &Path) -> Result<Scenario> {
    let plan = read_plan(dir)?;
    let (done, missing) = finished_metrics(dir, &plan)?;
    let mut points = Vec::new();
    for (p, m) in &done {
        let noise = plan
            .noise_key
            .as_ref()
            .and_then(|k| p.coords.get(k))
            .and_then(Json::as_f64);
        points.push(PointResult {
            index: p.index,
            coords: p.coords.clone(),
            noise,
            iterations: floats(&m["validation_iteration"], f64::NAN),
            // null in metrics.json = +∞ (a target state never sampled)
            dkl: floats(&m["dkl"], f64::INFINITY),
            asymmetry: floats(&m["asymmetry"], f64::NAN),
        });
    }
    Ok(Scenario {
        dir: dir.to_path_buf(),
        plan,
        points,
        missing,
    })
}

/// Finds the spiking-sampling-network sweeps under `dir`: the directory itself, or its
/// immediate subdirectories. Sweeps of other kinds (microcircuits, see
/// [`crate::report::micro`]; ConvNets, see [`crate::report::convnet`]) are skipped, so the
/// result may be empty.
pub fn discover(dir: &Path) -> Result<Vec<Scenario>> {
    let mut out = Vec::new();
    for d in sweep_dirs(dir)? {
        // an unreadable plan is reported by `load`; other kinds have reports of their own
        let other = read_plan(&d).is_ok_and(|p| {
            crate::report::micro::is_micro(&d, &p) || !(p.kind.is_empty() || p.kind == "ssn")
        });
        if !other {
            out.push(load(&d)?);
        }
    }
    Ok(out)
}

/// Per-noise-level statistics of a scenario, by increasing noise.
pub fn levels(s: &Scenario) -> Vec<Level> {
    let mut noises: Vec<f64> = s
        .points
        .iter()
        .map(|p| p.noise.unwrap_or(f64::NAN))
        .collect();
    noises.sort_by(f64::total_cmp);
    noises.dedup_by(|a, b| a == b || (a.is_nan() && b.is_nan()));
    noises
        .into_iter()
        .map(|noise| {
            let runs: Vec<&PointResult> = s
                .points
                .iter()
                .filter(|p| {
                    let n = p.noise.unwrap_or(f64::NAN);
                    n == noise || (n.is_nan() && noise.is_nan())
                })
                .collect();
            let len = runs.iter().map(|r| r.dkl.len()).min().unwrap_or(0);
            let col = |f: &dyn Fn(&PointResult) -> &Vec<f64>, k: usize| -> Vec<f64> {
                runs.iter().map(|r| f(r)[k]).collect()
            };
            Level {
                noise,
                runs: runs.len(),
                iterations: runs
                    .first()
                    .map(|r| r.iterations[..len].to_vec())
                    .unwrap_or_default(),
                dkl: (0..len)
                    .map(|k| Quartiles::of(&col(&|r| &r.dkl, k)))
                    .collect(),
                asymmetry: (0..len)
                    .map(|k| Quartiles::of(&col(&|r| &r.asymmetry, k)))
                    .collect(),
            }
        })
        .collect()
}
