//! The dense SALNet engine: `models.md` §9 step by step, the test oracle of the sparse one.
//!
//! Every copy keeps a binary spike buffer per unit (a ring over the last steps), a counter of
//! steps since the last spike, and the membranes for the next decision computed as dense
//! matrix–vector products b_k + W_k·PSP(k−1) + B_k·PSP(k+1). The SAL sums are accumulated
//! literally: trace_pre_j = Σ_(m=0…buffer−1) (−1)·e^(−m/t_ref)·s_j(t−m),
//! trace_post_i = Σ (+1)·e^(−m/t_ref)·s_i(t−m), D_k[i][j] += s_i(t)·trace_pre_j +
//! trace_post_i·s_j(t) for every i, j and copy. Random draws are made exactly as in the
//! sparse engine (same stream per copy, one uniform per non-refractory unit, layer by
//! layer), so both produce the same spikes up to the rounding of the membranes.

use super::{OraclePerturbation, SalNetParams, SalWeights, Shared, copy_stream};
use crate::neuron::{fire_threshold, rho, uniform53};
use crate::rng::SimRng;

struct Copy {
    rng: SimRng,
    u: Vec<Vec<f64>>,
    /// Steps since the last spike ("+∞" initially), per unit.
    counter: Vec<Vec<u64>>,
    /// `buf[k][j·slots + (t mod slots)]` = 1 if unit j of layer k fired at step t.
    buf: Vec<Vec<u8>>,
}

/// State of the dense engine.
pub(super) struct State {
    copies: Vec<Copy>,
    slots: usize,
    /// D_k summed over copies (n_k × n_(k+1)).
    d: Vec<Vec<f64>>,
    /// A planted off-by-one (tests only).
    pub(super) perturbation: OraclePerturbation,
}

impl State {
    pub(super) fn new(p: &SalNetParams, w: &SalWeights, seed: u64) -> Self {
        let d = &p.dims;
        // one slot more than needed so the perturbed (longer) PSP still fits
        let slots = p.buffer_len.max(p.psp_len + 2);
        let copies = (0..p.batch)
            .map(|c| Copy {
                rng: copy_stream(seed, c),
                u: w.bias.clone(),
                counter: d.iter().map(|&n| vec![u64::MAX / 2; n]).collect(),
                buf: d.iter().map(|&n| vec![0; n * slots]).collect(),
            })
            .collect();
        Self {
            copies,
            slots,
            d: d.windows(2).map(|p| vec![0.0; p[0] * p[1]]).collect(),
            perturbation: OraclePerturbation::None,
        }
    }

    pub(super) fn clear_sums(&mut self) {
        for m in &mut self.d {
            m.fill(0.0);
        }
    }

    pub(super) fn accumulated(&self, k: usize) -> Vec<f64> {
        self.d[k].clone()
    }

    /// s_j(t − m) of copy `c`, layer `k` (0 before the start).
    fn spike(&self, c: usize, k: usize, j: usize, t: u64, m: u64) -> bool {
        m <= t
            && self.copies[c].buf[k][j * self.slots + ((t - m) % self.slots as u64) as usize] != 0
    }

    pub(super) fn recent_spikes(
        &self,
        c: usize,
        k: usize,
        t: u64,
        back: usize,
    ) -> Vec<(usize, usize)> {
        let n = self.copies[c].u[k].len();
        let mut out = Vec::new();
        for m in 0..back as u64 {
            if m + 1 > t {
                break;
            }
            for j in 0..n {
                if self.spike(c, k, j, t - 1, m) {
                    out.push((m as usize, j));
                }
            }
        }
        out
    }

    fn psp_len(&self, sh: &Shared<'_>) -> usize {
        match self.perturbation {
            OraclePerturbation::PspOneSlotLonger => sh.psp_len + 1,
            _ => sh.psp_len,
        }
    }

