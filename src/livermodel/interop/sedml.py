"""Export of a scenario's simulation as SED-ML Level 1 Version 4, alone or in a COMBINE archive.

The SED-ML document describes what ``livermodel run`` does with the scenario, for any tool that
executes SED-ML (tellurium, the BioSimulators runners, COPASI's importer):

* **Model**: the scenario's SBML document (:func:`livermodel.interop.sbml.sbml_text`), referred
  to by file name (``model.xml`` in an archive).
* **Simulation**: a uniform time course from 0 h to the scenario's duration with one output
  point per ``output_step`` (the grid of ``timeseries.csv``).  The algorithm is CVODE
  (KISAO:0000019) whatever ``solver.method`` says: livermodel's LSODA, BDF and Radau are all
  stiff integrators that libRoadRunner (and so tellurium) does not have, and CVODE's BDF is the
  stiff integrator it does have; tellurium would replace LSODA (KISAO:0000088) by CVODE with a
  warning anyway.  ``solver.rtol`` and ``solver.atol`` are the algorithm parameters
  KISAO:0000209 and KISAO:0000211, ``max_steps`` KISAO:0000415 and a ``max_step`` above 0
  KISAO:0000467.
* **Outputs**: one data generator per quantity of ``timeseries.csv`` that is in the SBML (time,
  the state variables and the observables), a report ``time_course`` with livermodel's column
  names as labels, and a plot of liver function, liver volume and survival probability.
* **Sweep**: a scenario with a ``sweep:`` block also gets a repeated task ``sweep`` over the
  planned points, in the order of ``livermodel sweep`` (every design: grid, zip, random, LHS,
  Sobol).  A master vector range ``point`` counts the runs; each SBML parameter whose value
  differs between runs has a vector range of its values (one per run, iterated with the master)
  and a set-value change.  So a varied dose changes the dose parameter, a varied resected
  fraction also the initial ``functional_mass`` it sets, a varied regeneration parameter also
  ``failure_level``.  A key that changes anything but values (an event time, the duration, the
  output step or the solver) cannot be written as set-value changes and is refused.

libSEDML is an optional dependency (``pip install "livermodel[sedml]"``), imported only when an
export is made, and after the SBML text is built (libSEDML bundles its own libSBML; see
:func:`livermodel.interop.sbml._initial_ast`).  The archive is written with :mod:`zipfile`.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from livermodel.errors import LivermodelError

SEDML_LEVEL, SEDML_VERSION = 1, 4
SBML_NS = "http://www.sbml.org/sbml/level3/version2/core"
SBML_LANGUAGE = "urn:sedml:language:sbml.level-3.version-2"
TIME_SYMBOL = "urn:sedml:symbol:time"
#: KiSAO terms: the algorithm and its parameters.
KISAO_CVODE = "KISAO:0000019"
KISAO_RTOL = "KISAO:0000209"
KISAO_ATOL = "KISAO:0000211"
KISAO_MAX_STEPS = "KISAO:0000415"
KISAO_MAX_STEP = "KISAO:0000467"
#: COMBINE format identifiers of the archive's entries.  The SED-ML entry uses the unversioned
#: identifier: libCOMBINE 0.2 (and so tellurium) does not recognise ``sed-ml.level-1.version-4``.
FORMAT_OMEX = "http://identifiers.org/combine.specifications/omex"
FORMAT_MANIFEST = "http://identifiers.org/combine.specifications/omex-manifest"
FORMAT_SBML = "http://identifiers.org/combine.specifications/sbml.level-3.version-2"
FORMAT_SEDML = "http://identifiers.org/combine.specifications/sed-ml"
#: Entry names in an archive.
MODEL_FILE = "model.xml"
SEDML_FILE = "simulation.sedml"
#: Ids in the SED-ML document.
MODEL_ID, TASK_ID, SWEEP_ID = "model", "task", "sweep"
#: Quantities drawn in the plot.
PLOTTED = ("liver_function", "liver_volume", "survival_probability")

__all__ = [
    "SedmlExport",
    "sedml_export",
    "export_sedml",
    "export_omex",
    "check_sedml",
    "manifest_text",
    "model_path",
    "omex_bytes",
]


@dataclass
class SedmlExport:
    """The texts of an export and what they hold (for the command's message and the tests)."""

    sedml: str
    sbml: str
    model_file: str
    duration_h: float
    n_points: int
    variables: list[str]
    sweep_runs: int = 0
    sweep_changes: list[str] = field(default_factory=list)


def _libsedml():
    try:
        import libsedml
    except ImportError:
        raise LivermodelError(
            "SED-ML export needs python-libsedml, which is not installed",
            suggestion='install the optional extra: pip install "livermodel[sedml]"',
        ) from None
    return libsedml


def _check(status, what: str) -> None:
    import libsedml

    if status != libsedml.LIBSEDML_OPERATION_SUCCESS:
        raise LivermodelError(f"internal error: libSEDML could not set {what} (status {status})")


def _target(pid: str) -> str:
    return f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{pid}']"


def _steps(scenario) -> int:
    duration, step = float(scenario.duration_h), float(scenario.output_step_h)
    n = round(duration / step)
    if n < 1 or abs(n * step - duration) > 1e-9 * max(1.0, duration):
        raise LivermodelError(
            "a SED-ML uniform time course needs an output step that divides the duration",
            key="output_step",
            expected=f"duration / output_step a whole number (duration {duration:g} h)",
            found=f"{step:g} h",
            suggestion=f"e.g. --set output_step={duration / max(math.ceil(duration / step), 1):g}h",
        )
    return n


def _sweep_points(scenario):
    """``(plan, values per run)`` of the scenario's sweep, or ``(None, [])`` without one."""
    from livermodel.interop.sbml import run_values
    from livermodel.studies.sweep.plan import plan_sweep

    if not scenario.sweep:
        return None, []
    plan = plan_sweep(scenario)
    base = plan.scenario
    _, structure = run_values(
        base.parameters, base.schedule, duration_h=base.duration_h, initial=base.initial
    )
    runs = []
    for i in range(plan.n_runs):
        sc = plan.scenario_at(i)
        values, other = run_values(sc.parameters, sc.schedule, duration_h=sc.duration_h, initial=sc.initial)
        same = other == structure and sc.output_step_h == base.output_step_h and sc.settings == base.settings
        if not same:
            raise LivermodelError(
                f"run {i + 1} of the sweep ({', '.join(f'{k}={v}' for k, v in plan.point(i).items())}) "
                "changes more than parameter values (an event time, the duration, the output step, "
                "the solver or a schedule input), which SED-ML set-value changes cannot express",
                key="sweep.vary",
                expected="keys that change values only: parameters, doses, resected fractions, "
                "initial values",
                found=", ".join(plan.keys),
                source=str(scenario.source) if getattr(scenario, "source", None) else None,
                suggestion="Export the points as separate scenarios (--set KEY=VALUE), or drop "
                "the sweep: block to export the time course alone",
            )
        runs.append(values)
    return plan, runs


def sedml_export(scenario, *, model_file: str = MODEL_FILE) -> SedmlExport:
    """The SED-ML L1V4 document of ``scenario`` (a loaded :class:`~livermodel.scenario.Scenario`)
    and the SBML it refers to as ``model_file``.  Raises :class:`LivermodelError` for anything
    SED-ML cannot express."""
    from livermodel.interop.sbml import run_values, sbml_text
    from livermodel.interop.sbml_terms import ASSIGNMENTS
    from livermodel.model.layout import OBSERVABLES, STATES

    n = _steps(scenario)
    plan, runs = _sweep_points(scenario)
    base = plan.scenario if plan is not None else scenario
    sbml = sbml_text(base)  # before libSEDML is loaded
    base_values, _ = run_values(
        base.parameters, base.schedule, duration_h=base.duration_h, initial=base.initial
    )
    changed = [pid for pid in base_values if any(r[pid] != base_values[pid] for r in runs)]
    variables = [*STATES, *(o for o in OBSERVABLES if o in ASSIGNMENTS)]

    libsedml = _libsedml()
    doc = libsedml.SedDocument(SEDML_LEVEL, SEDML_VERSION)
    doc.getSedNamespaces().getNamespaces().add(SBML_NS, "sbml")
    model = doc.createModel()
    _check(model.setId(MODEL_ID), "the model id")
    _check(model.setName(base.name), "the model name")
    _check(model.setLanguage(SBML_LANGUAGE), "the model language")
    _check(model.setSource(model_file), "the model source")

    sim = doc.createUniformTimeCourse()
    _check(sim.setId("time_course"), "the simulation id")
    _check(sim.setName(f"0 to {base.duration_h:g} h, every {base.output_step_h:g} h"), "its name")
    sim.setInitialTime(0.0)
    sim.setOutputStartTime(0.0)
    sim.setOutputEndTime(float(base.duration_h))
    sim.setNumberOfSteps(n)
    alg = sim.createAlgorithm()
    _check(alg.setKisaoID(KISAO_CVODE), "the algorithm")
    _check(alg.setName(f"CVODE (livermodel integrates with {base.settings.method})"), "its name")
    settings = [
        (KISAO_RTOL, "relative tolerance", base.settings.rtol),
        (KISAO_ATOL, "absolute tolerance", base.settings.atol),
        (KISAO_MAX_STEPS, "maximum number of steps", int(base.settings.max_steps)),
    ]
    if base.settings.max_step > 0:
        settings.append((KISAO_MAX_STEP, "maximum step size", base.settings.max_step))
    for kisao, name, value in settings:
        par = alg.createAlgorithmParameter()
        _check(par.setKisaoID(kisao), name)
        _check(par.setName(name), name)
        _check(par.setValue(repr(value)), name)

    task = doc.createTask()
    _check(task.setId(TASK_ID), "the task id")
    _check(task.setName(f"{base.name}: time course"), "the task name")
    _check(task.setModelReference(MODEL_ID), "the task model")
    _check(task.setSimulationReference("time_course"), "the task simulation")
    _outputs(libsedml, doc, TASK_ID, "time_course", f"{base.name}: time course", variables)

    if plan is not None:
        rep = doc.createRepeatedTask()
        _check(rep.setId(SWEEP_ID), "the repeated task id")
        _check(rep.setName(plan.describe()), "the repeated task name")
        _check(rep.setResetModel(True), "resetModel")
        _check(rep.setConcatenate(False), "concatenate")
        _check(rep.setRangeId("point"), "the master range")
        master = rep.createVectorRange()
        _check(master.setId("point"), "the master range id")
        _check(master.setValues([float(i) for i in range(len(runs))]), "the run numbers")
        for pid in changed:
            rng = rep.createVectorRange()
            _check(rng.setId(f"{pid}_values"), f"the range of {pid}")
            _check(rng.setValues([float(r[pid]) for r in runs]), f"the values of {pid}")
            change = rep.createTaskChange()
            _check(change.setModelReference(MODEL_ID), f"the change of {pid}")
            _check(change.setTarget(_target(pid)), f"the target of {pid}")
            _check(change.setRange(f"{pid}_values"), f"the range of {pid}")
            _check(change.setMath(libsedml.parseL3Formula(f"{pid}_values")), f"the value of {pid}")
        sub = rep.createSubTask()
        _check(sub.setTask(TASK_ID), "the subtask")
        _check(sub.setOrder(1), "the subtask order")
        _outputs(libsedml, doc, SWEEP_ID, "sweep", f"{base.name}: {plan.describe()}", variables)

    text = libsedml.writeSedMLToString(doc)
    return SedmlExport(
        sedml=text,
        sbml=sbml,
        model_file=model_file,
        duration_h=float(base.duration_h),
        n_points=n + 1,
        variables=variables,
        sweep_runs=len(runs),
        sweep_changes=changed,
    )


def _outputs(libsedml, doc, task_id: str, prefix: str, title: str, variables: list[str]) -> None:
    """Data generators of ``task_id`` (time and ``variables``), a report and a plot of them."""
    dgs = {}
    for name in ("time", *variables):
        dg = doc.createDataGenerator()
        dg_id = f"{prefix}_{name}"
        _check(dg.setId(dg_id), f"the data generator {dg_id}")
        _check(dg.setName("time_h" if name == "time" else name), f"the name of {dg_id}")
        var = dg.createVariable()
        _check(var.setId(f"{dg_id}_var"), f"the variable of {dg_id}")
        _check(var.setTaskReference(task_id), f"the task of {dg_id}")
        if name == "time":
            _check(var.setSymbol(TIME_SYMBOL), "the time symbol")
        else:
            _check(var.setModelReference(MODEL_ID), f"the model of {dg_id}")
            _check(var.setTarget(_target(name)), f"the target of {dg_id}")
        _check(dg.setMath(libsedml.parseL3Formula(f"{dg_id}_var")), f"the math of {dg_id}")
        dgs[name] = dg_id
    report = doc.createReport()
    _check(report.setId(f"{prefix}_report"), "the report id")
    _check(report.setName(title), "the report name")
    for name, dg_id in dgs.items():
        ds = report.createDataSet()
        _check(ds.setId(f"{dg_id}_ds"), f"the data set {dg_id}")
        _check(ds.setLabel("time_h" if name == "time" else name), f"the label of {dg_id}")
        _check(ds.setDataReference(dg_id), f"the data of {dg_id}")
    plot = doc.createPlot2D()
    _check(plot.setId(f"{prefix}_plot"), "the plot id")
    _check(plot.setName(title), "the plot name")
    _check(plot.setLegend(True), "the legend")
    for name in PLOTTED:
        curve = plot.createCurve()
        _check(curve.setId(f"{prefix}_curve_{name}"), f"the curve of {name}")
        _check(curve.setName(name), f"the name of the curve {name}")
        _check(curve.setXDataReference(dgs["time"]), f"the x of {name}")
        _check(curve.setYDataReference(dgs[name]), f"the y of {name}")


def check_sedml(text: str) -> list[str]:
    """The problems libSEDML reports when it reads a SED-ML string (every severity), plus any
    reference (model, simulation, task, range, data generator) that names nothing.

    python-libsedml 2.0 has no ``checkConsistency``; its reader logs what violates the schema
    (a missing required attribute, a malformed id or element) and this adds the cross-references.
    """
    libsedml = _libsedml()
    doc = libsedml.readSedMLFromString(text)
    log = doc.getErrorLog()
    out = [
        f"{log.getError(i).getSeverityAsString()} {log.getError(i).getErrorId()}: "
        f"{log.getError(i).getMessage().strip()}"
        for i in range(log.getNumErrors())
    ]
    models = {m.getId() for m in doc.getListOfModels()}
    sims = {s.getId() for s in doc.getListOfSimulations()}
    tasks = {t.getId() for t in doc.getListOfTasks()}
    dgs = {d.getId() for d in doc.getListOfDataGenerators()}

    def need(ref: str, ids: set, what: str) -> None:
        if ref not in ids:
            out.append(f"reference to an unknown {what} '{ref}'")

    for t in doc.getListOfTasks():
        if t.getTypeCode() == libsedml.SEDML_TASK:
            need(t.getModelReference(), models, "model")
            need(t.getSimulationReference(), sims, "simulation")
        else:
            ranges = {r.getId() for r in t.getListOfRanges()}
            need(t.getRangeId(), ranges, "range")
            for sub in t.getListOfSubTasks():
                need(sub.getTask(), tasks, "task")
            for ch in t.getListOfTaskChanges():
                need(ch.getModelReference(), models, "model")
                need(ch.getRange(), ranges, "range")
    for d in doc.getListOfDataGenerators():
        for v in d.getListOfVariables():
            need(v.getTaskReference(), tasks, "task")
    for o in doc.getListOfOutputs():
        items = (
            o.getListOfDataSets() if o.getTypeCode() == libsedml.SEDML_OUTPUT_REPORT else o.getListOfCurves()
        )
        for item in items:
            refs = (
                [item.getDataReference()]
                if o.getTypeCode() == libsedml.SEDML_OUTPUT_REPORT
                else [item.getXDataReference(), item.getYDataReference()]
            )
            for ref in refs:
                need(ref, dgs, "data generator")
    return out


def manifest_text(entries: list[tuple[str, str, bool]]) -> str:
    """The ``manifest.xml`` of a COMBINE archive holding ``entries`` (location, format, master)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<omexManifest xmlns="{FORMAT_MANIFEST}">',
        f'  <content location="." format="{FORMAT_OMEX}"/>',
        f'  <content location="./manifest.xml" format="{FORMAT_MANIFEST}"/>',
    ]
    for location, fmt, master in entries:
        flag = ' master="true"' if master else ""
        lines.append(f"  <content location={quoteattr('./' + location)} format={quoteattr(fmt)}{flag}/>")
    lines.append("</omexManifest>")
    return "\n".join(lines) + "\n"


def omex_bytes(export: SedmlExport) -> bytes:
    """A COMBINE archive (zip) with the manifest, the SBML and the SED-ML of ``export``."""
    buf = io.BytesIO()
    entries = [(export.model_file, FORMAT_SBML, False), (SEDML_FILE, FORMAT_SEDML, True)]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.xml", manifest_text(entries))
        zf.writestr(export.model_file, export.sbml)
        zf.writestr(SEDML_FILE, export.sedml)
    return buf.getvalue()


def _write(path: Path, data, what: str) -> None:
    from livermodel.files import atomic_write

    try:
        atomic_write(path, data)  # never a half-written file
    except OSError as err:
        raise LivermodelError(
            f"cannot write the {what}: {err.strerror or err}",
            source=str(path),
            suggestion="Check free disk space and permissions",
        ) from None


def model_path(path: str | Path) -> Path:
    """Where :func:`export_sedml` writes the SBML for the SED-ML file ``path``: ``NAME.xml``."""
    path = Path(path)
    model = path.with_suffix(".xml")
    if model.name == path.name:
        raise LivermodelError(
            "the SBML model goes next to the SED-ML file as NAME.xml, so the SED-ML file cannot be "
            "named .xml",
            key="--output",
            found=str(path),
            suggestion=f"Name it {path.with_suffix('.sedml').name}",
        )
    return model


def export_sedml(scenario, path: str | Path) -> tuple[Path, Path, SedmlExport]:
    """Write the SED-ML of ``scenario`` to ``path`` and its SBML to :func:`model_path` (the SED-ML
    refers to it by that file name); returns ``(sedml path, sbml path, export)``."""
    from livermodel.files import check_target_file

    path = check_target_file(path, "--output")
    model = check_target_file(model_path(path), "--output")
    export = sedml_export(scenario, model_file=model.name)
    _write(model, export.sbml, "SBML file")
    _write(path, export.sedml, "SED-ML file")
    return path, model, export


def export_omex(scenario, path: str | Path) -> tuple[Path, SedmlExport]:
    """Write ``scenario`` as a COMBINE archive (``model.xml``, ``simulation.sedml`` and the
    manifest) to ``path``; returns ``(path, export)``."""
    from livermodel.files import check_target_file

    path = check_target_file(path, "--output")
    export = sedml_export(scenario)
    _write(path, omex_bytes(export), "COMBINE archive")
    return path, export
