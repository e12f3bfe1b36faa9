//! `sal run`: one experiment from a parameter file into a run directory.

use crate::progress::Term;
use clap::Args;
use sal_experiments::error::{Error, Result};
use sal_experiments::experiment::{Limits, Source, run_to_dir, with_engine};
use sal_experiments::kinds::prepare;
use sal_experiments::progress::Ctx;
use std::path::PathBuf;

/// Run an experiment from a YAML parameter file (the paper's files work unchanged).
///
/// Sampling-network files (`params/ssn*/…/exp.yaml`, the minimal example): writes
/// DIR/config.resolved.yaml, metrics.json (validation_iteration, dkl, asymmetry), arrays.npz
/// (weights, biases, sampled and target distributions per validation iteration), run.json
/// (timing) and figures/.
///
/// Cortical-microcircuit files (`params/microcircuits/…`, any `dims`): runs the teacher, then
/// the student; metrics.json holds validation_loss (per epoch, nudged output as in the
/// reference), validation_loss_free, weights (W10, W21, B12, … per epoch, first = initial)
/// and angle_deg (W_down vs W_up(next)ᵀ per hidden layer); arrays.npz the per-pattern
/// outputs, rates, recorded quantities and the weights per epoch. --init takes a
/// `microcircuits_*_initial_conditions.json` run (seeds, weights, pattern schedule).
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// The experiment file.
    pub file: PathBuf,
    /// Simulation engine (same as --set engine=…): event (default, exact, per spike) or
    /// clock (per step, the reference's procedure).
    #[arg(long, value_name = "clock|event")]
    pub engine: Option<String>,
    /// Override a key: KEY.PATH=VALUE (repeatable), validated like the file.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
    /// Take target and initial parameters from a derived initial-conditions file.
    #[arg(long, value_name = "FILE")]
    pub init: Option<PathBuf>,
    /// Run index in the --init file.
    #[arg(long, value_name = "K", requires = "init")]
    pub init_index: Option<usize>,
    /// Only validate, print the resolved configuration and an estimate of the work.
    #[arg(long)]
    pub dry_run: bool,
    /// Memory a run may use, in GiB (estimated from synapses, state and recorders before
    /// it starts; default 80 % of this machine's memory).
    #[arg(long, value_name = "GIB")]
    pub max_memory: Option<f64>,
    /// Output directory (default: `runs/<scenario>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output directory (only a run directory made by sal that holds no
    /// input of this command).
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `sal run`.
pub fn run(args: RunArgs) -> Result<()> {
    if !args.file.exists() {
        return Err(Error::invalid(
            "FILE",
            format!("{} does not exist", args.file.display()),
        ));
    }
    let init = args
        .init
        .as_deref()
        .map(|p| (p, args.init_index.unwrap_or(0)));
    let sets = with_engine(&args.sets, args.engine.as_deref())?;
    let exp = prepare(&args.file, &sets, init, &Limits::gib(args.max_memory)?)?;
    if args.dry_run {
        print!("{}", exp.resolved_yaml());
        eprintln!(
            "{}: {:.3e} simulated {} (about {} on one core, from the measured throughput)",
            exp.name(),
            exp.total_work() as f64,
            exp.work_unit(),
            crate::commands::seconds(exp.as_ref()).map_or_else(
                || "time not estimated for this kind".into(),
                super::duration
            )
        );
        return Ok(());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(exp.name()));
    let term = Term { quiet: args.quiet };
    let ctx = Ctx::new(&term, crate::stop());
    let done = run_to_dir(
        exp.as_ref(),
        &Source::File(&args.file),
        args.init.as_deref(),
        &out,
        args.force,
        &ctx,
        &mut |e, o, d| sal_plot::run_figures(e, o, d),
    )?;
    if let Some(why) = &done.figure_warning {
        crate::commands::figure_warning(&out, why);
    }
    let (dest, outcome) = (done.dest, done.outcome);
    eprintln!("{}: {} → {}", exp.name(), outcome.summary(), dest.display());
    Ok(())
}
