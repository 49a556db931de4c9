"""The branch workbook ``out/branch.xlsx``: summary, survey, complaints, campaign ranking.

Built only from aggregates — the run's report entries (KPIs, counts), the survey's
scores, the complaints without their descriptions and the campaign partials — so no
client name, phone or policy number can reach it. Written with xlsxwriter through the
same :class:`~generator.xlsx_writer.Cells` helper and :func:`~generator.xlsx_writer.atomic_workbook`
as the agents' workbooks, with native charts that reference the tables beside them.

    >>> write_branch_workbook(out / "branch.xlsx", report=report, survey=survey_data,  # doctest: +SKIP
    ...                       complaints=complaints_data, campaigns=merge(partials, rules),
    ...                       rules=rules, today=today)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Sequence

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .campaign import ALL_MONTHS, CampaignResult, Standing
from .complaints import ComplaintsAnalysis, ComplaintsData, analyse_complaints, overdue_title, response_window
from .dashboards import aggregate
from .issues import ISSUE_TYPES, Issue
from .models import status_label
from .rules import QUADRANTS as CLIENT_QUADRANTS
from .rules import Rules
from .survey import GAP_RULE, KANO_CLASSES, SurveyAnalysis, SurveyData, analyse_survey
from .workbook import SEVERITY_TEXT
from .xlsx_writer import Cells, atomic_workbook

__all__ = [
    "SHEET_SUMMARY", "SHEET_SURVEY", "SHEET_COMPLAINTS", "SHEET_CAMPAIGN",
    "teams_from_report", "write_branch_workbook",
]

SHEET_SUMMARY = "汇总"
SHEET_SURVEY = "满意度分析"
SHEET_COMPLAINTS = "投诉"
SHEET_CAMPAIGN = "活动排名"
NO_TEAM = "未分组"


def teams_from_report(report: dict[str, Any]) -> dict[str, str | None]:
    """工号 → team, from the agents' books of a run (first book wins)."""
    out: dict[str, str | None] = {}
    for f in report.get("files", []):
        out.setdefault(f["agent_id"], f.get("team"))
    return out


class _Sheet:
    """A worksheet with a write cursor, so sections stack without row arithmetic."""

    def __init__(self, wb: Workbook, cells: Cells, name: str) -> None:
        self.ws: Worksheet = wb.add_worksheet(name)
        self.name, self.cells, self.row = name, cells, 0
        self.ws.hide_gridlines(2)

    def put(self, col: int, value: Any, *styles: str | None) -> None:
        self.cells.put(self.ws, self.row, col, value, *styles)

    def title(self, text: str, subtitle: str = "") -> None:
        self.put(0, text, "title")
        self.ws.set_row(self.row, 26)
        self.row += 1
        if subtitle:
            self.put(0, subtitle, "subtitle")
            self.row += 1
        self.row += 1

    def section(self, text: str) -> None:
        self.put(0, text, "section")
        self.row += 1

    def note(self, text: str) -> None:
        self.put(0, text, "muted")
        self.row += 1

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]],
              styles: Sequence[str | None] = ()) -> tuple[int, int]:
        """Header plus rows; returns (header row, last data row) as 0-based indexes."""
        top = self.row
        for i, h in enumerate(headers):
            self.put(i, h, "header")
        for values in rows:
            self.row += 1
            for i, v in enumerate(values):
                style = styles[i] if i < len(styles) else None
                self.put(i, v, style, "box")
        self.row += 2
        return top, top + len(rows)


def _pct(value: float | None) -> float | str:
    return "—" if value is None else value


