"""Results as pandas and xarray objects, and small HTML summaries for notebooks.

:meth:`Result.to_pandas <livermodel.solve.simulate.Result.to_pandas>`,
:meth:`BatchResult.to_xarray <livermodel.solve.simulate.BatchResult.to_xarray>` and
:meth:`BatchResult.to_pandas <livermodel.solve.simulate.BatchResult.to_pandas>` call the
functions here.  pandas and xarray are optional (``pip install 'livermodel[dataframes]'``); they
are imported only when a conversion is asked for.  Units come from
:data:`livermodel.model.VARIABLES`, the table that also labels ``timeseries.csv``.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from livermodel.model.layout import VARIABLES

_EXTRA = "pip install 'livermodel[dataframes]'"


def _need(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs {module}, which is not installed: {_EXTRA}") from None


def _unit(name: str) -> str:
    return VARIABLES.get(name, ("", ""))[0]


def result_frame(result, *, long: bool = False):
    """One run as a DataFrame: a ``time_h`` column, then one column per trajectory variable
    (wide), or ``time_h, variable, value, unit`` rows (``long=True``).  ``df.attrs`` holds
    ``units`` (column -> unit), ``parameters``, ``success`` and ``message``."""
    pd = _need("pandas", "Result.to_pandas()")
    names = list(result.data)
    columns: dict[str, np.ndarray] = {"time_h": np.asarray(result.time_h, dtype=float)}
    columns.update({n: np.asarray(result.data[n], dtype=float) for n in names})
    attrs = {
        "units": {n: _unit(n) for n in columns},
        "parameters": dict(result.parameters),
        "success": bool(result.success),
        "message": str(result.message),
    }
    if long:
        t = columns["time_h"]
        df = pd.DataFrame(
            {
                "time_h": np.tile(t, len(names)),
                "variable": np.repeat(np.array(names, dtype=object), t.size),
                "value": np.concatenate([columns[n] for n in names]) if names else np.array([]),
                "unit": np.repeat(np.array([_unit(n) for n in names], dtype=object), t.size),
            }
        )
    else:
        df = pd.DataFrame(columns)
    df.attrs.update(attrs)
    return df


def varying_parameters(parameter_sets) -> dict[str, np.ndarray]:
    """The parameters that differ between runs, as arrays over the runs."""
    if not parameter_sets:
        return {}
    out = {}
    for name in parameter_sets[0]:
        values = np.array([float(ps[name]) for ps in parameter_sets])
        if not np.all(values == values[0]):
            out[name] = values
    return out


def batch_dataset(batch, *, metrics: bool = False):
    """Many runs as an ``xarray.Dataset``: one data variable per trajectory variable with dims
    ``(run, time_h)`` and its unit and meaning in ``attrs``; ``success`` and ``message`` per run;
    the parameters that differ between runs as coordinates along ``run`` (named
    ``parameter_NAME`` where NAME is also a variable); with ``metrics=True`` every numeric outcome
    metric as a run-indexed variable (NaN where a metric has no value; labels such as
    ``failure_cause`` as strings, empty where there is none)."""
    xr = _need("xarray", "BatchResult.to_xarray()")
    runs = np.arange(len(batch))
    coords: dict[str, Any] = {
        "run": runs,
        "time_h": ("time_h", np.asarray(batch.time_h, float), {"units": "h"}),
    }
    for name, values in varying_parameters(batch.parameters).items():
        key = f"parameter_{name}" if name in batch.variables else name
        coords[key] = ("run", values, {"description": "parameter varied between the runs"})
    data: dict[str, Any] = {}
    for k, name in enumerate(batch.variables):
        unit, meaning = VARIABLES.get(name, ("", ""))
        data[name] = (
            ("run", "time_h"),
            np.asarray(batch.values[:, k, :], dtype=float),
            {"units": unit, "description": meaning},
        )
    data["success"] = ("run", np.asarray(batch.success, dtype=bool))
    data["message"] = ("run", np.array([str(m) for m in batch.messages], dtype=object))
    if metrics:
        from livermodel.metrics import LABELS, METRICS

        rows = batch.metrics()
        for name, (unit, meaning) in METRICS.items():
            metric = [r.get(name) for r in rows]
            if name in LABELS:  # a label per run ('' where it has none, e.g. no failure)
                data[f"metric_{name}"] = (
                    "run",
                    np.array(["" if v is None else str(v) for v in metric], dtype=object),
                    {"description": meaning},
                )
            elif all(v is None or isinstance(v, (bool, int, float)) for v in metric):
                arr = np.array([math.nan if v is None else float(v) for v in metric])
                data[f"metric_{name}"] = ("run", arr, {"units": unit, "description": meaning})
    return xr.Dataset(
        data,
        coords=coords,
        attrs={
            "duration_h": float(batch.duration_h),
            "rtol": batch.settings.rtol,
            "atol": batch.settings.atol,
        },
    )


def batch_frame(batch):
    """Many runs as one long DataFrame: ``run, time_h, variable, value, unit`` plus one column
    per parameter that differs between the runs."""
    pd = _need("pandas", "BatchResult.to_pandas()")
    n, nv, nt = batch.values.shape
    names = np.array(batch.variables, dtype=object)
    df = pd.DataFrame(
        {
            "run": np.repeat(np.arange(n), nv * nt),
            "time_h": np.tile(np.asarray(batch.time_h, float), n * nv),
            "variable": np.tile(np.repeat(names, nt), n),
            "value": np.asarray(batch.values, dtype=float).reshape(-1),
            "unit": np.tile(np.repeat(np.array([_unit(v) for v in batch.variables], dtype=object), nt), n),
        }
    )
    for name, values in varying_parameters(batch.parameters).items():
        df[name if name not in df.columns else f"parameter_{name}"] = np.repeat(values, nv * nt)
    df.attrs["units"] = {v: _unit(v) for v in batch.variables}
    return df


# --------------------------------------------------------------------------------------------
# HTML for notebooks
# --------------------------------------------------------------------------------------------


def _rows_html(rows) -> str:
    return "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )


def _table_html(title: str, rows) -> str:
    return f"<div><strong>{html.escape(title)}</strong><table>{_rows_html(rows)}</table></div>"


def result_html(result) -> str:
    """A small table for a notebook: duration, success and the key outcome metrics."""
    from livermodel.metrics import SUMMARY, format_metric

    rows: list[tuple[str, str]] = [
        ("duration", f"{result.duration_h:g} h"),
        ("solved", "yes" if result.success else f"no: {result.message}"),
    ]
    try:
        m = result.metrics()
        rows += [(label, format_metric(name, m.get(name), m)) for name, label in SUMMARY]
    except Exception as err:  # a failed run may have no metrics: say so, do not hide the table
        rows.append(("metrics", f"not available ({err})"))
    title = "livermodel result" + (f" ({result.species})" if result.species else "")
    return _table_html(title, rows)


def scenario_html(scenario) -> str:
    """A small table for a notebook: name, species, duration, events and changed parameters."""
    rows: list[tuple[str, Any]] = [
        ("species", scenario.species),
        ("duration", f"{scenario.duration_h:g} h"),
        ("description", scenario.description or ""),
    ]
    events = getattr(scenario.schedule, "events", None) or []
    for i, ev in enumerate(events):
        rows.append((f"event {i}", _event_text(ev)))
    for name, value in scenario.parameter_overrides.items():
        rows.append((name, f"{float(value):g}"))
    return _table_html(f"scenario {scenario.name}", rows)


def _event_text(ev) -> str:
    fields = getattr(ev, "__dataclass_fields__", None)
    if not fields:
        return str(ev)
    parts = [f"{k}={getattr(ev, k)!r}" for k in fields if getattr(ev, k) not in (None, (), [], {})]
    return f"{type(ev).__name__}({', '.join(parts)})"
