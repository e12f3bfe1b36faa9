//! Experiment configuration files: YAML (the paper's own files run unchanged), `--set`
//! overrides, typed validation with errors that name the file and the key path.

pub mod micro;
pub mod ssn;

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde_norway::{Mapping, Value};
use std::path::{Path, PathBuf};

/// Reads a YAML file into a generic value (anchors and aliases resolved).
pub fn load_yaml(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid(path.display().to_string(), e.to_string()))?;
    serde_norway::from_str(&text)
        .map_err(|e| Error::invalid(path.display().to_string(), format!("not valid YAML: {e}")))
}

/// Refuses an `engine=` override (what `--engine` becomes) for a kind with a single
/// simulator; `why` says which, e.g. "SALNet runs have one simulator (event driven)".
pub fn refuse_engine(assignment: &str, why: &str) -> Result<()> {
    if assignment.starts_with("engine=") {
        return Err(Error::invalid(
            "--engine",
            format!("{why}; --engine applies to sampling networks"),
        ));
    }
    Ok(())
}

/// Applies the `--set` overrides in order ([`apply_set`]); with `single_engine`, an
/// `engine=` override is refused first ([`refuse_engine`]).
pub fn apply_sets(root: &mut Value, sets: &[String], single_engine: Option<&str>) -> Result<()> {
    for s in sets {
        if let Some(why) = single_engine {
            refuse_engine(s, why)?;
        }
        apply_set(root, s)?;
    }
    Ok(())
}

/// Applies one `KEY.PATH=VALUE` override; VALUE is parsed as a YAML scalar (or flow
/// collection). A numeric path element indexes a list (`network_properties.lr.0.up=0.3`). Missing intermediate mappings are created; whether the key is allowed is
/// decided by the typed parse afterwards, with the same validation as the file.
pub fn apply_set(root: &mut Value, assignment: &str) -> Result<()> {
    let (path, raw) = assignment.split_once('=').ok_or_else(|| {
        Error::invalid(
            "--set",
            format!("expected KEY.PATH=VALUE, got '{assignment}'"),
        )
    })?;
    let path = path.trim();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(Error::invalid(
            "--set",
            format!("empty key in '{assignment}'"),
        ));
    }
    let value: Value = serde_norway::from_str(raw.trim()).map_err(|e| {
        Error::invalid(
            format!("--set {path}"),
            format!("cannot parse '{raw}': {e}"),
        )
    })?;
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (k, part) in parts.iter().enumerate() {
        // A list element by index, e.g. network_properties.lr.0.up=0.3.
        if node.is_sequence() {
            let seq = node.as_sequence_mut().expect("checked");
            let len = seq.len();
            let i = part
                .parse::<usize>()
                .ok()
                .filter(|&i| i < len)
                .ok_or_else(|| {
                    Error::invalid(
                        format!("--set {path}"),
                        format!(
                            "'{}' is a list of {len}; '{part}' is not an index 0…{}",
                            parts[..k].join("."),
                            len.saturating_sub(1)
                        ),
                    )
                })?;
            if k == parts.len() - 1 {
                seq[i] = value;
                return Ok(());
            }
            node = &mut seq[i];
            continue;
        }
        if !node.is_mapping() {
            return Err(Error::invalid(
                format!("--set {path}"),
                format!("'{}' is not a mapping", parts[..k].join(".")),
            ));
        }
        let map = node.as_mapping_mut().expect("checked");
        let key = Value::String((*part).to_string());
        if k == parts.len() - 1 {
            map.insert(key, value);
            return Ok(());
        }
        if !map.contains_key(&key) {
            map.insert(key.clone(), Value::Mapping(Mapping::new()));
        }
        node = map.get_mut(&key).expect("inserted");
    }
    Ok(())
}

/// Reads a value at a dotted key path.
pub fn get_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |node, part| node.get(part))
}

/// Deserialises a typed configuration, naming the key path on error (`source` names the
/// file for the message).
pub fn parse<T: DeserializeOwned>(value: Value, source: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let name = if path == "." {
            source.to_string()
        } else {
            format!("{source}: {path}")
        };
        Error::invalid(name, inner)
    })
}

/// Reads a derived initial-conditions file given with `--init` (errors name `--init PATH`).
pub fn read_init_json(path: &Path) -> Result<serde_json::Value> {
    let flag = format!("--init {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| Error::invalid(&flag, e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| Error::invalid(&flag, format!("not valid JSON: {e}")))
}

/// Run `index` of the `runs` list of an initial-conditions file (`name` for the message).
pub fn init_run<'a>(
    runs: &'a [serde_json::Value],
    index: usize,
    name: &str,
) -> Result<&'a serde_json::Value> {
    runs.get(index).ok_or_else(|| {
        Error::invalid(
            "--init-index",
            format!(
                "{index} is out of range: {name} has {} runs (0…{})",
                runs.len(),
                runs.len().saturating_sub(1)
            ),
        )
    })
}

/// A derived initial-conditions file `name` of the reference: in `init_dir` (--init-dir) or
/// else in `../../derived` next to the scenario `file`, as the spec's folders lie.
pub fn derived_file(init_dir: Option<&Path>, file: &Path, name: &str) -> Result<PathBuf> {
    let dir = match init_dir {
        Some(d) => d.to_path_buf(),
        None => file
            .parent()
            .unwrap_or(Path::new("."))
            .join("../../derived"),
    };
    dir.join(name).canonicalize().map_err(|_| {
        Error::invalid(
            "--init-dir",
            format!(
                "{} not found (the reference's initial conditions; set --init-dir)",
                dir.join(name).display()
            ),
        )
    })
}
