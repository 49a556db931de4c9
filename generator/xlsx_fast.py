"""A faster sheet-data writer for xlsxwriter worksheets, with the same bytes.

xlsxwriter writes every cell of a sheet at close through ``Worksheet._write_cell``: an
attribute list, a class-name test, an escape check per attribute, one file write per
cell. For Pasture's big sheets (~75,000 cells per agent workbook) that loop, and
``_calculate_spans`` (which scans every column of every row), are a fifth of the
workbook's CPU. :class:`FastWorksheet` writes the same XML, a row at a time, for the
cell kinds Pasture writes (text, number, date, blank) and hands any other kind back to
xlsxwriter's own method, in order. ``tests/test_xlsx_fast.py`` writes workbooks with and
without it and requires every part of the two files to be byte for byte equal.

It relies on xlsxwriter internals (the cell table and its tuples), so it is used only
with the xlsxwriter versions it was checked against (:data:`CHECKED_VERSIONS`); any
other version, and constant-memory mode, take xlsxwriter's own path.

:func:`quick_zip` has xlsxwriter deflate the zip at level 1 instead of 6 while Pasture
closes its own workbooks (and only then).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator
from zipfile import ZipFile

import xlsxwriter
from xlsxwriter import workbook as _wb
from xlsxwriter import worksheet as _ws
from xlsxwriter.url import UrlTypes
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

__all__ = ["CHECKED_VERSIONS", "CellBlank", "CellDatetime", "CellNumber", "CellString", "FastWorksheet",
           "QuickZipFile", "ZIP_LEVEL", "quick_zip", "worksheet_class"]

# Versions whose _write_rows/_write_cell/_calculate_spans/_write_hyperlinks this module reproduces.
CHECKED_VERSIONS = frozenset({"3.3.1"})

# xlsxwriter's stored cells; Cells._store_row (xlsx_writer) stores these directly.
CellString: Any = getattr(_ws, "CellStringTuple", None)
CellNumber: Any = getattr(_ws, "CellNumberTuple", None)
CellDatetime: Any = getattr(_ws, "CellDatetimeTuple", None)
CellBlank: Any = getattr(_ws, "CellBlankTuple", None)


class FastWorksheet(Worksheet):
    """An xlsxwriter Worksheet whose cells are serialised by a tighter loop (same XML)."""

    def _calculate_spans(self) -> None:
        # As xlsxwriter's: per block of 16 rows, the first and last used column (1-based),
        # from cells and comments; found from each row's keys instead of a column scan.
        spans: dict[int, str] = {}
        span_min: int | None = None
        span_max = 0
        table, comments, rowmax = self.table, self.comments, self.dim_rowmax
        colmin, colmax = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, rowmax + 1):
            for used in (table.get(row_num), comments.get(row_num)):
                if used:
                    low, high = min(used), max(used)
                    if low < colmin or high > colmax:  # xlsxwriter only scans the dimensions
                        inside = [c for c in used if colmin <= c <= colmax]
                        if not inside:
                            continue
                        low, high = min(inside), max(inside)
                    if span_min is None:
                        span_min, span_max = low, high
                    else:
                        span_min, span_max = min(span_min, low), max(span_max, high)
            if (row_num + 1) % 16 == 0 or row_num == rowmax:
                if span_min is not None:
                    spans[int(row_num / 16)] = f"{span_min + 1}:{span_max + 1}"
                    span_min = None
        self.row_spans = spans

    def _write_hyperlinks(self) -> None:
        # As xlsxwriter's: row and column order, the same attributes; an internal link
        # (Pasture writes ~4,400 per agent workbook) as one string, any other kind through
        # xlsxwriter's own writer.
        hyperlinks, table = self.hyperlinks, self.table
        row_nums = sorted(hyperlinks.keys())
        if not row_nums:
            return
        self._xml_start_tag("hyperlinks")
        write, escape = self.fh.write, self._escape_attributes
        names: dict[int, str] = {}
        for row_num in row_nums:
            links = hyperlinks[row_num]
            for col_num in sorted(links.keys()):
                url = links[col_num]
                if table and table[row_num] and table[row_num][col_num]:
                    if table[row_num][col_num].__class__.__name__ != "String":
                        url._is_object_link = True
                if url._link_type in (UrlTypes.URL, UrlTypes.EXTERNAL):
                    self.rel_count += 1
                    self._write_hyperlink_external(row_num, col_num, self.rel_count, url)
                    self.external_hyper_links.append(["/hyperlink", url._target(), "External"])
                    continue
                name = names.get(col_num)
                if name is None:
                    name = names[col_num] = xl_col_to_name(col_num)
                tip = f' tooltip="{escape(url._tip)}"' if url._tip else ""
                write(f'<hyperlink ref="{name}{row_num + 1}" location="{escape(url._link)}"{tip}'
                      f' display="{escape(url._text)}"/>')
        self._xml_end_tag("hyperlinks")

    def _write_rows(self) -> None:
        if self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        write = self.fh.write
        table, row_info, comments, row_spans = self.table, self.row_info, self.comments, self.row_spans
        colmin, colmax = self.dim_colmin, self.dim_colmax
        names: dict[int, str] = {}
        xf: dict[int, int] = {}
        chunk: list[str] = []
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not cells and row_num not in row_info and row_num not in comments:
                continue
            span = row_spans.get(int(row_num / 16))
            info = row_info.get(row_num)
            if not cells:
                self._write_empty_row(row_num, span, info)
                continue
            self._write_row(row_num, span, info)
            row_format = info.row_format if info is not None else None
            r = str(row_num + 1)
            for col_num in sorted(cells):
                if col_num < colmin or col_num > colmax:
                    continue  # xlsxwriter's loop never reaches these either
                cell = cells[col_num]
                kind = cell.__class__
                if kind is not CellString and kind is not CellNumber and kind is not CellDatetime and kind is not CellBlank:
                    if chunk:
                        write("".join(chunk))
                        chunk.clear()
                    self._write_cell(row_num, col_num, cell)
                    continue
                name = names.get(col_num)
                if name is None:
                    name = names[col_num] = xl_col_to_name(col_num)
                fmt = cell.format or row_format
                if fmt is None and col_num in self.col_info:
                    fmt = self.col_info[col_num].column_format
                if fmt is not None:
                    index = xf.get(id(fmt))
                    if index is None:
                        index = xf[id(fmt)] = fmt._get_xf_index()
                    attr = f'<c r="{name}{r}" s="{index}"'
                else:
                    attr = f'<c r="{name}{r}"'
                if kind is CellString:
                    chunk.append(f'{attr} t="s"><v>{cell.string}</v></c>')
                elif kind is CellBlank:
                    chunk.append(attr + "/>")
                else:
                    chunk.append(f"{attr}><v>{cell.number:.16G}</v></c>")
            chunk.append("</row>")
            write("".join(chunk))
            chunk.clear()


# Deflate level of the workbook's zip. Measured on 800-row bench workbooks (bench/README.md):
# level 6 (zlib's default) 0.51 s workbook CPU per agent, level 1 0.44 s (−15 %) for files
# 29 % larger (544 → 702 KB); the parts inside are the same bytes either way.
ZIP_LEVEL = 1


class QuickZipFile(ZipFile):
    """The ZipFile xlsxwriter packs a workbook with, deflating at :data:`ZIP_LEVEL`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", ZIP_LEVEL)  # parts written from temporary files
        super().__init__(*args, **kwargs)

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        # xlsxwriter's in-memory parts come as ZipInfo, which ignore the archive's level.
        super().writestr(zinfo_or_arcname, data, compress_type,
                         self.compresslevel if compresslevel is None else compresslevel)


@contextmanager
def quick_zip() -> Iterator[None]:
    """While open, xlsxwriter packs workbooks with :class:`QuickZipFile`.

    xlsxwriter has no option for the level; it opens ``ZipFile`` from its workbook
    module, so that name points here for the duration of Pasture's own ``close()`` only
    (on the versions this was checked on): another caller's xlsxwriter files in the same
    process keep xlsxwriter's default level."""
    if xlsxwriter.__version__ not in CHECKED_VERSIONS or getattr(_wb, "ZipFile", None) is not ZipFile:
        yield
        return
    _wb.ZipFile = QuickZipFile
    try:
        yield
    finally:
        _wb.ZipFile = ZipFile


def worksheet_class() -> type[Worksheet]:
    """The worksheet class to use with the installed xlsxwriter."""
    if xlsxwriter.__version__ in CHECKED_VERSIONS and None not in (CellString, CellNumber, CellDatetime, CellBlank):
        return FastWorksheet
    return Worksheet
