"""A branch built locally and on a two-worker Dask ``LocalCluster``: equal outputs, flat
memory, bytes shipped linear in the number of agents, and the one-book rebuild (issue 15).

Usage (from the repository root, inside the venv with the ``cluster`` extra)::

    python -u bench/bench_cluster.py --agents 200 1000 2000 --rows 50 --rebuild-at 2000

For each branch size N it generates bench books (``bench_build.make_branch``, cached under
``bench/.data/``) and then, each build in a fresh process exactly as a user would call the
library (``generator.build(..., jobs=2)`` locally, ``generator.build(..., scheduler=ADDRESS)``
on the cluster):

1. **seeds the history**: a build dated a month earlier writes the previous snapshot, so the
   cluster run really ships a history map (the part that once grew with N²); the local and
   the cluster build each get their own copy of it;
2. builds the branch **locally** (process pool, ``--jobs``), history on, cache cold;
3. starts a fresh ``LocalCluster(n_workers=2, threads_per_worker=1)`` and builds the same
   branch **on it**, counting the bytes every process writes to and reads from its TCP
   comms (client, scheduler, workers), dask's own ``transfer_outgoing_bytes_total`` of the
   workers, and on the client the pickled size of every job, result and scatter;
4. **compares** the two outputs: every workbook's cells read back with python-calamine,
   every ``.ics`` file's text, ``branch.xlsx`` and ``report.json`` (minus any timings);
   exits non-zero at the first difference;
5. at ``--rebuild-at`` N: changes one book and rebuilds with the cache, locally (unchanged
   first, then one book changed) and on a cluster, site off unless ``--rebuild-site``.

Speed goals live here, never in unit tests: the machine is shared, so read the bytes,
the memory and the equality as the results and the wall times as context.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data"
TODAY = date(2026, 11, 23)
BEFORE = date(2026, 10, 23)  # the seeded previous snapshot
MIB = 1024 * 1024


# --- counters that run inside the client, the scheduler and the workers -------------------

def install_wire_counter() -> dict[str, int]:
    """Count the payload bytes this process writes to and reads from dask's TCP comms.

    Wraps ``TCP.write`` (which returns the bytes it queued, frame headers included) and
    the module's ``read_bytes_rw`` (every frame read; only the 8-byte length prefix of a
    message is not counted). Idempotent; returns the counts so far."""
    from distributed.comm import tcp

    counts = getattr(tcp, "_bench_wire", None)
    if counts is None:
        counts = tcp._bench_wire = {"sent": 0, "received": 0}  # type: ignore[attr-defined]
        write, read_rw = tcp.TCP.write, tcp.read_bytes_rw

        async def counted_write(self: Any, msg: Any, *args: Any, **kwargs: Any) -> int:
            n = await write(self, msg, *args, **kwargs)
            counts["sent"] += n
            return n

        async def counted_read(stream: Any, n: int) -> Any:
            buf = await read_rw(stream, n)
            counts["received"] += n
            return buf

        tcp.TCP.write = counted_write  # type: ignore[method-assign]
        tcp.read_bytes_rw = counted_read
    return dict(counts)


def wire_counts() -> dict[str, int]:
    from distributed.comm import tcp

    return dict(getattr(tcp, "_bench_wire", {"sent": 0, "received": 0}))


def worker_stats(dask_worker: Any) -> dict[str, float]:
    """Peak RSS and CPU of this worker process, and dask's own outgoing-transfer counter."""
    import resource

    use = resource.getrusage(resource.RUSAGE_SELF)
    return {"rss_mb": use.ru_maxrss / 1024, "cpu": use.ru_utime + use.ru_stime,
            "transfer_out": float(getattr(dask_worker, "transfer_outgoing_bytes_total", 0)),
            **{f"wire_{k}": float(v) for k, v in wire_counts().items()}}


