"""The branch index: each agent's phone uses and history rows, kept on disk between runs.

A branch build needs two things from every book after the workers are done with it:
the person phones on its client rows (for the cross-agent checks in
:mod:`generator.integrity`) and one history row per client (for the store in
:mod:`generator.history`). Held in memory for 2,000 agents that is millions of tuples,
so the main process parks them here as each book arrives and keeps only the book's
summary. The file lives in the output folder's cache (``OUT/.cache/branch.sqlite``),
so a rebuild that reuses an agent's cached result finds that agent's rows already in
place and re-reads nothing.

Only the phones that can produce a finding (used by two or more books, or an agent's
own phone) are ever loaded back, so the memory of the check follows the number of
findings, not the size of the branch.

    >>> import tempfile, pathlib
    >>> from generator.models import AgentInfo
    >>> index = BranchIndex(pathlib.Path(tempfile.mkdtemp()) / "branch.sqlite")
    >>> index.put("a.xlsx", "k1", AgentInfo("A1", "张三"), phones=[], history_rows=[("c1", "closed", "A", "宠爱", 1, 10.0, None)])
    >>> index.key("a.xlsx"), index.history_rows("a.xlsx")
    ('k1', [('c1', 'closed', 'A', '宠爱', 1, 10.0, None)])
    >>> index.close()
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .integrity import Finding, PhoneIndex, PhoneUse, top_repeated_phone
from .models import AgentInfo

__all__ = ["INDEX_NAME", "BranchIndex"]

INDEX_NAME = "branch.sqlite"
# Bump when the tables change: an index of another format is dropped and rebuilt.
FORMAT = 1

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (format INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS books (
    source TEXT PRIMARY KEY, key TEXT NOT NULL, agent_id TEXT, agent_name TEXT, agent_phone TEXT,
    rows INTEGER NOT NULL, top INTEGER NOT NULL, history TEXT);
CREATE TABLE IF NOT EXISTS uses (
    seq INTEGER PRIMARY KEY, source TEXT NOT NULL, phone TEXT NOT NULL, name TEXT NOT NULL,
    sheet TEXT NOT NULL, row INTEGER NOT NULL, col TEXT NOT NULL, letter TEXT);
CREATE INDEX IF NOT EXISTS uses_source ON uses (source);
CREATE INDEX IF NOT EXISTS uses_phone ON uses (phone, source);
INSERT INTO meta SELECT {FORMAT} WHERE NOT EXISTS (SELECT 1 FROM meta);
"""


