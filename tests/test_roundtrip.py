"""The done loop: the written workbook read back as an input book."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from generator import build
from generator.roundtrip import DERIVED_HEADERS, done_date, task_tag, workbook_agent
from generator.schema import normalize_header

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)
BOOK = ROOT / "sample_data" / "A1001_罗然.xlsx"
# Codes that would mean a derived column or a workbook-only sheet was misread.
DERIVED_CODES = {"unknown-column", "duplicate-column", "agent-info-missing"}


def _books(result):
    """The whole books a records-keeping run hands back (AgentResult.book)."""
    return [r.book for r in result.agents]


def _build(src: Path, out: Path) -> Any:
    return build([src], out, today=TODAY, history=False, use_cache=False, keep_records=True)


def _header(ws: Any) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _calendar_rows(ws: Any) -> list[dict[str, Any]]:
    head = _header(ws)
    rows = []
    for r in range(2, ws.max_row + 1):
        row = {h: ws.cell(r, c).value for h, c in head.items()}
        row["_row"] = r
        rows.append(row)
    return rows


def _label(row: dict[str, Any]) -> str:
    return row.get("任务") or row.get("类型") or ""


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _mark_done(path: Path, how_many: int = 3) -> list[tuple[str, str, date]]:
    """Mark calendar rows with a client 完成 as an agent does (openpyxl, the written
    完成/结果 columns); returns (客户编号, task label, date) of each."""
    wb = openpyxl.load_workbook(path)
    ws = wb["服务日历"]
    head = _header(ws)
    assert {"日期", "客户编号", "客户", "任务", "完成", "结果"} <= set(head)
    marked: list[tuple[str, str, date]] = []
    rows = [r for r in _calendar_rows(ws) if r.get("客户编号") and _label(r)]
    # Different task kinds first (a visit, a call-back, a premium…), then anything left.
    kinds: dict[str, dict[str, Any]] = {}
    for row in rows:
        kinds.setdefault(_label(row), row)
    chosen = list(kinds.values())[:how_many]
    chosen += [r for r in rows if r not in chosen][:how_many - len(chosen)]
    for row in chosen:
        ws.cell(row["_row"], head["完成"], "是")
        ws.cell(row["_row"], head["结果"], f"测试结果 {len(marked) + 1}")
        marked.append((row["客户编号"], _label(row), _day(row["日期"])))
    wb.save(path)
    return marked


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("first")
    return out, _build(BOOK, out)


def _workbook(out: Path) -> Path:
    return out / "workbooks" / "A1001_罗然.xlsx"


def _copy_back(out: Path, folder: Path) -> Path:
    """The first build's workbook, handed back alone in ``folder``."""
    folder.mkdir()
    return Path(shutil.copy(_workbook(out), folder / "A1001_罗然.xlsx"))


def _codes(result: Any) -> list[str]:
    return [i.code for b in result.agents for i in b.issues]


def test_workbook_alone_reads_back_without_derived_warnings(first, tmp_path):
    out, result = first
    src = tmp_path / "in"
    _copy_back(out, src)
    again = _build(src, tmp_path / "out")
    (b0,), (b1,) = _books(result), _books(again)
    assert not DERIVED_CODES & set(_codes(again))
    dropped = [i for i in b1.issues if i.code == "optional-value-dropped" and i.column in ("资产能力", "信赖程度")]
    assert dropped == []
    assert (b1.agent.agent_id, b1.agent.name, b1.agent.team) == (b0.agent.agent_id, b0.agent.name, b0.agent.team)
    # Same clients, same tiers: reading back changes nothing an agent did not change.
    tiers0 = sorted((r.client_key, r.get("policy_no"), r.grade, r.quadrant, r.capability, r.trust) for r in b0.closed)
    tiers1 = sorted((r.client_key, r.get("policy_no"), r.grade, r.quadrant, r.capability, r.trust) for r in b1.closed)
    assert tiers1 == tiers0
    assert [r.derived for r in sorted(b1.closed, key=lambda r: r.get("policy_no"))] == \
        [r.derived for r in sorted(b0.closed, key=lambda r: r.get("policy_no"))]
    # The rows the first build rejected are not in the workbook: each is named once.
    # A hand-made totals row is not one (nothing to copy over).
    rejected = {(i.sheet, i.row) for i in b0.issues if i.severity == "error" and i.code != "totals-row"}
    assert rejected and _codes(again).count("rows-left-behind") == len(rejected)
    assert {(i.sheet, i.row) for i in b1.issues if i.code == "rows-left-behind"} == rejected


