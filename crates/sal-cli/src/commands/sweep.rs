//! `sal sweep`: run a scenario over a grid of parameters, in parallel and resumably.

use crate::error::{CliError, Result};
use crate::out::OutDir;
use crate::progress::Progress;
use crate::sweep::{Plan, SweepSpec, is_done, plan, prepare_point, read_plan};
use clap::Args;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Run a scenario file over a grid of parameter values (Cartesian product of the --grid
/// options in the order given, first outermost), one run directory per point, in parallel.
///
/// With --paper the reference's grid and seeds for the scenario are used: the noise levels
/// of its family (syn_noise: σ_init; plast_noise: σ_stdp) × seed indices 0…--seeds−1, with
/// the reference's targets and initialisations from the derived initial-condition files.
/// For a microcircuit file --paper runs k = 0…--seeds−1 of its variant: for the 1-1-1 files
/// the reference's runs (seeds, initial weights, pattern schedules), for other networks the
/// reference's seed scheme (every student seed + k + 1).
/// Re-running the same command resumes: finished points are skipped.
#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// A grid axis KEY.PATH=V1,V2,… (repeatable).
    #[arg(long = "grid", value_name = "KEY.PATH=V1,V2,…")]
    pub grids: Vec<String>,
    /// The reference's grid and seeds for this scenario.
    #[arg(long)]
    pub paper: bool,
    /// Seed indices per noise level with --paper (1…20).
    #[arg(long, default_value_t = 20)]
    pub seeds: usize,
    /// Simulation engine (same as --set engine=…): event (default, exact, per spike) or
    /// clock (per step, the reference's procedure).
    #[arg(long, value_name = "clock|event")]
    pub engine: Option<String>,
    /// Override for every point: KEY.PATH=VALUE (repeatable), e.g. a shortened schedule.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
    /// Folder of the derived initial-condition files (default: ../../derived from FILE).
    #[arg(long)]
    pub init_dir: Option<PathBuf>,
    /// Sweep directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Discard an existing sweep directory with a different plan.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard K of N (K = 1…N): points with index ≡ K−1 (mod N). Also read from
    /// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT when present.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Only print the plan (number of points, simulated steps), run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a cluster submission for the whole grid instead of running it:
    /// `slurm` → DIR/submit.sbatch (a job array, one shard per task), `hyperqueue` →
    /// DIR/submit-hq.sh. Results land in DIR exactly as from a local run.
    #[arg(long, value_name = "slurm|hyperqueue")]
    pub emit: Option<Emit>,
    /// Array tasks for --emit (default: one per point, at most 1000).
    #[arg(long)]
    pub tasks: Option<usize>,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// Cluster submission formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// A SLURM sbatch job-array script.
    Slurm,
    /// A HyperQueue array submission.
    Hyperqueue,
}

/// POSIX shell quoting.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The `sal sweep …` command line that one array task runs (without the shard).
fn task_command(args: &SweepArgs) -> Vec<String> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "sal".into());
    let mut c = vec![
        exe,
        "sweep".into(),
        absolute(&args.file).display().to_string(),
    ];
    for g in &args.grids {
        c.extend(["--grid".into(), g.clone()]);
    }
    if args.paper {
        c.extend(["--paper".into(), "--seeds".into(), args.seeds.to_string()]);
    }
    for s in &args.sets {
        c.extend(["--set".into(), s.clone()]);
    }
    if let Some(e) = &args.engine {
        c.extend(["--engine".into(), e.clone()]);
    }
    if let Some(d) = &args.init_dir {
        c.extend(["--init-dir".into(), absolute(d).display().to_string()]);
    }
    c.extend([
        "--out".into(),
        absolute(&args.out).display().to_string(),
        "--quiet".into(),
    ]);
    c
}