def weigh_client() -> dict[str, list[int]]:
    """On the client: the pickled size of every job mapped, result fetched and object
    scattered (the library's own ``Client`` calls, wrapped, not replaced)."""
    import pickle

    from distributed import Client, Future

    sizes: dict[str, list[int]] = {"jobs": [], "results": [], "scatter": []}
    plain_map, plain_scatter, plain_result = Client.map, Client.scatter, Future.result

    def weighed_map(self: Any, func: Any, *iterables: Any, **kwargs: Any) -> Any:
        iterables = tuple(list(it) for it in iterables)
        for args in zip(*iterables):
            sizes["jobs"].append(len(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)))
        return plain_map(self, func, *iterables, **kwargs)

    def weighed_scatter(self: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        sizes["scatter"].append(len(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))
        return plain_scatter(self, data, *args, **kwargs)

    def weighed_result(self: Any, *args: Any, **kwargs: Any) -> Any:
        value = plain_result(self, *args, **kwargs)
        sizes["results"].append(len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        return value

    Client.map, Client.scatter, Future.result = weighed_map, weighed_scatter, weighed_result  # type: ignore
    return sizes


# --- one build in a fresh process ---------------------------------------------------------

def child(spec: dict[str, Any]) -> None:
    """Runs in the child process: one ``generator.build`` call, measured."""
    import resource

    sys.path.insert(0, str(ROOT))
    sizes = None
    if spec.get("scheduler"):
        install_wire_counter()
        sizes = weigh_client()
    from generator import build

    start = time.perf_counter()
    result = build(spec["books"], spec["out"], today=date.fromisoformat(spec["today"]), jobs=spec["jobs"],
                   scheduler=spec.get("scheduler"), history=spec["history"], use_cache=spec["cache"],
                   site=spec["site"])
    wall = time.perf_counter() - start
    agents = getattr(result, "agents", None)  # RunResult.agents (AgentResult); .books before
    agents = result.books if agents is None else agents
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "wall": wall, "agents": len(agents), "exit_code": result.exit_code,
        "rss_main_mb": me.ru_maxrss / 1024, "rss_pool_worker_mb": kids.ru_maxrss / 1024,
        "cpu_main": me.ru_utime + me.ru_stime, "cpu_children": kids.ru_utime + kids.ru_stime,
        "wire": wire_counts() if sizes is not None else None, "sizes": sizes,
    }))


def run_child(label: str, **spec: Any) -> dict[str, Any]:
    spec = {"today": TODAY.isoformat(), "jobs": 2, "cache": True, "site": False, **spec}
    spec = {k: str(v) if isinstance(v, Path) else v for k, v in spec.items()}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(process_wall=time.perf_counter() - start, load=(load, os.getloadavg()[0]))
    print(f"  {label}: {out['wall']:.1f}s in build() ({out['process_wall']:.1f}s process), "
          f"main RSS {out['rss_main_mb']:.0f} MiB, load {load:.1f}→{out['load'][1]:.1f}", flush=True)
    return out


def copy_db(src: Path, dest: Path) -> Path:
    """A consistent copy of an SQLite store (its WAL included)."""
    dest.unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    a.close()
    b.close()
    return dest


# --- equal outputs ------------------------------------------------------------------------

def _cells(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names]


def _without_timings(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_timings(v) for k, v in data.items() if k not in ("timings", "elapsed")}
    if isinstance(data, list):
        return [_without_timings(v) for v in data]
    return data


def _same_cells(a: Path, b: Path) -> int:
    """Number of cells compared; raises SystemExit at the first difference."""
    sa, sb = _cells(a), _cells(b)
    if [n for n, _ in sa] != [n for n, _ in sb]:
        raise SystemExit(f"NOT EQUAL: {a.name}: sheets {[n for n, _ in sa]} vs {[n for n, _ in sb]}")
    cells = 0
    for (name, rows_a), (_, rows_b) in zip(sa, sb):
        if rows_a != rows_b:
            row = next((i for i, (x, y) in enumerate(zip(rows_a, rows_b)) if x != y), min(len(rows_a), len(rows_b)))
            raise SystemExit(f"NOT EQUAL: {a.name} sheet {name} row {row + 1}: "
                             f"{rows_a[row:row + 1]} vs {rows_b[row:row + 1]} ({len(rows_a)} vs {len(rows_b)} rows)")
        cells += sum(len(r) for r in rows_a)
    return cells


