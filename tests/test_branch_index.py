"""The branch index (generator/branch_index.py): phone uses and history rows parked on
disk give the same cross-agent findings as the in-memory PhoneIndex, and a rebuild
reuses what is already there."""

import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import build
from generator.branch_index import INDEX_NAME, BranchIndex
from generator.history import open_store
from generator.integrity import PhoneIndex, PhoneUse
from generator.models import AgentInfo

from corpus.make_corpus import TODAY

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
PHONES = [f"1380000{n:04d}" for n in range(6)]
NAMES = ["张三", "张 三", "李四", "王五", "赵六", ""]

use = st.builds(lambda phone, name, sheet, row: PhoneUse(phone, name, sheet, row, "电话", "C"),
                st.sampled_from(PHONES), st.sampled_from(NAMES), st.sampled_from(["成交客户", "未成交客户"]),
                st.integers(2, 40))
agent_books = st.lists(st.tuples(st.sampled_from([None, *PHONES[:3]]), st.lists(use, max_size=8)),
                       min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(agent_books)
def test_findings_equal_the_in_memory_index(books):
    memory = PhoneIndex(suspect_min_rows=2)
    with BranchIndex() as disk:
        sources = []
        for n, (phone, uses) in enumerate(books):
            agent = AgentInfo(f"A{n}", f"代理{n}", phone=phone)
            source = f"{n:02d}.xlsx"
            sources.append(source)
            memory.add(source, agent, uses)
            disk.put(source, "k", agent, phones=uses, history_rows=None)
        assert disk.findings(sources, suspect_min_rows=2) == memory.findings()


def test_put_replaces_and_keep_only_forgets(tmp_path):
    path = tmp_path / INDEX_NAME
    agent = AgentInfo("A1", "张三")
    with BranchIndex(path) as index:
        index.put("a.xlsx", "k1", agent, phones=[PhoneUse("13800000001", "李四", "成交客户", 2, "电话", "C")],
                  history_rows=[("c1", "closed", "A", "宠爱", 1, 10.0, None)])
        index.put("a.xlsx", "k2", agent, phones=[], history_rows=[("c2", "prospect", "B", "开发", 0, 0.0, None)])
        index.put("b.xlsx", "k3", AgentInfo("B1", "王五"), phones=[], history_rows=None)
    with BranchIndex(path) as index:  # it is a file: it outlives the run
        assert index.key("a.xlsx") == "k2" and index.phone_uses("a.xlsx") == []
        assert index.history_rows("a.xlsx") == [("c2", "prospect", "B", "开发", 0, 0.0, None)]
        assert index.history_rows("b.xlsx") is None
        index.keep_only(["b.xlsx"])
        assert index.key("a.xlsx") is None and index.key("b.xlsx") == "k3"


def test_a_damaged_or_foreign_index_starts_afresh(tmp_path):
    path = tmp_path / INDEX_NAME
    path.write_bytes(b"not a database at all" * 100)
    with BranchIndex(path) as index:
        assert index.key("a.xlsx") is None
        index.put("a.xlsx", "k", AgentInfo("A1", "张三"), phones=[], history_rows=[])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET format = 999")
    conn.commit()
    conn.close()
    with BranchIndex(path) as index:
        assert index.key("a.xlsx") is None


def _history_clients(out: Path) -> dict[str, int]:
    store = open_store(out / "pasture.db")
    try:
        rows = store.conn.execute(
            "SELECT agent_id, COUNT(*) FROM clients WHERE run_date = ? GROUP BY agent_id", (TODAY.isoformat(),))
        return dict(rows.fetchall())
    finally:
        store.close()


def test_rebuild_reuses_the_index_and_records_full_history(tmp_path):
    books, out = tmp_path / "books", tmp_path / "out"
    shutil.copytree(SAMPLE, books)
    first = build(books, out, today=TODAY)
    counts = _history_clients(out)
    assert len(counts) == sum(1 for b in first.agents if b.status != "failed") and all(counts.values())
    entries = {p: p.stat().st_mtime_ns for p in (out / ".cache" / "agents").glob("*.json")}
    report1 = json.loads((out / "report.json").read_text(encoding="utf-8"))
    stamps = {b.output: (out / b.output).stat().st_mtime_ns for b in first.agents if b.output}

    second = build(books, out, today=TODAY)  # nothing changed
    assert _history_clients(out) == counts  # the cached agents' rows came from the index
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["files"] == report1["files"]
    flagged = {b.output for b in second.agents if any(i.code.startswith(("cross-agent", "branch-", "phone-is-other"))
                                                     for i in b.issues)}
    untouched = {p for p, t in entries.items() if p.stat().st_mtime_ns == t}
    assert len(untouched) >= len(entries) - len(flagged)  # reused entries are not rewritten
    for output, stamp in stamps.items():
        if output not in flagged:
            assert (out / output).stat().st_mtime_ns == stamp

    (out / ".cache" / INDEX_NAME).unlink()  # without the index a cached result is not enough
    third = build(books, out, today=TODAY)
    assert _history_clients(out) == counts
    assert all((out / b.output).stat().st_mtime_ns != stamps[b.output] for b in third.agents if b.output)
    wb = openpyxl.load_workbook(out / third.agents[0].output, read_only=True)
    assert "服务日历" in wb.sheetnames
    wb.close()
