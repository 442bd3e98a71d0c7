"""Reading scenario YAML safely, with the file, line and column of every node, and composing
``extends:`` chains (a child's keys over its parent's).
"""

from __future__ import annotations

import copy
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from livermodel.errors import ScenarioError, did_you_mean
from livermodel.scenario.fields import (
    MAX_DEPTH,
    MAX_EXTENDS_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MERGED,
    NOT_INHERITED,
)

# ---------------------------------------------------------------------------------------------
# Reading YAML with positions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a value came from: file (or override text), 1-based line and column."""

    source: str
    line: int | None = None
    column: int | None = None
    key_line: int | None = None
    key_column: int | None = None


Path_ = tuple  # a key path: ('interventions', 0, 'at')


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _mark(node_mark) -> tuple[int, int]:
    return node_mark.line + 1, node_mark.column + 1


class _Reader:
    """Turns a composed YAML node tree into plain data and a location for every path."""

    def __init__(self, source: str):
        self._constructor = yaml.SafeLoader("")
        self.source = source
        self.locs: dict[Path_, Location] = {}
        self.count = 0
        self.stack: set[int] = set()

    def error(self, message, node, path, **kw) -> ScenarioError:
        line, col = _mark(node.start_mark)
        return ScenarioError(
            message, source=self.source, line=line, column=col, key=_dotted(path) or None, **kw
        )

    def walk(self, node, path: Path_, key_node=None):
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(
                f"the file expands to more than {MAX_NODES} YAML nodes",
                node,
                path,
                expected="a small scenario file",
                found="an alias-expanded tree",
            )
        line, col = _mark(node.start_mark)
        kl, kc = _mark(key_node.start_mark) if key_node is not None else (line, col)
        self.locs[path] = Location(self.source, line, col, kl, kc)
        if id(node) in self.stack:
            raise self.error(
                "a YAML alias refers to itself",
                node,
                path,
                expected="a finite tree",
                found="a recursive alias",
            )
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise self.error(
                f"unsupported YAML tag {node.tag!r}",
                node,
                path,
                expected="plain YAML (no tags)",
                found=node.tag,
            )
        if isinstance(node, yaml.MappingNode):
            self.stack.add(id(node))
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    raise self.error(
                        "a key must be a plain name",
                        knode,
                        path,
                        expected="a name such as 'species'",
                        found=f"a YAML {_node_kind(knode)}",
                    )
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise self.error(
                        "YAML merge keys ('<<') are not supported",
                        knode,
                        path,
                        expected="plain keys",
                        found="'<<'",
                        suggestion="Use 'extends:' to inherit from another scenario.",
                    )
                key = str(knode.value)
                if not _is_utf8(key):
                    raise self.error(
                        "this key holds a lone surrogate, which is not a character",
                        knode,
                        path,
                        expected="a plain name",
                        found=_printable(key),
                    )
                if key in out:
                    first = self.locs[path + (key,)]
                    raise self.error(
                        f"duplicate key '{key}'",
                        knode,
                        (*path, key),
                        expected="each key once per mapping",
                        found=f"'{key}' again (first at line {first.key_line})",
                    )
                out[key] = self.walk(vnode, (*path, key), knode)
            self.stack.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            self.stack.add(id(node))
            items = [self.walk(v, (*path, i)) for i, v in enumerate(node.value)]
            self.stack.discard(id(node))
            return items
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            raise self.error(f"cannot read this value: {_yaml_problem(err)}", node, path) from None
        if isinstance(value, str) and not _is_utf8(value):
            raise self.error(
                "this text holds a lone surrogate (an escape such as \\ud800), which is not a character",
                node,
                path,
                expected="text of real characters",
                found=_printable(value),
                suggestion="Remove the \\uD800-\\uDFFF escape",
            )
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise self.error(
                "unsupported YAML value",
                node,
                path,
                expected="a number, a string, true/false or a list/mapping",
                found=f"{type(value).__name__} {node.value!r}",
                suggestion="Quote it to make it a string.",
            )
        return value


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    return repr(text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:60])


