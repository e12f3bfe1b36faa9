//! Output directories and files, written so that no user data is ever lost.
//!
//! * A directory is assembled in a hidden staging directory next to its destination
//!   (`.NAME.partial-PID`) and renamed into place only when everything has been written, so
//!   a failed or interrupted command never leaves a partial result behind.
//! * Every directory `sal` makes carries a marker file ([`MARKER`]) naming what it is (a run,
//!   a report, a set of figures). `--force` replaces an existing destination only if it is a
//!   directory of the same sort made by `sal` (the marker, or for directories written before
//!   markers existed, nothing but the files such a directory holds), and never one that holds
//!   an input of the command (the parameter file, an initial-conditions file, a sweep).
//! * The old directory is renamed aside first and removed only after the new one is in place.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2, Array3, ArrayD, IxDyn};
use ndarray_npy::NpzWriter;
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

/// Name of the marker file in every directory `sal` makes.
pub const MARKER: &str = ".sal-output.json";

/// What sort of directory an [`OutDir`] is: only a directory of the same sort is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// A run directory (`sal run`, a sweep point).
    Run,
    /// A report directory (`sal report`).
    Report,
    /// A directory of paper figures (`sal figure`).
    Figures,
}

impl Sort {
    /// The name written into the marker.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Run => "run",
            Sort::Report => "report",
            Sort::Figures => "figures",
        }
    }

    /// Whether a file name is one this sort of directory holds (for directories written
    /// before markers existed).
    fn owns_legacy(self, name: &str) -> bool {
        let ext = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        match self {
            Sort::Run => matches!(
                name,
                "config.resolved.yaml" | "metrics.json" | "arrays.npz" | "run.json" | "figures"
            ),
            Sort::Report | Sort::Figures => {
                matches!(ext.as_str(), "png" | "svg" | "csv" | "json" | "npz")
            }
        }
    }

    /// The file every legacy directory of this sort has.
    fn legacy_signature(self) -> &'static str {
        match self {
            Sort::Run => "metrics.json",
            Sort::Report => "table.csv",
            Sort::Figures => "manifest.json",
        }
    }
}

/// Why `dir` may not be replaced by a directory of sort `sort`, if it may not.
fn replace_refusal(dir: &Path, sort: Sort, inputs: &[PathBuf]) -> Option<String> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(_) => return None,
    };
    if !meta.is_dir() {
        return Some(if meta.file_type().is_symlink() {
            "it is a symbolic link, not a directory made by sal".into()
        } else {
            "it is a file, not a directory made by sal".into()
        });
    }
    if let Ok(canon) = dir.canonicalize() {
        for i in inputs {
            let ci = i.canonicalize().unwrap_or_else(|_| i.clone());
            if ci.starts_with(&canon) {
                return Some(format!(
                    "it holds an input of this command ({})",
                    i.display()
                ));
            }
        }
    }
    match fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => {
            let kind = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["sort"].as_str().map(str::to_string));
            match kind {
                Some(k) if k == sort.name() => None,
                Some(k) => Some(format!(
                    "it is a {k} directory, not a {} directory",
                    sort.name()
                )),
                None => Some(format!("its marker {MARKER} is unreadable")),
            }
        }
        Err(_) => {
            let entries: Vec<String> = match fs::read_dir(dir) {
                Ok(rd) => rd
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(e) => return Some(format!("it cannot be read ({e})")),
            };
            let foreign: Vec<&String> = entries.iter().filter(|n| !sort.owns_legacy(n)).collect();
            if !entries.iter().any(|n| n == sort.legacy_signature()) || !foreign.is_empty() {
                Some(format!(
                    "it was not made by sal as a {} directory{}",
                    sort.name(),
                    if foreign.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (it holds {})",
                            foreign
                                .iter()
                                .take(3)
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ))
            } else {
                None
            }
        }
    }
}

/// Writes the marker of a directory of sort `sort` into `dir`.
pub fn write_marker(dir: &Path, sort: &str) -> Result<()> {
    let p = dir.join(MARKER);
    let text = serde_json::json!({
        "tool": "sal",
        "sort": sort,
        "note": "made by sal; sal replaces or removes this directory only with --force and only as what this file names",
    });
    fs::write(&p, text.to_string() + "\n").map_err(|e| Error::io(&p, e))
}