def compare_outputs(a: Path, b: Path) -> dict[str, int]:
    """Local build ``a`` against cluster build ``b``: report.json, every workbook's cells,
    every .ics text and branch.xlsx. Raises SystemExit (non-zero exit) if anything differs."""
    ra = _without_timings(json.loads((a / "report.json").read_text(encoding="utf-8")))
    rb = _without_timings(json.loads((b / "report.json").read_text(encoding="utf-8")))
    if ra != rb:
        diff = [k for k in ra if ra.get(k) != rb.get(k)]
        files = [(x["path"], y["path"]) for x, y in zip(ra.get("files", []), rb.get("files", [])) if x != y]
        raise SystemExit(f"NOT EQUAL: report.json differs in {diff}; first files: {files[:3]}")
    seen = {"report_entries": len(ra["files"]), "workbooks": 0, "cells": 0, "ics": 0}
    for entry in ra["files"]:
        if entry.get("workbook"):
            seen["cells"] += _same_cells(a / entry["workbook"], b / entry["workbook"])
            seen["workbooks"] += 1
        if entry.get("calendar"):
            ta = (a / entry["calendar"]).read_text(encoding="utf-8")
            if ta != (b / entry["calendar"]).read_text(encoding="utf-8"):
                raise SystemExit(f"NOT EQUAL: {entry['calendar']}")
            seen["ics"] += 1
    seen["cells"] += _same_cells(a / "branch.xlsx", b / "branch.xlsx")
    return seen


# --- the benchmark ------------------------------------------------------------------------

class HeldResults:
    """Polls the scheduler (in this process) for the most task results the workers hold at
    once (a result stays in a worker's memory while the client holds its future) and the
    most jobs sent to the workers and not finished yet (each held there, deserialised)."""

    def __init__(self, scheduler: Any) -> None:
        import threading

        self.peak, self.queued_peak, self._scheduler, self._done = 0, 0, scheduler, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.wait(0.2):
            try:
                workers = list(self._scheduler.workers.values())
                held = sum(len(ws.has_what) for ws in workers)
                queued = sum(len(ws.processing) for ws in workers)
            except RuntimeError:  # changed while we counted
                continue
            self.peak, self.queued_peak = max(self.peak, held), max(self.queued_peak, queued)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def cluster_build(label: str, books: Path, out: Path, history: Path | None, **spec: Any) -> dict[str, Any]:
    """A fresh two-worker LocalCluster, one build on it, every process's counters read."""
    from distributed import Client, LocalCluster

    install_wire_counter()  # this process hosts the scheduler
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as helper:
        helper.run(install_wire_counter)
        sched0, workers0 = wire_counts(), helper.run(worker_stats)
        held = HeldResults(cluster.scheduler)
        res = run_child(label, books=books, out=out, history=history, scheduler=cluster.scheduler_address, **spec)
        held.stop()
        sched1, workers1 = wire_counts(), helper.run(worker_stats)
    res["scheduler_wire"] = {k: sched1[k] - sched0[k] for k in sched0}
    res["held_peak"], res["queued_peak"] = held.peak, held.queued_peak
    res["workers"] = {
        w: {"rss_mb": s["rss_mb"], "cpu": s["cpu"] - workers0[w]["cpu"],
            "transfer_out": s["transfer_out"] - workers0[w]["transfer_out"],
            "wire_sent": s["wire_sent"] - workers0[w]["wire_sent"],
            "wire_received": s["wire_received"] - workers0[w]["wire_received"]}
        for w, s in workers1.items()}
    return res


