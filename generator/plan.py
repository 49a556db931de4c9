"""The service calendar (服务日历): every dated action for an agent's clients.

Pure functions over a classified :class:`~generator.models.Book` and the rules. Each
occasion of domain.md §6 becomes :class:`Task` values:

========================  ==============================================================
kind                      when
========================  ==============================================================
``birthday``              each birthday in the window; lunar ones (生日历法 = 农历) converted
                          to the solar date of that year (:mod:`generator.lunar`)
``anniversary``           each wedding anniversary (结婚纪念日, solar) in the window
``festival``              each festival of ``rules.festivals`` on each of its days: ONE task
                          for all the clients the rules greet (``Task.group``)
``premium_due``           each 交费对应日 in the window not known paid, with the instalment;
                          the phone alarm rings ``premium_reminder_days_before`` days early
``premium_check``         a due date passed less than ``grace_period_days`` ago and not
                          known paid (已交至, or a done row in 服务记录)
``callback``              ``callbacks_after_sale_days`` after each policy; a missed one stays
                          逾期 for ``callback_overdue_days`` unless a later service is logged
``visit``                 the next regular visit, ``visit_every_days`` after the last service
``experience``            the next ☆ experience of the client's quadrant, every
                          ``strategic_every_days`` after it (or any service) was last given
========================  ==============================================================

Overdue work is one task per client and kind ("逾期 N 天"), counted from the last
service, and never dated more than one cycle of its task (nor a year) before the run
date: a client unvisited since 2015 is "逾期 90 天以上", not a row dated 2015.

Dates that a year lacks move by the rules file: 29 Feb → 28 Feb (or 1 Mar); a lunar
leap-month birthday → the ordinary month in years without that leap month; a lunar 30th
→ the 29th (or the next day). Greetings are never overdue: a birthday that has passed
is simply not listed. Greetings and visits come once per client (a closed client's
policy rows grouped by ``client_key``; the latest policy gives the tier).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Iterable

from . import lunar
from .models import Book, MonthDay, Record
from .premiums import (
    FALLBACK_NOTE,
    premium_start,
    PERIOD_MONTHS,
    due_dates,
    instalment,
    mode_of,
    months_between,
    paid_from_services,
    paid_through,
)
from .occasions import yearly_solar
from .audience import fits_records
from .followups import followup_tasks
from .plan_clients import Client, clients_of
from .plan_tasks import (
    BUCKETS, KIND_LABELS, KINDS, VISIT_ITEM, Greeted, Task, Window, bucket, make_task,
)
from .rules import Festival, Rules

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# A merged overdue task names at most this many of its occasions.
_MERGE_SHOWN = 3

_CALLBACK_NAMES = {7: "1周", 30: "1个月", 90: "3个月", 180: "6个月"}
_CLOSE_QUADRANTS = ("宠爱", "耕耘")


# -- the planner -----------------------------------------------------------------------


def plan_book(book: Book, rules: Rules, *, today: date, days: int | None = None) -> list[Task]:
    """Every task of a classified book from ``today`` to ``today + days`` (inclusive),
    plus overdue ones (one per client and kind), in the order of :meth:`Task.sort_key`.

    ``days`` defaults to ``rules.cadence.calendar_window_days`` (90).
    """
    span = rules.cadence.calendar_window_days if days is None else days
    if span < 0:
        raise ValueError("days 不能为负数")
    win = Window(today, today + timedelta(days=span), rules)
    clients = clients_of(book)
    paid = paid_from_services(book.services)
    tasks: list[Task] = _festivals(clients, win)
    for client in clients:
        tasks += _greetings(client, win)
        tasks += _visits(client, win)
        for rec in client.records if client.book == "closed" else ():
            tasks += _premiums(client, rec, win, paid)
            tasks += _callbacks(client, rec, win)
        tasks += followup_tasks(client, win)  # after services, prospects, dormant clients
    return sorted(_merge_overdue(tasks), key=lambda t: t.sort_key(today))


def _merge_overdue(tasks: list[Task]) -> list[Task]:
    """One overdue task per client and kind: the most overdue one names the others.

    It keeps its own 建议体验 (one ☆ item to give now; a done row logs that item).
    """
    late: dict[tuple[str, str], list[Task]] = defaultdict(list)
    out = []
    for task in tasks:
        if task.overdue:
            late[(task.client_key, task.kind)].append(task)
        else:
            out.append(task)
    for same in late.values():
        if len(same) == 1:
            out.append(same[0])
            continue
        same.sort(key=lambda t: (t.date, t.ref))
        occasions = list(dict.fromkeys(t.occasion for t in same))
        shown = "；".join(occasions[:_MERGE_SHOWN]) + (f"；等共 {len(occasions)} 项" if len(occasions) > _MERGE_SHOWN else "")
        amounts = [t.amount for t in same if t.amount is not None]
        out.append(replace(
            same[0], occasion=shown, capped=any(t.capped for t in same),
            ref="、".join(dict.fromkeys(t.ref for t in same if t.ref)),
            amount=round(sum(amounts), 2) if amounts else None,
        ))
    return out


def _strategic(client: Client, rules: Rules) -> list[str]:
    if client.quadrant not in rules.experiences.matrix:
        return []
    row = rules.experiences.matrix[client.quadrant]
    return [e.name for e in rules.experiences.items if row.get(e.name) == "☆"]


def _greeting_action(client: Client, what: str) -> str:
    if client.quadrant in _CLOSE_QUADRANTS:
        return f"电话或上门送上{what}祝福，可准备一份小礼物"
    return f"发送{what}祝福短信或电话问候"


def _greets(fest: Festival, client: Client) -> bool:
    return (client.book in fest.books and (not fest.grades or client.grade in fest.grades)
            and (not fest.quadrants or client.quadrant in fest.quadrants) and fits_records(fest, client.records))


def _festivals(clients: list[Client], win: Window) -> list[Task]:
    """One task per festival day for everyone the rules greet on it (the list is its group)."""
    tasks = []
    for fest in win.rules.festivals:
        days, label = win.festival(fest)
        if not days:
            continue
        group = tuple(sorted((Greeted(c.key, c.name, c.phone, c.grade, c.quadrant, c.book, c.sheet, c.row)
                              for c in clients if _greets(fest, c)), key=lambda g: (g.book != "closed", g.key)))
        if not group:
            continue
        for day in days:
            tasks.append(Task(
                date=day, kind="festival", client_key="", client_name=f"{len(group)} 位客户", phone=None,
                grade=None, quadrant=None, occasion=f"{label}：问候 {len(group)} 位客户，名单见节日问候",
                action=fest.action, ref=fest.name, group=group,
            ))
    return tasks


def _greetings(client: Client, win: Window) -> list[Task]:
    # A greeting is not an experience: 建议体验 stays on visits and ☆ experiences only.
    rules = win.rules
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
                tasks.append(make_task(client, occ.solar, "birthday", occasion, _greeting_action(client, "生日")))
        else:
            for day, note in _solar_yearly(bday, win):
                detail = "；".join(filter(None, [_age(bday, day.year), note]))
                occasion = f"生日（{bday.month}月{bday.day}日{'，' + detail if detail else ''}）"
                tasks.append(make_task(client, day, "birthday", occasion, _greeting_action(client, "生日")))
    wedding = client.anniversary
    if isinstance(wedding, (date, MonthDay)):
        for day, note in _solar_yearly(wedding, win):
            years = day.year - wedding.year if isinstance(wedding, date) and day.year > wedding.year else None
            detail = "；".join(filter(None, [f"第{years}年" if years else "", note]))
            occasion = f"结婚纪念日（{wedding.month}月{wedding.day}日{'，' + detail if detail else ''}）"
            tasks.append(make_task(client, day, "anniversary", occasion, _greeting_action(client, "纪念日")))
    return tasks


def _age(born: date | MonthDay, year: int) -> str:
    return f"{year - born.year}岁" if isinstance(born, date) and year > born.year else ""


def _solar_yearly(value: date | MonthDay, win: Window) -> Iterable[tuple[date, str]]:
    for year in range(win.today.year, win.end.year + 1):
        day, note = yearly_solar(value.month, value.day, year, win.rules)
        if win.contains(day):
            yield day, note


def _since(client: Client, last: date | None, base: date) -> str:
    if last is not None:
        return f"上次服务 {last.isoformat()}"
    return f"尚无服务记录，{'承保' if client.book == 'closed' else '登记'}日 {base.isoformat()} 起算"


def _visits(client: Client, win: Window) -> list[Task]:
    """The next regular visit and the next ☆ experience, overdue or in the window.

    ☆ marks the experience that matters most to the quadrant — a priority, not a
    frequency (the standard warns against over-involvement in clients' lives). So one ☆
    experience is planned at a time, every ``strategic_every_days`` after the last ☆
    experience (else the last service); the next is the one given least recently, never
    given first, in the matrix's order. A ☆ on 定期拜访 keeps the ordinary visit cadence.

    A visit counts from the last service of any kind (服务记录 or 最近服务日期); with no
    service at all, both count from the policy or registration date.

    Giving an experience is a service, so it restarts the visit cadence: when a ☆
    experience falls due on or before the visit, its row stands for the visit too (one
    contact, one row, and a done row restarts both).
    """
    cad = win.rules.cadence
    stars = _strategic(client, win.rules)
    every = cad.strategic_every_days
    found: list[tuple[date, Task]] = []
    items = [i for i in stars if i != VISIT_ITEM]  # a ☆ visit is the visit below
    if items:
        last_star = max((client.given[i] for i in items if i in client.given), default=None)
        item = min(items, key=lambda i: (client.given.get(i, date.min), items.index(i)))
        given = client.given.get(item)
        start = last_star or client.last_service or client.anchor
        if start is not None:
            raw = start + timedelta(days=every)
            due, capped = win.overdue(raw, every)
            since = f"上次提供 {given.isoformat()}" if given else ("尚未提供过；" + _since(client, client.last_service, start))
            if due <= win.end:
                found.append((raw, make_task(
                    client, due, "experience", f"☆重点体验：{item}（每{every}天安排一项；{since}）",
                    f"安排一次{item}，完成后在服务记录登记", experience=item, overdue=due < win.today, ref=item,
                    capped=capped,
                )))
    tasks = [t for _, t in found]
    mark = win.rules.experiences.matrix.get(client.quadrant or "", {}).get(VISIT_ITEM, "✓")
    base = client.last_service or client.anchor
    if mark == "×" or base is None:
        return tasks
    visit_every = cad.visit_every_days
    raw = base + timedelta(days=visit_every)
    if found and min(r for r, _ in found) <= raw:
        first = min(range(len(found)), key=lambda i: (found[i][0], i))
        tasks[first] = replace(tasks[first], action=tasks[first].action + "；上门或约见时提供，同时算作一次定期拜访")
        return tasks
    due, capped = win.overdue(raw, visit_every)
    if due <= win.end:
        tasks.append(make_task(
            client, due, "visit", f"定期拜访（每{visit_every}天；{_since(client, client.last_service, base)}）",
            "上门拜访或电话问候，了解近况，服务后修正档案", experience="、".join(stars) or VISIT_ITEM,
            overdue=due < win.today, capped=capped,
        ))
    return tasks


def _premiums(client: Client, rec: Record, win: Window, paid: dict[str, date]) -> list[Task]:
    """Each due date in the window (one row, with the instalment) and each passed one in
    the grace period that nothing says was paid."""
    cad = win.rules.cadence
    policy_date, fallback = premium_start(rec)  # 承保日期, else 投保日期
    note = f"；{FALLBACK_NOTE}" if fallback else ""
    mode = mode_of(rec)
    period = PERIOD_MONTHS.get(mode)
    if not isinstance(policy_date, date) or period is None:
        return []
    policy_no = str(rec.get("policy_no") or "")
    amount = instalment(rec)
    money = f" {amount:,.2f} 元" if amount is not None else ""
    through = paid_through(rec, paid)
    paid_to = rec.get("paid_to") if isinstance(rec.get("paid_to"), date) else None
    product = rec.get("product") or "保单"
    tasks, passed = [], []
    for due in due_dates(policy_date, mode, rec.get("pay_years"), win.today - timedelta(days=cad.grace_period_days),
                         win.end):
        if through is not None and due <= through:
            continue  # known paid
        if due < win.today:
            passed.append(due)
            continue
        number = months_between(policy_date, due) // period + 1
        tasks.append(make_task(
            client, due, "premium_due", f"{product}第{number}期保费{money}（{mode}）；保单 {policy_no} 交费对应日 {due.isoformat()}{note}",
            "提前告知客户交费日期和金额，确认扣款账户；客户交费后在“完成”选“是”", ref=policy_no, amount=amount))
    if passed:
        # One task per policy: dated by the oldest unconfirmed due date (its grace ends
        # first); the text names the latest, which a done row marks paid (and all before it).
        first, last = passed[0], passed[-1]
        numbers = [months_between(policy_date, d) // period + 1 for d in (first, last)]
        which = f"第{numbers[0]}期" if first == last else f"第{numbers[0]}–{numbers[1]}期（{len(passed)} 期）"
        total = round(amount * len(passed), 2) if amount is not None else None
        grace_end = first + timedelta(days=cad.grace_period_days)
        if paid_to is not None:  # the agent says what is paid, and these are not
            action = (f"已交至 {paid_to.isoformat()}，之后的保费未交：联系客户尽快交费；"
                      f"宽限期满（{grace_end.isoformat()}）仍未交费，保单将失效")
        else:
            action = "请确认是否已交费：已交的在“完成”选“是”，或在成交客户填写“已交至”；未交的提醒客户在宽限期内交费"
        day, capped = win.overdue(first, cad.grace_period_days)
        text = (f"{product}{which}保费{f' {total:,.2f} 元' if total is not None else ''}（{mode}）；"
                f"保单 {policy_no} 交费对应日 {last.isoformat()}"
                f"{f'（最早一期 {first.isoformat()}）' if first != last else ''}，宽限期至 {grace_end.isoformat()}{note}")
        tasks.append(make_task(client, day, "premium_check", text, action, overdue=True, ref=policy_no, amount=total,
                           capped=capped))
    return tasks


def _callbacks(client: Client, rec: Record, win: Window) -> list[Task]:
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
        day, capped = win.overdue(day, cad.callback_overdue_days) if overdue else (day, False)
        tasks.append(make_task(
            client, day, "callback", f"售后回访（{rec.get('product') or '保单'}承保后{name}；保单 {policy_no}）",
            "电话回访：确认保单已收到、条款已理解，了解满意度，顺带请求转介绍", overdue=overdue, ref=policy_no,
            capped=capped,
        ))
    return tasks


# -- views -----------------------------------------------------------------------------


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


def reminder_days(rules: Rules) -> dict[str, int]:
    """Days before the event a phone alarm should ring, per kind (0 = on the day)."""
    greet = rules.cadence.greeting_reminder_days_before
    return {"birthday": greet, "anniversary": greet, "premium_due": rules.cadence.premium_reminder_days_before}


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


__all__ = ["WEEKDAYS", "counts", "grouped", "plan_book", "quota_series", "reminder_days"]
