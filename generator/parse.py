"""Pure value parsers: one cell value in, a typed value out, or a :class:`ValueProblem`.

Readers hand over cells as they come (``str``, ``int``, ``float``, ``bool``,
``datetime`` values, ``None``); the validator calls these parsers per column kind and
turns a :class:`ValueProblem` into an issue. Nothing here does I/O or knows "today".

    >>> parse_date("1985年3月12日")
    datetime.date(1985, 3, 12)
    >>> parse_phone("+86 138-1234-5678")
    '13812345678'
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from .models import MonthDay

MIN_YEAR = 1900
MAX_YEAR = 2100
# Excel's 1900 date system counts a fictional 1900-02-29 as serial 60, so serials
# after it are offset by one day against a plain day count from 1899-12-31.
_EXCEL_BASE = date(1899, 12, 30)
_EXCEL_BASE_EARLY = date(1899, 12, 31)
MAX_SERIAL = (date(MAX_YEAR, 12, 31) - _EXCEL_BASE).days
# No cell value worth parsing is this long; capping also keeps int()/Decimal cheap.
_MAX_TEXT = 64


class ValueProblem(ValueError):
    """A cell value that cannot be used."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# ---------------------------------------------------------------------------- text

# Zero-width characters str.strip() keeps but pasted spreadsheet text is full of.
_EDGES = re.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+|[\s\u200b\u200c\u200d\u2060\ufeff]+$")
_CONTROL = {c: None for c in (*range(32), *range(0x7F, 0xA0)) if c not in (9, 10)}


