"""Results as pandas and xarray objects, and the HTML shown in notebooks."""

import numpy as np
import pytest

from livermodel import VARIABLES, simulate_batch
from livermodel.scenario.scenario import load_scenario, parse_scenario

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")


@pytest.fixture(scope="module")
def run():
    return load_scenario("rat-phx-70").run()


@pytest.fixture(scope="module")
def batch():
    sc = load_scenario("rat-phx-70")
    sets = [{**sc.parameters, "death_sensitivity": v} for v in (1.0, 1.5, 2.0)]
    return simulate_batch(sets, [sc.schedule] * 3, duration=48, output_step=2)


def test_to_pandas_has_the_time_column_every_variable_and_units(run):
    df = run.to_pandas()
    assert list(df.columns) == ["time_h", *run.data]
    np.testing.assert_array_equal(df["time_h"].to_numpy(), run.time_h)
    np.testing.assert_array_equal(df["functional_mass"].to_numpy(), run["functional_mass"])
    assert df.attrs["units"]["time_h"] == "h"
    assert df.attrs["units"]["alt_u_per_l"] == VARIABLES["alt_u_per_l"][0] == "U/L"
    assert df.attrs["success"] is True and df.attrs["parameters"] == run.parameters


def test_long_format_holds_the_same_numbers(run):
    long = run.to_pandas(long=True)
    assert list(long.columns) == ["time_h", "variable", "value", "unit"]
    assert len(long) == run.time_h.size * len(run.data)
    alt = long[long["variable"] == "alt_u_per_l"]
    np.testing.assert_array_equal(alt["value"].to_numpy(), run["alt_u_per_l"])
    assert set(alt["unit"]) == {"U/L"}


def test_to_xarray_is_runs_by_time_with_the_varied_parameter_as_coordinate(batch):
    ds = batch.to_xarray(metrics=True)
    assert ds["functional_mass"].dims == ("run", "time_h")
    assert ds.sizes == {"run": 3, "time_h": batch.time_h.size}
    np.testing.assert_array_equal(ds["death_sensitivity"].to_numpy(), [1.0, 1.5, 2.0])
    assert "priming_rate" not in ds.coords  # the same in every run: not a coordinate
    k = batch.variables.index("liver_function")
    np.testing.assert_array_equal(ds["liver_function"].to_numpy(), batch.values[:, k, :])
    assert ds["liver_function"].attrs["units"] == VARIABLES["liver_function"][0]
    peaks = [m["alt_peak_u_per_l"] for m in batch.metrics()]
    np.testing.assert_array_equal(ds["metric_alt_peak_u_per_l"].to_numpy(), peaks)
    assert list(ds["metric_failure_cause"].to_numpy()) == ["", "", ""]
    # selecting by the parameter works as a modeller expects
    one = ds.swap_dims(run="death_sensitivity").sel(death_sensitivity=1.5)
    np.testing.assert_array_equal(one["liver_function"].to_numpy(), batch.values[1, k, :])


def test_batch_to_pandas_is_long_with_one_column_per_varied_parameter(batch):
    df = batch.to_pandas()
    n, nv, nt = batch.values.shape
    assert len(df) == n * nv * nt
    sel = df[(df["run"] == 2) & (df["variable"] == "total_mass")]
    np.testing.assert_array_equal(sel["value"].to_numpy(), batch.variable("total_mass")[2])
    assert set(sel["death_sensitivity"]) == {2.0}


def test_notebook_html_escapes_what_a_scenario_file_says():
    text = (
        "name: escaped\ndescription: '<script>alert(1)</script> & more'\nspecies: rat\n"
        "duration: 2 d\ninsults:\n  - type: hepatectomy\n    fraction: 0.7\n"
    )
    sc = parse_scenario(text, source="escaped.yaml")
    page = sc._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; more" in page
    assert "Hepatectomy" in page and "48 h" in page
    res = sc.run()._repr_html_()
    assert "nadir liver function" in res and "<table>" in res


def test_a_missing_pandas_names_the_extra(run, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *a, **k):
        if name == "pandas":
            raise ImportError("no pandas here")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    monkeypatch.delitem(__import__("sys").modules, "pandas")
    with pytest.raises(ImportError, match=r"livermodel\[dataframes\]"):
        run.to_pandas()
