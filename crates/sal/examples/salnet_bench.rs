//! A SALNet run to profile (e.g. under `perf record`): Fig 9's network at batch 1, or with
//! every width quadrupled. The speed figures themselves come from `sal bench --filter salnet`.
//!
//! ```text
//! cargo run --release -p sal --example salnet_bench            # [1600, 384, 192, 10], 20 000 steps
//! cargo run --release -p sal --example salnet_bench -- x4      # [6400, 1536, 768, 40], 1 000 steps
//! ```

use sal::salnet::{bench_network, bench_steps};
use std::time::Instant;

fn main() {
    let wide = std::env::args().nth(1).as_deref() == Some("x4");
    let (dims, steps) = if wide {
        ([6400usize, 1536, 768, 40], 1_000)
    } else {
        ([1600, 384, 192, 10], 20_000)
    };
    let mut net = bench_network(&dims, 1, 1).expect("valid network");
    let t = Instant::now();
    let spikes = bench_steps(&mut net, steps).expect("runs");
    let s = t.elapsed().as_secs_f64();
    println!(
        "{dims:?} batch 1: {steps} steps in {s:.2} s ({:.1} µs/step, {:.0} spikes/step)",
        s * 1e6 / steps as f64,
        spikes as f64 / steps as f64
    );
}
