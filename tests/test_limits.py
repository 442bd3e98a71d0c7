"""Every input that sets an amount of work has a limit, checked before the work starts: exit 2,
a message that names the key and what to change, and no traceback."""

import os
import time

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.errors import LivermodelError, ScheduleError
from livermodel.model.schedule import MSC, Chronic
from livermodel.scenario import load_scenario, parse_scenario

runner = CliRunner()

BASE = "species: rat\nduration: 14d\n"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output, result.output


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MSC_LINE = "interventions:\n- {{type: msc, at: 1h, dose: 1e6 cells/kg, every: 1h, count: {}}}\n"


@pytest.mark.parametrize("count", ["1e9", "4e12", "4.0e+12", "9" * 400])
def test_a_huge_dose_count_is_refused_at_once(tmp_path, count):
    path = write(tmp_path, BASE + MSC_LINE.format(count))
    t0 = time.perf_counter()
    refused(invoke("validate", path), "interventions.0.count", "10000")
    assert time.perf_counter() - t0 < 5


def test_the_largest_allowed_count_is_accepted(tmp_path):
    sc = load_scenario(write(tmp_path, "species: rat\nduration: 1000d\n" + MSC_LINE.format(10_000)))
    assert sc.schedule.events[0].count == 10_000


def test_schedule_refuses_a_huge_count_in_python():
    with pytest.raises(ScheduleError, match="at most 10,000"):
        MSC(1.0, 1.0, every=1.0, count=10**12)


@pytest.mark.parametrize("every", ["1e-6 h", "0.01 h"])
def test_pulses_too_close_together_are_refused(tmp_path, every):
    text = BASE + f"insults:\n- {{type: chronic, start: 0h, every: {every}, pulse: 1e-7 h}}\n"
    refused(invoke("validate", write(tmp_path, text)), "insults.0.every", "pulses", "10,000")
    with pytest.raises(ScheduleError):
        Chronic(0.0, 336.0, 0.004, every=1e-300, pulse=1e-301)


def test_too_many_events_are_refused(tmp_path):
    items = "".join(f"- {{type: inflammation, at: {1 + i % 300}h, amount: 0.1}}\n" for i in range(1001))
    refused(invoke("validate", write(tmp_path, BASE + "insults:\n" + items)), "insults", "1,000")


def test_too_many_solver_restarts_in_total_are_refused(tmp_path):
    items = "".join(
        f"- {{type: msc, at: {i}h, dose: 1e6 cells/kg, every: 0.1h, count: 9000}}\n" for i in range(3)
    )
    text = "species: rat\nduration: 1000d\ninterventions:\n" + items
    refused(invoke("validate", write(tmp_path, text)), "restart the solver", "27,000", "20,000")


def test_too_many_output_points_are_refused(tmp_path):
    refused(
        invoke("validate", write(tmp_path, "species: rat\nduration: 1000d\noutput_step: 1e-3 h\n")),
        "output_step",
        "too many output points",
    )


def test_deep_nesting_in_a_file_is_refused(tmp_path):
    text = BASE + "description: " + "[" * 2000 + "]" * 2000 + "\n"
    refused(invoke("validate", write(tmp_path, text)), "s.yaml:3:", "nested more than 64 levels")


@pytest.mark.parametrize(
    "value", ["insults.0=&a [*a]", "description=" + "[" * 3000, "insults.0={a: " * 100 + "1" + "}" * 100]
)
def test_hostile_set_values_are_refused(value):
    refused(invoke("validate", "rat-phx-70", "--set", value), "override")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    refused(invoke("validate", fifo), "not a regular file", "FIFO")
    assert time.perf_counter() - t0 < 5


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_not_read():
    refused(invoke("validate", "/dev/zero"), "not a regular file", "character device")


def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "w") as fh:
        fh.write(BASE + "tags: [")
        fh.write("a," * 600_000)
        fh.write("a]\n")
    refused(invoke("validate", path), "too large", "1,000,000 bytes")


