//! The network: parameters and optimiser state on the device, the forward pass with the
//! feedback-alignment layers (the detach trick), BatchNorm with PyTorch's semantics, the loss
//! and SGD.

use crate::backend::{Backend, Precision};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu, softmax};
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Int, TensorData};
use sal_deep::method::{ConvKind, FcKind};
use sal_deep::net::{BatchOut, Hyper, argmax};
use sal_deep::{DeepError, InputShape, Loss, Method, Params};

/// BatchNorm's ε (PyTorch's default).
pub(crate) const EPS: f64 = 1e-5;
/// BatchNorm's running-statistics momentum (PyTorch's default).
pub(crate) const BN_MOMENTUM: f64 = 0.1;
/// Output classes.
pub(crate) const CLASSES: usize = 10;

/// One named tensor of the network (flat, row-major; reshaped where used).
pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) value: Tensor<1>,
    /// SGD momentum buffer (none until the first step, as in PyTorch).
    pub(crate) buf: Option<Tensor<1>>,
    pub(crate) trained: bool,
    pub(crate) decayed: bool,
}

/// The ConvNet of deep.md §1.1 on a burn backend, with its optimiser state.
pub struct BurnNet {
    pub(crate) method: Method,
    pub(crate) shape: InputShape,
    pub(crate) hyper: Hyper,
    pub(crate) backend: Backend,
    pub(crate) precision: Precision,
    pub(crate) device: Device,
    pub(crate) slots: Vec<Slot>,
    /// Softmax output of the last forward pass, batch-major.
    pub(crate) output: Vec<f64>,
}

/// Where a slot stands in the optimiser (`sal_deep::Params` names).
fn roles(method: Method, name: &str) -> (bool, bool) {
    let fc = name.starts_with("fc");
    let (weight, fb) = (name.ends_with(".weight"), name.ends_with(".fb_weight"));
    let running = name.contains(".running_");
    let trained = !running && (!fb || (fc && method.fc_kind() == FcKind::Kp));
    let decayed = method.uses_weight_decay() && fc && (weight || fb);
    (trained, decayed)
}

impl BurnNet {
    /// A network for `method` and input `shape` with the PyTorch-default initialisation of
    /// `sal_deep::Params::init` drawn from `seed` (the same values as `sal_deep::ConvNet`).
    pub fn new(
        method: Method,
        shape: InputShape,
        seed: u64,
        hyper: Hyper,
        backend: Backend,
        precision: Precision,
    ) -> Result<Self, DeepError> {
        Self::from_params(
            &Params::<f64>::init(method, shape, seed)?,
            hyper,
            backend,
            precision,
        )
    }

    /// A network holding `params` (momentum buffers empty).
    pub fn from_params(
        params: &Params<f64>,
        hyper: Hyper,
        backend: Backend,
        precision: Precision,
    ) -> Result<Self, DeepError> {
        hyper.validate()?;
        if backend == Backend::Wgpu && precision == Precision::F64 {
            return Err(DeepError::config(
                "dtype",
                "float64 is not available on wgpu (use float32, or the flex or cuda backend)",
            ));
        }
        let device = backend.device()?;
        let method = params.method();
        let mut net = BurnNet {
            method,
            shape: params.shape(),
            hyper,
            backend,
            precision,
            device,
            slots: Vec::new(),
            output: Vec::new(),
        };
        for t in params.to_named() {
            let (trained, decayed) = roles(method, &t.name);
            let value = net.upload(&t.data);
            net.slots.push(Slot {
                name: t.name,
                shape: t.shape,
                value,
                buf: None,
                trained,
                decayed,
            });
        }
        Ok(net)
    }

    /// The backend the network runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The element type.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The optimiser settings.
    pub fn hyper(&self) -> &Hyper {
        &self.hyper
    }

    /// Clears the momentum buffers (the next step starts them afresh, as a new optimiser).
    pub fn reset_optimizer(&mut self) {
        for s in &mut self.slots {
            s.buf = None;
        }
    }

