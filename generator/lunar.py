"""Chinese lunar calendar (农历) helpers over the maintained ``tyme4py`` library.

The planner needs three things: the solar date of a lunar date, a lunar date's
Chinese name, and a rule for recurring dates that some years lack — a birthday in
a leap month (闰月) when the year has no such leap month, and a 30th day when the
month has only 29 days. The rules file chooses the rule (``cadence.lunar_leap_month``,
``cadence.lunar_missing_30th``); :func:`yearly` applies it.

Correctness was cross-checked day by day for 1900–2100 against ``sxtwl`` (寿星万年历),
``lunardate`` and ``borax``; the supported range is 1900–2100.

    >>> to_solar(2026, 8, 15)
    datetime.date(2026, 9, 25)
    >>> str(from_solar(date(2025, 8, 3)))
    '2025年闰六月初十'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from tyme4py.lunar import LunarDay, LunarMonth, LunarYear
from tyme4py.solar import SolarDay

MIN_YEAR, MAX_YEAR = 1900, 2100

LeapMonthPolicy = Literal["leap_if_present", "ordinary"]
Missing30thPolicy = Literal["last_day", "next_day"]

_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_DIGITS = "一二三四五六七八九十"


class LunarError(ValueError):
    """A lunar date that does not exist or lies outside the supported years."""


@dataclass(frozen=True, order=True)
class LunarDate:
    """A date of the lunar calendar; ``leap`` marks a leap month (闰月)."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        return f"{self.year}年{month_day_name(self.month, self.day, self.leap)}"


def month_name(month: int, leap: bool = False) -> str:
    """``六月``, ``闰六月``, ``正月``, ``十二月``."""
    return f"{'闰' if leap else ''}{_MONTHS[month - 1]}月"


def day_name(day: int) -> str:
    """``初一`` … ``初十``, ``十一`` … ``二十``, ``廿一`` … ``三十``."""
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 21]
    return "三十"


def month_day_name(month: int, day: int, leap: bool = False) -> str:
    """``八月十五``, ``闰六月初十``."""
    return month_name(month, leap) + day_name(day)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise LunarError(f"农历年份 {year} 超出 {MIN_YEAR}–{MAX_YEAR}")


@lru_cache(maxsize=512)
def leap_month(year: int) -> int:
    """The leap month of a lunar year (``6`` for 闰六月), 0 when the year has none."""
    _check_year(year)
    return int(LunarYear.from_year(year).get_leap_month())


@lru_cache(maxsize=4096)
def month_days(year: int, month: int, leap: bool = False) -> int:
    """Length of a lunar month: 29 or 30 days."""
    _check_year(year)
    if leap and leap_month(year) != month:
        raise LunarError(f"农历 {year} 年没有{month_name(month, True)}")
    return int(LunarMonth.from_ym(year, -month if leap else month).get_day_count())


def to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of an existing lunar date; :class:`LunarError` otherwise."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise LunarError(f"农历没有 {month} 月 {day} 日")
    if day > month_days(year, month, leap):
        raise LunarError(f"农历 {year} 年{month_name(month, leap)}只有 29 天")
    return _to_solar(year, month, day, leap)


@lru_cache(maxsize=8192)
def _to_solar(year: int, month: int, day: int, leap: bool) -> date:
    # The days of a lunar month are consecutive solar days: one astronomical conversion per
    # month (~0.5 ms CPU each) instead of one per day (a branch asks for ~1,000 per process).
    return _month_start(year, month, leap) + timedelta(days=day - 1)


@lru_cache(maxsize=1024)
def _month_start(year: int, month: int, leap: bool) -> date:
    solar = LunarDay.from_ymd(year, -month if leap else month, 1).get_solar_day()
    return date(solar.get_year(), solar.get_month(), solar.get_day())


def from_solar(d: date) -> LunarDate:
    """The lunar date of a solar date."""
    lunar = SolarDay.from_ymd(d.year, d.month, d.day).get_lunar_day()
    month = lunar.get_month()
    result = LunarDate(lunar.get_year(), abs(month), lunar.get_day(), month < 0)
    _check_year(result.year)
    return result


