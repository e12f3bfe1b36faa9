"""Shared fixtures of the Python tests: paths of the repository, the specification's
parameter files (``../shared/spec`` beside the checkout) and the ``sal`` binary the tests
compare against (``target/release/sal``, or ``$SAL_BIN``; built by ``cargo build --release``,
which the test command runs first)."""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
SPEC = REPO.parent / "shared" / "spec"
PARAMS = SPEC / "params"
MWE = PARAMS / "ssn" / "minimal_working_example.yaml"
MWE_INIT = PARAMS / "derived" / "ssn_minimal_working_example_initial_conditions.json"
MICRO_SMOKE = PARAMS / "tests-fixtures" / "microcircuits_smoke.yaml"
SSN_SMOKE = PARAMS / "tests-fixtures" / "ssn_smoke.yaml"


def sal_bin() -> pathlib.Path:
    p = pathlib.Path(os.environ.get("SAL_BIN", REPO / "target" / "release" / "sal"))
    if not p.exists():
        pytest.fail(f"{p} not found: run `cargo build --release -p sal-cli` first (./test.sh does)")
    return p


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Runs the `sal` binary; fails the test on a non-zero exit."""
    r = subprocess.run([str(sal_bin()), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert r.returncode == 0, f"sal {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}"
    return r


def metrics_as_python(j):
    """metrics.json (parsed by json) converted like sal.run converts it: lists of numbers to
    numpy arrays (null → NaN, +inf for dkl)."""

    def conv(v, null_as):
        if isinstance(v, dict):
            return {k: conv(x, np.inf if k == "dkl" else null_as) for k, x in v.items()}
        if isinstance(v, list) and v:
            flat = all(isinstance(x, (int, float)) and not isinstance(x, bool) or x is None for x in v)
            if flat and any(x is not None for x in v):
                if all(isinstance(x, int) for x in v):
                    return np.array(v, dtype=np.int64)
                return np.array([null_as if x is None else x for x in v], dtype=np.float64)
            if all(isinstance(x, list) for x in v):
                rows = [conv(x, null_as) for x in v]
                if all(isinstance(r, np.ndarray) for r in rows) and len({r.shape for r in rows}) == 1:
                    return np.array(rows)
            return [conv(x, null_as) for x in v]
        return v

    return conv(j, np.nan)


def assert_same(a, b, path="metrics"):
    """Deep, exact equality of dicts / lists / numpy arrays (NaN equal to NaN)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {a.keys()} vs {b.keys()}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), f"{path}: array vs {type(b)}"
        assert a.dtype == b.dtype and a.shape == b.shape, f"{path}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} vs {b!r}"


def read_json(p):
    return json.loads(pathlib.Path(p).read_text())
