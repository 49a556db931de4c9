"""The history store: migrations, bad files, same-date replacement; record revision and trends."""

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from books import closed, prospect, write_book
from generator.models import AgentInfo, Book
from generator.enrich import enrich_book
from generator.history import (
    MIGRATIONS, SCHEMA_VERSION, HistoryError, Tier, client_stable_id, open_store, read_previous,
)
from generator.history_pages import GENERATED, history_pages, migration_page
from generator.pipeline import process_source
from generator.read import discover
from generator.rules import load_rules
from generator.workbook import write_agent_workbook

RULES = load_rules()
OCT, NOV = date(2026, 10, 20), date(2026, 11, 23)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrates_from_empty(tmp_path):
    with open_store(tmp_path / "h" / "pasture.db") as store:
        assert store.version == SCHEMA_VERSION == 3
        assert store.dates() == [] and store.series() == []
    assert {"schema_version", "runs", "agents", "clients", "issue_counts"} <= tables(tmp_path / "h" / "pasture.db")
    with open_store(tmp_path / "h" / "pasture.db") as store:  # reopening applies nothing twice
        assert store.version == 3


def test_migrates_v1_store_and_keeps_its_data(tmp_path):
    path = tmp_path / "pasture.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0][1] + """
        CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
        INSERT INTO runs VALUES ('2026-09-30', '2026-09-30T10:00:00', 1);
        INSERT INTO clients VALUES ('2026-09-30', 'A1', 'abc', 'closed', 'B', '耕耘', 1, 5000.0);
    """)
    conn.close()
    with open_store(path) as store:
        assert store.version == 3
        assert store.dates() == [date(2026, 9, 30)]
        assert store.previous_tiers("A1", before=OCT) == {"abc": Tier("B", "耕耘")}
        assert store.issue_counts() == {}
    with sqlite3.connect(path) as conn:
        assert "cve" in [r[1] for r in conn.execute("PRAGMA table_info(clients)")]
        assert "digest" in [r[1] for r in conn.execute("PRAGMA table_info(agents)")]


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "pasture.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(HistoryError, match="请升级 pasture"):
        open_store(path)


def test_corrupt_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "pasture.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(HistoryError) as info:
        open_store(path)
    assert "已损坏" in str(info.value) and "--no-history" in str(info.value)
    with pytest.raises(HistoryError, match="是一个文件夹"):
        open_store(tmp_path)


def test_locked_store_gives_a_clear_error(tmp_path):
    path = tmp_path / "pasture.db"
    open_store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another build holds the write lock
    try:
        with open_store(path, timeout=0.05) as store:
            with pytest.raises(HistoryError, match="正被另一个程序使用"):
                store.begin(OCT)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_deleted_store_is_rebuilt_empty(tmp_path):
    path = tmp_path / "pasture.db"
    books = _books(_write(tmp_path / "in"), OCT)
    with open_store(path) as store:
        store.record_snapshot(OCT, books)
    path.unlink()
    with open_store(path) as store:
        assert store.dates() == []


# -- two builds on different dates ---------------------------------------------------------

def _write(folder: Path, *, edited: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # In November the agent revised 李四 (now 一般/一般/一般: grade A → C) and 孙八's trust.
    li = closed(客户编号="C001", 投保人姓名="李四", 保单号="P1", **({"经济条件": "一般", "保险意识": "一般",
                                                            "影响力": "一般"} if edited else {}))
    rows = [
        li,
        closed(客户编号="C002", 投保人姓名="周五", 投保人电话="13812345679", 保单号="P2", 客户来源="转介绍",
               介绍人="C001", 信赖程度="高"),
        closed(客户编号="C003", 投保人姓名="孙八", 投保人电话="13812345670", 保单号="P3", 客户来源="陌生",
               经济条件="一般", 信赖程度="高" if edited else "低"),
    ]
    write_book(folder / "A1001_张三.xlsx", rows, [prospect(登记日期="2026-10-01")])
    return folder


def _books(folder: Path, today: date):
    return [process_source(s, RULES, today=today) for s in discover(folder)]


def _build(folder: Path, out: Path, db: Path, today: date):
    """The streaming order the pipeline follows: begin → (enrich, write, add) per book → commit."""
    with open_store(db) as store:
        store.begin(today)
        books = []
        for book in _books(folder, today):
            enrich_book(book, RULES, today=today, store=store)
            write_agent_workbook(book, RULES, out / f"{book.agent.agent_id}.xlsx", today=today)
            store.add_book(book)
            books.append(book)
        store.commit()
    return books


def test_two_builds_show_grade_changes_and_two_trend_points(tmp_path):
    db = tmp_path / "site" / "pasture.db"
    first = _build(_write(tmp_path / "oct"), tmp_path / "out1", db, OCT)
    assert first[0].grade_changes == [] and first[0].compared_with is None
    sheet = openpyxl.load_workbook(tmp_path / "out1" / "A1001.xlsx")["等级变化"]
    assert "第一次记录" in sheet.cell(3, 1).value

    second = _build(_write(tmp_path / "nov", edited=True), tmp_path / "out2", db, NOV)
    book = second[0]
    assert book.compared_with == OCT
    assert [(c.name, c.old_grade, c.old_quadrant, c.grade, c.quadrant, c.direction) for c in book.grade_changes] == [
        ("李四", "A", "宠爱", "C", "维系", "降级"), ("孙八", "C", "开发", "C", "维系", "象限变化")]
    wb = openpyxl.load_workbook(tmp_path / "out2" / "A1001.xlsx")
    names = wb.sheetnames  # after the record sheets, before the issues
    assert names.index("未成交客户") < names.index("等级变化") < names.index("转介绍") < names.index("数据问题")
    rows = list(wb["等级变化"].values)
    assert rows[0][:8] == ("客户编号", "姓名", "类别", "原等级", "原象限", "现等级", "现象限", "变化")
    assert rows[1][:8] == ("C001", "李四", "成交客户", "A", "宠爱", "C", "维系", "降级")
    assert rows[1][8] == RULES.quadrants.strategy["维系"]
    assert rows[1][9] == "；".join(RULES.actions["closed"]["C"])
    assert "与 2026-10-20 的记录相比，共 2 位客户" in rows[4][0]

    with open_store(db) as store:
        assert store.dates() == [OCT, NOV]
        points = store.series("agent", "A1001")
        assert [(p.label, p.clients, p.prospects, p.policies, p.premium) for p in points] == [
            ("2026-10", 3, 1, 3, 36000.0), ("2026-11", 3, 1, 3, 36000.0)]
        assert points[0].grades_closed == {"A": 2, "B": 0, "C": 1}  # 李四, 周五 A; 孙八 C
        assert points[1].grades_closed == {"A": 1, "B": 0, "C": 2}
        assert store.series("team", "晨星组") == store.series("branch", "东城营业部") == store.series()
        m = store.migration(OCT)
        assert (m.since, m.until, m.moved, m.new, m.gone) == (OCT, NOV, 2, 0, 0)
        assert m.moves["宠爱"]["维系"] == 1 and m.moves["开发"]["维系"] == 1
        assert m.moves["宠爱"]["宠爱"] == 1 and m.moves["开发"]["开发"] == 1  # 周五 and the prospect stay
        pages = history_pages(store, RULES)
        assert read_previous(db, "A1001", NOV).tiers == store.previous_tiers("A1001", NOV)
        assert store.previous_all(NOV) == {"A1001": store.previous("A1001", NOV)}
        assert store.previous_all(OCT) == {} and store.previous("A1001", OCT).date is None
    trends = pages[f"{GENERATED}/trends.md"]
    assert "共 2 个数据点（按月）" in trends and "2026-10" in trends and "2026-11" in trends
    assert "共有 2 位客户换了象限" in pages[f"{GENERATED}/migration.md"]
    assert any(k.startswith(f"{GENERATED}/trends/team-") for k in pages)
    for text in pages.values():  # the site never sees a client: no names, ids or stable ids
        for secret in ("李四", "孙八", "周五", "王五", "C001", client_stable_id("A1001", "C001")):
            assert secret not in text


def test_same_date_rerun_replaces_the_snapshot(tmp_path):
    db = tmp_path / "pasture.db"
    folder = _write(tmp_path / "in")
    for _ in range(2):
        _build(folder, tmp_path / "out", db, OCT)
    with open_store(db) as store:
        assert store.dates() == [OCT]
        assert [p.clients for p in store.series(period="run")] == [3]
        assert len(store.previous_tiers("A1001", NOV)) == 4  # 3 closed clients + 1 prospect
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 4
            assert conn.execute("SELECT count(*) FROM agents").fetchone()[0] == 1


def _agent_book(agent_id: str, clients: int) -> Book:
    book = Book(f"{agent_id}.xlsx", AgentInfo(agent_id, "代理"), kpis={"clients": clients})
    book.history_rows = [(f"{agent_id}-{n}", "closed", "A", "宠爱", 1, 100.0, None) for n in range(clients)]
    return book


def test_same_date_rerun_keeps_only_agents_recorded_from_the_same_result(tmp_path):
    def client_counts(store):
        return dict(store.conn.execute("SELECT agent_id, count(*) FROM clients GROUP BY agent_id").fetchall())

    with open_store(tmp_path / "pasture.db") as store:
        assert store.begin(OCT) == set()
        for agent_id, n, digest in (("A1", 2, "d1"), ("A2", 3, "d2"), ("A3", 1, None)):
            store.add_book(_agent_book(agent_id, n), digest=digest)
        store.commit()
        # Rerun: A1 unchanged (kept, not re-added); A2 changed; A3 has no digest; A4 new; A5 never seen.
        kept = store.begin(OCT, keep={"A1": "d1", "A2": "other", "A3": "x", "A5": "d5"})
        assert kept == {"A1"}
        assert client_counts(store) == {"A1": 2}  # everything not kept is gone inside the transaction
        store.add_book(_agent_book("A2", 1), digest="d2b")
        store.add_book(_agent_book("A4", 4))
        store.commit()
        assert client_counts(store) == {"A1": 2, "A2": 1, "A4": 4}
        assert store.dates() == [OCT]
        assert sorted(r[0] for r in store.conn.execute("SELECT agent_id FROM agents")) == ["A1", "A2", "A4"]


def test_unfinished_snapshot_leaves_the_old_one(tmp_path):
    db = tmp_path / "pasture.db"
    folder = _write(tmp_path / "in")
    _build(folder, tmp_path / "out", db, OCT)
    with open_store(db) as store:
        store.begin(OCT)  # same date: its rows are deleted inside the open transaction ...
        assert store.series() == []
    with open_store(db) as store:  # ... and come back because nothing was committed
        assert store.dates() == [OCT] and store.series()[0].clients == 3


def test_run_points_before_two_months_and_migration_needs_two_snapshots(tmp_path):
    db = tmp_path / "pasture.db"
    folder = _write(tmp_path / "in")
    _build(folder, tmp_path / "out", db, date(2026, 11, 2))
    with open_store(db) as store:
        assert "至少要有两次" in migration_page(store)
    _build(_write(tmp_path / "in2", edited=True), tmp_path / "out", db, NOV)
    with open_store(db) as store:
        assert [p.label for p in store.series()] == ["2026-11"]
        trends = history_pages(store, RULES)[f"{GENERATED}/trends.md"]
        assert "共 2 个数据点（按次）" in trends and "2026-11-02" in trends


def test_failed_book_keeps_issue_counts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "A9_坏.xlsx").write_bytes(b"")
    with open_store(tmp_path / "pasture.db") as store:
        books = _books(folder, OCT)
        enrich_book(books[0], RULES, today=OCT, store=store)
        store.record_snapshot(OCT, books)
        assert store.issue_counts() == {"file-empty": 1}
        assert store.series() == []
