"""Per-agent CPU of one worker, stage by stage, in this process (issue 15 item 2 levers).

Usage (repository root, inside the venv)::

    python bench/bench_agent.py BOOKS --books 3 --out OUT [--profile FILE.prof]
    python bench/bench_agent.py --compare OUT_A OUT_B
    python bench/bench_agent.py BOOKS --books 3 --sheets

The first form runs what a pool worker runs for each of the first ``--books`` books of
BOOKS (read → validate → classify → plan, the workbook, the ``.ics``) and the copy floor
of the same books, and prints CPU seconds per agent for each stage as one JSON line. The
first book's warm-up (imports, lunar memo) is counted, as a worker pays it too.

Run it alternately from two checkouts (``PYTHONPATH=/path/to/checkout``) in one session
to measure a lever: the machine is shared, so only runs close in time compare.

``--sheets`` shares the workbook's CPU out by sheet: filling each sheet, and xlsxwriter's
close (XML, shared strings, zip) in proportion to the cells each sheet holds.

``--compare`` checks that two output folders hold the same workbooks and calendars:
every part of every ``.xlsx`` byte for byte and every ``.ics`` byte for byte; for a
workbook whose parts differ it says which parts, and reads both back cell by cell
(value, number format, font, fill, alignment, quote prefix, link) to say how.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import shutil
import sys
import time
import zipfile
from dataclasses import astuple
from datetime import date, datetime
from pathlib import Path

TODAY = date(2026, 11, 23)


def measure(books: Path, n: int, out: Path, profile: Path | None = None) -> dict[str, float]:
    """CPU seconds per agent of each worker stage over the first ``n`` books of ``books``."""
    from generator.pipeline import phone_uses, process_source, reminder_days, write_ics
    from generator.read import discover
    from generator.rules import load_rules
    from generator.workbook import write_agent_workbook

    rules = load_rules()
    sources = [s for s in discover(books) if s.kind == "xlsx"][:n]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cpu = {"read_plan": 0.0, "workbook": 0.0, "ics": 0.0}
    prof = cProfile.Profile() if profile else None
    stamp = datetime.combine(TODAY, datetime.min.time())
    for i, source in enumerate(sources):
        if prof:
            prof.enable()
        t0 = time.process_time()
        book = process_source(source, rules, today=TODAY)
        book.extras["phones"] = [list(astuple(u)) for u in phone_uses(book)]  # as run_job does
        t1 = time.process_time()
        write_agent_workbook(book, rules, out / f"{i:03d}.xlsx", today=TODAY)
        t2 = time.process_time()
        write_ics(book.tasks or [], book.agent, out / f"{i:03d}.ics", today=TODAY,
                  remind_days=reminder_days(rules), stamp=stamp)
        t3 = time.process_time()
        if prof:
            prof.disable()
        cpu["read_plan"] += t1 - t0
        cpu["workbook"] += t2 - t1
        cpu["ics"] += t3 - t2
    if prof and profile:
        prof.dump_stats(str(profile))
    floor = 0.0
    for i, source in enumerate(sources):
        floor += _copy_cpu(source.path, out / f"floor-{i:03d}.xlsx")
        (out / f"floor-{i:03d}.xlsx").unlink()
    result = {k: v / len(sources) for k, v in cpu.items()}
    result["total"] = sum(result.values())
    result["copy_floor"] = floor / len(sources)
    result["ratio"] = result["total"] / result["copy_floor"]
    return result


def sheet_costs(books: Path, n: int, out: Path) -> dict[str, dict[str, float]]:
    """CPU per agent of filling each sheet, the cells it holds, and xlsxwriter's close
    (sheet XML, shared strings, styles, zip) shared out by cells: where the workbook's CPU goes."""
    from xlsxwriter.workbook import Workbook

    from generator import roundtrip, workbook, workbook_calendar, workbook_clients
    from generator.pipeline import process_source
    from generator.read import discover
    from generator.rules import load_rules

    fill: dict[str, float] = {}
    cells: dict[str, int] = {}
    close = [0.0]

    def timed(owner: object, name: str, label: object) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            t = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                key = label(*args) if callable(label) else str(label)
                fill[key] = fill.get(key, 0.0) + time.process_time() - t
        setattr(owner, name, wrapper)

    timed(workbook._Writer, "records", lambda self, sheet, *a: sheet.name)
    for name, label in (("overview", "总览"), ("referrals", "转介绍"), ("grade_changes", "等级变化"),
                        ("issues", "数据问题"), ("help", "说明")):
        timed(workbook._Writer, name, label)
    timed(workbook_calendar.CalendarSheets, "_calendar", "服务日历")
    timed(workbook_calendar.CalendarSheets, "_greetings", "节日问候")
    timed(workbook_clients, "write_clients", "客户档案")
    timed(workbook, "write_agent_sheet", roundtrip.AGENT_SHEET)
    original_close = Workbook.close

    def close_and_count(self: Workbook) -> None:
        for ws in self.worksheets():
            cells[ws.name] = cells.get(ws.name, 0) + sum(len(r) for r in ws.table.values())
        t = time.process_time()
        original_close(self)
        close[0] += time.process_time() - t
    Workbook.close = close_and_count  # type: ignore[method-assign]
    rules = load_rules()
    sources = [s for s in discover(books) if s.kind == "xlsx"][:n]
    out.mkdir(parents=True, exist_ok=True)
    for i, source in enumerate(sources):
        book = process_source(source, rules, today=TODAY)
        workbook.write_agent_workbook(book, rules, out / f"sheets-{i:03d}.xlsx", today=TODAY)
    Workbook.close = original_close  # type: ignore[method-assign]
    total = sum(cells.values())
    return {name: {"cells": cells[name] / len(sources), "fill": fill.get(name, 0.0) / len(sources),
                   "close_share": close[0] * cells[name] / total / len(sources)}
            for name in sorted(cells, key=lambda k: -cells[k])}


