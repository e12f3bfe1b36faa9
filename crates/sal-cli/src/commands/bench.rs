//! `sal bench`: benchmarks with medians of repeated runs and ratios to the reference.
//!
//! The reference's figures live in one data file, `crates/sal-cli/bench/reference.json`
//! (embedded at build time; `--reference FILE` reads another one): the figures measured by
//! `crates/sal-cli/bench/measure_reference.py` (date, machine, CPU, reference commit, method
//! and load stored with them) and, in its `quoted` list, older figures that were not
//! re-measured (marked as such). Every ratio is printed with the provenance of its baseline.
//!
//! Simulation rows (`two_neuron_sim`, `sampler_N`) are timed in thread CPU time (Linux
//! `/proc/thread-self/schedstat`; wall time where that is unavailable), as the reference
//! script times the reference, so that other processes on a shared machine distort the
//! ratio as little as possible; the wall-time median is in the JSON. Other rows use wall
//! time. Costs: ns per spike (the event engine's unit of work: a spike, its fan-out and the
//! rescheduling) and ns per neuron-step (the clock engine's unit), next to the floors
//! measured in the same process: one Exp(1) budget draw per spike (event engine) and one
//! uniform draw and comparison per non-refractory neuron-step (clock engine).

use clap::Args;
use rand_core::Rng;
use sal::conventions::Conventions;
use sal::engine::{Engine, EngineKind, Network};
use sal::kernel::{Psp, PspKernel};
use sal::rng::stream;
use sal::sampling::init::{InitParams, InitialConditions, draw};
use sal::sampling::training::{Protocol, TrainParams, train};
use sal::spikes::SpikeCounter;
use sal::stdd::Centre;
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::ppd::phase_plane;
use sal::two_neuron::TwoNeuronSim;
use sal::window::Window;
use sal_experiments::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// The reference figures shipped with the binary (`crates/sal-cli/bench/reference.json`,
/// written by `crates/sal-cli/bench/measure_reference.py`).
const REFERENCE_JSON: &str = include_str!("../../bench/reference.json");

/// Run the benchmarks and print medians and speed-ups over the reference implementation.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Repetitions per benchmark (the median is reported).
    #[arg(long, default_value_t = 7)]
    pub repeats: usize,
    /// Only run benchmarks whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Print a JSON list of {"name", "engine", "neurons", "steps_per_s", "median_s",
    /// "reference_steps_per_s", "ratio", "baseline", …} objects (plus "reference_s" where
    /// the reference figure is a time).
    #[arg(long)]
    pub json: bool,
    /// Reference figures to divide by (default: the embedded
    /// crates/sal-cli/bench/reference.json; measure_reference.py writes such a file).
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
}

/// The reference file: figures measured by `measure_reference.py` and their provenance,
/// plus quoted figures that were not re-measured.
#[derive(Deserialize, Debug, Default)]
struct ReferenceFile {
    date: Option<String>,
    machine: Option<String>,
    cpu: Option<String>,
    reference_commit: Option<String>,
    method: Option<String>,
    load_average_before: Option<Vec<f64>>,
    load_average_after: Option<Vec<f64>>,
    #[serde(default)]
    simulations: Vec<RefSimulation>,
    #[serde(default)]
    quoted: Vec<RefQuoted>,
}

/// One measured reference simulation.
#[derive(Deserialize, Debug)]
struct RefSimulation {
    name: String,
    neurons: usize,
    t_ref: usize,
    steps_per_s: f64,
    /// W\[post\]\[pre\] of the network the reference was timed on (7-neuron row).
    w: Option<Vec<Vec<f64>>>,
    b: Option<Vec<f64>>,
}

/// A reference figure quoted from earlier measurements (not re-measured).
#[derive(Deserialize, Debug)]
struct RefQuoted {
    name: String,
    reference_s: Option<f64>,
    reference_steps_per_s: Option<f64>,
    /// Training images per second (ConvNet rows).
    reference_images_per_s: Option<f64>,
    source: String,
}

impl ReferenceFile {
    fn load(path: Option<&PathBuf>) -> Result<ReferenceFile> {
        let (text, what) = match path {
            Some(p) => (
                std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
                p.display().to_string(),
            ),
            None => (
                REFERENCE_JSON.to_string(),
                "crates/sal-cli/bench/reference.json".into(),
            ),
        };
        serde_json::from_str(&text)
            .map_err(|e| Error::invalid("--reference", format!("{what}: {e}")))
    }

    /// Short provenance of the measured figures, printed next to each ratio.
    fn measured_tag(&self) -> String {
        let commit = self.reference_commit.as_deref().unwrap_or("?");
        format!(
            "measured {} ref {}",
            self.date.as_deref().unwrap_or("?"),
            &commit[..commit.len().min(7)]
        )
    }

