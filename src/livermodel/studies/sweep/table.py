"""The sweep table: one CSV row per run (chunk files and ``metrics.csv``), written and read back."""

from __future__ import annotations

import csv
import io as _io
import math
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError
from livermodel.scenario.blocks import _num_unit
from livermodel.studies.sweep.plan import Plan, _plain, zip_

# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return repr(v) if math.isfinite(v) else ""
    return str(_plain(v))


def _header(plan: Plan) -> list[str]:
    from livermodel.metrics import METRICS

    return ["run", *plan.keys, "status", "message", *METRICS]


def _chunk_csv(plan: Plan, out: dict) -> str:
    """The CSV text of one finished chunk (this runs once per chunk for every row: kept lean)."""
    runs = out["runs"]
    points = [[_cell(_plain(plan.columns[k][i])) for i in runs] for k in plan.keys]
    repr_, isfinite = float.__repr__, math.isfinite
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_header(plan))
    for j, (i, row) in enumerate(zip_(runs, out["rows"])):
        cells = [i, *[col[j] for col in points]]
        for v in row:
            if v.__class__ is float:
                cells.append(repr_(v) if isfinite(v) else "")
            else:
                cells.append(_cell(v))
        w.writerow(cells)
    return buf.getvalue()


def _convert(name: str, text: str, numeric_keys: set[str]):
    from livermodel.metrics import LABELS, METRICS

    if name == "run":
        return int(text)
    if name in ("status", "message"):
        return text
    if name in METRICS:
        unit = METRICS[name][0]
        if text == "":
            return None
        if unit == "bool":
            return text == "True"
        if name in LABELS:
            return text
        return float(text)
    if text == "":
        return None
    if name in numeric_keys:
        return float(text)
    return text


def read_table(path: str | Path) -> list[dict]:
    """Read a sweep ``metrics.csv`` (or a chunk file) into rows with typed values.

    Numbers become floats, ``failed`` a bool, empty cells ``None``; varied keys are numbers
    when every value of the column is one.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header or header[0] != "run":
            raise LivermodelError(
                f"'{path}' is not a livermodel sweep table", expected="a CSV file whose first column is run"
            )
        raw = list(reader)
    keys = header[1 : header.index("status")]
    numeric = {
        k
        for j, k in enumerate(keys, start=1)
        if all(r[j] == "" or _num_unit(r[j]) is not None and _num_unit(r[j])[1] == "" for r in raw)
    }
    return [{name: _convert(name, cell, numeric) for name, cell in zip_(header, r)} for r in raw]
