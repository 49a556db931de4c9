"""Bounds of a run's own arguments, checked by the library and by the command line.

A run date far out (``--today 9999-12-28``) overflows date arithmetic in the calendar;
one range, shared with the rules' campaign dates, keeps every date a run computes valid.

    >>> check_run_date(date(2026, 11, 23))
    datetime.date(2026, 11, 23)
"""

from __future__ import annotations

from datetime import date

from .rules import RULES_YEARS

RUN_DATE_MIN = date(RULES_YEARS[0], 1, 1)
RUN_DATE_MAX = date(RULES_YEARS[1], 12, 31)


class RunArgumentError(ValueError):
    """A run argument out of its range (a usage error; the message is Chinese)."""


def check_run_date(day: date, option: str = "--today") -> date:
    """``day`` when it lies in the supported range, else :class:`RunArgumentError`."""
    if not RUN_DATE_MIN <= day <= RUN_DATE_MAX:
        raise RunArgumentError(
            f"{option} {day.isoformat()} 超出支持的范围（{RUN_DATE_MIN.isoformat()} 至 {RUN_DATE_MAX.isoformat()}），"
            f"请检查日期是否输错。")
    return day
