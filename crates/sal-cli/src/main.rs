//! `sal` — spike-based alignment learning from the command line.
//!
//! Subcommands compute the paper's analytic STDDs and phase planes, simulate neuron pairs,
//! draw the figures and run benchmarks. Invalid input exits with code 2 and one message
//! naming the flag; nothing is written then.

mod commands;
mod config;
mod error;
mod experiment;
mod figures;
mod micro;
mod out;
mod plot;
mod progress;
mod report;
mod report_micro;
mod sweep;

use clap::{Parser, Subcommand};

/// Spike-based alignment learning (SAL): weight transport in spiking networks.
#[derive(Parser, Debug)]
#[command(name = "sal", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run an experiment from a YAML parameter file into a run directory.
    ///
    /// Spiking sampling networks (params/ssn*/…/exp.yaml; Fig 4/5) and cortical
    /// microcircuits (params/microcircuits/…; Fig 6, any dims) run from the paper's files
    /// unchanged. The run directory holds config.resolved.yaml, metrics.json, arrays.npz,
    /// run.json and figures/.
    Run(commands::run::RunArgs),
    /// Spike-timing-difference distribution (STDD) of a coupled pair: exact, or simulated.
    Stdd(commands::stdd::StddArgs),
    /// Two-neuron SAL weight evolution (Fig 2d): simulate, learn, print the weights.
    Pair(commands::pair::PairArgs),
    /// Draw a figure of the paper (PNG + SVG) with its data (.npz + JSON).
    Figure(commands::figure::FigureArgs),
    /// Run a scenario over a grid of parameters (in parallel, resumable).
    ///
    /// --paper: the reference's grid and seeds (sampling networks: noise levels × seed
    /// indices; microcircuits: runs k = 0 … --seeds−1 of the variant).
    Sweep(commands::sweep::SweepArgs),
    /// Figures and tables from sweep directories.
    ///
    /// Sampling networks: per-scenario figures, Fig 4 / Fig 5 when a noise family's scenarios
    /// are present, table.csv/json. Microcircuits: Fig 6 (SAL, BP, FA: validation loss
    /// median + IQR, one SAL run's weights, final distributions; angle panels for bigger
    /// nets) and micro_table.csv/json.
    Report(commands::report::ReportArgs),
    /// Benchmarks: medians of repeated runs and ratios to the reference implementation.
    Bench(commands::bench::BenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => commands::run::run(a),
        Command::Stdd(a) => commands::stdd::run(a),
        Command::Pair(a) => commands::pair::run(a),
        Command::Figure(a) => commands::figure::run(a),
        Command::Sweep(a) => commands::sweep::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Bench(a) => commands::bench::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