    fn simulation(&self, name: &str) -> Option<&RefSimulation> {
        self.simulations.iter().find(|s| s.name == name)
    }

    fn quoted(&self, name: &str) -> Option<&RefQuoted> {
        self.quoted.iter().find(|q| q.name == name)
    }
}

/// One benchmark result (stable JSON keys).
#[derive(Serialize, Debug)]
pub struct BenchResult {
    /// Benchmark name.
    pub name: String,
    /// Simulation engine, if any.
    pub engine: Option<String>,
    /// Network size, if any.
    pub neurons: Option<usize>,
    /// Simulated steps per second (median), for simulations.
    pub steps_per_s: Option<f64>,
    /// Median wall time of one repetition in seconds.
    pub median_s: f64,
    /// The reference implementation's speed on the same task, for simulations.
    pub reference_steps_per_s: Option<f64>,
    /// The reference implementation's time for the same task, where it is a time.
    pub reference_s: Option<f64>,
    /// Speed-up over the reference.
    pub ratio: Option<f64>,
    /// Provenance of the reference figure ("measured DATE ref COMMIT" or "quoted …").
    pub baseline: Option<String>,
    /// What the times are: "thread-cpu" or "wall".
    pub timing: String,
    /// Median wall time of one repetition in seconds (simulations timed in CPU time).
    pub median_wall_s: f64,
    /// CPU time per spike in ns (simulations).
    pub ns_per_spike: Option<f64>,
    /// CPU time per neuron-step in ns (simulations).
    pub ns_per_neuron_step: Option<f64>,
    /// Spikes per simulated step (whole network), for simulations.
    pub spikes_per_step: Option<f64>,
    /// Mean number of non-zero outgoing synapses per neuron.
    pub fan_out: Option<f64>,
    /// Wall time per synaptic event (spike × fan-out) in ns.
    pub ns_per_synaptic_event: Option<f64>,
    /// Training images per second (ConvNet rows, batches of 128).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images_per_s: Option<f64>,
    /// The reference's training images per second (ConvNet rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_images_per_s: Option<f64>,
}

/// A student of the Fig 6 protocol (2 epochs: 15 training + 5 symmetrisation + 6 validation
/// patterns of 20 000 steps each) for layer sizes `dims`, SAL variant, fixed pseudo-random
/// initial weights and targets 0.4·tanh(Σ inputs).
fn micro_spec(dims: &[usize]) -> sal::microcircuit::StudentSpec {
    use sal::microcircuit::{
        LayerRates, NetParams, StudentSpec, draw_initial_weights, draw_schedule,
    };
    let l = dims.len() - 1;
    let net = NetParams {
        dims: dims.to_vec(),
        lambda_api: 0.02,
        lambda_nudge: 0.6,
        learning_lag: 2000,
        lr: (0..l)
            .map(|k| LayerRates {
                up: if k + 1 == l { 0.003 } else { 0.2 },
                down: if k + 1 == l { 0.0 } else { 0.001 },
            })
            .collect(),
        n_last_spks: 1,
        size_moving_average: 2000,
        a_causal: -1.0,
        a_anticausal: 1.0,
        tau_causal: 10.0,
        tau_anticausal: 10.0,
        t_ref: 10,
        tau_syn: 10,
    };
    let inputs = |xs: &[f64]| -> Vec<(Vec<f64>, Vec<f64>)> {
        xs.iter()
            .map(|&x| {
                (
                    vec![x; dims[0]],
                    vec![0.4 * (x * dims[0] as f64).tanh(); dims[l]],
                )
            })
            .collect()
    };
    StudentSpec {
        weights: draw_initial_weights(355446, dims, (-3.0, 3.0), (-3.0, 3.0)),
        biases: dims[1..].iter().map(|&n| vec![-1.0; n]).collect(),
        net,
        poisson_seed: 649855,
        t_pattern: 2000,
        len_epoch: 20,
        len_symmetrization: 5,
        len_validation: 6,
        num_epochs: 2,
        schedule: draw_schedule(915345, 2, 8, 6, 20, 6, true, false),
        training: inputs(&[-3.0, -2.5, -2.0, -0.8, 0.8, 2.0, 2.5, 3.0]),
        validation: inputs(&[-2.7, -1.8, -0.5, 0.5, 1.8, 2.7]),
        update_down: true,
        set_sps: true,
        recorded: Vec::new(),
        recorded_sample_length: 20_000,
        symmetrisation_bias_offset: 0.0,
        symmetrisation_input: None,
        symmetrisation_homeostasis: None,
        record_spikes: false,
    }
}

