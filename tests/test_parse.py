from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.issues import ISSUE_TYPES
from generator.models import MonthDay
from generator.parse import (
    MAX_SERIAL,
    ValueProblem,
    clean_text,
    is_blank,
    parse_birthday,
    parse_date,
    parse_int,
    parse_money,
    parse_phone,
)

D = date(1985, 3, 12)


def problem(fn, value):
    with pytest.raises(ValueProblem) as info:
        fn(value)
    assert info.value.code in ISSUE_TYPES
    assert info.value.detail
    return info.value


# ------------------------------------------------------------------ blank / text


@pytest.mark.parametrize(
    "value, blank",
    [
        (None, True),
        ("", True),
        ("   ", True),
        ("\u3000", True),
        ("\xa0 \t\n", True),
        ("\u200b", True),
        ("0", False),
        (0, False),
        (0.0, False),
        (" 张三 ", False),
        (D, False),
    ],
)
def test_is_blank(value, blank):
    assert is_blank(value) is blank


@pytest.mark.parametrize(
    "value, text",
    [
        (None, None),
        ("", None),
        ("\u3000 ", None),
        ("  张三 ", "张三"),
        ("\u3000张三\xa0", "张三"),
        ("张\x00三", "张三"),
        ("张三\x07\x1b", "张三"),
        ("第一行\n第二行\t尾", "第一行\n第二行\t尾"),
        ("a\r\nb", "a\nb"),
        (13812345678.0, "13812345678"),
        (2024.0, "2024"),
        (1001, "1001"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (date(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 10, 30), "2024-03-01 10:30:00"),
        ("０１３８", "０１３８"),  # names and codes keep their characters (no NFKC)
        ("0138", "0138"),
    ],
)
def test_clean_text(value, text):
    assert clean_text(value) == text


# ------------------------------------------------------------------ dates: accepted


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(date(1985, 3, 12), id="date"),
        pytest.param(datetime(1985, 3, 12), id="datetime"),
        pytest.param(datetime(1985, 3, 12, 10, 30), id="datetime-with-time"),
        pytest.param(31118, id="serial-int"),
        pytest.param(31118.0, id="serial-float"),
        pytest.param(31118.75, id="serial-with-time"),
        pytest.param("31118", id="serial-text"),
        pytest.param("31118.0", id="serial-text-float"),
        pytest.param("1985-03-12", id="iso"),
        pytest.param("1985-3-12", id="dash-short"),
        pytest.param("1985/3/12", id="slash"),
        pytest.param("1985/03/12", id="slash-padded"),
        pytest.param("1985.3.12", id="dot"),
        pytest.param("1985年3月12日", id="chinese"),
        pytest.param("1985年03月12日", id="chinese-padded"),
        pytest.param("1985年3月12号", id="chinese-hao"),
        pytest.param("1985 年 3 月 12 日", id="chinese-spaced"),
        pytest.param("1985年3月12", id="chinese-no-ri"),
        pytest.param("19850312", id="eight-digit-text"),
        pytest.param(19850312, id="eight-digit-int"),
        pytest.param(19850312.0, id="eight-digit-float"),
        pytest.param("１９８５－０３－１２", id="full-width"),
        pytest.param("１９８５／３／１２", id="full-width-slash"),
        pytest.param("１９８５年３月１２日", id="full-width-chinese"),
        pytest.param("1985\u20143\u201412", id="em-dash"),
        pytest.param("  1985-03-12 \u3000", id="spaces"),
        pytest.param("1985-03-12 00:00:00", id="trailing-midnight"),
        pytest.param("1985/3/12 10:30", id="trailing-time"),
        pytest.param("1985-03-12T10:30:15", id="iso-T"),
        pytest.param("1985-03-12 10:30:15.123", id="fractional-seconds"),
        pytest.param("1985年3月12日 10:30", id="chinese-with-time"),
    ],
)
def test_parse_date_accepts(value):
    assert parse_date(value) == D


@pytest.mark.parametrize(
    "serial, expected",
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (45000, date(2023, 3, 15)),
        (MAX_SERIAL, date(2100, 12, 31)),
    ],
)
def test_excel_serials(serial, expected):
    assert parse_date(serial) == expected


# ------------------------------------------------------------------ dates: rejected


