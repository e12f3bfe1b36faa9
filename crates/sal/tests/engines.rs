//! The event-driven engine against the exact two-neuron oracle and against the clock
//! engine (the reference semantics), in law: state distributions, rates and pair statistics
//! of 2-, 7- and 50-neuron networks under the sampler (M1), analytic (M2), microcircuit (M3,
//! PSP delay 1) and SALNet (M4) conventions.
//!
//! Tolerances come from batch means: each long run is cut into B consecutive batches (one
//! continuous simulation, observed per batch); the standard error of a whole-run mean is the
//! batch standard deviation / √B. Batches are ≥ 10⁵ steps, far longer than the correlation
//! time of these networks (a few t_ref), so the batch means are practically independent.

use rand_core::Rng;
use sal::conventions::{Conventions, MinIsi};
use sal::engine::{ClockEngine, Engine, EventEngine, Network};
use sal::kernel::{Psp, PspKernel};
use sal::metrics::total_variation;
use sal::pairing::OrderedPairSums;
use sal::rng::{SimRng, stream};
use sal::sampling::states::StateSampler;
use sal::spikes::{SpikeCounter, SpikeRecorder, SpikeSink};
use sal::stdd::Centre;
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::empirical::EmpiricalStdd;
use sal::window::Window;

fn unif(rng: &mut SimRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0
}

/// Expected total variation between an exact two-half distribution and its estimate from
/// `n_half` independent pairs per half (as in `simulation.rs`).
fn tv_floor(p: &[f64], n_half: f64) -> f64 {
    0.5 * p
        .iter()
        .map(|&x| {
            let ph = 2.0 * x;
            (2.0 / std::f64::consts::PI).sqrt() * (ph * (1.0 - ph) / n_half).sqrt() / 2.0
        })
        .sum::<f64>()
}

/// The N = 2 event engine reproduces the exact STDD (rect PSP of length t_ref, T = 4·t_ref)
/// for both refractoriness conventions and both PSP delays. Bound: TV ≤ 0.01 over 10⁷ steps
/// (the clock engine's test in `sampling.rs`) and TV ≤ 2 × the sampling floor of
/// independent pairs (`simulation.rs`; observed ratios ≈ 1).
#[test]
fn event_engine_matches_the_oracle() {
    let (t_ref, t_max) = (10, 40);
    for conv in [
        Conventions::analytic_with(MinIsi::TRef),
        Conventions::analytic_with(MinIsi::TRefPlus1),
        Conventions::MICROCIRCUIT_M3,
        Conventions::SALNET_M4,
    ] {
        for (k, pair) in [
            Pair {
                w12: 0.8,
                w21: 0.4,
                b1: -0.5,
                b2: -0.5,
            },
            Pair {
                w12: -1.2,
                w21: 0.6,
                b1: 0.3,
                b2: -0.4,
            },
        ]
        .iter()
        .enumerate()
        {
            let mut calc = Calculator::new(
                PspKernel::new(Psp::Rect, t_ref as f64, t_ref as f64),
                t_max,
                t_ref,
            );
            calc.conventions = conv;
            let exact = calc.stdd(pair, Centre::Zero).unwrap();
            let net = Network::new(
                vec![0.0, pair.w12, pair.w21, 0.0],
                vec![pair.b1, pair.b2],
                t_ref,
                t_ref,
                conv,
            )
            .unwrap();
            let mut eng = EventEngine::new(net);
            let mut rng = stream(5, "oracle-event", k as u64);
            let mut est = EmpiricalStdd::new(t_max);
            eng.run(10_000_000, &mut rng, &mut est);
            let tv = total_variation(&exact.p, &est.stdd(Centre::Zero).p);
            let (nr, nl) = est.counts();
            let floor = tv_floor(&exact.p, nr.min(nl));
            println!("{conv:?} set {k}: TV {tv:.4} (floor ≈ {floor:.4})");
            assert!(tv <= 0.01, "TV {tv}");
            assert!(tv <= 2.0 * floor, "TV {tv} vs floor {floor}");
        }
    }
}

/// Everything observed in one run: state histogram (N ≤ 10), spike counts, unit-triangle
/// pair sums.
struct Obs {
    states: Option<StateSampler>,
    counts: SpikeCounter,
    pairs: OrderedPairSums,
}

impl SpikeSink for Obs {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        if let Some(s) = &mut self.states {
            s.on_spikes(t, ids);
        }
        self.counts.on_spikes(t, ids);
        self.pairs.on_spikes(t, ids);
    }
}

/// Per-batch observations of one continuous run.
struct Record {
    /// Sampled state distribution of the whole run (empty for N > 10).
    states: Vec<f64>,
    /// Per batch: state frequencies, spikes per step, pair sums P per step.
    batch_states: Vec<Vec<f64>>,
    batch_rates: Vec<Vec<f64>>,
    batch_pairs: Vec<Vec<f64>>,
}

