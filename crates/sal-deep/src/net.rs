//! The ConvNet of deep.md §1.1 (conv → ReLU → BN → pool, twice; fc → ReLU → BN, twice; fc;
//! softmax) with the backward passes of §1.2 and the SGD of §1.3, in element type `T`
//! (`f32` for training, `f64` for the exact replay of the reference's float64 oracle).
//!
//! Layouts: the input batch is N×C×H×W (PyTorch). Conv activations are channel-major over
//! the batch (`[c][b][y][x]`), fc activations feature-major (`[feature][b]`), so that every
//! BatchNorm channel is one contiguous row. Parallel work (convolutions over fixed groups of
//! 8 images, BatchNorm over channels) uses fixed partitions and fixed-order reductions:
//! results do not depend on the number of threads.

use crate::conv::{self, ConvDims};
use crate::error::{DeepError, Result};
use crate::float::Float;
use crate::linalg::{Strides, matmul};
use crate::loss::{self, Loss};
use crate::method::{ConvKind, FcKind, Method};
use crate::norm::{self, BatchStats, Channel, PoolDims};
use crate::params::{CLASSES, CONV_CHANNELS, Geometry, InputShape, Params, fc_in, fc_out, slot};
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Optimiser settings (deep.md §1.3; the `params` section of `exp_settings.yaml`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    /// Learning rate.
    pub lr: f64,
    /// SGD momentum (PyTorch semantics: no dampening, no Nesterov).
    pub momentum: f64,
    /// Weight decay on the fc weights and fc feedback matrices; used only by `akrout`
    /// (Kolen–Pollack); every other method trains without weight decay.
    pub weight_decay: f64,
    /// The loss (default: the reference's double softmax).
    pub loss: Loss,
}

impl Default for Hyper {
    /// The parameter file's values: lr 0.01, momentum 0.9, weight decay 0.001 (akrout only).
    fn default() -> Self {
        Hyper {
            lr: 0.01,
            momentum: 0.9,
            weight_decay: 0.001,
            loss: Loss::DoubleSoftmax,
        }
    }
}

impl Hyper {
    /// Checks that every value is finite and in range; errors name the parameter-file key.
    pub fn validate(&self) -> Result<()> {
        let check = |key: &str, v: f64| -> Result<()> {
            if !v.is_finite() || v < 0.0 {
                return Err(DeepError::config(
                    key,
                    format!("must be a finite number ≥ 0, got {v}"),
                ));
            }
            Ok(())
        };
        check("lr", self.lr)?;
        check("momentum", self.momentum)?;
        check("weight_decay", self.weight_decay)
    }
}

/// Activations and gradients of one batch (resized when the batch size changes).
#[derive(Default)]
struct Work<T> {
    batch: usize,
    cols1: Vec<Vec<T>>,
    cols2: Vec<Vec<T>>,
    y1: Vec<T>,
    st1: Vec<BatchStats>,
    p1: Vec<T>,
    arg1: Vec<u8>,
    y2: Vec<T>,
    st2: Vec<BatchStats>,
    p2: Vec<T>,
    arg2: Vec<u8>,
    a0: Vec<T>,
    z: [Vec<T>; 3],
    a: [Vec<T>; 2],
    st_fc: [Vec<BatchStats>; 2],
    /// softmax output, batch-major (b × 10), f64.
    probs: Vec<f64>,
    dz3: Vec<T>,
    da: [Vec<T>; 2],
    dz: [Vec<T>; 2],
    fb_eff: Vec<T>,
    da0t: Vec<T>,
    dp2: Vec<T>,
    dy2: Vec<T>,
    dp1: Vec<T>,
    dy1: Vec<T>,
    parts: Vec<Vec<T>>,
    dcols: Vec<Vec<T>>,
}

/// Result of one training step or evaluation batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOut {
    /// Mean loss over the batch (before the update).
    pub loss: f64,
    /// Number of samples whose argmax output equals the label.
    pub correct: usize,
}

/// The ConvNet with its optimiser state, in element type `T` (`f32` by default).
pub struct ConvNet<T: Float = f32> {
    params: Params<T>,
    hyper: Hyper,
    /// Momentum buffer per slot (empty until the slot's first update).
    buf: Vec<Vec<T>>,
    grad: Vec<Vec<T>>,
    w: Work<T>,
    /// The last batch converted to `T` (reused: no allocation per batch).
    xbuf: Vec<T>,
}

impl<T: Float> ConvNet<T> {
    /// A network for `method` and input `shape` with PyTorch-default initialisation drawn
    /// from `seed` (see [`Params::init`]) and optimiser settings `hyper`.
    pub fn new(method: Method, shape: InputShape, seed: u64, hyper: Hyper) -> Result<Self> {
        Self::from_params(Params::init(method, shape, seed)?, hyper)
    }

    /// A network with the given parameters (momentum buffers empty).
    pub fn from_params(params: Params<T>, hyper: Hyper) -> Result<Self> {
        hyper.validate()?;
        let n = params.t.len();
        Ok(ConvNet {
            params,
            hyper,
            buf: vec![Vec::new(); n],
            grad: vec![Vec::new(); n],
            w: Work::default(),
            xbuf: Vec::new(),
        })
    }

    /// `x` converted to `T` in the network's reused input buffer (give it back with
    /// [`ConvNet::keep_input`]).
    pub(crate) fn take_input(&mut self, x: &[f32]) -> Vec<T> {
        let mut xt = std::mem::take(&mut self.xbuf);
        xt.clear();
        xt.extend(x.iter().map(|&v| T::from_f64(v as f64)));
        xt
    }

    pub(crate) fn keep_input(&mut self, xt: Vec<T>) {
        self.xbuf = xt;
    }

    /// The parameters and running statistics.
    pub fn params(&self) -> &Params<T> {
        &self.params
    }

    /// Mutable access to the parameters (e.g. for a feedback phase or loading a checkpoint).
    pub fn params_mut(&mut self) -> &mut Params<T> {
        &mut self.params
    }

    /// Clears the momentum buffers (the next step starts them afresh, as a new optimiser).
    pub fn reset_optimizer(&mut self) {
        for b in &mut self.buf {
            b.clear();
        }
    }

    /// The optimiser settings.
    pub fn hyper(&self) -> &Hyper {
        &self.hyper
    }

    /// The feedback method.
    pub fn method(&self) -> Method {
        self.params.method
    }

    /// The input shape.
    pub fn shape(&self) -> InputShape {
        self.params.shape
    }

    /// The softmax output of the last forward pass, batch-major (batch × 10).
    pub fn last_output(&self) -> &[f64] {
        &self.w.probs[..self.w.batch * CLASSES]
    }

    fn geom(&self) -> Geometry {
        self.params.geom
    }

    fn resize(&mut self, batch: usize) {
        let g = self.geom();
        let w = &mut self.w;
        if w.batch == batch && !w.y1.is_empty() {
            return;
        }
        w.batch = batch;
        let c = CONV_CHANNELS;
        let ng = ConvDims::groups(batch);
        w.cols1.resize(ng, Vec::new());
        w.cols2.resize(ng, Vec::new());
        w.parts.resize(ng, Vec::new());
        w.dcols.resize(ng, Vec::new());
        let z = T::ZERO;
        w.y1 = vec![z; c * batch * g.h1 * g.w1];
        w.dy1 = w.y1.clone();
        w.st1 = vec![BatchStats::default(); c];
        w.p1 = vec![z; c * batch * g.hp1 * g.wp1];
        w.dp1 = w.p1.clone();
        w.arg1 = vec![0; w.p1.len()];
        w.y2 = vec![z; c * batch * g.h2 * g.w2];
        w.dy2 = w.y2.clone();
        w.st2 = vec![BatchStats::default(); c];
        w.p2 = vec![z; c * batch * g.hp2 * g.wp2];
        w.dp2 = w.p2.clone();
        w.arg2 = vec![0; w.p2.len()];
        w.a0 = vec![z; batch * g.f];
        w.da0t = w.a0.clone();
        w.z = [0, 1, 2].map(|k| vec![z; fc_out(k) * batch]);
        w.a = [0, 1].map(|k| vec![z; fc_out(k) * batch]);
        w.da = w.a.clone();
        w.dz = w.a.clone();
        w.st_fc = [0, 1].map(|k| vec![BatchStats::default(); fc_out(k)]);
        w.probs = vec![0.0; batch * CLASSES];
        w.dz3 = vec![z; CLASSES * batch];
    }

    /// Forward pass on `x` (batch × C·H·W, NCHW). Training mode uses batch statistics and
    /// updates the running ones; evaluation mode uses the running statistics. Leaves the
    /// softmax output in `self.w.probs`.
    fn forward(
        &mut self,
        x: &[T],
        batch: usize,
        train: bool,
        tick: &mut dyn FnMut() -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.resize(batch);
        let g = self.geom();
        let p = &mut self.params;
        let w = &mut self.w;
        let c = CONV_CHANNELS;
        // conv1 on the NCHW input.
        let d1 = ConvDims {
            cin: g.c,
            cout: c,
            h: g.h,
            w: g.w,
            sb: g.c * g.h * g.w,
            sc: g.h * g.w,
        };
        conv::forward(x, &d1, batch, &p.t[slot::CONV1_W], &mut w.y1, &mut w.cols1);
        conv_bn_pool(
            p,
            0,
            &mut w.y1,
            PoolDims {
                n: batch,
                h: g.h1,
                w: g.w1,
            },
            &mut w.st1,
            &mut w.p1,
            &mut w.arg1,
            train,
        );
        tick()?;
        // conv2 on the channel-major pooled maps: image b, channel c at c·(B·hp·wp) + b·hp·wp.
        let d2 = conv2_dims(&g, batch);
        conv::forward(
            &w.p1,
            &d2,
            batch,
            &p.t[slot::CONV2_W],
            &mut w.y2,
            &mut w.cols2,
        );
        conv_bn_pool(
            p,
            1,
            &mut w.y2,
            PoolDims {
                n: batch,
                h: g.h2,
                w: g.w2,
            },
            &mut w.st2,
            &mut w.p2,
            &mut w.arg2,
            train,
        );
        // Flatten (channel-major per image) into a0 (b × F).
        let s = g.hp2 * g.wp2;
        for ch in 0..c {
            for b in 0..batch {
                w.a0[b * g.f + ch * s..b * g.f + (ch + 1) * s]
                    .copy_from_slice(&w.p2[ch * batch * s + b * s..ch * batch * s + (b + 1) * s]);
            }
        }
        // fc1: z0 (384 × B) = W1 (384 × F) · a0ᵀ + b1.
        for k in 0..3 {
            let (o, i) = (fc_out(k), fc_in(&g, k));
            let (input, is) = if k == 0 {
                (&w.a0[..], Strides::t(g.f))
            } else {
                (&w.a[k - 1][..], Strides::row(batch))
            };
            matmul(
                o,
                batch,
                i,
                &mut w.z[k],
                Strides::row(batch),
                false,
                &p.t[slot::fc_w(k)],
                Strides::row(i),
                input,
                is,
            );
            let bias = &p.t[slot::fc_b(k)];
            for (row, &bv) in w.z[k].chunks_mut(batch).zip(bias) {
                for v in row {
                    *v += bv;
                }
            }
            if k < 2 {
                fc_bn(
                    p,
                    k,
                    &mut w.z[k],
                    &mut w.a[k],
                    &mut w.st_fc[k],
                    batch,
                    train,
                );
            }
        }
        for b in 0..batch {
            let zb: Vec<f64> = (0..CLASSES)
                .map(|j| w.z[2][j * batch + b].to_f64())
                .collect();
            softmax(&zb, &mut w.probs[b * CLASSES..(b + 1) * CLASSES]);
        }
        ControlFlow::Continue(())
    }

