//! Report data of SALNet sweeps (Fig 9 and any `sal sweep <salnet yaml>`): per sweep and grid
//! configuration (the coordinates other than `seed`; different sweep directories are never
//! pooled, since their `--set` values may differ) the final alignment of every feedback
//! matrix B_k with W_(k+1)ᵀ over the seeds: median, minimum and maximum of the angle and of
//! the Pearson correlation.
//!
//! A run's `metrics.json` holds the reference's `scalars` `symm/angle/k`, `symm/var/k`,
//! `symm/corrcoef/k` (and `symm/sign/k`), one value before the first epoch and one after
//! each.

use crate::error::Result;
use crate::out::js;
use crate::report::common::sweep_dirs;
use crate::sweep::{Plan, finished_metrics, read_plan};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `sweep.json`'s `kind` of SALNet sweeps.
pub const KIND: &str = "salnet";

/// One finished SALNet run.
#[derive(Debug, Clone)]
pub struct SalnetPoint {
    /// The sweep's scenario name.
    pub scenario: String,
    /// The sweep directory's name.
    pub sweep: String,
    /// Point index in its sweep.
    pub index: usize,
    /// Grid coordinates.
    pub coords: serde_json::Map<String, Json>,
    /// Per feedback matrix k: angle (degrees) between W_(k+1) and B_kᵀ, before the first
    /// epoch and after each.
    pub angles: Vec<Vec<f64>>,
    /// Per feedback matrix k: Pearson correlation of W_(k+1) and B_kᵀ, same entries.
    pub corrcoef: Vec<Vec<f64>>,
}

impl SalnetPoint {
    /// The grid configuration without the seed (`key=value` joined by spaces; `-` for none).
    pub fn config(&self) -> String {
        let c: Vec<String> = self
            .coords
            .iter()
            .filter(|(k, _)| k.as_str() != "seed")
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string)))
            .collect();
        if c.is_empty() {
            "-".into()
        } else {
            c.join(" ")
        }
    }

    fn last(series: &[Vec<f64>]) -> Vec<f64> {
        series
            .iter()
            .map(|s| s.last().copied().unwrap_or(f64::NAN))
            .collect()
    }

    /// Final angle per feedback matrix.
    pub fn final_angles(&self) -> Vec<f64> {
        Self::last(&self.angles)
    }

    /// Final correlation per feedback matrix.
    pub fn final_corrcoef(&self) -> Vec<f64> {
        Self::last(&self.corrcoef)
    }
}

/// Median, minimum and maximum (NaN ignored; all NaN for none).
pub fn median_range(xs: &[f64]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    (med, v[0], v[n - 1])
}

/// One table row: a sweep's configuration over its seeds.
#[derive(Debug, Clone)]
pub struct ConfigStats {
    /// Scenario.
    pub scenario: String,
    /// Sweep directory name.
    pub sweep: String,
    /// Configuration ([`SalnetPoint::config`]).
    pub config: String,
    /// Runs (seeds).
    pub runs: usize,
    /// Epochs of the runs (the shortest).
    pub epochs: usize,
    /// Per feedback matrix: final angle median, min, max.
    pub angle: Vec<(f64, f64, f64)>,
    /// Per feedback matrix: final correlation median, min, max.
    pub corrcoef: Vec<(f64, f64, f64)>,
}

/// The SALNet sweeps under a directory.
#[derive(Debug, Clone, Default)]
pub struct SalnetReport {
    /// (plan, directory, points not finished) per sweep.
    pub sweeps: Vec<(Plan, PathBuf, usize)>,
    /// Finished points, by scenario and index.
    pub points: Vec<SalnetPoint>,
    /// One row per scenario and configuration.
    pub stats: Vec<ConfigStats>,
}

fn series(m: &Json, what: &str) -> Vec<Vec<f64>> {
    let s = &m["scalars"];
    (0..)
        .map_while(|k| s.get(format!("symm/{what}/{k}")))
        .map(|v| {
            v.as_array()
                .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
                .unwrap_or_default()
        })
        .collect()
}

