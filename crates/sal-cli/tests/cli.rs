//! End-to-end tests of the `sal` binary: stable JSON interfaces, determinism across thread
//! counts, input validation (exit code 2, nothing written) and figure output.

mod common;
use common::*;

use std::path::Path;

fn reference(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/params/derived")
        .join(name);
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[test]
fn stdd_json_matches_reference_calculator() {
    let o = sal(
        &[
            "stdd", "--w12", "0.5", "--w21", "1.0", "--b1", "0", "--b2", "0", "--t-ref", "10",
            "--t-syn", "10", "--t-max", "30", "--psp", "rect", "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &reference("stdd_reference_small.json")["package_main_example"];
    let lag = v["lag"].as_array().unwrap();
    assert_eq!(lag.len(), 59);
    assert_eq!(lag[0].as_i64(), Some(-29));
    assert!(v["p"][29].is_null(), "centre bin is null");
    for k in (0..59).filter(|&k| k != 29) {
        let d = v["p"][k].as_f64().unwrap() - r["stdd"][k].as_f64().unwrap();
        assert!(d.abs() <= 1e-9);
    }
    let sal_ref = r["sal_exp_window_-1_+1_tref_tref"][0].as_f64().unwrap();
    assert!((v["sal_12"].as_f64().unwrap() - sal_ref).abs() <= 1e-9);
    assert_eq!(
        v["sal_21"].as_f64().unwrap(),
        -v["sal_12"].as_f64().unwrap()
    );
    // each half sums to 1/2
    let half: f64 = (30..59).map(|k| v["p"][k].as_f64().unwrap()).sum();
    assert!((half - 0.5).abs() < 1e-12);
}

#[test]
fn same_seed_is_byte_identical_for_1_and_2_threads() {
    let sim = [
        "stdd",
        "--w12",
        "-0.8",
        "--w21",
        "-0.4",
        "--t-ref",
        "10",
        "--t-max",
        "30",
        "--min-isi",
        "tref+1",
        "--simulate",
        "--steps",
        "300000",
        "--seed",
        "11",
        "--json",
    ];
    let pair = ["pair", "--epochs", "40", "--seed", "5", "--json"];
    for args in [&sim[..], &pair[..]] {
        let a = sal(args, Some(1));
        let b = sal(args, Some(2));
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "{args:?}");
    }
    let other = sal(
        &["pair", "--epochs", "40", "--seed", "6", "--json"],
        Some(1),
    );
    assert_ne!(other.stdout, sal(&pair, Some(1)).stdout, "the seed matters");
    // Parallel figure data (phase-plane grids) are identical too.
    let (d1, d2) = (tmp("fig-t1"), tmp("fig-t2"));
    assert!(
        sal(&["figure", "fig2e", "--out", d1.to_str().unwrap()], Some(1))
            .status
            .success()
    );
    assert!(
        sal(&["figure", "fig2e", "--out", d2.to_str().unwrap()], Some(2))
            .status
            .success()
    );
    for f in ["fig2e.json", "fig2e.npz"] {
        assert_eq!(
            std::fs::read(d1.join(f)).unwrap(),
            std::fs::read(d2.join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(d1);
    let _ = std::fs::remove_dir_all(d2);
}

#[test]
fn pair_json_has_epochs_plus_one_values() {
    let o = sal(
        &[
            "pair",
            "--w12",
            "1.5",
            "--w21",
            "0.5",
            "--b1",
            "-0.5",
            "--b2",
            "-0.2",
            "--t-ref",
            "25",
            "--epochs",
            "7",
            "--steps-per-epoch",
            "1500",
            "--lr",
            "0.03",
            "--plastic",
            "w21",
            "--seed",
            "1",
            "--json",
        ],
        None,
    );
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["w12"].as_array().unwrap().len(), 8);
    assert_eq!(v["w21"].as_array().unwrap().len(), 8);
    assert!(
        v["w12"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w.as_f64() == Some(1.5))
    );
}

#[test]
fn invalid_input_exits_2_with_a_message_naming_the_flag() {
    let cases: [(&[&str], &str); 8] = [
        (
            &[
                "stdd", "--w12", "1", "--w21", "1", "--t-ref", "10", "--t-max", "10",
            ],
            "--t-max",
        ),
        (
            &[
                "stdd", "--w12", "1", "--w21", "1", "--t-ref", "10", "--t-max", "5",
            ],
            "--t-max",
        ),
        (&["stdd", "--w12", "NaN", "--w21", "1"], "--w12"),
        (
            &["stdd", "--w12", "1", "--w21", "1", "--psp", "gauss"],
            "--psp",
        ),
        (
            &[
                "stdd",
                "--w12",
                "1",
                "--w21",
                "1",
                "--simulate",
                "--steps",
                "-3",
            ],
            "--steps",
        ),
        (
            &[
                "stdd", "--w12", "1", "--w21", "1", "--psp", "alpha", "--t-syn", "-1",
            ],
            "--t-syn",
        ),
        (&["pair", "--epochs", "-1"], "--epochs"),
        (&["pair", "--lr", "nan"], "--lr"),
    ];
    for (args, flag) in cases {
        let o = sal(args, None);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "nothing on stdout for {args:?}");
    }
}

#[test]
fn figure_writes_plots_and_data_and_refuses_to_overwrite() {
    let d = tmp("fig12");
    let ds = d.to_str().unwrap();
    let o = sal(&["figure", "fig12", "--out", ds], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "fig12.png",
        "fig12.svg",
        "fig12.npz",
        "fig12.json",
        "manifest.json",
    ] {
        let len = std::fs::metadata(d.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{f} missing or empty");
    }
    let png = std::fs::read(d.join("fig12.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("fig12.json")).unwrap()).unwrap();
    let r = reference("stdd_reference_fig12.json");
    let int = v["exc"]["int_delta"].as_f64().unwrap();
    assert!((int - r["exc"]["int_delta"].as_f64().unwrap()).abs() < 1e-12);
    // existing directory: refused (exit 2), untouched
    let o = sal(&["figure", "fig12", "--out", ds], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    // with --force it is replaced
    assert!(
        sal(&["figure", "fig12", "--out", ds, "--force"], None)
            .status
            .success()
    );
    // no staging directories left behind
    let parent = d.parent().unwrap();
    let stray = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name().to_string_lossy().starts_with(&format!(
                ".{}.partial",
                d.file_name().unwrap().to_string_lossy()
            ))
        });
    assert!(!stray);
    let _ = std::fs::remove_dir_all(&d);
    // invalid figure name: exit 2, nothing created
    let bad = tmp("bad");
    let o = sal(&["figure", "fig99", "--out", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
}

/// `sal bench --json` prints a list of objects with the stable keys (values are not
/// asserted: speed claims come from the benchmark itself, not from tests).
#[test]
fn bench_json_has_the_stable_keys() {
    let o = sal(
        &["bench", "--json", "--repeats", "1", "--filter", "sampler_2"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    // "sampler_2" matches sampler_2 and sampler_200, each for the clock and the event engine
    assert_eq!(rows.len(), 4);
    for r in rows {
        for key in [
            "name",
            "engine",
            "neurons",
            "steps_per_s",
            "median_s",
            "reference_steps_per_s",
            "ratio",
            "baseline",
            "timing",
            "ns_per_spike",
            "ns_per_neuron_step",
        ] {
            assert!(r.get(key).is_some(), "missing {key}");
        }
        assert!(r["steps_per_s"].as_f64().unwrap() > 0.0);
        assert!(r["ns_per_neuron_step"].as_f64().unwrap() > 0.0);
        // The 2-neuron rows divide by the measured figure of the shipped reference file and
        // say so; N = 200 has no reference figure.
        if r["neurons"] == 2 {
            assert!(r["ratio"].as_f64().unwrap() > 0.0);
            let b = r["baseline"].as_str().unwrap();
            assert!(b.starts_with("measured 20"), "{b}");
        } else {
            assert!(r["ratio"].is_null() && r["baseline"].is_null());
        }
    }
    assert_eq!(
        sal(&["bench", "--repeats", "0"], None).status.code(),
        Some(2)
    );
}

/// `sal stdd … | head -c 10` ends quietly: exit 0 (or SIGPIPE), nothing on stderr, as a Unix
/// tool does when its reader goes away.
#[test]
fn closed_stdout_ends_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let args = [
        "stdd", "--w12", "0.5", "--w21", "1.0", "--t-ref", "10", "--t-syn", "10", "--t-max", "30",
    ];
    let quiet = |o: &std::process::Output, what: &str| {
        assert!(
            o.status.code() == Some(0) || o.status.signal() == Some(13),
            "{what}: {:?}",
            o.status
        );
        assert!(
            o.stderr.is_empty(),
            "{what}: stderr {:?}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // The reader is gone before sal writes anything: the first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_sal"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run sal");
    quiet(&o, "reader closed first");
    // As `| head -c 10`: the reader takes 10 bytes and closes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sal"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sal");
    let mut out = child.stdout.take().expect("stdout");
    let mut head = [0u8; 10];
    out.read_exact(&mut head).expect("10 bytes");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    quiet(&o, "head -c 10");
    assert!(
        head.starts_with(b"STDD"),
        "{:?}",
        String::from_utf8_lossy(&head)
    );
}

/// `--dry-run` states the simulated steps and a time estimate (one core, and the sweep's
/// threads) and writes nothing.
#[test]
fn dry_run_prints_steps_and_a_time_estimate() {
    let o = sal(
        &[
            "run",
            &params("ssn/minimal_working_example.yaml"),
            "--dry-run",
        ],
        None,
    );
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    // the steps follow from the file alone (same on every machine)
    assert!(err.contains("4.512e8 simulated steps"), "{err}");
    assert!(err.contains(" s on one core"), "{err}");
    let d = tmp("dry-sweep");
    let o = sal(
        &[
            "sweep",
            &params("microcircuits/sal/sal.yaml"),
            "--paper",
            "--seeds",
            "4",
            "--jobs",
            "2",
            "--out",
            d.to_str().unwrap(),
            "--dry-run",
        ],
        None,
    );
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("4 points"), "{out}");
    assert!(out.contains("3.131e8 simulated steps"), "{out}");
    assert!(
        out.contains("on one core") && out.contains("on 2 thread(s)"),
        "{out}"
    );
    assert!(!d.exists());
}
