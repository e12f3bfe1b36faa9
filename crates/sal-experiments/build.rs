//! Records the git commit the program is built from (provenance of every run and sweep).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|s| !s.is_empty())
        .unwrap_or(false);
    println!(
        "cargo:rustc-env=SAL_GIT_COMMIT={commit}{}",
        if dirty { "-dirty" } else { "" }
    );
    // The files that change with HEAD's commit or the index. `--git-path` resolves each where
    // git keeps it (a worktree keeps HEAD and index in its own git dir, branch refs in the
    // common one; refs may be packed). Only existing files are named: cargo reruns a build
    // script on every build while a named file is missing, and rebuilds every crate above.
    let mut watch = vec!["HEAD".to_string(), "index".into(), "logs/HEAD".into()];
    watch.push("packed-refs".into());
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch.push(r);
    }
    for name in watch {
        if let Some(p) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
