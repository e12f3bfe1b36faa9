//! The reference's float64 epoch replayed through `sal run` (shared by the CLI's ConvNet
//! tests on each backend).

use super::{ok, params, sal, tmp};
use sal_deep::data::npz::{Npz, read_checkpoint};
use sal_deep::oracle::{Tolerance, compare_final};
use std::path::Path;

fn oracle() -> String {
    params("derived/convnet_torch_epoch_3x20x20.npz")
}

/// Asserts that `sal run exp_settings.yaml --init ORACLE --set dataset=ORACLE --set
/// shuffle=false --set dtype=float64` (batch 8, one epoch; with `extra_sets` as further
/// `--set`s, e.g. a device) reproduces the reference's float64 epoch for
/// bp, fa, bp_w_fa, akrout and scfa: the summed training loss to 1e-12 relative, and every
/// final parameter and running statistic in `checkpoints/final.npz` to 1e-8 of the mean
/// change of its tensor during the epoch (fixed feedback matrices exactly). The tolerance is
/// the one of `sal-deep`'s oracle test, where it is derived (float64 summation order through
/// an epoch that amplifies 1e-16 rounding ~1e6-fold); a formula error shows at ≥ 1e-3.
pub fn replay_oracle(extra_sets: &[&str], tag: &str) {
    replay(extra_sets, tag, Tolerance::FLOAT64)
}

/// As [`replay_oracle`] with the tolerances of burn's CPU backend
/// (`sal_deep::oracle::Tolerance::FLOAT64_FLEX`: parameters 1e-7 of the change).
pub fn replay_oracle_flex(extra_sets: &[&str], tag: &str) {
    replay(extra_sets, tag, Tolerance::FLOAT64_FLEX)
}

/// As [`replay_oracle`] in float32 (the default dtype; for backends without float64):
/// sal-deep's float32 tolerances — the summed loss to 1e-5 relative, every parameter and
/// running statistic to 0.5 of its tensor's mean change (float32 rounding through the
/// epoch's ~1e6 amplification gives up to 0.24; a formula error is ≥ 1), fixed feedback to
/// float32 rounding (1e-7 of its largest value): `sal_deep::oracle::Tolerance::FLOAT32`.
pub fn replay_oracle_f32(extra_sets: &[&str], tag: &str) {
    replay(extra_sets, tag, Tolerance::FLOAT32)
}

fn replay(extra_sets: &[&str], tag: &str, tol: Tolerance) {
    let (loss_tol, param_tol) = (tol.loss, tol.params);
    let o = oracle();
    let mut z = Npz::open(Path::new(&o)).unwrap();
    for method in ["bp", "fa", "bp_w_fa", "akrout", "scfa"] {
        let dir = tmp(&format!("oracle-{tag}-{method}"));
        let mut args: Vec<String> = vec![
            "run",
            &params("symm_net/exp_settings.yaml"),
            "--set",
            &format!("method={method}") as &str,
            "--set",
            &format!("dataset={o}"),
            "--set",
            "shuffle=false",
            "--set",
            if tol.fixed == 0.0 {
                // the float64 tolerances (exact fixed feedback)
                "dtype=float64"
            } else {
                "dtype=float32"
            },
            "--set",
            "params.n_epochs=1",
            "--set",
            "params.batch_size=8",
            "--init",
            &o,
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        for s in extra_sets {
            args.push("--set".into());
            args.push(s.to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&sal(&args, None));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap()).unwrap();
        let ours = m["scalars"]["loss/train"][0].as_f64().unwrap();
        let theirs: f64 = z
            .get(&format!("{method}/train_loss_per_batch"))
            .unwrap()
            .data
            .iter()
            .sum();
        assert!(
            (ours - theirs).abs() <= loss_tol * theirs.abs(),
            "{method}: loss {ours} vs {theirs}"
        );
        let finals = read_checkpoint(&dir.join("checkpoints/final.npz")).unwrap();
        let e = compare_final(Path::new(&o), method.parse().unwrap(), &finals).unwrap();
        assert!(e.params < param_tol, "{method}: parameters {e:?}");
        assert!(
            e.fixed <= tol.fixed,
            "{method}: fixed feedback changed: {e:?}"
        );
        assert!(e.tensors >= 20, "{method}: only {} tensors", e.tensors);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