def bench_size(n: int, rows: int, jobs: int, rebuild: bool, rebuild_site: bool,
               cluster_only: bool = False) -> dict[str, Any]:
    from bench_build import make_branch, touch_one_book

    print(f"\n# {n} agents × {rows} policy rows", flush=True)
    books = make_branch(n, rows)
    base = DATA / f"cluster-{n}x{rows}"
    seed: dict[str, Any] | None = None
    if cluster_only and (base / "seed.db").is_file():  # the same books, dates and code: the same seed
        shutil.rmtree(base / "cluster", ignore_errors=True)
        print("  seed history: kept from the last run", flush=True)
    else:
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        seed = run_child("seed history (local, a month earlier)", books=books, out=base / "seed-out",
                         history=base / "seed.db", today=BEFORE.isoformat(), cache=False, jobs=jobs)
    local = None if cluster_only else run_child(f"local build (--jobs {jobs})", books=books, out=base / "local",
                                                history=copy_db(base / "seed.db", base / "local.db"), jobs=jobs)
    remote = cluster_build("LocalCluster build (2 workers × 1 thread)", books, base / "cluster",
                           copy_db(base / "seed.db", base / "cluster.db"))
    if local is None:
        return {"agents": n, "rows": rows, "seed": seed, "local": None, "cluster": remote}
    if remote["agents"] != local["agents"] or remote["exit_code"] != local["exit_code"]:
        raise SystemExit(f"NOT EQUAL: agents/exit code {local['agents']}/{local['exit_code']} locally, "
                         f"{remote['agents']}/{remote['exit_code']} on the cluster")
    clock = time.perf_counter()
    equal = compare_outputs(base / "local", base / "cluster")
    print(f"  equal: {equal} (compared in {time.perf_counter() - clock:.0f}s)", flush=True)
    row: dict[str, Any] = {"agents": n, "rows": rows, "seed": seed, "local": local, "cluster": remote,
                           "equal": equal}
    if rebuild:
        inc = DATA / f"cluster-inc-{n}x{rows}"  # same relative paths, so the cache applies
        shutil.rmtree(inc, ignore_errors=True)
        shutil.copytree(books, inc)
        row["rebuild_unchanged"] = run_child("local rebuild, nothing changed", books=inc, out=base / "local",
                                             history=base / "local.db", jobs=jobs)
        touch_one_book(inc)
        row["rebuild_one"] = run_child("local rebuild, one book changed", books=inc, out=base / "local",
                                       history=base / "local.db", jobs=jobs)
        row["rebuild_one_cluster"] = cluster_build("LocalCluster rebuild, one book changed", inc,
                                                   base / "cluster", base / "cluster.db")
        rb_a = _without_timings(json.loads((base / "local" / "report.json").read_text(encoding="utf-8")))
        rb_b = _without_timings(json.loads((base / "cluster" / "report.json").read_text(encoding="utf-8")))
        if rb_a != rb_b:
            raise SystemExit("NOT EQUAL: report.json after the one-book rebuild, local vs cluster")
        if rebuild_site:
            touch_one_book(inc)  # the same book changes again (one more row dropped)
            row["rebuild_one_site"] = run_child("local rebuild with the site on, one book changed", books=inc,
                                                out=base / "local", history=base / "local.db", jobs=jobs,
                                                site=True)
    return row


