//! Training throughput on synthetic data (what `sal bench` rows `convnet_<method>_<C>x<H>x<W>`
//! report): images per second of [`Network::train_step`] in float32.

use crate::error::Result;
use crate::method::Method;
use crate::net::{ConvNet, Hyper};
use crate::params::InputShape;
use crate::train::Network;
use rand_core::Rng;
use std::ops::ControlFlow;
use std::time::Instant;

/// One throughput measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Row name, e.g. `convnet_bp_3x32x32`.
    pub name: String,
    /// Training images per second, median over the timed batches.
    pub images_per_s: f64,
    /// Seconds per batch of each timed batch.
    pub batch_seconds: Vec<f64>,
}

/// Times `n_batches` training steps (after one untimed warm-up step) of `method` on
/// synthetic N(0,1)-like images of `shape` in batches of `batch_size` (128 in the
/// reference's figures), on the current rayon pool; returns the median throughput.
pub fn train_throughput(
    method: Method,
    shape: InputShape,
    batch_size: usize,
    n_batches: usize,
) -> Result<Throughput> {
    let mut net = ConvNet::<f32>::new(method, shape, 0, Hyper::default())?;
    let name = format!("convnet_{}_{}", method.name(), shape);
    network_throughput(&mut net, &name, batch_size, n_batches)
}

/// [`train_throughput`] for any [`Network`] (e.g. another backend's), reported as `name`.
pub fn network_throughput(
    net: &mut dyn Network,
    name: &str,
    batch_size: usize,
    n_batches: usize,
) -> Result<Throughput> {
    let shape = net.shape();
    let mut rng = sal::rng::stream(0, "convnet/bench", 0);
    let x: Vec<f32> = (0..batch_size * shape.len())
        .map(|_| ((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.4)
        .collect();
    let y: Vec<u8> = (0..batch_size).map(|i| (i % 10) as u8).collect();
    let mut go = |_| ControlFlow::Continue(());
    net.train_step(&x, &y, &mut go)?;
    let mut secs = Vec::with_capacity(n_batches);
    for _ in 0..n_batches {
        let t = Instant::now();
        net.train_step(&x, &y, &mut go)?;
        secs.push(t.elapsed().as_secs_f64());
    }
    let mut sorted = secs.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let med = if sorted.is_empty() {
        f64::NAN
    } else {
        sorted[sorted.len() / 2]
    };
    Ok(Throughput {
        name: name.to_string(),
        images_per_s: batch_size as f64 / med,
        batch_seconds: secs,
    })
}
