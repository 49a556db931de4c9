"""Two runs, one output folder: the second is refused (exit 3), workbooks never mix
agents, temporary names are unique per run, and leftovers of a killed run are swept."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from generator import build
from generator.exits import BUSY
from generator.runlock import OutputBusy, lock_run, sweep_leftovers
from generator.sample import make_sample

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent


def _pasture(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args]


def _build_cmd(books: Path, out: Path, *extra: str) -> list[str]:
    return _pasture("build", str(books), "--out", str(out), "--no-site", "--today", TODAY.isoformat(), *extra)


def _clients(path: Path, sheet: str, column: str) -> set[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = wb[sheet].iter_rows(values_only=True)
    header: list = []
    while column not in header:  # a title row may come first
        header = list(next(rows))
    at = header.index(column)
    names = {str(r[at]) for r in rows if r[at] is not None}
    wb.close()
    return names


def _assert_workbooks_match_sources(out: Path, books: Path) -> None:
    """Every workbook in the report holds exactly the clients of its own source book."""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in report["files"]:
        if not entry["workbook"]:
            continue
        theirs = _clients(out / entry["workbook"], "成交客户", "投保人姓名") | _clients(
            out / entry["workbook"], "未成交客户", "姓名")
        source = books / entry["path"]
        mine = _clients(source, "成交客户", "投保人姓名") | _clients(source, "未成交客户", "姓名")
        assert theirs <= mine and theirs, entry["path"]
        wb = openpyxl.load_workbook(out / entry["workbook"], read_only=True)
        title = next(wb["总览"].iter_rows(values_only=True))[0]
        wb.close()
        assert entry["agent_id"] in title, (entry["workbook"], title)
        checked += 1
    assert checked == len(list((out / "workbooks").glob("[!.]*.xlsx")))


@pytest.fixture(scope="module")
def two_branches(tmp_path_factory):
    """Two input folders with different agents (A1001… and, renamed, B…)."""
    root = tmp_path_factory.mktemp("branches")
    first, second = root / "first", root / "second"
    make_sample(first, agents=16, seed=3, today=TODAY, rows=120, messy=False)
    make_sample(second, agents=4, seed=9, today=TODAY, rows=40, messy=False)
    return first, second


@pytest.mark.slow  # three `pasture build` child processes, one of them 16 agents with --jobs 1
def test_second_concurrent_build_is_refused_and_books_never_mix(tmp_path, two_branches):
    first, second = two_branches
    out = tmp_path / "out"
    slow = subprocess.Popen(_build_cmd(first, out, "--jobs", "1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        lock = out / ".pasture.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lock.exists() and str(slow.pid) in lock.read_text()):
            time.sleep(0.05)
        refused = subprocess.run(_build_cmd(second, out), capture_output=True, text=True, timeout=120)
        still_running = slow.poll() is None
    finally:
        _, err = slow.communicate(timeout=600)
    assert still_running, "the first build ended before the second started; the test proved nothing"
    assert refused.returncode == BUSY, refused.stderr
    assert "正被另一个 pasture build 使用" in refused.stderr and str(slow.pid) in refused.stderr
    assert "Traceback" not in refused.stderr
    assert slow.returncode in (0, 1), err[-2000:]
    _assert_workbooks_match_sources(out, first)
    # Afterwards the folder is free again: the second branch builds into it normally.
    again = subprocess.run(_build_cmd(second, out), capture_output=True, text=True, timeout=600)
    assert again.returncode in (0, 1), again.stderr[-2000:]
    _assert_workbooks_match_sources(out, second)


def test_a_shared_history_store_is_locked_too(tmp_path, two_branches):
    _, second = two_branches
    db = tmp_path / "site" / "pasture.db"
    with lock_run(tmp_path / "other-out", db):
        with pytest.raises(OutputBusy) as busy:
            build(second, tmp_path / "out", today=TODAY, history=db)
    assert ".pasture.db.lock" in str(busy.value.path)
    assert not (tmp_path / "out" / "workbooks").exists()  # refused before writing anything
    build(second, tmp_path / "out", today=TODAY, history=db)  # released on leaving the block


def test_lock_is_released_when_its_holder_is_killed(tmp_path, two_branches):
    _, second = two_branches
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from generator.runlock import lock_run\n"
        "with lock_run(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)"), str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusy):
            build(second, out, today=TODAY, history=False)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    result = build(second, out, today=TODAY, history=False)  # no stale lock to clear by hand
    assert all(b.output for b in result.agents)


def test_temporary_names_are_unique_per_run(tmp_path):
    seen = set()
    for _ in range(2):
        with lock_run(tmp_path) as run:
            seen.add(run.temp_name(1, ".xlsx"))
    assert len(seen) == 2 and all(str(os.getpid()) in name for name in seen)


def test_leftover_temporaries_are_swept_on_the_next_run(tmp_path, two_branches):
    _, second = two_branches
    out = tmp_path / "out"
    build(second, out, today=TODAY, history=False)
    planted = [out / "workbooks" / ".part-000001.xlsx", out / "workbooks" / ".part-123-abcd-000002.ics",
               out / "workbooks" / ".~pasture-0f0f.tmp", out / ".report.json.x1y2.tmp",
               out / "calendars" / ".A1001.ics.q9.tmp", out / ".cache" / "agents" / ".k3j.tmp",
               out / "workbooks" / ".move-000003.xlsx", out / ".~pasture-1234.tmp"]
    for path in planted:
        path.write_bytes(b"left by a killed run")
    keep = [out / "workbooks" / "notes.txt", out / ".pasture.lock"]
    keep[0].write_text("not ours to delete")
    result = build(second, out, today=TODAY, history=False)
    assert [p for p in planted if p.exists()] == []
    assert all(p.exists() for p in keep)
    assert all((out / b.output).is_file() for b in result.agents if b.output)


def test_sweep_never_follows_a_link(tmp_path):
    target = tmp_path / "precious.tmp"
    target.write_text("keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".x.tmp").symlink_to(target)
    assert sweep_leftovers(tmp_path / "out") == []
    assert target.read_text() == "keep"