/// Runs `eng` for `batches` × `len` steps (one continuous simulation), observing with the
/// pair window Tri(1, 1, τ, τ).
fn observe(
    eng: &mut dyn Engine,
    net: &Network,
    batches: usize,
    len: u64,
    tau: f64,
    rng: &mut SimRng,
) -> Record {
    let n = net.n;
    let mut obs = Obs {
        states: (n <= 10).then(|| StateSampler::new(n, net.t_ref)),
        counts: SpikeCounter::new(n),
        pairs: OrderedPairSums::new(n, Window::tri(1.0, 1.0, tau, tau)),
    };
    let mut rec = Record {
        states: Vec::new(),
        batch_states: Vec::new(),
        batch_rates: Vec::new(),
        batch_pairs: Vec::new(),
    };
    let (mut prev_s, mut prev_c, mut prev_p) = (
        vec![0u64; if n <= 10 { 1 << n } else { 0 }],
        vec![0u64; n],
        vec![0.0; n * n],
    );
    for _ in 0..batches {
        eng.run(len, rng, &mut obs);
        if let Some(s) = &obs.states {
            let d: Vec<f64> = s
                .counts
                .iter()
                .zip(&prev_s)
                .map(|(a, b)| (a - b) as f64)
                .collect();
            let tot: f64 = d.iter().sum();
            rec.batch_states.push(d.iter().map(|x| x / tot).collect());
            prev_s.clone_from(&s.counts);
        }
        rec.batch_rates.push(
            obs.counts
                .counts
                .iter()
                .zip(&prev_c)
                .map(|(a, b)| (a - b) as f64 / len as f64)
                .collect(),
        );
        prev_c.clone_from(&obs.counts.counts);
        rec.batch_pairs.push(
            obs.pairs
                .p
                .iter()
                .zip(&prev_p)
                .map(|(a, b)| (a - b) / len as f64)
                .collect(),
        );
        prev_p.clone_from(&obs.pairs.p);
    }
    if let Some(s) = &mut obs.states {
        rec.states = s.finish(batches as u64 * len);
    }
    rec
}

/// Mean and standard error (batch means) of every component.
fn mean_se(batches: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let b = batches.len() as f64;
    let k = batches[0].len();
    let mean: Vec<f64> = (0..k)
        .map(|i| batches.iter().map(|x| x[i]).sum::<f64>() / b)
        .collect();
    let se = (0..k)
        .map(|i| {
            let v = batches
                .iter()
                .map(|x| (x[i] - mean[i]).powi(2))
                .sum::<f64>()
                / (b - 1.0);
            (v / b).sqrt()
        })
        .collect();
    (mean, se)
}

/// Largest |difference| / combined standard error over the components `keep`.
fn max_z(a: &[Vec<f64>], b: &[Vec<f64>], keep: impl Fn(usize) -> bool) -> f64 {
    let (ma, sa) = mean_se(a);
    let (mb, sb) = mean_se(b);
    (0..ma.len())
        .filter(|&i| keep(i))
        .map(|i| {
            let s = (sa[i].powi(2) + sb[i].powi(2)).sqrt();
            if s == 0.0 {
                if ma[i] == mb[i] { 0.0 } else { f64::INFINITY }
            } else {
                (ma[i] - mb[i]).abs() / s
            }
        })
        .fold(0.0, f64::max)
}

/// Expected TV between two independent state-distribution estimates with batch standard
/// errors `sa`, `sb`: ½ Σ E|N(0, sa² + sb²)| = ½ Σ √(2/π)·√(sa² + sb²).
fn tv_noise(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    let (_, sa) = mean_se(a);
    let (_, sb) = mean_se(b);
    0.5 * (2.0 / std::f64::consts::PI).sqrt()
        * sa.iter()
            .zip(&sb)
            .map(|(x, y)| (x * x + y * y).sqrt())
            .sum::<f64>()
}

/// A random network: off-diagonal weights uniform in ±`w` (each present with probability
/// `density`), diagonal uniform in ±`w_self`, biases uniform in `b0` ± `b`.
#[allow(clippy::too_many_arguments)]
fn random_net(
    n: usize,
    seed: u64,
    density: f64,
    w: f64,
    w_self: f64,
    b0: f64,
    b: f64,
    t_ref: usize,
    psp_len: usize,
    conv: Conventions,
) -> Network {
    let mut rng = stream(seed, "engines-net", n as u64);
    let mut wm = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i == j {
                wm[i * n + j] = w_self * (2.0 * unif(&mut rng) - 1.0);
            } else if unif(&mut rng) < density {
                wm[i * n + j] = w * (2.0 * unif(&mut rng) - 1.0);
            }
        }
    }
    let bv = (0..n)
        .map(|_| b0 + b * (2.0 * unif(&mut rng) - 1.0))
        .collect();
    Network::new(wm, bv, t_ref, psp_len, conv).unwrap()
}

