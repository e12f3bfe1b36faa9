//! 5×5 valid convolution (stride 1, no bias) by im2col + matrix product, forward and
//! backward (weight gradient; input gradient through W for BP or through the fixed kernel B
//! for FA: the transposed convolution with B, deep.md §1.2).
//!
//! Activations are channel-major over the whole batch: output `[c_out][b][y][x]`, so one
//! product per group of images fills a block of columns of a `c_out × (batch·oh·ow)` matrix.
//! Work is split into groups of [`GROUP`] images, processed in parallel; the weight gradient
//! is summed over the groups in their fixed order, so results do not depend on the number
//! of threads.

use crate::float::Float;
use crate::linalg::{SharedMut, Strides, matmul, matmul_raw};
use crate::params::KERNEL;
use rayon::prelude::*;

/// Images per parallel task of a convolution.
pub(crate) const GROUP: usize = 8;

/// Geometry of one convolution: input planes h×w of `cin` channels; image b, channel c
/// starts at `b·sb + c·sc` in the input buffer (planes contiguous, row-major).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvDims {
    pub cin: usize,
    pub cout: usize,
    pub h: usize,
    pub w: usize,
    pub sb: usize,
    pub sc: usize,
}

impl ConvDims {
    pub fn oh(&self) -> usize {
        self.h - KERNEL + 1
    }
    pub fn ow(&self) -> usize {
        self.w - KERNEL + 1
    }
    /// Rows of the im2col matrix (cin·25).
    pub fn k(&self) -> usize {
        self.cin * KERNEL * KERNEL
    }
    /// Number of groups for `batch` images.
    pub fn groups(batch: usize) -> usize {
        batch.div_ceil(GROUP)
    }
}

