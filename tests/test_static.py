"""Static checks, run as tests so that CI (``python -m pytest``) runs them: ``ruff check``,
``ruff format --check`` and mypy, each with the configuration in pyproject.toml.

The tools are in the ``test`` extra.  mypy keeps its incremental cache in pytest's cache folder
(``.pytest_cache/d/mypy``): a cold run takes 30-60 s (35 s of CPU; a minute on a busy two-core
machine), a warm one 2 s.  CI starts from a fresh checkout, so CI always checks cold; locally
``pytest --cache-clear`` does the same.  mypy's cache is keyed on the sources, the options and
the installed packages, so a warm run reports what a cold one would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_ruff_check_is_clean():
    proc = _run("ruff", "check", "--no-cache", "src", "tests")
    assert proc.returncode == 0, "ruff check src tests:\n" + _output(proc)


def test_ruff_format_leaves_every_file_as_it_is():
    proc = _run("ruff", "format", "--check", "--no-cache", "src", "tests")
    assert proc.returncode == 0, (
        "ruff format --check src tests (run 'ruff format src tests' to fix):\n" + _output(proc)
    )


@pytest.mark.slow
def test_mypy_reports_no_error(request):
    cache = request.config.cache.mkdir("mypy")
    proc = _run("mypy", "--config-file", ROOT / "pyproject.toml", "--cache-dir", cache)
    assert proc.returncode == 0 and "Success: no issues found" in proc.stdout, (
        "mypy (the configuration of pyproject.toml):\n" + _output(proc)
    )
