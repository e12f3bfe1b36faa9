//! burn's CPU backend (Flex) against the reference's float64 PyTorch epoch
//! (`params/derived/convnet_torch_epoch_3x20x20.npz`), by the same replay as sal-deep's own
//! network (`sal_deep::oracle::replay`).

use sal_deep::oracle::{METHODS, ReplayErrors, Tolerance, replay};
use sal_deep::{Method, Network};
use sal_deep_burn::{Backend, BurnNet, Precision};
use std::path::PathBuf;

fn oracle_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/spec/params/derived/convnet_torch_epoch_3x20x20.npz"
    ))
}

fn run(method: Method, precision: Precision) -> ReplayErrors {
    replay(&oracle_path(), method, 0.0, &mut |p, hyper| {
        Ok(
            Box::new(BurnNet::from_params(&p, hyper, Backend::Flex, precision)?)
                as Box<dyn Network>,
        )
    })
    .unwrap()
}

/// float64 on Flex: `Tolerance::FLOAT64_FLEX` — losses 1e-12, outputs 1e-10 relative to
/// 1e-3 + |p|, parameters 1e-7 of their tensor's mean change in the epoch, fixed feedback
/// exactly (sal-deep's `tests/oracle.rs` derives the scale: the epoch amplifies 1e-16
/// roundings ~1e6-fold; Flex's kernels differ from PyTorch's in summation order, more than
/// sal-deep's do: measured ≤ 6.3e-9 and ≤ 2.2e-12, and they depend on the CPU's SIMD).
#[test]
fn flex_float64_epoch_matches_the_reference_for_every_method() {
    for method in METHODS {
        let e = run(method, Precision::F64);
        eprintln!("flex f64 {method}: {e:?}");
        assert!(e.within(Tolerance::FLOAT64_FLEX), "{method}: {e:?}");
    }
}

/// float32 on Flex: sal-deep's float32 tolerances (losses 1e-5, outputs 1e-3, parameters 0.5
/// of the mean change, a formula error is ≥ 1 somewhere; fixed feedback at its
/// float32-rounded value, ≤ 1e-7 of its largest entry).
#[test]
fn flex_float32_epoch_is_close_to_the_reference() {
    for method in METHODS {
        let e = run(method, Precision::F32);
        eprintln!("flex f32 {method}: {e:?}");
        assert!(e.within(Tolerance::FLOAT32), "{method}: {e:?}");
    }
}
