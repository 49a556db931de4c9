"""The task records a service plan is made of, and the window it is planned in.

:class:`Task` is one dated action on the calendar; :func:`bucket` says which section
(今天/本周/逾期/30天内/以后) it shows in. The planner (:mod:`generator.plan`) and the
follow-ups (:mod:`generator.followups`) both build tasks with :func:`make_task`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .occasions import festival_dates, festival_when
from .plan_clients import Client
from .rules import Festival, Rules
from .segments import segment_rank

__all__ = ["BUCKETS", "KINDS", "KIND_BY_LABEL", "KIND_LABELS", "ROUTINE_ITEM", "VISIT_ITEM", "Greeted", "Task",
           "Window", "bucket", "make_task", "service_item"]

# Order of urgency within 逾期 (a policy about to lapse first).
KINDS = (
    "premium_check", "premium_due", "callback", "followup", "visit", "experience", "birthday", "anniversary",
    "festival",
)
KIND_LABELS = {
    "birthday": "生日", "anniversary": "结婚纪念日", "festival": "节日问候",
    "premium_due": "交费对应日", "premium_check": "交费确认",
    "callback": "售后回访", "followup": "服务回访", "visit": "定期拜访", "experience": "重点体验",
}
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
# The order an agent works in: today's list, the rest of the week, then the backlog.
BUCKETS = ("今天", "本周", "逾期", "30天内", "以后")
VISIT_ITEM = "定期拜访"
ROUTINE_ITEM = "常规服务"


Day = date  # Task has a field named `date`: its methods name the type by this alias


@dataclass(frozen=True)
class Greeted:
    """A client on a festival task's list (the 节日问候 sheet has one row per client)."""

    key: str
    name: str
    phone: str | None
    grade: str | None
    quadrant: str | None
    book: str  # "closed" | "prospect"
    sheet: str
    row: int


@dataclass(frozen=True)
class Task:
    """One dated action on the calendar."""

    date: date  # the day to act; for an overdue task, the day it was due (at most one cycle ago)
    kind: str  # one of KINDS
    client_key: str  # "" for a festival task (it is for group)
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
    amount: float | None = None  # the instalment due (premium tasks)
    capped: bool = False  # overdue longer than one cycle: dated one cycle back ("N 天以上")
    group: tuple[Greeted, ...] = ()  # the clients a festival task greets
    segment: str | None = None  # the client's value segment: 高效 first within a day

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def policy_no(self) -> str | None:
        return self.ref or None if self.kind in ("premium_due", "premium_check", "callback") else None

    def late_text(self, today: Day) -> str:
        """``逾期 12 天`` (``逾期 90 天以上`` when capped); empty for a pending task."""
        if not self.overdue:
            return ""
        return f"逾期 {(today - self.date).days} 天{'以上' if self.capped else ''}"

    def sort_key(self, today: Day) -> tuple[Any, ...]:
        """Section first; 逾期 by urgency (kind, then the client's value segment, then the
        longest late), others by date then segment (高效客户 first, generator/segments.py)."""
        section = BUCKETS.index(bucket(self, today))
        kind = KINDS.index(self.kind)
        rank = segment_rank(self.segment)
        if self.overdue:
            return (section, kind, rank, self.date, self.client_key, self.ref)
        return (section, self.date, rank, kind, self.client_key, self.ref)


def service_item(kind: str, experience: str | None = None) -> str | None:
    """The 服务项目 a calendar row marked 完成 is logged as in 服务记录 (the done loop).

    A visit restarts the visit cadence, a ☆ experience its own; anything else done for
    one client is a 常规服务. A festival row is for many clients: None (nothing to log).

    >>> service_item("experience", "生活服务、量身定制")
    '生活服务'
    """
    if kind == "festival":
        return None
    if kind == "visit":
        return VISIT_ITEM
    if kind == "experience" and experience:
        return experience.split("、")[0]
    return ROUTINE_ITEM


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


@dataclass(frozen=True)
class Window:
    """The days a plan covers (today to end) and the rules it follows."""

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

    def overdue(self, due: date, cycle: int) -> tuple[date, bool]:
        """An overdue task's date: its due date, or one cycle (at most a year) back."""
        floor = self.today - timedelta(days=max(1, min(cycle, 365)))
        return (floor, True) if due < floor else (due, False)


def make_task(client: Client, day: date, kind: str, occasion: str, action: str, **extra: Any) -> Task:
    """A task for one client: its name, phone, tier, source row and segment filled in."""
    return Task(
        date=day, kind=kind, client_key=client.key, client_name=client.name, phone=client.phone,
        grade=client.grade, quadrant=client.quadrant, occasion=occasion, action=action,
        sheet=client.sheet, row=client.row, segment=client.segment, **extra,
    )
