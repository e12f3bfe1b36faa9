//! STDWI (spike-timing-dependent weight inference, Ahmad et al. 2021) as the reference's
//! Fig 7 notebook simplifies it (spec `deep.md` §4.3; D15). Units: ms, steps of dt = 0.25 ms.
//!
//! 50 Poisson sources drive 50 input LIF units one to one; the inputs drive 50 output LIF
//! units through 75·W. The feedback B (out × in) learns from the inputs' fast and slow
//! traces at every output spike: `B[i][·] += η·((x_f − x_s) − λ·B[i][·])`. The angle between
//! W and B is recorded every 100 ms.
//!
//! The source trains replay NumPy's legacy generators bit for bit
//! ([`crate::rng_mt19937::RandomState`]): source n spikes where `RandomState(44 + n).rand()`
//! < p, and a fresh `RandomState(42)` permutes, per 100 ms period in order, a column of
//! 10 ones and 40 zeros that says which sources are active in that period.

use crate::control::{Flow, Halt, tick};
use crate::metrics::{Alignment, alignment};
use crate::rng_mt19937::RandomState;

/// The parameters of §4.3.
#[derive(Debug, Clone, PartialEq)]
pub struct StdwiParams {
    /// Number of sources = input units = output units.
    pub n: usize,
    /// Time step (ms).
    pub dt: f64,
    /// Number of steps (simulated time / dt).
    pub steps: usize,
    /// Spike probability per step of an active source (rate 0.2/ms · 0.25 ms).
    pub p: f64,
    /// Steps per active/inactive period (100 ms).
    pub period: usize,
    /// Active sources per period.
    pub active: usize,
    /// Source → input weight (times the identity).
    pub w_in: f64,
    /// Scale of W for input → output.
    pub w_scale: f64,
    /// Membrane time constant (ms).
    pub tau_mem: f64,
    /// Fast trace τ (ms), amplitude 1.
    pub tau_fast: f64,
    /// Slow trace τ (ms), amplitude τ_fast/τ_slow.
    pub tau_slow: f64,
    /// Learning rate η.
    pub lr: f64,
    /// Decay weighting λ.
    pub decay: f64,
    /// Synaptic filter: slow and fast τ (ms) and its length in steps.
    pub syn_tau: (f64, f64),
    /// Filter taps (280 = 70 ms).
    pub syn_len: usize,
    /// Steps between records (100 ms).
    pub record_every: usize,
}

impl Default for StdwiParams {
    fn default() -> Self {
        StdwiParams {
            n: 50,
            dt: 0.25,
            steps: 400_000,
            p: 0.05,
            period: 400,
            active: 10,
            w_in: 10.0,
            w_scale: 75.0,
            tau_mem: 20.0,
            tau_fast: 10.0,
            tau_slow: 200.0,
            lr: 0.02,
            decay: 0.1,
            syn_tau: (10.0, 3.0),
            syn_len: 280,
            record_every: 400,
        }
    }
}

/// The source spike trains (one sorted list of steps per source) after the active-period
/// sampling: source n from `RandomState(44 + n)` (`steps` uniforms, spike where u < p), kept
/// only at steps with period·P < step ≤ (period + 1)·P of periods in which the column drawn
/// by a fresh `RandomState(42)` marks it active.
pub fn source_trains(p: &StdwiParams) -> Vec<Vec<usize>> {
    let periods = p.steps.div_ceil(p.period);
    let mut col = vec![0u8; p.n];
    col[..p.active.min(p.n)].fill(1);
    let mut perm = RandomState::new(42);
    let active: Vec<Vec<u8>> = (0..periods).map(|_| perm.permutation(&col)).collect();
    (0..p.n)
        .map(|src| {
            let mut r = RandomState::new(44 + src as u32);
            let mut out = Vec::new();
            for step in 0..p.steps {
                if r.rand() < p.p && step > 0 {
                    // period·P < step ≤ (period+1)·P
                    let period = (step - 1) / p.period;
                    if period < periods && active[period][src] == 1 {
                        out.push(step);
                    }
                }
            }
            out
        })
        .collect()
}

/// The synaptic filter ("xpsp") of spike trains: each spike adds 1/(τ_s − τ_f) at its step,
/// convolved causally with e^(−dt·m/τ_s) − e^(−dt·m/τ_f), m = 0 … len−1; stored as f32.
/// Returns `steps × n` row-major (time-major).
pub fn xpsp(p: &StdwiParams, trains: &[Vec<usize>]) -> Vec<f32> {
    let (ts, tf) = p.syn_tau;
    let kern: Vec<f64> = (0..p.syn_len)
        .map(|m| {
            let x = p.dt * m as f64;
            (-x / ts).exp() - (-x / tf).exp()
        })
        .collect();
    let amp = 1.0 / (ts - tf);
    let n = trains.len();
    let mut out = vec![0.0f32; p.steps * n];
    let mut col = vec![0.0f64; p.steps];
    for (j, tr) in trains.iter().enumerate() {
        col.fill(0.0);
        for &s in tr {
            for (m, k) in kern.iter().enumerate() {
                let t = s + m;
                if t >= p.steps {
                    break;
                }
                col[t] += amp * k;
            }
        }
        for (t, &x) in col.iter().enumerate() {
            out[t * n + j] = x as f32;
        }
    }
    out
}

