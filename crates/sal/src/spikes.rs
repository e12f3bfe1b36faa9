//! Spikes and the observer interface through which engines stream them.
//!
//! Engines never store spike trains: at every step in which at least one neuron fired they
//! call [`SpikeSink::on_spikes`] with the step and the firing neuron indices (0-based, in
//! increasing order). Observers (pair accumulators, STDD estimators, recorders) keep only
//! the statistics they need, so memory stays flat however long a run is.

/// An observer of a spike train.
pub trait SpikeSink {
    /// Neurons `ids` (0-based, increasing) fired at step `t`. Only called for steps with at
    /// least one spike; steps are increasing.
    fn on_spikes(&mut self, t: u64, ids: &[usize]);
}

/// Records every spike as `(step, neuron)` (0-based ids). For tests and small runs only.
#[derive(Debug, Default, Clone)]
pub struct SpikeRecorder {
    /// The recorded spikes, in order.
    pub spikes: Vec<(u64, usize)>,
}

impl SpikeSink for SpikeRecorder {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        self.spikes.extend(ids.iter().map(|&i| (t, i)));
    }
}

/// Counts spikes per neuron.
#[derive(Debug, Clone)]
pub struct SpikeCounter {
    /// Spike count of every neuron.
    pub counts: Vec<u64>,
}

impl SpikeCounter {
    /// A counter for `n` neurons.
    pub fn new(n: usize) -> SpikeCounter {
        SpikeCounter { counts: vec![0; n] }
    }
}

impl SpikeSink for SpikeCounter {
    fn on_spikes(&mut self, _t: u64, ids: &[usize]) {
        for &i in ids {
            self.counts[i] += 1;
        }
    }
}

impl<A: SpikeSink, B: SpikeSink> SpikeSink for (A, B) {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        self.0.on_spikes(t, ids);
        self.1.on_spikes(t, ids);
    }
}

impl<S: SpikeSink + ?Sized> SpikeSink for &mut S {
    fn on_spikes(&mut self, t: u64, ids: &[usize]) {
        (**self).on_spikes(t, ids);
    }
}

/// Feeds a hand-made spike list `(step, neuron)` (sorted by step, then neuron) into a sink,
/// grouping same-step spikes as an engine would.
pub fn replay(spikes: &[(u64, usize)], sink: &mut impl SpikeSink) {
    let mut i = 0;
    let mut ids = Vec::new();
    while i < spikes.len() {
        let t = spikes[i].0;
        ids.clear();
        while i < spikes.len() && spikes[i].0 == t {
            ids.push(spikes[i].1);
            i += 1;
        }
        sink.on_spikes(t, &ids);
    }
}
