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
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Literal, Sequence

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

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")

# Per-file limits, checked by :func:`check_zip` before calamine sees the file. Real
# agent books are a few MiB of XML and a few thousand cells; the limits sit far above
# that and far below what would exhaust a laptop. Tests lower them with monkeypatch.
#: Total XML actually inflated from one workbook (declared *and* real sizes).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Cell elements across all worksheets of one workbook (a 10,000-row book has ~200,000).
MAX_CELLS = 1_000_000
# How far into an XML part a prolog may run before we call it suspicious.
_PROLOG_LIMIT = 64 * 1024
HEADER_SEARCH_ROWS = 10

_AGENT = normalize_header(AGENT_SHEET)
_AGENT_KEYS: dict[str, str] = {
    normalize_header(spelling): col.name
    for col in AGENT_FIELDS
    for spelling in (col.name, *col.aliases)
}


class UnreadableFile(Exception):
    """A source that cannot be used at all."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


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
                continue
            # skip_empty_area=False keeps row 0 = Excel row 1 and cell 0 = column A,
            # so the row numbers and letters in issues point at the right cells.
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            cells = [[None if v == "" else v for v in row] for row in rows]
            if sheet is not None:
                _add_sheet(book, sheet, title, cells)
            elif book.agent_kv is None:
                book.agent_kv = _agent_kv(cells)
        return list(wb.sheet_names)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile("file-unreadable", f"文件已损坏或不是 Excel 格式（{exc.__class__.__name__}）") from exc
    finally:
        wb.close()  # release the handle now: Windows cannot move an open file


def check_zip(path: Path) -> None:
    """Refuse a workbook that is empty, not a zip, a zip bomb, declares a DTD, or has
    too many cells or a huge cell range.

    calamine's XML parser does not expand entities, but refusing any DTD here keeps
    that guarantee independent of the library version. The size check counts the
    bytes each XML part really inflates to, not what the zip directory claims, so a
    bomb with forged sizes is stopped after :data:`MAX_UNCOMPRESSED` bytes, streamed in
    1 MiB pieces. The range and count checks matter as much: calamine allocates the
    whole rectangle up to the farthest cell, so one value typed into XFD1048576 aborts
    the process (a Rust out-of-memory abort, not an exception).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise UnreadableFile("file-unreadable", f"无法打开文件（{exc.strerror or exc}）") from exc
    if size == 0:
        raise UnreadableFile("file-empty", "文件大小为 0")
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("file-unreadable", "文件设置了打开密码或是旧版 .xls 格式，请去掉密码并另存为 .xlsx")
    if not magic.startswith(b"PK"):
        raise UnreadableFile("file-unreadable", "文件已损坏或不是 Excel 格式（可能是改了扩展名的 CSV 或文本文件）")
    try:
        with zipfile.ZipFile(path) as zf, path.open("rb") as raw:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise _too_big()
            budget = _Budget()
            for info in infos:
                lower = info.filename.lower()
                if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                    _check_worksheet(info, _inflate(raw, info, budget), budget)
                elif lower.endswith((".xml", ".rels", ".vml")):
                    _check_part(info, _inflate(raw, info, budget))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            OSError) as exc:
        raise UnreadableFile("file-unreadable", "文件已损坏或不是 Excel 格式（压缩包无法解开）") from exc


def _too_big() -> UnreadableFile:
    limit = MAX_UNCOMPRESSED // (1024 * 1024)
    return UnreadableFile("file-unsafe", f"解压后过大（超过 {limit} MiB），疑似压缩炸弹")


