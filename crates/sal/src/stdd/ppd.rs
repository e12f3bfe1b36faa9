//! SAL phase-plane diagrams (`stdd.md` §7): the expected SAL updates (sal_12, sal_21) over a
//! grid of weight pairs, for fixed biases.

use super::analytic::{Calculator, Pair, StddError};
use crate::window::Window;
use rayon::prelude::*;

/// A phase plane on an n×n grid. Grid point (i, j) has public w_12 = axis\[i\] and
/// w_21 = axis\[j\]; values are row-major `[i * n + j]`. Drawn (Fig 2e) at x = w_21,
/// y = w_12 with arrow (sal_21, sal_12).
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePlane {
    /// The weight axis (both weights).
    pub axis: Vec<f64>,
    /// Expected update of w_12 at every grid point.
    pub sal12: Vec<f64>,
    /// Expected update of w_21 at every grid point.
    pub sal21: Vec<f64>,
}

impl PhasePlane {
    /// Grid size n.
    pub fn n(&self) -> usize {
        self.axis.len()
    }

    /// Update magnitude √(sal_12² + sal_21²) divided by its maximum (the Fig 2e background).
    pub fn normalised_magnitude(&self) -> Vec<f64> {
        crate::metrics::normalised_magnitude(&self.sal12, &self.sal21)
    }
}

/// Computes the phase plane of `calc` with biases (b1, b2) over `axis` with SAL window
/// `window`. Grid rows are computed in parallel; the result does not depend on the
/// number of threads.
pub fn phase_plane(
    calc: &Calculator,
    b1: f64,
    b2: f64,
    axis: &[f64],
    window: &Window,
) -> Result<PhasePlane, StddError> {
    let n = axis.len();
    let rows: Result<Vec<Vec<(f64, f64)>>, StddError> = axis
        .par_iter()
        .map(|&w12| {
            axis.iter()
                .map(|&w21| calc.sal(&Pair { w12, w21, b1, b2 }, window))
                .collect()
        })
        .collect();
    let rows = rows?;
    let mut sal12 = Vec::with_capacity(n * n);
    let mut sal21 = Vec::with_capacity(n * n);
    for row in rows {
        for (a, b) in row {
            sal12.push(a);
            sal21.push(b);
        }
    }
    Ok(PhasePlane {
        axis: axis.to_vec(),
        sal12,
        sal21,
    })
}

/// `n` equally spaced values from `lo` to `hi` inclusive (NumPy's linspace: lo + k·step).
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let step = (hi - lo) / (n - 1) as f64;
    (0..n)
        .map(|k| if k == n - 1 { hi } else { lo + k as f64 * step })
        .collect()
}
