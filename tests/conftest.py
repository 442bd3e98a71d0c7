"""Shared fixtures.  Tests use only the public API of livermodel."""

import pytest

from livermodel import SolverSettings


@pytest.fixture
def tight():
    """Tight solver tolerances, for comparisons with closed-form solutions."""
    return SolverSettings(rtol=1e-10, atol=1e-12)