class BranchIndex:
    """Per-source phone uses and history rows in one SQLite file (see the module doc).

    One process writes it (the one running the build); it is a cache, so a damaged or
    foreign-format file is simply started afresh.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        # No path: a private temporary database SQLite deletes on close.
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return _connect(self.path)
        except sqlite3.DatabaseError:
            if self.path is None:
                raise
            self.path.unlink(missing_ok=True)  # a cache: start it afresh
            return _connect(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BranchIndex:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------
    def put(self, source: str, key: str, agent: AgentInfo, *, phones: Iterable[PhoneUse | Sequence[Any]],
            history_rows: Iterable[Sequence[Any]] | None) -> None:
        """Replace what is known about ``source`` (computed under cache ``key``)."""
        uses = [u if isinstance(u, PhoneUse) else PhoneUse(*u) for u in phones]
        history = None if history_rows is None else json.dumps([list(r) for r in history_rows], ensure_ascii=False)
        conn = self.conn
        conn.execute("BEGIN")
        try:
            conn.execute("DELETE FROM uses WHERE source = ?", (source,))
            conn.execute("INSERT OR REPLACE INTO books VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (source, key, agent.agent_id, agent.name, agent.phone, len(uses),
                          top_repeated_phone(uses), history))
            conn.executemany("INSERT INTO uses (source, phone, name, sheet, row, col, letter) VALUES (?,?,?,?,?,?,?)",
                             [(source, u.phone, u.name, u.sheet, u.row, u.column, u.letter) for u in uses])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def keep_only(self, sources: Iterable[str]) -> None:
        """Forget every source not in ``sources`` (agents no longer in the input)."""
        keep = set(sources)
        gone = [(s,) for (s,) in self.conn.execute("SELECT source FROM books") if s not in keep]
        if gone:
            self.conn.execute("BEGIN")
            self.conn.executemany("DELETE FROM uses WHERE source = ?", gone)
            self.conn.executemany("DELETE FROM books WHERE source = ?", gone)
            self.conn.execute("COMMIT")

    # -- reading -----------------------------------------------------------------------
    def key(self, source: str) -> str | None:
        """The cache key ``source`` was last recorded under, or None."""
        row = self.conn.execute("SELECT key FROM books WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def history_rows(self, source: str) -> list[tuple[Any, ...]] | None:
        row = self.conn.execute("SELECT history FROM books WHERE source = ?", (source,)).fetchone()
        if row is None or row[0] is None:
            return None
        return [tuple(r) for r in json.loads(row[0])]

    def phone_uses(self, source: str) -> list[PhoneUse]:
        return [PhoneUse(*r) for r in self.conn.execute(
            "SELECT phone, name, sheet, row, col, letter FROM uses WHERE source = ? ORDER BY seq", (source,))]

    def findings(self, sources: Sequence[str], **limits: Any) -> list[Finding]:
        """The cross-agent findings over ``sources`` (in this order), as PhoneIndex gives.

        Only phones that can produce a finding are loaded: those on two or more books
        and the agents' own phones.
        """
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS temp.wanted")
        conn.execute("CREATE TEMP TABLE wanted (source TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", [(s,) for s in sources])
        conn.execute("DROP TABLE IF EXISTS temp.candidates")
        conn.execute(
            "CREATE TEMP TABLE candidates AS"
            " SELECT phone FROM uses WHERE source IN (SELECT source FROM temp.wanted)"
            " GROUP BY phone HAVING COUNT(DISTINCT source) > 1"
            " UNION SELECT agent_phone FROM books"
            " WHERE agent_phone IS NOT NULL AND source IN (SELECT source FROM temp.wanted)")
        picked: dict[str, list[PhoneUse]] = {}
        for source, *use in conn.execute(
                "SELECT source, phone, name, sheet, row, col, letter FROM uses"
                " WHERE phone IN (SELECT phone FROM temp.candidates)"
                " AND source IN (SELECT source FROM temp.wanted) ORDER BY seq"):
            picked.setdefault(source, []).append(PhoneUse(*use))
        books = {row[0]: row[1:] for row in conn.execute(
            "SELECT source, agent_id, agent_name, agent_phone, rows, top FROM books"
            " WHERE source IN (SELECT source FROM temp.wanted)")}
        index = PhoneIndex(**limits)
        for source in dict.fromkeys(sources):
            if source not in books:
                continue
            agent_id, name, phone, rows, top = books[source]
            index.add(source, AgentInfo(agent_id or "", name or "", phone=phone), picked.get(source, []),
                      rows=rows, top=top)
        conn.execute("DROP TABLE temp.candidates")
        conn.execute("DROP TABLE temp.wanted")
        return index.findings()


def _connect(path: Path | None) -> sqlite3.Connection:
    """Open (creating) an index; raises DatabaseError for a damaged or other-format file."""
    conn = sqlite3.connect(str(path) if path is not None else "", isolation_level=None)
    try:
        # Journal kept (a killed run rolls back cleanly); no fsync: it is a cache, and
        # losing it to a power cut only costs a full rebuild.
        conn.execute("PRAGMA synchronous=OFF")
        if _has_meta(conn) and conn.execute("SELECT format FROM meta").fetchone() not in (None, (FORMAT,)):
            raise sqlite3.DatabaseError("an index of another format")
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def _has_meta(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is not None
