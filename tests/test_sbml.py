"""SBML export: libSBML consistency and a cross-check of the numerics with libRoadRunner.

The cross-check simulates the exported file with libRoadRunner (CVODE, a simulator we did not
write) and compares the states of ``COMPARED`` (mass, ALT, glutathione, plasma acetaminophen,
systemic injury, cumulative hazard) with livermodel's own trajectory at
every output point, dose times included, within 1e-4 of each variable's scale (its largest
absolute value over the run).  Both solvers run at tight tolerances, so a disagreement means the
exported model differs from livermodel's, not that a solver is loose.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from livermodel import (
    EV,
    MSC,
    NAC,
    STATES,
    Acetaminophen,
    Antidote,
    Chronic,
    Galactosamine,
    Hepatectomy,
    InflammatoryHit,
    LivermodelError,
    Schedule,
    SolverSettings,
    Toxin,
    resolve_parameters,
)
from livermodel.solve import simulate

HAVE_LIBSBML = importlib.util.find_spec("libsbml") is not None
HAVE_ROADRUNNER = importlib.util.find_spec("roadrunner") is not None
needs_libsbml = pytest.mark.skipif(not HAVE_LIBSBML, reason="python-libsbml is not installed")
needs_roadrunner = pytest.mark.skipif(
    not (HAVE_ROADRUNNER and HAVE_LIBSBML), reason="libroadrunner is not installed"
)

COMPARED = (
    "functional_mass",
    "alt_u_per_l",
    "glutathione",
    "apap_plasma",
    "systemic_injury",
    "cumulative_hazard",
)
TOLERANCE = 1e-4
SCALE_FLOOR = 1e-6
LIVERMODEL_SETTINGS = SolverSettings(rtol=1e-9, atol=1e-12)
ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"


def roadrunner_run(xml: str, times: np.ndarray, names=COMPARED) -> dict[str, np.ndarray]:
    """Simulate an SBML string with libRoadRunner (CVODE, rtol 1e-10, atol 1e-12) at ``times``."""
    import roadrunner

    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    # libRoadRunner scales a scalar absolute tolerance by each state's value at every restart
    # (every event), so a state decaying towards zero (EVs in plasma) ends with a tolerance of
    # 1e-300 and CVODE stops with CV_TOO_MUCH_ACC; a fixed tolerance per state avoids that
    for state in STATES:
        rr.integrator.setIndividualTolerance(state, 1e-12)
    rr.integrator.maximum_num_steps = 200_000
    res = rr.simulate(times=[float(t) for t in times], selections=["time", *names])
    out = {name: np.asarray(res[name], dtype=float) for name in names}
    out["time"] = np.asarray(res["time"], dtype=float)
    return out


def disagreement(result, rr: dict[str, np.ndarray], names=COMPARED) -> dict[str, float]:
    """Largest |livermodel - roadrunner| over the run, relative to each variable's scale."""
    np.testing.assert_allclose(rr["time"], result.time_h, rtol=0, atol=1e-12)
    out = {}
    for name in names:
        ours = result[name]
        # a state that stays at (about) zero, such as a drug never dosed or the hazard of a
        # healthy rat (1e-12), is compared on an absolute floor: both tools must keep it there
        scale = max(float(np.max(np.abs(ours))), SCALE_FLOOR)
        assert np.all(np.isfinite(ours)), name
        out[name] = float(np.max(np.abs(ours - rr[name])) / scale)
    return out


def cross_check(parameters, schedule, *, duration, output_step=1.0, initial=None):
    """Export, check consistency, simulate with both tools; return the worst disagreements."""
    from livermodel.interop.sbml import check_document, to_sbml

    xml = to_sbml(parameters, schedule, duration_h=duration, name="cross_check", initial=initial)
    assert check_document(xml) == []
    ours = simulate(
        parameters,
        schedule,
        duration=duration,
        output_step=output_step,
        settings=LIVERMODEL_SETTINGS,
        initial=initial,
    )
    assert ours.success, ours.message
    return disagreement(ours, roadrunner_run(xml, ours.time_h))


# --- hand-built schedules covering every kind of event ---------------------------------------------