/// CPU time of the calling thread in seconds (Linux), if available.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// Medians of one repetition after a warm-up: (time used for speeds, wall time, what the
/// first is). With `cpu`, the first is the calling thread's CPU time where available.
fn median_time(repeats: usize, cpu: bool, mut f: impl FnMut()) -> (f64, f64, &'static str) {
    f(); // warm-up
    let use_cpu = cpu && thread_cpu_s().is_some();
    let mut ts = Vec::new();
    let mut walls = Vec::new();
    for _ in 0..repeats.max(1) {
        let c = thread_cpu_s();
        let t = Instant::now();
        f();
        walls.push(t.elapsed().as_secs_f64());
        if let (true, Some(c0), Some(c1)) = (use_cpu, c, thread_cpu_s()) {
            ts.push(c1 - c0);
        }
    }
    walls.sort_by(f64::total_cmp);
    let wall = walls[walls.len() / 2];
    if use_cpu && ts.len() == walls.len() {
        ts.sort_by(f64::total_cmp);
        (ts[ts.len() / 2], wall, "thread-cpu")
    } else {
        (wall, wall, "wall")
    }
}

/// Cost floors measured in this process: ns per Exp(1) budget draw (the event engine's
/// one draw per spike) and per 53-bit uniform draw and integer comparison (the clock
/// engine's work per non-refractory neuron-step).
fn floors(repeats: usize) -> (f64, f64) {
    const K: u64 = 20_000_000;
    let mut rng = stream(5, "bench-floor", 0);
    let (exp_s, _, _) = median_time(repeats, true, || {
        let mut acc = 0.0;
        for _ in 0..K {
            acc += sal::neuron::exp1(&mut rng);
        }
        std::hint::black_box(acc);
    });
    let thr = std::hint::black_box(1u64 << 49);
    let (unif_s, _, _) = median_time(repeats, true, || {
        let mut c = 0u64;
        for _ in 0..K {
            c += (sal::neuron::uniform53(&mut rng) < thr) as u64;
        }
        std::hint::black_box(c);
    });
    (exp_s * 1e9 / K as f64, unif_s * 1e9 / K as f64)
}

