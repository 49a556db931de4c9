"""The 说明 sheet of an agent workbook, and the names of the workbook's sheets.

The help is generated from the rules (grading, quadrants, derivation, experiences,
targets, CVE) so it cannot drift from what the workbook shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet

from .activity import SHEET_ACTIVITY
from .cve import rule_items
from .rules import QUADRANTS, Condition, Rules
from .schema import AGENT_SHEET, CLOSED, PROSPECT, SERVICE, WORKLOG
from .workbook_calendar import SHEET_CALENDAR
from .workbook_today import TASK_KIND_HELP
from .xlsx_writer import Cells

__all__ = ["SHEET_CALENDAR", "SHEET_CHANGES", "SHEET_HELP", "SHEET_ISSUES", "SHEET_OVERVIEW", "SHEET_REFERRALS",
           "condition_text", "quadrant_names", "write_rules_help"]

SHEET_OVERVIEW = "总览"
SHEET_ISSUES = "数据问题"
SHEET_HELP = "说明"
SHEET_CHANGES = "等级变化"
SHEET_REFERRALS = "转介绍"


def condition_text(cond: Condition) -> str:
    """A rule's ``when`` in words: ``经济条件为好、保险意识为强``."""
    if not cond.when:
        return "其余情况"
    parts = []
    for key, want in cond.when.items():
        words = [want] if isinstance(want, str) else list(want)
        parts.append(f"{key}为{'或'.join(words)}")
    return "、".join(parts)


def quadrant_names(rules: Rules) -> list[str]:
    return [q for q in QUADRANTS if q in rules.experiences.matrix or q in rules.quadrants.strategy]


NOTE_WIDTH = 54  # columns A and B are 14 + 44 units wide (what a printed page shows); a margin


