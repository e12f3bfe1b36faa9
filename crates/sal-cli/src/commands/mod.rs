//! One module per subcommand.

pub mod bench;
pub mod figure;
pub mod pair;
pub mod report;
pub mod run;
pub mod stdd;
pub mod sweep;
