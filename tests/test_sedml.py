"""SED-ML and COMBINE archive export: the archive's structure, and a run of it in tellurium.

tellurium executes the exported archives (``tellurium.sedml.tesedml.executeCombineArchive``:
libRoadRunner, CVODE at the tolerances the SED-ML states) in a subprocess, so that its imports
(plotting engines, its own libSEDML) stay out of the test process.  The comparison is the one of
``tests/test_sbml.py``: for every quantity of the report (the state variables and observables),
``max |tellurium - livermodel| / max(max |livermodel|, 1e-6)`` over every output point, which
must stay below ``TOLERANCE`` (1e-5); both run at ``rtol=1e-10``, ``atol=1e-12``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from livermodel.cli import app

HAVE_SEDML = (
    importlib.util.find_spec("libsedml") is not None and importlib.util.find_spec("libsbml") is not None
)
HAVE_TELLURIUM = HAVE_SEDML and importlib.util.find_spec("tellurium") is not None
needs_sedml = pytest.mark.skipif(not HAVE_SEDML, reason="python-libsedml or python-libsbml is not installed")
needs_tellurium = pytest.mark.skipif(not HAVE_TELLURIUM, reason="tellurium is not installed")

TOLERANCE = 1e-5
SCALE_FLOOR = 1e-6
TIGHT = ["--set", "solver.rtol=1e-10", "--set", "solver.atol=1e-12"]
MANIFEST_NS = "{http://identifiers.org/combine.specifications/omex-manifest}"

SWEEP_YAML = """\
name: phx-sweep
species: rat
duration: 2 d
output_step: 2 h
solver: {rtol: 1.0e-10, atol: 1.0e-12}
insults:
  - {type: hepatectomy, at: 0 h, fraction: 0.7}
interventions:
  - {type: msc, at: 6 h, dose: 1e6 cells/kg, route: iv}
sweep:
  vary:
    insults.0.fraction: 0.6,0.85
    parameters.priming_rate: 0.05,0.1
