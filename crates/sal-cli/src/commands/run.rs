//! `sal run`: one experiment from a parameter file into a run directory.

use crate::error::{CliError, Result};
use crate::experiment::prepare;
use crate::out::OutDir;
use clap::Args;
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
    /// Only validate and print the resolved configuration.
    #[arg(long)]
    pub dry_run: bool,
    /// Output directory (default: runs/<scenario>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output directory.
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// The overrides plus `engine=…` for an `--engine` flag (checked here so the message
/// names the flag).
pub fn with_engine(sets: &[String], engine: Option<&str>) -> Result<Vec<String>> {
    let mut out = sets.to_vec();
    if let Some(e) = engine {
        if sal::engine::EngineKind::parse(e).is_none() {
            return Err(CliError::invalid(
                "--engine",
                format!("'{e}' is not an engine (clock or event)"),
            ));
        }
        out.push(format!("engine={e}"));
    }
    Ok(out)
}

/// Runs `sal run`.
pub fn run(args: RunArgs) -> Result<()> {
    if !args.file.exists() {
        return Err(CliError::invalid(
            "FILE",
            format!("{} does not exist", args.file.display()),
        ));
    }
    let init = args
        .init
        .as_deref()
        .map(|p| (p, args.init_index.unwrap_or(0)));
    let sets = with_engine(&args.sets, args.engine.as_deref())?;
    let exp = prepare(&args.file, &sets, init)?;
    if args.dry_run {
        print!("{}", exp.resolved_yaml());
        return Ok(());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(exp.name()));
    let dir = OutDir::create(&out, args.force)?;
    let summary = exp.run_into(&dir, true, args.quiet)?;
    let dest = dir.finish()?;
    eprintln!("{}: {summary} → {}", exp.name(), dest.display());
    Ok(())
}
