"""The `pasture` command line: a thin Click layer over the library.

Each command parses options, makes one library call and prints the result. Exit
codes: 0 everything accepted (warnings allowed), 1 some row or file rejected,
2 usage error (bad option, unreadable rules file).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.table import Table

from . import exits, pipeline
from .cli_progress import BuildProgress
from .cli_zh import chinese_click
from .models import RunResult, status_label
from .rules import DEFAULT_RULES_PATH, Rules, RulesError, load_rules
from .runargs import RunArgumentError, check_run_date
from .settings import SETTING, BuildSettings

STATUS_COLOUR = {"通过": "green", "有警告": "yellow", "有问题": "yellow", "无法使用": "red"}
SEVERITY_TEXT = {"error": "[red]错误[/]", "warning": "[yellow]警告[/]"}


class UsageProblem(click.ClickException):
    """A usage problem the user must fix before anything runs (exit 2)."""

    exit_code = exits.USAGE


class RunBusy(click.ClickException):
    """Another run holds the output folder or the history store (exit 3)."""

    exit_code = exits.BUSY


class RunDate(click.ParamType):
    """A date written YYYY-MM-DD inside the range a run supports (Chinese messages)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            day = value
        else:
            try:
                day = datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
            except ValueError:
                self.fail(f"“{value}”不是 YYYY-MM-DD 格式的日期（例如 2026-11-23）", param, ctx)
        try:
            return check_run_date(day, "日期")
        except RunArgumentError as exc:
            self.fail(str(exc), param, ctx)


def _exit_code(result: RunResult, exit_zero: bool) -> int:
    """--exit-zero forgives rejected rows only; an internal error always shows."""
    code = result.exit_code
    return exits.OK if exit_zero and code == exits.REJECTED else code


def _console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False, soft_wrap=True)


def _load_rules(path: Path | None) -> Rules:
    try:
        return load_rules(path)
    except RulesError as exc:
        raise UsageProblem(str(exc)) from exc


