"""report: one self-contained HTML file, checked in headless Chromium.

The browser test needs the Debian packages ``chromium`` and ``chromium-driver`` and the Python
package ``selenium`` (the ``test`` extra).  It is skipped when they are missing on a developer's
machine, and fails in CI (where the environment variable ``CI`` is set and ``.ci/run`` installs
them).
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from livermodel.cli.actions import run_scenario
from livermodel.cli.app import app
from livermodel.errors import LivermodelError
from livermodel.output.text import format_metric
from livermodel.teach.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,900",
]


def invoke(*args):
    """Run a command in-process on the real app (so the wiring in livermodel.cli is tested too)."""
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A report comparing two scenarios, and the run folder of the main one."""
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "report.html"
    res = invoke("report", "fulminant", "--compare", "fulminant-msc-early", "-o", out, "--set", "duration=4d")
    assert res.exit_code == 0, res.output
    run_scenario("fulminant", ["duration=4d"], out=tmp / "run", formats=())
    metrics = _metrics_only(tmp / "run" / "metrics.json")
    early = tmp / "early"
    run_scenario("fulminant-msc-early", ["duration=4d"], out=early, formats=())
    return out, metrics, _metrics_only(early / "metrics.json")


def _metrics_only(path):
    """metrics.json without the names of the scenario and its --set values."""
    data = json.loads(path.read_text())
    data.pop("scenario")
    data.pop("overrides")
    return data


def test_self_contained_text(made):
    text = made[0].read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "@import" not in text and "url(" not in text
    for attr in re.findall(r'(?:src|href|action|poster)\s*=\s*"([^"]*)"', text):
        assert attr.startswith(("data:", "#")), attr[:80]
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    for section in ("outcomes", "timecourse", "phase", "comparison", "parameters", "equations", "provenance"):
        assert f'<section id="{section}">' in text
    assert "Verma et al. 2019" in text  # sources in the parameter table
    assert "dF/dt = -injury" in text  # the equations
    # provenance: the command rebuilt from the parsed options
    assert "livermodel report fulminant --output" in text and "--compare fulminant-msc-early" in text


def test_outcome_cells_carry_the_metrics_json_values(made):
    out, metrics, early = made
    text = out.read_text(encoding="utf-8")
    cells = re.findall(r'<td[^>]*data-metric="([a-z_]+)" data-value="([^"]*)"( data-arm="[^"]*")?', text)
    main = {k: json.loads(v.replace("&quot;", '"')) for k, v, arm in cells if not arm}
    assert main == metrics
    arms = {
        k: json.loads(v.replace("&quot;", '"'))
        for k, v, arm in cells
        if arm == ' data-arm="fulminant-msc-early"'
    }
    assert arms == early


def test_threshold_and_cohort_sections():
    try:
        import livermodel.studies.threshold  # noqa: F401
    except ImportError:
        with pytest.raises(LivermodelError, match="not installed"):
            build_report("rat-phx-70", phase=False, threshold="insults.0.fraction=0.5:0.95")
    else:
        rep = build_report("rat-phx-70", phase=False, threshold="insults.0.fraction=0.5:0.95")
        crit = json.loads(re.search(r'data-threshold="([^"]*)"', rep.html).group(1))
        assert 0.74 < crit < 0.85  # failure threshold about 21 % remnant (docs/model.md)
    try:
        from livermodel.studies.cohort import run_cohort
    except ImportError:
        with pytest.raises(LivermodelError, match="not installed"):
            build_report("rat-phx-70", phase=False, cohort="20")
    else:
        rep = build_report(
            "fulminant-msc-early",
            phase=False,
            overrides=["duration=3d"],
            cohort="size=6,control=fulminant,seed=3",
        )
        shown = [json.loads(v) for v in re.findall(r'data-cohort-survival="([^"]*)"', rep.html)]
        ref = run_cohort(rep.scenario, size=6, control="fulminant", seed=3)
        assert shown == [a.summary()["survival_fraction"] for a in ref.arms]
        assert "Paired against fulminant" in rep.html


