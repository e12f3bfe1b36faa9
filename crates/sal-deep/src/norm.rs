//! ReLU → BatchNorm (→ 2×2 max-pool), fused, with PyTorch's semantics (deep.md §1.1):
//! training mode normalises with the batch mean and the biased batch variance and updates
//! the running statistics with momentum 0.1 and the *unbiased* variance; evaluation mode
//! normalises with the running statistics; ε = 1e-5. Max-pool 2×2, stride 2, floor; ties
//! go to the first maximum in row-major window order (as PyTorch).
//!
//! One channel (or one fc feature) is one contiguous row: `[b][y][x]` for the conv stages,
//! `[b]` for the fc stages. Statistics are accumulated in `f64`.

use crate::float::Float;

/// BatchNorm constants.
pub const EPS: f64 = 1e-5;
/// Running-statistics momentum.
pub const MOMENTUM: f64 = 0.1;

/// ReLU keeping NaN (PyTorch's relu propagates NaN).
#[inline(always)]
pub(crate) fn relu<T: Float>(v: T) -> T {
    if v <= T::ZERO { T::ZERO } else { v }
}

/// Per-channel state a training-mode forward pass leaves for the backward pass.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BatchStats {
    pub mean: f64,
    pub invstd: f64,
}

/// Affine parameters and running statistics of one channel.
pub(crate) struct Channel<'a, T> {
    pub gamma: T,
    pub beta: T,
    pub running_mean: &'a mut T,
    pub running_var: &'a mut T,
}

/// Applies ReLU to `row` in place and, in training mode, computes the batch statistics and
/// updates the running ones; returns (scale, shift) such that BN(r) = r·scale + shift, and
/// the batch statistics (training) for the backward pass.
pub(crate) fn relu_stats<T: Float>(
    row: &mut [T],
    ch: Channel<'_, T>,
    train: bool,
) -> (T, T, BatchStats) {
    let n = row.len();
    for v in row.iter_mut() {
        *v = relu(*v);
    }
    let sum = lane_sum(row, |v| v);
    let (mean, var) = if train {
        let mean = sum / n as f64;
        let ss = lane_sum(row, |v| (v - mean) * (v - mean));
        let rm = ch.running_mean.to_f64();
        let rv = ch.running_var.to_f64();
        // PyTorch: running = momentum·batch + (1 − momentum)·running, unbiased variance.
        let unbiased = if n > 1 { ss / (n - 1) as f64 } else { f64::NAN };
        *ch.running_mean = T::from_f64(MOMENTUM * mean + (1.0 - MOMENTUM) * rm);
        *ch.running_var = T::from_f64(MOMENTUM * unbiased + (1.0 - MOMENTUM) * rv);
        (mean, ss / n as f64)
    } else {
        (ch.running_mean.to_f64(), ch.running_var.to_f64())
    };
    let invstd = 1.0 / (var + EPS).sqrt();
    let scale = invstd * ch.gamma.to_f64();
    let shift = ch.beta.to_f64() - mean * scale;
    (
        T::from_f64(scale),
        T::from_f64(shift),
        BatchStats { mean, invstd },
    )
}

/// Σ f(v) in `f64` with 8 interleaved partial sums combined in a fixed order (independent of
/// threads; 8 accumulators let the loop run at throughput instead of add latency).
#[inline]
fn lane_sum<T: Float>(row: &[T], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v.to_f64());
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += f(v.to_f64());
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// Spatial layout of one channel row: `n` images of h×w, pooled to ph×pw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolDims {
    pub n: usize,
    pub h: usize,
    pub w: usize,
}

impl PoolDims {
    pub fn ph(&self) -> usize {
        self.h / 2
    }
    pub fn pw(&self) -> usize {
        self.w / 2
    }
    pub fn pooled(&self) -> usize {
        self.n * self.ph() * self.pw()
    }
}

