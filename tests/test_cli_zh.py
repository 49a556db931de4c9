"""Chinese first on the command line: help, usage errors, empty input (exit 2), and a
progress display that counts agents and names every step after them."""

import io

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from books import closed, prospect, write_book
from generator import build
from generator.cli import cli
from generator.cli_progress import BuildProgress
from generator.exits import USAGE

ENGLISH = ("Usage:", "Error:", "Try '", "Missing", "Invalid value", "No such", "does not exist", "is not")


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    for n, name in enumerate(["张三", "李雷", "王芳", "赵敏"], start=1):
        write_book(folder / f"A100{n}_{name}.xlsx", [closed(保单号=f"P{n}", 投保人姓名=f"客户{n}")], [prospect()],
                   agent={"工号": f"A100{n}", "姓名": name})
    return folder


@pytest.mark.parametrize("args,needle", [
    (["build", "{books}"], "缺少选项 '--out'"),
    (["build", "{tmp}/nowhere", "--out", "{tmp}/out"], "不存在"),
    (["build", "{books}", "--out", "{tmp}/out", "--jobs", "0"], "不在允许范围"),
    (["build", "{books}", "--out", "{tmp}/out", "--bogus"], "没有选项 '--bogus'"),
    (["build", "{books}", "--out", "{tmp}/out", "--days"], "后面要跟一个值"),
    (["build", "{books}", "--out", "{tmp}/out", "--today", "2026-13-01"], "不是 YYYY-MM-DD"),
    (["template", "--out", "{tmp}/t.xlsx", "--kind", "foo"], "不是可选值"),
    (["biuld"], "没有命令 'biuld'"),
    (["validate"], "缺少参数"),
])
def test_usage_errors_are_in_chinese(books, tmp_path, args, needle):
    args = [a.format(books=books, tmp=tmp_path) for a in args]
    result = run(*args)
    assert result.exit_code == USAGE
    assert needle in result.output and "错误：" in result.output
    assert not [w for w in ENGLISH if w in result.output], result.output
    assert not (tmp_path / "out").exists()


def test_help_is_in_chinese_with_option_names_kept():
    text = run("build", "--help").output
    for phrase in ("用法:", "选项", "示例：", "退出码", "--out", "--today", "显示本帮助并退出", "[必填]"):
        assert phrase in text
    assert not [w for w in ("Usage:", "Options:", "Show this message") if w in text]
    assert "命令" in run("--help").output


def test_click_speaks_english_again_after_a_command():
    run("build", "--help")
    assert click.core._("Usage:") == "Usage:" and click.exceptions._("Error: {message}") == "Error: {message}"


@pytest.mark.parametrize("command", ["build", "validate"])
def test_empty_input_folder_is_exit_2_saying_what_it_must_hold(tmp_path, command):
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    (empty / "readme.txt").write_text("not a book")
    args = [command, str(empty)] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    result = run(*args)
    assert result.exit_code == USAGE
    assert "没有找到" in result.output and ".xlsx" in result.output and "pasture template" in result.output
    assert str(empty) in result.output
    assert not (tmp_path / "out").exists()  # refused before writing anything


def test_progress_in_a_log_counts_agents_and_names_each_step(books, tmp_path):
    result = run("build", str(books), "--out", str(tmp_path / "out"), "--no-site", "--today", "2026-11-23",
                 "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "开始处理 4 位代理人的档案" in text
    assert "代理人 4/4" in text and "个/秒" in text or "每个" in text
    steps = ["营业部交叉检查", "记录历史", "写汇总报告"]
    positions = [text.index(s) for s in steps]
    assert positions == sorted(positions) and text.index("代理人 4/4") < positions[0]


def test_progress_on_a_terminal_shows_done_total_rate_and_time_left(books, tmp_path):
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=120)
    seen = []
    with BuildProgress(console) as progress:
        def advance(book):
            progress.advance(book)
            seen.append(progress.rate_text())

        build(books, tmp_path / "out", on_start=progress.start, on_book=advance, on_step=progress.step,
              history=False)
        assert progress.done == progress.total == 4
    assert all("个/秒" in t or "每个" in t for t in seen)
    assert all("约剩" in t for t in seen[:-1]) and "约剩" not in seen[-1]
    out = sink.getvalue()
    assert "代理人档案" in out and "营业部交叉检查" in out


def test_new_into_an_existing_project_is_a_usage_error(tmp_path):
    pytest.importorskip("mkdocs")
    assert run("new", str(tmp_path / "站点")).exit_code == 0
    again = run("new", str(tmp_path / "站点"))
    assert again.exit_code == USAGE and "错误：" in again.output
