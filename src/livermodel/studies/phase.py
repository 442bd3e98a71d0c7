"""Phase portraits for teaching the tipping point.

:func:`phase_portrait` computes, for a scenario,

* **trajectories** of the scenario with its main insult (the first hepatectomy, toxin dose or
  inflammatory hit; a hepatectomy at 0 h if it has none) scaled over a range, from mild to severe,
  projected on a plane of two variables (functional mass against inflammation or toxin);
* the **basins** of recovery and failure on that plane, from a grid of runs made in one
  :func:`livermodel.solve.simulate.simulate_batch` call: every grid point is a liver that starts with the
  given functional mass (a resection of the scenario's starting liver at 0 h) and the given
  inflammation (or toxin load) at 0 h, with the scenario's parameters and lasting chronic injury
  but no therapy and every other variable at its starting value.  A grid point is in the failure
  basin when its functional mass ends below the critical level ``critical_mass x metabolic_load``;
* the **steady states** of the therapy-free, toxin-free system (healthy, failed, and the saddle
  between them: the tipping point), found by Newton's method from many starts, with their
  stability from the eigenvalues of the Jacobian.

:func:`phase_figure` draws it.  The basins are a two-dimensional slice of a 13-variable system:
trajectories that carry a toxin or a therapy are not bound by the shading (that is the lesson of
cell therapy: it moves the boundary while it acts).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from livermodel import model
from livermodel.errors import LivermodelError
from livermodel.metrics import failure_level
from livermodel.model.schedule import (
    Chronic,
    Dose,
    Hepatectomy,
    InflammatoryHit,
    Schedule,
    Toxin,
)

PLANES = ("inflammation", "toxin")
Y_LABELS = {"inflammation": "inflammation X (relative, 0 = none)", "toxin": "toxin load T (mg/kg)"}


@dataclass
class SteadyState:
    """A steady state of the therapy-free system: its functional mass, y value and stability."""

    functional_mass: float
    y: float
    stable: bool
    label: str
    eigenvalue: float  # the largest real part (1/h)


@dataclass
class Trajectory:
    value: float
    label: str
    time_h: np.ndarray
    x: np.ndarray
    y: np.ndarray
    failed: bool
    is_scenario: bool = False


@dataclass
class PhasePortrait:
    """Everything :func:`phase_figure` draws (see the module docstring)."""

    scenario: str
    y: str
    varied: str
    trajectories: list[Trajectory]
    grid_x: np.ndarray
    grid_y: np.ndarray
    failure: np.ndarray  # (len(grid_y), len(grid_x)) True in the failure basin
    steady_states: list[SteadyState]
    critical_level: float
    set_point: float
    notes: list[str] = field(default_factory=list)


def _main_insult(schedule: Schedule):
    """Index and event of the first hepatectomy, toxin, acetaminophen or D-galactosamine dose
    or inflammatory hit (or None)."""
    for i, ev in enumerate(schedule.events):
        if isinstance(ev, (Hepatectomy, Dose, InflammatoryHit)):
            return i, ev
    return None, None


def _around(grid, own: float, digits: int) -> list[float]:
    """``grid`` with ``own`` added, dropping grid values within 2 % of it (rounded, sorted)."""
    keep = [float(v) for v in grid if abs(v - own) > 0.02 * abs(own)]
    return sorted({round(v, digits) for v in [*keep, float(own)]})


def _varied_events(sc, values):
    """The scenario's schedule with its main insult scaled to each value; and a description."""
    idx, ev = _main_insult(sc.schedule)
    events = list(sc.schedule.events)
    if ev is None:
        ev = Hepatectomy(0.0, 0.7)
        idx = len(events)
        events.append(ev)
    if values is not None:
        values = [float(v) for v in values]
        if not values or any(not v > 0 or (isinstance(ev, Hepatectomy) and not v < 1) for v in values):
            what = "resected fractions between 0 and 1" if isinstance(ev, Hepatectomy) else "positive sizes"
            raise LivermodelError(f"impossible insult sizes {values}", key="--values", expected=what)
    if isinstance(ev, Hepatectomy):
        field, original = "fraction", ev.fraction
        vals = values if values is not None else _around(np.linspace(0.5, 0.92, 8), original, 4)
        desc, labels = "resected fraction", [f"{v:.0%} resected" for v in vals]
    elif isinstance(ev, Dose):
        field, original = "dose", ev.dose
        vals = values if values is not None else _around(original * np.geomspace(0.4, 2.0, 8), original, 1)
        desc, labels = ev.what, [f"{v:,.0f} mg/kg" for v in vals]
    else:
        field, original = "amount", ev.amount
        vals = values if values is not None else _around(original * np.linspace(0.4, 2.0, 8), original, 3)
        desc, labels = "inflammatory hit", [f"hit {v:.2g}" for v in vals]
    schedules = []
    for v in vals:
        evs = list(events)
        evs[idx] = dataclasses.replace(ev, **{field: float(v)})
        schedules.append(Schedule(evs))
    return [float(v) for v in vals], labels, schedules, desc, float(original)