/// Normalises the ReLU'd row `r` (r·scale + shift) and max-pools it into `out`, recording
/// the window position (0..4, row-major) of each maximum in `arg`: the first maximum in
/// row-major window order, as PyTorch (found pairwise and branch-free: the first maximum of
/// the top pair unless the bottom pair's maximum is strictly larger). A NaN activation makes
/// its whole BatchNorm channel NaN (through the batch statistics), so NaN still reaches
/// the output and the loss.
pub(crate) fn norm_pool<T: Float>(
    r: &[T],
    d: PoolDims,
    scale: T,
    shift: T,
    out: &mut [T],
    arg: &mut [u8],
) {
    let (h, w, ph, pw) = (d.h, d.w, d.ph(), d.pw());
    for b in 0..d.n {
        let img = &r[b * h * w..(b + 1) * h * w];
        let o = b * ph * pw;
        for py in 0..ph {
            let r0 = &img[2 * py * w..];
            let r1 = &img[(2 * py + 1) * w..];
            let orow = &mut out[o + py * pw..o + (py + 1) * pw];
            let arow = &mut arg[o + py * pw..o + (py + 1) * pw];
            for (px, (ov, av)) in orow.iter_mut().zip(arow.iter_mut()).enumerate() {
                let a0 = r0[2 * px] * scale + shift;
                let a1 = r0[2 * px + 1] * scale + shift;
                let b0 = r1[2 * px] * scale + shift;
                let b1 = r1[2 * px + 1] * scale + shift;
                let (m01, i01) = if a1 > a0 { (a1, 1u8) } else { (a0, 0u8) };
                let (m23, i23) = if b1 > b0 { (b1, 3u8) } else { (b0, 2u8) };
                let (m, i) = if m23 > m01 { (m23, i23) } else { (m01, i01) };
                *ov = m;
                *av = i;
            }
        }
    }
}

/// Backward pass of ReLU → BatchNorm (training mode) → max-pool for one channel row.
/// `r` is the ReLU output of the forward pass, `dp` the gradient at the pooled output; writes
/// the gradient at the ReLU input into `dy` and returns (∂γ, ∂β).
pub(crate) fn pool_norm_relu_backward<T: Float>(
    r: &[T],
    d: PoolDims,
    arg: &[u8],
    dp: &[T],
    gamma: T,
    st: BatchStats,
    dy: &mut [T],
) -> (f64, f64) {
    let (h, w, ph, pw) = (d.h, d.w, d.ph(), d.pw());
    let pos = |b: usize, py: usize, px: usize, a: u8| {
        b * h * w + (2 * py + (a as usize >> 1)) * w + 2 * px + (a as usize & 1)
    };
    // Σ dn and Σ (r − mean)·dn, where dn (the gradient at the BN output) is dp at each
    // window's maximum and 0 elsewhere.
    let (mut sum, mut dot) = (0.0, 0.0);
    for b in 0..d.n {
        for py in 0..ph {
            for px in 0..pw {
                let i = b * ph * pw + py * pw + px;
                let g = dp[i].to_f64();
                sum += g;
                dot += (r[pos(b, py, px, arg[i])].to_f64() - st.mean) * g;
            }
        }
    }
    let nn = (d.n * h * w) as f64;
    // PyTorch: dx = (dn − Σdn/N − (x − mean)·dot·invstd²/N)·invstd·γ.
    let k = dot * st.invstd * st.invstd / nn;
    let gm = sum / nn;
    let s = st.invstd * gamma.to_f64();
    let base = |x: T| -> f64 { (-gm - (x.to_f64() - st.mean) * k) * s };
    let masked = |x: T, v: f64| -> T { if x > T::ZERO { T::from_f64(v) } else { T::ZERO } };
    for (o, &x) in dy.iter_mut().zip(r) {
        *o = masked(x, base(x));
    }
    for b in 0..d.n {
        for py in 0..ph {
            for px in 0..pw {
                let i = b * ph * pw + py * pw + px;
                let j = pos(b, py, px, arg[i]);
                let g = dp[i].to_f64();
                dy[j] = masked(r[j], (g - gm - (r[j].to_f64() - st.mean) * k) * s);
            }
        }
    }
    (dot * st.invstd, sum)
}