/// The CPU model, for the report header.
fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Targets and initial state of the minimal example drawn with our generator (the bench
/// must not depend on files).
fn minimal_example_init() -> InitialConditions {
    draw(
        &InitParams {
            n: 7,
            alpha: 1.0,
            beta: 1.0,
            weight_init: 0.2,
            bias_init: 0.2,
            init_noise: 0.2,
            stdp_noise: 0.05,
            a_plus: 1.0,
            clip_amplitudes_at_zero: false,
        },
        4242,
        4343,
    )
}

/// The benchmark network of size `n` and its mean fan-out: the two-neuron Fig 2d pair, the
/// 7-neuron network the reference was timed on (W*, b* stored in the reference file; else
/// the minimal-example targets drawn with our generator: a trained sampler), or for n ≥ 50
/// a sparse random network (10 random partners per neuron, weights uniform in ±0.5, biases
/// −1). t_ref = τ_syn = 50, sampler conventions (M1).
fn bench_network(
    n: usize,
    ic: &InitialConditions,
    reference: Option<&RefSimulation>,
) -> Result<(Network, f64)> {
    let err = |e: sal::engine::NetworkError| Error::Failed(e.to_string());
    let (w, b) = match (n, reference) {
        (2, _) => (vec![0.0, 1.5, 0.5, 0.0], vec![-0.5, -0.2]),
        (
            7,
            Some(RefSimulation {
                w: Some(w),
                b: Some(b),
                ..
            }),
        ) => (w.concat(), b.clone()),
        (7, _) => (ic.w_target.clone(), ic.b_target.clone()),
        _ => {
            let mut rng = stream(11, "bench-net", n as u64);
            let mut w = vec![0.0; n * n];
            for j in 0..n {
                let mut k = 0;
                while k < 10 {
                    let i = (rng.next_u64() % n as u64) as usize;
                    if i != j && w[i * n + j] == 0.0 {
                        w[i * n + j] = (sal::sampling::init::unit(&mut rng) - 0.5) * 1.0;
                        k += 1;
                    }
                }
            }
            (w, vec![-1.0; n])
        }
    };
    let fan_out = (0..n)
        .map(|j| (0..n).filter(|&i| w[i * n + j] != 0.0).count())
        .sum::<usize>() as f64
        / n as f64;
    Ok((
        Network::new(w, b, 50, 50, Conventions::SAMPLER_M1).map_err(err)?,
        fan_out,
    ))
}

/// A result without simulation columns.
fn timed(
    name: &str,
    engine: Option<&str>,
    neurons: Option<usize>,
    t: (f64, f64, &str),
) -> BenchResult {
    BenchResult {
        name: name.into(),
        engine: engine.map(Into::into),
        neurons,
        steps_per_s: None,
        median_s: t.0,
        reference_steps_per_s: None,
        reference_s: None,
        ratio: None,
        baseline: None,
        timing: t.2.into(),
        median_wall_s: t.1,
        spikes_per_step: None,
        fan_out: None,
        ns_per_synaptic_event: None,
        ns_per_spike: None,
        ns_per_neuron_step: None,
        images_per_s: None,
        reference_images_per_s: None,
    }
}

impl BenchResult {
    /// Sets a reference time (seconds) and the ratio.
    fn vs_time(mut self, q: Option<&RefQuoted>) -> BenchResult {
        if let Some(q) = q
            && let Some(t) = q.reference_s
        {
            self.reference_s = Some(t);
            self.ratio = Some(t / self.median_s);
            self.baseline = Some(format!("quoted: {}", q.source));
        }
        self
    }

    /// Sets a reference speed (steps/s), its provenance and the ratio.
    fn vs_speed(mut self, r: Option<(f64, String)>) -> BenchResult {
        if let (Some((sps, tag)), Some(ours)) = (r, self.steps_per_s) {
            self.reference_steps_per_s = Some(sps);
            self.ratio = Some(ours / sps);
            self.baseline = Some(tag);
        }
        self
    }
}

/// Runs `sal bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if args.repeats == 0 {
        return Err(Error::invalid("--repeats", "must be at least 1"));
    }
    let refs = ReferenceFile::load(args.reference.as_ref())?;
    let measured = |name: &str, n: usize, t_ref: usize| {
        refs.simulation(name)
            .filter(|s| s.neurons == n && s.t_ref == t_ref)
            .map(|s| (s.steps_per_s, refs.measured_tag()))
    };
    let want = |name: &str| args.filter.as_deref().is_none_or(|f| name.contains(f));
    let mut results = Vec::new();

    if want("stdd_analytic_t80") {
        let calc = Calculator::new(PspKernel::new(Psp::Rect, 40.0, 40.0), 80, 40);
        let pair = Pair {
            w12: 0.55,
            w21: 0.45,
            b1: 0.0,
            b2: 1.0,
        };
        let t = median_time(args.repeats, false, || {
            std::hint::black_box(calc.stdd(&pair, Centre::Nan).unwrap());
        });
        results.push(
            timed("stdd_analytic_t80", None, Some(2), t).vs_time(refs.quoted("stdd_analytic_t80")),
        );
    }
    if want("fig2e_grid_17x17") {
        let calc = Calculator::new(PspKernel::new(Psp::Rect, 15.0, 15.0), 30, 15);
        let axis: Vec<f64> = (0..17).map(|k| -2.0 + 0.25 * k as f64).collect();
        let t = median_time(args.repeats, false, || {
            std::hint::black_box(
                phase_plane(&calc, 0.0, 0.0, &axis, &Window::sal_exp(15.0)).unwrap(),
            );
        });
        results.push(timed("fig2e_grid_17x17", None, Some(2), t));
    }
    if want("two_neuron_sim") {
        // Fig 2d network (sampler conventions, rect PSP, t_ref = 25), single thread.
        let steps: u64 = 20_000_000;
        let pair = Pair {
            w12: 1.5,
            w21: 0.5,
            b1: -0.5,
            b2: -0.2,
        };
        let mut sim = TwoNeuronSim::new(
            &PspKernel::rect(25.0),
            25,
            Conventions::SAMPLER_M1,
            &pair,
            25,
        );
        let mut rng = stream(1, "bench", 0);
        let mut counter = SpikeCounter::new(2);
        let t = median_time(args.repeats, true, || {
            sim.run(steps, &mut rng, &mut counter)
        });
        let spikes: u64 = counter.counts.iter().sum();
        let spikes_per_step = spikes as f64 / (steps * (args.repeats as u64 + 1)) as f64;
        let mut r = timed("two_neuron_sim", Some("clock"), Some(2), t);
        r.steps_per_s = Some(steps as f64 / t.0);
        r.spikes_per_step = Some(spikes_per_step);
        r.ns_per_spike = Some(t.0 * 1e9 / (steps as f64 * spikes_per_step));
        r.ns_per_neuron_step = Some(t.0 * 1e9 / (steps as f64 * 2.0));
        results.push(r.vs_speed(measured("two_neuron_sim", 2, 25)));
    }

    let ic = minimal_example_init();
    for kind in [EngineKind::Clock, EngineKind::Event] {
        for &n in &[2usize, 7, 50, 200, 1000] {
            let name = format!("sampler_{n}");
            if !want(&name) {
                continue;
            }
            let (net, fan_out) = bench_network(n, &ic, refs.simulation(&name))?;
            // Enough steps for ~2·10^8 neuron-steps (at least 10^5 steps).
            let steps = (200_000_000 / n as u64).max(100_000);
            let mut eng = kind.build(net);
            let mut rng = stream(2, "bench", n as u64);
            let mut counter = SpikeCounter::new(n);
            let t = median_time(args.repeats, true, || {
                eng.run(steps, &mut rng, &mut counter)
            });
            let m = t.0;
            let spikes: u64 = counter.counts.iter().sum();
            let total_steps = steps * (args.repeats as u64 + 1);
            let spikes_per_step = spikes as f64 / total_steps as f64;
            let mut r = timed(&name, Some(kind.name()), Some(n), t);
            r.steps_per_s = Some(steps as f64 / m);
            r.spikes_per_step = Some(spikes_per_step);
            r.fan_out = Some(fan_out);
            r.ns_per_synaptic_event =
                Some(m * 1e9 / (steps as f64 * spikes_per_step * fan_out.max(1.0)));
            r.ns_per_spike = Some(m * 1e9 / (steps as f64 * spikes_per_step));
            r.ns_per_neuron_step = Some(m * 1e9 / (steps as f64 * n as f64));
            results.push(r.vs_speed(measured(&name, n, 50)));
        }
        if want("ssn_iteration") {
            // One training iteration of the minimal example: 50 000 sleep steps with state
            // sampling, rates, Hebbian and SAL pair statistics, and the parameter update.
            let p = TrainParams {
                n: 7,
                t_ref: 50,
                tau_syn: 50,
                num_epochs: 10,
                val_step: 1,
                val_factor: 1,
                lr_bias: 0.001,
                lr_weight: 0.001,
                lr_symm: 0.002,
                lr_kp: 0.0,
                dur: 1000,
                max_w: 2.0,
                max_b: 2.0,
                ws_tau: 50.0,
                sal_tau: 50.0,
                protocol: Protocol::V2,
                engine: kind,
            };
            let (m, wall, timing) = median_time(args.repeats, false, || {
                std::hint::black_box(train(&p, &ic, 3, &mut |_| {}).unwrap());
            });
            let per = p.num_epochs as f64;
            let mut r = timed(
                "ssn_iteration",
                Some(kind.name()),
                Some(7),
                (m / per, wall / per, timing),
            );
            r.steps_per_s = Some(50_000.0 / r.median_s);
            results.push(r.vs_time(refs.quoted("ssn_iteration")));
        }
    }

    // Cortical microcircuits (Fig 6): one student run of 2 epochs of the paper's protocol
    // (52 patterns × 20 000 steps).
    for (name, dims) in [
        ("microcircuit_1-1-1", vec![1usize, 1, 1]),
        ("microcircuit_4-12-8-3", vec![4, 12, 8, 3]),
    ] {
        if !want(name) {
            continue;
        }
        let spec = micro_spec(&dims);
        let steps = spec.total_steps();
        let t = median_time(args.repeats, false, || {
            std::hint::black_box(sal::microcircuit::student(&spec, &mut |_| {}).unwrap());
        });
        // Units: every layer plus one interneuron per unit of layers 2 … L.
        let units = dims.iter().sum::<usize>() + dims[2..].iter().sum::<usize>();
        let mut r = timed(name, None, Some(units), t);
        r.steps_per_s = Some(steps as f64 / t.0);
        let quoted = refs.quoted(name).and_then(|q| {
            q.reference_steps_per_s
                .map(|s| (s, format!("quoted: {}", q.source)))
        });
        results.push(r.vs_speed(quoted));
    }

    // SALNet (simulator M4): Fig 9's network at batch 1 and the Fig 8 SAL phase's batch 32,
    // wall time (the copies run on rayon's threads); Fig 9's network with every width doubled
    // and quadrupled (batch 1) for the cost per synaptic event (a spike of layer k reaches
    // n_(k−1) + n_(k+1) units; fan_out is that mean over the spikes).
    for (name, dims, batch, steps) in [
        (
            "salnet_1600-384-192-10_b1",
            [1600, 384, 192, 10],
            1usize,
            4_000u64,
        ),
        ("salnet_1600-384-192-10_b32", [1600, 384, 192, 10], 32, 200),
        ("salnet_800-192-96-5_b1", [800, 192, 96, 5], 1, 16_000),
        ("salnet_3200-768-384-20_b1", [3200, 768, 384, 20], 1, 1_000),
        ("salnet_6400-1536-768-40_b1", [6400, 1536, 768, 40], 1, 250),
    ] {
        if !want(name) {
            continue;
        }
        let fail = |e: sal::salnet::SalNetError| Error::Failed(format!("{name}: {e}"));
        let mut net = sal::salnet::bench_network(&dims, batch, 1).map_err(fail)?;
        sal::salnet::bench_steps(&mut net, steps / 4).map_err(fail)?; // warm-up
        let before = net.spike_counts().to_vec();
        let mut spikes = 0u64;
        let mut err = None;
        let t = median_time(args.repeats, false, || {
            match sal::salnet::bench_steps(&mut net, steps) {
                Ok(s) => spikes += s,
                Err(e) => err = Some(e),
            }
        });
        if let Some(e) = err {
            return Err(fail(e));
        }
        let per_layer: Vec<u64> = net
            .spike_counts()
            .iter()
            .zip(&before)
            .map(|(a, b)| a - b)
            .collect();
        let reach = |k: usize| {
            (if k > 0 { dims[k - 1] } else { 0 }) + dims.get(k + 1).copied().unwrap_or(0)
        };
        let fan_out = per_layer
            .iter()
            .enumerate()
            .map(|(k, &s)| s as f64 * reach(k) as f64)
            .sum::<f64>()
            / (per_layer.iter().sum::<u64>() as f64).max(1.0);
        let m = t.0;
        let calls = args.repeats as u64 + 1;
        let spikes_per_step = spikes as f64 / (steps * calls) as f64;
        let units: usize = dims.iter().sum::<usize>() * batch;
        let mut r = timed(name, Some("event"), Some(units), (t.0, t.1, "wall"));
        r.steps_per_s = Some(steps as f64 / m);
        r.spikes_per_step = Some(spikes_per_step);
        r.fan_out = Some(fan_out);
        r.ns_per_spike = Some(m * 1e9 / (steps as f64 * spikes_per_step.max(1e-12)));
        r.ns_per_synaptic_event =
            Some(m * 1e9 / (steps as f64 * spikes_per_step.max(1e-12) * fan_out.max(1.0)));
        r.ns_per_neuron_step = Some(m * 1e9 / (steps as f64 * units as f64));
        let quoted = refs.quoted(name).and_then(|q| {
            q.reference_steps_per_s
                .map(|s| (s, format!("quoted: {}", q.source)))
        });
        results.push(r.vs_speed(quoted));
    }

    // What memory alone costs at those widths: adding random columns of a single-precision
    // matrix the size of W_1ᵀ (n_0 × n_1) to a membrane vector with the engine's kernel, ns
    // per element. From the cache at Fig 9's widths, from main memory at 4×.
    for (name, n0, n1) in [
        ("column_stream_800x192", 800usize, 192usize),
        ("column_stream_1600x384", 1600, 384),
        ("column_stream_3200x768", 3200, 768),
        ("column_stream_6400x1536", 6400, 1536),
    ] {
        if !want(name) {
            continue;
        }
        let m: Vec<f32> = (0..n0 * n1).map(|i| (i % 7) as f32 * 0.01).collect();
        let mut u = vec![0.0f64; n1];
        let mut rng = stream(4, "bench-columns", n0 as u64);
        let cols: Vec<u32> = (0..100_000)
            .map(|_| (sal::neuron::uniform53(&mut rng) % n0 as u64) as u32)
            .collect();
        let t = median_time(args.repeats, false, || {
            sal::salnet::add_columns(&mut u, &m, &cols);
            std::hint::black_box(&u);
        });
        let mut r = timed(name, None, None, t);
        r.ns_per_synaptic_event = Some(t.0 * 1e9 / (cols.len() * n1) as f64);
        results.push(r);
    }

    // The RDD phase of Fig 8 (deep.md §3.6) on [1600, 384, 192, 10]: 3 000 steps per driven
    // layer (a tenth of the reference's phase, feedback updated once per layer), one thread.
    let name = "rdd_phase_1600-384-192-10";
    if want(name) {
        let dims = [1600, 384, 192, 10];
        let settings = sal::rdd::PhaseSettings {
            steps_per_layer: 3_000,
            update_every: 3_000,
            redraw_every: 100,
        };
        let steps = 3 * settings.steps_per_layer;
        let mut net = sal::rdd::bench_network(&dims, 1);
        let mut err = None;
        let t = median_time(args.repeats, true, || {
            if let Err(e) = net.phase(settings, &mut |_| {}) {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            return Err(Error::Failed(format!("{name}: {e}")));
        }
        let units: usize = dims.iter().sum();
        let mut r = timed(name, None, Some(units), t);
        r.steps_per_s = Some(steps as f64 / t.0);
        r.ns_per_neuron_step = Some(t.0 * 1e9 / (steps as f64 * units as f64));
        results.push(r);
    }

    // The ConvNet of Fig 8: training throughput, batches of 128, float32, wall time.
    for (method, shape) in convnet_rows() {
        let name = convnet_row_name(method, shape);
        if !want(&name) {
            continue;
        }
        let th = sal_deep::bench::train_throughput(method, shape, 128, args.repeats.max(3))
            .map_err(|e| Error::Failed(format!("{name}: {e}")))?;
        results.push(convnet_result(&name, &name, th.images_per_s, &refs));
    }
    #[cfg(feature = "burn")]
    burn_rows(&args, &want, &refs, &mut results)?;

    let floors = results
        .iter()
        .any(|r| r.name.starts_with("sampler_"))
        .then(|| floors(args.repeats));

    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&results).expect("serialisable")
        );
        return Ok(());
    }
    say!(
        "sal bench on {} ({} threads available), {} repeats, medians; simulations in thread CPU time",
        machine(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        args.repeats
    );
    say!(
        "{:<27} {:>6} {:>10} {:>17} {:>15} {:>6}  {:<30} {:>9} {:>10} {:>9} {:>9}",
        "benchmark",
        "engine",
        "median",
        "speed",
        "reference",
        "ratio",
        "baseline",
        "spk/step",
        "ns/spike",
        "ns/n-step",
        "ns/syn.ev"
    );
    for r in &results {
        let speed = match (r.steps_per_s, r.images_per_s) {
            (_, Some(i)) => format!("{i:.0} images/s"),
            (Some(s), _) if s < 1e5 => format!("{s:.0} steps/s"),
            (Some(s), _) => format!("{:.1} M steps/s", s / 1e6),
            _ => "-".into(),
        };
        let reference = match (r.reference_steps_per_s, r.reference_s) {
            _ if r.reference_images_per_s.is_some() => {
                format!(
                    "{:.0} images/s",
                    r.reference_images_per_s.unwrap_or_default()
                )
            }
            (Some(s), _) if s >= 1e5 => format!("{:.3} M steps/s", s / 1e6),
            (Some(s), _) => format!("{:.0} steps/s", s),
            (None, Some(t)) => format!("{t:.3} s"),
            _ => "-".into(),
        };
        let ratio = r
            .ratio
            .map(|x| {
                if x < 10.0 {
                    format!("{x:.2}x")
                } else {
                    format!("{x:.0}x")
                }
            })
            .unwrap_or_else(|| "-".into());
        let baseline = match r.baseline.as_deref() {
            Some(b) if b.starts_with("quoted") => "quoted (not re-measured)".to_string(),
            Some(b) => b.to_string(),
            None => "-".into(),
        };
        let median = if r.median_s < 0.1 {
            format!("{:.2} ms", r.median_s * 1e3)
        } else {
            format!("{:.3} s", r.median_s)
        };
        let opt =
            |v: Option<f64>, p: usize| v.map(|x| format!("{x:.p$}")).unwrap_or_else(|| "-".into());
        say!(
            "{:<27} {:>6} {:>10} {:>17} {:>15} {:>6}  {:<30} {:>9} {:>10} {:>9} {:>9}",
            r.name,
            r.engine.as_deref().unwrap_or("-"),
            median,
            speed,
            reference,
            ratio,
            baseline,
            opt(r.spikes_per_step, 4),
            opt(r.ns_per_spike, 1),
            opt(r.ns_per_neuron_step, 3),
            opt(r.ns_per_synaptic_event, 1)
        );
    }
    say!("");
    if !refs.simulations.is_empty() {
        say!(
            "baseline 'measured': {} on {} ({}), reference commit {}, load average before {:?} after {:?}",
            refs.date.as_deref().unwrap_or("?"),
            refs.machine.as_deref().unwrap_or("?"),
            refs.cpu.as_deref().unwrap_or("?"),
            refs.reference_commit.as_deref().unwrap_or("?"),
            refs.load_average_before.as_deref().unwrap_or(&[]),
            refs.load_average_after.as_deref().unwrap_or(&[]),
        );
        say!("  method: {}", refs.method.as_deref().unwrap_or("?"));
    }
    for q in &refs.quoted {
        if results.iter().any(|r| r.name == q.name) {
            say!("baseline 'quoted' for {}: {}", q.name, q.source);
        }
    }
    if let Some((exp_ns, unif_ns)) = floors {
        say!(
            "floors on this machine: an Exp(1) budget draw (xoshiro256++ and ln) {exp_ns:.1} ns — the event engine draws one per spike; \
             a uniform draw and integer comparison {unif_ns:.2} ns — the clock engine pays one per non-refractory neuron-step."
        );
        for r in &results {
            if let (Some(n), Some(sps), Some(ns_spike), Some(ns_ns), Some(e)) = (
                r.neurons,
                r.spikes_per_step,
                r.ns_per_spike,
                r.ns_per_neuron_step,
                r.engine.as_deref(),
            ) && r.name.starts_with("sampler_")
            {
                // Non-refractory fraction of neuron-steps: each spike blocks min_isi = 51 steps.
                let eligible = (1.0 - sps / n as f64 * 51.0).max(0.0);
                if e == "event" {
                    say!(
                        "  {:<14} event: {ns_spike:.1} ns/spike, of which the Exp(1) draw {:.0} %",
                        r.name,
                        100.0 * exp_ns / ns_spike
                    );
                } else {
                    say!(
                        "  {:<14} clock: {ns_ns:.3} ns/neuron-step, {:.0} % of neuron-steps non-refractory: the draws alone {:.3} ns ({:.0} %)",
                        r.name,
                        100.0 * eligible,
                        eligible * unif_ns,
                        100.0 * eligible * unif_ns / ns_ns
                    );
                }
            }
        }
        say!(
            "where the rest goes (perf profile, docs/benchmarks.md): event engine, 7 neurons: rescheduling of the fan-out \
             (branch-free updates of all lanes), the minimum over the lanes and the PSP-end ring; clock engine: the per-step \
             loop over eligible neurons (draw, compare) and the membrane updates per spike. Scaling rows: the event engine's \
             cost per synaptic event should stay flat in N, the clock engine's per neuron-step too."
        );
    }
    Ok(())
}

