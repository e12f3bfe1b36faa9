//! NumPy's generators replayed bit for bit (the draws of Fig 7's STDWI and RDD parts,
//! spec `deep.md` §4.2–4.3, `rng.md`). Expected values: `tests/data/numpy_vectors.json`,
//! made by NumPy 2.1.3 itself with `tests/data/gen_numpy_vectors.py` (command in its header).

use sal::rng_mt19937::RandomState;
use sal::rng_numpy::NumpyRng;
use serde_json::Value;

fn data() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/numpy_vectors.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

/// First outputs and the first 10 `rand()` of RandomState(42), (44) and (93).
#[test]
fn randomstate_raw_and_rand_match_numpy() {
    let d = data();
    for seed in [42u32, 44, 93] {
        let mut r = RandomState::new(seed);
        let raw: Vec<u64> = (0..5).map(|_| r.next_u32() as u64).collect();
        assert_eq!(
            raw,
            u64s(&d[format!("randomstate_{seed}_raw32")]),
            "seed {seed}"
        );
        let mut r = RandomState::new(seed);
        let u: Vec<f64> = (0..10).map(|_| r.rand()).collect();
        // exact: NumPy prints doubles with round-trip precision
        assert_eq!(
            u,
            f64s(&d[format!("randomstate_{seed}_rand10")]),
            "seed {seed}"
        );
    }
}

/// The active-period columns of periods 0, 1, 2 (a fresh RandomState(42) permuting
/// [1]*10 + [0]*40 once per period) and a permutation of arange(20).
#[test]
fn randomstate_permutations_match_numpy() {
    let d = data();
    let mut r = RandomState::new(42);
    let mut col = vec![0u64; 50];
    col[..10].fill(1);
    let expect = d["stdwi_active_periods_0_1_2"].as_array().unwrap();
    for (period, e) in expect.iter().enumerate() {
        assert_eq!(r.permutation(&col), u64s(e), "period {period}");
    }
    let mut r = RandomState::new(7);
    let range: Vec<u64> = (0..20).collect();
    assert_eq!(
        r.permutation(&range),
        u64s(&d["randomstate_7_permutation_20"])
    );
}

/// STDWI source 0: spikes where RandomState(44).rand(400000) < 0.05.
#[test]
fn stdwi_source_train_matches_numpy() {
    let d = data();
    let mut r = RandomState::new(44);
    let steps: Vec<u64> = (0..400_000u64).filter(|_| r.rand() < 0.05).collect();
    assert_eq!(
        steps.len() as u64,
        d["stdwi_source0_count"].as_u64().unwrap()
    );
    assert_eq!(steps[..30], u64s(&d["stdwi_source0_first30_steps"])[..]);
}

/// Fig 7 RDD drive from default_rng(44): subset choices and Poisson counts of 300 steps; and
/// default_rng(5): larger choices and Poisson draws of both algorithms (λ < 10, λ ≥ 10).
#[test]
fn default_rng_choice_and_poisson_match_numpy() {
    let d = data();
    let mut g = NumpyRng::new(44);
    let mut subset = g.choice_without_replacement(50, 10);
    let mut subsets = vec![subset.clone()];
    let mut counts = Vec::new();
    for i in 0..300 {
        if (i + 1) % 100 == 0 {
            subset = g.choice_without_replacement(50, 10);
            subsets.push(subset.clone());
        }
        let row: Vec<u64> = (0..50)
            .map(|u| g.poisson(if subset.contains(&u) { 0.2 } else { 0.0 }))
            .collect();
        counts.push(row);
    }
    let es: Vec<Vec<u64>> = d["fig7_rdd_subsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(u64s)
        .collect();
    let subsets: Vec<Vec<u64>> = subsets
        .iter()
        .map(|s| s.iter().map(|&x| x as u64).collect())
        .collect();
    assert_eq!(subsets, es);
    let ec: Vec<Vec<u64>> = d["fig7_rdd_poisson_counts_300_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(u64s)
        .collect();
    assert_eq!(counts, ec);

    let mut g = NumpyRng::new(5);
    let as_u64 = |v: Vec<usize>| v.into_iter().map(|x| x as u64).collect::<Vec<_>>();
    assert_eq!(
        as_u64(g.choice_without_replacement(1600, 320)),
        u64s(&d["default_rng_5_choice_1600_320"])
    );
    assert_eq!(
        as_u64(g.choice_without_replacement(7, 7)),
        u64s(&d["default_rng_5_then_choice_7_7"])
    );
    for (lam, key, n) in [
        (3.5, "default_rng_5_then_poisson_3_5_x20", 20),
        (0.2, "default_rng_5_then_poisson_0_2_x50", 50),
        (25.0, "default_rng_5_then_poisson_25_x30", 30),
    ] {
        let v: Vec<u64> = (0..n).map(|_| g.poisson(lam)).collect();
        assert_eq!(v, u64s(&d[key]), "{key}");
    }
    assert_eq!(g.random(), d["default_rng_5_then_random"].as_f64().unwrap());
}
