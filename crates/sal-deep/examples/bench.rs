//! Training throughput of the ConvNet (batches of 128, float32):
//! `cargo run --release -p sal-deep --example bench [-- THREADS N_BATCHES]`.
//! Prints the wall-clock median (the `sal bench` figure) and, because the machine may be
//! shared, the process CPU time per image (Linux `/proc/self/stat`, all threads): on an
//! otherwise idle machine wall ≈ CPU / threads.
use sal_deep::bench::train_throughput;
use sal_deep::{InputShape, Method};

/// utime + stime of the whole process in seconds (clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (t(11) + t(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).map_or(2, |s| s.parse().unwrap());
    let n: usize = args.get(2).map_or(10, |s| s.parse().unwrap());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        for (m, s, torch) in [
            (Method::Bp, InputShape::new(3, 32, 32), 609.0),
            (Method::Fa, InputShape::new(3, 32, 32), 438.0),
            (Method::Bp, InputShape::new(1, 28, 28), 744.0),
        ] {
            let c0 = cpu_seconds();
            let t = train_throughput(m, s, 128, n).unwrap();
            let cpu = cpu_seconds() - c0;
            let per_cpu_s = (128 * (n + 1)) as f64 / cpu;
            println!(
                "{:24} wall median {:7.1} images/s ({:.2}× PyTorch {torch}); {:7.1} images per CPU-second ({threads} threads)",
                t.name,
                t.images_per_s,
                t.images_per_s / torch,
                per_cpu_s
            );
        }
    });
}
