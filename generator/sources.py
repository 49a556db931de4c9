"""Which files under the input folders are agent books, and how each one is named.

:func:`discover` walks the folders without following links out of them and without
entering the output folder; it groups ``工号_姓名_<sheet>.csv`` files into one source
per agent. What it finds but cannot take (a spreadsheet format we do not read, a link
pointing outside) becomes a source that carries its problem, so the report has a line
for it instead of silence. A name that is not valid UTF-8 (a zip unpacked from a
Chinese Windows machine) is shown decoded as GB18030, with a warning.

    >>> [s.display for s in discover(Path("sample_data"))]   # doctest: +SKIP
    ['1001_张三.xlsx', 'team2/1002_李四_*.csv']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

from .schema import AGENT_SHEET, Sheet, match_sheet, normalize_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")
# Spreadsheets agents keep that we do not read: each gets a report line with a
# "save as .xlsx" hint. calamine could open .xls/.xlsb/.ods, but it allocates the
# whole cell rectangle first (a 6 KB .xls naming cell IV65536 took 1 GB) and these
# formats cannot be bounded beforehand the way zipguard bounds an .xlsx.
OTHER_FORMATS = {
    ".xls": "旧版 Excel 97-2003 工作簿（.xls）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".ods": "OpenDocument 表格（.ods）",
    ".et": "WPS 表格文件（.et）",
    ".ett": "WPS 表格模板（.ett）",
    ".numbers": "Apple Numbers 表格（.numbers）",
}
_LINK_OUT = ("file-outside-input", "它指向输入文件夹以外的位置")
_AGENT = normalize_header(AGENT_SHEET)
# Excel names a copied sheet "成交客户 (2)", WPS "成交客户(2)" or "成交客户 - 副本"; agents
# add "（旧）", "-备份" or a year ("成交客户2025"). Each still stands for 成交客户.
_COPY = re.compile(r"^(.+?)\s*(?:[(（][^()（）]{1,8}[)）]|[-_－—\s]*(?:副本|备份|copy)\s*\d*|[-_\s]*\d{1,4}\s*年?)$",
                   re.IGNORECASE)

Problem = tuple[str, str]  # (issue code, detail)


@dataclass(frozen=True)
class Source:
    """One agent's input: a workbook, or the CSV files sharing a ``工号_姓名_`` prefix."""

    path: Path  # the workbook, or the first CSV of the group
    files: tuple[Path, ...]
    kind: Literal["xlsx", "csv", "other"]
    display: str  # relative to the input folder, posix style, always valid text
    stem: str  # "1001_张三"
    problem: Problem | None = None  # set: reported as this file-level issue, never read
    warnings: tuple[tuple[str, str], ...] = ()  # (issue code, value) said on the book


def sheet_for(title: str) -> Sheet | None:
    """The data sheet a worksheet (or CSV tail) names, copies included:
    ``成交客户清单`` and ``成交客户 (2)`` both stand for 成交客户."""
    sheet = match_sheet(title)
    if sheet is None and (m := _COPY.match(title.strip())):
        sheet = match_sheet(m[1])
    return sheet


