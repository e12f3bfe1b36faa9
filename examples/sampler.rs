//! A spiking sampling network trained to a Boltzmann target of our own (not a random one of
//! the paper): 4 neurons whose target couples neighbours on a ring (W*_{i,i±1} = +0.8,
//! opposite corners −0.6, biases −0.4), starting from non-symmetric weights. Wake–sleep
//! learning makes the sampled distribution approach the target (D_KL falls) while SAL removes
//! the asymmetry W_ij − W_ji.
//!
//! Run: `cargo run --release --example sampler`

use sal::engine::EngineKind;
use sal::rng::stream;
use sal::sampling::init::{InitialConditions, Normal};
use sal::sampling::training::{Protocol, TrainParams, train};

fn main() {
    let n = 4;
    // Target: a ring with positive neighbour couplings, negative couplings across.
    let mut w_target = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                let ring = (i + 1) % n == j || (j + 1) % n == i;
                w_target[i * n + j] = if ring { 0.8 } else { -0.6 };
            }
        }
    }
    let b_target = vec![-0.4; n];
    // Start: small i.i.d. Gaussian weights (not symmetric), zero biases.
    let mut rng = stream(7, "example-init", 0);
    let mut normal = Normal::new();
    let w_init: Vec<f64> = (0..n * n)
        .map(|k| {
            if k / n == k % n {
                0.0
            } else {
                0.3 * normal.sample(&mut rng)
            }
        })
        .collect();
    let ic = InitialConditions {
        w_target,
        b_target,
        w_init,
        b_init: vec![0.0; n],
        ws_amplitude: vec![1.0; n * n],
        sal_amplitude: vec![1.0; n * n],
    };
    let p = TrainParams {
        n,
        t_ref: 10,
        tau_syn: 10,
        num_epochs: 401,
        val_step: 50,
        val_factor: 10,
        lr_bias: 0.01,
        lr_weight: 0.01,
        lr_symm: 0.02,
        lr_kp: 0.0,
        dur: 500,
        max_w: 2.0,
        max_b: 2.0,
        ws_tau: 10.0,
        sal_tau: 10.0,
        protocol: Protocol::V2,
        engine: EngineKind::Event,
    };
    let rec = train(&p, &ic, 11, &mut |_| {}).expect("finite parameters");
    println!("iteration   D_KL(target || sampled)   asymmetry Var(W_ij − W_ji)");
    for k in 0..rec.validation_iteration.len() {
        println!(
            "{:>9}   {:>23.4}   {:>26.5}",
            rec.validation_iteration[k], rec.dkl[k], rec.asymmetry[k]
        );
    }
    let (first, last) = (rec.dkl[0], *rec.dkl.last().expect("validated"));
    assert!(
        last < first,
        "training should bring the samples closer to the target"
    );
}
