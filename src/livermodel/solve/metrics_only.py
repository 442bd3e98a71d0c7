"""A batch simulated for its outcome metrics only (``simulate_batch(..., metrics_only=True)``).

With the compiled integrator, no trajectory is kept: the integrator accumulates each run's
metrics at the output times (:mod:`livermodel.solve.kernel_metrics`), so a sweep that asks only
for metrics never holds (runs, states, times) arrays.  The runs the integrator hands back
(stiff, failed) are integrated on the reference path with the variables
:data:`livermodel.metrics.NEEDS` and their metrics computed from those trajectories, as are all
runs where the compiled integrator is not used (small batches, ``LIVERMODEL_COMPILED=rhs`` or
``0``, no numba, methods other than LSODA).
"""

from __future__ import annotations

import numpy as np

from livermodel.metrics import batch_arrays
from livermodel.solve.compiled_integrator import compiled_integrator, integrate, messages


def simulate_metrics(params, schedules, grid, duration, settings, init, reference):
    """The outcome metrics of runs ``params`` with ``schedules`` on the output ``grid`` (the
    checked arguments of :func:`livermodel.solve.simulate.simulate_batch`): ``success``,
    ``messages`` and the metric arrays (:func:`livermodel.metrics.assemble`).

    ``reference(runs, handed_back=None)`` simulates the runs numbered ``runs`` with the
    trajectories the metrics read, as ``simulate_batch`` would (``handed_back``: the batch's
    size and those runs' messages when the compiled integrator handed them back) and returns
    their :class:`~livermodel.solve.simulate.BatchResult`.
    """
    n = len(params)
    fn = compiled_integrator(n) if settings.method == "LSODA" else None
    if fn is None:
        batch = reference(range(n))
        return batch.success, batch.messages, batch_arrays(batch)
    from livermodel.solve import kernel_metrics as km

    acc = km.new_rows(km.recovery_levels(params), grid.size)
    keep = list(km.STATE_NUMBERS)
    _, status, reached, _ = integrate(fn, params, schedules, grid, duration, settings, init, keep, acc)
    ok = status == 0
    msgs = messages(status, reached)
    values = km.arrays(acc, grid, ok)
    redo = np.flatnonzero(~ok).tolist()
    if redo:  # handed back: integrated on the reference path, metrics from its trajectories
        back = reference(redo, (n, [msgs[i] for i in redo]))
        ok[redo] = back.success
        for j, i in enumerate(redo):
            msgs[i] = back.messages[j]
        for name, v in batch_arrays(back).items():
            values[name][redo] = v
    return ok, msgs, values
