//! burn's network against sal-deep's on the same batches: the same parameters under the same
//! names, the same steps (float64: equal to rounding), checkpoints, feedback writes, bad input.

use sal_deep::data::digits;
use sal_deep::{ConvNet, Dataset, FcParams, Hyper, Method, NamedTensor, Network};
use sal_deep_burn::{Backend, BurnNet, Precision};
use std::ops::ControlFlow;

fn go(_: u64) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

/// Two training steps of 32 digits and an evaluation batch of 64 on both networks, from the
/// same initial parameters; returns (largest relative loss difference, largest output
/// difference, largest parameter difference relative to the largest |value| of its tensor).
fn compare(method: Method, data: &Dataset, fc: Option<&FcParams>) -> (f64, f64, f64) {
    let hyper = Hyper::default();
    let mut ours = ConvNet::<f64>::new(method, data.shape, 3, hyper).unwrap();
    let mut burn =
        BurnNet::new(method, data.shape, 3, hyper, Backend::Flex, Precision::F64).unwrap();
    assert_eq!(burn.checkpoint(), ours.checkpoint(), "same initial values");
    if let Some(fc) = fc {
        ours.set_fc(fc).unwrap();
        burn.set_fc(fc).unwrap();
        assert_eq!(burn.fc(), ours.fc());
    }
    let len = data.shape.len();
    let (mut dl, mut dout): (f64, f64) = (0.0, 0.0);
    for b in 0..2 {
        let x = &data.x_train[b * 32 * len..(b + 1) * 32 * len];
        let y = &data.y_train[b * 32..(b + 1) * 32];
        let lo = ours.train_step(x, y, &mut go).unwrap();
        let lb = burn.train_step(x, y, &mut go).unwrap();
        dl = dl.max((lo.loss - lb.loss).abs() / lo.loss.abs());
        assert_eq!(lo.correct, lb.correct);
    }
    let x = &data.x_test[..64 * len];
    let y = &data.y_test[..64];
    ours.eval_step(x, y).unwrap();
    burn.eval_step(x, y).unwrap();
    for (a, b) in ours.output().iter().zip(burn.output()) {
        dout = dout.max((a - b).abs());
    }
    let mut dp: f64 = 0.0;
    for (a, b) in ours.checkpoint().iter().zip(burn.checkpoint()) {
        assert_eq!(a.name, b.name);
        let scale = a
            .data
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(1e-300);
        for (u, v) in a.data.iter().zip(&b.data) {
            dp = dp.max((u - v).abs() / scale);
        }
    }
    (dl, dout, dp)
}

/// Every method, float64: burn (Flex) and sal-deep differ only in summation order, so after
/// two SGD steps losses, outputs and parameters agree to rounding (measured ≤ 4e-16 for
/// losses, ≤ 1e-16 outputs, ≤ 2e-13 parameters relative to their tensor's largest value);
/// the tolerance 1e-10 is 3 orders above that and 7 below a formula error (a wrong
/// BatchNorm variance or feedback path moves values by ≥ 1e-3).
/// `sal` and `rdd` are FA networks whose fc feedback a spiking phase writes: here a feedback
/// written through `set_fc` (B = W/2 + U(−0.01, 0.01)) is what the error travels through.
#[test]
fn float64_steps_match_sal_deeps_network() {
    let data = digits();
    for method in Method::ALL {
        let fc = method.needs_phase().then(|| {
            let mut fc = ConvNet::<f64>::new(method, data.shape, 3, Hyper::default())
                .unwrap()
                .fc();
            let mut s: u64 = 7;
            for k in 0..3 {
                fc.fb[k] = fc.w[k]
                    .iter()
                    .map(|w| {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                        0.5 * w + 0.02 * ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
                    })
                    .collect();
            }
            fc
        });
        let (dl, dout, dp) = compare(method, &data, fc.as_ref());
        eprintln!("{method}: loss {dl:.1e} output {dout:.1e} params {dp:.1e}");
        assert!(
            dl < 1e-10 && dout < 1e-10 && dp < 1e-10,
            "{method}: {dl} {dout} {dp}"
        );
    }
}

