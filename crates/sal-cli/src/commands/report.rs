//! `sal report`: figures and tables from sweep directories.

use clap::Args;
use sal_experiments::error::Result;
use sal_experiments::out::{OutDir, Sort};
use sal_experiments::report::build;
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
    /// Report directory (default DIR/report; regenerated on every call — only a report
    /// directory made by sal is ever replaced, never a sweep or any other folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `sal report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let report = build(&args.dir)?;
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("report"));
    // The report directory is regenerated on every call, but only a report directory made by
    // sal, and never one that holds a sweep.
    let inputs: Vec<PathBuf> = report
        .sweeps
        .iter()
        .flat_map(|d| [d.join("sweep.json"), d.join("points")])
        .collect();
    let dir = OutDir::create(&out, true, Sort::Report, &inputs)?;
    report.write_tables(&dir)?;
    let mut made = Vec::new();
    crate::commands::draw_figures(&dir, || {
        made = sal_plot::report_figures(&dir, &report)?;
        Ok(())
    });
    if !report.micro.sweeps.is_empty() && !made.iter().any(|m| m == "fig6") {
        eprintln!("warning: no microcircuit run has finished; no fig6");
    }
    let dest = dir.finish()?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if !report.ssn.is_empty() {
        eprint!("{}", report.ssn_csv());
    }
    if !report.micro.sweeps.is_empty() {
        eprint!("{}", report.micro_csv());
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
        say!(
            "{}",
            serde_json::to_string_pretty(&report.point_rows()).expect("serialisable")
        );
    }
    Ok(())
}
