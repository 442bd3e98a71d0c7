"""Writing files safely: atomic writes, file hashes and figure formats.

The lowest layer of output: figures, run folders, sweeps and analyses all write through
:func:`atomic_path` (a temporary file renamed into place), so a killed command never leaves a
half-written file under its final name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from livermodel.errors import LivermodelError, did_you_mean

FIGURE_FORMATS = ("png", "svg", "pdf")


# --------------------------------------------------------------------------------------------
# atomic writing
# --------------------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    If the ``with`` block raises (or the process is interrupted) the temporary file is removed
    and ``path`` is left as it was: it never holds a half-written file.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _file_mode() -> int:
    """Permissions of a newly created file under the current umask (0o644 for umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; returns ``path``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    return path


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# checking paths and options
# --------------------------------------------------------------------------------------------


def check_formats(formats: str | Iterable[str]) -> list[str]:
    """Parse ``"png,svg"`` (or a list) into known figure formats; raise on an unknown one."""
    if isinstance(formats, str):
        formats = [formats]
    out: list[str] = []
    for item in formats:
        for fmt in str(item).split(","):
            fmt = fmt.strip().lower().lstrip(".")
            if not fmt or fmt == "none":
                continue
            if fmt not in FIGURE_FORMATS:
                raise LivermodelError(
                    f"unknown figure format '{fmt}'",
                    key="--format",
                    expected=f"a comma-separated list of {', '.join(FIGURE_FORMATS)} (or 'none')",
                    found=repr(fmt),
                    suggestion=did_you_mean(fmt, FIGURE_FORMATS),
                )
            if fmt not in out:
                out.append(fmt)
    return out


def check_name(path: str | Path, key: str = "--out") -> Path:
    """``path`` as a name a user meant: not empty, no control characters (a trailing newline from
    a script, a tab); raises :class:`LivermodelError` naming ``key``."""
    text = str(path)
    if not text.strip():
        raise LivermodelError(
            "the output name is empty",
            key=key,
            expected="a file or folder name",
            found=repr(text),
            suggestion=f"Give a name with {key}, or leave the option out for the default",
        )
    bad = [c for c in text if ord(c) < 32 or ord(c) == 127]
    if bad:
        raise LivermodelError(
            "the output name holds a control character",
            key=key,
            expected="a name of printable characters",
            found=repr(text),
            suggestion="Remove the newline or tab (often left by $(...) or a file read line by line)",
        )
    return Path(text)


def check_target_file(path: str | Path, key: str = "--output") -> Path:
    """``path`` as the target of a one-file write: a new name, or an existing regular file.

    A device node (``/dev/full``), a FIFO, a socket or a folder is refused, as is a name whose
    folder does not exist or cannot be written; raises :class:`LivermodelError` naming ``key``.
    """
    import stat

    path = check_name(path, key)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise LivermodelError(f"cannot use '{path}': {err.strerror or err}", key=key) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise LivermodelError(
            f"'{path}' is a folder",
            key=key,
            expected="a file name",
            suggestion=f"Give a file name inside it, e.g. {path}/out",
        )
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise LivermodelError(
            f"'{path}' is not a regular file",
            key=key,
            expected="a new file name or an existing regular file",
            found="a device, FIFO or socket",
            suggestion="Write to an ordinary file and copy it from there",
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise LivermodelError(
            f"cannot write '{path}': its folder does not exist",
            key=key,
            expected="a file in an existing folder",
            found=str(parent),
            suggestion=f"Create it first (mkdir -p {parent})",
        )
    if not os.access(parent, os.W_OK | os.X_OK) or (st is not None and not os.access(path, os.W_OK)):
        raise LivermodelError(
            f"cannot write '{path}': permission denied",
            key=key,
            suggestion="Choose a folder you can write to, or fix its permissions",
        )
    probe_writable(parent, path, key)
    return path


def probe_writable(folder: Path, path: Path, key: str = "--output") -> None:
    """Write, sync and remove one byte in ``folder`` before the work starts, so that a read-only
    or full file system is reported at once, not after minutes of simulation (a disk that fills
    up later is still caught by the write itself, which leaves nothing behind)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        try:
            os.write(fd, b"\0")
            os.fsync(fd)
        finally:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
    except OSError as err:
        raise LivermodelError(
            f"cannot write '{path}': {err.strerror or err}",
            key=key,
            suggestion="Check free disk space and permissions, or choose another folder",
        ) from None
