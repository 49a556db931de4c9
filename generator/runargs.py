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


class NoInput(RunArgumentError):
    """Nothing to work on in the inputs (a usage error: exit 2)."""


def no_input(paths: list[str], *, books_required: bool) -> NoInput:
    """The error for inputs holding no agent book (or, for checking, no file at all)."""
    where = "、".join(paths) or "（没有给出输入）"
    what = "代理人档案" if books_required else "可以检查的文件"
    return NoInput(
        f"在 {where} 中没有找到{what}。输入文件夹里应放：每位代理人一个 .xlsx/.xlsm 档案（工作表“代理人”"
        f"“成交客户”“未成交客户”，可以用 `pasture template --out 我的客户.xlsx` 生成空白模板），或按工作表拆开的"
        f" CSV（例如 A1001_张三_成交客户.csv）；营业部的满意度调查和投诉记录可以放在同一个文件夹。"
        f"想先看看效果，可以用 `pasture sample --out 示例/` 生成示例档案。")