def test_a_lone_surrogate_is_refused(tmp_path):
    path = write(tmp_path, BASE + 'description: "bad \\ud800 text"\n')
    refused(invoke("validate", path), "s.yaml:3:", "description", "surrogate")
    refused(invoke("validate", "rat-phx-70", "--set", 'description="\\udfff"'), "surrogate")
    with pytest.raises(LivermodelError, match="surrogate"):
        parse_scenario(BASE + '"\\ud83d": 1\n')


SWEEP = ["sweep", "rat-phx-70", "--dry-run", "--format", "none"]


def test_a_huge_grid_dry_run_is_refused_instantly(tmp_path):
    t0 = time.perf_counter()
    refused(
        invoke(
            *SWEEP,
            "--vary",
            "insults.0.fraction=0.5:0.9:100000",
            "--vary",
            "parameters.death_sensitivity=1:2:100000",
            "--out",
            tmp_path / "o",
        ),
        "--vary",
        "10,000,000,000 runs",
        "at most 10,000,000",
    )
    assert time.perf_counter() - t0 < 5
    assert not (tmp_path / "o").exists()


def test_a_large_allowed_grid_is_planned_without_building_it():
    from livermodel.studies.sweep.plan import plan_sweep

    t0 = time.perf_counter()
    plan = plan_sweep(
        "rat-phx-70", ["insults.0.fraction=0.5:0.9:3000", "parameters.death_sensitivity=1:2:3000"]
    )
    assert plan.n_runs == 9_000_000
    last = plan.point(plan.n_runs - 1)
    assert last == {
        "insults.0.fraction": pytest.approx(0.9),
        "parameters.death_sensitivity": pytest.approx(2.0),
    }
    assert plan.point(2999)["parameters.death_sensitivity"] == pytest.approx(2.0)
    assert plan.point(3000)["insults.0.fraction"] == pytest.approx(0.5 + 0.4 / 2999)
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize(
    "option, value, fragment",
    [
        ("--samples", "1000000000000", "at most 10,000,000"),
        ("--samples", "9" * 400, "digit number"),
        ("--seed", "-1", "--seed"),
        ("--seed", str(2**70), "--seed"),
    ],
)
def test_sampling_options_have_limits(option, value, fragment):
    args = ["--vary", "parameters.death_sensitivity=1:2", "--design", "lhs"]
    if option != "--samples":
        args += ["--samples", "10"]
    refused(invoke(*SWEEP, *args, option, value), option, fragment)


def test_chunk_size_has_a_limit():
    refused(
        invoke(*SWEEP, "--vary", "insults.0.fraction=0.5:0.9:3", "--chunk-size", "10000000"),
        "--chunk-size",
        "100,000",
    )


def test_jobs_above_the_cores_are_capped_with_a_warning(tmp_path):
    from livermodel.studies.sweep.execute import cap_jobs, usable_cores

    cores = usable_cores()
    assert cap_jobs(cores) == (cores, None)
    jobs, note = cap_jobs(cores + 48)
    assert jobs == cores and f"--jobs {cores + 48}" in note
    result = invoke(*SWEEP, "--vary", "insults.0.fraction=0.5:0.9:3", "--jobs", cores + 48)
    assert result.exit_code == 0, result.output
    assert f"running {cores} worker(s)" in result.output
    refused(invoke(*SWEEP, "--vary", "insults.0.fraction=0.5:0.9:3", "--jobs", "0"), "--jobs")


@pytest.mark.parametrize(
    "args, key, fragment",
    [
        (["cohort", "rat-phx-70", "--size", "100000000000"], "--size", "at most 1,000,000"),
        (["cohort", "rat-phx-70", "--size", "9" * 400], "--size", "digit number"),
        (
            [
                "sensitivity",
                "rat-phx-70",
                "--metric",
                "nadir_mass",
                "--method",
                "sobol",
                "--samples",
                str(2**40),
            ],
            "--samples",
            "at most 1,000,000",
        ),
        (
            [
                "sensitivity",
                "rat-phx-70",
                "--metric",
                "nadir_mass",
                "--method",
                "morris",
                "--samples",
                "9" * 40,
            ],
            "--samples",
            "digit number",
        ),
    ],
)
def test_study_sizes_are_bounded_before_any_work(args, key, fragment):
    # a huge cohort or sample count is refused before anything is drawn (no allocation, no
    # traceback)
    refused(invoke(*args), key, fragment)