    /// The parameters and running statistics as `sal_deep::Params` (copied from the device);
    /// an error names a tensor holding a non-finite value (`Params` keeps finite values only;
    /// [`sal_deep::Network::checkpoint`] returns any values).
    pub fn params(&self) -> Result<Params<f64>, DeepError> {
        let mut p = Params::<f64>::init(self.method, self.shape, 0)?;
        p.assign(&self.named())?;
        Ok(p)
    }

    /// Every slot with its name, shape and values (copied from the device).
    pub(crate) fn named(&self) -> Vec<sal_deep::NamedTensor> {
        self.slots
            .iter()
            .map(|s| sal_deep::NamedTensor {
                name: s.name.clone(),
                shape: s.shape.clone(),
                data: download(&s.value),
            })
            .collect()
    }

    /// A slot's values by name (copied from the device); `None` if the method lacks it.
    pub(crate) fn values(&self, name: &str) -> Option<Vec<f64>> {
        self.slots
            .iter()
            .find(|s| s.name == name)
            .map(|s| download(&s.value))
    }

    /// Replaces every parameter and running statistic by `params`' (same method and shape).
    pub(crate) fn assign_params(&mut self, params: &Params<f64>) -> Result<(), DeepError> {
        for i in 0..self.slots.len() {
            let data = params.get(&self.slots[i].name)?;
            self.slots[i].value = self.upload(&data);
        }
        Ok(())
    }

    pub(crate) fn upload(&self, data: &[f64]) -> Tensor<1> {
        let td = match self.precision {
            Precision::F32 => TensorData::new(
                data.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                [data.len()],
            ),
            Precision::F64 => TensorData::new(data.to_vec(), [data.len()]),
        };
        Tensor::from_data(td, (&self.device, self.precision.dtype()))
    }

    fn slot(&self, name: &str) -> usize {
        self.slots
            .iter()
            .position(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name}: not a parameter of {}", self.method))
    }

