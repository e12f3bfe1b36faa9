//! Dense kernels the ConvNet is made of: a strided matrix product (the `gemm` crate, always
//! single-threaded: parallelism is ours, over fixed partitions, so that results do not
//! depend on the number of threads), and helpers to share an output buffer between tasks
//! that write disjoint parts of it.

use crate::float::Float;

/// A strided matrix layout: element (i, j) lives at offset `i·rs + j·cs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strides {
    pub rs: usize,
    pub cs: usize,
}

impl Strides {
    /// Row-major with `cols` columns (row stride `cols`).
    pub fn row(cols: usize) -> Self {
        Strides { rs: cols, cs: 1 }
    }
    /// Row-major with an explicit row stride (a block of a wider matrix).
    pub fn row_stride(rs: usize) -> Self {
        Strides { rs, cs: 1 }
    }
    /// The transpose of a row-major matrix with `cols` columns (column-major view).
    pub fn t(cols: usize) -> Self {
        Strides { rs: 1, cs: cols }
    }
    fn extent(&self, rows: usize, cols: usize) -> usize {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * self.rs + (cols - 1) * self.cs + 1
        }
    }
}

/// `dst (m×n) = a (m×k) · b (k×n)`, or `dst += a·b` with `accumulate`; single-threaded.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    ds: Strides,
    accumulate: bool,
    a: &[T],
    as_: Strides,
    b: &[T],
    bs: Strides,
) {
    assert!(dst.len() >= ds.extent(m, n), "matmul: dst too short");
    assert!(a.len() >= as_.extent(m, k), "matmul: lhs too short");
    assert!(b.len() >= bs.extent(k, n), "matmul: rhs too short");
    // SAFETY: the three extents were checked against the slices' lengths; dst is borrowed
    // mutably, so it cannot alias a or b.
    unsafe { matmul_raw(m, n, k, dst.as_mut_ptr(), ds, accumulate, a, as_, b, bs) }
}

/// As [`matmul`], writing through a raw pointer (tasks that own disjoint blocks of one
/// output matrix).
///
/// # Safety
/// `dst` must be valid for writes at every offset `i·ds.rs + j·ds.cs` (i < m, j < n), no
/// other thread may access those elements during the call, and they must not overlap `a`
/// or `b`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_raw<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    ds: Strides,
    accumulate: bool,
    a: &[T],
    as_: Strides,
    b: &[T],
    bs: Strides,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= as_.extent(m, k), "matmul: lhs too short");
    assert!(b.len() >= bs.extent(k, n), "matmul: rhs too short");
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    unsafe { *dst.add(i * ds.rs + j * ds.cs) = T::ZERO };
                }
            }
        }
        return;
    }
    // SAFETY: bounds of a and b checked above; dst as promised by the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            ds.cs as isize,
            ds.rs as isize,
            accumulate,
            a.as_ptr(),
            as_.cs as isize,
            as_.rs as isize,
            b.as_ptr(),
            bs.cs as isize,
            bs.rs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// A raw pointer that tasks writing disjoint parts of one buffer may share.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut<T>(pub *mut T);
// SAFETY: used only by tasks that write disjoint elements (documented at each use).
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    pub fn new(s: &mut [T]) -> Self {
        SharedMut(s.as_mut_ptr())
    }
    /// The raw pointer (a method, so closures capture the `Sync` wrapper, not the field).
    pub fn ptr(&self) -> *mut T {
        self.0
    }
    /// The sub-slice `[start, start + len)`.
    ///
    /// # Safety
    /// In bounds of the original slice, and no other live reference to these elements.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, start: usize, len: usize) -> &mut [T] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_match_the_definition() {
        // a 2×3, b 3×2 (stored transposed), dst 2×2 inside a wider buffer.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let bt = [1.0, 0.0, -1.0, 2.0, 1.0, 0.5]; // b = btᵀ: b[k][j] = bt[j][k]
        let mut dst = [9.0; 6];
        matmul(
            2,
            2,
            3,
            &mut dst,
            Strides::row_stride(3),
            false,
            &a,
            Strides::row(3),
            &bt,
            Strides::t(3),
        );
        // row 0: (1,2,3)·(1,0,-1) = -2, (1,2,3)·(2,1,0.5) = 5.5
        // row 1: (4,5,6)·(1,0,-1) = -2, (4,5,6)·(2,1,0.5) = 16
        assert_eq!(dst, [-2.0, 5.5, 9.0, -2.0, 16.0, 9.0]);
        matmul(
            2,
            2,
            3,
            &mut dst,
            Strides::row_stride(3),
            true,
            &a,
            Strides::row(3),
            &bt,
            Strides::t(3),
        );
        assert_eq!(dst, [-4.0, 11.0, 9.0, -4.0, 32.0, 9.0]);
    }
}
