//! Spike trains → binary states on the t_ref/2 grid (spec `models.md` §3), streamed.
//!
//! Sample times τ_k = k·Δs, Δs = t_ref/2, for τ_k < D (ceil(D/Δs) samples). Neuron i is on
//! at τ iff it spiked at some step s with s < τ ≤ s + t_ref. Because the minimum ISI of the
//! sampler exceeds t_ref only the last spike matters. The observer keeps the histogram of
//! state indices (neuron 0 most significant), never the samples.

use crate::spikes::SpikeSink;

/// Streaming state histogram.
#[derive(Debug, Clone)]
pub struct StateSampler {
    n: usize,
    t_ref: f64,
    ds: f64,
    next_k: u64,
    last: Vec<Option<u64>>,
    /// Counts per state index (2^N entries).
    pub counts: Vec<u64>,
    any_spike: bool,
}

impl StateSampler {
    /// A sampler for `n` neurons (2^n histogram bins) with refractory period `t_ref`.
    pub fn new(n: usize, t_ref: usize) -> StateSampler {
        StateSampler {
            n,
            t_ref: t_ref as f64,
            ds: t_ref as f64 / 2.0,
            next_k: 0,
            last: vec![None; n],
            counts: vec![0; 1 << n],
            any_spike: false,
        }
    }

    /// Forgets everything (a fresh simulation).
    pub fn reset(&mut self) {
        self.next_k = 0;
        self.last.iter_mut().for_each(|l| *l = None);
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.any_spike = false;
    }

    fn state_at(&self, tau: f64) -> usize {
        let mut k = 0usize;
        for l in &self.last {
            let on = matches!(*l, Some(s) if (s as f64) < tau && tau <= s as f64 + self.t_ref);
            k = (k << 1) | on as usize;
        }
        k
    }

    /// Records all samples with τ_k ≤ `upto` (they cannot depend on spikes at ≥ upto).
    fn flush(&mut self, upto: f64, strict: bool) {
        loop {
            let tau = self.next_k as f64 * self.ds;
            if tau > upto || (strict && tau >= upto) {
                break;
            }
            let s = self.state_at(tau);
            self.counts[s] += 1;
            self.next_k += 1;
        }
    }

    /// Completes the samples of a simulation of `duration` steps and returns the sampled
    /// distribution. A simulation without any spike yields the reference's two all-off
    /// samples (the same distribution as any number of all-off samples).
    pub fn finish(&mut self, duration: u64) -> Vec<f64> {
        self.flush(duration as f64, true);
        if !self.any_spike {
            self.counts.iter_mut().for_each(|c| *c = 0);
            self.counts[0] = 2;
        }
        let total: u64 = self.counts.iter().sum();
        self.counts
            .iter()
            .map(|&c| c as f64 / total as f64)
            .collect()
    }

    /// Number of neurons.
    pub fn n(&self) -> usize {
        self.n
    }
}

impl SpikeSink for StateSampler {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        self.flush(t as f64, false);
        for &i in ids {
            self.last[i] = Some(t);
        }
        self.any_spike = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::replay;

    #[test]
    fn on_periods_follow_s_lt_tau_le_s_plus_tref() {
        // t_ref = 4 → Δs = 2; samples at 0, 2, …, 18 for D = 20 (10 samples).
        let mut s = StateSampler::new(2, 4);
        // neuron 0 spikes at 2: on at τ = 4, 6 (2 < τ ≤ 6); neuron 1 spikes at 5: on at
        // τ = 6, 8 (5 < τ ≤ 9).
        replay(&[(2, 0), (5, 1)], &mut s);
        let q = s.finish(20);
        // τ:   0  2  4  6  8 10 12 14 16 18
        // z0:  0  0  1  1  0  0  0  0  0  0
        // z1:  0  0  0  1  1  0  0  0  0  0
        assert_eq!(s.counts, vec![7, 1, 1, 1]); // 00, 01, 10, 11
        assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn odd_tref_uses_half_step_grid_and_sample_count_is_ceil() {
        let mut s = StateSampler::new(1, 5); // Δs = 2.5
        replay(&[(0, 0)], &mut s); // on for 0 < τ ≤ 5: τ = 2.5, 5.0
        s.finish(11); // τ = 0, 2.5, 5, 7.5, 10 → 5 samples = ceil(11/2.5)
        assert_eq!(s.counts, vec![3, 2]);
    }

    #[test]
    fn no_spike_gives_two_off_samples() {
        let mut s = StateSampler::new(3, 10);
        let q = s.finish(1000);
        assert_eq!(s.counts[0], 2);
        assert_eq!(q[0], 1.0);
    }
}
