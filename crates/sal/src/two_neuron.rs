//! Two reciprocally coupled stochastic neurons: a fast exact simulator, the simulated STDD
//! and two-neuron SAL weight evolution (Fig 2d).
//!
//! Public convention as in [`crate::stdd`]: neuron index 0 is neuron 1 (bias b1, input w12
//! from neuron 2), index 1 is neuron 2 (bias b2, input w21). Each neuron's membrane depends
//! only on the age of its partner's last spike, so the firing probability of every
//! possible age is tabulated once; a step then costs one table look-up and one uniform draw
//! per non-refractory neuron.

use crate::conventions::Conventions;
use crate::engine::{Engine, EngineKind, Network};
use crate::kernel::{Psp, PspKernel};
use crate::neuron::{fire_threshold, rho, uniform53};
use crate::pairing::{KLastPairs, SynapseWindows};
use crate::rng::{SimRng, stream};
use crate::spikes::SpikeSink;
use crate::stdd::analytic::{Calculator, Pair};
use crate::stdd::empirical::EmpiricalStdd;
use crate::stdd::{Centre, Stdd};
use crate::window::Window;

/// The two-neuron network with its state (ages of the last spikes) and clock.
///
/// Only the most recent spike of the partner drives a neuron's PSP (the analytic chain's
/// model; for rectangular PSPs no longer than the minimum ISI this is exact). PSP lags are
/// capped at `lag_cap` steps: κ(min(lag, lag_cap)). With `lag_cap` = T − 1 this is the
/// calculator's age cap; for a kernel that is zero beyond `lag_cap` it changes nothing.
#[derive(Debug, Clone)]
pub struct TwoNeuronSim {
    /// Firing thresholds (see [`fire_threshold`]) of neuron i indexed by its partner's age.
    thr: [Vec<u64>; 2],
    min_isi: usize,
    cap: usize,
    age: [usize; 2],
    t: u64,
}

impl TwoNeuronSim {
    /// A pair with kernel κ, refractory period `t_ref` (steps), `conventions`, weights and
    /// biases `pair`, and PSP lag cap `lag_cap` (≥ 1). Starts in the fresh state (no spike
    /// in the past).
    pub fn new(
        kernel: &PspKernel,
        t_ref: usize,
        conventions: Conventions,
        pair: &Pair,
        lag_cap: usize,
    ) -> TwoNeuronSim {
        assert!(lag_cap >= 1 && t_ref >= 1);
        let min_isi = conventions.min_isi.steps(t_ref);
        let cap = lag_cap.max(min_isi);
        let delay = conventions.psp_delay as f64;
        let table = |bias: f64, w: f64| -> Vec<u64> {
            (0..=cap)
                .map(|x| {
                    let x = x.min(lag_cap) as f64;
                    fire_threshold(rho(bias + w * kernel.eval(x - delay), t_ref as f64))
                })
                .collect()
        };
        TwoNeuronSim {
            thr: [table(pair.b1, pair.w12), table(pair.b2, pair.w21)],
            min_isi,
            cap,
            age: [cap, cap],
            t: 0,
        }
    }

    /// Forgets the past: both neurons as if they had never fired; the clock restarts at 0.
    pub fn reset(&mut self) {
        self.age = [self.cap, self.cap];
        self.t = 0;
    }

    /// The current step.
    pub fn now(&self) -> u64 {
        self.t
    }

    /// Simulates `steps` steps, streaming spikes to `sink`.
    pub fn run(&mut self, steps: u64, rng: &mut SimRng, sink: &mut impl SpikeSink) {
        let cap = self.cap;
        let min_isi = self.min_isi;
        let (t0, t1) = (&self.thr[0], &self.thr[1]);
        let [mut a0, mut a1] = self.age;
        let end = self.t + steps;
        for t in self.t..end {
            a0 = (a0 + 1).min(cap);
            a1 = (a1 + 1).min(cap);
            let f0 = a0 >= min_isi && uniform53(rng) < t0[a1];
            let f1 = a1 >= min_isi && uniform53(rng) < t1[a0];
            if f0 || f1 {
                match (f0, f1) {
                    (true, true) => {
                        a0 = 0;
                        a1 = 0;
                        sink.on_spikes(t, &[0, 1]);
                    }
                    (true, false) => {
                        a0 = 0;
                        sink.on_spikes(t, &[0]);
                    }
                    _ => {
                        a1 = 0;
                        sink.on_spikes(t, &[1]);
                    }
                }
            }
        }
        self.age = [a0, a1];
        self.t = end;
    }
}

