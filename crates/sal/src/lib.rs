//! # sal — spike-based alignment learning
//!
//! The science core of the toolkit: stochastic (escape-noise) spiking neurons in discrete time,
//! PSP kernels, STDP and SAL windows, pair accumulators, the exact analytic
//! spike-timing-difference distribution (STDD) of a reciprocally coupled pair, and the SAL
//! phase-plane analysis built on it.
//!
//! Pure and deterministic: no files, no terminal, no clock. Every random stream is derived
//! from a master seed (see [`rng`]).
//!
//! # One neuron, several simulators
//!
//! Every simulator uses the neuron of [`neuron`]: the escape rate ρ(u) = 1/(1 + t_ref·e^(−u))
//! (one function in two named roundings, [`neuron::EscapeRate`]), the 53-bit uniform
//! ([`neuron::uniform53`], compared with [`neuron::fire_threshold`]; as a double
//! [`neuron::unit53`]) and, for the event engine, the per-step hazard and Exp(1) budgets.
//! The discrete-time off-by-ones of the reference's four simulators are one explicit
//! [`conventions::Conventions`] value. The simulators differ in what they exploit, and
//! each experiment uses the one that is exact for it and fastest:
//!
//! | simulator | serves | why this one |
//! |---|---|---|
//! | [`engine::EventEngine`] | sampling networks (Figs 3–5, [`sampling::training`], default), two-neuron STDD and SAL with rectangular PSPs (Fig 2d) | membranes are piecewise constant, so the waiting time to a spike is drawn once per membrane change (integrated hazard, exact in law): work ∝ spikes × fan-out, not steps × N |
//! | [`engine::ClockEngine`] | the same experiments with `engine: clock`; the reference's per-step draw order | one uniform per eligible neuron and step, in the reference's order: the literal process, the oracle the event engine is tested against |
//! | [`two_neuron::TwoNeuronSim`] | two-neuron STDD and SAL (Fig 2) with `engine: clock`, and with any non-rectangular PSP kernel | a membrane depends only on the partner's age, so ρ is tabulated per age: one look-up and one draw per step, for kernels that change every step |
//! | [`salnet`] | SALNet (M4): layered networks whose feedback learns by SAL (Figs 7–9, the ConvNet's SAL phase) | many layers and batch copies with sparse activity: its own event-driven layer simulation (with a dense oracle), built on the same ρ, threshold and 53-bit draws |
//! | [`microcircuit`] | cortical microcircuits (Fig 6) | continuous-valued dendrites, moving averages and plasticity every step, driven by NumPy's streams with the reference's seeds: it replays the reference draw for draw, so ρ uses the reference's literal rounding ([`neuron::rho_reference`]) |
//!
//! [`stdd::analytic`] is the exact oracle of them all (the stationary STDD of a pair, Fig 2b/c/e).
//!
//! The exact STDD of a reciprocally coupled pair and its SAL values: with a stronger forward
//! weight (w12 > w21) the SAL window lowers w12 and raises w21, towards symmetry.
//!
//! ```
//! use sal::kernel::PspKernel;
//! use sal::stdd::Centre;
//! use sal::stdd::analytic::{Calculator, Pair};
//! use sal::window::Window;
//!
//! let t_ref = 10; // steps (the paper's 1 t_ref = 10 ms)
//! let calc = Calculator::new(PspKernel::rect(t_ref as f64), 8 * t_ref, t_ref);
//! let pair = Pair { w12: 0.5, w21: -0.5, b1: 0.0, b2: 0.0 };
//! // p(Δ) for the lags Δ = t1 − t2 = −79 … 79 steps; each side sums to 1/2
//! let stdd = calc.stdd(&pair, Centre::Zero).unwrap();
//! assert_eq!(stdd.lags().len(), 159);
//! let right: f64 = stdd.p[80..].iter().sum();
//! assert!((right - 0.5).abs() < 1e-12);
//! // the expected SAL updates of w12 and w21 per pair of spikes
//! let (sal_12, sal_21) = calc.sal(&pair, &Window::sal_exp(t_ref as f64)).unwrap();
//! assert!(sal_12 < 0.0 && sal_21 > 0.0);
//! ```
//!
//! The same pair, simulated and learning with SAL (only the feedback weight w21 is plastic;
//! a short version of Fig 2d): w21 moves towards w12.
//!
//! ```
//! use sal::two_neuron::{PairSal, Plastic, run_pair_sal};
//!
//! let mut cfg = PairSal::fig2d(Plastic::W21); // w12 = 1.5, w21 = 0.5 at the start
//! cfg.epochs = 100;
//! let tr = run_pair_sal(&cfg, 1); // seed 1: the same trajectory on every machine
//! assert_eq!(tr.w21.len(), 101);
//! assert_eq!(tr.w12[100], 1.5);
//! assert!((tr.w12[100] - tr.w21[100]).abs() < (tr.w12[0] - tr.w21[0]).abs());
//! ```
#![warn(missing_docs)]

pub mod control;
pub mod conventions;
pub mod dale;
pub mod engine;
pub mod kernel;
pub mod metrics;
pub mod microcircuit;
pub mod neuron;
pub mod pairing;
pub mod rdd;
pub mod rng;
pub mod rng_mt19937;
pub mod rng_numpy;
pub mod salnet;
pub mod sampling;
pub mod spikes;
pub mod spline;
pub mod stdd;
pub mod stdwi;
pub mod two_neuron;
mod vecops;
pub use vecops::transpose;
pub mod window;
