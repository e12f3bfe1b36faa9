//! SVHN cropped digits (`*_32x32.mat`).

use super::dataset::{Augment, Dataset, find_file};
use crate::error::{DeepError, Result};
use crate::params::InputShape;
use std::path::Path;

/// SVHN cropped digits: `train_32x32.mat` and `test_32x32.mat` (MATLAB v5; `X` 32×32×3×N
/// uint8 in MATLAB's column-major order, `y` N×1 with label 10 meaning digit 0).
pub(crate) fn load_svhn(dir: &Path) -> Result<Dataset> {
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
