//! The loss on the network's output (deep.md §1.1, D1): by default the reference's "double
//! softmax" L = −log softmax(p)_y with p = softmax(z) (PyTorch's cross-entropy applied to the
//! softmax output); optionally plain cross-entropy on the logits z. Loss per batch = mean
//! over the batch.

/// Which loss the network is trained with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loss {
    /// Cross-entropy applied to the softmax output (the reference; weaker, saturating
    /// gradients).
    #[default]
    DoubleSoftmax,
    /// Cross-entropy on the logits (standard; D1's intended variant).
    CrossEntropy,
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

/// For one sample's logits `z` and label `y`: returns the loss and writes p = softmax(z)
/// into `p` and ∂L/∂z (for the per-sample loss; the caller divides by the batch size)
/// into `dz`.
pub(crate) fn sample(kind: Loss, z: &[f64], y: usize, p: &mut [f64], dz: &mut [f64]) -> f64 {
    softmax(z, p);
    match kind {
        Loss::CrossEntropy => {
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            for (j, d) in dz.iter_mut().enumerate() {
                *d = p[j] - if j == y { 1.0 } else { 0.0 };
            }
            lse - z[y]
        }
        Loss::DoubleSoftmax => {
            // L = logsumexp(p) − p_y; ∂L/∂p = softmax(p) − e_y; ∂L/∂z = p ⊙ (g − ⟨p, g⟩).
            let mut q = vec![0.0; p.len()];
            softmax(p, &mut q);
            let m = p.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + p.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            let g: Vec<f64> = (0..p.len())
                .map(|j| q[j] - if j == y { 1.0 } else { 0.0 })
                .collect();
            let pg: f64 = p.iter().zip(&g).map(|(a, b)| a * b).sum();
            for (j, d) in dz.iter_mut().enumerate() {
                *d = p[j] * (g[j] - pg);
            }
            lse - p[y]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let z = [0.3, -1.2, 2.0, 0.0, 0.7];
        for kind in [Loss::DoubleSoftmax, Loss::CrossEntropy] {
            let mut p = [0.0; 5];
            let mut dz = [0.0; 5];
            let l = sample(kind, &z, 2, &mut p, &mut dz);
            assert!(l > 0.0);
            for i in 0..5 {
                let h = 1e-6;
                let mut zp = z;
                zp[i] += h;
                let mut zm = z;
                zm[i] -= h;
                let (mut a, mut b) = ([0.0; 5], [0.0; 5]);
                let fd = (sample(kind, &zp, 2, &mut a, &mut b)
                    - sample(kind, &zm, 2, &mut a, &mut b))
                    / (2.0 * h);
                assert!((fd - dz[i]).abs() < 1e-8, "{kind:?} dz[{i}]");
            }
        }
        // Double softmax of a confident output stays far from 0 (its floor is
        // log(1 + 9/e) ≈ 1.46 for 10 classes).
        let mut z10 = [0.0; 10];
        z10[0] = 50.0;
        let (mut p, mut dz) = ([0.0; 10], [0.0; 10]);
        let l = sample(Loss::DoubleSoftmax, &z10, 0, &mut p, &mut dz);
        assert!((l - (1.0f64 + 9.0 / 1f64.exp()).ln()).abs() < 1e-12);
    }
}
