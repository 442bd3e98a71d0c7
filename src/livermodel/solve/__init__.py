"""Solving the model: one run or a batch of runs (:mod:`livermodel.solve.simulate`), and the
compiled right-hand side for large batches (:mod:`livermodel.solve.compiled`, optional numba)."""

from livermodel.solve.simulate import BatchResult, Result, SolverSettings, simulate, simulate_batch

__all__ = ["BatchResult", "Result", "SolverSettings", "simulate", "simulate_batch"]
