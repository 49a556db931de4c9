"""Call-backs beyond the sale: after every service, and prospect follow-ups.

The standard asks for a call-back after any service — the call-back policy says the
same day or the next — and for calling back closed and unclosed clients alike. The sale
call-backs live in :mod:`generator.plan`; these are the others, kind ``followup``
(服务回访), planned for every client (:func:`followup_tasks`):

- after each 服务记录 row, ``cadence.callback_after_service_days`` later (1: the same day
  or the next). A later service of the client covers it (the agent was in touch again),
  and a service that was itself a call-back needs none: a row made from a calendar
  call-back (日历任务) or whose 内容/结果 says 回访;
- for a prospect, ``cadence.prospect_followup_days`` after the 登记日期 (a service since
  covers a missed one);
- for a dormant client (value segment 休眠客户, :mod:`generator.segments`), a wake-up
  call-back today, until a contact is logged and the client is no longer dormant.

Like the sale call-backs, a missed one stays 逾期 for ``callback_overdue_days``.
"""

from __future__ import annotations

from datetime import date, timedelta

from .models import Record

from .plan_clients import Client
from .plan_tasks import Task, Window, make_task
from .segments import DORMANT

__all__ = ["FOLLOWUP", "is_callback", "followup_tasks"]

FOLLOWUP = "followup"
_CALLBACK_WORDS = ("回访",)
_CALLBACK_TASKS = ("售后回访", "服务回访")


def is_callback(svc: Record) -> bool:
    """A 服务记录 row that was itself a call-back (no call-back after it)."""
    task = str(svc.get("task") or "")
    if any(w in task for w in _CALLBACK_TASKS):
        return True
    text = f"{svc.get('content') or ''}{svc.get('result') or ''}"
    return any(w in text for w in _CALLBACK_WORDS)


def _keep(due: date, win: Window, covered: bool) -> bool:
    if due > win.end:
        return False
    if due < win.today:
        return not covered and due >= win.today - timedelta(days=win.rules.cadence.callback_overdue_days)
    return not covered


def _after_services(client: Client, win: Window) -> list[Task]:
    after = win.rules.cadence.callback_after_service_days
    dated = [s for s in client.services if isinstance(s.get("date"), date)]
    tasks = []
    for svc in dated:
        if is_callback(svc):
            continue
        when: date = svc.get("date")
        covered = any(o is not svc and (o.get("date") > when or (o.get("date") == when and is_callback(o)))
                      for o in dated)
        due = when + timedelta(days=after)
        if not _keep(due, win, covered):
            continue
        item = svc.get("item") or "服务"
        tasks.append(make_task(
            client, due, FOLLOWUP, f"服务后回访（{when.isoformat()} {item}，应在当天或第二天回访）"
            if after <= 1 else f"服务后回访（{when.isoformat()} {item}，{after} 天内回访）",
            "电话回访：服务结果是否满意、还有什么需要；有新的需求记入档案", overdue=due < win.today,
            ref=f"{when.isoformat()}#{svc.row}"))
    return tasks


def _prospect(client: Client, win: Window) -> list[Task]:
    registered = client.anchor
    if client.book != "prospect" or not isinstance(registered, date):
        return []
    tasks = []
    for n in win.rules.cadence.prospect_followup_days:
        due = registered + timedelta(days=n)
        covered = client.last_service is not None and client.last_service >= due
        if not _keep(due, win, covered):
            continue
        tasks.append(make_task(
            client, due, FOLLOWUP, f"准客户跟进（登记后第 {n} 天，登记日 {registered.isoformat()}）",
            "电话或微信跟进：了解需求有没有变化，约下一次面谈", overdue=due < win.today, ref=f"登记+{n}"))
    return tasks


def _wakeup(client: Client, win: Window) -> list[Task]:
    if client.segment != DORMANT:
        return []
    last = max((d for d in (client.last_service, client.anchor) if isinstance(d, date)), default=None)
    quiet = f"上次往来 {last.isoformat()}" if last else "没有往来记录"
    return [make_task(client, win.today, FOLLOWUP, f"休眠客户唤醒回访（{quiet}）",
                  "电话问候，了解近况和保单是否还满足需要；联系后在服务记录登记", ref="唤醒")]


def followup_tasks(client: Client, win: Window) -> list[Task]:
    """Every follow-up of one client: after its services, a prospect's after registering,
    and a dormant client's wake-up call-back."""
    return _after_services(client, win) + _prospect(client, win) + _wakeup(client, win)
