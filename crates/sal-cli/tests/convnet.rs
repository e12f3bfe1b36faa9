//! ConvNet runs through the command line (issue: the paper's Fig 8 comparison): the
//! reference's `params/symm_net/exp_settings.yaml` runs unchanged, replays the reference's
//! float64 epoch (`convnet_torch_epoch_3x20x20.npz`) exactly, and bad input gives one
//! message naming the key with nothing written.

mod common;
use common::{params, replay_oracle, sal, tmp};
use std::path::Path;

fn oracle() -> String {
    params("derived/convnet_torch_epoch_3x20x20.npz")
}

fn settings() -> String {
    params("symm_net/exp_settings.yaml")
}

/// `sal run exp_settings.yaml --init ORACLE --set dataset=ORACLE --set shuffle=false
/// --set dtype=float64` (batch 8, one epoch) reproduces the reference's float64 epoch for
/// bp, fa, bp_w_fa, akrout and scfa (tolerances: `common::replay_oracle`).
#[test]
fn sal_run_replays_the_reference_epoch() {
    replay_oracle(&[], "cpu");
}

/// Unknown method or dataset, a missing data file, an `--init` of the wrong shapes, batch
/// size 0, a NaN learning rate, an unknown device (or burn's without the feature): exit code
/// 2, one message naming the key or file, nothing written.
#[test]
fn bad_convnet_input_names_the_key() {
    let o = oracle();
    let cases: [(&[&str], &str); 9] = [
        (&["--set", "method=xyz"], "method"),
        (&[], "method"),
        (
            &["--set", "method=fa", "--set", "dataset=imagenet"],
            "dataset",
        ),
        (
            &[
                "--set",
                "method=fa",
                "--set",
                "dataset=mnist",
                "--set",
                "data_dir=/nonexistent",
            ],
            "mnist",
        ),
        (
            &["--set", "method=fa", "--set", "params.batch_size=0"],
            "batch_size",
        ),
        (&["--set", "method=fa", "--set", "params.lr=.nan"], "lr"),
        (&["--set", "method=fa", "--set", "device=tpu"], "device"),
        // burn's CPU backend needs a build with the cargo feature `burn`
        (
            &["--set", "method=fa", "--set", "device=flex"],
            if cfg!(feature = "burn") {
                "unused: flex is valid"
            } else {
                "cargo feature `burn`"
            },
        ),
        // the oracle's parameters are for 3×20×20 images, digits are 1×32×32
        (&["--set", "method=fa", "--init", &o], "--init"),
    ];
    for (k, (extra, key)) in cases.iter().enumerate() {
        if key.starts_with("unused") {
            continue;
        }
        let dir = tmp(&format!("bad-{k}"));
        let s = settings();
        let mut a = vec!["run", s.as_str(), "--out", dir.to_str().unwrap(), "--quiet"];
        a.extend_from_slice(extra);
        let out = sal(&a, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(key), "{extra:?} should name {key}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{extra:?}: one line: {err}");
        assert!(!dir.exists(), "{extra:?} left {dir:?}");
    }
}

/// A user's `.npz` is counted when the run is prepared (its label arrays only), so
/// `--dry-run` and sweep estimates show the real work: (training + test images) × epochs;
/// a file without its labels is refused then, naming `dataset`, nothing written.
#[test]
fn a_user_npz_is_counted_and_checked_before_the_run() {
    let o = oracle();
    let data = sal_deep::data::load(&o, Path::new(".")).unwrap();
    let out = sal(
        &[
            "run",
            &settings(),
            "--set",
            "method=fa",
            "--set",
            &format!("dataset={o}"),
            "--set",
            "params.n_epochs=3",
            "--dry-run",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let work = 3 * (data.n_train() + data.n_test());
    assert!(
        err.contains(&format!("{:.3e} simulated images", work as f64)),
        "{work}: {err}"
    );

    let dir = tmp("npz-no-labels");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("no_test_labels.npz");
    let t = |name: &str, shape: Vec<usize>| sal_deep::NamedTensor {
        name: name.into(),
        data: vec![0.0; shape.iter().product()],
        shape,
    };
    sal_deep::data::npz::write_checkpoint(
        &bad,
        &[
            t("x_train", vec![4, 1, 32, 32]),
            t("y_train", vec![4]),
            t("x_test", vec![2, 1, 32, 32]),
        ],
    )
    .unwrap();
    let run = dir.join("run");
    let out = sal(
        &[
            "run",
            &settings(),
            "--set",
            "method=fa",
            "--set",
            &format!("dataset={}", bad.display()),
            "--out",
            run.to_str().unwrap(),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("dataset") && err.contains("y_test"), "{err}");
    assert!(!run.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
