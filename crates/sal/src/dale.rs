//! Dale's law: the excitatory–inhibitory four-neuron system of Fig 10 (spec `dale.md`).
//!
//! Two excitatory neurons e1, e2 excite each other directly and inhibit each other through
//! one interneuron per direction (e1 → i1 ⊣ e2, e2 → i2 ⊣ e1), so no synapse ever changes
//! sign. The SAL updates of the two direct E–E synapses are measured by simulation
//! (simulator M1, rectangular PSP, t_ref = τ_syn = 25) and compared in *effective*-weight
//! coordinates: the disynaptic path adds a (negative) mean-field offset to each direct
//! weight ([`disynaptic_offset`], §1.1 — the unshifted logistic is a deliberate
//! approximation, discrepancy B15). SAL conserves the raw sum w_e1_e2 + w_e2_e1 and drives
//! the pair towards a line of attractors that lies close to the *effective* diagonal.
//!
//! Neuron indices: e1 = 0, e2 = 1, i1 = 2, i2 = 3; weights W\[post\]\[pre\].
//! Every grid point / rate point is an independent simulation with its own random stream
//! (see [`crate::rng`]), so results do not depend on the number of threads.

use crate::conventions::Conventions;
use crate::engine::{Engine, EngineKind, Network, NetworkError};
use crate::neuron::sigmoid;
use crate::pairing::{NearestNeighbourPairs, SynapseWindows};
use crate::rng::{SimRng, stream};
use crate::spikes::{SpikeCounter, SpikeSink};
use crate::window::Window;
use rayon::prelude::*;

/// Index of excitatory neuron e1.
pub const E1: usize = 0;
/// Index of excitatory neuron e2.
pub const E2: usize = 1;
/// Index of inhibitory interneuron i1 (relays e1 → e2).
pub const I1: usize = 2;
/// Index of inhibitory interneuron i2 (relays e2 → e1).
pub const I2: usize = 3;
/// Number of neurons.
pub const N: usize = 4;
/// Refractory period t_ref (steps).
pub const T_REF: usize = 25;
/// Length of the rectangular PSP τ_syn (steps; M1 convention: acts at lags 1 … τ_syn − 1).
pub const TAU_SYN: usize = 25;
/// Steps per phase-plane grid point in the paper (T_sim).
pub const FIG10_T_SIM: u64 = 2_000_000;
/// Steps per point of the rate check (§3).
pub const RATE_CHECK_T_SIM: u64 = 500_000;
/// Random-stream purpose of the phase-plane grid (index i·n + j).
pub const GRID_STREAM: &str = "dale-grid";
/// Random-stream purpose of the rate check, E–I system (index = weight index).
pub const RATE_EI_STREAM: &str = "dale-rate-ei";
/// Random-stream purpose of the rate check, direct system (index = weight index).
pub const RATE_DIRECT_STREAM: &str = "dale-rate-direct";

/// The phase-plane grid of the paper: 0.0, 0.1, …, 2.0 (21 values, k·0.1 as NumPy's arange).
pub fn fig10_ws() -> Vec<f64> {
    (0..=20).map(|k| k as f64 * 0.1).collect()
}

/// The raw weights of the rate check: 0, 0.25, …, 2.0 (9 values).
pub fn rate_check_ws() -> Vec<f64> {
    (0..=8).map(|k| k as f64 * 0.25).collect()
}

/// One of the two excitatory pathways, each with a direct synapse and a disynaptic
/// inhibitory detour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pathway {
    /// e1 → e2 ("21"): direct e2_e1 = W\[e2\]\[e1\], detour e1 → i1 ⊣ e2.
    E1ToE2,
    /// e2 → e1 ("12"): direct e1_e2 = W\[e1\]\[e2\], detour e2 → i2 ⊣ e1.
    E2ToE1,
}

/// Mean-field weight of a disynaptic path j → k ⊣ i (spec `dale.md` §1.1):
/// W_ei · σ(W_ie·r + b_k) / r with r = σ(b_j) and the *unshifted* logistic σ (B15).
///
/// `w_ie` = weight j → k, `w_ei` = weight k → i, `b_k` = interneuron bias, `b_j` = bias of
/// the presynaptic excitatory neuron. This is the offset between effective and raw direct
/// weight; it does not depend on the direct weight.
pub fn disynaptic_offset(w_ie: f64, w_ei: f64, b_k: f64, b_j: f64) -> f64 {
    let r = sigmoid(b_j);
    w_ei * sigmoid(w_ie * r + b_k) / r
}

