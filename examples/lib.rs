//! Examples of sal as a Rust library (run from the repository root):
//!
//! | example | what it shows | layer |
//! |---|---|---|
//! | `cargo run --release --example pair_sal` | a reciprocal pair learning with SAL on its own parameters, checked against the exact STDD | `sal` (core) |
//! | `cargo run --release --example sampler` | a spiking sampling network trained to a Boltzmann target of our own | `sal` (core) |
//! | `cargo run --release --example paper_run [OUT]` | the paper's minimal sampling example from its parameter file, in memory, or into a run directory with figures | `sal-experiments`, `sal-plot` |
//!
//! Copy one into your own crate with `sal` (and `sal-experiments`, `sal-plot`) as
//! dependencies.
