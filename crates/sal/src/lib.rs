//! # sal — spike-based alignment learning
//!
//! The science core of the toolkit: stochastic (escape-noise) spiking neurons in discrete time,
//! PSP kernels, STDP and SAL windows, pair accumulators, the exact analytic
//! spike-timing-difference distribution (STDD) of a reciprocally coupled pair, and the SAL
//! phase-plane analysis built on it.
//!
//! Pure and deterministic: no files, no terminal, no clock. Every random stream is derived
//! from a master seed (see [`rng`]).
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
pub mod window;
