"""Lunar calendar helpers: real dates, pinned.

Every date below was cross-checked with four independent implementations (tyme4py,
sxtwl, lunardate, borax) before being written down.
"""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import lunar
from generator.lunar import LunarDate, LunarError


@pytest.mark.parametrize("args,solar", [
    ((2026, 8, 15), date(2026, 9, 25)),  # 中秋
    ((2027, 8, 15), date(2027, 9, 15)),
    ((2027, 1, 1), date(2027, 2, 6)),  # 春节
    ((2027, 5, 5), date(2027, 6, 9)),  # 端午
    ((2025, 6, 10), date(2025, 7, 4)),  # ordinary 六月 in a year that also has 闰六月
    ((2025, 6, 10, True), date(2025, 8, 3)),  # 闰六月初十
    ((2020, 4, 8, True), date(2020, 5, 30)),  # 闰四月初八
    ((2020, 4, 8), date(2020, 4, 30)),
    ((2026, 2, 29), date(2026, 4, 16)),  # 二月 2026 has 29 days; this is its last
])
def test_to_solar(args, solar):
    assert lunar.to_solar(*args) == solar


@pytest.mark.parametrize("year,leap", [(2017, 6), (2020, 4), (2023, 2), (2025, 6), (2026, 0), (2028, 5), (2033, 11)])
def test_leap_months(year, leap):
    assert lunar.leap_month(year) == leap


def test_month_lengths():
    assert lunar.month_days(2026, 2) == 29
    assert lunar.month_days(2025, 6) == 30
    assert lunar.month_days(2025, 6, leap=True) == 29


@pytest.mark.parametrize("args", [(2026, 2, 30), (2026, 6, 1, True), (2025, 13, 1), (1899, 1, 1), (2101, 1, 1)])
def test_impossible_dates_raise(args):
    with pytest.raises(LunarError):
        lunar.to_solar(*args)


def test_from_solar():
    assert lunar.from_solar(date(2025, 8, 3)) == LunarDate(2025, 6, 10, True)
    assert str(lunar.from_solar(date(2025, 8, 3))) == "2025年闰六月初十"
    assert lunar.from_solar(date(2026, 9, 25)) == LunarDate(2026, 8, 15)


@pytest.mark.parametrize("day,name", [(1, "初一"), (10, "初十"), (11, "十一"), (15, "十五"), (20, "二十"), (21, "廿一"), (29, "廿九"), (30, "三十")])
def test_day_names(day, name):
    assert lunar.day_name(day) == name


def test_month_names():
    assert lunar.month_day_name(1, 1) == "正月初一"
    assert lunar.month_day_name(6, 10, True) == "闰六月初十"
    assert lunar.month_name(12) == "十二月"


# -- recurring dates and the documented policies ------------------------------------------


def test_leap_birthday_in_a_year_with_that_leap_month_stays_in_it():
    occ = lunar.yearly(6, 10, True, 2025)
    assert occ.solar == date(2025, 8, 3)
    assert occ.lunar == LunarDate(2025, 6, 10, True)
    assert occ.note == ""


def test_leap_birthday_without_that_leap_month_uses_the_ordinary_month():
    occ = lunar.yearly(6, 10, True, 2026)
    assert occ.solar == date(2026, 7, 23)
    assert occ.note == "今年无闰六月，按六月初十"
    assert lunar.yearly(4, 8, True, 2021).solar == date(2021, 5, 19)


def test_leap_policy_ordinary():
    assert lunar.yearly(6, 10, True, 2025, leap_policy="ordinary").solar == date(2025, 7, 4)


def test_ordinary_birthday_never_moves_into_the_leap_twin():
    assert lunar.yearly(6, 10, False, 2025).solar == date(2025, 7, 4)


def test_thirtieth_in_a_29_day_month():
    occ = lunar.yearly(2, 30, False, 2026)
    assert occ.solar == date(2026, 4, 16)  # 二月廿九
    assert occ.note == "今年二月只有29天，按二月廿九"
    nxt = lunar.yearly(2, 30, False, 2026, missing_30th="next_day")
    assert nxt.solar == date(2026, 4, 17)  # 三月初一
    assert nxt.lunar == LunarDate(2026, 3, 1)


def test_thirtieth_of_a_short_leap_month():
    assert lunar.yearly(6, 30, True, 2025).solar == date(2025, 8, 22)  # 闰六月廿九


def test_occurrences_cross_solar_years():
    found = lunar.occurrences(8, 15, False, date(2026, 1, 1), date(2027, 12, 31))
    assert [o.solar for o in found] == [date(2026, 9, 25), date(2027, 9, 15)]
    # 腊月 of lunar 2026 falls in January 2027.
    found = lunar.occurrences(12, 8, False, date(2027, 1, 1), date(2027, 1, 31))
    assert [o.solar for o in found] == [date(2027, 1, 15)]


@given(st.dates(min_value=date(1901, 3, 1), max_value=date(2099, 12, 31)))
def test_round_trip(day):
    ld = lunar.from_solar(day)
    assert lunar.to_solar(ld.year, ld.month, ld.day, ld.leap) == day


@pytest.mark.parametrize("year", [1950, 2000, 2020, 2025, 2026, 2027, 2099])
def test_every_day_of_a_lunar_year_matches_the_day_by_day_conversion(year):
    """to_solar counts days from each month's first day; the library converts each day."""
    from tyme4py.lunar import LunarDay

    months = [(m, False) for m in range(1, 13)]
    if lunar.leap_month(year):
        months.append((lunar.leap_month(year), True))
    for month, leap in months:
        for day in range(1, lunar.month_days(year, month, leap) + 1):
            solar = LunarDay.from_ymd(year, -month if leap else month, day).get_solar_day()
            assert lunar.to_solar(year, month, day, leap) == date(solar.get_year(), solar.get_month(),
                                                                   solar.get_day()), (year, month, day, leap)
