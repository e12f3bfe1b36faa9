//! Report data of sweeps: tables, quartiles, long tables and JSON rows (figures are drawn by
//! `sal-plot` from a [`Report`]).
//!
//! [`ssn`]: spiking sampling networks (Fig 4 / Fig 5); [`micro`]: cortical microcircuits
//! (Fig 6); [`convnet`]: deep ConvNets with seven feedback methods (Fig 8); [`salnet`]: SAL
//! alignment of deep feedback matrices (Fig 9); [`common`]:
//! quartiles and sweep discovery; [`long`]: every point × validation point as one table.

pub mod common;
pub mod convnet;
pub mod long;
pub mod micro;
pub mod salnet;
pub mod ssn;

use crate::error::Result;
use crate::out::OutDir;
use crate::out::js;
use crate::sweep::{Plan, failures};
use common::{Quartiles, sweep_dirs};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Everything a report shows, computed from the sweep directories under one directory.
#[derive(Debug, Clone)]
pub struct Report {
    /// The directory reported on.
    pub dir: PathBuf,
    /// The sweep directories found.
    pub sweeps: Vec<PathBuf>,
    /// Sampling-network scenarios with their per-noise-level statistics (sorted by name).
    pub ssn: Vec<(ssn::Scenario, Vec<ssn::Level>)>,
    /// Microcircuit sweeps.
    pub micro: micro::MicroReport,
    /// ConvNet sweeps (Fig 8).
    pub convnet: convnet::ConvReport,
    /// SALNet sweeps (Fig 9).
    pub salnet: salnet::SalnetReport,
    /// Warnings for the reader: unfinished or failed points, points computed by different
    /// programs or from different inputs.
    pub warnings: Vec<String>,
}

/// A written report ([`write()`]).
pub struct Written {
    /// The report's data.
    pub report: Report,
    /// The report directory.
    pub dest: PathBuf,
    /// The paper figures drawn (`fig4`, `fig5`, `fig6`, …).
    pub figures: Vec<String>,
    /// Why a figure could not be drawn, if one could not (the tables are kept).
    pub figure_warning: Option<String>,
}

/// What `sal report` (and Python's `sal.report`) does: builds the report of the sweeps under
/// `dir` and writes its tables and, with `figures`, its figures into `out` (default
/// `dir/report`). The report directory is regenerated on every call, but only a report
/// directory made by sal, and never one that holds a sweep.
pub fn write(
    dir: &Path,
    out: Option<&Path>,
    figures: &mut dyn FnMut(&OutDir, &Report) -> Result<Vec<String>>,
) -> Result<Written> {
    let report = build(dir)?;
    let out = out.map_or_else(|| dir.join("report"), Path::to_path_buf);
    let inputs: Vec<PathBuf> = report
        .sweeps
        .iter()
        .flat_map(|d| [d.join("sweep.json"), d.join("points")])
        .collect();
    let odir = OutDir::create(&out, true, crate::out::Sort::Report, &inputs)?;
    report.write_tables(&odir)?;
    let mut made = Vec::new();
    let figure_warning = crate::out::catch_figures(|| {
        made = figures(&odir, &report)?;
        Ok(())
    });
    let dest = odir.finish()?;
    Ok(Written {
        report,
        dest,
        figures: made,
        figure_warning,
    })
}

