//! Never lose a user's data, and survive real clusters, bad numbers and interrupts: every
//! data-loss case that was found, concurrent shard processes, SLURM arrays of any range and
//! step, content-checked resume, non-finite guards, Ctrl-C, reproducible run directories,
//! growing sweeps and thread-count independence of work that really runs in parallel.

mod common;

use common::{ok, params, sal, tmp};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every file under `dir` with its content (a byte-for-byte snapshot).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Hidden staging directories (`.NAME.partial-…`) anywhere under `dir`.
fn partials(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(".partial-")
            {
                found.push(p.clone());
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    found
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The smoke scenario (11 iterations of a 7-neuron sampler, ~10 ms per point).
fn smoke() -> String {
    params("tests-fixtures/ssn_smoke.yaml")
}

/// `finished` events per point index in a sweep's log (how often each point was computed).
fn computed(dir: &Path) -> BTreeMap<u64, usize> {
    let mut n = BTreeMap::new();
    let text = fs::read_to_string(dir.join("log.jsonl")).unwrap_or_default();
    // while writers are live, the last line may still be on its way (no newline yet): only
    // terminated lines count, and every terminated line must be complete JSON
    let done = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    for line in done.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event"] == "finished" {
            *n.entry(v["index"].as_u64().unwrap()).or_default() += 1;
        }
    }
    n
}

fn report_json(dir: &Path) -> Vec<u8> {
    let o = sal(&["report", dir.to_str().unwrap(), "--json"], None);
    ok(&o);
    o.stdout
}

fn sweep(dir: &Path, extra: &[&str]) -> std::process::Output {
    let s = smoke();
    let mut a = vec!["sweep", &s, "--out", dir.to_str().unwrap(), "--quiet"];
    a.extend(extra);
    sal(&a, None)
}