    pub(crate) fn check_batch(&self, x: &[f32], labels: &[u8]) -> Result<usize, DeepError> {
        let batch = labels.len();
        if batch == 0 {
            return Err(DeepError::config(
                "batch_size",
                "a batch needs at least one image",
            ));
        }
        if x.len() != batch * self.shape.len() {
            return Err(DeepError::config(
                "batch",
                format!("{} values for {batch} images of {}", x.len(), self.shape),
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

    /// The batch as an N×C×H×W tensor in the network's precision.
    pub(crate) fn input(&self, x: &[f32], batch: usize) -> Tensor<4> {
        let s = self.shape;
        let dims = [batch, s.c, s.h, s.w];
        let td = match self.precision {
            Precision::F32 => TensorData::new(x.to_vec(), dims),
            Precision::F64 => {
                TensorData::new(x.iter().map(|&v| v as f64).collect::<Vec<_>>(), dims)
            }
        };
        Tensor::from_data(td, (&self.device, self.precision.dtype()))
    }

    /// Loss, correct count and the softmax output (kept in `self.output`) of the logits `z`.
    pub(crate) fn loss(&mut self, z: Tensor<2>, labels: &[u8]) -> (Tensor<1>, BatchOut) {
        let batch = labels.len();
        let probs = softmax(z.clone(), 1);
        let logp = match self.hyper.loss {
            Loss::DoubleSoftmax => log_softmax(probs.clone(), 1),
            Loss::CrossEntropy => log_softmax(z, 1),
        };
        let idx = Tensor::<2, Int>::from_data(
            TensorData::new(
                labels.iter().map(|&y| y as i64).collect::<Vec<_>>(),
                [batch, 1],
            ),
            &self.device,
        );
        let loss = logp.gather(1, idx).mean().neg();
        self.output = download(&probs.detach().reshape([batch * CLASSES]));
        let correct = labels
            .iter()
            .enumerate()
            .filter(|&(b, &y)| argmax(&self.output[b * CLASSES..(b + 1) * CLASSES]) == y as usize)
            .count();
        let value = download(&loss.clone().detach().reshape([1]))[0];
        (
            loss.reshape([1]),
            BatchOut {
                loss: value,
                correct,
            },
        )
    }

    /// The forward pass to the logits. `leaf(i)` gives slot i's tensor as the graph sees
    /// it (a leaf that requires a gradient when training, the stored value otherwise).
    /// Training mode normalises with batch statistics and updates the running ones.
    pub(crate) fn forward(&mut self, x: Tensor<4>, leaf: &[Tensor<1>], train: bool) -> Tensor<2> {
        let m = self.method;
        let conv_opts = || ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
        let pool = |t: Tensor<4>| max_pool2d(t, MaxPoolOptions::new([2, 2]).with_stride([2, 2]));
        let kernel = |net: &Self, name: &str| -> Tensor<4> {
            let i = net.slot(name);
            let s = &net.slots[i].shape;
            leaf[i].clone().reshape([s[0], s[1], s[2], s[3]])
        };
        // conv1: its input needs no gradient, so FA and BP convolutions are the same here.
        let y1 = conv2d(x, kernel(self, "conv1.weight"), None, conv_opts());
        let p1 = pool(self.batch_norm_2d(relu(y1), 0, leaf, train));
        // conv2: the error reaching p1 goes through B under FA (the detach trick).
        let w2 = kernel(self, "conv2.weight");
        let y2 = match m.conv_kind() {
            ConvKind::Bp => conv2d(p1, w2, None, conv_opts()),
            ConvKind::Fa => {
                let t = conv2d(
                    p1.clone(),
                    kernel(self, "conv2.fb_weight"),
                    None,
                    conv_opts(),
                );
                conv2d(p1.detach(), w2, None, conv_opts()) + (t.clone() - t.detach())
            }
        };
        let p2 = pool(self.batch_norm_2d(relu(y2), 1, leaf, train));
        let [n, c, h, w] = p2.dims();
        let mut a: Tensor<2> = p2.reshape([n, c * h * w]);
        for k in 0..3 {
            let z = self.linear(a, k, leaf);
            if k == 2 {
                return z;
            }
            a = self.batch_norm_1d(relu(z), k, leaf, train);
        }
        unreachable!()
    }

    /// fc(k+1): z = a·Wᵀ + b, with the error sent back to `a` through W (BP), B (FA, KP) or
    /// |B| ⊙ sign(W) (SCFA).
    fn linear(&self, a: Tensor<2>, k: usize, leaf: &[Tensor<1>]) -> Tensor<2> {
        let l = k + 1;
        let mat = |name: String| {
            let i = self.slot(&name);
            let s = &self.slots[i].shape;
            leaf[i].clone().reshape([s[0], s[1]])
        };
        let w = mat(format!("fc{l}.weight"));
        let b = leaf[self.slot(&format!("fc{l}.bias"))]
            .clone()
            .unsqueeze::<2>();
        let back = match self.method.fc_kind() {
            FcKind::Bp => return a.matmul(w.transpose()) + b,
            FcKind::Fa | FcKind::Kp => mat(format!("fc{l}.fb_weight")),
            FcKind::Scfa => mat(format!("fc{l}.fb_weight")) * w.clone().detach().sign(),
        };
        let t = a.clone().matmul(back.transpose());
        a.detach().matmul(w.transpose()) + b + (t.clone() - t.detach())
    }

    /// BatchNorm2d `bn{j+1}` over (N, H, W) per channel.
    fn batch_norm_2d(
        &mut self,
        x: Tensor<4>,
        j: usize,
        leaf: &[Tensor<1>],
        train: bool,
    ) -> Tensor<4> {
        let [n, c, h, w] = x.dims();
        let (gamma, beta, mean, var) = self.bn_stats(j, leaf, train, n * h * w, || {
            let mean = x.clone().mean_dims(&[0, 2, 3]);
            let var = (x.clone() - mean.clone())
                .powi_scalar(2)
                .mean_dims(&[0, 2, 3]);
            (mean.reshape([c]), var.reshape([c]))
        });
        let r = |t: Tensor<1>| t.reshape([1, c, 1, 1]);
        (x - r(mean)) / r(var).add_scalar(EPS).sqrt() * r(gamma) + r(beta)
    }

    /// BatchNorm1d `bn{j+3}` over the batch per feature.
    fn batch_norm_1d(
        &mut self,
        x: Tensor<2>,
        j: usize,
        leaf: &[Tensor<1>],
        train: bool,
    ) -> Tensor<2> {
        let [n, f] = x.dims();
        let (gamma, beta, mean, var) = self.bn_stats(j + 2, leaf, train, n, || {
            let mean = x.clone().mean_dim(0);
            let var = (x.clone() - mean.clone()).powi_scalar(2).mean_dim(0);
            (mean.reshape([f]), var.reshape([f]))
        });
        let r = |t: Tensor<1>| t.reshape([1, f]);
        (x - r(mean)) / r(var).add_scalar(EPS).sqrt() * r(gamma) + r(beta)
    }

    /// γ, β and the mean and variance to normalise with for BatchNorm `bn{j+1}`: the batch's
    /// (biased variance; the running estimates move by momentum 0.1 towards the batch mean
    /// and the *unbiased* variance of its `n` values) in training mode, the running ones
    /// otherwise.
    fn bn_stats(
        &mut self,
        j: usize,
        leaf: &[Tensor<1>],
        train: bool,
        n: usize,
        batch: impl FnOnce() -> (Tensor<1>, Tensor<1>),
    ) -> (Tensor<1>, Tensor<1>, Tensor<1>, Tensor<1>) {
        let bn = format!("bn{}", j + 1);
        let (gi, bi) = (
            self.slot(&format!("{bn}.weight")),
            self.slot(&format!("{bn}.bias")),
        );
        let (mi, vi) = (
            self.slot(&format!("{bn}.running_mean")),
            self.slot(&format!("{bn}.running_var")),
        );
        let (gamma, beta) = (leaf[gi].clone(), leaf[bi].clone());
        if !train {
            return (
                gamma,
                beta,
                self.slots[mi].value.clone(),
                self.slots[vi].value.clone(),
            );
        }
        let (mean, var) = batch();
        let unbiased = var.clone().detach().mul_scalar(n as f64 / (n as f64 - 1.0));
        let rm = self.slots[mi].value.clone().mul_scalar(1.0 - BN_MOMENTUM)
            + mean.clone().detach().mul_scalar(BN_MOMENTUM);
        let rv = self.slots[vi].value.clone().mul_scalar(1.0 - BN_MOMENTUM)
            + unbiased.mul_scalar(BN_MOMENTUM);
        self.slots[mi].value = rm;
        self.slots[vi].value = rv;
        (gamma, beta, mean, var)
    }

    /// The graph's view of every slot: trained slots as fresh leaves requiring a gradient.
    pub(crate) fn leaves(&self, train: bool) -> Vec<Tensor<1>> {
        self.slots
            .iter()
            .map(|s| {
                if train && s.trained {
                    s.value.clone().require_grad()
                } else {
                    s.value.clone()
                }
            })
            .collect()
    }

    /// SGD with momentum, PyTorch semantics (deep.md §1.3): g ← ∂θ + wd·θ (akrout's fc
    /// weights and feedback), buf ← g (first step) or momentum·buf + g, θ ← θ − lr·buf.
    pub(crate) fn step(&mut self, leaves: &[Tensor<1>], grads: &burn::tensor::Gradients) {
        let (lr, mom, wd) = (self.hyper.lr, self.hyper.momentum, self.hyper.weight_decay);
        for (s, leaf) in self.slots.iter_mut().zip(leaves) {
            if !s.trained {
                continue;
            }
            let Some(g) = leaf.grad(grads) else {
                continue;
            };
            let mut g = Tensor::from_inner(g);
            if s.decayed {
                g = g + s.value.clone().mul_scalar(wd);
            }
            let buf = match s.buf.take() {
                None => g,
                Some(b) => b.mul_scalar(mom) + g,
            };
            s.value = s.value.clone() - buf.clone().mul_scalar(lr);
            s.buf = Some(buf);
        }
    }
}

/// A tensor's values as `f64` (copied from the device).
pub(crate) fn download(t: &Tensor<1>) -> Vec<f64> {
    t.to_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .expect("a float tensor converts to f64")
}