def _lasting_chronic(sc) -> float:
    """Chronic injury rate still in force at the end of the run (0 if none)."""
    return float(sc.schedule.inputs_at(sc.duration_h * (1 - 1e-9))[0])


def steady_states(parameters: dict, chronic_rate: float = 0.0) -> list[SteadyState]:
    """Steady states of the system without toxin or therapy, with their stability.

    Solves for (F, I, p, g, X) with toxin, MSCs and EVs at zero (they decay to zero) from many
    starting points; enzymes and hazard do not feed back.  ``label`` is ``healthy``, ``failed``
    or ``tipping point`` (a saddle: exactly one growing direction).
    """
    from scipy.optimize import fsolve

    d = model.derived({k: np.array([float(v)]) for k, v in parameters.items()})
    u = np.zeros((len(model.INPUTS), 1))
    u[0, 0] = chronic_rate
    S = float(d["S"][0])
    keep = [0, 1, 2, 3, 4]

    def full(z):
        y = model.initial_state(d, 1)[:, 0]
        y[keep] = z
        return y

    def f(z):
        return model.rhs(full(z)[:, None], d, u)[keep, 0]

    def jac(z):
        J = np.empty((5, 5))
        f0 = f(z)
        for j in range(5):
            h = 1e-7 * max(1.0, abs(z[j]))
            zz = z.copy()
            zz[j] += h
            J[:, j] = (f(zz) - f0) / h
        return J

    found: list[np.ndarray] = []
    for F0 in np.linspace(0.0, S, 41):
        g0 = max(0.0, 1 - F0 / S)
        kp, kr = float(d["k_prime"][0]), float(d["k_rest"][0])
        p0 = kp * g0 / (kp * g0 + kr) if g0 > 0 else 0.0
        z, _info, ier, _msg = fsolve(f, np.array([F0, 0.0, p0, g0, 0.0]), full_output=True, xtol=1e-12)
        if ier != 1 or np.max(np.abs(f(z))) > 1e-9:
            continue
        if z[0] < -1e-9 or z[0] > S * 1.0001 or z[1] < -1e-9 or z[4] < -1e-9 or not 0 <= z[2] <= 1:
            continue
        if not any(np.allclose(z, w, atol=1e-5) for w in found):
            found.append(z)
    out = []
    crit = float(d["crit"][0])
    for z in sorted(found, key=lambda w: w[0]):
        lead = float(np.max(np.linalg.eigvals(jac(np.maximum(z, 0.0))).real))
        stable = lead < 1e-9
        if stable:
            label = "failed" if z[0] < 0.5 * crit else ("healthy" if z[0] > 0.9 * S else "stalled")
        else:
            label = "tipping point"
        out.append(SteadyState(float(max(z[0], 0.0)), float(max(z[4], 0.0)), stable, label, lead))
    return out