/// Steps simulated (and discarded) before recording a simulated STDD, in units of T: the
/// chain forgets its fresh start within a few refractory periods.
pub const STDD_BURN_IN_T: u64 = 20;

/// Why a simulation cannot use the requested engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineRefusal(pub String);

impl std::fmt::Display for EngineRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The engine a two-neuron simulation uses by default: the event engine where it is exact
/// (rectangular PSPs: membranes are piecewise constant), else the clock engine.
pub fn default_engine(kernel: &PspKernel) -> EngineKind {
    if kernel.shape == Psp::Rect {
        EngineKind::Event
    } else {
        EngineKind::Clock
    }
}

/// Simulates the pair of `calc` for `steps` recorded steps (after a burn-in of
/// [`STDD_BURN_IN_T`]·T steps) under the calculator's kernel and conventions and returns
/// the estimated STDD. The clock engine is the tabulated two-neuron simulator with the
/// calculator's age cap (lag_cap = T − 1; exact for every kernel); the event engine runs
/// the general [`Network`] and needs a rectangular PSP (length t_ref, as in the
/// calculator's rect kernel), otherwise it is refused.
pub fn simulate_stdd(
    calc: &Calculator,
    pair: &Pair,
    steps: u64,
    seed: u64,
    centre: Centre,
    engine: EngineKind,
) -> Result<Stdd, EngineRefusal> {
    let mut rng = stream(seed, "stdd-sim", 0);
    let burn_in = STDD_BURN_IN_T * calc.t_max as u64;
    let mut est = EmpiricalStdd::new(calc.t_max);
    match engine {
        EngineKind::Clock => {
            let mut sim = TwoNeuronSim::new(
                &calc.kernel,
                calc.t_ref,
                calc.conventions,
                pair,
                calc.t_max - 1,
            );
            sim.run(burn_in, &mut rng, &mut crate::spikes::SpikeCounter::new(2));
            sim.run(steps, &mut rng, &mut est);
        }
        EngineKind::Event => {
            if calc.kernel.shape != Psp::Rect {
                return Err(EngineRefusal(format!(
                    "the event engine needs a rectangular PSP (piecewise-constant membranes); the {} kernel changes the membrane every step: use the clock engine",
                    calc.kernel.shape
                )));
            }
            let net = Network::new(
                vec![0.0, pair.w12, pair.w21, 0.0],
                vec![pair.b1, pair.b2],
                calc.t_ref,
                calc.kernel.tau.ceil() as usize,
                calc.conventions,
            )
            .map_err(|e| EngineRefusal(e.to_string()))?;
            let mut eng = EngineKind::Event.build(net);
            eng.run(burn_in, &mut rng, &mut crate::spikes::SpikeCounter::new(2));
            eng.run(steps, &mut rng, &mut est);
        }
    }
    Ok(est.stdd(centre))
}

/// Which synapses learn in the two-neuron SAL experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plastic {
    /// Both w12 and w21 (Fig 2d, run 1).
    Both,
    /// Only w21 = W\[1\]\[0\] learns (Fig 2d, run 2: a feedback weight aligning to a fixed one).
    W21,
}

/// The two-neuron SAL experiment of Fig 2d (simulator M1, spec README §Fig 2d).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairSal {
    /// Initial weights and the biases.
    pub init: Pair,
    /// Refractory period t_ref (steps).
    pub t_ref: usize,
    /// Length τ_syn of the rectangular PSP (steps).
    pub t_syn: usize,
    /// Epochs: each simulates `steps_per_epoch` steps from a fresh state.
    pub epochs: usize,
    /// Simulated steps per epoch (D).
    pub steps_per_epoch: u64,
    /// Learning rate η: ΔW = η · (t_ref / D) · S.
    pub lr: f64,
    /// History length K of the all-pairs accumulator (10 in Fig 2d).
    pub history: usize,
    /// The SAL window (exponential, A+ = −1, A− = +1, τ = t_ref in Fig 2d).
    pub window: Window,
    /// Which synapses learn.
    pub plastic: Plastic,
    /// Discrete-time conventions (M1 in Fig 2d).
    pub conventions: Conventions,
    /// Simulation engine (clock: the tabulated two-neuron simulator; event: the general
    /// event engine). Both are exact in law.
    pub engine: EngineKind,
}

