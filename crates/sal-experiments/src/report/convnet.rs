//! Report data of ConvNet sweeps (the paper's Fig 8): per dataset and feedback method the
//! test-accuracy curve (mean ± std over seeds), the final and last-5-epoch accuracies, the
//! epochs needed to reach a target accuracy, and the alignment of the three fc feedback
//! matrices with their forward weights.
//!
//! A run's `metrics.json` holds the reference's `scalars`: `loss/train`, `accuracy/train`,
//! `loss/test`, `accuracy/test` (one value per epoch, accuracies in %) and per fc layer k
//! `symm/angle/k`, `symm/var/k`, `symm/corrcoef/k`, `symm/sign/k` (one value before the first
//! epoch and one after each), plus `method`, `dataset` and `seed`.

use crate::error::Result;
use crate::out::js;
use crate::report::common::sweep_dirs;
use crate::sweep::{Plan, finished_metrics, read_plan};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `sweep.json`'s `kind` of ConvNet sweeps.
pub const KIND: &str = "convnet";

/// Test accuracy (%) that [`MethodStats::epochs_to_target`] counts the epochs to.
pub const TARGET_ACCURACY: f64 = 95.0;

/// Epochs averaged in the "last 5" accuracy.
pub const LAST: usize = 5;

/// Methods in the paper's order (Fig 8): the "upper limit" bp_w_fa after BP.
pub const METHOD_ORDER: [&str; 7] = ["bp", "bp_w_fa", "fa", "akrout", "scfa", "sal", "rdd"];

/// A method's name as the paper writes it.
pub fn method_label(m: &str) -> String {
    match m {
        "bp" => "BP".into(),
        "fa" => "FA".into(),
        "bp_w_fa" => "BP with FA convs (upper limit)".into(),
        "akrout" => "Kolen–Pollack".into(),
        "scfa" => "sign-concordant FA".into(),
        "sal" => "SAL".into(),
        "rdd" => "RDD".into(),
        other => other.into(),
    }
}

fn method_rank(m: &str) -> (usize, String) {
    (
        METHOD_ORDER
            .iter()
            .position(|x| *x == m)
            .unwrap_or(METHOD_ORDER.len()),
        m.to_string(),
    )
}

/// One finished ConvNet run.
#[derive(Debug, Clone)]
pub struct ConvPoint {
    /// Point index in its sweep.
    pub index: usize,
    /// Grid coordinates.
    pub coords: serde_json::Map<String, Json>,
    /// Feedback method (`bp`, `fa`, …).
    pub method: String,
    /// Dataset name.
    pub dataset: String,
    /// Seed.
    pub seed: Option<u64>,
    /// Test accuracy (%) per epoch.
    pub test_accuracy: Vec<f64>,
    /// Train accuracy (%) per epoch.
    pub train_accuracy: Vec<f64>,
    /// Summed test loss per epoch.
    pub test_loss: Vec<f64>,
    /// Angle (degrees) between each fc layer's W and its feedback B, before the first epoch
    /// and after each (`symm/angle/k`).
    pub angles: Vec<Vec<f64>>,
}

impl ConvPoint {
    /// Final test accuracy (%).
    pub fn final_accuracy(&self) -> f64 {
        self.test_accuracy.last().copied().unwrap_or(f64::NAN)
    }

    /// Mean test accuracy of the last [`LAST`] epochs (fewer if the run is shorter).
    pub fn last5_accuracy(&self) -> f64 {
        let n = self.test_accuracy.len();
        let tail = &self.test_accuracy[n.saturating_sub(LAST)..];
        if tail.is_empty() {
            f64::NAN
        } else {
            tail.iter().sum::<f64>() / tail.len() as f64
        }
    }

    /// The first epoch (1-based) whose test accuracy reaches `target` %.
    pub fn epochs_to(&self, target: f64) -> Option<usize> {
        self.test_accuracy
            .iter()
            .position(|&a| a >= target)
            .map(|e| e + 1)
    }

    /// Final angle per fc layer.
    pub fn final_angles(&self) -> Vec<f64> {
        self.angles
            .iter()
            .map(|a| a.last().copied().unwrap_or(f64::NAN))
            .collect()
    }
}

/// Mean and sample standard deviation (n − 1; 0 for one value; NaN for none), NaN ignored.
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    if v.len() == 1 {
        return (m, 0.0);
    }
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// Statistics of one method on one dataset over seeds.
#[derive(Debug, Clone)]
pub struct MethodStats {
    /// Dataset.
    pub dataset: String,
    /// Method.
    pub method: String,
    /// Runs (seeds).
    pub runs: usize,
    /// Mean and std over runs of the test accuracy per epoch (epochs all runs have).
    pub curve: Vec<(f64, f64)>,
    /// Final test accuracy: mean, std.
    pub final_accuracy: (f64, f64),
    /// Last-5-epoch test accuracy: mean, std.
    pub last5_accuracy: (f64, f64),
    /// Epochs to reach [`TARGET_ACCURACY`]: mean, std over the runs that reach it, and how
    /// many reach it.
    pub epochs_to_target: (f64, f64, usize),
    /// Final angle per fc layer: mean, std.
    pub final_angles: Vec<(f64, f64)>,
    /// Angle per fc layer and epoch (initial first): mean, std.
    pub angle_curves: Vec<Vec<(f64, f64)>>,
}