/// im2col of images `b0 .. b0+nb`: `col[(c·25 + kh·5 + kw)][(bi·oh + y)·ow + x] =
/// x[b0+bi][c][y+kh][x+kw]`.
fn im2col<T: Float>(x: &[T], d: &ConvDims, b0: usize, nb: usize, col: &mut [T]) {
    let (oh, ow) = (d.oh(), d.ow());
    let ncols = nb * oh * ow;
    for c in 0..d.cin {
        for kh in 0..KERNEL {
            for kw in 0..KERNEL {
                let row = (c * KERNEL + kh) * KERNEL + kw;
                let dst = &mut col[row * ncols..(row + 1) * ncols];
                for bi in 0..nb {
                    let plane = (b0 + bi) * d.sb + c * d.sc;
                    for y in 0..oh {
                        let src = plane + (y + kh) * d.w + kw;
                        let o = (bi * oh + y) * ow;
                        dst[o..o + ow].copy_from_slice(&x[src..src + ow]);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: sets the input-gradient planes of images `b0 .. b0+nb` to the
/// sum of the columns that read them.
///
/// # Safety
/// `dx` must cover every plane of those images, and no other task may touch them.
unsafe fn col2im<T: Float>(dcol: &[T], d: &ConvDims, b0: usize, nb: usize, dx: SharedMut<T>) {
    let (oh, ow) = (d.oh(), d.ow());
    let ncols = nb * oh * ow;
    let plane_len = d.h * d.w;
    for bi in 0..nb {
        for c in 0..d.cin {
            let plane = unsafe { dx.slice((b0 + bi) * d.sb + c * d.sc, plane_len) };
            plane.fill(T::ZERO);
            for kh in 0..KERNEL {
                for kw in 0..KERNEL {
                    let row = (c * KERNEL + kh) * KERNEL + kw;
                    let src = &dcol[row * ncols + bi * oh * ow..];
                    for y in 0..oh {
                        let dst = &mut plane[(y + kh) * d.w + kw..(y + kh) * d.w + kw + ow];
                        for (a, &g) in dst.iter_mut().zip(&src[y * ow..(y + 1) * ow]) {
                            *a += g;
                        }
                    }
                }
            }
        }
    }
}

/// Forward pass: `out[o][(b·oh + y)·ow + x] = Σ W[o][c][kh][kw]·x[b][c][y+kh][x+kw]` for
/// `batch` images; `cols[g]` keep each group's im2col matrix for the backward pass.
pub(crate) fn forward<T: Float>(
    x: &[T],
    d: &ConvDims,
    batch: usize,
    w: &[T],
    out: &mut [T],
    cols: &mut [Vec<T>],
) {
    let ohw = d.oh() * d.ow();
    let n_total = batch * ohw;
    let k = d.k();
    assert!(out.len() >= d.cout * n_total && w.len() == d.cout * k);
    let out_ptr = SharedMut::new(out);
    cols[..ConvDims::groups(batch)]
        .par_iter_mut()
        .enumerate()
        .for_each(|(g, col)| {
            let b0 = g * GROUP;
            let nb = GROUP.min(batch - b0);
            let ncols = nb * ohw;
            col.resize(k * ncols, T::ZERO);
            im2col(x, d, b0, nb, col);
            // SAFETY: group g writes only the columns b0·ohw .. (b0+nb)·ohw of each row.
            unsafe {
                matmul_raw(
                    d.cout,
                    ncols,
                    k,
                    out_ptr.ptr().add(b0 * ohw),
                    Strides::row_stride(n_total),
                    false,
                    w,
                    Strides::row(k),
                    col,
                    Strides::row(ncols),
                );
            }
        });
}

/// Backward pass. `dy` (`cout × batch·oh·ow`) is the gradient at the output; `cols` the
/// forward pass's im2col matrices. Writes the weight gradient `dw` (cout × cin·25) and, if
/// `input` is given as (kernel, dx), the input gradient dx = transposed convolution of dy
/// with that kernel (W for BP, the fixed B for FA) into the input-shaped buffer `dx`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<T: Float>(
    dy: &[T],
    d: &ConvDims,
    batch: usize,
    cols: &[Vec<T>],
    dw: &mut [T],
    dw_parts: &mut [Vec<T>],
    dcols: &mut [Vec<T>],
    input: Option<(&[T], &mut [T])>,
) {
    let ohw = d.oh() * d.ow();
    let n_total = batch * ohw;
    let k = d.k();
    let ng = ConvDims::groups(batch);
    assert!(dy.len() >= d.cout * n_total && dw.len() == d.cout * k);
    let (kernel, dx) = match input {
        Some((kernel, dx)) => (Some(kernel), Some(SharedMut::new(dx))),
        None => (None, None),
    };
    dw_parts[..ng]
        .par_iter_mut()
        .zip(dcols[..ng].par_iter_mut())
        .enumerate()
        .for_each(|(g, (part, dcol))| {
            let b0 = g * GROUP;
            let nb = GROUP.min(batch - b0);
            let ncols = nb * ohw;
            let col = &cols[g][..k * ncols];
            let dy_g = &dy[b0 * ohw..];
            part.resize(d.cout * k, T::ZERO);
            // ∂W_g = dy_g (cout × ncols) · col_gᵀ (ncols × k)
            matmul(
                d.cout,
                k,
                ncols,
                part,
                Strides::row(k),
                false,
                dy_g,
                Strides::row_stride(n_total),
                col,
                Strides::t(ncols),
            );
            if let (Some(kernel), Some(dx)) = (kernel, dx) {
                dcol.resize(k * ncols, T::ZERO);
                // dcol_g (k × ncols) = kernelᵀ (k × cout) · dy_g (cout × ncols)
                matmul(
                    k,
                    ncols,
                    d.cout,
                    dcol,
                    Strides::row(ncols),
                    false,
                    kernel,
                    Strides::t(k),
                    dy_g,
                    Strides::row_stride(n_total),
                );
                // SAFETY: group g writes only the planes of its own images.
                unsafe { col2im(dcol, d, b0, nb, dx) };
            }
        });
    dw.copy_from_slice(&dw_parts[0][..d.cout * k]);
    for part in &dw_parts[1..ng] {
        for (a, &b) in dw.iter_mut().zip(part.iter()) {
            *a += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct convolution by definition, in f64.
    fn direct(x: &[f64], d: &ConvDims, batch: usize, w: &[f64]) -> Vec<f64> {
        let (oh, ow) = (d.oh(), d.ow());
        let mut out = vec![0.0; d.cout * batch * oh * ow];
        for o in 0..d.cout {
            for b in 0..batch {
                for y in 0..oh {
                    for xx in 0..ow {
                        let mut s = 0.0;
                        for c in 0..d.cin {
                            for kh in 0..5 {
                                for kw in 0..5 {
                                    s += w[((o * d.cin + c) * 5 + kh) * 5 + kw]
                                        * x[b * d.sb + c * d.sc + (y + kh) * d.w + xx + kw];
                                }
                            }
                        }
                        out[o * batch * oh * ow + (b * oh + y) * ow + xx] = s;
                    }
                }
            }
        }
        out
    }

    fn lcg(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            })
            .collect()
    }

    #[test]
    fn forward_and_backward_match_the_definition() {
        // 11 images (two groups, one partial) of 2×9×8, NCHW input.
        let (batch, cin, cout, h, w) = (11, 2, 3, 9, 8);
        let d = ConvDims {
            cin,
            cout,
            h,
            w,
            sb: cin * h * w,
            sc: h * w,
        };
        let x = lcg(batch * cin * h * w, 1);
        let wt = lcg(cout * cin * 25, 2);
        let fb = lcg(cout * cin * 25, 3);
        let ng = ConvDims::groups(batch);
        let mut cols = vec![Vec::new(); ng];
        let mut out = vec![0.0; cout * batch * d.oh() * d.ow()];
        forward(&x, &d, batch, &wt, &mut out, &mut cols);
        let want = direct(&x, &d, batch, &wt);
        for (a, b) in out.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12);
        }
        // Loss L = Σ out·r for a fixed r: ∂W = Σ r·x (by definition); ∂x through the kernel
        // fb = the gradient of Σ conv(x; fb)·r with respect to x, checked by linearity:
        // ⟨∂x, e⟩ = Σ conv(e; fb)·r for every basis image e (a few of them).
        let r = lcg(out.len(), 4);
        let mut dw = vec![0.0; wt.len()];
        let mut parts = vec![Vec::new(); ng];
        let mut dcols = vec![Vec::new(); ng];
        let mut dx = vec![f64::NAN; x.len()];
        backward(
            &r,
            &d,
            batch,
            &cols,
            &mut dw,
            &mut parts,
            &mut dcols,
            Some((&fb, &mut dx)),
        );
        for i in [0, 7, 31, 149] {
            let mut e = vec![0.0; wt.len()];
            e[i] = 1.0;
            let de: f64 = direct(&x, &d, batch, &e)
                .iter()
                .zip(&r)
                .map(|(a, b)| a * b)
                .sum();
            assert!((dw[i] - de).abs() < 1e-12, "dW[{i}]");
        }
        for i in [0, 5, 77, 300, x.len() - 1] {
            let mut e = vec![0.0; x.len()];
            e[i] = 1.0;
            let de: f64 = direct(&e, &d, batch, &fb)
                .iter()
                .zip(&r)
                .map(|(a, b)| a * b)
                .sum();
            assert!((dx[i] - de).abs() < 1e-12, "dx[{i}]");
        }
    }
}