/// The SALNet sweeps under `dir` (finished points only) with their statistics.
pub fn build(dir: &Path) -> Result<SalnetReport> {
    let mut rep = SalnetReport::default();
    for d in sweep_dirs(dir)? {
        let Ok(plan) = read_plan(&d) else { continue };
        if plan.kind != KIND {
            continue;
        }
        let (done, missing) = finished_metrics(&d, &plan)?;
        let sweep = d.file_name().map_or_else(
            || d.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        rep.points.extend(done.iter().map(|(p, m)| SalnetPoint {
            scenario: plan.scenario.clone(),
            sweep: sweep.clone(),
            index: p.index,
            coords: p.coords.clone(),
            angles: series(m, "angle"),
            corrcoef: series(m, "corrcoef"),
        }));
        rep.sweeps.push((plan, d, missing));
    }
    rep.points
        .sort_by(|a, b| (&a.sweep, a.index).cmp(&(&b.sweep, b.index)));
    let mut groups: BTreeMap<(String, String), Vec<&SalnetPoint>> = BTreeMap::new();
    for p in &rep.points {
        groups
            .entry((p.sweep.clone(), p.config()))
            .or_default()
            .push(p);
    }
    rep.stats = groups
        .into_iter()
        .map(|((sweep, config), runs)| {
            let layers = runs.iter().map(|p| p.angles.len()).max().unwrap_or(0);
            let per = |f: &dyn Fn(&SalnetPoint) -> Vec<f64>| -> Vec<(f64, f64, f64)> {
                (0..layers)
                    .map(|k| {
                        let xs: Vec<f64> = runs
                            .iter()
                            .map(|p| f(p).get(k).copied().unwrap_or(f64::NAN))
                            .collect();
                        median_range(&xs)
                    })
                    .collect()
            };
            ConfigStats {
                epochs: runs
                    .iter()
                    .map(|p| p.angles.first().map_or(0, |a| a.len().saturating_sub(1)))
                    .min()
                    .unwrap_or(0),
                runs: runs.len(),
                angle: per(&SalnetPoint::final_angles),
                corrcoef: per(&SalnetPoint::final_corrcoef),
                scenario: runs[0].scenario.clone(),
                sweep,
                config,
            }
        })
        .collect();
    Ok(rep)
}

impl SalnetReport {
    /// The finished runs behind a table row (its sweep and configuration).
    pub fn runs_of<'a>(&'a self, row: &'a ConfigStats) -> impl Iterator<Item = &'a SalnetPoint> {
        self.points
            .iter()
            .filter(move |p| p.sweep == row.sweep && p.config() == row.config)
    }

    fn layers(&self) -> usize {
        self.stats.iter().map(|s| s.angle.len()).max().unwrap_or(0)
    }

    /// The table as CSV (`salnet_table.csv`): one row per scenario and configuration, the
    /// final angle (degrees) and correlation of every B_k: median, min, max over seeds.
    pub fn table_csv(&self) -> String {
        let mut csv = String::from("scenario,sweep,config,runs,epochs");
        for k in 0..self.layers() {
            for q in ["median", "min", "max"] {
                let _ = write!(csv, ",angle_deg_B{k}_{q}");
            }
            for q in ["median", "min", "max"] {
                let _ = write!(csv, ",corrcoef_B{k}_{q}");
            }
        }
        csv.push('\n');
        for s in &self.stats {
            let q = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
            let _ = write!(
                csv,
                "{},{},{},{},{}",
                q(&s.scenario),
                q(&s.sweep),
                q(&s.config),
                s.runs,
                s.epochs
            );
            for k in 0..self.layers() {
                for (m, lo, hi) in [s.angle.get(k), s.corrcoef.get(k)]
                    .into_iter()
                    .map(|x| x.copied().unwrap_or((f64::NAN, f64::NAN, f64::NAN)))
                {
                    let _ = write!(csv, ",{m},{lo},{hi}");
                }
            }
            csv.push('\n');
        }
        csv
    }

    /// The table as JSON rows (`salnet_table.json`).
    pub fn table_json(&self) -> Json {
        let trip = |v: &[(f64, f64, f64)]| -> Json {
            v.iter()
                .map(|&(m, lo, hi)| json!({"median": js(m), "min": js(lo), "max": js(hi)}))
                .collect()
        };
        self.stats
            .iter()
            .map(|s| {
                json!({
                    "scenario": s.scenario, "sweep": s.sweep, "config": s.config, "runs": s.runs,
                    "epochs": s.epochs, "angle_deg": trip(&s.angle),
                    "corrcoef": trip(&s.corrcoef),
                })
            })
            .collect()
    }

    /// Per-point final values (`sal report --json`).
    pub fn point_rows(&self) -> Vec<Json> {
        self.points
            .iter()
            .map(|p| {
                json!({
                    "kind": KIND, "scenario": p.scenario, "sweep": p.sweep, "index": p.index,
                    "coords": p.coords,
                    "final_angle_deg": p.final_angles().into_iter().map(js).collect::<Vec<_>>(),
                    "final_corrcoef": p.final_corrcoef().into_iter().map(js).collect::<Vec<_>>(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_range_of_odd_even_and_nan() {
        assert_eq!(median_range(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(
            median_range(&[4.0, 1.0, f64::NAN, 2.0, 3.0]),
            (2.5, 1.0, 4.0)
        );
        assert!(median_range(&[f64::NAN]).0.is_nan());
    }
}
