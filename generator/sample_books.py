"""The sample books as data (示例数据的计划): what :mod:`generator.sample` draws and writes.

A :class:`SampleBook` is one agent's book before it is written: its sheets as rows of
cells, and the deliberate problems planted in it (:mod:`generator.sample_problems`), each
with the sheet, Excel row, column and issue code the validator should report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

Cell = str | int | float | date | None


@dataclass(frozen=True)
class Problem:
    """One deliberate mistake in a sample book."""

    sheet: str
    row: int  # 1-based Excel row (CSV: line number); 0 for a header-level problem
    column: str
    code: str  # the issue code (generator.issues) the validator should report
    note: str


@dataclass
class SheetPlan:
    headers: list[str]
    rows: list[list[Cell]]
    title: str | None = None  # a title line above the header
    spacer: bool = False  # a blank row between title and header

    @property
    def header_row(self) -> int:
        """1-based row of the header."""
        return 1 + (1 if self.title else 0) + (1 if self.spacer else 0)



@dataclass
class SampleBook:
    """One agent's book, ready to write."""

    agent: dict[str, str]  # 工号, 姓名, 手机, 团队, 营业部 (in that order)
    sheets: dict[str, SheetPlan]
    csv: bool = False
    encodings: dict[str, str] = field(default_factory=dict)  # CSV sheet → encoding
    problems: list[Problem] = field(default_factory=list)
    #: Untidy but accepted values (phones with spaces, +86, dashes, stored as numbers).
    untidy: list[Problem] = field(default_factory=list)
    _marks: list[tuple[str, int, str, str, str]] = field(default_factory=list, repr=False)

    @property
    def stem(self) -> str:
        return f"{self.agent['工号']}_{self.agent['姓名']}"

    @property
    def clean(self) -> bool:
        """No deliberate problem and no untidy value."""
        return not self.problems and not self.untidy

    def mark(self, sheet: str, index: int, column: str, code: str, note: str) -> None:
        """Remember a problem at a data-row index (``-1``: the header); an empty ``code`` marks
        an untidy but accepted value. Turned into Excel rows by :meth:`place_marks`."""
        self._marks.append((sheet, index, column, code, note))

    def place_marks(self) -> None:
        """Once the layout is final (title rows, totals row), turn the marks into problems."""
        for sheet_name, index, column, code, note in self._marks:
            row = 0 if index < 0 else self.sheets[sheet_name].header_row + 1 + index
            (self.problems if code else self.untidy).append(Problem(sheet_name, row, column, code, note))
        self._marks.clear()
