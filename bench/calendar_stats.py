"""Count what an agent sees in each built workbook's 服务日历 (the issue 12 targets).

Usage (after ``bench_build.py`` has built ``bench/.data/out-N``)::

    python bench/calendar_stats.py bench/.data/out-10 [--today 2026-11-23] [--json before.json]
    python bench/calendar_stats.py bench/.data/out-10 --against before.json

Per agent: calendar rows, rows per section, the oldest date, overdue rows per
(client, task kind) at most, .ics events. With ``--against`` (a file written by an
earlier ``--json``) it prints each agent's rows as a share of the earlier count.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook


def stats(workbook: Path, today: date) -> dict:
    wb = load_workbook(workbook, read_only=True)
    ws = wb["服务日历"]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    col = {h: i for i, h in enumerate(header)}
    kind = col.get("任务", col.get("类型"))
    n, oldest, sections, overdue = 0, None, Counter(), Counter()
    for row in rows:
        if not row or row[col["日期"]] is None:
            continue
        n += 1
        day = row[col["日期"]]
        day = day.date() if isinstance(day, datetime) else day
        oldest = day if oldest is None or day < oldest else oldest
        sections[row[col["分组"]]] += 1
        if row[col["分组"]] == "逾期":
            overdue[(row[col["客户编号"]], row[kind])] += 1
    wb.close()
    ics = workbook.parent.parent / "calendars" / (workbook.stem + ".ics")
    events = ics.read_bytes().count(b"BEGIN:VEVENT") if ics.exists() else None
    return {"rows": n, "sections": dict(sections), "oldest": oldest.isoformat() if oldest else None,
            "oldest_ok": oldest is None or oldest >= today - timedelta(days=365),
            "max_overdue_per_client_kind": max(overdue.values(), default=0), "ics_events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--against", type=Path, help="compare with figures written earlier")
    args = parser.parse_args()
    found = {p.stem: stats(p, args.today) for p in sorted((args.out / "workbooks").glob("*.xlsx"))}
    before = json.loads(args.against.read_text(encoding="utf-8")) if args.against else {}
    for agent, s in found.items():
        share = f"  {s['rows'] / before[agent]['rows']:.0%} of {before[agent]['rows']}" if agent in before else ""
        print(f"{agent}: {s['rows']} rows{share}; sections {s['sections']}; oldest {s['oldest']}"
              f" (within a year: {s['oldest_ok']}); overdue rows per client+kind ≤ {s['max_overdue_per_client_kind']};"
              f" .ics events {s['ics_events']}")
    if args.json:
        args.json.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
