"""Files in, :class:`~generator.models.RawBook` out: find sources, read their sheets.

Values are handed over as the file holds them, unvalidated: Excel cells keep their
type (text stays ``str`` with its leading zeros, numbers are ``int``/``float``, date
cells are ``date``/``datetime``, empty cells ``None``); CSV cells are ``str`` or
``None``. Cell ``i`` of a row is Excel column ``i`` (0 → A), so
``schema.column_letter(i)`` names it; row numbers are 1-based Excel rows.

    >>> [s.display for s in discover(Path("sample_data"))]   # doctest: +SKIP
    ['1001_张三.xlsx', 'team2/1002_李四_*.csv']
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from python_calamine import CalamineWorkbook

from .models import RawBook, RawSheet
from .parse import is_blank
from .schema import (
    AGENT_FIELDS,
    AGENT_SHEET,
    CLOSED_SHEET,
    PROSPECT_SHEET,
    Sheet,
    header_index,
    match_sheet,
    normalize_header,
)
from .zipguard import UnreadableFile, check_zip

__all__ = ["Source", "UnreadableFile", "check_zip", "discover", "find_header", "read_source"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")

HEADER_SEARCH_ROWS = 10

_AGENT = normalize_header(AGENT_SHEET)
# Sheets of a workbook Pasture wrote that are read back (generator.roundtrip): the
# calendar rows an agent marked 完成, and the rows the last build could not take.
KEPT_SHEETS = frozenset({"服务日历", "数据问题"})
_AGENT_KEYS: dict[str, str] = {
    normalize_header(spelling): col.name
    for col in AGENT_FIELDS
    for spelling in (col.name, *col.aliases)
}


@dataclass(frozen=True)
class Source:
    """One agent's input: a workbook, or the CSV files sharing a ``工号_姓名_`` prefix."""

    path: Path  # the workbook, or the first CSV of the group
    files: tuple[Path, ...]
    kind: Literal["xlsx", "csv"]
    display: str  # relative to the input folder, posix style
    stem: str  # "1001_张三"


# ---------------------------------------------------------------------------- discovery


