//! `.npz` files: a user's own data set, checkpoints with the reference's parameter names, and
//! the reference's oracle file.

use super::dataset::{Augment, Dataset};
use crate::error::{DeepError, Result};
use crate::params::{InputShape, NamedTensor};
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter};
use std::fs::File;
use std::path::Path;

/// One array of an `.npz` file, widened to `f64`, with its stored element type.
#[derive(Debug, Clone, PartialEq)]
pub struct NpzArray {
    /// Shape.
    pub shape: Vec<usize>,
    /// Values (row-major), converted to `f64` (exact for every supported type except
    /// 64-bit integers beyond 2⁵³).
    pub data: Vec<f64>,
    /// Whether the stored type was `uint8`.
    pub is_u8: bool,
    /// Whether the stored type was an integer type.
    pub is_int: bool,
}

/// An open `.npz` file.
pub struct Npz {
    path: std::path::PathBuf,
    r: NpzReader<File>,
}

impl Npz {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(|e| DeepError::file(path, e.to_string()))?;
        let r = NpzReader::new(f).map_err(|e| DeepError::file(path, e.to_string()))?;
        Ok(Npz {
            path: path.to_path_buf(),
            r,
        })
    }

    /// Names of the arrays (without `.npy`).
    pub fn names(&mut self) -> Result<Vec<String>> {
        self.r
            .names()
            .map_err(|e| DeepError::file(&self.path, e.to_string()))
    }

    /// Reads array `name` (f32, f64, u8, i64, i32, u16, bool-free numeric types).
    pub fn get(&mut self, name: &str) -> Result<NpzArray> {
        fn conv<T: Copy>(a: ArrayD<T>, f: impl Fn(T) -> f64) -> (Vec<usize>, Vec<f64>) {
            (a.shape().to_vec(), a.iter().map(|&v| f(v)).collect())
        }
        let names = self.names()?;
        if !names.iter().any(|n| n == name) {
            return Err(DeepError::file(
                &self.path,
                format!("no array named {name:?}"),
            ));
        }
        macro_rules! try_type {
            ($t:ty, $u8:expr, $int:expr) => {
                if let Ok(a) = self.r.by_name::<ndarray::OwnedRepr<$t>, IxDyn>(name) {
                    let (shape, data) = conv(a, |v| v as f64);
                    return Ok(NpzArray {
                        shape,
                        data,
                        is_u8: $u8,
                        is_int: $int,
                    });
                }
            };
        }
        try_type!(f32, false, false);
        try_type!(f64, false, false);
        try_type!(u8, true, true);
        try_type!(i64, false, true);
        try_type!(i32, false, true);
        try_type!(u16, false, true);
        try_type!(i16, false, true);
        try_type!(i8, false, true);
        try_type!(u32, false, true);
        try_type!(u64, false, true);
        Err(DeepError::file(
            &self.path,
            format!("array {name:?} has an unsupported element type"),
        ))
    }

    /// Every array whose name starts with `prefix`, as named tensors with the prefix removed
    /// (e.g. the oracle's `init/…` entries, or a checkpoint with `prefix` = "").
    pub fn tensors(&mut self, prefix: &str) -> Result<Vec<NamedTensor>> {
        let mut out = Vec::new();
        for n in self.names()? {
            if let Some(rest) = n.strip_prefix(prefix) {
                let a = self.get(&n)?;
                out.push(NamedTensor {
                    name: rest.to_string(),
                    shape: a.shape,
                    data: a.data,
                });
            }
        }
        Ok(out)
    }
}

/// Reads a checkpoint: every array of `path`; if the file holds `init/…` names (the oracle's
/// layout), only those, with the prefix removed.
pub fn read_checkpoint(path: &Path) -> Result<Vec<NamedTensor>> {
    let mut z = Npz::open(path)?;
    let has_init = z.names()?.iter().any(|n| n.starts_with("init/"));
    z.tensors(if has_init { "init/" } else { "" })
}

/// Writes tensors to `path` as float32 arrays (names as given, e.g. `conv1.weight`).
pub fn write_checkpoint(path: &Path, tensors: &[NamedTensor]) -> Result<()> {
    let f = File::create(path).map_err(|e| DeepError::file(path, e.to_string()))?;
    let mut w = NpzWriter::new(f);
    for t in tensors {
        let a = ArrayD::from_shape_vec(IxDyn(&t.shape), t.data.iter().map(|&v| v as f32).collect())
            .map_err(|e| DeepError::param(&t.name, e.to_string()))?;
        w.add_array(t.name.as_str(), &a)
            .map_err(|e| DeepError::file(path, e.to_string()))?;
    }
    w.finish()
        .map_err(|e| DeepError::file(path, e.to_string()))?;
    Ok(())
}

