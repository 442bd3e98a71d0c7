"""Plain-language explanations of the model: equations term by term, parameters, mechanisms.

This module is the text behind ``livermodel explain``, the report's equation section and the
teaching notes.  The equations are held as data (:data:`DEFINITIONS`, :data:`EQUATIONS`), each
term with its meaning, the parameters it uses and its source, and the tests check these
structures against :mod:`livermodel.model` (every state has an equation; every parameter that the
right-hand side reads is named by some term, and no term names a parameter that does not exist),
so the explanation cannot drift from the code without a test failing.

Public functions:

* :func:`equations_text` -- every equation with its terms explained (``explain --equations``).
* :func:`parameter_text` -- one parameter's full story (``explain PARAM``).
* :func:`mechanism_text` -- one mechanism, with its equations and parameters
  (``explain --mechanism NAME``); :data:`MECHANISMS` lists them.
* :func:`overview_text` -- what can be explained (``explain`` alone).
* :func:`parameter_demo` -- what raising a parameter does in a reference scenario (simulated).
"""

from __future__ import annotations

import math
import textwrap

from livermodel.model.layout import STATES, VARIABLES
from livermodel.model.parameters import BY_NAME, NAMES, PARAMETERS, SPECIES
from livermodel.teach.lexicon import (
    DEFINITIONS,
    DEMO_FOR,
    DEMO_METRICS,
    DEMO_SCENARIOS,
    EQUATIONS,
    MECHANISMS,
    OTHER_PARAMETERS,
    RAISING,
    WIDTH,
    Equation,
    all_equations,
    check_mechanism,
    equation,
    equations_using,
    mechanisms_using,
    parameters_in_equations,
)
from livermodel.units import unit_in_label

#: The lookups of :mod:`livermodel.teach.lexicon` are part of this module's interface too.
__all__ = [
    "EQUATIONS",
    "MECHANISMS",
    "OTHER_PARAMETERS",
    "RAISING",
    "all_equations",
    "check_mechanism",
    "equation",
    "equations_using",
    "mechanisms_using",
    "parameters_in_equations",
    "equation_text",
    "equations_text",
    "formulas_text",
    "parameter_text",
    "parameter_demo",
    "demo_text",
    "mechanism_text",
    "overview_text",
]

# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _fmt(v: float) -> str:
    return "inf" if v == math.inf else f"{v:.4g}"


def equation_text(eq: Equation) -> str:
    """One equation: the formula, then each term with its meaning, parameters and source."""
    head = eq.name if eq.name in VARIABLES else f"{eq.name} (auxiliary)"
    lines = [f"{head}:", _wrap(eq.formula(), "      ", "    ")]
    for t in eq.terms:
        lines.append(_wrap(f"{t.expression.strip('[]+ ')}: {t.meaning}.", "          ", "      - "))
        extra = []
        if t.parameters:
            extra.append("parameters: " + ", ".join(t.parameters))
        if t.source:
            extra.append("source: " + t.source)
        if extra:
            lines.append(_wrap("; ".join(extra), "          ", "        "))
    if eq.note:
        lines.append(_wrap(eq.note, "    "))
    return "\n".join(lines)


def equations_text() -> str:
    """Every equation of the model with each term explained (``livermodel explain --equations``)."""
    out = [
        "livermodel equations (time in hours; masses as fractions of a normal liver).",
        "F functional mass, I injured mass, p primed fraction, g growth signal, X inflammation,",
        "T toxin; full names and units in 'livermodel explain PARAM' and docs/model.md.",
        "",
        "Therapy and the cell balance use these auxiliary quantities:",
        "",
    ]
    out += [equation_text(eq) + "\n" for eq in DEFINITIONS]
    out += ["State equations:", ""]
    out += [equation_text(eq) + "\n" for eq in EQUATIONS]
    out.append("Parameters acting outside the equations:")
    out += [_wrap(f"{k}: {v}", "      ", "    ") for k, v in OTHER_PARAMETERS.items()]
    return "\n".join(out).rstrip() + "\n"


def formulas_text() -> str:
    """The equations alone, one per line (for the report)."""
    return "\n".join(eq.formula() for eq in all_equations()) + "\n"


def species_values(name: str) -> dict[str, float]:
    par = BY_NAME[name]
    return {s: SPECIES[s].get(name, par.default) for s in SPECIES}


