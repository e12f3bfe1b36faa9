//! The training loop of the spiking sampling networks (spec `ssn.md` §2.3–2.4, `ssn_v3.md`
//! §2): sleep-phase STDP statistics against target statistics, bias learning from rates,
//! SAL symmetrisation, Kolen–Pollack weight decay, clipping, validation iterations.

use super::boltzmann::{BoltzmannError, asymmetry, coactivation, distribution, dkl};
use super::init::InitialConditions;
use super::states::StateSampler;
use crate::control::{ControlFlow, Flow, Halt, check_finite};
use crate::conventions::Conventions;
use crate::engine::{AnyEngine, Engine, EngineKind, Network};
use crate::pairing::OrderedPairSums;
use crate::rng::stream;
use crate::spikes::SpikeCounter;
use crate::window::Window;

/// Which version of the reference training iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Main branch (arXiv v1/v2, `ssn.md`): Hebbian target C*, diagonal kept.
    V2,
    /// Published v3 (`ssn_v3.md`): Hebbian target A_ws ⊙ C*, diagonal zeroed after every
    /// iteration (amplitudes clipped at 0 when drawn).
    V3,
}

/// Parameters of one training run (the validated content of a scenario file).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// Number of neurons N.
    pub n: usize,
    /// Refractory period t_ref (steps).
    pub t_ref: usize,
    /// Length of the rectangular PSP τ_syn (steps).
    pub tau_syn: usize,
    /// Number of training iterations (wake–sleep cycles).
    pub num_epochs: usize,
    /// Every `val_step`-th iteration (from 0) is a validation iteration (none if 1).
    pub val_step: usize,
    /// Sleep duration multiplier of validation iterations.
    pub val_factor: usize,
    /// η_b.
    pub lr_bias: f64,
    /// η_w.
    pub lr_weight: f64,
    /// η_SAL.
    pub lr_symm: f64,
    /// λ, the Kolen–Pollack weight decay per iteration.
    pub lr_kp: f64,
    /// Sleep duration in units of t_ref (D = dur·t_ref steps).
    pub dur: usize,
    /// Weight clipping bound.
    pub max_w: f64,
    /// Bias clipping bound.
    pub max_b: f64,
    /// τ of the Hebbian triangular window (steps; `stdp.ws.tau_minus`).
    pub ws_tau: f64,
    /// τ of the SAL triangular window (steps; `stdp.sal.tau_minus`).
    pub sal_tau: f64,
    /// Training-iteration version.
    pub protocol: Protocol,
    /// Simulation engine (both are exact in law; results differ only by sampling noise).
    pub engine: EngineKind,
}

impl TrainParams {
    /// Sleep duration of iteration `step` in steps.
    pub fn duration(&self, step: usize) -> u64 {
        let d = (self.dur * self.t_ref) as u64;
        if self.is_validation(step) {
            d * self.val_factor as u64
        } else {
            d
        }
    }

    /// Whether iteration `step` is a validation iteration.
    pub fn is_validation(&self, step: usize) -> bool {
        self.val_step > 1 && step.is_multiple_of(self.val_step)
    }

    /// Simulated steps of the whole run.
    pub fn total_steps(&self) -> u64 {
        (0..self.num_epochs).map(|s| self.duration(s)).sum()
    }
}

/// What a run records at every validation iteration (sampled distribution and D_KL with
/// the pre-update weights; weights, biases and asymmetry after the update — discrepancy
/// B8).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Iteration index of every validation point.
    pub validation_iteration: Vec<usize>,
    /// D_KL(target ‖ sampled).
    pub dkl: Vec<f64>,
    /// Var(W_ij − W_ji), i < j.
    pub asymmetry: Vec<f64>,
    /// Weights (row-major N×N).
    pub weights: Vec<Vec<f64>>,
    /// Biases.
    pub biases: Vec<Vec<f64>>,
    /// Sampled distributions (2^N).
    pub distributions: Vec<Vec<f64>>,
    /// The target distribution.
    pub target_distribution: Vec<f64>,
}

/// Statistics of one sleep phase.
#[derive(Debug, Clone)]
pub struct SleepStats {
    /// Sampled distribution q.
    pub q: Vec<f64>,
    /// Rates in sampling units r_i = count_i·t_ref/D (≈ p(z_i = 1)).
    pub rates: Vec<f64>,
    /// Hebbian matrix S_ws · t_ref/D.
    pub s_ws: Vec<f64>,
    /// SAL matrix S_sal · t_ref/D (zeros when not requested).
    pub s_sal: Vec<f64>,
}

