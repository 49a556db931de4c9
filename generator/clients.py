"""One client, one truth: who is the same client, and which row speaks for them.

A client is the rows sharing a 客户编号; a row without one joins the client whose
rows carry the same name and phone (when exactly one 客户编号 goes with that name and
phone), else it is keyed by name + phone. A closed client's policies are all one
client, so they get one grade, one quadrant and one set of actions.

When a client's rows disagree on a rating (经济条件, 保险意识, 影响力, 资产能力,
信赖程度), the rule is: **each rating comes from the most recently dated row that fills
it** (投保日期 for policies, 登记日期 for prospects; the lower row on the sheet breaks
a tie). The disagreement is warned about once per client, naming every row.

    >>> from generator.models import Record
    >>> a = Record("成交客户", 2, {"holder_name": "甲", "holder_phone": "138", "client_id": "C1"})
    >>> b = Record("成交客户", 3, {"holder_name": "甲", "holder_phone": "138"})
    >>> assign_keys("A1", [a, b], "holder_name", "holder_phone"); (a.client_key, b.client_key)
    ('C1', 'C1')
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from .issues import Issue, make_issue
from .models import Book, Record
from .schema import CLOSED_SHEET, normalize_header

# Rating columns a client has once: (record key, Chinese header).
RATING_COLUMNS = (("economy", "经济条件"), ("awareness", "保险意识"), ("influence", "影响力"),
                  ("capability", "资产能力"), ("trust", "信赖程度"))


def client_key(agent_id: str, client_id: str | None, name: str | None, phone: str | None) -> str:
    """Stable id of a client within an agent's book (the given 客户编号 when present)."""
    if client_id:
        return client_id
    digest = hashlib.sha1(f"{agent_id}|{name}|{phone}".encode()).hexdigest()[:8].upper()
    return f"K{digest}"


def assign_keys(agent_id: str, records: list[Record], name_key: str, phone_key: str) -> None:
    """Set ``client_key`` on every record of one sheet (see the module docstring)."""
    ids_by_person: dict[tuple[str, Any], set[str]] = defaultdict(set)
    for rec in records:
        if rec.get("client_id"):
            ids_by_person[_person(rec, name_key, phone_key)].add(rec.get("client_id"))
    for rec in records:
        cid = rec.get("client_id")
        if not cid:
            ids = ids_by_person.get(_person(rec, name_key, phone_key), set())
            cid = next(iter(ids)) if len(ids) == 1 else None
        rec.client_key = client_key(agent_id, cid, rec.get(name_key), rec.get(phone_key))


def _person(rec: Record, name_key: str, phone_key: str) -> tuple[str, Any]:
    return normalize_header(rec.get(name_key)), rec.get(phone_key)


def _dated(rec: Record) -> tuple[date, int]:
    when = rec.get("policy_date") if rec.sheet == CLOSED_SHEET else rec.get("registered")
    return (when if isinstance(when, date) else date.min, rec.row)


def latest(records: list[Record]) -> Record:
    """The row that speaks for a client: the most recently dated, then the lowest on the sheet."""
    return max(records, key=_dated)


def true_ratings(records: list[Record]) -> dict[str, Any]:
    """The client's ratings: each from the most recently dated row that fills it."""
    ordered = sorted(records, key=_dated, reverse=True)
    return {key: next((r.get(key) for r in ordered if r.get(key)), None) for key, _ in RATING_COLUMNS}


def rating_conflict(records: list[Record], letters: dict[str, str], source: str = "") -> Issue | None:
    """One warning when the rows of one client give different ratings, else None.

    The issue sits on the row whose values win and names every row with its values.
    """
    if len(records) < 2:
        return None
    differing = [(key, label) for key, label in RATING_COLUMNS
                 if len({r.get(key) for r in records if r.get(key)}) > 1]
    if not differing:
        return None
    winner = latest(records)
    rows = sorted(records, key=lambda r: r.row)
    detail = "；".join(
        f"第 {r.row} 行 " + "、".join(f"{label}{r.get(key) or '空'}" for key, label in differing) for r in rows)
    first_key, _ = differing[0]
    return make_issue(
        "conflicting-ratings", file=source, sheet=winner.sheet, row=winner.row,
        column="、".join(label for _, label in differing), column_letter=letters.get(first_key),
        value=str(winner.get("holder_name") or winner.get("name") or winner.client_key),
        detail=f"{detail}；按日期最近的第 {winner.row} 行为准",
    )


def group_clients(records: list[Record]) -> dict[str, list[Record]]:
    """Records by ``client_key``, in first-appearance order."""
    grouped: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        grouped[rec.client_key].append(rec)
    return dict(grouped)


def warn_conflicts(book: Book, groups: dict[str, list[Record]]) -> None:
    """Add one ``conflicting-ratings`` warning per client whose rows disagree."""
    for recs in groups.values():
        issue = rating_conflict(recs, book.column_letters.get(recs[0].sheet, {}), book.source)
        if issue is None:
            continue
        for rec in recs:
            rec.issues.append(issue)
        book.issues.append(issue)
        if book.status == "ok":
            book.status = "warnings"


class ClientNames:
    """Which client a typed reference means: a 介绍人, or the 客户 of a 服务记录 row.

    One lookup for every module that resolves one (classify's referral credit, the
    referral chains, the calendar's last services), so they can never disagree:

    * a 客户编号 (or client key) first, folded (full-width, case, spaces); when two
      clients' ids fold alike, the first in book order (成交 before 未成交) wins;
    * else a name (投保人姓名 or 姓名 on any of the client's rows) that belongs to exactly
      one client — other than ``exclude`` (a client never refers itself by name when
      someone else has it); a name shared by two or more clients means nobody.

    >>> a = Record("成交客户", 2, {"holder_name": "甲", "client_id": "C1"}, client_key="C1")
    >>> b = Record("成交客户", 3, {"holder_name": "乙"}, client_key="K2")
    >>> names = ClientNames([a, b]); names.resolve("ｃ１"), names.resolve("乙"), names.resolve("丙")
    ('C1', 'K2', None)
    """

    def __init__(self, records: Any) -> None:
        self.by_id: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        for rec in records:
            key = rec.client_key
            for ident in (key, rec.get("client_id")):
                if ident:
                    self.by_id.setdefault(normalize_header(ident), key)
            name = rec.get("holder_name") or rec.get("name")
            if name:
                keys = self.by_name.setdefault(normalize_header(name), [])
                if key not in keys:
                    keys.append(key)

    @classmethod
    def of(cls, book: Book) -> ClientNames:
        return cls((*book.closed, *book.prospects))

    def named(self, text: Any, exclude: str | None = None) -> list[str]:
        """The clients a name belongs to (book order), without ``exclude``."""
        return [k for k in self.by_name.get(normalize_header(text), []) if k != exclude]

    def resolve(self, text: Any, exclude: str | None = None) -> str | None:
        """The one client ``text`` means, or None (unknown, or a name shared by several)."""
        folded = normalize_header(text)
        if not folded:
            return None
        key = self.by_id.get(folded)
        if key is not None:
            return key
        named = self.named(text, exclude)
        return named[0] if len(named) == 1 else None


__all__ = ["RATING_COLUMNS", "ClientNames", "assign_keys", "client_key", "group_clients", "latest", "rating_conflict",
           "true_ratings", "warn_conflicts"]
