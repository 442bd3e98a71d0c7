"""Export of a fit problem as a PEtab (version 1) problem: the SBML model, the measurement,
observable, condition and parameter tables, and the YAML that ties them together.

* **Model**: the SBML document of the first experiment (:func:`livermodel.interop.sbml.to_sbml`).
  PEtab has one model per problem; experiments are *conditions*, which may change parameter
  values only.  So every experiment must export to the same SBML document up to parameter values
  (the same schedule of events at the same times); a dose, a resected fraction or a model
  parameter that differs between experiments becomes a column of the condition table.
* **Observables**: one per measured variable, ``obs_<variable>`` with formula ``<variable>``
  (state variables and observables keep their livermodel names in the SBML), normal noise.
* **Noise**: given SDs are numbers in the measurement table's ``noiseParameters``; an experiment
  with ``noise: estimated`` gets one estimated parameter ``sd_<experiment>``.
* **Parameters**: each fitted quantity (``division_rate``, or ``priming_rate__phx70`` for a
  per-experiment one, mapped through the condition table), its scale (``log`` for the positive
  ranges that livermodel fits in log space, else ``lin``), bounds and nominal value (the estimate
  if given, else the start).

:func:`export_petab` writes the files; the tests check them with ``petablint``.
"""

from __future__ import annotations

import re
from pathlib import Path

from livermodel.errors import LivermodelError

__all__ = ["export_petab", "petab_id"]