def parameter_text(name: str, *, demo: dict | None = None) -> str:
    """A parameter's full story: unit, values per species, range, meaning, effect, source."""
    from livermodel.model.parameters import check_name

    par = check_name(name, key="PARAM")
    vals = species_values(name)
    lines = [f"{par.name}  ({par.group})", ""]
    lines.append(_wrap(par.description, "  ", "  "))
    lines.append("")
    rows = [
        ("unit", par.unit),
        ("default per species", ", ".join(f"{s} {_fmt(v)}" for s, v in vals.items())),
        ("plausible range", f"{_fmt(par.bounds[0])} to {_fmt(par.bounds[1])}"),
        ("hard limits", f"{_fmt(par.limits[0])} to {_fmt(par.limits[1])}"),
        ("time scaling", "divided by time_scale (species)" if par.scales_with_time else "none"),
    ]
    for k, v in rows:
        lines.append(f"  {k:<20} {v}")
    lines += ["", "  raising it:", _wrap(RAISING[name], "    "), ""]
    eqs = equations_using(name)
    if eqs:
        lines.append("  appears in:")
        for eq in eqs:
            lines.append(_wrap(eq.formula(), "        ", "    "))
    elif name in OTHER_PARAMETERS:
        lines += ["  acts:", _wrap(OTHER_PARAMETERS[name], "    ")]
    mechs = mechanisms_using(name)
    if mechs:
        lines.append(
            "  mechanisms: " + ", ".join(m.name for m in mechs) + "  (livermodel explain --mechanism NAME)"
        )
    lines += ["", "  source:", _wrap(par.source, "    "), ""]
    if demo:
        lines.append(demo_text(demo))
    lines.append(f"  set it: --set parameters.{name}=VALUE, or under 'parameters:' in a scenario file")
    return "\n".join(lines) + "\n"


def parameter_demo(name: str, *, scenario: str | None = None) -> dict:
    """Simulate what raising ``name`` does: the reference scenario at the low end, default and high
    end of the plausible range.  Returns ``{"scenario", "values", "metrics"}``.
    """
    from livermodel.model.parameters import check_name
    from livermodel.scenario.scenario import load_scenario
    from livermodel.solve.simulate import simulate_batch

    par = check_name(name, key="PARAM")
    scenario = scenario or DEMO_FOR.get(par.name) or DEMO_SCENARIOS[par.group]
    sc = load_scenario(scenario)
    base = float(sc.parameters[name])
    lo, hi = par.bounds
    values = sorted({lo, base, hi})
    sets = [{**sc.parameters, name: v} for v in values]
    init = sc.initial or None
    batch = simulate_batch(
        sets,
        sc.schedule,
        duration=sc.duration_h,
        output_step=sc.output_step_h,
        settings=sc.settings,
        initial=init,
    )
    return {"scenario": sc.name, "values": values, "base": base, "metrics": batch.metrics()}


def demo_text(demo: dict) -> str:
    from livermodel.output.text import SUMMARY, format_metric, table

    labels = dict(SUMMARY)
    header = [
        "in " + demo["scenario"],
        *(f"{_fmt(v)}{' (scenario)' if v == demo['base'] else ''}" for v in demo["values"]),
    ]
    rows = [
        [labels.get(m, m), *(format_metric(m, mt.get(m), mt) for mt in demo["metrics"])] for m in DEMO_METRICS
    ]
    body = table(rows, header)
    return (
        "  simulated (low end, scenario value, high end of the plausible range):\n"
        + textwrap.indent(body, "    ")
        + "\n"
    )


def mechanism_text(name: str) -> str:
    """One mechanism: its story, equations, parameters, sources and a command to try."""
    m = check_mechanism(name)
    lines = [m.title, "=" * len(m.title), "", _wrap(m.story), "", "Equations:"]
    for e in m.equations:
        lines.append(_wrap(equation(e).formula(), "      ", "    "))
    lines += ["", "Parameters:"]
    for p in m.parameters:
        lines.append(
            _wrap(
                f"{p} ({unit_in_label(BY_NAME[p].unit)}, default {_fmt(BY_NAME[p].default)}): "
                f"raising it {RAISING[p]}",
                "      ",
                "    ",
            )
        )
    lines += ["", "Sources: " + m.sources, "", "Try: " + m.try_it]
    return "\n".join(lines) + "\n"


def overview_text() -> str:
    """What ``livermodel explain`` can explain."""
    lines = [
        "livermodel explain: the model in words.",
        "",
        "  livermodel explain --equations          every equation, term by term",
        "  livermodel explain PARAM                a parameter's full story",
        "  livermodel explain --mechanism NAME     one mechanism",
        "",
        "Mechanisms:",
    ]
    for m in MECHANISMS.values():
        lines.append(f"  {m.name:<14} {m.title}")
    lines += ["", "Parameters (" + str(len(NAMES)) + "):"]
    groups: dict[str, list[str]] = {}
    for p in PARAMETERS:
        groups.setdefault(p.group, []).append(p.name)
    for g, names in groups.items():
        lines.append(_wrap(", ".join(names), " " * 16, f"  {g:<14}"))
    lines += ["", "State variables: " + ", ".join(STATES)]
    return "\n".join(lines) + "\n"
