"""The xlsx cell writer every workbook shares (agent workbooks, branch.xlsx, templates).

:class:`Cells` is the one way a cell is written: typed values, one cached xlsxwriter
Format per style combination, text that can never become a formula.
:func:`atomic_workbook` opens a workbook that appears only once fully written;
:class:`Col` and :func:`setup_table` lay out a table sheet (header, widths, filter, print).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .fsutil import atomic_write
from .models import Record
from .xlsx_fast import CellBlank, CellDatetime, CellNumber, CellString, FastWorksheet, quick_zip, worksheet_class
from .safety import QUOTE_RISK_FIRST, needs_quote_prefix

__all__ = ["STYLES", "WORKBOOK_OPTIONS", "CellStyle", "Cells", "Col", "atomic_workbook", "setup_table"]

# Measured: these options keep agents' text as text and skip a regex per string;
# in_memory zips the sheets' XML from memory instead of temporary files (−5 % workbook
# CPU, the same parts; bench/README.md). constant_memory is never used: it drops cells
# written above the last row (总览 writes its 今日 header after the rows below it).
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}

# Named cell styles; Cells combines them and caches one xlsxwriter Format per combination.
STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "font_color": "#1F4E78"},
    "subtitle": {"font_color": "#595959"},
    "section": {"bold": True, "font_size": 12, "font_color": "#1F4E78", "bottom": 2},
    "header": {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1,
               "text_wrap": True, "align": "center", "valign": "vcenter"},
    "header_result": {"bg_color": "#375623"},
    "header_extra": {"bg_color": "#7F7F7F"},
    "header_input": {"bg_color": "#BF8F00"},  # a column the agent fills in (服务日历 完成/结果)
    "input": {"bg_color": "#FFF2CC"},
    "header_required": {"bg_color": "#C00000"},  # red header = required column
    "required": {"font_color": "#C00000", "bold": True},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
    "money": {"num_format": "#,##0.00"},
    "int": {"num_format": "0"},
    "text": {"num_format": "@"},
    "pct": {"num_format": "0.0%"},
    "pct0": {"num_format": "0%"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "center": {"align": "center"},
    "bold": {"bold": True},
    "muted": {"font_color": "#7F7F7F"},
    "link": {"font_color": "#0563C1", "underline": 1},
    "good": {"bold": True, "font_color": "#006100", "bg_color": "#C6EFCE"},
    "bad": {"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"},
    "error": {"font_color": "#9C0006", "bold": True},
    "warning": {"font_color": "#9C5700"},
    "box": {"border": 1, "border_color": "#BFBFBF"},
}


# Text longer than this may pass Excel's 32,767 UTF-16 units; xlsxwriter checks and cuts it.
_SHORT_TEXT = 32_767 // 2


@dataclass(frozen=True)
class CellStyle:
    """One column's formats: text as is, text with a quote prefix, dates, datetimes."""

    plain: Format | None
    quoted: Format | None
    date: Format | None
    datetime: Format | None
    styles: tuple[str | None, ...]


