"""Benchmark `pasture build` against the floor of bare libraries.

Usage (from the repository root, inside the venv)::

    python bench/bench_build.py --agents 10 200 --rows 800 --repeat 3

For each branch size it generates books with `pasture sample` (cached under
``bench/.data/``), then runs the full build ``--repeat`` times in a fresh process
and reports the median wall time, per-stage CPU seconds summed over agents (read,
validate, classify, workbook, site), rows/s, agents/s and peak memory (RSS of the main
process and of the largest worker). It also measures:

* the **floor**: the same files read with python-calamine and the same workbooks'
  cells written with xlsxwriter, no logic, over the same number of processes;
* a **rebuild** after changing one book (the cache should redo only that agent);
* the **copy floor** (issue 15): each input book read with python-calamine and its own
  cells written back with bare xlsxwriter, CPU per agent, against the build's CPU per agent
  (main process + workers + site engine). ``--cpu-only --site`` prints just that ratio.

Speed goals live here, never in unit tests: the machine is noisy, compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
TODAY = date(2026, 11, 23)


def make_branch(agents: int, rows: int, seed: int = 1) -> Path:
    folder = DATA / f"branch-{agents}x{rows}-s{seed}"
    if not (folder / ".done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        from generator.sample import make_sample

        make_sample(folder, agents=agents, seed=seed, today=TODAY, rows=rows)
        (folder / ".done").write_text("ok")
    return folder


def run_build(books: Path, out: Path, jobs: int, site: bool, fresh: bool = True, engine: str = "mkdocs") -> dict:
    """One build in a child process; returns wall seconds, peak RSS and stage sums."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    code = (
        "import json,resource,sys,time\n"
        "from datetime import date\n"
        "from generator import build\n"
        "t=time.perf_counter()\n"
        f"r=build({str(books)!r},{str(out)!r},today=date(2026,11,23),jobs={jobs},site={site},"
        f"site_engine={engine!r})\n"
        "wall=time.perf_counter()-t\n"
        "stages={}\n"
        "for b in r.agents:\n"
        "  for k,v in b.timings.items(): stages[k]=stages.get(k,0)+v\n"
        "rows=sum(b.totals.read for b in r.agents)\n"
        "print(json.dumps({'wall':wall,'stages':stages,'rows':rows,'agents':len(r.agents),"
        "'rss_main_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,"
        "'rss_worker_mb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,\n"
        "'cpu':sum(getattr(resource.getrusage(w),a) for w in (resource.RUSAGE_SELF,resource.RUSAGE_CHILDREN)"
        " for a in ('ru_utime','ru_stime')),"
        "'cpu_main':sum(getattr(resource.getrusage(resource.RUSAGE_SELF),a) for a in ('ru_utime','ru_stime'))}))\n"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - start
    return result


def _cells_of(args: tuple[str, str]) -> None:
    """Untimed preparation: the built workbook's cell values, pickled for the floor."""
    import pickle

    from python_calamine import CalamineWorkbook

    built, dest = args
    wb = CalamineWorkbook.from_path(built)
    sheets = [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names]
    Path(dest).write_bytes(pickle.dumps(sheets, protocol=pickle.HIGHEST_PROTOCOL))


def _floor_one(args: tuple[str, str, str]) -> None:
    """Read one book with calamine; write the built workbook's cells with bare xlsxwriter."""
    import pickle

    import xlsxwriter
    from python_calamine import CalamineWorkbook

    src, cells, dest = args
    wb = CalamineWorkbook.from_path(src)
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    out = xlsxwriter.Workbook(dest, {"strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    for name, rows in pickle.loads(Path(cells).read_bytes()):
        ws = out.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    out.close()


def floor(books: Path, built: Path, jobs: int, repeat: int) -> list[float]:
    """Wall times of the floor: calamine read + plain xlsxwriter write, same processes.

    The built workbooks' cells are extracted beforehand (not timed), so the floor pays
    only for reading the input and writing the same cells.
    """
    from generator.read import discover

    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    by_path = {f["path"]: f for f in report["files"]}
    tmp = DATA / "floor-out"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tasks, prep = [], []
    for i, source in enumerate(discover(books)):
        entry = by_path.get(source.display)
        if source.kind == "xlsx" and entry and entry["workbook"]:
            prep.append((str(built / entry["workbook"]), str(tmp / f"{i}.cells")))
            tasks.append((str(source.path), str(tmp / f"{i}.cells"), str(tmp / f"{i}.xlsx")))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_cells_of, prep, chunksize=4))
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_floor_one, tasks, chunksize=4))
        walls.append(time.perf_counter() - start)
    shutil.rmtree(tmp, ignore_errors=True)
    return walls


