"""One self-contained HTML report of a scenario, to e-mail or to put in front of a class.

:func:`build_report` returns the HTML text and :func:`write_report` writes it (atomically).  The
file holds everything: what the scenario is, the key outcomes, the time-course figure, the phase
portrait, the comparison figure and table (with ``compare``), the parameter table with sources,
the equations (preformatted text, with each term explained), optional threshold and cohort
sections (from :mod:`livermodel.studies`) and the provenance.  Figures are SVG embedded as
``data:`` URIs; there is no script, no web font and no link to anything outside the file, and a
Content-Security-Policy in the file itself forbids the browser to load anything from elsewhere.

Every outcome cell carries the metric's name and exact value (``data-metric``, ``data-value``),
so the numbers shown can be checked against ``metrics.json`` of ``livermodel run``.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from livermodel.errors import LivermodelError

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
    "script-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #222; margin: 0 auto;
       max-width: 1100px; padding: 1.2em 1.5em 3em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.15em; margin-top: 1.8em; }
h3 { font-size: 1.05em; }
.lead { color: #444; }
.note { color: #666; font-style: italic; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #d4d4d4; padding: 0.25em 0.55em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.changed td { background: #fff4d6; }
tr.group td { background: #eaeaea; font-weight: bold; }
figure { margin: 1em 0; }
figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.8em; overflow-x: auto;
      font-size: 0.82em; line-height: 1.35; }
nav ol { columns: 2; font-size: 0.95em; }
.mode-failure { color: #b34700; font-weight: bold; }
.mode-normal { color: #005a8c; font-weight: bold; }
.mode-suppressed { color: #6b4b00; font-weight: bold; }
"""


@dataclass
class Section:
    id: str
    title: str
    body: str


