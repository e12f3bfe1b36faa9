//! The simulators against their analytic oracle, and two-neuron SAL (Fig 2d).

use sal::conventions::{Conventions, MinIsi};
use sal::engine::EngineKind;
use sal::kernel::{Psp, PspKernel};
use sal::metrics::total_variation;
use sal::stdd::Centre;
use sal::stdd::analytic::{Calculator, Pair};
use sal::two_neuron::{PairSal, Plastic, run_pair_sal, simulate_stdd};

/// Expected total variation between an exact distribution `p` (two halves, each summing to
/// ½) and its estimate from `n_half` independent pairs per half: each half-bin estimate has
/// standard deviation √(p_h(1 − p_h)/n)/2 with p_h = 2p, and E|N(0, s²)| = s√(2/π).
fn tv_floor(p: &[f64], n_half: f64) -> f64 {
    0.5 * p
        .iter()
        .filter(|x| x.is_finite())
        .map(|&x| {
            let ph = 2.0 * x;
            (2.0 / std::f64::consts::PI).sqrt() * (ph * (1.0 - ph) / n_half).sqrt() / 2.0
        })
        .sum::<f64>()
}

const SETS: [Pair; 4] = [
    Pair {
        w12: 0.8,
        w21: 0.4,
        b1: -0.5,
        b2: -0.5,
    },
    Pair {
        w12: -0.8,
        w21: -0.4,
        b1: -0.5,
        b2: -0.5,
    },
    Pair {
        w12: 1.0,
        w21: -1.0,
        b1: 0.3,
        b2: -0.2,
    },
    Pair {
        w12: -1.5,
        w21: -0.5,
        b1: 0.5,
        b2: 0.0,
    },
];

/// Simulated and analytic STDD under the same conventions: 10⁷ steps, four weight/bias sets
/// (two with inhibition), both refractoriness conventions, rect and alpha PSPs. The issue's
/// bound is TV ≤ 0.01; we also require TV ≤ 2 × the sampling floor (pairs treated as
/// independent — successive pairs are weakly correlated, so the true floor is slightly
/// higher; observed ratios are ≈ 1), which a one-step convention mismatch violates by far
/// (checked at the end).
#[test]
fn simulated_stdd_matches_oracle_under_same_conventions() {
    let steps = 10_000_000;
    let (t_ref, t_max) = (10, 40);
    for (psp, engine) in [
        (Psp::Rect, EngineKind::Clock),
        (Psp::Rect, EngineKind::Event),
        (Psp::Alpha, EngineKind::Clock),
    ] {
        for min_isi in [MinIsi::TRef, MinIsi::TRefPlus1] {
            for (k, pair) in SETS.iter().enumerate() {
                let mut calc =
                    Calculator::new(PspKernel::new(psp, t_ref as f64, 4.0), t_max, t_ref);
                calc.conventions = Conventions::analytic_with(min_isi);
                let exact = calc.stdd(pair, Centre::Zero).unwrap();
                let sim = simulate_stdd(&calc, pair, steps, 100 + k as u64, Centre::Zero, engine)
                    .unwrap();
                let tv = total_variation(&exact.p, &sim.p);
                // pairs per half ≈ spikes of the reference neuron ≈ steps / mean ISI
                let n_half = steps as f64 / (2.5 * t_ref as f64);
                let floor = tv_floor(&exact.p, n_half);
                println!(
                    "{psp} {} {} set {k}: TV {tv:.4} (floor ≈ {floor:.4})",
                    engine.name(),
                    min_isi.name()
                );
                assert!(tv <= 0.01, "TV {tv} > 0.01");
                assert!(tv <= 2.0 * floor.max(1e-3), "TV {tv} vs floor {floor}");
            }
        }
    }
    // Sensitivity: the sampler's t_ref + 1 against the calculator's t_ref is detected.
    let calc = Calculator::new(PspKernel::new(Psp::Rect, 10.0, 10.0), 40, 10);
    let mut sim_calc = calc;
    sim_calc.conventions = Conventions::analytic_with(MinIsi::TRefPlus1);
    let sim = simulate_stdd(
        &sim_calc,
        &SETS[0],
        steps,
        1,
        Centre::Zero,
        EngineKind::Clock,
    )
    .unwrap();
    let tv = total_variation(&calc.stdd(&SETS[0], Centre::Zero).unwrap().p, &sim.p);
    println!("mismatched conventions: TV {tv:.4}");
    assert!(tv > 0.03);
    // The event engine refuses kernels that change the membrane every step.
    let alpha = Calculator::new(PspKernel::new(Psp::Alpha, 10.0, 4.0), 40, 10);
    let refusal =
        simulate_stdd(&alpha, &SETS[0], 10, 1, Centre::Zero, EngineKind::Event).unwrap_err();
    assert!(refusal.to_string().contains("rectangular"));
}

