//! IDX files (MNIST, Fashion-MNIST, the shipped digits), raw or gzip-compressed.

use crate::error::{DeepError, Result};
use std::io::Read;
use std::path::Path;

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