RAT = resolve_parameters("rat")
MOUSE = resolve_parameters("mouse")
HUMAN = resolve_parameters("human")

CASES = {
    "hepatectomy_70": (RAT, [Hepatectomy(at=0, fraction=0.7)], 336),
    "hepatectomy_90_failure": (RAT, [Hepatectomy(at=0, fraction=0.9)], 336),
    "hepatectomy_later_human": (HUMAN, [Hepatectomy(at=12, fraction=0.6)], 336),
    "toxin_mouse_300": (MOUSE, [Toxin(at=0, dose=300)], 336),
    "toxin_repeated": (MOUSE, [Toxin(at=6, dose=150, every=24, count=4)], 336),
    "toxin_with_antidote": (MOUSE, [Toxin(at=0, dose=500), Antidote(at=4, end=28)], 336),
    "antidote_open_ended": (MOUSE, [Toxin(at=0, dose=400), Antidote(at=8)], 200),
    "chronic_constant": (RAT, [Chronic(start=24, end=240, rate=0.01)], 336),
    "chronic_pulses": (RAT, [Chronic(start=0, end=300, rate=0.004, every=72, pulse=12)], 336),
    "msc_iv": (MOUSE, [Toxin(at=0, dose=300), MSC(at=6, dose=1.0, route="iv")], 336),
    "msc_intraportal": (
        RAT,
        [Hepatectomy(at=0, fraction=0.8), MSC(at=0, dose=2.0, route="intraportal")],
        336,
    ),
    "msc_intrasplenic": (
        RAT,
        [Hepatectomy(at=0, fraction=0.85), MSC(at=24, dose=2.0, route="intrasplenic", every=48, count=3)],
        336,
    ),
    "msc_intraperitoneal": (
        MOUSE,
        [Toxin(at=0, dose=350), MSC(at=2, dose=5.0, route="intraperitoneal")],
        336,
    ),
    "ev_iv": (MOUSE, [Toxin(at=0, dose=300), EV(at=6, dose=100, route="iv", every=24, count=3)], 336),
    "ev_local": (
        RAT,
        [
            Hepatectomy(at=0, fraction=0.85),
            EV(at=1, dose=200, route="intraportal"),
            EV(at=25, dose=200, route="intrasplenic"),
        ],
        336,
    ),
    "acetaminophen_mouse": (MOUSE, [Acetaminophen(at=0, dose=300)], 168),
    "acetaminophen_nac_iv": (HUMAN, [Acetaminophen(at=0, dose=700), NAC(at=6, regimen="iv21")], 240),
    "acetaminophen_nac_oral": (
        HUMAN,
        [Acetaminophen(at=0, dose=700, every=12, count=2), NAC(at=10, regimen="oral72")],
        240,
    ),
    "galactosamine": (RAT, [Galactosamine(at=2, dose=800), InflammatoryHit(at=2, amount=0.5)], 168),
    "inflammatory_hit": (
        RAT,
        [InflammatoryHit(at=10, amount=2.0), Chronic(start=0, end=96, rate=0.005)],
        336,
    ),
    # several actions at one time, applied in listing order (two resections compose multiplicatively)
    "simultaneous": (
        MOUSE,
        [
            Toxin(at=24, dose=200),
            Hepatectomy(at=24, fraction=0.5),
            Hepatectomy(at=24, fraction=0.4),
            MSC(at=24, dose=1.0),
            Chronic(start=24, end=48, rate=0.01),
            Antidote(at=24, end=36),
        ],
        336,
    ),
    "everything": (
        MOUSE,
        [
            Hepatectomy(at=0, fraction=0.5),
            Toxin(at=0, dose=200, every=72, count=3),
            Chronic(start=12, end=200, rate=0.002, every=24, pulse=6),
            Antidote(at=2, end=30),
            MSC(at=3, dose=1.0, route="iv"),
            MSC(at=3, dose=1.0, route="intrasplenic"),
            EV(at=10, dose=50, route="iv"),
            EV(at=10, dose=50, route="intraportal"),
            InflammatoryHit(at=40, amount=1.0),
        ],
        336,
    ),
}


