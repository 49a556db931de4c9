"""The agent's activity (工作日志 and 早会): a short daily log, mostly derived.

The standard calls attendance and the work log the core of managing agents, and warns
that a log too formatted to fill gets ignored. So the optional ``工作日志`` sheet is
short, and what the other sheets already say is derived when a cell is left blank:

- 新增准客户: prospects whose 登记日期 is that day;
- 促成: policies whose 投保日期 is that day;
- 拜访: 服务记录 rows of that day whose 服务项目 is 定期拜访.

A number the agent typed wins over the derived one (the agent knows of visits never
recorded as a service). 出勤, 电话 and 面谈 cannot be derived: blank means not reported.

:func:`activity_kpis` turns one book into JSON-ready counts (no client data) for
report.json: yesterday, this week (Monday to ``today``) against the plan (daily prospect
quota, visits due), this week's open tasks by kind and overdue tasks by kind. The
workbook sheet (:mod:`generator.workbook_activity`) and the 早会 pages
(:mod:`generator.activity_pages`) are made from these.

    >>> from datetime import date
    >>> week_start(date(2026, 11, 26))
    datetime.date(2026, 11, 23)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from .models import Book, Record
from .rules import Rules

__all__ = ["COUNTS", "COUNT_LABELS", "ATTENDED", "SHEET_ACTIVITY", "DayLog", "day_logs", "week_start",
           "activity_kpis"]

SHEET_ACTIVITY = "本周活动"  # the agent workbook's sheet (generator.workbook_activity)

# The log's number columns, in the template's order, with their Chinese labels.
COUNT_LABELS: dict[str, str] = {
    "visits": "拜访", "calls": "电话", "meetings": "面谈", "new_prospects": "新增准客户", "closes": "促成",
}
COUNTS = tuple(COUNT_LABELS)
DERIVABLE = ("visits", "new_prospects", "closes")
ATTENDED = "出勤"
VISIT_ITEM = "定期拜访"


@dataclass
class DayLog:
    """One day's activity: typed values, else derived ones; ``derived`` names which."""

    day: date
    attendance: str | None = None  # 出勤 / 缺勤 / 请假, None = not reported
    counts: dict[str, int | None] = field(default_factory=lambda: {k: None for k in COUNTS})
    derived: set[str] = field(default_factory=set)
    typed: bool = False  # a 工作日志 row exists for the day

    def get(self, key: str) -> int:
        return self.counts.get(key) or 0

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "attendance": self.attendance, **self.counts,
                "derived": sorted(self.derived), "typed": self.typed}


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _derived(book: Book) -> dict[date, Counter[str]]:
    per_day: dict[date, Counter[str]] = {}
    for rec in book.prospects:
        when = rec.get("registered")
        if isinstance(when, date):
            per_day.setdefault(when, Counter())["new_prospects"] += 1
    for rec in book.closed:
        when = rec.get("policy_date")
        if isinstance(when, date):
            per_day.setdefault(when, Counter())["closes"] += 1
    for rec in book.services:
        when = rec.get("date")
        if isinstance(when, date) and rec.get("item") == VISIT_ITEM:
            per_day.setdefault(when, Counter())["visits"] += 1
    return per_day


def day_logs(book: Book, days: Iterable[date]) -> list[DayLog]:
    """The log of each of ``days``: the 工作日志 row where there is one, derived counts
    filling its blanks (and standing alone on days without a row)."""
    typed: dict[date, Record] = {}
    for row in book.worklog:
        when = row.get("date")
        if isinstance(when, date):
            typed[when] = row  # a second row for the same day replaces the first
    derived = _derived(book)
    logs = []
    for day in days:
        log = DayLog(day)
        rec = typed.get(day)
        if rec is not None:
            log.typed = True
            log.attendance = rec.get("attendance")
            for key in COUNTS:
                value = rec.get(key)
                if isinstance(value, int):
                    log.counts[key] = value
        found = derived.get(day, Counter())
        for key in DERIVABLE:
            if log.counts[key] is None:
                log.counts[key] = found[key]
                log.derived.add(key)
        logs.append(log)
    return logs


def _sum(logs: list[DayLog]) -> dict[str, int]:
    return {key: sum(log.get(key) for log in logs) for key in COUNTS}


def activity_kpis(book: Book, rules: Rules, *, today: date) -> dict[str, Any]:
    """JSON-ready activity counts for report.json (never a client's name or number).

    The week runs from Monday to ``today``; the prospect target is the daily quota times
    the days elapsed (the quota is daily, weekends included, as on the calendar's quota
    line). Tasks come from ``book.tasks`` (the plan): those due this week (Monday to
    Sunday, not yet overdue) and the overdue ones, counted by kind.
    """
    start = week_start(today)
    week_days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    yesterday = today - timedelta(days=1)
    logs = day_logs(book, [yesterday, *[d for d in week_days if d != yesterday]])
    by_day = {log.day: log for log in logs}
    week = [by_day[d] for d in week_days]
    reported = [log for log in week if log.attendance]
    tasks = list(book.tasks or [])
    end = start + timedelta(days=6)
    due_week: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    for task in tasks:
        if task.overdue or task.date < today:
            overdue[task.label] += 1
        elif start <= task.date <= end:
            due_week[task.label] += 1
    visits_due = sum(1 for t in tasks if t.kind == "visit" and start <= t.date <= end)
    quota = rules.cadence.prospect_daily_quota
    totals = _sum(week)
    return {
        "today": today.isoformat(),
        "week_start": start.isoformat(),
        "has_log": bool(book.worklog),
        "yesterday": by_day[yesterday].to_dict(),
        "week": {
            **totals,
            "days": len(week_days),
            "logged_days": sum(1 for log in week if log.typed),
            "attendance_reported": len(reported),
            "attended": sum(1 for log in reported if log.attendance == ATTENDED),
            "prospect_target": quota * len(week_days),
            "visits_due": visits_due,
        },
        "days": [log.to_dict() for log in week],
        "due_this_week": dict(sorted(due_week.items())),
        "overdue": dict(sorted(overdue.items())),
    }
