//! Cluster submissions of a sweep: a SLURM job array or a HyperQueue array in which every
//! task runs one shard of the sweep into the same directory (the sweep's locks keep the tasks
//! apart; re-submitting resumes).

use crate::error::{Error, Result};
use crate::sweep::Plan;
use std::path::{Path, PathBuf};

/// Cluster submission formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// A SLURM sbatch job-array script (`DIR/submit.sbatch`).
    Slurm,
    /// A HyperQueue array submission (`DIR/submit-hq.sh`).
    Hyperqueue,
}

/// POSIX shell quoting.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Writes the submission for `plan` into the sweep directory `out` as `tasks` array tasks
/// (default: one per point, at most 1000); `cmd` is the `sal sweep …` command line a task runs
/// (without a shard: SLURM tasks read theirs from the array variables). Returns the script.
pub fn write_submission(
    out: &Path,
    plan: &Plan,
    how: Emit,
    tasks: Option<usize>,
    cmd: &[String],
) -> Result<PathBuf> {
    let n = tasks.unwrap_or(plan.points.len().min(1000));
    if n == 0 || n > plan.points.len() {
        return Err(Error::invalid(
            "--tasks",
            format!("must be 1…{} (the number of points)", plan.points.len()),
        ));
    }
    let cmd: Vec<String> = cmd.iter().map(|a| sh_quote(a)).collect();
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    std::fs::create_dir_all(out.join("logs")).map_err(|e| Error::io(&out, e))?;
    let (name, text) = match how {
        Emit::Slurm => (
            "submit.sbatch",
            format!(
                "#!/bin/bash\n# {points} points of {scenario} in {n} array tasks; each task runs one shard\n# (sal reads SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN/MAX/STEP or SLURM_ARRAY_TASK_COUNT,\n# so any --array range and step works). Submit: sbatch {out}/submit.sbatch\n# Re-submitting resumes: finished points are skipped. Report: sal report {out}\n#SBATCH --job-name=sal-{scenario}\n#SBATCH --array=0-{last}\n#SBATCH --cpus-per-task=1\n#SBATCH --output={out}/logs/%A_%a.out\nset -euo pipefail\nexec {cmd} --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
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
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