/// A user's data set: `x_train` (N×C×H×W), `y_train` (N), `x_test`, `y_test`; uint8 images
/// are scaled by 1/255, float images used as given; no augmentation, no normalisation.
/// A file with `data/x_train` etc. instead (the reference's oracle file) is read from there.
pub fn load_user(path: &Path) -> Result<Dataset> {
    let name = path.display().to_string();
    missing(path, &name)?;
    let mut z = Npz::open(path)?;
    let prefix = user_prefix(&mut z)?;
    read_prefixed(z, path, prefix, &name)
}

/// The numbers of training and test images of a user's `.npz` (from its label arrays only:
/// for progress and estimates before the images are loaded).
pub fn count_user(path: &Path) -> Result<(usize, usize)> {
    missing(path, &path.display().to_string())?;
    let mut z = Npz::open(path)?;
    let prefix = user_prefix(&mut z)?;
    let mut n = |key: &str| -> Result<usize> { Ok(z.get(&format!("{prefix}{key}"))?.data.len()) };
    Ok((n("y_train")?, n("y_test")?))
}

/// Where a user file's arrays are: at the top (`x_train`, …) or under `data/` (the oracle).
fn user_prefix(z: &mut Npz) -> Result<&'static str> {
    let names = z.names()?;
    let top = names.iter().any(|n| n == "x_train");
    Ok(if !top && names.iter().any(|n| n == "data/x_train") {
        "data/"
    } else {
        ""
    })
}

fn missing(path: &Path, name: &str) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    Err(DeepError::MissingFile {
        dataset: name.to_string(),
        path: path.to_path_buf(),
        tried: String::new(),
    })
}

/// As [`load_user`] with array names `<prefix>x_train` etc. (the oracle's `data/`).
pub fn load_prefixed(path: &Path, prefix: &str, name: &str) -> Result<Dataset> {
    missing(path, name)?;
    read_prefixed(Npz::open(path)?, path, prefix, name)
}

fn read_prefixed(mut z: Npz, path: &Path, prefix: &str, name: &str) -> Result<Dataset> {
    let mut images = |key: &str| -> Result<(Vec<usize>, Vec<f32>)> {
        let a = z.get(&format!("{prefix}{key}"))?;
        if a.shape.len() != 4 {
            return Err(DeepError::file(
                path,
                format!("{key} has shape {:?}, expected N×C×H×W", a.shape),
            ));
        }
        let scale = if a.is_u8 { 1.0 / 255.0 } else { 1.0 };
        Ok((
            a.shape,
            a.data.iter().map(|&v| (v * scale) as f32).collect(),
        ))
    };
    let (s_train, x_train) = images("x_train")?;
    let (s_test, x_test) = images("x_test")?;
    if s_train[1..] != s_test[1..] {
        return Err(DeepError::file(
            path,
            format!(
                "x_train images {:?} and x_test images {:?} differ",
                &s_train[1..],
                &s_test[1..]
            ),
        ));
    }
    let mut labels = |key: &str, n: usize| -> Result<Vec<u8>> {
        let a = z.get(&format!("{prefix}{key}"))?;
        if a.data.len() != n {
            return Err(DeepError::file(
                path,
                format!("{key} has {} labels for {n} images", a.data.len()),
            ));
        }
        a.data
            .iter()
            .map(|&v| {
                if (0.0..10.0).contains(&v) && v.fract() == 0.0 {
                    Ok(v as u8)
                } else {
                    Err(DeepError::file(
                        path,
                        format!("{key}: label {v} is not a class 0..9"),
                    ))
                }
            })
            .collect()
    };
    let y_train = labels("y_train", s_train[0])?;
    let y_test = labels("y_test", s_test[0])?;
    let d = Dataset {
        name: name.to_string(),
        shape: InputShape::new(s_train[1], s_train[2], s_train[3]),
        x_train,
        y_train,
        x_test,
        y_test,
        mean: Vec::new(),
        std: Vec::new(),
        augment: Augment::default(),
    };
    d.validate()?;
    Ok(d)
}
