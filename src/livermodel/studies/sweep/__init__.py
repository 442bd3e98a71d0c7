"""Parameter sweeps: plans over a scenario (:mod:`.plan`: designs, chunks, labels), running one
chunk and the executors (:mod:`.execute`), the CSV table (:mod:`.table`) and dry-run estimates
(:mod:`.estimate`).  The SPEC format (``--vary`` and the ``sweep:`` block) is part of the scenario
format: :mod:`livermodel.scenario.blocks`.  A sweep *folder* (run, resume, read back) is an
output: :mod:`livermodel.output.sweep`.
"""

from livermodel.scenario.blocks import Spec, parse_spec, parse_vary
from livermodel.studies.sweep.estimate import estimate_sweep, format_bytes, format_seconds
from livermodel.studies.sweep.execute import run_chunk
from livermodel.studies.sweep.plan import (
    DESIGNS,
    EXECUTORS,
    STATUS_FAILED,
    STATUS_OK,
    Plan,
    key_label,
    key_unit,
    plan_sweep,
)
from livermodel.studies.sweep.table import read_table

__all__ = [
    "Spec",
    "Plan",
    "parse_spec",
    "parse_vary",
    "plan_sweep",
    "estimate_sweep",
    "read_table",
    "key_label",
    "key_unit",
    "run_chunk",
    "format_bytes",
    "format_seconds",
    "DESIGNS",
    "EXECUTORS",
    "STATUS_OK",
    "STATUS_FAILED",
]
