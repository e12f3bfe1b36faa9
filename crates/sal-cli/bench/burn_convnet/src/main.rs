//! Training throughput of the paper's ConvNet (deep.md §1.1) with burn 0.22 (Flex CPU backend
//! + autodiff, simd/rayon/x86-v4 features): BP, batches of 128, forward (double softmax),
//! backward, SGD with momentum 0.9 — the same work as `sal bench`'s convnet_bp rows.
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, Relu};
use burn::optim::{GradientsParams, SgdConfig, momentum::MomentumConfig};
use burn::prelude::*;
use burn::tensor::{Distribution, Int};
use std::time::Instant;

#[derive(Module, Debug)]
struct Net {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    pool: MaxPool2d,
    fc1: Linear,
    bn3: BatchNorm,
    fc2: Linear,
    bn4: BatchNorm,
    fc3: Linear,
    relu: Relu,
}

impl Net {
    fn new(c: usize, f: usize, d: &Device) -> Self {
        Net {
            conv1: Conv2dConfig::new([c, 64], [5, 5]).with_bias(false).init(d),
            bn1: BatchNormConfig::new(64).init(d),
            conv2: Conv2dConfig::new([64, 64], [5, 5]).with_bias(false).init(d),
            bn2: BatchNormConfig::new(64).init(d),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(f, 384).init(d),
            bn3: BatchNormConfig::new(384).init(d),
            fc2: LinearConfig::new(384, 192).init(d),
            bn4: BatchNormConfig::new(192).init(d),
            fc3: LinearConfig::new(192, 10).init(d),
            relu: Relu::new(),
        }
    }
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(self.bn1.forward(self.relu.forward(self.conv1.forward(x))));
        let x = self.pool.forward(self.bn2.forward(self.relu.forward(self.conv2.forward(x))));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.bn3.forward(self.relu.forward(self.fc1.forward(x)));
        let x = self.bn4.forward(self.relu.forward(self.fc2.forward(x)));
        burn::tensor::activation::softmax(self.fc3.forward(x), 1)
    }
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (c, h) = (args.first().copied().unwrap_or(3), args.get(1).copied().unwrap_or(32));
    let batches = args.get(2).copied().unwrap_or(10);
    let f = 64 * ((h - 4) / 2 - 4) / 2 * (((h - 4) / 2 - 4) / 2);
    let device = Device::flex().autodiff();
    let mut model = Net::new(c, f, &device);
    let mut optim = SgdConfig::new()
        .with_momentum(Some(MomentumConfig::new().with_dampening(0.0)))
        .init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let x = Tensor::<4>::random([128, c, h, h], Distribution::Normal(0.0, 1.0), &device);
    let y = Tensor::<1, Int>::from_data(
        TensorData::new((0..128).map(|i| (i % 10) as i64).collect::<Vec<_>>(), [128]),
        &device,
    );
    let mut times = Vec::new();
    for b in 0..batches + 2 {
        let t = Instant::now();
        let out = model.forward(x.clone());
        let loss = loss_fn.forward(out, y.clone());
        let l = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.01, model, grads);
        let dt = t.elapsed().as_secs_f64();
        if b >= 2 {
            times.push(dt);
        }
        eprintln!("batch {b}: {:.3} s, loss {l:.4}", dt);
    }
    times.sort_by(f64::total_cmp);
    let med = times[times.len() / 2];
    println!(
        "burn flex+autodiff ConvNet BP {c}x{h}x{h}, batch 128: median {:.3} s per batch = {:.0} images/s",
        med,
        128.0 / med
    );
}