@pytest.mark.parametrize(
    "value, code, detail_has",
    [
        ("04/03/1985", "ambiguous-date", "年-月-日"),
        ("4.3.1985", "ambiguous-date", "年-月-日"),
        ("25/03/1985", "ambiguous-date", "年-月-日"),  # never guessed, even when day > 12
        ("12-31-1985", "ambiguous-date", "年-月-日"),
        ("04/03/1985 10:00", "ambiguous-date", "年-月-日"),
        ("2023-02-29", "invalid-date", "2 月没有 29 日"),
        ("1985-13-01", "invalid-date", "月份 13 不存在"),
        ("1985-04-31", "invalid-date", "4 月没有 31 日"),
        ("1985-00-10", "invalid-date", "月份 0"),
        ("0000-01-01", "invalid-date", "年份 0"),
        ("1899-12-31", "invalid-date", "1900–2100"),
        ("2101-01-01", "invalid-date", "1900–2100"),
        (date(1800, 1, 1), "invalid-date", "1900–2100"),
        (datetime(2200, 1, 1), "invalid-date", "1900–2100"),
        ("85-03-12", "invalid-date", "两位"),
        ("85/3/12", "invalid-date", "两位"),
        ("85年3月12日", "invalid-date", "两位"),
        ("3月12日", "invalid-date", "缺少年份"),
        ("03-12", "invalid-date", "缺少年份"),
        ("1985", "invalid-date", "只有年份"),
        (1985, "invalid-date", "只有年份"),
        (2024.0, "invalid-date", "只有年份"),
        ("198503", "invalid-date", "无法确定"),
        ("312", "invalid-date", "无法确定"),
        (0, "invalid-date", "Excel 日期"),
        (-5, "invalid-date", "Excel 日期"),
        (MAX_SERIAL + 1, "invalid-date", "Excel 日期"),
        (60, "invalid-date", "1900 年 2 月没有 29 日"),
        (19851312, "invalid-date", "月份 13"),
        ("19850230", "invalid-date", "2 月没有 30 日"),
        (float("nan"), "invalid-date", "不是日期"),
        (float("inf"), "invalid-date", "不是日期"),
        (time(10, 30), "invalid-date", "只有时间"),
        (timedelta(days=3), "invalid-date", "只有时间"),
        (True, "invalid-date", "不是日期"),
        (None, "invalid-date", "不是日期"),
        ("", "invalid-date", "为空"),
        ("\u3000", "invalid-date", "为空"),
        ("明天", "invalid-date", "无法识别"),
        ("1985-03-12 后", "invalid-date", "无法识别"),
        ("1985-3/12", "invalid-date", "无法识别"),
        ("1985-03-12" * 10, "invalid-date", "过长"),
        ([1985, 3, 12], "invalid-date", "不是日期"),
    ],
)
def test_parse_date_rejects(value, code, detail_has):
    p = problem(parse_date, value)
    assert p.code == code
    assert detail_has in p.detail


def test_future_dates_are_not_checked_here():
    assert parse_date("2099-01-01") == date(2099, 1, 1)


# ------------------------------------------------------------------ birthdays


@pytest.mark.parametrize(
    "value, expected",
    [
        ("3月12日", MonthDay(3, 12)),
        ("3月12号", MonthDay(3, 12)),
        ("03月12日", MonthDay(3, 12)),
        ("3月12", MonthDay(3, 12)),
        ("３月１２日", MonthDay(3, 12)),
        ("03-12", MonthDay(3, 12)),
        ("3/12", MonthDay(3, 12)),
        ("3.12", MonthDay(3, 12)),
        (" 12/3 ", MonthDay(12, 3)),
        ("2月29日", MonthDay(2, 29)),  # leap-day birthdays exist
        ("1985-03-12", D),
        ("1985年3月12日", D),
        (D, D),
        (31118, D),
        ("19850312", D),
    ],
)
def test_parse_birthday_accepts(value, expected):
    assert parse_birthday(value) == expected


@pytest.mark.parametrize(
    "value, code, detail_has",
    [
        ("13月1日", "invalid-date", "月份 13"),
        ("2月30日", "invalid-date", "2 月没有 30 日"),
        ("4/31", "invalid-date", "4 月没有 31 日"),
        ("0312", "invalid-date", "无法区分"),
        ("1985", "invalid-date", "无法区分"),
        (312, "invalid-date", "无法区分"),
        (1985.0, "invalid-date", "无法区分"),
        ("04/03/1985", "ambiguous-date", "年-月-日"),
        ("生日", "invalid-date", "无法识别"),
        (None, "invalid-date", "不是日期"),
    ],
)
def test_parse_birthday_rejects(value, code, detail_has):
    p = problem(parse_birthday, value)
    assert p.code == code
    assert detail_has in p.detail


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        13812345678,
        13812345678.0,
        "13812345678.0",
        " 13812345678 ",
        "\u300013812345678\xa0",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "(138)1234-5678",
        "（138）1234 5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "＋８６ １３８１２３４５６７８",
        "0086 13812345678",
        "008613812345678",
        "86 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
        "138\u20141234\u20145678",
    ],
)
def test_parse_phone_accepts(value):
    assert parse_phone(value) == "13812345678"


