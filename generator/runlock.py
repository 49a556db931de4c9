"""One run per output folder: an exclusive lock, per-run temporary names, leftover sweep.

Two ``pasture build`` runs into one ``--out`` (or onto one history store) would rename
each other's temporary workbooks and delete each other's files. A run therefore holds
an OS lock on ``OUT/.pasture.lock`` (and on ``.<history>.lock``) from start to end; a
second run is refused at once with :class:`OutputBusy`::

    with lock_run(out) as run:          # raises OutputBusy when another run holds it
        part = folder / run.temp_name(7, ".xlsx")   # .part-<pid>-<random>-000007.xlsx

The lock is ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows: the OS drops
it when the process ends, even on ``kill -9``, so there is never a stale lock to clear.
Holding it, a run may treat every temporary file in its folders as left over by a dead
run and remove it (:func:`sweep_leftovers`).
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

__all__ = ["LOCK_NAME", "TEMP_PATTERNS", "OutputBusy", "Run", "lock_path", "lock_run", "sweep_leftovers"]

LOCK_NAME = ".pasture.lock"
#: Temporary names any Pasture run may leave behind after a crash (and nothing else);
#: ``.*.tmp`` also covers older releases' ``.~pasture-*.tmp``.
TEMP_PATTERNS = (".part-*", ".move-*", ".*.tmp")
#: Folders of an output folder that hold Pasture's temporaries (the site stages itself).
_TEMP_FOLDERS = (".", "workbooks", "calendars", ".cache", ".cache/agents")


class OutputBusy(Exception):
    """Another run holds the output folder or history store; nothing was written."""

    def __init__(self, path: Path, owner: dict[str, Any]) -> None:
        self.path, self.owner = path, owner
        who = ""
        if owner.get("pid"):
            who = f"（进程 {owner['pid']}"
            who += f"，{owner['host']}" if owner.get("host") else ""
            who += f"，开始于 {owner['started']}）" if owner.get("started") else "）"
        super().__init__(
            f"{path.parent} 正被另一个 pasture build 使用{who}。两次运行同时写一个文件夹会把代理人的工作簿"
            f"互相覆盖，所以本次运行没有写任何文件。请等另一次运行结束后再试，或用 --out 换一个输出文件夹。")


@dataclass(frozen=True)
class Run:
    """A locked run: its token makes temporary names that no other run can produce."""

    token: str  # "<pid>-<8 hex>"

    def temp_name(self, index: int, suffix: str) -> str:
        return f".part-{self.token}-{index:06d}{suffix}"


def new_run() -> Run:
    return Run(f"{os.getpid()}-{secrets.token_hex(4)}")


def lock_path(store: Path) -> Path:
    """The lock file of a store file such as ``pasture.db`` (``.pasture.db.lock``, hidden)."""
    return store.with_name(f".{store.name}.lock")


@contextmanager
def lock_run(out: Path, *stores: Path) -> Iterator[Run]:
    """Hold the lock of the ``out`` folder and of each store file (history) for the run."""
    run = new_run()
    with ExitStack() as stack:
        for path in (out / LOCK_NAME, *(lock_path(s) for s in stores)):
            stack.enter_context(_locked(path))
        yield run


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No O_TRUNC: a refused run must not wipe the holder's note; no following a link
    # planted in the folder (the note would be written to wherever it points).
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    fh = os.fdopen(fd, "r+", encoding="utf-8")
    try:
        if not _try_lock(fh):
            raise OutputBusy(path, _read_owner(fh))
        try:
            _write_owner(fh)
            yield
        finally:
            _unlock(fh)
    finally:
        fh.close()


def _try_lock(fh: IO[str]) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover - not exercised on the Linux CI
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fh: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _write_owner(fh: IO[str]) -> None:
    """Who holds the lock, for the message a refused run prints (best effort)."""
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": datetime.now().isoformat(timespec="seconds")}))
        fh.flush()
    except OSError:
        pass


def _read_owner(fh: IO[str]) -> dict[str, Any]:
    try:
        fh.seek(0)
        data = json.loads(fh.read() or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def sweep_leftovers(out: Path) -> list[Path]:
    """Remove temporary files a killed run left in ``out`` (call only while holding its
    lock: then no live run owns them). Returns what was removed."""
    removed = []
    for folder in _TEMP_FOLDERS:
        where = out / folder
        if not where.is_dir():
            continue
        for pattern in TEMP_PATTERNS:
            for path in where.glob(pattern):
                if path.is_file() and not path.is_symlink() and path.name != LOCK_NAME:
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed
