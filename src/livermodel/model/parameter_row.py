"""One row of the parameter table (:class:`Parameter`) and its short constructor ``_p``.

Kept apart from :mod:`livermodel.model.parameters` so that the table can be split over modules
(:mod:`livermodel.model.drug_parameters` holds the drug rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table.

    ``bounds`` is the *plausible range* (used for sampling, sensitivity analysis and the docs);
    ``limits`` are the *hard limits* outside which the model is meaningless (a negative rate);
    validation rejects values outside ``limits`` and accepts, with a warning, values outside
    ``bounds``.
    """

    name: str
    default: float
    unit: str
    bounds: tuple[float, float]
    description: str
    source: str
    group: str
    limits: tuple[float, float] = (0.0, math.inf)
    scales_with_time: bool = False


def _p(name, default, unit, bounds, group, description, source, limits=(0.0, math.inf), scaled=False):
    return Parameter(
        name,
        float(default),
        unit,
        (float(bounds[0]), float(bounds[1])),
        description,
        source,
        group,
        (float(limits[0]), float(limits[1])),
        scaled,
    )