    /// Loss and correct count of the last forward pass against `labels`; if `grad`, also
    /// ∂(mean loss)/∂z3 into `dz3`.
    fn loss(&mut self, labels: &[u8], grad: bool) -> BatchOut {
        let batch = self.w.batch;
        let kind = self.hyper.loss;
        let w = &mut self.w;
        let (mut total, mut correct) = (0.0, 0);
        let mut z = [0.0; CLASSES];
        let mut pr = [0.0; CLASSES];
        let mut dz = [0.0; CLASSES];
        for (b, &y) in labels.iter().enumerate().take(batch) {
            for (j, zj) in z.iter_mut().enumerate() {
                *zj = w.z[2][j * batch + b].to_f64();
            }
            total += loss::sample(kind, &z, y as usize, &mut pr, &mut dz);
            if argmax(&w.probs[b * CLASSES..(b + 1) * CLASSES]) == y as usize {
                correct += 1;
            }
            if grad {
                for (j, &d) in dz.iter().enumerate() {
                    w.dz3[j * batch + b] = T::from_f64(d / batch as f64);
                }
            }
        }
        BatchOut {
            loss: total / batch as f64,
            correct,
        }
    }

    /// Backward pass of the last training-mode forward pass: fills `self.grad` per slot.
    fn backward(
        &mut self,
        x_batch: usize,
        tick: &mut dyn FnMut() -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let g = self.geom();
        let batch = x_batch;
        let method = self.params.method;
        let p = &self.params;
        let w = &mut self.w;
        let gr = &mut self.grad;
        for (i, t) in p.t.iter().enumerate() {
            gr[i].resize(t.len(), T::ZERO);
        }
        // fc layers, top down. δ_k (o × B) is the gradient at z_k.
        for k in (0..3).rev() {
            let (o, i) = (fc_out(k), fc_in(&g, k));
            let delta: Vec<T> = if k == 2 {
                w.dz3.clone()
            } else {
                w.dz[k].clone()
            };
            let delta = &delta[..];
            // ∂W = δ · inputᵀ
            let wslot = slot::fc_w(k);
            if k == 0 {
                matmul(
                    o,
                    i,
                    batch,
                    &mut gr[wslot],
                    Strides::row(i),
                    false,
                    delta,
                    Strides::row(batch),
                    &w.a0,
                    Strides::row(g.f),
                );
            } else {
                matmul(
                    o,
                    i,
                    batch,
                    &mut gr[wslot],
                    Strides::row(i),
                    false,
                    delta,
                    Strides::row(batch),
                    &w.a[k - 1],
                    Strides::t(batch),
                );
            }
            for (gb, row) in gr[slot::fc_b(k)].iter_mut().zip(delta.chunks(batch)) {
                let mut s = 0.0;
                for &v in row {
                    s += v.to_f64();
                }
                *gb = T::from_f64(s);
            }
            if method.fc_kind() == FcKind::Kp {
                let (wg, fg) = (gr[wslot].clone(), &mut gr[slot::fc_fb(k)]);
                fg.copy_from_slice(&wg);
            }
            // The matrix the error is sent back through.
            let m: &[T] = match method.fc_kind() {
                FcKind::Bp => &p.t[wslot],
                FcKind::Fa | FcKind::Kp => &p.t[slot::fc_fb(k)],
                FcKind::Scfa => {
                    let (wt, bt) = (&p.t[wslot], &p.t[slot::fc_fb(k)]);
                    w.fb_eff.clear();
                    w.fb_eff.extend(wt.iter().zip(bt).map(|(&wv, &bv)| {
                        if wv > T::ZERO {
                            bv
                        } else if wv < T::ZERO {
                            -bv
                        } else {
                            T::ZERO
                        }
                    }));
                    &w.fb_eff
                }
            };
            if k > 0 {
                // ∂a_(k−1) (i × B) = Mᵀ (i × o) · δ (o × B)
                matmul(
                    i,
                    batch,
                    o,
                    &mut w.da[k - 1],
                    Strides::row(batch),
                    false,
                    m,
                    Strides::t(i),
                    delta,
                    Strides::row(batch),
                );
                // BN + ReLU backward of layer k−1 → δ_(k−1)
                let j = k - 1 + 2; // bn3, bn4
                let gamma = &p.t[slot::bn_w(j)];
                let (gw, rest) = gr.split_at_mut(slot::bn_b(j));
                let dgam = &mut gw[slot::bn_w(j)];
                let dbet = &mut rest[0];
                let res: Vec<(f64, f64)> = w.dz[k - 1]
                    .par_chunks_mut(batch)
                    .zip(w.z[k - 1].par_chunks(batch))
                    .zip(w.da[k - 1].par_chunks(batch))
                    .enumerate()
                    .map(|(f, ((dh, r), da))| {
                        norm::norm_relu_backward(r, da, gamma[f], w.st_fc[k - 1][f], dh)
                    })
                    .collect();
                for (f, (a, b)) in res.into_iter().enumerate() {
                    dgam[f] = T::from_f64(a);
                    dbet[f] = T::from_f64(b);
                }
            } else {
                // ∂a0ᵀ (B × F) = δᵀ (B × o) · M (o × F), then un-flatten into dp2.
                matmul(
                    batch,
                    i,
                    o,
                    &mut w.da0t,
                    Strides::row(i),
                    false,
                    delta,
                    Strides::t(batch),
                    m,
                    Strides::row(i),
                );
                let s = g.hp2 * g.wp2;
                for ch in 0..CONV_CHANNELS {
                    for b in 0..batch {
                        w.dp2[ch * batch * s + b * s..ch * batch * s + (b + 1) * s]
                            .copy_from_slice(&w.da0t[b * g.f + ch * s..b * g.f + (ch + 1) * s]);
                    }
                }
            }
        }
        // pool2 → BN2 → ReLU backward, then conv2.
        pool_bn_backward(
            p,
            gr,
            1,
            &w.y2,
            PoolDims {
                n: batch,
                h: g.h2,
                w: g.w2,
            },
            &w.arg2,
            &w.dp2,
            &w.st2,
            &mut w.dy2,
        );
        let d2 = conv2_dims(&g, batch);
        let kernel2 = match method.conv_kind() {
            ConvKind::Bp => &p.t[slot::CONV2_W],
            ConvKind::Fa => &p.t[slot::CONV2_FB],
        };
        conv::backward(
            &w.dy2,
            &d2,
            batch,
            &w.cols2,
            &mut gr[slot::CONV2_W],
            &mut w.parts,
            &mut w.dcols,
            Some((kernel2, &mut w.dp1)),
        );
        tick()?;
        pool_bn_backward(
            p,
            gr,
            0,
            &w.y1,
            PoolDims {
                n: batch,
                h: g.h1,
                w: g.w1,
            },
            &w.arg1,
            &w.dp1,
            &w.st1,
            &mut w.dy1,
        );
        let d1 = ConvDims {
            cin: g.c,
            cout: CONV_CHANNELS,
            h: g.h,
            w: g.w,
            sb: g.c * g.h * g.w,
            sc: g.h * g.w,
        };
        conv::backward(
            &w.dy1,
            &d1,
            batch,
            &w.cols1,
            &mut gr[slot::CONV1_W],
            &mut w.parts,
            &mut w.dcols,
            None,
        );
        ControlFlow::Continue(())
    }