/// Fig 2d, run 1: both synapses plastic. The antisymmetric window conserves W01 + W10
/// exactly; |W01 − W10| must fall ≥ 10× from 1.0. The end state fluctuates (±0.04 in the
/// reference), so the final asymmetry is the mean |W01 − W10| over the last 200 epochs.
#[test]
fn fig2d_both_plastic_symmetrises() {
    for engine in [EngineKind::Clock, EngineKind::Event] {
        fig2d_both(engine);
    }
}

fn fig2d_both(engine: EngineKind) {
    let cfg = PairSal {
        engine,
        ..PairSal::fig2d(Plastic::Both)
    };
    let tr = run_pair_sal(&cfg, 45);
    let n = tr.w12.len();
    assert_eq!(n, 1501);
    let diff: Vec<f64> = tr
        .w12
        .iter()
        .zip(&tr.w21)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let tail = diff[n - 200..].iter().sum::<f64>() / 200.0;
    println!(
        "W01,W10 after 100/300/600/1500 epochs: {:?}; last-200 mean |diff| {tail:.4}",
        [100, 300, 600, 1500].map(|e| (tr.w12[e], tr.w21[e]))
    );
    assert!(tail <= diff[0] / 10.0, "asymmetry {tail}");
    for (a, b) in tr.w12.iter().zip(&tr.w21) {
        assert!(((a + b) - 2.0).abs() <= 0.02 * 2.0);
    }
    // the reference's trajectory: ≈ (1.30, 0.70) after 100 epochs (3 repetitions; we allow
    // the spread of 0.1 seen at 300 epochs)
    assert!((tr.w12[100] - 1.30).abs() < 0.1);
}

/// Fig 2d, run 2: only W10 plastic converges onto the fixed W01 = 1.5 (within 0.1, mean of
/// the last 200 epochs; the reference ends at 1.51–1.57).
#[test]
fn fig2d_feedback_weight_aligns_to_fixed_weight() {
    for engine in [EngineKind::Clock, EngineKind::Event] {
        let cfg = PairSal {
            engine,
            ..PairSal::fig2d(Plastic::W21)
        };
        fig2d_w21(&cfg);
    }
}

fn fig2d_w21(cfg: &PairSal) {
    let tr = run_pair_sal(cfg, 46);
    let n = tr.w21.len();
    let tail = tr.w21[n - 200..].iter().sum::<f64>() / 200.0;
    println!(
        "W10 after 100/300/600/1000: {:?}; last-200 mean {tail:.4}",
        [100, 300, 600, 1000].map(|e| tr.w21[e])
    );
    assert!(tr.w12.iter().all(|&w| w == 1.5));
    assert!((tail - 1.5).abs() <= 0.1);
}

#[test]
fn same_seed_same_trajectory() {
    let mut cfg = PairSal::fig2d(Plastic::Both);
    cfg.epochs = 30;
    assert_eq!(run_pair_sal(&cfg, 9), run_pair_sal(&cfg, 9));
    assert_ne!(run_pair_sal(&cfg, 9), run_pair_sal(&cfg, 10));
}
