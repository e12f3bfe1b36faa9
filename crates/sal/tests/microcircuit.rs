//! Cortical microcircuits (simulator M3, `microcircuits.md`): replay of the reference's seeded
//! streams (initial weights, pattern schedules, teacher targets), the teacher's map against
//! its exact expectation, and the M3 conventions on hand-made situations.

use sal::microcircuit::{
    LayerRates, Mat, NetParams, StudentSpec, TeacherSpec, Weights, draw_initial_weights,
    draw_schedule, teacher,
};
use serde_json::Value;

fn spec_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/params")
}

fn load(rel: &str) -> Value {
    let p = spec_dir().join(rel);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}")))
        .unwrap()
}

/// The shipped files' network properties ([1, 1, 1], SAL rates).
fn fig6_net(down: f64) -> NetParams {
    NetParams {
        dims: vec![1, 1, 1],
        lambda_api: 0.02,
        lambda_nudge: 0.6,
        learning_lag: 2000,
        lr: vec![
            LayerRates { up: 0.2, down },
            LayerRates {
                up: 0.003,
                down: 0.0,
            },
        ],
        n_last_spks: 1,
        size_moving_average: 2000,
        a_causal: -1.0,
        a_anticausal: 1.0,
        tau_causal: 10.0,
        tau_anticausal: 10.0,
        t_ref: 10,
        tau_syn: 10,
    }
}

fn scalar_weights(w_up_1: f64, w_down_1: f64, w_up_2: f64) -> Weights {
    Weights {
        up: vec![Mat::filled(1, 1, w_up_1), Mat::filled(1, 1, w_up_2)],
        down: vec![Mat::filled(1, 1, w_down_1)],
    }
}

const TRAIN: [f64; 8] = [-3.0, -2.5, -2.0, -0.8, 0.8, 2.0, 2.5, 3.0];
const VAL: [f64; 6] = [-2.7, -1.8, -0.5, 0.5, 1.8, 2.7];

