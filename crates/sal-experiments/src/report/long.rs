//! The long table of a report: one row per finished point and validation point (sampling
//! networks: per validation iteration; microcircuits: per epoch), with the sweep, the point's
//! grid coordinates and every metric as columns. `sal report` writes it as `long.csv`;
//! Python's `sal.load_sweep` returns it as a DataFrame (or a dict of numpy arrays).

use super::convnet::ConvReport;
use super::micro::MicroReport;
use super::salnet::SalnetReport;
use super::ssn::{Level, Scenario};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One column: numbers (NaN where missing or +∞ kept as such) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numeric values.
    Num(Vec<f64>),
    /// Text values.
    Text(Vec<String>),
}

/// Named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LongTable {
    /// (name, column), in display order.
    pub columns: Vec<(String, Column)>,
}

impl LongTable {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| match c {
            Column::Num(v) => v.len(),
            Column::Text(v) => v.len(),
        })
    }
}

/// One row before the columns are known.
struct Row {
    sweep: String,
    kind: &'static str,
    index: usize,
    coords: serde_json::Map<String, Json>,
    step_name: &'static str,
    step: f64,
    metrics: Vec<(String, f64)>,
}

/// The long table of the sweeps of a report.
pub fn build(
    ssn: &[(Scenario, Vec<Level>)],
    micro: &MicroReport,
    conv: &ConvReport,
    salnet: &SalnetReport,
) -> LongTable {
    let mut rows = Vec::new();
    for (s, _) in ssn {
        let mut pts: Vec<_> = s.points.iter().collect();
        pts.sort_by_key(|p| p.index);
        for p in pts {
            for (k, &it) in p.iterations.iter().enumerate() {
                rows.push(Row {
                    sweep: s.plan.scenario.clone(),
                    kind: "ssn",
                    index: p.index,
                    coords: p.coords.clone(),
                    step_name: "iteration",
                    step: it,
                    metrics: vec![
                        ("dkl".into(), p.dkl.get(k).copied().unwrap_or(f64::NAN)),
                        (
                            "asymmetry".into(),
                            p.asymmetry.get(k).copied().unwrap_or(f64::NAN),
                        ),
                    ],
                });
            }
        }
    }
    for sw in &micro.sweeps {
        let mut pts: Vec<_> = sw.points.iter().collect();
        pts.sort_by_key(|p| p.index);
        for p in pts {
            for (e, &loss) in p.validation_loss.iter().enumerate() {
                let mut metrics = vec![("validation_loss".to_string(), loss)];
                for (name, a) in &p.angle_deg {
                    metrics.push((
                        format!("angle_deg_{name}"),
                        a.get(e).copied().unwrap_or(f64::NAN),
                    ));
                }
                for (name, w) in &p.weight_paths {
                    metrics.push((name.clone(), w.get(e).copied().unwrap_or(f64::NAN)));
                }
                rows.push(Row {
                    sweep: p.scenario.clone(),
                    kind: "microcircuit",
                    index: p.index,
                    coords: p.coords.clone(),
                    step_name: "epoch",
                    step: e as f64,
                    metrics,
                });
            }
        }
    }
    for p in &conv.points {
        for (e, &acc) in p.test_accuracy.iter().enumerate() {
            let mut metrics = vec![
                ("test_accuracy".to_string(), acc),
                (
                    "train_accuracy".to_string(),
                    p.train_accuracy.get(e).copied().unwrap_or(f64::NAN),
                ),
                (
                    "test_loss".to_string(),
                    p.test_loss.get(e).copied().unwrap_or(f64::NAN),
                ),
            ];
            for (k, a) in p.angles.iter().enumerate() {
                // angles have one entry before the first epoch: epoch e ends at entry e + 1
                metrics.push((
                    format!("angle_deg_fc{}", k + 1),
                    a.get(e + 1).copied().unwrap_or(f64::NAN),
                ));
            }
            rows.push(Row {
                sweep: format!("{} {}", p.method, p.dataset),
                kind: "convnet",
                index: p.index,
                coords: p.coords.clone(),
                step_name: "epoch",
                step: (e + 1) as f64,
                metrics,
            });
        }
    }
    for p in &salnet.points {
        // entry e: after epoch e (0: before the first)
        let epochs = p.angles.first().map_or(0, Vec::len);
        for e in 0..epochs {
            let mut metrics = Vec::new();
            for (k, a) in p.angles.iter().enumerate() {
                metrics.push((
                    format!("angle_deg_B{k}"),
                    a.get(e).copied().unwrap_or(f64::NAN),
                ));
                metrics.push((
                    format!("corrcoef_B{k}"),
                    p.corrcoef
                        .get(k)
                        .and_then(|r| r.get(e))
                        .copied()
                        .unwrap_or(f64::NAN),
                ));
            }
            rows.push(Row {
                sweep: p.sweep.clone(),
                kind: "salnet",
                index: p.index,
                coords: p.coords.clone(),
                step_name: "epoch",
                step: e as f64,
                metrics,
            });
        }
    }
    columns(rows)
}