@dataclass(frozen=True)
class Occurrence:
    """Where a recurring lunar date falls in one lunar year, and how it was moved."""

    solar: date
    lunar: LunarDate  # the lunar date actually used
    note: str = ""  # why it moved, e.g. "今年无闰六月，按六月初十", "" when it did not


def yearly(
    month: int,
    day: int,
    leap: bool,
    year: int,
    *,
    leap_policy: LeapMonthPolicy = "leap_if_present",
    missing_30th: Missing30thPolicy = "last_day",
) -> Occurrence:
    """The solar date of a recurring lunar date (a birthday, a festival) in lunar ``year``.

    A leap-month date is kept in the leap month only when the year has that leap month
    (and the policy is ``leap_if_present``), else it moves to the ordinary month of the
    same number. A 30th day in a 29-day month becomes the 29th (``last_day``) or the 1st
    of the next month (``next_day``).

    >>> yearly(6, 10, True, 2026).solar     # 闰六月初十; 2026 has no 闰六月
    datetime.date(2026, 7, 23)
    >>> yearly(2, 30, False, 2026).note
    '今年二月只有29天，按二月廿九'
    """
    return _yearly(month, day, leap, year, leap_policy, missing_30th)


# Measured: the astronomical conversions cost ~0.2 ms each and a branch asks for the same
# few hundred (month, day, year) over and over (every client's lunar birthday, festivals).
@lru_cache(maxsize=8192)
def _yearly(month: int, day: int, leap: bool, year: int, leap_policy: LeapMonthPolicy,
            missing_30th: Missing30thPolicy) -> Occurrence:
    notes = []
    use_leap = leap and leap_policy == "leap_if_present" and leap_month(year) == month
    if leap and not use_leap:
        notes.append(f"今年无{month_name(month, True)}" if leap_month(year) != month else "闰月生日按正常月份")
    length = month_days(year, month, use_leap)
    if day <= length:
        used = LunarDate(year, month, day, use_leap)
        solar = _to_solar(year, month, day, use_leap)
    elif missing_30th == "last_day":
        used = LunarDate(year, month, length, use_leap)
        solar = _to_solar(year, month, length, use_leap)
        notes.append(f"今年{month_name(month, use_leap)}只有{length}天")
    else:  # the day after the month's last day: the 1st of the following month
        last = _to_solar(year, month, length, use_leap)
        solar = last + timedelta(days=1)
        used = from_solar(solar)
        notes.append(f"今年{month_name(month, use_leap)}只有{length}天")
    if notes:
        notes[-1] += f"，按{month_day_name(used.month, used.day, used.leap)}"
    return Occurrence(solar, used, "，".join(notes))


def occurrences(
    month: int,
    day: int,
    leap: bool,
    start: date,
    end: date,
    *,
    leap_policy: LeapMonthPolicy = "leap_if_present",
    missing_30th: Missing30thPolicy = "last_day",
) -> list[Occurrence]:
    """Every solar date in ``[start, end]`` on which a recurring lunar date falls.

    >>> [o.solar for o in occurrences(8, 15, False, date(2026, 1, 1), date(2027, 12, 31))]
    [datetime.date(2026, 9, 25), datetime.date(2027, 9, 15)]
    """
    found = []
    # A lunar year starts between 21 Jan and 20 Feb, so solar year Y holds parts of
    # lunar years Y-1 and Y.
    for year in range(max(start.year - 1, MIN_YEAR), min(end.year, MAX_YEAR) + 1):
        occ = yearly(month, day, leap, year, leap_policy=leap_policy, missing_30th=missing_30th)
        if start <= occ.solar <= end:
            found.append(occ)
    return found


__all__ = [
    "LunarDate", "LunarError", "Occurrence", "day_name", "from_solar", "leap_month", "month_day_name",
    "month_days", "month_name", "occurrences", "to_solar", "yearly",
]