def test_three_done_rows_become_service_records_and_leave_the_calendar(first, tmp_path):
    out, result = first
    src = tmp_path / "in"
    marked = _mark_done(_copy_back(out, src))
    assert len(marked) == 3
    again = _build(src, tmp_path / "out")
    (b0,), (b1,) = _books(result), _books(again)
    assert not DERIVED_CODES & set(_codes(again))
    new = [s for s in b1.services if s.get("task")]
    assert len(b1.services) == len(b0.services) + 3 and len(new) == 3
    assert {(s.get("client"), s.get("task").split()[0]) for s in new} == {(c, k) for c, k, _ in marked}
    assert sorted(s.get("result") for s in new) == ["测试结果 1", "测试结果 2", "测试结果 3"]
    assert all(s.get("date") <= TODAY and s.get("item") for s in new)
    remaining = {(t.client_key, t.label, t.date) for t in b1.tasks}
    assert not remaining & set(marked)
    # Visits, call-backs and ☆ experiences restart from the day logged: nothing of that
    # client and kind is due today or earlier any more.
    for client, label, _ in marked:
        if label in ("定期拜访", "售后回访", "重点体验"):
            assert all(d > TODAY for c, k, d in remaining if (c, k) == (client, label)), (client, label)
    items = {s.get("task").split()[0]: s.get("item") for s in new}
    # A premium row marked done says the premium was paid, in the words the planner reads.
    for s in new:
        if s.get("task").split()[0] in ("交费对应日", "交费确认"):
            policy = s.get("task").split()[-1]
            assert s.get("content") == f"保单 {policy} 交费对应日 {s.get('task').split()[1]} 已交费"
    assert items.get("定期拜访", "定期拜访") == "定期拜访" and items.get("售后回访", "常规服务") == "常规服务"
    before = {(t.client_key, t.label, t.date) for t in b0.tasks}
    assert set(marked) <= before

    # The written workbook carries them in 服务记录, and a third build keeps them done.
    wb = openpyxl.load_workbook(_workbook(tmp_path / "out"), read_only=True)
    rows = list(wb["服务记录"].iter_rows(values_only=True))
    head = [normalize_header(h) for h in rows[0]]
    tasks = [r[head.index("日历任务")] for r in rows[1:] if r[head.index("日历任务")]]
    assert len(tasks) == 3
    wb.close()
    third_in = tmp_path / "in3"
    _copy_back(tmp_path / "out", third_in)
    third = _build(third_in, tmp_path / "out3")
    (b3,) = _books(third)
    assert len([s for s in b3.services if s.get("task")]) == 3
    assert not {(t.client_key, t.label, t.date) for t in b3.tasks} & set(marked)
    assert not DERIVED_CODES & set(_codes(third))


def test_original_and_workbook_together_refuse_the_original(first, tmp_path):
    out, _ = first
    (tmp_path / "orig").mkdir()
    (tmp_path / "back").mkdir()
    shutil.copy(BOOK, tmp_path / "orig" / BOOK.name)
    edited = tmp_path / "back" / "A1001_罗然.xlsx"
    shutil.copy(_workbook(out), edited)
    _mark_done(edited, 1)
    result = build([tmp_path / "orig", tmp_path / "back"], tmp_path / "out", today=TODAY, history=False,
                   use_cache=False, keep_records=True)
    orig, back = _books(result)
    assert orig.status == "failed" and [i.code for i in orig.issues] == ["superseded-by-workbook"]
    assert "A1001" in orig.issues[0].message and "工作簿" in orig.issues[0].message
    assert back.status != "failed" and len([s for s in back.services if s.get("task")]) == 1
    assert result.exit_code == 1  # a file was not used: the report says so
    assert workbook_agent(edited) == "A1001" and workbook_agent(BOOK) is None


def test_agent_edits_to_client_rows_are_read(first, tmp_path):
    out, result = first
    src = tmp_path / "in"
    path = _copy_back(out, src)
    wb = openpyxl.load_workbook(path)
    ws = wb["成交客户"]
    head = _header(ws)
    # Pick a client with one policy whose grade is not A and make them all-strong.
    (b0,) = _books(result)
    single = [r for r in b0.closed if r.grade != "A" and sum(o.client_key == r.client_key for o in b0.closed) == 1]
    target = single[0]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head["保单号"]).value == target.get("policy_no"):
            ws.cell(r, head["经济条件"], "好")
            ws.cell(r, head["保险意识"], "强")
            ws.cell(r, head["影响力"], "广")
            ws.cell(r, head["等级"], "Z")  # a derived cell typed over: ignored
    wb.save(path)
    (b1,) = _books(_build(src, tmp_path / "out"))
    (rec,) = [r for r in b1.closed if r.get("policy_no") == target.get("policy_no")]
    assert rec.grade == "A"


def test_done_date_stays_between_generation_and_today():
    assert done_date(date(2026, 1, 1), generated=date(2026, 11, 5), today=date(2026, 11, 30)) == date(2026, 11, 5)
    assert done_date(date(2026, 11, 10), generated=date(2026, 11, 5), today=date(2026, 11, 30)) == date(2026, 11, 10)
    assert done_date(date(2026, 12, 10), generated=date(2026, 11, 5), today=date(2026, 11, 30)) == date(2026, 11, 30)
    assert done_date(date(2026, 1, 1), generated=None, today=date(2026, 11, 30)) == date(2026, 1, 1)


def test_task_tag_and_derived_headers():
    assert task_tag("售后回访", date(2026, 10, 1), "P001") == "售后回访 2026-10-01 P001"
    assert task_tag("生日", date(2026, 10, 1)) == "生日 2026-10-01"
    assert {normalize_header(h) for h in ("等级", "象限", "建议体验", "问题")} <= DERIVED_HEADERS


@pytest.mark.slow
def test_workbook_opens_in_libreoffice(first, tmp_path):
    """LibreOffice reads every sheet of a written workbook (xlsx → xlsx) and prints it."""
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out, _ = first
    src = Path(shutil.copy(_workbook(out), tmp_path / "wb.xlsx"))
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for fmt in ("pdf", "xlsx"):
        target = tmp_path / fmt
        done = subprocess.run([soffice, profile, "--headless", "--convert-to", fmt, "--outdir", str(target),
                               str(src)], capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "pdf" / "wb.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") > 3
    original = openpyxl.load_workbook(src, read_only=True)
    resaved = openpyxl.load_workbook(tmp_path / "xlsx" / "wb.xlsx", read_only=True)
    assert resaved.sheetnames == original.sheetnames
    for name in ("客户档案", "成交客户", "服务日历", "说明"):
        assert resaved[name].max_row == original[name].max_row, name


def test_left_behind_names_rejected_rows_once_but_not_totals_rows():
    from generator.models import AgentInfo, Book
    from generator.roundtrip import Roundtrip, left_behind

    head = ["严重程度", "工作表", "行", "列", "代码", "问题", "修改建议", "位置"]
    trip = Roundtrip(date(2026, 11, 1), "1001_张三.xlsx", issues=[
        head,
        ["错误", "成交客户", 7, "投保人电话", "invalid-phone", "电话不对", "", ""],
        ["错误", "成交客户", 7, "投保日期", "invalid-date", "日期不对", "", ""],  # same row: once
        ["错误", "成交客户", 30, None, "totals-row", "合计行", "", ""],
        ["警告", "未成交客户", 3, "生日", "optional-value-dropped", "", "", ""],  # kept rows are here
        ["错误", "数据问题", 2, None, "x", "", "", ""],  # not an input sheet
    ])
    book = Book("1001_张三.xlsx", AgentInfo("1001", "张三"))
    assert left_behind(book, trip) == 1
    (issue,) = book.issues
    assert (issue.code, issue.sheet, issue.row, issue.file) == ("rows-left-behind", "成交客户", 7, "1001_张三.xlsx")
    assert "电话不对" in issue.message and book.status == "warnings"


