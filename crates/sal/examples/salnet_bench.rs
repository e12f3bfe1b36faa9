//! Speed of the spiking deep-learning machinery (issue 10): SALNet steps at the paper's
//! sizes and the cost per spike when all widths double and quadruple.
//!
//! ```text
//! cargo run --release -p sal --example salnet_bench            # everything
//! cargo run --release -p sal --example salnet_bench -- batch1   # or batch32: one row
//! ```
//! Prints one line per measurement (medians of repetitions; wall clock and process CPU time,
//! which on a shared machine shows the work without the waiting).

use sal::salnet::{bench_network, bench_steps};
use std::time::Instant;

/// CPU time (user + system) of this process in seconds, from /proc/self/stat (Linux; clock
/// ticks of 10 ms): on a shared machine it shows the work done, wall time also the waiting.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median wall seconds per step, spikes per step, and CPU seconds per step (all threads) of a
/// SALNet run on `threads` threads.
fn salnet_rate(
    dims: &[usize],
    batch: usize,
    threads: usize,
    steps: u64,
    reps: usize,
) -> (f64, f64, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = bench_network(dims, batch, 1).unwrap();
        let mut times = Vec::new();
        let mut spikes = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..reps {
            let c0 = cpu_seconds();
            let t0 = Instant::now();
            let n = bench_steps(&mut net, steps).unwrap();
            times.push(t0.elapsed().as_secs_f64() / steps as f64);
            cpu.push((cpu_seconds() - c0) / steps as f64);
            spikes.push(n as f64 / steps as f64);
        }
        (median(times), median(spikes), median(cpu))
    })
}

fn bench_salnet(which: &str) {
    let base = [1600usize, 384, 192, 10];
    if which != "batch32" {
        let (s, sp, c) = salnet_rate(&base, 1, 1, 10_000, 5);
        println!(
            "salnet [1600,384,192,10] batch 1, 1 thread: wall {:.1} µs/step, cpu {:.1} µs/step ({:.0} spikes/step, {:.0} ns cpu/spike; reference 12.7 ms/step → {:.0}× wall)",
            s * 1e6,
            c * 1e6,
            sp,
            c * 1e9 / sp,
            12.7e-3 / s
        );
    }
    if which != "batch1" {
        let (s, sp, c) = salnet_rate(&base, 32, 2, 1_000, 5);
        println!(
            "salnet [1600,384,192,10] batch 32, 2 threads: wall {:.3} ms/step, cpu {:.3} ms/step both threads ({:.0} spikes/step; 10^4-step SAL phase {:.1} s wall; reference 336 ms/step → {:.0}× wall)",
            s * 1e3,
            c * 1e3,
            sp,
            s * 1e4,
            0.336 / s
        );
    }
    if which == "batch1" || which == "batch32" {
        return;
    }
    for f in [1usize, 2, 4] {
        let dims: Vec<usize> = base.iter().map(|&n| n * f).collect();
        let steps = 4_000 / (f * f) as u64;
        let (s, sp, c) = salnet_rate(&dims, 1, 1, steps, 3);
        // a spike costs its fan-out, which also grows by f: report per spike and per
        // spike × fan-out unit (fan-out relative to the base widths)
        println!(
            "salnet widths ×{f} {dims:?} batch 1: wall {:.1} µs/step, cpu {:.1} µs/step, {:.0} spikes/step, {:.0} ns cpu/spike, {:.1} ns cpu/(spike × fan-out/base fan-out)",
            s * 1e6,
            c * 1e6,
            sp,
            c * 1e9 / sp,
            c * 1e9 / sp / f as f64
        );
    }
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if which == "profile" {
        let _ = salnet_rate(&[1600, 384, 192, 10], 1, 1, 20_000, 1);
        return;
    }
    if which == "profile4" {
        let _ = salnet_rate(&[6400, 1536, 768, 40], 1, 1, 1_000, 1);
        return;
    }
    bench_salnet(&which);
}