/// All ConvNet runs under a report directory.
#[derive(Debug, Clone, Default)]
pub struct ConvReport {
    /// The sweeps (plan, directory, unfinished points).
    pub sweeps: Vec<(Plan, PathBuf, usize)>,
    /// Finished runs, by dataset, method (paper order), seed.
    pub points: Vec<ConvPoint>,
    /// Statistics per dataset and method, in the same order.
    pub stats: Vec<MethodStats>,
}

fn floats(v: &Json) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

fn parse(p: &crate::sweep::Point, m: &Json) -> ConvPoint {
    let s = &m["scalars"];
    let mut angles = Vec::new();
    for k in 0.. {
        let a = &s[format!("symm/angle/{k}")];
        if a.is_null() {
            break;
        }
        angles.push(floats(a));
    }
    let text = |key: &str| {
        m[key]
            .as_str()
            .or_else(|| p.coords.get(key).and_then(Json::as_str))
            .unwrap_or("")
            .to_string()
    };
    ConvPoint {
        index: p.index,
        coords: p.coords.clone(),
        method: text("method"),
        dataset: text("dataset"),
        seed: m["seed"]
            .as_u64()
            .or_else(|| p.coords.get("seed").and_then(Json::as_u64)),
        test_accuracy: floats(&s["accuracy/test"]),
        train_accuracy: floats(&s["accuracy/train"]),
        test_loss: floats(&s["loss/test"]),
        angles,
    }
}

fn columns<'a>(
    runs: &[&'a ConvPoint],
    f: impl Fn(&'a ConvPoint) -> &'a Vec<f64>,
) -> Vec<(f64, f64)> {
    let series: Vec<&Vec<f64>> = runs.iter().map(|r| f(r)).collect();
    let len = series.iter().map(|s| s.len()).min().unwrap_or(0);
    (0..len)
        .map(|k| mean_std(&series.iter().map(|s| s[k]).collect::<Vec<_>>()))
        .collect()
}

fn stats(dataset: &str, method: &str, runs: &[&ConvPoint]) -> MethodStats {
    let reach: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.epochs_to(TARGET_ACCURACY))
        .map(|e| e as f64)
        .collect();
    let (em, es) = mean_std(&reach);
    let layers = runs.iter().map(|r| r.angles.len()).min().unwrap_or(0);
    MethodStats {
        dataset: dataset.into(),
        method: method.into(),
        runs: runs.len(),
        curve: columns(runs, |r| &r.test_accuracy),
        final_accuracy: mean_std(&runs.iter().map(|r| r.final_accuracy()).collect::<Vec<_>>()),
        last5_accuracy: mean_std(&runs.iter().map(|r| r.last5_accuracy()).collect::<Vec<_>>()),
        epochs_to_target: (em, es, reach.len()),
        final_angles: (0..layers)
            .map(|k| mean_std(&runs.iter().map(|r| r.final_angles()[k]).collect::<Vec<_>>()))
            .collect(),
        angle_curves: (0..layers)
            .map(|k| columns(runs, move |r| &r.angles[k]))
            .collect(),
    }
}

/// Whether a plan is a ConvNet sweep.
pub fn is_convnet(plan: &Plan) -> bool {
    plan.kind == KIND
}

/// The ConvNet sweeps under `dir` (finished points only) with their statistics.
pub fn build(dir: &Path) -> Result<ConvReport> {
    let mut rep = ConvReport::default();
    for d in sweep_dirs(dir)? {
        let Ok(plan) = read_plan(&d) else { continue };
        if !is_convnet(&plan) {
            continue;
        }
        let (done, missing) = finished_metrics(&d, &plan)?;
        rep.points.extend(done.iter().map(|(p, m)| parse(p, m)));
        rep.sweeps.push((plan, d, missing));
    }
    rep.points.sort_by(|a, b| {
        (a.dataset.as_str(), method_rank(&a.method), a.seed, a.index).cmp(&(
            b.dataset.as_str(),
            method_rank(&b.method),
            b.seed,
            b.index,
        ))
    });
    let mut groups: BTreeMap<(String, (usize, String)), Vec<&ConvPoint>> = BTreeMap::new();
    for p in &rep.points {
        groups
            .entry((p.dataset.clone(), method_rank(&p.method)))
            .or_default()
            .push(p);
    }
    rep.stats = groups
        .iter()
        .map(|((d, (_, m)), runs)| stats(d, m, runs))
        .collect();
    Ok(rep)
}

