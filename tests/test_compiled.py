"""The compiled right-hand side (optional numba) against the numpy one it replaces in big batches.

numba is in the test extra, so CI (where ``CI`` is set) must run these tests; elsewhere they skip
when numba is missing.
"""

import os

import numpy as np
import pytest

from livermodel import resolve_parameters
from livermodel.model.equations import derived, rhs
from livermodel.model.layout import N_STATES, ORDER, POS
from livermodel.model.parameters import PARAMETERS
from livermodel.solve import compiled
from livermodel.solve.simulate import SolverSettings, compiled_rhs, simulate_batch
from statescale import state_scale


@pytest.fixture(scope="module")
def kernel():
    try:
        import numba  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI installs the test extra, which includes numba")
        pytest.skip("numba is not installed (the 'fast' extra)")
    fn = compiled.kernel()
    assert fn is not None, "numba is installed but the right-hand side did not compile"
    return fn


def _random_parameter_sets(rng, n):
    """``n`` parameter sets drawn across the plausible range of every parameter (log-uniform
    for ranges spanning more than a factor of 10), effect switches on or off at random."""
    sets = []
    for _ in range(n):
        p = {}
        for par in PARAMETERS:
            lo, hi = par.bounds
            if par.name.endswith("_on"):
                p[par.name] = float(rng.random() < 0.7)
            elif lo > 0 and hi / lo > 10:
                p[par.name] = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            else:
                p[par.name] = float(rng.uniform(lo, hi))
        sets.append(p)
    return sets


def _stack(sets):
    return {k: np.array([s[k] for s in sets]) for k in sets[0]}


def test_kernel_uses_every_constant_the_numpy_right_hand_side_needs():
    d = derived(resolve_parameters("rat"))
    assert set(compiled.KEYS) <= set(d)
    assert len(set(compiled.KEYS)) == len(compiled.KEYS)


@pytest.mark.parametrize("toxin", ["some", "none"])
def test_compiled_right_hand_side_equals_the_numpy_one(kernel, toxin):
    # same formula, other order of floating-point operations: equal to rounding (1e-12 of the
    # largest term), on states that include negative values (the clamps) and zero toxin
    rng = np.random.default_rng(11)
    n = 300
    d = derived(_stack(_random_parameter_sets(rng, n)))
    scale = state_scale()
    y = rng.normal(size=(N_STATES, n)) * scale[:, None]
    y[:, : n // 2] = np.abs(y[:, : n // 2])
    if toxin == "none":
        y[5] = 0.0
    u = np.stack([0.01 * rng.random(n), (rng.random(n) < 0.5).astype(float), 100 * rng.random(n)])
    ref = rhs(y, d, u)
    yf = np.ascontiguousarray(y[np.asarray(ORDER)].T.ravel())
    out = kernel(yf, compiled.pack(d, n), np.ascontiguousarray(u.T), np.empty(n * N_STATES))
    got = out.reshape(n, N_STATES).T[POS]
    size = np.maximum(1.0, np.abs(ref).max(axis=1, keepdims=True))
    assert np.all(np.abs(got - ref) <= 1e-12 * size)


def test_big_batches_with_and_without_the_compiled_right_hand_side_agree(kernel, monkeypatch):
    # both integrate the same equations at rtol 1e-9: they agree within the 1e-6
    from livermodel import MSC, Toxin

    n = compiled.MIN_RUNS
    sets = [resolve_parameters("rat", {"death_sensitivity": float(s)}) for s in np.linspace(0.5, 2.0, n)]
    schedules = [[Toxin(0, 1200), MSC(2 + 10 * (i % 4), 10 ** (i % 3))] for i in range(n)]
    settings = SolverSettings(rtol=1e-9, atol=1e-12)
    assert compiled_rhs(n) is not None
    fast = simulate_batch(sets, schedules, duration=240, settings=settings)
    monkeypatch.setenv("LIVERMODEL_COMPILED", "0")
    assert compiled_rhs(n) is None
    slow = simulate_batch(sets, schedules, duration=240, settings=settings)
    assert fast.success.all() and slow.success.all()
    size = np.maximum(1.0, np.abs(slow.values).max(axis=2, keepdims=True))
    assert np.max(np.abs(fast.values - slow.values) / size) < 1e-6


def test_small_batches_and_the_switch_keep_to_numpy(kernel, monkeypatch):
    assert compiled_rhs(compiled.MIN_RUNS - 1) is None
    assert compiled_rhs(compiled.MIN_RUNS) is kernel
    assert compiled.description().startswith("compiled with numba")
    for off in ("0", "false", "off"):
        monkeypatch.setenv("LIVERMODEL_COMPILED", off)
        assert compiled_rhs(10_000) is None
        assert "switched off" in compiled.description()


def test_without_numba_batches_use_numpy(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    monkeypatch.setattr(compiled, "kernel", compiled.kernel.__wrapped__)  # skip the cache
    assert compiled.kernel() is None
    assert compiled_rhs(10_000) is None
    out = simulate_batch([resolve_parameters("rat")] * compiled.MIN_RUNS, duration=24)
    assert out.success.all()
    np.testing.assert_allclose(out.variable("functional_mass"), 1.0, atol=1e-9)


def test_the_kernels_name_the_digest_of_what_they_compile_in():
    # numba's disk cache is keyed on kernels.py alone: a change of a module that it compiles in
    # must change kernels.py, or a stale compiled kernel would be loaded
    import hashlib
    from pathlib import Path

    from livermodel.solve import kernels

    here = Path(kernels.__file__).parent
    digest = hashlib.sha256(b"".join((here / f).read_bytes() for f in kernels.COMPILED_IN)).hexdigest()[:16]
    assert kernels.COMPILED_IN_DIGEST == digest, f"set COMPILED_IN_DIGEST = {digest!r} in kernels.py"