/// NumPy `default_rng` replay: our pattern schedules (3 900 slots) equal the shipped ones of
/// all 60 reference runs exactly, the initial weights to the last bit (seeds base + k + 1).
#[test]
fn initial_weights_and_schedules_replay_the_reference() {
    for variant in ["sal", "bp", "fa"] {
        let d = load(&format!(
            "derived/microcircuits_{variant}_initial_conditions.json"
        ));
        let runs = d["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 20);
        for r in runs {
            let w = draw_initial_weights(
                r["weights_init_seed"].as_u64().unwrap(),
                &[1, 1, 1],
                (-3.0, 3.0),
                (-3.0, 3.0),
            );
            for (got, key) in [
                (w.up[0].data[0], "w_up_1"),
                (w.down[0].data[0], "w_down_1"),
                (w.up[1].data[0], "w_up_2"),
            ] {
                let want = r[key].as_f64().unwrap();
                // lo + (hi − lo)·U with NumPy's very U; 27 of the 180 shipped values differ in
                // the last bit (the reference's arithmetic rounds differently), never more:
                // one ulp ≤ 4.5e-16 for |w| ≤ 3.
                assert!(
                    (got - want).abs() <= 4.5e-16,
                    "{variant} run {} {key}: {got} vs {want}",
                    r["run"]
                );
            }
            let s = draw_schedule(
                r["training_seed"].as_u64().unwrap(),
                150,
                8,
                6,
                20,
                6,
                true,
                false,
            );
            let idx: Vec<usize> = r["pattern_index_sequence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let tr: Vec<bool> = r["is_training_slot"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() == 1)
                .collect();
            assert_eq!(s.index, idx, "{variant} run {}", r["run"]);
            assert_eq!(s.training, tr);
        }
    }
}

/// The teacher run from the reference's seed reproduces the shipped teacher targets of all
/// three variants exactly: the output membrane is −1 or +1 at every step, so a target is
/// (#steps with the hidden PSP on)/9000 − 1 for 18 000 averaged steps; equality means every
/// spike decision of the 280 000 (SAL) or 2.8 million (BP, FA) steps was replayed.
#[test]
fn teacher_replays_the_reference_targets() {
    let d = load("derived/microcircuits_teacher_targets.json");
    for variant in ["sal", "bp", "fa"] {
        let v = &d[variant];
        let spec = TeacherSpec {
            net: fig6_net(0.0),
            weights: scalar_weights(2.0, 0.0, 2.0),
            biases: vec![vec![-1.0], vec![-1.0]],
            poisson_seed: v["teacher_poisson_seed"].as_u64().unwrap(),
            t_pattern: v["teacher_t_pattern"].as_u64().unwrap(),
        };
        let xs = |a: &[f64]| a.iter().map(|&x| vec![x]).collect::<Vec<_>>();
        let (tr, va) = teacher(&spec, &xs(&TRAIN), &xs(&VAL)).unwrap();
        let want = |k: &str| -> Vec<f64> {
            v["u_target"][k]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let got_tr: Vec<f64> = tr.iter().map(|y| y[0]).collect();
        let got_va: Vec<f64> = va.iter().map(|y| y[0]).collect();
        for (g, w) in got_tr
            .iter()
            .zip(want("training"))
            .chain(got_va.iter().zip(want("validation")))
        {
            assert!((g - w).abs() < 1e-12, "{variant}: {got_tr:?} {got_va:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// M3 conventions on hand-made situations (`models.md` §8) and the teacher's map against the
// exact expectation of its Markov chain.
//
// Deterministic situations: a membrane of +40 gives ρ = 1/(1 + t_ref·e^(−40)) = 1.0 exactly in
// f64 (t_ref·e^(−40) < 2^(−53)), so U < ρ for every draw U ∈ [0, 1): the unit fires whenever
// it is not refractory. A membrane of −40 gives ρ ≈ 4e−19 < 2^(−53), so only the draw U = 0
// (probability 2^(−53)) could fire it.

use sal::microcircuit::Microcircuit;
use sal::rng_numpy::NumpyRng;

const ON: f64 = 40.0;
const OFF: f64 = -40.0;

/// `fig6_net` with other t_ref / τ_syn (distinct values catch a mix-up of the two).
fn net_with(t_ref: u32, tau_syn: u32) -> NetParams {
    NetParams {
        t_ref,
        tau_syn,
        ..fig6_net(0.0)
    }
}

/// (layer, interneuron) of every population of a network with one hidden layer, in the
/// order of the spike generation.
const POPS: [(usize, bool); 4] = [(0, false), (1, false), (1, true), (2, false)];

/// Sets every membrane of a population (one hidden layer networks) to `v`.
fn force_all(net: &mut Microcircuit, layer: usize, inn: bool, v: f64) {
    let n = net.membranes(layer, inn).len();
    net.force_membranes(layer, inn, &vec![v; n]);
}

/// Makes every unit of the network unable to fire in the next step.
fn silence(net: &mut Microcircuit) {
    for (layer, inn) in POPS {
        force_all(net, layer, inn, OFF);
    }
}

fn rho(u: f64, t_ref: f64) -> f64 {
    1.0 / (1.0 + t_ref * (-u).exp())
}

/// Exact sliding-window mean of `models.md` §8.2, written independently of the crate's one:
/// the window starts as [0]; it grows to `size` values, then the oldest value is dropped.
struct Window {
    v: std::collections::VecDeque<f64>,
    size: usize,
}

impl Window {
    fn new(size: usize) -> Self {
        Self {
            v: std::iter::once(0.0).collect(),
            size,
        }
    }
    fn push(&mut self, x: f64) {
        if self.v.len() == self.size {
            self.v.pop_front();
        }
        self.v.push_back(x);
    }
    fn mean(&self) -> f64 {
        self.v.iter().sum::<f64>() / self.v.len() as f64
    }
}

/// Minimum inter-spike interval is t_ref (models.md §8.1: fire iff U < ρ(u) and
/// t − s_last ≥ t_ref, non-strict): every population of a network whose membranes are all +40
/// fires at t = 0, t_ref, 2·t_ref, … and at no other step (an M1-style strict test would give
/// 0, t_ref + 1, …). Checked for t_ref = 1, 3, 7, 10 via `fired()` and `last_spikes()`.
#[test]
fn m3_minimum_isi_is_t_ref() {
    for t_ref in [1u32, 3, 7, 10] {
        let p = net_with(t_ref, 4);
        // W = 0 everywhere: hidden u = 40 + 0 + λ_api·0, interneuron 40 (bias[1]), output 40.
        let mut net = Microcircuit::new(
            &p,
            scalar_weights(0.0, 0.0, 0.0),
            &[vec![ON], vec![ON]],
            false,
            true,
            false,
        )
        .unwrap();
        for (layer, inn) in POPS {
            force_all(&mut net, layer, inn, ON); // the initial membranes are 0
        }
        let mut rng = NumpyRng::new(17);
        let t_ref = t_ref as i64;
        for t in 0..60i64 {
            net.step(&mut rng, &[ON], None, false, false);
            for (layer, inn) in POPS {
                let want = t % t_ref == 0;
                assert_eq!(
                    net.fired(layer, inn),
                    &[want],
                    "t_ref {t_ref}, t {t}, pop {layer}/{inn}"
                );
                assert_eq!(
                    net.last_spikes(layer, inn),
                    vec![Some(t - t % t_ref)],
                    "t_ref {t_ref}, t {t}"
                );
            }
        }
        assert_eq!(net.spike_counts(), vec![60u64.div_ceil(t_ref as u64); 4]);
    }
}

/// The PSP of a spike at step s is on at the membrane updates of steps s … s+τ_syn−1 (Δ = 0
/// included, models.md §8.1) and off from s+τ_syn; the downstream membrane computed in step s
/// already contains W·1, so the downstream spike decisions affected are those of steps
/// s+1 … s+τ_syn (§8.4: decisions use the previous step's membranes).
///
/// Setting: t_ref = 3, τ_syn = 10; one input spike at s = 5 (input membrane forced to +40 once,
/// input value −40 otherwise); hidden bias −40 and W_up = 80, so the hidden membrane is +40
/// exactly while the input PSP is on and −40 otherwise. The hidden unit must fire at
/// 6, 9, 12, 15 (never at 5, never at 18); the output membrane −1 + 0.25·PSP_hidden must be
/// −0.75 from the hidden spike's own step 6 through 15 + 9 = 24 and −1 before 6 and at 25.
#[test]
fn m3_psp_includes_the_spike_step_and_acts_one_step_later() {
    let p = net_with(3, 10);
    let mut net = Microcircuit::new(
        &p,
        scalar_weights(80.0, 0.0, 0.25),
        &[vec![OFF], vec![-1.0]],
        false,
        true,
        false,
    )
    .unwrap();
    let mut rng = NumpyRng::new(5);
    silence(&mut net);
    let s = 5i64;
    let mut hidden_spikes = Vec::new();
    for t in 0..40i64 {
        if t == s {
            force_all(&mut net, 0, false, ON);
        }
        net.step(&mut rng, &[OFF], None, false, false);
        assert_eq!(net.fired(0, false), &[t == s], "input, t {t}");
        let on = (s..s + 10).contains(&t);
        assert_eq!(
            net.psp(0, false),
            &[if on { 1.0 } else { 0.0 }],
            "input PSP, t {t}"
        );
        // W_down = 0 and W_pi = −W_down: the apical term is (±)0.
        assert_eq!(
            net.membranes(1, false),
            &[if on { ON } else { OFF }],
            "hidden u, t {t}"
        );
        if net.fired(1, false)[0] {
            hidden_spikes.push(t);
        }
        let h_on = (6..=24).contains(&t);
        assert_eq!(
            net.psp(1, false),
            &[if h_on { 1.0 } else { 0.0 }],
            "hidden PSP, t {t}"
        );
        assert_eq!(
            net.output_membranes(),
            &[if h_on { -0.75 } else { -1.0 }],
            "output u, t {t}"
        );
    }
    assert_eq!(hidden_spikes, vec![6, 9, 12, 15]);
}

/// Output nudging (models.md §8.2): with a target u = b + v_bas + λ_nudge·(u_tgt − v̄_bas − b),
/// where v̄_bas is the sliding mean of v_bas *before* this step's value is added (window
/// starting as [0]); without a target u = b + v_bas — and v_bas enters the average in every
/// step either way.
///
/// (a) hidden silent (bias −40): v_bas = 0 and the average stays 0, so u = b + λ(u_tgt − b)
/// exactly. (b) hidden firing at 0, 3, 6, … (bias +40, t_ref = 3) with τ_syn = 2, so v_bas =
/// 0.7·[t mod 3 < 2]; window of 4 values so that the sliding part is exercised; targets vary
/// per step and are absent every 7th step. Compared with an independent hand computation
/// (tolerance 1e-12 for the different summation order of the mean).
#[test]
fn m3_output_nudging_uses_the_average_before_the_step() {
    let lam = 0.6;
    // (a)
    let mut net = Microcircuit::new(
        &net_with(10, 10),
        scalar_weights(0.0, 0.0, 0.7),
        &[vec![OFF], vec![-1.0]],
        false,
        true,
        false,
    )
    .unwrap();
    let mut rng = NumpyRng::new(9);
    silence(&mut net);
    for t in 0..50 {
        let tgt = 0.1 * (t % 5) as f64 - 0.2;
        let target = if t % 7 == 3 { None } else { Some(tgt) };
        net.step(
            &mut rng,
            &[0.0],
            target.as_ref().map(std::slice::from_ref),
            false,
            false,
        );
        assert_eq!(net.psp(1, false), &[0.0]);
        let want = match target {
            Some(y) => -1.0 + lam * (y - 0.0 - -1.0),
            None => -1.0,
        };
        assert_eq!(net.output_membranes(), &[want], "(a) t {t}");
    }
    // (b)
    let p = NetParams {
        size_moving_average: 4,
        ..net_with(3, 2)
    };
    let mut net = Microcircuit::new(
        &p,
        scalar_weights(0.0, 0.0, 0.7),
        &[vec![ON], vec![-1.0]],
        false,
        true,
        false,
    )
    .unwrap();
    let mut rng = NumpyRng::new(11);
    force_all(&mut net, 1, false, ON);
    let mut avg = Window::new(4);
    for t in 0..60 {
        let tgt = 0.13 * (t % 5) as f64 - 0.3;
        let target = if t % 7 == 3 { None } else { Some(tgt) };
        net.step(
            &mut rng,
            &[0.0],
            target.as_ref().map(std::slice::from_ref),
            false,
            false,
        );
        assert_eq!(net.fired(1, false), &[t % 3 == 0], "hidden, t {t}");
        let v = if t % 3 < 2 { 0.7 } else { 0.0 };
        let want = match target {
            Some(y) => -1.0 + v + lam * (y - avg.mean() - -1.0),
            None => -1.0 + v,
        };
        avg.push(v);
        let got = net.output_membranes()[0];
        assert!((got - want).abs() < 1e-12, "(b) t {t}: {got} vs {want}");
    }
}

/// Checks u_pyr = b + W_up·PSP_below + λ_api·(W_down·PSP_above + W_pi·PSP_inn) of hidden
/// layer 1 (one hidden layer), with the weights in force when the membrane was computed.
fn check_hidden_membrane(
    net: &Microcircuit,
    up: &Mat,
    down: &Mat,
    w_pi: &Mat,
    lambda: f64,
    b: f64,
    what: &str,
) {
    let (p_in, p_out, p_inn) = (net.psp(0, false), net.psp(2, false), net.psp(1, true));
    for (i, &got) in net.membranes(1, false).iter().enumerate() {
        let dot = |m: &Mat, x: &[f64]| (0..m.cols).map(|j| m.at(i, j) * x[j]).sum::<f64>();
        let want = b + dot(up, p_in) + lambda * (dot(down, p_out) + dot(w_pi, p_inn));
        assert!(
            (got - want).abs() < 1e-12,
            "{what}: unit {i}: {got} vs {want}"
        );
    }
}

/// λ_api switching (microcircuits.md §2 items 1 and 5): `enter_symmetrisation` sets λ_api = 1
/// and W_ip = W_pi = 0 (and the hidden membrane then is b + v_bas + 1·W_down·PSP_out);
/// `leave_symmetrisation` restores the configured λ_api = 0.02 and re-imposes the
/// self-predicting state W_ip = W_up(next), W_pi = −W_down exactly — with the W_down that
/// SAL changed during the symmetrisation. For dims [1, 1, 1] and [2, 3, 2].
#[test]
fn m3_symmetrisation_switches_lambda_api_and_reimposes_sps() {
    for dims in [vec![1usize, 1, 1], vec![2, 3, 2]] {
        let p = NetParams {
            dims: dims.clone(),
            lr: vec![
                LayerRates {
                    up: 0.2,
                    down: 0.05,
                },
                LayerRates {
                    up: 0.003,
                    down: 0.0,
                },
            ],
            ..fig6_net(0.0)
        };
        let mut w = Weights::zeros(&dims);
        for (k, m) in w.up.iter_mut().chain(w.down.iter_mut()).enumerate() {
            for (j, v) in m.data.iter_mut().enumerate() {
                *v = 0.3 * ((k * 7 + j * 3) % 11) as f64 / 11.0 * 5.0 - 2.0;
            }
        }
        let biases = vec![vec![0.5; dims[1]], vec![0.5; dims[2]]];
        let mut net = Microcircuit::new(&p, w.clone(), &biases, false, true, true).unwrap();
        let down0 = net.weights().down[0].clone();
        let neg = |m: &Mat| Mat {
            data: m.data.iter().map(|v| -v).collect(),
            ..m.clone()
        };
        assert_eq!(net.interneuron_weights(1).0, &w.up[1]);
        assert_eq!(net.interneuron_weights(1).1, &neg(&down0));
        assert_eq!(net.lambda_api(1), 0.02);
        net.enter_symmetrisation();
        assert_eq!(net.lambda_api(1), 1.0);
        let zero_ip = Mat::zeros(dims[2], dims[1]);
        let zero_pi = Mat::zeros(dims[1], dims[2]);
        let mut rng = NumpyRng::new(3);
        let x = vec![1.0; dims[0]];
        let y = vec![0.2; dims[2]];
        for t in 0..3000 {
            let before = net.weights().clone();
            net.step(&mut rng, &x, Some(&y), false, true);
            assert_eq!(net.interneuron_weights(1), (&zero_ip, &zero_pi), "t {t}");
            assert_eq!(net.weights().up, before.up);
            check_hidden_membrane(
                &net,
                &before.up[0],
                &before.down[0],
                &zero_pi,
                1.0,
                0.5,
                "symm",
            );
        }
        let down1 = net.weights().down[0].clone();
        assert!(
            down1.data.iter().zip(&down0.data).all(|(a, b)| a != b),
            "{dims:?}: SAL did not change every W_down entry: {down0:?} → {down1:?}"
        );
        net.leave_symmetrisation();
        assert_eq!(net.lambda_api(1), 0.02);
        assert_eq!(net.interneuron_weights(1).0, &net.weights().up[1]);
        assert_eq!(net.interneuron_weights(1).1, &neg(&down1));
        for _ in 0..200 {
            net.step(&mut rng, &x, Some(&y), false, false);
            let w = net.weights();
            check_hidden_membrane(&net, &w.up[0], &w.down[0], &neg(&down1), 0.02, 0.5, "after");
        }
    }
}

/// Self-predicting state and BP copy (models.md §8.3, §8.4 step 3; microcircuits.md §1, §4.2):
/// at start-up (with set_sps) BP mode copies W_down := W_up(next)ᵀ, then W_ip := W_up(next),
/// W_pi := −W_down; in
/// steps with forward plasticity W_down follows W_up(next)ᵀ in BP mode and W_ip, W_pi follow
/// when SPS maintenance is on — after every step, exactly. Without BP mode W_down keeps its
/// value; without SPS maintenance W_ip, W_pi keep their start-up values. dims [2, 3, 2]
/// (the transpose is not the identity on shapes).
#[test]
fn m3_bp_copy_and_self_predicting_state_follow_forward_learning() {
    let dims = vec![2usize, 3, 2];
    let p = NetParams {
        dims: dims.clone(),
        lr: vec![
            LayerRates { up: 0.2, down: 0.0 },
            LayerRates {
                up: 0.05,
                down: 0.0,
            },
        ],
        ..fig6_net(0.0)
    };
    let mut w = Weights::zeros(&dims);
    for (k, m) in w.up.iter_mut().chain(w.down.iter_mut()).enumerate() {
        for (j, v) in m.data.iter_mut().enumerate() {
            *v = ((k * 5 + j * 7) % 13) as f64 / 13.0 * 3.0 - 1.5;
        }
    }
    let neg = |m: &Mat| Mat {
        data: m.data.iter().map(|v| -v).collect(),
        ..m.clone()
    };
    for (bp, sps) in [(true, true), (false, true), (true, false)] {
        let mut net = Microcircuit::new(
            &p,
            w.clone(),
            &[vec![-0.5; 3], vec![-0.5; 2]],
            bp,
            sps,
            false,
        )
        .unwrap();
        let down0 = net.weights().down[0].clone();
        let (ip0, pi0) = {
            let (a, b) = net.interneuron_weights(1);
            (a.clone(), b.clone())
        };
        // Start-up "distribute weights" only with set_sps (microcircuits.md §4.2); without
        // it the BP copy first happens in the first step with forward plasticity.
        if bp && sps {
            assert_eq!(down0, w.up[1].transpose(), "start-up BP copy");
        } else {
            assert_eq!(down0, w.down[0]);
        }
        if sps {
            assert_eq!(ip0, w.up[1]);
            assert_eq!(pi0, neg(&down0));
        }
        let mut rng = NumpyRng::new(21);
        let mut changes = 0;
        for t in 0..3000 {
            let before = net.weights().up[1].clone();
            net.step(&mut rng, &[1.5, -0.5], Some(&[0.4, -0.3]), true, false);
            let wt = net.weights();
            changes += (wt.up[1] != before) as usize;
            let want_down = if bp {
                wt.up[1].transpose()
            } else {
                down0.clone()
            };
            assert_eq!(wt.down[0], want_down, "bp {bp} sps {sps} t {t}");
            let (ip, pi) = net.interneuron_weights(1);
            if sps {
                assert_eq!(ip, &wt.up[1], "t {t}");
                assert_eq!(pi, &neg(&wt.down[0]), "t {t}");
            } else {
                assert_eq!((ip, pi), (&ip0, &pi0), "t {t}");
            }
        }
        assert!(changes > 100, "output W_up changed in only {changes} steps");
        assert_ne!(net.weights().up[1], w.up[1]);
    }
}

/// Fresh [1, 2, 2] network for the SAL tests: W_up = 0, W_down = [[0.1, 0.2], [0.3, 0.4]],
/// a_causal = −1 with τ_causal = 10, a_anticausal = +1.3 with τ_anticausal = 7 (distinct, so a
/// swap is caught), η_down = 0.5, t_ref = 10; 20 silent steps so that t = 20.
fn sal_net(update_down: bool, n_last: usize) -> (Microcircuit, NumpyRng) {
    let p = NetParams {
        dims: vec![1, 2, 2],
        lr: vec![
            LayerRates { up: 0.2, down: 0.5 },
            LayerRates {
                up: 0.003,
                down: 0.0,
            },
        ],
        a_causal: -1.0,
        a_anticausal: 1.3,
        tau_causal: 10.0,
        tau_anticausal: 7.0,
        n_last_spks: n_last,
        ..fig6_net(0.0)
    };
    let w = Weights {
        up: vec![Mat::zeros(2, 1), Mat::zeros(2, 2)],
        down: vec![Mat {
            rows: 2,
            cols: 2,
            data: vec![0.1, 0.2, 0.3, 0.4],
        }],
    };
    let mut net = Microcircuit::new(
        &p,
        w,
        &[vec![0.0; 2], vec![0.0; 2]],
        false,
        true,
        update_down,
    )
    .unwrap();
    let mut rng = NumpyRng::new(1);
    for _ in 0..20 {
        silence(&mut net);
        net.step(&mut rng, &[OFF], None, false, true);
        assert!(
            POPS.iter()
                .all(|&(l, i)| net.fired(l, i).iter().all(|f| !f))
        );
    }
    assert_eq!(net.time(), 20);
    assert_eq!(net.weights().down[0].data, vec![0.1, 0.2, 0.3, 0.4]);
    (net, rng)
}

/// One step at t = 20 in which exactly the given hidden (post) and output (pre) units fire;
/// returns ΔW_down.
fn sal_step(
    net: &mut Microcircuit,
    rng: &mut NumpyRng,
    post: [bool; 2],
    pre: [bool; 2],
    top_down: bool,
) -> Vec<f64> {
    let before = net.weights().down[0].data.clone();
    silence(net);
    let m = |f: [bool; 2]| f.map(|x| if x { ON } else { OFF });
    net.force_membranes(1, false, &m(post));
    net.force_membranes(2, false, &m(pre));
    net.step(rng, &[OFF], None, false, top_down);
    assert_eq!(net.fired(1, false), &post);
    assert_eq!(net.fired(2, false), &pre);
    assert_eq!(net.fired(0, false), &[false]);
    assert_eq!(net.fired(1, true), &[false, false]);
    net.weights().down[0]
        .data
        .iter()
        .zip(&before)
        .map(|(a, b)| a - b)
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-15, "{what}: {got:?} vs {want:?}");
    }
}

/// The top-down SAL rule on hand-placed spikes (models.md §8.3; W_down[post][pre], post =
/// hidden pyramidal, pre = output pyramidal):
/// * causal: pre 0 spiked at t−3, pre 1 at t−5, post 0 fires at t → row 0 changes by
///   η·a_causal·(e^(−3/τ_c), e^(−5/τ_c)), row 1 not at all;
/// * anti-causal: post 0 spiked at t−7, post 1 at t−4, pre 1 fires at t → column 1 changes
///   by η·a_anti·(e^(−7/τ_a), e^(−4/τ_a)), column 0 not at all;
/// * nothing changes with update_down = false or in a step without top-down plasticity;
/// * same-step pre and post spikes (discrepancies C2): the row of the firing post is set to
///   the traces of the pre units' stored spikes, then the column of the firing pre is set to
///   the traces of the post units' stored spikes. Spike generation precedes the rule, so a
///   unit that fired at t has t stored (Δ = 0 → 0). With n_last = 1 (pre 0 at t−12 and post 0
///   at t−15 both fire at t; pre 1 stored at t−6, post 1 at t−3): ΔW = η·[[0 (column wins,
///   both traces 0), a_c·e^(−6/τ_c)], [a_a·e^(−3/τ_a), 0]]. With n_last = 2 the older spikes
///   remain: ΔW[0][0] = η·½·a_a·e^(−15/τ_a) (the column value, not the row's ½·a_c·e^(−12/τ_c)),
///   ΔW[0][1] = η·½·a_c·e^(−6/τ_c), ΔW[1][0] = η·½·a_a·e^(−3/τ_a), ΔW[1][1] = 0.
#[test]
fn m3_sal_rule_on_hand_made_spikes() {
    let (eta, ac, aa, tc, ta) = (0.5, -1.0, 1.3, 10.0, 7.0);
    let e = |d: f64, tau: f64| (-d / tau).exp();
    // causal
    let (mut net, mut rng) = sal_net(true, 1);
    net.force_spike(2, false, 0, 17);
    net.force_spike(2, false, 1, 15);
    let d = sal_step(&mut net, &mut rng, [true, false], [false, false], true);
    assert_close(
        &d,
        &[eta * (ac * e(3.0, tc)), eta * (ac * e(5.0, tc)), 0.0, 0.0],
        "causal",
    );
    // anti-causal
    let (mut net, mut rng) = sal_net(true, 1);
    net.force_spike(1, false, 0, 13);
    net.force_spike(1, false, 1, 16);
    let d = sal_step(&mut net, &mut rng, [false, false], [false, true], true);
    assert_close(
        &d,
        &[0.0, eta * (aa * e(7.0, ta)), 0.0, eta * (aa * e(4.0, ta))],
        "anti-causal",
    );
    // switched off
    for (update_down, top_down) in [(false, true), (true, false)] {
        let (mut net, mut rng) = sal_net(update_down, 1);
        net.force_spike(2, false, 0, 17);
        net.force_spike(1, false, 1, 16);
        let d = sal_step(&mut net, &mut rng, [true, false], [false, true], top_down);
        assert_eq!(
            d,
            vec![0.0; 4],
            "update_down {update_down}, top_down {top_down}"
        );
    }
    // same step
    for n_last in [1, 2] {
        let (mut net, mut rng) = sal_net(true, n_last);
        net.force_spike(2, false, 0, 8);
        net.force_spike(1, false, 0, 5);
        net.force_spike(2, false, 1, 14);
        net.force_spike(1, false, 1, 17);
        let d = sal_step(&mut net, &mut rng, [true, false], [true, false], true);
        let k = n_last as f64;
        let d00 = if n_last == 1 {
            0.0
        } else {
            eta * (aa * e(15.0, ta) / k)
        };
        let want = [
            d00,
            eta * (ac * e(6.0, tc) / k),
            eta * (aa * e(3.0, ta) / k),
            0.0,
        ];
        assert_close(&d, &want, &format!("same step, n_last {n_last}"));
    }
}

/// The forward rule (models.md §8.3, discrepancies C6): ΔW_up = η·(ρ(ū_pyr) − ρ(v̄_bas + b)) ⊗
/// s_pre(t−1), with the moving averages already including step t. An independent hand model
/// of the [1, 1, 1] network runs alongside: the input fires deterministically at 0, 5, 10, …
/// (input +40, t_ref = 5, τ_syn = 3); the hidden spikes are random and read from `fired()`/
/// `psp()`; W_down = 0 so the apical input is 0; the output is nudged towards 0.3. Both W_up
/// and both membranes must agree with the hand model at every step (tolerance 1e-12: the
/// window means are summed in another order), and W_up of layer 1 must change exactly at the
/// steps right after an input spike (1, 6, 11, …) — except where forward plasticity is off
/// (step 21: the input spike of step 20 is then never used, also not at step 22).
/// While the 2000-step windows fill, ū − (v̄_bas + b) = −b/(n+1) (the window's initial 0 is in
/// both averages), so the updates are of order η·0.01 and a wrong timing would show.
#[test]
fn m3_forward_rule_uses_the_presynaptic_spike_of_the_previous_step() {
    let p = NetParams {
        lr: vec![
            LayerRates { up: 0.2, down: 0.0 },
            LayerRates { up: 0.3, down: 0.0 },
        ],
        ..net_with(5, 3)
    };
    let (bh, bo, lam_n, tgt) = (-1.0, -0.5, 0.6, 0.3);
    let mut net = Microcircuit::new(
        &p,
        scalar_weights(0.5, 0.0, 0.8),
        &[vec![bh], vec![bo]],
        false,
        true,
        false,
    )
    .unwrap();
    force_all(&mut net, 0, false, ON);
    let mut rng = NumpyRng::new(77);
    let (mut w1, mut w2) = (0.5, 0.8);
    let (mut au_h, mut av_h, mut au_o, mut av_o) = (
        Window::new(2000),
        Window::new(2000),
        Window::new(2000),
        Window::new(2000),
    );
    let (mut in_fired_prev, mut h_fired_prev) = (false, false);
    let mut changed1 = Vec::new();
    let mut hidden_updates = 0;
    for t in 0..200i64 {
        let forward = t != 21;
        let before = net.weights().up[0].data[0];
        net.step(&mut rng, &[ON], Some(&[tgt]), forward, false);
        assert_eq!(net.fired(0, false), &[t % 5 == 0]);
        let p_in = if t % 5 < 3 { 1.0 } else { 0.0 };
        assert_eq!(net.psp(0, false), &[p_in]);
        let p_h = net.psp(1, false)[0];
        let v_h = w1 * p_in;
        let u_h = bh + v_h;
        au_h.push(u_h);
        av_h.push(v_h);
        let v_o = w2 * p_h;
        let u_o = bo + v_o + lam_n * (tgt - av_o.mean() - bo);
        au_o.push(u_o);
        av_o.push(v_o);
        if forward && in_fired_prev {
            w1 += 0.2 * (rho(au_h.mean(), 5.0) - rho(av_h.mean() + bh, 5.0));
        }
        if forward && h_fired_prev {
            w2 += 0.3 * (rho(au_o.mean(), 5.0) - rho(av_o.mean() + bo, 5.0));
            hidden_updates += 1;
        }
        let w = net.weights();
        assert!(
            (w.up[0].data[0] - w1).abs() < 1e-12,
            "t {t}: W_up1 {} vs {w1}",
            w.up[0].data[0]
        );
        assert!(
            (w.up[1].data[0] - w2).abs() < 1e-12,
            "t {t}: W_up2 {} vs {w2}",
            w.up[1].data[0]
        );
        assert!(
            (net.membranes(1, false)[0] - u_h).abs() < 1e-12,
            "t {t}: hidden u"
        );
        assert!(
            (net.output_membranes()[0] - u_o).abs() < 1e-12,
            "t {t}: output u"
        );
        if w.up[0].data[0] != before {
            changed1.push(t);
        }
        in_fired_prev = net.fired(0, false)[0];
        h_fired_prev = net.fired(1, false)[0];
    }
    let want: Vec<i64> = (0..200).filter(|t| t % 5 == 1 && *t != 21).collect();
    assert_eq!(changed1, want);
    assert!(hidden_updates >= 5, "only {hidden_updates} hidden spikes");
}

/// Stationary statistics of the teacher network's Markov chain (see
/// `m3_teacher_targets_match_the_exact_chain_expectation`): the expected fraction of steps
/// with the hidden PSP on and the asymptotic variance σ² = γ₀ + 2·Σ_{k≥1} γ_k of that 0/1
/// indicator (so that the mean over N steps has standard deviation √(σ²/N)).
///
/// State after step t: (a, c) = ages t − s of the last input and hidden spikes, capped at
/// C = max(min_isi, psp_len) (all ages ≥ C behave alike). Step t+1: the input fires with
/// probability ρ(x) if a + 1 ≥ min_isi; the hidden unit fires with ρ(−1 + 2·[a < psp_len]) if
/// c + 1 ≥ min_isi (its membrane was computed at step t, from the input PSP of step t with the
/// Δ = 0 convention); independent uniforms; a fired unit's age becomes 0, otherwise +1. The
/// output membrane of step t+1 is −1 + 2·[c' < psp_len]. M3 is min_isi = t_ref,
/// psp_len = τ_syn; other values give the "wrong convention" alternatives.
fn teacher_chain(x: f64, t_ref: f64, min_isi: usize, psp_len: usize) -> (f64, f64) {
    let cap = min_isi.max(psp_len);
    let n = cap + 1;
    let idx = |a: usize, c: usize| a * n + c;
    // Sparse transitions: (from, to, probability).
    let mut trans = Vec::new();
    for a in 0..n {
        for c in 0..n {
            let p_in = if a + 1 >= min_isi { rho(x, t_ref) } else { 0.0 };
            let u_h = -1.0 + 2.0 * ((a < psp_len) as u8 as f64);
            let p_h = if c + 1 >= min_isi {
                rho(u_h, t_ref)
            } else {
                0.0
            };
            let (a1, c1) = ((a + 1).min(cap), (c + 1).min(cap));
            for (na, pa) in [(0, p_in), (a1, 1.0 - p_in)] {
                for (nc, pc) in [(0, p_h), (c1, 1.0 - p_h)] {
                    if pa * pc > 0.0 {
                        trans.push((idx(a, c), idx(na, nc), pa * pc));
                    }
                }
            }
        }
    }
    let f: Vec<f64> = (0..n * n)
        .map(|s| ((s % n) < psp_len) as u8 as f64)
        .collect();
    // Power iteration from "never spiked" until the distribution stops moving (L1 change
    // < 1e-15; the slowest mode decays by ≈ 0.98 per step at x = ±3, so the remaining error
    // is < 1e-13; the residual ‖πP − π‖₁ is asserted below 1e-13).
    let mut pi = vec![0.0; n * n];
    pi[idx(cap, cap)] = 1.0;
    let mut converged = false;
    for _ in 0..2_000_000 {
        let mut next = vec![0.0; n * n];
        for &(s, t, p) in &trans {
            next[t] += pi[s] * p;
        }
        let diff = next
            .iter()
            .zip(&pi)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>();
        pi = next;
        if diff < 1e-15 {
            converged = true;
            break;
        }
    }
    assert!(converged, "power iteration did not converge for x = {x}");
    let residual = {
        let mut next = vec![0.0; n * n];
        for &(s, t, p) in &trans {
            next[t] += pi[s] * p;
        }
        next.iter()
            .zip(&pi)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
    };
    assert!(residual < 1e-13, "stationary residual {residual}");
    let mu: f64 = pi.iter().zip(&f).map(|(p, v)| p * v).sum();
    // Autocovariances γ_k = Σ π(s)·g(s)·(P^k g)(s), g = f − μ, until P^k g has decayed.
    let g: Vec<f64> = f.iter().map(|v| v - mu).collect();
    let gamma = |h: &[f64]| {
        pi.iter()
            .zip(&g)
            .zip(h)
            .map(|((p, a), b)| p * a * b)
            .sum::<f64>()
    };
    let mut var = gamma(&g);
    let mut h = g.clone();
    converged = false;
    for _ in 0..200_000 {
        let mut next = vec![0.0; n * n];
        for &(s, t, p) in &trans {
            next[s] += p * h[t];
        }
        // P^k g → (π·g)·1 = 0; remove the rounding residue of π·g (≈ 1e-15) so that the
        // decay to 0 can be detected.
        let c: f64 = pi.iter().zip(&next).map(|(p, v)| p * v).sum();
        h = next.iter().map(|v| v - c).collect();
        var += 2.0 * gamma(&h);
        if h.iter().all(|v| v.abs() < 1e-16) {
            converged = true;
            break;
        }
    }
    assert!(converged, "autocovariances did not decay for x = {x}");
    (mu, var)
}

/// The teacher's targets against the exact expectation (issue requirement: "our teacher
/// outputs for the 14 inputs agree with the nudging-free mean-field expectation within
/// sampling noise").
///
/// Claim. The teacher (W_up = 2, 2; biases −1, −1; W_down = 0 hence W_pi = 0, so the
/// interneuron is irrelevant; no target) has output membrane u_out(t) = −1 + 2·PSP_hidden(t),
/// whose long-run mean is exactly −1 + 2·P(hidden PSP on) under the stationary distribution of
/// the (input age, hidden age) chain of [`teacher_chain`] (models.md §8.4 timing). Our targets
/// (seed 423433, t_pattern 20 000: 198 000 averaged steps after the 2000-step lag) and the
/// shipped BP reference targets (seed 426534, same length) must each lie within 5 s.e. of that
/// value for all 14 inputs; the shipped SAL targets (18 000 averaged steps) within 5 of their
/// s.e.
///
/// Tolerance. s.e. = 2·√(σ²/N) with σ² the asymptotic variance of the PSP-on indicator
/// computed exactly from the chain (autocovariances summed to convergence; the 2000-step lag
/// makes the start-up bias negligible: mixing takes a few hundred steps even at x = −3, where
/// the input fires with ρ ≈ 0.005). A batch-means estimate from the simulation itself (100
/// batches of 1980 steps per pattern; the network is stepped by hand, and its pattern means
/// equal `teacher()`'s to the bit) must agree with that s.e. within [0.6, 1.6] (100 batches
/// give ±7 % relative noise on an s.d.; correlation times ≪ 1980 steps).
///
/// Power. The same chain with a one-step error in the PSP window (τ_syn ∓ 1) or with an
/// M1/M4-style minimum ISI t_ref + 1 moves the expectation by far more than 5 s.e. (see the
/// printed shifts: τ_syn − 1 moves it by 0.061–0.175 = 10.9–46 s.e., τ_syn + 1 by
/// 0.060–0.142 = 10.8–35 s.e., min ISI t_ref + 1 by 0.017–0.122 = 3.0–32 s.e., against
/// s.e. 0.0038–0.0057); the test asserts that every such alternative is off by > 10 s.e. at
/// some input and, for τ_syn ± 1, by more than 5 s.e. at ≥ 12 of the 14 inputs. The naive
/// mean-field value −1 + 2σ(−1 + 2σ(x)) is printed for comparison only: it ignores that the
/// hidden unit's firing is locked to the input's on-periods and misses the exact expectation
/// by up to 0.065 (≈ 14 s.e. at x = ±0.8), so it is *not* a valid reference at this noise
/// level.
#[test]
fn m3_teacher_targets_match_the_exact_chain_expectation() {
    let net_p = fig6_net(0.0);
    let (t_ref, tau) = (net_p.t_ref as usize, net_p.tau_syn as usize);
    let inputs: Vec<f64> = TRAIN.iter().chain(VAL.iter()).copied().collect();
    let d = load("derived/microcircuits_teacher_targets.json");
    let reference = |variant: &str| -> Vec<f64> {
        ["training", "validation"]
            .iter()
            .flat_map(|k| {
                d[variant]["u_target"][*k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
            })
            .collect()
    };
    let (ref_bp, ref_sal) = (reference("bp"), reference("sal"));
    assert_eq!(d["bp"]["teacher_t_pattern"].as_u64(), Some(20_000));
    assert_eq!(d["sal"]["teacher_t_pattern"].as_u64(), Some(2000));

    // Our teacher, stepped by hand (per-step output membranes for batch means) …
    let (seed, t_pattern) = (423_433u64, 20_000u64);
    let len = t_pattern * t_ref as u64;
    let lag = net_p.learning_lag;
    let n_avg = (len - lag) as usize;
    let n_batch = 100;
    let batch = n_avg / n_batch;
    let biases = vec![vec![-1.0], vec![-1.0]];
    let mut net = Microcircuit::new(
        &net_p,
        scalar_weights(2.0, 0.0, 2.0),
        &biases,
        false,
        true,
        false,
    )
    .unwrap();
    let mut rng = NumpyRng::new(seed);
    let mut ours = Vec::new();
    let mut se_bm = Vec::new();
    for &x in &inputs {
        let mut acc = 0.0;
        let mut b_means = Vec::new();
        let mut b_acc = 0.0;
        for s in 0..len {
            net.step(&mut rng, &[x], None, false, false);
            if s >= lag {
                let u = net.output_membranes()[0];
                acc += u;
                b_acc += u;
                if ((s - lag + 1) as usize).is_multiple_of(batch) {
                    b_means.push(b_acc / batch as f64);
                    b_acc = 0.0;
                }
            }
        }
        ours.push(acc / n_avg as f64);
        let m = b_means.iter().sum::<f64>() / b_means.len() as f64;
        let var =
            b_means.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (b_means.len() - 1) as f64;
        se_bm.push((var / b_means.len() as f64).sqrt());
    }
    // … is `teacher()` itself.
    let spec = TeacherSpec {
        net: net_p.clone(),
        weights: scalar_weights(2.0, 0.0, 2.0),
        biases: biases.clone(),
        poisson_seed: seed,
        t_pattern,
    };
    let xs = |a: &[f64]| a.iter().map(|&x| vec![x]).collect::<Vec<_>>();
    let (tr, va) = teacher(&spec, &xs(&TRAIN), &xs(&VAL)).unwrap();
    let from_teacher: Vec<f64> = tr.iter().chain(&va).map(|y| y[0]).collect();
    assert_eq!(
        ours, from_teacher,
        "hand-stepped teacher differs from teacher()"
    );

    let sigma = |u: f64| 1.0 / (1.0 + (-u).exp());
    let (mut chi2_ours, mut chi2_ref) = (0.0, 0.0);
    eprintln!(
        "    x     exact   mean-field    ours    ref(bp)  ref(sal)   s.e.(chain)  s.e.(batch)  z(ours) z(bp) z(sal)"
    );
    let alternatives = [
        ("tau_syn-1", t_ref, tau - 1),
        ("tau_syn+1", t_ref, tau + 1),
        ("ISI t_ref+1", t_ref + 1, tau),
    ];
    let mut shifts = vec![Vec::new(); alternatives.len()];
    for (k, &x) in inputs.iter().enumerate() {
        let (mu, var) = teacher_chain(x, t_ref as f64, t_ref, tau);
        let exact = -1.0 + 2.0 * mu;
        let se = 2.0 * (var / n_avg as f64).sqrt();
        let se_sal = 2.0 * (var / (2000 * t_ref - lag as usize) as f64).sqrt();
        let mf = -1.0 + 2.0 * sigma(-1.0 + 2.0 * sigma(x));
        let (z, z_bp, z_sal) = (
            (ours[k] - exact) / se,
            (ref_bp[k] - exact) / se,
            (ref_sal[k] - exact) / se_sal,
        );
        eprintln!(
            "{x:5.1}  {exact:8.5}  {mf:8.5}  {:8.5}  {:8.5}  {:8.5}   {se:.6}     {:.6}    {z:6.2} {z_bp:6.2} {z_sal:6.2}",
            ours[k], ref_bp[k], ref_sal[k], se_bm[k]
        );
        chi2_ours += z * z;
        chi2_ref += z_bp * z_bp;
        assert!(
            z.abs() < 5.0,
            "x = {x}: ours {} vs exact {exact} (s.e. {se})",
            ours[k]
        );
        assert!(
            z_bp.abs() < 5.0,
            "x = {x}: BP reference {} vs exact {exact} (s.e. {se})",
            ref_bp[k]
        );
        assert!(
            z_sal.abs() < 5.0,
            "x = {x}: SAL reference {} vs exact {exact} (s.e. {se_sal})",
            ref_sal[k]
        );
        let ratio = se_bm[k] / se;
        assert!(
            (0.6..1.6).contains(&ratio),
            "x = {x}: batch-means s.e. {} vs chain s.e. {se}",
            se_bm[k]
        );
        for (a, &(_, isi, psp)) in alternatives.iter().enumerate() {
            let (mu_alt, _) = teacher_chain(x, t_ref as f64, isi, psp);
            shifts[a].push(((-1.0 + 2.0 * mu_alt - exact).abs(), se));
        }
    }
    eprintln!(
        "chi² over 14 inputs (expected ≈ 14 ± 5): ours {chi2_ours:.1}, BP reference {chi2_ref:.1}"
    );
    for ((name, _, _), s) in alternatives.iter().zip(&shifts) {
        let (lo, hi) = s
            .iter()
            .fold((f64::MAX, 0.0f64), |(l, h), &(d, _)| (l.min(d), h.max(d)));
        let min_z = s.iter().map(|&(d, se)| d / se).fold(f64::MAX, f64::min);
        let max_z = s.iter().map(|&(d, se)| d / se).fold(0.0, f64::max);
        let n5 = s.iter().filter(|&&(d, se)| d > 5.0 * se).count();
        eprintln!(
            "{name}: |shift| {lo:.4} … {hi:.4}, {min_z:.1} … {max_z:.1} s.e.; > 5 s.e. at {n5}/14 inputs"
        );
        assert!(
            max_z > 10.0,
            "{name}: the test could not tell this convention apart"
        );
        if name.starts_with("tau") {
            assert!(n5 >= 12, "{name}: only {n5} inputs shift by > 5 s.e.");
        }
    }
}

/// Spike recording (`record_all_spks`): the recorded spikes of every pattern, counted per
/// population, equal the run's per-pattern rates × units × t_pattern exactly, every spike
/// time lies in its run, and no unit fires twice within t_ref steps. dims [2, 3, 2].
/// A [2, 3, 2] student of 2 epochs × (3 training incl. 1 symmetrisation + 1 validation)
/// patterns of 3000 steps, recording every spike.
fn small_spec() -> StudentSpec {
    let dims = vec![2usize, 3, 2];
    let net = NetParams {
        dims: dims.clone(),
        lr: vec![
            LayerRates {
                up: 0.2,
                down: 0.001,
            },
            LayerRates {
                up: 0.003,
                down: 0.0,
            },
        ],
        ..fig6_net(0.001)
    };
    let xs = [[-1.0, 2.0], [0.5, -0.5], [2.0, 1.0]];
    let set = |k: usize| -> Vec<(Vec<f64>, Vec<f64>)> {
        xs[..k]
            .iter()
            .map(|x| (x.to_vec(), vec![0.2 * x[0], -0.1 * x[1]]))
            .collect()
    };
    let (e, v, epochs, t_pattern) = (3, 1, 2, 300u64);
    StudentSpec {
        net,
        weights: draw_initial_weights(5, &dims, (-2.0, 2.0), (-2.0, 2.0)),
        biases: vec![vec![-1.0; 3], vec![-1.0; 2]],
        poisson_seed: 11,
        t_pattern,
        len_epoch: e,
        len_symmetrization: 1,
        len_validation: v,
        num_epochs: epochs,
        schedule: draw_schedule(3, epochs, 3, 1, e, v, true, false),
        training: set(3),
        validation: set(1),
        update_down: true,
        set_sps: true,
        recorded: vec![],
        recorded_sample_length: 1000,
        symmetrisation_bias_offset: 0.0,
        symmetrisation_input: None,
        symmetrisation_homeostasis: None,
        record_spikes: true,
    }
}

#[test]
fn recorded_spikes_match_the_rates() {
    let spec = small_spec();
    let (e, v, epochs, t_pattern) = (3, 1, 2, 300u64);
    let r = sal::microcircuit::student(&spec, &mut |_| {}).unwrap();
    let len = (t_pattern * 10) as i64;
    let units = [2usize, 3, 2, 2];
    let n_pat = epochs * (e + v);
    let mut counts = vec![vec![0usize; 4]; n_pat];
    let mut last = std::collections::HashMap::new();
    for &(t, p, u) in &r.spikes {
        assert!((0..len * n_pat as i64).contains(&t));
        counts[(t / len) as usize][p as usize] += 1;
        if let Some(prev) = last.insert((p, u), t) {
            assert!(t - prev >= 10, "pop {p} unit {u}: ISI {}", t - prev);
        }
    }
    for (n, row) in counts.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            let from_rate = r.rates[n][p] * units[p] as f64 * t_pattern as f64;
            assert_eq!(c as f64, from_rate.round(), "pattern {n} population {p}");
            assert!((c as f64 - from_rate).abs() < 1e-6);
        }
    }
    assert!(r.spikes.len() > 500, "{} spikes", r.spikes.len());
}

/// Extension `symmetrisation_bias_offset`: during a symmetrisation pattern every hidden
/// pyramidal membrane is b + Δb + v_bas + 1·W_down·PSP (checked to 1e-12 every step), and
/// after it exactly b again — the configured biases are restored, not re-derived.
#[test]
fn symmetrisation_offset_shifts_hidden_biases_only_while_symmetrising() {
    let dims = vec![2usize, 3, 2];
    let p = NetParams {
        dims: dims.clone(),
        ..fig6_net(0.0)
    };
    let w = draw_initial_weights(7, &dims, (-2.0, 2.0), (-2.0, 2.0));
    let biases = vec![vec![0.5; 3], vec![0.5; 2]];
    let mut net = Microcircuit::new(&p, w, &biases, false, true, true).unwrap();
    net.set_symmetrisation_offset(-1.5);
    let mut rng = NumpyRng::new(5);
    let (x, y) = (vec![1.0, -0.5], vec![0.2, -0.1]);
    let zero_pi = Mat::zeros(3, 2);
    net.enter_symmetrisation();
    for _ in 0..500 {
        let before = net.weights().clone();
        net.step(&mut rng, &x, Some(&y), false, true);
        check_hidden_membrane(
            &net,
            &before.up[0],
            &before.down[0],
            &zero_pi,
            1.0,
            -1.0,
            "symm",
        );
    }
    net.leave_symmetrisation();
    let neg_down = Mat {
        data: net.weights().down[0].data.iter().map(|v| -v).collect(),
        ..net.weights().down[0].clone()
    };
    for _ in 0..200 {
        net.step(&mut rng, &x, Some(&y), false, false);
        let w = net.weights().clone();
        check_hidden_membrane(&net, &w.up[0], &w.down[0], &neg_down, 0.02, 0.5, "after");
    }
}

/// Spikes of every hidden pyramidal unit over `steps` steps of symmetrisation (after a
/// `warm`-step burn-in), for hidden biases [−1, −2.5, −4] (very different drive), with or
/// without the homeostatic offsets (rate 0.05 spikes per t_ref, η_h 0.01).
fn symm_counts(homeostasis: bool, warm: usize, steps: usize) -> Vec<usize> {
    let dims = vec![2usize, 3, 2];
    let p = NetParams {
        dims: dims.clone(),
        ..fig6_net(0.0)
    };
    let w = draw_initial_weights(9, &dims, (-1.0, 1.0), (-1.0, 1.0));
    let biases = vec![vec![-1.0, -2.5, -4.0], vec![-2.0; 2]];
    let mut net = Microcircuit::new(&p, w, &biases, false, true, false).unwrap();
    if homeostasis {
        net.set_symmetrisation_homeostasis(0.05, 0.01);
    }
    net.enter_symmetrisation();
    let mut rng = NumpyRng::new(21);
    let (x, y) = (vec![0.5, -0.5], vec![-1.0, -1.0]);
    let mut counts = vec![0usize; 3];
    for t in 0..warm + steps {
        net.step(&mut rng, &x, Some(&y), false, true);
        if t >= warm {
            for (c, &f) in counts.iter_mut().zip(net.fired(1, false)) {
                *c += f as usize;
            }
        }
    }
    counts
}

/// Extension `symmetrisation_homeostasis`: each hidden unit's offset integrates
/// r/t_ref − s(t), so over a stretch of T steps its spike count is rT − Δδ/η_h; once δ has
/// settled, Δδ is of the order of one spike's kick (η_h) and the count must be within a few
/// spikes of rT = 1000 (T = 200 000, r = 0.005 per step). We allow 5 % (50 spikes, 10× the
/// settled fluctuation of δ). Without homeostasis the same three units fire at rates more
/// than 5× apart (control: the test can fail).
#[test]
fn symmetrisation_homeostasis_equalises_hidden_rates() {
    let free = symm_counts(false, 50_000, 200_000);
    let (lo, hi) = (free.iter().min().unwrap(), free.iter().max().unwrap());
    assert!(*hi > 5 * lo.max(&1), "without homeostasis: {free:?}");
    let h = symm_counts(true, 50_000, 200_000);
    for (i, c) in h.into_iter().enumerate() {
        assert!(
            (c as f64 - 1000.0).abs() < 50.0,
            "unit {i}: {c} spikes in 200 000 steps, want 1000 ± 50 (free run: {free:?})"
        );
    }
}

/// Extension `symmetrisation_input`: symmetrisation patterns present the given input value
/// instead of the slot's training input (−30: ρ ≈ 1e−12 per step, so the input units stay
/// silent), and only those patterns — training and validation patterns keep theirs.
#[test]
fn symmetrisation_input_replaces_the_input_only_in_symmetrisation_slots() {
    let mut spec = small_spec();
    spec.symmetrisation_input = Some(-30.0);
    let r = sal::microcircuit::student(&spec, &mut |_| {}).unwrap();
    let len = 3000i64;
    let (mut in_symm, mut elsewhere) = (0, 0);
    for &(t, p, _) in &r.spikes {
        if p != 0 {
            continue;
        }
        // Slot kinds per epoch of 4 patterns: training, training, symmetrisation, validation.
        if (t / len) % 4 == 2 {
            in_symm += 1;
        } else {
            elsewhere += 1;
        }
    }
    assert_eq!(in_symm, 0, "input spikes in symmetrisation patterns");
    assert!(elsewhere > 100, "input spikes elsewhere: {elsewhere}");
}
