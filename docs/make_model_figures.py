"""The figures of docs/model.md: the response modes over (remnant, metabolic load) and the model
against every shipped data set.

    python docs/make_model_figures.py          # writes docs/figures/model/*.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from livermodel import Hepatectomy, Schedule, resolve_parameters, simulate_batch
from livermodel.figures.canvas import grid_axes
from livermodel.figures.studies import check_figure, note
from livermodel.figures.style import LAYOUT, OKABE_ITO, style_context
from livermodel.figures.timecourse import save_figure
from livermodel.studies.check import run_check

OUT = Path(__file__).resolve().parent / "figures" / "model"
MODES = ("normal", "suppressed", "failure")
COLORS = (OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["vermillion"])


def modes_figure(style: str = "paper"):
    """Response mode after a hepatectomy (28 days, rat) over remnant and metabolic load."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    remnants = np.round(np.linspace(0.10, 0.80, 29), 3)
    loads = np.round(np.geomspace(0.1, 3.0, 27), 3)
    rat = resolve_parameters("rat")
    grid = [(r, m) for m in loads for r in remnants]
    batch = simulate_batch(
        [{**rat, "metabolic_load": m} for _, m in grid],
        [Schedule([Hepatectomy(0, 1 - r)]) for r, _ in grid],
        duration=28 * 24,
        output_step=6,
    )
    codes = np.array([MODES.index(m["mode"]) for m in batch.metrics()]).reshape(len(loads), -1)
    with style_context(style):
        layout = LAYOUT[style]
        fig, (ax,), _ = grid_axes(
            1, 1, 1, (layout["width"] * 0.62, layout["row_height"] * 1.6), what="figure"
        )
        ax.pcolormesh(
            remnants, loads, codes, cmap=ListedColormap(COLORS), vmin=-0.5, vmax=2.5, shading="nearest"
        )
        ax.set_yscale("log")
        ax.set_xlabel("remnant after hepatectomy (fraction of the liver)")
        ax.set_ylabel("metabolic load (rat = 1)")
        ax.set_title("Response mode at 28 days (rat)", loc="left")
        ax.axhline(1.0, color="#333333", linewidth=0.8, linestyle=(0, (4, 2)))
        ax.annotate(
            "normal rat",
            xy=(0.79, 1.0),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right",
            fontsize="small",
        )
        ax.legend(
            handles=[Patch(color=c, label=m) for c, m in zip(COLORS, MODES, strict=True)],
            loc="upper right",
            fontsize="small",
            framealpha=0.9,
        )
        note(fig, layout)
    return fig


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in save_figure(modes_figure(), OUT / "modes", ("png",)):
        print("wrote", path)
    res = run_check(["rat-phx-70"], data=True)
    for path in save_figure(check_figure(res), OUT / "check-data", ("png",)):
        print("wrote", path)


if __name__ == "__main__":
    main()
