//! # sal-py — the Python package `sal`
//!
//! The extension module `sal._sal` (pyo3, abi3 for CPython ≥ 3.10, built by maturin from
//! `pyproject.toml`); the pure-Python part (`__init__.py`, the type stubs `_sal.pyi`,
//! `py.typed`) lives in `python/sal/`.
//!
//! Every function calls the same functions of `sal-experiments` (and `sal-plot` for
//! figures) as the `sal` command line, so the two cannot disagree:
//!
//! | Python | command line | experiments layer |
//! |---|---|---|
//! | `sal.stdd` | `sal stdd` | `analytic::StddRequest::compute` |
//! | `sal.pair` | `sal pair` | `analytic::PairRequest::run` |
//! | `sal.phase_plane` | `sal figure fig2e` (its grid) | `analytic::PhasePlaneRequest::compute` |
//! | `sal.run` | `sal run` | `kinds::{prepare, prepare_value}`, `experiment::run_to_dir`, `Experiment::run` |
//! | `sal.sweep` | `sal sweep` | `sweep::{plan, open_dir, shard_points, run}` |
//! | `sal.report` | `sal report` | `report::write` |
//! | `sal.load_sweep` | `long.csv` of `sal report` | `report::build(…).long_table()` |
//!
//! Long calls run on a helper thread without the GIL and turn Ctrl-C into
//! `KeyboardInterrupt` ([`job`]); errors become Python exceptions ([`errors`]); values
//! become numpy arrays and dicts ([`convert`]).
#![warn(missing_docs)]

pub mod analytic;
pub mod convert;
pub mod errors;
pub mod experiments;
pub mod job;

use pyo3::prelude::*;

/// The compiled part of the `sal` package (see `sal/__init__.py`).
#[pymodule]
fn _sal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SalError", py.get_type::<errors::SalError>())?;
    m.add("NonFiniteError", py.get_type::<errors::NonFiniteError>())?;
    m.add_class::<analytic::Stdd>()?;
    m.add_class::<analytic::Trajectory>()?;
    m.add_class::<analytic::PhasePlane>()?;
    m.add_class::<experiments::Run>()?;
    m.add_class::<experiments::Sweep>()?;
    m.add_class::<experiments::Report>()?;
    m.add_function(wrap_pyfunction!(analytic::stdd, m)?)?;
    m.add_function(wrap_pyfunction!(analytic::pair, m)?)?;
    m.add_function(wrap_pyfunction!(analytic::phase_plane, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::run, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::load_run, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::report, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::load_sweep, m)?)?;
    Ok(())
}
