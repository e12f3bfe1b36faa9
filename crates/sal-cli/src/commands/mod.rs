//! One module per subcommand.

pub mod bench;
pub mod figure;
pub mod pair;
pub mod report;
pub mod run;
pub mod stdd;
pub mod sweep;

/// Draws figures after the results are written: a figure that cannot be drawn (an error or
/// a panic in the plotting code) is a warning, never a lost result.
pub fn draw_figures(
    dir: &sal_experiments::out::OutDir,
    draw: impl FnOnce() -> sal_experiments::Result<()>,
) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw));
    let why = match r {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the plotting code panicked".into()),
    };
    eprintln!(
        "warning: a figure of {} could not be drawn ({why}); the results are kept",
        dir.dest().display()
    );
}

/// A wall-time estimate for `work` units of an experiment of `kind` on one core, from the
/// throughput `sal bench` measures on the project machine (sampling networks: the 7-neuron
/// sampler's event engine with its training overhead, ≈ 70 M steps/s; microcircuits 1-1-1:
/// ≈ 10 M steps/s; other kinds: not estimated).
pub fn estimate(kind: &str, work: u64) -> String {
    let per_s = match kind {
        "ssn" => 70e6,
        "microcircuit" => 10e6,
        // Fig 9 sizes at batch 1 (steps of the whole network)
        "salnet" => 10e3,
        _ => return "time not estimated for this kind".into(),
    };
    let s = work as f64 / per_s;
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