/// The ConvNet rows: (method, input shape) as the reference figures have them.
fn convnet_rows() -> [(sal_deep::Method, sal_deep::InputShape); 3] {
    [
        (sal_deep::Method::Bp, sal_deep::InputShape::new(3, 32, 32)),
        (sal_deep::Method::Fa, sal_deep::InputShape::new(3, 32, 32)),
        (sal_deep::Method::Bp, sal_deep::InputShape::new(1, 28, 28)),
    ]
}

/// `convnet_<method>_<C>x<H>x<W>` (the stable row name).
fn convnet_row_name(method: sal_deep::Method, shape: sal_deep::InputShape) -> String {
    format!(
        "convnet_{}_{}x{}x{}",
        method.name(),
        shape.c,
        shape.h,
        shape.w
    )
}

/// A ConvNet row (batches of 128, wall time) with its ratio to the quoted reference figure
/// of row `base`.
fn convnet_result(name: &str, base: &str, images_per_s: f64, refs: &ReferenceFile) -> BenchResult {
    let per_batch = 128.0 / images_per_s;
    let mut r = timed(name, None, None, (per_batch, per_batch, "wall"));
    r.images_per_s = Some(images_per_s);
    if let Some(q) = refs.quoted(base)
        && let Some(ref_ips) = q.reference_images_per_s
    {
        r.reference_images_per_s = Some(ref_ips);
        r.ratio = Some(images_per_s / ref_ips);
        r.baseline = Some(format!("quoted: {}", q.source));
    }
    r
}

