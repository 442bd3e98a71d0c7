"""Regenerate every figure in docs/ from the library scenarios: the one gallery command.

Run from the repository root, after ``pip install -e .`` (and, for the report screenshot, with the
Debian packages ``chromium`` installed)::

    python docs/make_gallery.py                 # everything
    python docs/make_gallery.py --only teaching # one part: examples, sweeps or teaching

Parts:

``examples``
    ``docs/figures/*.png``: the run and comparison figures of docs/cli.md
    (``docs/make_figures.py``).
``sweeps``
    ``docs/figures/sweeps/``: the worked examples of docs/sweeps.md, by running the documented
    ``livermodel sweep`` commands and copying their figures.
``analyses``
    ``docs/figures/analyses/``: the worked examples of docs/analyses.md (threshold, sensitivity,
    cohort, fit), by running the documented commands and copying their figures.
``teaching``
    ``docs/figures/teaching/``: the figures of the lesson plans in docs/teaching.md (explorer
    snapshots, phase portraits, a comparison) and a screenshot of an HTML report taken with
    headless Chromium.

Every figure is made by running the command shown next to it in the docs, in process, through
the same Typer app as the ``livermodel`` executable.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "figures"

#: docs/sweeps.md: (command, {file written by the command: file in docs/figures/sweeps/})
SWEEP_EXAMPLES = [
    (
        "livermodel sweep fulminant-msc-early --vary interventions.0.dose=1e5:1e8cells/kg:31:log --out {out}",
        {"response.png": "dose-response.png", "trajectories.png": "dose-trajectories.png"},
    ),
    (
        "livermodel sweep rat-phx-70 --vary insults.0.fraction=0.6:0.95:36 "
        "--vary parameters.death_sensitivity=0.5:2:31 --metric recovery_time_h --out {out}",
        {"map.png": "phx-map.png"},
    ),
    (
        "livermodel sweep fulminant-msc-early --vary interventions.0.at=0:24h:25 "
        "--vary interventions.0.dose=1e5:1e8cells/kg:31:log --jobs 2 --out {out}",
        {"timing-map.png": "timing-map.png"},
    ),
]

#: docs/analyses.md: (command, {file written by the command: file in docs/figures/analyses/})
ANALYSIS_EXAMPLES = [
    (
        "livermodel threshold rat-phx-70 --vary insults.0.fraction=0.6:0.95 "
        "--along parameters.death_sensitivity=0.5:3:11 --out {out}",
        {"threshold.png": "threshold-remnant.png"},
    ),
    (
        "livermodel threshold fulminant-msc-early --vary interventions.0.at=0:48h --tol 0.1 "
        "--along interventions.0.dose=1e5:1e8cells/kg:7:log --out {out}",
        {"threshold.png": "threshold-msc-time-dose.png"},
    ),
    (
        "livermodel sensitivity rat-phx-70 --metric recovery_time_h --out {out}",
        {"sensitivity-local.png": "sensitivity-local.png"},
    ),
    (
        "livermodel sensitivity rat-phx-70 --metric recovery_time_h --method sobol --samples 256 "
        "--seed 1 --params division_rate,priming_rate,priming_decay_rate,growth_signal_rate,"
        "regeneration_capacity,death_sensitivity,critical_mass,metabolic_load --out {out}",
        {"sensitivity-sobol.png": "sensitivity-sobol.png"},
    ),
    (
        "livermodel sensitivity fulminant --metric survival_probability --method morris --samples 40 "
        "--seed 1 --out {out}",
        {"sensitivity-morris.png": "sensitivity-morris.png"},
    ),
    (
        "livermodel cohort fulminant-msc-early --size 100 --control fulminant --seed 1 --out {out}",
        {"cohort.png": "cohort.png"},
    ),
    (
        "livermodel fit rat-phx-70 --data {root}/data/rat_phx70_volume.csv "
        "--params division_rate,priming_rate --profile --out {out}",
        {"fit.png": "fit.png"},
    ),
    (
        "livermodel fit --problem {root}/data/rat_phx70_two_experiments.yaml --profile --out {out}",
        {"fit.png": "fit-two-experiments.png"},
    ),
]

#: docs/teaching.md: (command, {file written by the command: file in docs/figures/teaching/});
#: {tmp} is a scratch folder.
TEACHING_EXAMPLES = [
    # lesson 1: the hepatostat
    (
        "livermodel explore rat-phx-70 --snapshot {tmp}/explorer.png",
        {"explorer.png": "lesson1-explore-rat-phx-70.png"},
    ),
    (
        "livermodel explore rat-phx-70 --slider insults.0.fraction=0.4 --snapshot {tmp}/explorer-40.png",
        {"explorer-40.png": "lesson1-explore-rat-phx-40.png"},
    ),
    # lesson 2: the tipping point
    ("livermodel phase rat-phx-70 -o {tmp}/phase-phx.png", {"phase-phx.png": "lesson2-phase-rat-phx-70.png"}),
    (
        "livermodel phase fulminant -o {tmp}/phase-fulminant.png",
        {"phase-fulminant.png": "lesson2-phase-fulminant.png"},
    ),
    # lesson 3: cell therapy
    (
        "livermodel compare fulminant-msc-early fulminant-msc-late fulminant-ev-single "
        "fulminant-ev-repeated --control fulminant --labels 'MSC 2 h,MSC 16 h,EV 2 h,EV 2 h x4' "
        "--set duration=4d --format png --out {tmp}/therapy",
        {"therapy/comparison.png": "lesson3-compare-therapy.png"},
    ),
    (
        "livermodel explore fulminant-msc-early --set parameters.anti_inflammatory_on=0 "
        "--snapshot {tmp}/explorer-msc.png",
        {"explorer-msc.png": "lesson3-explore-msc-anti-inflammatory-off.png"},
    ),
    (
        "livermodel phase fulminant-msc-late -o {tmp}/phase-msc-late.png",
        {"phase-msc-late.png": "lesson3-phase-fulminant-msc-late.png"},
    ),
    # the shared report, and the explorer as it opens
    (
        "livermodel report fulminant --compare fulminant-msc-early --compare fulminant-msc-late "
        "--set duration=4d -o {tmp}/report.html",
        {"report.html": None},
    ),
    (
        "livermodel explore fulminant-msc-early --snapshot {tmp}/explorer-window.png",
        {"explorer-window.png": "explorer-snapshot.png"},
    ),
]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def app():
    """The livermodel Typer app, with the command modules registered if cli.py does not yet."""
    import typer

    from livermodel.cli.app import app as cli_app

    names = {c.name for c in cli_app.registered_commands}
    for module, command in (
        ("livermodel.cli_teach", "phase"),
        ("livermodel.cli_sweep", "sweep"),
        ("livermodel.cli_analysis", "threshold"),
    ):
        if command not in names:
            import importlib

            importlib.import_module(module).register(cli_app)
    return typer.main.get_command(cli_app)


def run(command: str, **fmt) -> None:
    """Run one documented ``livermodel ...`` command in process; raise if it fails."""
    args = shlex.split(command.format(**fmt))
    assert args[0] == "livermodel"
    print("$", " ".join(shlex.quote(a) for a in args), flush=True)
    try:
        app().main(args[1:], prog_name="livermodel", standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise RuntimeError(f"command failed ({stop.code}): {command}") from None


def screenshot(html: Path, png: Path, *, width: int = 1100, height: int = 2600) -> bool:
    """A PNG of ``html`` as headless Chromium renders it; False if Chromium is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium not found: the report screenshot is not updated", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return png.is_file()