class _Budget:
    """What one file may still inflate to, and how many cells it may still hold."""

    def __init__(self) -> None:
        self.bytes = MAX_UNCOMPRESSED
        self.cells = MAX_CELLS


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature … file name length, extra length
_IN_CHUNK = 256 * 1024
_CHUNK = 1024 * 1024


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    """The part's bytes as they really inflate, in pieces of at most 1 MiB.

    Reads the stored data itself rather than trusting ``ZipFile.open``, which stops at
    the declared size (and so would never see what a forged size hides from it but
    not from calamine). Raises :class:`UnreadableFile` once the file's budget is spent.
    """
    if info.flag_bits & 0x1:
        raise UnreadableFile("file-unreadable", "文件内容被加密，请去掉密码后另存为 .xlsx")
    raw.seek(info.header_offset)
    head = raw.read(_LOCAL_HEADER.size)
    if len(head) < _LOCAL_HEADER.size:
        raise EOFError("truncated local header")
    sig, name_len, extra_len = _LOCAL_HEADER.unpack(head)
    if sig != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    raw.seek(name_len + extra_len, os.SEEK_CUR)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    else:  # Excel, WPS and LibreOffice only ever store or deflate
        raise NotImplementedError(f"compression method {info.compress_type}")
    while left > 0:
        data = raw.read(min(_IN_CHUNK, left))
        if not data:
            raise EOFError("truncated zip member")
        left -= len(data)
        while data:
            if inflater is None:
                out, data = data, b""
            else:
                out = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
            budget.bytes -= len(out)
            if budget.bytes < 0:
                raise _too_big()
            if out:
                yield out
            if inflater is not None and inflater.eof:
                return
    if inflater is not None and not inflater.eof:
        raise EOFError("truncated deflate stream")


