//! Reports of cortical-microcircuit sweeps (the paper's Fig 6): loading the finished runs,
//! grouping them by learning variant and summarising them over runs.
//!
//! The three variants of the teacher–student experiment are
//!
//! * **SAL** — spike-based alignment learning: the feedback weights B (the hidden layers'
//!   `W_down`) learn during the symmetrisation phases and align with the transposed forward
//!   weights of the next layer;
//! * **BP** — backpropagation-like exact feedback: B is a copy of the forward weights;
//! * **FA** — feedback alignment: B stays at its random initial value.
//!
//! Every run (one sweep point) is summarised by its validation loss per epoch (the squared
//! error of the *nudged* output, the reference's number; also the free output's), its
//! weights at the start of every epoch (`W10` = hidden `W_up`, `W21` = output `W_up`, `B12` =
//! hidden `W_down`, …) and the angle between each hidden layer's feedback `W_down` and the
//! transposed forward weights `W_up(next)ᵀ`. Statistics over runs are the 25 / 50 / 75 %
//! quantiles ignoring NaN (linear interpolation, NumPy's `nanquantile`), as for the
//! sampling-network reports.

use crate::error::Result;
use crate::out::js;
use crate::report::common::{Quartiles, sweep_dirs};
use crate::sweep::{Plan, finished_metrics, is_done, read_plan};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The teacher's weights (`w_up` = 2.0 in both layers of the 1-1-1 teacher): the value the
/// student's `W10` and `W21` should reach, and `B12` with them when feedback aligns.
pub const TEACHER_WEIGHT: f64 = 2.0;

/// The SAL run whose weight trajectories Fig 6b (bottom) shows (the paper's run index 11,
/// i.e. `seed_index` 11 of a `--paper` sweep).
pub const TRAJECTORY_RUN: usize = 11;

/// Last epoch of the weight trajectories in Fig 6b (bottom).
pub const TRAJECTORY_EPOCHS: usize = 50;

/// `sweep.json`'s `family` of microcircuit sweeps.
pub const FAMILY: &str = "microcircuit";

/// One finished microcircuit run (a sweep point).
#[derive(Debug, Clone)]
pub struct MicroPoint {
    /// Scenario name of its sweep (`sweep.json` `scenario`).
    pub scenario: String,
    /// Its sweep's directory.
    pub sweep_dir: PathBuf,
    /// Point index in its sweep.
    pub index: usize,
    /// Grid coordinates (`variant` and `seed_index` for `--paper` sweeps).
    pub coords: Map<String, Json>,
    /// Learning variant: "sal", "bp", "fa" (from metrics.json, else the coordinates, else
    /// the scenario name).
    pub variant: String,
    /// The reference's run index (`seed_index` coordinate of `--paper` sweeps), if any.
    pub seed_index: Option<usize>,
    /// Layer sizes, input first (e.g. `[1, 1, 1]`).
    pub dims: Vec<usize>,
    /// Validation loss (nudged output) per epoch.
    pub validation_loss: Vec<f64>,
    /// Final validation loss (nudged output).
    pub final_loss: f64,
    /// Final validation loss of the free output.
    pub final_loss_free: f64,
    /// Trajectories of the weights that are single numbers (all of them in 1-1-1 nets):
    /// value at the start of every epoch, then the final value (so entry k is the value
    /// after k epochs).
    pub weight_paths: BTreeMap<String, Vec<f64>>,
    /// Final value of the weights that are single numbers.
    pub final_scalar_weights: BTreeMap<String, f64>,
    /// Final weights as stored (`weights_final`: numbers, or nested `[post][pre]` rows).
    pub weights_final: Json,
    /// Feedback angle per hidden layer (`B12`, `B23`, …) at the start of every epoch, in
    /// degrees (NaN where undefined).
    pub angle_deg: BTreeMap<String, Vec<f64>>,
    /// Final feedback angles as stored (`angle_deg_final`).
    pub angle_deg_final: Json,
    /// Final feedback angles, parsed (NaN where undefined).
    pub final_angles: BTreeMap<String, f64>,
    /// Final mismatch between feedback and forward weights: |B12 − W21| for 1-1-1 nets,
    /// the Frobenius norm ‖B12 − W21ᵀ‖ otherwise (NaN when not available).
    pub feedback_mismatch: f64,
    /// Largest final ‖W_down(ℓ)‖ / ‖W_up(ℓ+1)‖ (Frobenius) over the hidden layers: ≈ 1 when
    /// the feedback has the forward weights' scale, ≫ 1 when W_down ran away (NaN when not
    /// available).
    pub feedback_norm_ratio: f64,
}

