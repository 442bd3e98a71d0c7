"""Shared fixtures.  Tests use only the public API of livermodel."""

import os

import pytest

from livermodel import SolverSettings


@pytest.fixture
def tight():
    """Tight solver tolerances, for comparisons with closed-form solutions."""
    return SolverSettings(rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def integrator():
    """The compiled batched integrator (numba); skipped without numba, except in CI."""
    from livermodel.solve import compiled

    try:
        import numba  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI installs the test extra, which includes numba")
        pytest.skip("numba is not installed")
    fn = compiled.integrator()
    assert fn is not None, "numba is installed but the integrator did not compile"
    return fn