/// Backward pass of ReLU → BatchNorm (training mode) for one fc feature row (no pooling):
/// `r` the ReLU output, `da` the gradient at the BN output; writes the gradient at the ReLU
/// input into `dh`, returns (∂γ, ∂β).
pub(crate) fn norm_relu_backward<T: Float>(
    r: &[T],
    da: &[T],
    gamma: T,
    st: BatchStats,
    dh: &mut [T],
) -> (f64, f64) {
    let (mut sum, mut dot) = (0.0, 0.0);
    for (&x, &g) in r.iter().zip(da) {
        let g = g.to_f64();
        sum += g;
        dot += (x.to_f64() - st.mean) * g;
    }
    let nn = r.len() as f64;
    let k = dot * st.invstd * st.invstd / nn;
    let gm = sum / nn;
    let s = st.invstd * gamma.to_f64();
    for ((o, &x), &g) in dh.iter_mut().zip(r).zip(da) {
        *o = if x > T::ZERO {
            T::from_f64((g.to_f64() - gm - (x.to_f64() - st.mean) * k) * s)
        } else {
            T::ZERO
        };
    }
    (dot * st.invstd, sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loss Σ c·pool(BN(relu(y))) for fixed c, in f64 (training mode).
    fn loss(y: &[f64], d: PoolDims, gamma: f64, beta: f64, c: &[f64]) -> f64 {
        let mut r = y.to_vec();
        let (mut rm, mut rv) = (0.0, 1.0);
        let ch = Channel {
            gamma,
            beta,
            running_mean: &mut rm,
            running_var: &mut rv,
        };
        let (s, t, _) = relu_stats(&mut r, ch, true);
        let mut out = vec![0.0; d.pooled()];
        let mut arg = vec![0; d.pooled()];
        norm_pool(&r, d, s, t, &mut out, &mut arg);
        out.iter().zip(c).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn fused_backward_matches_finite_differences() {
        // 3 images of 5×4 (odd height: the last row is outside every pooling window).
        let d = PoolDims { n: 3, h: 5, w: 4 };
        let n = d.n * d.h * d.w;
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 23) as f64 - 7.0) / 5.0 + 0.001 * i as f64)
            .collect();
        let c: Vec<f64> = (0..d.pooled())
            .map(|i| ((i * 11 % 7) as f64 - 3.0) / 4.0)
            .collect();
        let (gamma, beta) = (1.3, -0.2);
        let mut r = y.clone();
        let (mut rm, mut rv) = (0.0, 1.0);
        let ch = Channel {
            gamma,
            beta,
            running_mean: &mut rm,
            running_var: &mut rv,
        };
        let (s, t, st) = relu_stats(&mut r, ch, true);
        let mut out = vec![0.0; d.pooled()];
        let mut arg = vec![0; d.pooled()];
        norm_pool(&r, d, s, t, &mut out, &mut arg);
        let mut dy = vec![0.0; n];
        let (dg, db) = pool_norm_relu_backward(&r, d, &arg, &c, gamma, st, &mut dy);
        let h = 1e-6;
        for i in 0..n {
            let mut yp = y.clone();
            yp[i] += h;
            let mut ym = y.clone();
            ym[i] -= h;
            let fd = (loss(&yp, d, gamma, beta, &c) - loss(&ym, d, gamma, beta, &c)) / (2.0 * h);
            assert!((fd - dy[i]).abs() < 1e-6, "dy[{i}]: {fd} vs {}", dy[i]);
        }
        let fdg = (loss(&y, d, gamma + h, beta, &c) - loss(&y, d, gamma - h, beta, &c)) / (2.0 * h);
        let fdb = (loss(&y, d, gamma, beta + h, &c) - loss(&y, d, gamma, beta - h, &c)) / (2.0 * h);
        assert!((fdg - dg).abs() < 1e-6 && (fdb - db).abs() < 1e-6);
        // Running statistics: 0.1·batch + 0.9·old, unbiased variance.
        let mean = r.iter().sum::<f64>() / n as f64;
        let var_u = r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((rm - 0.1 * mean).abs() < 1e-15 && (rv - (0.1 * var_u + 0.9)).abs() < 1e-15);
    }

    #[test]
    fn pooling_ties_go_to_the_first_maximum() {
        let d = PoolDims { n: 1, h: 2, w: 2 };
        let mut out = [0.0f32];
        let mut arg = [9u8];
        norm_pool(&[0.0f32, 1.0, 1.0, 0.5], d, 1.0, 0.0, &mut out, &mut arg);
        assert_eq!((out[0], arg[0]), (1.0, 1));
        norm_pool(&[0.0f32, 0.0, 0.0, 0.0], d, 1.0, 0.0, &mut out, &mut arg);
        assert_eq!(arg[0], 0);
    }
}
