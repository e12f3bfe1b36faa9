//! Readers on small files the test writes in each exact format, the shipped digits with
//! their documented split, and the training augmentation.

use flate2::Compression;
use flate2::write::GzEncoder;
use ndarray::{Array1, Array4};
use ndarray_npy::NpzWriter;
use sal_deep::data::{self, Augment, DIGITS_TEST, DIGITS_TRAIN, Dataset, digits};
use sal_deep::{DeepError, InputShape};
use std::io::Write;
use std::path::{Path, PathBuf};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sal-deep-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

fn write(path: &Path, bytes: &[u8], gz: bool) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if gz {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        std::fs::write(
            PathBuf::from(format!("{}.gz", path.display())),
            e.finish().unwrap(),
        )
        .unwrap();
    } else {
        std::fs::write(path, bytes).unwrap();
    }
}

/// Writes an MNIST-layout set: 3 training and 2 test images of 4×5 with pixels p(i) = 7·i + n.
fn write_idx_set(dir: &Path, gz: bool) {
    let px = |n: usize, off: usize| {
        (0..n * 20)
            .map(|i| ((7 * i + off) % 256) as u8)
            .collect::<Vec<u8>>()
    };
    write(
        &dir.join("train-images-idx3-ubyte"),
        &idx(&[3, 4, 5], &px(3, 0)),
        gz,
    );
    write(
        &dir.join("train-labels-idx1-ubyte"),
        &idx(&[3], &[3, 1, 4]),
        gz,
    );
    write(
        &dir.join("t10k-images-idx3-ubyte"),
        &idx(&[2, 4, 5], &px(2, 1)),
        gz,
    );
    write(&dir.join("t10k-labels-idx1-ubyte"), &idx(&[2], &[9, 0]), gz);
}