@needs_roadrunner
@pytest.mark.parametrize("case", sorted(CASES))
def test_roadrunner_agrees_with_livermodel(case):
    params, events, duration = CASES[case]
    worst = cross_check(params, Schedule(events), duration=duration)
    assert max(worst.values()) < TOLERANCE, worst


@needs_roadrunner
def test_effect_switches_and_engraftment_are_exported():
    params = resolve_parameters(
        "mouse", {"anti_death_on": 0.0, "pro_regenerative_on": 0.0, "engraftment_rate": 0.005}
    )
    events = [Toxin(at=0, dose=300), MSC(at=4, dose=3.0, route="intraportal")]
    worst = cross_check(params, Schedule(events), duration=240)
    assert max(worst.values()) < TOLERANCE, worst


@needs_roadrunner
def test_initial_state_overrides_are_exported():
    initial = {"functional_mass": 0.6, "injured_mass": 0.1, "inflammation": 0.5}
    worst = cross_check(RAT, Schedule([Hepatectomy(at=0, fraction=0.3)]), duration=240, initial=initial)
    assert max(worst.values()) < TOLERANCE, worst


@needs_roadrunner
def test_cross_check_detects_a_different_model():
    """The comparison is sensitive: a 2 % change of one parameter is far outside the tolerance."""
    from livermodel.interop.sbml import to_sbml

    schedule = Schedule([Toxin(at=0, dose=300)])
    changed = dict(MOUSE, toxin_injury_rate=MOUSE["toxin_injury_rate"] * 1.02)
    xml = to_sbml(changed, schedule, duration_h=240)
    ours = simulate(MOUSE, schedule, duration=240, settings=LIVERMODEL_SETTINGS)
    worst = disagreement(ours, roadrunner_run(xml, ours.time_h))
    assert max(worst.values()) > 100 * TOLERANCE, worst


@needs_roadrunner
def test_state_after_the_jump_is_reported_at_the_dose_time():
    from livermodel.interop.sbml import to_sbml

    schedule = Schedule([Hepatectomy(at=48, fraction=0.7)])
    xml = to_sbml(RAT, schedule, duration_h=96)
    rr = roadrunner_run(xml, np.array([0.0, 47.0, 48.0, 49.0]))
    # before the jump the healthy liver only loses the overload-switch leak, k_od sigma_od(1) t ~ 3e-8
    assert rr["functional_mass"][1] == pytest.approx(1.0, abs=1e-7)
    assert rr["functional_mass"][2] == pytest.approx(0.3, rel=1e-6)


@needs_roadrunner
def test_actions_after_the_end_of_the_run_are_not_exported():
    from livermodel.interop.sbml import to_sbml

    schedule = Schedule([Toxin(at=0, dose=300), Toxin(at=100, dose=300), Toxin(at=48, dose=100)])
    xml = to_sbml(MOUSE, schedule, duration_h=100)
    assert "2 omitted" not in xml and "1 omitted" in xml
    ours = simulate(MOUSE, schedule, duration=100, settings=LIVERMODEL_SETTINGS)
    assert max(disagreement(ours, roadrunner_run(xml, ours.time_h)).values()) < TOLERANCE


# --- the document itself -----------------------------------------------------------------------------


def _read(xml):
    import libsbml

    doc = libsbml.readSBMLFromString(xml)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    return doc, doc.getModel()


@needs_libsbml
def test_document_is_consistent_without_warnings():
    """Zero errors, and zero warnings too, unit checks included."""
    import libsbml

    from livermodel.interop.sbml import to_sbml

    params, events, duration = CASES["everything"]
    doc, _ = _read(to_sbml(params, Schedule(events), duration_h=duration))
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    assert doc.checkConsistency() == 0, [doc.getError(i).getMessage() for i in range(doc.getNumErrors())]
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)


