"""What the robustness scripts share: the assumption-sourced parameters and their ±30 % values.

Imported by ``robustness.py``, ``robustness_apap.py`` and ``robustness_galn.py`` (run as
``python benchmarks/<script>.py``, which puts this folder on the import path).
"""

from __future__ import annotations

from collections.abc import Iterable

from livermodel.model.parameters import BY_NAME, PARAMETERS

#: The two perturbations of every robustness table.
FACTORS = (0.7, 1.3)


def assumptions(groups: Iterable[str] | None = None) -> list[str]:
    """Parameters whose source says "assumption" (switches excepted), in table order; only those
    of ``groups`` if given."""
    keep = None if groups is None else set(groups)
    return [
        p.name
        for p in PARAMETERS
        if "assumption" in p.source.lower() and p.unit != "switch" and (keep is None or p.group in keep)
    ]


def perturbed(base: dict, name: str, factor: float) -> float:
    """``base[name] * factor``, clipped to the parameter's hard limits."""
    lo, hi = BY_NAME[name].limits
    return float(min(max(base[name] * factor, lo), hi))
