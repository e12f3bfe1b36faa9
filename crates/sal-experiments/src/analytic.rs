//! The analytic and two-neuron computations behind `sal stdd` and `sal pair` (and Python's
//! `sal.stdd` / `sal.pair`): validated requests in, plain values out. Errors name the
//! command-line flag (`--t-max`); front ends with other spellings translate the name.

use crate::error::{Error, Result, finite, positive};
use sal::conventions::{Conventions, MinIsi};
use sal::engine::EngineKind;
use sal::kernel::{Psp, PspKernel};
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::{Centre, Stdd};
use sal::two_neuron::{PairSal, Plastic, Trajectory, default_engine, run_pair_sal, simulate_stdd};
use sal::window::Window;
use serde::Serialize;

/// An STDD request: the STDD p(Δ), Δ = t_1 − t_2 (steps), of two reciprocally coupled
/// stochastic neurons and the SAL updates it implies (see `sal stdd --help`).
#[derive(Debug, Clone, PartialEq)]
pub struct StddRequest {
    /// Weight of the synapse 2 → 1.
    pub w12: f64,
    /// Weight of the synapse 1 → 2.
    pub w21: f64,
    /// Bias of neuron 1.
    pub b1: f64,
    /// Bias of neuron 2.
    pub b2: f64,
    /// Refractory period t_ref (steps).
    pub t_ref: usize,
    /// Synaptic time constant τ_syn (steps; default t_ref).
    pub t_syn: Option<f64>,
    /// T: lags −(T−1) … T−1 (default 3·t_ref).
    pub t_max: Option<usize>,
    /// PSP kernel.
    pub psp: Psp,
    /// SAL window amplitude of the causal side (Δ > 0).
    pub window_a_plus: f64,
    /// SAL window amplitude of the anti-causal side (Δ < 0).
    pub window_a_minus: f64,
    /// SAL window time constant of the causal side (steps; default t_ref).
    pub window_tau_plus: Option<f64>,
    /// SAL window time constant of the anti-causal side (steps; default t_ref).
    pub window_tau_minus: Option<f64>,
    /// Minimum inter-spike interval.
    pub min_isi: MinIsi,
    /// Estimate from a simulation instead of the exact chain.
    pub simulate: bool,
    /// Simulated steps.
    pub steps: u64,
    /// Simulation engine (`clock` / `event`; default by kernel).
    pub engine: Option<String>,
    /// Master seed of the simulation.
    pub seed: u64,
}

impl Default for StddRequest {
    /// The command line's defaults (w12 = w21 = 0).
    fn default() -> Self {
        StddRequest {
            w12: 0.0,
            w21: 0.0,
            b1: 0.0,
            b2: 0.0,
            t_ref: 10,
            t_syn: None,
            t_max: None,
            psp: Psp::Rect,
            window_a_plus: -1.0,
            window_a_minus: 1.0,
            window_tau_plus: None,
            window_tau_minus: None,
            min_isi: MinIsi::TRef,
            simulate: false,
            steps: 10_000_000,
            engine: None,
            seed: 0,
        }
    }
}

/// The validated problem of an STDD request.
pub struct StddProblem {
    /// The calculator (kernel, T, t_ref, conventions).
    pub calc: Calculator,
    /// Weights and biases.
    pub pair: Pair,
    /// The SAL window.
    pub window: Window,
}

/// The result of an STDD request (the stable JSON of `sal stdd --json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StddResult {
    /// Lags −(T−1) … T−1 in steps.
    pub lag: Vec<i64>,
    /// p per lag; `null` (None) at lag 0.
    pub p: Vec<Option<f64>>,
    /// Expected update of w12.
    pub sal_12: f64,
    /// Expected update of w21.
    pub sal_21: f64,
}

