"""The service calendar (服务日历): every dated action for an agent's clients.

Pure functions over a classified :class:`~generator.models.Book` and the rules. Each
occasion of domain.md §6 becomes :class:`Task` values:

========================  ==============================================================
kind                      when
========================  ==============================================================
``birthday``              each birthday in the window; lunar ones (生日历法 = 农历) converted
                          to the solar date of that year (:mod:`generator.lunar`)
``anniversary``           each wedding anniversary (结婚纪念日, solar) in the window
``festival``              each festival of ``rules.festivals`` for each targeted client
``premium_due``           each 交费对应日 in the window
``premium_reminder``      ``cadence.premium_reminder_days_before`` days before a due date
``lapse_warning``         a due date passed less than ``grace_period_days`` ago (逾期)
``callback``              ``callbacks_after_sale_days`` after each policy; a missed one stays
                          逾期 for ``callback_overdue_days`` unless a later service is logged
``visit``                 the next regular visit, ``visit_every_days`` after the last service
``experience``            the next ☆ experience of the client's quadrant, every
                          ``strategic_every_days`` after it was last given
========================  ==============================================================

Dates that a year lacks move by the rules file: 29 Feb → 28 Feb (or 1 Mar); a lunar
leap-month birthday → the ordinary month in years without that leap month; a lunar 30th
→ the 29th (or the next day). Greetings are never overdue: a birthday that has passed
is simply not listed. Premium, call-back, visit and experience tasks are per policy or
per client as the occasion is; greetings and visits come once per client (a closed
client's policy rows grouped by ``client_key``; the latest policy gives the tier).

    >>> add_months(date(2025, 1, 31), 1)
    datetime.date(2025, 2, 28)
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from . import lunar
from .models import Book, MonthDay, Record
from .rules import Festival, Rules
from .schema import normalize_header

KINDS = (
    "lapse_warning", "premium_due", "premium_reminder", "callback", "visit", "experience",
    "birthday", "anniversary", "festival",
)
KIND_LABELS = {
    "birthday": "生日", "anniversary": "结婚纪念日", "festival": "节日问候",
    "premium_due": "交费对应日", "premium_reminder": "交费提醒", "lapse_warning": "宽限期提醒",
    "callback": "售后回访", "visit": "定期拜访", "experience": "重点体验",
}
BUCKETS = ("逾期", "今天", "本周", "30天内", "以后")
PERIOD_MONTHS: dict[str, int | None] = {"年交": 12, "半年交": 6, "季交": 3, "月交": 1, "趸交": None}
VISIT_ITEM = "定期拜访"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# Columns of the workbook's 服务日历 sheet, in order (see :func:`calendar_row`).
CALENDAR_COLUMNS = (
    "分组", "日期", "星期", "类型", "客户编号", "客户姓名", "等级", "象限", "事项", "建议动作", "建议体验", "电话",
    "保单号",
)

_CALLBACK_NAMES = {7: "1周", 30: "1个月", 90: "3个月", 180: "6个月"}
_CLOSE_QUADRANTS = ("宠爱", "耕耘")


@dataclass(frozen=True)
class Task:
    """One dated action on the calendar."""

    date: date  # the day to act; for an overdue task, the day it was due
    kind: str  # one of KINDS
    client_key: str
    client_name: str
    phone: str | None
    grade: str | None
    quadrant: str | None
    occasion: str  # what the day is, in Chinese: "农历生日（八月十五）"
    action: str  # what to do, in Chinese
    experience: str | None = None  # experience to give (☆ items), when there is one
    overdue: bool = False
    sheet: str = ""  # source sheet and row of the client's (latest) record
    row: int = 0
    ref: str = ""  # policy number (premium, call-back), festival name or experience item

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def policy_no(self) -> str | None:
        return self.ref or None if self.kind in ("premium_due", "premium_reminder", "lapse_warning", "callback") else None

    def sort_key(self) -> tuple[Any, ...]:
        return (not self.overdue, self.date, self.client_key, KINDS.index(self.kind), self.ref)


# -- dates -----------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, the day clamped to the target month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def due_dates(policy_date: date, pay_mode: str | None, pay_years: int | None, start: date, end: date) -> list[date]:
    """Premium due dates (交费对应日) in ``[start, end]``.

    The k-th due date is ``policy_date + k × period`` months, clamped to the month's end
    (each from the policy date, never from the previous due date, so 31 Jan monthly gives
    28 Feb, 31 Mar, 30 Apr). The first premium is paid at the sale; payments last
    ``pay_years`` years, so a 10-year annual policy of 2015-06-01 is last due 2024-06-01.
    趸交 (single premium) has none; a blank 缴费年限 counts as still paying.

    >>> due_dates(date(2025, 1, 31), "月交", 1, date(2025, 1, 1), date(2025, 4, 30))
    [datetime.date(2025, 2, 28), datetime.date(2025, 3, 31), datetime.date(2025, 4, 30)]
    """
    period = PERIOD_MONTHS.get(pay_mode or "年交")
    if period is None or end < start:
        return []
    limit = pay_years * 12 if pay_years is not None else None
    elapsed = (start.year - policy_date.year) * 12 + start.month - policy_date.month
    k = max(1, elapsed // period - 1)  # skip straight to just before the window
    found = []
    while limit is None or k * period < limit:
        due = add_months(policy_date, k * period)
        if due > end:
            break
        if due >= start:
            found.append(due)
        k += 1
    return found


def next_due_date(policy_date: date, pay_mode: str | None, pay_years: int | None, *, on_or_after: date) -> date | None:
    """The first due date on or after a day, None when no premium is due any more.

    >>> next_due_date(date(2015, 6, 1), "年交", 10, on_or_after=date(2024, 6, 2)) is None
    True
    """
    period = PERIOD_MONTHS.get(pay_mode or "年交")
    if period is None:
        return None
    found = due_dates(policy_date, pay_mode, pay_years, on_or_after, on_or_after + timedelta(days=31 * period))
    return found[0] if found else None


def yearly_solar(month: int, day: int, year: int, rules: Rules) -> tuple[date, str]:
    """A solar month-day in ``year``; 29 Feb in a common year moves per the rules."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        if rules.cadence.feb29_in_common_years == "mar_1":
            return date(year, 3, 1), "平年按3月1日"
        return date(year, 2, 28), "平年按2月28日"
    return date(year, month, day), ""


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1-based; -1 = last) ``weekday`` (0 = Monday) of a month.

    >>> nth_weekday(2027, 5, 6, 2)   # 母亲节: the second Sunday of May
    datetime.date(2027, 5, 9)
    """
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    if found.month != month:
        raise ValueError(f"{year}年{month}月没有第{nth}个星期{weekday + 1}")
    return found


def festival_dates(festival: Festival, start: date, end: date, rules: Rules) -> list[date]:
    """Every day in ``[start, end]`` on which a festival falls."""
    if festival.calendar == "农历":
        assert festival.day is not None
        return [o.solar for o in lunar.occurrences(
            festival.month, festival.day, False, start, end,
            leap_policy=rules.cadence.lunar_leap_month, missing_30th=rules.cadence.lunar_missing_30th)]
    found = []
    for year in range(start.year, end.year + 1):
        if festival.day is not None:
            if festival.day > calendar.monthrange(year, festival.month)[1]:
                continue  # only 29 Feb can be missing; a festival is not moved
            day = date(year, festival.month, festival.day)
        else:
            assert festival.weekday is not None and festival.nth is not None
            try:
                day = nth_weekday(year, festival.month, festival.weekday, festival.nth)
            except ValueError:
                continue  # a fifth weekday the month does not have
        if start <= day <= end:
            found.append(day)
    return found


def festival_when(festival: Festival) -> str:
    """``农历八月十五``, ``10月1日``, ``5月第2个星期日``."""
    if festival.calendar == "农历":
        assert festival.day is not None
        return "农历" + lunar.month_day_name(festival.month, festival.day)
    if festival.day is not None:
        return f"{festival.month}月{festival.day}日"
    nth = "最后一个" if festival.nth == -1 else f"第{festival.nth}个"
    return f"{festival.month}月{nth}星期{'一二三四五六日'[festival.weekday or 0]}"


# -- clients ---------------------------------------------------------------------------


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


def clients_of(book: Book) -> list[Client]:
    """The book's clients with their last service found in 服务记录 and 最近服务日期.

    A 服务记录 row names its client by 客户编号 or by name; a name shared by two clients
    matches neither (the entry cannot be placed safely).
    """
    grouped: dict[str, list[Record]] = defaultdict(list)
    for rec in book.closed:
        grouped[rec.client_key].append(rec)
    clients = [_closed_client(key, recs) for key, recs in grouped.items()]
    clients += [_prospect_client(rec) for rec in book.prospects]

    by_id: dict[str, Client] = {}
    by_name: dict[str, list[Client]] = defaultdict(list)
    for c in clients:
        for rec in c.records:
            if rec.get("client_id"):
                by_id[normalize_header(rec.get("client_id"))] = c
        by_id.setdefault(normalize_header(c.key), c)
        by_name[normalize_header(c.name)].append(c)
    for svc in book.services:
        when, text = svc.get("date"), normalize_header(svc.get("client"))
        if not isinstance(when, date) or not text:
            continue
        named = by_name.get(text, [])
        client = by_id.get(text) or (named[0] if len(named) == 1 else None)
        if client is None:
            continue
        client.last_service = max(filter(None, (client.last_service, when)))
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
        anchor=latest.get("policy_date"), records=recs, birthday=birthday,
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


# -- the planner -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    today: date
    end: date
    rules: Rules
    # Festival days and labels are the same for every client: computed once per window.
    _festivals: dict[str, tuple[list[date], str]] = field(default_factory=dict)

    def contains(self, day: date) -> bool:
        return self.today <= day <= self.end

    def festival(self, fest: Festival) -> tuple[list[date], str]:
        """The festival's days in the window and its ``name（when）`` label."""
        found = self._festivals.get(fest.name)
        if found is None:
            found = self._festivals[fest.name] = (festival_dates(fest, self.today, self.end, self.rules),
                                                  f"{fest.name}（{festival_when(fest)}）")
        return found