def test_every_sheet_of_a_real_workbook_is_described_in_help(first):
    out, _ = first
    wb = openpyxl.load_workbook(_workbook(out), read_only=True)
    described = {row[0]: row[1] for row in wb["说明"].iter_rows(max_col=2, values_only=True) if row[0]}
    missing = [name for name in wb.sheetnames if not described.get(name)]
    assert missing == []
    assert "服务日历" in wb.sheetnames and "客户档案" in wb.sheetnames
    wb.close()


def test_drop_done_matches_client_kind_date_and_policy():
    from generator.models import AgentInfo, Book, Record
    from generator.plan_tasks import Task
    from generator.roundtrip import Roundtrip, drop_done

    def task(kind: str, day: date, key: str = "C1", ref: str = "") -> Task:
        return Task(day, kind, key, "甲", None, "A", "宠爱", "事项", "动作", ref=ref)

    rec = Record("成交客户", 2, {"client_id": "C1"}, client_key="C1")
    svc = Record("服务记录", 2, {"client": "c1", "task": task_tag("交费确认", date(2026, 9, 6), "P1")})
    book = Book("x.xlsx", AgentInfo("1", "王"), closed=[rec], services=[svc])
    tasks = [task("premium_check", date(2026, 9, 6), ref="P1"),   # done: same policy
             task("premium_check", date(2026, 9, 6), ref="P2"),   # another policy that day
             task("premium_check", date(2026, 9, 6), key="C2", ref="P1"),  # another client
             task("festival", date(2026, 12, 25), key="C2", ref="圣诞"),
             task("festival", date(2026, 12, 25), ref="圣诞")]
    trip = Roundtrip(None, "", done_groups={("节日问候", date(2026, 12, 25))})
    kept = drop_done(tasks, book, trip)
    assert [(t.client_key, t.kind, t.ref) for t in kept] == [("C1", "premium_check", "P2"),
                                                             ("C2", "premium_check", "P1")]
    assert drop_done(tasks, Book("x.xlsx", AgentInfo("1", "王"))) == tasks


def test_workbook_without_its_agent_sheet_is_still_recognised(first, tmp_path):
    out, _ = first
    path = _copy_back(out, tmp_path / "in")
    marked = _mark_done(path, 1)
    wb = openpyxl.load_workbook(path)
    del wb["代理人"]
    wb.save(path)
    (b1,) = _books(_build(tmp_path / "in", tmp_path / "out"))
    codes = {i.code for i in b1.issues}
    assert not {"unknown-column", "duplicate-column"} & codes
    assert [s.get("client") for s in b1.services if s.get("task")] == [marked[0][0]]


def test_every_result_column_the_workbook_writes_is_known_as_derived(first):
    """A new green (result) column must be added to DERIVED_HEADERS, or reading the
    workbook back would warn about it."""
    from generator.roundtrip import MARKED_HEADERS

    out, _ = first
    wb = openpyxl.load_workbook(_workbook(out))
    seen = set()
    for name in ("成交客户", "未成交客户", "服务记录"):
        for cell in wb[name][1]:
            if cell.fill is not None and str(cell.fill.fgColor.rgb).upper().endswith("375623"):
                seen.add(normalize_header(cell.value))
    assert {"等级", "问题"} <= seen
    assert seen <= DERIVED_HEADERS | set(MARKED_HEADERS)


def test_client_sheet_names_the_resolved_referrer(first):
    out, result = first
    (b0,) = _books(result)
    wb = openpyxl.load_workbook(_workbook(out), read_only=True)
    rows = list(wb["客户档案"].iter_rows(values_only=True))
    wb.close()
    head = list(rows[0])
    by_key = {r[0]: r for r in rows[1:] if r[0]}
    linked = [n for n in b0.referrals.nodes.values() if n.referrer]
    assert linked
    for node in linked:
        parent = b0.referrals.nodes[node.referrer]
        assert by_key[node.key][head.index("介绍人")] == f"{parent.name}（{parent.key}）"
    # One row per client: closed clients and prospects, each once.
    assert len(by_key) == len({r.client_key for r in (*b0.closed, *b0.prospects)})
