//! Helpers shared by the end-to-end tests: run the `sal` binary, find the specification's
//! parameter files and this repository's files, make scratch directories.
#![allow(dead_code)] // each test binary uses a subset

mod oracle;
#[allow(unused_imports)] // used by the ConvNet test files only
pub use oracle::{replay_oracle, replay_oracle_f32, replay_oracle_flex};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `sal ARGS`, with `RAYON_NUM_THREADS` set when `threads` is given.
pub fn sal(args: &[&str], threads: Option<usize>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sal"));
    c.args(args);
    if let Some(n) = threads {
        c.env("RAYON_NUM_THREADS", n.to_string());
    }
    c.output().expect("run sal")
}

/// A file under the specification's `params/` folder (`../shared/spec/params`).
pub fn params(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/params")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// A file of this repository.
pub fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// A fresh, not yet existing scratch path (unique per process and name).
pub fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("sal-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

/// Asserts success, showing stderr otherwise.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
