"""服务日历 and 节日问候 as an agent sees them, read back with openpyxl."""

import shutil
import subprocess
from collections import Counter
from datetime import date

import openpyxl
import pytest

from generator.pipeline import process_source
from generator.plan import plan_book
from generator.plan_tasks import KIND_BY_LABEL, service_item
from generator.premiums import paid_from_services
from generator.read import discover
from generator.models import Record
from generator.rules import load_rules
from generator.workbook import write_agent_workbook
from generator.workbook_calendar import CALENDAR_COLUMNS, DONE_COLUMNS, SHEET_CALENDAR, SHEET_GREETINGS

from books import closed, prospect, write_book

RULES = load_rules()
TODAY = date(2027, 1, 20)  # 春节 2027-02-06 and 元宵节 2027-02-20 fall in the 90-day window


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cal")
    rows = [
        closed(客户编号="C001", 投保人姓名="张三", 保单号="P1", 投保日期="2019-02-01", 交费方式="季交",
               年交保费="8000", 资产能力="高", 信赖程度="高"),
        closed(客户编号="C001", 投保人姓名="张三", 保单号="P2", 投保日期="2020-01-25", 交费方式="月交",
               年交保费="2400", 资产能力="高", 信赖程度="高"),
        closed(客户编号="C002", 投保人姓名="李四", 投保人电话="13812345679", 保单号="P3", 投保日期="2021-03-01",
               交费方式="趸交", 缴费年限="", 年交保费="50000", 经济条件="一般", 保险意识="一般", 影响力="一般",
               客户来源="陌生", 投保人生日="", 生日历法=""),
        closed(客户编号="C003", 投保人姓名="王五", 投保人电话="13812345670", 保单号="P4", 投保日期="2018-01-10",
               已交至="2028-01-10", 经济条件="一般", 影响力="一般", 资产能力="低", 信赖程度="高"),
    ]
    write_book(folder / "A1001_张三.xlsx", rows, [prospect(客户编号="W001")])
    book = process_source(discover(folder)[0], RULES, today=TODAY)
    out = folder / "out.xlsx"
    write_agent_workbook(book, RULES, out, today=TODAY)
    return book, out


def _rows(ws):
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return header, [dict(zip(header, r)) for r in it if any(v is not None for v in r)]


def test_calendar_columns_and_rows_match_the_tasks(built):
    book, out = built
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1:3] == [SHEET_CALENDAR, SHEET_GREETINGS]
    header, rows = _rows(wb[SHEET_CALENDAR])
    assert header == CALENDAR_COLUMNS and set(DONE_COLUMNS) <= set(header)
    assert len(rows) == len(book.tasks)
    for row, task in zip(rows, book.tasks):
        assert KIND_BY_LABEL[row["任务"]] == task.kind
        assert (row["客户编号"] or "") == task.client_key and row["日期"].date() == task.date
        assert row["完成"] is None and row["结果"] is None
        if task.overdue:
            assert row["分组"] == "逾期" and row["事项"].startswith(task.late_text(TODAY) + "：")
    # The 完成 drop-down covers every row and offers 是.
    done = openpyxl.utils.get_column_letter(header.index("完成") + 1)
    checks = [dv for dv in wb[SHEET_CALENDAR].data_validations.dataValidation if dv.type == "list"]
    assert len(checks) == 1 and checks[0].formula1 == '"是"'
    assert str(checks[0].sqref) == f"{done}2:{done}{len(rows) + 1}"


def test_premium_rows_show_the_instalment_once_per_due_date(built):
    book, out = built
    _, rows = _rows(openpyxl.load_workbook(out)[SHEET_CALENDAR])
    due = [r for r in rows if r["任务"] == "交费对应日"]
    quarterly = [r for r in due if r["保单号"] == "P1"]
    assert [r["金额"] for r in quarterly] == [2000] and quarterly[0]["日期"].date() == date(2027, 2, 1)
    monthly = [(r["日期"].date(), r["金额"]) for r in due if r["保单号"] == "P2"]
    assert monthly == [(date(2027, 1, 25), 200), (date(2027, 2, 25), 200), (date(2027, 3, 25), 200)]
    assert len({(r["保单号"], r["日期"]) for r in due}) == len(due)
    assert not any(r["保单号"] == "P3" for r in rows if r["任务"].startswith("交费"))  # 趸交
    assert not any(r["保单号"] == "P4" for r in rows if r["任务"].startswith("交费"))  # paid to 2028
    # Data problems of the payment terms are in the book's issues (趸交 with no years is fine).
    assert not [i for i in book.issues if i.code.startswith("pay-")]


