//! `sal bench`: benchmarks with medians of repeated runs and ratios to the reference.
//!
//! Reference figures are those measured for the Python reference on the project's 2-core
//! machine (spec and issues): the analytic STDD at T = 80 takes ≈ 6 s; the reference's
//! Numba two-neuron simulation runs 0.84 M steps/s; the microcircuit reference needs
//! 0.18–0.22 ms per step of the 1-1-1 net (0.2 ms used for the ratio).

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
use serde::Serialize;
use std::time::Instant;

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
    /// "reference_steps_per_s", "ratio"} objects (plus "reference_s" where the reference
    /// figure is a time).
    #[arg(long)]
    pub json: bool,
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
    /// Spikes per simulated step (whole network), for simulations.
    pub spikes_per_step: Option<f64>,
    /// Mean number of non-zero outgoing synapses per neuron.
    pub fan_out: Option<f64>,
    /// Wall time per synaptic event (spike × fan-out) in ns.
    pub ns_per_synaptic_event: Option<f64>,
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

fn median_time(repeats: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut ts: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    ts[ts.len() / 2]
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
/// 7-neuron minimal-example network at its target weights (a trained sampler), or for
/// n ≥ 50 a sparse random network (10 random partners per neuron, weights uniform in
/// ±0.5, biases −1, t_ref = τ_syn = 50, sampler conventions).
fn bench_network(n: usize, ic: &InitialConditions) -> Result<(Network, f64)> {
    let err = |e: sal::engine::NetworkError| Error::Failed(e.to_string());
    let (w, b) = match n {
        2 => (vec![0.0, 1.5, 0.5, 0.0], vec![-0.5, -0.2]),
        7 => (ic.w_target.clone(), ic.b_target.clone()),
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

/// Runs `sal bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if args.repeats == 0 {
        return Err(Error::invalid("--repeats", "must be at least 1"));
    }
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
        let m = median_time(args.repeats, || {
            std::hint::black_box(calc.stdd(&pair, Centre::Nan).unwrap());
        });
        results.push(BenchResult {
            name: "stdd_analytic_t80".into(),
            engine: None,
            neurons: Some(2),
            steps_per_s: None,
            median_s: m,
            reference_steps_per_s: None,
            reference_s: Some(6.0),
            ratio: Some(6.0 / m),
            spikes_per_step: None,
            fan_out: None,
            ns_per_synaptic_event: None,
        });
    }
    if want("fig2e_grid_17x17") {
        let calc = Calculator::new(PspKernel::new(Psp::Rect, 15.0, 15.0), 30, 15);
        let axis: Vec<f64> = (0..17).map(|k| -2.0 + 0.25 * k as f64).collect();
        let m = median_time(args.repeats, || {
            std::hint::black_box(
                phase_plane(&calc, 0.0, 0.0, &axis, &Window::sal_exp(15.0)).unwrap(),
            );
        });
        results.push(BenchResult {
            name: "fig2e_grid_17x17".into(),
            engine: None,
            neurons: Some(2),
            steps_per_s: None,
            median_s: m,
            reference_steps_per_s: None,
            reference_s: None,
            ratio: None,
            spikes_per_step: None,
            fan_out: None,
            ns_per_synaptic_event: None,
        });
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
        let m = median_time(args.repeats, || sim.run(steps, &mut rng, &mut counter));
        let sps = steps as f64 / m;
        results.push(BenchResult {
            name: "two_neuron_sim".into(),
            engine: Some("clock".into()),
            neurons: Some(2),
            steps_per_s: Some(sps),
            median_s: m,
            reference_steps_per_s: Some(0.84e6),
            reference_s: None,
            ratio: Some(sps / 0.84e6),
            spikes_per_step: None,
            fan_out: None,
            ns_per_synaptic_event: None,
        });
    }

    let ic = minimal_example_init();
    for kind in [EngineKind::Clock, EngineKind::Event] {
        for &n in &[2usize, 7, 50, 200, 1000] {
            let name = format!("sampler_{n}");
            if !want(&name) {
                continue;
            }
            let (net, fan_out) = bench_network(n, &ic)?;
            // Enough steps for ~2·10^8 neuron-steps (at least 10^6 steps).
            let steps = (200_000_000 / n as u64).max(100_000);
            let mut eng = kind.build(net);
            let mut rng = stream(2, "bench", n as u64);
            let mut counter = SpikeCounter::new(n);
            let m = median_time(args.repeats, || eng.run(steps, &mut rng, &mut counter));
            let spikes: u64 = counter.counts.iter().sum();
            let total_steps = steps * (args.repeats as u64 + 1);
            let spikes_per_step = spikes as f64 / total_steps as f64;
            let sps = steps as f64 / m;
            let reference = (n == 7).then_some(0.70e6);
            let ns_per_event = m * 1e9 / (steps as f64 * spikes_per_step * fan_out.max(1.0));
            results.push(BenchResult {
                name,
                engine: Some(kind.name().into()),
                neurons: Some(n),
                steps_per_s: Some(sps),
                median_s: m,
                reference_steps_per_s: reference,
                reference_s: None,
                ratio: reference.map(|r| sps / r),
                spikes_per_step: Some(spikes_per_step),
                fan_out: Some(fan_out),
                ns_per_synaptic_event: Some(ns_per_event),
            });
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
            let m = median_time(args.repeats, || {
                std::hint::black_box(train(&p, &ic, 3, &mut |_| {}).unwrap());
            }) / p.num_epochs as f64;
            results.push(BenchResult {
                name: "ssn_iteration".into(),
                engine: Some(kind.name().into()),
                neurons: Some(7),
                steps_per_s: Some(50_000.0 / m),
                median_s: m,
                reference_steps_per_s: None,
                reference_s: Some(0.081),
                ratio: Some(0.081 / m),
                spikes_per_step: None,
                fan_out: None,
                ns_per_synaptic_event: None,
            });
        }
    }

    // Cortical microcircuits (Fig 6): one student run of 2 epochs of the paper's protocol
    // (52 patterns × 20 000 steps); the reference needs 0.18–0.22 ms per step (0.2 used).
    for (name, dims) in [
        ("microcircuit_1-1-1", vec![1usize, 1, 1]),
        ("microcircuit_4-12-8-3", vec![4, 12, 8, 3]),
    ] {
        if !want(name) {
            continue;
        }
        let spec = micro_spec(&dims);
        let steps = spec.total_steps();
        let m = median_time(args.repeats, || {
            std::hint::black_box(sal::microcircuit::student(&spec, &mut |_| {}).unwrap());
        });
        let reference = (dims == [1, 1, 1]).then_some(1.0 / 0.2e-3);
        results.push(BenchResult {
            name: name.into(),
            engine: None,
            // Units: every layer plus one interneuron per unit of layers 2 … L.
            neurons: Some(dims.iter().sum::<usize>() + dims[2..].iter().sum::<usize>()),
            steps_per_s: Some(steps as f64 / m),
            median_s: m,
            reference_steps_per_s: reference,
            reference_s: None,
            ratio: reference.map(|r| steps as f64 / m / r),
            spikes_per_step: None,
            fan_out: None,
            ns_per_synaptic_event: None,
        });
    }

    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&results).expect("serialisable")
        );
    } else {
        say!(
            "sal bench on {} ({} threads available), {} repeats, medians",
            machine(),
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            args.repeats
        );
        say!(
            "{:<20} {:>6} {:>10} {:>17} {:>15} {:>7} {:>11} {:>7} {:>12}",
            "benchmark",
            "engine",
            "median",
            "speed",
            "reference",
            "ratio",
            "spikes/step",
            "fan-out",
            "ns/syn.event"
        );
        for r in &results {
            let speed = r
                .steps_per_s
                .map(|s| format!("{:.1} M steps/s", s / 1e6))
                .unwrap_or_else(|| "-".into());
            let reference = match (r.reference_steps_per_s, r.reference_s) {
                (Some(s), _) => format!("{:.2} M steps/s", s / 1e6),
                (None, Some(t)) => format!("{t:.1} s"),
                _ => "-".into(),
            };
            let ratio = r
                .ratio
                .map(|x| format!("{x:.0}x"))
                .unwrap_or_else(|| "-".into());
            let median = if r.median_s < 0.1 {
                format!("{:.2} ms", r.median_s * 1e3)
            } else {
                format!("{:.3} s", r.median_s)
            };
            let opt = |v: Option<f64>, p: usize| {
                v.map(|x| format!("{x:.p$}")).unwrap_or_else(|| "-".into())
            };
            say!(
                "{:<20} {:>6} {:>10} {:>17} {:>15} {:>7} {:>11} {:>7} {:>12}",
                r.name,
                r.engine.as_deref().unwrap_or("-"),
                median,
                speed,
                reference,
                ratio,
                opt(r.spikes_per_step, 3),
                opt(r.fan_out, 1),
                opt(r.ns_per_synaptic_event, 1)
            );
        }
        if results.iter().any(|r| r.ns_per_synaptic_event.is_some()) {
            say!(
                "scaling: n ≥ 50 are sparse random networks (fan-out 10, biases −1); cost per synaptic event \
                 (spike × fan-out) of the event engine should stay flat in N, the clock engine's grows with N \
                 (it pays per neuron and step)."
            );
        }
    }
    Ok(())
}
