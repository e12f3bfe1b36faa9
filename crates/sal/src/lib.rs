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
//! Which simulator serves which experiment: [`stdd::analytic`] is the exact oracle (the
//! stationary STDD of a pair, Fig 2b/c/e); [`two_neuron`] simulates a learning pair (Fig 2d);
//! [`sampling`] trains spiking sampling networks (Fig 4/5) on the [`engine`]s; [`microcircuit`]
//! runs the cortical microcircuits (Fig 6).
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
pub mod rng;
pub mod rng_numpy;
pub mod sampling;
pub mod spikes;
pub mod spline;
pub mod stdd;
pub mod two_neuron;
pub mod window;