@needs_libsbml
def test_ids_units_and_notes():
    from livermodel import PARAMETERS, STATES
    from livermodel.interop.sbml import to_sbml
    from livermodel.interop.sbml_terms import UNIT_IDS
    from livermodel.model.layout import OBSERVABLES

    params = resolve_parameters("human", {"anti_death_on": 0.0})
    _, model = _read(
        to_sbml(
            params, Schedule([Hepatectomy(at=0, fraction=0.6)]), duration_h=48, name="human 60 % resection"
        )
    )
    assert model.getTimeUnits() == "hour"
    for par in PARAMETERS:
        p = model.getParameter(par.name)
        assert p is not None and p.getConstant(), par.name
        assert p.getValue() == params[par.name]
        assert p.getUnits() == UNIT_IDS[par.unit]
        notes = p.getNotesString()
        assert par.source[:40].replace("&", "&amp;") in notes, par.name
        assert par.unit.replace("&", "&amp;") in notes
        assert p.getName()
        if p.getUnits() not in ("dimensionless",):
            assert model.getUnitDefinition(p.getUnits()) is not None
    assert model.getParameter("time_scale").getValue() == 10.0  # the species preset, resolved
    assert model.getParameter("anti_death_on").getValue() == 0.0  # the effect switch, resolved
    for s in STATES:
        assert model.getParameter(s) is not None and not model.getParameter(s).getConstant()
        assert model.getRateRule(s) is not None
    for o in OBSERVABLES:
        assert model.getAssignmentRule(o) is not None, o
    # the resection at 0 h is part of the initial state, kept symbolic
    ia = model.getInitialAssignment("functional_mass")
    import libsbml

    # the start is the initial mass (kept apart from the set point), resected
    assert "initial_mass" in libsbml.formulaToL3String(ia.getMath())
    assert model.getParameter("functional_mass").getValue() == pytest.approx(0.4)
    assert model.getNumEvents() == 0


@needs_libsbml
def test_events_compose_simultaneous_actions_in_listing_order():
    import libsbml

    from livermodel.interop.sbml import to_sbml

    events = [
        Toxin(at=24, dose=200),
        Hepatectomy(at=24, fraction=0.5),
        Hepatectomy(at=24, fraction=0.4),
        Chronic(start=24, end=48, rate=0.01),
    ]
    _, model = _read(to_sbml(RAT, Schedule(events), duration_h=96))
    assert model.getNumEvents() == 2  # 24 h (doses and chronic on), 48 h (chronic off)
    ev = model.getEvent(0)
    assert ev.getUseValuesFromTriggerTime() and ev.getTrigger().getPersistent()
    assert "24 h" in ev.getName() and "hepatectomy" in ev.getName()
    jump = libsbml.formulaToL3String(ev.getEventAssignment("functional_mass").getMath())
    assert jump.index("hepatectomy_2_fraction") < jump.index("hepatectomy_3_fraction")
    assert ev.getEventAssignment("chronic_injury_rate") is not None
    assert model.getParameter("toxin_1_dose").getValue() == 200


@needs_libsbml
def test_unsupported_event_is_a_clear_error():
    from livermodel.interop.sbml import to_sbml

    class Infusion:  # an event kind the exporter does not know
        at = 0.0
        kind = "infusion"

        def boluses(self):
            return [(0.0, self)]

    with pytest.raises(LivermodelError, match="does not support the schedule event 'Infusion'"):
        to_sbml(RAT, Schedule([Hepatectomy(at=0, fraction=0.5), Infusion()]), duration_h=10)


@needs_libsbml
def test_bad_parameters_are_errors():
    from livermodel.interop.sbml import to_sbml

    with pytest.raises(LivermodelError, match="every parameter"):
        to_sbml({"set_point": 1.0}, Schedule(), duration_h=10)
    with pytest.raises(LivermodelError, match="unknown parameter"):
        to_sbml(dict(RAT, toxin_ec5=1.0), Schedule(), duration_h=10)
    with pytest.raises(LivermodelError, match="duration"):
        to_sbml(RAT, Schedule(), duration_h=math.nan)


def test_missing_libsbml_names_the_extra(monkeypatch):
    from livermodel.interop.sbml import to_sbml

    monkeypatch.setitem(sys.modules, "libsbml", None)
    with pytest.raises(LivermodelError, match=r"livermodel\[sbml\]"):
        to_sbml(RAT, Schedule(), duration_h=10)