def phase_portrait(
    scenario,
    *,
    y: str = "inflammation",
    values=None,
    overrides=(),
    grid: tuple[int, int] = (48, 36),
    y_max: float | None = None,
) -> PhasePortrait:
    """Trajectories, basins and steady states for ``scenario`` (a name, path or Scenario).

    ``y`` is the second variable of the plane (``inflammation`` or ``toxin``); ``values`` the sizes
    of the main insult to draw (default: a range around the scenario's own); ``grid`` the number
    of runs along functional mass and along ``y`` for the basins.
    """
    from livermodel.scenario.scenario import Scenario, load_scenario
    from livermodel.solve.simulate import simulate_batch

    if y not in PLANES:
        from livermodel.errors import did_you_mean

        raise LivermodelError(
            f"unknown phase-plane variable '{y}'",
            key="--y",
            expected=f"one of {', '.join(PLANES)}",
            found=repr(y),
            suggestion=did_you_mean(y, PLANES),
        )
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    params = dict(sc.parameters)
    crit = failure_level(params)
    S = float(params["set_point"])
    if y == "toxin":
        _idx, main = _main_insult(sc.schedule)
        if not isinstance(main, Toxin):
            what = "none" if main is None else getattr(main, "noun", f"a {main.kind}")
            raise LivermodelError(
                "the toxin plane is for the lumped toxin (type: toxin)",
                key="--y",
                expected="a scenario whose main insult is a toxin dose",
                found=f"{sc.name}: its main insult is {what}",
                suggestion="Use --y inflammation (the default)",
            )
    vals, labels, schedules, desc, original = _varied_events(sc, values)
    step = min(sc.output_step_h, sc.duration_h / 800)  # smooth curves also for long runs
    init = sc.initial or None

    # trajectories: one batch (the scenario's own value is among them)
    batch = simulate_batch(
        [params] * len(vals),
        schedules,
        duration=sc.duration_h,
        output_step=step,
        settings=sc.settings,
        initial=init,
    )
    trajs = []
    for v, lab, run in zip(vals, labels, batch, strict=True):
        F = run["functional_mass"]
        trajs.append(
            Trajectory(
                v,
                lab,
                run.time_h,
                F,
                run[y],
                bool(F[-1] < crit),
                is_scenario=abs(v - original) <= 1e-9 * max(1.0, abs(original)),
            )
        )

    # basins: one batch over the grid
    F_start = float((sc.initial or {}).get("functional_mass", S))
    nx, ny = grid
    if nx < 4 or ny < 4:
        raise LivermodelError("the basin grid needs at least 4 points each way", key="grid")
    gx = np.linspace(0.02 * F_start, F_start, nx)
    if y_max is None:
        top = max(float(np.nanmax(t.y)) for t in trajs)
        y_max = max(top * 1.15, 0.3 if y == "inflammation" else 100.0)
    gy = np.linspace(0.0, y_max, ny)
    chronic = _lasting_chronic(sc)
    base = [Chronic(0.0, sc.duration_h, chronic)] if chronic > 0 else []
    grid_schedules = []
    for yv in gy:
        for xv in gx:
            evs: list[object] = list(base)
            if xv < F_start * (1 - 1e-9):
                evs.append(Hepatectomy(0.0, 1.0 - xv / F_start))
            if yv > 0:
                evs.append(InflammatoryHit(0.0, yv) if y == "inflammation" else Toxin(0.0, yv))
            grid_schedules.append(Schedule(evs))
    # therapy-free: the shading shows the untreated system
    gbatch = simulate_batch(
        [params] * len(grid_schedules),
        grid_schedules,
        duration=sc.duration_h,
        output_step=sc.duration_h / 4,
        settings=sc.settings,
        initial=init,
    )
    final_F = gbatch.variable("functional_mass")[:, -1]
    failure = (final_F < crit).reshape(ny, nx)

    notes = [
        f"trajectories: {sc.name} with its {desc} from {labels[0]} to {labels[-1]}",
        "shading: where a liver starting at that point ends, without therapy"
        + (" or toxin" if y == "inflammation" else ""),
    ]
    states = steady_states(params, chronic)
    if y == "toxin":  # steady states carry no toxin
        states = [dataclasses.replace(s, y=0.0) for s in states]
    return PhasePortrait(sc.name, y, desc, trajs, gx, gy, failure, states, crit, S, notes)
