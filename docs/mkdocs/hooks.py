"""MkDocs hooks of the documentation site (docs/mkdocs/mkdocs.yml).

The repository's README.md is the site's home page.  It lives outside docs/, so it is added as a
generated ``index.md``; its links into ``docs/`` (``docs/cli.md``, ``docs/figures/...``) are
rewritten to the same files seen from the site's root.  The README itself is not changed, so its
links keep working in a repository browser.

In a table, GitHub needs a ``|`` inside inline code written ``\\|`` (or it ends the cell), and shows
it as ``|``; Python-Markdown keeps the backslash, and needs no escape there.  So the escape is
dropped from inline code in table rows before a page is rendered.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File, Files

README = Path(__file__).resolve().parents[2] / "README.md"

#: a Markdown link or image target that starts with docs/
_DOCS_LINK = re.compile(r"(\]\()docs/")


def readme_as_index(text: str) -> str:
    """The README's Markdown with its ``docs/...`` link targets made relative to docs/."""
    return _DOCS_LINK.sub(r"\1", text)


#: inline code: a run of backticks, the code, the same run
_CODE = re.compile(r"(`+)(.+?)\1")


def table_code_pipes(text: str) -> str:
    """The Markdown ``text`` with ``\\|`` made ``|`` inside inline code in table rows."""
    lines, fenced = text.split("\n"), False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
        elif not fenced and stripped.startswith("|"):
            lines[i] = _CODE.sub(lambda code: code.group(0).replace("\\|", "|"), line)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return table_code_pipes(markdown)


def on_files(files: Files, config) -> Files:
    if files.get_file_from_path("index.md") is None:
        files.append(
            File.generated(config, "index.md", content=readme_as_index(README.read_text(encoding="utf-8")))
        )
    return files
