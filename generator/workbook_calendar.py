"""The agent's daily sheets: 服务日历 (what to do, in the order to do it) and 节日问候
(who gets which festival greeting).

服务日历 has one row per task of :func:`generator.plan.plan_book`, in sections 今天 →
本周 → 逾期 → 30天内 → 以后. Its 完成 (drop-down: 是) and 结果 columns are for the agent:
a row marked 完成 is read back as a 服务记录 row on the next build (the done loop; the
reader relies on 日期, 客户编号, 客户, 任务, 完成, 结果 — :data:`DONE_COLUMNS`). A
festival is one row for all the clients it greets; its list is the 节日问候 sheet: one
row per client, one column per festival day in the window.

    sheets = CalendarSheets(wb, cells, book, today)
    names = sheets.add()           # creates the tabs where they should appear
    ...                            # client sheets written (rows to link to)
    sheets.fill(row_link)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .models import Book
from .plan import WEEKDAYS
from .plan_tasks import Greeted, Task, bucket
from .schema import column_letter
from .xlsx_writer import Cells, Col, setup_table

SHEET_CALENDAR = "服务日历"
SHEET_GREETINGS = "节日问候"
DONE_YES = "是"
# (header, width, cell style); 完成 and 结果 are the agent's input columns.
CALENDAR_LAYOUT: tuple[tuple[str, float, str | None], ...] = (
    ("分组", 8, None), ("日期", 11, None), ("星期", 6, None), ("任务", 10, None), ("客户编号", 12, None),
    ("客户", 12, None), ("电话", 14, None), ("事项", 44, "wrap"), ("金额", 11, "money"), ("完成", 6, None),
    ("结果", 24, None), ("建议动作", 30, "wrap"), ("建议体验", 16, "wrap"), ("等级", 6, None), ("象限", 6, None),
    ("保单号", 18, None), ("位置", 16, None),
)
CALENDAR_COLUMNS = tuple(h for h, _, _ in CALENDAR_LAYOUT)
DONE_COLUMNS = ("日期", "客户编号", "客户", "任务", "完成", "结果")
_INPUT = ("完成", "结果")
_SECTION_STYLE = {"逾期": "bad", "今天": "good"}
_MARK = "✓"


def calendar_row(task: Task, today: date) -> tuple[Any, ...]:
    """One row of 服务日历 in :data:`CALENDAR_COLUMNS` order, up to 位置 (written as a link)."""
    late = task.late_text(today)
    return (
        bucket(task, today), task.date, WEEKDAYS[task.date.weekday()], task.label, task.client_key,
        task.client_name, task.phone or "", f"{late}：{task.occasion}" if late else task.occasion, task.amount,
        None, None, task.action, task.experience or "", task.grade or "", task.quadrant or "",
        task.policy_no or "",
    )


class CalendarSheets:
    """Creates the two tabs early (tab order) and fills them once the client rows are placed."""

    def __init__(self, wb: Workbook, cells: Cells, book: Book, today: date) -> None:
        self.wb, self.cells, self.book, self.today = wb, cells, book, today
        self.tasks: list[Task] = list(book.tasks or [])
        self.festivals = [t for t in self.tasks if t.kind == "festival" and t.group]
        self.calendar: Worksheet | None = None
        self.greetings: Worksheet | None = None

    def add(self) -> list[str]:
        """Add the worksheets (服务日历 only when the book was planned); their names."""
        if self.book.tasks is None:
            return []
        self.calendar = self.wb.add_worksheet(SHEET_CALENDAR)
        if not self.festivals:
            return [SHEET_CALENDAR]
        self.greetings = self.wb.add_worksheet(SHEET_GREETINGS)
        return [SHEET_CALENDAR, SHEET_GREETINGS]

    def fill(self, row_link: Callable[[Worksheet, int, int, str, int], None]) -> None:
        """Write the rows; ``row_link(ws, row, col, sheet, source_row)`` links to a client."""
        columns = self._greeting_columns()
        if self.calendar is not None:
            self._calendar(self.calendar, row_link, columns)
        if self.greetings is not None:
            self._greetings(self.greetings, row_link, columns)

    def _greeting_columns(self) -> dict[tuple[str, date], int]:
        """(festival, day) → its column in 节日问候, in date order."""
        fixed = len(_GREETING_FIXED)
        days = sorted({(t.date, t.ref) for t in self.festivals})
        return {(ref, day): fixed + i for i, (day, ref) in enumerate(days)}

    def _calendar(self, ws: Worksheet, row_link: Callable[..., None],
                  columns: dict[tuple[str, date], int]) -> None:
        cells, tasks = self.cells, self.tasks
        cols = [Col(h, w, lambda r: None, s, "header_input" if h in _INPUT else None) for h, w, s in CALENDAR_LAYOUT]
        setup_table(ws, cells, cols, len(tasks), freeze_cols=2)
        # On paper the agent needs the list and room to write: 分组 … 结果. The reference
        # columns after it (建议动作 … 位置) stay on screen; printing all 17 made the type tiny.
        ws.print_area(0, 0, max(len(tasks), 1), CALENDAR_COLUMNS.index("结果"))
        where = CALENDAR_COLUMNS.index("位置")
        for i, (h, w, _) in enumerate(CALENDAR_LAYOUT):
            if h in _INPUT:  # the agent types here: shaded, text kept as text
                ws.set_column(i, i, w, cells.fmt("input", "wrap" if h == "结果" else "center"))
        plain = [cells.style(s) for _, _, s in CALENDAR_LAYOUT[:where]]
        by_section = {name: [cells.style(s, style) if i == 0 else plain[i] for i, (_, _, s) in
                             enumerate(CALENDAR_LAYOUT[:where])] for name, style in _SECTION_STYLE.items()}
        put_row = cells.put_row
        for n, task in enumerate(tasks, start=1):
            row = calendar_row(task, self.today)
            put_row(ws, n, row, by_section.get(row[0], plain))
            if task.kind == "festival" and (task.ref, task.date) in columns:
                target = f"'{SHEET_GREETINGS}'!{column_letter(columns[(task.ref, task.date)])}1"
                cells.link(ws, n, where, target, f"{SHEET_GREETINGS}名单")
            elif task.sheet and task.row:
                row_link(ws, n, where, task.sheet, task.row)
        done = CALENDAR_COLUMNS.index("完成")
        ws.data_validation(1, done, max(len(tasks), 1), done, {
            "validate": "list", "source": [DONE_YES], "input_title": "完成",
            "input_message": "做完后选“是”，并在“结果”中写下情况；下次生成时记入服务记录。",
            "error_type": "warning", "error_title": "完成", "error_message": "这一列只填“是”或留空。仍要保留吗？",
        })
        if not tasks:
            cells.put(ws, 2, 0, "未来这段时间没有需要安排的服务事项。", "muted")

    def _greetings(self, ws: Worksheet, row_link: Callable[..., None],
                   columns: dict[tuple[str, date], int]) -> None:
        cells = self.cells
        members: dict[str, tuple[Greeted, set[int]]] = {}
        for task in self.festivals:
            col = columns[(task.ref, task.date)]
            for who in task.group:
                members.setdefault(who.key, (who, set()))[1].add(col)
        heads = {col: f"{ref}\n{day.month}月{day.day}日" for (ref, day), col in columns.items()}
        cols = [Col(h, w, lambda r: None, s) for h, w, s in _GREETING_FIXED]
        cols += [Col(heads[c], 9, lambda r: None, "center", "header_result") for c in sorted(heads)]
        cols.append(Col("位置", 16, lambda r: None))
        setup_table(ws, cells, cols, len(members), freeze_cols=2)
        ws.set_row(0, 36)
        where = len(cols) - 1
        styles = [cells.style(s) for _, _, s in _GREETING_FIXED]
        mark = cells.fmt("center")
        counts = dict.fromkeys(heads, 0)
        for n, (who, marked) in enumerate(members.values(), start=1):
            cells.put_row(ws, n, _greeting_cells(who), styles)
            for col in marked:
                ws.write_string(n, col, _MARK, mark)
                counts[col] += 1
            row_link(ws, n, where, who.sheet, who.row)
        total = len(members) + 2
        cells.put(ws, total, 1, "合计（位）", "bold")
        for col, count in counts.items():
            cells.put(ws, total, col, count, "bold", "center")


_GREETING_FIXED: tuple[tuple[str, float, str | None], ...] = (
    ("客户编号", 12, None), ("客户", 12, None), ("类别", 8, None), ("等级", 6, "center"), ("象限", 6, "center"),
    ("电话", 14, None),
)


def _greeting_cells(who: Greeted) -> Sequence[Any]:
    return (who.key, who.name, "成交客户" if who.book == "closed" else "准客户", who.grade or "", who.quadrant or "",
            who.phone or "")


__all__ = ["CALENDAR_COLUMNS", "DONE_COLUMNS", "DONE_YES", "SHEET_CALENDAR", "SHEET_GREETINGS",
           "CalendarSheets", "calendar_row"]
