//! The public training API: determinism across thread counts, checkpoints, errors naming
//! the key / parameter / epoch, cancellation.

use sal_deep::data::npz::{read_checkpoint, write_checkpoint};
use sal_deep::train::EpochOptions;
use sal_deep::{ConvNet, Dataset, DeepError, Hyper, InputShape, Method, Network, data::digits};
use std::ops::ControlFlow;

fn go(_: u64) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

/// 96 training and 40 test digits (enough for 3 batches of 32: 4 convolution groups of 8
/// images per batch, so a 2-thread pool really splits the work).
fn small_digits() -> Dataset {
    let mut d = digits();
    d.x_train.truncate(96 * 1024);
    d.y_train.truncate(96);
    d.x_test.truncate(40 * 1024);
    d.y_test.truncate(40);
    d
}

/// 64 training and 16 test images of 3×20×20 (oracle-like size) with CIFAR's augmentation
/// (crop with 4-pixel padding, flips) and normalisation.
fn small_augmented() -> Dataset {
    use rand_core::Rng;
    let mut rng = sal::rng::stream(1, "test/images", 0);
    let mut px = |n: usize| {
        (0..n * 1200)
            .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
            .collect::<Vec<f32>>()
    };
    Dataset {
        name: "synthetic".into(),
        shape: InputShape::new(3, 20, 20),
        x_train: px(64),
        y_train: (0..64).map(|i| (i * 7 % 10) as u8).collect(),
        x_test: px(16),
        y_test: (0..16).map(|i| (i % 10) as u8).collect(),
        mean: vec![0.49, 0.48, 0.44],
        std: vec![0.2, 0.2, 0.2],
        augment: sal_deep::data::Augment {
            crop_pad: 4,
            hflip: true,
        },
    }
}

fn run(method: Method, threads: usize, seed: u64) -> (Vec<f64>, Vec<Vec<f64>>) {
    run_on(small_digits(), method, threads, seed)
}

fn run_on(data: Dataset, method: Method, threads: usize, seed: u64) -> (Vec<f64>, Vec<Vec<f64>>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = ConvNet::<f32>::new(method, data.shape, seed, Hyper::default()).unwrap();
        let opts = EpochOptions {
            batch_size: 32,
            seed,
            ..EpochOptions::default()
        };
        let mut losses = Vec::new();
        for e in 1..=2 {
            let s = net.train_epoch(&data, e, &opts, &mut go).unwrap();
            losses.extend(s.batch_losses);
            losses.push(net.evaluate(&data, &mut go).unwrap().loss_sum);
        }
        (
            losses,
            net.checkpoint().into_iter().map(|t| t.data).collect(),
        )
    })
}

#[test]
fn same_seed_is_bit_identical_with_one_and_two_threads() {
    for method in [Method::Fa, Method::Akrout] {
        let a = run(method, 1, 7);
        let b = run(method, 2, 7);
        let c = run(method, 2, 7);
        assert_eq!(a, b, "{method}: 1 vs 2 threads");
        assert_eq!(b, c, "{method}: repeat");
        let d = run(method, 2, 8);
        assert_ne!(a.0, d.0, "{method}: another seed gives another run");
    }
    // With shuffling and crop/flip augmentation (CIFAR-like data), BP.
    let a = run_on(small_augmented(), Method::Bp, 1, 3);
    let b = run_on(small_augmented(), Method::Bp, 2, 3);
    assert_eq!(a, b, "bp with augmentation: 1 vs 2 threads");
}

