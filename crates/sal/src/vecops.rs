//! Element-wise vector kernels of the spiking networks (SALNet): `dst += src` (double or
//! single-precision source) and `dst -= src`.
//!
//! Every operation is element-wise (no reductions), so the result is bit-for-bit the same
//! whatever the SIMD width: the AVX-512 and AVX2 versions are the generic loops compiled with
//! those instruction sets enabled, chosen at run time. Multiply and add stay separate operations (no FMA
//! contraction), so machines with and without FMA agree too.

#[inline(always)]
fn add_generic(dst: &mut [f64], src: &[f64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s;
    }
}

#[inline(always)]
fn sub_generic(dst: &mut [f64], src: &[f64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d -= *s;
    }
}

#[inline(always)]
fn add_f32_generic(dst: &mut [f64], src: &[f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s as f64;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2")]
    pub(super) fn add_f32(dst: &mut [f64], src: &[f32]) {
        super::add_f32_generic(dst, src)
    }
    #[target_feature(enable = "avx2")]
    pub(super) fn add(dst: &mut [f64], src: &[f64]) {
        super::add_generic(dst, src)
    }
    #[target_feature(enable = "avx2")]
    pub(super) fn sub(dst: &mut [f64], src: &[f64]) {
        super::sub_generic(dst, src)
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    #[target_feature(enable = "avx512f")]
    pub(super) fn add_f32(dst: &mut [f64], src: &[f32]) {
        super::add_f32_generic(dst, src)
    }
    #[target_feature(enable = "avx512f")]
    pub(super) fn add(dst: &mut [f64], src: &[f64]) {
        super::add_generic(dst, src)
    }
    #[target_feature(enable = "avx512f")]
    pub(super) fn sub(dst: &mut [f64], src: &[f64]) {
        super::sub_generic(dst, src)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// `dst[i] += src[i]` (lengths must agree).
#[inline]
pub(crate) fn add_assign(dst: &mut [f64], src: &[f64]) {
    debug_assert_eq!(dst.len(), src.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F (checked above).
        return unsafe { avx512::add(dst, src) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { avx2::add(dst, src) };
    }
    add_generic(dst, src)
}

/// `dst[i] -= src[i]` (lengths must agree).
#[inline]
pub(crate) fn sub_assign(dst: &mut [f64], src: &[f64]) {
    debug_assert_eq!(dst.len(), src.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F (checked above).
        return unsafe { avx512::sub(dst, src) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { avx2::sub(dst, src) };
    }
    sub_generic(dst, src)
}

/// `dst[i] += src[i]` for single-precision `src` (converted exactly to double).
#[inline]
pub(crate) fn add_f32(dst: &mut [f64], src: &[f32]) {
    debug_assert_eq!(dst.len(), src.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F (checked above).
        return unsafe { avx512::add_f32(dst, src) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { avx2::add_f32(dst, src) };
    }
    add_f32_generic(dst, src)
}

/// The transpose of a row-major `rows × cols` matrix (row-major `cols × rows`), e.g. a
/// ConvNet fc feedback matrix (out × in) as a SALNet B_k (n_k × n_(k+1)).
pub fn transpose<T: Copy + Default>(m: &[T], rows: usize, cols: usize) -> Vec<T> {
    debug_assert_eq!(m.len(), rows * cols);
    let mut t = vec![T::default(); rows * cols];
    // Blocked so both sides stay in cache for the large feedback matrices.
    const BLK: usize = 32;
    for i0 in (0..rows).step_by(BLK) {
        for j0 in (0..cols).step_by(BLK) {
            for i in i0..(i0 + BLK).min(rows) {
                for j in j0..(j0 + BLK).min(cols) {
                    t[j * rows + i] = m[i * cols + j];
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_scalar_loops() {
        let src: Vec<f64> = (0..37).map(|i| (i as f64 * 0.37).sin()).collect();
        let src32: Vec<f32> = src.iter().map(|&x| x as f32).collect();
        let base: Vec<f64> = (0..37).map(|i| (i as f64 * 0.11).cos()).collect();
        let mut a = base.clone();
        add_assign(&mut a, &src);
        let mut p = base.clone();
        add_f32(&mut p, &src32);
        let mut m = base.clone();
        sub_assign(&mut m, &src);
        for i in 0..37 {
            assert_eq!(a[i], base[i] + src[i]);
            assert_eq!(p[i], base[i] + src32[i] as f64);
            assert_eq!(m[i], base[i] - src[i]);
        }
        let m: Vec<f64> = (0..6).map(|v| v as f64).collect();
        assert_eq!(transpose(&m, 2, 3), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    }
}
