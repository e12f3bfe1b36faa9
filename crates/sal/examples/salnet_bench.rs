//! Speed of the spiking deep-learning machinery (issue 10): SALNet steps at the paper's
//! sizes, cost per spike when all widths double and quadruple, and the RDD phase of Fig 8.
//!
//! ```text
//! cargo run --release -p sal --example salnet_bench            # everything
//! cargo run --release -p sal --example salnet_bench -- salnet  # SALNet rows only
//! cargo run --release -p sal --example salnet_bench -- rdd     # RDD phase only
//! ```
//! Prints one line per measurement (median of repetitions, wall clock).

use sal::salnet::{SalNet, SalNetParams, SalWeights};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median seconds per step and spikes per step of a SALNet run on `threads` threads.
fn salnet_rate(
    dims: &[usize],
    batch: usize,
    threads: usize,
    steps: u64,
    reps: usize,
) -> (f64, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let params = SalNetParams::new(dims.to_vec(), 10, batch, 0.01);
        let mut net = SalNet::new(params, SalWeights::random(dims, 1), 1).unwrap();
        // warm up past the initial transient (all units start non-refractory)
        net.run(2_000, &mut |_| {}).unwrap();
        let mut times = Vec::new();
        let mut spikes = Vec::new();
        for _ in 0..reps {
            net.reset_counts();
            let t0 = Instant::now();
            net.run(steps, &mut |_| {}).unwrap();
            times.push(t0.elapsed().as_secs_f64() / steps as f64);
            spikes.push(net.spike_counts().iter().sum::<u64>() as f64 / steps as f64);
            net.update().unwrap();
        }
        (median(times), median(spikes))
    })
}

fn bench_salnet() {
    let base = [1600usize, 384, 192, 10];
    let (s, sp) = salnet_rate(&base, 1, 1, 10_000, 5);
    println!(
        "salnet [1600,384,192,10] batch 1, 1 thread: {:.1} µs/step ({:.0} spikes/step, {:.0} ns/spike; reference 12.7 ms/step → {:.0}×)",
        s * 1e6,
        sp,
        s * 1e9 / sp,
        12.7e-3 / s
    );
    let (s, sp) = salnet_rate(&base, 32, 2, 1_000, 5);
    println!(
        "salnet [1600,384,192,10] batch 32, 2 threads: {:.3} ms/step ({:.0} spikes/step; 10^4-step SAL phase {:.1} s; reference 336 ms/step → {:.0}×)",
        s * 1e3,
        sp,
        s * 1e4,
        0.336 / s
    );
    for f in [1usize, 2, 4] {
        let dims: Vec<usize> = base.iter().map(|&n| n * f).collect();
        let steps = 4_000 / (f * f) as u64;
        let (s, sp) = salnet_rate(&dims, 1, 1, steps, 3);
        // a spike costs its fan-out, which also grows by f: report per spike and per
        // spike × fan-out unit (fan-out relative to the base widths)
        println!(
            "salnet widths ×{f} {dims:?} batch 1: {:.1} µs/step, {:.0} spikes/step, {:.0} ns/spike, {:.1} ns/(spike × fan-out/base fan-out)",
            s * 1e6,
            sp,
            s * 1e9 / sp,
            s * 1e9 / sp / f as f64
        );
    }
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if which == "profile" {
        let _ = salnet_rate(&[1600, 384, 192, 10], 1, 1, 20_000, 1);
        return;
    }
    if which.is_empty() || which == "salnet" {
        bench_salnet();
    }
}
