"""Dashboard pages for the branch's service quality: survey grid, complaints, campaigns.

``branch_pages(report, survey, complaints, campaigns, rules)`` returns
``{path under the docs folder: Markdown}`` for ``dashboards/_generated/``. Like
:mod:`generator.dashboards` the pages hold aggregates only — attribute means, complaint
counts and ages (never a complaint's content), agents' points — every text is
HTML-escaped, tables are HTML, and charts are ECharts options in ``data-chart``
attributes (scatter, bar and line from the vendored ``echarts.common``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from .campaign import ALL_MONTHS, CampaignResult, Standing
from .complaints import ComplaintsAnalysis, ComplaintsData, analyse_complaints, overdue_title, response_window
from .dashboards import DASH, issue_table
from .pagekit import alert, chart, count, kpi, kpi_row, num, pct, table, text
from .rules import Rules
from .branch_workbook import teams_from_report
from .survey import GAP_RULE, KANO_CLASSES, SurveyAnalysis, SurveyData, analyse_survey

__all__ = ["GENERATED", "branch_pages", "overdue_section", "survey_chart"]

GENERATED = f"{DASH}/_generated"
_QUADRANT_COLOURS = {"优先改进": "#C00000", "继续保持": "#2E7D32", "次要改进": "#7F7F7F", "可能过度投入": "#E69F00"}


def _file_line(data: SurveyData | ComplaintsData) -> str:
    r = data.rows
    return (f"文件：{text(data.source)}；读取 {r.read} 行，录入 {r.accepted} 行，拒绝 {r.rejected} 行。"
            f"数据问题（按代码）：\n\n" + issue_table([i.to_dict() for i in data.issues]))


def survey_chart(result: SurveyAnalysis) -> str:
    """The importance × satisfaction grid as an ECharts scatter, split lines included."""
    series = []
    for quadrant, colour in _QUADRANT_COLOURS.items():
        points = [{"name": a.attribute, "value": [round(a.satisfaction, 2), round(a.importance, 2)]}
                  for a in result.ranked if a.quadrant == quadrant]
        if not points:
            continue
        series.append({"type": "scatter", "name": quadrant, "data": points, "symbolSize": 14,
                       "itemStyle": {"color": colour},
                       "label": {"show": True, "position": "right", "formatter": "{b}"}})
    if series:
        series[0]["markLine"] = {
            "silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#7F7F7F"},
            "label": {"formatter": "{b}"},
            "data": [{"name": "满意度分界", "xAxis": round(result.satisfaction_split, 2)},
                     {"name": "重要度分界", "yAxis": round(result.importance_split, 2)}],
        }
    return chart({
        "title": {"text": "重要度 × 满意度", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>满意度, 重要度: {c}"},
        "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 120, "bottom": 60},
        "xAxis": {"type": "value", "name": "满意度", "min": 1, "max": 5, "nameLocation": "middle", "nameGap": 28},
        "yAxis": {"type": "value", "name": "重要度", "min": 1, "max": 5},
        "series": series,
    }, height=460)


def _survey_page(data: SurveyData | None, result: SurveyAnalysis | None) -> str:
    parts = ["# 客户满意度：重要度与满意度", "[返回总览](../index.md)"]
    if data is None:
        return "\n\n".join(parts + ["本次没有提交满意度调查表。"]) + "\n"
    if result is None:
        return "\n\n".join(parts + ["满意度调查表无法使用。", _file_line(data)]) + "\n"
    parts += [
        f"有效问卷 {result.respondents} 份。每个服务项目取平均分，{GAP_RULE}。"
        f"四象限按重要度 {num(result.importance_split)}、满意度 {num(result.satisfaction_split)} 分界"
        "（等于分界值算“高”）：左上“优先改进”，右上“继续保持”，左下“次要改进”，右下“可能过度投入”。",
        survey_chart(result) if result.ranked else "没有可分析的评分。",
        "## 改进优先顺序",
        table(["排序", "服务项目", "有效回答", "重要度", "满意度", "差距", "四象限", "卡诺类型"], [
            [str(a.rank), text(a.attribute), str(a.respondents), num(a.importance), num(a.satisfaction),
             num(a.gap), text(a.quadrant), text(f"{a.kano} {a.kano_name}" if a.kano else "—")]
            for a in result.ranked], numeric_from=2),
    ]
    if result.kano_only:
        parts.append(table(["服务项目（仅卡诺问题）", "卡诺类型"], [
            [text(attr), text(f"{letter} {KANO_CLASSES[letter]}")] for attr, (letter, _) in result.kano_only.items()],
            sortable=False))
    parts += ["卡诺类型：" + "；".join(f"{k} {text(v)}" for k, v in KANO_CLASSES.items()) + "。取回答中出现最多的一类。",
              "## 数据质量", _file_line(data)]
    return "\n\n".join(parts) + "\n"


def overdue_section(a: ComplaintsAnalysis, *, heading: str = "##") -> str:
    """The overdue open complaints (either clock) as a Markdown section — date, agent,
    team, category, age, which clock; never the content. Also meant for the data-quality page."""
    title = f"{heading} {overdue_title(a)}"
    if not a.overdue:
        return f"{title}\n\n没有逾期的投诉。"
    rows = [[text(o.date.isoformat()), text(o.agent_id), text(o.team), text(o.category), alert(count(o.age_days)),
             text("、".join(o.reasons)), str(o.row)] for o in a.overdue]
    return f"{title}\n\n" + table(["投诉日期", "工号", "团队", "类别", "已过天数", "逾期原因", "原表行"], rows,
                                    numeric_from=4)


def _complaints_page(data: ComplaintsData | None, a: ComplaintsAnalysis | None) -> str:
    parts = ["# 客户投诉跟进", "[返回总览](../index.md)"]
    if data is None:
        return "\n\n".join(parts + ["本次没有提交投诉记录表。"]) + "\n"
    if a is None:
        return "\n\n".join(parts + ["投诉记录表无法使用。", _file_line(data)]) + "\n"
    cards: list[tuple[str, str]] = [
        ("投诉", count(a.total)), ("处理中", count(a.open)), ("已结案", count(a.closed)),
        (f"{response_window(a.first_response_days)}回应", count(a.responded_in_time)),
        ("逾期未回应", count(a.awaiting_response)),
        ("平均结案天数", num(a.mean_days_to_close, 1)), ("结案天数中位数", num(a.median_days_to_close, 1))]
    cats = list(a.by_category)
    parts += [
        kpi_row([kpi(k, v, low=True if k == "逾期未回应" and a.awaiting_response else None,
                     term="按时回应" if i == 3 else None) for i, (k, v) in enumerate(cards)]),
        "本页只有日期、工号、团队和类别，不显示投诉内容。",
        chart({
            "title": {"text": "未结案投诉（按已过天数）", "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": list(a.open_by_age), "axisLabel": {"interval": 0}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "data": list(a.open_by_age.values()), "itemStyle": {"color": "#C00000"},
                        "label": {"show": True, "position": "top"}}],
        }),
        overdue_section(a),
        "## 各团队的投诉类别",
        table(["团队", *map(text, cats), "合计"], [
            [text(team), *(count(counts.get(c, 0)) for c in cats), count(sum(counts.values()))]
            for team, counts in a.by_team.items()]),
        "## 数据质量", _file_line(data),
    ]
    return "\n\n".join(parts) + "\n"


def _agent(s: Standing, mask: bool) -> str:
    return text(s.key if mask or not s.name else f"{s.key} {s.name}")


def _achieved(x: Standing) -> str:
    """达成率, marked like every below-target figure when under 100 %."""
    shown = pct(x.achieved, 0)
    return alert(shown) if x.achieved is not None and x.achieved < 1 else shown


def _standing_table(lines: list[Standing], *, team: bool, mask: bool) -> str:
    if team:
        return table(["排名", "团队", "代理人数", "保单", "保费（元）", "积分", "目标", "达成率"], [
            [str(x.rank), text(x.name), count(x.agents), count(x.policies), count(x.premium), num(x.points),
             num(x.target), _achieved(x)] for x in lines], numeric_from=2)
    return table(["排名", "代理人", "团队", "保单", "保费（元）", "积分", "目标", "达成率"], [
        [str(x.rank), _agent(x, mask), text(x.team), count(x.policies), count(x.premium), num(x.points),
         num(x.target), _achieved(x)] for x in lines], numeric_from=3)


def _campaign_page(results: Sequence[CampaignResult], mask: bool) -> str:
    parts = ["# 销售活动积分排名", "[返回总览](../index.md)"]
    if not results:
        return "\n\n".join(parts + ["规则文件中没有定义销售活动。"]) + "\n"
    for res in results:
        c = res.campaign
        products = "全部险种" if c.products == "all" else "、".join(c.products)
        n_agents = len(res.agents.get(ALL_MONTHS, []))
        agent_points = [round(sum(x.points for x in res.agents[m]), 2) for m in res.months]
        parts += [
            f"## {text(c.name)}",
            f"活动期 {c.start.isoformat()} 至 {c.end.isoformat()}；计入险种：{text(products)}。"
            f"每万元保费代理人 {c.points_per_10k.agent:g} 分、营业部 {c.points_per_10k.branch:g} 分；"
            f"每位代理人每月目标 {c.monthly_target_points:g} 分。",
            chart({
                "title": {"text": "每月积分与目标", "left": "center", "textStyle": {"fontSize": 14}},
                "tooltip": {"trigger": "axis"},
                "legend": {"bottom": 0},
                "grid": {"left": 8, "right": 8, "bottom": 40, "containLabel": True},
                "xAxis": {"type": "category", "data": res.months, "axisLabel": {"interval": 0}},
                "yAxis": {"type": "value"},
                "series": [
                    {"type": "bar", "name": "代理人积分", "data": agent_points,
                     "label": {"show": True, "position": "top"}},
                    {"type": "bar", "name": "营业部积分", "data": [round(res.branch[m][2], 2) for m in res.months],
                     "label": {"show": True, "position": "top"}},
                    {"type": "line", "name": "代理人目标合计",
                     "data": [c.monthly_target_points * n_agents for _ in res.months],
                     "lineStyle": {"type": "dashed"}},
                ],
            }),
            chart(_ranking_bar(res.agents[ALL_MONTHS][:15], mask), height=max(220, 28 * min(15, n_agents) + 80)),
            "### 整个活动期",
            _standing_table(res.teams[ALL_MONTHS], team=True, mask=mask),
            _standing_table(res.agents[ALL_MONTHS], team=False, mask=mask),
        ]
        for m in reversed(res.months):  # latest month first: that is the one being chased
            parts += [f"### {m}", _standing_table(res.teams[m], team=True, mask=mask),
                      _standing_table(res.agents[m], team=False, mask=mask)]
    return "\n\n".join(parts) + "\n"


def _ranking_bar(lines: list[Standing], mask: bool) -> dict[str, Any]:
    lines = list(reversed(lines))  # ECharts draws the first category at the bottom
    labels = [s.key if mask or not s.name else f"{s.key} {s.name}" for s in lines]
    return {
        "title": {"text": "代理人积分（整个活动期）", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 56, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
        "series": [{"type": "bar", "data": [round(s.points, 2) for s in lines],
                    "label": {"show": True, "position": "right"}}],
    }


def branch_pages(
    report: dict[str, Any], survey: SurveyData | None, complaints: ComplaintsData | None,
    campaigns: Sequence[CampaignResult], rules: Rules, *, mask_agents: bool = False,
) -> dict[str, str]:
    """``dashboards/_generated/{survey,complaints,campaign}.md`` for one build."""
    today = date.fromisoformat(report["today"])
    survey_result = analyse_survey(survey, rules) if survey is not None and survey.status != "failed" else None
    complaints_result = (analyse_complaints(complaints, rules, today, teams_from_report(report))
                         if complaints is not None and complaints.status != "failed" else None)
    return {
        f"{GENERATED}/survey.md": _survey_page(survey, survey_result),
        f"{GENERATED}/complaints.md": _complaints_page(complaints, complaints_result),
        f"{GENERATED}/campaign.md": _campaign_page(campaigns, mask_agents),
    }
