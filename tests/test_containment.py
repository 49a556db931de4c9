"""Crashes never take the branch down: an exception in one agent's validate, classify,
history, plan or write fails that agent alone (exit 4, an ``internal-error`` issue);
absurd run dates and rule values are usage errors; two books with one 工号 are warned
and kept apart in the history store."""

import json
import sqlite3
from datetime import date

import pytest
from click.testing import CliRunner

from books import closed, prospect, write_book
from generator import build, pipeline
from generator import workbook as workbook_module
from generator.cli import cli
from generator.exits import INTERNAL, USAGE

TODAY = date(2026, 11, 23)


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    write_book(folder / "A1001_张三.xlsx", [closed()], [prospect()])
    write_book(folder / "A1002_李雷.xlsx", [closed(投保人姓名="韩梅梅", 保单号="P0002")],
               agent={"工号": "A1002", "姓名": "李雷"})
    write_book(folder / "A1003_王芳.xlsx", [closed(投保人姓名="赵六", 保单号="P0003")],
               agent={"工号": "A1003", "姓名": "王芳"})
    return folder


def _source_of(args):
    first = args[0]
    return str(getattr(first, "display", None) or getattr(first, "source", ""))


# (where the bug is planted, the step the issue names)
STEPS = [
    (pipeline, "validate_book", "校验"),
    (pipeline, "classify_book", "分级"),
    (pipeline, "enrich_book", "历史对比与转介绍"),
    (pipeline, "plan_book", "服务日历"),
    (pipeline, "quota_series", "服务日历"),
    (workbook_module, "write_agent_workbook", "生成工作簿"),
]


@pytest.mark.parametrize("module,name,step", STEPS, ids=[s[1] for s in STEPS])
def test_a_bug_in_one_agent_fails_that_agent_alone(books, tmp_path, monkeypatch, module, name, step):
    real = getattr(module, name)

    def buggy(*args, **kwargs):
        if "A1002" in _source_of(args):
            raise KeyError("planted bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, buggy)
    out = tmp_path / "out"
    result = build(books, out, today=TODAY, jobs=1, use_cache=False)
    by_id = {b.agent.agent_id: b for b in result.agents}
    assert by_id["A1002"].status == "failed" and by_id["A1002"].output is None
    [issue] = [i for i in by_id["A1002"].issues if i.code == "internal-error"]
    assert step in issue.message and "KeyError" in issue.message and "planted" not in issue.message
    for other in ("A1001", "A1003"):
        assert by_id[other].status == "ok" and (out / by_id[other].output).is_file()
    assert result.exit_code == INTERNAL
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == INTERNAL and report["totals"]["failed"] == 1
    assert not [p.name for p in (out / "workbooks").iterdir() if p.name.startswith(".")]


def test_validate_contains_a_bug_too_and_cli_exits_4_even_with_exit_zero(books, monkeypatch):
    real = pipeline.classify_book

    def buggy(book, *args, **kwargs):
        if book.agent.agent_id == "A1003":
            raise ZeroDivisionError
        return real(book, *args, **kwargs)

    monkeypatch.setattr(pipeline, "classify_book", buggy)
    result = CliRunner().invoke(cli, ["validate", str(books), "--today", "2026-11-23", "--jobs", "1",
                                      "--exit-zero"], catch_exceptions=False)
    assert result.exit_code == INTERNAL, result.output
    assert "internal-error" in result.output and "1 个文件因程序内部错误没有处理完" in result.output


def test_an_unexpected_exception_is_exit_4_not_a_traceback_exit_1(books, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "report_dict", broken)
    result = CliRunner().invoke(cli, ["build", str(books), "--out", str(tmp_path / "out"), "--no-site",
                                      "--today", "2026-11-23"], catch_exceptions=False)
    assert result.exit_code == INTERNAL
    assert "内部错误" in result.output and "RuntimeError" in result.output


@pytest.mark.parametrize("command", ["build", "validate"])
@pytest.mark.parametrize("day,needle", [("9999-12-28", "超出支持的范围"), ("0001-01-01", "超出支持的范围"),
                                        ("2026-02-30", "不是 YYYY-MM-DD"), ("明天", "不是 YYYY-MM-DD")])
def test_absurd_run_dates_are_usage_errors(books, tmp_path, command, day, needle):
    args = [command, str(books), "--today", day] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == USAGE and needle in result.output
    assert not (tmp_path / "out").exists()


def test_library_refuses_an_absurd_run_date(books, tmp_path):
    with pytest.raises(ValueError, match="超出支持的范围"):
        build(books, tmp_path / "out", today=date(9999, 12, 28))


@pytest.mark.parametrize("value,needle", [("1000000000", "应不大于 3660"), ("1.0e+9", "应不大于 3660"),
                                          ("1e9", "应是整数"), (".inf", "应是有限的数")])
def test_rules_check_rejects_a_billion_day_window(tmp_path, value, needle):
    from generator.rules import DEFAULT_RULES_PATH

    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert "calendar_window_days: 90" in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace("calendar_window_days: 90", f"calendar_window_days: {value}"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(path)], catch_exceptions=False)
    assert result.exit_code == USAGE
    assert "cadence.calendar_window_days" in result.output and needle in result.output


# -- two books with one 工号 -----------------------------------------------------------

def _twins(folder, first_rating="好", second_rating="一般"):
    folder.mkdir(exist_ok=True)
    agent = {"工号": "A1001", "姓名": "张三"}
    write_book(folder / "a_张三.xlsx", [closed(经济条件=first_rating)], agent=agent)
    write_book(folder / "b_张三.xlsx", [closed(经济条件=second_rating, 投保人姓名="李四")], agent=agent)


def test_two_books_with_one_agent_id_are_warned_and_kept_apart(tmp_path):
    books, out = tmp_path / "books", tmp_path / "out"
    _twins(books)
    first = build(books, out, today=date(2026, 10, 1), jobs=1)
    for book in first.agents:
        [issue] = [i for i in book.issues if i.code == "duplicate-agent-id"]
        other = ({"a_张三.xlsx", "b_张三.xlsx"} - {book.source}).pop()
        assert other in issue.message and "A1001" in issue.message
        assert book.status == "warnings"
    db = sqlite3.connect(out / "pasture.db")
    recorded = db.execute("SELECT source FROM agents WHERE agent_id = 'A1001'").fetchall()
    grades = db.execute("SELECT client_id, grade FROM clients WHERE agent_id = 'A1001'").fetchall()
    db.close()
    assert recorded == [("a_张三.xlsx",)]  # only the first in input order
    # Both books hold client C001 李四: only the first book's grade (好/强/广 → A) is kept.
    assert [g for _, g in grades] == ["A"]

    # A month later the second book must not be compared with the first book's clients.
    _twins(books, first_rating="一般", second_rating="好")
    second = build(books, out, today=date(2026, 11, 1), jobs=1, keep_records=True)
    by_source = {b.source: b for b in second.agents}
    assert by_source["a_张三.xlsx"].book.grade_changes  # its own history: A → lower
    assert not by_source["b_张三.xlsx"].book.grade_changes and by_source["b_张三.xlsx"].compared_with is None

