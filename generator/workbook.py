"""Write one agent's graded book as a fresh Excel workbook (xlsxwriter).

The workbook is built from the :class:`~generator.models.Book` alone, never by copying
the agent's file, so nothing active (formulas, macros, links) can travel from input to
output. Every cell goes through :meth:`Cells.put`, which writes agents' text with
``write_string`` and a quote-prefix format when it looks like a formula.

    >>> from datetime import date
    >>> from generator.models import AgentInfo, Book
    >>> from generator.rules import load_rules
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "1001.xlsx"
    >>> write_agent_workbook(Book("1001.xlsx", AgentInfo("1001", "张三")), load_rules(), out,
    ...                      today=date(2026, 11, 5))
    >>> out.exists()
    True

Sheets: 总览, 成交客户, 未成交客户, 服务记录 (only when there are service records),
等级变化 and 转介绍 (only when history/referrals were computed: ``book.grade_changes``,
``book.referrals``), 数据问题, 说明.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .issues import Issue
from .models import Book, IssueCounts, Record
from .pagekit import pct
from .rules import Rules
from .xlsx_writer import STYLES, Cells, Col, atomic_workbook, setup_table
from .roundtrip import DERIVED_MARK, write_agent_sheet
from .workbook_help import (
    SHEET_CHANGES, SHEET_HELP, SHEET_ISSUES, SHEET_OVERVIEW, SHEET_REFERRALS, quadrant_names,
    write_rules_help,
)
from .workbook_today import write_today
from .activity import SHEET_ACTIVITY
from .schema import AGENT_SHEET, CLOSED, PROSPECT, SERVICE, WORKLOG, Sheet, column_letter, match_sheet

__all__ = [
    "write_agent_workbook",
    "experience_text",
    "issue_location",
    "rating_text",
]

CVE_HEADERS = ("CVE 评分", "CVE 排名")

SEVERITY_TEXT = {"error": "错误", "warning": "警告"}
# Excel refuses more hyperlinks than this per worksheet; later issues get plain text.
_MAX_LINKS = 65_000

# Fill colours for the 等级 column, in grade order (A, B, C, D, then repeats).
GRADE_FILLS = ("#C6EFCE", "#DDEBF7", "#FFEB9C", "#F2F2F2", "#FCE4D6")


# --- text helpers shared with other outputs -----------------------------------------

def rating_text(value: str | None, derived: bool) -> str:
    """``高`` or ``高（推定）`` when the value was derived, not given by the agent."""
    if not value:
        return ""
    return value + DERIVED_MARK if derived else value


def experience_text(experiences: Sequence[tuple[str, str]]) -> str:
    """``☆生活服务、☆量身定制；✓常规服务、定期拜访；酌情：一般活动`` (× items left out)."""
    strategic = [item for mark, item in experiences if mark == "☆"]
    given = [item for mark, item in experiences if mark == "✓"]
    optional = [item for mark, item in experiences if mark == "◎"]
    parts = []
    if strategic:
        parts.append("、".join("☆" + item for item in strategic))
    if given:
        parts.append("✓" + "、".join(given))
    if optional:
        parts.append("酌情：" + "、".join(optional))
    return "；".join(parts)


# --- the record sheets ------------------------------------------------------------

_KIND_STYLE = {"date": "date", "money": "money", "int": "int", "phone": "text"}
_RATING_KEYS = {"capability": "资产能力", "trust": "信赖程度"}


def _value_getter(key: str) -> Callable[[Record], Any]:
    return lambda r: r.values.get(key)


def _record_columns(sheet: Sheet, extra_headers: Sequence[str], *, graded: bool, cve: bool = False) -> list[Col]:
    cols: list[Col] = []
    for c in sheet.columns:
        if graded and c.key in _RATING_KEYS:
            # Shown once, in the result block, as the effective value (given or derived).
            continue
        get = _value_getter(c.key)
        if c.key == "client_id":
            get = lambda r: r.values.get("client_id") or r.client_key  # noqa: E731
        style = _KIND_STYLE.get(c.kind, "wrap" if c.width >= 20 else None)
        cols.append(Col(c.name, c.width, get, style, "header_required" if c.required else None))
    if graded:
        cols += [
            Col("等级", 6, lambda r: r.grade, "center", "header_result"),
            Col("象限", 6, lambda r: r.quadrant, "center", "header_result"),
            *([Col("价值分层", 10, lambda r: r.segment, "center", "header_result")] if sheet is CLOSED else []),
            Col("资产能力", 10, lambda r: rating_text(r.capability, "资产能力" in r.derived),
                 None, "header_result"),
            Col("信赖程度", 10, lambda r: rating_text(r.trust, "信赖程度" in r.derived),
                 None, "header_result"),
            Col("建议动作", 30, lambda r: "；".join(r.actions), "wrap", "header_result"),
            Col("建议体验", 40, lambda r: experience_text(r.experiences), "wrap", "header_result"),
        ]
    if cve:
        cols += [Col(CVE_HEADERS[0], 9, lambda r: r.cve_score, None, "header_result"),
                 Col(CVE_HEADERS[1], 9, lambda r: r.cve_rank, "center", "header_result")]
    cols.append(Col("问题", 40, lambda r: "；".join(i.message for i in r.issues), "wrap",
                     "header_result"))
    for h in extra_headers:
        cols.append(Col(h, 14, lambda r, h=h: r.extra.get(h), None, "header_extra"))  # type: ignore[misc]
    return cols


def _extra_headers(book: Book, sheet: str, records: Sequence[Record]) -> list[str]:
    # Prefer the reader's header order; fall back to first appearance in the rows.
    headers = list(book.extra_headers.get(sheet, []))
    seen = set(headers)
    for r in records:
        for h in r.extra:
            if h not in seen:
                seen.add(h)
                headers.append(h)
    return headers


class _Writer:
    """Writes one book; remembers where each accepted row landed for the issue links."""

    def __init__(self, wb: Workbook, book: Book, rules: Rules, today: date) -> None:
        self.wb, self.book, self.rules, self.today = wb, book, rules, today
        self.cells = Cells(wb)
        # (canonical sheet, original Excel row) → (sheet here, {column header: index}, row here)
        self.rows: dict[tuple[str, int], tuple[str, dict[str, int], int]] = {}
        self.grade_formats: dict[str, Format] = {}

    # -- sheets 2–4 --------------------------------------------------------------
    def records(self, sheet: Sheet, records: Sequence[Record], *, graded: bool) -> None:
        ws = self.wb.add_worksheet(sheet.name)
        cve = graded and any(r.cve_score is not None for r in records)
        cols = _record_columns(sheet, _extra_headers(self.book, sheet.name, records), graded=graded, cve=cve)
        setup_table(ws, self.cells, cols, len(records), freeze_cols=2 if graded else 0)
        index = {c.header: i for i, c in enumerate(cols)}
        styles = [self.cells.style(c.style) for c in cols]
        getters = [c.get for c in cols]
        put_row = self.cells.put_row
        for n, rec in enumerate(records, start=1):
            put_row(ws, n, [get(rec) for get in getters], styles)
            self.rows.setdefault((rec.sheet, rec.row), (sheet.name, index, n))
        if graded and records:
            grade_col = index["等级"]
            for grade, fill in zip(_all_grades(self.rules), _cycle(GRADE_FILLS)):
                fmt = self.grade_formats.get(grade)
                if fmt is None:
                    fmt = self.grade_formats[grade] = self.wb.add_format({"bg_color": fill, "bold": True})
                ws.conditional_format(1, grade_col, len(records), grade_col, {
                    "type": "cell", "criteria": "==", "value": f'"{grade}"', "format": fmt})

    # -- sheet 1 -----------------------------------------------------------------
    def overview(self) -> None:
        ws = self.wb.add_worksheet(SHEET_OVERVIEW)
        put, book, kpis = self.cells.put, self.book, self.book.kpis
        a = book.agent
        ws.set_column(0, 0, 16)
        ws.set_column(1, 3, 12)
        ws.set_column(4, 4, 44)
        ws.hide_gridlines(2)
        put(ws, 0, 0, f"客户经营报表：{a.agent_id} {a.name}".strip(), "title")
        ws.set_row(0, 26)
        put(ws, 1, 0, f"团队：{a.team or '—'}　营业部：{a.branch or '—'}　"
                      f"生成日期：{self.today.isoformat()}　来源：{book.source}", "subtitle")

        # What to do today, then the KPI block.
        row = write_today(ws, self.cells, book, self.today, 3)
        put(ws, row, 0, "关键指标", "section")
        row += 1
        for i, h in enumerate(("指标", "数值", "目标", "达成", "说明")):
            put(ws, row, i, h, "header")
        targets = self.rules.targets
        issues = kpis.get("issues") or IssueCounts(error=0, warning=0)
        kpi_rows: list[tuple[str, Any, str | None, float | None, str]] = [
            ("客户数", kpis.get("clients", 0), "int", None, "成交客户人数，同一客户多张保单只计一次"),
            ("准客户数", kpis.get("prospects", 0), "int", None, "未成交客户人数"),
            ("保单数", kpis.get("policies", 0), "int", None, "录入成功的保单行数"),
            ("年交保费合计", kpis.get("premium", 0.0), "money", None, "期交保单的年交保费之和（元），不含趸交"),
            ("趸交保费合计", kpis.get("single_premium", 0.0), "money", None, "一次交清的保单保费之和（元），另列"),
            ("加保率", kpis.get("addon_rate"), "pct", targets.addon_rate, "持有两张及以上保单的成交客户占比"),
            ("转介绍率", kpis.get("referral_rate"), "pct", targets.referral_rate, "介绍过其他客户的成交客户占比"),
            ("数据问题", f"错误 {issues['error']} 条 / 警告 {issues['warning']} 条",
             None, None, "详见“数据问题”工作表"),
        ]
        for label, value, style, target, note in kpi_rows:
            row += 1
            put(ws, row, 0, label, "bold", "box")
            if style == "pct" and value is None:
                put(ws, row, 1, "—", "muted", "box", "center")
            else:
                put(ws, row, 1, value, style, "box")
            if target is None:
                put(ws, row, 2, "", "box")
                put(ws, row, 3, "", "box")
            else:
                put(ws, row, 2, target, "pct0", "box")
                if value is None:
                    put(ws, row, 3, "—", "muted", "box", "center")
                elif value >= target:
                    put(ws, row, 3, "✓ 达标", "good", "box", "center")
                else:
                    put(ws, row, 3, "✗ 未达标", "bad", "box", "center")
            put(ws, row, 4, note, "muted", "box")

        # Grade mix: closed and prospect side by side so one clustered chart shows both.
        row += 2
        put(ws, row, 0, "客户等级分布", "section")
        row += 1
        grade_header = row
        for i, h in enumerate(("等级", "成交客户", "未成交客户")):
            put(ws, row, i, h, "header")
        closed_grades = _grades(self.rules, "closed")
        prospect_grades = _grades(self.rules, "prospect")
        gc, gp = kpis.get("grades_closed") or {}, kpis.get("grades_prospect") or {}
        for g in _all_grades(self.rules):
            row += 1
            put(ws, row, 0, g, "bold", "box", "center")
            put(ws, row, 1, gc.get(g, 0) if g in closed_grades else "", "box")
            put(ws, row, 2, gp.get(g, 0) if g in prospect_grades else "", "box")
        grade_last = row

        # Quadrant mix with the strategy for each.
        row += 2
        put(ws, row, 0, "四象限分布（成交客户与准客户）", "section")
        row += 1
        quad_header = row
        for i, h in enumerate(("象限", "人数")):
            put(ws, row, i, h, "header")
        ws.merge_range(row, 2, row, 4, "", self.cells.fmt("header"))
        put(ws, row, 2, "经营策略", "header")
        quads = kpis.get("quadrants") or {}
        strategy = self.rules.quadrants.strategy
        for q in quadrant_names(self.rules):
            row += 1
            put(ws, row, 0, q, "bold", "box", "center")
            put(ws, row, 1, quads.get(q, 0), "box")
            ws.merge_range(row, 2, row, 4, "", self.cells.fmt("box", "wrap"))
            put(ws, row, 2, strategy.get(q, ""), "box", "wrap")
        quad_last = row

        # Native charts that reference the tables above, so they update if edited.
        grade_chart = self.wb.add_chart({"type": "column"})
        for col, colour in ((1, "#1F4E78"), (2, "#A9C4E4")):
            grade_chart.add_series({
                "name": [SHEET_OVERVIEW, grade_header, col],
                "categories": [SHEET_OVERVIEW, grade_header + 1, 0, grade_last, 0],
                "values": [SHEET_OVERVIEW, grade_header + 1, col, grade_last, col],
                "fill": {"color": colour},
                "data_labels": {"value": True},
            })
        grade_chart.set_title({"name": "客户等级分布"})
        grade_chart.set_y_axis({"name": "人数", "major_gridlines": {"visible": True}})
        grade_chart.set_legend({"position": "bottom"})
        grade_chart.set_size({"width": 460, "height": 290})
        quad_chart = self.wb.add_chart({"type": "pie"})
        quad_chart.add_series({
            "name": "四象限分布",
            "categories": [SHEET_OVERVIEW, quad_header + 1, 0, quad_last, 0],
            "values": [SHEET_OVERVIEW, quad_header + 1, 1, quad_last, 1],
            "data_labels": {"category": True, "value": True, "percentage": False},
        })
        quad_chart.set_title({"name": "四象限分布"})
        quad_chart.set_legend({"position": "right"})
        quad_chart.set_size({"width": 420, "height": 290})
        ws.insert_chart(3, 6, grade_chart)
        ws.insert_chart(19, 6, quad_chart)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 1)

    # -- record revision and referral chain (enrich.enrich_book) ------------------
    def _row_link(self, ws: Worksheet, row: int, col: int, sheet: str, src_row: int) -> None:
        """A link to the client's row in this workbook (the text names the row it lands on),
        or, for a row not copied here, where it is in the agent's own file."""
        hit = self.rows.get((sheet, src_row))
        if hit is None:
            self.cells.put(ws, row, col, f"原表 {sheet} 第 {src_row} 行")
        else:
            self.cells.link(ws, row, col, f"'{hit[0]}'!A{hit[2] + 1}", f"本簿 {hit[0]}!A{hit[2] + 1}")

    def grade_changes(self) -> None:
        ws = self.wb.add_worksheet(SHEET_CHANGES)
        changes = self.book.grade_changes or []
        headers = (("客户编号", 12), ("姓名", 12), ("类别", 8), ("原等级", 7), ("原象限", 7), ("现等级", 7),
                   ("现象限", 7), ("变化", 8), ("新的经营策略", 40), ("建议动作", 30), ("位置", 16))
        cols = [Col(h, w, lambda r: None, "wrap" if w >= 30 else None) for h, w in headers]
        setup_table(ws, self.cells, cols, len(changes), freeze_cols=2)
        put = self.cells.put
        for n, c in enumerate(changes, start=1):
            values = (c.client_key, c.name, "成交客户" if c.kind == "closed" else "准客户", c.old_grade,
                      c.old_quadrant, c.grade, c.quadrant, c.direction, c.strategy, "；".join(c.actions))
            for i, v in enumerate(values):
                put(ws, n, i, v, cols[i].style, "center" if 3 <= i <= 7 else None)
            self._row_link(ws, n, len(values), c.sheet, c.row)
        since = self.book.compared_with
        note = (f"与 {since.isoformat()} 的记录相比，共 {len(changes)} 位客户的等级或象限发生了变化；"
                "请按新的策略调整服务（档案修正）。" if since else
                "这是第一次记录，还没有可以对比的历史；下次生成时这里会列出等级或象限有变化的客户。")
        put(ws, len(changes) + 2, 0, note, "muted")

    def referrals(self) -> None:
        ws = self.wb.add_worksheet(SHEET_REFERRALS)
        found = self.book.referrals
        chains = found.chains if found else []
        headers = (("链", 5), ("代数", 6), ("客户（按介绍关系缩进）", 30), ("客户编号", 12), ("类别", 8),
                   ("直接介绍", 9), ("全链后代", 9), ("位置", 16))
        cols = [Col(h, w, lambda r: None) for h, w in headers]
        rows = sum(c.size for c in chains)
        setup_table(ws, self.cells, cols, rows, freeze_cols=0)
        cells, put, n = self.cells, self.cells.put, 0
        # Formats looked up once per column (put_row); the chain's first person in bold.
        plain = [cells.style("center"), cells.style("center")] + [cells.style()] * 5
        head = plain[:2] + [cells.style("bold")] + plain[3:]
        for chain in chains:
            for key in chain.members:
                node = found.nodes[key]  # type: ignore[union-attr]
                n += 1
                indent = "　" * (2 * node.generation) + ("└ " if node.generation else "")
                cells.put_row(ws, n, (chain.number, node.generation, indent + node.name, key,
                                      "成交客户" if node.kind == "closed" else "准客户", len(node.children),
                                      node.descendants), plain if node.generation else head)
                self._row_link(ws, n, 7, node.sheet, node.row)
        stats = found.stats(self.book.kpis.get("clients")) if found else {}
        row = n + 2
        summary = [
            ("转介绍链", f"{stats.get('chains', 0)} 条，共 {stats.get('chain_members', 0)} 人；"
                        f"最大一条 {stats.get('largest_chain', 0)} 人，最长 {stats.get('longest_chain', 0)} 代"),
            ("经转介绍成交", f"{stats.get('referred_clients', 0)} 位成交客户"
                           f"（占 {pct(stats.get('referred_share'))}）"),
            ("转介绍准客户", f"{stats.get('referred_prospects', 0)} 位未成交；"
                           f"转介绍成交率 {pct(stats.get('referred_conversion'))}"),
            ("需要核对", f"介绍人找不到 {stats.get('unknown_referrers', 0)} 处，重名 "
                        f"{stats.get('ambiguous_referrers', 0)} 处，循环 {stats.get('cycles', 0)} 处（见“数据问题”）"),
        ]
        for label, text in summary:
            put(ws, row, 0, label, "bold")
            put(ws, row, 2, text)
            row += 1

    # -- sheet 5 -----------------------------------------------------------------
    def issues(self) -> None:
        ws = self.wb.add_worksheet(SHEET_ISSUES)
        put = self.cells.put
        headers = (("严重程度", 8), ("工作表", 12), ("行", 6), ("列", 14), ("代码", 20),
                   ("问题", 50), ("修改建议", 50), ("位置", 18))
        cols = [Col(h, w, lambda r: None) for h, w in headers]
        ordered = sorted(self.book.issues, key=_issue_order)
        setup_table(ws, self.cells, cols, len(ordered), freeze_cols=0)
        links = 0
        for n, issue in enumerate(ordered, start=1):
            sev = issue.severity
            put(ws, n, 0, SEVERITY_TEXT.get(sev, sev), sev if sev in STYLES else None)
            put(ws, n, 1, issue.sheet)
            put(ws, n, 2, issue.row)
            put(ws, n, 3, issue.column)
            put(ws, n, 4, issue.code)
            put(ws, n, 5, issue.message, "wrap")
            put(ws, n, 6, issue.hint, "wrap")
            target = self._target(issue)
            if target and links < _MAX_LINKS:
                self.cells.link(ws, n, 7, target, "本簿 " + target.replace("'", ""))
                links += 1
            elif target:
                put(ws, n, 7, "本簿 " + target.replace("'", ""))
            else:
                put(ws, n, 7, source_location(issue))

    def _target(self, issue: Issue) -> str | None:
        """``'成交客户'!C7`` for an issue on a row that is in this workbook.

        A rejected row is not here, and a row the previous build left behind is a row of
        another file: neither may link to whatever row of this workbook has its number.
        """
        if not issue.sheet or issue.row is None or issue.code in NOT_IN_WORKBOOK:
            return None
        found = match_sheet(issue.sheet)
        canonical = found.name if found else issue.sheet
        hit = self.rows.get((canonical, issue.row))
        if hit is None:
            return None
        sheet, index, row = hit
        col = index.get(issue.column or "", 0)
        return f"'{sheet}'!{column_letter(col)}{row + 1}"

    # -- sheet 6 -----------------------------------------------------------------
    def help(self, sheets: Sequence[str]) -> None:
        ws = self.wb.add_worksheet(SHEET_HELP)
        write_rules_help(ws, self.cells, self.rules, sheets)


