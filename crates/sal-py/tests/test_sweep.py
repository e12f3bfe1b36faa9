"""sal.sweep, sal.report and sal.load_sweep: the long table is the long.csv of `sal report`."""

import csv

import numpy as np
import pytest
import sal

from conftest import MICRO_SMOKE, REPO, cli, read_json

GRID = {"student_simulation_settings.poisson_seed": [11, 12, 13]}


def test_sweep_report_and_long_table(tmp_path):
    out = tmp_path / "sw"
    s = sal.sweep(MICRO_SMOKE, grid=GRID, out=out, jobs=2, progress=False)
    assert (s.points, s.computed, s.done) == (3, 3, 3)
    again = sal.sweep(MICRO_SMOKE, grid=GRID, out=out, progress=False)  # resumes: nothing to do
    assert (again.computed, again.done) == (0, 3)
    plan = read_json(out / "sweep.json")
    assert [p["coords"]["student_simulation_settings.poisson_seed"] for p in plan["points"]] == [11, 12, 13]

    rep = sal.report(out)
    assert rep.dir == out / "report" and out / "report" / "long.csv" in rep.files
    assert len(rep.rows) == 3
    # the command line writes the same tables
    cli("report", out, "--out", tmp_path / "cli-report")
    for name in ["long.csv", "table.csv", "micro_table.csv"]:
        assert (tmp_path / "cli-report" / name).read_text() == (out / "report" / name).read_text(), name

    t = sal.load_sweep(out, frame=False)
    with open(out / "report" / "long.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert list(t) == header
    n_epochs = 2
    assert len(body) == 3 * n_epochs
    for j, name in enumerate(header):
        col = t[name]
        assert len(col) == len(body)
        if col.dtype.kind == "f":
            np.testing.assert_array_equal(col, np.array([float(r[j]) for r in body]), err_msg=name)
        else:
            assert [str(x) for x in col] == [r[j] for r in body], name
    assert t["student_simulation_settings.poisson_seed"].tolist() == [11, 11, 12, 12, 13, 13]
    assert t["epoch"].tolist() == [0, 1] * 3
    assert "validation_loss" in t and np.isfinite(t["validation_loss"]).all()


def test_load_sweep_gives_a_dataframe_with_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    sal.sweep(MICRO_SMOKE, grid={"student_simulation_settings.poisson_seed": [1]}, out=tmp_path / "s", progress=False)
    df = sal.load_sweep(tmp_path / "s")
    assert isinstance(df, pd.DataFrame) and len(df) == 2


def test_sweep_errors_name_the_option(tmp_path):
    with pytest.raises(ValueError, match="jobs"):
        sal.sweep(MICRO_SMOKE, out=tmp_path / "a", jobs=0, progress=False)
    with pytest.raises(ValueError, match="shard"):
        sal.sweep(MICRO_SMOKE, out=tmp_path / "a", shard="3/2", progress=False)
    with pytest.raises(ValueError, match=r"network_properties\.nope"):
        sal.sweep(MICRO_SMOKE, grid={"network_properties.nope": [1, 2]}, out=tmp_path / "a", progress=False)
    assert not (tmp_path / "a").exists()


def test_report_of_a_salnet_sweep_has_its_table_and_figure(tmp_path):
    out = tmp_path / "salnet"
    fig9 = REPO / "configs" / "salnet" / "fig9.yaml"
    sal.sweep(fig9, grid={"seed": [1, 2]}, set={"dims": [30, 15, 5], "n_epochs": 2, "len_epoch": 20},
              out=out, progress=False)
    rep = sal.report(out)
    names = {p.name for p in rep.files}
    assert {"salnet_table.csv", "salnet_table.json", "salnet.png", "long.csv"} <= names
    assert "salnet" in rep.figures
    # each row's final angles are the last entries of the point's own scalars
    for row in rep.rows:
        point = next(p for p in read_json(out / "sweep.json")["points"] if p["index"] == row["index"])
        scalars = read_json(out / point["dir"] / "metrics.json")["scalars"]
        assert row["final_angle_deg"] == [scalars[f"symm/angle/{k}"][-1] for k in range(2)]
    table = read_json(out / "report" / "salnet_table.json")
    assert len(table) == 1 and table[0]["runs"] == 2 and table[0]["epochs"] == 2
