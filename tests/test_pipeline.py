"""End to end on the committed sample: the expected issues, balanced accounting, and
workbooks whose grades, read back cell by cell, are what the rules define."""

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from generator import build
from generator.classify import ratings_of
from generator.pipeline import report_dict
from generator.read import discover
from generator.rules import load_rules
from generator.sample import plan_sample

from conftest import assert_same_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
TODAY = date(2026, 11, 23)
RULES = load_rules()


@pytest.fixture(scope="module")
def built(sample_build):
    """The session's sample build (conftest): keep_records=True, jobs=2."""
    return sample_build.result, sample_build.out


def test_sample_issues_are_exactly_the_planned_ones(built):
    result, _ = built
    plans = {b.stem: b for b in plan_sample(agents=12, seed=7, today=TODAY, csv_agents=1)}
    assert len(result.agents) == len(plans)
    for book in result.agents:
        plan = plans[f"{book.agent.agent_id}_{book.agent.name}"]
        found = {(i.sheet, i.code) for i in book.issues}
        expected = {(p.sheet, p.code) for p in plan.problems}
        assert found == expected, book.source
        rows_found = {(i.sheet, i.row, i.code) for i in book.issues if i.code != "unknown-column"}
        for p in plan.problems:
            if p.row:
                assert (p.sheet, p.row, p.code) in rows_found
        assert (book.status == "ok") == plan.clean


def test_report_balances_and_matches_result(built):
    result, out = built
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report == json.loads(json.dumps(report_dict(result), ensure_ascii=False, default=str))
    for f in report["files"]:
        assert f["rows"]["read"] == f["rows"]["accepted"] + f["rows"]["rejected"]
        for counts in f["sheets"].values():
            assert counts["read"] == counts["accepted"] + counts["rejected"]
        rejected_rows = {(i["sheet"], i["row"]) for i in f["issues"] if i["severity"] == "error"}
        assert len(rejected_rows) == f["rows"]["rejected"]
    assert report["exit_code"] == result.exit_code == 1


def _sheet_dicts(ws):
    rows = ws.iter_rows(values_only=True)
    headers = next(rows)
    return [dict(zip(headers, r)) for r in rows]


@pytest.fixture(scope="module")
def opened(built):
    """Every workbook of the shared build, opened once (openpyxl: ~0.25 s each)."""
    result, out = built
    return {book.output: openpyxl.load_workbook(out / book.output) for book in result.agents if book.output}


def test_workbook_grades_are_the_rules_grades(built, opened):
    result, out = built
    for book in result.agents:
        wb = opened[book.output]
        rows = _sheet_dicts(wb["成交客户"])
        assert len(rows) == len(book.book.closed)
        for rec, row in zip(book.book.closed, rows):
            expected = RULES.grade("closed", ratings_of(rec))
            assert row["等级"] == expected
            assert row["经济条件"] == rec.get("economy")
            assert row["保单号"] == rec.get("policy_no")
            assert row["象限"] == rec.quadrant
        prospects = _sheet_dicts(wb["未成交客户"])
        assert [r["等级"] for r in prospects] == [RULES.grade("prospect", ratings_of(r)) for r in book.book.prospects]


def test_every_rating_combination_graded_in_sample(built):
    result, _ = built
    seen = {tuple(ratings_of(r).values()) for b in result.agents for r in b.book.closed}
    assert len(seen) == 8


def test_one_broken_file_does_not_stop_the_others(tmp_path):
    import shutil

    books = tmp_path / "books"
    books.mkdir()
    for good in ("A1001_罗然.xlsx", "A1002_唐颖雪.xlsx", "A1003_马悦.xlsx"):  # before and after the bad ones
        shutil.copy(SAMPLE / good, books / good)
    (books / "A1002x_empty.xlsx").write_bytes(b"")
    (books / "zz_text.xlsx").write_text("这不是表格", encoding="utf-8")
    result = build(books, tmp_path / "out", today=TODAY, jobs=2)
    status = {b.source: b.status for b in result.agents}
    assert status["A1002x_empty.xlsx"] == "failed" and status["zz_text.xlsx"] == "failed"
    assert sum(1 for s in status.values() if s != "failed") == 3
    assert len(list((tmp_path / "out" / "workbooks").glob("*.xlsx"))) == 3
    codes = {b.source: b.issues[0].code for b in result.agents if b.status == "failed"}
    assert codes == {"A1002x_empty.xlsx": "file-empty", "zz_text.xlsx": "file-unreadable"}


def test_rebuild_gives_same_cells(tmp_path):
    src = [s for s in discover(SAMPLE) if s.stem.startswith("A1003")]
    a = build([src[0].path], tmp_path / "a", today=TODAY)
    b = build([src[0].path], tmp_path / "b", today=TODAY)
    wa = openpyxl.load_workbook(tmp_path / "a" / a.agents[0].output)
    wb = openpyxl.load_workbook(tmp_path / "b" / b.agents[0].output)
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames:
        assert list(wa[name].values) == list(wb[name].values)


