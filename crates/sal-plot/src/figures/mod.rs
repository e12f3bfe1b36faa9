//! The paper's analytic and two-neuron figures (Fig 2c, 2d, 2e, 11, 12).
//!
//! Each function computes the data with the `sal` core, writes `<name>.npz` and
//! `<name>.json` and draws `<name>.png` / `<name>.svg` into the output directory.

pub mod common;
pub mod convnet;
mod fig10;
mod fig11;
mod fig12;
mod fig2;
pub mod fig6;
pub mod fig7;
pub mod fig8;
pub mod micro;
pub mod report;
pub mod salnet;
mod ssn;

pub use fig2::{fig2c, fig2d, fig2e};
pub use fig10::fig10;
pub use fig11::fig11;
pub use fig12::fig12;
pub use ssn::ssn_run;
