"""The done loop: a workbook Pasture wrote is itself an input book.

Each month an agent hands back the workbook instead of the original book. Reading it:

* the 代理人 sheet (written by :func:`write_agent_sheet`) gives the agent and marks the
  file as a Pasture workbook, with the day it was generated;
* every derived column (等级, 象限, 建议动作, 建议体验, CVE, 问题) is dropped before
  validation, and a 资产能力/信赖程度 value marked （推定） is read as blank, so it is
  derived again: none of this is warned about (:func:`strip_derived`);
* each 服务日历 row marked 完成 becomes a 服务记录 row (:func:`add_done_services`): date,
  client, 服务项目 from the task kind (:func:`generator.plan.service_item`), 结果, and
  the task it came from (日历任务), so visits, call-backs and ☆ experiences restart
  from it, and :func:`drop_done` removes that task from the next calendar;
* rows the previous build rejected are not in the workbook; each is named once
  (``rows-left-behind``) so the agent copies it over (:func:`left_behind`).

The original book and the workbook of the same agent in one run: the workbook wins and
the original is refused (``superseded-by-workbook``), see docs/architecture.md.

    >>> done_date(date(2026, 10, 1), generated=date(2026, 11, 5), today=date(2026, 12, 1))
    datetime.date(2026, 11, 5)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .issues import RowCount, make_issue
from .models import Book, RawBook, Record
from .plan_tasks import KIND_BY_LABEL, ROUTINE_ITEM, Task, service_item
from .premiums import paid_note
from .parse import ValueProblem, clean_text, parse_date
from .rules import Rules
from .schema import AGENT_SHEET, SHEETS_BY_NAME, normalize_header

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from .xlsx_writer import Cells

CALENDAR_SHEET = "服务日历"
ISSUES_SHEET = "数据问题"
DERIVED_MARK = "（推定）"
# Result columns the workbook adds to the client sheets (and 问题 on 服务记录).
DERIVED_HEADERS = frozenset(normalize_header(h) for h in (
    "等级", "象限", "建议动作", "建议体验", "CVE 评分", "CVE 排名", "问题", "价值分层"))
MARKED_HEADERS = (normalize_header("资产能力"), normalize_header("信赖程度"))
# Keys of the 代理人 sheet beyond the agent fields: they mark a Pasture workbook.
GENERATED_KEY = "工作簿生成日期"
SOURCE_KEY = "生成自"
CUSTOM_AGENT = "PastureAgentId"  # document property: found without opening the sheets
DONE_WORDS = frozenset(normalize_header(w) for w in ("是", "完成", "已完成", "√", "✓", "✔", "y", "yes", "1"))
PREMIUM_KINDS = frozenset({"premium_due", "premium_check"})
NOT_DATA = frozenset({"totals-row"})  # rejected rows that were never client data


@dataclass
class Roundtrip:
    """What a Pasture workbook carries besides its client rows."""

    generated: date | None
    source: str  # the file the workbook was generated from
    calendar: list[list[Any]] = field(default_factory=list)
    issues: list[list[Any]] = field(default_factory=list)
    done_groups: set[tuple[str, date]] = field(default_factory=set)  # (label, date) of client-less rows


# -- writing --------------------------------------------------------------------------


def write_agent_sheet(wb: Workbook, cells: Cells, book: Book, today: date) -> None:
    """The 代理人 sheet: the agent's details as an input book has them, plus the marks
    that tell a later build this is a workbook Pasture wrote."""
    ws = wb.add_worksheet(AGENT_SHEET)
    a = book.agent
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 30)
    rows: list[tuple[str, Any]] = [("工号", a.agent_id), ("姓名", a.name), ("手机", a.phone or ""),
                                   ("团队", a.team or ""), ("营业部", a.branch or ""),
                                   (GENERATED_KEY, today.isoformat()), (SOURCE_KEY, book.source)]
    for n, (key, value) in enumerate(rows):
        cells.put(ws, n, 0, key, "bold")
        cells.put(ws, n, 1, value, "text")
    cells.put(ws, len(rows) + 1, 0, "下月提交本工作簿即可：在“服务日历”的“完成”列选“是”并填写结果，"
                                    "在“成交客户”“未成交客户”中修改或新增客户；其余列由系统生成，改动不会被读取。",
              "muted")
    wb.set_custom_property(CUSTOM_AGENT, a.agent_id)


# -- detecting ------------------------------------------------------------------------


_CUSTOM = re.compile(rb'name="' + CUSTOM_AGENT.encode() + rb'"[^>]*>\s*<vt:lpwstr>([^<]{1,200})</vt:lpwstr>')


def workbook_agent(path: Path) -> str | None:
    """The 工号 a Pasture workbook was written for, from its document properties; None
    for any other file. Cheap (one small zip part), so a run can ask every source."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            if info.file_size > 64 * 1024:
                return None
            data = archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, NotImplementedError, EOFError):
        return None
    found = _CUSTOM.search(data)
    return found[1].decode("utf-8", "replace").strip() if found else None