/// A checkpoint loads with every shape checked (a wrong one names the tensor and changes
/// nothing) and restarts the optimiser: after loading A's state, B's next step equals a fresh
/// network's from the same state, although B had momentum of its own.
#[test]
fn checkpoints_load_with_shapes_checked_and_reset_the_optimiser() {
    let data = digits();
    let net = |seed| {
        BurnNet::new(
            Method::Akrout,
            data.shape,
            seed,
            Hyper::default(),
            Backend::Flex,
            Precision::F32,
        )
        .unwrap()
    };
    let len = data.shape.len();
    let batch = |b: usize| {
        (
            &data.x_train[b * 16 * len..(b + 1) * 16 * len],
            &data.y_train[b * 16..(b + 1) * 16],
        )
    };
    let mut a = net(1);
    let (x, y) = batch(0);
    a.train_step(x, y, &mut go).unwrap();
    let saved = a.checkpoint();
    let mut b = net(2);
    b.train_step(x, y, &mut go).unwrap(); // b has a momentum buffer now
    assert_ne!(b.checkpoint(), saved);
    assert!(b.load_checkpoint(&saved).unwrap().is_empty());
    assert_eq!(b.checkpoint(), saved);
    let mut c = net(3);
    c.load_checkpoint(&saved).unwrap();
    let (x, y) = batch(1);
    b.train_step(x, y, &mut go).unwrap();
    c.train_step(x, y, &mut go).unwrap();
    assert_eq!(
        b.checkpoint(),
        c.checkpoint(),
        "the momentum was reset by the load"
    );

    let mut wrong: Vec<NamedTensor> = saved.clone();
    let fc2 = wrong.iter_mut().find(|t| t.name == "fc2.weight").unwrap();
    fc2.shape = vec![192, 383];
    fc2.data.truncate(192 * 383);
    let before = b.checkpoint();
    let err = b.load_checkpoint(&wrong).unwrap_err().to_string();
    assert!(err.contains("fc2.weight"), "{err}");
    assert_eq!(
        b.checkpoint(),
        before,
        "a refused checkpoint changes nothing"
    );
    // a non-finite value is refused too, by name
    let mut nan = saved.clone();
    nan.iter_mut()
        .find(|t| t.name == "bn3.running_var")
        .unwrap()
        .data[5] = f64::NAN;
    let err = b.load_checkpoint(&nan).unwrap_err().to_string();
    assert!(err.contains("bn3.running_var"), "{err}");
}

#[test]
fn bad_batches_and_devices_are_refused_by_name() {
    let data = digits();
    let mut n = BurnNet::new(
        Method::Fa,
        data.shape,
        0,
        Hyper::default(),
        Backend::Flex,
        Precision::F32,
    )
    .unwrap();
    let len = data.shape.len();
    let e = n
        .train_step(&data.x_train[..len], &data.y_train[..1], &mut go)
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch_size"), "{e}");
    let e = n
        .eval_step(&data.x_train[..len], &[10])
        .unwrap_err()
        .to_string();
    assert!(e.contains("label 10"), "{e}");
    let e = n
        .eval_step(&data.x_train[..len - 1], &[1])
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch"), "{e}");

    assert_eq!("flex".parse::<Backend>().unwrap(), Backend::Flex);
    assert_eq!("cuda".parse::<Backend>().unwrap(), Backend::Cuda(0));
    assert_eq!("cuda:2".parse::<Backend>().unwrap(), Backend::Cuda(2));
    assert_eq!("wgpu".parse::<Backend>().unwrap(), Backend::Wgpu);
    let e = "tpu".parse::<Backend>().unwrap_err().to_string();
    assert!(e.contains("device") && e.contains("tpu"), "{e}");
    let e = BurnNet::new(
        Method::Fa,
        data.shape,
        0,
        Hyper::default(),
        Backend::Wgpu,
        Precision::F64,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("dtype") || e.contains("--features wgpu"), "{e}");
    if !cfg!(feature = "cuda") {
        let e = Backend::Cuda(0).check_built().unwrap_err().to_string();
        assert!(e.contains("cargo feature `cuda`"), "{e}");
        assert!(
            BurnNet::new(
                Method::Fa,
                data.shape,
                0,
                Hyper::default(),
                Backend::Cuda(0),
                Precision::F32
            )
            .is_err()
        );
    }
}

/// Same seed → the same run, and 1 and 2 threads give the same bits (Flex's kernels reduce
/// in an order that does not depend on the number of threads, for these sizes at least:
/// three steps of 64 digits, whose products and convolutions do run on both threads).
#[test]
fn runs_repeat_exactly_for_a_thread_count() {
    let data = digits();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let mut n = BurnNet::new(
                    Method::Scfa,
                    data.shape,
                    5,
                    Hyper::default(),
                    Backend::Flex,
                    Precision::F32,
                )
                .unwrap();
                let len = data.shape.len();
                for b in 0..3 {
                    n.train_step(
                        &data.x_train[b * 64 * len..(b + 1) * 64 * len],
                        &data.y_train[b * 64..(b + 1) * 64],
                        &mut go,
                    )
                    .unwrap();
                }
                n.checkpoint()
            })
    };
    let two = run(2);
    assert_eq!(run(2), two, "same seed, same thread count: identical");
    assert!(run(1) == two, "1 and 2 threads differ");
}