impl MicroPoint {
    /// Whether the run is the paper's 1-1-1 network (one unit per layer).
    pub fn is_tiny(&self) -> bool {
        self.dims == [1, 1, 1]
    }
}

/// A loaded microcircuit sweep.
#[derive(Debug, Clone)]
pub struct MicroSweep {
    /// Its plan.
    pub plan: Plan,
    /// Finished points.
    pub points: Vec<MicroPoint>,
    /// Points not (yet) finished.
    pub missing: usize,
}

/// Statistics over the runs of one variant.
#[derive(Debug, Clone)]
pub struct VariantStats {
    /// Variant ("sal", "bp", "fa", …).
    pub variant: String,
    /// Number of runs.
    pub runs: usize,
    /// Epochs common to all runs.
    pub epochs: usize,
    /// Layer sizes of the first run.
    pub dims: Vec<usize>,
    /// Validation-loss quartiles per epoch (Fig 6b top).
    pub loss: Vec<Quartiles>,
    /// Final validation-loss quartiles (Fig 6c).
    pub final_loss: Quartiles,
    /// Final free-output validation-loss quartiles.
    pub final_loss_free: Quartiles,
    /// Final-weight quartiles of the weights that are single numbers in every run (W10,
    /// W21, B12 for 1-1-1 nets; Fig 6c).
    pub final_weights: BTreeMap<String, Quartiles>,
    /// Feedback-angle quartiles per hidden layer and epoch.
    pub angle: BTreeMap<String, Vec<Quartiles>>,
    /// Final feedback-angle quartiles per hidden layer.
    pub final_angle: BTreeMap<String, Quartiles>,
    /// Median over runs of the final feedback mismatch (see
    /// [`MicroPoint::feedback_mismatch`]).
    pub feedback_mismatch_median: f64,
    /// Median over runs of [`MicroPoint::feedback_norm_ratio`].
    pub feedback_norm_ratio_median: f64,
}

/// Everything `sal report` needs from the microcircuit sweeps of a directory.
#[derive(Debug, Clone)]
pub struct MicroReport {
    /// The sweeps.
    pub sweeps: Vec<MicroSweep>,
    /// All finished runs, by variant (see [`variant_rank`]), point index, scenario, sweep.
    pub points: Vec<MicroPoint>,
    /// Statistics per variant, in the same variant order.
    pub variants: Vec<VariantStats>,
    /// Whether every run is a 1-1-1 network (then the report shows weights; otherwise
    /// feedback angles).
    pub tiny: bool,
}

impl MicroReport {
    /// The finished runs of `variant`, by point index.
    pub fn runs_of(&self, variant: &str) -> Vec<&MicroPoint> {
        self.points
            .iter()
            .filter(|p| p.variant == variant)
            .collect()
    }

    /// Hidden-layer feedback keys (`B12`, `B23`, …) present in any run.
    pub fn angle_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .variants
            .iter()
            .flat_map(|v| v.final_angle.keys().cloned())
            .collect();
        keys.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        keys.dedup();
        keys
    }
}

/// Sort key of a variant: SAL, BP, FA first, the others alphabetically.
pub fn variant_rank(v: &str) -> (usize, String) {
    let k = match v {
        "sal" => 0,
        "bp" => 1,
        "fa" => 2,
        _ => 3,
    };
    (k, v.to_string())
}