@needs_libsbml
def test_export_sbml_writes_a_file(tmp_path):
    from livermodel.interop.sbml import check_document, export_sbml

    out = export_sbml(
        MOUSE,
        tmp_path / "run.xml",
        schedule=Schedule([Toxin(at=0, dose=300)]),
        duration_h=72,
        name="mouse toxin",
    )
    text = out.read_text(encoding="utf-8")
    assert check_document(text) == [] and 'id="mouse_toxin"' in text
    with pytest.raises(LivermodelError, match="duration"):
        export_sbml(MOUSE, tmp_path / "x.xml")


# --- every scenario of the library -------------------------------------------------------------------


def _scenario_files() -> list[Path]:
    if SCENARIO_DIR.is_dir():
        return sorted(SCENARIO_DIR.glob("*.yaml"))
    from livermodel.scenario.reader import library_path

    return sorted(library_path().glob("*.yaml"))


def _grid_step(scenario) -> float:
    """The scenario's output step, or a finer one that puts every dose time on the grid."""
    times = [t for t, _ in scenario.schedule.dose_times() if t < scenario.duration_h]
    for step in (scenario.output_step_h, 1.0, 0.5, 0.25, 0.1):
        if step <= scenario.output_step_h and all(abs(t / step - round(t / step)) < 1e-9 for t in times):
            return step
    raise AssertionError(f"no output step puts the doses of {scenario.name} on the grid: {times}")


def test_library_covers_every_kind_of_event():
    """The per-scenario cross-check below must include hepatectomy, drug, MSC and EV scenarios (the
    lumped toxin, which no library scenario uses now, is in the per-event cases above)."""
    import warnings

    from livermodel.scenario.scenario import load_scenario

    kinds = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in _scenario_files():
            kinds |= {ev.kind for ev in load_scenario(path).schedule.events}
    assert {"hepatectomy", "acetaminophen", "nac", "galactosamine", "inflammation", "msc", "ev"} <= kinds, (
        kinds
    )


@needs_roadrunner
@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.stem)
def test_library_scenario_roadrunner_agrees(path):
    import warnings

    from livermodel.interop.sbml import check_document, to_sbml
    from livermodel.scenario.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = load_scenario(path)
    xml = to_sbml(sc.parameters, sc.schedule, duration_h=sc.duration_h, name=sc.name, initial=sc.initial)
    assert check_document(xml) == []
    ours = sc.run(settings=LIVERMODEL_SETTINGS, output_step=_grid_step(sc))
    assert ours.success, ours.message
    worst = disagreement(ours, roadrunner_run(xml, ours.time_h))
    assert max(worst.values()) < TOLERANCE, worst


# --- the command ----------------------------------------------------------------------------------


def _app():
    import typer

    from livermodel.cli.export import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """A test app with the export command."""

    register(app)
    return app


@needs_libsbml
def test_cli_export_writes_a_consistent_file(tmp_path):
    from typer.testing import CliRunner

    from livermodel.interop.sbml import check_document

    out = tmp_path / "phx.xml"
    res = CliRunner().invoke(
        _app(),
        ["export", "rat-phx-70", "--format", "sbml", "-o", str(out), "--set", "parameters.toxin_ec50=200"],
    )
    assert res.exit_code == 0, res.output
    assert "phx.xml" in res.output
    text = out.read_text(encoding="utf-8")
    assert check_document(text) == []
    import libsbml

    model = libsbml.readSBMLFromString(text).getModel()
    assert model.getParameter("toxin_ec50").getValue() == 200.0
    assert model.getInitialAssignment("functional_mass") is not None  # the resection at 0 h