def summarise(row: dict[str, Any]) -> dict[str, float]:
    n, remote = row["agents"], row["cluster"]
    nan = float("nan")
    local = row["local"] or {"wall": nan, "cpu_main": nan, "cpu_children": nan, "rss_main_mb": nan,
                             "rss_pool_worker_mb": nan}
    wire, sched, workers = remote["wire"], remote["scheduler_wire"], remote["workers"].values()
    sizes = remote["sizes"] or {}
    return {
        "agents": n,
        "local_wall": local["wall"], "cluster_wall": remote["wall"],
        "local_cpu_per_agent": (local["cpu_main"] + local["cpu_children"]) / n,
        "cluster_cpu_per_agent": (remote["cpu_main"] + sum(w["cpu"] for w in workers)) / n,
        "rss_main_local": local["rss_main_mb"], "rss_pool_worker": local["rss_pool_worker_mb"],
        "rss_main_cluster": remote["rss_main_mb"], "rss_cluster_worker": max(w["rss_mb"] for w in workers),
        "client_sent_per_agent": wire["sent"] / n, "client_received_per_agent": wire["received"] / n,
        "scheduler_bytes_per_agent": (sched["sent"] + sched["received"]) / n,
        "scheduler_bytes": sched["sent"] + sched["received"],
        "workers_sent_per_agent": sum(w["wire_sent"] for w in workers) / n,
        "dask_transfer_out_per_agent": sum(w["transfer_out"] for w in workers) / n,
        "job_pickled_max": max(sizes.get("jobs") or [0]),
        "job_pickled_mean": sum(sizes.get("jobs") or [0]) / max(1, len(sizes.get("jobs") or [])),
        "jobs_mapped": len(sizes.get("jobs") or []),
        "result_pickled_mean": sum(sizes.get("results") or [0]) / max(1, len(sizes.get("results") or [])),
        "scatter_pickled_total": sum(sizes.get("scatter") or [0]),
        "scatters": len(sizes.get("scatter") or []),
        "results_held_peak": remote.get("held_peak", 0),
        "jobs_on_workers_peak": remote.get("queued_peak", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[200, 1000, 2000])
    parser.add_argument("--rows", type=int, default=50, help="policy rows per bench book (default 50)")
    parser.add_argument("--jobs", type=int, default=2, help="local process pool size")
    parser.add_argument("--rebuild-at", type=int, nargs="*", default=None,
                        help="sizes at which to time the one-book rebuild (default: the largest)")
    parser.add_argument("--rebuild-site", action="store_true", help="also time a rebuild with the site on")
    parser.add_argument("--json", type=Path, default=DATA / "bench_cluster.json", help="write every figure here")
    parser.add_argument("--dask-profile", choices=["on", "off"], default="on",
                        help="dask's statistical profiler in the workers (on: dask's default)")
    parser.add_argument("--cluster-only", action="store_true",
                        help="seed and cluster build only: no local build, no comparison")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    if args.dask_profile == "off":  # read by dask's config when the workers start
        os.environ["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] = "False"
    rebuild_at = set(args.rebuild_at if args.rebuild_at is not None else [max(args.agents)])
    started = time.perf_counter()
    rows = []
    for n in args.agents:
        rows.append(bench_size(n, args.rows, args.jobs, n in rebuild_at, args.rebuild_site, args.cluster_only))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    print(f"\n# summary ({args.rows} policy rows per agent; {time.perf_counter() - started:.0f}s in all)")
    cols = ["agents", "local_wall", "cluster_wall", "local_cpu_per_agent", "cluster_cpu_per_agent",
            "rss_main_local", "rss_pool_worker", "rss_main_cluster", "rss_cluster_worker",
            "scheduler_bytes_per_agent", "client_sent_per_agent", "client_received_per_agent",
            "workers_sent_per_agent", "dask_transfer_out_per_agent", "job_pickled_max", "result_pickled_mean",
            "scatter_pickled_total", "scatters", "results_held_peak",
            "jobs_on_workers_peak"]
    table = [summarise(r) for r in rows]
    for col in cols:
        print(f"{col:>28}: " + "  ".join(f"{t[col]:>12.3f}" if not abs(t[col]) >= 10 else f"{t[col]:>12,.0f}"
                                         for t in table))
    for r in rows:
        for key in ("rebuild_unchanged", "rebuild_one", "rebuild_one_cluster", "rebuild_one_site"):
            if key in r:
                print(f"{r['agents']} agents, {key}: {r[key]['wall']:.2f}s in build()")


if __name__ == "__main__":
    main()