impl ConvReport {
    /// The Fig 8 table as CSV: one row per dataset and method.
    pub fn table_csv(&self) -> String {
        let layers = self
            .stats
            .iter()
            .map(|s| s.final_angles.len())
            .max()
            .unwrap_or(0);
        let mut csv = String::from(
            "dataset,method,runs,epochs,final_test_accuracy_mean,final_test_accuracy_std,last5_test_accuracy_mean,last5_test_accuracy_std,epochs_to_95_mean,epochs_to_95_std,runs_reaching_95",
        );
        for k in 0..layers {
            let _ = write!(csv, ",angle_fc{}_mean,angle_fc{}_std", k + 1, k + 1);
        }
        csv.push('\n');
        for s in &self.stats {
            let _ = write!(
                csv,
                "{},{},{},{},{},{},{},{},{},{},{}",
                s.dataset,
                s.method,
                s.runs,
                s.curve.len(),
                s.final_accuracy.0,
                s.final_accuracy.1,
                s.last5_accuracy.0,
                s.last5_accuracy.1,
                s.epochs_to_target.0,
                s.epochs_to_target.1,
                s.epochs_to_target.2
            );
            for k in 0..layers {
                let (m, sd) = s
                    .final_angles
                    .get(k)
                    .copied()
                    .unwrap_or((f64::NAN, f64::NAN));
                let _ = write!(csv, ",{m},{sd}");
            }
            csv.push('\n');
        }
        csv
    }

    /// The Fig 8 table as JSON rows.
    pub fn table_json(&self) -> Vec<Json> {
        self.stats
            .iter()
            .map(|s| {
                json!({
                    "dataset": s.dataset, "method": s.method, "runs": s.runs, "epochs": s.curve.len(),
                    "final_test_accuracy": {"mean": js(s.final_accuracy.0), "std": js(s.final_accuracy.1)},
                    "last5_test_accuracy": {"mean": js(s.last5_accuracy.0), "std": js(s.last5_accuracy.1)},
                    "epochs_to_95": {"mean": js(s.epochs_to_target.0), "std": js(s.epochs_to_target.1), "runs_reaching": s.epochs_to_target.2},
                    "angle_deg": s.final_angles.iter().map(|(m, sd)| json!({"mean": js(*m), "std": js(*sd)})).collect::<Vec<_>>(),
                    "test_accuracy_curve": {
                        "mean": s.curve.iter().map(|c| js(c.0)).collect::<Vec<_>>(),
                        "std": s.curve.iter().map(|c| js(c.1)).collect::<Vec<_>>(),
                    },
                })
            })
            .collect()
    }

    /// Per-run rows of `sal report --json` (stable keys: `method`, `dataset`, `seed`,
    /// `final_test_accuracy`, `last5_test_accuracy`, `angle_deg` per fc layer).
    pub fn point_rows(&self) -> Vec<Json> {
        self.points
            .iter()
            .map(|p| {
                json!({
                    "kind": KIND, "index": p.index, "coords": p.coords,
                    "method": p.method, "dataset": p.dataset, "seed": p.seed,
                    "final_test_accuracy": js(p.final_accuracy()),
                    "last5_test_accuracy": js(p.last5_accuracy()),
                    "angle_deg": p.final_angles().into_iter().map(js).collect::<Vec<_>>(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(method: &str, acc: &[f64], angle: &[f64]) -> ConvPoint {
        ConvPoint {
            index: 0,
            coords: Default::default(),
            method: method.into(),
            dataset: "digits".into(),
            seed: Some(0),
            test_accuracy: acc.to_vec(),
            train_accuracy: acc.to_vec(),
            test_loss: vec![0.0; acc.len()],
            angles: vec![angle.to_vec()],
        }
    }

    #[test]
    fn accuracies_epochs_and_spreads() {
        let a = point(
            "sal",
            &[50.0, 90.0, 96.0, 97.0, 98.0, 99.0],
            &[90.0, 40.0, 20.0],
        );
        assert_eq!(a.final_accuracy(), 99.0);
        assert_eq!(a.last5_accuracy(), (90.0 + 96.0 + 97.0 + 98.0 + 99.0) / 5.0);
        assert_eq!(a.epochs_to(95.0), Some(3));
        assert_eq!(a.epochs_to(99.5), None);
        assert_eq!(a.final_angles(), vec![20.0]);
        let b = point(
            "sal",
            &[60.0, 80.0, 90.0, 94.0, 95.0, 97.0],
            &[90.0, 50.0, 30.0],
        );
        let s = stats("digits", "sal", &[&a, &b]);
        assert_eq!(s.final_accuracy.0, 98.0);
        // sample std of {99, 97}: sqrt(((1)² + (1)²) / 1) = √2
        assert!((s.final_accuracy.1 - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.epochs_to_target, (4.0, 2f64.sqrt(), 2));
        assert_eq!(s.final_angles, vec![(25.0, 50f64.sqrt())]);
        assert_eq!(s.curve.len(), 6);
        assert!(mean_std(&[]).0.is_nan());
        assert_eq!(mean_std(&[3.0]), (3.0, 0.0));
    }
}