# Issues about rows of another file (the original a workbook was made from).
NOT_IN_WORKBOOK = frozenset({"rows-left-behind"})


def source_location(issue: Issue) -> str:
    """Where a problem not in this workbook is in the agent's own file:
    ``原表 1001_张三.xlsx：成交客户!C5（未录入本簿）``."""
    where = issue_location(issue)
    if not where:
        return f"原表 {issue.file}" if issue.file else ""
    prefix = f"原表 {issue.file}：" if issue.file else "原表 "
    if issue.row is not None and issue.severity == "error":
        return f"{prefix}{where}（未录入本簿）"
    return prefix + where


def issue_location(issue: Issue) -> str:
    """Where the issue is in the agent's original book: ``成交客户!C5``."""
    if not issue.sheet:
        return ""
    if issue.row is None:
        return issue.sheet
    if issue.column_letter:
        return f"{issue.sheet}!{issue.column_letter}{issue.row}"
    return f"{issue.sheet}!{issue.row}:{issue.row}"


_SHEET_ORDER = {s.name: i for i, s in enumerate((CLOSED, PROSPECT, SERVICE))}


def _issue_order(issue: Issue) -> tuple[int, int, int]:
    # Errors first; then file-level problems, then sheets in book order, then rows.
    sheet = -1 if not issue.sheet else _SHEET_ORDER.get(issue.sheet, len(_SHEET_ORDER))
    return (0 if issue.severity == "error" else 1, sheet, issue.row or 0)


