//! Values between Rust and Python: YAML configurations ↔ dicts, JSON metrics → dicts with
//! numpy arrays, `.npz` arrays → numpy arrays.

use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use sal_experiments::out::Array;
use serde_json::Value as Json;
use serde_norway::{Mapping, Value as Yaml};

/// A YAML value as a Python object (mappings → dict, sequences → list, scalars → int, float,
/// str, bool, None).
pub fn yaml_to_py<'py>(py: Python<'py>, v: &Yaml) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Yaml::Null => py.None().into_bound(py),
        Yaml::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Yaml::Number(n) => number_to_py(py, n.as_i64(), n.as_u64(), n.as_f64())?,
        Yaml::String(s) => PyString::new(py, s).into_any(),
        Yaml::Sequence(seq) => {
            let l = PyList::empty(py);
            for x in seq {
                l.append(yaml_to_py(py, x)?)?;
            }
            l.into_any()
        }
        Yaml::Mapping(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(yaml_to_py(py, k)?, yaml_to_py(py, x)?)?;
            }
            d.into_any()
        }
        Yaml::Tagged(t) => yaml_to_py(py, &t.value)?,
    })
}

/// A YAML or JSON number as a Python int (when it is one, signed or not) or float.
fn number_to_py<'py>(
    py: Python<'py>,
    int: Option<i64>,
    uint: Option<u64>,
    float: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match (int, uint) {
        (Some(i), _) => i.into_pyobject(py)?.into_any(),
        (None, Some(u)) => u.into_pyobject(py)?.into_any(),
        (None, None) => PyFloat::new(py, float.unwrap_or(f64::NAN)).into_any(),
    })
}

/// A Python value (dict, list, tuple, str, int, float, bool, None, numpy arrays and
/// scalars) as a YAML value; `path` names where it sits (`config.network_properties.dims`)
/// in the `ValueError` for anything else.
pub fn py_to_yaml(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Yaml> {
    if obj.is_none() {
        return Ok(Yaml::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Yaml::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Yaml::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Yaml::Number(u.into()));
        }
        return Err(PyValueError::new_err(format!(
            "invalid value for {path}: the integer does not fit in 64 bits"
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Yaml::Number(f.value().into()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Yaml::String(s.to_str()?.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Mapping::new();
        for (k, v) in d.iter() {
            let key = py_to_yaml(&k, path)?;
            let name = match &key {
                Yaml::String(s) => s.clone(),
                other => serde_norway::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            let sub = format!("{path}.{name}");
            m.insert(key, py_to_yaml(&v, &sub)?);
        }
        return Ok(Yaml::Mapping(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut seq = Vec::new();
        for (i, x) in obj.try_iter()?.enumerate() {
            seq.push(py_to_yaml(&x?, &format!("{path}.{i}"))?);
        }
        return Ok(Yaml::Sequence(seq));
    }
    // numpy arrays and scalars (and anything else with a list form)
    if obj.hasattr("tolist")? {
        let l = obj.call_method0("tolist")?;
        if !l.is(obj) {
            return py_to_yaml(&l, path);
        }
    }
    Err(PyValueError::new_err(format!(
        "invalid value for {path}: a configuration holds dicts, lists, str, int, float, bool and None, not {}",
        obj.get_type().name()?
    )))
}

/// A Python value as the text of a `KEY.PATH=VALUE` override (a YAML scalar or flow
/// collection, as on the command line: `seed.sim=3`, `engine=clock`, `dims=[1, 2, 1]`).
pub fn py_to_override(obj: &Bound<'_, PyAny>, key: &str) -> PyResult<String> {
    let y = py_to_yaml(obj, key)?;
    Ok(yaml_flow(&y))
}

fn yaml_flow(y: &Yaml) -> String {
    match y {
        Yaml::Null => "null".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.is_nan() {
                    ".nan".into()
                } else if f.is_infinite() {
                    if f > 0.0 {
                        ".inf".into()
                    } else {
                        "-.inf".into()
                    }
                } else {
                    // Rust's shortest round-trip form, with a decimal point (a YAML float)
                    format!("{f:?}")
                }
            } else {
                n.to_string()
            }
        }
        Yaml::String(s) => {
            // plain when it reads back as the same string, else JSON-quoted (valid YAML)
            let plain = !s.is_empty()
                && !s.contains([',', '[', ']', '{', '}', '#', '\n', '"', '\''])
                && serde_norway::from_str::<Yaml>(s).ok().as_ref() == Some(y);
            if plain {
                s.clone()
            } else {
                serde_json::to_string(s).expect("a string serialises")
            }
        }
        Yaml::Sequence(v) => format!(
            "[{}]",
            v.iter().map(yaml_flow).collect::<Vec<_>>().join(", ")
        ),
        Yaml::Mapping(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", yaml_flow(k), yaml_flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Yaml::Tagged(t) => yaml_flow(&t.value),
    }
}

/// Keys of `metrics.json` whose `null` means +∞ (D_KL of a sampled distribution that missed a
/// target state); every other `null` in a list of numbers becomes NaN.
const NULL_IS_INFINITY: &[&str] = &["dkl"];

/// `metrics.json` as a Python dict: lists of numbers become numpy arrays (int64 when every
/// entry is an integer, else float64; rectangular lists of lists become 2-D arrays), `null`
/// inside them NaN (+∞ for `dkl`, see `metrics.json`'s note); everything else as in `json`.
pub fn metrics_to_py<'py>(py: Python<'py>, v: &Json) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, v, f64::NAN, true)
}

/// A JSON value as plain Python objects (dict, list, int, float, str, bool, None).
pub fn json_plain<'py>(py: Python<'py>, v: &Json) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, v, f64::NAN, false)
}

fn json_to_py<'py>(
    py: Python<'py>,
    v: &Json,
    null_as: f64,
    arrays: bool,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Json::Number(n) => number_to_py(py, n.as_i64(), n.as_u64(), n.as_f64())?,
        Json::String(s) => PyString::new(py, s).into_any(),
        Json::Array(a) => {
            if arrays && let Some(arr) = numeric_array(py, a, null_as)? {
                return Ok(arr);
            }
            let l = PyList::empty(py);
            for x in a {
                l.append(json_to_py(py, x, null_as, arrays)?)?;
            }
            l.into_any()
        }
        Json::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                let null_as = if NULL_IS_INFINITY.contains(&k.as_str()) {
                    f64::INFINITY
                } else {
                    null_as
                };
                d.set_item(k, json_to_py(py, x, null_as, arrays)?)?;
            }
            d.into_any()
        }
    })
}

