"""Closed-form checks of the model equations and the solver (tolerances from the maths)."""

import math

import numpy as np
import pytest

from livermodel import EV, MSC, Antidote, Hepatectomy, Toxin
from livermodel.model.layout import STATES, VARIABLES
from livermodel.solve import simulate
from statescale import state_scale

#: No overload death, no hazard, no hypertrophy or compensation: the closed forms below hold.
QUIET = {"overload_death_rate": 0.0, "hazard_max": 0.0, "hypertrophy_gain": 0.0, "compensation_rate": 0.0}


def test_healthy_liver_is_a_steady_state(tight):
    from livermodel import resolve_parameters

    r = simulate(duration=720, settings=tight)
    # the smooth overload switch leaks k_od * sigma_od(1) per hour at full function (about
    # 6e-10/h), which no demand drive answers; every state moves by less than that bound
    p = resolve_parameters("rat")
    leak = p["overload_death_rate"] * 0.5 * (1 + math.tanh((p["critical_mass"] - 1.0) / p["overload_width"]))
    for name in STATES:
        bound = leak * 720 * (2 * max(p["alt_release"], p["ast_release"]) if "_u_per_l" in name else 1.0)
        assert np.ptp(r[name]) < bound + 1e-9, name
    m = r.metrics()
    assert m["final_mass"] == pytest.approx(1.0) and m["mode"] == "normal"
    assert m["proliferation_peak_time_h"] is None


def test_regrowth_with_fixed_drive_is_logistic(tight):
    # priming held fixed at p0, no injury, no overload death: dF/dt = k p0 F (1 - F/S)
    p0, remnant, k = 0.4, 0.3, 0.07
    r = simulate(
        {**QUIET, "priming_rate": 0.0, "priming_decay_rate": 0.0, "division_rate": k},
        [Hepatectomy(0, 1 - remnant)],
        initial={"primed_fraction": p0},
        duration=300,
        settings=tight,
    )
    t = r.time_h
    exact = 1.0 / (1.0 + (1.0 / remnant - 1.0) * np.exp(-k * p0 * t))
    assert np.abs(r["functional_mass"] - exact).max() < 1e-7


def test_toxin_without_liver_feedback_decays_exponentially(tight):
    k, dose = 0.3, 250.0
    r = simulate(
        {"toxin_liver_dependence": 0.0, "toxin_clearance_rate": k},
        [Toxin(5, dose)],
        duration=48,
        output_step=0.5,
        settings=tight,
    )
    t = r.time_h
    exact = np.where(t >= 5, dose * np.exp(-k * (t - 5)), 0.0)
    assert np.abs(r["toxin"] - exact).max() < 1e-7 * dose


def test_repeated_boluses_match_the_repeated_dose_sum(tight):
    k, dose, every, count = 0.2, 100.0, 6.0, 5
    r = simulate(
        {"toxin_liver_dependence": 0.0, "toxin_clearance_rate": k},
        [Toxin(1, dose, every=every, count=count)],
        duration=60,
        output_step=0.25,
        settings=tight,
    )
    t = r.time_h
    exact = sum(
        np.where(t >= 1 + j * every, dose * np.exp(-k * (t - 1 - j * every)), 0.0) for j in range(count)
    )
    assert np.abs(r["toxin"] - exact).max() < 1e-7 * dose
    # at a dose time the reported value is the post-dose value (right-continuous)
    assert r.at("toxin", 7.0) == pytest.approx(dose + dose * math.exp(-k * 6), rel=1e-8)


def test_antidote_multiplies_clearance_from_its_start(tight):
    k, boost, dose = 0.1, 4.0, 200.0
    r = simulate(
        {"toxin_liver_dependence": 0.0, "toxin_clearance_rate": k, "antidote_clearance_boost": boost},
        [Toxin(0, dose), Antidote(8, 20)],
        duration=40,
        output_step=0.5,
        settings=tight,
    )
    t = r.time_h
    exact = np.where(
        t < 8,
        dose * np.exp(-k * t),
        np.where(
            t < 20,
            dose * np.exp(-8 * k - k * (1 + boost) * (t - 8)),
            dose * np.exp(-8 * k - 12 * k * (1 + boost) - k * (t - 20)),
        ),
    )
    assert np.abs(r["toxin"] - exact).max() < 1e-7 * dose


def test_serum_alt_and_ast_clear_with_their_half_lives(tight):
    # raised enzymes with no ongoing death relax to baseline with t1/2 = 34.6 h and 15.8 h
    r = simulate(QUIET, initial={"alt_u_per_l": 5045.0, "ast_u_per_l": 4080.0}, duration=200, settings=tight)
    t = r.time_h
    assert np.allclose(r["alt_u_per_l"], 45 + 5000 * 0.5 ** (t / 34.6), rtol=1e-8)
    assert np.allclose(r["ast_u_per_l"], 80 + 4000 * 0.5 ** (t / 15.8), rtol=1e-8)