/// The six weights and four biases of the E–I system (spec `dale.md` §1). Names are
/// `post_pre`: `e2_e1` is the synapse e1 → e2, W\[e2\]\[e1\].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EiParams {
    /// e1 → e2, direct excitatory (W\[1\]\[0\]).
    pub e2_e1: f64,
    /// e2 → e1, direct excitatory (W\[0\]\[1\]).
    pub e1_e2: f64,
    /// e1 → i1 (W\[2\]\[0\]).
    pub i1_e1: f64,
    /// e2 → i2 (W\[3\]\[1\]).
    pub i2_e2: f64,
    /// i1 → e2, inhibitory (W\[1\]\[2\]).
    pub e2_i1: f64,
    /// i2 → e1, inhibitory (W\[0\]\[3\]).
    pub e1_i2: f64,
    /// Bias of e1.
    pub b_e1: f64,
    /// Bias of e2.
    pub b_e2: f64,
    /// Bias of i1.
    pub b_i1: f64,
    /// Bias of i2.
    pub b_i2: f64,
}

impl EiParams {
    /// The paper's Fig 10 parameters: inhibitory weights and biases drawn from NumPy
    /// `default_rng(97)` (values of `dale.md` §2), b_e = 0, direct E–E weights 0 (set them
    /// with [`EiParams::with_direct`]).
    pub const PAPER: EiParams = EiParams {
        e2_e1: 0.0,
        e1_e2: 0.0,
        i1_e1: 3.947902433902573,
        i2_e2: 4.232002815689249,
        e2_i1: -1.0425905005723313,
        e1_i2: -1.0985005179806493,
        b_e1: 0.0,
        b_e2: 0.0,
        b_i1: -2.2544347640904903,
        b_i2: -2.1838417195006405,
    };

    /// The notebook's preliminary un-noised parameters (not used in the paper):
    /// W_ie = 4, W_ei = −1, b_i = −2, b_e = 0, direct weights 0.
    pub const UNNOISED: EiParams = EiParams {
        e2_e1: 0.0,
        e1_e2: 0.0,
        i1_e1: 4.0,
        i2_e2: 4.0,
        e2_i1: -1.0,
        e1_i2: -1.0,
        b_e1: 0.0,
        b_e2: 0.0,
        b_i1: -2.0,
        b_i2: -2.0,
    };

    /// The same system with direct weights e2_e1 (e1 → e2) and e1_e2 (e2 → e1).
    pub fn with_direct(self, e2_e1: f64, e1_e2: f64) -> EiParams {
        EiParams {
            e2_e1,
            e1_e2,
            ..self
        }
    }

    /// Weights, row-major `[post * 4 + pre]`.
    pub fn weights(&self) -> Vec<f64> {
        let mut w = vec![0.0; N * N];
        w[E2 * N + E1] = self.e2_e1;
        w[E1 * N + E2] = self.e1_e2;
        w[I1 * N + E1] = self.i1_e1;
        w[I2 * N + E2] = self.i2_e2;
        w[E2 * N + I1] = self.e2_i1;
        w[E1 * N + I2] = self.e1_i2;
        w
    }

    /// Biases (e1, e2, i1, i2).
    pub fn biases(&self) -> Vec<f64> {
        vec![self.b_e1, self.b_e2, self.b_i1, self.b_i2]
    }

    /// The network for simulator M1 (rectangular PSP, t_ref = τ_syn = 25).
    pub fn network(&self) -> Result<Network, NetworkError> {
        Network::new(
            self.weights(),
            self.biases(),
            T_REF,
            TAU_SYN,
            Conventions::SAMPLER_M1,
        )
    }

    /// Effective minus raw weight of `pathway` ([`disynaptic_offset`] with
    /// (i1_e1, e2_i1, b_i1, b_e1) for e1 → e2 and (i2_e2, e1_i2, b_i2, b_e2) for e2 → e1).
    pub fn offset(&self, pathway: Pathway) -> f64 {
        match pathway {
            Pathway::E1ToE2 => disynaptic_offset(self.i1_e1, self.e2_i1, self.b_i1, self.b_e1),
            Pathway::E2ToE1 => disynaptic_offset(self.i2_e2, self.e1_i2, self.b_i2, self.b_e2),
        }
    }

    /// Effective weight of `pathway` for a raw direct weight `raw`.
    pub fn effective_weight(&self, pathway: Pathway, raw: f64) -> f64 {
        raw + self.offset(pathway)
    }