@pytest.mark.parametrize(
    "value, detail_has",
    [
        ("010-12345678", "座机请写在备注"),
        ("0755 1234 5678", "座机请写在备注"),
        ("400-123-4567", "座机请写在备注"),
        ("1381234567", "有 10 位数字，手机号应为 11 位"),
        ("138123456789", "有 12 位数字，手机号应为 11 位"),
        ("12345678", "有 8 位数字"),
        (1381234567, "有 10 位数字"),
        ("12812345678", "13–19"),
        ("23812345678", "13–19"),
        ("138abc45678", "非数字字符“a”"),
        ("138xxxx5678", "非数字字符“x”"),
        ("13812345678（本人）", "非数字字符“本”"),
        ("13812345678/13912345678", "非数字字符“/”"),
        ("13812345678 13912345678", "两个号码"),
        ("+1 415 555 0100", "不是中国大陆手机号"),
        ("001 415 555 0100", "不是中国大陆手机号"),
        ("+86", "没有数字"),
        ("--", "没有数字"),
        ("", "内容为空"),
        (13812345678.5, "不是电话号码"),
        (float("nan"), "不是电话号码"),
        (True, "不是电话号码"),
        (None, "不是电话号码"),
        (D, "不是电话号码"),
    ],
)
def test_parse_phone_rejects(value, detail_has):
    p = problem(parse_phone, value)
    assert p.code == "invalid-phone"
    assert detail_has in p.detail


# ------------------------------------------------------------------ money and ints


@pytest.mark.parametrize(
    "value, expected",
    [
        (12000, 12000.0),
        (12000.5, 12000.5),
        ("12000", 12000.0),
        ("12,000", 12000.0),
        ("12，000", 12000.0),
        ("12000元", 12000.0),
        ("12000 元", 12000.0),
        ("1.2万", 12000.0),
        ("1.2万元", 12000.0),
        ("¥12,000.50", 12000.5),
        ("￥12000", 12000.0),
        ("１２０００", 12000.0),
        (" 12000 ", 12000.0),
        ("0.5", 0.5),
        (".5", 0.5),
    ],
)
def test_parse_money_accepts(value, expected):
    assert parse_money(value) == expected


@pytest.mark.parametrize(
    "value, detail_has",
    [
        (0, "必须大于 0"),
        ("0", "必须大于 0"),
        (-500, "必须大于 0"),
        ("-500", "必须大于 0"),
        ("0万", "必须大于 0"),
        ("一万二", "不是数字"),
        ("12000美元", "不是数字"),
        ("1e5", "不是数字"),
        ("nan", "不是数字"),
        ("inf", "不是数字"),
        (float("nan"), "有限"),
        (float("inf"), "有限"),
        (10**400, "过大"),
        ("9" * 70, "过长"),
        ("", "为空"),
        (True, "不是数字"),
        (None, "不是数字"),
        (D, "不是数字"),
    ],
)
def test_parse_money_rejects(value, detail_has):
    p = problem(parse_money, value)
    assert p.code == "invalid-number"
    assert detail_has in p.detail


@pytest.mark.parametrize(
    "value, expected",
    [(20, 20), (20.0, 20), ("20", 20), ("20年", 20), (" 20 年 ", 20), ("２０年", 20),
     ("20.0", 20), (0, 0), ("0", 0)],
)
def test_parse_int_accepts(value, expected):
    result = parse_int(value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "value, detail_has",
    [
        (20.5, "整数"),
        ("20.5", "整数"),
        (-1, "负数"),
        ("-3年", "负数"),
        (-2.0, "负数"),
        ("二十年", "不是数字"),
        ("终身", "不是数字"),
        (float("inf"), "有限"),
        (True, "不是数字"),
        (None, "不是数字"),
    ],
)
def test_parse_int_rejects(value, detail_has):
    p = problem(parse_int, value)
    assert p.code == "invalid-number"
    assert detail_has in p.detail


