//! End-to-end tests of the sampling-network commands: every paper file runs unchanged,
//! bad input is rejected before anything is written, runs and sweeps are deterministic
//! across thread counts, and sweeps resume after a kill and merge shards exactly.

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

/// A very short schedule: 11 iterations of 20 t_ref, validation every 5 with factor 5.
const SHORT: [&str; 8] = [
    "--set",
    "num_epochs=11",
    "--set",
    "val_step=5",
    "--set",
    "dur=20",
    "--set",
    "val_factor=5",
];

#[test]
fn every_paper_file_validates_and_the_smoke_fixture_runs() {
    let files = [
        "ssn/minimal_working_example.yaml",
        "ssn/syn_noise/exp.yaml",
        "ssn/syn_noise_sal/exp.yaml",
        "ssn/plast_noise/exp.yaml",
        "ssn/plast_noise_sal/exp.yaml",
        "ssn_v3/syn_noise/exp.yaml",
        "ssn_v3/syn_noise_sal/exp.yaml",
        "ssn_v3/syn_noise_kp/exp.yaml",
        "ssn_v3/plast_noise/exp.yaml",
        "ssn_v3/plast_noise_sal/exp.yaml",
        "ssn_v3/plast_noise_kp/exp.yaml",
        "tests-fixtures/ssn_smoke.yaml",
    ];
    for f in files {
        let o = sal(&["run", &params(f), "--dry-run"], None);
        ok(&o);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("protocol:"),
            "{f}: resolved config shows the protocol"
        );
        let expect = if f.starts_with("ssn_v3") {
            "protocol: v3"
        } else {
            "protocol: v2"
        };
        assert!(text.contains(expect), "{f}");
        // each file also runs, unchanged apart from a short schedule
        let d = tmp(&f.replace('/', "_"));
        let p = params(f);
        let mut args = vec!["run", &p as &str];
        let ds = d.to_string_lossy().into_owned();
        args.extend(SHORT);
        args.extend(["--out", &ds, "--quiet"]);
        ok(&sal(&args, None));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("metrics.json")).unwrap()).unwrap();
        assert_eq!(
            m["validation_iteration"],
            serde_json::json!([0, 5, 10]),
            "{f}"
        );
        assert_eq!(m["dkl"].as_array().unwrap().len(), 3);
        assert_eq!(m["asymmetry"].as_array().unwrap().len(), 3);
        for name in [
            "config.resolved.yaml",
            "arrays.npz",
            "run.json",
            "figures/run.png",
            "figures/run.svg",
        ] {
            assert!(d.join(name).is_file(), "{f}: {name}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }
    // the resolved configuration runs again as it is
    let d = tmp("resolved");
    let ds = d.to_string_lossy().into_owned();
    let mut args = vec![
        "run".to_string(),
        params("tests-fixtures/ssn_smoke.yaml"),
        "--out".into(),
        ds.clone(),
        "--quiet".into(),
    ];
    ok(&sal(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    ));
    let resolved = d
        .join("config.resolved.yaml")
        .to_string_lossy()
        .into_owned();
    let d2 = tmp("resolved2");
    args = vec![
        "run".into(),
        resolved,
        "--out".into(),
        d2.to_string_lossy().into_owned(),
        "--quiet".into(),
    ];
    ok(&sal(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    ));
    let m = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("metrics.json")).unwrap()).unwrap()
    };
    for key in ["validation_iteration", "dkl", "asymmetry"] {
        assert_eq!(m(&d)[key], m(&d2)[key], "{key}");
    }
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&d2);
}