def _prolog_checked(info: zipfile.ZipInfo, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Pass ``chunks`` through once the part's first 64 KiB passed :func:`_check_prolog`."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        if not held and size:
            yield chunk
            continue
        held.append(chunk)
        size += len(chunk)
        if size >= _PROLOG_LIMIT:
            head = b"".join(held)
            _check_prolog(head[:_PROLOG_LIMIT], info.filename, _PROLOG_LIMIT + 1)
            held = []
            yield head
    if held:
        head = b"".join(held)
        _check_prolog(head, info.filename, len(head))
        yield head
    elif not size:
        _check_prolog(b"", info.filename, 0)


def _check_part(info: zipfile.ZipInfo, chunks: Iterator[bytes]) -> None:
    """Prolog check on a non-sheet XML part; the rest is only inflated and counted."""
    for _ in _prolog_checked(info, chunks):
        pass


# A cell or row reference at or past row MAX_ROWS or column MAX_COLUMNS ("DA" = 105).
# Written out as one regex so the scan stays a single C-level search per chunk.
MAX_ROWS = 50_000
MAX_COLUMNS = 104
# The pattern starts with a literal so re can skip ahead fast (twice the speed of a
# leading \s); _far_ref checks that "r" starts the attribute name.
_FAR_REF = re.compile(
    rb"""r=["'](?:[A-Z]{3,}|[D-Z][A-Z][0-9]|[A-Z]{0,2}(?:[5-9][0-9]{4}|[1-9][0-9]{5,})["'])"""
)
_REF = re.compile(rb"""r=["']([A-Z]{0,8}[0-9]{0,12})""")
# Row and cell start tags, with or without a namespace prefix (``<x:c r=…>``).
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?(row|c)(?=[\s/>])")
_OVERLAP = 40  # longer than any start tag or reference the regexes look for


def _check_worksheet(info: zipfile.ZipInfo, chunks: Iterator[bytes], budget: _Budget) -> None:
    """Prolog, far references, rows, cells per row and cells per file, in one streamed pass.

    A cell without an ``r`` attribute goes to the next column (a row without one to the
    next row), so far references alone do not bound the rectangle calamine allocates;
    counting rows and cells per row does. The counting stays in C: ``findall`` lists
    the tags (``row``/``c``) and splitting at ``row`` gives each row's cells.
    """
    ref_tail = carry = b""
    rows = row_cells = 0
    for chunk in _prolog_checked(info, chunks):
        # Overlap chunks so a reference split across a boundary is still seen.
        buf = ref_tail + chunk
        if m := _far_ref(buf):
            whole = _REF.match(buf, m.start())
            ref = whole[1].decode("ascii") if whole else "?"
            where = f"第 {ref} 行" if ref.isdigit() else f"单元格 {ref}"
            raise _too_wide(f"{info.filename} 用到了{where}")
        ref_tail = buf[-32:]
        # Tags are counted up to the last "<" near the end; the rest waits for the next
        # chunk, so no tag is cut in two or counted twice.
        buf = carry + chunk
        cut = buf.rfind(b"<", max(0, len(buf) - _OVERLAP))
        cut = len(buf) if cut < 0 else cut
        tags = b"".join(_ROW_OR_CELL.findall(buf, 0, cut))
        carry = buf[cut:]
        segments = tags.split(b"row")
        widest = row_cells + len(segments[0])
        if len(segments) > 1:
            rows += len(segments) - 1
            widest = max(widest, *map(len, segments[1:]))
            row_cells = len(segments[-1])
        else:
            row_cells = widest
        budget.cells -= len(tags) - 3 * (len(segments) - 1)
        if widest > MAX_COLUMNS or rows > MAX_ROWS:
            raise _too_wide(f"{info.filename} 超过 {MAX_ROWS - 1} 行，或某一行超过 {MAX_COLUMNS} 个单元格")
        if budget.cells < 0:
            raise UnreadableFile("too-many-cells", f"超过 {MAX_CELLS:,} 个")
    if carry:
        _check_worksheet_tail(info, carry, rows, row_cells, budget)


def _far_ref(buf: bytes) -> re.Match[bytes] | None:
    pos = 1
    while m := _FAR_REF.search(buf, pos):
        if buf[m.start() - 1:m.start()].isspace():
            return m
        pos = m.start() + 1
    return None


def _check_worksheet_tail(info: zipfile.ZipInfo, carry: bytes, rows: int, row_cells: int,
                          budget: _Budget) -> None:
    tags = b"".join(_ROW_OR_CELL.findall(carry + b" "))
    segments = tags.split(b"row")
    if row_cells + len(segments[0]) > MAX_COLUMNS or rows + len(segments) - 1 > MAX_ROWS:
        raise _too_wide(f"{info.filename} 超过 {MAX_ROWS - 1} 行，或某一行超过 {MAX_COLUMNS} 个单元格")
    budget.cells -= len(tags) - 3 * (len(segments) - 1)
    if budget.cells < 0:
        raise UnreadableFile("too-many-cells", f"超过 {MAX_CELLS:,} 个")


def _too_wide(what: str) -> UnreadableFile:
    return UnreadableFile(
        "file-unsafe",
        f"工作表范围过大（{what}，上限为 {MAX_ROWS - 1} 行、{MAX_COLUMNS} 列），"
        "可能有远处的单元格被误填；请删除多余的行和列后再提交",
    )


def _check_prolog(head: bytes, name: str, size: int) -> None:
    """Scan an XML part up to its root element for ``<!DOCTYPE``/``<!ENTITY``."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    elif head[1:2] == b"\x00":
        text = head.decode("utf-16-le", errors="ignore")
    elif head[:1] == b"\x00":
        text = head.decode("utf-16-be", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff")
    truncated = size > len(head)
    odd = UnreadableFile("file-unsafe", f"{name} 的 XML 开头异常（过长的声明或注释），已拒绝")
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            if truncated:
                raise odd
            return
        for opener, closer in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opener, pos):
                end = text.find(closer, pos + len(opener))
                if end < 0:
                    if truncated:
                        raise odd
                    return  # malformed but complete: calamine will judge it
                pos = end + len(closer)
                break
        else:
            if text.startswith("<!", pos):
                raise UnreadableFile("file-unsafe", f"{name} 含有 DTD/实体声明（<!DOCTYPE 或 <!ENTITY），已拒绝")
            return  # the root element: nothing can be declared after it


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
