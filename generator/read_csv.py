"""One CSV file's bytes → rows for the reader: encoding, delimiter, size caps, and
quotes that swallow rows.

CSV gets the same bounds as a workbook (``zipguard.MAX_ROWS``/``MAX_COLUMNS``/
``MAX_CELLS``) plus a byte cap checked before the file is read: a 2 MB file of a
million one-cell rows would otherwise become millions of rows and issues. A quote
that is never closed makes the csv module read every following line into one cell;
such a cell is handed on as a ``csv-unclosed-quote`` note, so the row is rejected
with the lines it swallowed named instead of vanishing.

    >>> csv_rows(b'a,b,c,d\\n1,"x,2,3\\n4,5,6,7\\n', "t.csv")[1]
    [CellNote(row=2, col=1, code='csv-unclosed-quote', value='', detail='的 1 行（文件第 3 行）')]
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any, Sequence

from . import zipguard
from .models import CellNote
from .zipguard import UnreadableFile

#: A CSV file larger than this is refused unread (a 10,000-row book is about 2 MiB).
MAX_CSV_BYTES = 64 * 1024 * 1024
# One cell may be as long as the file: the byte cap bounds it, and a long note is
# warned about at validation instead of failing the whole file.
csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES))


def load_csv(path: Path) -> bytes:
    """The file's bytes, refused past :data:`MAX_CSV_BYTES` before any is read."""
    return load_csv_group([path])[0][1]


def load_csv_group(paths: Sequence[Path]) -> list[tuple[Path, bytes]]:
    """Each file's bytes. One agent's CSV files share the cap, as a workbook's sheets
    share theirs; sizes are checked before anything is read."""
    path = paths[0] if paths else Path()
    try:
        size = sum(p.stat().st_size for p in paths)
        if size > MAX_CSV_BYTES:
            what = path.name if len(paths) == 1 else f"{len(paths)} 个 CSV 文件合计"
            raise UnreadableFile("file-too-large", f"{what}有 {size / 2**20:.0f} MiB，"
                                 f"一位代理人的 CSV 上限为 {MAX_CSV_BYTES // 2**20} MiB")
        blobs = []
        for path in paths:
            blobs.append((path, path.read_bytes()))
        return blobs
    except OSError as exc:
        raise UnreadableFile("file-unreadable", f"无法打开 {path.name}（{exc.strerror or exc}）") from exc


def csv_rows(data: bytes, name: str, cells: int | None = None) -> tuple[list[list[Any]], list[CellNote]]:
    """Rows (cells ``str`` or None) and notes on cells that swallowed lines; ``cells``
    is what the agent's other CSV files left of :data:`zipguard.MAX_CELLS`."""
    text = _decode(data, name)
    if "\x00" in text[:1024]:
        raise UnreadableFile("file-unreadable", f"{name} 不是文本格式的 CSV")
    end = text.find("\n")
    first = text if end < 0 else text[:end]  # not split(): that copies the whole rest of the file
    # WPS/Excel exports in some locales use tabs or semicolons; the most frequent wins.
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Any]] = []
    notes: list[CellNote] = []
    width = 0
    cells = zipguard.MAX_CELLS if cells is None else cells
    line = 0
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            rows.append([None if v == "" else v for v in record])
            cells -= len(record)
            if len(rows) >= zipguard.MAX_ROWS:
                raise UnreadableFile("file-too-large", f"{name} 超过 {zipguard.MAX_ROWS - 1:,} 行")
            if len(record) > zipguard.MAX_COLUMNS:
                raise UnreadableFile("file-too-large", f"{name} 第 {len(rows)} 行有 {len(record)} 列，"
                                     f"上限为 {zipguard.MAX_COLUMNS} 列")
            if cells < 0:
                raise UnreadableFile("too-many-cells", f"超过 {zipguard.MAX_CELLS:,} 个")
            if line > start:
                notes.extend(_swallowed(record, len(rows), start, delimiter, width))
            width = max(width, sum(1 for v in record if v))  # a title row may come first
    except csv.Error as exc:
        raise UnreadableFile("file-unreadable", f"{name} 不是有效的 CSV（{exc}）") from exc
    return rows, notes


def _swallowed(record: list[str], row: int, start: int, delimiter: str, width: int) -> list[CellNote]:
    """Notes for cells of a multi-line record whose later lines look like CSV rows.

    A real multi-line note (an address over two lines) seldom holds several of the
    file's delimiters on one line; a row swallowed by an open quote always does.
    """
    need = max(1, min(3, width - 1))
    notes = []
    before = 0  # line breaks in the cells before this one
    for col, value in enumerate(record):
        lines = value.split("\n")
        body = lines[1:]
        while body and not body[-1].strip():  # the line break that ended the file
            body.pop()
        if any(part.count(delimiter) >= need for part in body):
            first = start + before + 1
            last = first + len(body) - 1
            where = f"文件第 {first} 行" if first == last else f"文件第 {first}–{last} 行"
            notes.append(CellNote(row, col, "csv-unclosed-quote", detail=f"的 {len(body)} 行（{where}）"))
        before += len(lines) - 1
    return notes


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
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("file-unreadable", f"{name} 的编码无法识别，请另存为 UTF-8 编码的 CSV") from exc
    if _looks_big5(text, data):
        raise UnreadableFile("csv-encoding", f"{name} 像是繁体中文 Big5 编码，")
    return text


def _looks_big5(text: str, data: bytes) -> bool:
    """Big5 bytes mostly decode as GB18030 too, into rare characters: real simplified
    Chinese text is nearly all GB2312 characters, Big5 read as GB18030 is not."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 4:
        return False
    common = sum(1 for c in han if _gb2312(c))
    if common / len(han) > 0.9:
        return False
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return False
    return True


def _gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