def discover(inputs: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], *,
             exclude: Sequence[str | os.PathLike[str]] = ()) -> list[Source]:
    """Sources under files and folders (recursive), in relative-path order.

    Takes ``.xlsx``/``.xlsm``/``.csv``; skips Excel lock files (``~$*``), hidden
    files and the ``exclude`` folders (the output folder, when it sits inside the
    input). A file named explicitly is taken whatever its extension, so the user
    hears why it cannot be read instead of seeing it silently ignored.

    >>> discover(Path("books"), exclude=[Path("books/out")])  # doctest: +SKIP
    """
    paths = [Path(inputs)] if isinstance(inputs, (str, os.PathLike)) else [Path(p) for p in inputs]
    skip = {Path(p).resolve() for p in exclude}
    sources: list[Source] = []
    seen: set[Path] = set()
    for root in paths:
        if root.is_dir():
            found = _group(_walk(root, skip), root)
        elif root.is_file():
            found = _group([(root, _format_problem(root))], root.parent, single=True)
        else:
            raise FileNotFoundError(f"找不到输入：{root}")
        for source in found:
            key = source.path.absolute() if source.problem else source.path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def _format_problem(path: Path) -> Problem | None:
    label = OTHER_FORMATS.get(path.suffix.lower())
    return ("file-format", label) if label else None


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _walk(root: Path, skip: set[Path]) -> list[tuple[Path, Problem | None]]:
    """Candidate files under ``root``, each with the problem that stops it being read.

    ``os.walk`` does not enter linked folders; a link (to a file or folder) that
    leads out of ``root`` is reported, one that stays inside is read where it lives.
    """
    real_root = root.resolve()
    found: list[tuple[Path, Problem | None]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        keep = []
        for name in dirs:
            path = here / name
            if name.startswith((".", "~$")):
                continue
            if path.is_symlink():
                if not _inside(path, real_root):
                    found.append((path, _LINK_OUT))
            elif path.resolve() not in skip:
                keep.append(name)
        dirs[:] = keep
        for name in files:
            path = here / name
            suffix = path.suffix.lower()
            if name.startswith((".", "~$")) or (suffix not in SUFFIXES and suffix not in OTHER_FORMATS):
                continue
            if path.is_symlink() and not _inside(path, real_root):
                found.append((path, _LINK_OUT))
            elif path.is_file():  # not a broken link, a FIFO or a device
                found.append((path, _format_problem(path)))
    found.sort(key=lambda entry: entry[0].relative_to(root).as_posix())
    return found


def readable_name(name: str) -> str:
    """A path component as valid text: a name that was not UTF-8 (it holds lone
    surrogates) is decoded from its bytes as GB18030, else shown with U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def csv_parts(name: str) -> tuple[str, str] | None:
    """(``工号_姓名``, sheet part) when a CSV file stem follows the naming convention."""
    prefix, sep, tail = name.rpartition("_")
    if sep and prefix and (sheet_for(tail) or normalize_header(tail) == _AGENT):
        return prefix, tail
    return None


def _group(entries: list[tuple[Path, Problem | None]], root: Path, *, single: bool = False) -> list[Source]:
    def shown(path: Path, name: str | None = None) -> str:
        parts = (path.name,) if single else path.relative_to(root).parts
        shown_parts = [readable_name(p) for p in parts]
        if name is not None:
            shown_parts[-1] = name
        return "/".join(shown_parts)

    def warnings(path: Path, display: str) -> tuple[tuple[str, str], ...]:
        parts = (path.name,) if single else path.relative_to(root).parts
        bad = any(readable_name(p) != p for p in parts)
        return (("file-name-encoding", display),) if bad else ()

    # Ordered entries: a lone file, or a CSV group keyed by (folder, 工号_姓名); a
    # group sits where its first file sorts.
    order: list[Path | tuple[Path, str]] = []
    groups: dict[tuple[Path, str], list[Path]] = {}
    problems = dict(entries)
    for path, problem in entries:
        stem = Path(readable_name(path.name)).stem
        parts = csv_parts(stem) if problem is None and path.suffix.lower() == ".csv" else None
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
            problem = problems[entry]
            kind: Literal["xlsx", "csv", "other"] = (
                "other" if problem else "csv" if entry.suffix.lower() == ".csv" else "xlsx")
            display = shown(entry)
            sources.append(Source(entry, () if problem else (entry,), kind, display,
                                  Path(readable_name(entry.name)).stem, problem, warnings(entry, display)))
        else:
            members = tuple(groups[entry])
            display = shown(members[0], f"{entry[1]}_*.csv")
            sources.append(Source(members[0], members, "csv", display, entry[1],
                                  warnings=warnings(members[0], display)))
    return sources
