"""The agent's activity: 工作日志 read and derived, the week against the plan, the
本周活动 sheet and the 早会 pages — each read back from the output."""

import re
from datetime import date

import openpyxl
import pytest

from generator.activity import week_start
from generator.activity_pages import activity_pages, add_activity_pages, morning_path
from generator.models import AgentResult, RunResult
from generator.pipeline import process_source, report_dict
from generator.read import discover
from generator.rules import load_rules
from generator.workbook import write_agent_workbook

from books import closed, prospect, write_book

RULES = load_rules()
TODAY = date(2026, 11, 26)  # a Thursday: the week runs Monday 23 to today
SERVICES = [
    ["日期", "客户", "服务项目", "内容"],
    ["2026-11-24", "C001", "定期拜访", "上门"],
    ["2026-11-25", "C002", "定期拜访", "上门"],
    ["2026-11-25", "C001", "常规服务", "电话问候"],
]
WORKLOG = [
    ["日期", "出勤", "拜访", "电话", "面谈", "新增准客户", "促成", "备注"],
    ["2026-11-23", "出勤", None, "5", "1", None, None, None],
    ["2026-11-24", "事假", None, None, None, None, None, "半天"],
    ["2026-11-25", "到", "3", "很多", None, None, None, None],
]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("activity") / "A1001_张三.xlsx"
    write_book(path, [
        closed(),
        closed(**{"客户编号": "C002", "投保人姓名": "赵六", "投保人电话": "13812340000", "保单号": "P0002",
                  "投保日期": "2026-11-24"}),
        closed(**{"客户编号": "C003", "投保人姓名": "钱七", "投保人电话": "13812340001", "保单号": "P0003",
                  "投保日期": "2026-11-25"}),
    ], [
        prospect(**{"登记日期": "2026-11-23"}),
        prospect(**{"姓名": "孙八", "电话": "13912340000", "登记日期": "2026-11-23"}),
        prospect(**{"姓名": "周九", "电话": "13912340001", "登记日期": "2026-11-25"}),
    ], extra_sheets={"服务记录": SERVICES, "工作日志": WORKLOG})
    [source] = discover(path)
    return process_source(source, RULES, today=TODAY)


def test_worklog_is_read_with_the_attendance_vocabulary(book):
    assert [(r.row, r.get("attendance")) for r in book.worklog] == [(2, "出勤"), (3, "请假"), (4, "出勤")]
    [dropped] = [i for i in book.issues if i.sheet == "工作日志"]
    assert (dropped.row, dropped.column, dropped.code) == (4, "电话", "optional-value-dropped")


def test_week_against_the_plan_by_hand(book):
    a = book.kpis["activity"]
    assert a["week_start"] == "2026-11-23" == week_start(TODAY).isoformat()
    y = a["yesterday"]
    # 25th: 拜访 typed 3 wins over the one derived visit; prospects and closes derived.
    assert (y["date"], y["attendance"], y["visits"], y["new_prospects"], y["closes"]) == (
        "2026-11-25", "出勤", 3, 1, 1)
    assert y["derived"] == ["closes", "new_prospects"] and y["calls"] is None
    w = a["week"]
    assert (w["new_prospects"], w["prospect_target"]) == (3, 3 * 4)  # quota 3 × Monday..Thursday
    assert (w["visits"], w["calls"], w["meetings"], w["closes"]) == (0 + 1 + 3 + 0, 5, 1, 2)
    assert (w["attended"], w["attendance_reported"], w["logged_days"], w["days"]) == (2, 3, 3, 4)
    days = {d["date"]: d for d in a["days"]}
    assert days["2026-11-24"]["visits"] == 1 and "visits" in days["2026-11-24"]["derived"]
    assert days["2026-11-26"]["typed"] is False and days["2026-11-26"]["attendance"] is None
    # Due and overdue tasks are the plan's, counted by kind.
    tasks = book.tasks
    overdue = sum(1 for t in tasks if t.overdue or t.date < TODAY)
    assert sum(a["overdue"].values()) == overdue
    end = date(2026, 11, 29)
    assert sum(a["due_this_week"].values()) == sum(
        1 for t in tasks if not (t.overdue or t.date < TODAY) and t.date <= end)