    /// SGD with momentum (PyTorch semantics, deep.md §1.3) on every trained slot.
    fn step(&mut self) {
        let method = self.params.method;
        let h = self.hyper;
        let lr = T::from_f64(h.lr);
        let mom = T::from_f64(h.momentum);
        for i in 0..slot::COUNT {
            if self.params.t[i].is_empty() || !trained(method, i) {
                continue;
            }
            let wd = if method.uses_weight_decay() && decayed(i) {
                Some(T::from_f64(h.weight_decay))
            } else {
                None
            };
            let theta = &mut self.params.t[i];
            let grad = &mut self.grad[i];
            if let Some(wd) = wd {
                for (gv, &tv) in grad.iter_mut().zip(theta.iter()) {
                    *gv += wd * tv;
                }
            }
            let buf = &mut self.buf[i];
            if buf.is_empty() {
                buf.extend_from_slice(grad);
            } else {
                for (bv, &gv) in buf.iter_mut().zip(grad.iter()) {
                    *bv = *bv * mom + gv;
                }
            }
            for (tv, &bv) in theta.iter_mut().zip(buf.iter()) {
                *tv -= lr * bv;
            }
        }
    }

    /// One SGD step on a batch (`x`: batch × C·H·W, NCHW; `labels` in 0..10): forward in
    /// training mode, loss, backward, update. Returns the loss before the update.
    /// A training batch needs at least 2 images (BatchNorm1d's unbiased variance; PyTorch
    /// refuses a batch of 1 in training mode too).
    pub fn train_batch(&mut self, x: &[T], labels: &[u8]) -> Result<BatchOut> {
        self.train_batch_with(x, labels, &mut |_| ControlFlow::Continue(()))
    }