def setting(name: str, *decls: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Click option for the build setting ``name``: its help and default come from
    the one table of settings (:data:`generator.settings.SETTINGS`)."""
    spec = SETTING[name]
    kwargs.setdefault("default", spec.default)
    return click.option(*decls, help=spec.help, **kwargs)


def rules_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return setting("rules_path", "--rules", "rules_path",
                   type=click.Path(exists=True, dir_okay=False, path_type=Path))(fn)


def today_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return setting("today", "--today", type=RunDate())(fn)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（与 report.json 相同）。")(fn)


def jobs_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    # None here: the command's default is the number of cores, the library's is 1.
    return setting("jobs", "--jobs", "-j", type=click.IntRange(1, 256), default=None)(fn)


def exit_zero_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--exit-zero", is_flag=True,
        help="即使有行或文件被拒绝也以 0 退出（报告里照样写明）；内部错误仍是 4。",
    )(fn)


def _day(value: date | None) -> date:
    return value or date.today()


class InternalProblem(click.ClickException):
    """An exception nobody expected: a bug in Pasture, not in the input (exit 4)."""

    exit_code = exits.INTERNAL

    def show(self, file: Any = None) -> None:
        click.echo(f"内部错误：{self.message}", err=True)


class PastureGroup(click.Group):
    """The command group; an unexpected exception becomes exit 4 with a clear message
    (the traceback is printed for the maintainers), never a bare traceback with exit 1."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with chinese_click():  # Click's own words (usage errors, help headings) in Chinese
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            import traceback

            traceback.print_exc(file=sys.stderr)
            raise InternalProblem(
                f"{type(exc).__name__}: {exc}。这是 Pasture 的问题，不是你的数据的问题；"
                f"请把上面的错误信息发给维护者。已写出的文件都是完整的（先写临时文件再改名）。") from exc


@click.group(cls=PastureGroup, help=f"""客户牧场（Pasture）：给保险客户分级，排出服务日历，生成工作簿和营业部网站。

用 COMMAND --help 查看每个命令的用法，例如 pasture build --help。

{exits.help_text()}

\b
示例：
    pasture template --out 我的客户.xlsx
    pasture validate 我的客户.xlsx
    pasture build sample_data/ --out out/
""")
@click.version_option(package_name="pasture", help="显示版本号并退出。")
def cli() -> None:
    pass


@cli.command(help=f"""检查并分级代理人档案：每位代理人一本工作簿和一个 .ics 日历，再加 report.json、branch.xlsx 和网站。

INPUTS 是代理人档案（.xlsx/.xlsm，或按表拆开的 CSV）或放着这些档案的文件夹。

{exits.help_text()}

\b
示例：
    pasture build sample_data/ --out out/
    pasture build 档案/ --out out/ --today 2026-11-23 --no-site
""")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（workbooks/、calendars/、report.json、site/）。")
@rules_option
@today_option
@json_option
@exit_zero_option
@jobs_option
# The command builds the site unless told not to (the library's default is no site).
@setting("site", "--site/--no-site", default=True, show_default=True)
@setting("site_project", "--site-project", type=click.Path(exists=True, file_okay=False, path_type=Path))
@setting("site_engine", "--site-engine", type=click.Choice(["mkdocs", "zensical"]), show_default=True)
@setting("mask_agents", "--mask-agents", is_flag=True)
@setting("use_cache", "--cache/--no-cache", "use_cache", show_default=True)
@setting("days", "--days", type=click.IntRange(1, 3660))
@setting("history", "--history", "history_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--no-history", is_flag=True, help="不读取也不记录历史（没有等级变化和趋势）。")
@setting("since", "--since", type=RunDate())
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="在本机进程池（local）或 Dask 集群（dask）上处理代理人档案。")
@setting("scheduler", "--scheduler", metavar="ADDRESS")
def build(inputs: tuple[Path, ...], out_dir: Path, rules_path: Path | None, today: date | None, as_json: bool,
          exit_zero: bool, jobs: int | None, site: bool, site_project: Path | None, site_engine: str,
          mask_agents: bool, use_cache: bool, days: int | None, history_path: Path | None, no_history: bool,
          since: date | None, executor: str, scheduler: str | None) -> None:
    # Without --rules the library picks the site project's rules file (or the packaged one).
    rules = _load_rules(rules_path) if rules_path else None
    if executor == "dask" and not scheduler:
        raise UsageProblem("--executor dask 需要 --scheduler tcp://主机:8786")
    from .history import HistoryError
    from .runlock import OutputBusy

    settings = BuildSettings(
        rules=rules, rules_path=rules_path, today=today, jobs=jobs or pipeline.default_jobs(),
        scheduler=scheduler if executor == "dask" else None, days=days,
        history=False if no_history else (history_path or True), since=since, use_cache=use_cache,
        site=site and _site_available(), site_project=site_project, site_engine=site_engine, mask_agents=mask_agents)
    with BuildProgress(_console(err=True), enabled=not as_json) as progress, \
            _reraise(HistoryError, UsageProblem, "（可以用 --no-history 跳过历史记录）"), _reraise(OutputBusy, RunBusy), \
            _reraise(RunArgumentError, UsageProblem), _reraise(RulesError, UsageProblem):
        result = pipeline.build(list(inputs), out_dir, settings,
                                on_start=progress.start, on_book=progress.advance, on_step=progress.step)
    if as_json:
        click.echo(json.dumps(pipeline.report_dict(result), ensure_ascii=False, indent=2, default=str))
    else:
        _print_summary(result)
        _console().print(f"工作簿：{out_dir / 'workbooks'}    报告：{out_dir / 'report.json'}")
        for issue in result.site_issues:
            _console(err=True).print(f"网站问题：{issue['message']}")
        if site and _site_available() and (out_dir / "site" / "index.html").is_file():
            _console().print(f"网站：{out_dir / 'site' / 'index.html'}（可直接双击打开，无需联网）")
        elif site:
            _console(err=True).print("未安装网站组件，跳过网站：pip install -e \".[site]\"")
    sys.exit(_exit_code(result, exit_zero))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@rules_option
@today_option
@json_option
@exit_zero_option
@jobs_option
def validate(inputs: tuple[Path, ...], rules_path: Path | None, today: date | None, as_json: bool,
             exit_zero: bool, jobs: int | None) -> None:
    """检查代理人档案，逐条说明哪里要改、怎么改；不写任何文件。

    \b
    示例：
        pasture validate 我的客户.xlsx
        pasture validate 档案/ --json
    """
    # Without --rules: the rules a build would grade with (PASTURE_RULES, else the packaged ones).
    rules = _load_rules(rules_path) if rules_path else None
    with _reraise(RunArgumentError, UsageProblem), _reraise(RulesError, UsageProblem):
        result = pipeline.validate(list(inputs), rules=rules, today=_day(today), jobs=jobs or pipeline.default_jobs())
    if as_json:
        click.echo(json.dumps(pipeline.report_dict(result), ensure_ascii=False, indent=2, default=str))
    else:
        _print_issues(result)
        _print_summary(result)
    sys.exit(_exit_code(result, exit_zero))


