//! Provenance: what produced a result — the program (version, git commit), the inputs (SHA-256
//! of every file read), the machine (host, threads) and when. Recorded in every `run.json`
//! and sweep plan; a resume whose inputs or program changed is refused.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The git commit this program was built from (`-dirty` if the tree had uncommitted
/// changes; `unknown` outside a git checkout).
pub const GIT_COMMIT: &str = env!("SAL_GIT_COMMIT");

/// The program's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One input file and its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// What the file is: `config`, `init`, `dataset`, …
    pub role: String,
    /// Absolute path.
    pub path: PathBuf,
    /// SHA-256 of the content (hex).
    pub sha256: String,
}

/// The program that computed something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// `sal` version.
    pub version: String,
    /// Git commit of the build.
    pub git_commit: String,
}

impl Program {
    /// This program.
    pub fn this() -> Program {
        Program {
            version: VERSION.into(),
            git_commit: GIT_COMMIT.into(),
        }
    }
}

/// Provenance of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The program.
    pub program: Program,
    /// The input files and their hashes.
    pub inputs: Vec<InputFile>,
    /// Host name.
    pub host: String,
    /// Worker threads available to the run (rayon's pool size).
    pub threads: usize,
}

impl Provenance {
    /// Provenance of a run reading `files` (role, path), now, on this machine.
    pub fn now(files: &[(String, PathBuf)]) -> Result<Provenance> {
        Ok(Provenance {
            program: Program::this(),
            inputs: hash_files(files)?,
            host: hostname(),
            threads: rayon::current_num_threads(),
        })
    }
}

/// Hashes every file of `files` (role, path).
pub fn hash_files(files: &[(String, PathBuf)]) -> Result<Vec<InputFile>> {
    files
        .iter()
        .map(|(role, p)| {
            let path = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            Ok(InputFile {
                role: role.clone(),
                sha256: sha256_file(&path)?,
                path,
            })
        })
        .collect()
}

/// SHA-256 of a file's content (hex).
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// SHA-256 of a string (hex).
pub fn sha256_str(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// This machine's host name (`unknown` if it cannot be read).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The current time as RFC 3339 UTC with seconds (`2026-12-04T11:52:01Z`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Bytes in binary units ("12.0 GiB").
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// The default memory limit of a run: 80 % of this machine's memory (`MemTotal` of
/// `/proc/meminfo`; 8 GiB where it cannot be read).
pub fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    total.map_or(8 << 30, |t| t / 10 * 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_units() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_str("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(12 << 30), "12.0 GiB");
        assert!(now_rfc3339().ends_with('Z'));
    }
}
