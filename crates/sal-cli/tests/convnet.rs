//! ConvNet runs through the command line (issue: the paper's Fig 8 comparison): the
//! reference's `params/symm_net/exp_settings.yaml` runs unchanged, replays the reference's
//! float64 epoch (`convnet_torch_epoch_3x20x20.npz`) exactly, and bad input gives one
//! message naming the key with nothing written.

mod common;
use common::{params, replay_oracle, sal, tmp};

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
        // burn's CPU backend needs the command line built with `--features burn`
        (
            &["--set", "method=fa", "--set", "device=flex"],
            if cfg!(feature = "burn") {
                "unused: flex is valid"
            } else {
                "--features burn"
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