def plan_book(book: Book, rules: Rules, *, today: date, days: int | None = None) -> list[Task]:
    """Every task of a classified book from ``today`` to ``today + days`` (inclusive),
    plus overdue ones; sorted overdue first, then by date, client, kind.

    ``days`` defaults to ``rules.cadence.calendar_window_days`` (90).
    """
    span = rules.cadence.calendar_window_days if days is None else days
    if span < 0:
        raise ValueError("days 不能为负数")
    win = _Window(today, today + timedelta(days=span), rules)
    tasks: list[Task] = []
    for client in clients_of(book):
        tasks += _greetings(client, win)
        tasks += _visits(client, win)
        for rec in client.records if client.book == "closed" else ():
            tasks += _premiums(client, rec, win)
            tasks += _callbacks(client, rec, win)
    return sorted(tasks, key=Task.sort_key)


def _task(client: Client, day: date, kind: str, occasion: str, action: str, **extra: Any) -> Task:
    return Task(
        date=day, kind=kind, client_key=client.key, client_name=client.name, phone=client.phone,
        grade=client.grade, quadrant=client.quadrant, occasion=occasion, action=action,
        sheet=client.sheet, row=client.row, **extra,
    )


def _strategic(client: Client, rules: Rules) -> list[str]:
    if client.quadrant not in rules.experiences.matrix:
        return []
    row = rules.experiences.matrix[client.quadrant]
    return [e.name for e in rules.experiences.items if row.get(e.name) == "☆"]


