//! `sal report`: figures and tables from sweep directories.

use crate::error::Result;
use crate::figures;
use crate::out::OutDir;
use crate::report::{Level, Scenario, discover, levels};
use crate::report_micro;
use clap::Args;
use serde_json::{Value as Json, json};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Turn a sweep directory (or a directory of sweep directories, e.g. the six v3
/// scenarios) into figures and tables in DIR/report/: per scenario the median and
/// inter-quartile range of D_KL and asymmetry over training and of the final values vs
/// noise level; Fig 4 (synaptic noise) and Fig 5 (plasticity noise) when the scenarios of a
/// family are present; table.csv / table.json with the final medians and quartiles.
/// Microcircuit sweeps (family "microcircuit": SAL, BP, FA) give Fig 6 (fig6.png/svg) and
/// micro_table.csv / micro_table.json with per-variant final losses and weights (or
/// feedback angles); table.csv / table.json hold these rows when there is no
/// sampling-network sweep.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Sweep directory, or a directory holding sweep directories.
    pub dir: PathBuf,
    /// Also print the per-point final values as JSON (stable ordering).
    #[arg(long)]
    pub json: bool,
    /// Report directory (default DIR/report; regenerated on every call).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn js(x: f64) -> Json {
    if x.is_finite() { json!(x) } else { Json::Null }
}

/// Runs `sal report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let mut scenarios = discover(&args.dir)?;
    let micro = report_micro::summarise(report_micro::discover(&args.dir)?);
    scenarios.sort_by(|a, b| {
        a.plan
            .scenario
            .cmp(&b.plan.scenario)
            .then(a.dir.cmp(&b.dir))
    });
    let stats: Vec<(Scenario, Vec<Level>)> = scenarios
        .into_iter()
        .map(|s| {
            let l = levels(&s);
            (s, l)
        })
        .collect();
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("report"));
    let dir = OutDir::create(&out, true)?;
    // Table of final values.
    let mut csv = String::from(
        "scenario,noise_key,noise,runs,dkl_q25,dkl_median,dkl_q75,asym_q25,asym_median,asym_q75,final_iteration\n",
    );
    let mut table = Vec::new();
    for (s, ls) in &stats {
        for l in ls {
            let (Some(d), Some(a)) = (l.final_dkl(), l.final_asymmetry()) else {
                continue;
            };
            let key = s.plan.noise_key.clone().unwrap_or_default();
            let it = l.iterations.last().copied().unwrap_or(f64::NAN);
            let _ = writeln!(
                csv,
                "{},{key},{},{},{:e},{:e},{:e},{:e},{:e},{:e},{it}",
                s.plan.scenario, l.noise, l.runs, d.q25, d.median, d.q75, a.q25, a.median, a.q75
            );
            table.push(json!({
                "scenario": s.plan.scenario, "noise_key": key, "noise": js(l.noise), "runs": l.runs,
                "final_iteration": js(it),
                "dkl": {"q25": js(d.q25), "median": js(d.median), "q75": js(d.q75)},
                "asymmetry": {"q25": js(a.q25), "median": js(a.median), "q75": js(a.q75)},
            }));
        }
        warn_unfinished(&s.plan, s.missing);
    }
    for s in &micro.sweeps {
        warn_unfinished(&s.plan, s.missing);
    }
    let micro_csv = report_micro::table_csv(&micro);
    let micro_table = report_micro::table_json(&micro);
    let only_micro = stats.is_empty();
    if !micro.sweeps.is_empty() {
        let p = dir.path("micro_table.csv")?;
        std::fs::write(&p, &micro_csv).map_err(|e| crate::error::CliError::io(&p, e))?;
        dir.json("micro_table.json", &micro_table)?;
    }
    let p = dir.path("table.csv")?;
    if only_micro {
        // no sampling-network sweep: the main table is the microcircuit one
        std::fs::write(&p, &micro_csv).map_err(|e| crate::error::CliError::io(&p, e))?;
        dir.json("table.json", &micro_table)?;
    } else {
        std::fs::write(&p, &csv).map_err(|e| crate::error::CliError::io(&p, e))?;
        dir.json("table.json", &table)?;
    }
    for (s, ls) in &stats {
        figures::report::scenario(&dir, s, ls)?;
    }
    let mut made = figures::report::families(&dir, &stats)?;
    if !micro.sweeps.is_empty() {
        if figures::fig6::fig6(&dir, &micro)? {
            made.push("fig6".into());
        } else {
            eprintln!("warning: no microcircuit run has finished; no fig6");
        }
    }
    let dest = dir.finish()?;
    if !only_micro {
        eprint!("{csv}");
    }
    if !micro.sweeps.is_empty() {
        eprint!("{micro_csv}");
    }
    eprintln!(
        "report written to {}{}",
        dest.display(),
        if made.is_empty() {
            String::new()
        } else {
            format!(" (with {})", made.join(", "))
        }
    );
    if args.json {
        let mut rows = Vec::new();
        for (s, _) in &stats {
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
        rows.extend(report_micro::point_rows(&micro));
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).expect("serialisable")
        );
    }
    Ok(())
}

/// Tells on stderr that a sweep has unfinished points (the report covers the finished ones).
fn warn_unfinished(plan: &crate::sweep::Plan, missing: usize) {
    if missing > 0 {
        eprintln!(
            "warning: {}: {missing} of {} points not finished; reporting the finished ones",
            plan.scenario,
            plan.points.len()
        );
    }
}
