"""A griffe extension for the API reference (docs/mkdocs/mkdocs.yml): the docstrings are written
with a little reStructuredText, which the Markdown of the site would show as is.

- a role, ``:class:`Schedule``` or ``:func:`~livermodel.model.parameters.resolve```, becomes the
  inline code it marks (```Schedule```, ```resolve```);
- a paragraph ending in ``::`` (a reST literal block follows, indented, which Markdown already
  shows as code) ends in a single ``:``;
- the ``#:`` comment lines just above an attribute (the Sphinx way of documenting a constant such
  as ``STATES``, which griffe does not read) become that attribute's docstring.

Only the text mkdocstrings renders changes; the source is left alone.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")
LITERAL = re.compile(r"(\S)::$", re.MULTILINE)


def markdown_of(text: str) -> str:
    """``text`` with its reST roles and literal-block markers as Markdown shows them."""
    return LITERAL.sub(r"\1:", ROLE.sub(_code, text))


def _code(role: re.Match) -> str:
    short, target = role.groups()  # '~' shows only the last part of a dotted name, as in Sphinx
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def doc_comment(lines: list[str], lineno: int) -> str:
    """The ``#:`` lines right above line ``lineno`` (1-based) of ``lines``, without the marker."""
    above: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        above.insert(0, lines[i].lstrip()[2:].strip())
        i -= 1
    return "\n".join(above)


class RestToMarkdown(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)

    def on_attribute_instance(self, *, node, attr: griffe.Attribute, agent, **kwargs) -> None:
        code = getattr(agent, "code", None)  # the visited module's source (static analysis)
        if attr.docstring is None and code and getattr(node, "lineno", None):
            text = doc_comment(code.splitlines(), node.lineno)
            if text:
                attr.docstring = griffe.Docstring(markdown_of(text), parent=attr)