@pytest.mark.parametrize(
    "spec, fragment", [("size=1", "at least 2"), ("n=5", "unknown cohort"), ("size=x", "needs a number")]
)
def test_cohort_spec_mistakes(spec, fragment):
    from livermodel.teach.report import parse_cohort_spec

    with pytest.raises(LivermodelError, match=fragment):
        parse_cohort_spec(spec)
    assert parse_cohort_spec("12") == {"seed": 1, "size": 12}


def test_report_creates_a_missing_folder(tmp_path):
    res = invoke(
        "report", "rat-phx-70", "--no-phase", "--set", "output_step=12h", "-o", tmp_path / "new" / "r.html"
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "r.html").stat().st_size > 1000
    assert (tmp_path / "new" / "r.html.provenance.json").exists()


def test_mistakes(tmp_path):
    res = invoke("report", "rat-phx-70", "-o", tmp_path)
    assert res.exit_code == 2 and "is a directory" in res.output
    res = invoke("report", "rat-phx-70", "-o", tmp_path / "r.html", "--threshold", "insults.0")
    assert res.exit_code == 2 and "KEY=LOW:HIGH" in res.output
    res = invoke(
        "report", "rat-phx-70", "-o", tmp_path / "r.html", "--threshold", "insults.0.fractoin=0.5:0.9"
    )
    assert res.exit_code == 2 and "Did you mean 'fraction'" in res.output
    res = invoke(
        "report", "rat-phx-70", "-o", tmp_path / "r.html", "--threshold", "insults.0.fraction=0.9:0.5"
    )
    assert res.exit_code == 2 and "LOW < HIGH" in res.output
    res = invoke("report", "rat-phx-70", "-o", tmp_path / "r.html", "--labels", "a,b")
    assert res.exit_code == 2 and "one label per scenario" in res.output
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    problem = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        problem = "selenium is not installed (pip install -e '.[test]')"
    if problem is None and not (CHROMIUM and CHROMEDRIVER):
        problem = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {problem}")
        pytest.skip(problem)
    profile = tempfile.mkdtemp(prefix="livermodel-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
        elif msg["method"] == "Network.webSocketCreated":
            urls.append(msg["params"]["url"])
    return urls


def test_report_in_headless_chromium(browser, made, tmp_path):
    out, metrics, _early = made
    browser.get("about:blank")
    browser.get_log("performance")  # drop the browser's own start-up traffic
    browser.get_log("browser")
    url = Path(out).resolve().as_uri()
    browser.get(url)
    browser.execute_script("return document.readyState")

    # no network: every request the page made is the file itself or a data: URI
    urls = _requests(browser)
    assert url in urls
    assert all(u.startswith(("file:", "data:")) for u in urls), [u[:80] for u in urls]
    # no console error (a blocked request would show here as a CSP violation)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []

    # every image decoded and laid out
    images = browser.execute_script(
        "return [...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width, i.alt])"
    )
    assert len(images) >= 3  # time course, phase portrait, comparison
    for complete, nw, nh, width, alt in images:
        assert complete and nw > 100 and nh > 100 and width > 300, alt

    # the metric values shown are those of metrics.json, formatted as the CLI prints them
    shown = browser.execute_script(
        "return [...document.querySelectorAll('table.outcomes td[data-metric]')]"
        ".map(td => [td.dataset.metric, td.innerText.trim()])"
    )
    assert {k for k, _ in shown} == set(metrics)
    for name, text in shown:
        assert text == format_metric(name, metrics[name], metrics), name

    # a screenshot that is not blank
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    from matplotlib.image import imread

    px = imread(str(shot))[..., :3]
    assert px.shape[0] > 500
    assert px.std() > 0.05
    assert np.mean(np.all(px > 0.98, axis=-1)) < 0.97  # not all white
