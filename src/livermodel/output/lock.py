"""A lock on an output folder for the whole of a command, so that two commands never write into
the same folder at once (one's provenance with the other's tables).

:func:`lock_folder` takes an exclusive, non-blocking ``flock`` on a small file next to the folder
(``results/.rat-phx-70.lock``; inside the folder if its parent cannot be written) and records
who holds it: process id, host, start time and command.  A second command that wants the same
folder is refused at once with that record.  The lock is kept until the end of the command
(:func:`command_scope`, which the command line opens around every command); a Python call
outside a scope only checks that no command holds the folder.  The operating system drops a
lock when its process dies, so a killed command never leaves a folder locked.
"""

from __future__ import annotations

import atexit
import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path

from livermodel.errors import LivermodelError

#: Locks this process holds: resolved folder -> (file descriptor, lock file path).
_HELD: dict[Path, tuple[int, Path]] = {}
#: The folders locked in each open command scope (innermost last).
_SCOPES: list[list[Path]] = []
#: Folders the open command scopes created (innermost scope last; parents before children).
_CREATED: list[list[Path]] = []


def lock_path(folder: Path) -> Path:
    """Where the lock of ``folder`` (resolved) lives."""
    parent = folder.parent
    if parent != folder and os.access(parent, os.W_OK | os.X_OK):
        return parent / f".{folder.name}.lock"
    return folder / ".livermodel.lock"


def _holder(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(500).strip()
    except OSError:
        text = ""
    return text or "another process"


def lock_folder(folder: str | Path, command: str | None = None) -> Path:
    """Lock ``folder`` (which exists) for this process; returns the lock file.

    Re-entrant within a process; kept until the enclosing :func:`command_scope` ends (outside
    one, released at once: a check that no other command holds it).  Raises
    :class:`LivermodelError` (key ``--out``) naming the holder when another process has it.
    Where locks are not supported (no ``fcntl``, or a file system that refuses them) nothing
    is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return Path(folder)
    folder = Path(folder).resolve()
    if folder in _HELD:
        _register(folder)
        return _HELD[folder][1]
    for held in _HELD:
        if folder.is_relative_to(held):  # inside a folder this process holds (a comparison's arms)
            return _HELD[held][1]
    path = lock_path(folder)
    for _ in range(20):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return path  # cannot create a lock file: the folder check reports real trouble
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LivermodelError(
                f"the output folder '{folder}' is in use by another livermodel command ({_holder(path)})",
                key="--out",
                suggestion="Wait until it has finished, or choose another folder with --out",
            ) from None
        except OSError:
            os.close(fd)
            return path  # locks not supported here
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not unlinked by a holder that released it meanwhile
            break
        os.close(fd)
    else:  # pragma: no cover - a lock file replaced 20 times in a row
        raise LivermodelError(f"cannot lock the output folder '{folder}'", key="--out")
    cmd = command or " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:300]
    from datetime import datetime, timezone

    since = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    info = f"pid {os.getpid()} on {socket.gethostname()} since {since}: {cmd}"
    try:
        os.ftruncate(fd, 0)
        os.write(fd, info.encode("utf-8", "replace"))
    except OSError:
        pass  # the lock holds even if its note cannot be written (a full disk)
    _HELD[folder] = (fd, path)
    if not _SCOPES:  # a plain Python call: checked, not kept (see command_scope)
        release(folder)
        return path
    _register(folder)
    return path


def _register(folder: Path) -> None:
    if _SCOPES and folder not in _SCOPES[-1]:
        if not any(folder in s for s in _SCOPES):
            _SCOPES[-1].append(folder)


def release(folder: str | Path) -> None:
    """Release the lock of ``folder`` if this process holds it (and remove the lock file)."""
    folder = Path(folder).resolve()
    held = _HELD.pop(folder, None)
    if held is None:
        return
    fd, path = held
    try:
        os.unlink(path)  # while still locked: a waiting process sees the inode change and retries
    except OSError:
        pass
    os.close(fd)


def release_all() -> None:
    for folder in list(_HELD):
        release(folder)


atexit.register(release_all)


def _forget_in_child() -> None:
    """In a forked child (a sweep worker): close the inherited lock descriptors without
    unlinking anything, so that the lock ends with the command, not with its last worker."""
    for fd, _ in _HELD.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()
    _SCOPES.clear()
    _CREATED.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def note_created(folders) -> None:
    """Record folders this command created (parents first): a command that fails removes those
    still empty when its scope ends, so a refused command leaves no empty output folder."""
    if _CREATED:
        _CREATED[-1].extend(Path(f) for f in folders)


@contextmanager
def command_scope():
    """Every folder locked inside the ``with`` block is released when it ends; when the block
    ends with an exception, the folders it created (:func:`note_created`) that are still empty
    are removed."""
    _SCOPES.append([])
    _CREATED.append([])
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        for folder in _SCOPES.pop():
            release(folder)
        created = _CREATED.pop()
        if failed:
            for folder in reversed(created):
                if not _remove_if_empty_and_free(folder):
                    break  # not empty, gone or in use: its parents are not empty either


def _remove_if_empty_and_free(folder: Path) -> bool:
    """Remove the empty ``folder`` unless another command holds its lock: a command refused
    because another one locked the folder it had just created must not pull the folder away
    from under that command (whose files are not written yet)."""
    with command_scope():  # the lock is held while the folder goes, and released after
        try:
            lock_folder(folder)
            folder.rmdir()  # only if empty
        except (LivermodelError, OSError):
            return False  # another process works in it, or it is not empty
        return True