fn emit(args: &SweepArgs, plan: &Plan, how: Emit) -> Result<()> {
    let n = args.tasks.unwrap_or(plan.points.len().min(1000));
    if n == 0 || n > plan.points.len() {
        return Err(CliError::invalid(
            "--tasks",
            format!("must be 1…{} (the number of points)", plan.points.len()),
        ));
    }
    let cmd: Vec<String> = task_command(args).iter().map(|a| sh_quote(a)).collect();
    let out = absolute(&args.out);
    std::fs::create_dir_all(out.join("logs")).map_err(|e| CliError::io(&out, e))?;
    let (name, text) = match how {
        Emit::Slurm => (
            "submit.sbatch",
            format!(
                "#!/bin/bash\n# {points} points of {scenario} in {n} array tasks; each task runs one shard\n# (sal reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT). Submit: sbatch {out}/submit.sbatch\n# Re-submitting resumes: finished points are skipped. Report: sal report {out}\n#SBATCH --job-name=sal-{scenario}\n#SBATCH --array=0-{last}\n#SBATCH --cpus-per-task=1\n#SBATCH --output={out}/logs/%A_%a.out\nset -euo pipefail\nexec {cmd} --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
                points = plan.points.len(),
                scenario = plan.scenario,
                n = n,
                last = n - 1,
                out = out.display(),
                cmd = cmd.join(" ")
            ),
        ),
        Emit::Hyperqueue => (
            "submit-hq.sh",
            format!(
                "#!/usr/bin/env bash\n# {points} points of {scenario} in {n} HyperQueue array tasks (one shard each).\n# Run: bash {out}/submit-hq.sh   (with an hq server and workers running)\n# Re-submitting resumes: finished points are skipped. Report: sal report {out}\nset -euo pipefail\nhq submit --name sal-{scenario} --array 0-{last} --cpus 1 --stdout '{out}/logs/%{{TASK_ID}}.out' --stderr '{out}/logs/%{{TASK_ID}}.err' -- \\\n  bash -c 'exec \"$@\" --shard $((HQ_TASK_ID + 1))/{n}' sal {cmd}\n",
                points = plan.points.len(),
                scenario = plan.scenario,
                n = n,
                last = n - 1,
                out = out.display(),
                cmd = cmd.join(" ")
            ),
        ),
    };
    let path = out.join(name);
    std::fs::write(&path, text).map_err(|e| CliError::io(&path, e))?;
    eprintln!(
        "wrote {} ({} points in {n} tasks)",
        path.display(),
        plan.points.len()
    );
    Ok(())
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || CliError::invalid("--shard", format!("expected K/N with 1 ≤ K ≤ N, got '{s}'"));
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn shard_from_env() -> Result<Option<(usize, usize)>> {
    match (
        std::env::var("SLURM_ARRAY_TASK_ID"),
        std::env::var("SLURM_ARRAY_TASK_COUNT"),
    ) {
        (Ok(id), Ok(count)) => {
            let id: usize = id.parse().map_err(|_| {
                CliError::invalid("SLURM_ARRAY_TASK_ID", format!("not a number: {id}"))
            })?;
            let count: usize = count.parse().map_err(|_| {
                CliError::invalid("SLURM_ARRAY_TASK_COUNT", format!("not a number: {count}"))
            })?;
            if count == 0 || id >= count {
                return Err(CliError::invalid(
                    "SLURM_ARRAY_TASK_ID",
                    format!("{id} is not in 0…{}", count.saturating_sub(1)),
                ));
            }
            Ok(Some((id + 1, count)))
        }
        _ => Ok(None),
    }
}

/// Writes the plan, or checks that an existing directory holds the same plan.
fn open_dir(dir: &Path, plan: &Plan, force: bool) -> Result<()> {
    let path = dir.join("sweep.json");
    if path.exists() {
        let old = read_plan(dir)?;
        if old == *plan {
            return Ok(());
        }
        if !force {
            return Err(CliError::invalid(
                "--out",
                format!(
                    "{} holds a different sweep (use --force to discard it)",
                    dir.display()
                ),
            ));
        }
        std::fs::remove_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
    } else if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        && !force
    {
        return Err(CliError::OutExists(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir.join("points")).map_err(|e| CliError::io(dir, e))?;
    let tmp = dir.join(".sweep.json.tmp");
    let text = serde_json::to_string_pretty(plan).expect("serialisable");
    std::fs::write(&tmp, text).map_err(|e| CliError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| CliError::io(&path, e))
}

/// Removes staging directories left by killed runs.
fn clean_partials(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir.join("points")) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().contains(".partial-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Runs `sal sweep`.
pub fn run(args: SweepArgs) -> Result<()> {
    let shard = match &args.shard {
        Some(s) => Some(parse_shard(s)?),
        None => shard_from_env()?,
    };
    if args.jobs == Some(0) {
        return Err(CliError::invalid("--jobs", "must be at least 1"));
    }
    let plan = plan(&SweepSpec {
        file: &args.file,
        sets: &super::run::with_engine(&args.sets, args.engine.as_deref())?,
        grids: &args.grids,
        paper: args.paper,
        seeds: args.seeds,
        init_dir: args.init_dir.as_deref(),
    })?;
    let mine: Vec<usize> = plan
        .points
        .iter()
        .filter(|p| shard.is_none_or(|(k, n)| p.index % n == k - 1))
        .map(|p| p.index)
        .collect();
    if args.dry_run {
        let steps: u64 = plan
            .points
            .iter()
            .map(|p| {
                prepare_point(&plan.file, p)
                    .map(|e| e.total_steps())
                    .unwrap_or(0)
            })
            .sum();
        println!(
            "{}: {} points ({} in this shard), {:.3e} simulated steps in total",
            plan.scenario,
            plan.points.len(),
            mine.len(),
            steps as f64
        );
        return Ok(());
    }
    open_dir(&args.out, &plan, args.force)?;
    if let Some(how) = args.emit {
        return emit(&args, &plan, how);
    }
    clean_partials(&args.out);
    let pending: Vec<usize> = mine
        .into_iter()
        .filter(|&i| !is_done(&args.out, &plan.points[i]))
        .collect();
    if !args.quiet {
        eprintln!(
            "{}: {} points, {} pending{}",
            plan.scenario,
            plan.points.len(),
            pending.len(),
            shard
                .map(|(k, n)| format!(" in shard {k}/{n}"))
                .unwrap_or_default()
        );
    }
    let progress = Mutex::new(Progress::new(
        &plan.scenario,
        pending.len() as u64,
        "points",
        args.quiet,
    ));
    let failures = Mutex::new(Vec::new());
    let work = || {
        pending.par_iter().for_each(|&i| {
            let p = &plan.points[i];
            let result = (|| -> Result<()> {
                let exp = prepare_point(&plan.file, p)?;
                let dir = OutDir::create(&args.out.join(&p.dir), false)?;
                exp.run_into(&dir, false, true)?;
                dir.finish()?;
                Ok(())
            })();
            if let Err(e) = result {
                failures
                    .lock()
                    .expect("lock")
                    .push(format!("point {i}: {e}"));
            }
            progress.lock().expect("lock").inc(1);
        })
    };
    match args.jobs {
        Some(j) => rayon::ThreadPoolBuilder::new()
            .num_threads(j)
            .build()
            .map_err(|e| CliError::Failed(e.to_string()))?
            .install(work),
        None => work(),
    }
    progress.lock().expect("lock").finish();
    let failures = failures.into_inner().expect("lock");
    if !failures.is_empty() {
        return Err(CliError::Failed(format!(
            "{} point(s) failed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        )));
    }
    if !args.quiet {
        let done = plan.points.iter().filter(|p| is_done(&args.out, p)).count();
        eprintln!(
            "{}: {done}/{} points complete in {}",
            plan.scenario,
            plan.points.len(),
            args.out.display()
        );
    }
    Ok(())
}
