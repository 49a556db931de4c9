"""The top of 总览: what to do today, and what the task kinds of the calendar mean.

The agent opens the workbook on 总览; its first block answers "what now": how many
tasks are due today, this week and overdue, the first tasks of today (of this week when
today is free) with the phone to call, and how far the daily prospect quota (准客户登记) has got.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from .models import Book

TODAY_ROWS = 8  # today's tasks listed on 总览; the rest are on 服务日历
COUNTED = ("今天", "本周", "逾期")

# What each kind of calendar task asks of the agent (说明 lists them all).
TASK_KIND_HELP: dict[str, str] = {
    "生日": "客户生日（农历生日已换算成当年的公历日期）：送上祝福",
    "结婚纪念日": "客户的结婚纪念日：送上祝福",
    "节日问候": "按规则应当问候的节日（春节、中秋等）；名单见节日问候表或日历中的说明",
    "交费对应日": "保单的交费日，每个交费日一行，金额是按交费方式折算的每期保费；手机日历会提前提醒",
    "交费确认": "交费日已过、仍在宽限期内，又没有记录说已交：请确认；“已交至”表明未交的，提醒保单将失效",
    "售后回访": "成交后 1 周、1 个月、3 个月、6 个月的回访",
    "服务回访": "每次服务后当天或第二天的回访、准客户登记后的跟进、休眠客户的唤醒回访；之后有新的服务记录即视为已回访",
    "定期拜访": "按周期拜访或电话问候；从上次服务（服务记录或最近服务日期）起算",
    "重点体验": "客户所在象限的 ☆ 重点体验（如生活服务、量身定制）：☆ 表示优先，不表示更频繁；每次只安排一项，按规则中的周期",
}


def write_today(ws: Worksheet, cells: Any, book: Book, today: date, row: int) -> int:
    """Write the "今天" block from ``row``; returns the first free row after it."""
    from .plan import grouped

    put = cells.put
    put(ws, row, 0, "今天要做的事", "section")
    row += 1
    groups = grouped(book.tasks or [], today)
    for i, name in enumerate(COUNTED):
        put(ws, row, i, name, "header")
        style = "bad" if name == "逾期" and groups.get(name) else "bold"
        put(ws, row + 1, i, len(groups.get(name, [])), style, "box", "center")
    put(ws, row, 3, "说明", "header")
    put(ws, row + 1, 3, "左边是各部分的事项数，详见“服务日历”；做完后在“完成”列选“是”", "muted", "box")
    row += 3

    todays = groups.get("今天", [])
    # With nothing due today, the next days' first tasks are what to prepare.
    shown, more = (todays, "今天") if todays else (groups.get("本周", []), "本周")
    if not todays:
        put(ws, row, 0, "今天没有到期的事项" + ("；请先处理逾期事项" if groups.get("逾期") else "")
            + ("。本周接下来要做：" if shown else "。"), "muted")
        row += 1
    if shown:
        for i, name in enumerate(("任务", "客户", "电话", "日期", "事项")):
            put(ws, row, i, name, "header")
        for task in shown[:TODAY_ROWS]:
            row += 1
            for i, value in enumerate((task.label, task.client_name, task.phone or "", task.date,
                                       task.occasion)):
                put(ws, row, i, value, "box", "wrap" if i == 4 else None)
        if len(shown) > TODAY_ROWS:
            row += 1
            put(ws, row, 0, f"{more}还有 {len(shown) - TODAY_ROWS} 项，见“服务日历”。", "muted")
    row += 2

    quota = book.quota or []
    if quota:
        day, registered, target = quota[-1]
        met = sum(1 for _, n, t in quota if n >= t)
        total = sum(n for _, n, _ in quota)
        put(ws, row, 0, "准客户登记", "bold")
        mark = "good" if registered >= target else "bad"
        put(ws, row, 1, f"今天 {registered} / {target} 位", mark, "center")
        put(ws, row, 2, f"近 {len(quota)} 天达标 {met} 天", None)
        put(ws, row, 4, f"近 {len(quota)} 天共登记 {total} 位准客户（按未成交客户的登记日期）", "muted")
        row += 2
    return row


__all__ = ["TASK_KIND_HELP", "TODAY_ROWS", "write_today"]
