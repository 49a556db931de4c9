"""The agent workbook's 本周活动 sheet: this week's work log against the plan.

Made from ``book.kpis["activity"]`` (:func:`generator.activity.activity_kpis`) only, so
the sheet, report.json and the 早会 pages show the same numbers. A derived number is
marked so the agent sees what the system counted for them and can type over it in the
工作日志 sheet of their book.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xlsxwriter.workbook import Workbook

from .activity import COUNT_LABELS, COUNTS, SHEET_ACTIVITY
from .plan import WEEKDAYS
from .xlsx_writer import Cells

__all__ = ["SHEET_ACTIVITY", "DERIVED_NOTE", "write_activity_sheet"]

DERIVED_NOTE = "带 * 的数字是系统从其他工作表推算的：拜访取服务记录中的定期拜访，新增准客户取登记日期，促成取投保日期。"


def _count_cell(day: dict[str, Any], key: str) -> Any:
    value = day.get(key)
    if value is None:
        return "—"
    return f"{value}*" if key in day.get("derived", []) else value


def write_activity_sheet(wb: Workbook, cells: Cells, activity: dict[str, Any]) -> None:
    """Add the sheet: week summary vs plan, one row per day, due and overdue tasks."""
    ws = wb.add_worksheet(SHEET_ACTIVITY)
    put = cells.put
    ws.set_column(0, 0, 14)
    ws.set_column(1, 8, 11)
    ws.hide_gridlines(2)
    week, start = activity["week"], activity["week_start"]
    put(ws, 0, 0, "本周活动与计划", "title")
    put(ws, 1, 0, f"本周从 {start} 到 {activity['today']}（共 {week['days']} 天）。"
                  "工作日志可以只填出勤、电话和面谈，其余由系统推算。", "subtitle")
    row = 3
    put(ws, row, 0, "对照计划", "section")
    row += 1
    for i, h in enumerate(("项目", "本周实际", "本周计划", "说明")):
        put(ws, row, i, h, "header")
    attendance = (f"{week['attended']} / {week['attendance_reported']}" if week["attendance_reported"]
                  else "未填")
    lines: list[tuple[str, Any, Any, str]] = [
        ("新增准客户", week["new_prospects"], week["prospect_target"], "计划 = 每日目标 × 本周已过天数"),
        ("拜访", week["visits"], week["visits_due"], "计划 = 服务日历中本周到期的定期拜访"),
        ("电话", week["calls"], "—", "工作日志中填写的数字"),
        ("面谈", week["meetings"], "—", "工作日志中填写的数字"),
        ("促成", week["closes"], "—", "本周投保的保单"),
        ("出勤（出勤天数 / 已填天数）", attendance, "—", f"已填工作日志 {week['logged_days']} 天"),
    ]
    for label, actual, plan, note in lines:
        row += 1
        good = isinstance(actual, int) and isinstance(plan, int) and actual >= plan
        put(ws, row, 0, label, "bold")
        put(ws, row, 1, actual, ("good" if good else "bad") if isinstance(plan, int) else None)
        put(ws, row, 2, plan)
        put(ws, row, 3, note, "muted")
    row += 2
    put(ws, row, 0, "每日记录", "section")
    row += 1
    headers = ["日期", "星期", "出勤", *(COUNT_LABELS[k] for k in COUNTS)]
    for i, h in enumerate(headers):
        put(ws, row, i, h, "header")
    for day in activity["days"]:
        row += 1
        when = date.fromisoformat(day["date"])
        put(ws, row, 0, when)
        put(ws, row, 1, WEEKDAYS[when.weekday()])
        put(ws, row, 2, day.get("attendance") or "未填")
        for i, key in enumerate(COUNTS, start=3):
            put(ws, row, i, _count_cell(day, key), "center")
    row += 1
    put(ws, row, 0, DERIVED_NOTE, "muted")
    row += 2
    put(ws, row, 0, "服务日历：本周到期与逾期（按类型）", "section")
    row += 1
    for i, h in enumerate(("类型", "本周到期", "逾期")):
        put(ws, row, i, h, "header")
    due, overdue = activity["due_this_week"], activity["overdue"]
    kinds = sorted(set(due) | set(overdue))
    for kind in kinds:
        row += 1
        put(ws, row, 0, kind, "bold")
        put(ws, row, 1, due.get(kind, 0), "int")
        put(ws, row, 2, overdue.get(kind, 0), "bad" if overdue.get(kind) else "int")
    if not kinds:
        row += 1
        put(ws, row, 0, "本周没有到期或逾期的事项。", "muted")
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
