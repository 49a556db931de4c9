"""Reading one sheet against a column contract: the parts every table reader shares.

Agent books (read + validate), the branch survey and the complaints log all read a
sheet the same way: find the header row under any title rows, map header cells to
known columns (reporting unknown and duplicate ones), walk the data rows, recognise
a hand-made totals row, collect each row's issues and keep the row accounting
(read = accepted + rejected). What differs — which columns exist and how a cell is
parsed — stays with each reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from .issues import Issue, RowCount, make_issue
from .parse import is_blank
from .schema import TOTAL_WORDS, Column, column_letter, normalize_header

HEADER_SEARCH_ROWS = 10
# Branch sheets are score tables: an average row under them is not a response either.
# Agent books are not given these words: a 备注 starting with 平均 is ordinary text there.
BRANCH_TOTAL_WORDS = (*TOTAL_WORDS, "平均", "均值")
# Cheap pre-check before folding a cell: every totals word contains one of these.
_MARKERS = ("计", "总", "均", "otal", "ｏｔａｌ")
assert all(any(m in w for m in _MARKERS) for w in BRANCH_TOTAL_WORDS)
_MARKER_RE = re.compile("|".join(map(re.escape, _MARKERS)), re.IGNORECASE)


def blank_row(cells: list[Any]) -> bool:
    return all(is_blank(v) for v in cells)


def find_header_row(rows: list[list[Any]], is_known: Callable[[Any], bool], *, or_first: bool = False) -> int | None:
    """Index of the header row: the first of the first 10 non-empty rows with ≥ 2 known
    header cells (title rows above it are skipped). None when there is none, or with
    ``or_first`` the first non-empty row."""
    first: int | None = None
    seen = 0
    for i, row in enumerate(rows):
        if blank_row(row):
            continue
        if first is None:
            first = i
        if sum(1 for v in row if v is not None and is_known(v)) >= 2:
            return i
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return first if or_first else None


def totals_word(cells: list[Any], words: tuple[str, ...] = TOTAL_WORDS, *, skip: int | None = None) -> str | None:
    """A hand-made totals row: some text cell (other than the one at ``skip``) is exactly,
    or starts with, one of ``words`` (合计/总计/小计…). Returns that cell's text."""
    # One search over the row's text first: most rows hold no marker at all.
    if not _MARKER_RE.search("\n".join(c for c in cells if isinstance(c, str))):
        return None
    for i, cell in enumerate(cells):
        if isinstance(cell, str) and i != skip and _MARKER_RE.search(cell):
            folded = normalize_header(cell)
            if any(folded.startswith(w) for w in words):
                return cell.strip()
    return None


@dataclass
class ColumnMap:
    """Header cells mapped to contract columns; unknown and repeated headers reported."""

    sheet: str
    header_row: int
    index: dict[str, Column]
    issues: list[Issue]
    positions: dict[str, int] = field(default_factory=dict)  # column key -> cell index
    extras: dict[int, str] = field(default_factory=dict)  # cell index -> unknown header text

    def lookup(self, text: str) -> Column | None:
        return self.index.get(normalize_header(text))

    def add(self, i: int, text: str) -> Column | None:
        col = self.lookup(text)
        letter = column_letter(i)
        if col is None:
            self.extras[i] = text
            self.issues.append(make_issue("unknown-column", sheet=self.sheet, row=self.header_row,
                                          column_letter=letter, column=text, value=text))
        elif col.key in self.positions:
            self.issues.append(make_issue("duplicate-column", sheet=self.sheet, row=self.header_row,
                                          column_letter=letter, column=col.name))
        else:
            self.positions[col.key] = i
        return col

    def missing(self, required: Sequence[Column]) -> list[Column]:
        """Required columns not found, each reported as missing-column."""
        missing = [c for c in required if c.key not in self.positions]
        for col in missing:
            self.issues.append(make_issue("missing-column", sheet=self.sheet, row=self.header_row, column=col.name))
        return missing


@dataclass
class DataRow:
    """One data row being read: its cells and the issues found in it so far."""

    sheet: str
    row: int
    cells: list[Any]
    issues: list[Issue] = field(default_factory=list)

    def cell(self, pos: int | None) -> Any:
        return self.cells[pos] if pos is not None and pos < len(self.cells) else None

    def report(self, code: str, *, column: str | None = None, pos: int | None = None, value: Any = "",
               detail: str = "", severity: Any = None) -> None:
        self.issues.append(make_issue(
            code, sheet=self.sheet, row=self.row, column=column,
            column_letter=column_letter(pos) if pos is not None else None,
            value=value, detail=detail, severity=severity))


@dataclass
class RowTally:
    """Per-row issues into the sheet's issue list and the row accounting, in one place."""

    sheet: str
    issues: list[Issue]
    count: RowCount

    def start(self, row: int, cells: list[Any]) -> DataRow:
        self.count.read += 1
        return DataRow(self.sheet, row, cells)

    def settle(self, row: DataRow, *, totals: str | None = None) -> bool:
        """File the row's issues; True (accepted) unless a totals row or any error."""
        self.issues.extend(row.issues)
        if totals or any(i.severity == "error" for i in row.issues):
            self.count.rejected += 1
            return False
        self.count.accepted += 1
        return True


def data_rows(rows: list[list[Any]], header_at: int) -> Iterator[tuple[int, list[Any]]]:
    """(1-based row number, cells) of every non-blank row below the header at ``header_at``."""
    for r in range(header_at + 1, len(rows)):
        if not blank_row(rows[r]):
            yield r + 1, rows[r]