/// N = 7: the event engine and the clock engine (different seeds, 2·10⁷ steps each = 40
/// batches of 5·10⁵) give the same state distribution, rates and pair statistics.
///
/// * States: TV(event, clock) must stay below 2 × its expected noise level ½Σ√(2/π)·se
///   (se from the batch means of both runs); as a check of that noise model, a second clock
///   run (clock vs clock) must obey the same bound, and TV(event, clock) ≤ 2·TV(clock,
///   clock) + 0.002.
/// * Rates (spikes per step) and the per-step pair matrix P (unit triangle of width τ_syn,
///   42 off-diagonal entries): every |difference| ≤ 5 combined standard errors. With 40
///   batches a Student-t(39) tail beyond 5 has probability ≈ 1e-5 per entry.
fn seven(conv: Conventions, t_ref: usize, psp_len: usize, w_self: f64, seed: u64) {
    let net = random_net(7, seed, 1.0, 1.0, w_self, 0.0, 0.5, t_ref, psp_len, conv);
    let (batches, len) = (40, 500_000);
    let tau = psp_len as f64;
    let mut clock = ClockEngine::new(net.clone());
    let c1 = observe(
        &mut clock,
        &net,
        batches,
        len,
        tau,
        &mut stream(seed, "clock", 1),
    );
    clock.reset();
    let c2 = observe(
        &mut clock,
        &net,
        batches,
        len,
        tau,
        &mut stream(seed, "clock", 2),
    );
    let mut event = EventEngine::new(net.clone());
    let e = observe(
        &mut event,
        &net,
        batches,
        len,
        tau,
        &mut stream(seed, "event", 3),
    );
    let tv_ec = total_variation(&e.states, &c1.states);
    let tv_cc = total_variation(&c2.states, &c1.states);
    let noise_ec = tv_noise(&e.batch_states, &c1.batch_states);
    let noise_cc = tv_noise(&c2.batch_states, &c1.batch_states);
    let z_rate = max_z(&e.batch_rates, &c1.batch_rates, |_| true);
    let z_pair = max_z(&e.batch_pairs, &c1.batch_pairs, |k| k / 7 != k % 7);
    let z_rate_cc = max_z(&c2.batch_rates, &c1.batch_rates, |_| true);
    let z_pair_cc = max_z(&c2.batch_pairs, &c1.batch_pairs, |k| k / 7 != k % 7);
    let rates = mean_se(&e.batch_rates).0;
    println!(
        "{conv:?} t_ref {t_ref} τ_syn {psp_len}: rates {:.4?}\n  TV event–clock {tv_ec:.4} \
         (noise {noise_ec:.4}), clock–clock {tv_cc:.4} (noise {noise_cc:.4}); max z rates \
         {z_rate:.2} (clock–clock {z_rate_cc:.2}), pairs {z_pair:.2} (clock–clock {z_pair_cc:.2})",
        rates
    );
    assert!(tv_ec <= 2.0 * noise_ec, "TV {tv_ec} vs noise {noise_ec}");
    assert!(
        tv_cc <= 2.0 * noise_cc,
        "clock TV {tv_cc} vs noise {noise_cc}"
    );
    assert!(
        tv_ec <= 2.0 * tv_cc + 0.002,
        "TV {tv_ec} vs clock–clock {tv_cc}"
    );
    assert!(z_rate <= 5.0, "rates: z {z_rate}");
    assert!(z_pair <= 5.0, "pairs: z {z_pair}");
}

/// M1 with t_ref = τ_syn = 20 (hazard table path).
#[test]
fn seven_neurons_sampler_m1() {
    seven(Conventions::SAMPLER_M1, 20, 20, 0.0, 71);
}

/// M2 with t_ref = τ_syn = 20 (hazard table path).
#[test]
fn seven_neurons_analytic_m2() {
    seven(Conventions::ANALYTIC_M2, 20, 20, 0.0, 72);
}

/// M3 (PSP delay 1, so a neuron's own PSP still acts at its first allowed step) with
/// self-weights (hazard table path).
#[test]
fn seven_neurons_microcircuit_m3_with_self_weights() {
    seven(Conventions::MICROCIRCUIT_M3, 20, 20, 1.0, 73);
}

/// M2 with τ_syn = 2.5·t_ref: successive PSPs of one neuron overlap and add up (membrane
/// path, no hazard table).
#[test]
fn seven_neurons_overlapping_psps() {
    seven(Conventions::ANALYTIC_M2, 8, 20, 0.5, 74);
}

