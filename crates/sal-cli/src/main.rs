//! `sal` — spike-based alignment learning from the command line.
//!
//! A thin shell: argument parsing, progress display and signal handling; every computation
//! lives in `sal` (the science), `sal-experiments` (experiments, run directories, sweeps,
//! reports) and `sal-plot` (figures). Invalid input exits with code 2 and one message naming
//! the flag, key or file; nothing is written then. Ctrl-C (SIGINT) and SIGTERM stop a run or
//! a sweep within about a second, remove its partial output and exit with 130 / 143.

/// Prints a line to standard output. A closed pipe (`sal stdd … | head`) ends the program
/// quietly with exit code 0, as Unix tools do, instead of a panic.
macro_rules! say {
    ($($t:tt)*) => {
        $crate::say_line(format_args!($($t)*))
    };
}

mod commands;
mod progress;

use clap::{Parser, Subcommand};
use sal_experiments::progress::Stop;
use std::io::Write as _;
use std::sync::OnceLock;

/// See [`say!`].
pub fn say_line(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// The process's stop request, set by SIGINT / SIGTERM.
pub fn stop() -> &'static Stop {
    static STOP: OnceLock<Stop> = OnceLock::new();
    STOP.get_or_init(Stop::new)
}

/// First SIGINT / SIGTERM: ask the computation to stop (it cleans up and exits with
/// 128 + signal). A second one ends the process at once.
fn install_signal_handlers() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = stop().flag();
    for sig in [SIGINT, SIGTERM] {
        let hit = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        // a second signal while the first is being handled: default action (terminate)
        let _ = signal_hook::flag::register_conditional_default(sig, hit.clone());
        let _ = signal_hook::flag::register(sig, hit);
        let _ = signal_hook::flag::register_usize(sig, flag.clone(), sig as usize);
    }
}

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
    /// nets) and micro_table.csv/json. Every report: long.csv (one row per point and
    /// validation point).
    Report(commands::report::ReportArgs),
    /// Benchmarks: medians of repeated runs and ratios to the reference implementation.
    Bench(commands::bench::BenchArgs),
}

fn main() {
    install_signal_handlers();
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
