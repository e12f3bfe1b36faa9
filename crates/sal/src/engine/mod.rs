//! Networks of stochastic spiking neurons and the engines that simulate them.
//!
//! A [`Network`] holds N escape-rate neurons (biases, weights W\[post\]\[pre\]), a rectangular
//! PSP of `psp_len` steps and the discrete-time [`Conventions`]. A spike of neuron j at step
//! s raises the membrane of every neuron i by W\[i\]\[j\] for the spike decisions at lags
//! x = t − s with 0 ≤ x − psp_delay < psp_len (and x ≥ 1): lags 1 … τ_syn − 1 for the sampler
//! M1 (psp_len = τ_syn, delay 0), 1 … τ_syn for the microcircuits M3 (delay 1). PSPs of
//! successive spikes of one neuron add up (the reference keeps 10 spikes; with τ_syn ≤ t_ref
//! + 1 at most one is ever active).
//!
//! Engines stream spikes to a [`SpikeSink`]; they never store spike trains.

use crate::conventions::Conventions;
use crate::rng::SimRng;
use crate::spikes::SpikeSink;
use thiserror::Error;

/// An invalid network.
#[derive(Debug, Error, PartialEq)]
pub enum NetworkError {
    /// Matrix or vector sizes do not match N.
    #[error("{what} has {got} entries, expected {expected}")]
    Shape {
        /// Which array.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// A weight or bias is NaN or infinite.
    #[error("{what}[{index}] is not finite")]
    NotFinite {
        /// Which array.
        what: &'static str,
        /// The entry.
        index: usize,
    },
    /// t_ref must be at least one step.
    #[error("t_ref must be at least 1 step")]
    TRef,
    /// Only PSP delays 0 and 1 are supported.
    #[error("PSP delay {0} is not supported (0 or 1)")]
    Delay(usize),
}

/// N stochastic neurons with rectangular PSPs (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Number of neurons.
    pub n: usize,
    /// Weights, row-major `[post * n + pre]`.
    pub w: Vec<f64>,
    /// Biases.
    pub b: Vec<f64>,
    /// Refractory period t_ref (steps; also the τ of ρ).
    pub t_ref: usize,
    /// Length of the rectangular PSP in steps (τ_syn).
    pub psp_len: usize,
    /// Refractoriness and PSP timing.
    pub conventions: Conventions,
}

/// Checks replacement parameters for a network of `n` neurons: the shapes (`w`: n × n,
/// `b`: n) and that every value is finite (what construction checks).
pub fn check_parameters(n: usize, w: &[f64], b: &[f64]) -> Result<(), NetworkError> {
    if w.len() != n * n {
        return Err(NetworkError::Shape {
            what: "weights",
            got: w.len(),
            expected: n * n,
        });
    }
    if b.len() != n {
        return Err(NetworkError::Shape {
            what: "biases",
            got: b.len(),
            expected: n,
        });
    }
    for (what, v) in [("weights", w), ("biases", b)] {
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(NetworkError::NotFinite { what, index });
        }
    }
    Ok(())
}

impl Network {
    /// A network; checks shapes and finiteness. The PSP delay of `conventions` must be 0
    /// or 1 (the reference's simulators).
    pub fn new(
        w: Vec<f64>,
        b: Vec<f64>,
        t_ref: usize,
        psp_len: usize,
        conventions: Conventions,
    ) -> Result<Network, NetworkError> {
        let n = b.len();
        if w.len() != n * n {
            return Err(NetworkError::Shape {
                what: "weights",
                got: w.len(),
                expected: n * n,
            });
        }
        if t_ref < 1 {
            return Err(NetworkError::TRef);
        }
        if conventions.psp_delay > 1 {
            return Err(NetworkError::Delay(conventions.psp_delay));
        }
        for (what, v) in [("weights", &w), ("biases", &b)] {
            if let Some(index) = v.iter().position(|x| !x.is_finite()) {
                return Err(NetworkError::NotFinite { what, index });
            }
        }
        Ok(Network {
            n,
            w,
            b,
            t_ref,
            psp_len,
            conventions,
        })
    }

    /// Membrane potentials u_i = b_i + Σ_j W\[i\]\[j\]·active_j, computed exactly from the
    /// number of active PSPs of every presynaptic neuron (shared by the engines).
    pub fn membranes(&self, active: &[u32], u: &mut [f64]) {
        let n = self.n;
        for (i, ui) in u.iter_mut().enumerate().take(n) {
            let mut acc = self.b[i];
            for (w, &a) in self.w[i * n..(i + 1) * n].iter().zip(active) {
                if a != 0 {
                    acc += w * a as f64;
                }
            }
            *ui = acc;
        }
    }

    /// First lag (steps after the spike) at which a PSP no longer acts on decisions.
    pub fn psp_end(&self) -> usize {
        self.psp_len + self.conventions.psp_delay
    }
}

/// A simulation engine: runs a network for a number of steps from its current state,
/// streaming spikes to a sink.
pub trait Engine {
    /// Simulates `steps` steps.
    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink);
    /// Forgets the past (no spike ever happened) and restarts the clock at step 0.
    fn reset(&mut self);
}

mod clock;
pub use clock::ClockEngine;
mod event;
pub use event::EventEngine;

/// Which engine simulates a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EngineKind {
    /// [`ClockEngine`]: one step at a time (the reference's procedure).
    Clock,
    /// [`EventEngine`]: exact in law, work per spike instead of per step (the default:
    /// it is the faster one for every network of the paper).
    #[default]
    Event,
}

