"""Tiny agent books for tests, written with xlsxwriter in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from generator.schema import CLOSED, PROSPECT

CLOSED_HEADERS = [c.name for c in CLOSED.columns]
PROSPECT_HEADERS = [c.name for c in PROSPECT.columns]
AGENT = {"工号": "A1001", "姓名": "张三", "手机": "13700000000", "团队": "晨星组", "营业部": "东城营业部"}


def closed(**over: Any) -> dict[str, Any]:
    row = {
        "客户编号": "C001", "投保人姓名": "李四", "投保人电话": "13812345678", "被保人姓名": "李四",
        "投保日期": "2024-03-12", "保单号": "P0001", "险种": "重疾险", "交费方式": "年交", "缴费年限": "20",
        "年交保费": "12000", "投保人生日": "3月12日", "生日历法": "农历", "客户来源": "缘故",
        "经济条件": "好", "保险意识": "强", "影响力": "广",
    }
    row.update(over)
    return row


def prospect(**over: Any) -> dict[str, Any]:
    row = {"姓名": "王五", "电话": "13912345678", "登记日期": "2026-11-01", "客户来源": "陌生",
           "经济条件": "一般", "保险意识": "一般", "影响力": "一般"}
    row.update(over)
    return row


def write_book(path: Path, closed_rows: list[dict[str, Any]], prospect_rows: list[dict[str, Any]] = (),
               agent: dict[str, str] | None = AGENT, extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    """Write an agent book; every value is written as text unless it is not a str.

    ``extra_sheets`` adds sheets as given, header row first (e.g. 服务记录, 工作日志)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    if agent is not None:
        ws = wb.add_worksheet("代理人")
        for i, (k, v) in enumerate(agent.items()):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)
    for name, headers, rows in (("成交客户", CLOSED_HEADERS, closed_rows), ("未成交客户", PROSPECT_HEADERS, prospect_rows)):
        ws = wb.add_worksheet(name)
        for c, h in enumerate(headers):
            ws.write_string(0, c, h)
        for r, row in enumerate(rows, start=1):
            for c, h in enumerate(headers):
                v = row.get(h)
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write(r, c, v)
    for name, sheet_rows in (extra_sheets or {}).items():
        ws = wb.add_worksheet(name)
        for r, cells in enumerate(sheet_rows):
            for c, v in enumerate(cells):
                if v is not None:
                    ws.write_string(r, c, v) if isinstance(v, str) else ws.write(r, c, v)
    wb.close()
    return path
