//! Pure SAL symmetrisation of a SALNet over "epochs" (the reference script
//! `salnet_symm.py`; Fig 9 = [`SymmetriseConfig::fig9`], `deep.md` §2.4).

use super::{SalNet, SalNetError, SalNetParams, SalWeights};
use crate::control::Flow;
use crate::metrics::Alignment;

/// Settings of a pure-SAL run, with the reference script's names.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetriseConfig {
    /// Layer sizes [n_0, …, n_L] (at least 2).
    pub dims: Vec<usize>,
    /// Refractory period (steps); τ_syn = t_ref, buffer 2·t_ref.
    pub t_ref: usize,
    /// Number of epochs; each is followed by one update of all B_k.
    pub n_epochs: usize,
    /// Epoch length in units of t_ref: an epoch has `len_epoch · t_ref` steps.
    pub len_epoch: usize,
    /// SAL learning rate η of every feedback matrix.
    pub sal_lr: f64,
    /// Number of independent copies.
    pub batchsize: usize,
    /// Seed of the initial weights (when none are given) and of the spike streams.
    pub seed: u64,
    /// Epochs after which the feedback matrices are kept in the result (0 = initial).
    pub snapshot_epochs: Vec<usize>,
}

impl SymmetriseConfig {
    /// Fig 9: [1600, 384, 192, 10], t_ref 10, 100 epochs of 10 000 steps, η 0.01, batch 1,
    /// feedback kept at epochs 0, 50 and 100 (the paper's scatter plots).
    pub fn fig9(seed: u64) -> Self {
        Self {
            dims: vec![1600, 384, 192, 10],
            t_ref: 10,
            n_epochs: 100,
            len_epoch: 1000,
            sal_lr: 0.01,
            batchsize: 1,
            seed,
            snapshot_epochs: vec![0, 50, 100],
        }
    }

    /// The SAL part of Fig 7 (`deep.md` §4.1): a two-layer SALNet [50, 50] (input, output),
    /// t_ref 10 steps = 1 ms, buffer 20, batch 8, η 0.05; one epoch = 1 s = 1250 steps
    /// (len_epoch 125), 100 epochs. The weights come from [`fig7_initial_weights`].
    pub fn fig7(seed: u64) -> Self {
        Self {
            dims: vec![50, 50],
            t_ref: 10,
            n_epochs: 100,
            len_epoch: 125,
            sal_lr: 0.05,
            batchsize: 8,
            seed,
            snapshot_epochs: vec![0, 100],
        }
    }

    /// Steps per epoch (`len_epoch · t_ref`).
    pub fn steps_per_epoch(&self) -> u64 {
        self.len_epoch as u64 * self.t_ref as u64
    }

    /// The SALNet parameters.
    pub fn params(&self) -> SalNetParams {
        SalNetParams::new(self.dims.clone(), self.t_ref, self.batchsize, self.sal_lr)
    }
}

/// Fig 7's initial matrices (`deep.md` §4): NumPy `default_rng(43)` draws W (50 × 50,
/// `[out][in]`) and then B (50 × 50, `[in][out]`) from U(−√(3/50), √(3/50)), row-major. Returns
/// (W, B).
pub fn fig7_initial_weights() -> (Vec<f64>, Vec<f64>) {
    let mut g = crate::rng_numpy::NumpyRng::new(43);
    let bound = (3.0f64 / 50.0).sqrt();
    let w = (0..2500).map(|_| g.uniform(-bound, bound)).collect();
    let b = (0..2500).map(|_| g.uniform(-bound, bound)).collect();
    (w, b)
}

/// The SALNet weights of Fig 7's SAL part: W_1 = W, B_0 = B from
/// [`fig7_initial_weights`], biases from the SALNet's own random initialisation (`seed`).
pub fn fig7_sal_weights(seed: u64) -> SalWeights {
    let (w, b) = fig7_initial_weights();
    let mut sw = SalWeights::random(&[50, 50], seed);
    sw.w[1] = w;
    sw.fb[0] = b;
    sw
}

/// The alignment of one feedback matrix B_k with W_(k+1)ᵀ before the first epoch and after
/// every epoch (`n_epochs + 1` entries each; the reference's `symm/angle/k`, `symm/var/k`,
/// `symm/corrcoef/k`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerSeries {
    /// Angle in degrees.
    pub angle_deg: Vec<f64>,
    /// Unbiased variance of the elements of W_(k+1) − B_kᵀ.
    pub var: Vec<f64>,
    /// Pearson correlation.
    pub corrcoef: Vec<f64>,
    /// Sign concordance.
    pub sign: Vec<f64>,
}

impl LayerSeries {
    fn push(&mut self, a: Alignment) {
        self.angle_deg.push(a.angle_deg);
        self.var.push(a.var);
        self.corrcoef.push(a.corrcoef);
        self.sign.push(a.sign);
    }
}

/// What a pure-SAL run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetriseResult {
    /// Weights before the first epoch.
    pub initial: SalWeights,
    /// Weights after the last epoch.
    pub final_weights: SalWeights,
    /// Alignment series per feedback matrix B_0 … B_(L−1).
    pub layers: Vec<LayerSeries>,
    /// Mean firing rate per layer (spikes per unit per step) in every epoch.
    pub rates: Vec<Vec<f64>>,
    /// (epoch, [B_0, …, B_(L−1)]) at the requested snapshot epochs.
    pub snapshots: Vec<(usize, Vec<Vec<f64>>)>,
}

/// Runs pure SAL: from `init` (or the SALNet's own random initialisation with `cfg.seed`),
/// `n_epochs` × (`len_epoch·t_ref` steps, then one update), recording the alignment of every
/// feedback matrix before the first epoch and after each. `progress(steps)` as in
/// [`SalNet::run`].
pub fn symmetrise<R: Flow>(
    cfg: &SymmetriseConfig,
    init: Option<SalWeights>,
    progress: &mut impl FnMut(u64) -> R,
) -> Result<SymmetriseResult, SalNetError> {
    let params = cfg.params();
    params.validate()?;
    let init = init.unwrap_or_else(|| SalWeights::random(&cfg.dims, cfg.seed));
    let mut net = SalNet::new(params, init.clone(), cfg.seed)?;
    let l = cfg.dims.len() - 1;
    let mut layers = vec![LayerSeries::default(); l];
    let record = |net: &SalNet, layers: &mut Vec<LayerSeries>| {
        for (k, s) in layers.iter_mut().enumerate() {
            s.push(net.alignment(k));
        }
    };
    let mut snapshots = Vec::new();
    let snap = |net: &SalNet, epoch: usize, snapshots: &mut Vec<(usize, Vec<Vec<f64>>)>| {
        if cfg.snapshot_epochs.contains(&epoch) {
            snapshots.push((epoch, (0..l).map(|k| net.feedback(k).to_vec()).collect()));
        }
    };
    record(&net, &mut layers);
    snap(&net, 0, &mut snapshots);
    let mut rates = Vec::with_capacity(cfg.n_epochs);
    for epoch in 1..=cfg.n_epochs {
        net.reset_counts();
        net.run(cfg.steps_per_epoch(), progress)?;
        rates.push(net.rates());
        net.update()?;
        record(&net, &mut layers);
        snap(&net, epoch, &mut snapshots);
    }
    Ok(SymmetriseResult {
        initial: init,
        final_weights: net.weights().clone(),
        layers,
        rates,
        snapshots,
    })
}
