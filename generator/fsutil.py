"""Files that appear whole or not at all: :func:`atomic_write`, the one way Pasture writes.

Every output (workbooks, ``.ics`` calendars, ``report.json``, cache entries, templates,
sample books) is written to a temporary file beside its target and renamed over it once
complete. A crash, a ``kill -9`` or an exception mid-write leaves the old file (or none)
under the real name, never half a file::

    with atomic_write(out / "report.json") as tmp:
        tmp.write_text(text, encoding="utf-8")

The temporary name, ``.<name>.<32 hex>.tmp``, is new for every call, so two runs, two
workers or two threads never write one temporary file; it is hidden, it lives in the
target's folder (``os.replace`` is atomic only within one file system), and it matches
``runlock.TEMP_PATTERNS``, so a killed run's leftover is swept by the next run. The file
is created by whoever writes it, with the usual umask permissions. There is no fsync:
the guarantee is against crashes of the process, not against power loss.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "temporary_name"]

# Room for ".", ".<32 hex>.tmp" and a margin under the usual 255-byte name limit.
_NAME_BYTES = 200


def temporary_name(target: Path) -> Path:
    """A fresh hidden name beside ``target`` (long names are shortened to fit)."""
    name = target.name
    while len(name.encode("utf-8", "surrogateescape")) > _NAME_BYTES:
        name = name[:-1]
    return target.with_name(f".{name}.{uuid.uuid4().hex}.tmp")


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on normal exit it replaces ``path`` in one rename.

    The block may write the temporary path any way it likes (``write_bytes``, ``open``,
    a library that takes a file name) but must have closed it before the block ends.
    If the block raises, the temporary file is removed and ``path`` is left as it was.
    The target's folder is created when missing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
