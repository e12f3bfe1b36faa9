//! Same seed → bit-identical results for any thread count, on work that really runs in
//! parallel: the exact Boltzmann distribution of a 20-unit machine (2^20 states, enumerated
//! in parallel from 16 units on) computed in a 1-thread and a 2-thread rayon pool.

use sal::rng::stream;
use sal::sampling::boltzmann::distribution;

#[test]
fn twenty_unit_boltzmann_target_is_identical_for_1_and_2_threads() {
    let n = 20;
    let mut rng = stream(7, "threads-test", 0);
    let mut uniform = || (rand_core::Rng::next_u64(&mut rng) >> 11) as f64 / (1u64 << 53) as f64;
    let w: Vec<f64> = (0..n * n).map(|_| 2.0 * uniform() - 1.0).collect();
    let b: Vec<f64> = (0..n).map(|_| uniform() - 0.5).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            assert_eq!(rayon::current_num_threads(), threads);
            distribution(&w, &b).unwrap()
        })
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one.len(), 1 << n);
    assert!(
        one.iter()
            .zip(&two)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    let total: f64 = one.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "normalised: {total}");
}