/// The same ConvNet rows on burn's backends (`convnet_<method>_<C>x<H>x<W>_<backend>`):
/// `flex` (burn's CPU backend) with `--features burn`, `wgpu` / `cuda` when built with those
/// features (a GPU without a usable device or driver is skipped with a note). Each step ends
/// by reading the loss back, so GPU times include the work, not only its queueing.
#[cfg(feature = "burn")]
fn burn_rows(
    args: &BenchArgs,
    want: &dyn Fn(&str) -> bool,
    refs: &ReferenceFile,
    results: &mut Vec<BenchResult>,
) -> Result<()> {
    for (method, shape) in convnet_rows() {
        let base = convnet_row_name(method, shape);
        for backend in sal_deep_burn::Backend::built() {
            let name = format!("{base}_{backend}");
            if !want(&name) {
                continue;
            }
            let fail = |e: sal_deep::DeepError| Error::Failed(format!("{name}: {e}"));
            let backend: sal_deep_burn::Backend = backend.parse().map_err(fail)?;
            let mut net = match sal_deep_burn::BurnNet::new(
                method,
                shape,
                0,
                sal_deep::Hyper::default(),
                backend,
                sal_deep_burn::Precision::F32,
            ) {
                Ok(n) => n,
                Err(e) if backend != sal_deep_burn::Backend::Flex => {
                    eprintln!("{name}: skipped: {e}");
                    continue;
                }
                Err(e) => return Err(fail(e)),
            };
            let th = sal_deep::bench::network_throughput(&mut net, &name, 128, args.repeats.max(3))
                .map_err(fail)?;
            results.push(convnet_result(&name, &base, th.images_per_s, refs));
        }
    }
    Ok(())
}
