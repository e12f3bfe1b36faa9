//! The in-memory data set and batch assembly (augmentation, normalisation).

use crate::error::{DeepError, Result};
use crate::params::{CLASSES, InputShape};
use rand_core::Rng;
use std::path::PathBuf;

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

impl Dataset {
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