#[test]
fn bad_input_exits_2_names_the_field_and_writes_nothing() {
    let smoke = params("tests-fixtures/ssn_smoke.yaml");
    let init = params("derived/ssn_minimal_working_example_initial_conditions.json");
    let runs = params("derived/ssn_v3_syn_noise_initial_conditions.json");
    let extra = tmp("extra.yaml");
    let mut text = std::fs::read_to_string(&smoke).unwrap();
    text.push_str("\nlearning_rate_typo: 0.1\n");
    std::fs::write(&extra, text).unwrap();
    let extra_s = extra.to_string_lossy().into_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![&extra_s], "learning_rate_typo"),
        (vec![&smoke, "--set", "lr.symmm=0.1"], "symmm"),
        (vec![&smoke, "--set", "lr.symm=fast"], "lr.symm"),
        (vec![&smoke, "--set", "dur=-5"], "dur"),
        (vec![&smoke, "--set", "num_epochs=0"], "num_epochs"),
        (vec![&smoke, "--set", "dim=30"], "dim"),
        (vec![&smoke, "--set", "lr.weight=-1"], "lr.weight"),
        (
            vec![&smoke, "--init", "/nonexistent/ic.json"],
            "/nonexistent/ic.json",
        ),
        (
            vec![&smoke, "--init", &init, "--init-index", "3"],
            "--init-index",
        ),
        (
            vec![&smoke, "--init", &runs, "--init-index", "500"],
            "--init-index",
        ),
        (vec!["/nonexistent/exp.yaml"], "/nonexistent/exp.yaml"),
    ];
    for (args, name) in cases {
        let d = tmp("bad");
        let ds = d.to_string_lossy().into_owned();
        let mut a = vec!["run"];
        a.extend(args.iter().copied());
        a.extend(["--out", &ds]);
        let o = sal(&a, None);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
        assert!(err.contains(name), "{a:?} should name {name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one clear message: {err}");
        assert!(!d.exists(), "{a:?} created the run directory");
    }
    // sweeps validate every point first
    let d = tmp("badsweep");
    let o = sal(
        &[
            "sweep",
            &smoke,
            "--grid",
            "init_noise=0.1,-1",
            "--out",
            &d.to_string_lossy(),
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("init_noise"));
    assert!(!d.exists());
    let _ = std::fs::remove_file(&extra);
}

#[test]
fn metrics_are_bit_identical_for_1_and_2_threads() {
    let smoke = params("tests-fixtures/ssn_smoke.yaml");
    let mut outs = Vec::new();
    for threads in [1, 2] {
        let d = tmp(&format!("det{threads}"));
        ok(&sal(
            &["run", &smoke, "--out", &d.to_string_lossy(), "--quiet"],
            Some(threads),
        ));
        outs.push(std::fs::read(d.join("metrics.json")).unwrap());
        let s = tmp(&format!("detsweep{threads}"));
        ok(&sal(
            &[
                "sweep",
                &smoke,
                "--grid",
                "init_noise=0.0,0.5",
                "--grid",
                "seed.sim=1,2",
                "--out",
                &s.to_string_lossy(),
                "--quiet",
            ],
            Some(threads),
        ));
        let r = sal(&["report", &s.to_string_lossy(), "--json"], Some(threads));
        ok(&r);
        outs.push(r.stdout);
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_dir_all(&s);
    }
    assert_eq!(outs[0], outs[2], "run metrics.json");
    assert_eq!(outs[1], outs[3], "sweep report");
}

