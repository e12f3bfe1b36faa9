"""sal.run / sal.load_run against `sal run` (the same functions: same metrics for the same
seed, the same files with out=), configuration errors, Ctrl-C, progress."""

import os
import signal
import threading
import time

import numpy as np
import pytest
import sal

from conftest import MICRO_SMOKE, MWE, MWE_INIT, PARAMS, SSN_SMOKE, assert_same, cli, metrics_as_python, read_json


def test_minimal_example_same_metrics_as_cli(tmp_path):
    cli("run", MWE, "--init", MWE_INIT, "--quiet", "--out", tmp_path / "cli")
    r = sal.run(MWE, init=MWE_INIT, progress=False)
    assert r.dir is None and r.kind == "ssn" and r.name == "minimal_working_example"
    assert_same(r.metrics, metrics_as_python(read_json(tmp_path / "cli" / "metrics.json")))
    ref = np.load(tmp_path / "cli" / "arrays.npz")
    assert sorted(r.arrays) == sorted(ref.files)
    for k in ref.files:
        np.testing.assert_array_equal(r.arrays[k], ref[k], err_msg=k)
    assert len(r.metrics["validation_iteration"]) == 76


def test_microcircuit_smoke_same_metrics_and_files_as_cli(tmp_path):
    cli("run", MICRO_SMOKE, "--quiet", "--out", tmp_path / "cli")
    mem = sal.run(MICRO_SMOKE, progress=False)
    assert mem.kind == "microcircuit"
    assert_same(mem.metrics, metrics_as_python(read_json(tmp_path / "cli" / "metrics.json")))
    r = sal.run(str(MICRO_SMOKE), out=tmp_path / "py", progress=False)
    assert r.dir == tmp_path / "py"
    cli_files = sorted(p.relative_to(tmp_path / "cli") for p in (tmp_path / "cli").rglob("*"))
    py_files = sorted(p.relative_to(tmp_path / "py") for p in (tmp_path / "py").rglob("*"))
    assert cli_files == py_files
    for name in ["metrics.json", "config.resolved.yaml"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    a, b = np.load(tmp_path / "py" / "arrays.npz"), np.load(tmp_path / "cli" / "arrays.npz")
    assert a.files == b.files
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert_same(r.metrics, mem.metrics)
    # an existing directory is kept unless force=True
    with pytest.raises(FileExistsError, match="force=True"):
        sal.run(MICRO_SMOKE, out=tmp_path / "py", progress=False)
    sal.run(MICRO_SMOKE, out=tmp_path / "py", force=True, progress=False)


def test_load_run_round_trips(tmp_path):
    r = sal.run(SSN_SMOKE, set={"seed.sim": 5}, out=tmp_path / "run", progress=False)
    back = sal.load_run(tmp_path / "run")
    assert_same(back.metrics, r.metrics)
    assert_same(back.arrays, r.arrays, "arrays")
    assert back.config == r.config and back.dir == r.dir and back.kind == "ssn"
    assert r.config["seed"]["sim"] == 5
    # the resolved configuration, given back as a dict, runs to the same result
    again = sal.run(r.config, progress=False)
    assert_same(again.metrics, r.metrics)
    with pytest.raises(ValueError, match="not a run directory"):
        sal.load_run(tmp_path)


def test_a_bad_key_raises_value_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match=r"network_properties\.dimz"):
        sal.run(MICRO_SMOKE, set={"network_properties.dimz": 2}, out=tmp_path / "x", progress=False)
    with pytest.raises(ValueError, match="bogus"):
        sal.run({"bogus": 1, "dim": 7}, progress=False)
    with pytest.raises(ValueError, match=r"^invalid value for engine"):
        sal.run(SSN_SMOKE, engine="warp", progress=False)
    with pytest.raises(ValueError, match=r"^invalid value for config: .* does not exist"):
        sal.run(tmp_path / "missing.yaml", progress=False)
    with pytest.raises(ValueError, match="max_memory"):
        sal.run(SSN_SMOKE, max_memory=-1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_raises_keyboard_interrupt_and_leaves_nothing(tmp_path):
    """SIGINT during a long run (the minimal example, ~7 s) stops it within about a second;
    the staging directory is removed and `out` is never created."""
    fired = []

    def interrupt():
        fired.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    # Python turns SIGINT into KeyboardInterrupt only if SIGINT was not ignored when it
    # started (a test runner started in the background of a shell without job control
    # inherits SIG_IGN): install the handler an interactive session has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.7, interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sal.run(MWE, out=tmp_path / "run", progress=False)
        raised = time.perf_counter()
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert fired, "the run ended before the interrupt"
    assert raised - fired[0] < 1.0, f"KeyboardInterrupt after {raised - fired[0]:.2f} s"
    assert list(tmp_path.iterdir()) == [], "partial output left behind"


def test_progress_callback_sees_every_step():
    seen = []
    r = sal.run(SSN_SMOKE, progress=lambda done, total: seen.append((done, total)))
    assert seen, "no progress reported"
    totals = {t for _, t in seen}
    assert len(totals) == 1 and seen[-1][0] == totals.pop()
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert r.metrics["validation_iteration"].size == 3
    with pytest.raises(TypeError, match="progress"):
        sal.run(SSN_SMOKE, progress="yes")


def test_progress_true_shows_a_tqdm_bar(monkeypatch):
    """progress=True (the default) draws a tqdm bar per task when tqdm is importable: here
    a stand-in module that records what the bar is told, so the test needs no tqdm."""
    import sys
    import types

    bars = []

    class Bar:
        def __init__(self, total=None, desc=None, unit=None, **kw):
            self.total, self.desc, self.unit, self.n, self.closed = total, desc, unit, 0, False
            bars.append(self)

        def update(self, k):
            self.n += k

        def close(self):
            self.closed = True

    fake = types.ModuleType("tqdm")
    fake.tqdm = Bar
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = Bar
    fake.auto = auto
    monkeypatch.setitem(sys.modules, "tqdm", fake)
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    sal.run(SSN_SMOKE)
    assert len(bars) == 1, bars
    b = bars[0]
    assert b.total > 0 and b.n == b.total and b.closed and b.desc
    bars.clear()
    sal.run(SSN_SMOKE, progress=False)
    assert bars == []


def test_convnet_run_same_metrics_as_cli(tmp_path):
    """The paper's ConvNet file (Fig 8) from Python: one FA epoch on the shipped digits gives
    the command line's metrics bit for bit (same seed, same CPU kernels); burn's backends are
    not in the wheel, and asking for one names the key."""
    settings = PARAMS / "symm_net" / "exp_settings.yaml"
    sets = ["method=fa", "dataset=digits", "params.n_epochs=1"]
    args = [a for s in sets for a in ("--set", s)]
    cli("run", settings, *args, "--quiet", "--out", tmp_path / "cli")
    r = sal.run(settings, set={"method": "fa", "dataset": "digits", "params.n_epochs": 1}, progress=False)
    assert r.kind == "convnet"
    assert_same(r.metrics, metrics_as_python(read_json(tmp_path / "cli" / "metrics.json")))
    assert len(r.metrics["scalars"]["accuracy/test"]) == 1
    assert len(r.metrics["scalars"]["symm/angle/0"]) == 2  # before the first epoch and after it
    with pytest.raises(ValueError, match=r"^invalid value for device: 'flex': .*cargo feature `burn`"):
        sal.run(settings, set={"method": "fa", "device": "flex"}, progress=False)
