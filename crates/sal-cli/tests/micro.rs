//! End-to-end tests of `sal run` / `sal sweep` on cortical-microcircuit files: every paper
//! file validates unchanged, runs write the stable metrics keys, `--init` takes the
//! reference's initial conditions exactly, bad input is rejected before anything is written,
//! results are bit-identical across thread counts, and bigger networks report per-layer
//! matrices and feedback angles.

mod common;
use common::*;

use serde_json::Value;
use std::path::Path;

fn metrics(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

#[test]
fn paper_files_validate_and_runs_write_the_stable_keys() {
    for f in [
        "microcircuits/sal/sal.yaml",
        "microcircuits/bp/backprop.yaml",
        "microcircuits/fa/fa.yaml",
        "microcircuits/example.yaml",
        "tests-fixtures/microcircuits_smoke.yaml",
    ] {
        let o = sal(&["run", &params(f), "--dry-run"], None);
        ok(&o);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("network_properties:"), "{f}: {text}");
    }
    let out = tmp("smoke");
    let o = sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    ok(&o);
    let m = metrics(&out);
    assert_eq!(m["experiment"], "microcircuit");
    assert_eq!(m["variant"], "sal");
    // 2 epochs: one loss and one value per weight per epoch, the first = initial weights.
    assert_eq!(m["validation_loss"].as_array().unwrap().len(), 2);
    for k in ["W10", "W21", "B12"] {
        let w = m["weights"][k].as_array().unwrap();
        assert_eq!(w.len(), 2, "{k}");
        assert!(
            w.iter().all(Value::is_f64),
            "{k}: 1-1-1 weights are numbers"
        );
    }
    assert_eq!(m["angle_deg"]["B12"].as_array().unwrap().len(), 2);
    for f in [
        "config.resolved.yaml",
        "arrays.npz",
        "run.json",
        "figures/run.png",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // The resolved configuration runs again to the same metrics.
    let out2 = tmp("smoke-again");
    ok(&sal(
        &[
            "run",
            out.join("config.resolved.yaml").to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
            "--quiet",
        ],
        None,
    ));
    let (mut a, mut b) = (metrics(&out), metrics(&out2));
    a["scenario"] = Value::Null;
    b["scenario"] = Value::Null;
    assert_eq!(a, b);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&out2);
}

/// `--init FILE --init-index K` runs the reference's run K: its seeds, its initial weights
/// (bit for bit) and its pattern schedule.
#[test]
fn init_takes_the_reference_run_exactly() {
    let file = params("derived/microcircuits_sal_initial_conditions.json");
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let r = &d["runs"][3];
    let out = tmp("init");
    ok(&sal(
        &[
            "run",
            &params("microcircuits/sal/sal.yaml"),
            "--init",
            &file,
            "--init-index",
            "3",
            "--set",
            "student_simulation_settings.num_epochs=1",
            "--set",
            "student_simulation_settings.t_pattern=300",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    ));
    let m = metrics(&out);
    for k in ["poisson_seed", "weights_init_seed", "training_seed"] {
        assert_eq!(m["seeds"][k], r[k], "{k}");
    }
    assert_eq!(m["weights"]["W10"][0], r["w_up_1"]);
    assert_eq!(m["weights"]["W21"][0], r["w_up_2"]);
    assert_eq!(m["weights"]["B12"][0], r["w_down_1"]);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_input_exits_2_names_the_field_and_writes_nothing() {
    let f = params("microcircuits/sal/sal.yaml");
    let init = params("derived/microcircuits_sal_initial_conditions.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--set".into(), "network_properties.bogus=1".into()],
            "bogus",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.num_epochs=abc".into(),
            ],
            "num_epochs",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.len_symmetrization=20".into(),
            ],
            "len_symmetrization",
        ),
        (
            vec!["--set".into(), "network_properties.dims=[1,1]".into()],
            "dims",
        ),
        (
            vec!["--set".into(), "network_properties.lambda_nudge=2".into()],
            "lambda_nudge",
        ),
        (
            vec!["--set".into(), "network_properties.t_ref=-5".into()],
            "t_ref",
        ),
        (
            vec!["--set".into(), "network_properties.lr.0.up=-0.1".into()],
            "lr[0]",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.recorded_quantities=[[u_in], [nonsense]]".into(),
            ],
            "recorded_quantities",
        ),
        (
            vec![
                "--set".into(),
                "network_properties.learning_lag=20000".into(),
            ],
            "learning_lag",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.symmetrization_homeostasis={rate: 2, lr: 0.01}".into(),
            ],
            "symmetrization_homeostasis.rate",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.symmetrization_homeostasis={rate: 0.05, lr: 0.01, gain: 1}"
                    .into(),
            ],
            "gain",
        ),
        (
            vec![
                "--set".into(),
                "student_simulation_settings.symmetrization_input=.inf".into(),
            ],
            "symmetrization_input",
        ),
        (
            vec!["--init".into(), "/nonexistent/init.json".into()],
            "--init",
        ),
        (
            vec![
                "--init".into(),
                init.clone(),
                "--init-index".into(),
                "20".into(),
            ],
            "--init-index",
        ),
        (
            vec![
                "--init".into(),
                init.clone(),
                "--set".into(),
                "network_properties.dims=[1,2,1]".into(),
            ],
            "--init",
        ),
    ];
    for (extra, key) in cases {
        let out = tmp("bad");
        let mut args: Vec<&str> = vec!["run", &f, "--out", out.to_str().unwrap(), "--quiet"];
        args.extend(extra.iter().map(String::as_str));
        let o = sal(&args, None);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(key),
            "{extra:?}: message should name {key}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!out.exists(), "{extra:?} left {out:?}");
    }
}