/// The paper's name of a variant ("SAL", "BP", "FA"; others unchanged).
pub fn variant_label(v: &str) -> String {
    match v {
        "sal" => "SAL".into(),
        "bp" => "BP".into(),
        "fa" => "FA".into(),
        other => other.into(),
    }
}

fn first_metrics(dir: &Path, plan: &Plan) -> Option<Json> {
    let p = plan.points.iter().find(|p| is_done(dir, p))?;
    let text = std::fs::read_to_string(dir.join(&p.dir).join("metrics.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Whether the sweep in `dir` is a microcircuit sweep: its plan's family is
/// `"microcircuit"`, or (older plans) its first finished point says
/// `experiment: "microcircuit"`.
pub fn is_micro(dir: &Path, plan: &Plan) -> bool {
    if plan.family.as_deref() == Some(FAMILY) {
        return true;
    }
    first_metrics(dir, plan).is_some_and(|m| m["experiment"].as_str() == Some("microcircuit"))
}

fn num(v: &Json) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn floats(v: &Json) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(num).collect())
        .unwrap_or_default()
}

/// A matrix stored as a number (1×1 nets) or nested rows; `None` if malformed.
fn matrix(v: &Json) -> Option<Vec<Vec<f64>>> {
    if let Some(x) = v.as_f64() {
        return Some(vec![vec![x]]);
    }
    let rows = v.as_array()?;
    rows.iter()
        .map(|r| r.as_array().map(|r| r.iter().map(num).collect()))
        .collect()
}

/// A single number (a number, or a 1×1 matrix).
fn scalar(v: &Json) -> Option<f64> {
    match matrix(v)? {
        m if m.len() == 1 && m[0].len() == 1 => Some(m[0][0]),
        _ => None,
    }
}

/// Frobenius norm.
fn frobenius(m: &[Vec<f64>]) -> f64 {
    m.iter().flatten().map(|x| x * x).sum::<f64>().sqrt()
}

/// Largest ‖B(ℓ)‖ / ‖W_up(ℓ+1)‖ over the hidden layers ℓ = 1, 2, … of `weights_final`.
fn norm_ratio(weights_final: &Json) -> f64 {
    (1..)
        .map_while(|l| {
            let b = matrix(&weights_final[format!("B{l}{}", l + 1).as_str()])?;
            let w = matrix(&weights_final[format!("W{}{l}", l + 1).as_str()])?;
            Some(frobenius(&b) / frobenius(&w))
        })
        .fold(f64::NAN, f64::max)
}

/// ‖B − Wᵀ‖ (Frobenius); NaN if the shapes do not match.
fn mismatch(b: &[Vec<f64>], w: &[Vec<f64>]) -> f64 {
    let rows = b.len();
    let cols = b.first().map_or(0, Vec::len);
    if rows == 0
        || w.len() != cols
        || b.iter().any(|r| r.len() != cols)
        || w.iter().any(|r| r.len() != rows)
    {
        return f64::NAN;
    }
    let mut s = 0.0;
    for (i, r) in b.iter().enumerate() {
        for (j, x) in r.iter().enumerate() {
            s += (x - w[j][i]).powi(2);
        }
    }
    s.sqrt()
}

fn parse_point(plan: &Plan, dir: &Path, p: &crate::sweep::Point, m: &Json) -> MicroPoint {
    let variant = m["variant"]
        .as_str()
        .or_else(|| p.coords.get("variant").and_then(Json::as_str))
        .unwrap_or(&plan.scenario)
        .to_string();
    let validation_loss = floats(&m["validation_loss"]);
    let validation_loss_free = floats(&m["validation_loss_free"]);
    let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
    let final_loss = m["final"]["validation_loss"]
        .as_f64()
        .unwrap_or_else(|| last(&validation_loss));
    let final_loss_free = m["final"]["validation_loss_free"]
        .as_f64()
        .unwrap_or_else(|| last(&validation_loss_free));
    let weights_final = m["weights_final"].clone();
    let mut weight_paths = BTreeMap::new();
    let mut final_scalar_weights = BTreeMap::new();
    if let Some(ws) = m["weights"].as_object() {
        for (k, v) in ws {
            let Some(path) = v
                .as_array()
                .and_then(|a| a.iter().map(scalar).collect::<Option<Vec<f64>>>())
            else {
                continue;
            };
            let mut path = path;
            if let Some(f) = scalar(&weights_final[k.as_str()]) {
                path.push(f);
            }
            weight_paths.insert(k.clone(), path);
        }
    }
    if let Some(ws) = weights_final.as_object() {
        for (k, v) in ws {
            if let Some(x) = scalar(v) {
                final_scalar_weights.insert(k.clone(), x);
            }
        }
    }
    let angle_deg = m["angle_deg"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        .unwrap_or_default();
    let angle_deg_final = m["angle_deg_final"].clone();
    let final_angles = angle_deg_final
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), num(v))).collect())
        .unwrap_or_default();
    let feedback_mismatch = match (matrix(&weights_final["B12"]), matrix(&weights_final["W21"])) {
        (Some(b), Some(w)) => mismatch(&b, &w),
        _ => f64::NAN,
    };
    let feedback_norm_ratio = norm_ratio(&weights_final);
    MicroPoint {
        scenario: plan.scenario.clone(),
        sweep_dir: dir.to_path_buf(),
        index: p.index,
        coords: p.coords.clone(),
        variant,
        seed_index: p
            .coords
            .get("seed_index")
            .and_then(Json::as_u64)
            .map(|k| k as usize),
        dims: m["dims"]
            .as_array()
            .map(|a| a.iter().map(|d| d.as_u64().unwrap_or(0) as usize).collect())
            .unwrap_or_default(),
        validation_loss,
        final_loss,
        final_loss_free,
        weight_paths,
        final_scalar_weights,
        weights_final,
        angle_deg,
        angle_deg_final,
        final_angles,
        feedback_mismatch,
        feedback_norm_ratio,
    }
}