#[test]
fn mnist_and_fashion_idx_raw_and_gzip() {
    let dir = tmpdir("idx");
    write_idx_set(&dir, false);
    let d = data::load("mnist", &dir).unwrap();
    assert_eq!(d.shape, InputShape::new(1, 4, 5));
    assert_eq!(
        (d.y_train.clone(), d.y_test.clone()),
        (vec![3, 1, 4], vec![9, 0])
    );
    assert_eq!(d.x_train[47], (7 * 47 % 256) as f32 / 255.0);
    assert_eq!(d.x_test[39], ((7 * 39 + 1) % 256) as f32 / 255.0);
    assert_eq!((d.mean.clone(), d.std.clone()), (vec![0.13], vec![0.30]));
    assert_eq!(
        d.augment,
        Augment {
            crop_pad: 0,
            hflip: true
        }
    );
    // Test batches are normalised, never augmented.
    let (mut x, mut y) = (Vec::new(), Vec::new());
    d.test_batch(&[1], &mut x, &mut y);
    assert_eq!(y, vec![0]);
    assert_eq!(x[0], (d.x_test[20] - 0.13) / 0.30);

    // Fashion-MNIST in torchvision's layout, gzip-compressed.
    let fdir = tmpdir("fidx");
    write_idx_set(&fdir.join("FashionMNIST/raw"), true);
    let f = data::load("fashion_mnist", &fdir).unwrap();
    assert_eq!(
        (f.x_train.clone(), f.y_train.clone()),
        (d.x_train.clone(), d.y_train.clone())
    );
    assert_eq!(f.mean, vec![0.29]);

    // A missing file is named.
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte")).unwrap();
    let e = data::load("mnist", &dir).unwrap_err();
    assert!(matches!(e, DeepError::MissingFile { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("mnist: missing file") && msg.contains("t10k-labels-idx1-ubyte"),
        "{msg}"
    );
    // A corrupt file is named with the reason.
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx(&[3], &[1, 2, 3])).unwrap();
    let msg = data::load("mnist", &dir).unwrap_err().to_string();
    assert!(
        msg.contains("t10k-labels-idx1-ubyte") && msg.contains("3 labels for 2 images"),
        "{msg}"
    );
    assert!(matches!(
        data::load("imagenet", &dir),
        Err(DeepError::UnknownDataset(_))
    ));
}

#[test]
fn cifar10_binary_batches() {
    let dir = tmpdir("cifar").join("cifar-10-batches-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let rec = |label: u8, off: usize| {
        let mut v = vec![label];
        v.extend((0..3072).map(|i| ((i * 3 + off) % 256) as u8));
        v
    };
    for b in 1..=5u8 {
        let mut bytes = rec(b, b as usize);
        bytes.extend(rec(b + 1, 100 + b as usize));
        std::fs::write(dir.join(format!("data_batch_{b}.bin")), bytes).unwrap();
    }
    let base = dir.parent().unwrap();
    let e = data::load("cifar10", base).unwrap_err().to_string();
    assert!(e.contains("test_batch.bin"), "{e}");
    std::fs::write(dir.join("test_batch.bin"), rec(7, 5)).unwrap();
    let d = data::load("cifar10", base).unwrap();
    assert_eq!(d.shape, InputShape::new(3, 32, 32));
    assert_eq!(d.y_train, vec![1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    assert_eq!(d.y_test, vec![7]);
    // Image 3 = second record of batch 2 (off 102), channel 1, row 2, column 3.
    let i = 1024 + 2 * 32 + 3;
    assert_eq!(
        d.x_train[3 * 3072 + i],
        ((i * 3 + 102) % 256) as f32 / 255.0
    );
    assert_eq!(
        d.augment,
        Augment {
            crop_pad: 4,
            hflip: true
        }
    );
    assert_eq!(d.mean, vec![0.49, 0.48, 0.44]);
    // A truncated batch is refused with its name.
    std::fs::write(dir.join("data_batch_3.bin"), &rec(1, 0)[..100]).unwrap();
    let e = data::load("cifar10", base).unwrap_err().to_string();
    assert!(
        e.contains("data_batch_3.bin") && e.contains("3073-byte"),
        "{e}"
    );
}

#[test]
fn user_npz_uint8_scaled_and_float_as_given() {
    let dir = tmpdir("npz");
    let path = dir.join("mine.npz");
    let mut w = NpzWriter::new(std::fs::File::create(&path).unwrap());
    let xtr = Array4::from_shape_fn((4, 1, 16, 17), |(n, _, h, w)| (n * 50 + h + w) as u8);
    w.add_array("x_train", &xtr).unwrap();
    w.add_array("y_train", &Array1::from(vec![0i64, 9, 3, 3]))
        .unwrap();
    let xte = Array4::from_shape_fn((2, 1, 16, 17), |(n, _, h, _)| n as f32 - 0.25 * h as f32);
    w.add_array("x_test", &xte).unwrap();
    w.add_array("y_test", &Array1::from(vec![5i32, 6])).unwrap();
    w.finish().unwrap();
    let p = path.to_str().unwrap();
    let d = data::load(p, Path::new("/nonexistent")).unwrap();
    assert_eq!(d.shape, InputShape::new(1, 16, 17));
    assert_eq!(d.y_train, vec![0, 9, 3, 3]);
    assert_eq!(d.y_test, vec![5, 6]);
    assert_eq!(d.x_train[2 * 272 + 17 + 3], (100 + 1 + 3) as f32 / 255.0);
    assert_eq!(d.x_test[272 + 3 * 17], 1.0 - 0.75);
    assert!(d.mean.is_empty() && d.augment == Augment::default());

    // Bad labels and missing arrays are named.
    let bad = dir.join("bad.npz");
    let mut w = NpzWriter::new(std::fs::File::create(&bad).unwrap());
    w.add_array("x_train", &xtr).unwrap();
    w.add_array("y_train", &Array1::from(vec![0i64, 10, 3, 3]))
        .unwrap();
    w.finish().unwrap();
    let e = data::load(bad.to_str().unwrap(), Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.npz") && e.contains("x_test"), "{e}");
    let e = data::load(dir.join("none.npz").to_str().unwrap(), Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing file") && e.contains("none.npz"), "{e}");
}

#[test]
fn shipped_digits_with_the_documented_split() {
    let d = digits();
    assert_eq!((d.n_train(), d.n_test()), (DIGITS_TRAIN, DIGITS_TEST));
    assert_eq!((DIGITS_TRAIN, DIGITS_TEST), (1347, 450));
    assert_eq!(d.shape, InputShape::new(1, 32, 32));
    assert_eq!(d.shape.c * 64 * 25, 1600);
    // scikit-learn's order starts with the digits 0, 1, …, 9.
    assert_eq!(&d.y_train[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Per-class counts of the documented split (data/digits/README.md).
    let count = |y: &[u8]| {
        let mut c = [0; 10];
        for &v in y {
            c[v as usize] += 1;
        }
        c
    };
    assert_eq!(
        count(&d.y_train),
        [135, 136, 134, 136, 133, 137, 134, 134, 133, 135]
    );
    assert_eq!(count(&d.y_test), [43, 46, 43, 47, 48, 45, 47, 45, 41, 45]);
    // Nearest-neighbour upsampling: 4×4 blocks; values are multiples of 1/16.
    for img in d.x_train.chunks(1024).take(20) {
        for y in 0..32 {
            for x in 0..32 {
                assert_eq!(img[y * 32 + x], img[(y / 4 * 4) * 32 + x / 4 * 4]);
                assert_eq!((img[y * 32 + x] * 16.0).fract(), 0.0);
            }
        }
    }
    // The first scikit-learn image (a 0) has its top-left 8×8 pixel 0 and pixel (0, 2) = 5/16.
    assert_eq!((d.x_train[0], d.x_train[8]), (0.0, 5.0 / 16.0));
    // Normalised with the training set's own mean and std: training batches have mean 0, std 1.
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let idx: Vec<usize> = (0..DIGITS_TRAIN).collect();
    d.train_batch::<sal::rng::SimRng>(&idx, None, &mut x, &mut y);
    let m = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
    let v = x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / x.len() as f64;
    assert!(m.abs() < 1e-5 && (v - 1.0).abs() < 1e-4, "{m} {v}");
}

#[test]
fn crop_and_flip_augmentation_covers_every_offset() {
    // One 1×6×5 image with distinct non-zero pixels, pad 4, flip.
    let (h, w, p) = (6usize, 5usize, 4usize);
    let img: Vec<f32> = (0..h * w).map(|i| 1.0 + i as f32).collect();
    let d = Dataset {
        name: "t".into(),
        shape: InputShape::new(1, h, w),
        x_train: img.clone(),
        y_train: vec![1],
        x_test: Vec::new(),
        y_test: Vec::new(),
        mean: Vec::new(),
        std: Vec::new(),
        augment: Augment {
            crop_pad: p,
            hflip: true,
        },
    };
    let expected = |top: usize, left: usize, flip: bool| -> Vec<f32> {
        let mut o = Vec::new();
        for yy in 0..h {
            for xx in 0..w {
                let sx = if flip { w - 1 - xx } else { xx };
                let (py, px) = (
                    yy as isize + top as isize - p as isize,
                    sx as isize + left as isize - p as isize,
                );
                o.push(
                    if py >= 0 && px >= 0 && (py as usize) < h && (px as usize) < w {
                        img[py as usize * w + px as usize]
                    } else {
                        0.0
                    },
                );
            }
        }
        o
    };
    let mut rng = sal::rng::stream(3, "test", 0);
    let mut seen = vec![0usize; (2 * p + 1) * (2 * p + 1) * 2];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let draws = 2000;
    for _ in 0..draws {
        d.train_batch(&[0], Some(&mut rng), &mut x, &mut y);
        let mut found = 0;
        for top in 0..=2 * p {
            for left in 0..=2 * p {
                for flip in [false, true] {
                    if x == expected(top, left, flip) {
                        seen[(top * (2 * p + 1) + left) * 2 + flip as usize] += 1;
                        found += 1;
                    }
                }
            }
        }
        // Exactly one configuration (unless the crop is entirely padding, impossible here).
        assert_eq!(found, 1, "{x:?}");
    }
    // Every offset appears (expected ≈ 24.7 per offset over both flips; P(0) ≈ e^−24.7), and
    // flips are Binomial(2000, 1/2): within ±150 (6.7 s.d.).
    for t in 0..(2 * p + 1) * (2 * p + 1) {
        assert!(seen[2 * t] + seen[2 * t + 1] > 0, "offset {t} never drawn");
    }
    let flips: usize = seen.iter().skip(1).step_by(2).sum();
    assert!(flips.abs_diff(draws / 2) < 150, "{flips}");
}

/// A MATLAB v5 file (uncompressed, little endian) with numeric matrices, written by hand
/// (`(name, dims, class, element type, raw little-endian data)`).
type MatArray<'a> = (&'a str, Vec<i32>, u32, u32, Vec<u8>);

fn mat_v5(arrays: &[MatArray<'_>]) -> Vec<u8> {
    let mut out = vec![b' '; 116];
    out[..20].copy_from_slice(b"MATLAB 5.0 MAT-file,");
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&0x0100u16.to_le_bytes());
    out.extend_from_slice(b"IM");
    let pad8 = |v: &mut Vec<u8>| {
        while !v.len().is_multiple_of(8) {
            v.push(0);
        }
    };
    for (name, dims, class, ty, data) in arrays {
        let mut body = Vec::new();
        // Array flags (miUINT32, 8 bytes): class in the low byte.
        body.extend_from_slice(&6u32.to_le_bytes());
        body.extend_from_slice(&8u32.to_le_bytes());
        body.extend_from_slice(&class.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        // Dimensions (miINT32).
        body.extend_from_slice(&5u32.to_le_bytes());
        body.extend_from_slice(&(4 * dims.len() as u32).to_le_bytes());
        for d in dims {
            body.extend_from_slice(&d.to_le_bytes());
        }
        pad8(&mut body);
        // Name (miINT8).
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&(name.len() as u32).to_le_bytes());
        body.extend_from_slice(name.as_bytes());
        pad8(&mut body);
        // Real part.
        body.extend_from_slice(&ty.to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        pad8(&mut body);
        out.extend_from_slice(&14u32.to_le_bytes()); // miMATRIX
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

#[test]
fn svhn_mat_files() {
    let dir = tmpdir("svhn");
    // n images: X(i, j, c, k) = (i + 2j + 5c + 11k) mod 256, column-major; y as doubles.
    let file = |n: usize, labels: &[f64]| {
        let mut x = Vec::with_capacity(3072 * n);
        for k in 0..n {
            for c in 0..3 {
                for j in 0..32 {
                    for i in 0..32 {
                        x.push(((i + 2 * j + 5 * c + 11 * k) % 256) as u8);
                    }
                }
            }
        }
        let y: Vec<u8> = labels.iter().flat_map(|v| v.to_le_bytes()).collect();
        // mxUINT8_CLASS = 9 with miUINT8 = 2; mxDOUBLE_CLASS = 6 with miDOUBLE = 9.
        mat_v5(&[
            ("X", vec![32, 32, 3, n as i32], 9, 2, x),
            ("y", vec![n as i32, 1], 6, 9, y),
        ])
    };
    std::fs::write(dir.join("train_32x32.mat"), file(3, &[10.0, 1.0, 9.0])).unwrap();
    let e = data::load("svhn", &dir).unwrap_err().to_string();
    assert!(e.contains("test_32x32.mat"), "{e}");
    std::fs::write(dir.join("test_32x32.mat"), file(1, &[4.0])).unwrap();
    let d = data::load("svhn", &dir).unwrap();
    assert_eq!(d.shape, InputShape::new(3, 32, 32));
    assert_eq!(d.y_train, vec![0, 1, 9], "label 10 means digit 0");
    assert_eq!(d.y_test, vec![4]);
    // Image 2, channel 1, row 3, column 7 (NCHW) = X(3, 7, 1, 2).
    let v = d.x_train[2 * 3072 + 1024 + 3 * 32 + 7];
    assert_eq!(v, (3 + 14 + 5 + 22) as f32 / 255.0);
    assert_eq!(d.mean, vec![0.44, 0.44, 0.47]);
    assert_eq!(
        d.augment,
        Augment {
            crop_pad: 4,
            hflip: true
        }
    );
}
