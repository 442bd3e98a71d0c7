"""Measured data for calibration: a table ``time_h, variable, value, sd`` (one measured point
per row; see :mod:`livermodel.studies.fit`), read and checked with file and line in every error.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError

__all__ = ["FitData", "read_data", "data_path", "COLUMNS"]

COLUMNS = ("time_h", "variable", "value", "sd")
#: Largest data table read (bounded reading; a table of measured points is a few kB).
MAX_DATA_BYTES = 10_000_000


def data_path(name: str) -> Path:
    """Path of a table shipped in ``livermodel/data`` (``"rat_phx70_volume.csv"``)."""
    return Path(__file__).resolve().parent.parent / "data" / name


@dataclass
class FitData:
    """Measured points: ``time_h``, ``variable`` (names), ``value``, ``sd`` arrays, and where
    they came from."""

    time_h: np.ndarray
    variable: list[str]
    value: np.ndarray
    sd: np.ndarray
    source: str = "<data>"

    def __len__(self) -> int:
        return len(self.variable)

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(self.variable))


def read_data(path) -> FitData:
    """Read and check a data table (see the module docstring); raises :class:`LivermodelError`.

    ``path`` is a file, or the name of a table shipped with livermodel (``rat_phx70_volume``).
    """
    from livermodel.errors import did_you_mean
    from livermodel.model.layout import VARIABLES
    from livermodel.scenario.reader import read_text_file

    p = Path(path)
    if not p.exists():
        shipped = data_path(p.name if p.suffix else p.name + ".csv")
        if shipped.is_file() and len(p.parts) == 1:
            p = shipped
        else:
            raise LivermodelError(
                f"data file '{path}' not found",
                key="--data",
                suggestion="Give a CSV file with columns time_h,variable,value,sd "
                "(or a shipped table such as rat_phx70_volume)",
            )
    text = read_text_file(p, str(p), MAX_DATA_BYTES, "data table")  # regular, bounded, UTF-8
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise LivermodelError("the data file is empty", source=str(p))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise LivermodelError(
            f"the data file lacks the column '{missing[0]}'",
            source=str(p),
            line=1,
            expected="a header time_h,variable,value,sd",
            found=",".join(header),
        )
    idx = {c: header.index(c) for c in COLUMNS}
    names = [v for v in VARIABLES if v != "time_h"]
    t, var, val, sd = [], [], [], []
    for line, r in enumerate(rows[1:], start=2):
        try:
            cells = {c: r[idx[c]].strip() for c in COLUMNS}
        except IndexError:
            raise LivermodelError(
                "a row has too few cells",
                source=str(p),
                line=line,
                expected="4 cells: time_h,variable,value,sd",
            ) from None
        if cells["variable"] not in names:
            raise LivermodelError(
                f"unknown variable '{cells['variable']}'",
                source=str(p),
                line=line,
                expected="a trajectory variable such as liver_volume, total_mass or alt_u_per_l",
                suggestion=did_you_mean(cells["variable"], names),
            )
        try:
            nums = [float(cells[c]) for c in ("time_h", "value", "sd")]
        except ValueError:
            raise LivermodelError(
                "time_h, value and sd must be numbers", source=str(p), line=line, found=",".join(r)
            ) from None
        if not all(math.isfinite(x) for x in nums) or nums[0] < 0 or nums[2] <= 0:
            raise LivermodelError(
                "time_h must be >= 0 and sd > 0", source=str(p), line=line, found=",".join(r)
            )
        t.append(nums[0])
        var.append(cells["variable"])
        val.append(nums[1])
        sd.append(nums[2])
    if not var:
        raise LivermodelError("the data file has no rows", source=str(p))
    return FitData(np.array(t), var, np.array(val), np.array(sd), str(p))
