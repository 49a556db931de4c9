"""What calamine does not say about a cell: Excel error values and formulas with no
saved result. Both read as empty, so an agent would hear "没有填写" about a cell that
plainly holds ``=VLOOKUP(…)`` or ``#N/A``; this module finds them in the sheet XML.

Only parts :func:`generator.zipguard.check_zip` flagged (they hold ``<f>`` or
``t="e"``) are parsed again, and only after that guard passed them: no DTD, bounded
size. Rows are 1-based Excel rows and columns 0-based, as in :class:`CellNote`.

    >>> cell_notes(Path("1001_张三.xlsx"), {"xl/worksheets/sheet1.xml"}, ["成交客户"])  # doctest: +SKIP
    {'成交客户': [CellNote(row=5, col=11, code='formula-no-value', value='=6000*2')]}
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import IO, Iterable, Iterator
from xml.etree import ElementTree

from .models import CellNote

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Formula results stored as text: an empty <v> there is a real empty string ("").
_TEXT_RESULTS = ("str", "inlineStr")


def cell_notes(path: Path, parts: set[str], titles: Iterable[str]) -> dict[str, list[CellNote]]:
    """{worksheet title: notes} for each title whose XML part is in ``parts``."""
    out: dict[str, list[CellNote]] = {}
    with zipfile.ZipFile(path) as zf:
        targets = _sheet_parts(zf)
        for title in titles:
            part = targets.get(title)
            if part in parts:
                with zf.open(part) as stream:
                    out[title] = list(_notes(stream))
    return out


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """{sheet title: zip member} from workbook.xml and its relationships."""
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels if _local(r.tag) == "Relationship"}
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    parts: dict[str, str] = {}
    for el in book.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = el.get(_REL_NS) or next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        t = target.get(rid, "")
        if t:
            parts[el.get("name", "")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath("xl/" + t)
    return parts


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _notes(stream: IO[bytes]) -> Iterator[CellNote]:
    # Cells and rows without an ``r`` follow the previous one, as calamine places them.
    row, col = 0, -1
    for event, el in ElementTree.iterparse(stream, events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r", "")
                row, col = (int(r) if r.isdigit() else row + 1), -1
            continue
        if tag == "c":
            m = _REF.fullmatch(el.get("r", ""))
            if m:
                col, row = _column(m[1]), int(m[2])
            else:
                col += 1
            kind = el.get("t")
            formula = value = None
            for child in el:
                name = _local(child.tag)
                if name == "f":
                    formula = child
                elif name == "v":
                    value = child.text
            if kind == "e":
                yield CellNote(row, col, "excel-error-cell", value or "#错误")
            elif formula is not None and not value and kind not in _TEXT_RESULTS:
                yield CellNote(row, col, "formula-no-value", "=" + (formula.text or "…"))
            el.clear()
        elif tag == "row":
            el.clear()