def test_a_cohort_block_size_is_bounded(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(
        "name: big\nspecies: rat\ninsults:\n  - type: hepatectomy\n    fraction: 0.7\n"
        "cohort:\n  size: 5000000\n",
        encoding="utf-8",
    )
    refused(invoke("cohort", path), "cohort.size", "at most 1,000,000")


FIT = ["fit", "rat-phx-70", "--data", "rat_phx70_volume", "--params", "division_rate"]
VARY = ["--vary", "insults.0.fraction=0.5:0.95"]


@pytest.mark.parametrize(
    "args, key, fragment",
    [
        (["threshold", "rat-phx-70", *VARY, "--points", "100000000"], "--points", "at most 1,000"),
        (
            ["threshold", "rat-phx-70", *VARY, "--along", "parameters.death_sensitivity=0.5:3:100000000"],
            "--along",
            "at most 100,000 are allowed",
        ),
        ([*FIT, "--starts", "1000000000"], "--starts", "at most 1,000"),
        ([*FIT, "--max-evaluations", "0"], "--max-evaluations", "at least 1"),
        ([*FIT, "--starts", "2", "--seed", "-1"], "--seed", "below 2**63"),
        (["cohort", "rat-phx-70", "--seed", "-1"], "--seed", "below 2**63"),
        (["cohort", "rat-phx-70", "--seed", str(2**63)], "--seed", "below 2**63"),
        (
            [
                "sensitivity",
                "rat-phx-70",
                "--metric",
                "nadir_mass",
                "--method",
                "morris",
                "--samples",
                "2",
                "--seed",
                "-1",
            ],
            "--seed",
            "below 2**63",
        ),
    ],
)
def test_study_options_are_bounded_and_leave_no_folder(tmp_path, args, key, fragment):
    # these were a MemoryError (1e8 points, 1e8 values along, 1e9 starts) or a ValueError
    # traceback (negative seeds, zero evaluations)
    out = tmp_path / "new" / "out"
    refused(invoke(*args, "--out", out, "-f", "none"), key, fragment)
    assert not (tmp_path / "new").exists()  # the refused command removed the folders it made


_DATA = ["fit", "rat-phx-70", "--params", "division_rate", "--data"]


@pytest.mark.parametrize(
    "name, command, make, fragment",
    [
        ("data.csv", _DATA, lambda p: os.mkfifo(p), "not a regular file"),
        (
            "data.csv",
            _DATA,
            lambda p: p.write_bytes(b"time_h,variable,value,sd\n\xff,x,1,1\n"),
            "not UTF-8 text",
        ),
        ("data.csv", _DATA, lambda p: p.write_bytes(b"#" * 10_000_001), "the data table is too large"),
        ("p.yaml", ["fit", "--problem"], lambda p: os.mkfifo(p), "not a regular file"),
        (
            "p.yaml",
            ["fit", "--problem"],
            lambda p: p.write_bytes(b"experiments:\n  - scenario: \xff\n"),
            "not UTF-8 text",
        ),
        (
            "p.yaml",
            ["fit", "--problem"],
            lambda p: p.write_bytes(b"# " * 600_000),
            "the problem file is too large",
        ),
    ],
)
def test_data_tables_and_problem_files_are_read_as_bounded_regular_files(
    tmp_path, name, command, make, fragment
):
    path = tmp_path / name
    make(path)
    refused(invoke(*command, path, "--out", tmp_path / "o"), fragment)


def test_a_name_with_a_trailing_newline_is_refused_at_its_line(tmp_path):
    path = tmp_path / "nl.yaml"
    path.write_text('name: "foo\\n"\n' + BASE, encoding="utf-8")
    refused(invoke("validate", path), "nl.yaml:1", "name: a name may hold")