def _grades(rules: Rules, book: str) -> list[str]:
    return list(dict.fromkeys(r.grade for r in rules.grading[book]))  # type: ignore[index]


def _all_grades(rules: Rules) -> list[str]:
    return sorted(set(_grades(rules, "closed")) | set(_grades(rules, "prospect")))


def _cycle(values: Sequence[str]) -> Iterator[str]:
    while True:
        yield from values


def write_agent_workbook(book: Book, rules: Rules, path: Path, *, today: date) -> None:
    """Write ``book`` (validated and classified) as the agent's workbook at ``path``.

    The file is replaced atomically; the same book and ``today`` give the same cells.
    """
    from .workbook_calendar import CalendarSheets

    title = f"客户经营报表 {book.agent.agent_id} {book.agent.name}"
    from .workbook_clients import SHEET_CLIENTS, write_clients

    with atomic_workbook(path, created=today, title=title) as wb:
        w = _Writer(wb, book, rules, today)
        sheets = [SHEET_OVERVIEW, CLOSED.name, PROSPECT.name]
        # The overview is created first so it is the first tab, but its charts only
        # reference its own cells, so record sheets can be filled afterwards.
        w.overview()
        # The calendar is what an agent opens every day: its tabs come second, but they are
        # filled after the client sheets so their rows can link to them.
        calendar = CalendarSheets(wb, w.cells, book, today)
        sheets[1:1] = calendar.add()
        # One row per client, right after the calendar; filled once rows have landed.
        clients = wb.add_worksheet(SHEET_CLIENTS)
        sheets.insert(sheets.index(CLOSED.name), SHEET_CLIENTS)
        w.records(CLOSED, book.closed, graded=True)
        w.records(PROSPECT, book.prospects, graded=True)
        if book.services:
            w.records(SERVICE, book.services, graded=False)
            sheets.append(SERVICE.name)
        if book.worklog:
            w.records(WORKLOG, book.worklog, graded=False)
            sheets.append(WORKLOG.name)
        if book.kpis.get("activity"):
            from .workbook_activity import write_activity_sheet

            write_activity_sheet(wb, w.cells, book.kpis["activity"])
            sheets.append(SHEET_ACTIVITY)
        if book.grade_changes is not None:
            w.grade_changes()
            sheets.append(SHEET_CHANGES)
        if book.referrals is not None:
            w.referrals()
            sheets.append(SHEET_REFERRALS)
        calendar.fill(w._row_link)
        write_clients(clients, w.cells, book, w._row_link)
        w.issues()
        sheets += [SHEET_ISSUES, SHEET_HELP, AGENT_SHEET]
        w.help(sheets)
        write_agent_sheet(wb, w.cells, book, today)
