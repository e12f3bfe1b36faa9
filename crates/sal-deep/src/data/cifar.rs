//! CIFAR-10 binary batches.

use super::dataset::{Augment, Dataset, find_file};
use crate::error::{DeepError, Result};
use crate::params::{CLASSES, InputShape};
use std::path::{Path, PathBuf};

/// CIFAR-10 binary batches: records of 1 label byte + 3·32·32 pixel bytes (channel-major).
pub(crate) fn load_cifar10(dir: &Path) -> Result<Dataset> {
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
