//! The epoch loop of deep.md §1.5 (one training epoch, the test pass, the symmetry metrics
//! of §1.6) and checkpoints with the reference's parameter names.

use crate::data::Dataset;
use crate::error::{DeepError, Result};
use crate::float::Float;
use crate::net::{BatchOut, ConvNet};
use crate::params::{CLASSES, NamedTensor};
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

impl<T: Float> ConvNet<T> {
    /// One training epoch (model in training mode) over `data`'s training set; `epoch` is
    /// 1-based (it selects the shuffle/augmentation streams and names the epoch in errors).
    /// `progress` receives the number of images processed since its last call (after every
    /// batch); `Break` stops with [`DeepError::Interrupted`]. A non-finite batch loss or
    /// parameter stops with [`DeepError::NonFinite`] naming the epoch.
    pub fn train_epoch(
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
        let mut xt: Vec<T> = Vec::new();
        for (bi, chunk) in order.chunks(opts.batch_size).enumerate() {
            data.train_batch(chunk, opts.augment.then_some(&mut aug_rng), &mut x, &mut y);
            xt.clear();
            xt.extend(x.iter().map(|&v| T::from_f64(v as f64)));
            let out = self.train_batch(&xt, &y)?;
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
        if let Some((name, value)) = self.params().first_non_finite() {
            return Err(DeepError::NonFinite {
                epoch,
                quantity: name,
                value,
            });
        }
        Ok(stats.finish())
    }

    /// The test pass (evaluation mode: running statistics, no update) over `data`'s test
    /// set in batches of 256, in order. `progress` as in [`ConvNet::train_epoch`].
    pub fn evaluate(
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
            let xt: Vec<T> = x.iter().map(|&v| T::from_f64(v as f64)).collect();
            let out = self.eval_batch(&xt, &y)?;
            stats.add(&out, chunk.len());
            if progress(chunk.len() as u64).is_break() {
                return Err(DeepError::Interrupted);
            }
        }
        Ok(stats.finish())
    }

    /// Softmax outputs (batch-major, N × 10) of the test set in evaluation mode.
    pub fn predict_test(&mut self, data: &Dataset) -> Result<Vec<f64>> {
        data.check_shape(self.shape())?;
        let mut out = Vec::with_capacity(data.n_test() * CLASSES);
        let mut x = Vec::new();
        let mut y = Vec::new();
        let idx: Vec<usize> = (0..data.n_test()).collect();
        for chunk in idx.chunks(TEST_BATCH) {
            data.test_batch(chunk, &mut x, &mut y);
            let xt: Vec<T> = x.iter().map(|&v| T::from_f64(v as f64)).collect();
            self.eval_batch(&xt, &y)?;
            out.extend_from_slice(self.last_output());
        }
        Ok(out)
    }

    /// Symmetry metrics of fc1, fc2, fc3 (deep.md §1.6): W against its feedback matrix B
    /// (both out × in; B := W for BP fc layers, |B| as stored for SCFA).
    pub fn alignment(&self) -> [Alignment; 3] {
        let fc = self.params().fc();
        [0, 1, 2].map(|k| sal::metrics::alignment(&fc.w[k], &fc.fb[k]))
    }

    /// Every parameter and running statistic with the reference's name and PyTorch shape
    /// (`conv1.weight`, `fc1.fb_weight`, `bn3.running_var`, …).
    pub fn checkpoint(&self) -> Vec<NamedTensor> {
        self.params().to_named()
    }

    /// Loads a checkpoint (all tensors of this method, shapes checked; the momentum buffers
    /// are reset). Returns the names present but unused by this method.
    pub fn load_checkpoint(&mut self, tensors: &[NamedTensor]) -> Result<Vec<String>> {
        let skipped = self.params_mut().assign(tensors)?;
        self.reset_optimizer();
        Ok(skipped)
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