def discover(inputs: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[Source]:
    """Sources under files and folders (recursive), in relative-path order.

    Takes ``.xlsx``/``.xlsm``/``.csv``; skips Excel lock files (``~$*``) and hidden
    files. CSVs named ``<工号>_<姓名>_<sheet>.csv`` group into one source per agent.
    A file named explicitly is taken whatever its extension, so the user hears why
    it cannot be read instead of seeing it silently ignored.

    >>> discover(Path("books"))  # doctest: +SKIP
    """
    paths = [Path(inputs)] if isinstance(inputs, (str, os.PathLike)) else [Path(p) for p in inputs]
    sources: list[Source] = []
    seen: set[Path] = set()
    for root in paths:
        if root.is_dir():
            files = sorted(
                (p for p in root.rglob("*") if _wanted(p, root)),
                key=lambda p: p.relative_to(root).as_posix(),
            )
            found = _group(files, root)
        elif root.is_file():
            found = _group([root], root.parent, single=True)
        else:
            raise FileNotFoundError(f"找不到输入：{root}")
        for source in found:
            key = source.path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def _wanted(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if any(part.startswith((".", "~$")) for part in rel.parts):
        return False
    return path.suffix.lower() in SUFFIXES and path.is_file()


def _csv_parts(path: Path) -> tuple[str, str] | None:
    """(``工号_姓名``, sheet part) when the name follows the CSV convention."""
    prefix, sep, tail = path.stem.rpartition("_")
    if sep and prefix and (match_sheet(tail) or normalize_header(tail) == _AGENT):
        return prefix, tail
    return None


def _group(files: list[Path], root: Path, *, single: bool = False) -> list[Source]:
    def shown(path: Path, name: str | None = None) -> str:
        rel = path.name if single else path.relative_to(root).as_posix()
        return rel if name is None else rel[: len(rel) - len(path.name)] + name

    # Ordered entries: a lone file, or a CSV group keyed by (folder, 工号_姓名); a
    # group sits where its first file sorts.
    order: list[Path | tuple[Path, str]] = []
    groups: dict[tuple[Path, str], list[Path]] = {}
    for path in files:
        parts = _csv_parts(path) if path.suffix.lower() == ".csv" else None
        if parts is None:
            order.append(path)
            continue
        key = (path.parent, parts[0])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(path)
    sources: list[Source] = []
    for entry in order:
        if isinstance(entry, Path):
            kind: Literal["xlsx", "csv"] = "csv" if entry.suffix.lower() == ".csv" else "xlsx"
            sources.append(Source(entry, (entry,), kind, shown(entry), entry.stem))
        else:
            members = tuple(groups[entry])
            stem = entry[1]
            sources.append(Source(members[0], members, "csv", shown(members[0], f"{stem}_*.csv"), stem))
    return sources


# ---------------------------------------------------------------------------- reading


def read_source(source: Source) -> RawBook:
    """Read every sheet of a source into a :class:`RawBook`; raises :class:`UnreadableFile`."""
    book = RawBook(path=source.path, display=source.display, stem=source.stem)
    if source.kind == "csv":
        titles = _read_csv_group(source, book)
    else:
        titles = _read_workbook(source.path, book)
    # 服务记录 alone is no book: the clients it refers to live in the two client sheets.
    if CLOSED_SHEET not in book.sheets and PROSPECT_SHEET not in book.sheets:
        raise UnreadableFile("no-data-sheets", "、".join(titles) if titles else "无")
    return book


def _add_sheet(book: RawBook, sheet: Sheet, title: str, rows: Iterable[list[Any]]) -> None:
    # Two worksheets may both name the same data sheet (成交客户 and 成交客户清单):
    # the first wins and the other is reported among the unused sheets.
    if sheet.name in book.sheets:
        book.other_sheets.append(title)
        return
    book.sheets[sheet.name] = _raw_sheet(sheet, title, rows)


def _read_workbook(path: Path, book: RawBook) -> list[str]:
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        raise UnreadableFile("file-unreadable", f"不支持 {path.suffix or '无扩展名'} 文件，请另存为 .xlsx")
    check_zip(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise UnreadableFile("file-unreadable", f"文件已损坏或不是 Excel 格式（{exc.__class__.__name__}）") from exc
    try:
        for title in wb.sheet_names:
            folded = normalize_header(title)
            sheet = match_sheet(title)
            if sheet is None and folded != _AGENT:
                book.other_sheets.append(title)
                if title not in KEPT_SHEETS:
                    continue
            # skip_empty_area=False keeps row 0 = Excel row 1 and cell 0 = column A,
            # so the row numbers and letters in issues point at the right cells.
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            cells = [[None if v == "" else v for v in row] for row in rows]
            if sheet is not None:
                _add_sheet(book, sheet, title, cells)
            elif folded != _AGENT:
                book.kept_sheets[title] = cells  # read back by generator.roundtrip
            elif book.agent_kv is None:
                book.agent_kv = _agent_kv(cells)
                book.kept_sheets[AGENT_SHEET] = cells
        return list(wb.sheet_names)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile("file-unreadable", f"文件已损坏或不是 Excel 格式（{exc.__class__.__name__}）") from exc
    finally:
        wb.close()  # release the handle now: Windows cannot move an open file



def _read_csv_group(source: Source, book: RawBook) -> list[str]:
    blobs = []
    for path in source.files:
        try:
            blobs.append((path, path.read_bytes()))
        except OSError as exc:
            raise UnreadableFile("file-unreadable", f"无法打开 {path.name}（{exc.strerror or exc}）") from exc
    if all(not data for _, data in blobs):
        raise UnreadableFile("file-empty", "文件大小为 0")
    for path, data in blobs:
        parts = _csv_parts(path)
        tail = parts[1] if parts else path.stem
        rows = _csv_rows(data, path.name)
        if normalize_header(tail) == _AGENT:
            if book.agent_kv is None:
                book.agent_kv = _agent_kv(rows)
        elif sheet := match_sheet(tail):
            _add_sheet(book, sheet, path.name, rows)
        else:
            book.other_sheets.append(path.name)
    return [path.name for path in source.files]


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")  # Excel's "Unicode text" export
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("file-unreadable", f"{name} 的编码无法识别，请另存为 UTF-8 编码的 CSV") from exc


def _csv_rows(data: bytes, name: str) -> list[list[Any]]:
    text = _decode(data, name)
    if "\x00" in text[:1024]:
        raise UnreadableFile("file-unreadable", f"{name} 不是文本格式的 CSV")
    first = text.split("\n", 1)[0]
    # WPS/Excel exports in some locales use tabs or semicolons; the most frequent wins.
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    try:
        return [[None if v == "" else v for v in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise UnreadableFile("file-unreadable", f"{name} 不是有效的 CSV（{exc}）") from exc


# ---------------------------------------------------------------------------- sheets


def _blank_row(row: list[Any]) -> bool:
    return all(is_blank(v) for v in row)


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and is_blank(row[end - 1]):
        end -= 1
    return row[:end]


def find_header(sheet: Sheet, rows: list[list[Any]]) -> int | None:
    """Index of the header row: the first of the first 10 non-empty rows naming ≥ 2
    known columns (a title row above it is skipped), else the first non-empty row."""
    index = header_index(sheet)
    first: int | None = None
    seen = 0
    for i, row in enumerate(rows):
        if _blank_row(row):
            continue
        if first is None:
            first = i
        hits = sum(1 for v in row if v is not None and normalize_header(v) in index)
        if hits >= 2:
            return i
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return first


def _raw_sheet(sheet: Sheet, title: str, rows: Iterable[list[Any]]) -> RawSheet:
    """Header and data rows of one sheet; ``header_row`` is 0 when the sheet is empty."""
    rows = list(rows)
    at = find_header(sheet, rows)
    if at is None:
        return RawSheet(sheet.name, title, 0, [], [])
    headers = _trim(rows[at])
    data: list[tuple[int, list[Any]]] = []
    for i in range(at + 1, len(rows)):
        cells = _trim(rows[i])
        if not cells:
            continue
        if len(cells) < len(headers):
            cells = cells + [None] * (len(headers) - len(cells))
        data.append((i + 1, cells))
    return RawSheet(sheet.name, title, at + 1, headers, data)


def _agent_kv(rows: list[list[Any]]) -> dict[str, Any]:
    """The 代理人 sheet as {canonical key: raw value}, in either layout:
    key/value pairs down two columns, or one header row of keys over one value row."""
    filled = [_trim(r) for r in rows if not _blank_row(r)]
    kv: dict[str, Any] = {}
    if not filled:
        return kv

    def key(cell: Any) -> str | None:
        return _AGENT_KEYS.get(normalize_header(cell)) if isinstance(cell, str) else None

    # A row naming two or more fields is a header row (a title may sit above it).
    header = next((i for i, row in enumerate(filled[:HEADER_SEARCH_ROWS])
                   if sum(1 for v in row if key(v)) >= 2), None)
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
