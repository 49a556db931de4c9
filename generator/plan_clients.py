"""The clients a service plan is made for: one per prospect, one per closed client
(all their policies together), with the last service found in 服务记录 and 最近服务日期.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .clients import ClientNames, group_clients
from .models import Book, MonthDay, Record

__all__ = ["Client", "clients_of"]


@dataclass
class Client:
    """One client as the calendar sees them: a prospect, or a closed client's policies."""

    key: str
    book: str  # "closed" | "prospect"
    name: str
    phone: str | None
    grade: str | None
    quadrant: str | None
    sheet: str
    row: int
    anchor: date | None  # latest policy date, or the registration date
    records: list[Record]
    birthday: date | MonthDay | None = None
    lunar_birthday: bool = False
    anniversary: date | MonthDay | None = None
    last_service: date | None = None  # latest of 最近服务日期 and 服务记录 dates
    given: dict[str, date] = field(default_factory=dict)  # experience item → last given
    services: list[Record] = field(default_factory=list)  # its 服务记录 rows (follow-ups)
    segment: str | None = None  # value segment (generator/segments.py), closed clients


def clients_of(book: Book) -> list[Client]:
    """The book's clients with their last service found in 服务记录 and 最近服务日期.

    A 服务记录 row names its client by 客户编号 or by name; a name shared by two clients
    matches neither (the entry cannot be placed safely).
    """
    clients = [_closed_client(key, recs) for key, recs in group_clients(book.closed).items()]
    clients += [_prospect_client(rec) for rec in book.prospects]

    names = ClientNames.of(book)  # the one lookup classify and the referral chains use too
    by_key: dict[str, Client] = {}
    for c in clients:
        by_key.setdefault(c.key, c)
    for svc in book.services:
        when = svc.get("date")
        if not isinstance(when, date):
            continue
        key = names.resolve(svc.get("client"))
        client = by_key.get(key) if key is not None else None
        if client is None:
            continue
        client.last_service = max(filter(None, (client.last_service, when)))
        client.services.append(svc)
        item = svc.get("item")
        if item and (item not in client.given or client.given[item] < when):
            client.given[item] = when
    return clients


def _first(records: list[Record], key: str) -> tuple[Any, Record | None]:
    for rec in records:
        value = rec.get(key)
        if value not in (None, ""):
            return value, rec
    return None, None


def _closed_client(key: str, recs: list[Record]) -> Client:
    # Newest policy first: it holds the current tier and the freshest personal details.
    recs = sorted(recs, key=lambda r: (r.get("policy_date") or date.min, r.row), reverse=True)
    latest = recs[0]
    birthday, brec = _first(recs, "birthday")
    last = [r.get("last_service") for r in recs if isinstance(r.get("last_service"), date)]
    return Client(
        key=key, book="closed", name=latest.get("holder_name") or "", phone=latest.get("holder_phone"),
        grade=latest.grade, quadrant=latest.quadrant, sheet=latest.sheet, row=latest.row,
        anchor=latest.get("policy_date"), records=recs, birthday=birthday, segment=latest.segment,
        lunar_birthday=bool(brec and brec.get("calendar") == "农历"),
        anniversary=_first(recs, "anniversary")[0], last_service=max(last, default=None),
    )


def _prospect_client(rec: Record) -> Client:
    return Client(
        key=rec.client_key, book="prospect", name=rec.get("name") or "", phone=rec.get("phone"),
        grade=rec.grade, quadrant=rec.quadrant, sheet=rec.sheet, row=rec.row, anchor=rec.get("registered"),
        records=[rec], birthday=rec.get("birthday"), lunar_birthday=rec.get("calendar") == "农历",
        last_service=rec.get("last_service") if isinstance(rec.get("last_service"), date) else None,
    )
