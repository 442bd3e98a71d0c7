"""Text for people: metric values, times and differences formatted for terminals and reports.
"""

from __future__ import annotations

from collections.abc import Sequence

# --------------------------------------------------------------------------------------------
# text for people
# --------------------------------------------------------------------------------------------

#: Metrics shown in the summary table of ``run`` and ``compare``, with their labels.
SUMMARY = (
    ("mode", "outcome mode"),
    ("nadir_mass", "nadir liver function"),
    ("recovery_time_h", "recovery (90 % of set point)"),
    ("failure_time_h", "failure time"),
    ("alt_peak_u_per_l", "ALT peak (U/L)"),
    ("proliferation_peak_time_h", "division peak"),
    ("survival_probability", "survival probability"),
    ("final_mass", "final liver function"),
    ("final_volume", "final liver volume"),
)


def format_time(hours: float | None) -> str:
    """A time for a table: ``36 h``; ``4.2 d``; ``never`` for ``None``."""
    if hours is None:
        return "never"
    if abs(hours) < 72:
        return f"{hours:.0f} h" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f} h"
    if abs(hours) < 24 * 70:
        return _short(hours / 24) + " d"
    return _short(hours / 168) + " wk"


def _short(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_metric(name: str, value, metrics: dict | None = None) -> str:
    """One metric value as shown in tables (times in h/d/wk, masses to 3 digits)."""
    if name == "failure_time_h" and value is None:
        return "no failure"
    if name == "failure_time_h" and metrics and metrics.get("failure_cause") == "systemic":
        return f"{format_time(value)}, systemic"  # the liver held; other organs failed
    if name.endswith("_time_h"):
        return format_time(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "alt_peak_u_per_l":
        text = f"{value:,.0f}"
        if metrics and metrics.get("alt_peak_time_h") is not None:
            text += f" at {format_time(metrics['alt_peak_time_h'])}"
        return text
    if name == "nadir_mass" and metrics and metrics.get("nadir_time_h") is not None:
        return f"{value:.3f} at {format_time(metrics['nadir_time_h'])}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


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
