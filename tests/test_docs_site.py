"""The documentation site: ``mkdocs build --strict`` over docs/ (config docs/mkdocs/mkdocs.yml).

The build needs MkDocs, Material and mkdocstrings (the ``docs`` extra, part of the ``test``
extra).  It is skipped when they are missing on a developer's machine, and fails in CI (where the
environment variable ``CI`` is set and ``.ci/run`` installs the test extra).
"""

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "mkdocs" / "mkdocs.yml"
PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _need_packages() -> None:
    missing = [p for p in PACKAGES if not _installed(p)]
    if missing:
        problem = f"{', '.join(missing)} not installed (pip install '.[docs]')"
        if os.environ.get("CI"):
            pytest.fail(f"CI must build the documentation site: {problem}")
        pytest.skip(problem)


def _load(name: str):
    """A module of docs/mkdocs/ (the site's hook and griffe extension) by file path."""
    spec = importlib.util.spec_from_file_location(f"_docs_site_{name}", CONFIG.parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Images(HTMLParser):
    """The ``src`` of every ``<img>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src", ""))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_readme_becomes_the_home_page_with_its_links_into_docs():
    _need_packages()
    hooks = _load("hooks")
    text = (
        "see [the CLI](docs/cli.md), [a section](docs/teaching.md#the-gallery),\n"
        "![figure](docs/figures/run-rat-phx-70-paper.png) and [elsewhere](https://example.org/docs/x.md)"
    )
    assert hooks.readme_as_index(text) == (
        "see [the CLI](cli.md), [a section](teaching.md#the-gallery),\n"
        "![figure](figures/run-rat-phx-70-paper.png) and [elsewhere](https://example.org/docs/x.md)"
    )


def test_escaped_pipes_in_table_code_lose_their_backslash():
    _need_packages()
    hooks = _load("hooks")
    text = "| `--style paper\\|slides` | a \\| b |\n`x\\|y` outside a table\n```\n| `in\\|code` |\n```"
    assert hooks.table_code_pipes(text) == (
        "| `--style paper|slides` | a \\| b |\n`x\\|y` outside a table\n```\n| `in\\|code` |\n```"
    )


def test_rest_markup_in_docstrings_becomes_markdown():
    _need_packages()
    rest = _load("griffe_rest")
    assert rest.markdown_of("a :class:`Schedule`, :func:`~livermodel.model.parameters.resolve`") == (
        "a `Schedule`, `resolve`"
    )
    assert rest.markdown_of("the command line::\n\n    x = 1") == "the command line:\n\n    x = 1"
    lines = ["import x", "#: The states,", "#: in order.", "STATES = ()", "OTHER = 1"]
    assert rest.doc_comment(lines, 4) == "The states,\nin order."
    assert rest.doc_comment(lines, 5) == ""


@pytest.mark.slow
def test_site_builds_strict_with_the_api_reference_and_figures(tmp_path):
    """About 5 to 10 s on one core: the whole site, every page and the API reference."""
    _need_packages()
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # a banner of Material, not a build warning
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(CONFIG), "-d", str(site)],
        cwd=tmp_path,  # paths in the config are relative to the config file, not to where it runs
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "WARNING" not in log, log

    # the API reference: signatures and docstrings from the source, the reST roles made Markdown
    api = _text((site / "api" / "livermodel" / "index.html").read_text(encoding="utf-8"))
    assert "livermodel.simulate" in api
    assert re.search(r"simulate \( parameters : Mapping", api), "the signature of simulate is missing"
    assert "Simulate one run." in api and "numerical failure is reported on it, never raised" in api
    assert "State variables, in the order of the state vector." in api  # a '#:' comment of STATES
    results = _text((site / "api" / "results" / "index.html").read_text(encoding="utf-8"))
    assert "livermodel.BatchResult" in results and "to_xarray" in results
    for page in ("scenario", "plots", "sweep", "analysis", "sbml"):
        html = (site / "api" / page / "index.html").read_text(encoding="utf-8")
        assert f'id="livermodel.{page}' in html, page
    scenario = _text((site / "api" / "scenario" / "index.html").read_text(encoding="utf-8"))
    assert "load_scenario" in scenario and "parse_scenario" in scenario
    for page in (site / "api").rglob("*.html"):
        assert ":class:" not in page.read_text(encoding="utf-8"), page

    # the README is the home page, its links into docs/ rewritten
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "A quick tour" in home and 'href="cli/"' in home

    # every image of every page is in the site (figures are linked relative to the pages)
    shown = 0
    for page in site.rglob("*.html"):
        parser = _Images()
        parser.feed(page.read_text(encoding="utf-8"))
        for src in parser.sources:
            parts = urlsplit(src)
            if parts.scheme or parts.netloc or src.startswith("data:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)} shows {src}, which is not in the site"
            shown += 1
    assert shown >= 30  # the docs show about 40 figures
    assert (site / "figures" / "run-rat-phx-70-paper.png").is_file()

    # what is in docs/ but not a page stays out of the site
    assert not (site / "mkdocs").exists()
    assert not list(site.rglob("*.py"))
