//! Data sets of deep.md §1.4 and their preprocessing: MNIST and Fashion-MNIST (IDX files,
//! raw or gzip), CIFAR-10 (binary batches), a user's `.npz`, and the 8×8 handwritten digits
//! shipped with this crate (upsampled to 1×32×32). Pixels are stored scaled to [0, 1];
//! augmentation (random crop with zero padding, horizontal flip) and per-channel
//! normalisation are applied when a batch is assembled, in torchvision's order (crop, flip,
//! then normalise, so padding is black before normalisation).

mod digits;
mod idx;
pub mod npz;

pub use digits::{DIGITS_TEST, DIGITS_TRAIN, digits};
pub use idx::{parse_idx, read_maybe_gz};

use crate::error::{DeepError, Result};
use crate::params::{CLASSES, InputShape};
use rand_core::Rng;
use std::path::{Path, PathBuf};

/// Training augmentation of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Augment {
    /// Zero padding of the random crop (4 for CIFAR-10/SVHN, 0 = no crop).
    pub crop_pad: usize,
    /// Random horizontal flip with probability 1/2.
    pub hflip: bool,
}

/// A labelled image data set in memory (N×C×H×W, pixels in [0, 1] unless user floats).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Name (`mnist`, `cifar10`, `digits`, or the `.npz` path).
    pub name: String,
    /// Image shape.
    pub shape: InputShape,
    /// Training images, NCHW.
    pub x_train: Vec<f32>,
    /// Training labels 0..9.
    pub y_train: Vec<u8>,
    /// Test images, NCHW.
    pub x_test: Vec<f32>,
    /// Test labels 0..9.
    pub y_test: Vec<u8>,
    /// Per-channel normalisation (mean, std); empty = none.
    pub mean: Vec<f32>,
    /// Per-channel std (see `mean`).
    pub std: Vec<f32>,
    /// Training augmentation.
    pub augment: Augment,
}

/// The data sets a run can name.
pub const DATASETS: [&str; 5] = ["cifar10", "svhn", "mnist", "fashion_mnist", "digits"];

impl Dataset {
    /// Loads `name` (`cifar10`, `mnist`, `fashion_mnist`, `digits`, or a path ending in
    /// `.npz`) from `data_dir` (ignored for `digits` and `.npz` paths).
    pub fn load(name: &str, data_dir: &Path) -> Result<Self> {
        if name.ends_with(".npz") {
            return npz::load_user(Path::new(name));
        }
        match name {
            "digits" => Ok(digits()),
            "mnist" => load_idx(name, data_dir, &["MNIST/raw", "mnist", "MNIST"], 0.13, 0.30),
            "fashion_mnist" => load_idx(
                name,
                data_dir,
                &[
                    "FashionMNIST/raw",
                    "fashion_mnist",
                    "fashion-mnist",
                    "FashionMNIST",
                ],
                0.29,
                0.32,
            ),
            "cifar10" => load_cifar10(data_dir),
            "svhn" => load_svhn(data_dir),
            _ => Err(DeepError::UnknownDataset(name.to_string())),
        }
    }

    /// Number of training images.
    pub fn n_train(&self) -> usize {
        self.y_train.len()
    }

    /// Number of test images.
    pub fn n_test(&self) -> usize {
        self.y_test.len()
    }

    /// Checks internal consistency (sizes, labels < 10, normalisation per channel).
    pub fn validate(&self) -> Result<()> {
        let len = self.shape.len();
        let bad = |what: &str, reason: String| {
            Err(DeepError::config(&format!("{}: {what}", self.name), reason))
        };
        if self.x_train.len() != self.y_train.len() * len {
            return bad(
                "x_train",
                format!(
                    "{} values for {} images of {}",
                    self.x_train.len(),
                    self.y_train.len(),
                    self.shape
                ),
            );
        }
        if self.x_test.len() != self.y_test.len() * len {
            return bad(
                "x_test",
                format!(
                    "{} values for {} images of {}",
                    self.x_test.len(),
                    self.y_test.len(),
                    self.shape
                ),
            );
        }
        if let Some(y) = self
            .y_train
            .iter()
            .chain(&self.y_test)
            .find(|&&y| y as usize >= CLASSES)
        {
            return bad("labels", format!("label {y} is not a class 0..9"));
        }
        if !(self.mean.is_empty()
            || self.mean.len() == self.shape.c && self.std.len() == self.shape.c)
        {
            return bad("normalisation", "needs one mean and std per channel".into());
        }
        Ok(())
    }