@cli.command()
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="空白模板 .xlsx 写到哪里。")
@click.option("--kind", type=click.Choice(["agent", "survey", "complaints"]), default="agent", show_default=True,
              help="agent：代理人档案；survey：营业部满意度调查；complaints：营业部投诉记录。")
@click.option("--kano", is_flag=True, help="与 --kind survey 一起用：加上卡诺（Kano）成对问题。")
@rules_option
def template(out_path: Path, kind: str, kano: bool, rules_path: Path | None) -> None:
    """生成带下拉选项和填写提示的空白模板。

    \b
    示例：
        pasture template --out 我的客户.xlsx
        pasture template --kind survey --kano --out 满意度调查.xlsx
    """
    from .template import write_complaints_template, write_survey_template, write_template

    rules = _load_rules(rules_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "survey":
        write_survey_template(out_path, rules, kano=kano)
    elif kind == "complaints":
        write_complaints_template(out_path, rules)
    else:
        write_template(out_path, rules)
    click.echo(f"已生成模板：{out_path}")


@cli.command()
@click.option("--agents", default=12, show_default=True, type=click.IntRange(1, 100_000), help="代理人数量。")
@click.option("--seed", default=7, show_default=True, type=int, help="随机种子（种子相同，生成的档案相同）。")
@click.option("--rows", default=None, type=click.IntRange(1, 1_000_000), help="每位代理人大约多少张保单。")
@click.option("--clean", is_flag=True, help="不故意放入填写错误。")
@click.option("--csv-agents", default=0, show_default=True, type=click.IntRange(0),
              help="其中多少位代理人用 CSV 文件代替 .xlsx。")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="输出文件夹。")
@today_option
def sample(agents: int, seed: int, rows: int | None, clean: bool, csv_agents: int, out_dir: Path,
           today: date | None) -> None:
    """生成仿真的代理人档案（人物都是虚构的），用于试用和测试。

    \b
    示例：
        pasture sample --agents 12 --seed 7 --out books/
    """
    from .sample import make_sample

    paths = make_sample(out_dir, agents=agents, seed=seed, today=_day(today), rows=rows, messy=not clean,
                        csv_agents=csv_agents)
    click.echo(f"已生成 {len(paths)} 个文件：{out_dir}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def new(directory: Path) -> None:
    """创建营业部自己的网站项目（mkdocs.yml、课程页面、rules.yaml）。

    \b
    示例：
        pasture new 我的营业部网站
        pasture build books/ --out out/ --site-project 我的营业部网站 --rules 我的营业部网站/rules.yaml
    """
    from .site import SiteError, new_project

    try:
        written = new_project(directory)
    except (FileExistsError, SiteError) as exc:
        raise UsageProblem(str(exc)) from exc  # the folder exists: fix the command (exit 2)
    click.echo(f"已创建网站项目 {directory}（{len(written)} 个文件）。修改 site/ 下的页面和 rules.yaml，"
               f"用 `pasture serve {directory}` 预览。")


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="预览网站的地址。")
def serve(directory: Path | None, dev_addr: str) -> None:
    """编辑课程页面时实时预览网站项目（类似 `mkdocs serve`）。

    \b
    示例：
        pasture serve 我的营业部网站
    """
    from mkdocs.commands.serve import serve as mkdocs_serve

    from .site import PROJECT_ROOT

    config = (directory or PROJECT_ROOT) / "mkdocs.yml"
    if not config.is_file():
        raise UsageProblem(f"找不到 {config}；先用 `pasture new` 创建网站项目")
    mkdocs_serve(config_file=str(config), dev_addr=dev_addr)


@cli.group()
def rules() -> None:
    """查看和检查规则文件。

    \b
    示例：
        pasture rules show > my-rules.yaml
        pasture rules check my-rules.yaml
    """


