//! # sal-experiments — the paper's experiments as a library
//!
//! The layer between the science core [`sal`] (models, simulators, no I/O) and the front
//! ends (the `sal` command line, the Python package): everything that turns a parameter file
//! into results on disk, the same way for every front end.
//!
//! * [`config`]: the reference's parameter-file schemas (the paper's files run unchanged),
//!   `--set` overrides and validation with errors that name the key;
//! * [`experiment`]: one experiment abstraction ([`experiment::Kind`],
//!   [`experiment::Experiment`], [`experiment::Outcome`]) and run directories
//!   ([`experiment::run_into`]); [`kinds`]: the one registry of kinds ([`kinds::KINDS`]:
//!   sampling networks [`ssn`], cortical microcircuits [`micro`]);
//! * [`sweep`]: grids of runs — plans keyed by configuration, shards, locks, resume, growth;
//! * [`report`]: report data (quartiles, tables, long tables, JSON rows);
//! * [`out`]: output directories that never lose data; [`provenance`]: hashes, program,
//!   host; [`progress`]: progress display and interruption.
//!
//! Figures are drawn by `sal-plot` from the values this crate returns.
//!
//! ```
//! use sal_experiments::experiment::Limits;
//! use sal_experiments::kinds::prepare;
//! use sal_experiments::progress::{Ctx, Silent, Stop};
//! use std::path::Path;
//!
//! // The reference's smoke-test scenario (11 training iterations of a 7-neuron sampler).
//! let file = Path::new(env!("CARGO_MANIFEST_DIR"))
//!     .join("../../../shared/spec/params/tests-fixtures/ssn_smoke.yaml");
//! let exp = prepare(&file, &["seed.sim=3".into()], None, &Limits::default()).unwrap();
//! let stop = Stop::new();
//! let outcome = exp.run(&Ctx::new(&Silent, &stop)).unwrap();
//! let metrics = outcome.metrics();
//! assert_eq!(metrics["validation_iteration"].as_array().unwrap().len(), 3);
//! ```
#![warn(missing_docs)]

pub mod analytic;
pub mod cluster;
pub mod config;
pub mod convnet;
pub mod error;
pub mod experiment;
pub mod kinds;
pub mod micro;
pub mod out;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod salnet;
pub mod ssn;
pub mod sweep;

pub use error::{Error, Result};