    pub(crate) fn check_shape(&self, shape: InputShape) -> Result<()> {
        if self.shape != shape {
            return Err(DeepError::config(
                "dataset",
                format!(
                    "{} has images of {}, the network expects {shape}",
                    self.name, self.shape
                ),
            ));
        }
        Ok(())
    }

    fn normalise(&self, img: &mut [f32]) {
        if self.mean.is_empty() {
            return;
        }
        let hw = self.shape.h * self.shape.w;
        for (c, plane) in img.chunks_mut(hw).enumerate() {
            let (m, s) = (self.mean[c], self.std[c]);
            for v in plane {
                *v = (*v - m) / s;
            }
        }
    }

    /// Assembles the training images `idx` (augmented with draws from `rng` if given, then
    /// normalised) into `x` (NCHW) and their labels into `y`.
    pub fn train_batch<R: Rng>(
        &self,
        idx: &[usize],
        mut rng: Option<&mut R>,
        x: &mut Vec<f32>,
        y: &mut Vec<u8>,
    ) {
        let len = self.shape.len();
        x.clear();
        y.clear();
        let (h, w) = (self.shape.h, self.shape.w);
        for &i in idx {
            let src = &self.x_train[i * len..(i + 1) * len];
            let start = x.len();
            match rng.as_deref_mut() {
                Some(rng) if self.augment != Augment::default() => {
                    let p = self.augment.crop_pad;
                    let (top, left) = if p > 0 {
                        let r = 2 * p as u64 + 1;
                        ((rng.next_u64() % r) as usize, (rng.next_u64() % r) as usize)
                    } else {
                        (p, p)
                    };
                    let flip = self.augment.hflip && rng.next_u64() >> 63 == 1;
                    for c in 0..self.shape.c {
                        for yy in 0..h {
                            for xx in 0..w {
                                let sx = if flip { w - 1 - xx } else { xx };
                                // Padded coordinates (yy + top, sx + left) → source − p.
                                let (py, px) = (
                                    (yy + top) as isize - p as isize,
                                    (sx + left) as isize - p as isize,
                                );
                                let v =
                                    if py >= 0 && px >= 0 && (py as usize) < h && (px as usize) < w
                                    {
                                        src[c * h * w + py as usize * w + px as usize]
                                    } else {
                                        0.0
                                    };
                                x.push(v);
                            }
                        }
                    }
                }
                _ => x.extend_from_slice(src),
            }
            self.normalise(&mut x[start..]);
            y.push(self.y_train[i]);
        }
    }

    /// Assembles the (normalised, never augmented) test images `idx`.
    pub fn test_batch(&self, idx: &[usize], x: &mut Vec<f32>, y: &mut Vec<u8>) {
        let len = self.shape.len();
        x.clear();
        y.clear();
        for &i in idx {
            let start = x.len();
            x.extend_from_slice(&self.x_test[i * len..(i + 1) * len]);
            self.normalise(&mut x[start..]);
            y.push(self.y_test[i]);
        }
    }
}

