//! Fig 7 numbers from the core (SAL part over seeds, STDWI): `cargo run --release -p sal
//! --example fig7_probe -- [seeds]`.
use sal::salnet::{SymmetriseConfig, fig7_sal_weights, symmetrise};
use sal::stdwi::{StdwiParams, run};

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in 1..=seeds {
        let cfg = SymmetriseConfig::fig7(seed);
        let r = symmetrise(&cfg, Some(fig7_sal_weights(seed)), &mut |_| {}).unwrap();
        let l = &r.layers[0];
        println!(
            "SAL seed {seed}: angle {:.2} → {:.1} (50 s) → {:.1}°, corr {:.3}",
            l.angle_deg[0], l.angle_deg[50], l.angle_deg[100], l.corrcoef[100]
        );
    }
    let (w, b) = sal::salnet::fig7_initial_weights();
    for c in [
        sal::rdd::StepCounter::Literal,
        sal::rdd::StepCounter::Global,
    ] {
        let t = std::time::Instant::now();
        let r = sal::rdd::fig7_rdd(&w, &b, 50, 100, c, &mut |_| {}).unwrap();
        let a: Vec<String> = r
            .alignment
            .iter()
            .map(|x| format!("{:.1}°/{:.2}", x.angle_deg, x.corrcoef))
            .collect();
        println!(
            "RDD {c:?}: {} ({:.1} s)",
            a.join(" "),
            t.elapsed().as_secs_f64()
        );
    }
    let bt: Vec<f64> = (0..2500).map(|k| b[(k % 50) * 50 + k / 50]).collect();
    let t = std::time::Instant::now();
    let r = run(&StdwiParams::default(), &w, &bt, &mut |_| {}).unwrap();
    let a = &r.alignment;
    println!(
        "STDWI: spikes {:?}; angle {:.2} → {:.1} (50 s) → {:.1}°, corr {:.3}; {:.1} s",
        r.spike_counts,
        a[0].angle_deg,
        a[500].angle_deg,
        a[1000].angle_deg,
        a[1000].corrcoef,
        t.elapsed().as_secs_f64()
    );
}