/// Loads every sweep under `dir` (the directory itself or its subdirectories).
pub fn build(dir: &Path) -> Result<Report> {
    let sweeps = sweep_dirs(dir)?;
    let mut scenarios = ssn::discover(dir)?;
    let micro = micro::summarise(micro::discover(dir)?);
    let convnet = convnet::build(dir)?;
    let salnet = salnet::build(dir)?;
    scenarios.sort_by(|a, b| {
        a.plan
            .scenario
            .cmp(&b.plan.scenario)
            .then(a.dir.cmp(&b.dir))
    });
    let ssn: Vec<_> = scenarios
        .into_iter()
        .map(|s| {
            let l = ssn::levels(&s);
            (s, l)
        })
        .collect();
    let mut warnings = Vec::new();
    for (s, _) in &ssn {
        unfinished(&mut warnings, &s.plan, s.missing);
    }
    for s in &micro.sweeps {
        unfinished(&mut warnings, &s.plan, s.missing);
    }
    for (plan, _, missing) in convnet.sweeps.iter().chain(&salnet.sweeps) {
        unfinished(&mut warnings, plan, *missing);
    }
    for d in &sweeps {
        let f = failures(d);
        if !f.is_empty() {
            warnings.push(format!(
                "{}: {} point(s) failed (see {}): {}",
                d.display(),
                f.len(),
                d.join("failed").display(),
                f.iter()
                    .take(3)
                    .map(|(i, m)| format!("point {i}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if let Some(w) = provenance_warning(d) {
            warnings.push(w);
        }
    }
    Ok(Report {
        dir: dir.to_path_buf(),
        sweeps,
        ssn,
        micro,
        convnet,
        salnet,
        warnings,
    })
}

fn unfinished(w: &mut Vec<String>, plan: &Plan, missing: usize) {
    if missing > 0 {
        w.push(format!(
            "{}: {missing} of {} points not finished; reporting the finished ones",
            plan.scenario,
            plan.points.len()
        ));
    }
}

/// A warning if the finished points of the sweep in `dir` were computed by different
/// programs or from inputs with different content (their `run.json` provenance).
pub fn provenance_warning(dir: &Path) -> Option<String> {
    let plan = crate::sweep::read_plan(dir).ok()?;
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for p in &plan.points {
        let Ok(text) = std::fs::read_to_string(dir.join(&p.dir).join("run.json")) else {
            continue;
        };
        let Ok(run) = serde_json::from_str::<Json>(&text) else {
            continue;
        };
        let prov = &run["provenance"];
        let program = format!(
            "sal {} (commit {})",
            prov["program"]["version"].as_str().unwrap_or("?"),
            prov["program"]["git_commit"].as_str().unwrap_or("unknown")
        );
        let inputs: Vec<String> = prov["inputs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| {
                        format!(
                            "{} {}",
                            i["path"].as_str().unwrap_or(""),
                            &i["sha256"].as_str().unwrap_or("")
                                [..12.min(i["sha256"].as_str().unwrap_or("").len())]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let sig = if prov.is_null() {
            "no provenance (computed before sal recorded it)".to_string()
        } else {
            format!("{program}; inputs {}", inputs.join(", "))
        };
        seen.entry(sig).or_default().push(p.index);
    }
    (seen.len() > 1).then(|| {
        format!(
            "{}: the points were computed by different programs or from different inputs: {}",
            dir.display(),
            seen.iter()
                .map(|(sig, pts)| format!("{} point(s) by {sig}", pts.len()))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

impl Report {
    /// The final quartiles of every noise level of every scenario that has them.
    fn final_levels(
        &self,
    ) -> impl Iterator<Item = (&ssn::Scenario, &ssn::Level, Quartiles, Quartiles)> {
        self.ssn.iter().flat_map(|(s, ls)| {
            ls.iter()
                .filter_map(move |l| Some((s, l, l.final_dkl()?, l.final_asymmetry()?)))
        })
    }

    /// The sampling-network table (`table.csv`).
    pub fn ssn_csv(&self) -> String {
        let mut csv = String::from(
            "scenario,noise_key,noise,runs,dkl_q25,dkl_median,dkl_q75,asym_q25,asym_median,asym_q75,final_iteration\n",
        );
        for (s, l, d, a) in self.final_levels() {
            let key = s.plan.noise_key.clone().unwrap_or_default();
            let it = l.iterations.last().copied().unwrap_or(f64::NAN);
            let _ = writeln!(
                csv,
                "{},{key},{},{},{:e},{:e},{:e},{:e},{:e},{:e},{it}",
                s.plan.scenario, l.noise, l.runs, d.q25, d.median, d.q75, a.q25, a.median, a.q75
            );
        }
        csv
    }

    /// The sampling-network table as JSON rows (`table.json`).
    pub fn ssn_table(&self) -> Vec<Json> {
        self.final_levels()
            .map(|(s, l, d, a)| {
                let key = s.plan.noise_key.clone().unwrap_or_default();
                let it = l.iterations.last().copied().unwrap_or(f64::NAN);
                json!({
                    "scenario": s.plan.scenario, "noise_key": key, "noise": js(l.noise), "runs": l.runs,
                    "final_iteration": js(it),
                    "dkl": {"q25": js(d.q25), "median": js(d.median), "q75": js(d.q75)},
                    "asymmetry": {"q25": js(a.q25), "median": js(a.median), "q75": js(a.q75)},
                })
            })
            .collect()
    }

    /// The microcircuit table (`micro_table.csv`).
    pub fn micro_csv(&self) -> String {
        micro::table_csv(&self.micro)
    }

    /// Writes the tables (`table.csv`/`.json`, `micro_table.csv`/`.json`, `long.csv`) into
    /// `out`; figures come afterwards.
    pub fn write_tables(&self, out: &OutDir) -> Result<()> {
        if !self.micro.sweeps.is_empty() {
            out.text("micro_table.csv", &self.micro_csv())?;
            out.json("micro_table.json", &micro::table_json(&self.micro))?;
        }
        if !self.convnet.points.is_empty() {
            out.text("fig8_table.csv", &self.convnet.table_csv())?;
            out.json("fig8_table.json", &self.convnet.table_json())?;
        }
        if !self.salnet.points.is_empty() {
            out.text("salnet_table.csv", &self.salnet.table_csv())?;
            out.json("salnet_table.json", &self.salnet.table_json())?;
        }
        // the main table: the first kind present of sampling networks, microcircuits,
        // ConvNets, SALNets (an empty microcircuit table when there is none)
        if !self.ssn.is_empty() {
            out.text("table.csv", &self.ssn_csv())?;
            out.json("table.json", &self.ssn_table())?;
        } else if self.micro.sweeps.is_empty() && !self.convnet.points.is_empty() {
            out.text("table.csv", &self.convnet.table_csv())?;
            out.json("table.json", &self.convnet.table_json())?;
        } else if self.micro.sweeps.is_empty() && !self.salnet.points.is_empty() {
            out.text("table.csv", &self.salnet.table_csv())?;
            out.json("table.json", &self.salnet.table_json())?;
        } else {
            out.text("table.csv", &self.micro_csv())?;
            out.json("table.json", &micro::table_json(&self.micro))?;
        }
        out.text("long.csv", &long::csv(&self.long_table()))
    }

    /// Every finished point × validation point as one long table (see [`long`]).
    pub fn long_table(&self) -> long::LongTable {
        long::build(&self.ssn, &self.micro, &self.convnet, &self.salnet)
    }

    /// The per-point final values as JSON rows (`sal report --json`, stable ordering).
    pub fn point_rows(&self) -> Vec<Json> {
        let mut rows = Vec::new();
        for (s, _) in &self.ssn {
            let mut pts: Vec<_> = s.points.iter().collect();
            pts.sort_by_key(|p| p.index);
            for p in pts {
                rows.push(json!({
                    "scenario": s.plan.scenario,
                    "index": p.index,
                    "coords": p.coords,
                    "final_dkl": p.dkl.last().map(|&x| js(x)),
                    "final_asymmetry": p.asymmetry.last().map(|&x| js(x)),
                }));
            }
        }
        rows.extend(micro::point_rows(&self.micro));
        rows.extend(self.convnet.point_rows());
        rows.extend(self.salnet.point_rows());
        rows
    }
}