@dataclass
class Report:
    """A built report: the HTML and what went into it (for tests and the CLI summary)."""

    html: str
    scenario: object
    result: object
    metrics: dict
    arms: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def svg_data_uri(fig) -> str:
    """``fig`` as an SVG ``data:`` URI (fonts as text, no external references)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig, alt: str, caption: str) -> str:
    return (
        f'<figure><img src="{svg_data_uri(fig)}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _table(header: Sequence[str] | None, rows: Sequence[str], *, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    head = ""
    if header:
        head = "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead>"
    return f"<table{c}>{head}<tbody>{''.join(rows)}</tbody></table>"


def _metric_cell(name: str, value, metrics: dict, *, arm: str | None = None) -> str:
    from livermodel.output.text import format_metric

    text = format_metric(name, value, metrics)
    raw = json.dumps(value)
    cls = "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    inner = _e(text)
    if name == "mode" and value:
        inner = f'<span class="mode-{_e(value)}">{inner}</span>'
    arm_attr = f' data-arm="{_e(arm)}"' if arm is not None else ""
    return f'<td class="{cls}" data-metric="{_e(name)}" data-value="{_e(raw)}"{arm_attr}>{inner}</td>'


def _describe_events(sc) -> str:
    rows = []
    for group in ("insults", "interventions"):
        for ev in sc.resolved.get(group, []) or []:
            items = ", ".join(f"{k} {v}" for k, v in ev.items() if k != "type")
            rows.append(f"<li><b>{_e(ev.get('type', '?'))}</b>: {_e(items)}</li>")
    if not rows:
        return "<p>No insult or intervention: the healthy liver.</p>"
    return "<ul>" + "".join(rows) + "</ul>"


def _overview(sc) -> str:
    over = sc.parameter_overrides
    changed = ", ".join(f"{k} = {v:g}" for k, v in over.items()) if over else "none"
    init = ", ".join(f"{k} = {v:g}" for k, v in (sc.initial or {}).items()) or "the healthy state"
    return (
        f'<p class="lead">{_e(sc.description)}</p>'
        + _table(
            None,
            [
                f"<tr><td>species</td><td>{_e(sc.species)}</td></tr>",
                f"<tr><td>duration</td><td>{sc.duration_h:g} h ({sc.duration_h / 24:g} d), "
                f"output every {sc.output_step_h:g} h</td></tr>",
                f"<tr><td>parameters changed from the {_e(sc.species)} preset</td>"
                f"<td>{_e(changed)}</td></tr>",
                f"<tr><td>starting state</td><td>{_e(init)}</td></tr>",
            ],
        )
        + "<h3>Insults and interventions</h3>"
        + _describe_events(sc)
    )


def _outcomes(metrics: dict) -> str:
    from livermodel.metrics import METRICS
    from livermodel.output.text import SUMMARY

    shown = dict(SUMMARY)
    rows = []
    for name in METRICS:
        label = shown.get(name, METRICS[name][1])
        rows.append(
            f"<tr><td>{_e(label)}</td>{_metric_cell(name, metrics.get(name), metrics)}"
            f"<td>{_e(METRICS[name][1])}</td></tr>"
        )
    return (
        _table(["outcome", "value", "definition"], rows, cls="outcomes")
        + '<p class="note">Definitions in docs/model.md ("Outcome metrics"); the same values '
        "as metrics.json of <code>livermodel run</code>.</p>"
    )


def _comparison(results, labels) -> str:
    from livermodel.metrics import METRICS
    from livermodel.output.runs import comparison_table
    from livermodel.output.text import SUMMARY, format_difference

    table = comparison_table(results, labels, control=0)
    arms = table["arms"]
    shown = dict(SUMMARY)
    rows = []
    for name in METRICS:
        cells = "".join(_metric_cell(name, arms[lab].get(name), arms[lab], arm=lab) for lab in labels)
        rows.append(f"<tr><td>{_e(shown.get(name, name))}</td>{cells}</tr>")
    body = _table(["metric", *labels], rows, cls="comparison")
    if len(labels) > 1:
        diffs = table["differences"]
        rows = []
        for name in METRICS:
            cells = "".join(
                f"<td>{_e(format_difference(name, diffs[lab].get(name)))}</td>" for lab in labels[1:]
            )
            rows.append(f"<tr><td>{_e(shown.get(name, name))}</td>{cells}</tr>")
        body += f"<h3>Difference against {_e(labels[0])}</h3>" + _table(
            ["metric", *labels[1:]], rows, cls="differences"
        )
    return body


def _parameters(sc) -> str:
    from livermodel.model.parameters import PARAMETERS, SPECIES

    rows, group = [], None
    for p in PARAMETERS:
        if p.group != group:
            group = p.group
            rows.append(f'<tr class="group"><td colspan="6">{_e(group)}</td></tr>')
        used = float(sc.parameters[p.name])
        preset = float(SPECIES[sc.species].get(p.name, p.default))
        cls = ' class="changed"' if used != preset else ""
        scaled = " Divided by time_scale." if p.scales_with_time else ""
        rows.append(
            f'<tr{cls}><td><code>{_e(p.name)}</code></td><td class="num">{used:.4g}</td>'
            f"<td>{_e(p.unit)}</td><td>{p.bounds[0]:.4g} to {p.bounds[1]:.4g}</td>"
            f"<td>{_e(p.description + scaled)}</td><td>{_e(p.source)}</td></tr>"
        )
    return "<p>Values used in this run; rows changed from the species preset are highlighted.</p>" + _table(
        ["name", "value", "unit", "plausible range", "meaning", "source"], rows, cls="parameters"
    )


def _equations() -> str:
    from livermodel.teach.explain import equations_text, formulas_text

    return (
        "<p>Time in hours; masses as fractions of a normal liver. F functional mass, I injured "
        "mass, p primed fraction, g growth signal, X inflammation, T toxin.</p>"
        f"<pre>{_e(formulas_text())}</pre>"
        "<h3>Every term explained, with its source</h3>"
        f"<pre>{_e(equations_text())}</pre>"
    )


def _provenance(sc, result, command: str | None) -> str:
    from livermodel.output.provenance import provenance

    rec = provenance(result, sc, command=command, kind="report")
    rec.pop("units", None)
    run = rec.get("run", {})
    run.pop("parameters", None)  # in the parameter table above
    text = json.dumps(rec, indent=2, default=str)
    return (
        "<p>What made this report (the same record as provenance.json of "
        "<code>livermodel run</code>, without the parameter values shown above).</p>"
        f"<pre>{_e(text)}</pre>"
    )


def check_threshold(sc, spec: str) -> tuple[str, str]:
    """``KEY=LOW:HIGH`` of the threshold section, checked against the scenario before anything
    is simulated (the key must be a path of the scenario, the range a range); returns
    ``(KEY, LOW:HIGH)``."""
    from livermodel.scenario.blocks import parse_spec

    key, sep, rng = spec.partition("=")
    key, rng = key.strip(), rng.strip()
    if not sep or not key or not rng:
        raise LivermodelError(
            "--threshold needs KEY=LOW:HIGH",
            key="--threshold",
            found=repr(spec),
            expected="e.g. insults.0.fraction=0.5:0.95",
        )
    s = parse_spec(rng, key="--threshold", sampled=True)
    if s.kind != "range" or s.low is None or s.high is None or not float(s.low) < float(s.high):
        raise LivermodelError(
            "--threshold needs a range LOW:HIGH with LOW < HIGH",
            key="--threshold",
            found=repr(spec),
            expected="e.g. insults.0.fraction=0.5:0.95",
        )
    sc.with_overrides([f"{key}={float(s.low)!r}"])  # an unknown or misspelt KEY fails here
    return key, rng


def _threshold(sc, spec: str, style: str) -> str:
    from livermodel.figures.studies import threshold_figure
    from livermodel.studies.threshold import find_threshold

    key, rng = check_threshold(sc, spec)
    res = find_threshold(sc, key, spec=rng)
    words = res.outcome_words
    from livermodel.units import unit_after_number

    unit = unit_after_number(res.unit)
    crit = "none in the range" if res.critical_value is None else f"{res.critical_value:.4g} {unit}"
    rows = [
        f"<tr><td>key</td><td><code>{_e(res.key)}</code> ({_e(res.label)})</td></tr>",
        f"<tr><td>range searched</td><td>{res.low:g} to {res.high:g} {_e(unit)}</td></tr>",
        f'<tr><td>critical value</td><td data-threshold="{_e(json.dumps(res.critical_value))}">'
        f"{_e(crit)}</td></tr>",
        f"<tr><td>outcome below / above</td><td>{_e(words[bool(res.outcome_low)])} / "
        f"{_e(words[bool(res.outcome_high)])}</td></tr>",
        f"<tr><td>status</td><td>{_e(res.status)} ({res.runs} runs, {res.rounds} rounds)</td></tr>",
    ]
    body = _table(None, rows)
    body += _figure(
        threshold_figure(res, style=style), "threshold", f"Outcome against {res.key}: the tipping point."
    )
    return body


COHORT_KEYS = ("size", "control", "variability", "seed")


def parse_cohort_spec(spec: str) -> dict:
    """``"40"`` or ``"size=40,control=fulminant,variability=0.3,seed=1"`` as keyword arguments
    of :func:`livermodel.studies.cohort.run_cohort` (seed 1 unless given, so a report is
    reproducible)."""
    out: dict = {"seed": 1}
    for part in [p.strip() for p in str(spec).split(",") if p.strip()]:
        key, sep, value = part.partition("=")
        if not sep:
            key, value = "size", part
        key = key.strip()
        if key not in COHORT_KEYS:
            from livermodel.errors import did_you_mean

            raise LivermodelError(
                f"unknown cohort setting '{key}'",
                key="--cohort",
                expected=", ".join(COHORT_KEYS),
                found=repr(part),
                suggestion=did_you_mean(key, COHORT_KEYS),
            )
        try:
            out[key] = (
                value.strip() if key == "control" else (float(value) if key == "variability" else int(value))
            )
        except ValueError:
            raise LivermodelError(f"cohort {key} needs a number", key="--cohort", found=repr(value)) from None
    if out.get("size", 1) < 2:
        raise LivermodelError(
            "a cohort needs at least 2 individuals", key="--cohort", found=str(out.get("size"))
        )
    return out


def _cohort(sc, kwargs: dict, style: str, window_h=None) -> str:
    from livermodel.figures.studies import cohort_figure
    from livermodel.studies.cohort import run_cohort

    res = run_cohort(sc, **kwargs)
    rows = []
    for arm in res.arms:
        s = arm.summary(res.conf)
        frac = "-" if s["survival_fraction"] is None else f"{s['survival_fraction']:.0%}"
        rows.append(
            f'<tr><td>{_e(s["label"])}</td><td class="num">{s["n"]}</td>'
            f'<td class="num">{s["survivors"]}</td>'
            f'<td class="num" data-cohort-survival="{_e(json.dumps(s["survival_fraction"]))}">'
            f'{frac}</td><td class="num">{s["ci_low"]:.0%} to {s["ci_high"]:.0%}</td></tr>'
        )
    body = (
        f"<p>{res.size} virtual individuals (seed {res.seed}): each varied parameter is the "
        f"preset times a log-normal multiplier (log-SD {res.variability:g}); every arm runs on "
        f"the same individuals. Varied: {_e(', '.join(res.names))}.</p>"
        + _table(["arm", "n", "survivors", "survival", "95 % CI (Wilson)"], rows, cls="cohort")
    )
    if len(res.arms) > 1:
        p = res.paired(0, 1)
        body += (
            f"<p>Paired against {_e(p['control'])}: {p['saved']} individuals survive only in "
            f"{_e(p['arm'])}, {p['lost']} only in {_e(p['control'])} "
            f"(exact McNemar p = {p['mcnemar_p']:.3g}).</p>"
        )
    body += _figure(
        cohort_figure(res, style=style, window_h=window_h),
        "cohort",
        "Survival (Kaplan-Meier) and outcome distributions of the virtual cohort.",
    )
    return body


def build_report(
    scenario,
    *,
    compare: Sequence = (),
    labels: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    phase: bool = True,
    threshold: str | None = None,
    cohort: str | None = None,
    style: str = "paper",
    command: str | None = None,
    window: str | float | None = None,
) -> Report:
    """Simulate ``scenario`` (and each ``compare`` scenario) and build the HTML report.

    ``overrides`` apply to every scenario.  ``threshold`` is ``KEY=LOW:HIGH`` for a tipping-point
    section; ``cohort`` a specification passed to :mod:`livermodel.studies.cohort`.  ``window``
    (``"48h"``, ``"2d"``) limits the time axes of the time-course, comparison and cohort figures.
    Raises :class:`LivermodelError` for bad input and when a simulation fails.
    """
    from livermodel.figures.phase import phase_figure
    from livermodel.figures.style import check_style, note_text, with_overrides
    from livermodel.figures.timecourse import comparison_figure, timecourse_figure
    from livermodel.figures.window import check_window
    from livermodel.output.tables import metrics_dict
    from livermodel.scenario.scenario import load_scenario
    from livermodel.studies.phase import phase_portrait
    from livermodel.version import __version__

    check_style(style)
    window_h = check_window(window)
    cohort_kwargs = parse_cohort_spec(cohort) if cohort else None  # refused before simulating
    sc = load_scenario(scenario, overrides)
    others = [load_scenario(s, overrides) for s in compare]
    names = [sc.name, *(o.name for o in others)]
    labels = list(labels) if labels else names
    if len(labels) != len(names):
        raise LivermodelError(
            "one label per scenario is needed",
            key="--labels",
            expected=str(len(names)),
            found=str(len(labels)),
        )
    if threshold is not None:
        check_threshold(sc, threshold)  # refused before the simulations and figures
    results = []
    for s in (sc, *others):
        r = s.run()
        if not r.success:
            raise LivermodelError(f"the simulation of '{s.name}' failed: {r.message}")
        results.append(r)
    result = results[0]
    metrics = metrics_dict(result)

    sections = [
        Section("scenario", "The scenario", _overview(sc)),
        Section("outcomes", "Key outcomes", _outcomes(metrics)),
        Section(
            "timecourse",
            "Time course",
            _figure(
                timecourse_figure(
                    result, style=style, title=with_overrides(sc.name, overrides), window_h=window_h
                ),
                f"time course of {sc.name}",
                "Hepatocyte mass, turnover, signals and serum ALT (and therapy, if any) over time. "
                "Vertical lines mark insults and doses.",
            ),
        ),
    ]
    if phase:
        try:
            portrait = phase_portrait(sc)
        except LivermodelError:
            portrait = None
        if portrait is not None:
            sections.append(
                Section(
                    "phase",
                    "Tipping point: phase portrait",
                    _figure(
                        phase_figure(portrait, style=style, overrides=overrides),
                        f"phase portrait of {sc.name}",
                        "Trajectories for a range of insult sizes in the plane of functional mass and "
                        "inflammation; shading: recovery (blue) and failure (orange) basins of the "
                        "untreated, toxin-free liver; dots: steady states.",
                    ),
                )
            )
    if others:
        sections.append(
            Section(
                "comparison",
                "Comparison",
                _figure(
                    comparison_figure(results, labels, style=style, window_h=window_h),
                    "comparison",
                    "Every scenario on shared axes, one colour each.",
                )
                + _comparison(results, labels),
            )
        )
    if threshold:
        sections.append(Section("threshold", "Threshold", _threshold(sc, threshold, style)))
    if cohort_kwargs is not None:  # cohort given
        sections.append(Section("cohort", "Cohort", _cohort(sc, cohort_kwargs, style, window_h)))
    sections += [
        Section("parameters", "Parameters and sources", _parameters(sc)),
        Section("equations", "Equations", _equations()),
        Section("provenance", "Provenance", _provenance(sc, result, command)),
    ]
    nav = "".join(f'<li><a href="#{s.id}">{_e(s.title)}</a></li>' for s in sections)
    body = "".join(f'<section id="{s.id}"><h2>{_e(s.title)}</h2>{s.body}</section>' for s in sections)
    text = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="livermodel {_e(__version__)}">'
        f"<title>livermodel report: {_e(sc.name)}</title><style>{CSS}</style></head><body>"
        f"<h1>livermodel report: {_e(sc.name)}</h1>"
        f'<p class="note">{_e(note_text())}</p>'
        f"<nav><ol>{nav}</ol></nav>{body}"
        f'<p class="note">Made by livermodel {_e(__version__)}. This file is self-contained: it '
        "loads nothing from the network.</p></body></html>\n"
    )
    return Report(text, sc, result, metrics, labels, [s.id for s in sections])


def write_report(path, scenario, **kwargs) -> Report:
    """Build the report (see :func:`build_report`) and write it to ``path`` atomically."""
    from livermodel.files import atomic_write, check_target_file

    path = check_target_file(path, "--output")  # a new name or a regular file, never a device
    rep = build_report(scenario, **kwargs)
    try:
        atomic_write(path, rep.html)
    except OSError as err:
        raise LivermodelError(
            f"cannot write the report '{path}': {err.strerror or err}",
            key="--output",
            suggestion="Check free disk space and permissions; nothing was written",
        ) from None
    return rep