impl PairSal {
    /// The Fig 2d set-up with the paper's numbers: t_ref = τ_syn = 25, 1500 epochs of 1500
    /// steps, η = 0.03, K = 10, W\[0\]\[1\] = 1.5, W\[1\]\[0\] = 0.5, b = (−0.5, −0.2).
    pub fn fig2d(plastic: Plastic) -> PairSal {
        PairSal {
            init: Pair {
                w12: 1.5,
                w21: 0.5,
                b1: -0.5,
                b2: -0.2,
            },
            t_ref: 25,
            t_syn: 25,
            epochs: 1500,
            steps_per_epoch: 1500,
            lr: 0.03,
            history: 10,
            window: Window::sal_exp(25.0),
            plastic,
            conventions: Conventions::SAMPLER_M1,
            engine: EngineKind::default(),
        }
    }
}

/// Weight trajectories: `epochs + 1` values each, the first is the initial weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// w12 = W\[0\]\[1\] after every epoch.
    pub w12: Vec<f64>,
    /// w21 = W\[1\]\[0\] after every epoch.
    pub w21: Vec<f64>,
}

/// Runs the two-neuron SAL experiment with master seed `seed`.
pub fn run_pair_sal(cfg: &PairSal, seed: u64) -> Trajectory {
    let mut rng = stream(seed, "pair-sal", 0);
    let kernel = PspKernel::rect(cfg.t_syn as f64);
    let mut pair = cfg.init;
    let mut traj = Trajectory {
        w12: Vec::with_capacity(cfg.epochs + 1),
        w21: Vec::with_capacity(cfg.epochs + 1),
    };
    traj.w12.push(pair.w12);
    traj.w21.push(pair.w21);
    let mut acc = KLastPairs::new(2, cfg.history, SynapseWindows::Shared(cfg.window));
    let norm = cfg.lr * cfg.t_ref as f64 / cfg.steps_per_epoch as f64;
    for _ in 0..cfg.epochs {
        acc.reset();
        match cfg.engine {
            EngineKind::Clock => {
                let mut sim =
                    TwoNeuronSim::new(&kernel, cfg.t_ref, cfg.conventions, &pair, cfg.t_syn);
                sim.run(cfg.steps_per_epoch, &mut rng, &mut acc);
            }
            EngineKind::Event => {
                let net = Network::new(
                    vec![0.0, pair.w12, pair.w21, 0.0],
                    vec![pair.b1, pair.b2],
                    cfg.t_ref,
                    cfg.t_syn,
                    cfg.conventions,
                )
                .expect("finite two-neuron network");
                EngineKind::Event
                    .build(net)
                    .run(cfg.steps_per_epoch, &mut rng, &mut acc);
            }
        }
        if cfg.plastic == Plastic::Both {
            pair.w12 += norm * acc.get(0, 1);
        }
        pair.w21 += norm * acc.get(1, 0);
        traj.w12.push(pair.w12);
        traj.w21.push(pair.w21);
    }
    traj
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Psp;
    use crate::spikes::SpikeRecorder;

    fn sim(conv: Conventions) -> (TwoNeuronSim, SimRng) {
        let pair = Pair {
            w12: 2.0,
            w21: -1.0,
            b1: 3.0,
            b2: 3.0,
        };
        let k = PspKernel::new(Psp::Rect, 5.0, 5.0);
        (
            TwoNeuronSim::new(&k, 5, conv, &pair, 9),
            stream(7, "test", 0),
        )
    }

    #[test]
    fn minimum_isi_follows_the_conventions() {
        for (conv, isi) in [
            (Conventions::ANALYTIC_M2, 5u64),
            (Conventions::SAMPLER_M1, 6u64),
        ] {
            let (mut s, mut rng) = sim(conv);
            let mut rec = SpikeRecorder::default();
            s.run(20_000, &mut rng, &mut rec);
            for n in 0..2 {
                let times: Vec<u64> = rec
                    .spikes
                    .iter()
                    .filter(|x| x.1 == n)
                    .map(|x| x.0)
                    .collect();
                let min = times.windows(2).map(|w| w[1] - w[0]).min().unwrap();
                // With bias 3 the ISI hits its minimum often.
                assert_eq!(min, isi, "neuron {n} under {conv:?}");
            }
        }
    }

    #[test]
    fn weight_sum_is_conserved_with_both_plastic() {
        let mut cfg = PairSal::fig2d(Plastic::Both);
        cfg.epochs = 50;
        let tr = run_pair_sal(&cfg, 3);
        for (a, b) in tr.w12.iter().zip(&tr.w21) {
            assert!((a + b - 2.0).abs() < 1e-12);
        }
        let cfg2 = PairSal {
            plastic: Plastic::W21,
            ..cfg
        };
        let tr2 = run_pair_sal(&cfg2, 3);
        assert!(tr2.w12.iter().all(|&w| w == 1.5));
    }
}