#[test]
fn checkpoint_round_trip_and_bad_init() {
    let shape = InputShape::new(1, 32, 32);
    let net = ConvNet::<f32>::new(Method::Scfa, shape, 3, Hyper::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("sal-deep-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("final.npz");
    write_checkpoint(&path, &net.checkpoint()).unwrap();
    let back = read_checkpoint(&path).unwrap();
    let names: Vec<&str> = back.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"conv1.weight")
            && names.contains(&"fc1.fb_weight")
            && names.contains(&"bn3.running_var")
    );
    let mut other = ConvNet::<f32>::new(Method::Scfa, shape, 4, Hyper::default()).unwrap();
    assert!(other.load_checkpoint(&back).unwrap().is_empty());
    assert_eq!(other.checkpoint(), net.checkpoint());
    // A checkpoint for another input shape is refused, naming the parameter.
    let mut cifar = ConvNet::<f32>::new(
        Method::Scfa,
        InputShape::new(3, 32, 32),
        4,
        Hyper::default(),
    )
    .unwrap();
    let e = cifar.load_checkpoint(&back).unwrap_err().to_string();
    assert!(
        e.starts_with("parameter conv1.weight: shape [64, 1, 5, 5]"),
        "{e}"
    );
    // Unknown and missing names.
    let mut odd = back.clone();
    odd[0].name = "conv9.weight".into();
    assert!(
        other
            .load_checkpoint(&odd)
            .unwrap_err()
            .to_string()
            .contains("conv9.weight")
    );
    let mut bp = ConvNet::<f32>::new(Method::Bp, shape, 4, Hyper::default()).unwrap();
    assert_eq!(
        bp.load_checkpoint(&back).unwrap().len(),
        5,
        "bp skips the five feedback tensors"
    );
}

#[test]
fn bad_settings_name_their_key() {
    let shape = InputShape::new(1, 32, 32);
    let h = Hyper {
        lr: f64::NAN,
        ..Hyper::default()
    };
    let e = ConvNet::<f32>::new(Method::Bp, shape, 0, h)
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("lr:"), "{e}");
    let e = "sgd".parse::<Method>().unwrap_err().to_string();
    assert!(e.contains("\"sgd\""), "{e}");
    let data = small_digits();
    let mut net = ConvNet::<f32>::new(Method::Bp, shape, 0, Hyper::default()).unwrap();
    let opts = EpochOptions {
        batch_size: 0,
        ..EpochOptions::default()
    };
    let e = net
        .train_epoch(&data, 1, &opts, &mut go)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("batch_size:"), "{e}");
    // 96 images in batches of 95 leave a last batch of 1: refused, not NaN running variances.
    let opts95 = EpochOptions {
        batch_size: 95,
        ..EpochOptions::default()
    };
    let e = net
        .train_epoch(&data, 1, &opts95, &mut go)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("batch_size: a training batch of 1 image"),
        "{e}"
    );
    let mut net28 =
        ConvNet::<f32>::new(Method::Bp, InputShape::new(1, 28, 28), 0, Hyper::default()).unwrap();
    let e = net28
        .train_epoch(&data, 1, &EpochOptions::default(), &mut go)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1x32x32") && e.contains("1x28x28"), "{e}");
}