/// N = 50 sparse (each neuron receives ~5 random partners, weights ±1, biases −1 ± 0.5;
/// indexed-heap queue, membrane path): per-neuron rates and the mean pairwise coactivation
/// (Hebbian triangle of width t_ref: (P_ij + P_ji)·t_ref per step estimates
/// p(z_i = 1, z_j = 1)), over all pairs and over connected pairs, agree within 5 standard
/// errors (batch means: 40 batches of 10⁵ steps per engine).
#[test]
fn fifty_sparse_neurons_match_the_clock_engine() {
    let n = 50;
    for (k, conv) in [
        Conventions::SAMPLER_M1,
        Conventions::ANALYTIC_M2,
        Conventions::MICROCIRCUIT_M3,
    ]
    .into_iter()
    .enumerate()
    {
        let t_ref = 10;
        let net = random_net(
            n,
            80 + k as u64,
            5.0 / 49.0,
            1.0,
            0.0,
            -1.0,
            0.5,
            t_ref,
            t_ref,
            conv,
        );
        let (batches, len) = (40, 100_000);
        let mut clock = ClockEngine::new(net.clone());
        let c = observe(
            &mut clock,
            &net,
            batches,
            len,
            t_ref as f64,
            &mut stream(8, "clock50", k as u64),
        );
        let mut event = EventEngine::new(net.clone());
        let e = observe(
            &mut event,
            &net,
            batches,
            len,
            t_ref as f64,
            &mut stream(8, "event50", k as u64),
        );
        let z_rate = max_z(&e.batch_rates, &c.batch_rates, |_| true);
        // Mean coactivation per batch, over all pairs and over connected pairs.
        let connected = |i: usize, j: usize| net.w[i * n + j] != 0.0 || net.w[j * n + i] != 0.0;
        let coact = |r: &Record, only_connected: bool| -> Vec<Vec<f64>> {
            r.batch_pairs
                .iter()
                .map(|p| {
                    let (mut s, mut m) = (0.0, 0usize);
                    for i in 0..n {
                        for j in 0..i {
                            if !only_connected || connected(i, j) {
                                s += (p[i * n + j] + p[j * n + i]) * t_ref as f64;
                                m += 1;
                            }
                        }
                    }
                    vec![s / m as f64]
                })
                .collect()
        };
        let z_all = max_z(&coact(&e, false), &coact(&c, false), |_| true);
        let z_conn = max_z(&coact(&e, true), &coact(&c, true), |_| true);
        let mean_rate = mean_se(&e.batch_rates).0.iter().sum::<f64>() / n as f64;
        println!(
            "{conv:?}: mean rate {mean_rate:.4}/step, coactivation {:.5} (connected {:.5}); \
             max z rates {z_rate:.2}, coactivation {z_all:.2}, connected {z_conn:.2}",
            mean_se(&coact(&e, false)).0[0],
            mean_se(&coact(&e, true)).0[0],
        );
        assert!(z_rate <= 5.0, "rates: z {z_rate}");
        assert!(z_all <= 5.0, "coactivation: z {z_all}");
        assert!(z_conn <= 5.0, "connected coactivation: z {z_conn}");
    }
}

/// Splitting a run does not change anything: run(a), run(b) gives the identical spike train
/// to run(a + b) with the same generator (stronger than equality in law), for the table
/// path, the membrane path and the heap queue; the same seed gives the same spikes.
#[test]
fn split_runs_reproduce_the_spike_train() {
    for (n, t_ref, psp_len, conv) in [
        (7, 20, 20, Conventions::SAMPLER_M1),
        (7, 8, 20, Conventions::ANALYTIC_M2),
        (50, 10, 10, Conventions::MICROCIRCUIT_M3),
    ] {
        let net = random_net(n, 9, 0.3, 1.0, 0.5, -0.5, 0.5, t_ref, psp_len, conv);
        let mut eng = EventEngine::new(net);
        let mut run = |pieces: &[u64]| {
            eng.reset();
            let mut rng = stream(3, "split", 0);
            let mut rec = SpikeRecorder::default();
            for &p in pieces {
                eng.run(p, &mut rng, &mut rec);
            }
            assert_eq!(eng.now(), pieces.iter().sum::<u64>());
            rec.spikes
        };
        let whole = run(&[200_000]);
        assert!(whole.len() > 2000, "{} spikes", whole.len());
        assert_eq!(run(&[100_000, 100_000]), whole);
        assert_eq!(run(&[1, 2, 0, 99_997, 37, 99_963]), whole);
        assert_eq!(run(&[200_000]), whole);
    }
}
