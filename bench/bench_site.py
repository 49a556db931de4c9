"""Time the site (course pages + dashboards) at branch scale, with either engine.

Usage (from the repository root, inside the venv)::

    python bench/bench_site.py OUT --agents 20 200 2000 --engine mkdocs zensical

``OUT`` is the output folder of a real build (``report.json``). Its agents are repeated
under new 工号 (and one team per ten agents) until the report holds N agents, so the
dashboards get N agent rows and N/10 team pages from real KPIs; no workbook is built.
Each site build runs in a fresh process (history off); the script prints wall seconds and
CPU seconds (that process and its children, e.g. zensical's) per size and engine, and
the CPU per agent, which stays flat when the site is linear.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scaled_report(report: dict, agents: int) -> dict:
    """``report`` with its agents repeated (new 工号, name, team) up to ``agents`` of them."""
    base = [f for f in report["files"] if f.get("status") != "failed"]
    files = []
    for i in range(agents):
        entry = copy.deepcopy(base[i % len(base)])
        entry["agent_id"] = f"B{i + 1:05d}"
        entry["agent_name"] = f"{entry['agent_name']}{i + 1}"
        entry["team"] = f"{entry.get('team') or '团队'}{i // 10 + 1}"
        entry["path"] = f"{entry['agent_id']}_{entry['agent_name']}.xlsx"
        files.append(entry)
    scaled = dict(report, files=files)
    factor = agents / max(1, len(report["files"]))
    totals = dict(report["totals"])
    for key in ("files", "ok", "warnings", "failed", "rows", "issues"):
        if isinstance(totals.get(key), int):
            totals[key] = round(totals[key] * factor)
    scaled["totals"] = totals
    return scaled


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from generator.rules import load_rules
from generator.site_pages import build_dashboard_site
report = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
start = time.perf_counter()
built = build_dashboard_site(report, load_rules(None), Path(sys.argv[2]), engine=sys.argv[3])
wall = time.perf_counter() - start
cpu = sum(getattr(resource.getrusage(w), a) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for a in ("ru_utime", "ru_stime"))
pages = sum(1 for _ in Path(sys.argv[2]).rglob("*.html"))
print(json.dumps({"wall": wall, "cpu": cpu, "pages": pages, "issues": len(built.issues)}))
"""


def time_site(report: dict, engine: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        path = Path(tmp) / "report.json"
        path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(Path(tmp) / "site"), engine],
                              capture_output=True, text=True, cwd=ROOT, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"site build failed ({engine}):\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output folder of a real build (its report.json)")
    parser.add_argument("--agents", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--engine", nargs="+", choices=["mkdocs", "zensical"], default=["mkdocs", "zensical"])
    args = parser.parse_args()
    report = json.loads((args.out / "report.json").read_text(encoding="utf-8"))
    print("| agents | engine | wall | CPU | CPU per agent | html pages |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.agents:
        scaled = scaled_report(report, n)
        for engine in args.engine:
            if engine == "zensical" and shutil.which("zensical") is None:
                try:
                    __import__("zensical")
                except ImportError:
                    print(f"| {n} | zensical | not installed | | | |", flush=True)
                    continue
            r = time_site(scaled, engine)
            print(f"| {n} | {engine} | {r['wall']:.1f} s | {r['cpu']:.1f} s | {r['cpu'] / n:.3f} s | {r['pages']} |",
                  flush=True)


if __name__ == "__main__":
    main()
