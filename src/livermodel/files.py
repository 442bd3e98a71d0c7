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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
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
                    f"unknown figure format '{fmt}'", key="--format",
                    expected=f"a comma-separated list of {', '.join(FIGURE_FORMATS)} (or 'none')",
                    found=repr(fmt), suggestion=did_you_mean(fmt, FIGURE_FORMATS),
                )
            if fmt not in out:
                out.append(fmt)
    return out