def examples() -> None:
    sys.path.insert(0, str(HERE))
    import make_figures

    if make_figures.main() != 0:
        raise RuntimeError("docs/make_figures.py failed")


def _copy_outputs(examples, target: Path) -> None:
    """Run each command with a scratch ``--out`` folder and copy its figures into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for command, files in examples:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            run(command, out=out, root=HERE.parent)
            for src, dst in files.items():
                shutil.copyfile(out / src, target / dst)
                print(f"  -> {target / dst}")


def sweeps() -> None:
    _copy_outputs(SWEEP_EXAMPLES, FIGURES / "sweeps")


def analyses() -> None:
    _copy_outputs(ANALYSIS_EXAMPLES, FIGURES / "analyses")


def teaching() -> None:
    folder = FIGURES / "teaching"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for command, files in TEACHING_EXAMPLES:
            run(command, tmp=tmp)
            for src, dst in files.items():
                if dst:
                    shutil.copyfile(Path(tmp) / src, folder / dst)
                    print(f"  -> {folder / dst}")
        target = folder / "report-screenshot.png"
        if screenshot(Path(tmp) / "report.html", target):
            print(f"  -> {target} (headless Chromium)")


PARTS = {"examples": examples, "sweeps": sweeps, "analyses": analyses, "teaching": teaching}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="regenerate only this part (repeatable); default: all"
    )
    parser.add_argument(
        "--figures",
        type=Path,
        metavar="DIR",
        help="write the sweeps, analyses and teaching figures under DIR instead of "
        "docs/figures (to compare before replacing); not for 'examples'",
    )
    args = parser.parse_args(argv)
    global FIGURES
    if args.figures is not None:
        if "examples" in (args.only or PARTS):
            parser.error(
                "--figures needs --only sweeps/analyses/teaching (examples always write docs/figures)"
            )
        FIGURES = args.figures.resolve()
    import matplotlib

    matplotlib.use("Agg")
    for name in args.only or PARTS:
        print(f"== {name}", flush=True)
        PARTS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
