"""The contents of a run's files: the time series as CSV and metrics as JSON."""

from __future__ import annotations

import csv
import io as _io
import json
import math
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError

# --------------------------------------------------------------------------------------------
# file contents
# --------------------------------------------------------------------------------------------


def timeseries_csv(result) -> str:
    """``time_h`` and every trajectory variable of ``result`` as CSV text (NaN as empty)."""
    names = ["time_h", *result.data]
    columns = [np.asarray(result.time_h, dtype=float)] + [
        np.asarray(result.data[n], dtype=float) for n in result.data
    ]
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*columns, strict=True):
        writer.writerow(["" if not math.isfinite(v) else f"{v:.10g}" for v in row])
    return buf.getvalue()


def read_timeseries(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Read a ``timeseries.csv``: ``(time_h, {variable: values})`` (empty cells as NaN)."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or not rows[0] or rows[0][0] != "time_h":
        raise LivermodelError(
            f"'{path}' is not a livermodel time series", expected="a CSV file whose first column is time_h"
        )
    header = rows[0]
    try:
        values = np.array([[float(c) if c != "" else np.nan for c in r] for r in rows[1:]], dtype=float)
    except ValueError:
        raise LivermodelError(
            f"'{path}' holds a value that is not a number",
            suggestion="Re-create the folder with 'livermodel run'",
        ) from None
    if values.ndim != 2 or values.shape[1] != len(header):
        raise LivermodelError(
            f"'{path}' has rows of the wrong length", suggestion="Re-create the folder with 'livermodel run'"
        )
    return values[:, 0], {name: values[:, k] for k, name in enumerate(header) if k > 0}


def _json(obj) -> str:
    return json.dumps(obj, indent=2, allow_nan=False, default=_json_default) + "\n"


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def _clean(value):
    """JSON-safe metric value (NaN/inf become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_dict(result) -> dict:
    """The outcome metrics of ``result`` as a JSON-safe dict."""
    return {k: _clean(v) for k, v in result.metrics().items()}