def test_msc_iv_lung_and_liver_compartments_decay_first_order(tight):
    dose = 10.0
    r = simulate({"msc_ev_release": 0.0}, [MSC(3, dose)], duration=72, output_step=0.5, settings=tight)
    t = r.time_h
    after = t >= 3
    lung = np.where(after, dose * 0.8 * 0.5 ** ((t - 3) / 6.0), 0.0)
    liver = np.where(after, dose * 0.02 * 0.5 ** ((t - 3) / 24.0), 0.0)
    assert np.abs(r["msc_lung"] - lung).max() < 1e-7 * dose
    assert np.abs(r["msc_liver"] - liver).max() < 1e-7 * dose


def test_ev_iv_dose_reaches_the_liver_as_a_bateman_function(tight):
    dose, f = 100.0, 0.4
    kp, kl = math.log(2) / 0.05, math.log(2) / 8.0
    r = simulate({"ev_liver_fraction": f}, [EV(0, dose)], duration=48, output_step=0.1, settings=tight)
    t = r.time_h
    plasma = dose * np.exp(-kp * t)
    liver = f * dose * kp / (kp - kl) * (np.exp(-kl * t) - np.exp(-kp * t))
    assert np.abs(r["ev_plasma"] - plasma).max() < 1e-6 * dose
    assert np.abs(r["ev_liver"] - liver).max() < 1e-6 * dose


def test_hepatectomy_jump_is_exact_and_acts_at_its_time_whatever_the_grid(tight):
    # dose at 10 h with an output grid that does not contain 10 h
    coarse = simulate(QUIET, schedule=[Hepatectomy(10, 0.5)], duration=70, output_step=7, settings=tight)
    fine = simulate(QUIET, schedule=[Hepatectomy(10, 0.5)], duration=70, output_step=0.5, settings=tight)
    assert coarse.at("functional_mass", 7) == pytest.approx(1.0)
    for t in coarse.time_h:
        assert coarse.at("functional_mass", t) == pytest.approx(fine.at("functional_mass", t), abs=1e-8)
    exact = simulate(QUIET, schedule=[Hepatectomy(10, 0.5)], duration=20, output_step=10, settings=tight)
    assert exact.at("functional_mass", 10) == pytest.approx(0.5, abs=1e-12)


def test_every_variable_is_documented():
    r = simulate(duration=2)
    assert set(r.names) == set(VARIABLES)
    required = {
        "time_h",
        "functional_mass",
        "injured_mass",
        "total_mass",
        "proliferation",
        "inflammation",
        "growth_signal",
        "toxin",
        "alt_u_per_l",
        "msc_liver",
        "ev_liver",
    }
    assert required <= set(r.names)


def test_total_mass_is_functional_plus_injured():
    r = simulate(schedule=[Toxin(0, 900), Hepatectomy(30, 0.3)], duration=100)
    assert np.allclose(r["total_mass"], r["functional_mass"] + r["injured_mass"])


def test_mass_balance_of_hepatocytes(tight):
    # d(total)/dt = proliferation - death flux (engraftment off): integrate and compare
    r = simulate(schedule=[Toxin(0, 800)], duration=200, output_step=0.05, settings=tight)
    t = r.time_h
    net = r["proliferation"] - r["death_flux"]
    integral = np.concatenate([[0], np.cumsum((net[1:] + net[:-1]) / 2 * np.diff(t))])
    assert np.abs(r["total_mass"] - (1.0 + integral)).max() < 1e-4


def test_analytic_jacobian_matches_finite_differences():
    from livermodel import resolve_parameters
    from livermodel.model.equations import derived, jacobian, rhs
    from livermodel.model.layout import N_STATES

    rng = np.random.default_rng(7)
    scale = state_scale()
    for trial in range(60):
        p = resolve_parameters(
            ["rat", "mouse", "human"][trial % 3],
            {"engraftment_rate": 1e-3 * rng.random(), "toxin_hill": 1 + 3 * rng.random()},
        )
        d = derived({k: np.array([v]) for k, v in p.items()})
        y = (np.abs(rng.normal(size=N_STATES)) * scale)[:, None]
        y[0], y[2] = 0.6 * rng.random(), rng.random()
        u = np.array([[0.01 * rng.random()], [float(rng.random() < 0.5)], [100 * rng.random()]])
        exact = np.zeros((N_STATES, N_STATES))
        for (i, j), v in jacobian(y, d, u).items():
            exact[i, j] = v[0]
        fd = np.zeros_like(exact)
        for j in range(N_STATES):
            h = 1e-6 * max(1.0, abs(y[j, 0]))
            up, down = y.copy(), y.copy()
            up[j] += h
            down[j] -= h
            fd[:, j] = (rhs(up, d, u) - rhs(down, d, u))[:, 0] / (2 * h)
        row_scale = np.abs(fd).max(axis=1, keepdims=True)
        assert np.all(np.abs(exact - fd) <= 1e-5 * np.abs(fd) + 1e-6 * row_scale + 1e-9), trial


