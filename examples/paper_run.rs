//! A paper experiment from Rust: the minimal sampling-network example of the paper, from the
//! reference's own parameter file (shortened to 201 iterations with an override, as
//! `sal run --set num_epochs=201` would), with the reference's target and initialisation.
//! Without an argument it runs in memory; with one (`OUT`) it writes the run directory
//! exactly as `sal run --out OUT` does (config.resolved.yaml, metrics.json, arrays.npz,
//! run.json, figures/).
//!
//! Run: `cargo run --release --example paper_run [OUT]` (from the repository root, with the
//! specification in ../shared/spec).

use sal_experiments::experiment::{Limits, Source, run_to_dir};
use sal_experiments::kinds::prepare;
use sal_experiments::progress::{Ctx, Silent, Stop};
use std::path::Path;

fn main() -> Result<(), sal_experiments::Error> {
    let params = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/params");
    let file = params.join("ssn/minimal_working_example.yaml");
    let init = params.join("derived/ssn_minimal_working_example_initial_conditions.json");
    // Validated exactly as `sal run` validates it; an error names the key.
    let exp = prepare(
        &file,
        &["num_epochs=201".to_string()],
        Some((&init, 0)),
        &Limits::default(),
    )?;
    println!(
        "{} ({}): {:.2e} {}",
        exp.name(),
        exp.kind(),
        exp.total_work() as f64,
        exp.work_unit()
    );
    let stop = Stop::new(); // another thread (or a signal handler) may request a stop
    let ctx = Ctx::new(&Silent, &stop);
    let outcome = match std::env::args().nth(1) {
        None => exp.run(&ctx)?,
        Some(out) => {
            let done = run_to_dir(
                exp.as_ref(),
                &Source::File(&file),
                Some(&init),
                Path::new(&out),
                false,
                &ctx,
                &mut |e, o, d| sal_plot::run_figures(e, o, d),
            )?;
            println!("wrote {}", done.dest.display());
            done.outcome
        }
    };
    println!("{}", outcome.summary());
    let m = outcome.metrics();
    for (it, d) in m["validation_iteration"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(m["dkl"].as_array().into_iter().flatten())
    {
        println!("iteration {it:>4}: D_KL = {d}");
    }
    Ok(())
}