fn columns(rows: Vec<Row>) -> LongTable {
    let mut coord_keys = BTreeSet::new();
    let mut steps = Vec::new();
    let mut metrics = Vec::new();
    for r in &rows {
        coord_keys.extend(r.coords.keys().cloned());
        if !steps.contains(&r.step_name) {
            steps.push(r.step_name);
        }
        for (m, _) in &r.metrics {
            if !metrics.contains(m) {
                metrics.push(m.clone());
            }
        }
    }
    let mut t = LongTable::default();
    t.columns.push((
        "sweep".into(),
        Column::Text(rows.iter().map(|r| r.sweep.clone()).collect()),
    ));
    t.columns.push((
        "kind".into(),
        Column::Text(rows.iter().map(|r| r.kind.to_string()).collect()),
    ));
    t.columns.push((
        "point".into(),
        Column::Num(rows.iter().map(|r| r.index as f64).collect()),
    ));
    for k in coord_keys {
        let vals: Vec<Option<&Json>> = rows.iter().map(|r| r.coords.get(&k)).collect();
        let numeric = vals.iter().all(|v| v.is_none_or(|v| v.is_number()));
        t.columns.push((
            k,
            if numeric {
                Column::Num(
                    vals.iter()
                        .map(|v| v.and_then(Json::as_f64).unwrap_or(f64::NAN))
                        .collect(),
                )
            } else {
                Column::Text(
                    vals.iter()
                        .map(|v| match v {
                            None => String::new(),
                            Some(Json::String(s)) => s.clone(),
                            Some(o) => o.to_string(),
                        })
                        .collect(),
                )
            },
        ));
    }
    for s in steps {
        t.columns.push((
            s.to_string(),
            Column::Num(
                rows.iter()
                    .map(|r| if r.step_name == s { r.step } else { f64::NAN })
                    .collect(),
            ),
        ));
    }
    for m in metrics {
        t.columns.push((
            m.clone(),
            Column::Num(
                rows.iter()
                    .map(|r| {
                        r.metrics
                            .iter()
                            .find(|(n, _)| *n == m)
                            .map_or(f64::NAN, |(_, v)| *v)
                    })
                    .collect(),
            ),
        ));
    }
    t
}

/// The table as CSV (numbers in Rust's shortest round-trip form; NaN and ±inf spelled as
/// `nan`, `inf`, `-inf`, which pandas reads; text quoted when it needs to be).
pub fn csv(t: &LongTable) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = t
        .columns
        .iter()
        .map(|(n, _)| quote(n))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for i in 0..t.rows() {
        let cells: Vec<String> = t
            .columns
            .iter()
            .map(|(_, c)| match c {
                Column::Text(v) => quote(&v[i]),
                Column::Num(v) => {
                    let x = v[i];
                    if x.is_nan() {
                        "nan".into()
                    } else if x.is_infinite() {
                        if x > 0.0 { "inf".into() } else { "-inf".into() }
                    } else {
                        format!("{x}")
                    }
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}
