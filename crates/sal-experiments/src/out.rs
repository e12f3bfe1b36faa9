//! Output directories and files.
//!
//! A run directory is assembled in a hidden staging directory next to its destination and
//! renamed into place only when everything has been written, so a failed or interrupted
//! command never leaves a partial result behind. An existing destination is replaced only
//! with `--force`.

use crate::error::{CliError, Result};
use ndarray::{Array1, Array2, Array3};
use ndarray_npy::NpzWriter;
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

/// A run directory being written.
pub struct OutDir {
    dest: PathBuf,
    staging: PathBuf,
    force: bool,
    done: bool,
}

impl OutDir {
    /// Checks `dest` (refusing an existing one unless `force`) and creates the staging
    /// directory.
    pub fn create(dest: &Path, force: bool) -> Result<OutDir> {
        if dest.exists() && !force {
            return Err(CliError::OutExists(dest.to_path_buf()));
        }
        let name = dest.file_name().ok_or_else(|| {
            CliError::invalid("--out", format!("{} has no directory name", dest.display()))
        })?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
        let staging = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| CliError::io(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| CliError::io(&staging, e))?;
        Ok(OutDir {
            dest: dest.to_path_buf(),
            staging,
            force,
            done: false,
        })
    }

    /// Path of `rel` inside the (staging) directory; parent directories are created.
    pub fn path(&self, rel: &str) -> Result<PathBuf> {
        let p = self.staging.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
        }
        Ok(p)
    }

    /// Writes `value` as pretty JSON to `rel`.
    pub fn json<T: Serialize>(&self, rel: &str, value: &T) -> Result<()> {
        let p = self.path(rel)?;
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Failed(format!("serialising {rel}: {e}")))?;
        fs::write(&p, text + "\n").map_err(|e| CliError::io(&p, e))
    }

    /// Starts an `.npz` archive at `rel`.
    pub fn npz(&self, rel: &str) -> Result<Npz> {
        let p = self.path(rel)?;
        let f = fs::File::create(&p).map_err(|e| CliError::io(&p, e))?;
        Ok(Npz {
            w: NpzWriter::new(f),
            path: p,
        })
    }

    /// Moves the finished directory into place (replacing an existing one with `--force`).
    pub fn finish(mut self) -> Result<PathBuf> {
        if self.dest.exists() {
            if !self.force {
                return Err(CliError::OutExists(self.dest.clone()));
            }
            let meta = fs::symlink_metadata(&self.dest).map_err(|e| CliError::io(&self.dest, e))?;
            if meta.is_dir() {
                fs::remove_dir_all(&self.dest)
            } else {
                fs::remove_file(&self.dest)
            }
            .map_err(|e| CliError::io(&self.dest, e))?;
        }
        fs::rename(&self.staging, &self.dest).map_err(|e| CliError::io(&self.dest, e))?;
        self.done = true;
        Ok(self.dest.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// An `.npz` archive being written (arrays readable by `numpy.load`).
pub struct Npz {
    w: NpzWriter<fs::File>,
    path: PathBuf,
}

impl Npz {
    /// Adds a 1-D array.
    pub fn vec(&mut self, name: &str, v: &[f64]) -> Result<&mut Self> {
        self.w
            .add_array(name, &Array1::from(v.to_vec()))
            .map_err(|e| CliError::Failed(format!("{}: {name}: {e}", self.path.display())))?;
        Ok(self)
    }

    /// Adds a row-major `rows`×`cols` array.
    pub fn mat(&mut self, name: &str, rows: usize, cols: usize, v: &[f64]) -> Result<&mut Self> {
        let a = Array2::from_shape_vec((rows, cols), v.to_vec())
            .map_err(|e| CliError::Failed(format!("{name}: {e}")))?;
        self.w
            .add_array(name, &a)
            .map_err(|e| CliError::Failed(format!("{}: {name}: {e}", self.path.display())))?;
        Ok(self)
    }

    /// Adds a row-major `a`×`b`×`c` array.
    pub fn arr3(
        &mut self,
        name: &str,
        a: usize,
        b: usize,
        c: usize,
        v: &[f64],
    ) -> Result<&mut Self> {
        let arr = Array3::from_shape_vec((a, b, c), v.to_vec())
            .map_err(|e| CliError::Failed(format!("{name}: {e}")))?;
        self.w
            .add_array(name, &arr)
            .map_err(|e| CliError::Failed(format!("{}: {name}: {e}", self.path.display())))?;
        Ok(self)
    }

    /// Finishes the archive.
    pub fn finish(self) -> Result<()> {
        let p = self.path;
        self.w
            .finish()
            .map(|_| ())
            .map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))
    }
}
