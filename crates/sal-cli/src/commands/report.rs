//! `sal report`: figures and tables from sweep directories.

use clap::Args;
use sal_experiments::error::Result;
use sal_experiments::report::write;
use std::path::PathBuf;

/// Turn a sweep directory (or a directory of sweep directories, e.g. the six v3
/// scenarios) into figures and tables in DIR/report/: per scenario the median and
/// inter-quartile range of D_KL and asymmetry over training and of the final values vs
/// noise level; Fig 4 (synaptic noise) and Fig 5 (plasticity noise) when the scenarios of a
/// family are present; table.csv / table.json with the final medians and quartiles.
/// Microcircuit sweeps (family "microcircuit": SAL, BP, FA) give Fig 6 (fig6.png/svg) and
/// micro_table.csv / micro_table.json with per-variant final losses and weights (or
/// feedback angles). table.csv / table.json are always the report's main table: the
/// sampling-network table, or — in a report of microcircuit sweeps only — the same rows as
/// micro_table.* (both names exist so that scripts can rely on either). Every figure comes
/// with `<name>.layout.json` (axes, tick labels, legends as drawn). The terminal gets a short
/// summary and the paths; the tables are in the files.
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

/// A number for the terminal: 3 significant digits.
fn g(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if !v.is_finite() {
        if v.is_nan() {
            "–".into()
        } else {
            "inf".into()
        }
    } else if (1e-2..1e4).contains(&v.abs()) {
        format!("{}", (v * 1000.0).round() / 1000.0)
    } else {
        format!("{v:.2e}")
    }
}

/// min … max of finite values, or one value.
fn span(vals: impl Iterator<Item = f64>) -> String {
    let v: Vec<f64> = vals.filter(|x| !x.is_nan()).collect();
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if v.is_empty() {
        "–".into()
    } else if lo == hi {
        g(lo)
    } else {
        format!("{} … {}", g(lo), g(hi))
    }
}

