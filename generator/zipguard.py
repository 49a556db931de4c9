"""Zip and XML guards for workbooks: refuse a file before calamine sees it.

calamine trusts the file: it expands a zip part to whatever size it inflates to and
allocates the whole rectangle up to the farthest cell. :func:`check_zip` streams every
part once and stops a zip bomb, a DTD or entity declaration, a cell bomb and a far
cell reference, raising :class:`UnreadableFile` with a reason in Chinese.

    >>> check_zip(Path("1001_张三.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

# Per-file limits, checked by :func:`check_zip` before calamine sees the file. Real
# agent books are a few MiB of XML and a few thousand cells; the limits sit far above
# that and far below what would exhaust a laptop. Tests lower them with monkeypatch.
#: Total XML actually inflated from one workbook (declared *and* real sizes).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Cell elements across all worksheets of one workbook (a 10,000-row book has ~200,000).
MAX_CELLS = 1_000_000
# How far into an XML part a prolog may run before we call it suspicious.
_PROLOG_LIMIT = 64 * 1024


class UnreadableFile(Exception):
    """A source that cannot be used at all."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def check_zip(path: Path) -> set[str]:
    """Refuse a workbook that is empty, not a zip, a zip bomb, declares a DTD, or has
    too many cells or a huge cell range; return the worksheet parts that hold formulas
    or error cells (``generator.xlsx_cells`` looks at those again, calamine cannot).

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
            return budget.formula_parts
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
        self.formula_parts: set[str] = set()


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
# A formula element (<f>, not <formula1>) or an error cell (t="e"), any namespace prefix.
# Plain substring tests (memchr speed); a false hit only costs a second look at a sheet.
_FORMULA_OR_ERROR = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b't="e"', b"t='e'")
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
        if info.filename not in budget.formula_parts and any(t in buf for t in _FORMULA_OR_ERROR):
            budget.formula_parts.add(info.filename)
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