class _DepthError(Exception):
    def __init__(self, mark):
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than :data:`MAX_DEPTH` while it composes (the
    composer is recursive: 2,000 levels would otherwise end in a RecursionError)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _DepthError(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str, source: str):
    """The YAML node tree of ``text``, with nesting limited to :data:`MAX_DEPTH` levels."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except _DepthError as err:
        line, col = _mark(err.mark)
        raise ScenarioError(
            f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
            source=source,
            line=line,
            column=col,
            expected=f"at most {MAX_DEPTH} levels (a scenario needs 4)",
            found="deeper nesting",
            suggestion="Flatten the structure; a scenario needs a few levels",
        ) from None
    finally:
        loader.dispose()


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _node_kind(node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "value")


def _yaml_problem(err) -> str:
    parts = [getattr(err, "context", None), getattr(err, "problem", None)]
    text = "; ".join(p for p in parts if p)
    return text or str(err).splitlines()[0]


def _read_text(text: str, source: str) -> tuple[dict, dict[Path_, Location]]:
    head = text.lstrip()[:200].lower()
    if head.startswith("<?xml") or head.startswith("<sbml"):
        what = "an SBML model" if "<sbml" in text[:2000].lower() else "an XML file"
        raise ScenarioError(
            f"this is {what}, not a livermodel scenario",
            source=source,
            expected="a scenario in YAML (see docs/scenarios.md)",
            found="XML",
            suggestion="livermodel writes SBML ('livermodel export') "
            "but runs scenarios; run the YAML scenario the model was exported "
            "from, or open the SBML file in COPASI, Tellurium or libRoadRunner",
        )
    try:
        node = compose(text, source)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = _mark(mark) if mark is not None else (None, None)
        raise ScenarioError(
            f"malformed YAML: {_yaml_problem(err)}",
            source=source,
            line=line,
            column=col,
            expected="valid YAML",
            found=_line_excerpt(text, line),
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"malformed YAML: {_yaml_problem(err)}", source=source) from None
    if node is None:
        raise ScenarioError(
            "the scenario is empty",
            source=source,
            line=1,
            column=1,
            expected="a mapping of keys such as 'species:' and 'insults:'",
            found="no content",
        )
    reader = _Reader(source)
    if not isinstance(node, yaml.MappingNode):
        line, col = _mark(node.start_mark)
        raise ScenarioError(
            "a scenario must be a mapping of keys",
            source=source,
            line=line,
            column=col,
            expected="keys such as 'species:' and 'insults:'",
            found=f"a YAML {_node_kind(node)}",
        )
    data = reader.walk(node, ())
    return data, reader.locs


def _line_excerpt(text: str, line: int | None) -> str | None:
    if line is None:
        return None
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        return repr(lines[line - 1].strip()[:80])
    return "the end of the file"


def read_limited(path: Path, source: str, limit: int = MAX_FILE_BYTES, what: str = "scenario file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Anything else is refused before a byte is read: a FIFO (which would block), a device such
    as ``/dev/zero`` (endless), a directory, a file over ``limit`` bytes.  ``what`` names the
    file in the messages (``scenario file``, ``problem file``, ``data table``).
    """
    a = "an" if what[0] in "aeiou" else "a"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(
            f"{what} not found", source=source, expected=f"an existing {what}", found="no such file"
        ) from None
    except OSError as err:
        raise ScenarioError(f"cannot read the {what}: {err.strerror}", source=source) from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(f"this is a directory, not {a} {what}", source=source)
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(
            "this is not a regular file",
            source=source,
            expected=_EXPECTED.get(what, f"{a} {what}"),
            found=_file_kind(st.st_mode),
            suggestion=f"Save the {what} to a file and give its path",
        )
    if st.st_size > limit:
        raise ScenarioError(
            f"the {what} is too large",
            source=source,
            expected=f"at most {limit:,} bytes",
            found=f"{st.st_size:,} bytes",
            suggestion=_TOO_LARGE.get(what),
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ScenarioError(f"cannot read the {what}: {err.strerror}", source=source) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced since the stat above
            raise ScenarioError("this is not a regular file", source=source)
        try:
            raw = fh.read(limit + 1)
        except OSError as err:
            raise ScenarioError(f"cannot read the {what}: {err.strerror}", source=source) from None
    if len(raw) > limit:
        raise ScenarioError(
            f"the {what} is too large", source=source, expected=f"at most {limit:,} bytes", found="more"
        )
    return raw


_EXPECTED = {"scenario file": "a .yaml file", "problem file": "a .yaml file", "data table": "a .csv file"}
_TOO_LARGE = {
    "scenario file": "A scenario is a few kB; split out data it does not need",
    "problem file": "A problem file is a few kB: it names scenarios and data tables",
    "data table": "Keep the measured points the fit needs (a table of a few thousand rows is ample)",
}


def read_text_file(path: Path, source: str, limit: int = MAX_FILE_BYTES, what: str = "scenario file") -> str:
    """The text of the UTF-8 regular file ``path`` (see :func:`read_limited`); bytes that are
    not UTF-8 are a :class:`ScenarioError` naming the line."""
    return decode_text(read_limited(path, source, limit, what), source, what)


def decode_text(raw: bytes, source: str, what: str = "scenario file") -> str:
    """``raw`` as UTF-8 text (a byte-order mark dropped); bytes that are not UTF-8 are a
    :class:`ScenarioError` naming the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(
            f"the {what} is not UTF-8 text",
            source=source,
            line=line,
            expected=f"a UTF-8 encoded {what}",
            found=f"byte 0x{raw[err.start]:02x}",
        ) from None


def read_stdin(limit: int = MAX_FILE_BYTES) -> str:
    """The scenario text piped into standard input (``-``): at most ``limit`` bytes, UTF-8.  A
    terminal is refused instead of waiting for typing that may never end."""
    stream = sys.stdin
    if stream is None or stream.isatty():
        raise ScenarioError(
            "'-' reads the scenario from standard input, which is a terminal here",
            source="<stdin>",
            expected="a scenario piped in",
            suggestion="Pipe a file in: livermodel run - < my-study.yaml",
        )
    raw = stream.buffer.read(limit + 1) if hasattr(stream, "buffer") else stream.read(limit + 1)
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if len(raw) > limit:
        raise ScenarioError(
            f"standard input holds more than {limit:,} bytes",
            source="<stdin>",
            expected=f"a scenario of at most {limit:,} bytes",
            suggestion="Scenario files are small: check what is piped in",
        )
    return decode_text(raw, "<stdin>", "scenario")


def _file_kind(mode: int) -> str:
    for test, word in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return "a special file"


def _read_file(path: Path) -> tuple[dict, dict[Path_, Location]]:
    source = str(path)
    return _read_text(read_text_file(path, source), source)


# ---------------------------------------------------------------------------------------------
# Composition: extends, then overrides
# ---------------------------------------------------------------------------------------------


def _merge(parent: dict, child: dict) -> dict:
    """Lay ``child`` over ``parent``: top-level MERGED mappings merge key by key, the rest replace."""
    out = {k: copy.deepcopy(v) for k, v in parent.items() if k not in NOT_INHERITED and k != "extends"}
    for key, value in child.items():
        if key in MERGED and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            merged.update(copy.deepcopy(value))
            out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def _locate(data, layers: list[dict[Path_, Location]], path: Path_ = ()) -> dict[Path_, Location]:
    """A location for every path of ``data``: the first layer (child first) that has it."""
    out: dict[Path_, Location] = {}
    for layer in layers:
        if path in layer:
            out[path] = layer[path]
            break
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_locate(v, layers, (*path, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(_locate(v, layers, (*path, i)))
    return out


def _paths(data, path: Path_ = ()):
    """Every key path inside ``data`` (``path`` itself included)."""
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*path, i))


#: Environment variable: more folders (separated by ``os.pathsep``) that ``extends:`` may read.
EXTENDS_PATH_ENV = "LIVERMODEL_EXTENDS_PATH"


def extends_roots(first: Path, extra=()) -> tuple[Path, ...]:
    """The folders whose trees ``extends:`` may read, for a chain that starts at ``first``: the
    folder of ``first``, the library, the folders in ``extra`` and in ``LIVERMODEL_EXTENDS_PATH``."""
    roots = [Path(first).resolve().parent, library_path()]
    env = os.environ.get(EXTENDS_PATH_ENV, "")
    for item in [*extra, *env.split(os.pathsep)]:
        if str(item).strip():
            roots.append(Path(item).expanduser().resolve())
    return tuple(roots)


def _inside(path: Path, roots) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _read_parent(path: Path) -> tuple[dict, dict[Path_, Location]]:
    """A file named by ``extends:``: read as a scenario, but an error never quotes its content
    (it may be any file, such as credentials), and keys that no scenario has are refused."""
    from livermodel.scenario.fields import TOP_LEVEL

    try:
        data, locs = _read_file(path)
    except ScenarioError as err:
        raise ScenarioError(
            "the file named in extends is not a valid scenario file",
            source=err.source,
            line=err.line,
            column=err.column,
            expected="a scenario file",
            suggestion=f"Check it with 'livermodel validate {path}'",
        ) from None
    known = {f.name for f in TOP_LEVEL} | {"extends"}
    if any(k not in known for k in data):
        raise ScenarioError(
            "the file named in extends is not a scenario file (it has keys that no scenario has)",
            source=str(path),
            expected="a scenario file",
            suggestion=f"Check it with 'livermodel validate {path}'",
        )
    return data, locs


def _load_chain(path: Path, seen: tuple[Path, ...], roots=None) -> tuple[dict, dict[Path_, Location]]:
    roots = extends_roots(path) if roots is None else roots
    data, locs = _read_file(path) if not seen else _read_parent(path)
    ext = data.get("extends")
    if ext is None:
        return data, locs
    loc = locs.get(("extends",))
    where: dict[str, Any] = {
        "source": str(path),
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "key": "extends",
    }
    if not isinstance(ext, str) or not ext.strip():
        raise ScenarioError(
            "extends must be the path of another scenario file",
            **where,
            expected="a relative path such as 'base.yaml'",
            found=repr(ext),
        )
    parent_path = (path.parent / ext).resolve()
    if not _inside(parent_path, roots):
        raise ScenarioError(
            "extends names a file outside the scenario's folder and the library",
            **where,
            expected="a path inside " + " or ".join(f"'{r}'" for r in roots[:2]),
            found=repr(ext),
            suggestion=f"Copy the file next to the scenario, or allow its folder with {EXTENDS_PATH_ENV}=DIR",
        )
    if parent_path in seen or parent_path == path.resolve():
        chain = " -> ".join(p.name for p in (*seen, path.resolve(), parent_path))
        raise ScenarioError(
            "extends forms a cycle",
            **where,
            expected="a chain that ends",
            found=chain,
            suggestion="Remove one of the extends: keys.",
        )
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            "extends chain is too long",
            **where,
            expected=f"at most {MAX_EXTENDS_DEPTH} levels",
            found=f"{len(seen)}",
        )
    if not parent_path.is_file():
        hint = None
        if parent_path.parent.is_dir():
            hint = did_you_mean(Path(ext).name, [p.name for p in parent_path.parent.glob("*.y*ml")])
        raise ScenarioError(
            "the scenario named in extends does not exist",
            **where,
            expected="a path relative to this file",
            found=f"{ext!r} (looked for {parent_path})",
            suggestion=hint,
        )
    pdata, plocs = _load_chain(parent_path, (*seen, path.resolve()), roots)
    merged = _merge(pdata, data)
    return merged, _locate(merged, [locs, plocs])


def library_path() -> Path:
    """The folder of the shipped scenario library (inside the installed package)."""
    return Path(__file__).resolve().parent.parent / "scenarios"


def find_scenario(name_or_path: str | Path) -> Path:
    """``name_or_path`` as a file: an existing path, or a library scenario by name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    lib = library_path()
    candidate = lib / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    names = [p.stem for p in lib.glob("*.yaml")]
    raise ScenarioError(
        f"no scenario file or library scenario called '{name_or_path}'",
        source=str(name_or_path),
        expected="a .yaml file or a library name (see 'livermodel scenarios')",
        found="neither",
        suggestion=_close_names(str(name_or_path), names),
    )


def _close_names(name: str, names) -> str | None:
    """Up to three close library names (``rat-phx-07`` is as close to ``rat-phx-70`` as to
    ``rat-phx-90``: both are offered rather than one at random)."""
    import difflib

    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    if not close:
        return None
    best = difflib.SequenceMatcher(None, name, close[0]).ratio()
    same = [c for c in close if difflib.SequenceMatcher(None, name, c).ratio() >= best - 0.05]
    # the same characters in another order (a transposition) rank first
    same.sort(key=lambda c: (sorted(c) != sorted(name), close.index(c)))
    return "Did you mean " + " or ".join(f"'{c}'" for c in same) + "?"
