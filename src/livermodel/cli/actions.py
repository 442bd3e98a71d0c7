"""What each command of the command line does, as one Python call.

The CLI (:mod:`livermodel.cli`) only parses options, calls one function here and prints what it
returns; a script or notebook can call the same function and get the same files::

    from livermodel.cli.actions import run_scenario
    report = run_scenario("rat-phx-70", ["insults.0.fraction=0.8"], out="results/phx80")
    report.metrics["recovery_time_h"], report.written.paths()

=====================  ==============================================================
command                function
=====================  ==============================================================
``run``                :func:`run_scenario`
``compare``            :func:`compare_scenarios`
``validate``           :func:`validate_scenarios`
``params``             :func:`parameter_rows` / :func:`parameter_detail`
``scenarios``          :func:`livermodel.scenario.list_library`
``init``               :func:`init_scenario`
``plot``               :func:`livermodel.redraw`
=====================  ==============================================================

User mistakes raise :class:`livermodel.errors.LivermodelError`; a simulation that cannot be
completed is *reported* (``report.success`` is false, ``report.message`` says why) and nothing is
written for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from livermodel.errors import LivermodelError
from livermodel.files import atomic_write, check_formats
from livermodel.output.folders import RESULTS_DIR, default_folder, identity  # noqa: F401
from livermodel.output.provenance import now_iso, prepare_output_dir
from livermodel.output.runs import Written, comparison_table, write_comparison, write_run
from livermodel.output.tables import metrics_dict
from livermodel.output.text import SUMMARY, format_difference, format_metric, table
from livermodel.scenario.scenario import check_expectations

if TYPE_CHECKING:
    from livermodel.scenario.scenario import Scenario
    from livermodel.solve.simulate import Result

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


@dataclass
class RunReport:
    """What :func:`run_scenario` did."""

    scenario: Scenario
    result: Result
    metrics: dict
    written: Written | None
    warnings: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.result.success)

    @property
    def message(self) -> str:
        return str(self.result.message)


@dataclass
class CompareReport:
    """What :func:`compare_scenarios` did."""

    scenarios: list
    results: list
    labels: list[str]
    control: int | None
    table: dict
    written: Written | None
    warnings: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failures(self) -> list[tuple[str, str]]:
        """``(label, message)`` of every arm whose simulation failed."""
        return [(lab, r.message) for lab, r in zip(self.labels, self.results, strict=True) if not r.success]


def _load(path, overrides, found_warnings: list[str]):
    from livermodel.scenario.scenario import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = load_scenario(path, list(overrides))
    for w in caught:
        text = str(w.message)
        if text not in found_warnings:
            found_warnings.append(text)
    return scenario


def run_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    out: str | Path | None = None,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    command: str | None = None,
    progress: Progress = _quiet,
    force: bool = False,
    window: str | float | None = None,
) -> RunReport:
    """Load, simulate and write one scenario (``livermodel run``).

    ``path`` is a scenario file or a library name; ``overrides`` dotted ``key=value`` strings
    (``--set``); ``out`` the output folder (default ``results/<scenario name>``, or
    ``results/<scenario name>-set-<hash>`` with overrides).  The folder is checked before
    simulating, so a bad ``out``, or one holding other output (see
    :mod:`livermodel.output.folders`; ``force`` replaces it), fails fast.  If the simulation
    fails nothing is written and ``report.written`` is ``None``.  ``window`` (``"48h"``, ``2d``,
    hours as a number) limits the figure's time axis, not the simulation.
    """
    from livermodel.figures.window import check_window

    started = now_iso()
    found: list[str] = []
    formats = check_formats(formats)
    _check_style(style)
    window_h = check_window(window)
    progress("reading the scenario")
    overrides = [str(o) for o in overrides]
    scenario = _load(path, overrides, found)
    folder = prepare_output_dir(
        out if out is not None else default_folder(scenario.name, overrides),
        identity("run", [scenario.name], overrides),
        force=force,
        replace=False,
    )
    progress(f"simulating {scenario.name}")
    result = scenario.run()
    if not result.success:
        return RunReport(scenario, result, {}, None, found)
    expectations = None
    if scenario.expect:  # the scenario's own promise: a warning (and a provenance entry) if broken
        failures = check_expectations(scenario.expect, result.metrics())
        expectations = {"checked": sorted(scenario.expect), "failed": failures}
        found += [f"the scenario's own expectation fails: {f}" for f in failures]
    progress("writing files and figures")
    written = write_run(
        folder,
        result,
        scenario,
        formats=formats,
        style=style,
        command=command,
        started=started,
        overrides=overrides,
        force=force,
        window_h=window_h,
        extra={"expectations": expectations} if expectations is not None else None,
    )
    return RunReport(scenario, result, metrics_dict(result), written, found)


def compare_scenarios(
    paths: Sequence[str | Path],
    overrides: Iterable[str] = (),
    *,
    labels: Sequence[str] | None = None,
    control: str | Path | None = None,
    out: str | Path | None = None,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    command: str | None = None,
    progress: Progress = _quiet,
    force: bool = False,
    window: str | float | None = None,
) -> CompareReport:
    """Simulate several scenarios and write them side by side (``livermodel compare``).

    ``labels`` name the arms in ``paths`` (default: the scenario names).  With ``control``, that
    scenario is the first arm (labelled with its name) and each other arm is also reported as its
    difference against it; if ``control`` is also in ``paths`` it is not run twice.  ``overrides``
    apply to every arm.  Nothing is written if any arm fails.  The default folder is
    ``results/compare-<names>[-set-<hash>]``; ``force`` and ``window`` as for
    :func:`run_scenario`.
    """
    from livermodel.figures.window import check_window

    started = now_iso()
    overrides = list(overrides)
    formats = check_formats(formats)
    _check_style(style)
    window_h = check_window(window)
    paths = list(paths)
    if labels is not None and len(labels) != len(paths):
        raise LivermodelError(
            f"{len(labels)} label(s) for {len(paths)} scenario(s)",
            key="--labels",
            suggestion="Give one label per scenario, in order, e.g. --labels 'PHx,PHx + MSC'",
        )
    found: list[str] = []
    scenarios, arm_labels = [], []
    for i, p in enumerate(paths):
        progress(f"reading {p}")
        sc = _load(p, overrides, found)
        scenarios.append(sc)
        arm_labels.append(labels[i] if labels is not None else sc.name)
    control_index = None
    if control is not None:
        progress(f"reading {control}")
        ctrl = _load(control, overrides, found)
        same = [i for i, sc in enumerate(scenarios) if sc.sha256 == ctrl.sha256]
        if same:
            control_index = same[0]
        else:
            scenarios.insert(0, ctrl)
            arm_labels.insert(0, ctrl.name)
            control_index = 0
    if len(scenarios) < 2:
        raise LivermodelError(
            "a comparison needs at least two scenarios",
            found=f"{len(scenarios)}",
            suggestion="Give two or more scenario files (or one and --control SCENARIO)",
        )
    arm_labels = _unique(arm_labels)
    name = "-vs-".join(sc.name for sc in scenarios)
    if len(name) > 60:
        name = f"{scenarios[0].name}-and-{len(scenarios) - 1}-more"
    ident = identity("comparison", [sc.name for sc in scenarios], overrides)
    folder = prepare_output_dir(
        out if out is not None else default_folder(f"compare-{name}", overrides),
        ident,
        force=force,
        replace=False,
    )
    results = []
    for label, sc in zip(arm_labels, scenarios, strict=True):
        progress(f"simulating {label}")
        results.append(sc.run())
    table = (
        comparison_table(results, arm_labels, control=control_index)
        if all(r.success for r in results)
        else {}
    )
    report = CompareReport(scenarios, results, arm_labels, control_index, table, None, found)
    if not report.success:
        return report
    progress("writing files and figures")
    report.written = write_comparison(
        folder,
        results,
        arm_labels,
        scenarios,
        control=control_index,
        formats=formats,
        style=style,
        command=command,
        started=started,
        overrides=overrides,
        force=force,
        window_h=window_h,
    )
    return report


def _unique(labels: list[str]) -> list[str]:
    """Make repeated labels distinct by numbering them (``a``, ``a (2)``)."""
    out: list[str] = []
    for lab in labels:
        new, k = lab, 2
        while new in out:
            new, k = f"{lab} ({k})", k + 1
        out.append(new)
    return out


def _check_style(style: str) -> None:
    from livermodel.figures.style import check_style

    check_style(style)


@dataclass
class Validation:
    """The outcome of validating one scenario file."""

    path: str
    name: str | None
    error: LivermodelError | None
    warnings: list[str]
    errors: list[LivermodelError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_scenarios(paths: Sequence[str | Path], overrides: Iterable[str] = ()) -> list[Validation]:
    """Check scenario files without simulating (``livermodel validate``); one entry per file.

    ``errors`` holds every independent mistake of a file, in line order (see
    :mod:`livermodel.scenario.all_errors`); ``error`` is the first of them.
    """
    from livermodel.scenario.all_errors import all_errors

    overrides = list(overrides)
    out = []
    for p in paths:
        found: list[str] = []
        try:
            sc = _load(p, overrides, found)
        except LivermodelError as err:
            try:
                _, errors = all_errors(p, overrides)
            except LivermodelError:
                errors = []
            errors = errors or [err]
            out.append(Validation(str(p), None, errors[0], found, errors))
        else:
            out.append(Validation(str(p), sc.name, None, found))
    return out


def parameter_rows(species: str = "rat") -> list[dict]:
    """The parameter table with the values of ``species`` (``livermodel params``)."""
    from livermodel.model.parameters import PARAMETERS, defaults

    values = defaults(species)
    return [
        {
            "name": p.name,
            "value": values[p.name],
            "default": p.default,
            "unit": p.unit,
            "low": p.bounds[0],
            "high": p.bounds[1],
            "group": p.group,
            "description": p.description,
            "source": p.source,
        }
        for p in PARAMETERS
    ]


def parameter_detail(name: str, species: str = "rat") -> dict:
    """One parameter in full, with its value in every species (``livermodel params NAME``)."""
    from livermodel.model.parameters import SPECIES, check_name, defaults

    p = check_name(name, key="NAME")
    return {
        "name": p.name,
        "unit": p.unit,
        "default": p.default,
        "low": p.bounds[0],
        "high": p.bounds[1],
        "limits": p.limits,
        "group": p.group,
        "description": p.description,
        "source": p.source,
        "scales_with_time": p.scales_with_time,
        "species": species,
        "value": defaults(species)[p.name],
        "by_species": {s: defaults(s)[p.name] for s in SPECIES},
    }


_TEMPLATE_HEAD = """\
# {name}: a livermodel scenario (see docs/scenarios.md for every key).
# Check it with:   livermodel validate {file}
# Run it with:     livermodel run {file}
# Times take units (h, d, wk); doses must give theirs (mg/kg, cells/kg, ug/kg).
"""

_TEMPLATE_BODY = """\
name: {name}
description: >-
  What this scenario shows, and which published observation it mirrors.
