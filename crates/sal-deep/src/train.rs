//! The epoch loop of deep.md §1.5 (one training epoch, the test pass, the symmetry metrics
//! of §1.6) and checkpoints with the reference's parameter names.

use crate::data::Dataset;
use crate::error::{DeepError, Result};
use crate::float::Float;
use crate::method::Method;
use crate::net::{BatchOut, ConvNet};
use crate::params::{CLASSES, FcParams, InputShape, NamedTensor};
use rand_core::Rng;
use sal::metrics::Alignment;
use std::ops::ControlFlow;

/// Test batches of 256 images, in order (deep.md §1.4).
pub const TEST_BATCH: usize = 256;

/// What one pass over a data set gives (deep.md §1.5).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    /// **Sum** over batches of the batch-mean losses (the reference's `loss/train`,
    /// `loss/test`).
    pub loss_sum: f64,
    /// Accuracy in percent (argmax of the softmax output).
    pub accuracy: f64,
    /// Batches processed.
    pub batches: usize,
    /// Images processed.
    pub images: usize,
    /// Per-batch mean losses, in order.
    pub batch_losses: Vec<f64>,
}

/// How a training epoch walks through the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochOptions {
    /// Images per SGD step (the last partial batch is kept).
    pub batch_size: usize,
    /// Reshuffle the training set every epoch (stream `convnet/shuffle`, index = epoch);
    /// `false` keeps the stored order (exact replays).
    pub shuffle: bool,
    /// Apply the dataset's training augmentation (random crop / flip, stream
    /// `convnet/augment`, index = epoch).
    pub augment: bool,
    /// Seed of the run.
    pub seed: u64,
}

impl Default for EpochOptions {
    /// Batches of 128, shuffled, augmented, seed 0 (the parameter file's settings).
    fn default() -> Self {
        EpochOptions {
            batch_size: 128,
            shuffle: true,
            augment: true,
            seed: 0,
        }
    }
}

/// Order of the training images in epoch `epoch` (a Fisher–Yates shuffle from the run's
/// stream, or the stored order).
pub fn epoch_order(n: usize, opts: &EpochOptions, epoch: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if opts.shuffle {
        let mut rng = sal::rng::stream(opts.seed, "convnet/shuffle", epoch as u64);
        for i in (1..n).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
    }
    idx
}

/// A ConvNet implementation the epoch loop of deep.md §1.5 can drive: this crate's
/// [`ConvNet`] (hand-written CPU kernels, `f32` or `f64`) or `sal-deep-burn`'s network (burn's
/// CPU and GPU backends). Both hold the same parameters under the reference's names, so
/// checkpoints, the symmetry metrics and the feedback phases (SAL, RDD) work on either.
///
/// The required methods are one batch at a time; the provided ones are the epoch loop
/// (training epoch, test pass, test outputs, fc symmetry metrics), written once for all
/// implementations.
pub trait Network {
    /// The feedback method.
    fn method(&self) -> Method;

    /// The input shape (C×H×W).
    fn shape(&self) -> InputShape;