def _summary(wb: Workbook, cells: Cells, report: dict[str, Any], rules: Rules, today: date,
             branch_files: list[tuple[str, str, Any]]) -> None:
    s = _Sheet(wb, cells, SHEET_SUMMARY)
    files = report.get("files", [])
    branch_name = next((f["branch"] for f in files if f.get("branch")), None) or "营业部"
    s.title(f"{branch_name} · 经营汇总", f"数据日期：{today.isoformat()}　本工作簿只含汇总数字，不含客户个人信息。")
    s.ws.set_column(0, 0, 14)
    s.ws.set_column(1, 30, 11)

    teams: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        teams.setdefault(f.get("team") or NO_TEAM, []).append(f)
    s.section("各团队")
    team_rows = []
    for name in sorted(teams):
        t = aggregate(teams[name])
        team_rows.append([name, t["agents"], t["clients"], t["prospects"], t["policies"], t["premium"],
                          _pct(t["addon_rate"]), _pct(t["referral_rate"]), t["rows"]["rejected"],
                          t["issues"]["error"], t["issues"]["warning"]])
    total = aggregate(files)
    team_rows.append(["全营业部", total["agents"], total["clients"], total["prospects"], total["policies"],
                      total["premium"], _pct(total["addon_rate"]), _pct(total["referral_rate"]),
                      total["rows"]["rejected"], total["issues"]["error"], total["issues"]["warning"]])
    s.table(["团队", "代理人", "成交客户", "准客户", "保单", "年交保费", "加保率", "转介绍率", "拒绝行", "错误", "警告"],
            team_rows, ("bold", "int", "int", "int", "int", "money", "pct", "pct", "int", "int", "int"))
    s.note(f"加保率目标 {rules.targets.addon_rate:.0%}，转介绍率目标 {rules.targets.referral_rate:.0%}。")
    s.row += 1

    s.section("各代理人（等级、四象限与数据质量）")
    closed_grades = list(dict.fromkeys(r.grade for r in rules.grading["closed"]))
    prospect_grades = list(dict.fromkeys(r.grade for r in rules.grading["prospect"]))
    quads = [q for q in CLIENT_QUADRANTS if q in rules.experiences.matrix]
    headers = ["团队", "工号", "姓名", "状态", "成交客户", "准客户", "保单", "年交保费", "加保率", "转介绍率",
               *(f"成交{g}级" for g in closed_grades), *(f"准客户{g}级" for g in prospect_grades), *quads,
               "读取行", "拒绝行", "错误", "警告"]
    rows = []
    for f in sorted(files, key=lambda f: (f.get("team") or NO_TEAM, f["agent_id"])):
        k = f.get("kpis") or {}
        gc, gp, qd = k.get("grades_closed") or {}, k.get("grades_prospect") or {}, k.get("quadrants") or {}
        rows.append([
            f.get("team") or NO_TEAM, f["agent_id"], f.get("agent_name") or "", status_label(f["status"], sum(1 for i in f["issues"] if i["severity"] == "error")),
            k.get("clients", 0), k.get("prospects", 0), k.get("policies", 0), k.get("premium", 0.0),
            _pct(k.get("addon_rate")), _pct(k.get("referral_rate")),
            *(gc.get(g, 0) for g in closed_grades), *(gp.get(g, 0) for g in prospect_grades),
            *(qd.get(q, 0) for q in quads),
            f["rows"]["read"], f["rows"]["rejected"],
            sum(1 for i in f["issues"] if i["severity"] == "error"),
            sum(1 for i in f["issues"] if i["severity"] == "warning"),
        ])
    n_fixed = 10 + len(closed_grades) + len(prospect_grades) + len(quads)
    styles = [None, "text", None, None, "int", "int", "int", "money", "pct", "pct", *(["int"] * (n_fixed - 10 + 4))]
    top, last = s.table(headers, rows, styles)
    if rows:
        s.ws.autofilter(top, 0, last, len(headers) - 1)

    s.section("营业部文件（满意度调查、投诉记录）")
    file_rows: list[list[Any]] = []
    issue_rows: list[list[Any]] = []
    for kind, source, data in branch_files:
        if data is None:
            file_rows.append([kind, "—", "未提交", "", "", "", "", ""])
            continue
        issues: list[Issue] = data.issues
        file_rows.append([kind, source, status_label(data.status, sum(1 for i in issues if i.severity == "error")), data.rows.read,
                          data.rows.accepted, data.rows.rejected,
                          sum(1 for i in issues if i.severity == "error"),
                          sum(1 for i in issues if i.severity == "warning")])
        for i in issues:
            # The title, not the message: a message quotes the cell, which may hold anything.
            kind_of = ISSUE_TYPES.get(i.code)
            issue_rows.append([kind, SEVERITY_TEXT.get(i.severity, i.severity), i.sheet or "", i.row,
                               i.column or "", i.code, kind_of.title if kind_of else i.code])
    s.table(["文件", "文件名", "状态", "读取行", "录入行", "拒绝行", "错误", "警告"], file_rows,
            (None, None, None, "int", "int", "int", "int", "int"))
    if issue_rows:
        s.table(["文件", "严重程度", "工作表", "行", "列", "代码", "问题"], issue_rows)
    s.ws.freeze_panes(3, 0)
    s.ws.set_landscape()
    s.ws.set_paper(9)
    s.ws.fit_to_pages(1, 0)


