//! Sampling-network building blocks: the clock engine against the exact two-neuron oracle,
//! on-fractions of independent neurons, and the training loop's bookkeeping.

use sal::conventions::{Conventions, MinIsi};
use sal::engine::{ClockEngine, Engine, Network};
use sal::kernel::{Psp, PspKernel};
use sal::metrics::total_variation;
use sal::neuron::{rho, sigmoid};
use sal::rng::stream;
use sal::sampling::states::StateSampler;
use sal::stdd::Centre;
use sal::stdd::analytic::{Calculator, Pair};
use sal::stdd::empirical::EmpiricalStdd;

/// The general N-neuron clock engine, run on two neurons, reproduces the exact STDD of the
/// same conventions (rect PSP of length t_ref, T = 4·t_ref so that the chain's age cap is
/// never inside a PSP): TV at the sampling floor (≤ 0.01 for 10⁷ steps, cf. the
/// two-neuron simulator test), for both refractoriness conventions.
#[test]
fn clock_engine_matches_the_oracle() {
    let (t_ref, t_max) = (10, 40);
    for min_isi in [MinIsi::TRef, MinIsi::TRefPlus1] {
        for pair in [
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
        ] {
            let conv = Conventions::analytic_with(min_isi);
            let mut calc = Calculator::new(
                PspKernel::new(Psp::Rect, t_ref as f64, t_ref as f64),
                t_max,
                t_ref,
            );
            calc.conventions = conv;
            let exact = calc.stdd(&pair, Centre::Zero).unwrap();
            let net = Network::new(
                vec![0.0, pair.w12, pair.w21, 0.0],
                vec![pair.b1, pair.b2],
                t_ref,
                t_ref,
                conv,
            )
            .unwrap();
            let mut eng = ClockEngine::new(net);
            let mut rng = stream(5, "oracle", 0);
            let mut est = EmpiricalStdd::new(t_max);
            eng.run(10_000_000, &mut rng, &mut est);
            let tv = total_variation(&exact.p, &est.stdd(Centre::Zero).p);
            println!("{} {pair:?}: TV {tv:.4}", min_isi.name());
            assert!(tv <= 0.01, "TV {tv}");
        }
    }
}

/// Independent neurons (W = 0) are "on" (s < τ ≤ s + t_ref) a fraction f of the sampled
/// time. With minimum ISI t_ref the on/off cycle is t_ref + Geom(ρ) − 1 steps, so
/// f = σ(b) exactly — the neural-sampling property. With the sampler's t_ref + 1 the off
/// period is one step longer on average: f = 1/(1 + 1/t_ref + e^(−b)) (0.4975 instead of
/// 0.5 for b = 0, t_ref = 50). Tolerance: 5 standard errors of a renewal-reward estimate,
/// se = f·sd(off period)/(E[cycle]·√(cycles)).
#[test]
fn independent_neurons_are_on_a_fraction_sigma_b() {
    let t_ref = 50usize;
    let b = [-1.0, 0.0, 1.5];
    let d: u64 = 20_000_000;
    for (conv, extra) in [
        (Conventions::ANALYTIC_M2, 0.0),
        (Conventions::SAMPLER_M1, 1.0),
    ] {
        let net = Network::new(vec![0.0; 9], b.to_vec(), t_ref, t_ref, conv).unwrap();
        let mut eng = ClockEngine::new(net);
        let mut states = StateSampler::new(3, t_ref);
        eng.run(d, &mut stream(9, "on-fraction", 0), &mut states);
        let q = states.finish(d);
        for (i, &bi) in b.iter().enumerate() {
            let on: f64 = (0..8)
                .filter(|k| (k >> (2 - i)) & 1 == 1)
                .map(|k| q[k])
                .sum();
            let tr = t_ref as f64;
            let expect = 1.0 / (1.0 + extra / tr + (-bi).exp());
            let r = rho(bi, tr);
            let cycle = tr + 1.0 / r - 1.0 + extra;
            let se = expect * ((1.0 - r).sqrt() / r) / (cycle * (d as f64 / cycle).sqrt());
            println!(
                "{conv:?} b = {bi}: on {on:.5}, expected {expect:.5} (σ(b) = {:.5}), se {se:.1e}",
                sigmoid(bi)
            );
            assert!((on - expect).abs() < 5.0 * se, "b = {bi}: {on} vs {expect}");
            if extra == 0.0 {
                assert!((expect - sigmoid(bi)).abs() < 1e-15);
            }
        }
    }
}