"""

#: Runs the archives given on the command line in tellurium; writes their data generators.
TELLURIUM_RUN = textwrap.dedent(
    """
    import sys, warnings
    import numpy as np
    from tellurium.sedml.tesedml import executeCombineArchive
    out = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k, path in enumerate(sys.argv[2:]):
            (result,) = executeCombineArchive(path, createOutputs=False).values()
            for dg, values in result["dataGenerators"].items():
                out[f"{k}:{dg}"] = np.asarray(values, dtype=float)
    np.savez(sys.argv[1], **out)
    print("\\n".join(str(w.message) for w in caught if "sedml" in str(w.filename).lower()))
    """
)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def disagreement(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(ours))), SCALE_FLOOR)
    return float(np.max(np.abs(np.asarray(theirs).ravel() - ours)) / scale)


# --- structure -----------------------------------------------------------------------------------


@needs_sedml
def test_archive_structure(tmp_path):
    from livermodel.interop.sbml import check_document
    from livermodel.interop.sedml import FORMAT_SBML, FORMAT_SEDML, check_sedml

    omex = tmp_path / "rat.omex"
    res = invoke("export", "rat-phx-70", "--format", "omex", "-o", omex, "--set", "duration=48h")
    assert res.exit_code == 0, res.output
    assert "model.xml, simulation.sedml and manifest.xml" in res.output
    with zipfile.ZipFile(omex) as zf:
        assert sorted(zf.namelist()) == ["manifest.xml", "model.xml", "simulation.sedml"]
        manifest = ET.fromstring(zf.read("manifest.xml"))
        sedml = zf.read("simulation.sedml").decode()
        sbml = zf.read("model.xml").decode()
    entries = {
        c.get("location"): (c.get("format"), c.get("master")) for c in manifest.iter(f"{MANIFEST_NS}content")
    }
    assert entries["./model.xml"] == (FORMAT_SBML, None)
    assert entries["./simulation.sedml"] == (FORMAT_SEDML, "true")
    assert entries["."][0].endswith("/omex") and entries["./manifest.xml"][0].endswith("/omex-manifest")
    assert check_sedml(sedml) == []
    assert check_document(sbml) == []

    import libsedml

    doc = libsedml.readSedMLFromString(sedml)
    assert (doc.getLevel(), doc.getVersion()) == (1, 4)
    assert doc.getModel("model").getSource() == "model.xml"
    sim = doc.getSimulation("time_course")
    assert (sim.getOutputStartTime(), sim.getOutputEndTime(), sim.getNumberOfSteps()) == (0, 48, 48)
    alg = sim.getAlgorithm()
    assert alg.getKisaoID() == "KISAO:0000019"
    params = {p.getKisaoID(): p.getValue() for p in alg.getListOfAlgorithmParameters()}
    assert params["KISAO:0000209"] == "1e-06" and params["KISAO:0000211"] == "1e-09"
    labels = [ds.getLabel() for ds in doc.getOutput("time_course_report").getListOfDataSets()]
    assert labels[0] == "time_h" and {"functional_mass", "liver_volume", "survival_probability"} <= set(
        labels
    )
    assert doc.getNumTasks() == 1  # no sweep: block, no repeated task
    side = json.loads((tmp_path / "rat.omex.provenance.json").read_text())
    assert list(side["files"]) == ["rat.omex"] and side["format"] == "omex"


@needs_sedml
def test_sedml_next_to_its_sbml(tmp_path):
    out = tmp_path / "sim.sedml"
    res = invoke("export", "mouse-apap-300", "--format", "sedml", "-o", out)
    assert res.exit_code == 0, res.output
    assert "the SBML it runs in sim.xml" in res.output
    import libsedml

    doc = libsedml.readSedMLFromFile(str(out))  # kept: its elements die with it
    assert doc.getModel("model").getSource() == "sim.xml"
    assert (tmp_path / "sim.xml").read_text().startswith("<?xml")
    side = json.loads((tmp_path / "sim.sedml.provenance.json").read_text())
    assert sorted(side["files"]) == ["sim.sedml", "sim.xml"]
    again = invoke("export", "mouse-apap-300", "--format", "sedml", "-o", out)
    assert again.exit_code == 0 and "replaced the existing sim.sedml and sim.xml" in again.output


@needs_sedml
def test_sweep_as_repeated_task(tmp_path):
    from livermodel.interop.sedml import check_sedml, sedml_export
    from livermodel.scenario.scenario import load_scenario

    (tmp_path / "s.yaml").write_text(SWEEP_YAML)
    export = sedml_export(load_scenario(tmp_path / "s.yaml"))
    assert check_sedml(export.sedml) == []
    assert export.sweep_runs == 4
    # the fraction sets the dose parameter and the initial mass it resects; priming_rate also
    # moves the failure level, a constant of the SBML computed from the parameters
    assert set(export.sweep_changes) == {
        "hepatectomy_1_fraction",
        "functional_mass",
        "priming_rate",
        "failure_level",
    }
    import libsedml

    doc = libsedml.readSedMLFromString(export.sedml)  # kept: its elements die with it
    rep = doc.getTask("sweep")
    assert rep.getResetModel() and rep.getRangeId() == "point"
    values = {r.getId(): list(r.getValues()) for r in rep.getListOfRanges()}
    assert values["point"] == [0, 1, 2, 3]
    assert values["hepatectomy_1_fraction_values"] == [
        0.6,
        0.6,
        0.85,
        0.85,
    ]  # the order of 'livermodel sweep'
    assert values["priming_rate_values"] == [0.05, 0.1, 0.05, 0.1]


# --- mistakes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "sedmll", "-o", "x.sedml"], "unknown export format 'sedmll'"),
        (["--format", "omex", "-o", "-"], "a COMBINE archive is a binary zip file, not a text stream"),
        (["--format", "sedml", "-o", "-"], "a SED-ML export is two files"),
        (["--format", "sedml", "-o", "sim.xml"], "the SED-ML file cannot be named .xml"),
        (["--format", "omex", "-o", "x.omex", "--set", "output_step=5h"], "an output step that divides"),
    ],
)
def test_mistakes(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    res = invoke("export", "rat-phx-70", *args)
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert res.output.count("\n") == 1 and res.output.startswith("error: ")
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".omex", ".sedml", ".xml")]


@needs_sedml
def test_sweep_of_an_event_time_is_refused(tmp_path):
    (tmp_path / "s.yaml").write_text(
        SWEEP_YAML.replace("insults.0.fraction: 0.6,0.85", "interventions.0.at: 6h,12h")
    )
    res = invoke("export", tmp_path / "s.yaml", "--format", "omex", "-o", tmp_path / "s.omex")
    assert res.exit_code == 2
    assert (
        "sweep.vary: run 3 of the sweep (interventions.0.at=12.0" in res.output
        and "set-value changes cannot express" in res.output
    )
    assert not (tmp_path / "s.omex").exists()


def test_libsedml_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "libsedml", None)  # import libsedml raises ImportError
    res = invoke("export", "rat-phx-70", "--format", "omex", "-o", tmp_path / "a.omex")
    assert res.exit_code == 2
    assert (
        "SED-ML export needs python-libsedml" in res.output
        and 'pip install "livermodel[sedml]"' in res.output
    )


@needs_sedml
def test_sbml_export_after_libsedml(tmp_path):
    """libSEDML bundles its own libSBML: once it is loaded, libsbml.parseL3Formula returns
    libSEDML's AST objects.  The SBML export must give the same valid document anyway."""
    code = textwrap.dedent(
        """
        import sys
        import libsbml
        from livermodel.interop.sbml import sbml_text
        from livermodel.scenario.scenario import load_scenario
        sc = load_scenario("fulminant-msc-early")
        before = sbml_text(sc)
        import libsedml
        doc = libsedml.SedDocument(1, 4)
        dg = doc.createDataGenerator()
        dg.setId("d")
        dg.setMath(libsedml.parseL3Formula("a + 1"))
        assert "libsedml" in type(libsbml.parseL3Formula("x")).__module__  # the trap is set
        after = sbml_text(sc)
        read = libsbml.readSBMLFromString(after)
        print(read.getNumErrors(), after == before, read.getModel().getNumInitialAssignments())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    errors, same, assignments = out.stdout.split()
    assert (errors, same) == ("0", "True") and int(assignments) > 0


# --- tellurium runs the archive --------------------------------------------------------------------


def tellurium_run(tmp) -> tuple[dict[str, np.ndarray], str]:
    """Export a time course and a sweep, run both archives in one tellurium process (its import
    takes seconds); returns the data generators (``0:...`` the time course, ``1:...`` the sweep)
    and the warnings tellurium's SED-ML code gave."""
    course = tmp / "course.omex"
    res = invoke(
        "export", "fulminant-msc-early", "--format", "omex", "-o", course, "--set", "duration=3d", *TIGHT
    )
    assert res.exit_code == 0, res.output
    (tmp / "s.yaml").write_text(SWEEP_YAML)
    res = invoke("export", tmp / "s.yaml", "--format", "omex", "-o", tmp / "sweep.omex")
    assert res.exit_code == 0, res.output
    npz = tmp / "tellurium.npz"
    out = subprocess.run(
        [sys.executable, "-c", TELLURIUM_RUN, str(npz), str(course), str(tmp / "sweep.omex")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    with np.load(npz) as data:
        return dict(data), out.stdout.strip()


@pytest.mark.slow
@needs_tellurium
def test_tellurium_runs_the_archives(tmp_path):
    """The OMEX archive runs in tellurium within 1e-5 of livermodel: the time course, and each
    run of the sweep's repeated task against livermodel's batch of the same planned points."""
    from livermodel.interop.sedml import sedml_export
    from livermodel.scenario.scenario import load_scenario
    from livermodel.solve.simulate import simulate_batch
    from livermodel.studies.sweep.plan import plan_sweep

    data, warned = tellurium_run(tmp_path)
    assert warned == ""  # no unsupported algorithm, parameter or target

    sc = load_scenario("fulminant-msc-early", ["duration=3d", "solver.rtol=1e-10", "solver.atol=1e-12"])
    ours = sc.run()
    np.testing.assert_allclose(data["0:time_course_time"].ravel(), ours.time_h, rtol=0, atol=1e-9)
    worst = {v: disagreement(ours[v], data[f"0:time_course_{v}"]) for v in sedml_export(sc).variables}
    assert max(worst.values()) < TOLERANCE, sorted(worst.items(), key=lambda kv: -kv[1])[:3]

    plan = plan_sweep(load_scenario(tmp_path / "s.yaml"))
    runs = [plan.scenario_at(i) for i in range(plan.n_runs)]
    batch = simulate_batch(
        [r.parameters for r in runs],
        [r.schedule for r in runs],
        duration=plan.scenario.duration_h,
        output_step=plan.scenario.output_step_h,
        settings=plan.scenario.settings,
    )
    assert data["1:sweep_functional_mass"].shape == (batch.time_h.size, 4)
    for name in sedml_export(plan.scenario).variables:
        ours = batch.variable(name)
        for i in range(plan.n_runs):
            assert disagreement(ours[i], data[f"1:sweep_{name}"][:, i]) < TOLERANCE, (name, plan.point(i))
    # the runs really differ: a sweep that changed nothing would pass the comparison too
    final = data["1:sweep_functional_mass"][-1]
    assert np.ptp(final) > 1e-3 and len(set(np.round(final, 6))) == 4