/// Loads a microcircuit sweep directory (finished points only).
pub fn load(dir: &Path) -> Result<MicroSweep> {
    let plan = read_plan(dir)?;
    let (done, missing) = finished_metrics(dir, &plan)?;
    let points = done
        .iter()
        .map(|(p, m)| parse_point(&plan, dir, p, m))
        .collect();
    Ok(MicroSweep {
        plan,
        points,
        missing,
    })
}

/// The microcircuit sweeps under `dir` (the directory itself or its immediate
/// subdirectories; sampling-network sweeps are skipped), by directory.
pub fn discover(dir: &Path) -> Result<Vec<MicroSweep>> {
    let mut out = Vec::new();
    for d in sweep_dirs(dir)? {
        let Ok(plan) = read_plan(&d) else { continue };
        if is_micro(&d, &plan) {
            out.push(load(&d)?);
        }
    }
    Ok(out)
}

/// Quartiles per epoch of `f(run)` over runs, for the epochs all runs have (runs without
/// the quantity are left out).
fn per_epoch(runs: &[&MicroPoint], f: impl Fn(&MicroPoint) -> Option<&Vec<f64>>) -> Vec<Quartiles> {
    let series: Vec<&Vec<f64>> = runs.iter().filter_map(|r| f(r)).collect();
    let len = series.iter().map(|s| s.len()).min().unwrap_or(0);
    (0..len)
        .map(|k| Quartiles::of(&series.iter().map(|s| s[k]).collect::<Vec<_>>()))
        .collect()
}