def _survey(wb: Workbook, cells: Cells, data: SurveyData | None, result: SurveyAnalysis | None) -> None:
    s = _Sheet(wb, cells, SHEET_SURVEY)
    s.ws.set_column(0, 0, 8)
    s.ws.set_column(1, 1, 18)
    s.ws.set_column(2, 8, 11)
    s.ws.set_column(9, 12, 10)
    s.title("客户满意度：重要度与满意度差距分析",
            f"{GAP_RULE}；评分 1–5 分。")
    if data is None or result is None:
        s.note("本次没有提交满意度调查表（含“满意度调查”工作表的文件）。")
        return
    s.note(f"文件：{data.source}　有效问卷 {result.respondents} 份（读取 {data.rows.read}，拒绝 {data.rows.rejected}）。"
           f"　四象限分界：重要度 {result.importance_split:.2f}，满意度 {result.satisfaction_split:.2f}。")
    s.row += 1
    s.section("改进优先顺序")
    rows = [[a.rank, a.attribute, a.respondents, a.importance, a.satisfaction, a.gap, a.quadrant,
             f"{a.kano} {a.kano_name}" if a.kano else "—"] for a in result.ranked]
    top, last = s.table(["排序", "服务项目", "有效回答", "重要度", "满意度", "差距", "四象限", "卡诺类型"], rows,
                        ("int", "bold", "int", "money", "money", "money", "center", None))
    s.put(0, "卡诺类型说明", "bold")
    s.row += 1
    s.note("；".join(f"{k} {v}" for k, v in KANO_CLASSES.items()) + "。卡诺类型取回答中出现最多的一类。")
    for attr, (letter, counts) in result.kano_only.items():
        s.note(f"{attr}：只有卡诺问题，类型 {letter} {KANO_CLASSES[letter]}（{counts}）")
    if not rows:
        return
    # Crosshair at the splits, in helper cells to the right of the table.
    helper = top
    s.cells.put(s.ws, helper, 10, "分界线", "muted")
    s.cells.put(s.ws, helper + 1, 10, 1, "muted")
    s.cells.put(s.ws, helper + 2, 10, 5, "muted")
    s.cells.put(s.ws, helper + 1, 11, result.importance_split, "muted")
    s.cells.put(s.ws, helper + 2, 11, result.importance_split, "muted")
    s.cells.put(s.ws, helper + 1, 12, result.satisfaction_split, "muted")
    s.cells.put(s.ws, helper + 2, 12, result.satisfaction_split, "muted")
    chart = wb.add_chart({"type": "scatter"})
    for r in range(top + 1, last + 1):
        chart.add_series({
            "name": [SHEET_SURVEY, r, 1],
            "categories": [SHEET_SURVEY, r, 4, r, 4],  # x: satisfaction
            "values": [SHEET_SURVEY, r, 3, r, 3],  # y: importance
            "marker": {"type": "circle", "size": 8},
            "data_labels": {"series_name": True, "position": "right"},
        })
    line = {"dash_type": "dash", "color": "#7F7F7F", "width": 1}
    chart.add_series({"name": "重要度分界", "categories": [SHEET_SURVEY, helper + 1, 10, helper + 2, 10],
                      "values": [SHEET_SURVEY, helper + 1, 11, helper + 2, 11], "line": line,
                      "marker": {"type": "none"}})
    chart.add_series({"name": "满意度分界", "categories": [SHEET_SURVEY, helper + 1, 12, helper + 2, 12],
                      "values": [SHEET_SURVEY, helper + 1, 10, helper + 2, 10], "line": line,
                      "marker": {"type": "none"}})
    chart.set_title({"name": "重要度 × 满意度（左上：优先改进）"})
    chart.set_x_axis({"name": "满意度", "min": 1, "max": 5, "major_unit": 1})
    chart.set_y_axis({"name": "重要度", "min": 1, "max": 5, "major_unit": 1, "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": 420})
    s.ws.insert_chart(s.row, 1, chart)