/// Runs one sleep phase of `d` steps from a fresh state and collects its statistics.
#[allow(clippy::too_many_arguments)]
pub fn sleep(
    engine: &mut AnyEngine,
    p: &TrainParams,
    ic: &InitialConditions,
    d: u64,
    seed: u64,
    index: u64,
    with_sal: bool,
) -> SleepStats {
    let n = p.n;
    let mut rng = stream(seed, "ssn-sleep", index);
    engine.reset();
    let mut states = StateSampler::new(n, p.t_ref);
    let mut counts = SpikeCounter::new(n);
    let mut ws = OrderedPairSums::new(n, Window::tri(1.0, 1.0, p.ws_tau, p.ws_tau));
    let separate_sal = with_sal && p.sal_tau != p.ws_tau;
    let mut sal = OrderedPairSums::new(n, Window::tri(1.0, 1.0, p.sal_tau, p.sal_tau));
    if separate_sal {
        let mut sinks = ((&mut states, &mut counts), (&mut ws, &mut sal));
        engine.run(d, &mut rng, &mut sinks);
    } else {
        let mut sinks = ((&mut states, &mut counts), &mut ws);
        engine.run(d, &mut rng, &mut sinks);
    }
    let q = states.finish(d);
    let norm = p.t_ref as f64 / d as f64;
    let rates = counts.counts.iter().map(|&c| c as f64 * norm).collect();
    let a = &ic.ws_amplitude;
    let s_ws: Vec<f64> = ws.window_sum(a, a).iter().map(|x| x * norm).collect();
    let s_sal = if with_sal {
        let neg: Vec<f64> = ic.sal_amplitude.iter().map(|x| -x).collect();
        let src = if separate_sal { &sal } else { &ws };
        src.window_sum(&neg, &ic.sal_amplitude)
            .iter()
            .map(|x| x * norm)
            .collect()
    } else {
        vec![0.0; n * n]
    };
    SleepStats {
        q,
        rates,
        s_ws,
        s_sal,
    }
}

/// Why a training run failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The target Boltzmann distribution cannot be built.
    #[error(transparent)]
    Target(#[from] BoltzmannError),
    /// Interrupted, or a weight, bias or update became non-finite.
    #[error(transparent)]
    Halt(#[from] Halt),
}

/// Trains from `ic` with simulation seed `seed`; `progress(step)` is called after every
/// iteration and may stop the run ([`crate::control`]). Deterministic: the same inputs give
/// bit-identical records. A non-finite initial parameter, or a weight or bias that becomes
/// non-finite through an update (checked before clipping, so an overflowing learning rate
/// is caught), stops the run with [`Halt::NonFinite`] naming the entry and the iteration.
pub fn train<R: Flow>(
    p: &TrainParams,
    ic: &InitialConditions,
    seed: u64,
    progress: &mut impl FnMut(usize) -> R,
) -> Result<Record, TrainError> {
    let n = p.n;
    let at_start = || "the start (initial conditions)".to_string();
    check_finite(
        &ic.w_init,
        |i| format!("initial weight W[{}][{}]", i / n, i % n),
        at_start,
    )?;
    check_finite(&ic.b_init, |i| format!("initial bias b[{i}]"), at_start)?;
    check_finite(
        &ic.w_target,
        |i| format!("target weight W*[{}][{}]", i / n, i % n),
        at_start,
    )?;
    check_finite(&ic.b_target, |i| format!("target bias b*[{i}]"), at_start)?;
    let target = distribution(&ic.w_target, &ic.b_target)?;
    let (c_star, m_star) = coactivation(&target, n);
    // Hebbian target: C* (v2) or (C*·F)/t_ref with F = ½(A+τ+ + A−τ−) of the Hebbian rule (v3).
    let hebb_target: Vec<f64> = match p.protocol {
        Protocol::V2 => c_star.clone(),
        Protocol::V3 => c_star
            .iter()
            .zip(&ic.ws_amplitude)
            .map(|(c, a)| c * (0.5 * (a * p.ws_tau + a * p.ws_tau)) / p.t_ref as f64)
            .collect(),
    };
    let mut w = ic.w_init.clone();
    let mut b = ic.b_init.clone();
    let net = Network::new(
        w.clone(),
        b.clone(),
        p.t_ref,
        p.tau_syn,
        Conventions::SAMPLER_M1,
    )
    .map_err(|_| BoltzmannError::Shape {
        w: w.len(),
        b: b.len(),
    })?;
    let mut engine = p.engine.build(net);
    let mut rec = Record {
        target_distribution: target.clone(),
        ..Record::default()
    };
    let with_sal = p.lr_symm != 0.0;
    for step in 0..p.num_epochs {
        // W and b are checked for finiteness before every update is applied (below) and at
        // the start, and their sizes are the network's
        engine
            .set_parameters(&w, &b)
            .expect("finite parameters of the network's size");
        let d = p.duration(step);
        let st = sleep(&mut engine, p, ic, d, seed, step as u64, with_sal);
        for i in 0..n {
            b[i] += p.lr_bias * (m_star[i] - st.rates[i]);
        }
        for ((w, t), s) in w.iter_mut().zip(&hebb_target).zip(&st.s_ws) {
            *w += p.lr_weight * (t - s);
        }
        if p.lr_kp != 0.0 {
            w.iter_mut().for_each(|x| *x *= 1.0 - p.lr_kp);
        }
        if with_sal {
            for (w, s) in w.iter_mut().zip(&st.s_sal) {
                *w += p.lr_symm * s;
            }
        }
        let at = || format!("iteration {step}");
        check_finite(&w, |i| format!("weight W[{}][{}]", i / n, i % n), at)?;
        check_finite(&b, |i| format!("bias b[{i}]"), at)?;
        w.iter_mut().for_each(|x| *x = x.clamp(-p.max_w, p.max_w));
        b.iter_mut().for_each(|x| *x = x.clamp(-p.max_b, p.max_b));
        if p.protocol == Protocol::V3 {
            for i in 0..n {
                w[i * n + i] = 0.0;
            }
        }
        if p.is_validation(step) {
            rec.validation_iteration.push(step);
            rec.dkl.push(dkl(&target, &st.q));
            rec.asymmetry.push(asymmetry(&w, n));
            rec.weights.push(w.clone());
            rec.biases.push(b.clone());
            rec.distributions.push(st.q);
        }
        if let ControlFlow::Break(()) = progress(step).flow() {
            return Err(Halt::Interrupted.into());
        }
    }
    Ok(rec)
}
