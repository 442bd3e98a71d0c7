"""Text for people: metric values, times and differences formatted for terminals and reports."""

from __future__ import annotations

from collections.abc import Sequence

# The summary table and the formatting of one metric live with the metrics (so that a
# notebook's Result table uses them too); re-exported here for the tables of the commands.
from livermodel.metrics import SUMMARY, format_metric, format_time  # noqa: F401

# --------------------------------------------------------------------------------------------
# text for people
# --------------------------------------------------------------------------------------------


def format_difference(name: str, value) -> str:
    """A difference against the control, signed (``+12 h``, ``-0.050``, ``failure -> normal``)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if name.endswith("_time_h"):
        sign = "+" if value >= 0 else "-"
        return sign + format_time(abs(value))
    if name == "alt_peak_u_per_l":
        return f"{value:+,.0f}"
    return f"{value:+.3f}"


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    """Plain-text table with aligned columns (first column left, the rest left too)."""
    allrows = ([list(header)] if header else []) + [list(r) for r in rows]
    widths = [max(len(r[k]) for r in allrows) for k in range(len(allrows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in allrows]
    if header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_table(metrics: dict) -> str:
    """The summary of one run, as printed by ``livermodel run``."""
    return table([(label, format_metric(name, metrics.get(name), metrics)) for name, label in SUMMARY])