/// A numpy array of a JSON list of numbers (or a rectangular list of such lists), if it is
/// one. A list that is all `null` stays a list.
fn numeric_array<'py>(
    py: Python<'py>,
    a: &[Json],
    null_as: f64,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if a.is_empty() {
        return Ok(None);
    }
    let flat = |row: &[Json]| -> Option<(Vec<f64>, bool)> {
        let mut all_int = true;
        let mut any_num = false;
        let mut out = Vec::with_capacity(row.len());
        for x in row {
            match x {
                Json::Number(n) => {
                    any_num = true;
                    all_int &= n.is_i64();
                    out.push(n.as_f64()?);
                }
                Json::Null => {
                    all_int = false;
                    out.push(null_as);
                }
                _ => return None,
            }
        }
        any_num.then_some((out, all_int))
    };
    if let Some((v, all_int)) = flat(a) {
        return Ok(Some(vector(py, v, all_int, a)?));
    }
    // a matrix: every entry a numeric list of the same length
    let rows: Option<Vec<(Vec<f64>, bool)>> = a
        .iter()
        .map(|r| r.as_array().and_then(|r| flat(r)))
        .collect();
    let Some(rows) = rows else { return Ok(None) };
    let cols = rows[0].0.len();
    if rows.iter().any(|r| r.0.len() != cols) {
        return Ok(None);
    }
    let all_int = rows.iter().all(|r| r.1);
    let n = rows.len();
    let data: Vec<f64> = rows.into_iter().flat_map(|r| r.0).collect();
    let arr = if all_int {
        let ints: Vec<i64> = data.iter().map(|&x| x as i64).collect();
        PyArray1::from_vec(py, ints).reshape([n, cols])?.into_any()
    } else {
        PyArray1::from_vec(py, data).reshape([n, cols])?.into_any()
    };
    Ok(Some(arr))
}

fn vector<'py>(
    py: Python<'py>,
    v: Vec<f64>,
    all_int: bool,
    raw: &[Json],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(if all_int {
        let ints: Vec<i64> = raw.iter().map(|x| x.as_i64().unwrap_or(0)).collect();
        PyArray1::from_vec(py, ints).into_any()
    } else {
        PyArray1::from_vec(py, v).into_any()
    })
}

/// The arrays of an `.npz` archive (as a run writes them) as a dict of numpy arrays.
pub fn arrays_to_py<'py>(py: Python<'py>, arrays: Vec<Array>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for a in arrays {
        let arr = PyArray1::from_vec(py, a.data).reshape(a.shape)?;
        d.set_item(a.name, arr)?;
    }
    Ok(d)
}
