//! Replay of the reference's exact oracle: one epoch of its own PyTorch ConvNet in float64
//! (`params/derived/convnet_torch_epoch_3x20x20.npz`, described in the spec's
//! `README_deep.md`), per method, from the stored initial parameters on the stored data, in
//! order. Any [`Network`] can be replayed, so every implementation (this crate's
//! [`crate::ConvNet`] in `f64` or `f32`, `sal-deep-burn`'s backends) is checked against the
//! same numbers by the same code.

use crate::data::npz::{Npz, load_prefixed, read_checkpoint};
use crate::error::{DeepError, Result};
use crate::loss::Loss;
use crate::method::{FcKind, Method};
use crate::net::Hyper;
use crate::params::{NamedTensor, Params};
use crate::train::{EpochOptions, Network};
use std::ops::ControlFlow;
use std::path::Path;

/// The methods the oracle file holds (the spiking ones, `sal` and `rdd`, are FA networks
/// between phases and have no PyTorch epoch of their own).
pub const METHODS: [Method; 5] = [
    Method::Bp,
    Method::Fa,
    Method::BpWFa,
    Method::Akrout,
    Method::Scfa,
];

/// Largest errors of a replay against the oracle, per kind of stored quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayErrors {
    /// Per-batch training losses: max |ours − theirs| / |theirs|.
    pub loss: f64,
    /// Softmax output of the first training batch: max |ours − theirs| / (1e-3 + |theirs|).
    pub first_output: f64,
    /// Softmax output on the test set after the epoch, as `first_output`.
    pub test_output: f64,
    /// Every final parameter and running statistic the epoch changes: max |ours − theirs|
    /// divided by the mean |final − initial| of its tensor (what the epoch did to it).
    pub params: f64,
    /// The tensors the epoch leaves unchanged (fixed feedback): max |ours − theirs| divided by
    /// the tensor's largest |value| (0 in float64; float32 rounding, ≤ 6e-8, in float32).
    pub fixed: f64,
}

/// The accepted errors of a replay, per element type. Derived in sal-deep's
/// `tests/oracle.rs`: the epoch (batches of 8 through BatchNorm, ReLU masks and max-pool
/// choices) amplifies a relative perturbation of its initial values ~1e6-fold in single final
/// parameters, so float64 summation-order rounding (1e-16) gives ≤ 1e-9 and float32 rounding
/// (6e-8) up to ~0.25 of a tensor's mean change; a formula error shows at ≥ 1e-3 (float64) and
/// ≥ 1 (float32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Per-batch losses, relative.
    pub loss: f64,
    /// Softmax outputs, relative to 1e-3 + |p|.
    pub output: f64,
    /// Changed parameters, as a fraction of their tensor's mean change in the epoch.
    pub params: f64,
    /// Unchanged tensors (fixed feedback), relative to their largest value.
    pub fixed: f64,
}

impl Tolerance {
    /// float64 replays: losses 1e-12, outputs 1e-11, parameters 1e-8 of the change, fixed
    /// feedback exactly.
    pub const FLOAT64: Tolerance = Tolerance {
        loss: 1e-12,
        output: 1e-11,
        params: 1e-8,
        fixed: 0.0,
    };
    /// float64 on burn's CPU backend (Flex): its kernels round further from PyTorch's than
    /// sal-deep's (measured: parameters up to 6.3e-9 of the change, fa; outputs up to 2.2e-12),
    /// and which kernels run depends on the CPU's SIMD, so parameters get 1e-7 and outputs
    /// 1e-10 — still four orders below a formula error.
    pub const FLOAT64_FLEX: Tolerance = Tolerance {
        loss: 1e-12,
        output: 1e-10,
        params: 1e-7,
        fixed: 0.0,
    };
    /// float32 networks against the float64 reference: losses 1e-5, outputs 1e-3, parameters
    /// 0.5 of the change, fixed feedback at its float32-rounded value (1e-7; a wrongly
    /// trained B moves by ≥ 1e-4).
    pub const FLOAT32: Tolerance = Tolerance {
        loss: 1e-5,
        output: 1e-3,
        params: 0.5,
        fixed: 1e-7,
    };
}

impl ReplayErrors {
    /// Whether every error is within `tol` (outputs: first batch and test set).
    pub fn within(&self, tol: Tolerance) -> bool {
        self.loss <= tol.loss
            && self.first_output <= tol.output
            && self.test_output <= tol.output
            && self.params <= tol.params
            && self.fixed <= tol.fixed
    }
}

/// NaN counts as the largest error (a plain `f64::max` fold would skip it).
fn worst(acc: f64, e: f64) -> f64 {
    if e.is_nan() {
        f64::INFINITY
    } else {
        acc.max(e)
    }
}

/// Largest |ours − theirs| / (scale + |theirs|).
fn rel_err(ours: &[f64], theirs: &[f64], scale: f64) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "value counts differ");
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs() / (scale + b.abs()))
        .fold(0.0, worst)
}