    /// Raw direct weight of `pathway` that has effective weight `effective` (the inverse).
    pub fn raw_weight(&self, pathway: Pathway, effective: f64) -> f64 {
        effective - self.offset(pathway)
    }

    /// The direct weight of `pathway` in this parameter set.
    pub fn direct(&self, pathway: Pathway) -> f64 {
        match pathway {
            Pathway::E1ToE2 => self.e2_e1,
            Pathway::E2ToE1 => self.e1_e2,
        }
    }

    /// The effective weight of `pathway` with this parameter set's own direct weight.
    pub fn effective(&self, pathway: Pathway) -> f64 {
        self.effective_weight(pathway, self.direct(pathway))
    }
}

/// A spike sink adapter that passes on only the spikes of selected neurons (indices are
/// kept as they are). Used to feed only e1/e2 spikes to the pair accumulator.
#[derive(Debug, Clone)]
pub struct SpikeFilter<S> {
    keep: Vec<bool>,
    buf: Vec<usize>,
    /// The sink receiving the selected spikes.
    pub inner: S,
}

impl<S: SpikeSink> SpikeFilter<S> {
    /// Passes on the spikes of the neurons listed in `keep` to `inner`.
    pub fn new(keep: &[usize], inner: S) -> SpikeFilter<S> {
        let len = keep.iter().map(|&i| i + 1).max().unwrap_or(0);
        let mut mask = vec![false; len];
        for &i in keep {
            mask[i] = true;
        }
        SpikeFilter {
            keep: mask,
            buf: Vec::with_capacity(len),
            inner,
        }
    }
}

impl<S: SpikeSink> SpikeSink for SpikeFilter<S> {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        self.buf.clear();
        self.buf.extend(
            ids.iter()
                .copied()
                .filter(|&i| self.keep.get(i).copied().unwrap_or(false)),
        );
        if !self.buf.is_empty() {
            self.inner.on_spikes(t, &self.buf);
        }
    }
}

/// Rates and SAL updates of one simulated configuration (spec `dale.md` §1.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EiMeasurement {
    /// SAL update of e1 → e2: S\[e2\]\[e1\] · t_ref / T_sim.
    pub stdp_e2_e1: f64,
    /// SAL update of e2 → e1: S\[e1\]\[e2\] · t_ref / T_sim.
    pub stdp_e1_e2: f64,
    /// Rates (e1, e2, i1, i2) in 1/t_ref: count / T_sim · t_ref.
    pub rates: [f64; 4],
}

/// Simulates `params` for `t_sim` steps from the fresh state (no spike in the past) with the
/// M1 clock engine. Only e1/e2 spikes go to the nearest-neighbour accumulator (`models.md`
/// §5.2) with the exponential SAL window (A+ = −1, A− = +1, τ = t_ref).
pub fn measure(
    params: &EiParams,
    t_sim: u64,
    rng: &mut SimRng,
) -> Result<EiMeasurement, NetworkError> {
    assert!(t_sim > 0, "T_sim must be positive");
    let mut engine = EngineKind::default().build(params.network()?);
    let pairs =
        NearestNeighbourPairs::new(2, SynapseWindows::Shared(Window::sal_exp(T_REF as f64)));
    let mut sink = (SpikeCounter::new(N), SpikeFilter::new(&[E1, E2], pairs));
    engine.run(t_sim, rng, &mut sink);
    let (counter, filter) = sink;
    let norm = T_REF as f64 / t_sim as f64;
    let mut rates = [0.0; 4];
    for (r, &c) in rates.iter_mut().zip(&counter.counts) {
        *r = c as f64 * norm;
    }
    Ok(EiMeasurement {
        stdp_e2_e1: filter.inner.get(E2, E1) * norm,
        stdp_e1_e2: filter.inner.get(E1, E2) * norm,
        rates,
    })
}

/// The simulated SAL phase plane over a grid of direct weights (spec `dale.md` §2).
///
/// Grid point (i, j) has e2_e1 = ws\[i\], e1_e2 = ws\[j\]; values are row-major `[i * n + j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EiPhasePlane {
    /// The raw weight axis (both direct weights).
    pub ws: Vec<f64>,
    /// Steps per grid point.
    pub t_sim: u64,
    /// Master seed.
    pub seed: u64,
    /// Update of e1 → e2 (stdp_12 in the notebook).
    pub stdp_e2_e1: Vec<f64>,
    /// Update of e2 → e1 (stdp_21 in the notebook).
    pub stdp_e1_e2: Vec<f64>,
    /// Rates (e1, e2, i1, i2) in 1/t_ref.
    pub rates: Vec<[f64; 4]>,
}

