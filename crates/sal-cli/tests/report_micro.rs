//! End-to-end test of `sal report` on cortical-microcircuit sweeps (Fig 6): tiny SAL and BP
//! sweeps of the smoke fixture give fig6.png, micro_table.csv with the right run counts,
//! and a stable `--json` listing of the runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "../../../shared/spec/params/tests-fixtures/microcircuits_smoke.yaml";

fn sal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sal"))
        .args(args)
        .output()
        .expect("run sal")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "sal failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A fresh directory under the system temp dir, removed on drop (also after a failure).
struct TmpDir(PathBuf);

impl TmpDir {
    fn new(name: &str) -> TmpDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "sal-report-micro-{}-{nanos}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TmpDir(p)
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sweep(fixture: &Path, out: &Path, seeds: &str, extra: &[&str]) {
    let grid = format!("student_simulation_settings.poisson_seed={seeds}");
    let out = out.to_str().unwrap();
    let mut args = vec![
        "sweep",
        fixture.to_str().unwrap(),
        "--grid",
        &grid,
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    ok(&sal(&args));
}

#[test]
fn report_of_microcircuit_sweeps_draws_fig6_and_tables() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let tmp = TmpDir::new("fig6");
    let root = &tmp.0;
    // SAL (the fixture as is) with 3 runs, BP (no feedback learning: exact copies) with 2.
    sweep(&fixture, &root.join("sal"), "1,2,3", &[]);
    sweep(
        &fixture,
        &root.join("bp"),
        "4,5",
        &["--set", "student_simulation_settings.update_down=false"],
    );

    let first = sal(&["report", root.to_str().unwrap(), "--json"]);
    ok(&first);
    let report = root.join("report");
    let png = std::fs::metadata(report.join("fig6.png")).expect("fig6.png written");
    assert!(png.len() > 10_000, "fig6.png is only {} bytes", png.len());
    assert!(report.join("fig6.svg").is_file());
    assert!(report.join("micro_table.json").is_file());
    // no sampling-network sweep: table.csv holds the microcircuit rows
    assert!(report.join("table.csv").is_file());
    // the terminal gets a summary and the paths, not the tables
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        !err.contains("variant,runs,epochs"),
        "CSV on the terminal: {err}"
    );
    assert!(
        err.contains("micro_table.csv") && err.contains("SAL"),
        "{err}"
    );
    assert!(err.lines().count() <= 8, "{err}");
    // the figure's layout: letters b1 … c4, no problem found by the plot kit
    let layout: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("fig6.layout.json")).unwrap()).unwrap();
    assert_eq!(layout["problems"], serde_json::json!([]));
    let tags: Vec<&str> = layout["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["b1", "c1", "c2", "b2", "c3", "c4"]);

    let csv = std::fs::read_to_string(report.join("micro_table.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in ["variant", "runs", "loss_median", "W10_median", "B12_q75"] {
        assert!(header.contains(&col), "missing column {col} in {header:?}");
    }
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert_eq!(rows[0][col("variant")], "sal");
    assert_eq!(rows[0][col("runs")], "3");
    assert_eq!(rows[1][col("variant")], "bp");
    assert_eq!(rows[1][col("runs")], "2");
    let loss: f64 = rows[0][col("loss_median")].parse().unwrap();
    assert!(loss.is_finite() && loss > 0.0);
    // BP's feedback is an exact copy of the forward weight
    let mismatch: f64 = rows[1][col("feedback_mismatch_median")].parse().unwrap();
    assert!(mismatch.abs() < 1e-12, "BP |B12 − W21| = {mismatch}");
    let ratio: f64 = rows[1][col("feedback_norm_ratio_median")].parse().unwrap();
    assert!((ratio - 1.0).abs() < 1e-12, "BP |B12| / |W21| = {ratio}");

    let v: serde_json::Value = serde_json::from_slice(&first.stdout).expect("--json parses");
    let pts = v.as_array().unwrap();
    assert_eq!(pts.len(), 5);
    let order: Vec<(String, u64)> = pts
        .iter()
        .map(|p| {
            (
                p["variant"].as_str().unwrap().to_string(),
                p["index"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [("sal", 0), ("sal", 1), ("sal", 2), ("bp", 0), ("bp", 1)]
        .iter()
        .map(|(a, b)| (a.to_string(), *b))
        .collect();
    assert_eq!(order, expected);
    for p in pts {
        assert!(p["final_validation_loss"].as_f64().unwrap() > 0.0);
        for k in ["W10", "W21", "B12"] {
            assert!(p["final_weights"][k].is_number(), "{p}");
        }
        assert!(p["final_angle_deg"]["B12"].is_number(), "{p}");
        assert!(p["feedback_norm_ratio"].as_f64().unwrap() > 0.0, "{p}");
        assert!(p["coords"].is_object());
    }

    let second = sal(&["report", root.to_str().unwrap(), "--json"]);
    ok(&second);
    assert_eq!(first.stdout, second.stdout, "--json differs between calls");
}