def test_agent_name_collision_never_overwrites(tmp_path):
    from books import closed, write_book

    books = tmp_path / "books"
    books.mkdir()
    write_book(books / "one.xlsx", [closed()], agent={"工号": "A1", "姓名": "张三"})
    write_book(books / "two.xlsx", [closed()], agent={"工号": "A1", "姓名": "张三"})
    write_book(books / "three.xlsx", [closed()], agent={"工号": "../../evil", "姓名": "x/y"})
    result = build(books, tmp_path / "out", today=TODAY)
    outputs = sorted(b.output for b in result.agents)
    assert len(set(outputs)) == 3
    for o in outputs:
        path = (tmp_path / "out" / o).resolve()
        assert path.is_file() and (tmp_path / "out" / "workbooks").resolve() in path.parents


def test_jobs_do_not_change_results(tmp_path, built):
    result2, out2 = built  # built with jobs=2
    result1 = build(SAMPLE, tmp_path / "one", today=TODAY, jobs=1)
    r1 = json.loads((tmp_path / "one" / "report.json").read_text(encoding="utf-8"))
    r2 = json.loads((out2 / "report.json").read_text(encoding="utf-8"))
    assert r1 == r2
    for book in result1.agents:
        assert_same_workbook(tmp_path / "one" / book.output, out2 / book.output)
    assert not list((tmp_path / "one" / "workbooks").glob(".part-*"))


def test_results_carry_no_books_by_default(tmp_path):
    result = build([SAMPLE / "A1001_罗然.xlsx", SAMPLE / "A1002_唐颖雪.xlsx"], tmp_path / "o", today=TODAY)
    assert len(result.agents) == 2
    assert all(b.book is None and b.history_rows is None and not b.phones for b in result.agents)
    assert sum(b.kpis.get("policies", 0) for b in result.agents) > 0


def test_rebuild_redoes_only_changed_books(tmp_path):
    import shutil
    import time as _time

    books = tmp_path / "books"
    shutil.copytree(SAMPLE, books)
    out = tmp_path / "out"
    first = build(books, out, today=TODAY)
    stamps = {b.output: (out / b.output).stat().st_mtime_ns for b in first.agents if b.output}
    report1 = json.loads((out / "report.json").read_text(encoding="utf-8"))
    _time.sleep(0.01)
    # Change one book: drop its last policy row.
    target = books / "A1002_唐颖雪.xlsx"
    wb = openpyxl.load_workbook(target)
    ws = wb["成交客户"]
    ws.delete_rows(ws.max_row)
    wb.save(target)
    second = build(books, out, today=TODAY)
    changed = [b.output for b in second.agents if (out / b.output).stat().st_mtime_ns != stamps.get(b.output)]
    assert changed == ["workbooks/A1002_唐颖雪.xlsx"]
    report2 = json.loads((out / "report.json").read_text(encoding="utf-8"))
    before = {f["path"]: f for f in report1["files"]}
    after = {f["path"]: f for f in report2["files"]}
    assert after["A1002_唐颖雪.xlsx"]["kpis"]["policies"] == before["A1002_唐颖雪.xlsx"]["kpis"]["policies"] - 1
    assert {k: v for k, v in after.items() if k != "A1002_唐颖雪.xlsx"} == \
        {k: v for k, v in before.items() if k != "A1002_唐颖雪.xlsx"}
    # A removed book's workbook goes away with it.
    target.unlink()
    third = build(books, out, today=TODAY)
    assert not (out / "workbooks" / "A1002_唐颖雪.xlsx").exists()
    assert len(third.agents) == len(first.agents) - 1


def test_calendar_sheet_and_ics_for_every_agent(built, opened):
    import icalendar

    result, out = built
    today_somewhere = 0
    for book in result.agents:
        wb = opened[book.output]
        assert wb.sheetnames[1] == "服务日历"
        rows = _sheet_dicts(wb["服务日历"])
        assert len(rows) == book.kpis["calendar"]["total"] == len(book.book.tasks)
        buckets = [r["分组"] for r in rows]
        order = ["今天", "本周", "逾期", "30天内", "以后"]
        assert buckets == sorted(buckets, key=order.index)  # the order an agent works in
        today_somewhere += buckets.count("今天")
        late = [(r["客户编号"], r["任务"]) for r in rows if r["分组"] == "逾期"]
        assert late and len(late) == len(set(late))  # one overdue row per client and task kind
        assert min(r["日期"].date() for r in rows) >= TODAY - timedelta(days=365)
        assert all(r["完成"] is None and r["结果"] is None for r in rows)
        cal = icalendar.Calendar.from_ical((out / book.calendar_output).read_bytes())
        events = [c for c in cal.walk("VEVENT")]
        # One event per calendar row, except the overdue rows: one 逾期清单 per task kind.
        assert len(events) == len(rows) - len(late) + len({kind for _, kind in late})
        lists = [e for e in events if str(e["SUMMARY"]).startswith("【逾期】")]
        assert sum(int(str(e["SUMMARY"]).rsplit("：", 1)[1].removesuffix(" 项")) for e in lists) == len(late)
        assert len({str(e["UID"]) for e in events}) == len(events)
    assert today_somewhere > 0


def test_history_rerun_same_day_with_workers(sample_build_copy):
    """Workers read earlier snapshots while the run is open; a same-day rerun (which
    replaces that day's snapshot) must not lock them out."""
    from generator.history import open_store

    out = sample_build_copy  # the first run: the shared build (jobs=2), with its pasture.db
    assert (out / "pasture.db").is_file()
    result = build(SAMPLE, out, today=TODAY, jobs=2, use_cache=False)
    assert result.exit_code == 1 and len(result.agents) == 12
    store = open_store(out / "pasture.db")
    assert store.dates() == [TODAY]
    store.close()