def test_observables_equal_the_fluxes_of_the_right_hand_side():
    from livermodel import resolve_parameters
    from livermodel.model.equations import derived, fluxes, observables

    r = simulate(schedule=[Toxin(0, 900), MSC(3, 20), EV(5, 100), Hepatectomy(40, 0.4)], duration=120)
    d = derived({k: np.array([v]) for k, v in resolve_parameters("rat").items()})
    y = np.stack([r[name] for name in STATES])
    u = np.zeros((3, y.shape[1]))
    f, obs = fluxes(y, d, u), observables(y, d, u)
    for name, key in [
        ("total_mass", "total"),
        ("proliferation", "prolif"),
        ("death_flux", "death"),
        ("therapy_effect", "occ"),
    ]:
        assert np.allclose(obs[name], f[key], rtol=1e-14, atol=0)


def test_fused_right_hand_side_equals_the_term_by_term_one():
    # the rows of rhs() that combine flux terms, rebuilt from fluxes() term by term
    from livermodel import resolve_parameters
    from livermodel.model.equations import AG_, GSH_, H_, SH_, SZ_, derived, fluxes, rhs
    from livermodel.model.layout import N_STATES

    rng = np.random.default_rng(3)
    scale = state_scale()
    for species in ("rat", "mouse", "human"):
        p = resolve_parameters(species, {"engraftment_rate": 1e-3})
        d = derived({k: np.full(64, v) for k, v in p.items()})
        y = np.abs(rng.normal(size=(N_STATES, 64))) * scale[:, None]
        u = np.stack([0.01 * rng.random(64), (rng.random(64) < 0.5).astype(float), 100 * rng.random(64)])
        for toxin_free in (False, True):  # with no toxin anywhere, rhs skips the toxin term
            if toxin_free:
                y[5] = 0.0
            f, dy = fluxes(y, d, u), rhs(y, d, u)
            F, I = f["F"], f["I"]
            expected = {
                0: -f["injury"]
                + f["repair"]
                + f["prolif"]
                - f["overload"] * F
                - f["necrosis"]
                + f["engraft"] * d["m_cell"],
                1: f["injury"] - f["repair"] - f["die_inj"] - f["overload"] * I,
                2: d["k_prime"] * f["drive"] * (1.0 - d["blk"] * f["s_od"]) * (1.0 - y[2])
                - d["k_rest"] * y[2],
                3: d["k_g"]
                * (d["M"] * np.maximum(0.0, 1.0 - f["function"] / d["S"]) + f["pro_regen"] - y[3]),
                13: d["k_h"] * (1.0 + d["a_h"] * f["demand"] - y[13]),
                14: d["k_q"] * f["demand"] * (d["q_max"] - y[14]) - d["k_qd"] * (y[14] - 1.0),
                4: d["k_xp"] * f["death"] * (1.0 - f["anti_inf"]) - f["resolution"] + f["embolism"],
                6: d["r_alt"] * f["death"] - d["k_alt"] * (y[6] - d["alt0"]),
                7: d["r_ast"] * f["death"] - d["k_ast"] * (y[7] - d["ast0"]),
                SZ_: f["systemic"],
                SH_: f["systemic_hazard"],
                H_: d["h_max"] * 0.5 * (1 + np.tanh((d["phi_fail"] - f["function"]) / d["w_h"]))
                + f["systemic_hazard"],
            }
            for row, value in expected.items():
                assert np.allclose(dy[row], value, rtol=1e-13, atol=1e-13), row
        # with no drug anywhere rhs skips the drug terms: the same derivatives as computed in full
        y[AG_:] = 0.0
        y[GSH_] = 1.0
        u[2] = 0.0
        full = fluxes(y, d, u)
        assert np.all(rhs(y, d, u)[AG_:] == 0.0) and np.all(full["necrosis"] == 0.0)
        assert np.all(full["galn"] == 0.0) and np.allclose(full["synth"], d["k_syn"])
        # ... and the shortcut of the Jacobian gives the full drug entries
        from livermodel.model.drugs import _drug_jacobian, _drug_jacobian_idle
        from livermodel.model.equations import F_, HY_, Q_

        one = np.ones(64)
        dfn = {F_: y[Q_] * y[HY_], HY_: y[Q_] * full["F"], Q_: y[HY_] * full["F"]}
        whole, short = {}, {}
        _drug_jacobian(whole, y, d, full, dfn, one)
        _drug_jacobian_idle(short, d, one)
        for key, v in whole.items():
            assert np.allclose(
                np.broadcast_to(v, one.shape), np.broadcast_to(short.get(key, 0.0), one.shape), atol=0
            ), key