def _greeting_action(client: Client, what: str) -> str:
    if client.quadrant in _CLOSE_QUADRANTS:
        return f"电话或上门送上{what}祝福，可准备一份小礼物"
    return f"发送{what}祝福短信或电话问候"


def _greetings(client: Client, win: _Window) -> list[Task]:
    rules = win.rules
    stars = "、".join(_strategic(client, rules)) or None
    tasks = []
    bday = client.birthday
    if isinstance(bday, (date, MonthDay)):
        if client.lunar_birthday:
            leap = bool(getattr(bday, "leap", False))  # a future parser may mark 闰月
            try:
                found = lunar.occurrences(bday.month, bday.day, leap, win.today, win.end,
                                          leap_policy=rules.cadence.lunar_leap_month,
                                          missing_30th=rules.cadence.lunar_missing_30th)
            except lunar.LunarError:
                found = []
            for occ in found:
                age = _age(bday, occ.lunar.year)
                detail = "；".join(filter(None, [age, occ.note]))
                occasion = f"农历生日（{lunar.month_day_name(bday.month, bday.day, leap)}{'，' + detail if detail else ''}）"
                tasks.append(_task(client, occ.solar, "birthday", occasion, _greeting_action(client, "生日"),
                                   experience=stars))
        else:
            for day, note in _solar_yearly(bday, win):
                detail = "；".join(filter(None, [_age(bday, day.year), note]))
                occasion = f"生日（{bday.month}月{bday.day}日{'，' + detail if detail else ''}）"
                tasks.append(_task(client, day, "birthday", occasion, _greeting_action(client, "生日"),
                                   experience=stars))
    wedding = client.anniversary
    if isinstance(wedding, (date, MonthDay)):
        for day, note in _solar_yearly(wedding, win):
            years = day.year - wedding.year if isinstance(wedding, date) and day.year > wedding.year else None
            detail = "；".join(filter(None, [f"第{years}年" if years else "", note]))
            occasion = f"结婚纪念日（{wedding.month}月{wedding.day}日{'，' + detail if detail else ''}）"
            tasks.append(_task(client, day, "anniversary", occasion, _greeting_action(client, "纪念日"),
                               experience=stars))
    for fest in rules.festivals:
        if client.book not in fest.books:
            continue
        if fest.grades and client.grade not in fest.grades:
            continue
        if fest.quadrants and client.quadrant not in fest.quadrants:
            continue
        days, label = win.festival(fest)
        for day in days:
            tasks.append(_task(client, day, "festival", label, fest.action, ref=fest.name))
    return tasks


