//! Random targets, initial parameters and noisy STDP amplitudes of the sampling networks
//! (spec `ssn.md` §2.2, `ssn_v3.md` §2.3), drawn from our own seeded streams.
//!
//! The reference draws these with NumPy; its exact values for every published run are
//! shipped as data (`params/derived/ssn_*_initial_conditions.json`) and can be loaded
//! instead, so that our runs use exactly the reference's targets and initialisations. The
//! draws here follow the same recipe (distributions, order, truncation) with our generator.

use crate::rng::{SimRng, stream};

/// Everything a training run starts from. Matrices are row-major N×N, \[post\]\[pre\].
#[derive(Debug, Clone, PartialEq)]
pub struct InitialConditions {
    /// Target weights W* (symmetric, zero diagonal).
    pub w_target: Vec<f64>,
    /// Target biases b*.
    pub b_target: Vec<f64>,
    /// Initial weights W0 (symmetric part + i.i.d. noise, non-zero diagonal).
    pub w_init: Vec<f64>,
    /// Initial biases b0.
    pub b_init: Vec<f64>,
    /// Hebbian window amplitude per synapse (A+ = A− = value).
    pub ws_amplitude: Vec<f64>,
    /// SAL window amplitude per synapse (A+ = −value, A− = +value).
    pub sal_amplitude: Vec<f64>,
}

/// Parameters of the random draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitParams {
    /// Number of neurons N.
    pub n: usize,
    /// Beta distribution of the targets: W*, b* ~ 2·Beta(α, β) − 1.
    pub alpha: f64,
    /// See `alpha`.
    pub beta: f64,
    /// Std of the symmetric initial weights.
    pub weight_init: f64,
    /// Std of the initial biases.
    pub bias_init: f64,
    /// σ_init: std of the i.i.d. noise added to every initial weight (synaptic noise).
    pub init_noise: f64,
    /// σ_stdp: std of the amplitude noise (truncated at ±1.5σ; plasticity noise).
    pub stdp_noise: f64,
    /// Mean amplitude (`stdp.ws.a_plus`, 1).
    pub a_plus: f64,
    /// Clip amplitudes below at 0 (protocol v3).
    pub clip_amplitudes_at_zero: bool,
}

/// A standard normal draw (Marsaglia's polar method; both variates are used alternately).
pub struct Normal {
    spare: Option<f64>,
}

impl Normal {
    /// A fresh normal sampler.
    pub fn new() -> Normal {
        Normal { spare: None }
    }

    /// One standard normal variate.
    pub fn sample(&mut self, rng: &mut SimRng) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        loop {
            let u = 2.0 * unit(rng) - 1.0;
            let v = 2.0 * unit(rng) - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }
}

impl Default for Normal {
    fn default() -> Self {
        Normal::new()
    }
}

/// A uniform double in [0, 1).
pub fn unit(rng: &mut SimRng) -> f64 {
    crate::neuron::uniform01(rng)
}

/// Gamma(shape, 1) by Marsaglia–Tsang (with the shape + 1 boost for shape < 1).
pub fn gamma(shape: f64, rng: &mut SimRng, normal: &mut Normal) -> f64 {
    if shape < 1.0 {
        let u = unit(rng).max(f64::MIN_POSITIVE);
        return gamma(shape + 1.0, rng, normal) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal.sample(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = unit(rng);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// Beta(α, β) as X/(X + Y) with X ~ Gamma(α), Y ~ Gamma(β).
pub fn beta(alpha: f64, beta: f64, rng: &mut SimRng, normal: &mut Normal) -> f64 {
    let x = gamma(alpha, rng, normal);
    let y = gamma(beta, rng, normal);
    x / (x + y)
}

/// Keeps the strict upper triangle and mirrors it; the diagonal becomes 0.
pub fn symmetrise_upper(w: &mut [f64], n: usize) {
    for i in 0..n {
        w[i * n + i] = 0.0;
        for j in (i + 1)..n {
            w[j * n + i] = w[i * n + j];
        }
    }
}

/// N² normal(0, σ) values, each redrawn until inside [−1.5σ, 1.5σ] (σ = 0 gives zeros).
fn truncated(n2: usize, sigma: f64, rng: &mut SimRng, normal: &mut Normal) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n2).map(|_| sigma * normal.sample(rng)).collect();
    loop {
        let mut redrawn = false;
        for x in v.iter_mut() {
            if x.abs() > 1.5 * sigma {
                *x = sigma * normal.sample(rng);
                redrawn = true;
            }
        }
        if !redrawn {
            return v;
        }
    }
}

/// Per-synapse amplitudes from a "forward" and a "backward" matrix: forward for j ≥ i + 2,
/// backward otherwise (the reference's triangle offset, discrepancy B4).
fn assemble(f: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = if j >= i + 2 {
                f[i * n + j]
            } else {
                b[i * n + j]
            };
        }
    }
    a
}

