"""The one pipeline: read → validate → classify → (plan) → write.

Library entry points, callable without the CLI::

    from generator import build, validate
    result = build(["sample_data"], "out")
    result.exit_code        # 0 all accepted, 1 something rejected
    report_dict(result)     # what out/report.json holds

One broken file never stops the others: a file that cannot be used becomes a
``failed`` entry of the report and the run goes on.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from .classify import classify_book
from .issues import RowCount, make_issue
from .models import AgentInfo, Book, RunResult
from .read import Source, UnreadableFile, discover, read_source
from .rules import Rules, load_rules
from .safety import safe_filename
from .validate import validate_book
from .workbook import write_agent_workbook

log = logging.getLogger(__name__)

OnBook = Callable[[Book], None]
PathLike = str | os.PathLike[str]


def process_source(source: Source, rules: Rules, *, today: date) -> Book:
    """Read, validate and classify one agent's source. Never raises for bad input."""
    try:
        raw = read_source(source)
    except UnreadableFile as exc:
        return _failed(source, exc.code, exc.detail)
    except Exception as exc:  # a reader bug must not take the whole branch down
        log.exception("unexpected error reading %s", source.display)
        return _failed(source, "file-unreadable", f"读取时出现意外错误（{type(exc).__name__}）")
    book = validate_book(raw, rules, today=today)
    classify_book(book, rules, today=today)
    return book


def _failed(source: Source, code: str, detail: str) -> Book:
    agent_id, _, name = source.stem.partition("_")
    issue = make_issue(code, file=source.display, detail=detail)
    return Book(source=source.display, agent=AgentInfo(agent_id=agent_id or source.stem, name=name),
                status="failed", issues=[issue])


def _inputs(inputs: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(inputs, (str, os.PathLike)):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


def _sources(inputs: PathLike | Iterable[PathLike]) -> list[Source]:
    sources: list[Source] = []
    for path in _inputs(inputs):
        sources.extend(discover(path))
    return sources


def validate(
    inputs: PathLike | Iterable[PathLike],
    *,
    rules: Rules | None = None,
    today: date | None = None,
    on_book: OnBook | None = None,
) -> RunResult:
    """Check books without writing anything; the result carries every issue."""
    rules = rules or load_rules()
    today = today or date.today()
    books = []
    for source in _sources(inputs):
        book = process_source(source, rules, today=today)
        books.append(book)
        if on_book:
            on_book(book)
    return RunResult(books=books, today=today)


def build(
    inputs: PathLike | Iterable[PathLike],
    out_dir: PathLike,
    *,
    rules: Rules | None = None,
    today: date | None = None,
    on_book: OnBook | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunResult:
    """Validate, grade and write one workbook per usable book plus ``report.json``."""
    rules = rules or load_rules()
    today = today or date.today()
    out = Path(out_dir)
    workbooks = out / "workbooks"
    workbooks.mkdir(parents=True, exist_ok=True)
    sources = _sources(inputs)
    if on_start:
        on_start(len(sources))
    books: list[Book] = []
    used: set[str] = set()
    for source in sources:
        book = process_source(source, rules, today=today)
        if book.status != "failed":
            name = _unique_name(book.agent, used)
            write_agent_workbook(book, rules, workbooks / name, today=today)
            book.output = f"workbooks/{name}"
        books.append(book)
        if on_book:
            on_book(book)
    result = RunResult(books=books, today=today, out_dir=out)
    write_json(out / "report.json", report_dict(result))
    return result


def _unique_name(agent: AgentInfo, used: set[str]) -> str:
    """`<工号>_<姓名>.xlsx`, made safe; a clash gets a numbered suffix, never an overwrite."""
    base = safe_filename(f"{agent.agent_id}_{agent.name}".rstrip("_"), "agent")
    name, n = f"{base}.xlsx", 2
    while name.casefold() in used:
        name, n = f"{base}_{n}.xlsx", n + 1
    used.add(name.casefold())
    return name


def report_dict(result: RunResult) -> dict[str, Any]:
    """The run as plain data: what report.json and `--json` print."""
    files = []
    totals = RowCount()
    by_code: dict[str, int] = {}
    status_count = {"ok": 0, "warnings": 0, "failed": 0}
    severity = {"error": 0, "warning": 0}
    for book in result.books:
        rows = book.totals
        totals.add(rows)
        status_count[book.status] += 1
        for issue in book.issues:
            by_code[issue.code] = by_code.get(issue.code, 0) + 1
            severity[issue.severity] += 1
        files.append({
            "path": book.source,
            "agent_id": book.agent.agent_id,
            "agent_name": book.agent.name,
            "team": book.agent.team,
            "branch": book.agent.branch,
            "status": book.status,
            "rows": rows.to_dict(),
            "sheets": {name: count.to_dict() for name, count in book.rows.items()},
            "workbook": book.output,
            "kpis": book.kpis,
            "issues": [
                {k: v for k, v in issue.to_dict().items() if k != "file"} for issue in book.issues
            ],
        })
    return {
        "today": result.today.isoformat(),
        "files": files,
        "totals": {
            "files": len(result.books),
            **status_count,
            "rows": totals.to_dict(),
            "issues": severity,
            "by_code": dict(sorted(by_code.items())),
        },
        "exit_code": result.exit_code,
    }


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
