//! A reciprocally coupled pair whose weights learn with SAL, on our own parameters (not the
//! paper's Fig 2d set-up): t_ref = 20 steps, a longer PSP (τ_syn = 30 steps), inhibitory
//! start w21 < 0, only w21 plastic. SAL moves w21 towards w12 (weight transport: the feedback
//! weight learns the forward one), and the exact STDD's SAL values say where it is heading.
//!
//! Run: `cargo run --release --example pair_sal`

use sal::conventions::Conventions;
use sal::kernel::PspKernel;
use sal::stdd::analytic::{Calculator, Pair};
use sal::two_neuron::{PairSal, Plastic, run_pair_sal};
use sal::window::Window;

fn main() {
    let t_ref = 20;
    let mut cfg = PairSal::fig2d(Plastic::W21);
    cfg.init = Pair {
        w12: 1.0,
        w21: -0.5,
        b1: -0.3,
        b2: -0.3,
    };
    cfg.t_ref = t_ref;
    cfg.t_syn = 30;
    cfg.epochs = 600;
    cfg.steps_per_epoch = 4000;
    cfg.lr = 0.05;
    cfg.window = Window::sal_exp(t_ref as f64);
    let tr = run_pair_sal(&cfg, 2024);

    // The exact oracle under the same conventions (sampler: minimum ISI t_ref + 1, rect PSP
    // of τ_syn steps): the expected SAL update of w21 at a few points of the trajectory.
    let mut calc = Calculator::new(PspKernel::rect(cfg.t_syn as f64), 4 * t_ref, t_ref);
    calc.conventions = Conventions::SAMPLER_M1;
    println!("epoch      w12      w21   exact E[ΔW21] per pair");
    for e in [0, 50, 100, 200, 400, cfg.epochs] {
        let pair = Pair {
            w12: tr.w12[e],
            w21: tr.w21[e],
            ..cfg.init
        };
        let (_, s21) = calc.sal(&pair, &cfg.window).expect("valid parameters");
        println!("{e:>5} {:>8.4} {:>8.4} {s21:>+12.5}", tr.w12[e], tr.w21[e]);
    }
    let (start, end) = (
        (tr.w12[0] - tr.w21[0]).abs(),
        (tr.w12[cfg.epochs] - tr.w21[cfg.epochs]).abs(),
    );
    println!("|w12 − w21|: {start:.3} → {end:.3}");
    assert!(end < start, "SAL should bring w21 towards w12");
}