@rules.command(name="check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_check(path: Path) -> None:
    """检查规则文件，逐条说明每个问题。

    \b
    示例：
        pasture rules check my-rules.yaml
    """
    loaded = _load_rules(path)
    click.echo(f"规则文件有效：{path}（{len(loaded.grading['closed'])} 条成交客户分级规则，"
               f"{len(loaded.grading['prospect'])} 条未成交客户分级规则）")


@rules.command(name="show")
def rules_show() -> None:
    """打印内置的默认规则（可以另存一份再修改）。

    \b
    示例：
        pasture rules show > my-rules.yaml
    """
    click.echo(DEFAULT_RULES_PATH.read_text(encoding="utf-8"), nl=False)


# -- output helpers ---------------------------------------------------------------
def _print_issues(result: RunResult) -> None:
    console = _console()
    entries = [(b.source, b.status, [i.to_dict() for i in b.issues]) for b in result.agents]
    entries += [(f["path"], f["status"], f["issues"]) for f in result.branch_files]
    for source, status, issues in entries:
        if not issues:
            continue
        errors = sum(1 for i in issues if i["severity"] == "error")
        console.print(f"\n[bold]{_esc(source)}[/]  {_status(status, errors)}")
        for issue in issues:
            where = issue["sheet"] or ""
            if issue["row"]:
                where += f"!{issue['column_letter'] or ''}{issue['row']}"
            console.print(f"  {SEVERITY_TEXT[issue['severity']]} {_esc(where)} [dim]{issue['code']}[/] "
                          f"{_esc(issue['message'])}")
            console.print(f"      [dim]修改：{_esc(issue['hint'])}[/]")


def _print_summary(result: RunResult) -> None:
    table = Table(title=f"汇总（{result.today.isoformat()}）", show_lines=False)
    for header, justify in (("文件", "left"), ("工号", "left"), ("姓名", "left"), ("状态", "left"),
                            ("读取", "right"), ("录入", "right"), ("拒绝", "right"),
                            ("错误", "right"), ("警告", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    labels: Counter[str] = Counter()  # files per status word, for the summary line
    for book in result.agents:
        rows = book.totals
        errors = sum(i.count for i in book.issues if i.severity == "error")  # summaries count whole
        labels[status_label(book.status, errors)] += 1
        table.add_row(_esc(book.source), _esc(book.agent.agent_id), _esc(book.agent.name), _status(book.status, errors),
                      str(rows.read), str(rows.accepted), str(rows.rejected), str(errors),
                      str(sum(i.count for i in book.issues) - errors))
    for f in result.branch_files:
        errors = sum(1 for i in f["issues"] if i["severity"] == "error")
        labels[status_label(f["status"], errors)] += 1
        kind = {"survey": "满意度调查", "complaints": "投诉记录"}.get(f["kind"], f["kind"])
        table.add_row(_esc(f["path"]), "—", kind, _status(f["status"], errors), str(f["rows"]["read"]),
                      str(f["rows"]["accepted"]), str(f["rows"]["rejected"]), str(errors), str(len(f["issues"]) - errors))
    console = _console()
    console.print(table)
    report = pipeline.report_dict(result)["totals"]
    console.print(
        f"共 {report['files']} 个文件：通过 {report['ok']}，有警告 {labels['有警告']}，"
        f"有问题 {labels['有问题']}，无法使用 {report['failed']}；"
        f"读取 {report['rows']['read']} 行，录入 {report['rows']['accepted']}，拒绝 {report['rows']['rejected']}。"
    )
    broken = sum(1 for b in result.agents if any(i.code == "internal-error" for i in b.issues))
    if broken:
        console.print(f"[red]{broken} 个文件因程序内部错误没有处理完（退出码 {exits.INTERNAL}）。"
                      f"这不是数据的问题，请把屏幕上的错误信息发给维护者。[/]")


def _status(status: str, errors: int) -> str:
    label = status_label(status, errors)
    return f"[{STATUS_COLOUR.get(label, 'yellow')}]{label}[/]"


class _reraise:
    """A library exception of ``kind`` becomes the CLI exception ``as_`` (its exit code)."""

    def __init__(self, kind: type[Exception], as_: type[click.ClickException], suffix: str = "") -> None:
        self.kind, self.as_, self.suffix = kind, as_, suffix

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and isinstance(exc, self.kind):
            raise self.as_(f"{exc}{self.suffix}") from exc


def _site_available() -> bool:
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError:
        return False
    return True


def _esc(text: object) -> str:
    """Agent-typed text must not be read as rich markup."""
    from rich.markup import escape

    return escape(str(text))


def main() -> None:  # pragma: no cover - console-script entry
    cli()