def _complaints(wb: Workbook, cells: Cells, data: ComplaintsData | None, a: ComplaintsAnalysis | None) -> None:
    s = _Sheet(wb, cells, SHEET_COMPLAINTS)
    s.ws.set_column(0, 0, 14)
    s.ws.set_column(1, 8, 12)
    s.title("客户投诉跟进", "每条投诉都要跟进到结案；本表不含投诉内容和客户信息。")
    if data is None or a is None:
        s.note("本次没有提交投诉记录表（含“投诉记录”工作表的文件）。")
        return
    s.note(f"文件：{data.source}　投诉 {a.total} 条：处理中 {a.open} 条，已结案 {a.closed} 条"
           f"（读取 {data.rows.read}，拒绝 {data.rows.rejected}）。")
    s.note(f"首次回应：{response_window(a.first_response_days)}内回应 {a.responded_in_time} 条，"
           f"回应晚了 {a.responded_late} 条，逾期仍未回应 {a.awaiting_response} 条"
           f"（没填回应日期时，以结案日期为回应）。")
    s.row += 1
    s.section("未结案投诉的时长")
    top, last = s.table(["已过天数", "条数"], [[k, v] for k, v in a.open_by_age.items()], ("bold", "int"))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "未结案投诉", "categories": [SHEET_COMPLAINTS, top + 1, 0, last, 0],
                      "values": [SHEET_COMPLAINTS, top + 1, 1, last, 1], "fill": {"color": "#C00000"},
                      "data_labels": {"value": True}})
    chart.set_title({"name": "未结案投诉（按已过天数）"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}})
    chart.set_size({"width": 440, "height": 260})
    s.ws.insert_chart(top, 4, chart)
    s.section("结案用时（天）")
    s.table(["已结案", "平均", "中位数"], [[a.closed, a.mean_days_to_close if a.mean_days_to_close is not None else "—",
                                      a.median_days_to_close if a.median_days_to_close is not None else "—"]],
            ("int", "money", "money"))
    s.row = max(s.row, top + 14)
    s.section("各团队的投诉类别")
    cats = list(a.by_category)
    rows = [[team, *(counts.get(c, 0) for c in cats), sum(counts.values())] for team, counts in a.by_team.items()]
    rows.append(["合计", *(a.by_category[c] for c in cats), a.total])
    s.table(["团队", *cats, "合计"], rows, ("bold", *(["int"] * (len(cats) + 1))))
    s.section(overdue_title(a))
    if a.overdue:
        s.table(["投诉日期", "工号", "团队", "类别", "已过天数", "逾期原因", "原表行"],
                [[o.date, o.agent_id, o.team, o.category, o.age_days, "、".join(o.reasons), o.row]
                 for o in a.overdue],
                (None, "text", None, None, "int", None, "int"))
    else:
        s.note("没有逾期的投诉。")


def _standings(s: _Sheet, title: str, lines: list[Standing], team: bool) -> None:
    s.put(0, title, "bold")
    s.row += 1
    headers = ["排名", "团队", "代理人数", "保单", "保费", "积分", "目标", "达成率"] if team else \
        ["排名", "工号", "姓名", "团队", "保单", "保费", "积分", "目标", "达成率"]
    rows = []
    for x in lines:
        ach = x.achieved if x.achieved is not None else "—"
        rows.append([x.rank, x.name, x.agents, x.policies, x.premium, x.points, x.target, ach] if team else
                    [x.rank, x.key, x.name, x.team, x.policies, x.premium, x.points, x.target, ach])
    styles = ("int", "bold", "int", "int", "money", "money", "money", "pct") if team else \
        ("int", "text", None, None, "int", "money", "money", "money", "pct")
    s.table(headers, rows, styles)