    /// One SGD step on a batch (`x`: batch × C·H·W values, NCHW; `labels` in 0..10): forward
    /// in training mode, loss, backward, update; returns the loss before the update.
    /// `progress(0)` may be called inside the step; `Break` returns
    /// [`DeepError::Interrupted`].
    fn train_step(
        &mut self,
        x: &[f32],
        labels: &[u8],
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<BatchOut>;

    /// Forward pass in evaluation mode (running statistics, no update).
    fn eval_step(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchOut>;

    /// The softmax output of the last forward pass, batch-major (batch × 10).
    fn output(&self) -> Vec<f64>;

    /// The fc weights, biases and feedback matrices (what a feedback phase reads).
    fn fc(&self) -> FcParams;

    /// Writes the fc layers back — weights, biases and, where the method has them, the
    /// feedback matrices (what a feedback phase returns; sizes and finiteness checked as in
    /// [`crate::Params::set_fc`], nothing changed on error).
    fn set_fc(&mut self, fc: &FcParams) -> Result<()>;

    /// Every parameter and running statistic with the reference's name and PyTorch shape
    /// (`conv1.weight`, `fc1.fb_weight`, `bn3.running_var`, …).
    fn checkpoint(&self) -> Vec<NamedTensor>;

    /// Loads a checkpoint (all tensors of this method, shapes checked; the momentum buffers
    /// are reset). Returns the names present but unused by this method.
    fn load_checkpoint(&mut self, tensors: &[NamedTensor]) -> Result<Vec<String>>;

    /// The first parameter or running statistic (by name) holding a non-finite value.
    fn first_non_finite(&self) -> Option<(String, f64)>;

    /// One training epoch (model in training mode) over `data`'s training set; `epoch` is
    /// 1-based (it selects the shuffle/augmentation streams and names the epoch in errors).
    /// `progress` receives the number of images processed since its last call (after every
    /// batch, and 0 inside steps); `Break` stops with [`DeepError::Interrupted`]. A
    /// non-finite batch loss or parameter stops with [`DeepError::NonFinite`] naming the
    /// epoch.
    fn train_epoch(
        &mut self,
        data: &Dataset,
        epoch: usize,
        opts: &EpochOptions,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<EpochStats> {
        if opts.batch_size == 0 {
            return Err(DeepError::config("batch_size", "must be at least 1"));
        }
        data.check_shape(self.shape())?;
        let n = data.n_train();
        let order = epoch_order(n, opts, epoch);
        let mut aug_rng = sal::rng::stream(opts.seed, "convnet/augment", epoch as u64);
        let mut stats = EpochStats::empty();
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (bi, chunk) in order.chunks(opts.batch_size).enumerate() {
            data.train_batch(chunk, opts.augment.then_some(&mut aug_rng), &mut x, &mut y);
            let out = self.train_step(&x, &y, progress)?;
            if !out.loss.is_finite() {
                return Err(DeepError::NonFinite {
                    epoch,
                    quantity: format!("training loss (batch {})", bi + 1),
                    value: out.loss,
                });
            }
            stats.add(&out, chunk.len());
            if progress(chunk.len() as u64).is_break() {
                return Err(DeepError::Interrupted);
            }
        }
        if let Some((name, value)) = self.first_non_finite() {
            return Err(DeepError::NonFinite {
                epoch,
                quantity: name,
                value,
            });
        }
        Ok(stats.finish())
    }

    /// The test pass (evaluation mode: running statistics, no update) over `data`'s test
    /// set in batches of 256, in order. `progress` as in [`Network::train_epoch`].
    fn evaluate(
        &mut self,
        data: &Dataset,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<EpochStats> {
        data.check_shape(self.shape())?;
        let mut stats = EpochStats::empty();
        let mut x = Vec::new();
        let mut y = Vec::new();
        let idx: Vec<usize> = (0..data.n_test()).collect();
        for chunk in idx.chunks(TEST_BATCH) {
            data.test_batch(chunk, &mut x, &mut y);
            let out = self.eval_step(&x, &y)?;
            stats.add(&out, chunk.len());
            if progress(chunk.len() as u64).is_break() {
                return Err(DeepError::Interrupted);
            }
        }
        Ok(stats.finish())
    }

    /// Softmax outputs (batch-major, N × 10) of the test set in evaluation mode.
    fn predict_test(&mut self, data: &Dataset) -> Result<Vec<f64>> {
        data.check_shape(self.shape())?;
        let mut out = Vec::with_capacity(data.n_test() * CLASSES);
        let mut x = Vec::new();
        let mut y = Vec::new();
        let idx: Vec<usize> = (0..data.n_test()).collect();
        for chunk in idx.chunks(TEST_BATCH) {
            data.test_batch(chunk, &mut x, &mut y);
            self.eval_step(&x, &y)?;
            out.extend(self.output());
        }
        Ok(out)
    }

    /// Symmetry metrics of fc1, fc2, fc3 (deep.md §1.6): W against its feedback matrix B
    /// (both out × in; B := W for BP fc layers, |B| as stored for SCFA).
    fn alignment(&self) -> [Alignment; 3] {
        let fc = self.fc();
        [0, 1, 2].map(|k| sal::metrics::alignment(&fc.w[k], &fc.fb[k]))
    }
}

impl<T: Float> Network for ConvNet<T> {
    fn method(&self) -> Method {
        self.params().method()
    }

    fn shape(&self) -> InputShape {
        self.params().shape()
    }

    fn train_step(
        &mut self,
        x: &[f32],
        labels: &[u8],
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<BatchOut> {
        let xt = self.take_input(x);
        let out = self.train_batch_with(&xt, labels, progress);
        self.keep_input(xt);
        out
    }

    fn eval_step(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchOut> {
        let xt = self.take_input(x);
        let out = self.eval_batch(&xt, labels);
        self.keep_input(xt);
        out
    }

    fn output(&self) -> Vec<f64> {
        self.last_output().to_vec()
    }

    fn fc(&self) -> FcParams {
        self.params().fc()
    }

    fn set_fc(&mut self, fc: &FcParams) -> Result<()> {
        self.params_mut().set_fc(fc)
    }

    fn checkpoint(&self) -> Vec<NamedTensor> {
        self.params().to_named()
    }

    fn load_checkpoint(&mut self, tensors: &[NamedTensor]) -> Result<Vec<String>> {
        let skipped = self.params_mut().assign(tensors)?;
        self.reset_optimizer();
        Ok(skipped)
    }

    fn first_non_finite(&self) -> Option<(String, f64)> {
        self.params().first_non_finite()
    }
}

impl<T: Float> ConvNet<T> {
    /// As [`Network::alignment`] but with the feedback the error really travels through:
    /// |B| ⊙ sign(W) for SCFA (D8: the reference reports the stored |B|); identical to
    /// [`Network::alignment`] for every other method.
    pub fn alignment_effective(&self) -> [Alignment; 3] {
        let fc = self.params().fc();
        let scfa = self.method().fc_kind() == crate::method::FcKind::Scfa;
        [0, 1, 2].map(|k| {
            if scfa {
                let eff: Vec<f64> = fc.w[k]
                    .iter()
                    .zip(&fc.fb[k])
                    .map(|(&w, &b)| {
                        if w > 0.0 {
                            b
                        } else if w < 0.0 {
                            -b
                        } else {
                            0.0
                        }
                    })
                    .collect();
                sal::metrics::alignment(&fc.w[k], &eff)
            } else {
                sal::metrics::alignment(&fc.w[k], &fc.fb[k])
            }
        })
    }
}

impl EpochStats {
    fn empty() -> Self {
        EpochStats {
            loss_sum: 0.0,
            accuracy: 0.0,
            batches: 0,
            images: 0,
            batch_losses: Vec::new(),
        }
    }
    fn add(&mut self, out: &BatchOut, n: usize) {
        self.loss_sum += out.loss;
        self.batch_losses.push(out.loss);
        self.batches += 1;
        self.images += n;
        self.accuracy += out.correct as f64;
    }
    fn finish(mut self) -> Self {
        self.accuracy = if self.images > 0 {
            100.0 * self.accuracy / self.images as f64
        } else {
            0.0
        };
        self
    }
}

/// The per-epoch scalars under the reference's names (deep.md §1.5–1.6, D9): `loss/train`,
/// `accuracy/train`, `loss/test`, `accuracy/test` (losses summed over batches, accuracies
/// in %), and for each fc layer k = 0, 1, 2 `symm/angle/k` (deg), `symm/var/k`,
/// `symm/corrcoef/k`, `symm/sign/k`. Either pass may be absent (e.g. the metrics recorded
/// once before the first epoch).
pub fn scalars(
    train: Option<&EpochStats>,
    test: Option<&EpochStats>,
    align: &[Alignment; 3],
) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    if let Some(t) = train {
        out.push(("loss/train".to_string(), t.loss_sum));
        out.push(("accuracy/train".to_string(), t.accuracy));
    }
    if let Some(t) = test {
        out.push(("loss/test".to_string(), t.loss_sum));
        out.push(("accuracy/test".to_string(), t.accuracy));
    }
    for (k, a) in align.iter().enumerate() {
        out.push((format!("symm/angle/{k}"), a.angle_deg));
        out.push((format!("symm/var/{k}"), a.var));
        out.push((format!("symm/corrcoef/{k}"), a.corrcoef));
        out.push((format!("symm/sign/{k}"), a.sign));
    }
    out
}

/// One epoch's record (deep.md §1.5): the training and test passes and the fc symmetry
/// metrics (taken after the feedback phase for `sal` / `rdd`, after the test pass
/// otherwise). Epoch 0 is the record before training (metrics only).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// 0 before training, then 1, 2, …
    pub epoch: usize,
    /// The training pass (absent for epoch 0).
    pub train: Option<EpochStats>,
    /// The test pass (absent for epoch 0).
    pub test: Option<EpochStats>,
    /// Symmetry metrics of fc1, fc2, fc3.
    pub align: [Alignment; 3],
}

impl EpochRecord {
    /// The record under the reference's scalar names (see [`scalars`]).
    pub fn scalars(&self) -> Vec<(String, f64)> {
        scalars(self.train.as_ref(), self.test.as_ref(), &self.align)
    }
}

/// A spiking feedback phase (SAL or RDD, deep.md §2.3 / §3.6): reads the fc layers and
/// writes the new feedback matrices into them, for the given 1-based epoch.
pub type FeedbackPhase<'a> = dyn FnMut(&mut crate::params::FcParams, usize) -> Result<()> + 'a;

/// The epoch loop of deep.md §1.5 for epochs `first ..= last` (1-based; `first` > 1
/// continues a run): `on_record` receives the epoch-0 record when `first` = 1 and then one
/// record per epoch, in order (the caller writes metrics and checkpoints; an error from it
/// stops the loop). `phase` must be given exactly for the methods that need one (`sal`,
/// `rdd`); it runs before each training epoch and its matrices are checked for finiteness.
#[allow(clippy::too_many_arguments)]
pub fn run_epochs<N: Network + ?Sized>(
    net: &mut N,
    data: &Dataset,
    first: usize,
    last: usize,
    opts: &EpochOptions,
    mut phase: Option<&mut FeedbackPhase<'_>>,
    on_record: &mut dyn FnMut(&N, EpochRecord) -> Result<()>,
    progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
) -> Result<()> {
    let method = net.method();
    if method.needs_phase() != phase.is_some() {
        return Err(DeepError::config(
            "method",
            format!(
                "{method} {} feedback phase",
                if method.needs_phase() {
                    "needs a"
                } else {
                    "takes no"
                }
            ),
        ));
    }
    if first == 0 {
        return Err(DeepError::config("epoch", "epochs are numbered from 1"));
    }
    if first == 1 {
        let align = net.alignment();
        on_record(
            net,
            EpochRecord {
                epoch: 0,
                train: None,
                test: None,
                align,
            },
        )?;
    }
    for epoch in first..=last {
        let mut align = None;
        if let Some(phase) = phase.as_deref_mut() {
            let mut fc = net.fc();
            phase(&mut fc, epoch)?;
            net.set_fc(&fc).map_err(|e| match e {
                DeepError::Param { name, reason } => DeepError::NonFinite {
                    epoch,
                    quantity: format!("{name} after the feedback phase ({reason})"),
                    value: f64::NAN,
                },
                other => other,
            })?;
            align = Some(net.alignment());
        }
        let train = net.train_epoch(data, epoch, opts, progress)?;
        let test = net.evaluate(data, progress)?;
        if !test.loss_sum.is_finite() {
            return Err(DeepError::NonFinite {
                epoch,
                quantity: "test loss".into(),
                value: test.loss_sum,
            });
        }
        let align = align.unwrap_or_else(|| net.alignment());
        on_record(
            net,
            EpochRecord {
                epoch,
                train: Some(train),
                test: Some(test),
                align,
            },
        )?;
    }
    Ok(())
}