    /// Membranes of every copy for the decisions of step `t` (buffers hold steps < t).
    pub(super) fn refresh_membranes(&mut self, sh: &Shared<'_>, t: u64) {
        let psp_len = self.psp_len(sh) as u64;
        let d = sh.dims;
        let l1 = d.len();
        for c in 0..self.copies.len() {
            // PSP_j = Σ_(m=0…psp_len−1) buffer_j[m], slot m = m steps before the newest entry
            let psp: Vec<Vec<f64>> = (0..l1)
                .map(|k| {
                    (0..d[k])
                        .map(|j| {
                            (0..psp_len)
                                .filter(|&m| t > 0 && self.spike(c, k, j, t - 1, m))
                                .count() as f64
                        })
                        .collect()
                })
                .collect();
            for k in 0..l1 {
                let mut u = sh.bias[k].to_vec();
                for (i, ui) in u.iter_mut().enumerate() {
                    if k > 0 {
                        let n = d[k - 1];
                        for (w, x) in sh.w[k][i * n..(i + 1) * n].iter().zip(&psp[k - 1]) {
                            *ui += (*w as f32) as f64 * x;
                        }
                    }
                    if k + 1 < l1 {
                        let n = d[k + 1];
                        for (b, x) in sh.fb[k][i * n..(i + 1) * n].iter().zip(&psp[k + 1]) {
                            *ui += (*b as f32) as f64 * x;
                        }
                    }
                }
                self.copies[c].u[k] = u;
            }
        }
    }

    pub(super) fn run(
        &mut self,
        sh: &Shared<'_>,
        t0: u64,
        steps: u64,
        forced: Option<&[Vec<Vec<usize>>]>,
        counts: &mut [u64],
    ) {
        let d = sh.dims;
        let l1 = d.len();
        let slots = self.slots as u64;
        let min_isi = match self.perturbation {
            OraclePerturbation::RefractoryOneShorter => sh.min_isi as u64 - 1,
            _ => sh.min_isi as u64,
        };
        // literal SAL kernel including m = 0
        let kern: Vec<f64> = (0..sh.buffer_len)
            .map(|m| (-(m as f64) / sh.t_ref).exp())
            .collect();
        for s in 0..steps {
            let t = t0 + s;
            let slot = (t % slots) as usize;
            for c in 0..self.copies.len() {
                let cp = &mut self.copies[c];
                // spike generation, layer by layer
                for k in 0..l1 {
                    for j in 0..d[k] {
                        cp.buf[k][j * self.slots + slot] = 0;
                    }
                    for i in 0..d[k] {
                        let fire = match forced {
                            Some(f) => f[c][k].contains(&i),
                            None => {
                                cp.counter[k][i] >= min_isi
                                    && uniform53(&mut cp.rng)
                                        < fire_threshold(rho(cp.u[k][i], sh.t_ref))
                            }
                        };
                        cp.counter[k][i] = cp.counter[k][i].saturating_add(1);
                        if fire {
                            cp.counter[k][i] = 1;
                            cp.buf[k][i * self.slots + slot] = 1;
                            counts[k] += 1;
                        }
                    }
                }
            }
            // SAL accumulation, dense outer products per copy
            for c in 0..self.copies.len() {
                for k in 0..l1 - 1 {
                    let (n0, n1) = (d[k], d[k + 1]);
                    let trace = |layer: usize, j: usize, sign: f64| -> f64 {
                        (0..sh.buffer_len as u64)
                            .map(|m| {
                                if self.spike(c, layer, j, t, m) {
                                    sign * kern[m as usize]
                                } else {
                                    0.0
                                }
                            })
                            .sum()
                    };
                    let pre: Vec<f64> = (0..n1).map(|j| trace(k + 1, j, -1.0)).collect();
                    let post: Vec<f64> = (0..n0).map(|i| trace(k, i, 1.0)).collect();
                    let s_post: Vec<f64> = (0..n0)
                        .map(|i| self.spike(c, k, i, t, 0) as u8 as f64)
                        .collect();
                    let s_pre: Vec<f64> = (0..n1)
                        .map(|j| self.spike(c, k + 1, j, t, 0) as u8 as f64)
                        .collect();
                    let dk = &mut self.d[k];
                    for i in 0..n0 {
                        for j in 0..n1 {
                            dk[i * n1 + j] += s_post[i] * pre[j] + post[i] * s_pre[j];
                        }
                    }
                }
            }
            self.refresh_membranes(sh, t + 1);
        }
    }
}
