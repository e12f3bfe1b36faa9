//! Fig 7 (spec `deep.md` §4): the seed-43 matrices exactly as NumPy drew them, the SAL part
//! (angle at 100 s, median of 5 seeds) and STDWI (source trains, falling angle).

use sal::metrics::alignment;
use sal::rng_mt19937::RandomState;
use sal::salnet::{SymmetriseConfig, fig7_initial_weights, fig7_sal_weights, symmetrise};
use sal::stdwi::{StdwiParams, run, source_trains};
use serde_json::Value;

fn spec_json(rel: &str) -> Value {
    let p = format!(
        "{}/../../../shared/spec/params/derived/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
        .collect()
}

fn transpose(m: &[f64]) -> Vec<f64> {
    (0..2500).map(|k| m[(k % 50) * 50 + k / 50]).collect()
}

/// W and B equal `fig7_initial_weights.json` (NumPy default_rng(43)) exactly; the initial
/// angle between W and Bᵀ is 91.44° (spec).
#[test]
fn initial_matrices_equal_numpy_and_angle_is_91_44() {
    let d = spec_json("fig7_initial_weights.json");
    let (w, b) = fig7_initial_weights();
    assert_eq!(w, matrix(&d["weight"]));
    assert_eq!(b, matrix(&d["fb_weight"]));
    let a = alignment(&w, &transpose(&b));
    assert!((a.angle_deg - 91.44).abs() < 0.005, "{}", a.angle_deg);
    assert!((a.corrcoef - (-0.025)).abs() < 0.0005, "{}", a.corrcoef);
}

/// SAL part: angle at 100 s ≤ 20° and correlation ≥ 0.9 (medians of seeds 1…5; issue
/// acceptance; the spec's NumPy run: 14.5°, 0.97).
#[test]
fn sal_aligns_within_100_s() {
    let mut angles = Vec::new();
    let mut corrs = Vec::new();
    for seed in 1..=5 {
        let cfg = SymmetriseConfig::fig7(seed);
        let r = symmetrise(&cfg, Some(fig7_sal_weights(seed)), &mut |_| {}).unwrap();
        let l = &r.layers[0];
        assert_eq!(l.angle_deg.len(), 101);
        assert!((l.angle_deg[0] - 91.44).abs() < 0.005);
        angles.push(l.angle_deg[100]);
        corrs.push(l.corrcoef[100]);
    }
    angles.sort_by(f64::total_cmp);
    corrs.sort_by(f64::total_cmp);
    eprintln!("SAL at 100 s: angles {angles:?}, correlations {corrs:?}");
    assert!(angles[2] <= 20.0 && corrs[2] >= 0.9);
}

/// Source trains: a subset of NumPy's raw RandomState(44 + n) spikes, kept only inside
/// the periods that NumPy's RandomState(42) permutations mark active (first three periods
/// checked against the permutations NumPy drew, `tests/data/numpy_vectors.json`).
#[test]
fn stdwi_sources_follow_the_active_periods() {
    let nv: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/numpy_vectors.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let p = StdwiParams {
        steps: 1200,
        ..StdwiParams::default()
    };
    let trains = source_trains(&p);
    let periods = nv["stdwi_active_periods_0_1_2"].as_array().unwrap();
    let mut kept = 0;
    for (n, tr) in trains.iter().enumerate() {
        let mut r = RandomState::new(44 + n as u32);
        let raw: Vec<usize> = (0..1200).filter(|_| r.rand() < 0.05).collect();
        let expect: Vec<usize> = raw
            .into_iter()
            .filter(|&s| s > 0 && periods[(s - 1) / 400][n].as_u64() == Some(1))
            .collect();
        assert_eq!(tr, &expect, "source {n}");
        kept += tr.len();
    }
    // 10 active sources × 1200 steps × 0.05 ≈ 600 expected (binomial sd ≈ 24)
    assert!((450..750).contains(&kept), "{kept}");
}

/// STDWI over the full 100 s: the angle falls (spec: "aligns partially, angle decreasing").
#[test]
fn stdwi_angle_decreases_over_100_s() {
    let (w, b) = fig7_initial_weights();
    let r = run(&StdwiParams::default(), &w, &transpose(&b), &mut |_| {}).unwrap();
    let a: Vec<f64> = r.alignment.iter().map(|x| x.angle_deg).collect();
    assert_eq!(a.len(), 1001);
    assert!((r.time_s[1000] - 100.0).abs() < 1e-9);
    eprintln!(
        "STDWI: {:?} spikes, angle {:.2} → {:.1} (50 s) → {:.1}°, corr {:.3}",
        r.spike_counts, a[0], a[500], a[1000], r.alignment[1000].corrcoef
    );
    assert!(a[500] < a[0] - 5.0 && a[1000] < a[500]);
}

/// The RDD synaptic kernel sums to ≈ 0.9296 (spec §3.1) and a history filters with the
/// newest column at lag 1.
#[test]
fn rdd_kernel_and_history() {
    let k = sal::rdd::kappa();
    assert!((k.iter().sum::<f64>() - 0.9296).abs() < 5e-5);
    let mut h = sal::rdd::History::new(2);
    h.push(&[1.0, 0.0]);
    h.push(&[0.0, 2.0]);
    let p = h.filtered(&k);
    assert_eq!(p, vec![k[1], 2.0 * k[0]]);
}

/// Fig 7 RDD: run literally (D13) the feedback is never updated and only t = 0 is
/// recorded; with the global step counter it is updated every 10 s and its angle falls.
#[test]
fn rdd_literal_leaves_b_unchanged_global_time_aligns() {
    use sal::rdd::{StepCounter, fig7_rdd};
    let (w, b) = fig7_initial_weights();
    let lit = fig7_rdd(&w, &b, 50, 20, StepCounter::Literal, &mut |_| {}).unwrap();
    assert_eq!(lit.b_final, b);
    assert_eq!(lit.time_s, vec![0.0]);
    assert!((lit.alignment[0].angle_deg - 91.44).abs() < 0.005);
    let glob = fig7_rdd(&w, &b, 50, 20, StepCounter::Global, &mut |_| {}).unwrap();
    assert_eq!(glob.time_s, vec![0.0, 10.0, 20.0]);
    let a: Vec<f64> = glob.alignment.iter().map(|x| x.angle_deg).collect();
    eprintln!("RDD global time: {a:?}");
    assert!(a[1] < a[0] - 10.0 && a[2] < a[0] - 10.0);
}

/// The RDD phase of Fig 8 on a small network ([40, 24, 24, 12], 20 000 steps per driven
/// layer, update every 2 000): the regression's β follows the forward weights, so every
/// learned feedback B_k correlates with W_(k+1)ᵀ (r > 0.5) where the random start does not
/// (independent draws: sd of r ≈ 1/√(n_k·n_(k+1)) ≤ 0.06, so |r| < 0.2 is > 3σ).
/// (With a 12 → 6 top, only 2 units driven per subset, B_2 stayed at r ≈ 0: not examined.)
#[test]
fn rdd_phase_aligns_the_feedback_of_a_small_network() {
    use sal::rdd::{PhaseSettings, RddNet};
    let dims = [40usize, 24, 24, 12];
    let w = sal::salnet::SalWeights::random(&dims, 5);
    let mut net = RddNet::new(&dims, 9);
    let ws: Vec<&[f64]> = (1..4).map(|k| w.w[k].as_slice()).collect();
    let fbs: Vec<&[f64]> = (0..3).map(|k| w.fb[k].as_slice()).collect();
    net.load(&ws, &fbs);
    let s = PhaseSettings {
        steps_per_layer: 20_000,
        update_every: 2_000,
        redraw_every: 100,
    };
    net.phase(s, &mut |_| {}).unwrap();
    for k in 0..3 {
        let (n0, n1) = (dims[k], dims[k + 1]);
        let bt: Vec<f64> = (0..n0 * n1)
            .map(|e| net.feedback(k)[(e % n0) * n1 + e / n0])
            .collect();
        let before: Vec<f64> = (0..n0 * n1)
            .map(|e| w.fb[k][(e % n0) * n1 + e / n0])
            .collect();
        let r0 = alignment(&w.w[k + 1], &before).corrcoef;
        let r1 = alignment(&w.w[k + 1], &bt).corrcoef;
        eprintln!("B_{k}: r {r0:.3} → {r1:.3}");
        assert!(r0.abs() < 0.2 && r1 > 0.5, "B_{k}: {r0} → {r1}");
    }
}
