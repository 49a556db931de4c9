"""The 客户档案 sheet: one row per client, the sheet agents sort and filter.

成交客户 stays one row per policy; here each client is one row with the tier every row
of that client shares (:mod:`generator.clients`), the policies and premiums summed
(趸交 premiums kept apart from annual ones), source, referrals, CVE, the last service
and the next task on the calendar. The sheet is derived: reading the workbook back
ignores it (edit clients in 成交客户 / 未成交客户).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from .clients import group_clients, latest
from .models import Book, Record

SHEET_CLIENTS = "客户档案"
SINGLE_PREMIUM = "趸交"

# (header, width, cell style)
COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("客户编号", 12, None), ("姓名", 10, None), ("类别", 8, "center"), ("电话", 14, "text"),
    ("等级", 6, "center"), ("象限", 6, "center"), ("价值分层", 9, "center"), ("保单数", 7, "int"),
    ("年交保费", 12, "money"), ("趸交保费", 12, "money"), ("客户来源", 8, "center"), ("介绍人", 10, None),
    ("介绍客户数", 9, "int"), ("CVE 评分", 8, None), ("最近服务", 11, "date"), ("下一项任务", 24, "wrap"),
    ("任务日期", 11, "date"), ("位置", 16, None),
)

LinkRow = Callable[[Worksheet, int, int, str, int], None]


@dataclass(frozen=True)
class ClientRow:
    """One client as the 客户档案 sheet shows them."""

    key: str
    name: str
    kind: str  # 成交客户 / 准客户
    phone: str | None
    grade: str | None
    quadrant: str | None
    segment: str | None
    policies: int
    annual: float
    single: float
    source: str | None
    referrer: str | None
    referred: int
    cve: float | None
    last_service: date | None
    next_task: str | None
    next_date: date | None
    sheet: str
    row: int

    def cells(self) -> tuple[Any, ...]:
        return (self.key, self.name, self.kind, self.phone, self.grade, self.quadrant, self.segment,
                self.policies, self.annual, self.single, self.source, self.referrer, self.referred, self.cve,
                self.last_service, self.next_task, self.next_date)


def client_rows(book: Book) -> list[ClientRow]:
    """Closed clients (book order), then prospects; one row each."""
    last = _last_services(book)
    nexts = _next_tasks(book)
    found = book.referrals
    out = []
    for kind, groups in (("成交客户", group_clients(book.closed)), ("准客户", group_clients(book.prospects))):
        for key, recs in groups.items():
            speaker = latest(recs)
            closed = kind == "成交客户"
            single = [r for r in recs if closed and r.get("pay_mode") == SINGLE_PREMIUM]
            annual = [r for r in recs if closed and r.get("pay_mode") != SINGLE_PREMIUM]
            node = found.nodes.get(key) if found else None
            task = nexts.get(key)
            out.append(ClientRow(
                key=key, name=str(speaker.get("holder_name") or speaker.get("name") or ""), kind=kind,
                phone=speaker.get("holder_phone") or speaker.get("phone"), grade=speaker.grade,
                quadrant=speaker.quadrant, segment=book.segments.get(key), policies=len(recs) if closed else 0,
                annual=_premium(annual), single=_premium(single), source=speaker.get("source"),
                referrer=_referrer(node, found, recs),
                referred=len(node.children) if node else 0, cve=speaker.cve_score, last_service=last.get(key),
                next_task=task[1] if task else None, next_date=task[0] if task else None,
                sheet=recs[0].sheet, row=recs[0].row,
            ))
    return out


def _referrer(node: Any, found: Any, recs: list[Record]) -> str | None:
    """The resolved referrer as ``name（编号）``; the text as typed when it did not resolve."""
    if node is not None and node.referrer and found is not None:
        ref = found.nodes[node.referrer]
        return f"{ref.name}（{ref.key}）"
    return next((r.get("referrer") for r in recs if r.get("referrer")), None)


def _premium(recs: list[Record]) -> float:
    return round(sum(float(r.get("premium") or 0.0) for r in recs), 2)


def _last_services(book: Book) -> dict[str, date]:
    """Latest of 最近服务日期 and the 服务记录 dates, per client (as the calendar sees it)."""
    from .plan_clients import clients_of

    return {c.key: c.last_service for c in clients_of(book) if c.last_service is not None}


def _next_tasks(book: Book) -> dict[str, tuple[date, str]]:
    """Each client's first task on the calendar (overdue ones come first)."""
    found: dict[str, tuple[date, str]] = {}
    per_client: dict[str, list[Any]] = defaultdict(list)
    for task in book.tasks or []:
        per_client[task.client_key].append(task)
    for key, tasks in per_client.items():
        first = min(tasks, key=lambda t: (not t.overdue, t.date))
        text = f"{first.label}（逾期）" if first.overdue else first.label
        found[key] = (first.date, text)
    return found


def write_clients(ws: Worksheet, cells: Any, book: Book, link_row: LinkRow) -> int:
    """Fill the 客户档案 sheet; returns the number of clients."""
    from .xlsx_writer import Col, setup_table

    rows = client_rows(book)
    cols = [Col(h, w, lambda r: None, style) for h, w, style in COLUMNS]
    setup_table(ws, cells, cols, len(rows), freeze_cols=2)
    styles = [cells.style(style) for _, _, style in COLUMNS[:-1]]
    for n, client in enumerate(rows, start=1):
        cells.put_row(ws, n, client.cells(), styles)
        link_row(ws, n, len(COLUMNS) - 1, client.sheet, client.row)
    if not rows:
        cells.put(ws, 2, 0, "还没有录入成功的客户。", "muted")
    return len(rows)


__all__ = ["COLUMNS", "SHEET_CLIENTS", "ClientRow", "client_rows", "write_clients"]