def _campaigns(wb: Workbook, cells: Cells, results: Sequence[CampaignResult]) -> None:
    s = _Sheet(wb, cells, SHEET_CAMPAIGN)
    s.ws.set_column(0, 0, 10)
    s.ws.set_column(1, 9, 12)
    s.title("销售活动积分排名", "积分 = 保费 ÷ 10,000 × 每万元积分；按月与目标比较。")
    if not results:
        s.note("规则文件中没有定义销售活动（campaigns）。")
        return
    for res in results:
        c = res.campaign
        products = "全部险种" if c.products == "all" else "、".join(c.products)
        s.section(f"{c.name}（{c.start.isoformat()} 至 {c.end.isoformat()}）")
        s.note(f"计入险种：{products}；每万元保费：代理人 {c.points_per_10k.agent:g} 分，营业部 "
               f"{c.points_per_10k.branch:g} 分；每位代理人每月目标 {c.monthly_target_points:g} 分。")
        n_agents = len(res.agents.get(ALL_MONTHS, []))
        rows = []
        for m in res.months:
            n, prem, branch_points = res.branch[m]
            agent_points = sum(x.points for x in res.agents[m])
            rows.append([m, n, prem, agent_points, branch_points, c.monthly_target_points * n_agents])
        top, last = s.table(["月份", "保单", "保费", "代理人积分", "营业部积分", "代理人目标合计"], rows,
                            ("bold", "int", "money", "money", "money", "money"))
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "代理人积分", "categories": [SHEET_CAMPAIGN, top + 1, 0, last, 0],
                          "values": [SHEET_CAMPAIGN, top + 1, 3, last, 3], "fill": {"color": "#1F4E78"},
                          "data_labels": {"value": True, "num_format": "0.0"}})
        target = wb.add_chart({"type": "line"})
        target.add_series({"name": "目标", "categories": [SHEET_CAMPAIGN, top + 1, 0, last, 0],
                           "values": [SHEET_CAMPAIGN, top + 1, 5, last, 5],
                           "line": {"color": "#C00000", "dash_type": "dash"}})
        chart.combine(target)
        chart.set_title({"name": f"{c.name}：每月积分与目标"})
        chart.set_legend({"position": "bottom"})
        chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}})
        chart.set_size({"width": 520, "height": 280})
        s.ws.insert_chart(top, 7, chart)
        s.row = max(s.row, top + 16)
        for m in (*res.months, ALL_MONTHS):
            label = "整个活动期" if m == ALL_MONTHS else m
            _standings(s, f"{label} · 团队排名", res.teams[m], team=True)
            _standings(s, f"{label} · 代理人排名", res.agents[m], team=False)


def write_branch_workbook(
    path: Path, *, report: dict[str, Any], survey: SurveyData | None, complaints: ComplaintsData | None,
    campaigns: Sequence[CampaignResult], rules: Rules, today: date,
) -> None:
    """Write ``branch.xlsx`` (replaced atomically): 汇总, 满意度分析, 投诉, 活动排名.

    ``survey`` / ``complaints`` are the readers' results (None when the branch sent no
    such file); ``campaigns`` is :func:`generator.campaign.merge`'s result.
    """
    survey_result = analyse_survey(survey, rules) if survey is not None and survey.status != "failed" else None
    complaints_result = (analyse_complaints(complaints, rules, today, teams_from_report(report))
                         if complaints is not None and complaints.status != "failed" else None)
    with atomic_workbook(Path(path), created=today, title="营业部服务质量与活动报表") as wb:
        cells = Cells(wb)
        _summary(wb, cells, report, rules, today, [
            ("满意度调查", survey.source if survey else "", survey),
            ("投诉记录", complaints.source if complaints else "", complaints),
        ])
        _survey(wb, cells, survey, survey_result)
        _complaints(wb, cells, complaints, complaints_result)
        _campaigns(wb, cells, campaigns)