/// `sal report X --out X` on a copy of sweeps with a user's notes: refused, and every file
/// (the sweeps' runs and the notes) is still there byte for byte. The same for a report
/// into a user's folder, and for `--force` on a regular file or on the folder holding the
/// input YAML.
#[test]
fn no_command_deletes_what_it_did_not_create() {
    let root = tmp("dataloss");
    let copy = root.join("v3copy");
    for sub in ["a", "b"] {
        ok(&sweep(&copy.join(sub), &["--grid", "seed.sim=1,2"]));
    }
    fs::write(copy.join("notes.txt"), "my notes").unwrap();
    let before = snapshot(&copy);
    let o = sal(
        &[
            "report",
            copy.to_str().unwrap(),
            "--out",
            copy.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing to replace"), "{}", stderr(&o));
    assert_eq!(snapshot(&copy), before, "sweeps and notes untouched");
    // a report into a user's folder
    let user = root.join("user");
    fs::create_dir_all(&user).unwrap();
    fs::write(user.join("thesis.tex"), "chapter 1").unwrap();
    let o = sal(
        &[
            "report",
            copy.join("a").to_str().unwrap(),
            "--out",
            user.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(user.join("thesis.tex")).unwrap(),
        "chapter 1"
    );
    // the default report directory is regenerated, twice in a row
    ok(&sal(&["report", copy.to_str().unwrap()], None));
    ok(&sal(&["report", copy.to_str().unwrap()], None));
    assert!(copy.join("report/table.csv").is_file());
    assert_eq!(fs::read(copy.join("notes.txt")).unwrap(), b"my notes");

    // --force on a regular file
    let file = root.join("results.txt");
    fs::write(&file, "precious").unwrap();
    let s = smoke();
    let o = sal(
        &[
            "run",
            &s,
            "--out",
            file.to_str().unwrap(),
            "--force",
            "--quiet",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&file).unwrap(), "precious");
    // --force on the folder that holds the input YAML
    let proj = root.join("proj");
    fs::create_dir_all(&proj).unwrap();
    let input = proj.join("exp.yaml");
    fs::copy(&s, &input).unwrap();
    let before = snapshot(&proj);
    let o = sal(
        &[
            "run",
            input.to_str().unwrap(),
            "--out",
            proj.to_str().unwrap(),
            "--force",
            "--quiet",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(snapshot(&proj), before, "input folder untouched");
    // --force does replace a run directory sal made
    let run = root.join("run");
    ok(&sal(
        &["run", &s, "--out", run.to_str().unwrap(), "--quiet"],
        None,
    ));
    ok(&sal(
        &[
            "run",
            &s,
            "--out",
            run.to_str().unwrap(),
            "--force",
            "--quiet",
            "--set",
            "seed.sim=9",
        ],
        None,
    ));
    assert!(
        fs::read_to_string(run.join("config.resolved.yaml"))
            .unwrap()
            .contains("sim: 9")
    );
    assert!(partials(&root).is_empty(), "{:?}", partials(&root));
    let _ = fs::remove_dir_all(&root);
}

/// A run whose every D_KL is +∞ (states never sampled in a 10-step validation) keeps its
/// metrics and arrays; its report writes the table.
#[test]
fn a_run_with_infinite_dkl_keeps_its_results() {
    let root = tmp("allinf");
    let s = smoke();
    let sets = [
        "--set",
        "num_epochs=3",
        "--set",
        "val_step=1",
        "--set",
        "dur=10",
        "--set",
        "val_factor=1",
    ];
    let run = root.join("run");
    let mut a = vec!["run", &s, "--out", run.to_str().unwrap(), "--quiet"];
    a.extend(sets);
    let o = sal(&a, None);
    ok(&o);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("metrics.json")).unwrap()).unwrap();
    assert!(
        m["dkl"].as_array().unwrap().iter().all(|v| v.is_null()),
        "every D_KL is +inf here: {}",
        m["dkl"]
    );
    assert!(run.join("arrays.npz").is_file());
    let sw = root.join("sweep");
    let mut extra = vec!["--grid", "seed.sim=1,2"];
    extra.extend(sets);
    ok(&sweep(&sw, &extra));
    ok(&sal(&["report", sw.to_str().unwrap()], None));
    assert!(sw.join("report/table.csv").is_file());
    assert!(sw.join("report/long.csv").is_file());
    let _ = fs::remove_dir_all(&root);
}

/// A microcircuit of 1 + 40 000 + 40 000 units (1.6·10⁹ synapses) is refused before it
/// is allocated, naming dims; nothing is written.
#[test]
fn a_network_too_big_for_memory_is_refused() {
    let out = tmp("huge");
    let o = sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--set",
            "network_properties.dims=[1, 40000, 40000]",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("network_properties.dims"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // recorders: every spike of a long run, above an explicit limit
    let o = sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--set",
            "student_simulation_settings.record_all_spks=true",
            "--set",
            "student_simulation_settings.t_pattern=100000",
            "--max-memory",
            "0.01",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("record_all_spks"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// Three shard processes started at the same moment plus a fourth (all points) that is
/// killed midway and restarted: the merged report equals a single process's, every point
/// was computed exactly once, no partial folder is left.
#[test]
fn concurrent_shards_compute_every_point_once() {
    let root = tmp("concurrent");
    let grid = [
        "--grid",
        "init_noise=0.0,0.2,0.4,0.6",
        "--grid",
        "seed.sim=1,2,3",
        "--set",
        "dur=400",
    ];
    let single = root.join("single");
    ok(&sweep(&single, &grid));
    let expected = report_json(&single);

    let dir = root.join("shared");
    let ds = dir.to_str().unwrap().to_string();
    let s = smoke();
    let spawn = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            s.as_str(),
            "--out",
            ds.as_str(),
            "--quiet",
            "--jobs",
            "1",
        ];
        a.extend(grid);
        a.extend(extra);
        Command::new(env!("CARGO_BIN_EXE_sal"))
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let shards: Vec<_> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|k| spawn(&["--shard", k]))
        .collect();
    let mut fourth = spawn(&[]);
    // kill the fourth as soon as some point is finished (midway through the sweep)
    let t0 = Instant::now();
    while computed(&dir).is_empty() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    fourth.kill().unwrap();
    fourth.wait().unwrap();
    for c in shards {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = spawn(&[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(report_json(&dir), expected, "merged == single process");
    let n = computed(&dir);
    assert!(
        n.values().all(|&c| c == 1),
        "each point computed once: {n:?}"
    );
    // the killed shard may have moved a finished point into place and died before its log
    // line: at most one point may lack a line, and it must be complete
    let unlogged: Vec<u64> = (0..12).filter(|k| !n.contains_key(k)).collect();
    assert!(
        unlogged.len() <= 1,
        "points without a log line: {unlogged:?}"
    );
    for k in &unlogged {
        assert!(
            dir.join(format!("points/{k:04}/metrics.json")).is_file(),
            "point {k} neither logged nor complete"
        );
    }
    assert!(partials(&dir).is_empty(), "{:?}", partials(&dir));
    let _ = fs::remove_dir_all(&root);
}

/// SLURM arrays `0-3`, `1-4` and `0-6:2` (any start and step): every task runs one shard,
/// together they cover every point exactly once.
#[test]
fn slurm_arrays_of_any_range_cover_every_point_once() {
    let root = tmp("slurm");
    let s = smoke();
    for (name, ids, min, max, step) in [
        ("a", vec![0, 1, 2, 3], 0, 3, 1),
        ("b", vec![1, 2, 3, 4], 1, 4, 1),
        ("c", vec![0, 2, 4, 6], 0, 6, 2),
    ] {
        let dir = root.join(name);
        let mut per_task: Vec<BTreeSet<u64>> = Vec::new();
        for id in ids.iter().rev() {
            let before: BTreeSet<u64> = computed(&dir).keys().copied().collect();
            let o = Command::new(env!("CARGO_BIN_EXE_sal"))
                .args([
                    "sweep",
                    &s,
                    "--grid",
                    "seed.sim=1,2,3,4,5,6,7",
                    "--out",
                    dir.to_str().unwrap(),
                    "--quiet",
                ])
                .env("SLURM_ARRAY_TASK_ID", id.to_string())
                .env("SLURM_ARRAY_TASK_MIN", min.to_string())
                .env("SLURM_ARRAY_TASK_MAX", max.to_string())
                .env("SLURM_ARRAY_TASK_STEP", step.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", "4")
                .output()
                .unwrap();
            ok(&o);
            let after: BTreeSet<u64> = computed(&dir).keys().copied().collect();
            per_task.push(after.difference(&before).copied().collect());
        }
        let n = computed(&dir);
        assert_eq!(n.len(), 7, "{name}: {n:?}");
        assert!(n.values().all(|&c| c == 1), "{name}: {n:?}");
        // each task ran its own shard: point i belongs to task (i mod 4)
        for (k, set) in per_task.iter().rev().enumerate() {
            let want: BTreeSet<u64> = (0..7).filter(|i| (*i as usize) % 4 == k).collect();
            assert_eq!(set, &want, "{name}: task {k}");
        }
    }
    // a task id outside the array is refused
    let o = Command::new(env!("CARGO_BIN_EXE_sal"))
        .args([
            "sweep",
            &s,
            "--out",
            root.join("x").to_str().unwrap(),
            "--quiet",
        ])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_MAX", "6")
        .env("SLURM_ARRAY_TASK_STEP", "2")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let _ = fs::remove_dir_all(&root);
}

/// A resume whose scenario file (same path, one value changed) or initial-conditions file
/// changed is refused with a message naming the file; --force recomputes.
#[test]
fn resume_refuses_changed_inputs() {
    let root = tmp("provenance");
    fs::create_dir_all(&root).unwrap();
    let file = root.join("exp.yaml");
    fs::copy(smoke(), &file).unwrap();
    let dir = root.join("sweep");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            file.to_str().unwrap(),
            "--grid",
            "seed.sim=1,2",
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
        ];
        a.extend(extra);
        sal(&a, None)
    };
    ok(&run(&[]));
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("dur: 100", "dur: 120");
    fs::write(&file, text).unwrap();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(file.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("changed"), "{}", stderr(&o));
    ok(&run(&["--force"]));
    assert_eq!(computed(&dir).len(), 2, "recomputed from scratch");
    let cfg = fs::read_to_string(dir.join("points/0000/config.resolved.yaml")).unwrap();
    assert!(cfg.contains("dur: 120"), "{cfg}");

    // initial conditions: a microcircuit --paper sweep reads the reference's init file
    let init_dir = root.join("derived");
    fs::create_dir_all(&init_dir).unwrap();
    let name = "microcircuits_sal_initial_conditions.json";
    fs::copy(params(&format!("derived/{name}")), init_dir.join(name)).unwrap();
    let mc = root.join("mc");
    let mc_run = || {
        sal(
            &[
                "sweep",
                &params("microcircuits/sal/sal.yaml"),
                "--paper",
                "--seeds",
                "1",
                "--set",
                "student_simulation_settings.num_epochs=1",
                "--init-dir",
                init_dir.to_str().unwrap(),
                "--out",
                mc.to_str().unwrap(),
                "--quiet",
            ],
            None,
        )
    };
    ok(&mc_run());
    let mut t = fs::read_to_string(init_dir.join(name)).unwrap();
    t.push('\n');
    fs::write(init_dir.join(name), t).unwrap();
    let o = mc_run();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(name), "{}", stderr(&o));
    // the resolved configuration of a run checks its init file too
    let o = sal(
        &[
            "run",
            mc.join("points/0000/config.resolved.yaml")
                .to_str()
                .unwrap(),
            "--out",
            root.join("rerun").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("initial_conditions"), "{}", stderr(&o));
    assert!(!root.join("rerun").exists());
    let _ = fs::remove_dir_all(&root);
}

/// Non-finite numbers stop a run with a message naming the quantity; nothing is left; a
/// sweep marks the point failed, reports it and goes on.
#[test]
fn non_finite_numbers_stop_the_run() {
    let root = tmp("nonfinite");
    fs::create_dir_all(&root).unwrap();
    let s = smoke();
    let out = root.join("run");
    let o_s = out.to_str().unwrap();
    // a learning rate that overflows the weights (caught before clipping)
    let o = sal(
        &[
            "run",
            &s,
            "--set",
            "lr.weight=1e308",
            "--set",
            "max_w=1.7e308",
            "--out",
            o_s,
            "--quiet",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("weight W[") && stderr(&o).contains("non-finite"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("at iteration"), "{}", stderr(&o));
    // microcircuit forward learning rate
    let o = sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--set",
            "network_properties.lr.1.up=1.7e308",
            "--out",
            o_s,
            "--quiet",
        ],
        None,
    );
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("non-finite"), "{}", stderr(&o));
    // a NaN bias via --set
    let o = sal(
        &[
            "run",
            &params("tests-fixtures/microcircuits_smoke.yaml"),
            "--set",
            "student_initial_parameters.bias.0=.nan",
            "--out",
            o_s,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("student_initial_parameters.bias"),
        "{}",
        stderr(&o)
    );
    // a NaN in an initial-conditions file (NumPy writes the token NaN)
    let init = root.join("init.json");
    let text = fs::read_to_string(params(
        "derived/ssn_minimal_working_example_initial_conditions.json",
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first_number = v.to_string();
    let pos = first_number.find("\"b_init\":[").expect("b_init") + "\"b_init\":[".len();
    let mut bad = first_number.clone();
    let end = pos + bad[pos..].find([',', ']']).unwrap();
    bad.replace_range(pos..end, "NaN");
    fs::write(&init, bad).unwrap();
    let o = sal(
        &[
            "run",
            &params("ssn/minimal_working_example.yaml"),
            "--init",
            init.to_str().unwrap(),
            "--out",
            o_s,
        ],
        None,
    );
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(init.to_str().unwrap()) || stderr(&o).contains("b_init"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing left behind");
    assert!(partials(&root).is_empty());
    // a sweep marks the point failed and goes on
    let sw = root.join("sweep");
    let o = sweep(
        &sw,
        &["--grid", "lr.weight=0.001,1e308", "--set", "max_w=1.7e308"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        sw.join("points/0000/metrics.json").is_file(),
        "the good point is kept"
    );
    assert!(sw.join("failed/0001.json").is_file());
    let r = sal(&["report", sw.to_str().unwrap()], None);
    ok(&r);
    assert!(stderr(&r).contains("1 point(s) failed"), "{}", stderr(&r));
    let _ = fs::remove_dir_all(&root);
}

fn interrupt_after(args: &[&str], wait: Duration) -> (Option<i32>, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sal"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(wait);
    let t = Instant::now();
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let code = child.wait().unwrap().code();
    (code, t.elapsed())
}

/// SIGINT one second into `sal run` and into `sal sweep`: exit 130 within 2 s, no partial
/// folder, and the next run or resume works.
#[test]
fn ctrl_c_stops_within_a_second_and_leaves_nothing_half_written() {
    let root = tmp("sigint");
    let s = smoke();
    let out = root.join("run");
    let long = ["--set", "num_epochs=100000", "--set", "dur=1000"];
    let mut a = vec!["run", s.as_str(), "--out", out.to_str().unwrap(), "--quiet"];
    a.extend(long);
    let (code, took) = interrupt_after(&a, Duration::from_secs(1));
    assert_eq!(code, Some(130));
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(!out.exists());
    assert!(partials(&root).is_empty(), "{:?}", partials(&root));
    ok(&sal(
        &["run", &s, "--out", out.to_str().unwrap(), "--quiet"],
        None,
    ));

    let sw = root.join("sweep");
    let mut a = vec![
        "sweep",
        s.as_str(),
        "--grid",
        "seed.sim=1,2,3,4,5,6",
        "--set",
        "dur=20000",
        "--out",
        sw.to_str().unwrap(),
        "--quiet",
        "--jobs",
        "1",
    ];
    let (code, took) = interrupt_after(&a, Duration::from_secs(1));
    assert_eq!(code, Some(130));
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(partials(&sw).is_empty(), "{:?}", partials(&sw));
    let kept = computed(&sw).len();
    assert!(kept < 6, "interrupted before the end ({kept} done)");
    a.retain(|x| *x != "--quiet");
    let o = sal(&a, None);
    ok(&o);
    assert_eq!(computed(&sw).len(), 6);
    assert!(
        computed(&sw).values().all(|&c| c == 1),
        "finished points kept, not redone"
    );
    let _ = fs::remove_dir_all(&root);
}

/// `sal run DIR/config.resolved.yaml` reproduces DIR's metrics.json byte for byte: a
/// sampling network with --init and a microcircuit with --init-index.
#[test]
fn resolved_configuration_reproduces_the_run() {
    let root = tmp("reproduce");
    let cases: [Vec<String>; 2] = [
        vec![
            params("ssn/minimal_working_example.yaml"),
            "--init".into(),
            params("derived/ssn_minimal_working_example_initial_conditions.json"),
            "--set".into(),
            "num_epochs=51".into(),
            "--set".into(),
            "val_step=25".into(),
        ],
        vec![
            params("microcircuits/sal/sal.yaml"),
            "--init".into(),
            params("derived/microcircuits_sal_initial_conditions.json"),
            "--init-index".into(),
            "11".into(),
            "--set".into(),
            "student_simulation_settings.num_epochs=1".into(),
        ],
    ];
    for (k, case) in cases.iter().enumerate() {
        let a = root.join(format!("a{k}"));
        let b = root.join(format!("b{k}"));
        let mut args = vec!["run".to_string()];
        args.extend(case.iter().cloned());
        args.extend(["--out".into(), a.to_string_lossy().into(), "--quiet".into()]);
        ok(&sal(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        ));
        ok(&sal(
            &[
                "run",
                a.join("config.resolved.yaml").to_str().unwrap(),
                "--out",
                b.to_str().unwrap(),
                "--quiet",
            ],
            None,
        ));
        for f in ["metrics.json", "arrays.npz", "config.resolved.yaml"] {
            assert_eq!(
                fs::read(a.join(f)).unwrap(),
                fs::read(b.join(f)).unwrap(),
                "case {k}: {f}"
            );
        }
    }
    let _ = fs::remove_dir_all(&root);
}

/// A sweep computed with 1 and with 2 worker threads (its points really run in parallel)
/// gives byte-identical points.
#[test]
fn sweeps_are_identical_for_1_and_2_threads() {
    let root = tmp("threads");
    let mut files = Vec::new();
    for jobs in ["1", "2"] {
        let d = root.join(jobs);
        ok(&sweep(
            &d,
            &[
                "--grid",
                "init_noise=0.0,0.5",
                "--grid",
                "seed.sim=1,2",
                "--jobs",
                jobs,
            ],
        ));
        let mut snap = snapshot(&d.join("points"));
        snap.retain(|p, _| p.ends_with("metrics.json") || p.ends_with("arrays.npz"));
        files.push(snap);
    }
    assert_eq!(files[0].len(), 8);
    assert_eq!(files[0], files[1]);
    let _ = fs::remove_dir_all(&root);
}

/// `--paper --seeds 4` then `--seeds 6` computes exactly the 2 new seeds per grid point;
/// the same command with its --set flags reordered resumes without computing anything.
#[test]
fn sweeps_grow_and_ignore_set_order() {
    let root = tmp("grow");
    let mc = params("microcircuits/sal/sal.yaml");
    let dir = root.join("fig6");
    let run = |seeds: &str, sets: &[&str]| {
        let mut a = vec!["sweep", mc.as_str(), "--paper", "--seeds", seeds];
        a.extend(sets);
        a.extend(["--out", dir.to_str().unwrap(), "--quiet"]);
        sal(&a, None)
    };
    let sets = [
        "--set",
        "student_simulation_settings.num_epochs=1",
        "--set",
        "student_simulation_settings.t_pattern=400",
    ];
    ok(&run("4", &sets));
    assert_eq!(computed(&dir).len(), 4);
    let first: Vec<_> = (0..4)
        .map(|k| fs::read(dir.join(format!("points/{k:04}/metrics.json"))).unwrap())
        .collect();
    ok(&run("6", &sets));
    let n = computed(&dir);
    assert_eq!(n.len(), 6, "{n:?}");
    assert!(
        n.values().all(|&c| c == 1),
        "only the new seeds were computed: {n:?}"
    );
    for (k, m) in first.iter().enumerate() {
        assert_eq!(
            &fs::read(dir.join(format!("points/{k:04}/metrics.json"))).unwrap(),
            m
        );
    }
    let reordered = [sets[2], sets[3], sets[0], sets[1]];
    ok(&run("6", &reordered));
    assert_eq!(
        computed(&dir).values().sum::<usize>(),
        6,
        "nothing recomputed"
    );
    // shrinking is refused, naming what the command leaves out
    let o = run("3", &sets);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("seed_index = 3, 4, 5"),
        "{}",
        stderr(&o)
    );
    let _ = fs::remove_dir_all(&root);
}
