"""Sources in, :class:`~generator.models.RawBook` out: read their sheets.

Finding the sources is :mod:`generator.sources`, opening a workbook (the guards of
:mod:`generator.zipguard`, calamine, closing) is :mod:`generator.xlsx_open`, CSV bytes are
:mod:`generator.read_csv`; ``discover`` and
``Source`` are re-exported here for callers that only know the reader.

Values are handed over as the file holds them, unvalidated: Excel cells keep their
type (text stays ``str`` with its leading zeros, numbers are ``int``/``float``, date
cells are ``date``/``datetime``, empty cells ``None``); CSV cells are ``str`` or
``None``. Cell ``i`` of a row is Excel column ``i`` (0 → A), so
``schema.column_letter(i)`` names it; row numbers are 1-based Excel rows.

    >>> [s.display for s in discover(Path("sample_data"))]   # doctest: +SKIP
    ['1001_张三.xlsx', 'team2/1002_李四_*.csv']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

from .issues import make_issue
from .models import CellNote, RawBook, RawSheet
from .parse import is_blank
from .schema import (
    AGENT_FIELDS,
    AGENT_SHEET,
    CLOSED_SHEET,
    PROSPECT_SHEET,
    Sheet,
    header_index,
    normalize_header,
)
from . import zipguard
from .sheet_reader import blank_row, find_header_row
from .read_csv import csv_rows, load_csv_group
from .sources import Source, csv_parts, discover, readable_name, sheet_for
from .xlsx_cells import cell_notes
from .xlsx_open import open_xlsx, sheet_cells
from .zipguard import UnreadableFile

__all__ = ["Source", "UnreadableFile", "discover", "find_header", "read_source"]


_AGENT = normalize_header(AGENT_SHEET)
# Sheets of a workbook Pasture wrote that are read back (generator.roundtrip): the
# calendar rows an agent marked 完成, and the rows the last build could not take.
KEPT_SHEETS = frozenset({"服务日历", "数据问题"})
_AGENT_KEYS: dict[str, str] = {
    normalize_header(spelling): col.name
    for col in AGENT_FIELDS
    for spelling in (col.name, *col.aliases)
}


# ---------------------------------------------------------------------------- reading


def read_source(source: Source) -> RawBook:
    """Read every sheet of a source into a :class:`RawBook`; raises :class:`UnreadableFile`."""
    if source.problem:
        raise UnreadableFile(*source.problem)
    book = RawBook(path=source.path, display=source.display, stem=source.stem)
    for code, value in source.warnings:
        book.issues.append(make_issue(code, file=source.display, value=value))
    if source.kind == "csv":
        titles = _read_csv_group(source, book)
    else:
        titles = _read_workbook(source.path, book)
    # 服务记录 alone is no book: the clients it refers to live in the two client sheets.
    if CLOSED_SHEET not in book.sheets and PROSPECT_SHEET not in book.sheets:
        raise UnreadableFile("no-data-sheets", "、".join(titles) if titles else "无")
    return book


def _add_sheet(book: RawBook, sheet: Sheet, title: str, rows: Iterable[list[Any]],
               notes: Sequence[CellNote] = (), *, tail: str | None = None) -> None:
    # Two worksheets may both stand for one data sheet (成交客户 and 成交客户清单 or
    # 成交客户 (2)): one is read, the other is kept aside and reported whole (see
    # validate). The one named exactly as the template wins, else the first.
    raw = _raw_sheet(sheet, title, rows, notes)
    main = book.sheets.get(sheet.name)
    if main is None:
        book.sheets[sheet.name] = raw
        book.exact_names[sheet.name] = normalize_header(tail or title) == normalize_header(sheet.name)
    elif normalize_header(tail or title) == normalize_header(sheet.name) and not book.exact_names[sheet.name]:
        book.sheets[sheet.name] = raw
        book.exact_names[sheet.name] = True
        book.extra_sheets.append(main)
    else:
        book.extra_sheets.append(raw)


def _read_workbook(path: Path, book: RawBook) -> list[str]:
    with open_xlsx(path) as (wb, formula_parts):
        titles = list(wb.sheet_names)
        data = {title: sheet for title in titles if (sheet := sheet_for(title)) is not None}
        notes = cell_notes(path, formula_parts, data) if formula_parts and data else {}
        for title in titles:
            sheet = data.get(title)
            if sheet is None and normalize_header(title) != _AGENT:
                book.other_sheets.append(title)
                if title not in KEPT_SHEETS:
                    continue
            cells = sheet_cells(wb, title)
            if sheet is not None:
                _add_sheet(book, sheet, title, cells, notes.get(title, ()))
            elif normalize_header(title) != _AGENT:
                book.kept_sheets[title] = cells  # read back by generator.roundtrip
            elif book.agent_kv is None:
                book.agent_kv = _agent_kv(cells)
                book.kept_sheets[AGENT_SHEET] = cells
        return titles


def _read_csv_group(source: Source, book: RawBook) -> list[str]:
    blobs = load_csv_group(source.files)
    if all(not data for _, data in blobs):
        raise UnreadableFile("file-empty", "文件大小为 0")
    cells = zipguard.MAX_CELLS  # one budget for the agent's files, like a workbook's sheets
    for path, data in blobs:
        name = readable_name(path.name)
        stem = Path(name).stem
        parts = csv_parts(stem)
        tail = parts[1] if parts else stem
        rows, notes = csv_rows(data, name, cells)
        cells -= sum(len(row) for row in rows)
        if normalize_header(tail) == _AGENT:
            if book.agent_kv is None:
                book.agent_kv = _agent_kv(rows)
        elif sheet := sheet_for(tail):
            _add_sheet(book, sheet, name, rows, notes, tail=tail)
        else:
            book.other_sheets.append(name)
    return [readable_name(path.name) for path in source.files]


# ---------------------------------------------------------------------------- sheets


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and is_blank(row[end - 1]):
        end -= 1
    return row[:end]


def find_header(sheet: Sheet, rows: list[list[Any]]) -> int | None:
    """Index of the header row: the first of the first 10 non-empty rows naming ≥ 2
    known columns (a title row above it is skipped), else the first non-empty row."""
    index = header_index(sheet)
    return find_header_row(rows, lambda v: normalize_header(v) in index, or_first=True)


def _raw_sheet(sheet: Sheet, title: str, rows: Iterable[list[Any]], notes: Sequence[CellNote] = ()) -> RawSheet:
    """Header and data rows of one sheet; ``header_row`` is 0 when the sheet is empty."""
    rows = list(rows)
    at = find_header(sheet, rows)
    if at is None:
        return RawSheet(sheet.name, title, 0, [], [])
    headers = _trim(rows[at])
    data: list[tuple[int, list[Any]]] = []
    # A row whose only content is an error cell or an unsaved formula reads as blank
    # but is not: it stays, so its note reaches the report.
    noted = {n.row for n in notes}
    for i in range(at + 1, len(rows)):
        cells = _trim(rows[i])
        if not cells and i + 1 not in noted:
            continue
        if len(cells) < len(headers):
            cells = cells + [None] * (len(headers) - len(cells))
        data.append((i + 1, cells))
    return RawSheet(sheet.name, title, at + 1, headers, data, [n for n in notes if n.row > at + 1])


def _agent_kv(rows: list[list[Any]]) -> dict[str, Any]:
    """The 代理人 sheet as {canonical key: raw value}, in either layout:
    key/value pairs down two columns, or one header row of keys over one value row."""
    filled = [_trim(r) for r in rows if not blank_row(r)]
    kv: dict[str, Any] = {}
    if not filled:
        return kv

    def key(cell: Any) -> str | None:
        return _AGENT_KEYS.get(normalize_header(cell)) if isinstance(cell, str) else None

    # A row naming two or more fields is a header row (a title may sit above it).
    header = find_header_row(filled, lambda v: key(v) is not None)
    if header is not None:
        values = filled[header + 1] if len(filled) > header + 1 else []
        for i, cell in enumerate(filled[header]):
            k = key(cell)
            if k and k not in kv:
                kv[k] = values[i] if i < len(values) else None
        return kv
    for row in filled:
        # The key is the first filled cell, so a table starting in column B works too;
        # rows whose key is not an agent field (a 项目/内容 header) are skipped.
        start = next(i for i, v in enumerate(row) if not is_blank(v))
        k = key(row[start])
        if k and k not in kv:
            kv[k] = row[start + 1] if start + 1 < len(row) else None
    return kv
