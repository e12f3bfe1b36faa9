//! End-to-end tests of `sal run` on SALNet files (Fig 9 form): the shipped file validates,
//! runs write the reference's `symm/*/k` scalars and the arrays, `--init` takes W_k, B_k,
//! b_k from an .npz (shapes checked), bad input exits 2 naming the key and writes nothing,
//! and the same seed gives a byte-identical metrics.json with 1 and 2 threads.

mod common;
use common::*;

use sal_experiments::out::{Array, write_npz};
use serde_json::Value;
use std::path::Path;

fn metrics(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

/// A short run of a network whose 8 copies run in parallel when 2 threads are available
/// (batch × Σ n_k·n_(k+1) = 8 × 25 500 is above the engine's threshold).
const SHORT: [&str; 8] = [
    "--set",
    "dims=[200,100,50,10]",
    "--set",
    "batchsize=8",
    "--set",
    "n_epochs=2",
    "--set",
    "len_epoch=20",
];

fn run_short(out: &Path, extra: &[&str], threads: Option<usize>) -> std::process::Output {
    let f = repo("configs/salnet/fig9.yaml");
    let mut args = vec!["run", f.as_str()];
    args.extend(SHORT);
    args.extend(extra);
    args.extend(["--out", out.to_str().unwrap(), "--quiet"]);
    sal(&args, threads)
}

#[test]
fn fig9_file_validates_and_runs_write_the_reference_keys() {
    let o = sal(
        &["run", &repo("configs/salnet/fig9.yaml"), "--dry-run"],
        None,
    );
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    for key in [
        "dims:",
        "t_ref: 10",
        "n_epochs: 100",
        "len_epoch: 1000",
        "sal_lr: 0.01",
        "batchsize: 1",
        "seed:",
    ] {
        assert!(text.contains(key), "{key}: {text}");
    }
    let out = tmp("salnet-short");
    ok(&run_short(&out, &[], None));
    let m = metrics(&out);
    let scalars = m["scalars"].as_object().unwrap();
    for k in 0..3 {
        for what in ["angle", "var", "corrcoef"] {
            let v = scalars[&format!("symm/{what}/{k}")].as_array().unwrap();
            assert_eq!(
                v.len(),
                3,
                "one entry before the first epoch and one after each"
            );
        }
        // independent random matrices start near 90°
        let a0 = scalars[&format!("symm/angle/{k}")][0].as_f64().unwrap();
        assert!((70.0..110.0).contains(&a0), "B_{k}: {a0}");
    }
    for f in [
        "config.resolved.yaml",
        "arrays.npz",
        "run.json",
        "figures/run.png",
        "figures/run.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn same_seed_gives_identical_metrics_for_1_and_2_threads() {
    let mut all = Vec::new();
    for threads in [1, 2] {
        let out = tmp(&format!("salnet-threads-{threads}"));
        ok(&run_short(&out, &[], Some(threads)));
        all.push(std::fs::read(out.join("metrics.json")).unwrap());
        let _ = std::fs::remove_dir_all(&out);
    }
    assert_eq!(all[0], all[1]);
}

#[test]
fn init_npz_sets_the_weights_and_wrong_shapes_are_refused() {
    let dir = tmp("salnet-init");
    std::fs::create_dir_all(&dir).unwrap();
    // B_1 = W_2ᵀ exactly: that layer starts aligned (angle 0, correlation 1)
    let (n1, n2) = (100usize, 50usize);
    let w2: Vec<f64> = (0..n2 * n1)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.5)
        .collect();
    let mut b1 = vec![0.0; n1 * n2];
    for j in 0..n2 {
        for i in 0..n1 {
            b1[i * n2 + j] = w2[j * n1 + i];
        }
    }
    let good = dir.join("good.npz");
    write_npz(
        &good,
        &[
            Array::mat("W_2", n2, n1, w2.clone()),
            Array::mat("B_1", n1, n2, b1),
        ],
    )
    .unwrap();
    let out = dir.join("run");
    ok(&run_short(
        &out,
        &["--set", "sal_lr=0", "--init", good.to_str().unwrap()],
        None,
    ));
    let m = metrics(&out);
    let a = m["scalars"]["symm/angle/1"].as_array().unwrap();
    let r = m["scalars"]["symm/corrcoef/1"].as_array().unwrap();
    assert!(a[0].as_f64().unwrap() < 1e-4 && a[2].as_f64().unwrap() < 1e-4);
    assert!((r[0].as_f64().unwrap() - 1.0).abs() < 1e-12);
    assert!(m["scalars"]["symm/angle/0"][0].as_f64().unwrap() > 45.0);

    let bad = dir.join("bad.npz");
    write_npz(&bad, &[Array::mat("W_2", n1, n2, w2)]).unwrap();
    let out = dir.join("refused");
    let o = run_short(&out, &["--init", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("W_2") && err.contains("shape"), "{err}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_names_the_key_and_writes_nothing() {
    for (set, key) in [
        ("dims=[40]", "dims"),
        ("batchsize=0", "batchsize"),
        ("sal_lr=-0.1", "sal_lr"),
        ("sal_lr=.nan", "sal_lr"),
        ("t_ref=0", "t_ref"),
        ("len_epoch=0", "len_epoch"),
        ("dims=[40,0,3]", "dims[1]"),
    ] {
        let out = tmp("salnet-bad");
        let o = run_short(&out, &["--set", set], None);
        assert_eq!(o.status.code(), Some(2), "{set}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(key), "{set}: {err}");
        assert!(!out.exists(), "{set}");
    }
}

/// `sal figure fig7` writes fig7.json with the stable keys: SAL and STDWI curves over the
/// 100 s (101 and 1001 records), literal RDD a single point at t = 0 (D13), global-time RDD
/// one point every 10 s.
#[test]
fn figure_fig7_writes_the_stable_keys() {
    let out = tmp("fig7");
    ok(&sal(
        &["figure", "fig7", "--out", out.to_str().unwrap()],
        None,
    ));
    let d: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fig7.json")).unwrap()).unwrap();
    for (key, n) in [
        ("sal", 101),
        ("stdwi", 1001),
        ("rdd", 1),
        ("rdd_global_time", 11),
    ] {
        for field in ["time_s", "angle_deg", "corrcoef"] {
            assert_eq!(d[key][field].as_array().unwrap().len(), n, "{key}.{field}");
        }
        assert!((d[key]["angle_deg"][0].as_f64().unwrap() - 91.44).abs() < 0.005);
    }
    for f in ["fig7.png", "fig7.svg", "fig7.npz"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `sal report` of a SALNet sweep (2 learning rates × 3 seeds) writes salnet_table.csv/.json
/// (also as table.csv) with, per learning rate, the median, minimum and maximum over seeds of
/// each B_k's final angle — checked against the points' own metrics.json — and `--json`
/// rows carrying each point's final angles; long.csv has a row per point and epoch entry;
/// the figure salnet.png (angle and correlation over epochs per configuration) is drawn.
#[test]
fn report_of_a_salnet_sweep_tabulates_final_angles_over_seeds() {
    let out = tmp("salnet-sweep");
    let f = repo("configs/salnet/fig9.yaml");
    ok(&sal(
        &[
            "sweep",
            &f,
            "--grid",
            "sal_lr=0.01,0.05",
            "--grid",
            "seed=1,2,3",
            "--set",
            "dims=[40,20,10]",
            "--set",
            "n_epochs=2",
            "--set",
            "len_epoch=30",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    ));
    let o = sal(&["report", out.to_str().unwrap(), "--json"], None);
    ok(&o);
    let rows: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let rep = out.join("report");
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("salnet_table.json")).unwrap())
            .unwrap();
    assert_eq!(
        std::fs::read(rep.join("table.csv")).unwrap(),
        std::fs::read(rep.join("salnet_table.csv")).unwrap()
    );
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    for (lr, row) in [0.01, 0.05].iter().zip(table.as_array().unwrap()) {
        assert_eq!(row["config"], format!("sal_lr={lr}"));
        assert_eq!(row["runs"], 3);
        assert_eq!(row["epochs"], 2);
        for k in 0..2 {
            // the three seeds' final angles, read from their own run directories
            let mut finals: Vec<f64> = plan["points"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["coords"]["sal_lr"].as_f64() == Some(*lr))
                .map(|p| {
                    let m = metrics(&out.join(p["dir"].as_str().unwrap()));
                    let a = m["scalars"][format!("symm/angle/{k}")].as_array().unwrap();
                    assert_eq!(a.len(), 3, "before the first epoch and after each");
                    a[2].as_f64().unwrap()
                })
                .collect();
            finals.sort_by(f64::total_cmp);
            let a = &row["angle_deg"][k];
            assert_eq!(a["median"].as_f64().unwrap(), finals[1]);
            assert_eq!(a["min"].as_f64().unwrap(), finals[0]);
            assert_eq!(a["max"].as_f64().unwrap(), finals[2]);
            assert!(rows.iter().any(|r| r["final_angle_deg"][k] == finals[0]));
        }
    }
    let csv = std::fs::read_to_string(rep.join("salnet_table.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    let fields = |l: &str| l.split(',').count();
    assert!(lines.iter().all(|l| fields(l) == fields(lines[0])), "{csv}");
    let sweep_name = out.file_name().unwrap().to_str().unwrap();
    let want = format!("\"fig9\",\"{sweep_name}\",\"sal_lr=0.01\",3,2,");
    assert!(lines[1].starts_with(&want), "{csv}");
    let long = std::fs::read_to_string(rep.join("long.csv")).unwrap();
    assert!(long.starts_with("sweep,kind,point,"), "{long}");
    assert!(long.lines().next().unwrap().contains("angle_deg_B1"));
    assert_eq!(long.lines().count(), 1 + 6 * 3);
    for f in ["salnet.png", "salnet.svg", "salnet.layout.json"] {
        assert!(rep.join(f).is_file(), "{f}");
    }
}

/// Two sweeps of the same file with different `--set` values in one report directory are
/// reported as two rows (never pooled over their seeds), named by their directories.
#[test]
fn report_keeps_sweeps_of_the_same_file_apart() {
    let root = tmp("salnet-two-sweeps");
    let f = repo("configs/salnet/fig9.yaml");
    for (name, dims) in [("narrow", "dims=[20,10,5]"), ("wide", "dims=[40,20,10]")] {
        let out = root.join(name);
        ok(&sal(
            &[
                "sweep",
                &f,
                "--grid",
                "seed=1,2",
                "--set",
                dims,
                "--set",
                "n_epochs=1",
                "--set",
                "len_epoch=20",
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            None,
        ));
    }
    ok(&sal(&["report", root.to_str().unwrap()], None));
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("report").join("salnet_table.json")).unwrap(),
    )
    .unwrap();
    let rows = table.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{table}");
    for (row, name) in rows.iter().zip(["narrow", "wide"]) {
        assert_eq!(row["sweep"], name);
        assert_eq!(row["runs"], 2);
    }
}
