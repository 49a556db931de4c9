"""Opening an input workbook: guards first, then calamine, always closed, failures as values.

Agent books (:mod:`generator.read`), the branch survey and the complaints log
(:mod:`generator.survey`) all open their ``.xlsx`` files here, so the same file is refused
with the same Chinese message wherever it sits (an :class:`UnreadableFile`, which each
reader turns into a file-level issue naming the file), a name that is not UTF-8 is read
like any other, and the handle is released before the file is moved (Windows cannot move
an open file).

    >>> with open_xlsx(Path("1001_张三.xlsx")) as (wb, formula_parts):   # doctest: +SKIP
    ...     rows = sheet_cells(wb, "成交客户")
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from python_calamine import CalamineWorkbook

from .sources import EXCEL_SUFFIXES
from .zipguard import UnreadableFile, check_zip


def _broken(exc: BaseException) -> UnreadableFile:
    return UnreadableFile("file-unreadable", f"文件已损坏或不是 Excel 格式（{exc.__class__.__name__}）")


def calamine_workbook(path: Path) -> CalamineWorkbook:
    """Open with calamine, unchecked; the caller closes it. Raises what calamine raises."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8: calamine takes only text paths
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(str(path))


@contextmanager
def open_xlsx(path: Path) -> Iterator[tuple[CalamineWorkbook, set[str]]]:
    """The checked, open workbook and the worksheet parts holding formulas or error cells
    (see :func:`generator.zipguard.check_zip`); closed on leaving the block.

    Raises :class:`UnreadableFile` for a format we do not read, a file the guards refuse,
    and anything calamine fails on, here or inside the block."""
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        suffix = path.suffix or "无扩展名"
        raise UnreadableFile("file-unreadable", f"不支持 {suffix} 文件，请另存为 .xlsx")
    formula_parts = check_zip(path)
    try:
        wb = calamine_workbook(path)
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise _broken(exc) from exc
    try:
        yield wb, formula_parts
    except UnreadableFile:
        raise
    except Exception as exc:
        raise _broken(exc) from exc
    finally:
        wb.close()


def sheet_cells(wb: CalamineWorkbook, title: str) -> list[list[Any]]:
    """A worksheet's cells, empty ones None. Row 0 is Excel row 1 and cell 0 column A
    (``skip_empty_area=False``), so row numbers and letters in issues point at the cells."""
    rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
    return [[None if v == "" else v for v in row] for row in rows]
