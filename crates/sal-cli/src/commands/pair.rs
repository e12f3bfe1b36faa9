//! `sal pair`: two-neuron SAL weight evolution (Fig 2d).

use crate::error::{CliError, Result, finite, positive};
use clap::{Args, ValueEnum};
use sal::stdd::analytic::Pair;
use sal::two_neuron::{PairSal, Plastic, Trajectory, run_pair_sal};
use sal::window::Window;
use serde::Serialize;

/// Which synapses learn.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlasticArg {
    /// Both w12 and w21 learn with SAL (their sum is conserved).
    Both,
    /// Only w21 learns: a feedback weight aligning to the fixed w12.
    W21,
}

/// Simulate two reciprocally coupled neurons (sampler conventions: minimum ISI t_ref + 1,
/// rectangular PSP of τ_syn steps) and let SAL change their weights.
///
/// Every epoch simulates --steps-per-epoch steps from a fresh state with the current
/// weights, accumulates all spike pairs with each neuron's last --history spikes under the
/// SAL window (A+ = −1, A− = +1, τ = t_ref), and adds lr · (t_ref / steps) times the sum.
/// Defaults are the paper's Fig 2d set-up.
#[derive(Args, Debug, Clone)]
#[command(allow_negative_numbers = true)]
pub struct PairArgs {
    /// Initial weight of the synapse 2 → 1 (W[0][1]).
    #[arg(long, default_value_t = 1.5)]
    pub w12: f64,
    /// Initial weight of the synapse 1 → 2 (W[1][0]).
    #[arg(long, default_value_t = 0.5)]
    pub w21: f64,
    /// Bias of neuron 1.
    #[arg(long, default_value_t = -0.5)]
    pub b1: f64,
    /// Bias of neuron 2.
    #[arg(long, default_value_t = -0.2)]
    pub b2: f64,
    /// Refractory period t_ref in steps (also the SAL window's τ).
    #[arg(long, default_value_t = 25)]
    pub t_ref: usize,
    /// Length of the rectangular PSP in steps (default t_ref).
    #[arg(long)]
    pub t_syn: Option<usize>,
    /// Number of epochs.
    #[arg(long, default_value_t = 1500)]
    pub epochs: usize,
    /// Simulated steps per epoch.
    #[arg(long, default_value_t = 1500)]
    pub steps_per_epoch: u64,
    /// Learning rate η.
    #[arg(long, default_value_t = 0.03)]
    pub lr: f64,
    /// Spikes per neuron kept for pairing (K).
    #[arg(long, default_value_t = 10)]
    pub history: usize,
    /// Which synapses learn.
    #[arg(long, value_enum, default_value = "both")]
    pub plastic: PlasticArg,
    /// Master seed.
    #[arg(long, default_value_t = 45)]
    pub seed: u64,
    /// Print {"w12": [...], "w21": [...]} (epochs + 1 values each) as JSON.
    #[arg(long)]
    pub json: bool,
}

impl PairArgs {
    /// Validates the flags into an experiment; errors name the flag.
    pub fn experiment(&self) -> Result<PairSal> {
        if self.t_ref < 1 {
            return Err(CliError::invalid("--t-ref", "must be at least 1 step"));
        }
        let t_syn = self.t_syn.unwrap_or(self.t_ref);
        if t_syn < 1 {
            return Err(CliError::invalid("--t-syn", "must be at least 1 step"));
        }
        if self.steps_per_epoch == 0 {
            return Err(CliError::invalid("--steps-per-epoch", "must be at least 1"));
        }
        if self.history == 0 {
            return Err(CliError::invalid("--history", "must be at least 1"));
        }
        if self.epochs > 10_000_000 {
            return Err(CliError::invalid("--epochs", "at most 10,000,000"));
        }
        let mut cfg = PairSal::fig2d(match self.plastic {
            PlasticArg::Both => Plastic::Both,
            PlasticArg::W21 => Plastic::W21,
        });
        cfg.init = Pair {
            w12: finite("--w12", self.w12)?,
            w21: finite("--w21", self.w21)?,
            b1: finite("--b1", self.b1)?,
            b2: finite("--b2", self.b2)?,
        };
        cfg.t_ref = self.t_ref;
        cfg.t_syn = t_syn;
        cfg.epochs = self.epochs;
        cfg.steps_per_epoch = self.steps_per_epoch;
        cfg.lr = positive("--lr", self.lr)?;
        cfg.history = self.history;
        cfg.window = Window::sal_exp(self.t_ref as f64);
        Ok(cfg)
    }
}

/// The stable JSON output of `sal pair --json`.
#[derive(Serialize)]
struct PairJson<'a> {
    w12: &'a [f64],
    w21: &'a [f64],
}

/// Runs `sal pair`.
pub fn run(args: PairArgs) -> Result<()> {
    let cfg = args.experiment()?;
    let tr: Trajectory = run_pair_sal(&cfg, args.seed);
    if args.json {
        let j = PairJson {
            w12: &tr.w12,
            w21: &tr.w21,
        };
        println!("{}", serde_json::to_string(&j).expect("serialisable"));
    } else {
        println!(
            "{:>8}  {:>10}  {:>10}  {:>10}",
            "epoch", "w12", "w21", "|w12-w21|"
        );
        let step = (cfg.epochs / 15).max(1);
        for e in (0..=cfg.epochs)
            .step_by(step)
            .chain(std::iter::once(cfg.epochs))
        {
            println!(
                "{e:>8}  {:>10.4}  {:>10.4}  {:>10.4}",
                tr.w12[e],
                tr.w21[e],
                (tr.w12[e] - tr.w21[e]).abs()
            );
            if e == cfg.epochs {
                break;
            }
        }
    }
    Ok(())
}