/// Draws targets from the stream (`seed_distr`, "ssn-target") and initial parameters and
/// amplitudes from (`seed_init`, "ssn-init"), in the reference's order.
pub fn draw(p: &InitParams, seed_distr: u64, seed_init: u64) -> InitialConditions {
    let n = p.n;
    let mut normal = Normal::new();
    let mut g = stream(seed_distr, "ssn-target", 0);
    let mut w_target: Vec<f64> = (0..n * n)
        .map(|_| 2.0 * beta(p.alpha, p.beta, &mut g, &mut normal) - 1.0)
        .collect();
    symmetrise_upper(&mut w_target, n);
    let b_target: Vec<f64> = (0..n)
        .map(|_| 2.0 * beta(p.alpha, p.beta, &mut g, &mut normal) - 1.0)
        .collect();

    let mut normal = Normal::new();
    let mut g = stream(seed_init, "ssn-init", 0);
    let mut w_init: Vec<f64> = (0..n * n)
        .map(|_| p.weight_init * normal.sample(&mut g))
        .collect();
    symmetrise_upper(&mut w_init, n);
    for w in w_init.iter_mut() {
        *w += p.init_noise * normal.sample(&mut g);
    }
    let b_init: Vec<f64> = (0..n)
        .map(|_| p.bias_init * normal.sample(&mut g))
        .collect();
    let mut mats: Vec<Vec<f64>> = (0..4)
        .map(|_| {
            truncated(n * n, p.stdp_noise, &mut g, &mut normal)
                .into_iter()
                .map(|e| {
                    let a = p.a_plus + e;
                    if p.clip_amplitudes_at_zero {
                        a.max(0.0)
                    } else {
                        a
                    }
                })
                .collect()
        })
        .collect();
    let b_sal = mats.pop().expect("4 matrices");
    let f_sal = mats.pop().expect("4 matrices");
    let b_ws = mats.pop().expect("4 matrices");
    let f_ws = mats.pop().expect("4 matrices");
    InitialConditions {
        w_target,
        b_target,
        w_init,
        b_init,
        ws_amplitude: assemble(&f_ws, &b_ws, n),
        sal_amplitude: assemble(&f_sal, &b_sal, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_and_beta_moments() {
        // 200 000 draws: the standard error of a mean is ≤ 0.0023 (σ = 1), of the uniform
        // Beta(1,1) mean 0.00065; we allow 5 standard errors.
        let mut rng = stream(1, "t", 0);
        let mut nrm = Normal::new();
        let k = 200_000;
        let xs: Vec<f64> = (0..k).map(|_| nrm.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / k as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / k as f64;
        assert!(m.abs() < 5.0 * 0.0023 && (v - 1.0).abs() < 5.0 * 0.0032);
        let bs: Vec<f64> = (0..k).map(|_| beta(1.0, 1.0, &mut rng, &mut nrm)).collect();
        let mb = bs.iter().sum::<f64>() / k as f64;
        assert!((mb - 0.5).abs() < 5.0 * 0.00065);
        let b2: Vec<f64> = (0..k).map(|_| beta(2.0, 5.0, &mut rng, &mut nrm)).collect();
        let m2 = b2.iter().sum::<f64>() / k as f64;
        assert!((m2 - 2.0 / 7.0).abs() < 5.0 * 0.0004);
    }

    #[test]
    fn draws_have_the_documented_structure() {
        let p = InitParams {
            n: 7,
            alpha: 1.0,
            beta: 1.0,
            weight_init: 0.2,
            bias_init: 0.2,
            init_noise: 0.5,
            stdp_noise: 0.8,
            a_plus: 1.0,
            clip_amplitudes_at_zero: true,
        };
        let ic = draw(&p, 4321, 9002);
        for i in 0..7 {
            assert_eq!(ic.w_target[i * 7 + i], 0.0);
            for j in 0..7 {
                assert_eq!(ic.w_target[i * 7 + j], ic.w_target[j * 7 + i]);
                assert!(ic.w_target[i * 7 + j].abs() <= 1.0);
            }
        }
        assert!(ic.ws_amplitude.iter().all(|&a| (0.0..=2.2).contains(&a)));
        assert!(
            ic.w_init
                .iter()
                .enumerate()
                .any(|(k, &w)| k % 8 == 0 && w != 0.0)
        );
        assert_eq!(ic, draw(&p, 4321, 9002));
        assert_ne!(ic.w_target, draw(&p, 4322, 9002).w_target);
    }
}
