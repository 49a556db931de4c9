"""FastWorksheet writes exactly the bytes xlsxwriter's own Worksheet writes."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from generator import xlsx_fast, xlsx_writer
from generator.pipeline import process_source
from generator.read import discover
from generator.rules import load_rules
from generator.sample import make_sample
from generator.workbook import write_agent_workbook
from generator.xlsx_fast import FastWorksheet, worksheet_class
from generator.xlsx_writer import WORKBOOK_OPTIONS

TODAY = date(2026, 11, 23)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def assert_same_parts(a: Path, b: Path) -> None:
    pa, pb = parts(a), parts(b)
    assert sorted(pa) == sorted(pb)
    differing = [name for name in pa if pa[name] != pb[name]]
    assert differing == []


def every_cell_kind(path: Path, cls: type[Worksheet], options: dict | None = None) -> None:
    """Cells of every kind xlsxwriter stores, with cell, row and column formats, gaps,
    rows with only a height or a format, comments, links and rows past 16 (spans)."""
    wb = xlsxwriter.Workbook(str(path), options or WORKBOOK_OPTIONS)
    wb.set_properties({"created": datetime(2026, 11, 23)})  # else "now": two files a second apart differ
    ws = wb.add_worksheet("全部", worksheet_class=cls)
    bold, money = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.00"})
    ws.set_column(3, 3, 12, money)  # a column format for cells that have none
    ws.set_row(2, 30, bold)  # a row format
    ws.set_row(40, 18)  # a row with only a height, no cells
    ws.write_string(0, 0, "文本 & <标签> \"引号\"")
    ws.write_string(0, 2, "=SUM(A1)", wb.add_format({"quote_prefix": True}))
    ws.write_number(1, 0, 1234.5)
    ws.write_number(1, 3, 0.1 + 0.2)  # takes the column format
    ws.write_number(2, 1, 7)  # takes the row format
    ws.write_blank(2, 4, None, bold)
    ws.write_datetime(3, 0, datetime(2026, 11, 23, 9, 30), wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    ws.write_datetime(3, 1, date(2026, 1, 1), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_boolean(4, 0, True)
    ws.write_formula(4, 1, "=A2*2", None, 2469)
    ws.write_rich_string(5, 0, "普通", bold, "加粗", "结尾")
    ws.write_url(6, 0, "internal:'全部'!A1", string="回到顶部")
    ws.write_url(6, 2, "internal:'全部'!B2", string='A & B <"引号">\n换行', tip="提示 & <说明>")
    ws.write_url(6, 1, "internal:全部!C3")  # no text: the location is shown
    ws.write_url(8, 0, "https://example.com/a?b=1&c=<2>#frag", string="外部")
    ws.write_url(8, 1, "mailto:agent@example.com")
    ws.write_url(9, 0, "internal:'全部'!D4", string="被数字覆盖")
    ws.write_number(9, 0, 42)  # the link stays, over a number: an "object link"
    ws.write_comment(7, 5, "批注")  # a comment on an empty cell widens the span
    for r in range(10, 60):
        ws.write_row(r, 1, [f"行{r}", r * 1.5, "" if r % 3 else "x"])
    ws.write_string(70, 8, "远处的一格")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 60, 3)
    empty = wb.add_worksheet("空表", worksheet_class=cls)
    empty.set_row(3, 25)  # formatted rows, no cells at all
    wb.close()


@pytest.mark.parametrize("options", [WORKBOOK_OPTIONS, {**WORKBOOK_OPTIONS, "in_memory": False}])
def test_every_cell_kind_same_bytes(tmp_path: Path, options: dict) -> None:
    every_cell_kind(tmp_path / "fast.xlsx", FastWorksheet, options)
    every_cell_kind(tmp_path / "plain.xlsx", Worksheet, options)
    assert_same_parts(tmp_path / "fast.xlsx", tmp_path / "plain.xlsx")


def put_rows(path: Path, cls: type[Worksheet]) -> None:
    """Cells.put_row with every kind of value a sheet hands it (stored directly on
    FastWorksheet, through xlsxwriter's write methods on a plain Worksheet)."""
    with xlsx_writer.atomic_workbook(path, created=TODAY) as wb:
        wb.worksheet_class = cls
        cells = xlsx_writer.Cells(wb)
        ws = wb.add_worksheet("行")
        styles = [cells.style(s) for s in (None, "wrap", "money", "date", None, "center", None, None)]
        rows = [
            ["文本", "=HYPERLINK(\"x\")", 12.5, date(2026, 1, 31), 7, "", None, True],
            ["+86 138", "", float("nan"), datetime(2026, 3, 1, 8, 0), Decimal("1.10"), "@x", "-1", 0],
            ["长" * 40_000, "😀" * 17_000, 3, date(1900, 2, 28), float("inf"), "x", "", None],
            [None, None, None, None, None, None, None, None],
            ["", "", "", "", "", "", "", ""],
        ]
        for r, row in enumerate(rows, start=1):
            cells.put_row(ws, r * 3, row, styles)
        cells.put_row(ws, 1_048_576, ["越界"] * 8, styles)  # past Excel's last row: not stored
        only = wb.add_worksheet("只有文本和数字")  # nothing but put_row sets its dimensions
        cells.put_row(only, 4, [None, "右", 2.0, None], [cells.style()] * 4)
        cells.put_row(only, 2, ["", "左", None, "更右"], [cells.style()] * 4)


def test_put_row_same_bytes(tmp_path: Path) -> None:
    put_rows(tmp_path / "fast.xlsx", FastWorksheet)
    put_rows(tmp_path / "plain.xlsx", Worksheet)
    assert_same_parts(tmp_path / "fast.xlsx", tmp_path / "plain.xlsx")


def test_constant_memory_takes_xlsxwriters_path(tmp_path: Path) -> None:
    options = {**WORKBOOK_OPTIONS, "in_memory": False, "constant_memory": True}  # in_memory would turn it off
    for name, cls in (("fast.xlsx", FastWorksheet), ("plain.xlsx", Worksheet)):
        wb = xlsxwriter.Workbook(str(tmp_path / name), options)
        wb.set_properties({"created": datetime(2026, 11, 23)})
        ws = wb.add_worksheet("表", worksheet_class=cls)
        for r in range(30):
            ws.write_row(r, 0, [f"文本{r}", r, date(2026, 1, 1 + r % 28)])
        wb.close()
    assert_same_parts(tmp_path / "fast.xlsx", tmp_path / "plain.xlsx")


def test_agent_workbook_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole 300-policy agent workbook (calendar, clients, links, charts, validation)."""
    if xlsx_writer.worksheet_class() is Worksheet:  # say so: comparing the plain path with itself proves nothing
        pytest.skip(f"the fast worksheet is off on xlsxwriter {xlsxwriter.__version__} "
                    f"(checked: {sorted(xlsx_fast.CHECKED_VERSIONS)})")
    make_sample(tmp_path / "books", agents=1, seed=3, today=TODAY, rows=300)
    source = next(s for s in discover(tmp_path / "books") if s.kind == "xlsx")
    rules = load_rules()
    book = process_source(source, rules, today=TODAY)
    assert book.status != "failed"
    write_agent_workbook(book, rules, tmp_path / "fast.xlsx", today=TODAY)
    monkeypatch.setattr(xlsx_writer, "worksheet_class", lambda: Worksheet)
    write_agent_workbook(book, rules, tmp_path / "plain.xlsx", today=TODAY)
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as zf:
        assert sum(len(zf.read(n)) for n in zf.namelist() if n.startswith("xl/worksheets/")) > 500_000
    assert_same_parts(tmp_path / "fast.xlsx", tmp_path / "plain.xlsx")


def test_only_checked_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    assert worksheet_class() is (FastWorksheet if xlsxwriter.__version__ in xlsx_fast.CHECKED_VERSIONS
                                 else Worksheet)
    monkeypatch.setattr(xlsxwriter, "__version__", "99.0.0")
    assert worksheet_class() is Worksheet


def test_workbook_zip_deflated_at_level_one(tmp_path: Path) -> None:
    """atomic_workbook's zip is deflated at ZIP_LEVEL: every part's compressed size is
    what zlib gives at that level (the default, 6, gives less for XML this size)."""
    import zlib

    path = tmp_path / "z.xlsx"
    with xlsx_writer.atomic_workbook(path, created=TODAY) as wb:
        ws = wb.add_worksheet("表")
        cells = xlsx_writer.Cells(wb)
        for r in range(2000):
            cells.put_row(ws, r, [f"客户{r}", r * 1.5, date(2026, 1, 1 + r % 28)], [cells.style()] * 3)
    with zipfile.ZipFile(path) as zf:
        checked = 0
        for info in zf.infolist():
            data = zf.read(info)
            if info.compress_type != zipfile.ZIP_DEFLATED or len(data) < 10_000:
                continue
            quick = zlib.compressobj(xlsx_fast.ZIP_LEVEL, zlib.DEFLATED, -15)
            assert info.compress_size == len(quick.compress(data) + quick.flush())
            default = zlib.compressobj(6, zlib.DEFLATED, -15)
            assert info.compress_size > len(default.compress(data) + default.flush())
            checked += 1
        assert checked >= 2  # the sheet and the shared strings


def test_quick_zip_only_on_checked_versions_and_only_while_open(monkeypatch: pytest.MonkeyPatch) -> None:
    from xlsxwriter import workbook as xw

    monkeypatch.setattr(xw, "ZipFile", zipfile.ZipFile)
    monkeypatch.setattr(xlsxwriter, "__version__", "99.0.0")
    with xlsx_fast.quick_zip():
        assert xw.ZipFile is zipfile.ZipFile
    monkeypatch.setattr(xlsxwriter, "__version__", sorted(xlsx_fast.CHECKED_VERSIONS)[0])
    with xlsx_fast.quick_zip():
        assert xw.ZipFile is xlsx_fast.QuickZipFile
    assert xw.ZipFile is zipfile.ZipFile  # a library caller's own workbooks keep the default


def test_writing_an_agent_workbook_leaves_xlsxwriter_as_it_was(tmp_path: Path) -> None:
    from xlsxwriter import workbook as xw

    before = xw.ZipFile
    make_sample(tmp_path / "books", agents=1, seed=5, today=TODAY, rows=20)
    source = next(s for s in discover(tmp_path / "books") if s.kind == "xlsx")
    rules = load_rules()
    write_agent_workbook(process_source(source, rules, today=TODAY), rules, tmp_path / "a.xlsx", today=TODAY)
    assert xw.ZipFile is before is zipfile.ZipFile