/// Whether `dir` carries sal's marker of sort `sort`.
pub fn has_marker(dir: &Path, sort: &str) -> bool {
    fs::read_to_string(dir.join(MARKER))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["sort"] == sort)
}

/// One array of an `.npz` archive: a name, a shape and the values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Name in the archive.
    pub name: String,
    /// Shape (1 to 3 axes in our files).
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f64>,
}

impl Array {
    /// A 1-D array.
    pub fn vec(name: impl Into<String>, v: &[f64]) -> Array {
        Array {
            name: name.into(),
            shape: vec![v.len()],
            data: v.to_vec(),
        }
    }

    /// A row-major `rows`×`cols` array.
    pub fn mat(name: impl Into<String>, rows: usize, cols: usize, v: Vec<f64>) -> Array {
        Array {
            name: name.into(),
            shape: vec![rows, cols],
            data: v,
        }
    }

    /// A row-major `a`×`b`×`c` array.
    pub fn arr3(name: impl Into<String>, a: usize, b: usize, c: usize, v: Vec<f64>) -> Array {
        Array {
            name: name.into(),
            shape: vec![a, b, c],
            data: v,
        }
    }
}

/// Writes `arrays` as an `.npz` archive at `path` (readable by `numpy.load`).
pub fn write_npz(path: &Path, arrays: &[Array]) -> Result<()> {
    let f = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = NpzWriter::new(f);
    let fail = |name: &str, e: &dyn std::fmt::Display| {
        Error::Failed(format!("{}: {name}: {e}", path.display()))
    };
    for a in arrays {
        let n = a.shape.iter().product::<usize>();
        if n != a.data.len() {
            return Err(fail(
                &a.name,
                &format!("shape {:?} does not hold {} values", a.shape, a.data.len()),
            ));
        }
        let r = match a.shape.as_slice() {
            [_] => w.add_array(a.name.as_str(), &Array1::from(a.data.clone())),
            &[r, c] => w.add_array(
                a.name.as_str(),
                &Array2::from_shape_vec((r, c), a.data.clone()).expect("checked"),
            ),
            &[x, y, z] => w.add_array(
                a.name.as_str(),
                &Array3::from_shape_vec((x, y, z), a.data.clone()).expect("checked"),
            ),
            s => w.add_array(
                a.name.as_str(),
                &ArrayD::from_shape_vec(IxDyn(s), a.data.clone()).expect("checked"),
            ),
        };
        r.map_err(|e| fail(&a.name, &e))?;
    }
    w.finish().map(|_| ()).map_err(|e| fail("archive", &e))
}

/// Runs `draw` (figures drawn after the results are written) and turns its failure — an
/// error or a panic in the plotting code — into a warning text: a figure that cannot be drawn
/// never costs a result. `None` when it succeeded.
pub fn catch_figures(draw: impl FnOnce() -> Result<()>) -> Option<String> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw));
    match r {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(p) => Some(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the plotting code panicked".into()),
        ),
    }
}

/// A directory being written (see the module docs).
pub struct OutDir {
    dest: PathBuf,
    staging: PathBuf,
    sort: Sort,
    inputs: Vec<PathBuf>,
    done: bool,
}

