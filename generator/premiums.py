"""Premiums as an agent acts on them: instalments, due dates, what is known paid.

The 年交保费 column holds the premium of one year, except on a 趸交 (single premium) row,
where it is the one payment made at the sale. So:

* :func:`annual_premium` is 0 for 趸交 rows (they are never counted as yearly premium),
  :func:`single_premium` is the 趸交 amount, kept apart;
* :func:`instalment` is one period's payment: the annual premium split by 交费方式
  (季交 8,000 a year → 2,000 a quarter);
* :func:`paid_through` is the last due date known paid, from the optional 已交至 column
  (the paid-to date: premiums are paid up to, not including, that day, which is the next
  due date) and from 服务记录 rows written back by the done loop (:func:`paid_note`).

Blank 交费方式/缴费年限 and a 趸交 row with 缴费年限 > 1 are warned about once per row
(:func:`premium_issues`), because each changes which due dates the calendar shows.

    >>> instalment({"pay_mode": "季交", "premium": 8000.0})
    2000.0
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from .issues import Issue, make_issue
from .models import Book, Record
from .schema import CLOSED

PERIOD_MONTHS: dict[str, int | None] = {"年交": 12, "半年交": 6, "季交": 3, "月交": 1, "趸交": None}
SINGLE = "趸交"
DEFAULT_MODE = "年交"  # what a blank 交费方式 is planned as (and warned about)

# The done loop: a premium row marked 完成 becomes a 服务记录 row whose text names the
# policy and the due date ("保单 P001 交费对应日 2026-12-10"); written by paid_note.
_NOTE = re.compile(r"保单\s*[:：]?\s*(?P<policy>[^\s，,；;）)]+)[^0-9]*?交费对应日\s*(?P<due>\d{4}-\d{2}-\d{2})")


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, the day clamped to the target month's last day.

    >>> add_months(date(2025, 1, 31), 1)
    datetime.date(2025, 2, 28)
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


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
    period = PERIOD_MONTHS.get(pay_mode or DEFAULT_MODE)
    if period is None or end < start:
        return []
    limit = pay_years * 12 if pay_years is not None else None
    k = max(1, months_between(policy_date, start) // period - 1)  # skip straight to just before the window
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
    period = PERIOD_MONTHS.get(pay_mode or DEFAULT_MODE)
    if period is None:
        return None
    found = due_dates(policy_date, pay_mode, pay_years, on_or_after, on_or_after + timedelta(days=31 * period))
    return found[0] if found else None


def mode_of(values: Mapping[str, Any] | Record) -> str:
    """The 交费方式 the calendar plans with (a blank one counts as 年交)."""
    return values.get("pay_mode") or DEFAULT_MODE


def annual_premium(values: Mapping[str, Any] | Record) -> float:
    """The row's yearly premium; 0 for 趸交 (a single premium is not paid every year)."""
    if mode_of(values) == SINGLE:
        return 0.0
    return float(values.get("premium") or 0.0)


def single_premium(values: Mapping[str, Any] | Record) -> float:
    """The 趸交 amount of the row, 0 for periodic payers."""
    return float(values.get("premium") or 0.0) if mode_of(values) == SINGLE else 0.0


def instalment(values: Mapping[str, Any] | Record) -> float | None:
    """One period's payment: the annual premium × months per period / 12 (None for 趸交)."""
    period = PERIOD_MONTHS.get(mode_of(values))
    premium = values.get("premium")
    if period is None or not isinstance(premium, (int, float)):
        return None
    return round(float(premium) * period / 12, 2)


def paid_note(policy_no: str, due: date) -> str:
    """The words a done premium row leaves in 服务记录 (read back by :func:`paid_through`)."""
    return f"保单 {policy_no} 交费对应日 {due.isoformat()} 已交费"


def paid_from_services(services: Iterable[Record]) -> dict[str, date]:
    """Policy number → the latest due date a 服务记录 row says was paid."""
    found: dict[str, date] = {}
    for svc in services:
        for key in ("content", "result"):
            text = svc.get(key)
            if not isinstance(text, str) or "交费对应日" not in text:
                continue
            for m in _NOTE.finditer(text):
                try:
                    due = date.fromisoformat(m["due"])
                except ValueError:
                    continue
                policy = m["policy"]
                if policy not in found or found[policy] < due:
                    found[policy] = due
    return found


def premium_start(rec: Record) -> tuple[date | None, bool]:
    """The day a policy's due dates run from: 承保日期, else 投保日期 (True: the fallback)."""
    effective = rec.get("effective_date")
    if isinstance(effective, date):
        return effective, False
    sold = rec.get("policy_date")
    return (sold if isinstance(sold, date) else None), True


FALLBACK_NOTE = "未填承保日期，按投保日期推算"


def paid_through(rec: Record, from_services: Mapping[str, date]) -> date | None:
    """The last day whose due date is known paid, or None when nothing says so.

    已交至 is the paid-to date (the next unpaid due date), so the day before it is the last
    one covered; a done-loop note covers its own due date.
    """
    known = []
    paid_to = rec.get("paid_to")
    if isinstance(paid_to, date):
        known.append(paid_to - timedelta(days=1))
    noted = from_services.get(str(rec.get("policy_no") or ""))
    if noted is not None:
        known.append(noted)
    return max(known, default=None)


def premium_issues(book: Book) -> list[Issue]:
    """Warnings on 成交客户 rows whose payment terms leave the due dates unsure.

    Each is also added to its record's issues (the workbook's 问题 column); a cell whose
    value was dropped as unusable is already reported and gets no second warning.
    """
    letters = book.column_letters.get(CLOSED.name, {})
    found = []
    for rec in book.closed:
        mode, years = rec.get("pay_mode"), rec.get("pay_years")
        checks: list[tuple[str, str, Any]] = []
        if mode is None:
            checks.append(("pay-mode-blank", "pay_mode", ""))
        if mode != SINGLE and years is None:
            checks.append(("pay-years-blank", "pay_years", ""))
        if mode == SINGLE and isinstance(years, int) and years > 1:
            checks.append(("single-premium-years", "pay_years", years))
        for code, key, value in checks:
            col = CLOSED.column(key)
            if any(i.column == col.name for i in rec.issues):
                continue  # the cell was filled but unusable: already reported
            issue = make_issue(code, file=book.source, sheet=rec.sheet, row=rec.row, column=col.name,
                               column_letter=letters.get(key), value=value)
            rec.issues.append(issue)
            found.append(issue)
    return found


__all__ = [
    "DEFAULT_MODE", "PERIOD_MONTHS", "SINGLE", "add_months", "annual_premium", "due_dates", "instalment", "mode_of",
    "months_between", "next_due_date", "paid_from_services", "paid_note", "paid_through", "premium_issues",
    "single_premium",
]
