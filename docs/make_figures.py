"""Make the example figures in docs/figures/ (both styles), with the same calls the CLI makes.

Run from the repository root, after ``pip install .``::

    python docs/make_figures.py

Each figure is what the command shown next to it draws: the output folder is made through
:mod:`livermodel.cli.actions` (the functions behind the CLI) and the figure is redrawn from it as
``livermodel plot`` does, but saved at 150 dpi to keep the repository small (the CLI writes PNG at
300 dpi).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from livermodel.cli.actions import compare_scenarios, run_scenario
from livermodel.figures.timecourse import comparison_figure, save_figure, timecourse_figure
from livermodel.output.saved import SavedComparison, read_results

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "figures"
DPI = 150

#: name -> (command as documented, function making the output folder)
EXAMPLES = {
    "run-rat-phx-70": (
        "livermodel run rat-phx-70",
        lambda out, style: run_scenario("rat-phx-70", out=out, formats=(), style=style),
    ),
    "run-mouse-apap-300": (
        "livermodel run mouse-apap-300 --set duration=3d",
        lambda out, style: run_scenario("mouse-apap-300", ["duration=3d"], out=out, formats=(), style=style),
    ),
    "run-human-aclf-msc": (
        "livermodel run human-aclf-msc",
        lambda out, style: run_scenario("human-aclf-msc", out=out, formats=(), style=style),
    ),
    "compare-fulminant": (
        "livermodel compare fulminant-msc-early fulminant-msc-late fulminant-ev-single "
        "--control fulminant --labels 'MSC at 2 h,MSC at 16 h,EV at 2 h' --set duration=4d",
        lambda out, style: compare_scenarios(
            ["fulminant-msc-early", "fulminant-msc-late", "fulminant-ev-single"],
            ["duration=4d"],
            labels=["MSC at 2 h", "MSC at 16 h", "EV at 2 h"],
            control="fulminant",
            out=out,
            formats=(),
            style=style,
        ),
    ),
    "run-fulminant-48h": (
        "livermodel run fulminant --window 48h",
        lambda out, style: run_scenario("fulminant", out=out, formats=(), style=style, window="48h"),
    ),
    "compare-six-arms": (
        "livermodel compare fulminant fulminant-msc-early fulminant-msc-late fulminant-ev-single "
        "fulminant-ev-repeated rat-galactosamine-msc --control fulminant --window 48h",
        lambda out, style: compare_scenarios(
            [
                "fulminant",
                "fulminant-msc-early",
                "fulminant-msc-late",
                "fulminant-ev-single",
                "fulminant-ev-repeated",
                "rat-galactosamine-msc",
            ],
            control="fulminant",
            out=out,
            formats=(),
            style=style,
            window="48h",
        ),
    ),
}


def main() -> int:
    FIGURES.mkdir(exist_ok=True)
    lines = []
    for name, (command, make) in EXAMPLES.items():
        for style in ("paper", "slides"):
            with tempfile.TemporaryDirectory() as tmp:
                report = make(Path(tmp) / "out", style)
                if not report.success:
                    print(f"{name}: the simulation failed", file=sys.stderr)
                    return 1
                saved = read_results(Path(tmp) / "out")
                window = (saved.provenance.get("figure") or {}).get("window_h")
                if isinstance(saved, SavedComparison):
                    control = saved.labels.index(saved.control) if saved.control else None
                    fig = comparison_figure(
                        saved.runs, saved.labels, style=style, window_h=window, control=control
                    )
                else:
                    fig = timecourse_figure(saved, style=style, title=saved.name, window_h=window)
                (target,) = save_figure(fig, FIGURES / f"{name}-{style}", ["png"], dpi=DPI)
            flag = " --style slides" if style == "slides" else ""
            lines.append(f"{target.relative_to(HERE.parent)}: {command}{flag}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