impl OutDir {
    /// Checks `dest` and creates the staging directory. An existing `dest` is refused unless
    /// `force`, and with `force` it must be a directory of the same `sort` made by sal that
    /// holds none of `inputs` (files or directories the command reads).
    pub fn create(dest: &Path, force: bool, sort: Sort, inputs: &[PathBuf]) -> Result<OutDir> {
        if fs::symlink_metadata(dest).is_ok() {
            if !force {
                return Err(Error::OutExists(dest.to_path_buf()));
            }
            if let Some(why) = replace_refusal(dest, sort, inputs) {
                return Err(Error::protected(dest, why));
            }
        }
        let name = dest.file_name().ok_or_else(|| {
            Error::invalid("--out", format!("{} has no directory name", dest.display()))
        })?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let staging = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if fs::symlink_metadata(&staging).is_ok() {
            // Left by a killed process that had our process id: ours only if it is marked.
            if !has_marker(&staging, "partial") {
                return Err(Error::protected(
                    &staging,
                    "it is in the way of this command's staging directory and was not made by sal",
                ));
            }
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        write_marker(&staging, "partial")?;
        Ok(OutDir {
            dest: dest.to_path_buf(),
            staging,
            sort,
            inputs: inputs.to_vec(),
            done: false,
        })
    }

    /// The final destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Path of `rel` inside the (staging) directory; parent directories are created.
    pub fn path(&self, rel: &str) -> Result<PathBuf> {
        let p = self.staging.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        Ok(p)
    }

    /// Writes `text` to `rel`.
    pub fn text(&self, rel: &str, text: &str) -> Result<()> {
        let p = self.path(rel)?;
        fs::write(&p, text).map_err(|e| Error::io(&p, e))
    }

    /// Writes `value` as pretty JSON to `rel`.
    pub fn json<T: Serialize>(&self, rel: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Failed(format!("serialising {rel}: {e}")))?;
        self.text(rel, &(text + "\n"))
    }

    /// Writes `arrays` as an `.npz` archive at `rel`.
    pub fn arrays(&self, rel: &str, arrays: &[Array]) -> Result<()> {
        write_npz(&self.path(rel)?, arrays)
    }

    /// Starts an `.npz` archive at `rel`, filled array by array.
    pub fn npz(&self, rel: &str) -> Result<Npz> {
        let p = self.path(rel)?;
        Ok(Npz {
            arrays: Vec::new(),
            path: Some(p),
        })
    }

    /// Moves the finished directory into place. An existing destination (allowed by
    /// `create` with `force`) is checked again, renamed aside, and removed only once the new
    /// directory is in place.
    pub fn finish(mut self) -> Result<PathBuf> {
        write_marker(&self.staging, self.sort.name())?;
        let mut old = None;
        if fs::symlink_metadata(&self.dest).is_ok() {
            if let Some(why) = replace_refusal(&self.dest, self.sort, &self.inputs) {
                return Err(Error::protected(&self.dest, why));
            }
            let aside = self.staging.with_file_name(format!(
                ".{}.replaced-{}",
                self.dest
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            fs::rename(&self.dest, &aside).map_err(|e| Error::io(&self.dest, e))?;
            old = Some(aside);
        }
        if let Err(e) = fs::rename(&self.staging, &self.dest) {
            if let Some(aside) = &old {
                let _ = fs::rename(aside, &self.dest);
            }
            return Err(Error::io(&self.dest, e));
        }
        self.done = true;
        if let Some(aside) = old {
            fs::remove_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
        }
        Ok(self.dest.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        // The staging directory is this command's own: created by `create`, never renamed.
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// An `.npz` archive being filled (written by [`Npz::finish`]), or a list of arrays built
/// in memory ([`Npz::memory`], taken by [`Npz::into_arrays`]).
pub struct Npz {
    arrays: Vec<Array>,
    path: Option<PathBuf>,
}

impl Npz {
    /// Arrays collected in memory.
    pub fn memory() -> Npz {
        Npz {
            arrays: Vec::new(),
            path: None,
        }
    }

    /// The arrays added so far.
    pub fn into_arrays(self) -> Vec<Array> {
        self.arrays
    }

    /// Adds a 1-D array.
    pub fn vec(&mut self, name: &str, v: &[f64]) -> Result<&mut Self> {
        self.arrays.push(Array::vec(name, v));
        Ok(self)
    }

    /// Adds a row-major `rows`×`cols` array.
    pub fn mat(&mut self, name: &str, rows: usize, cols: usize, v: &[f64]) -> Result<&mut Self> {
        self.arrays.push(Array::mat(name, rows, cols, v.to_vec()));
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
        self.arrays.push(Array::arr3(name, a, b, c, v.to_vec()));
        Ok(self)
    }

    /// Writes the archive (nothing for an in-memory one).
    pub fn finish(self) -> Result<()> {
        match &self.path {
            Some(p) => write_npz(p, &self.arrays),
            None => Ok(()),
        }
    }
}

/// A number for JSON output: NaN and ±∞ (which JSON cannot hold) become `null`.
pub fn js(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else {
        serde_json::Value::Null
    }
}