impl StddRequest {
    /// Validates the request; errors name the flag.
    pub fn problem(&self) -> Result<StddProblem> {
        let pair = Pair {
            w12: finite("--w12", self.w12)?,
            w21: finite("--w21", self.w21)?,
            b1: finite("--b1", self.b1)?,
            b2: finite("--b2", self.b2)?,
        };
        if self.t_ref < 1 {
            return Err(Error::invalid("--t-ref", "must be at least 1 step"));
        }
        let t_ref = self.t_ref;
        let t_syn = positive("--t-syn", self.t_syn.unwrap_or(t_ref as f64))?;
        let min_isi = self.min_isi;
        let t_max = self.t_max.unwrap_or(3 * t_ref);
        if t_max <= t_ref || t_max < min_isi.steps(t_ref) {
            return Err(Error::invalid(
                "--t-max",
                format!(
                    "must be greater than --t-ref and at least the minimum inter-spike interval ({} steps with --min-isi {} and --t-ref {t_ref}); got {t_max}",
                    min_isi.steps(t_ref),
                    min_isi.name()
                ),
            ));
        }
        if t_max > 5000 {
            return Err(Error::invalid(
                "--t-max",
                format!("at most 5000 (got {t_max})"),
            ));
        }
        let window = Window::exp(
            finite("--window-a-plus", self.window_a_plus)?,
            finite("--window-a-minus", self.window_a_minus)?,
            positive(
                "--window-tau-plus",
                self.window_tau_plus.unwrap_or(t_ref as f64),
            )?,
            positive(
                "--window-tau-minus",
                self.window_tau_minus.unwrap_or(t_ref as f64),
            )?,
        );
        if self.simulate && self.steps == 0 {
            return Err(Error::invalid("--steps", "must be at least 1"));
        }
        let mut calc = Calculator::new(PspKernel::new(self.psp, t_ref as f64, t_syn), t_max, t_ref);
        calc.conventions = Conventions::analytic_with(min_isi);
        calc.validate(Some(&pair))
            .map_err(|e| Error::invalid("stdd parameters", e.to_string()))?;
        Ok(StddProblem { calc, pair, window })
    }

    /// Computes the STDD (exact, or simulated with `simulate`) and its SAL values.
    pub fn compute(&self) -> Result<(StddProblem, StddResult)> {
        let prob = self.problem()?;
        let s = if self.simulate {
            let engine = match self.engine.as_deref() {
                None => default_engine(&prob.calc.kernel),
                Some(e) => EngineKind::parse(e).ok_or_else(|| {
                    Error::invalid(
                        "--engine",
                        format!("'{e}' is not an engine (clock or event)"),
                    )
                })?,
            };
            simulate_stdd(
                &prob.calc,
                &prob.pair,
                self.steps,
                self.seed,
                Centre::Zero,
                engine,
            )
            .map_err(|e| Error::invalid("--engine", e.to_string()))?
        } else {
            prob.calc
                .stdd(&prob.pair, Centre::Zero)
                .map_err(|e| Error::invalid("stdd parameters", e.to_string()))?
        };
        let out = stdd_result(&s, &prob.window);
        Ok((prob, out))
    }
}

/// The result object of an STDD (`null` at lag 0).
pub fn stdd_result(s: &Stdd, window: &Window) -> StddResult {
    let (sal_12, sal_21) = s.sal(window);
    let c = s.t_max() - 1;
    StddResult {
        lag: s.lags(),
        p: s.p
            .iter()
            .enumerate()
            .map(|(k, &v)| if k == c { None } else { Some(v) })
            .collect(),
        sal_12,
        sal_21,
    }
}

/// A SAL phase-plane request (Fig 2e, `stdd.md` §7): the expected SAL updates (sal_12,
/// sal_21) of the exact STDD over an n×n grid of weight pairs (w12, w21), both weights on
/// the axis `w_min … w_max` (n equally spaced values), for the biases, kernel, T, t_ref and
/// window of `stdd` (its w12, w21, `simulate`, `steps`, `engine` and `seed` are not used).
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePlaneRequest {
    /// Biases, kernel, T, t_ref, conventions and SAL window.
    pub stdd: StddRequest,
    /// First value of the weight axis.
    pub w_min: f64,
    /// Last value of the weight axis.
    pub w_max: f64,
    /// Number of values on the weight axis (≥ 2).
    pub n: usize,
}