/// Statistics over `runs` (all of one variant).
pub fn variant_stats(variant: &str, runs: &[&MicroPoint]) -> VariantStats {
    let col = |f: &dyn Fn(&MicroPoint) -> f64| runs.iter().map(|r| f(r)).collect::<Vec<f64>>();
    let mut weight_keys: Vec<String> = runs
        .first()
        .map(|r| r.final_scalar_weights.keys().cloned().collect())
        .unwrap_or_default();
    weight_keys.retain(|k| runs.iter().all(|r| r.final_scalar_weights.contains_key(k)));
    let mut angle_keys: Vec<String> = runs
        .iter()
        .flat_map(|r| r.final_angles.keys().cloned())
        .collect();
    angle_keys.sort();
    angle_keys.dedup();
    VariantStats {
        variant: variant.to_string(),
        runs: runs.len(),
        epochs: runs
            .iter()
            .map(|r| r.validation_loss.len())
            .min()
            .unwrap_or(0),
        dims: runs.first().map(|r| r.dims.clone()).unwrap_or_default(),
        loss: per_epoch(runs, |r| Some(&r.validation_loss)),
        final_loss: Quartiles::of(&col(&|r| r.final_loss)),
        final_loss_free: Quartiles::of(&col(&|r| r.final_loss_free)),
        final_weights: weight_keys
            .iter()
            .map(|k| {
                let q = Quartiles::of(&col(&|r| r.final_scalar_weights[k]));
                (k.clone(), q)
            })
            .collect(),
        angle: angle_keys
            .iter()
            .map(|k| (k.clone(), per_epoch(runs, |r| r.angle_deg.get(k))))
            .collect(),
        final_angle: angle_keys
            .iter()
            .map(|k| {
                let v = col(&|r| r.final_angles.get(k).copied().unwrap_or(f64::NAN));
                (k.clone(), Quartiles::of(&v))
            })
            .collect(),
        feedback_mismatch_median: Quartiles::of(&col(&|r| r.feedback_mismatch)).median,
        feedback_norm_ratio_median: Quartiles::of(&col(&|r| r.feedback_norm_ratio)).median,
    }
}

/// Groups the runs of `sweeps` by variant and summarises them.
pub fn summarise(sweeps: Vec<MicroSweep>) -> MicroReport {
    let mut points: Vec<MicroPoint> = sweeps.iter().flat_map(|s| s.points.clone()).collect();
    points.sort_by(|a, b| {
        variant_rank(&a.variant)
            .cmp(&variant_rank(&b.variant))
            .then(a.index.cmp(&b.index))
            .then(a.scenario.cmp(&b.scenario))
            .then(a.sweep_dir.cmp(&b.sweep_dir))
    });
    let mut names: Vec<String> = points.iter().map(|p| p.variant.clone()).collect();
    names.dedup();
    let variants = names
        .iter()
        .map(|v| {
            let runs: Vec<&MicroPoint> = points.iter().filter(|p| &p.variant == v).collect();
            variant_stats(v, &runs)
        })
        .collect();
    let tiny = !points.is_empty() && points.iter().all(MicroPoint::is_tiny);
    MicroReport {
        sweeps,
        points,
        variants,
        tiny,
    }
}

/// Weights of the 1-1-1 network shown in Fig 6 and its table.
pub const TINY_WEIGHTS: [&str; 3] = ["W10", "W21", "B12"];

/// The per-variant table as CSV: runs, epochs, final validation loss (nudged and free
/// output) quartiles, final W10 / W21 / B12 quartiles (1-1-1 nets) or final feedback-angle
/// quartiles per hidden layer (bigger nets), median final feedback mismatch.
pub fn table_csv(rep: &MicroReport) -> String {
    let keys: Vec<String> = if rep.tiny {
        TINY_WEIGHTS.iter().map(|k| k.to_string()).collect()
    } else {
        rep.angle_keys()
    };
    let mut csv = String::from(
        "variant,runs,epochs,loss_q25,loss_median,loss_q75,loss_free_q25,loss_free_median,loss_free_q75",
    );
    for k in &keys {
        let p = if rep.tiny {
            k.clone()
        } else {
            format!("angle_{k}")
        };
        let _ = write!(csv, ",{p}_q25,{p}_median,{p}_q75");
    }
    csv.push_str(",feedback_mismatch_median,feedback_norm_ratio_median\n");
    let nan = Quartiles {
        q25: f64::NAN,
        median: f64::NAN,
        q75: f64::NAN,
    };
    for v in &rep.variants {
        let (l, f) = (v.final_loss, v.final_loss_free);
        let _ = write!(
            csv,
            "{},{},{},{:e},{:e},{:e},{:e},{:e},{:e}",
            v.variant, v.runs, v.epochs, l.q25, l.median, l.q75, f.q25, f.median, f.q75
        );
        for k in &keys {
            let q = if rep.tiny {
                v.final_weights.get(k)
            } else {
                v.final_angle.get(k)
            }
            .copied()
            .unwrap_or(nan);
            let _ = write!(csv, ",{:e},{:e},{:e}", q.q25, q.median, q.q75);
        }
        let _ = writeln!(
            csv,
            ",{:e},{:e}",
            v.feedback_mismatch_median, v.feedback_norm_ratio_median
        );
    }
    csv
}

