//! The 8×8 handwritten digits shipped with the crate (UCI optdigits via scikit-learn,
//! CC BY 4.0; see `data/digits/README.md`), upsampled to 1×32×32.

use super::dataset::{Augment, Dataset};
use super::idx::{gunzip_if_needed, parse_idx};
use crate::params::InputShape;

/// Training images: the first 1,347 in the file's (scikit-learn's) order.
pub const DIGITS_TRAIN: usize = 1347;
/// Test images: the last 450.
pub const DIGITS_TEST: usize = 450;

const IMAGES: &[u8] = include_bytes!("../../data/digits/digits-images-idx3-ubyte.gz");
const LABELS: &[u8] = include_bytes!("../../data/digits/digits-labels-idx1-ubyte.gz");

/// Upsampling factor 8 → 32.
const UP: usize = 4;

/// The shipped digits: 1,347 training and 450 test images of 1×32×32 (pixels ÷ 16, each
/// repeated as a 4×4 block), normalised with the training set's mean and standard
/// deviation; no augmentation.
pub fn digits() -> Dataset {
    let (dims, px) = parse_idx(
        &gunzip_if_needed(IMAGES.to_vec()).expect("shipped digits"),
        3,
    )
    .expect("shipped digits");
    let (_, labels) = parse_idx(
        &gunzip_if_needed(LABELS.to_vec()).expect("shipped labels"),
        1,
    )
    .expect("shipped labels");
    let n = dims[0];
    assert_eq!(
        (n, dims[1], dims[2], labels.len()),
        (DIGITS_TRAIN + DIGITS_TEST, 8, 8, n)
    );
    let side = 8 * UP;
    let mut x = Vec::with_capacity(n * side * side);
    for img in px.chunks(64) {
        for y in 0..side {
            for xx in 0..side {
                x.push(img[(y / UP) * 8 + xx / UP] as f32 / 16.0);
            }
        }
    }
    let split = DIGITS_TRAIN * side * side;
    let x_test = x.split_off(split);
    let m = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
    let s = (x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    Dataset {
        name: "digits".into(),
        shape: InputShape::new(1, side, side),
        x_train: x,
        y_train: labels[..DIGITS_TRAIN].to_vec(),
        x_test,
        y_test: labels[DIGITS_TRAIN..].to_vec(),
        mean: vec![m as f32],
        std: vec![s as f32],
        augment: Augment::default(),
    }
}