def write_rules_help(ws: Worksheet, cells: Cells, rules: Rules, sheets: Sequence[str]) -> None:
    """The 说明 sheet: how to read the workbook, generated from the rules so it cannot drift."""
    put = cells.put
    items = [e.name for e in rules.experiences.items]
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 48)
    ws.set_column(3, 3 + len(items), 10)
    ws.hide_gridlines(2)
    row = 0
    put(ws, row, 0, "怎样阅读这份工作簿", "title")
    row += 2

    def section(title: str) -> None:
        nonlocal row
        put(ws, row, 0, title, "section")
        row += 1

    def header(*names: str) -> None:
        nonlocal row
        for i, name in enumerate(names):
            put(ws, row, i, name, "header")
        row += 1

    def note(text: str) -> None:
        """A paragraph under a table: merged across columns A and B (a wrapped cell in
        column A alone showed a few characters per line and cut the rest), as tall as its
        text needs."""
        nonlocal row
        ws.merge_range(row, 0, row, 1, "", cells.fmt("wrap"))
        put(ws, row, 0, text, "wrap")
        width = sum(2 if ord(c) > 0x2E7F else 1 for c in text)  # CJK characters are two units wide
        ws.set_row(row, 16 * max(1, math.ceil(width / NOTE_WIDTH)) + 2)
        row += 1

    def line(*values: Any, style: str | None = "wrap") -> None:
        nonlocal row
        for i, value in enumerate(values):
            put(ws, row, i, value, style, "box")
        row += 1

    section("各工作表")
    about = {
        SHEET_OVERVIEW: "关键指标、等级与四象限分布及图表",
        CLOSED.name: "每张录入成功的保单一行，右侧绿色表头的列是系统给出的分级和建议，灰色表头是原表中无法识别、原样保留的列",
        PROSPECT.name: "每位录入成功的准客户一行，列的含义同上",
        SERVICE.name: "录入成功的服务记录；“日历任务”列有内容的行来自服务日历中标记完成的事项",
        SHEET_CALENDAR: "今后一段时间每天要做的服务事项（生日、交费、回访、拜访、重点体验、节日）；"
                        "做完后在“完成”列选“是”、在“结果”列写下结果，下月交回本工作簿时自动记入服务记录",
        "客户档案": "每位客户一行（同一客户的多张保单合为一行）：等级、象限、价值分层、保单数、年交保费、"
                    "趸交保费（另列，不计入年交）、来源、介绍人、介绍客户数、CVE、最近服务和下一项任务；"
                    "可按任意列筛选和排序。本页由系统生成，修改客户请到成交客户或未成交客户",
        "节日问候": "每位客户一行、每个节日一列，标出按规则应当问候的客户",
        WORKLOG.name: "录入成功的工作日志（原样保留，可以继续填写）",
        SHEET_ACTIVITY: "本周的出勤、拜访、电话、面谈、新增准客户和促成，对照每日目标和服务日历；带 * 的数字是推算的",
        SHEET_CHANGES: "与上一次记录相比，等级或象限发生变化的客户，以及新的经营策略（档案修正）",
        SHEET_REFERRALS: "转介绍链：谁介绍了谁，按介绍关系缩进；第 0 代是链首",
        SHEET_ISSUES: "原表中发现的全部问题，“错误”的行没有录入，“警告”的行已录入；点击“位置”可跳到本工作簿中对应的行",
        SHEET_HELP: "本页",
        AGENT_SHEET: "代理人信息和工作簿的生成日期；下月把本工作簿交回时，系统凭这一页认出它",
    }
    header("工作表", "内容")
    for name in sheets:
        line(name, about.get(name, ""))
    row += 1

    for book, label in (("closed", "成交客户"), ("prospect", "未成交客户")):
        section(f"{label}的等级（按经济条件、保险意识、影响力）")
        put(ws, row, 0, "从上到下逐条判断，第一条符合的规则决定等级。", "muted")
        row += 1
        header("等级", "条件", "建议动作")
        for r in rules.grading[book]:  # type: ignore[index]
            line(r.grade, condition_text(r), "；".join(rules.actions[book].get(r.grade, [])))  # type: ignore[index]
        row += 1

    section("四象限（按资产能力、信赖程度）")
    header("象限", "条件", "经营策略")
    for q in rules.quadrants.rules:
        line(q.quadrant, condition_text(q), rules.quadrants.strategy.get(q.quadrant, ""))
    row += 1

    section("“（推定）”是什么意思")
    derive = rules.quadrants.derive
    note("资产能力或信赖程度没有填写时，系统按下面的规则推定，并在表中写成“高（推定）”这样的形式；"
         "填写后以填写的为准。")
    header("项目", "推定为“高”的条件", "其余情况")
    line("资产能力", f"经济条件为{'或'.join(derive.capability_high_when_economy)}", "低")
    signals = derive.trust_high_when
    conds = []
    if signals.sources:
        conds.append(f"客户来源为{'或'.join(signals.sources)}")
    if signals.min_policies:
        conds.append(f"持有 {signals.min_policies} 张及以上保单")
    if signals.made_referral:
        conds.append("介绍过其他客户")
    if signals.min_tenure_years:
        conds.append(f"第一张保单已满 {signals.min_tenure_years:g} 年")
    line("信赖程度", "满足任意一条即可：" + "；".join(conds) if conds else "—", "低")
    row += 1

    section("服务日历的任务类型")
    header("任务", "含义")
    for kind, meaning in TASK_KIND_HELP.items():
        line(kind, meaning)
    note("“建议体验”只在拜访和重点体验这类以体验为目的的事项上填写。")
    note("手机日历（calendars 文件夹里的 .ics 文件）：今天和以后的任务每件一条提醒；逾期的任务按类型"
         "合成一条“逾期清单”，放在生成日当天，不响铃，清单里有客户、逾期天数和电话。")
    row += 1

    section("客户体验矩阵")
    header("象限", *items)
    for quadrant in quadrant_names(rules):
        marks = rules.experiences.matrix.get(quadrant, {})
        line(quadrant, *(marks.get(i, "") for i in items), style="center")
    line("成本", *(e.cost for e in rules.experiences.items), style="center")
    row += 1
    header("标记", "含义")
    for mark, meaning in rules.experiences.marks.items():
        line(mark, meaning)
    note("“建议体验”列先列出 ☆ 重点体验，再列出 ✓ 基本体验，最后是“酌情：”后的 ◎ 体验；"
         "× 不提供的体验不列出。每次体验之后请修正客户档案，等级和象限可能随之变化。")
    row += 1

    section("经营目标")
    header("指标", "目标")
    line("加保率", f"不低于 {rules.targets.addon_rate:.0%}（持有两张及以上保单的成交客户占比）")
    line("转介绍率", f"不低于 {rules.targets.referral_rate:.0%}（介绍过其他客户的成交客户占比）")
    row += 1

    section("客户价值评估（CVE 评分）")
    header("项目", "积分")
    for label, value in rule_items(rules):
        line(label, value)
    note("每位成交客户的积分相加即为“CVE 评分”，“CVE 排名”是在本册成交客户中的名次（同分同名次）。")