def _age(born: date | MonthDay, year: int) -> str:
    return f"{year - born.year}岁" if isinstance(born, date) and year > born.year else ""


def _solar_yearly(value: date | MonthDay, win: _Window) -> Iterable[tuple[date, str]]:
    for year in range(win.today.year, win.end.year + 1):
        day, note = yearly_solar(value.month, value.day, year, win.rules)
        if win.contains(day):
            yield day, note


def _visits(client: Client, win: _Window) -> list[Task]:
    """The next regular visit and the next of each ☆ experience, overdue or in the window."""
    cad = win.rules.cadence
    tasks = []
    stars = _strategic(client, win.rules)
    mark = win.rules.experiences.matrix.get(client.quadrant or "", {}).get(VISIT_ITEM, "✓")
    base = client.last_service or client.anchor
    if mark != "×" and base is not None:
        every = min(cad.visit_every_days, cad.strategic_every_days) if mark == "☆" else cad.visit_every_days
        due = base + timedelta(days=every)
        since = f"上次服务 {base.isoformat()}" if client.last_service else f"{'承保' if client.book == 'closed' else '登记'}日 {base.isoformat()} 起算"
        if due <= win.end:
            tasks.append(_task(
                client, due, "visit", f"定期拜访（每{every}天；{since}）",
                "上门拜访或电话问候，了解近况，服务后修正档案", experience="、".join(stars) or VISIT_ITEM,
                overdue=due < win.today,
            ))
    for item in stars:
        if item == VISIT_ITEM:
            continue  # folded into the visit cadence above
        last = client.given.get(item)
        start = last or client.anchor
        if start is None:
            continue
        due = start + timedelta(days=cad.strategic_every_days)
        since = f"上次 {last.isoformat()}" if last else "尚未提供过"
        if due <= win.end:
            tasks.append(_task(
                client, due, "experience", f"☆重点体验：{item}（每{cad.strategic_every_days}天；{since}）",
                f"安排一次{item}，完成后在服务记录登记", experience=item, overdue=due < win.today, ref=item,
            ))
    return tasks


