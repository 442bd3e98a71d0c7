"""Loading the compiled kernels (numba) for large batches, and the switch between paths.

The kernels live in :mod:`livermodel.solve.kernels`: a right-hand side for one run computing
exactly the terms of :func:`livermodel.model.rhs` (``tests/test_compiled.py`` checks it term by
term on random states and parameter sets), its batched loop for LSODA, and the batched
integrator (:func:`livermodel.solve.kernels.integrate_runs`).  They are compiled once per
installation into numba's disk cache (``cache=True``) and loaded when a batch of at least
:data:`MIN_RUNS` runs first needs them (numba's import and the load cost about half a second,
which single runs, ``explain``, ``sensitivity --method local`` and small cohorts never pay).
Each loaded kernel is probed against :func:`livermodel.model.rhs` and compiled afresh if the
cached one no longer matches (numba's cache does not see a change of the state layout).

``LIVERMODEL_COMPILED`` (see :func:`mode`): unset or ``1``, the compiled integrator; ``rhs``,
batched LSODA with the compiled right-hand side (the reference path); ``0``, numpy only.
Without numba everything runs in numpy.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from livermodel.model.layout import INPUTS, POS
from livermodel.solve.kernel_constants import KEYS, NS

#: Smallest batch for which the compiled kernels are worth loading.
MIN_RUNS = 64


def pack(d: dict, n: int) -> np.ndarray:
    """The derived constants ``d`` of ``n`` runs as one C-ordered (n, len(KEYS)) array."""
    return np.ascontiguousarray(
        np.stack([np.broadcast_to(np.asarray(d[k], dtype=float), (n,)) for k in KEYS], axis=1)
    )


def mode() -> str:
    """What ``LIVERMODEL_COMPILED`` asks for: ``integrator`` (the default: the compiled batched
    integrator, LSODA with the compiled right-hand side for the runs it hands back), ``rhs``
    (LSODA with the compiled right-hand side only: the reference path) or ``off`` (``0``,
    ``false``, ``no``, ``off``: numpy only)."""
    value = os.environ.get("LIVERMODEL_COMPILED", "1").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    return "rhs" if value == "rhs" else "integrator"


def enabled() -> bool:
    """True unless ``LIVERMODEL_COMPILED=0`` (or ``false``/``no``/``off``) is set."""
    return mode() != "off"


def _load(name: str, probe):
    """The kernel ``name`` of :mod:`livermodel.solve.kernels` (from numba's disk cache), or the
    same function compiled afresh if the cached one fails ``probe`` (numba's cache does not see
    a change of the state layout in another module); None without numba or if neither works."""
    try:
        import numba  # noqa: F401 - imported first: kernels must not load without it

        from livermodel.solve import kernels
    except ImportError:
        return None
    fn = getattr(kernels, name)
    for attempt in range(2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if probe(fn):
                    return fn
        except Exception:  # noqa: BLE001 - any numba failure means: use the reference path
            pass
        if attempt == 0:
            import numba

            fn = numba.njit(cache=False, error_model="numpy")(fn.py_func)
    return None


@functools.cache
def kernel():
    """The compiled batched right-hand side (:func:`livermodel.solve.kernels.rhs_flat`), or None
    without numba (or if it cannot be compiled)."""
    return _load("rhs_flat", _agrees)


@functools.cache
def integrator():
    """The compiled batched integrator (:func:`livermodel.solve.kernels.integrate_runs`), or None
    without numba (or if it cannot be compiled)."""
    return _load("integrate_runs", _integrator_agrees)


def _probe():
    from livermodel.model.equations import derived, rhs
    from livermodel.model.layout import ORDER
    from livermodel.model.parameters import PARAMETERS

    d = derived({p.name: np.array([p.default]) for p in PARAMETERS})
    y = (0.3 + 0.05 * np.arange(NS))[:, None]
    u = np.array([[0.01], [1.0], [20.0]])[: len(INPUTS)]
    return d, y, u, rhs(y, d, u)[:, 0], np.asarray(ORDER)


def _agrees(fn) -> bool:
    """True if ``fn`` gives :func:`livermodel.model.rhs` on a probe state (all states in play)."""
    d, y, u, ref, order = _probe()
    got = fn(np.ascontiguousarray(y[order, 0]), pack(d, 1), np.ascontiguousarray(u.T), np.empty(NS))[POS]
    return bool(np.allclose(got, ref, rtol=1e-10, atol=1e-12))


def _integrator_agrees(fn) -> bool:
    """True if ``fn``'s first 1e-5 h from a probe state move every state at the rate of
    :func:`livermodel.model.rhs` (to 1e-3: a state read from the wrong place is far off), and
    the metrics it accumulates end at the observables of :func:`livermodel.model.observables`
    at its last output point (numba's cache does not see a change of the kernels' imports)."""
    from livermodel.model.equations import observables
    from livermodel.solve import kernel_metrics as km

    d, y, u, ref, order = _probe()
    h = 1e-5
    Y0 = np.ascontiguousarray(y[order, 0][None, :])
    out = np.empty((1, NS, 2))
    status, reached, steps = np.empty(1, np.int64), np.empty(1), np.empty(1, np.int64)
    seg = np.array([[0.0, h]])
    acc = km.new_rows(np.array([0.9]), 2)
    mpos = np.ascontiguousarray(POS[np.asarray(km.STATE_NUMBERS)], dtype=np.int64)
    fn(Y0, pack(d, 1), np.array([0, 1]), seg, np.ascontiguousarray(u.T), np.ones((1, NS)),
       np.zeros((1, NS)), np.array([0.0, h]), np.arange(NS), 1e-10, 1e-12, 0.0, 1000, out, status,
       reached, steps, acc, mpos)  # fmt: skip
    rate = (out[0, :, 1] - out[0, :, 0])[POS] / h
    obs = observables(out[0][POS][:, 1:], d, None, ("liver_function", "liver_volume", "survival_probability"))
    got = acc[0, [km.F_END, km.V_END, km.S_END]]
    want = [obs[k][0] for k in ("liver_function", "liver_volume", "survival_probability")]
    return bool(
        status[0] == 0
        and np.allclose(rate, ref, rtol=1e-3, atol=1e-6 * np.abs(ref).max())
        and np.allclose(got, want, rtol=1e-12, atol=0.0)
    )


def description() -> str:
    """How batches are integrated here, for provenance records."""
    if mode() == "off":
        return "numpy (the compiled right-hand side is switched off by LIVERMODEL_COMPILED=0)"
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return "numpy (numba is not installed)"
    from importlib.metadata import version

    if mode() == "rhs":
        return (
            f"compiled with numba {version('numba')}: LSODA with a compiled right-hand side for "
            f"batches of {MIN_RUNS} runs or more (LIVERMODEL_COMPILED=rhs), numpy below"
        )
    return (
        f"compiled with numba {version('numba')}: Dormand-Prince integrator (EV plasma in closed "
        f"form, galactosamine on its own) for batches of {MIN_RUNS} runs or more (stiff runs on "
        "LSODA), LSODA with numpy below"
    )
