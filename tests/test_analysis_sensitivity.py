"""Sensitivity: Sobol on Ishigami through the same path, elasticities against finite
differences and an analytic case, Morris ranking, SALib missing, the CLI."""

import json
import math

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from livermodel import LivermodelError
from livermodel.cli.studies import register
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import simulate
from livermodel.studies.sensitivity import (
    ModelEvaluator,
    Problem,
    morris,
    parameter_problem,
    sensitivity,
    sobol,
)

pytest.importorskip("SALib")


class Ishigami:
    """Ishigami & Homma (1990) with a = 7, b = 0.1 on [-pi, pi]^3."""

    metric = "ishigami"
    a, b = 7.0, 0.1

    def __call__(self, X):
        X = np.asarray(X)
        return np.sin(X[:, 0]) + self.a * np.sin(X[:, 1]) ** 2 + self.b * X[:, 2] ** 4 * np.sin(X[:, 0])

    def indices(self):
        a, b, pi = self.a, self.b, math.pi
        v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
        v2 = a**2 / 8
        v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
        v = v1 + v2 + v13
        return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


ISHIGAMI = Problem(("x1", "x2", "x3"), ((-math.pi, math.pi),) * 3, (False,) * 3)


def test_sobol_matches_analytic_ishigami_within_intervals():
    f = Ishigami()
    res = sobol(ISHIGAMI, f, samples=1024, seed=3, second_order=False)
    assert res.runs == 1024 * (3 + 2)
    truth = f.indices()
    by = {r["name"]: r for r in res.rows}
    for i, name in enumerate(ISHIGAMI.names):
        for k in ("S1", "ST"):
            assert abs(by[name][k] - truth[k][i]) <= by[name][f"{k}_conf"], (name, k, by[name])
    assert [r["name"] for r in res.rows][0] == "x1"  # largest total index


def test_sobol_second_order_run_count_and_interaction():
    res = sobol(ISHIGAMI, Ishigami(), samples=512, seed=5, second_order=True)
    assert res.runs == 512 * (2 * 3 + 2)
    s2 = np.array(res.extra["S2"]["S2"])
    # the only interaction of Ishigami is x1-x3
    assert s2[0, 2] > 0.1 and abs(s2[0, 1]) < 0.1


def test_sobol_needs_a_power_of_two():
    with pytest.raises(LivermodelError, match="power of 2"):
        sobol(ISHIGAMI, Ishigami(), samples=100, seed=1)


def test_morris_ranks_ishigami():
    res = morris(ISHIGAMI, Ishigami(), samples=60, seed=2)
    assert res.runs == 60 * 4
    assert res.rows[-1]["name"] != "x1"
    by = {r["name"]: r for r in res.rows}
    assert by["x1"]["mu_star"] > 0 and by["x1"]["sigma"] > 0


@pytest.fixture(scope="module")
def phx72():
    return load_scenario("rat-phx-70", ["duration=72h"])


def test_elasticities_match_finite_differences(phx72):
    names = ["division_rate", "priming_rate", "death_sensitivity"]
    res = sensitivity(phx72, "final_mass", method="local", params=names, step=0.01)
    by = {r["name"]: r for r in res.rows}
    base = simulate(phx72.parameters, phx72.schedule, duration=72.0).metrics()["final_mass"]
    assert res.baseline == pytest.approx(base, rel=1e-6)
    for n in names:
        # independent one-sided differences with a smaller step, one run at a time
        h = 1e-3
        p = dict(phx72.parameters)
        p[n] *= 1 + h
        up = simulate(p, phx72.schedule, duration=72.0).metrics()["final_mass"]
        fd = (up - base) / h / base
        assert by[n]["elasticity"] == pytest.approx(fd, rel=0.03, abs=1e-4), n
    assert abs(by["division_rate"]["elasticity"]) > 0.05


def test_alt_release_elasticity_is_analytic():
    # serum ALT is linear in alt_release above its baseline, so the elasticity of the ALT peak
    # to alt_release is (peak - baseline) / peak exactly
    sc = load_scenario("mouse-apap-300")
    res = sensitivity(sc, "alt_peak_u_per_l", method="local", params=["alt_release"])
    row = res.rows[0]
    peak, base = res.baseline, sc.parameters["alt_baseline"]
    assert row["elasticity"] == pytest.approx((peak - base) / peak, rel=1e-3)


def test_model_evaluator_is_the_batched_path(phx72):
    # division_rate spans 0.01-0.2 (x20): sampled in log10; set_point 0.8-1.2: linear
    prob = parameter_problem(["division_rate", "set_point"])
    assert prob.log == (True, False)
    assert prob.ranges()[0] == pytest.approx((0.01, 0.2))
    ev = ModelEvaluator(phx72, prob, "final_mass")
    X = np.array([[math.log10(0.07), 1.0], [math.log10(0.2), 1.0]])
    assert ev.parameter_sets(X)[0]["division_rate"] == pytest.approx(0.07)
    y = ev(X)
    assert ev.runs == 2 and y[1] > y[0]


def test_global_on_the_model_is_seeded(phx72):
    a = sensitivity(
        phx72,
        "final_mass",
        method="morris",
        params=["division_rate", "priming_rate", "alt_release"],
        samples=6,
        seed=4,
    )
    b = sensitivity(
        phx72,
        "final_mass",
        method="morris",
        params=["division_rate", "priming_rate", "alt_release"],
        samples=6,
        seed=4,
    )
    assert a.rows == b.rows
    by = {r["name"]: r for r in a.rows}
    assert by["alt_release"]["mu_star"] == pytest.approx(0, abs=1e-9)  # ALT does not feed back
    assert by["division_rate"]["mu_star"] > 0.01


def test_bad_input(phx72):
    with pytest.raises(LivermodelError, match="unknown parameter"):
        sensitivity(phx72, "final_mass", params=["divison_rate"])
    with pytest.raises(LivermodelError, match="unknown method"):
        sensitivity(phx72, "final_mass", method="fast")
    with pytest.raises(LivermodelError, match="label"):
        sensitivity(phx72, "mode")


def test_salib_missing_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("SALib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(LivermodelError, match=r"livermodel\[analysis\]"):
        sobol(ISHIGAMI, Ishigami(), samples=64)


def test_cli(tmp_path):
    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    out = tmp_path / "s"
    r = CliRunner().invoke(
        app,
        [
            "sensitivity",
            "rat-phx-70",
            "--metric",
            "final_mass",
            "--set",
            "duration=72h",
            "--params",
            "division_rate,priming_rate",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["method"] == "local" and len(data["parameters"]) == 2
    assert (out / "sensitivity-local.png").stat().st_size > 10_000
    r = CliRunner().invoke(
        app, ["sensitivity", "rat-phx-70", "--metric", "final_mass", "--method", "sobol", "--samples", "12"]
    )
    assert r.exit_code == 2 and "power of 2" in r.output


def test_morris_error_bars_never_go_below_zero(phx72):
    from livermodel.figures.studies import sensitivity_figure

    res = sensitivity(
        phx72, "final_mass", method="morris", params=["division_rate", "priming_rate"], samples=6, seed=4
    )
    ax = sensitivity_figure(res).axes[0]
    lows = [seg[:, 0].min() for coll in ax.collections for seg in coll.get_segments()]
    assert lows and min(lows) >= 0.0  # mu* is a mean of absolute values
    assert "clipped at 0" in ax.get_xlabel()