def petab_id(name: str) -> str:
    """An SBML/PEtab id for a fitted name or an experiment: ``priming_rate[phx70]`` ->
    ``priming_rate__phx70``, ``rat-phx-70`` -> ``rat_phx_70``."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", name.replace("[", "__").replace("]", ""))
    return out if re.match(r"[A-Za-z_]", out) else f"_{out}"


def _structure(text: str) -> str:
    """The SBML text without notes and parameter values: what conditions cannot change."""
    text = re.sub(r"<notes>.*?</notes>", "", text, flags=re.S)
    text = re.sub(r'(<parameter\b[^>]*?)\svalue="[^"]*"', r"\1", text)
    return text


def _parameter_values(text: str) -> dict[str, float]:
    out = {}
    for tag in re.findall(r"<parameter\b[^>]*>", text):
        pid = re.search(r'\sid="([^"]+)"', tag)
        val = re.search(r'\svalue="([^"]+)"', tag)
        if pid and val:
            out[pid.group(1)] = float(val.group(1))
    return out


def _tsv(header: list[str], rows: list[list]) -> str:
    def cell(v):
        if isinstance(v, float):
            return repr(v)
        return str(v)

    return "\n".join(["\t".join(header)] + ["\t".join(cell(v) for v in r) for r in rows]) + "\n"


def export_petab(problem, folder, *, estimates: dict | None = None, name: str = "livermodel") -> list:
    """Write ``problem`` (a :class:`~livermodel.studies.problem.FitProblem`) as PEtab into
    ``folder``: ``model.xml``, ``measurements.tsv``, ``observables.tsv``, ``conditions.tsv``,
    ``parameters.tsv`` and ``problem.yaml``.  ``estimates`` (fitted name -> value) become the
    nominal values.  Returns the paths written.  Raises :class:`LivermodelError` when the
    experiments differ in more than parameter values."""
    import yaml

    from livermodel.files import atomic_write
    from livermodel.interop.sbml import to_sbml

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LivermodelError(f"could not create '{folder}': {err.strerror or err}", key="--output") from None
    docs = []
    for e in problem.experiments:
        sc = e.scenario
        docs.append(
            to_sbml(
                sc.parameters,
                sc.schedule,
                duration_h=sc.duration_h,
                name=name,
                description=sc.description,
                initial=sc.initial or None,
            )
        )
    base = _structure(docs[0])
    for e, text in zip(problem.experiments[1:], docs[1:], strict=True):
        if _structure(text) != base:
            raise LivermodelError(
                f"experiment '{e.name}' cannot be a PEtab condition of '{problem.experiments[0].name}'",
                source=problem.source,
                key="experiments",
                expected="experiments whose schedules have the same events at the same times "
                "(PEtab conditions change parameter values only)",
                suggestion="export the experiments as separate PEtab problems",
            )
    values = [_parameter_values(t) for t in docs]
    fitted_ids = {p.parameter for p in problem.parameters}
    varying = sorted(
        k for k in values[0] if any(v.get(k) != values[0][k] for v in values[1:]) and k not in fitted_ids
    )
    per_exp = [p for p in problem.parameters if len(p.experiments) < len(problem.experiments)]
    mapped = sorted({p.parameter for p in per_exp})

    # conditions
    cond_header = ["conditionId", "conditionName"] + varying + mapped
    cond_rows = []
    for i, e in enumerate(problem.experiments):
        row = [petab_id(e.name), e.scenario.name] + [values[i][k] for k in varying]
        for m in mapped:
            owner = next((p for p in per_exp if p.parameter == m and i in p.experiments), None)
            row.append(petab_id(owner.name) if owner else values[i][m])
        cond_rows.append(row)

    # observables and measurements
    variables = list(dict.fromkeys(v for e in problem.experiments for v in e.data.variable))
    obs_rows = [[f"obs_{v}", v, f"noiseParameter1_obs_{v}", "lin", "normal"] for v in variables]
    meas_rows = []
    for e in problem.experiments:
        d = e.data
        for i in range(len(d)):
            noise = f"sd_{petab_id(e.name)}" if e.noise == "estimated" else float(d.sd[i])
            meas_rows.append(
                [f"obs_{d.variable[i]}", petab_id(e.name), float(d.value[i]), float(d.time_h[i]), noise]
            )

    # parameters
    est = estimates or {}
    par_rows = []
    for p in problem.parameters:
        nominal = float(est.get(p.name, min(max(p.start, p.bounds[0]), p.bounds[1])))
        par_rows.append(
            [
                petab_id(p.name),
                p.name,
                "log" if p.log else "lin",
                float(p.bounds[0]),
                float(p.bounds[1]),
                nominal,
                1,
            ]
        )
    for e in problem.experiments:
        if e.noise == "estimated":
            scale = float(max(abs(e.data.value).max(), 1e-12))
            par_rows.append(
                [
                    f"sd_{petab_id(e.name)}",
                    f"noise SD of {e.name}",
                    "log",
                    scale * 1e-6,
                    scale * 10,
                    float(e.data.sd.mean()),
                    1,
                ]
            )

    files = {
        "model.xml": docs[0],
        "conditions.tsv": _tsv(cond_header, cond_rows),
        "observables.tsv": _tsv(
            [
                "observableId",
                "observableFormula",
                "noiseFormula",
                "observableTransformation",
                "noiseDistribution",
            ],
            obs_rows,
        ),
        "measurements.tsv": _tsv(
            ["observableId", "simulationConditionId", "measurement", "time", "noiseParameters"], meas_rows
        ),
        "parameters.tsv": _tsv(
            [
                "parameterId",
                "parameterName",
                "parameterScale",
                "lowerBound",
                "upperBound",
                "nominalValue",
                "estimate",
            ],
            par_rows,
        ),
    }
    files["problem.yaml"] = yaml.safe_dump(
        {
            "format_version": 1,
            "parameter_file": "parameters.tsv",
            "problems": [
                {
                    "sbml_files": ["model.xml"],
                    "condition_files": ["conditions.tsv"],
                    "measurement_files": ["measurements.tsv"],
                    "observable_files": ["observables.tsv"],
                }
            ],
        },
        sort_keys=False,
    )
    paths = []
    for fname, text in files.items():
        try:
            atomic_write(folder / fname, text)
        except OSError as err:
            raise LivermodelError(
                f"could not write '{folder / fname}': {err.strerror or err}", key="--output"
            ) from None
        paths.append(folder / fname)
    return paths