impl PhasePlaneRequest {
    /// The paper's Fig 2e: a 17×17 grid over −2 … 2 (step 0.25), T = 30, t_ref = τ_syn = 15
    /// steps, rect PSP, zero biases, window A+ = −1, A− = +1, τ± = t_ref.
    pub fn fig2e() -> PhasePlaneRequest {
        PhasePlaneRequest {
            stdd: StddRequest {
                t_ref: 15,
                t_max: Some(30),
                ..StddRequest::default()
            },
            w_min: -2.0,
            w_max: 2.0,
            n: 17,
        }
    }

    /// The weight axis (NumPy's `linspace(w_min, w_max, n)`).
    pub fn axis(&self) -> Vec<f64> {
        sal::stdd::ppd::linspace(self.w_min, self.w_max, self.n)
    }

    /// Validates the request and computes the phase plane (grid rows in parallel; the
    /// result does not depend on the number of threads). Errors name the flag.
    pub fn compute(&self) -> Result<sal::stdd::ppd::PhasePlane> {
        let prob = self.stdd.problem()?;
        let (lo, hi) = (
            finite("--w-min", self.w_min)?,
            finite("--w-max", self.w_max)?,
        );
        if hi <= lo {
            return Err(Error::invalid(
                "--w-max",
                format!("must be greater than --w-min (got {hi} ≤ {lo})"),
            ));
        }
        if !(2..=1000).contains(&self.n) {
            return Err(Error::invalid(
                "--n",
                format!("must be 2 … 1000 grid values (got {})", self.n),
            ));
        }
        sal::stdd::ppd::phase_plane(
            &prob.calc,
            prob.pair.b1,
            prob.pair.b2,
            &self.axis(),
            &prob.window,
        )
        .map_err(|e| Error::invalid("stdd parameters", e.to_string()))
    }
}

/// A two-neuron SAL request (Fig 2d; see `sal pair --help`).
#[derive(Debug, Clone, PartialEq)]
pub struct PairRequest {
    /// Initial w12 (synapse 2 → 1).
    pub w12: f64,
    /// Initial w21 (synapse 1 → 2).
    pub w21: f64,
    /// Bias of neuron 1.
    pub b1: f64,
    /// Bias of neuron 2.
    pub b2: f64,
    /// Refractory period t_ref (steps; also the window's τ).
    pub t_ref: usize,
    /// Rectangular PSP length (steps; default t_ref).
    pub t_syn: Option<usize>,
    /// Epochs.
    pub epochs: usize,
    /// Simulated steps per epoch.
    pub steps_per_epoch: u64,
    /// Learning rate η.
    pub lr: f64,
    /// Spikes per neuron kept for pairing (K).
    pub history: usize,
    /// Only w21 learns (a feedback weight aligning to the fixed w12).
    pub only_w21: bool,
    /// Master seed.
    pub seed: u64,
}

impl Default for PairRequest {
    /// The paper's Fig 2d set-up.
    fn default() -> Self {
        PairRequest {
            w12: 1.5,
            w21: 0.5,
            b1: -0.5,
            b2: -0.2,
            t_ref: 25,
            t_syn: None,
            epochs: 1500,
            steps_per_epoch: 1500,
            lr: 0.03,
            history: 10,
            only_w21: false,
            seed: 45,
        }
    }
}

impl PairRequest {
    /// Validates the request; errors name the flag.
    pub fn experiment(&self) -> Result<PairSal> {
        if self.t_ref < 1 {
            return Err(Error::invalid("--t-ref", "must be at least 1 step"));
        }
        let t_syn = self.t_syn.unwrap_or(self.t_ref);
        if t_syn < 1 {
            return Err(Error::invalid("--t-syn", "must be at least 1 step"));
        }
        if self.steps_per_epoch == 0 {
            return Err(Error::invalid("--steps-per-epoch", "must be at least 1"));
        }
        if self.history == 0 {
            return Err(Error::invalid("--history", "must be at least 1"));
        }
        if self.epochs > 10_000_000 {
            return Err(Error::invalid("--epochs", "at most 10,000,000"));
        }
        let mut cfg = PairSal::fig2d(if self.only_w21 {
            Plastic::W21
        } else {
            Plastic::Both
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

    /// Runs the two-neuron simulation: the weights after every epoch (epochs + 1 values,
    /// the first the initial ones).
    pub fn run(&self) -> Result<Trajectory> {
        Ok(run_pair_sal(&self.experiment()?, self.seed))
    }
}