species: rat            # rat, mouse or human (parameter preset)
duration: 14 d          # simulated time
output_step: 1 h        # spacing of the output grid

insults:
  - type: hepatectomy   # hepatectomy, toxin, chronic or inflammation
    at: 0 h
    fraction: 0.7       # fraction removed (0.7 = two-thirds hepatectomy)
  # - type: toxin       # an acetaminophen-like dose
  #   at: 0 h
  #   dose: 300 mg/kg

interventions: []
  # - type: msc         # mesenchymal stem cells: iv, intraportal, intrasplenic, intraperitoneal
  #   at: 6 h
  #   dose: 1e6 cells/kg
  #   route: iv
  # - type: ev          # extracellular vesicles: iv, intraportal, intrasplenic
  #   at: 6 h
  #   dose: 100 ug/kg
  #   every: 1 d
  #   count: 3

# parameters:           # changes to the parameter table ('livermodel params' lists them)
#   death_sensitivity: 2.0
# effects:              # switch therapy channels off one at a time
#   anti_inflammatory: true
#   anti_death: true
#   pro_regenerative: true
"""

#: Optional keys offered (commented) at the end of a file started with ``--from``.
_OPTIONAL_KEYS = (
    ("parameters", "{name: value} changes to the parameter table ('livermodel params')"),
    ("effects", "{anti_inflammatory: true, anti_death: true, pro_regenerative: true}"),
    ("initial", "initial-state overrides, e.g. {functional_mass: 0.6}"),
    ("interventions", "e.g. [{type: msc, at: 6 h, dose: 1e6 cells/kg, route: iv}]"),
    ("expect", "the outcome this scenario should show, e.g. {mode: normal, recovered_by: 7 d}"),
)


def schema_modeline() -> str:
    """The first line of a scenario from ``livermodel init``: tells editors with the YAML language
    server (VS Code's YAML extension, and others) to check the file against the JSON Schema
    shipped in the installed package (``livermodel schema -o FILE`` writes a copy to keep with
    the scenarios)."""
    from importlib.resources import files

    shipped = Path(str(files("livermodel") / "scenario.schema.json")).resolve()
    return f"# yaml-language-server: $schema={shipped.as_uri()}\n"


def init_scenario(name: str, source: str | Path | None = None, *, force: bool = False) -> Path:
    """Write a commented starting scenario (``livermodel init``) and return its path.

    ``name`` is a scenario name (written to ``<name>.yaml`` in the current folder) or a path
    ending in ``.yaml``.  With ``source`` (a file or library name) the new file starts as a
    self-contained copy of that scenario after ``extends`` (its ``expect:`` dropped, since the
    copy is meant to be changed); without it, a hepatectomy template with every common key
    commented.  The text is validated before it is written; an existing file is not
    overwritten unless ``force``.
    """
    import yaml

    from livermodel.scenario.fields import _NAME_RE
    from livermodel.scenario.scenario import parse_scenario

    path = Path(name) if str(name).endswith((".yaml", ".yml")) else Path(f"{name}.yaml")
    stem = path.stem
    if not _NAME_RE.fullmatch(stem):
        raise LivermodelError(
            f"'{stem}' cannot be a scenario name",
            key="NAME",
            expected="letters, digits, '-', '_' or '.', starting with a letter or digit",
            found=repr(stem),
            suggestion="Try a name such as 'rat-phx-80'",
        )
    if path.exists() and not force:
        raise LivermodelError(
            f"'{path}' already exists",
            key="NAME",
            suggestion="Choose another name, or add --force to overwrite it",
        )
    if not path.parent.is_dir():
        raise LivermodelError(
            f"the folder '{path.parent}' does not exist",
            key="NAME",
            suggestion="Create it first, or give a name in an existing folder",
        )
    head = schema_modeline() + _TEMPLATE_HEAD.format(name=stem, file=path)
    if source is None:
        text = head + "\n" + _TEMPLATE_BODY.format(name=stem)
    else:
        found: list[str] = []
        base = _load(source, (), found)
        doc = base.to_dict()
        doc.pop("expect", None)
        doc["name"] = stem
        doc["description"] = f"Started from {base.name} ('livermodel init --from'). " + (
            doc.get("description") or ""
        )
        head += f"# Started from the scenario '{base.name}' ({base.source}); extends resolved.\n"
        body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=96)
        tail = [f"# {key + ':':<15}{what}" for key, what in _OPTIONAL_KEYS if key not in doc]
        if tail:
            tail.insert(0, "\n# Optional keys not used above (see docs/scenarios.md):")
        text = head + "\n" + body + "\n".join(tail) + ("\n" if tail else "")
    parse_scenario(text, source=str(path))  # never write a file that does not load
    try:
        atomic_write(path, text)
    except OSError as err:
        raise LivermodelError(
            f"could not write '{path}': {err.strerror or err}",
            key="NAME",
            suggestion="Choose a folder you can write to",
        ) from None
    return path


def comparison_text(report: CompareReport) -> str:
    """The side-by-side metrics (and differences against the control) printed by ``compare``."""
    arms = report.table["arms"]
    header = ["metric", *report.labels]
    rows = [
        [label, *(format_metric(name, arms[lab].get(name), arms[lab]) for lab in report.labels)]
        for name, label in SUMMARY
    ]
    text = table(rows, header)
    if report.control is not None:
        base = report.labels[report.control]
        others = [lab for lab in report.labels if lab != base]
        diffs = report.table["differences"]
        rows = [
            [label, *(format_difference(name, diffs[lab].get(name)) for lab in others)]
            for name, label in SUMMARY
        ]
        text += f"\n\ndifference against the control ({base}):\n" + table(rows, ["metric", *others])
    return text