def test_workbook_sheet_shows_the_week(book, tmp_path):
    out = tmp_path / "out.xlsx"
    write_agent_workbook(book, RULES, out, today=TODAY)
    wb = openpyxl.load_workbook(out)
    assert "工作日志" in wb.sheetnames and "本周活动" in wb.sheetnames
    rows = list(wb["本周活动"].iter_rows(values_only=True))
    by_label = {r[0]: r for r in rows if r and r[0]}
    assert by_label["新增准客户"][1:3] == (3, 12)
    assert by_label["拜访"][1] == 4 and by_label["电话"][1] == 5
    assert by_label["出勤（出勤天数 / 已填天数）"][1] == "2 / 3"
    header = next(i for i, r in enumerate(rows) if r[0] == "日期")
    assert rows[header][:8] == ("日期", "星期", "出勤", "拜访", "电话", "面谈", "新增准客户", "促成")
    monday, tuesday, wednesday, thursday = rows[header + 1:header + 5]
    assert monday[1:8] == ("周一", "出勤", "0*", 5, 1, "2*", "0*")
    assert tuesday[2:4] == ("请假", "1*") and wednesday[3] == 3 and thursday[2] == "未填"
    assert [r.get("attendance") for r in book.worklog] == [
        v for (v,) in wb["工作日志"].iter_rows(min_row=2, min_col=2, max_col=2, values_only=True)]


def test_morning_pages_aggregate_without_client_data(book):
    second = report_dict(RunResult([AgentResult.of(book)], TODAY))["files"][0]
    other = {**second, "agent_id": "A1002", "agent_name": "李雷", "path": "A1002.xlsx"}
    report = {"today": TODAY.isoformat(), "files": [second, other]}
    pages = activity_pages(report, RULES)
    team = morning_path("晨星组")
    assert set(pages) == {"dashboards/morning.md", team}
    page = pages[team]
    assert "# 早会：晨星组" in page and "@media print" in page
    # Two agents with the same week: the team sums them.
    assert "本周新增准客户 / 目标</span><strong>6 / 24</strong>" in page
    assert "本周拜访 / 到期</span><strong>8 / " in page
    assert "昨日出勤 / 已填</span><strong>2 / 2（100%）</strong>" in page
    assert ("<td>A1001 张三</td><td>出勤</td>"
            + "".join(f'<td align="right">{v}</td>' for v in ("3", "0", "0", "1*", "1*"))) in page
    overview = pages["dashboards/morning.md"]
    assert f'href="morning/{team.rsplit("/", 1)[1][:-3]}.html"' in overview
    text = "".join(pages.values())
    for secret in ("李四", "赵六", "钱七", "王五", "孙八", "13812345678", "P0002"):
        assert secret not in text
    # The team dashboard page gains the same aggregate.
    from generator.dashboards import dashboard_pages

    built = dashboard_pages(report, RULES)
    add_activity_pages(built, report, RULES)
    [team_page] = [v for k, v in built.items() if k.startswith("dashboards/teams/")]
    assert "## 出勤与活动（本周）" in team_page and "6 / 24" in team_page
    agent_pages = [v for k, v in built.items() if k.startswith("dashboards/agents/")]
    assert len(agent_pages) == 2 and all("## 本周活动与计划" in p for p in agent_pages)
    assert "本周新增准客户 / 目标</span><strong>3 / 12</strong>" in agent_pages[0]
    assert ("<td>2026-11-25</td><td>出勤</td>"
            + "".join(f'<td align="right">{v}</td>' for v in ("3", "0", "0", "1*", "1*"))) in agent_pages[0]


def test_built_site_has_the_morning_pages(sample_site):
    overview = (sample_site / "dashboards/morning.html").read_text(encoding="utf-8")
    links = sorted(set(re.findall(r'href="(morning/team-[0-9a-f]+\.html)"', overview)))
    assert links and all((sample_site / "dashboards" / link).is_file() for link in links)
    page = (sample_site / "dashboards" / links[0]).read_text(encoding="utf-8")
    assert "@media print" in page and "昨日活动" in page and "本周到期与逾期事项" in page
    team = next((sample_site / "dashboards/teams").glob("*.html")).read_text(encoding="utf-8")
    assert "出勤与活动（本周）" in team and "../morning/team-" in team