impl EngineKind {
    /// The config / command-line name.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Clock => "clock",
            EngineKind::Event => "event",
        }
    }

    /// Parses `clock` / `event`.
    pub fn parse(s: &str) -> Option<EngineKind> {
        match s {
            "clock" => Some(EngineKind::Clock),
            "event" => Some(EngineKind::Event),
            _ => None,
        }
    }

    /// Builds an engine of this kind for `net`.
    pub fn build(self, net: Network) -> AnyEngine {
        match self {
            EngineKind::Clock => AnyEngine::Clock(Box::new(ClockEngine::new(net))),
            EngineKind::Event => AnyEngine::Event(Box::new(EventEngine::new(net))),
        }
    }
}

/// An engine chosen at run time.
#[derive(Debug, Clone)]
pub enum AnyEngine {
    /// The clock-driven engine.
    Clock(Box<ClockEngine>),
    /// The event-driven engine.
    Event(Box<EventEngine>),
}

impl AnyEngine {
    /// Replaces weights and biases (same size, finite: checked as at construction, and
    /// nothing changes on an error); the state is kept.
    pub fn set_parameters(&mut self, w: &[f64], b: &[f64]) -> Result<(), NetworkError> {
        match self {
            AnyEngine::Clock(e) => e.set_parameters(w, b),
            AnyEngine::Event(e) => e.set_parameters(w, b),
        }
    }

    /// The network being simulated.
    pub fn network(&self) -> &Network {
        match self {
            AnyEngine::Clock(e) => e.network(),
            AnyEngine::Event(e) => e.network(),
        }
    }
}

impl Engine for AnyEngine {
    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        match self {
            AnyEngine::Clock(e) => e.run(steps, rng, sink),
            AnyEngine::Event(e) => e.run(steps, rng, sink),
        }
    }

    fn reset(&mut self) {
        match self {
            AnyEngine::Clock(e) => e.reset(),
            AnyEngine::Event(e) => e.reset(),
        }
    }
}

/// The deterministic probe shared by the engines' unit tests.
#[cfg(test)]
pub(crate) mod probe {
    use super::{AnyEngine, Engine, Network};
    use crate::conventions::Conventions;
    use crate::rng::stream;
    use crate::spikes::SpikeRecorder;

    /// Deterministic neurons (|u| = 60: ρ is 1 or 0 to within 1e-24) on a hand-checked
    /// schedule: neuron 0 fires once at step 0; neuron 1 (b = +60) fires whenever it may,
    /// except while 0's PSP (weight −120) is active. t_ref = 1, τ_syn = 5. Returns the spike
    /// steps of neuron 1.
    pub(crate) fn schedule(
        build: impl FnOnce(Network) -> AnyEngine,
        conv: Conventions,
    ) -> Vec<u64> {
        let net = Network::new(vec![0.0, 0.0, -120.0, 0.0], vec![60.0, 60.0], 1, 5, conv).unwrap();
        let mut e = build(net);
        let mut rng = stream(1, "probe", 0);
        let mut rec = SpikeRecorder::default();
        e.run(1, &mut rng, &mut rec);
        e.set_parameters(&[0.0, 0.0, -120.0, 0.0], &[-60.0, 60.0])
            .unwrap();
        e.run(11, &mut rng, &mut rec);
        assert_eq!(rec.spikes.iter().filter(|s| s.1 == 0).count(), 1);
        rec.spikes
            .iter()
            .filter(|s| s.1 == 1)
            .map(|s| s.0)
            .collect()
    }

    /// The schedules of neuron 1 per convention (see the clock engine's test for why).
    pub(crate) fn expected() -> [(Conventions, Vec<u64>); 4] {
        [
            (Conventions::SAMPLER_M1, vec![0, 5, 7, 9, 11]),
            (Conventions::ANALYTIC_M2, vec![0, 5, 6, 7, 8, 9, 10, 11]),
            (Conventions::MICROCIRCUIT_M3, vec![0, 6, 7, 8, 9, 10, 11]),
            (Conventions::SALNET_M4, vec![0, 6, 8, 10]),
        ]
    }
}

#[cfg(test)]
mod set_parameters_tests {
    use super::*;

    /// Replacement parameters are checked as at construction: a NaN weight, an infinite bias
    /// or a wrong size is refused naming the entry, and the engine keeps its parameters.
    #[test]
    fn set_parameters_refuses_non_finite_values() {
        for kind in [EngineKind::Clock, EngineKind::Event] {
            let net = Network::new(
                vec![0.0, 0.5, 0.5, 0.0],
                vec![0.0, 0.0],
                10,
                10,
                Conventions::SAMPLER_M1,
            )
            .unwrap();
            let mut e = kind.build(net);
            let err = e
                .set_parameters(&[0.0, f64::NAN, 0.5, 0.0], &[0.0, 0.0])
                .unwrap_err();
            assert_eq!(err.to_string(), "weights[1] is not finite");
            let err = e
                .set_parameters(&[0.0; 4], &[0.0, f64::INFINITY])
                .unwrap_err();
            assert_eq!(err.to_string(), "biases[1] is not finite");
            assert!(e.set_parameters(&[0.0; 3], &[0.0, 0.0]).is_err());
            assert_eq!(e.network().w, vec![0.0, 0.5, 0.5, 0.0]);
            assert_eq!(e.network().b, vec![0.0, 0.0]);
            e.set_parameters(&[0.0, 1.0, 1.0, 0.0], &[0.5, 0.5])
                .unwrap();
            assert_eq!(e.network().w, vec![0.0, 1.0, 1.0, 0.0]);
        }
    }
}
