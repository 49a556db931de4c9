"""Crash safety: every output appears whole or not at all (temporary file + rename),
and a run killed with SIGKILL mid-build leaves only whole files; a rerun gives the same
workbooks cell for cell."""

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

from generator import build, pipeline, workbook
from generator.xlsx_writer import atomic_workbook
from generator.models import AgentInfo, Book
from generator.rules import load_rules
from generator.sample import make_sample

TODAY = date(2026, 11, 23)
RULES = load_rules()


def _is_temporary(name: str) -> bool:
    return name.startswith(".") or name.endswith(".tmp")


def test_outputs_are_written_to_a_temporary_name_then_renamed(tmp_path, monkeypatch):
    moves = []
    real = os.replace

    def spy(src, dst):
        moves.append((Path(src), Path(dst)))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "w" / "A1_张三.xlsx"
    workbook.write_agent_workbook(Book("a.xlsx", AgentInfo("A1", "张三")), RULES, target, today=TODAY)
    pipeline.write_json(tmp_path / "report.json", {"a": 1})
    assert [dst for _, dst in moves] == [target, tmp_path / "report.json"]
    for src, dst in moves:
        assert src.parent == dst.parent and _is_temporary(src.name)  # same folder: an atomic rename


def test_a_failed_write_leaves_neither_output_nor_temporary(tmp_path):
    target = tmp_path / "x.xlsx"
    with pytest.raises(RuntimeError):
        with atomic_workbook(target, created=TODAY) as wb:
            wb.add_worksheet("a").write_string(0, 0, "half")
            raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"old")
    loop: dict = {}
    loop["self"] = loop  # json.dump fails half-way through
    with pytest.raises(ValueError):
        pipeline.write_json(target.with_suffix(".json"), loop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"] and target.read_bytes() == b"old"


def _check_whole(out: Path) -> tuple[int, list[str]]:
    """Every visible workbook opens and report.json parses; returns (count, leftovers)."""
    books = out / "workbooks"
    opened = 0
    leftovers = []
    for path in sorted(books.iterdir()) if books.exists() else []:
        if _is_temporary(path.name):
            leftovers.append(path.name)
            continue
        assert path.suffix == ".xlsx"
        wb = openpyxl.load_workbook(path, read_only=True)
        assert "成交客户" in wb.sheetnames
        wb.close()
        opened += 1
    report = out / "report.json"
    if report.exists():
        json.loads(report.read_text(encoding="utf-8"))
    leftovers += [p.name for p in out.iterdir() if p.name.startswith(".report.json")]
    return opened, leftovers


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.values) for ws in wb.worksheets}


@pytest.mark.slow
def test_kill_9_mid_build_leaves_only_whole_files(tmp_path):
    books = tmp_path / "in"
    make_sample(books, agents=30, seed=1, today=TODAY, rows=300)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "generator", "build", str(books), "--out", str(out), "--no-site",
           "--today", TODAY.isoformat(), "--jobs", "2"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for attempt in range(2):  # the second kill lands on a folder that already has outputs
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        deadline = time.monotonic() + 60
        # Kill once the first workbook is being written (≈1 s after start on a laptop).
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "workbooks").exists() and any((out / "workbooks").iterdir()):
                break
            time.sleep(0.05)
        time.sleep(0.3 + attempt * 0.5)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and its pool workers
        proc.wait(timeout=30)
        if attempt == 0:
            assert proc.returncode == -signal.SIGKILL  # killed mid-build, not finished
        opened, leftovers = _check_whole(out)
        assert all(_is_temporary(name) for name in leftovers)

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    opened, _ = _check_whole(out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert opened >= sum(1 for f in report["files"] if f["workbook"]) == 30

    fresh = tmp_path / "fresh"
    sources = sorted(books.glob("*.xlsx"))[:3]
    result = build(sources, fresh, today=TODAY)
    by_name = {f["path"]: f["workbook"] for f in report["files"]}
    for book in result.agents:
        assert _cells(out / by_name[book.source]) == _cells(fresh / book.output), book.source
