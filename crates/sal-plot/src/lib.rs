//! # sal-plot — the figures of sal
//!
//! The plot kit ([`kit`]: a declarative [`kit::Figure`] of panels drawn to PNG and SVG with
//! plotters and an embedded font) and every figure: the paper's analytic and two-neuron
//! figures ([`figures`]: Fig 2c–e, 10, 11, 12), the figure of one run of each experiment kind
//! ([`run_figures`]) and the figures of a report ([`report_figures`]: Fig 4, 5, 6 and the
//! per-scenario panels). Figures are drawn from the values `sal-experiments` returns, after
//! the results are on disk.
#![warn(missing_docs)]

pub mod figures;
pub mod kit;

use sal_experiments::error::Result;
use sal_experiments::experiment::{Experiment, Outcome};
use sal_experiments::micro::MicroOutcome;
use sal_experiments::out::OutDir;
use sal_experiments::report::Report;
use sal_experiments::salnet::SalNetOutcome;
use sal_experiments::ssn::SsnOutcome;

/// Draws the figures of one run (`figures/run.png|svg`) into `dir`, by the run's kind.
pub fn run_figures(_exp: &dyn Experiment, out: &dyn Outcome, dir: &OutDir) -> Result<()> {
    let any = out.as_any();
    if let Some(o) = any.downcast_ref::<SsnOutcome>() {
        return figures::ssn_run(dir, &o.experiment, &o.record);
    }
    if let Some(o) = any.downcast_ref::<sal_experiments::convnet::ConvNetOutcome>() {
        return figures::convnet::run(dir, o);
    }
    if let Some(o) = any.downcast_ref::<SalNetOutcome>() {
        return figures::salnet::salnet_run(dir, "figures/run", o);
    }
    if let Some(o) = any.downcast_ref::<MicroOutcome>() {
        return figures::micro::run(dir, &o.experiment, &o.spec, &o.targets, &o.result);
    }
    Ok(())
}

/// Draws the figures of a report into `dir` and returns the names of the paper figures made
/// (`fig4`, `fig5`, `fig6`, …).
pub fn report_figures(dir: &OutDir, report: &Report) -> Result<Vec<String>> {
    for (s, ls) in &report.ssn {
        figures::report::scenario(dir, s, ls)?;
    }
    let mut made = figures::report::families(dir, &report.ssn)?;
    if !report.micro.sweeps.is_empty() && figures::fig6::fig6(dir, &report.micro)? {
        made.push("fig6".into());
    }
    if !report.convnet.points.is_empty() && figures::fig8::fig8(dir, &report.convnet)? {
        made.push("fig8".into());
    }
    if figures::salnet::report(dir, &report.salnet)? {
        made.push("salnet".into());
    }
    Ok(made)
}