class Cells:
    """The one way cells are written: typed values, cached formats, safe strings."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        # One xlsxwriter Format per distinct style set; a second map memoises the raw
        # call arguments because put() asks for a format once per cell.
        self._formats: dict[tuple[tuple[str, ...], bool], Format | None] = {}
        self._calls: dict[tuple[tuple[str | None, ...], bool], Format | None] = {}
        self._date_numbers: dict[date, float] = {}  # Excel serial of each date (_store_row)

    def fmt(self, *styles: str | None, quote: bool = False) -> Format | None:
        """The cached Format for a combination of named styles (None for plain cells)."""
        call = (styles, quote)
        if call in self._calls:
            return self._calls[call]
        names = tuple(dict.fromkeys(s for s in styles if s))
        key = (names, quote)
        if key not in self._formats:
            if not names and not quote:
                self._formats[key] = None
            else:
                props: dict[str, Any] = {}
                for name in names:
                    props.update(STYLES[name])
                if quote:
                    # The cell keeps its text when edited in Excel/WPS instead of turning
                    # into a formula (the leading apostrophe is not part of the value).
                    props["quote_prefix"] = True
                self._formats[key] = self.wb.add_format(props)
        found = self._calls[call] = self._formats[key]
        return found

    def put(self, ws: Worksheet, row: int, col: int, value: Any, *styles: str | None) -> None:
        """Write ``value`` with its natural Excel type; text never becomes a formula."""
        if isinstance(value, str):  # the common case first
            if value:
                ws.write_string(row, col, value, self.fmt(*styles, quote=needs_quote_prefix(value)))
            elif any(styles):
                ws.write_blank(row, col, None, self.fmt(*styles))
            return
        if value is None:
            if any(styles):
                ws.write_blank(row, col, None, self.fmt(*styles))
            return
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, self.fmt(*styles))
        elif isinstance(value, (int, float, Decimal)):
            number = float(value)
            if math.isfinite(number):
                ws.write_number(row, col, number, self.fmt(*styles))
            else:
                ws.write_string(row, col, str(value), self.fmt(*styles))
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, self.fmt(*styles, "datetime"))
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, self.fmt(*styles, "date"))
        else:
            # MonthDay renders as "3月12日"; anything else as its text.
            text = str(value)
            ws.write_string(row, col, text, self.fmt(*styles, quote=needs_quote_prefix(text)))

    def style(self, *styles: str | None) -> CellStyle:
        """The formats a column with these styles needs, for :meth:`put_row`."""
        return CellStyle(self.fmt(*styles), self.fmt(*styles, quote=True), self.fmt(*styles, "date"),
                         self.fmt(*styles, "datetime"), styles)

    def put_row(self, ws: Worksheet, row: int, values: Sequence[Any], styles: Sequence[CellStyle]) -> None:
        """``put`` for a whole row with formats looked up once per column (big sheets).

        Text takes the same path as in :meth:`put`; other types fall back to it.
        """
        if ws.__class__ is FastWorksheet and not ws.constant_memory and 0 <= row < ws.xls_rowmax:
            self._store_row(ws, row, values, styles)
            return
        # Measured (bench/README.md): the public write_* methods re-check their arguments for
        # "A1" notation on every call; these rows are always (row, col), so call the methods
        # behind them (same checks, same stored cells) when this xlsxwriter has them.
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_datetime = getattr(ws, "_write_datetime", ws.write_datetime)
        write_number = getattr(ws, "_write_number", ws.write_number)
        for col, value in enumerate(values):
            style = styles[col]
            if value.__class__ is str:
                if value:
                    quote = value[0] in QUOTE_RISK_FIRST and needs_quote_prefix(value)
                    write_string(row, col, value, style.quoted if quote else style.plain)
                elif style.plain is not None:
                    ws.write_blank(row, col, None, style.plain)
            elif value.__class__ is date:
                write_datetime(row, col, value, style.date)
            elif (value.__class__ is float or value.__class__ is int) and math.isfinite(value):
                write_number(row, col, float(value), style.plain)
            elif value is not None or style.plain is not None:
                self.put(ws, row, col, value, *style.styles)

    def _store_row(self, ws: Worksheet, row: int, values: Sequence[Any], styles: Sequence[CellStyle]) -> None:
        """:meth:`put_row` storing text, dates, numbers and blanks in xlsxwriter's cell
        table directly (what ``_write_string`` & co. store, in the same order, so the same
        shared strings), the row's dimensions checked once; anything else through :meth:`put`.
        ``tests/test_xlsx_fast.py`` checks the file is byte for byte the same."""
        cells = ws.table[row]
        shared = ws.str_table._get_shared_string_index
        dates = self._date_numbers
        first = last = -1
        for col, value in enumerate(values):
            style = styles[col]
            kind = value.__class__
            if kind is str:
                if not value:
                    if style.plain is None:
                        continue
                    cells[col] = CellBlank(style.plain)
                elif len(value) > _SHORT_TEXT:  # xlsxwriter's length check and truncation
                    self.put(ws, row, col, value, *style.styles)
                    continue
                else:
                    quote = value[0] in QUOTE_RISK_FIRST and needs_quote_prefix(value)
                    cells[col] = CellString(shared(value), style.quoted if quote else style.plain)
            elif kind is date:
                number = dates.get(value)
                if number is None:
                    number = dates[value] = ws._convert_date_time(value)
                cells[col] = CellDatetime(number, style.date or ws.default_date_format)
            elif (kind is float or kind is int) and math.isfinite(value):
                cells[col] = CellNumber(float(value), style.plain)
            elif value is None:  # put writes a blank when the column has a style
                if style.plain is None:
                    continue
                cells[col] = CellBlank(style.plain)
            else:
                if value is not None or style.plain is not None:
                    self.put(ws, row, col, value, *style.styles)
                continue
            if first < 0:
                first = col
            last = col
        if first >= 0:
            ws._check_dimensions(row, first)
            ws._check_dimensions(row, last)

    def link(self, ws: Worksheet, row: int, col: int, target: str, text: str) -> None:
        """An internal hyperlink (``'成交客户'!A7``) showing ``text``."""
        # The method behind write_url, as in put_row: (row, col) needs no A1 conversion.
        write_url = getattr(ws, "_write_url", ws.write_url)
        write_url(row, col, f"internal:{target}", self.fmt("link", quote=needs_quote_prefix(text)), text)


@contextmanager
def atomic_workbook(path: Path, *, created: date, title: str = "") -> Iterator[Workbook]:
    """Open a workbook that appears at ``path`` only once fully written (:func:`atomic_write`).

    The created date is fixed so the same input gives the same document properties.
    """
    with atomic_write(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        wb.worksheet_class = worksheet_class()  # the same XML, written faster (xlsx_fast)
        wb.set_properties({"created": datetime.combine(created, time()), "author": "Pasture 客户牧场",
                           "title": title})
        yield wb
        with quick_zip():  # deflated at level 1: less CPU, larger file (xlsx_fast.ZIP_LEVEL)
            wb.close()


@dataclass(frozen=True)
class Col:
    """One column of a table sheet: header, width, how a row gives its value, styles."""

    header: str
    width: float
    get: Callable[[Record], Any]
    style: str | None = None  # cell style: date / money / int / text / wrap
    header_style: str | None = None  # extra header colour: result / extra / required


def setup_table(ws: Worksheet, cells: Cells, cols: Sequence[Col], n_rows: int,
                 *, freeze_cols: int) -> None:
    """Header row, widths, freeze panes, filter and print layout of a table sheet."""
    ws.set_row(0, 32)
    for i, col in enumerate(cols):
        ws.set_column(i, i, col.width, cells.fmt("text") if col.style == "text" else None)
        cells.put(ws, 0, i, col.header, "header", col.header_style)
    ws.freeze_panes(1, freeze_cols)
    ws.autofilter(0, 0, max(n_rows, 1), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