/// The terminal summary of a report: one line per scenario or learning rule, then where the
/// figures and tables are.
fn summary(
    report: &sal_experiments::report::Report,
    dest: &std::path::Path,
    made: &[String],
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let ssn_runs: usize = report
        .ssn
        .iter()
        .flat_map(|(_, ls)| ls.iter().map(|l| l.runs))
        .sum();
    if !report.ssn.is_empty() {
        let _ = writeln!(
            s,
            "sampling networks: {} scenario(s), {ssn_runs} finished run(s); final medians over the noise levels:",
            report.ssn.len()
        );
        let w = report
            .ssn
            .iter()
            .map(|(sc, _)| sc.plan.scenario.chars().count())
            .max()
            .unwrap_or(0);
        for (sc, ls) in &report.ssn {
            let runs: Vec<usize> = ls.iter().map(|l| l.runs).collect();
            let per = if runs.iter().all(|&r| r == runs[0]) {
                format!("{} × {}", ls.len(), runs.first().copied().unwrap_or(0))
            } else {
                format!("{} levels, {} runs", ls.len(), runs.iter().sum::<usize>())
            };
            let _ = writeln!(
                s,
                "  {:<w$}  {per:>8} runs  D_KL {}  asymmetry {}",
                sc.plan.scenario,
                span(ls.iter().filter_map(|l| l.final_dkl()).map(|q| q.median)),
                span(
                    ls.iter()
                        .filter_map(|l| l.final_asymmetry())
                        .map(|q| q.median)
                ),
            );
        }
    }
    if !report.micro.sweeps.is_empty() {
        let m = &report.micro;
        let _ = writeln!(
            s,
            "microcircuits: {} learning rule(s), {} finished run(s); final validation loss median [q25, q75]:",
            m.variants.len(),
            m.points.len()
        );
        for v in &m.variants {
            let q = v.final_loss;
            let _ = writeln!(
                s,
                "  {:<4} {:>3} runs  {} [{}, {}]",
                sal_experiments::report::micro::variant_label(&v.variant),
                v.runs,
                g(q.median),
                g(q.q25),
                g(q.q75)
            );
        }
    }
    if !report.convnet.stats.is_empty() {
        let c = &report.convnet;
        let _ = writeln!(
            s,
            "ConvNets: {} finished run(s); final test accuracy mean ± std, fc angles (mean):",
            c.points.len()
        );
        for st in &c.stats {
            let angles: Vec<String> = st
                .final_angles
                .iter()
                .map(|a| format!("{:.1}°", a.0))
                .collect();
            let _ = writeln!(
                s,
                "  {:<8} {:<8} {:>2} runs  {:.2} ± {:.2} %  {}",
                st.dataset,
                st.method,
                st.runs,
                st.final_accuracy.0,
                st.final_accuracy.1,
                angles.join(" / ")
            );
        }
    }
    if !report.salnet.stats.is_empty() {
        let _ = writeln!(
            s,
            "SALNets: {} finished run(s); final angle of each B_k with W_(k+1)ᵀ, median (min … max) over seeds:",
            report.salnet.points.len()
        );
        for st in &report.salnet.stats {
            let angles: Vec<String> = st
                .angle
                .iter()
                .map(|&(m, lo, hi)| format!("{m:.1}° ({lo:.1} … {hi:.1})"))
                .collect();
            let config = if st.config == "-" {
                String::new()
            } else {
                format!(" {}", st.config)
            };
            let _ = writeln!(
                s,
                "  {}{config} {:>2} runs  {}",
                st.sweep,
                st.runs,
                angles.join(" / ")
            );
        }
    }
    let d = dest.display();
    if !made.is_empty() || !report.ssn.is_empty() {
        let mut figs: Vec<String> = made
            .iter()
            .flat_map(|m| {
                if m == "fig8" {
                    // one Fig 8 per dataset
                    let mut ds: Vec<&str> = report
                        .convnet
                        .stats
                        .iter()
                        .map(|s| s.dataset.as_str())
                        .collect();
                    ds.dedup();
                    ds.iter().map(|d| format!("fig8_{d}.png")).collect()
                } else {
                    vec![format!("{m}.png")]
                }
            })
            .collect();
        figs.extend(
            report
                .ssn
                .iter()
                .map(|(sc, _)| format!("{}.png", sc.plan.scenario)),
        );
        let _ = writeln!(
            s,
            "figures: {} (each with .svg and .layout.json)",
            figs.join(", ")
        );
    }
    // (file, what it holds) of the kind-specific tables written
    let mut tables: Vec<(&str, &str)> = Vec::new();
    if !report.micro.sweeps.is_empty() {
        tables.push(("micro_table.csv", "microcircuits"));
    }
    if !report.convnet.points.is_empty() {
        tables.push((
            "fig8_table.csv",
            "accuracy and fc angles per dataset and method",
        ));
    }
    if !report.salnet.points.is_empty() {
        tables.push((
            "salnet_table.csv",
            "final feedback angles and correlations per configuration",
        ));
    }
    // table.csv repeats the first of these unless there are sampling networks
    let main = match (report.ssn.is_empty(), tables.first()) {
        (false, _) => {
            format!("{d}/table.csv and .json (final quartiles per scenario and noise level)")
        }
        (true, Some((file, _))) => format!("{d}/table.csv (= {file})"),
        (true, None) => format!("{d}/table.csv"),
    };
    let mut tables: Vec<String> = tables
        .iter()
        .map(|(file, what)| format!("{d}/{file} and .json ({what})"))
        .collect();
    tables.insert(0, main);
    tables.push(format!("{d}/long.csv (every run and validation point)"));
    let _ = writeln!(s, "tables:  {}", tables.join("; "));
    let _ = writeln!(s, "report written to {d}");
    s
}

/// Runs `sal report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let written = write(&args.dir, args.out.as_deref(), &mut |dir, report| {
        sal_plot::report_figures(dir, report)
    })?;
    let (report, dest, made) = (written.report, written.dest, written.figures);
    if let Some(why) = &written.figure_warning {
        crate::commands::figure_warning(&dest, why);
    }
    if !report.micro.sweeps.is_empty() && !made.iter().any(|m| m == "fig6") {
        eprintln!("warning: no microcircuit run has finished; no fig6");
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    eprint!("{}", summary(&report, &dest, &made));
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&report.point_rows()).expect("serialisable")
        );
    }
    Ok(())
}