/// A sweep killed midway (a finished point, a half-written staging directory) and
/// restarted ends with the same per-point results as an uninterrupted one; shards run
/// separately into one directory merge to the same report.
#[test]
fn sweeps_resume_after_a_kill_and_shards_merge() {
    let smoke = params("tests-fixtures/ssn_smoke.yaml");
    let grid = ["--grid", "init_noise=0.0,0.3,0.6", "--grid", "seed.sim=5,6"];
    let report = |d: &Path| {
        let o = sal(&["report", &d.to_string_lossy(), "--json"], None);
        ok(&o);
        o.stdout
    };
    let base = tmp("sweep-full");
    let mut a = vec!["sweep", &smoke as &str];
    a.extend(grid);
    let bs = base.to_string_lossy().into_owned();
    a.extend(["--out", &bs, "--quiet"]);
    ok(&sal(&a, None));
    let full = report(&base);

    // interrupted: start, kill as soon as one point is complete
    let cut = tmp("sweep-cut");
    let cs = cut.to_string_lossy().into_owned();
    let mut b = vec!["sweep", &smoke as &str];
    b.extend(grid);
    b.extend(["--out", &cs, "--quiet", "--jobs", "1", "--set", "dur=200"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sal"))
        .args(&b)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cut.join("points/0000/metrics.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().ok();
    child.wait().ok();
    let done = (0..6)
        .filter(|i| cut.join(format!("points/{i:04}/metrics.json")).exists())
        .count();
    assert!((1..6).contains(&done), "killed midway ({done} of 6 done)");
    // leave a fake half-written point behind, as a crash during writing would
    std::fs::create_dir_all(cut.join("points/.0005.partial-99999")).unwrap();
    std::fs::write(cut.join("points/.0005.partial-99999/arrays.npz"), b"junk").unwrap();
    ok(&sal(&b, None));
    assert!(
        !cut.join("points/.0005.partial-99999").exists(),
        "stale staging removed"
    );
    // the interrupted sweep used dur=200: compare with an uninterrupted one of the same plan
    let same = tmp("sweep-same");
    let ss = same.to_string_lossy().into_owned();
    let mut c = b.clone();
    let pos = c.iter().position(|x| *x == cs.as_str()).unwrap();
    c[pos] = &ss;
    ok(&sal(&c, None));
    assert_eq!(report(&cut), report(&same), "resumed == uninterrupted");
    // running the same command again does nothing and changes nothing
    ok(&sal(&b, None));
    assert_eq!(report(&cut), report(&same));

    // shards into one directory
    let sh = tmp("sweep-shards");
    let shs = sh.to_string_lossy().into_owned();
    for k in ["1/3", "2/3", "3/3"] {
        let mut d = vec!["sweep", &smoke as &str];
        d.extend(grid);
        d.extend(["--out", &shs, "--quiet", "--shard", k]);
        ok(&sal(&d, None));
    }
    assert_eq!(report(&sh), full, "sharded == local");
    // SLURM array variables select the shard too
    let env_dir = tmp("sweep-slurm");
    let es = env_dir.to_string_lossy().into_owned();
    for id in 0..2 {
        let mut d = vec!["sweep", &smoke as &str];
        d.extend(grid);
        d.extend(["--out", &es, "--quiet"]);
        let o = Command::new(env!("CARGO_BIN_EXE_sal"))
            .args(&d)
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .output()
            .unwrap();
        ok(&o);
    }
    assert_eq!(report(&env_dir), full);
    // a different plan in the same directory is refused
    let mut e = vec![
        "sweep",
        &smoke as &str,
        "--grid",
        "init_noise=0.1",
        "--out",
        &bs,
    ];
    e.push("--quiet");
    assert_eq!(sal(&e, None).status.code(), Some(2));
    for d in [base, cut, same, sh, env_dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// `--emit` writes a runnable cluster submission (and the plan) without running anything;
/// executing the SLURM script for every array index completes the sweep exactly like a
/// local run.
#[test]
fn emit_writes_cluster_submissions_that_complete_the_sweep() {
    let smoke = params("tests-fixtures/ssn_smoke.yaml");
    let grid = ["--grid", "init_noise=0.0,0.3", "--grid", "seed.sim=5,6"];
    let dir = tmp("emit");
    let ds = dir.to_string_lossy().into_owned();
    let mut a = vec!["sweep", &smoke as &str];
    a.extend(grid);
    a.extend(["--out", &ds, "--emit", "slurm", "--tasks", "2"]);
    ok(&sal(&a, None));
    let script = std::fs::read_to_string(dir.join("submit.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-1"), "{script}");
    assert!(
        !dir.join("points/0000/metrics.json").exists(),
        "nothing run yet"
    );
    let mut h = a.clone();
    let k = h.iter().position(|x| *x == "slurm").unwrap();
    h[k] = "hyperqueue";
    ok(&sal(&h, None));
    let hq = std::fs::read_to_string(dir.join("submit-hq.sh")).unwrap();
    assert!(
        hq.contains("hq submit") && hq.contains("--array 0-1") && hq.contains("HQ_TASK_ID"),
        "{hq}"
    );
    for id in 0..2 {
        let o = Command::new("bash")
            .arg(dir.join("submit.sbatch"))
            .current_dir(std::env::temp_dir())
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .output()
            .unwrap();
        ok(&o);
    }
    let local = tmp("emit-local");
    let ls = local.to_string_lossy().into_owned();
    let mut b = vec!["sweep", &smoke as &str];
    b.extend(grid);
    b.extend(["--out", &ls, "--quiet"]);
    ok(&sal(&b, None));
    let report = |d: &str| sal(&["report", d, "--json"], None).stdout;
    assert_eq!(report(&ds), report(&ls));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&local);
}

/// A sweep without a noise axis (a single point, or seeds only) still gets its report: the
/// final values are drawn in one "all runs" column instead of failing on a NaN axis.
#[test]
fn report_of_a_sweep_without_noise_axis() {
    let out = tmp("no-noise-axis");
    let mut args = vec!["sweep", "--out", out.to_str().unwrap(), "--quiet"];
    let f = params("tests-fixtures/ssn_smoke.yaml");
    args.insert(1, &f);
    ok(&sal(&args, None));
    ok(&sal(&["report", out.to_str().unwrap()], None));
    assert!(out.join("report/ssn_smoke.png").is_file());
    let _ = std::fs::remove_dir_all(&out);
}