/// The first of `candidates` that exists, or a [`DeepError::MissingFile`] naming the first
/// and listing the others.
pub(crate) fn find_file(dataset: &str, candidates: &[PathBuf]) -> Result<PathBuf> {
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let tried = if candidates.len() > 1 {
        format!(
            " (also looked for {})",
            candidates[1..]
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    Err(DeepError::MissingFile {
        dataset: dataset.to_string(),
        path: candidates[0].clone(),
        tried,
    })
}

fn load_idx(name: &str, dir: &Path, subdirs: &[&str], mean: f32, std: f32) -> Result<Dataset> {
    let find = |base: &str| -> Result<PathBuf> {
        let mut c = Vec::new();
        for sub in std::iter::once("").chain(subdirs.iter().copied()) {
            let d = if sub.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(sub)
            };
            c.push(d.join(base));
            c.push(d.join(format!("{base}.gz")));
        }
        find_file(name, &c)
    };
    let read_images = |base: &str| -> Result<(Vec<f32>, usize, usize, usize)> {
        let path = find(base)?;
        let (dims, bytes) =
            parse_idx(&read_maybe_gz(&path)?, 3).map_err(|r| DeepError::file(&path, r))?;
        Ok((
            bytes.iter().map(|&b| b as f32 / 255.0).collect(),
            dims[0],
            dims[1],
            dims[2],
        ))
    };
    let read_labels = |base: &str, n: usize| -> Result<Vec<u8>> {
        let path = find(base)?;
        let (dims, bytes) =
            parse_idx(&read_maybe_gz(&path)?, 1).map_err(|r| DeepError::file(&path, r))?;
        if dims[0] != n {
            return Err(DeepError::file(
                &path,
                format!("{} labels for {n} images", dims[0]),
            ));
        }
        Ok(bytes)
    };
    let (x_train, n, h, w) = read_images("train-images-idx3-ubyte")?;
    let y_train = read_labels("train-labels-idx1-ubyte", n)?;
    let (x_test, nt, ht, wt) = read_images("t10k-images-idx3-ubyte")?;
    if (ht, wt) != (h, w) {
        return Err(DeepError::config(
            "dataset",
            format!("{name}: test images are {ht}×{wt}, training images {h}×{w}"),
        ));
    }
    let y_test = read_labels("t10k-labels-idx1-ubyte", nt)?;
    let d = Dataset {
        name: name.to_string(),
        shape: InputShape::new(1, h, w),
        x_train,
        y_train,
        x_test,
        y_test,
        mean: vec![mean],
        std: vec![std],
        augment: Augment {
            crop_pad: 0,
            hflip: true,
        },
    };
    d.validate()?;
    Ok(d)
}

/// CIFAR-10 binary batches: records of 1 label byte + 3·32·32 pixel bytes (channel-major).
fn load_cifar10(dir: &Path) -> Result<Dataset> {
    let subdirs = ["", "cifar-10-batches-bin"];
    let find = |base: &str| -> Result<PathBuf> {
        let c: Vec<PathBuf> = subdirs
            .iter()
            .map(|s| {
                if s.is_empty() {
                    dir.join(base)
                } else {
                    dir.join(s).join(base)
                }
            })
            .collect();
        find_file("cifar10", &c)
    };
    let read = |files: &[String], x: &mut Vec<f32>, y: &mut Vec<u8>| -> Result<()> {
        for f in files {
            let path = find(f)?;
            let bytes = std::fs::read(&path).map_err(|e| DeepError::file(&path, e.to_string()))?;
            parse_cifar(&bytes, x, y).map_err(|r| DeepError::file(&path, r))?;
        }
        Ok(())
    };
    let (mut x_train, mut y_train, mut x_test, mut y_test) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let train: Vec<String> = (1..=5).map(|i| format!("data_batch_{i}.bin")).collect();
    read(&train, &mut x_train, &mut y_train)?;
    read(&["test_batch.bin".to_string()], &mut x_test, &mut y_test)?;
    let d = Dataset {
        name: "cifar10".into(),
        shape: InputShape::new(3, 32, 32),
        x_train,
        y_train,
        x_test,
        y_test,
        mean: vec![0.49, 0.48, 0.44],
        std: vec![0.20, 0.20, 0.20],
        augment: Augment {
            crop_pad: 4,
            hflip: true,
        },
    };
    d.validate()?;
    Ok(d)
}

/// Appends the records of one CIFAR-10 binary batch.
pub fn parse_cifar(
    bytes: &[u8],
    x: &mut Vec<f32>,
    y: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    const REC: usize = 1 + 3 * 32 * 32;
    if bytes.is_empty() || !bytes.len().is_multiple_of(REC) {
        return Err(format!(
            "{} bytes is not a whole number of {REC}-byte CIFAR-10 records",
            bytes.len()
        ));
    }
    for rec in bytes.chunks(REC) {
        if rec[0] as usize >= CLASSES {
            return Err(format!("label {} is not a class 0..9", rec[0]));
        }
        y.push(rec[0]);
        x.extend(rec[1..].iter().map(|&b| b as f32 / 255.0));
    }
    Ok(())
}

/// SVHN cropped digits: `train_32x32.mat` and `test_32x32.mat` (MATLAB v5; `X` 32×32×3×N
/// uint8 in MATLAB's column-major order, `y` N×1 with label 10 meaning digit 0).
fn load_svhn(dir: &Path) -> Result<Dataset> {
    let read = |base: &str| -> Result<(Vec<f32>, Vec<u8>)> {
        let path = find_file(
            "svhn",
            &[
                dir.join(base),
                dir.join("svhn").join(base),
                dir.join("SVHN").join(base),
            ],
        )?;
        let f = std::fs::File::open(&path).map_err(|e| DeepError::file(&path, e.to_string()))?;
        let m = matfile::MatFile::parse(std::io::BufReader::new(f))
            .map_err(|e| DeepError::file(&path, format!("MATLAB file: {e}")))?;
        parse_svhn(&m).map_err(|r| DeepError::file(&path, r))
    };
    let (x_train, y_train) = read("train_32x32.mat")?;
    let (x_test, y_test) = read("test_32x32.mat")?;
    let d = Dataset {
        name: "svhn".into(),
        shape: InputShape::new(3, 32, 32),
        x_train,
        y_train,
        x_test,
        y_test,
        mean: vec![0.44, 0.44, 0.47],
        std: vec![0.12, 0.12, 0.11],
        augment: Augment {
            crop_pad: 4,
            hflip: true,
        },
    };
    d.validate()?;
    Ok(d)
}

fn mat_values(a: &matfile::Array) -> Vec<f64> {
    use matfile::NumericData as N;
    match a.data() {
        N::Int8 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::UInt8 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::Int16 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::UInt16 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::Int32 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::UInt32 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::Int64 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::UInt64 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::Single { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::Double { real, .. } => real.clone(),
    }
}

/// Images (NCHW, ÷255) and labels (10 → 0) of a parsed SVHN file.
fn parse_svhn(m: &matfile::MatFile) -> std::result::Result<(Vec<f32>, Vec<u8>), String> {
    let x = m.find_by_name("X").ok_or("no array X")?;
    let y = m.find_by_name("y").ok_or("no array y")?;
    let s = x.size();
    if s.len() != 4 || s[0] != 32 || s[1] != 32 || s[2] != 3 {
        return Err(format!("X has size {s:?}, expected 32×32×3×N"));
    }
    let n = s[3];
    let xv = mat_values(x);
    let yv = mat_values(y);
    if yv.len() != n {
        return Err(format!("y has {} labels for {n} images", yv.len()));
    }
    let labels = yv
        .iter()
        .map(|&v| match v as i64 {
            10 => Ok(0u8),
            l @ 0..=9 if v.fract() == 0.0 => Ok(l as u8),
            _ => Err(format!("label {v} is not 1..10")),
        })
        .collect::<std::result::Result<Vec<u8>, String>>()?;
    let mut out = vec![0f32; n * 3072];
    // MATLAB column-major: X(i, j, c, k) at i + 32·j + 1024·c + 3072·k (row i, column j).
    for k in 0..n {
        for c in 0..3 {
            for i in 0..32 {
                for j in 0..32 {
                    out[k * 3072 + c * 1024 + i * 32 + j] =
                        (xv[i + 32 * j + 1024 * c + 3072 * k] / 255.0) as f32;
                }
            }
        }
    }
    Ok((out, labels))
}
