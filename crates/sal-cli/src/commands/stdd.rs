//! `sal stdd`: the STDD of a reciprocally coupled pair and its SAL values.

use clap::{Args, ValueEnum};
use sal::conventions::MinIsi;
use sal::kernel::Psp;
use sal_experiments::analytic::StddRequest;
use sal_experiments::error::Result;

/// PSP shape on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PspArg {
    /// Rectangle of length t_ref (τ_syn ignored).
    Rect,
    /// Exponential, area over [0, t_ref] = t_ref.
    Exp,
    /// Exponential truncated after t_ref.
    Cutoff,
    /// Rectangle up to t_ref, exponential tail beyond.
    Tail,
    /// Alpha function, area t_ref, peak at τ_syn.
    Alpha,
}

impl From<PspArg> for Psp {
    fn from(p: PspArg) -> Psp {
        match p {
            PspArg::Rect => Psp::Rect,
            PspArg::Exp => Psp::Exp,
            PspArg::Cutoff => Psp::Cutoff,
            PspArg::Tail => Psp::Tail,
            PspArg::Alpha => Psp::Alpha,
        }
    }
}

/// Minimum inter-spike interval on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MinIsiArg {
    /// t_ref steps (the reference calculator, microcircuits).
    #[value(name = "tref")]
    TRef,
    /// t_ref + 1 steps (the reference sampler).
    #[value(name = "tref+1")]
    TRefPlus1,
}

impl From<MinIsiArg> for MinIsi {
    fn from(m: MinIsiArg) -> MinIsi {
        match m {
            MinIsiArg::TRef => MinIsi::TRef,
            MinIsiArg::TRefPlus1 => MinIsi::TRefPlus1,
        }
    }
}

/// Compute the spike-timing-difference distribution p(Δ), Δ = t_1 − t_2 (steps), of two
/// reciprocally coupled stochastic neurons, and the SAL updates it implies.
///
/// Neuron 1 receives w12 (synapse 2 → 1), neuron 2 receives w21. Positive lags mean neuron
/// 1 fired after neuron 2; each half of p sums to 0.5. By default p is the exact
/// distribution of the analytic Markov chain; with --simulate it is estimated from a
/// simulation under the same conventions.
#[derive(Args, Debug, Clone)]
#[command(allow_negative_numbers = true)]
pub struct StddArgs {
    /// Weight of the synapse 2 → 1.
    #[arg(long)]
    pub w12: f64,
    /// Weight of the synapse 1 → 2.
    #[arg(long)]
    pub w21: f64,
    /// Bias of neuron 1.
    #[arg(long, default_value_t = 0.0)]
    pub b1: f64,
    /// Bias of neuron 2.
    #[arg(long, default_value_t = 0.0)]
    pub b2: f64,
    /// Refractory period t_ref in steps.
    #[arg(long, default_value_t = 10)]
    pub t_ref: usize,
    /// Synaptic time constant τ_syn in steps (exp/cutoff/tail/alpha; default t_ref).
    #[arg(long)]
    pub t_syn: Option<f64>,
    /// T: lags run over −(T−1) … T−1 (must exceed the minimum ISI; default 3·t_ref).
    #[arg(long)]
    pub t_max: Option<usize>,
    /// PSP kernel.
    #[arg(long, value_enum, default_value = "rect")]
    pub psp: PspArg,
    /// SAL window amplitude of the causal side (Δ > 0).
    #[arg(long, default_value_t = -1.0)]
    pub window_a_plus: f64,
    /// SAL window amplitude of the anti-causal side (Δ < 0).
    #[arg(long, default_value_t = 1.0)]
    pub window_a_minus: f64,
    /// SAL window time constant of the causal side in steps (default t_ref).
    #[arg(long)]
    pub window_tau_plus: Option<f64>,
    /// SAL window time constant of the anti-causal side in steps (default t_ref).
    #[arg(long)]
    pub window_tau_minus: Option<f64>,
    /// Minimum inter-spike interval: t_ref (reference calculator) or t_ref+1 (sampler).
    #[arg(long, value_enum, default_value = "tref")]
    pub min_isi: MinIsiArg,
    /// Estimate the STDD from a simulation instead of the exact chain.
    #[arg(long)]
    pub simulate: bool,
    /// Simulated steps (with --simulate).
    #[arg(long, default_value_t = 10_000_000)]
    pub steps: u64,
    /// Simulation engine with --simulate: event (rect PSP only; the default there) or clock
    /// (any kernel; the default for the others).
    #[arg(long, value_name = "clock|event")]
    pub engine: Option<String>,
    /// Master seed of the simulation (with --simulate).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object {"lag", "p", "sal_12", "sal_21"} instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl StddArgs {
    /// The request these flags describe.
    pub fn request(&self) -> StddRequest {
        StddRequest {
            w12: self.w12,
            w21: self.w21,
            b1: self.b1,
            b2: self.b2,
            t_ref: self.t_ref,
            t_syn: self.t_syn,
            t_max: self.t_max,
            psp: self.psp.into(),
            window_a_plus: self.window_a_plus,
            window_a_minus: self.window_a_minus,
            window_tau_plus: self.window_tau_plus,
            window_tau_minus: self.window_tau_minus,
            min_isi: self.min_isi.into(),
            simulate: self.simulate,
            steps: self.steps,
            engine: self.engine.clone(),
            seed: self.seed,
        }
    }
}

/// Runs `sal stdd`.
pub fn run(args: StddArgs) -> Result<()> {
    let (prob, out) = args.request().compute()?;
    if args.json {
        say!("{}", serde_json::to_string(&out).expect("serialisable"));
    } else {
        let source = if args.simulate {
            format!("simulated, {} steps, seed {}", args.steps, args.seed)
        } else {
            "exact".to_string()
        };
        say!(
            "STDD ({source}; psp {}, T = {}, t_ref = {}, min ISI {}): w12 = {}, w21 = {}, b1 = {}, b2 = {}",
            Psp::from(args.psp),
            prob.calc.t_max,
            prob.calc.t_ref,
            prob.calc.conventions.min_isi.name(),
            prob.pair.w12,
            prob.pair.w21,
            prob.pair.b1,
            prob.pair.b2
        );
        say!("{:>6}  {:>12}", "lag", "p");
        for (l, p) in out.lag.iter().zip(&out.p) {
            match p {
                Some(p) => say!("{l:>6}  {p:>12.6e}"),
                None => say!("{l:>6}  {:>12}", "-"),
            }
        }
        say!("sal_12 = {:.6e}   sal_21 = {:.6e}", out.sal_12, out.sal_21);
    }
    Ok(())
}
