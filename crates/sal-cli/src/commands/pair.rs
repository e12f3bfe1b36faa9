//! `sal pair`: two-neuron SAL weight evolution (Fig 2d).

use clap::{Args, ValueEnum};
use sal_experiments::analytic::PairRequest;
use sal_experiments::error::Result;
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
    /// Initial weight of the synapse 2 → 1 (`W[0][1]`).
    #[arg(long, default_value_t = 1.5)]
    pub w12: f64,
    /// Initial weight of the synapse 1 → 2 (`W[1][0]`).
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
    /// The request these flags describe.
    pub fn request(&self) -> PairRequest {
        PairRequest {
            w12: self.w12,
            w21: self.w21,
            b1: self.b1,
            b2: self.b2,
            t_ref: self.t_ref,
            t_syn: self.t_syn,
            epochs: self.epochs,
            steps_per_epoch: self.steps_per_epoch,
            lr: self.lr,
            history: self.history,
            only_w21: matches!(self.plastic, PlasticArg::W21),
            seed: self.seed,
        }
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
    let req = args.request();
    let tr = req.run()?;
    let epochs = req.epochs;
    if args.json {
        let j = PairJson {
            w12: &tr.w12,
            w21: &tr.w21,
        };
        say!("{}", serde_json::to_string(&j).expect("serialisable"));
    } else {
        say!(
            "{:>8}  {:>10}  {:>10}  {:>10}",
            "epoch",
            "w12",
            "w21",
            "|w12-w21|"
        );
        let step = (epochs / 15).max(1);
        for e in (0..=epochs).step_by(step).chain(std::iter::once(epochs)) {
            say!(
                "{e:>8}  {:>10.4}  {:>10.4}  {:>10.4}",
                tr.w12[e],
                tr.w21[e],
                (tr.w12[e] - tr.w21[e]).abs()
            );
            if e == epochs {
                break;
            }
        }
    }
    Ok(())
}