def _copy_cpu(src: Path, dest: Path) -> float:
    """The copy floor with bare xlsxwriter as installed (its own zip level, not Pasture's)."""
    from xlsxwriter import workbook as xw

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_build import _copy_one

    ours, xw.ZipFile = xw.ZipFile, zipfile.ZipFile  # type: ignore[misc]
    try:
        return _copy_one((str(src), str(dest)))
    finally:
        xw.ZipFile = ours  # type: ignore[misc]


def compare(a: Path, b: Path) -> list[str]:
    """Differences between two folders of workbooks and calendars (empty: identical)."""
    problems: list[str] = []
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            problems.append(f"{name}: only in {'B' if not pa.exists() else 'A'}")
        elif name.endswith(".xlsx"):
            parts = _differing_parts(pa, pb)
            if parts:
                problems.append(f"{name}: parts differ: {', '.join(parts)}")
                problems += [f"{name}: {d}" for d in _cell_differences(pa, pb)[:20]]
        elif pa.read_bytes() != pb.read_bytes():
            problems.append(f"{name}: bytes differ")
    return problems


def _differing_parts(pa: Path, pb: Path) -> list[str]:
    with zipfile.ZipFile(pa) as za, zipfile.ZipFile(pb) as zb:
        members = sorted(set(za.namelist()) | set(zb.namelist()))
        return [m for m in members if m not in za.namelist() or m not in zb.namelist()
                or za.read(m) != zb.read(m)]


def _cell_differences(pa: Path, pb: Path) -> list[str]:
    import openpyxl

    wa, wb = openpyxl.load_workbook(pa), openpyxl.load_workbook(pb)
    out: list[str] = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} vs {wb.sheetnames}"]
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        if (sa.max_row, sa.max_column) != (sb.max_row, sb.max_column):
            out.append(f"{name}: size {sa.max_row}×{sa.max_column} vs {sb.max_row}×{sb.max_column}")
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows()):
            for ca, cb in zip(ra, rb):
                if _cell_key(ca) != _cell_key(cb):
                    out.append(f"{name}!{ca.coordinate}: {_cell_key(ca)} vs {_cell_key(cb)}")
        if len(sa.data_validations.dataValidation) != len(sb.data_validations.dataValidation):
            out.append(f"{name}: data validations differ")
        if len(sa._charts) != len(sb._charts):
            out.append(f"{name}: charts differ")
    return out


def _cell_key(c: object) -> tuple[object, ...]:
    f, fill, al = c.font, c.fill, c.alignment  # type: ignore[attr-defined]
    link = c.hyperlink.location if c.hyperlink else None  # type: ignore[attr-defined]
    return (c.value, c.data_type, c.number_format, f.b, f.sz, f.color and f.color.rgb, f.u,  # type: ignore[attr-defined]
            fill.fgColor.rgb if fill and fill.fill_type else None, al.wrap_text, al.horizontal,
            c.quotePrefix, link)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("books", nargs="?", type=Path)
    parser.add_argument("--books", dest="n", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / ".data" / "agent-out")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--sheets", action="store_true", help="CPU per sheet: filling it and its share of close")
    args = parser.parse_args()
    if args.compare:
        problems = compare(*args.compare)
        print("\n".join(problems) if problems else "identical")
        raise SystemExit(1 if problems else 0)
    if args.sheets:
        for name, row in sheet_costs(args.books, args.n, args.out).items():
            print(f"{name}\t{row['cells']:8.0f} cells\tfill {row['fill']:.3f}s\tclose share {row['close_share']:.3f}s")
        return
    result = measure(args.books, args.n, args.out, args.profile)
    import generator

    print(json.dumps({"code": str(Path(generator.__file__).parent.parent), **{k: round(v, 4) for k, v in result.items()}}))


if __name__ == "__main__":
    main()