impl EiPhasePlane {
    /// Grid size n.
    pub fn n(&self) -> usize {
        self.ws.len()
    }

    /// Rate of neuron `k` at every grid point, row-major.
    pub fn rate(&self, k: usize) -> Vec<f64> {
        self.rates.iter().map(|r| r[k]).collect()
    }

    /// √(stdp_e2_e1² + stdp_e1_e2²) divided by its maximum (the Fig 10 background).
    pub fn normalised_magnitude(&self) -> Vec<f64> {
        crate::metrics::normalised_magnitude(&self.stdp_e2_e1, &self.stdp_e1_e2)
    }

    /// Zero line of the e2_e1 update, per column: for every e1_e2 = ws\[j\], the e2_e1 values
    /// where stdp_e2_e1 changes sign along i (linear interpolation). Rows (w_e1_e2, w_e2_e1).
    pub fn zero_line_by_column(&self) -> Vec<[f64; 2]> {
        let n = self.n();
        let mut out = Vec::new();
        for j in 0..n {
            let col: Vec<f64> = (0..n).map(|i| self.stdp_e2_e1[i * n + j]).collect();
            for z in sign_changes(&self.ws, &col) {
                out.push([self.ws[j], z]);
            }
        }
        out
    }

    /// Zero line of the e1_e2 update, per row: for every e2_e1 = ws\[i\], the e1_e2 values
    /// where stdp_e1_e2 changes sign along j (linear interpolation). Rows (w_e2_e1, w_e1_e2).
    /// This is how `dale.md` §2 quotes the displacement w_e1_e2 − w_e2_e1.
    pub fn zero_line_by_row(&self) -> Vec<[f64; 2]> {
        let n = self.n();
        let mut out = Vec::new();
        for i in 0..n {
            for z in sign_changes(&self.ws, &self.stdp_e1_e2[i * n..(i + 1) * n]) {
                out.push([self.ws[i], z]);
            }
        }
        out
    }
}

/// Positions where `f` (sampled at increasing `x`) crosses zero: exact zeros at sample points
/// and linear interpolation inside intervals with a strict sign change.
pub fn sign_changes(x: &[f64], f: &[f64]) -> Vec<f64> {
    assert_eq!(x.len(), f.len(), "x and f must have the same length");
    let mut out = Vec::new();
    for k in 0..f.len() {
        if f[k] == 0.0 {
            out.push(x[k]);
        } else if k + 1 < f.len() && f[k + 1] != 0.0 && (f[k] < 0.0) != (f[k + 1] < 0.0) {
            out.push(x[k] + (x[k + 1] - x[k]) * f[k] / (f[k] - f[k + 1]));
        }
    }
    out
}

/// Simulates the phase plane: grid point (i, j) with e2_e1 = ws\[i\], e1_e2 = ws\[j\] (the
/// other parameters from `params`) for `t_sim` steps with stream (`seed`, [`GRID_STREAM`],
/// i·n + j). Points run in parallel; the result does not depend on the number of threads.
pub fn phase_plane(
    params: &EiParams,
    ws: &[f64],
    t_sim: u64,
    seed: u64,
) -> Result<EiPhasePlane, NetworkError> {
    let n = ws.len();
    let points: Vec<EiMeasurement> = (0..n * n)
        .into_par_iter()
        .map(|k| {
            let p = params.with_direct(ws[k / n], ws[k % n]);
            measure(&p, t_sim, &mut stream(seed, GRID_STREAM, k as u64))
        })
        .collect::<Result<_, _>>()?;
    Ok(EiPhasePlane {
        ws: ws.to_vec(),
        t_sim,
        seed,
        stdp_e2_e1: points.iter().map(|m| m.stdp_e2_e1).collect(),
        stdp_e1_e2: points.iter().map(|m| m.stdp_e1_e2).collect(),
        rates: points.iter().map(|m| m.rates).collect(),
    })
}

/// The effective-weight check of `dale.md` §3: rate of e2 in the E–I system and in the
/// direct system with the same effective weight.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCheck {
    /// Raw weights w (e2_e1 of the E–I system).
    pub w: Vec<f64>,
    /// Effective weights W_eff(w) of the e1 → e2 pathway (e2_e1 of the direct system).
    pub w_eff: Vec<f64>,
    /// Rate of e2 (1/t_ref), E–I system.
    pub rate_e2_ei: Vec<f64>,
    /// Rate of e2 (1/t_ref), direct system.
    pub rate_e2_direct: Vec<f64>,
}

