//! `sal sweep`: run a scenario over a grid of parameters, in parallel and resumably.

use crate::progress::Term;
use clap::Args;
use sal_experiments::cluster::{Emit as EmitKind, write_submission};
use sal_experiments::error::Result;
use sal_experiments::experiment::{Limits, with_engine};
use sal_experiments::progress::Ctx;
use sal_experiments::sweep::{
    SweepSpec, in_pool, open_dir, parse_shard, plan, pool, prepare_point, run as run_points,
    shard_from_slurm, shard_points,
};
use std::path::{Path, PathBuf};

/// Run a scenario file over a grid of parameter values (Cartesian product of the --grid
/// options in the order given, first outermost), one run directory per point, in parallel.
///
/// With --paper the reference's grid and seeds for the scenario are used: the noise levels
/// of its family (syn_noise: σ_init; plast_noise: σ_stdp) × seed indices 0…--seeds−1, with
/// the reference's targets and initialisations from the derived initial-condition files.
/// For a microcircuit file --paper runs k = 0…--seeds−1 of its variant: for the 1-1-1 files
/// the reference's runs (seeds, initial weights, pattern schedules), for other networks the
/// reference's seed scheme (every student seed + k + 1).
/// Re-running the same command resumes: finished points are skipped. Adding seeds or grid
/// values grows a finished sweep (only the new points are computed); a resume whose
/// scenario file, initial conditions or program changed is refused (--force starts over).
/// Any number of processes (shards, array tasks, restarts) may work on one directory at
/// once: each point is claimed by a file lock and computed once.
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
    /// Discard the points of an existing sweep directory whose plan or inputs differ and start
    /// over (only files sal made there are removed).
    #[arg(long)]
    pub force: bool,
    /// Memory one point may use, in GiB (default 80 % of this machine's memory).
    #[arg(long, value_name = "GIB")]
    pub max_memory: Option<f64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard K of N (K = 1…N): points with index ≡ K−1 (mod N). Also read from a
    /// SLURM array task's SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN/MAX/STEP (any range
    /// and step) or SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Only print the plan (number of points, simulated steps, time estimate), run nothing.
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
    if let Some(m) = args.max_memory {
        c.extend(["--max-memory".into(), m.to_string()]);
    }
    c.extend([
        "--out".into(),
        absolute(&args.out).display().to_string(),
        "--quiet".into(),
    ]);
    c
}

/// Runs `sal sweep`.
pub fn run(args: SweepArgs) -> Result<()> {
    let shard = match &args.shard {
        Some(s) => Some(parse_shard(s)?),
        None => shard_from_slurm(|v| std::env::var(v).ok())?,
    };
    let limits = Limits::gib(args.max_memory)?;
    let spec = SweepSpec {
        file: &args.file,
        sets: &with_engine(&args.sets, args.engine.as_deref())?,
        grids: &args.grids,
        paper: args.paper,
        seeds: args.seeds,
        init_dir: args.init_dir.as_deref(),
        limits,
    };
    let pool = pool(args.jobs)?;
    let plan = in_pool(pool.as_ref(), || plan(&spec))?;
    let mine = shard_points(&plan, shard);
    if args.dry_run {
        // (steps, seconds on one core) per point of this shard
        let work: Vec<(u64, Option<f64>)> = plan
            .points
            .iter()
            .filter(|p| mine.contains(&p.index))
            .filter_map(|p| {
                prepare_point(&plan.file, p, &limits)
                    .ok()
                    .map(|e| (e.total_work(), super::seconds(e.as_ref())))
            })
            .collect();
        let steps: u64 = work.iter().map(|w| w.0).sum();
        let threads = args
            .jobs
            .unwrap_or_else(rayon::current_num_threads)
            .min(work.len())
            .max(1);
        let time = if work.iter().all(|w| w.1.is_some()) {
            let one: Vec<f64> = work.iter().filter_map(|w| w.1).collect();
            let total: f64 = one.iter().sum();
            let longest = one.iter().copied().fold(0.0, f64::max);
            format!(
                "about {} on one core, {} on {threads} thread(s), from the measured throughput",
                super::duration(total),
                super::duration((total / threads as f64).max(longest))
            )
        } else {
            "time not estimated for this kind".into()
        };
        say!(
            "{}: {} points ({} in this shard), {:.3e} simulated steps in this shard ({time})",
            plan.scenario,
            plan.points.len(),
            mine.len(),
            steps as f64,
        );
        return Ok(());
    }
    let plan = open_dir(&args.out, plan, args.force)?;
    if let Some(how) = args.emit {
        let how = match how {
            Emit::Slurm => EmitKind::Slurm,
            Emit::Hyperqueue => EmitKind::Hyperqueue,
        };
        let path = write_submission(&args.out, &plan, how, args.tasks, &task_command(&args))?;
        eprintln!("wrote {} ({} points)", path.display(), plan.points.len());
        return Ok(());
    }
    let mine = shard_points(&plan, shard);
    if !args.quiet {
        let pending = mine
            .iter()
            .filter(|&&i| !sal_experiments::sweep::is_done(&args.out, &plan.points[i]))
            .count();
        eprintln!(
            "{}: {} points, {} pending{}",
            plan.scenario,
            plan.points.len(),
            pending,
            shard
                .map(|(k, n)| format!(" in shard {k}/{n}"))
                .unwrap_or_default()
        );
    }
    let term = Term { quiet: args.quiet };
    let ctx = Ctx::new(&term, crate::stop());
    let summary = in_pool(pool.as_ref(), || {
        run_points(&args.out, &plan, &mine, &limits, &ctx)
    })?;
    summary.check(&args.out)?;
    if !args.quiet {
        eprintln!(
            "{}: {}/{} points complete in {} ({} computed by this process{})",
            plan.scenario,
            summary.done,
            plan.points.len(),
            args.out.display(),
            summary.computed,
            if summary.busy > 0 {
                format!(", {} held by other processes", summary.busy)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