#[test]
fn a_diverging_run_stops_naming_the_epoch_and_cancel_interrupts() {
    let data = small_digits();
    let h = Hyper {
        lr: 1e30,
        ..Hyper::default()
    };
    let mut net = ConvNet::<f32>::new(Method::Fa, data.shape, 0, h).unwrap();
    let opts = EpochOptions {
        batch_size: 32,
        ..EpochOptions::default()
    };
    let mut first = None;
    for e in 1..=3 {
        if let Err(err) = net.train_epoch(&data, e, &opts, &mut go) {
            first = Some(err);
            break;
        }
    }
    match first {
        Some(DeepError::NonFinite {
            epoch,
            ref quantity,
            ..
        }) => {
            assert!(epoch >= 1, "{quantity}");
            let msg = first.as_ref().unwrap().to_string();
            assert!(msg.starts_with(&format!("epoch {epoch}: ")), "{msg}");
        }
        other => panic!("expected a non-finite error, got {other:?}"),
    }
    // Break from the progress callback: the first call comes inside the first step (0 images
    // done yet) and interrupts at once.
    let mut net = ConvNet::<f32>::new(Method::Fa, data.shape, 0, Hyper::default()).unwrap();
    let mut calls = 0;
    let mut stop = |n: u64| {
        calls += 1;
        assert_eq!(n, 0);
        ControlFlow::Break(())
    };
    let e = net.train_epoch(&data, 1, &opts, &mut stop).unwrap_err();
    assert!(matches!(e, DeepError::Interrupted));
    assert_eq!(calls, 1);
    // Counting images: 3 in-step calls with 0 and one with 32 per batch; Break after the
    // first full batch.
    let mut seen = Vec::new();
    let mut after_one_batch = |n: u64| {
        seen.push(n);
        if n > 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let e = net
        .train_epoch(&data, 1, &opts, &mut after_one_batch)
        .unwrap_err();
    assert!(matches!(e, DeepError::Interrupted));
    assert_eq!(seen, vec![0, 0, 0, 32]);
}

/// Backpropagation through the whole network for an odd input shape (2×19×17: the
/// poolings drop rows and columns) against central finite differences of the training-mode
/// loss, in float64. The gradient is read from one plain SGD step (lr 1, momentum 0:
/// Δθ = −∂L). Kinks of ReLU / max-pool are not crossed by a step of 1e-6 at these random
/// values (an unlucky crossing would show as an error far above the 1e-5 tolerance; the
/// finite-difference truncation error is O(h²·L''') ≈ 1e-10).
#[test]
fn bp_gradient_matches_finite_differences_for_an_odd_shape() {
    use sal_deep::Params;
    let shape = InputShape::new(2, 19, 17);
    // Rows 19 → 15 → 7 → 3 → 1, columns 17 → 13 → 6 → 2 → 1 (floor pooling drops some).
    assert_eq!(shape.fc_input().unwrap(), 64);
    let h0 = Hyper {
        lr: 1.0,
        momentum: 0.0,
        ..Hyper::default()
    };
    let params = Params::<f64>::init(Method::Bp, shape, 11).unwrap();
    let batch = 6;
    let mut rng = sal::rng::stream(5, "test/x", 0);
    use rand_core::Rng;
    let x: Vec<f64> = (0..batch * shape.len())
        .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        .collect();
    let y: Vec<u8> = vec![0, 3, 9, 3, 1, 7];
    let loss = |p: &Params<f64>| -> f64 {
        let mut n = ConvNet::from_params(p.clone(), Hyper { lr: 0.0, ..h0 }).unwrap();
        n.train_batch(&x, &y).unwrap().loss
    };
    let mut net = ConvNet::from_params(params.clone(), h0).unwrap();
    net.train_batch(&x, &y).unwrap();
    let checks = [
        ("conv1.weight", vec![0, 777, 3199]),
        ("conv2.weight", vec![5, 50_000, 102_399]),
        ("fc1.weight", vec![0, 10_000, 24_575]),
        ("fc1.bias", vec![17]),
        ("fc3.weight", vec![100]),
        ("bn1.weight", vec![3]),
        ("bn2.bias", vec![60]),
        ("bn3.weight", vec![200]),
    ];
    let eps = 1e-6;
    for (name, idx) in checks {
        let before = params.get(name).unwrap();
        let after = net.params().get(name).unwrap();
        let shape_t = params.shape_of(name).unwrap();
        for i in idx {
            let grad = before[i] - after[i];
            let mut plus = before.clone();
            plus[i] += eps;
            let mut minus = before.clone();
            minus[i] -= eps;
            let mut pp = params.clone();
            pp.set(name, &shape_t, &plus).unwrap();
            let mut pm = params.clone();
            pm.set(name, &shape_t, &minus).unwrap();
            let fd = (loss(&pp) - loss(&pm)) / (2.0 * eps);
            assert!(
                (fd - grad).abs() < 1e-5 * (1.0 + fd.abs()) + 1e-9,
                "{name}[{i}]: finite difference {fd:e}, backprop {grad:e}"
            );
        }
    }
}

#[test]
fn epoch_loop_with_a_feedback_phase() {
    use sal_deep::train::{EpochRecord, run_epochs};
    let data = small_digits();
    let opts = EpochOptions {
        batch_size: 32,
        ..EpochOptions::default()
    };
    // A stand-in phase that copies W into B (what a perfect SAL phase would reach).
    let mut calls = Vec::new();
    let mut phase = |fc: &mut sal_deep::FcParams, epoch: usize| {
        calls.push(epoch);
        for k in 0..3 {
            fc.fb[k] = fc.w[k].clone();
        }
        Ok(())
    };
    let mut net = ConvNet::<f32>::new(Method::Sal, data.shape, 1, Hyper::default()).unwrap();
    let mut records: Vec<EpochRecord> = Vec::new();
    run_epochs(
        &mut net,
        &data,
        1,
        2,
        &opts,
        Some(&mut phase),
        &mut |_, r| {
            records.push(r);
            Ok(())
        },
        &mut go,
    )
    .unwrap();
    assert_eq!(calls, vec![1, 2]);
    assert_eq!(
        records.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    // Before training: independent random W and B (≈ 90°); after each phase: B = W (0°),
    // measured after the phase and before training moves W.
    assert!(
        records[0]
            .align
            .iter()
            .all(|a| (a.angle_deg - 90.0).abs() < 5.0),
        "{:?}",
        records[0].align
    );
    for r in &records[1..] {
        assert!(r.align.iter().all(|a| a.angle_deg < 1e-3), "{:?}", r.align);
        let names: Vec<String> = r.scalars().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names[..4],
            ["loss/train", "accuracy/train", "loss/test", "accuracy/test"]
        );
        assert_eq!(names.len(), 4 + 12);
        assert!(names.contains(&"symm/corrcoef/2".to_string()));
    }
    assert!(records[0].scalars().len() == 12);
    // Methods without a phase refuse one, and sal needs one.
    let mut fa = ConvNet::<f32>::new(Method::Fa, data.shape, 1, Hyper::default()).unwrap();
    let mut noop = |_: &mut sal_deep::FcParams, _: usize| Ok(());
    let e = run_epochs(
        &mut fa,
        &data,
        1,
        1,
        &opts,
        Some(&mut noop),
        &mut |_, _| Ok(()),
        &mut go,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "method: fa takes no feedback phase");
    let e = run_epochs(
        &mut net,
        &data,
        3,
        3,
        &opts,
        None,
        &mut |_, _| Ok(()),
        &mut go,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "method: sal needs a feedback phase");
}

#[test]
fn scfa_alignment_stored_and_effective() {
    let net = ConvNet::<f32>::new(
        Method::Scfa,
        InputShape::new(1, 28, 28),
        2,
        Hyper::default(),
    )
    .unwrap();
    let stored = net.alignment();
    let eff = net.alignment_effective();
    for k in 0..3 {
        // Stored |B| against W of random sign: half the signs agree (sign ≈ 0); the
        // effective feedback agrees in sign everywhere (sign = 1 exactly, no zero entries).
        assert!(stored[k].sign.abs() < 0.2, "{:?}", stored[k]);
        assert_eq!(eff[k].sign, 1.0);
        // ⟨W, |B|·sign W⟩ = Σ|W||B| > 0: for independent uniforms the cosine is
        // E|w|E|b| / √(E w² E b²) = (1/2)² / (1/3) = 3/4, i.e. ≈ 41.4°. Smallest layer (fc3,
        // n = 1920): s.d. of the cosine ≈ 0.75·√((1/9 − 1/16)/(1/16)/n) ≈ 0.015 → ≈ 1.3°;
        // tolerance 5° ≈ 3.8 s.d. Stored signs: s.d. 1/√n ≈ 0.023, tolerance 0.2.
        assert!((eff[k].angle_deg - 41.4).abs() < 5.0, "{:?}", eff[k]);
    }
    let fa =
        ConvNet::<f32>::new(Method::Fa, InputShape::new(1, 28, 28), 2, Hyper::default()).unwrap();
    assert_eq!(fa.alignment(), fa.alignment_effective());
}