/// The two systems of the rate check for raw weight `w`: E–I (e1_e2 = e1_i2 = 0,
/// e2_e1 = w) and direct (additionally e2_i1 = 0, e2_e1 = W_eff(w) from the E–I parameters).
pub fn rate_check_systems(params: &EiParams, w: f64) -> (EiParams, EiParams) {
    let ei = EiParams {
        e2_e1: w,
        e1_e2: 0.0,
        e1_i2: 0.0,
        ..*params
    };
    let direct = EiParams {
        e2_e1: params.effective_weight(Pathway::E1ToE2, w),
        e2_i1: 0.0,
        ..ei
    };
    (ei, direct)
}

/// Runs the rate check for raw weights `ws`, `t_sim` steps per system and weight, streams
/// (`seed`, [`RATE_EI_STREAM`] / [`RATE_DIRECT_STREAM`], index of w); in parallel.
pub fn rate_check(
    params: &EiParams,
    ws: &[f64],
    t_sim: u64,
    seed: u64,
) -> Result<RateCheck, NetworkError> {
    let rates: Vec<(f64, f64)> = ws
        .par_iter()
        .enumerate()
        .map(|(k, &w)| {
            let (ei, direct) = rate_check_systems(params, w);
            let a = measure(&ei, t_sim, &mut stream(seed, RATE_EI_STREAM, k as u64))?;
            let b = measure(
                &direct,
                t_sim,
                &mut stream(seed, RATE_DIRECT_STREAM, k as u64),
            )?;
            Ok((a.rates[E2], b.rates[E2]))
        })
        .collect::<Result<_, NetworkError>>()?;
    Ok(RateCheck {
        w: ws.to_vec(),
        w_eff: ws
            .iter()
            .map(|&w| params.effective_weight(Pathway::E1ToE2, w))
            .collect(),
        rate_e2_ei: rates.iter().map(|r| r.0).collect(),
        rate_e2_direct: rates.iter().map(|r| r.1).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::{SpikeRecorder, replay};

    #[test]
    fn weights_land_in_post_pre_slots() {
        let p = EiParams::PAPER.with_direct(0.3, 0.7);
        let w = p.weights();
        assert_eq!(w[N], 0.3); // W[1][0]: e1 → e2
        assert_eq!(w[1], 0.7); // W[0][1]: e2 → e1
        assert_eq!(w[2 * N], p.i1_e1); // W[2][0]
        assert_eq!(w[3 * N + 1], p.i2_e2); // W[3][1]
        assert_eq!(w[N + 2], p.e2_i1); // W[1][2]
        assert_eq!(w[3], p.e1_i2); // W[0][3]
        assert_eq!(w.iter().filter(|&&x| x != 0.0).count(), 6);
    }

    #[test]
    fn offset_is_independent_of_direct_weight_and_inverts() {
        let p = EiParams::PAPER;
        for path in [Pathway::E1ToE2, Pathway::E2ToE1] {
            let q = p.with_direct(1.3, -0.4);
            assert_eq!(p.offset(path), q.offset(path));
            let e = p.effective_weight(path, 0.77);
            assert!((p.raw_weight(path, e) - 0.77).abs() < 1e-15);
        }
        // un-noised: −σ(0)·... = −1 · σ(4·0.5 − 2) / 0.5 = −1.
        assert!((EiParams::UNNOISED.offset(Pathway::E1ToE2) + 1.0).abs() < 1e-15);
    }

    #[test]
    fn filter_passes_only_selected_neurons() {
        let mut f = SpikeFilter::new(&[0, 1], SpikeRecorder::default());
        replay(&[(1, 0), (1, 2), (3, 3), (4, 1), (4, 2), (9, 5)], &mut f);
        assert_eq!(f.inner.spikes, vec![(1, 0), (4, 1)]);
    }

    #[test]
    fn sign_changes_interpolate_and_keep_exact_zeros() {
        let x = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(sign_changes(&x, &[-1.0, 1.0, 2.0, 3.0]), vec![0.5]);
        assert_eq!(sign_changes(&x, &[-1.0, 0.0, 2.0, -2.0]), vec![1.0, 2.5]);
        assert!(sign_changes(&x, &[1.0, 1.0, 2.0, 3.0]).is_empty());
    }
}