def _copy_one(args: tuple[str, str]) -> float:
    """Copy floor of one book: its own cells read with calamine, written back with bare
    xlsxwriter (no formats, no logic). Returns the CPU seconds it took."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    src, dest = args
    start = time.process_time()
    wb = CalamineWorkbook.from_path(src)
    out = xlsxwriter.Workbook(dest, {"strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    for name in wb.sheet_names:
        ws = out.add_worksheet(name)
        for r, row in enumerate(wb.get_sheet_by_name(name).to_python()):
            ws.write_row(r, 0, row)
    out.close()
    return time.process_time() - start


def copy_floor(books: Path, jobs: int) -> float:
    """Per-agent CPU seconds of the copy floor (issue 15): each input book read with
    python-calamine and its own cells written back with xlsxwriter, no logic."""
    from generator.read import discover

    tmp = DATA / "copy-out"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tasks = [(str(s.path), str(tmp / f"{i}.xlsx")) for i, s in enumerate(discover(books)) if s.kind == "xlsx"]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        cpu = list(pool.map(_copy_one, tasks, chunksize=4))
    shutil.rmtree(tmp, ignore_errors=True)
    return sum(cpu) / max(1, len(cpu))


def touch_one_book(books: Path) -> None:
    """Change one book's content (drop its last policy row) to test the incremental rebuild."""
    import openpyxl

    target = sorted(books.glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(target)
    ws = wb["成交客户"]
    ws.delete_rows(ws.max_row)
    wb.save(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--rows", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--floor-repeat", type=int, default=None,
                        help="floor runs (default: --repeat, at most 3)")
    parser.add_argument("--site", action="store_true", help="include the site build")
    parser.add_argument("--site-engine", choices=["mkdocs", "zensical"], default="mkdocs")
    parser.add_argument("--cpu-only", action="store_true",
                        help="only per-agent CPU against the copy floor (no old floor, no rebuilds)")
    args = parser.parse_args()
    print(f"# pasture build benchmark — {args.jobs} jobs, {args.rows} policy rows/agent, median of {args.repeat}")
    for n in args.agents:
        books = make_branch(n, args.rows)
        out = DATA / f"out-{n}"
        runs = []
        for n_run in range(args.repeat):
            runs.append(run_build(books, out, args.jobs, args.site, engine=args.site_engine))
            print(f"  [{n} agents] build run {n_run + 1}: {runs[-1]['wall']:.2f}s, "
                  f"CPU {runs[-1]['cpu'] / n:.3f}s/agent, main RSS {runs[-1]['rss_main_mb']:.0f} MiB", flush=True)
        walls = [r["wall"] for r in runs]
        med = runs[walls.index(statistics.median_low(walls))]
        # Copy floor in the same run, so the ratio compares like with like on a shared machine.
        copy = copy_floor(books, args.jobs)
        cpu = statistics.median(r["cpu"] for r in runs) / n
        print(f"\n## {n} agents: per-agent CPU {cpu:.3f}s (site {'on, ' + args.site_engine if args.site else 'off'}), "
              f"copy floor {copy:.3f}s → {cpu / copy:.2f}× the copy floor", flush=True)
        if args.cpu_only:
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(med["stages"].items()))
            print(f"per-stage wall in the workers (summed over agents): {stages}")
            print(f"CPU per agent: main process {med['cpu_main'] / n:.3f}s (index, history, report.json, "
                  f"branch.xlsx, site), workers and site engine {(med['cpu'] - med['cpu_main']) / n:.3f}s")
            continue
        floors = floor(books, out, args.jobs, args.floor_repeat or max(1, min(args.repeat, 3)))
        print(f"  [{n} agents] floor runs: {', '.join(f'{f:.2f}s' for f in floors)}", flush=True)
        fl = statistics.median(floors)
        # Incremental: the same books under another folder keep their relative paths, so the
        # last run's cache in `out` applies; rebuild unchanged, then change one book.
        inc_books = DATA / f"inc-{n}"
        shutil.rmtree(inc_books, ignore_errors=True)
        shutil.copytree(books, inc_books)
        same = run_build(inc_books, out, args.jobs, args.site, fresh=False, engine=args.site_engine)
        touch_one_book(inc_books)
        inc = run_build(inc_books, out, args.jobs, args.site, fresh=False, engine=args.site_engine)
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(med["stages"].items()))
        print(f"\n## {n} agents ({med['rows']} rows)")
        print(f"build wall (median): {statistics.median(walls):.2f}s  [runs: {', '.join(f'{w:.2f}' for w in walls)}]")
        print(f"per-stage CPU (summed over agents): {stages}")
        print(f"throughput: {med['rows'] / med['wall']:.0f} rows/s, {med['agents'] / med['wall']:.1f} agents/s")
        print(f"peak RSS: main {med['rss_main_mb']:.0f} MiB, largest worker {med['rss_worker_mb']:.0f} MiB")
        print(f"floor (calamine read + bare xlsxwriter write): {fl:.2f}s  → build/floor = {statistics.median(walls) / fl:.2f}")
        print(f"rebuild with nothing changed: {same['wall']:.2f}s; after changing one book: {inc['wall']:.2f}s")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