/// Replays `method`'s epoch from the oracle file at `path` on networks made by `make` (called
/// twice: once for the first batch alone, whose training-mode output the file stores, once
/// for the epoch) and compares. `perturb` > 0 multiplies every initial value by 1 ± perturb
/// (a fixed sign pattern), to measure how sensitive the epoch is to rounding.
pub fn replay(
    path: &Path,
    method: Method,
    perturb: f64,
    make: &mut dyn FnMut(Params<f64>, Hyper) -> Result<Box<dyn Network>>,
) -> Result<ReplayErrors> {
    let data = load_prefixed(path, "data/", "oracle")?;
    let init = read_checkpoint(path)?;
    let mut z = Npz::open(path)?;
    let meta = |z: &mut Npz, k: &str| -> Result<f64> {
        z.get(&format!("meta/{k}"))?
            .data
            .first()
            .copied()
            .ok_or_else(|| DeepError::param(k, "empty in the oracle file"))
    };
    let hyper = Hyper {
        lr: meta(&mut z, "lr")?,
        momentum: meta(&mut z, "momentum")?,
        weight_decay: 0.001,
        loss: Loss::DoubleSoftmax,
    };
    let batch = meta(&mut z, "batch_size")? as usize;
    let mut init_p = init.clone();
    if perturb > 0.0 {
        let mut s: u64 = 1;
        for t in &mut init_p {
            for v in &mut t.data {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *v *= 1.0 + perturb * if s >> 63 == 1 { 1.0 } else { -1.0 };
            }
        }
    }
    let mut p = Params::<f64>::init(method, data.shape, 0)?;
    // bp has no feedback matrices, bp_w_fa none in the fc layers: their init/ entries are
    // the only ones a method may leave unused
    if let Some(n) = p
        .assign(&init_p)?
        .iter()
        .find(|n| !n.ends_with(".fb_weight"))
    {
        return Err(DeepError::param(
            n,
            "in the oracle file but not used by the network",
        ));
    }
    let opts = EpochOptions {
        batch_size: batch,
        shuffle: false,
        augment: false,
        seed: 0,
    };
    let len = data.shape.len();
    let mut first = make(p.clone(), hyper)?;
    first.train_step(
        &data.x_train[..batch * len],
        &data.y_train[..batch],
        &mut |_| ControlFlow::Continue(()),
    )?;
    let out_first = first.output();
    let mut net = make(p, hyper)?;
    let stats = net.train_epoch(&data, 1, &opts, &mut |_| ControlFlow::Continue(()))?;
    let test_out = net.predict_test(&data)?;

    let name = method.name();
    let mut get = |k: &str| -> Result<Vec<f64>> { Ok(z.get(&format!("{name}/{k}"))?.data) };
    let loss = rel_err(&stats.batch_losses, &get("train_loss_per_batch")?, 0.0);
    let first_output = rel_err(&out_first, &get("train_output_first_batch")?, 1e-3);
    let test_output = rel_err(&test_out, &get("test_output")?, 1e-3);
    let fin = final_errors(&mut z, method, &init, &net.checkpoint())?;
    Ok(ReplayErrors {
        loss,
        first_output,
        test_output,
        params: fin.params,
        fixed: fin.fixed,
    })
}

/// How far final parameters are from the oracle's (see [`ReplayErrors::params`] and
/// [`ReplayErrors::fixed`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinalErrors {
    /// Changed tensors: max |ours − theirs| / mean |final − initial| of the tensor.
    pub params: f64,
    /// Unchanged tensors: max |ours − theirs| / the tensor's largest |value|.
    pub fixed: f64,
    /// Tensors compared.
    pub tensors: usize,
}

/// Compares `finals` (e.g. a run's `checkpoints/final.npz`) with the final parameters the
/// oracle file at `path` stores for `method` after its epoch.
pub fn compare_final(path: &Path, method: Method, finals: &[NamedTensor]) -> Result<FinalErrors> {
    let init = read_checkpoint(path)?;
    final_errors(&mut Npz::open(path)?, method, &init, finals)
}

fn final_errors(
    z: &mut Npz,
    method: Method,
    init: &[NamedTensor],
    finals: &[NamedTensor],
) -> Result<FinalErrors> {
    let name = method.name();
    let names = z.names()?;
    let (mut params, mut fixed): (f64, f64) = (0.0, 0.0);
    for t in finals {
        let key = format!("{name}/final/{}", t.name);
        if !names.contains(&key) {
            return Err(DeepError::param(&key, "missing from the oracle file"));
        }
        let theirs = z.get(&key)?.data;
        // Large tensors are stored at a fixed subset of indices.
        let idx_key = format!("{name}/final_index/{}", t.name);
        let idx: Option<Vec<usize>> = if names.contains(&idx_key) {
            Some(z.get(&idx_key)?.data.iter().map(|&i| i as usize).collect())
        } else {
            None
        };
        let pick = |v: &[f64]| -> Vec<f64> {
            match &idx {
                Some(ix) => ix.iter().map(|&i| v[i]).collect(),
                None => v.to_vec(),
            }
        };
        let ours = pick(&t.data);
        let init_t = init
            .iter()
            .find(|i| i.name == t.name)
            .ok_or_else(|| DeepError::param(&t.name, "no initial value in the oracle file"))?;
        let mut init_v = pick(&init_t.data);
        if method.fc_kind() == FcKind::Scfa
            && t.name.starts_with("fc")
            && t.name.ends_with("fb_weight")
        {
            // SCFA keeps |B|.
            init_v.iter_mut().for_each(|v| *v = v.abs());
        }
        let change = theirs
            .iter()
            .zip(&init_v)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / theirs.len() as f64;
        let max_diff = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, worst);
        if change == 0.0 {
            let scale = theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            fixed = worst(fixed, max_diff / scale.max(f64::MIN_POSITIVE));
        } else {
            params = worst(params, max_diff / change);
        }
    }
    Ok(FinalErrors {
        params,
        fixed,
        tensors: finals.len(),
    })
}
