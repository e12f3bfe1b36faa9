//! The registry of experiment kinds: the one place where a kind is added.

use crate::config::load_yaml;
use crate::error::Result;
use crate::experiment::{Experiment, InitRef, Kind, Limits};
use serde_norway::Value;
use std::path::Path;

/// The kinds `sal` knows, most specific first (the first that recognises a file takes it).
pub static KINDS: &[&dyn Kind] = &[
    &crate::salnet::SalNetKind,
    &crate::micro::MicroKind,
    &crate::convnet::ConvNetKind,
    &crate::ssn::SsnKind,
];

/// The kind called `name`.
pub fn kind(name: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|k| k.name() == name)
}

/// The kind of a parameter file's content.
pub fn kind_of(value: &Value) -> &'static dyn Kind {
    KINDS
        .iter()
        .copied()
        .find(|k| k.recognises(value))
        .expect("the last kind accepts every file")
}

/// Loads `file`, applies `sets` and validates it with the kind that recognises it; `init`
/// gives initial conditions from a file (it overrides an `initial_conditions` key of the
/// file). Any error names the file, key or flag; nothing is written.
pub fn prepare(
    file: &Path,
    sets: &[String],
    init: Option<(&Path, usize)>,
    limits: &Limits,
) -> Result<Box<dyn Experiment>> {
    let value = load_yaml(file)?;
    prepare_value(file, value, sets, init, limits)
}

/// [`prepare`] for an already loaded file value.
pub fn prepare_value(
    file: &Path,
    value: Value,
    sets: &[String],
    init: Option<(&Path, usize)>,
    limits: &Limits,
) -> Result<Box<dyn Experiment>> {
    let init = init.map(|(p, k)| InitRef::new(p, k)).transpose()?;
    kind_of(&value).prepare(file, value, sets, init, limits)
}