    /// As [`ConvNet::train_batch`], calling `progress(0)` at three points inside the step
    /// (after conv1's stage, after the forward pass, after conv2's backward pass: gaps of
    /// at most about half a step); `Break` returns [`DeepError::Interrupted`] at once (the
    /// update is then not applied, but running statistics may have moved).
    pub fn train_batch_with(
        &mut self,
        x: &[T],
        labels: &[u8],
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<BatchOut> {
        let batch = self.check_batch(x, labels)?;
        if batch < 2 {
            return Err(DeepError::config(
                "batch_size",
                "a training batch of 1 image: BatchNorm over the fc features needs at least 2 (the last partial batch of an epoch too)",
            ));
        }
        let mut tick = || progress(0);
        if self.forward(x, batch, true, &mut tick).is_break() || tick().is_break() {
            return Err(DeepError::Interrupted);
        }
        let out = self.loss(labels, true);
        if self.backward(batch, &mut tick).is_break() {
            return Err(DeepError::Interrupted);
        }
        self.step();
        Ok(out)
    }

    /// Forward pass in evaluation mode (running statistics, no update). The softmax output
    /// is then [`ConvNet::last_output`].
    pub fn eval_batch(&mut self, x: &[T], labels: &[u8]) -> Result<BatchOut> {
        let batch = self.check_batch(x, labels)?;
        let _ = self.forward(x, batch, false, &mut || ControlFlow::Continue(()));
        Ok(self.loss(labels, false))
    }

    fn check_batch(&self, x: &[T], labels: &[u8]) -> Result<usize> {
        let batch = labels.len();
        if batch == 0 {
            return Err(DeepError::config(
                "batch_size",
                "a batch needs at least one image",
            ));
        }
        let len = self.params.shape.len();
        if x.len() != batch * len {
            return Err(DeepError::config(
                "batch",
                format!(
                    "{} values for {batch} images of {}",
                    x.len(),
                    self.params.shape
                ),
            ));
        }
        if let Some(&y) = labels.iter().find(|&&y| y as usize >= CLASSES) {
            return Err(DeepError::config(
                "labels",
                format!("label {y} is not a class 0..9"),
            ));
        }
        Ok(batch)
    }
}

/// Whether slot `i` is changed by SGD under `method` (fixed feedback is not; running
/// statistics are buffers).
fn trained(method: Method, i: usize) -> bool {
    use crate::params::{Role, slot_role};
    match slot_role(i) {
        Role::Running => false,
        Role::Feedback => method.fc_kind() == FcKind::Kp && (0..3).any(|k| i == slot::fc_fb(k)),
        _ => true,
    }
}

/// Whether slot `i` gets weight decay (akrout: fc weights and fc feedback matrices).
fn decayed(i: usize) -> bool {
    (0..3).any(|k| i == slot::fc_w(k) || i == slot::fc_fb(k))
}

fn conv2_dims(g: &Geometry, batch: usize) -> ConvDims {
    let s = g.hp1 * g.wp1;
    ConvDims {
        cin: CONV_CHANNELS,
        cout: CONV_CHANNELS,
        h: g.hp1,
        w: g.wp1,
        sb: s,
        sc: batch * s,
    }
}

/// ReLU → BN (bn1 for `j` = 0, bn2 for 1) → max-pool over the channel rows of `y`.
#[allow(clippy::too_many_arguments)]
fn conv_bn_pool<T: Float>(
    p: &mut Params<T>,
    j: usize,
    y: &mut [T],
    d: PoolDims,
    st: &mut [BatchStats],
    out: &mut [T],
    arg: &mut [u8],
    train: bool,
) {
    let n = d.n * d.h * d.w;
    let pn = d.pooled();
    let (gamma, beta) = (&p.t[slot::bn_w(j)], &p.t[slot::bn_b(j)]);
    let (rm0, rv0) = (&p.t[slot::bn_rm(j)], &p.t[slot::bn_rv(j)]);
    let res: Vec<(T, T, BatchStats, T, T)> = y
        .par_chunks_mut(n)
        .zip(out.par_chunks_mut(pn))
        .zip(arg.par_chunks_mut(pn))
        .enumerate()
        .map(|(c, ((row, o), a))| {
            let (mut rm, mut rv) = (rm0[c], rv0[c]);
            let ch = Channel {
                gamma: gamma[c],
                beta: beta[c],
                running_mean: &mut rm,
                running_var: &mut rv,
            };
            let (s, t, bs) = norm::relu_stats(row, ch, train);
            norm::norm_pool(row, d, s, t, o, a);
            (s, t, bs, rm, rv)
        })
        .collect();
    for (c, (_, _, bs, rm, rv)) in res.into_iter().enumerate() {
        st[c] = bs;
        p.t[slot::bn_rm(j)][c] = rm;
        p.t[slot::bn_rv(j)][c] = rv;
    }
}

/// ReLU → BN (bn3 for `k` = 0, bn4 for 1) over the feature rows of `z` (in place: ReLU), the
/// normalised output into `a`.
fn fc_bn<T: Float>(
    p: &mut Params<T>,
    k: usize,
    z: &mut [T],
    a: &mut [T],
    st: &mut [BatchStats],
    batch: usize,
    train: bool,
) {
    let j = k + 2;
    let (gamma, beta) = (&p.t[slot::bn_w(j)], &p.t[slot::bn_b(j)]);
    let (rm0, rv0) = (&p.t[slot::bn_rm(j)], &p.t[slot::bn_rv(j)]);
    let res: Vec<(BatchStats, T, T)> = z
        .par_chunks_mut(batch)
        .zip(a.par_chunks_mut(batch))
        .enumerate()
        .map(|(f, (row, o))| {
            let (mut rm, mut rv) = (rm0[f], rv0[f]);
            let ch = Channel {
                gamma: gamma[f],
                beta: beta[f],
                running_mean: &mut rm,
                running_var: &mut rv,
            };
            let (s, t, bs) = norm::relu_stats(row, ch, train);
            for (ov, &rv) in o.iter_mut().zip(row.iter()) {
                *ov = rv * s + t;
            }
            (bs, rm, rv)
        })
        .collect();
    for (f, (bs, rm, rv)) in res.into_iter().enumerate() {
        st[f] = bs;
        p.t[slot::bn_rm(j)][f] = rm;
        p.t[slot::bn_rv(j)][f] = rv;
    }
}

/// Backward of ReLU → BN(j) → pool over channel rows; writes ∂γ, ∂β into `gr`.
#[allow(clippy::too_many_arguments)]
fn pool_bn_backward<T: Float>(
    p: &Params<T>,
    gr: &mut [Vec<T>],
    j: usize,
    r: &[T],
    d: PoolDims,
    arg: &[u8],
    dp: &[T],
    st: &[BatchStats],
    dy: &mut [T],
) {
    let n = d.n * d.h * d.w;
    let pn = d.pooled();
    let gamma = &p.t[slot::bn_w(j)];
    let res: Vec<(f64, f64)> = dy
        .par_chunks_mut(n)
        .zip(r.par_chunks(n))
        .zip(arg.par_chunks(pn))
        .zip(dp.par_chunks(pn))
        .enumerate()
        .map(|(c, (((dyc, rc), ac), dpc))| {
            norm::pool_norm_relu_backward(rc, d, ac, dpc, gamma[c], st[c], dyc)
        })
        .collect();
    for (c, (a, b)) in res.into_iter().enumerate() {
        gr[slot::bn_w(j)][c] = T::from_f64(a);
        gr[slot::bn_b(j)][c] = T::from_f64(b);
    }
}

fn softmax(z: &[f64], out: &mut [f64]) {
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for (o, &v) in out.iter_mut().zip(z) {
        *o = (v - m).exp();
        s += *o;
    }
    for o in out.iter_mut() {
        *o /= s;
    }
}

/// Index of the first maximum (PyTorch's argmax on ties): the predicted class of a softmax
/// output row.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