# Characters that take no space but change how text matches: zero-width characters,
# direction marks and overrides, the soft hyphen. A header pasted from a web page or a
# chat app can carry them and still look right. Code point → name for messages.
INVISIBLE: dict[int, str] = {
    **{c: "零宽字符" for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E)},
    **{c: "文字方向控制符" for c in (0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    0x00AD: "软连字符",
}
_DROP_INVISIBLE = {c: None for c in INVISIBLE}


def _trim(text: str) -> str:
    return _EDGES.sub("", text)


def is_blank(value: Any) -> bool:
    """True for None, empty text and text made only of (full-width/NBSP) spaces.

    >>> is_blank("\\u3000 "), is_blank(0)
    (True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        if value and value.isprintable() and not value[0].isspace() and not value[-1].isspace():
            return False  # the common case: printable text with nothing to trim at its edges
        return not _trim(value)
    return False


def clean_text(value: Any) -> str | None:
    """A cell as trimmed text (None when blank); whole floats lose their ``.0``.

    Names keep their characters as typed (no NFKC), only control characters go.

    >>> clean_text(13812345678.0), clean_text("  张三\\x00 ")
    ('13812345678', '张三')
    """
    if value is None:
        return None
    if isinstance(value, str) and value.isprintable() and value.strip() == value:
        return value or None  # the common case: clean text, nothing to remove
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e17:
            text = str(int(value))
        else:
            text = repr(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)
    return _trim(text) or None


def _fold(value: str) -> str:
    """Full-width → half-width and unify dashes, for values whose meaning is ASCII."""
    text = unicodedata.normalize("NFKC", value.translate(_DROP_INVISIBLE))
    text = re.sub("[\u2010-\u2015\u2212\ufe58\ufe63]", "-", text)
    return _trim(text)


def _text_or_problem(value: str, code: str) -> str:
    text = _fold(value)
    if not text:
        raise ValueProblem(code, "内容为空")
    if len(text) > _MAX_TEXT:
        raise ValueProblem(code, "内容过长")
    return text


# ---------------------------------------------------------------------------- dates

_TIME = r"(?:\s*[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD_SEP = re.compile(
    r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})" + _TIME, re.ASCII)
_YMD_CN = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME, re.ASCII)
_YEAR_LAST = re.compile(r"\d{1,2}\s*([-/.])\s*\d{1,2}\s*\1\s*\d{4}" + _TIME, re.ASCII)
_TWO_DIGIT_YEAR = re.compile(
    r"\d{2}\s*([-/.])\s*\d{1,2}\s*\1\s*\d{1,2}|\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?",
    re.ASCII,
)
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?", re.ASCII)
_MD_CN = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", re.ASCII)
_MD_SEP = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})", re.ASCII)


def _make_date(year: int, month: int, day: int) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueProblem("invalid-date", f"年份 {year} 超出 {MIN_YEAR}–{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise ValueProblem("invalid-date", f"月份 {month} 不存在")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueProblem("invalid-date", f"{year} 年 {month} 月没有 {day} 日")
    return date(year, month, day)


def _from_serial(serial: float) -> date:
    """Excel 1900-system serial → date; the time-of-day fraction is dropped."""
    whole = math.floor(serial)
    if whole < 1 or whole > MAX_SERIAL:
        raise ValueProblem("invalid-date", f"数字 {_show_number(serial)} 不是 {MIN_YEAR}–{MAX_YEAR} 年间的 Excel 日期")
    if whole == 60:
        raise ValueProblem("invalid-date", "1900 年 2 月没有 29 日")
    if whole < 60:
        return _EXCEL_BASE_EARLY + timedelta(days=whole)
    return _EXCEL_BASE + timedelta(days=whole)


def _show_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _date_from_number(number: int | float) -> date:
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueProblem("invalid-date", "不是日期")
    # 19850312 typed into a number cell: an 8-digit whole number reads as YYYYMMDD.
    if float(number).is_integer() and 10_000_000 <= number <= 99_999_999:
        n = int(number)
        return _make_date(n // 10000, n // 100 % 100, n % 100)
    # A bare year is far likelier than a serial of 1905 (serials 1900–2100).
    if float(number).is_integer() and MIN_YEAR <= number <= MAX_YEAR:
        raise ValueProblem("invalid-date", f"只有年份 {int(number)}，缺少月和日")
    return _from_serial(float(number))


def parse_date(value: Any) -> date:
    """A full date from a date cell, an Excel serial or text; year-first only.

    Accepted: ``date``/``datetime`` values; serials (int, float or 5-digit text; 1900
    system); ``1985-03-12``, ``1985/3/12``, ``1985.3.12``, ``1985年3月12日``/``号``,
    ``19850312``; full-width forms; a trailing time. Year-last text (``04/03/1985``)
    is always ``ambiguous-date``, even when one part is over 12: the agent must
    rewrite it as 年-月-日 rather than have us guess. Two-digit years, impossible
    dates and years outside 1900–2100 are ``invalid-date``. Future dates pass.

    >>> parse_date("１９８５－０３－１２ 00:00:00")
    datetime.date(1985, 3, 12)
    """
    if value is None or isinstance(value, bool):
        raise ValueProblem("invalid-date", "不是日期")
    if isinstance(value, datetime):
        return _make_date(value.year, value.month, value.day)
    if isinstance(value, date):
        return _make_date(value.year, value.month, value.day)
    if isinstance(value, (time, timedelta)):
        raise ValueProblem("invalid-date", "只有时间，没有日期")
    if isinstance(value, (int, float)):
        return _date_from_number(value)
    if not isinstance(value, str):
        raise ValueProblem("invalid-date", "不是日期")
    return _date_from_text(_text_or_problem(value, "invalid-date"))


def _date_from_text(text: str) -> date:
    if m := _YMD_SEP.fullmatch(text) or _YMD_CN.fullmatch(text):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
    if _YEAR_LAST.fullmatch(text):
        raise ValueProblem("ambiguous-date", "年份写在最后，无法确定是“日/月”还是“月/日”，请改为 年-月-日")
    if _TWO_DIGIT_YEAR.fullmatch(text):
        raise ValueProblem("invalid-date", "年份只有两位，请写完整的四位年份")
    if m := _NUMBER.fullmatch(text):
        digits, fraction = m[1], m[2]
        if len(digits) == 8 and fraction is None:
            return _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if len(digits) == 4 and fraction is None:
            raise ValueProblem("invalid-date", f"只有年份 {digits}，缺少月和日")
        # Serials as text come from CSV exports of date cells: 5 digits for any
        # date after 1927. Shorter digit runs are far more often a typo.
        if len(digits) == 5:
            return _from_serial(float(text))
        raise ValueProblem("invalid-date", f"数字“{text}”无法确定是哪一天")
    if _MD_CN.fullmatch(text) or _MD_SEP.fullmatch(text):
        raise ValueProblem("invalid-date", "缺少年份")
    raise ValueProblem("invalid-date", "无法识别的日期写法")


def _month_day(month: int, day: int) -> MonthDay:
    if not 1 <= month <= 12:
        raise ValueProblem("invalid-date", f"月份 {month} 不存在")
    # February allows 29: someone born on a leap day still has a birthday.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise ValueProblem("invalid-date", f"{month} 月没有 {day} 日")
    return MonthDay(month, day)


# A lunar month-day as agents type it: 八月十五, 农历八月十五, 闰六月初十, 腊月三十,
# 农历8月15日. Chinese-numeral months are lunar by themselves; digits need 农历 or 闰.
_LUNAR = re.compile(
    r"(?P<pre>农历|阴历|旧历)?\s*(?:\d{4}\s*年)?\s*(?P<leap>闰)?\s*"
    r"(?P<m>正|冬|腊|十[一二]|[一二三四五六七八九十]|\d{1,2})\s*月\s*"
    r"(?P<d>初[一二三四五六七八九十]|廿[一二三四五六七八九]?|卅|[二三]?十[一二三四五六七八九]?|"
    r"[一二三四五六七八九]|\d{1,2})\s*[日号]?")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def _cn_number(text: str) -> int:
    """``十五`` → 15, ``初十`` → 10, ``廿三`` → 23, ``卅`` → 30, ``12`` → 12."""
    if text.isdigit():
        return int(text)
    text = text.removeprefix("初")
    if text[0] in "廿卅":
        return (20 if text[0] == "廿" else 30) + (_CN_DIGITS[text[1]] if len(text) > 1 else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _lunar_month_day(text: str) -> MonthDay | None:
    m = _LUNAR.fullmatch(text)
    if m is None or not (m["pre"] or m["leap"] or not m["m"].isdigit()):
        return None
    month = {"正": 1, "冬": 11, "腊": 12}.get(m["m"]) or _cn_number(m["m"])
    day = _cn_number(m["d"])
    if not 1 <= month <= 12:
        raise ValueProblem("invalid-date", f"农历没有 {month} 月")
    if not 1 <= day <= 30:
        raise ValueProblem("invalid-date", f"农历每月最多 30 天，没有 {day} 日")
    return MonthDay(month, day, lunar=True, leap=bool(m["leap"]))


def parse_birthday(value: Any) -> date | MonthDay:
    """A full date (as :func:`parse_date`), a month and day only, or a lunar month-day.

    Month-day forms: ``3月12日``/``号``, ``3月12``, ``03-12``, ``3/12``, ``3.12``.
    Lunar forms (``lunar=True``, ``leap`` for 闰月): ``八月十五``, ``农历八月十五``,
    ``闰六月初十``, ``腊月三十``, ``正月初一``, ``冬月廿三``, ``农历8月15日``; a year in
    front of a lunar date is dropped. Bare 4-digit text (``0312``/``1985``) is
    rejected: a year and a month-day look alike. Whole numbers up to 9999 are
    rejected for the same reason (a number cell turns ``0312`` into 312).

    >>> parse_birthday("3月12日")
    MonthDay(month=3, day=12, lunar=False, leap=False)
    >>> parse_birthday("闰六月初十")
    MonthDay(month=6, day=10, lunar=True, leap=True)
    """
    if isinstance(value, str):
        text = _text_or_problem(value, "invalid-date")
        if lunar_day := _lunar_month_day(text):
            return lunar_day
        if m := _MD_CN.fullmatch(text) or _MD_SEP.fullmatch(text):
            return _month_day(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{3,4}", text, re.ASCII):
            raise ValueProblem("invalid-date", f"数字“{text}”无法区分年份和月日，请写成 3月12日 或 1985-03-12")
        return _date_from_text(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and float(value).is_integer() and 0 <= value <= 9999:
            raise ValueProblem("invalid-date", f"数字 {int(value)} 无法区分年份和月日，请写成 3月12日 或 1985-03-12")
    return parse_date(value)


# ---------------------------------------------------------------------------- phones

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]+")


def parse_phone(value: Any) -> str:
    """The 11-digit mainland mobile in a cell, separators and +86/0086/86 removed.

    >>> parse_phone(13812345678.0), parse_phone("0086 (138) 1234.5678")
    ('13812345678', '13812345678')
    """
    if isinstance(value, bool) or value is None:
        raise ValueProblem("invalid-phone", "不是电话号码")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ValueProblem("invalid-phone", "不是电话号码")
        text = str(int(value))
    elif isinstance(value, str):
        text = _text_or_problem(value, "invalid-phone")
        # A number cell exported to CSV can arrive as "13812345678.0".
        text = re.sub(r"^(\+?\d+)\.0+$", r"\1", text)
    else:
        raise ValueProblem("invalid-phone", "不是电话号码")
    text = _PHONE_SEPARATORS.sub("", text)
    if text.startswith("+"):
        if not text.startswith("+86"):
            raise ValueProblem("invalid-phone", "不是中国大陆手机号")
        text = text[3:]
    elif text.startswith("0086") and len(text) == 15:
        text = text[4:]
    elif text.startswith("86") and len(text) == 13 and _MOBILE.fullmatch(text[2:]):
        text = text[2:]
    if not text:
        raise ValueProblem("invalid-phone", "没有数字")
    bad = [ch for ch in text if not "0" <= ch <= "9"]
    if bad:
        raise ValueProblem("invalid-phone", f"含有非数字字符“{bad[0]}”")
    if text.startswith("00"):
        raise ValueProblem("invalid-phone", "不是中国大陆手机号")
    if text.startswith("0") or text.startswith("400") or text.startswith("800"):
        raise ValueProblem("invalid-phone", "不是手机号（座机请写在备注）")
    if len(text) == 22 and _MOBILE.fullmatch(text[:11]):
        raise ValueProblem("invalid-phone", "像是两个号码连在一起，只填一个手机号")
    if len(text) != 11:
        raise ValueProblem("invalid-phone", f"有 {len(text)} 位数字，手机号应为 11 位")
    if not _MOBILE.fullmatch(text):
        raise ValueProblem("invalid-phone", "不是手机号段（应以 13–19 开头）")
    return text


# ---------------------------------------------------------------------------- numbers

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def _number_from_text(value: str) -> Decimal:
    text = _text_or_problem(value, "invalid-number")
    text = re.sub(r"[\s,]", "", text)
    scale = 1
    text = text.lstrip("¥$")
    if text.upper().startswith("RMB"):
        text = text[3:]
    for unit in ("元", "块"):
        text = text.removesuffix(unit)
    if text.endswith("万"):
        text, scale = text[:-1], 10_000
    if not _DECIMAL.fullmatch(text):
        raise ValueProblem("invalid-number", "不是数字")
    try:
        # The default context keeps 28 digits; text is at most 64 characters, so a
        # wider context keeps every digit typed (round trips stay exact).
        with localcontext(prec=2 * _MAX_TEXT):
            return Decimal(text) * scale
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise ValueProblem("invalid-number", "不是数字") from None


def _number(value: Any) -> int | float | Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueProblem("invalid-number", "不是数字")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueProblem("invalid-number", "不是有限的数字")
        return value
    if isinstance(value, str):
        return _number_from_text(value)
    raise ValueProblem("invalid-number", "不是数字")


#: No annual premium comes near this; a larger number is a typo or a pasted ID.
MAX_MONEY = 10_000_000_000
#: Payment years (缴费年限) past this are not a policy term.
MAX_YEARS = 100


def parse_money(value: Any) -> float:
    """An amount in yuan, > 0 and at most 100 亿: ``12000``, ``"12,000"``, ``"12000元"``,
    ``"1.2万"``. Infinity, NaN and 1e308 are errors, never numbers in a report.

    >>> parse_money("1.2万")
    12000.0
    """
    number = _number(value)
    try:
        result = float(number)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise ValueProblem("invalid-number", "数字过大")
    if number <= 0:
        raise ValueProblem("invalid-number", "必须大于 0")
    if result > MAX_MONEY:
        raise ValueProblem("invalid-number", f"超过 {MAX_MONEY // 100_000_000} 亿元，不像真实金额")
    return result


def parse_int(value: Any) -> int:
    """A whole number >= 0 (payment years): ``20``, ``20.0``, ``"20年"``.

    >>> parse_int("20年")
    20
    """
    if isinstance(value, str):
        value = _fold(value).removesuffix("年")
    number = _number(value)
    if number < 0:
        raise ValueProblem("invalid-number", "不能是负数")
    if number > MAX_YEARS:
        raise ValueProblem("invalid-number", f"超过 {MAX_YEARS}，不像真实的年限")
    if isinstance(number, int):
        return number
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueProblem("invalid-number", "必须是整数")
        return int(number)
    if number != number.to_integral_value():
        raise ValueProblem("invalid-number", "必须是整数")
    return int(number)
