//! IDX files (MNIST, Fashion-MNIST, the shipped digits), raw or gzip-compressed.

use super::dataset::{Augment, Dataset, find_file};
use crate::error::{DeepError, Result};
use crate::params::InputShape;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads a file, decompressing it if it starts with the gzip magic bytes.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| DeepError::file(path, e.to_string()))?;
    gunzip_if_needed(bytes).map_err(|r| DeepError::file(path, r))
}

pub(crate) fn gunzip_if_needed(bytes: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("gzip: {e}"))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// Parses an unsigned-byte IDX file with `ndim` dimensions (magic 0x0000_08nn, big-endian
/// sizes); returns the sizes and the data.
pub fn parse_idx(bytes: &[u8], ndim: usize) -> std::result::Result<(Vec<usize>, Vec<u8>), String> {
    if bytes.len() < 4 + 4 * ndim {
        return Err(format!(
            "{} bytes is too short for an IDX header",
            bytes.len()
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let want = 0x0800 | ndim as u32;
    if magic != want {
        return Err(format!(
            "IDX magic {magic:#010x}, expected {want:#010x} (unsigned bytes, {ndim} dimensions)"
        ));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let n: usize = dims.iter().product();
    let data = &bytes[4 + 4 * ndim..];
    if data.len() != n {
        return Err(format!(
            "{} data bytes for dimensions {dims:?} ({n} expected)",
            data.len()
        ));
    }
    Ok((dims, data.to_vec()))
}

/// MNIST-layout IDX files of data set `name` in `dir` or one of its `subdirs`.
pub(crate) fn load_idx(
    name: &str,
    dir: &Path,
    subdirs: &[&str],
    mean: f32,
    std: f32,
) -> Result<Dataset> {
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