def test_one_festival_row_per_day_and_the_greeting_list(built):
    book, out = built
    wb = openpyxl.load_workbook(out)
    _, rows = _rows(wb[SHEET_CALENDAR])
    festive = [r for r in rows if r["任务"] == "节日问候"]
    festivals = [t for t in book.tasks if t.kind == "festival"]
    assert [r["事项"] for r in festive] == [t.occasion for t in festivals]
    assert {t.ref for t in festivals} >= {"春节", "元宵节"}
    spring = next(r for r in festive if r["事项"].startswith("春节"))
    assert spring["客户"] == "4 位客户" and spring["客户编号"] is None
    assert spring["事项"] == "春节（农历正月初一）：问候 4 位客户，名单见节日问候"
    header, people = _rows(wb[SHEET_GREETINGS])
    people = [p for p in people if p["客户编号"]]
    assert [p["客户编号"] for p in people] == ["C001", "C002", "C003", "W001"]
    spring_col = next(h for h in header if h and h.startswith("春节"))
    lantern_col = next(h for h in header if h and h.startswith("元宵节"))
    assert Counter(p[spring_col] for p in people) == {"✓": 4}
    lantern = next(t for t in festivals if t.ref == "元宵节")
    assert {p["客户编号"] for p in people if p[lantern_col] == "✓"} == {g.key for g in lantern.group}
    assert len(lantern.group) < 4  # 元宵节 goes to 宠爱/耕耘/维系 only
    # The festival row links to its column of the list.
    ws = wb[SHEET_CALENDAR]
    n = rows.index(spring) + 2
    link = ws.cell(n, CALENDAR_COLUMNS.index("位置") + 1).hyperlink
    letter = openpyxl.utils.get_column_letter(header.index(spring_col) + 1)
    assert link.location == f"'{SHEET_GREETINGS}'!{letter}1"


def test_help_describes_the_calendar_sheets(built):
    _, out = built
    ws = openpyxl.load_workbook(out)["说明"]
    text = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert "完成" in text[SHEET_CALENDAR] and "节日" in text[SHEET_GREETINGS]


def test_a_done_premium_row_read_back_as_a_service_marks_it_paid(built):
    """The calendar's half of the done loop: a 完成 row turned into a 服务记录 row (as the
    reader does) carries what the planner needs to drop the task next time."""
    book, out = built
    _, rows = _rows(openpyxl.load_workbook(out)[SHEET_CALENDAR])
    due = next(r for r in rows if r["任务"] == "交费对应日" and r["保单号"] == "P1")
    item = service_item(KIND_BY_LABEL[due["任务"]], due["建议体验"])
    done = Record("服务记录", 9, {"date": TODAY, "client": due["客户编号"], "item": item, "content": due["事项"]})
    assert paid_from_services([done]) == {"P1": date(2027, 2, 1)}
    book.services.append(done)
    again = plan_book(book, RULES, today=TODAY, days=120)
    assert not any(t.ref == "P1" and t.date == date(2027, 2, 1) for t in again)
    assert any(t.ref == "P1" and t.date == date(2027, 5, 1) for t in again)  # the next one stays


@pytest.mark.slow  # starts LibreOffice: ~10 s
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook(built, tmp_path):
    _, out = built
    profile = tmp_path / "profile"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=240, check=False)
    pdf = tmp_path / (out.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_big_sheets_print_landscape_a4_one_page_wide_with_the_header_repeated(built):
    _, out = built
    wb = openpyxl.load_workbook(out)
    for name in (SHEET_CALENDAR, SHEET_GREETINGS, "成交客户", "未成交客户"):
        ws = wb[name]
        setup = ws.page_setup
        assert setup.orientation == "landscape", name
        assert int(setup.paperSize) == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        # fitToWidth is left out of the file when it is Excel's default of 1 page.
        assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, name
        assert ws.print_title_rows == "$1:$1", name


def test_the_calendar_prints_the_list_and_the_columns_to_write_in(built):
    """On paper: 分组 … 结果 (the list, and 完成/结果 to fill in by hand), every row; the
    reference columns after 结果 stay on screen so the type is not shrunk to fit 17 columns."""
    _, out = built
    ws = openpyxl.load_workbook(out)[SHEET_CALENDAR]
    last = CALENDAR_COLUMNS.index("结果")
    assert last < len(CALENDAR_COLUMNS) - 1
    area = ws.print_area.split("!")[-1].replace("$", "")
    assert area == f"A1:{chr(ord('A') + last)}{max(ws.max_row, 2)}", area