fn jq(q: &Quartiles) -> Json {
    json!({"q25": js(q.q25), "median": js(q.median), "q75": js(q.q75)})
}

/// The per-variant table as JSON rows (non-finite values as null); like [`table_csv`] but
/// with every single-number final weight and every feedback angle.
pub fn table_json(rep: &MicroReport) -> Vec<Json> {
    rep.variants
        .iter()
        .map(|v| {
            let weights: Map<String, Json> = v
                .final_weights
                .iter()
                .map(|(k, q)| (k.clone(), jq(q)))
                .collect();
            let angles: Map<String, Json> = v
                .final_angle
                .iter()
                .map(|(k, q)| (k.clone(), jq(q)))
                .collect();
            json!({
                "experiment": "microcircuit",
                "variant": v.variant,
                "runs": v.runs,
                "epochs": v.epochs,
                "dims": v.dims,
                "final_validation_loss": jq(&v.final_loss),
                "final_validation_loss_free": jq(&v.final_loss_free),
                "final_weights": weights,
                "final_angle_deg": angles,
                "feedback_mismatch_median": js(v.feedback_mismatch_median),
                "feedback_norm_ratio_median": js(v.feedback_norm_ratio_median),
            })
        })
        .collect()
}

/// Per-run rows for `sal report --json`, in the order of [`MicroReport::points`].
pub fn point_rows(rep: &MicroReport) -> Vec<Json> {
    rep.points
        .iter()
        .map(|p| {
            json!({
                "scenario": p.scenario,
                "variant": p.variant,
                "index": p.index,
                "coords": p.coords,
                "final_validation_loss": js(p.final_loss),
                "final_weights": p.weights_final,
                "final_angle_deg": p.angle_deg_final,
                "feedback_norm_ratio": js(p.feedback_norm_ratio),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_ratio_is_the_largest_layer_ratio() {
        let w = serde_json::json!({
            "B12": [[3.0, 4.0]], "W21": [[1.0], [0.0]],
            "B23": [[1.0], [1.0]], "W32": [[1.0, 1.0]],
        });
        assert_eq!(norm_ratio(&w), 5.0);
        assert_eq!(
            norm_ratio(&serde_json::json!({"B12": 2.0, "W21": -4.0})),
            0.5
        );
        assert!(norm_ratio(&serde_json::json!({"W21": 1.0})).is_nan());
    }

    #[test]
    fn mismatch_is_frobenius_of_b_minus_w_transposed() {
        assert_eq!(mismatch(&[vec![1.0]], &[vec![3.0]]), 2.0);
        let b = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
        let w = vec![vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]];
        assert_eq!(mismatch(&b, &w), 0.0);
        assert!(mismatch(&b, &b).is_nan());
    }

    #[test]
    fn variants_sort_sal_bp_fa_then_alphabetically() {
        let mut v = vec!["zz", "fa", "aa", "bp", "sal"];
        v.sort_by_key(|v| variant_rank(v));
        assert_eq!(v, ["sal", "bp", "fa", "aa", "zz"]);
        assert_eq!(scalar(&json!([[2.5]])), Some(2.5));
        assert_eq!(scalar(&json!([[2.5, 1.0]])), None);
    }
}
