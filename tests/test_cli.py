"""The command line: exit codes, --json equals the library, help and docs for every command."""

import inspect
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from books import closed, prospect, write_book
from generator import pipeline
from generator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"


def run(*args, code=None):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, result.output
    return result


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    write_book(folder / "A1001_张三.xlsx", [closed()], [prospect()])
    write_book(folder / "A1002_李雷.xlsx", [closed(投保人电话="12345")],
               agent={"工号": "A1002", "姓名": "李雷"})
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return folder


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path,cmd", list(_commands(cli)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_example_and_readme_mention(path, cmd):
    assert cmd.help
    last = inspect.cleandoc(cmd.help).split("\n\n")[-1]
    assert last.startswith("\b\n示例：") and "pasture " in last  # help ends with an example
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pasture {' '.join(path)}" in readme
    assert run(*path, "--help", code=0).output


def test_validate_clean_book_exits_zero(tmp_path):
    book = write_book(tmp_path / "A1001_张三.xlsx", [closed()], [prospect()])
    result = run("validate", str(book), "--today", TODAY, code=0)
    assert "通过" in result.output


def test_validate_reports_location_code_and_fix(books):
    result = run("validate", str(books), "--today", TODAY, code=1)
    out = result.output
    assert "成交客户!C2" in out and "invalid-phone" in out and "修改" in out
    assert "broken.xlsx" in out and "无法使用" in out


def test_validate_json_equals_library(books):
    result = run("validate", str(books), "--today", TODAY, "--json", code=1)
    expected = pipeline.report_dict(pipeline.validate([books], today=date(2026, 11, 23)))
    assert json.loads(result.output) == json.loads(json.dumps(expected, ensure_ascii=False, default=str))


def test_exit_zero_flag(books):
    result = run("validate", str(books), "--today", TODAY, "--exit-zero")
    assert result.exit_code == 0
    assert "拒绝 1" in result.output  # the rejection is still reported


def test_build_writes_workbooks_and_balanced_report(books, tmp_path):
    out = tmp_path / "out"
    result = run("build", str(books), "--out", str(out), "--today", TODAY, "--no-site", code=1)
    # The book with a rejected row 有问题; a book with warnings only would pass as 有警告.
    assert "通过 1，有警告 0，有问题 1，无法使用 1" in result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_path = {f["path"]: f for f in report["files"]}
    assert by_path["broken.xlsx"]["status"] == "failed" and by_path["broken.xlsx"]["workbook"] is None
    assert by_path["A1001_张三.xlsx"]["status"] == "ok"
    assert by_path["A1002_李雷.xlsx"]["status"] == "warnings"
    for f in report["files"]:
        rows = f["rows"]
        assert rows["read"] == rows["accepted"] + rows["rejected"]
    assert sorted(p.name for p in (out / "workbooks").iterdir()) == ["A1001_张三.xlsx", "A1002_李雷.xlsx"]
    assert report["totals"]["failed"] == 1 and report["exit_code"] == 1


def test_bad_rules_file_is_usage_error(tmp_path, books):
    bad = tmp_path / "rules.yaml"
    bad.write_text("grading: {}\n", encoding="utf-8")
    result = run("validate", str(books), "--rules", str(bad), code=2)
    assert "规则文件" in result.output


def test_unknown_option_is_usage_error():
    assert run("build", "--nope").exit_code == 2


def test_rules_show_and_check(tmp_path):
    text = run("rules", "show", code=0).output
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    assert "规则文件有效" in run("rules", "check", str(path), code=0).output


def test_template_command(tmp_path):
    out = tmp_path / "我的客户.xlsx"
    run("template", "--out", str(out), code=0)
    assert out.stat().st_size > 0
    # A blank template validates without crashing: nothing read, nothing rejected.
    result = run("validate", str(out), "--json", code=0)
    assert json.loads(result.output)["totals"]["rows"]["read"] == 0


def test_sample_command(tmp_path):
    run("sample", "--agents", "2", "--seed", "3", "--out", str(tmp_path / "s"), "--today", TODAY, code=0)
    assert len(list((tmp_path / "s").glob("*.xlsx"))) == 2


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "generator", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "build" in proc.stdout


def test_build_with_relative_out_folder(books, tmp_path, monkeypatch):
    """The README runs `--out out/`: a relative output folder must work."""
    monkeypatch.chdir(tmp_path)
    run("build", str(books), "--out", "out/", "--today", TODAY, "--no-site", "--exit-zero", code=0)
    assert (tmp_path / "out" / "workbooks" / "A1001_张三.xlsx").is_file()
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["totals"]["files"] == 3


def test_corrupt_history_store_is_clear_usage_error(books, tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not a database" * 100)
    result = run("build", str(books), "--out", str(tmp_path / "o"), "--history", str(db), "--no-site", code=2)
    assert "--no-history" in result.output
    run("build", str(books), "--out", str(tmp_path / "o"), "--no-history", "--no-site", "--exit-zero", code=0)


@pytest.mark.parametrize("kind,sheet", [("survey", "满意度调查"), ("complaints", "投诉记录")])
def test_branch_templates_are_recognised_as_branch_files(tmp_path, kind, sheet):
    from generator.survey import branch_file_kind

    out = tmp_path / f"{kind}.xlsx"
    run("template", "--kind", kind, "--out", str(out), code=0)
    assert branch_file_kind(out) == kind
    result = run("validate", str(tmp_path), "--json", code=0)
    report = json.loads(result.output)
    assert report["files"] == [] and [f["kind"] for f in report["branch_files"]] == [kind]


def test_exit_codes_documented_in_help_and_readme():
    from generator.exits import EXIT_CODES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ((), ("build",)):
        text = run(*command, "--help", code=0).output
        for code, meaning in EXIT_CODES.items():
            assert f"{code}  {meaning}" in text
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in readme


def test_status_words_tell_warnings_from_errors():
    from generator.models import status_label

    assert status_label("ok", 0) == "通过"
    assert status_label("warnings", 0) == "有警告"  # warnings only: the file passes
    assert status_label("warnings", 2) == "有问题"  # rows rejected
    assert status_label("failed", 1) == "无法使用"


def test_build_summary_names_a_warnings_only_book(tmp_path):
    """A book whose only finding is a warning reads 有警告 in the table and the summary line."""
    (tmp_path / "in").mkdir()
    book = write_book(tmp_path / "in" / "A1001_张三.xlsx", [closed(交费方式="")], [prospect()])
    result = run("build", str(book.parent), "--out", str(tmp_path / "out"), "--today", TODAY, "--no-site", code=0)
    assert "有警告" in result.output and "通过 0，有警告 1，有问题 0" in result.output