@needs_roadrunner
def test_cli_export_of_a_scenario_file_matches_its_run(tmp_path):
    from typer.testing import CliRunner

    from livermodel.scenario.scenario import load_scenario

    scenario = tmp_path / "mine.yaml"
    scenario.write_text(
        "species: mouse\nduration: 5 d\n"
        "insults:\n  - {type: toxin, at: 0 h, dose: 400 mg/kg}\n"
        "interventions:\n  - {type: msc, at: 6 h, dose: 1e6 cells/kg, route: iv}\n",
        encoding="utf-8",
    )
    try:
        sc = load_scenario(scenario)
    except LivermodelError as err:  # the scenario format decides the spelling; show why
        pytest.fail(f"test scenario does not load: {err}")
    out = tmp_path / "mine.xml"
    res = CliRunner().invoke(_app(), ["export", str(scenario), "-o", str(out)])
    assert res.exit_code == 0, res.output
    ours = sc.run(settings=LIVERMODEL_SETTINGS, output_step=1.0)
    worst = disagreement(ours, roadrunner_run(out.read_text(encoding="utf-8"), ours.time_h))
    assert max(worst.values()) < TOLERANCE, worst


def test_cli_export_errors_exit_with_status_2(tmp_path):
    """A mistake is one message on stderr and exit status 2, never a traceback or a file."""
    from typer.testing import CliRunner

    runner = CliRunner()
    res = runner.invoke(_app(), ["export", "rat-phx-70", "--format", "cellml", "-o", str(tmp_path / "x")])
    assert res.exit_code == 2 and "error:" in res.output and "cellml" in res.output
    res = runner.invoke(_app(), ["export", "rat-phx-7", "-o", str(tmp_path / "x.xml")])
    assert res.exit_code == 2 and "rat-phx-70" in res.output  # the "did you mean" hint
    res = runner.invoke(
        _app(), ["export", "rat-phx-70", "-o", str(tmp_path / "x.xml"), "--set", "parameters.toxin_ec5=1"]
    )
    assert res.exit_code == 2 and "toxin_ec50" in res.output
    assert not (tmp_path / "x.xml").exists()
    res = runner.invoke(_app(), ["export", "rat-phx-70"])
    assert res.exit_code == 2 and "--output" in res.output  # a usage error from Typer itself


@needs_libsbml
def test_export_to_a_missing_folder_is_a_clear_error(tmp_path):
    from livermodel.interop.sbml import export_sbml

    with pytest.raises(LivermodelError, match="cannot write"):
        export_sbml(RAT, tmp_path / "no" / "such" / "x.xml", schedule=Schedule(), duration_h=10)


def test_copasi_sets_parameters_by_livermodel_names_and_follows_livermodel(tmp_path):
    """A COPASI user changes a parameter by its livermodel name (basico), and the exported model
    then follows livermodel run with the same --set."""
    import locale

    saved = locale.setlocale(locale.LC_ALL)  # importing COPASI sets the C locale (ASCII) ...
    try:
        _copasi_follows_livermodel(tmp_path)
    finally:
        locale.setlocale(locale.LC_ALL, saved)  # ... which must not leak into later tests


def _copasi_follows_livermodel(tmp_path):
    basico = pytest.importorskip("basico")
    from livermodel.interop.sbml import to_sbml
    from livermodel.scenario.scenario import load_scenario

    sc = load_scenario("rat-phx-70", ["duration=96h"])
    path = tmp_path / "phx.xml"
    path.write_text(to_sbml(sc.parameters, sc.schedule, duration_h=96, name=sc.name), encoding="utf-8")
    basico.load_model(str(path))
    try:
        basico.set_parameters("priming_rate", initial_value=0.048)
        assert basico.get_parameters("priming_rate")["initial_value"].iloc[0] == 0.048
        basico.set_task_settings(
            basico.T.TIME_COURSE, {"method": {"Relative Tolerance": 1e-10, "Absolute Tolerance": 1e-12}}
        )
        tc = basico.run_time_course_with_output(["Values[liver_volume]"], duration=96, intervals=96)
    finally:
        basico.remove_datamodel(basico.get_current_model())
    ours = sc.with_overrides(["parameters.priming_rate=0.048"]).run()["liver_volume"]
    before = sc.run()["liver_volume"]
    assert np.max(np.abs(ours - before)) > 0.05  # the change matters...
    # ...and COPASI follows it to livermodel's own tolerance (rtol 1e-6 on values of order 1)
    assert np.max(np.abs(tc["Values[liver_volume]"].to_numpy() - ours)) < 1e-5