/// LIF population (τ_mem, threshold 1, reset −1, rest 0): v = 0 at step 0; for t = 1 … steps−1
/// with input I(t) = `input(t − 1)`: v ← v + (dt/τ)·((0 − v) + (I − v)); v ≥ 1 → spike at t,
/// v = −1. Returns the spike steps per unit.
pub fn lif(p: &StdwiParams, n: usize, mut input: impl FnMut(usize, &mut [f64])) -> Vec<Vec<usize>> {
    let mut v = vec![0.0f64; n];
    let mut cur = vec![0.0f64; n];
    let mut out = vec![Vec::new(); n];
    let a = p.dt / p.tau_mem;
    for t in 1..p.steps {
        input(t - 1, &mut cur);
        for i in 0..n {
            v[i] += a * ((0.0 - v[i]) + (cur[i] - v[i]));
            if v[i] >= 1.0 {
                out[i].push(t);
                v[i] = -1.0;
            }
        }
    }
    out
}

/// What an STDWI run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct StdwiResult {
    /// Record times (s): 0, then every `record_every` steps.
    pub time_s: Vec<f64>,
    /// Alignment of W and B (both out × in) at each record.
    pub alignment: Vec<Alignment>,
    /// The learned B (out × in) at the end.
    pub b_final: Vec<f64>,
    /// Spikes per population (sources, inputs, outputs).
    pub spike_counts: [usize; 3],
}

/// Runs STDWI from W (out × in) and B₀ (out × in, i.e. the drawn feedback transposed).
/// `progress(steps)` is called every record interval.
pub fn run<R: Flow>(
    p: &StdwiParams,
    w: &[f64],
    b0: &[f64],
    progress: &mut impl FnMut(u64) -> R,
) -> Result<StdwiResult, Halt> {
    let n = p.n;
    assert_eq!(w.len(), n * n, "W must be n × n");
    assert_eq!(b0.len(), n * n, "B must be n × n");
    let sources = source_trains(p);
    let xs = xpsp(p, &sources);
    let inputs = lif(p, n, |t, cur| {
        for (c, x) in cur.iter_mut().zip(&xs[t * n..(t + 1) * n]) {
            *c = p.w_in * *x as f64;
        }
    });
    let xi = xpsp(p, &inputs);
    let ws: Vec<f64> = w.iter().map(|x| p.w_scale * x).collect();
    let outputs = lif(p, n, |t, cur| {
        let x = &xi[t * n..(t + 1) * n];
        for (i, c) in cur.iter_mut().enumerate() {
            *c = ws[i * n..(i + 1) * n]
                .iter()
                .zip(x)
                .map(|(a, b)| a * *b as f64)
                .sum();
        }
    });
    // spikes per step (input and output)
    let mut s_in = vec![Vec::new(); p.steps];
    for (j, tr) in inputs.iter().enumerate() {
        for &t in tr {
            s_in[t].push(j);
        }
    }
    let mut s_out = vec![Vec::new(); p.steps];
    for (i, tr) in outputs.iter().enumerate() {
        for &t in tr {
            s_out[t].push(i);
        }
    }
    let df = (-p.dt / p.tau_fast).exp();
    let ds = (-p.dt / p.tau_slow).exp();
    let amp_s = p.tau_fast / p.tau_slow;
    let (mut xf, mut xsl) = (vec![0.0f64; n], vec![0.0f64; n]);
    let mut b = b0.to_vec();
    let mut time_s = vec![0.0];
    let mut al = vec![alignment(w, &b)];
    for t in 0..p.steps {
        for x in xf.iter_mut() {
            *x *= df;
        }
        for x in xsl.iter_mut() {
            *x *= ds;
        }
        for &j in &s_in[t] {
            xf[j] += 1.0;
            xsl[j] += amp_s;
        }
        for &i in &s_out[t] {
            for (j, bij) in b[i * n..(i + 1) * n].iter_mut().enumerate() {
                *bij += p.lr * ((xf[j] - xsl[j]) - p.decay * *bij);
            }
        }
        if (t + 1) % p.record_every == 0 {
            time_s.push((t + 1) as f64 * p.dt / 1000.0);
            al.push(alignment(w, &b));
            crate::control::check_finite(
                &b,
                |k| format!("STDWI feedback B[{}][{}]", k / n, k % n),
                || format!("step {}", t + 1),
            )?;
            tick(progress, p.record_every as u64)?;
        }
    }
    let count = |v: &[Vec<usize>]| v.iter().map(Vec::len).sum();
    Ok(StdwiResult {
        time_s,
        alignment: al,
        b_final: b,
        spike_counts: [count(&sources), count(&inputs), count(&outputs)],
    })
}
