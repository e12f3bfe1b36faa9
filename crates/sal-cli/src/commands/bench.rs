//! `sal bench`: benchmarks with medians of repeated runs and ratios to the reference.
//!
//! Reference figures are those measured for the Python reference on the project's 2-core
//! machine (spec and issues): the analytic STDD at T = 80 takes ≈ 6 s; the reference's
//! Numba two-neuron simulation runs 0.84 M steps/s.

use crate::error::{CliError, Result};
use clap::Args;
use sal::conventions::Conventions;
use sal::engine::{ClockEngine, Engine, Network};
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

/// Runs `sal bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if args.repeats == 0 {
        return Err(CliError::invalid("--repeats", "must be at least 1"));
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
        });
    }

    if want("sampler_7") || want("ssn_iteration") {
        let ic = minimal_example_init();
        if want("sampler_7") {
            // The minimal-example network (7 neurons, t_ref = τ_syn = 50) at its target
            // weights — the trained state — single thread, spikes only counted.
            let steps: u64 = 20_000_000;
            let net = Network::new(
                ic.w_target.clone(),
                ic.b_target.clone(),
                50,
                50,
                Conventions::SAMPLER_M1,
            )
            .map_err(|e| CliError::Failed(e.to_string()))?;
            let mut eng = ClockEngine::new(net);
            let mut rng = stream(2, "bench", 0);
            let mut counter = SpikeCounter::new(7);
            let m = median_time(args.repeats, || eng.run(steps, &mut rng, &mut counter));
            let sps = steps as f64 / m;
            results.push(BenchResult {
                name: "sampler_7".into(),
                engine: Some("clock".into()),
                neurons: Some(7),
                steps_per_s: Some(sps),
                median_s: m,
                reference_steps_per_s: Some(0.70e6),
                reference_s: None,
                ratio: Some(sps / 0.70e6),
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
            };
            let m = median_time(args.repeats, || {
                std::hint::black_box(train(&p, &ic, 3, &mut |_| {}).unwrap());
            }) / p.num_epochs as f64;
            results.push(BenchResult {
                name: "ssn_iteration".into(),
                engine: Some("clock".into()),
                neurons: Some(7),
                steps_per_s: Some(50_000.0 / m),
                median_s: m,
                reference_steps_per_s: None,
                reference_s: Some(0.081),
                ratio: Some(0.081 / m),
            });
        }
    }

    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).expect("serialisable")
        );
    } else {
        println!(
            "sal bench on {} ({} threads available), {} repeats, medians",
            machine(),
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            args.repeats
        );
        println!(
            "{:<20} {:>12} {:>16} {:>16} {:>10}",
            "benchmark", "median", "speed", "reference", "ratio"
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
            println!(
                "{:<20} {:>12} {:>16} {:>16} {:>10}",
                r.name, median, speed, reference, ratio
            );
        }
    }
    Ok(())
}
