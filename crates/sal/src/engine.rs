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
use crate::neuron::{fire_threshold, rho, uniform53};
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

/// The clock-driven engine: one step at a time, in the reference simulator's order (all
/// decisions of a step use the membranes at its start; spikes of the same step never
/// interact; neurons are processed in increasing index).
///
/// Membranes change only when a PSP starts or ends; they are updated incrementally (one
/// column of W per event; exact again after every [`Engine::reset`]) and firing thresholds
/// are recomputed lazily, only for neurons about to decide. A quiet step costs one uniform
/// draw per non-refractory neuron.
#[derive(Debug, Clone)]
pub struct ClockEngine {
    net: Network,
    /// W transposed: column j (the fan-out of neuron j) is contiguous.
    wt: Vec<f64>,
    min_isi: usize,
    end: usize,
    /// Steps since each neuron's last spike (saturating at `age_cap`).
    age: Vec<usize>,
    age_cap: usize,
    /// Number of active PSPs of each presynaptic neuron.
    active: Vec<u32>,
    /// Pending PSP ends: ring indexed by step modulo `ring.len()`.
    ring: Vec<Vec<usize>>,
    u: Vec<f64>,
    thr: Vec<u64>,
    stale: Vec<bool>,
    t: u64,
    fired: Vec<usize>,
}

impl ClockEngine {
    /// An engine for `net`, in the fresh state.
    pub fn new(net: Network) -> ClockEngine {
        let n = net.n;
        let min_isi = net.conventions.min_isi.steps(net.t_ref);
        let end = net.psp_end();
        let mut e = ClockEngine {
            wt: vec![0.0; n * n],
            min_isi,
            end,
            age: vec![0; n],
            age_cap: min_isi.max(end) + 1,
            active: vec![0; n],
            ring: vec![Vec::new(); end + 1],
            u: vec![0.0; n],
            thr: vec![0; n],
            stale: vec![true; n],
            t: 0,
            fired: Vec::with_capacity(n),
            net,
        };
        e.load_weights();
        e.reset();
        e
    }

    fn load_weights(&mut self) {
        let n = self.net.n;
        for i in 0..n {
            for j in 0..n {
                self.wt[j * n + i] = self.net.w[i * n + j];
            }
        }
    }

    /// Recomputes every membrane exactly from the active PSPs.
    fn recompute(&mut self) {
        let n = self.net.n;
        for i in 0..n {
            let mut u = self.net.b[i];
            for j in 0..n {
                if self.active[j] != 0 {
                    u += self.net.w[i * n + j] * self.active[j] as f64;
                }
            }
            self.u[i] = u;
            self.stale[i] = true;
        }
    }

    /// The network being simulated.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Replaces weights and biases (same size); the state is kept.
    pub fn set_parameters(&mut self, w: &[f64], b: &[f64]) {
        self.net.w.copy_from_slice(w);
        self.net.b.copy_from_slice(b);
        self.load_weights();
        self.recompute();
    }

    /// The current step.
    pub fn now(&self) -> u64 {
        self.t
    }

    /// Adds `sign` times the fan-out of `j` to the membranes.
    #[inline]
    fn psp_event(&mut self, j: usize, sign: f64) {
        let n = self.net.n;
        let col = &self.wt[j * n..(j + 1) * n];
        for ((u, w), st) in self.u.iter_mut().zip(col).zip(self.stale.iter_mut()) {
            if *w != 0.0 {
                *u += sign * w;
                *st = true;
            }
        }
    }
}

impl Engine for ClockEngine {
    fn reset(&mut self) {
        self.age.iter_mut().for_each(|a| *a = self.age_cap);
        self.active.iter_mut().for_each(|a| *a = 0);
        self.ring.iter_mut().for_each(Vec::clear);
        self.t = 0;
        self.recompute();
    }

    fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut dyn SpikeSink) {
        let n = self.net.n;
        let ring_len = self.ring.len() as u64;
        let tr = self.net.t_ref as f64;
        // A PSP acts at lags max(1, delay) … delay + psp_len − 1 (non-empty iff end ≥ 2).
        let psp_acts = self.end >= 2;
        for t in self.t..self.t + steps {
            // PSPs ending at this step.
            let slot = (t % ring_len) as usize;
            if !self.ring[slot].is_empty() {
                let ending = std::mem::take(&mut self.ring[slot]);
                for &j in &ending {
                    self.active[j] -= 1;
                    self.psp_event(j, -1.0);
                }
                self.ring[slot] = ending;
                self.ring[slot].clear();
            }
            self.fired.clear();
            for i in 0..n {
                let a = (self.age[i] + 1).min(self.age_cap);
                self.age[i] = a;
                if a >= self.min_isi {
                    if self.stale[i] {
                        self.thr[i] = fire_threshold(rho(self.u[i], tr));
                        self.stale[i] = false;
                    }
                    if uniform53(rng) < self.thr[i] {
                        self.fired.push(i);
                    }
                }
            }
            if !self.fired.is_empty() {
                sink.on_spikes(t, &self.fired);
                let end_slot = ((t + self.end as u64) % ring_len) as usize;
                for k in 0..self.fired.len() {
                    let j = self.fired[k];
                    self.age[j] = 0;
                    if psp_acts {
                        self.active[j] += 1;
                        self.ring[end_slot].push(j);
                        self.psp_event(j, 1.0);
                    }
                }
            }
        }
        self.t += steps;
    }
}
