"""The days of yearly occasions: festivals (solar, lunar, "the 2nd Sunday of May") and
solar anniversaries, with the rules' policy for 29 February.

    >>> nth_weekday(2027, 5, 6, 2)   # 母亲节: the second Sunday of May
    datetime.date(2027, 5, 9)
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from . import lunar
from .rules import Festival, Rules


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


__all__ = ["festival_dates", "festival_when", "nth_weekday", "yearly_solar"]
