//! A short training run on the shipped digits: `cargo run --release -p sal-deep --example
//! digits [-- METHODS EPOCHS SEED THREADS]` (methods comma-separated, e.g. `bp,fa`). Prints
//! per epoch the summed training loss, training and test accuracy (%) and the fc1–fc3
//! angles between W and B (deg); batches of 128, lr 0.01, momentum 0.9 (the parameter
//! file's values).
use sal_deep::train::EpochOptions;
use sal_deep::{ConvNet, Hyper, Method, Network, data::digits};
use std::ops::ControlFlow;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let methods = args.get(1).map_or("bp,fa", |s| s.as_str());
    let epochs: usize = args.get(2).map_or(5, |s| s.parse().unwrap());
    let seed: u64 = args.get(3).map_or(0, |s| s.parse().unwrap());
    let threads: usize = args.get(4).map_or(2, |s| s.parse().unwrap());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let data = digits();
    pool.install(|| {
        for m in methods.split(',') {
            let method: Method = m.parse().unwrap();
            let mut net = ConvNet::<f32>::new(method, data.shape, seed, Hyper::default()).unwrap();
            let opts = EpochOptions { seed, ..EpochOptions::default() };
            let a = net.alignment();
            println!("{m} epoch 0: angles {:.1} {:.1} {:.1}", a[0].angle_deg, a[1].angle_deg, a[2].angle_deg);
            for e in 1..=epochs {
                let t = std::time::Instant::now();
                let tr = net.train_epoch(&data, e, &opts, &mut |_| ControlFlow::Continue(())).unwrap();
                let te = net.evaluate(&data, &mut |_| ControlFlow::Continue(())).unwrap();
                let a = net.alignment();
                println!(
                    "{m} epoch {e}: loss/train {:.3} acc/train {:.1} loss/test {:.3} acc/test {:.1} angles {:.1} {:.1} {:.1} ({:.1} s)",
                    tr.loss_sum, tr.accuracy, te.loss_sum, te.accuracy, a[0].angle_deg, a[1].angle_deg, a[2].angle_deg,
                    t.elapsed().as_secs_f64()
                );
            }
        }
    });
}