def _premiums(client: Client, rec: Record, win: _Window) -> list[Task]:
    cad = win.rules.cadence
    policy_date = rec.get("policy_date")
    if not isinstance(policy_date, date):
        return []
    mode = rec.get("pay_mode") or "年交"
    period = PERIOD_MONTHS.get(mode)
    if period is None:
        return []
    policy_no = str(rec.get("policy_no") or "")
    product = rec.get("product") or ""
    tasks = []
    first = win.today - timedelta(days=cad.grace_period_days)
    last = win.end + timedelta(days=cad.premium_reminder_days_before)
    for due in due_dates(policy_date, mode, rec.get("pay_years"), first, last):
        number = _months_between(policy_date, due) // period + 1
        what = f"{product}第{number}期保费（{mode}）"
        if due < win.today:
            grace_end = due + timedelta(days=cad.grace_period_days)
            tasks.append(_task(
                client, due, "lapse_warning", f"{what}交费对应日已过，宽限期至 {grace_end.isoformat()}",
                "确认客户是否已交费；宽限期满仍未交费，保单将失效", overdue=True, ref=policy_no,
            ))
            continue
        if win.contains(due):
            tasks.append(_task(client, due, "premium_due", f"{what}交费对应日", "提醒客户今天交费，确认账户余额充足",
                               ref=policy_no))
        remind = due - timedelta(days=cad.premium_reminder_days_before)
        if cad.premium_reminder_days_before and win.contains(remind):
            tasks.append(_task(
                client, remind, "premium_reminder", f"{what}将于 {due.isoformat()} 到期",
                "提前告知客户交费日期和金额，确认扣款账户", ref=policy_no,
            ))
    return tasks


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _callbacks(client: Client, rec: Record, win: _Window) -> list[Task]:
    cad = win.rules.cadence
    policy_date = rec.get("policy_date")
    if not isinstance(policy_date, date):
        return []
    policy_no = str(rec.get("policy_no") or "")
    tasks = []
    for after in cad.callbacks_after_sale_days:
        day = policy_date + timedelta(days=after)
        overdue = day < win.today
        if overdue and (day < win.today - timedelta(days=cad.callback_overdue_days)
                        or (client.last_service is not None and client.last_service >= day)):
            continue  # too old to still matter, or a service logged since then covers it
        if day > win.end:
            continue
        name = _CALLBACK_NAMES.get(after, f"{after}天")
        tasks.append(_task(
            client, day, "callback", f"售后回访（{rec.get('product') or '保单'}承保后{name}）",
            "电话回访：确认保单已收到、条款已理解，了解满意度，顺带请求转介绍", overdue=overdue, ref=policy_no,
        ))
    return tasks


# -- views -----------------------------------------------------------------------------


def bucket(task: Task, today: date) -> str:
    """The group a task shows in: 逾期, 今天, 本周 (the next 6 days), 30天内, 以后.

    本周 is the rolling week after today, not the calendar week, so a Sunday's list
    still shows the coming days.
    """
    if task.overdue or task.date < today:
        return "逾期"
    ahead = (task.date - today).days
    if ahead == 0:
        return "今天"
    if ahead <= 6:
        return "本周"
    if ahead <= 30:
        return "30天内"
    return "以后"


def grouped(tasks: Iterable[Task], today: date) -> dict[str, list[Task]]:
    """Tasks by bucket, every bucket present, in :data:`BUCKETS` order."""
    groups: dict[str, list[Task]] = {b: [] for b in BUCKETS}
    for task in tasks:
        groups[bucket(task, today)].append(task)
    return groups


def counts(tasks: Iterable[Task], today: date) -> dict[str, Any]:
    """Counts only (never names) for the dashboard: per bucket and per kind."""
    tasks = list(tasks)
    by_kind = {KIND_LABELS[k]: 0 for k in KINDS}
    for t in tasks:
        by_kind[t.label] += 1
    return {
        "total": len(tasks),
        "buckets": {b: len(v) for b, v in grouped(tasks, today).items()},
        "kinds": by_kind,
    }


def calendar_row(task: Task, today: date) -> tuple[Any, ...]:
    """One row of the 服务日历 sheet, in :data:`CALENDAR_COLUMNS` order."""
    return (
        bucket(task, today), task.date, WEEKDAYS[task.date.weekday()], task.label, task.client_key,
        task.client_name, task.grade or "", task.quadrant or "", task.occasion, task.action,
        task.experience or "", task.phone or "", task.policy_no or "",
    )


def reminder_days(rules: Rules) -> dict[str, int]:
    """Days before the event a phone alarm should ring, per kind (0 = on the day)."""
    greet = rules.cadence.greeting_reminder_days_before
    return {"birthday": greet, "anniversary": greet}


def quota_series(book: Book, rules: Rules, *, today: date, days: int = 30) -> list[tuple[date, int, int]]:
    """Prospects registered (登记日期) per day for the last ``days`` days up to today,
    oldest first, each with the daily target: ``(day, registered, target)``."""
    per_day: dict[date, int] = defaultdict(int)
    for rec in book.prospects:
        when = rec.get("registered")
        if isinstance(when, date):
            per_day[when] += 1
    target = rules.cadence.prospect_daily_quota
    return [(d, per_day.get(d, 0), target) for d in (today - timedelta(days=i) for i in range(days - 1, -1, -1))]


__all__ = [
    "BUCKETS", "CALENDAR_COLUMNS", "KINDS", "KIND_LABELS", "PERIOD_MONTHS", "Client", "Task", "add_months",
    "bucket", "calendar_row", "clients_of", "counts", "due_dates", "festival_dates", "festival_when", "grouped",
    "next_due_date", "nth_weekday", "plan_book", "quota_series", "reminder_days", "yearly_solar",
]