#[test]
fn runs_and_sweeps_are_bit_identical_for_1_and_2_threads() {
    let f = params("tests-fixtures/microcircuits_smoke.yaml");
    let mut runs = Vec::new();
    for threads in [1, 2] {
        let out = tmp(&format!("threads-{threads}"));
        ok(&sal(
            &[
                "sweep",
                &f,
                "--grid",
                "student_simulation_settings.poisson_seed=1,2,3",
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            Some(threads),
        ));
        let o = sal(&["report", out.to_str().unwrap(), "--json"], Some(threads));
        ok(&o);
        let pts: Vec<Vec<u8>> = (0..3)
            .map(|k| std::fs::read(out.join(format!("points/{k:04}/metrics.json"))).unwrap())
            .collect();
        runs.push((pts, o.stdout));
        let _ = std::fs::remove_dir_all(&out);
    }
    assert_eq!(runs[0], runs[1]);
}

/// The [4, 12, 8, 3] benchmark files validate; a short run reports per-layer matrices and
/// the feedback angle of both hidden layers; `--paper` uses the reference's seed scheme.
#[test]
fn deeper_networks_report_matrices_and_angles() {
    for v in ["sal", "bp", "fa"] {
        ok(&sal(
            &[
                "run",
                &repo(&format!("configs/microcircuits/deep_{v}.yaml")),
                "--dry-run",
            ],
            None,
        ));
    }
    let f = repo("configs/microcircuits/deep_sal.yaml");
    let out = tmp("deep");
    ok(&sal(
        &[
            "run",
            &f,
            "--set",
            "student_simulation_settings.num_epochs=2",
            "--set",
            "student_simulation_settings.t_pattern=300",
            "--set",
            "teacher_simulation_settings.t_pattern=300",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    ));
    let m = metrics(&out);
    let w21 = &m["weights"]["W21"];
    assert_eq!(w21.as_array().unwrap().len(), 2);
    assert_eq!(
        w21[0].as_array().unwrap().len(),
        8,
        "W21 is 8×12 ([post][pre])"
    );
    assert_eq!(w21[0][0].as_array().unwrap().len(), 12);
    // readout_from_teacher with a fixed readout (lr 0): W32 is the teacher's throughout.
    let t32 = &m["teacher_weights"]["W32"];
    assert_eq!(t32.as_array().unwrap().len(), 3);
    for w in m["weights"]["W32"].as_array().unwrap() {
        assert_eq!(w, t32);
    }
    assert_eq!(&m["weights_final"]["W32"], t32);
    assert_ne!(&m["weights"]["W21"][0], &m["teacher_weights"]["W21"]);
    for k in ["B12", "B23"] {
        let a = m["angle_deg"][k].as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert!(
            a.iter()
                .all(|x| (0.0..=180.0).contains(&x.as_f64().unwrap()))
        );
    }
    let _ = std::fs::remove_dir_all(&out);
    let sw = tmp("deep-sweep");
    let o = sal(
        &[
            "sweep",
            &f,
            "--paper",
            "--seeds",
            "3",
            "--out",
            sw.to_str().unwrap(),
            "--dry-run",
        ],
        None,
    );
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 points"));
    assert!(!sw.exists());
}

/// `record_all_spks: true` keeps every spike: arrays.npz gets spike_time / spike_population /
/// spike_unit of equal length (their agreement with the rates is tested in the core crate,
/// `recorded_spikes_match_the_rates`).
#[test]
fn record_all_spks_writes_every_spike() {
    let out = tmp("spikes");
    ok(&sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--set",
            "student_simulation_settings.record_all_spks=true",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    ));
    let npz = std::fs::read(out.join("arrays.npz")).unwrap();
    // Uncompressed .npz: the .npy header states each array's shape.
    let shape = |name: &str| -> usize {
        let key = format!("{name}.npy");
        let at = npz
            .windows(key.len())
            .position(|w| w == key.as_bytes())
            .unwrap();
        let text = String::from_utf8_lossy(&npz[at..at + 400]).to_string();
        let s = text.find("'shape': (").unwrap() + 10;
        let e = s + text[s..].find(')').unwrap();
        text[s..e]
            .split(',')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let n = shape("spike_time");
    assert!(n > 100, "{n} spikes");
    assert_eq!(shape("spike_population"), n);
    assert_eq!(shape("spike_unit"), n);
    let _ = std::fs::remove_dir_all(&out);
}
