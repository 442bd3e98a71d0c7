"""Profile likelihood, and the batched optimiser it runs on.

**Profile.**  For a fitted parameter :math:`\\theta_j` the profile is
:math:`PL(\\theta_j) = \\min_{\\theta_{-j}} \\text{obj}(\\theta)`: at each point of a grid the
other parameters are re-optimised.  The 95 % interval is where
:math:`PL(\\theta_j) - \\text{obj}_{min} \\le \\chi^2_{1, 0.95} = 3.84` (the likelihood-ratio
test of one parameter; Venzon & Moolgavkar 1988, Raue et al. 2009).  Where the profile stays
under the threshold up to the end of the plausible range, the data set no limit on that side:
the parameter is *practically non-identifiable* there, and the report says so in words.

**Batched.**  Every grid point of every parameter (and of every data replicate) is one task of
:func:`minimise`, a Levenberg-Marquardt iteration run on all tasks in lockstep: one round
evaluates the residuals and the central-difference Jacobians of all active tasks in one
:meth:`FitProblem.model_values` call (one :func:`simulate_batch` per experiment), then the trial
steps of all tasks in another.  Grid points start from the optimum shifted along the linearised
correlation, and from the optimum itself; the better of the two is kept.  The crossings of the
threshold are then refined by a few rounds of regula falsi, again all at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Profile", "minimise", "profile", "THRESHOLD_95"]

#: chi2 quantile of one degree of freedom at 95 %.
THRESHOLD_95 = 3.841458820694124


def _steps(problem) -> np.ndarray:
    lo, hi = problem.x_bounds
    return np.where(np.array(problem.log), 1e-4, 1e-4 * np.maximum(np.abs(hi - lo), 1e-12))


def minimise(problem, starts, *, values=None, fixed=None, iterations: int = 40, tol: float = 1e-10):
    """Minimise the objective from each row of ``starts`` (tasks in lockstep).

    ``values``: per-task data values (rows; default: the problem's data); ``fixed``: per task
    the index of a parameter held at its start value, or ``None``.  Returns ``(x, obj)``: the
    optimum of each task in the fitted space and its objective.
    """
    X = np.array(starts, dtype=float, ndmin=2).copy()
    m, k = X.shape
    V = np.broadcast_to(
        problem.values if values is None else np.asarray(values, float), (m, problem.n_points)
    )
    fixed = [None] * m if fixed is None else list(fixed)
    lo, hi = problem.x_bounds
    X = np.clip(X, lo, hi)
    h = _steps(problem)
    free = [np.array([j for j in range(k) if j != f], dtype=int) for f in fixed]

    def evaluate(rows):
        M, ok = problem.model_values(list(rows))
        return M, ok

    M, ok = evaluate(X)
    obj = problem.objective(M, V, ok)
    lam = np.full(m, 1e-3)
    active = np.array([len(f) > 0 for f in free])
    need_jac = active.copy()
    J: list[Any] = [None] * m
    g: list[Any] = [None] * m
    H: list[Any] = [None] * m
    for _ in range(iterations):
        if not active.any():
            break
        # Jacobians of the tasks that moved, in one batch
        rows, owners = [], []
        for i in np.flatnonzero(need_jac).tolist():
            for j in free[i]:
                up, down = X[i].copy(), X[i].copy()
                up[j] = min(X[i, j] + h[j], hi[j])
                down[j] = max(X[i, j] - h[j], lo[j])
                rows += [up, down]
                owners.append((i, j, up[j] - down[j]))
        if rows:
            D, _ = evaluate(rows)
            sd = problem.noise_sd(M, V)
            cols: dict[int, list] = {}
            for c, (i, _j, dx) in enumerate(owners):
                cols.setdefault(i, []).append((D[2 * c] - D[2 * c + 1]) / dx)
            for i, cs in cols.items():
                Ji = np.stack(cs, axis=1) / sd[i][:, None]
                ri = (M[i] - V[i]) / sd[i]
                Ji = np.nan_to_num(Ji)
                J[i], g[i], H[i] = Ji, Ji.T @ np.nan_to_num(ri), Ji.T @ Ji
            need_jac[:] = False
        trial = X.copy()
        for i in np.flatnonzero(active):
            # a parameter on a bound that the gradient pushes outwards stays there (active set)
            f = free[i]
            xf = X[i, f]
            keep = ~(((xf <= lo[f]) & (g[i] > 0)) | ((xf >= hi[f]) & (g[i] < 0)))
            if not keep.any():
                active[i] = False
                continue
            Hi = H[i][np.ix_(keep, keep)]
            gi = g[i][keep]
            A = Hi + lam[i] * np.diag(np.maximum(np.diag(Hi), 1e-12))
            try:
                step = np.linalg.solve(A, -gi)
            except np.linalg.LinAlgError:
                step = -gi / np.maximum(np.diag(A), 1e-12)
            fk = f[keep]
            trial[i, fk] = np.clip(X[i, fk] + step, lo[fk], hi[fk])
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        Mt, okt = evaluate(trial[idx])
        objt = problem.objective(Mt, V[idx], okt)
        for c, i in enumerate(idx):
            moved = float(np.max(np.abs(trial[i] - X[i]))) if k else 0.0
            if objt[c] < obj[i]:
                gain = obj[i] - objt[c]
                X[i], M[i], obj[i] = trial[i], Mt[c], objt[c]
                lam[i] = max(lam[i] / 5, 1e-9)
                need_jac[i] = True
                if gain <= tol * max(1.0, obj[i]) or moved < 1e-9:
                    active[i] = False
            else:
                lam[i] *= 5
                if lam[i] > 1e8 or moved < 1e-9:
                    active[i] = False
    return X, obj


@dataclass
class Profile:
    """The profile of one parameter.  ``grid`` values (sorted), ``delta`` the objective above the
    optimum at each, ``others`` the re-optimised other parameters (values, rows like ``grid``);
    ``low``/``high`` the interval ends (``None``: no limit within the range on that side);
    ``bounds`` the range profiled; ``threshold``; ``verdict`` in words."""

    name: str
    estimate: float
    grid: np.ndarray
    delta: np.ndarray
    others: np.ndarray
    low: float | None
    high: float | None
    bounds: tuple[float, float]
    threshold: float = THRESHOLD_95

    @property
    def identifiable(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def interval(self) -> tuple[float, float]:
        """The interval, with an open side replaced by the end of the range."""
        return (
            self.bounds[0] if self.low is None else self.low,
            self.bounds[1] if self.high is None else self.high,
        )

    @property
    def verdict(self) -> str:
        lo, hi = self.bounds
        if self.low is None and self.high is None:
            return (
                f"not identifiable from these data: the profile stays below "
                f"{self.threshold:.2f} over the whole plausible range {lo:.3g} to {hi:.3g}"
            )
        if self.high is None:
            return (
                f"no upper limit within the plausible range (Δχ² stays below "
                f"{self.threshold:.2f} up to {hi:.3g}); lower limit {self.low:.3g}"
            )
        if self.low is None:
            return (
                f"no lower limit within the plausible range (Δχ² stays below "
                f"{self.threshold:.2f} down to {lo:.3g}); upper limit {self.high:.3g}"
            )
        return f"identifiable: 95 % profile interval {self.low:.4g} to {self.high:.4g}"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "identifiable": self.identifiable,
            "verdict": self.verdict,
            "threshold": self.threshold,
            "range": list(self.bounds),
            "grid": self.grid.tolist(),
            "delta": self.delta.tolist(),
        }


def _grid(lo, hi, xj, width, n):
    pts = list(np.linspace(lo, hi, n))
    for f in (0.5, 1.0, 1.5, 2.5):
        pts += [xj - f * width, xj + f * width]
    return np.unique(np.clip(np.array(pts + [xj]), lo, hi))


def profile(
    problem,
    x_hat,
    obj_min,
    *,
    covariance=None,
    values=None,
    points: int = 17,
    refine: int = 5,
    threshold: float = THRESHOLD_95,
    params=None,
) -> list:
    """Profiles of the parameters (indices ``params``, default all) around the optimum ``x_hat``
    (fitted space) with objective ``obj_min``.

    ``x_hat``, ``obj_min`` and ``values`` may carry one row per data replicate (``values`` rows
    of data values); then a list of lists (replicate, parameter) is returned, all replicates
    profiled in the same batches.  ``covariance`` (fitted space) guides the start values and
    adds grid points near the expected crossings.  Returns :class:`Profile` objects.
    """
    single = np.ndim(x_hat) == 1
    Xh = np.array(x_hat, dtype=float, ndmin=2)
    R, k = Xh.shape
    omin = np.array(obj_min, dtype=float, ndmin=1).copy()
    V = np.broadcast_to(
        problem.values if values is None else np.asarray(values, float), (R, problem.n_points)
    )
    params = list(range(k)) if params is None else list(params)
    lo, hi = problem.x_bounds
    cov = None if covariance is None else np.array(covariance, dtype=float, ndmin=3)
    if cov is not None and cov.shape[0] == 1 and R > 1:
        cov = np.repeat(cov, R, axis=0)

    def start_rows(r, j, xs):
        """Two starts per point: shifted along the linearised correlation, and the optimum."""
        a = Xh[r].copy()
        a[j] = xs
        b = a.copy()
        if cov is not None and cov[r, j, j] > 0:
            slope = cov[r, :, j] / cov[r, j, j]
            b = np.clip(Xh[r] + slope * (xs - Xh[r, j]), lo, hi)
            b[j] = xs
        return [a, b]

    def solve(tasks):
        """tasks: (r, j, x_j[, extra start rows]) -> best (x, obj) of each."""
        starts, fixed, vals, owner = [], [], [], []
        for t, (r, j, xs, extra) in enumerate(tasks):
            for s in start_rows(r, j, xs) + extra:
                s = s.copy()
                s[j] = xs
                starts.append(s)
                fixed.append(j)
                vals.append(V[r])
                owner.append(t)
        if not starts:
            return [], []
        X, obj = minimise(problem, np.array(starts), values=np.array(vals), fixed=fixed)
        best_x, best_o = [None] * len(tasks), [math.inf] * len(tasks)
        for c, t in enumerate(owner):
            if obj[c] < best_o[t]:
                best_x[t], best_o[t] = X[c], float(obj[c])
        return best_x, best_o

    # the coarse grids, all parameters and replicates at once
    grids: dict[tuple[int, int], np.ndarray] = {}
    tasks: list[tuple[int, int, float, list]] = []
    for r in range(R):
        for j in params:
            width = (
                math.sqrt(threshold * cov[r, j, j])
                if cov is not None and cov[r, j, j] > 0
                else (hi[j] - lo[j]) / 8
            )
            g = _grid(lo[j], hi[j], Xh[r, j], min(width, hi[j] - lo[j]), points)
            grids[r, j] = g
            tasks += [(r, j, float(x), []) for x in g]
    bx, bo = solve(tasks)
    pts: dict = {}
    for (r, j, at, _), x, o in zip(tasks, bx, bo, strict=True):
        pts.setdefault((r, j), []).append((at, o, x))
    for r in range(R):  # a better optimum found along a profile lowers the reference
        found = min(o for j in params for _, o, _ in pts[r, j])
        omin[r] = min(omin[r], found)

    def brackets(r, j):
        p = sorted(pts[r, j], key=lambda t: t[0])
        xs = np.array([t[0] for t in p])
        d = np.array([t[1] for t in p]) - omin[r]
        i0 = int(np.argmin(np.abs(xs - Xh[r, j])))
        out = {}
        for side, rng in (("high", range(i0, len(xs) - 1)), ("low", range(i0, 0, -1))):
            for i in rng:
                a, b = (i, i + 1) if side == "high" else (i, i - 1)
                if d[a] <= threshold < d[b]:
                    out[side] = (xs[a], d[a], xs[b], d[b], p[a][2], p[b][2])
                    break
        return out

    for _ in range(refine):
        tasks = []
        for r in range(R):
            for j in params:
                for _side, (xa, da, xb, db, pa, pb) in brackets(r, j).items():
                    f = (threshold - da) / (db - da) if db > da else 0.5
                    f = min(max(f, 0.15), 0.85)
                    tasks.append((r, j, float(xa + f * (xb - xa)), [pa.copy(), pb.copy()]))
        if not tasks:
            break
        bx, bo = solve(tasks)
        for (r, j, at, _), x, o in zip(tasks, bx, bo, strict=True):
            pts[r, j].append((at, o, x))

    out = []
    for r in range(R):
        row = []
        for j in params:
            par = problem.parameters[j]
            p = sorted(pts[r, j], key=lambda t: t[0])
            xs = np.array([t[0] for t in p])
            d = np.maximum(np.array([t[1] for t in p]) - omin[r], 0.0)
            ends = {}
            for side, (xa, da, xb, db, _, _) in brackets(r, j).items():
                f = (threshold - da) / (db - da) if db > da else 0.5
                ends[side] = float(par.from_x(xa + f * (xb - xa)))
            others = np.array([[float(problem.parameters[c].from_x(t[2][c])) for c in range(k)] for t in p])
            row.append(
                Profile(
                    par.name,
                    float(par.from_x(Xh[r, j])),
                    par.from_x(xs),
                    d,
                    others,
                    ends.get("low"),
                    ends.get("high"),
                    tuple(par.bounds),
                    threshold,
                )
            )
        out.append(row)
    return out[0] if single else out
