//! One module per subcommand.

pub mod bench;
pub mod figure;
pub mod pair;
pub mod report;
pub mod run;
pub mod stdd;
pub mod sweep;

/// The warning for a figure of `dest` that could not be drawn.
pub fn figure_warning(dest: &std::path::Path, why: &str) {
    eprintln!(
        "warning: a figure of {} could not be drawn ({why}); the results are kept",
        dest.display()
    );
}

/// Seconds one core needs for an experiment, from the throughput measured on the project
/// machine (`sal bench` and the committed sweeps, README "Performance" and docs/results.md),
/// or `None` for kinds without a model:
///
/// * sampling networks: the 7-neuron sampler with its training overhead runs ≈ 90 M steps/s
///   per core with the event engine (the full v3 sweep: 7.6·10¹¹ steps in 4 110 s on 2
///   cores) and ≈ 40 M steps/s with the clock engine (`sal bench`: 2.3× slower per training
///   iteration); the event engine's cost grows with spikes × fan-out ∝ N(N − 1), the clock
///   engine's with N;
/// * microcircuits: ≈ 45 ns per step and unit (Σ dims): 135 ns/step for 1-1-1 (Fig 6:
///   4.7·10⁹ steps in 317 s on 2 cores), 1.2 µs/step for [4, 12, 8, 3] (1.3·10⁹ steps in
///   12 min on 2 cores).
pub fn seconds(exp: &dyn sal_experiments::experiment::Experiment) -> Option<f64> {
    let work = exp.total_work() as f64;
    let any = exp.as_any();
    if let Some(e) = any.downcast_ref::<sal_experiments::ssn::SsnExperiment>() {
        let n = e.config.dim.max(2) as f64;
        let clock = matches!(
            e.config.engine,
            Some(sal_experiments::config::ssn::EngineName::Clock)
        );
        let per_s = if clock {
            40e6 * 7.0 / n
        } else {
            90e6 * 42.0 / (n * (n - 1.0))
        };
        return Some(work / per_s);
    }
    if let Some(e) = any.downcast_ref::<sal_experiments::salnet::SalNetExperiment>() {
        // Fig 9 sizes ([1600, 384, 192, 10]): ≈ 60 µs of CPU per step and batch copy
        // (`sal bench --filter salnet` measured 40–60 µs), scaled by the synapses
        let c = &e.config;
        let syn: usize = c.dims.windows(2).map(|w| 2 * w[0] * w[1]).sum();
        let fig9 = 2 * (1600 * 384 + 384 * 192 + 192 * 10);
        return Some(work * 60e-6 * c.batchsize.max(1) as f64 * syn as f64 / fig9 as f64);
    }
    if let Some(e) = any.downcast_ref::<sal_experiments::micro::MicroExperiment>() {
        let units: usize = e.config.network_properties.dims.iter().sum();
        return Some(work * 45e-9 * units.max(1) as f64);
    }
    None
}

/// A duration for people: "4.2 s", "3.5 min", "1.2 h".
pub fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