# ------------------------------------------------------------------ properties

PARSERS = [parse_date, parse_birthday, parse_phone, parse_money, parse_int]
ANY_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９-/.年月日号 :+()万元,"),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda f: f.__name__)
@settings(max_examples=300)
@given(value=ANY_CELL)
def test_parsers_raise_only_value_problem(parser, value):
    try:
        parser(value)
    except ValueProblem as p:
        assert p.code in {"invalid-date", "ambiguous-date", "invalid-phone", "invalid-number"}
        assert p.detail


@given(value=st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.dates()))
def test_text_helpers_never_raise(value):
    text = clean_text(value)
    assert text is None or (text == text.strip() and "\x00" not in text)
    assert is_blank(value) in (True, False)


VALID_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(d=VALID_DATES)
def test_date_round_trips(d):
    assert parse_date(d) == d
    assert parse_date(datetime(d.year, d.month, d.day, 12)) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d
    assert parse_date(d.strftime("%Y%m%d")) == d
    assert parse_birthday(d.isoformat()) == d


def _serial(d: date) -> int:
    days = (d - date(1899, 12, 30)).days
    return days if d >= date(1900, 3, 1) else days - 1


# Serials 1900–2100 (1905-03-14..1905-09-30) read as a bare year, by design.
@given(d=VALID_DATES.filter(lambda d: not 1900 <= _serial(d) <= 2100))
def test_serial_round_trips(d):
    assert parse_date(_serial(d)) == d
    assert parse_date(float(_serial(d)) + 0.25) == d


@given(
    rest=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    style=st.sampled_from(["{}", "+86 {a}-{b}-{c}", "0086{}", "86 {a} {b} {c}",
                           "({a}) {b}.{c}", " {} ", "+86{}"]),
)
def test_phone_round_trips(rest, style):
    text = style.format(rest, a=rest[:3], b=rest[3:7], c=rest[7:])
    assert parse_phone(text) == rest
    assert parse_phone(int(rest)) == rest
    assert parse_phone(float(rest)) == rest


# ------------------------------------------------------------------ absurd values (issue 13 item 8)


@pytest.mark.parametrize("value", [1e308, 5e12, "1e308", "9" * 30, 10_000_000_001, "100000000001元", float("-inf")])
def test_parse_money_rejects_absurd_amounts(value):
    """1e308 used to pass and turn the KPIs (and report.json) into Infinity."""
    assert problem(parse_money, value).code == "invalid-number"


def test_parse_money_keeps_big_real_amounts():
    assert parse_money(10_000_000_000) == 1e10 and parse_money("5000万") == 5e7


@pytest.mark.parametrize("value", [101, 1e300, "9999年", float("nan")])
def test_parse_int_rejects_years_no_policy_has(value):
    assert problem(parse_int, value).code == "invalid-number"


@pytest.mark.parametrize("value", ["138\u200b1234\u200d5678", "\u202a13812345678\u202c"])
def test_invisible_characters_do_not_break_a_number(value):
    assert parse_phone(value) == "13812345678"


# ------------------------------------------------------------------ lunar birthdays as typed (issue 14 item 9)


@pytest.mark.parametrize("text, month, day, leap", [
    ("八月十五", 8, 15, False), ("农历八月十五", 8, 15, False), ("闰六月初十", 6, 10, True),
    ("腊月三十", 12, 30, False), ("正月初一", 1, 1, False), ("冬月廿三", 11, 23, False),
    ("十一月十一", 11, 11, False), ("农历8月15日", 8, 15, False), ("阴历 闰4月初八", 4, 8, True),
    ("农历1985年八月十五", 8, 15, False), ("九月廿", 9, 20, False), ("二月二十九", 2, 29, False),
])
def test_parse_birthday_reads_lunar_month_days(text, month, day, leap):
    value = parse_birthday(text)
    assert value == MonthDay(month, day, lunar=True, leap=leap)
    assert parse_birthday(str(value)) == value  # the workbook's text reads back the same


@pytest.mark.parametrize("text, detail_has", [("十三月初一", "无法识别"), ("八月三十一", "30"), ("农历13月1日", "13")])
def test_parse_birthday_rejects_impossible_lunar_dates(text, detail_has):
    assert detail_has in problem(parse_birthday, text).detail


def test_digit_month_days_stay_solar():
    assert parse_birthday("3月12日") == MonthDay(3, 12) and not parse_birthday("8月15日").lunar