def detect(raw: RawBook) -> Roundtrip | None:
    """The workbook's round-trip data when ``raw`` is a Pasture workbook, else None."""
    kv = _pairs(raw.kept_sheets.get(AGENT_SHEET) or [])
    calendar = raw.kept_sheets.get(CALENDAR_SHEET) or []
    if GENERATED_KEY not in kv:
        # The 代理人 sheet was deleted or replaced: a calendar with a 完成 column still
        # says the workbook is ours (generation day unknown).
        if _header_map(calendar) is None:
            return None
        return Roundtrip(None, "", calendar, raw.kept_sheets.get(ISSUES_SHEET) or [])
    generated = None
    try:
        generated = parse_date(kv[GENERATED_KEY])
    except ValueProblem:
        pass
    return Roundtrip(generated, clean_text(kv.get(SOURCE_KEY)) or "", calendar,
                     raw.kept_sheets.get(ISSUES_SHEET) or [])


def _pairs(rows: list[list[Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for row in rows:
        if row and isinstance(row[0], str):
            found.setdefault(row[0].strip(), row[1] if len(row) > 1 else None)
    return found


# -- reading --------------------------------------------------------------------------


def strip_derived(raw: RawBook) -> Roundtrip | None:
    """Drop the derived columns and （推定） values of a Pasture workbook, in place."""
    trip = detect(raw)
    if trip is None:
        return None
    for sheet in raw.sheets.values():
        for i, header in enumerate(sheet.headers):
            folded = normalize_header(header)
            if folded in DERIVED_HEADERS:
                sheet.headers[i] = None
                for _, cells in sheet.rows:
                    if i < len(cells):
                        cells[i] = None
            elif folded in MARKED_HEADERS:
                for _, cells in sheet.rows:
                    if i < len(cells) and isinstance(cells[i], str) and cells[i].strip().endswith(DERIVED_MARK):
                        cells[i] = None
    return trip


def done_date(day: date, *, generated: date | None, today: date) -> date:
    """When a task marked 完成 was done, as far as the workbook can tell: not before the
    workbook was generated (the agent saw it then) and not after today."""
    if generated is not None and day < generated <= today:
        day = generated
    return min(day, today)


def task_tag(label: str, day: date, policy: str | None = None) -> str:
    """The 日历任务 text of a service record: ``售后回访 2026-10-01 P001``."""
    return " ".join(filter(None, (label, day.isoformat(), policy or None)))


def _header_map(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """(row index, column index per field) of the calendar's header row."""
    spellings = {"日期": "date", "客户编号": "client_id", "客户": "client", "客户姓名": "client",
                 "任务": "label", "类型": "label", "完成": "done", "结果": "result", "保单号": "policy",
                 "事项": "what", "建议体验": "experience"}
    for r, row in enumerate(rows[:10]):
        cols: dict[str, int] = {}
        for i, cell in enumerate(row):
            key = spellings.get(normalize_header(cell)) if isinstance(cell, str) else None
            if key and key not in cols:
                cols[key] = i
        if "done" in cols and "date" in cols:
            return r, cols
    return None


def add_done_services(book: Book, trip: Roundtrip, rules: Rules, *, today: date) -> int:
    """Turn each 服务日历 row marked 完成 into a 服务记录 record; returns how many.

    A row without a client (a festival row for many clients) makes no record: its
    tasks are only dropped from today's calendar.
    """
    found = _header_map(trip.calendar)
    if found is None:
        return 0
    at, cols = found
    items = set(rules.choices("服务项目"))
    tagged = {(normalize_header(s.get("client")), s.get("task")) for s in book.services if s.get("task")}
    count = RowCount()
    added = 0

    def cell(row: list[Any], key: str) -> Any:
        i = cols.get(key)
        return row[i] if i is not None and i < len(row) else None

    for index in range(at + 1, len(trip.calendar)):
        row = trip.calendar[index]
        if normalize_header(cell(row, "done")) not in DONE_WORDS:
            continue
        count.read += 1
        excel_row = index + 1
        label = clean_text(cell(row, "label")) or ""
        try:
            day = parse_date(_as_date(cell(row, "date")))
        except ValueProblem as problem:
            _reject(book, excel_row, "日期", cell(row, "date"), problem.detail)
            count.rejected += 1
            continue
        client = clean_text(cell(row, "client_id")) or clean_text(cell(row, "client"))
        count.accepted += 1
        if not client:
            trip.done_groups.add((label, day))
            continue
        tag = task_tag(label, day, clean_text(cell(row, "policy")))
        if (normalize_header(client), tag) in tagged:
            continue  # already carried into 服务记录 by an earlier build
        kind = KIND_BY_LABEL.get(label)
        item = service_item(kind, clean_text(cell(row, "experience"))) if kind else ROUTINE_ITEM
        if item is None:  # a festival row: greetings to many, no one service to log
            trip.done_groups.add((label, day))
            continue
        if item not in items:
            item = ROUTINE_ITEM
        what = clean_text(cell(row, "what"))
        policy = clean_text(cell(row, "policy"))
        # A premium row marked done says the premium was paid, in the words the planner reads.
        content = paid_note(policy, day) if kind in PREMIUM_KINDS and policy else f"服务日历：{what or label}"
        rec = Record(CALENDAR_SHEET, excel_row, {
            "date": done_date(day, generated=trip.generated, today=today), "client": client, "item": item,
            "content": content, "result": clean_text(cell(row, "result")), "task": tag,
        })
        if normalize_header(client) not in book.known_clients:
            issue = make_issue("unknown-client", file=book.source, sheet=CALENDAR_SHEET, row=excel_row,
                               column="客户编号", value=client)
            rec.issues.append(issue)
            book.issues.append(issue)
        book.services.append(rec)
        added += 1
    if count.read:
        book.rows[CALENDAR_SHEET] = count
    return added


def _as_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _reject(book: Book, row: int, column: str, value: Any, detail: str) -> None:
    book.issues.append(make_issue("invalid-date", file=book.source, sheet=CALENDAR_SHEET, row=row,
                                  column=column, value=value, detail=detail))
    book.status = "warnings" if book.status == "ok" else book.status


def left_behind(book: Book, trip: Roundtrip) -> int:
    """One warning per row the previous build rejected: it is not in this workbook."""
    rows = trip.issues
    if not rows:
        return 0
    header = [normalize_header(c) for c in rows[0]]
    try:
        sev, sheet_at, row_at = header.index("严重程度"), header.index("工作表"), header.index("行")
    except ValueError:
        return 0
    problem_at = header.index("问题") if "问题" in header else None
    code_at = header.index("代码") if "代码" in header else None
    seen: set[tuple[str, int]] = set()
    for row in rows[1:]:
        if len(row) <= max(sev, sheet_at, row_at) or row[sev] != "错误":
            continue
        if code_at is not None and code_at < len(row) and row[code_at] in NOT_DATA:
            continue  # a hand-made totals row: nothing to copy over
        sheet, number = row[sheet_at], row[row_at]
        if sheet not in SHEETS_BY_NAME or not isinstance(number, (int, float)):
            continue
        key = (sheet, int(number))
        if key in seen:
            continue
        seen.add(key)
        problem = row[problem_at] if problem_at is not None and problem_at < len(row) else ""
        book.issues.append(make_issue(
            "rows-left-behind", file=trip.source or book.source, sheet=sheet, row=int(number),
            value=trip.source or "原表", detail=str(problem or "")))
    if seen and book.status == "ok":
        book.status = "warnings"
    return len(seen)


def drop_done(tasks: list[Task], book: Book, trip: Roundtrip | None = None) -> list[Task]:
    """The calendar without the tasks a 服务记录 row (日历任务) says are done."""
    if not tasks:
        return tasks
    done: set[tuple[str, str]] = set()
    for svc in book.services:
        if svc.get("task"):
            done.add((normalize_header(svc.get("client")), svc.get("task")))
    groups = trip.done_groups if trip is not None else set()
    if not done and not groups:
        return tasks
    ids = _client_ids(book)
    kept = []
    for task in tasks:
        tag = task_tag(task.label, task.date, task.policy_no)
        bare = task_tag(task.label, task.date)
        names = ids.get(task.client_key, {normalize_header(task.client_key)})
        hit = any((n, tag) in done or (n, bare) in done for n in names) or (task.label, task.date) in groups
        if not hit:
            kept.append(task)
    return kept


def _client_ids(book: Book) -> dict[str, set[str]]:
    """Every folded spelling a service row may name a client by: key, 客户编号."""
    found: dict[str, set[str]] = {}
    for rec in (*book.closed, *book.prospects):
        spellings = found.setdefault(rec.client_key, {normalize_header(rec.client_key)})
        if rec.get("client_id"):
            spellings.add(normalize_header(rec.get("client_id")))
    return found


def read_back(raw: RawBook) -> Roundtrip | None:
    """Step one, before validation: is this a Pasture workbook? Strip what it derived."""
    return strip_derived(raw)


def after_validate(book: Book, trip: Roundtrip | None, rules: Rules, *, today: date) -> None:
    """Step two, after validation: 完成 rows become service records; left-behind rows named."""
    if trip is None:
        return
    add_done_services(book, trip, rules, today=today)
    left_behind(book, trip)


def superseded(book: Book, workbook_agents: frozenset[str] | set[str]) -> Book | None:
    """A refused book when ``book`` is an original whose agent also handed in a Pasture
    workbook in this run (the workbook wins), else None."""
    if book.status == "failed" or book.agent.agent_id not in workbook_agents:
        return None
    issue = make_issue("superseded-by-workbook", file=book.source, value=book.agent.agent_id)
    return Book(source=book.source, agent=book.agent, status="failed", issues=[issue])


__all__ = [
    "CALENDAR_SHEET", "DERIVED_HEADERS", "DERIVED_MARK", "Roundtrip", "add_done_services",
    "after_validate", "detect", "done_date", "drop_done", "left_behind", "read_back", "strip_derived",
    "superseded", "task_tag", "workbook_agent", "write_agent_sheet",
]
