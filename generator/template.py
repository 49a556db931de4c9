"""Write the blank agent book (``pasture template``) with xlsxwriter.

Layout comes from the schema (sheets, headers, required flags, hints, widths) and the
rules file (drop-down values); prose and example rows come from
``generator/templates/agent_book.yaml``. So the template always matches what the
reader accepts, and wording changes need no code.

    >>> import tempfile, pathlib
    >>> from generator.rules import load_rules
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "模板.xlsx"
    >>> write_template(out, load_rules())
    >>> out.stat().st_size > 0
    True
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .rules import Rules
from .schema import AGENT_FIELDS, AGENT_SHEET, DATA_SHEETS, Column, Sheet, column_letter
from .xlsx_writer import Cells, atomic_workbook

__all__ = ["TEMPLATE_TEXTS", "TEMPLATE_ROWS", "LISTS_SHEET", "HELP_SHEET", "load_texts", "write_template"]

TEMPLATE_TEXTS = Path(__file__).with_name("templates") / "agent_book.yaml"
LISTS_SHEET = "_lists"
HELP_SHEET = "说明"
# Rows prepared with drop-downs, validation and formats below the header.
TEMPLATE_ROWS = 1000
# Fixed document date: the same rules give a byte-for-byte comparable template.
TEMPLATE_CREATED = date(2026, 1, 1)
# Excel's limits for data-validation prompts.
_TITLE_MAX, _MESSAGE_MAX = 32, 255

_REQUIRED_TEXT_KEYS = ("title", "intro", "steps", "rules", "sheets", "agent_hints", "formats", "examples")


@lru_cache(maxsize=4)
def load_texts(path: Path = TEMPLATE_TEXTS) -> dict[str, Any]:
    """The template's prose and examples, checked against the schema."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}：顶层应是键值对")
    problems = [f"缺少“{k}”" for k in _REQUIRED_TEXT_KEYS if k not in data]
    sheets = {s.name: s for s in DATA_SHEETS}
    for name, row in (data.get("examples") or {}).items():
        if name not in sheets:
            problems.append(f"examples：没有名为“{name}”的工作表")
            continue
        keys = {c.key for c in sheets[name].columns}
        problems += [f"examples.{name}：没有“{k}”这一列" for k in row if k not in keys]
    if problems:
        raise ValueError(f"{path} 有问题：" + "；".join(problems))
    return data


def _input_prompt(col: Column, rules: Rules) -> tuple[str, str]:
    """Title and message of the prompt shown when a cell of ``col`` is selected."""
    parts = ["必填。" if col.required else "选填。"]
    if col.hint:
        parts.append(col.hint)
    elif col.vocab:
        parts.append("可选：" + " / ".join(rules.choices(col.vocab)))
    if col.default:
        parts.append(f"不填时按“{col.default}”处理。")
    return col.name[:_TITLE_MAX], "".join(parts)[:_MESSAGE_MAX]


class _TemplateWriter:
    def __init__(self, wb: Workbook, rules: Rules, texts: dict[str, Any]) -> None:
        self.wb, self.rules, self.texts = wb, rules, texts
        self.cells = Cells(wb)
        self.list_ranges: dict[str, str] = {}

    def lists(self, ws: Worksheet) -> None:
        """One column per vocabulary with its canonical words; drop-downs point here."""
        for i, (vocab, words) in enumerate(self.rules.vocabularies.items()):
            self.cells.put(ws, 0, i, vocab, "bold")
            for n, word in enumerate(words, start=1):
                self.cells.put(ws, n, i, word)
            letter = column_letter(i)
            self.list_ranges[vocab] = f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(words) + 1}"
        ws.hide()

    def agent(self, ws: Worksheet) -> None:
        put = self.cells.put
        hints = self.texts["agent_hints"]
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 24, self.cells.fmt("text"))
        ws.set_column(2, 2, 50)
        # The reader skips a first row whose cells are not agent fields.
        for i, h in enumerate(("项目", "填写", "说明")):
            put(ws, 0, i, h, "header")
        for n, field in enumerate(AGENT_FIELDS, start=1):
            put(ws, n, 0, field.name, "bold", "required" if field.required else None)
            put(ws, n, 1, None, "text", "box")
            hint = hints.get(field.key, "")
            put(ws, n, 2, ("必填。" if field.required else "") + hint, "muted")
            ws.data_validation(n, 1, n, 1, {
                "validate": "any", "input_title": field.name[:_TITLE_MAX],
                "input_message": hint[:_MESSAGE_MAX]})
        ws.freeze_panes(1, 0)

    def data(self, ws: Worksheet, sheet: Sheet) -> None:
        put, last = self.cells.put, TEMPLATE_ROWS
        ws.set_row(0, 30)
        for i, col in enumerate(sheet.columns):
            # Cell formats on the whole column: typed values keep their shape, and
            # phone or policy numbers stay text so leading zeros and digits survive.
            style = {"date": "date", "money": "money", "int": "int", "choice": None}.get(col.kind, "text")
            ws.set_column(i, i, col.width, self.cells.fmt(style))
            # The header text is exactly the canonical name so the reader matches it;
            # required columns are shown in red instead of with a "*".
            put(ws, 0, i, col.name, "header", "header_required" if col.required else None)
            if col.hint or col.required:
                ws.write_comment(0, i, ("必填。" if col.required else "") + col.hint,
                                 {"author": "Pasture", "x_scale": 1.5})
            title, message = _input_prompt(col, self.rules)
            options: dict[str, Any] = {"input_title": title, "input_message": message,
                                       "error_type": "warning", "error_title": col.name[:_TITLE_MAX]}
            if col.kind == "choice" and col.vocab:
                options |= {"validate": "list", "source": self.list_ranges[col.vocab],
                            "error_message": "这不是下拉列表中的值，系统可能无法识别。仍要保留吗？"}
            elif col.kind == "date":
                options |= {"validate": "date", "criteria": "between",
                            "minimum": date(1900, 1, 1), "maximum": date(2099, 12, 31),
                            "error_message": "请填写有效日期，例如 2024-03-12。仍要保留吗？"}
            elif col.kind == "money":
                options |= {"validate": "decimal", "criteria": ">", "value": 0,
                            "error_message": "金额应是大于 0 的数字（单位：元）。仍要保留吗？"}
            elif col.kind == "int":
                options |= {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100,
                            "error_message": "请填写整数年数，例如 20。仍要保留吗？"}
            else:
                options = {"validate": "any", "input_title": title, "input_message": message}
            ws.data_validation(1, i, last, i, options)
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.set_paper(9)
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)

    def help(self, ws: Worksheet) -> None:
        put, texts, rules = self.cells.put, self.texts, self.rules
        widest = max(len(s.columns) for s in DATA_SHEETS)
        ws.set_column(0, 0, 16)
        ws.set_column(1, widest, 14)
        ws.hide_gridlines(2)
        row = 0
        put(ws, row, 0, texts["title"], "title")
        row += 1
        put(ws, row, 0, texts["intro"], "subtitle")
        row += 2

        def section(title: str) -> None:
            nonlocal row
            put(ws, row, 0, title, "section")
            row += 1

        section("填写步骤")
        for i, step in enumerate(texts["steps"], start=1):
            put(ws, row, 0, f"{i}. {step}")
            row += 1
        row += 1
        section("注意事项")
        for rule in texts["rules"]:
            put(ws, row, 0, f"• {rule}")
            row += 1
        row += 1

        # Generated from the schema so the list of required columns cannot drift.
        section("工作表与必填列")
        for i, h in enumerate(("工作表", "内容", "必填列")):
            put(ws, row, i, h, "header")
        row += 1
        agent_required = "、".join(f.name for f in AGENT_FIELDS if f.required)
        put(ws, row, 0, AGENT_SHEET, "bold")
        put(ws, row, 1, texts["sheets"].get(AGENT_SHEET, ""))
        put(ws, row, 2, agent_required)
        row += 1
        for sheet in DATA_SHEETS:
            put(ws, row, 0, sheet.name, "bold")
            put(ws, row, 1, texts["sheets"].get(sheet.name, ""))
            required = "、".join(c.name for c in sheet.required)
            put(ws, row, 2, required + ("（整张表可不填）" if sheet.optional else ""))
            row += 1
        row += 1

        section("填写格式")
        for kind, explain in texts["formats"]:
            put(ws, row, 0, kind, "bold")
            put(ws, row, 1, explain)
            row += 1
        row += 1

        # Drop-down values straight from the rules file (canonical words only).
        section("下拉选项")
        seen: set[str] = set()
        for sheet in DATA_SHEETS:
            for col in sheet.columns:
                if col.vocab and col.name not in seen:
                    seen.add(col.name)
                    put(ws, row, 0, col.name, "bold")
                    put(ws, row, 1, " / ".join(rules.choices(col.vocab)))
                    row += 1
        row += 1

        section("填写示例（每张表一行，仅供参考，请勿复制到数据表中）")
        for sheet in DATA_SHEETS:
            example = texts["examples"].get(sheet.name)
            if not example:
                continue
            put(ws, row, 0, sheet.name, "bold")
            row += 1
            for i, col in enumerate(sheet.columns):
                put(ws, row, i, col.name, "header", "header_required" if col.required else None)
                style = {"date": "date", "money": "money", "int": "int"}.get(col.kind)
                put(ws, row + 1, i, example.get(col.key), style, "box")
            row += 3


def write_template(path: Path, rules: Rules, *, created: date = TEMPLATE_CREATED) -> None:
    """Write the blank agent book to ``path`` (replaced atomically)."""
    texts = load_texts()
    with atomic_workbook(path, created=created, title=texts["title"]) as wb:
        w = _TemplateWriter(wb, rules, texts)
        # Help first so the agent opens the book on the instructions.
        help_ws = wb.add_worksheet(HELP_SHEET)
        agent_ws = wb.add_worksheet(AGENT_SHEET)
        data_ws = [(wb.add_worksheet(s.name), s) for s in DATA_SHEETS]
        lists_ws = wb.add_worksheet(LISTS_SHEET)
        w.lists(lists_ws)
        w.help(help_ws)
        w.agent(agent_ws)
        for ws, sheet in data_ws:
            w.data(ws, sheet)


# --- branch files: satisfaction survey and complaints log ---------------------------


def survey_headers(rules: Rules, *, kano: bool = False) -> list[str]:
    """The survey sheet's header: respondent columns, then a score pair per attribute
    (and, with ``kano``, the Kano answer pair per attribute)."""
    from .survey import KANO_PARTS, SCORE_PARTS, SEPARATOR

    headers = ["受访者编号", "调查日期"]
    headers += [f"{a}{SEPARATOR}{p}" for a in rules.survey.attributes for p in SCORE_PARTS]
    if kano:
        headers += [f"{a}{SEPARATOR}{p}" for a in rules.survey.attributes for p in KANO_PARTS]
    return headers


def _branch_help(wb: Workbook, cells: Cells, title: str, lines: list[str]) -> None:
    ws = wb.add_worksheet(HELP_SHEET)
    ws.set_column(0, 0, 100)
    ws.hide_gridlines(2)
    cells.put(ws, 0, 0, title, "title")
    for i, line in enumerate(lines, start=2):
        cells.put(ws, i, 0, line, "wrap")


def write_survey_template(path: Path, rules: Rules, *, kano: bool = False,
                          created: date = TEMPLATE_CREATED) -> None:
    """Blank satisfaction survey (``pasture template --kind survey``), replaced atomically."""
    from .survey import KANO_ANSWERS, SURVEY_SHEET

    headers = survey_headers(rules, kano=kano)
    with atomic_workbook(path, created=created, title="客户满意度调查") as wb:
        cells = Cells(wb)
        _branch_help(wb, cells, "客户满意度调查：填写说明", [
            "1. 每位受访客户填一行；“受访者编号”只填编号，不要填姓名或电话。",
            "2. 每个服务项目有两列：“·重要度”（这一项对客户有多重要）和“·满意度”（对我们的表现有多满意），"
            "都填 1–5 的整数，5 最高；客户没有回答就留空。",
            "3. 填 0、6、小数或文字的行不会被统计，系统会在报告中指出具体单元格。",
            "4. 卡诺问题（如有）：“·具备时”问“如果提供这项服务，您觉得如何”，“·不具备时”问“如果不提供呢”，"
            "回答从下拉列表中选：" + " / ".join(KANO_ANSWERS) + "。",
            "5. 服务项目的名单来自规则文件（survey.attributes），修改名单后请重新生成本模板。",
        ])
        ws = wb.add_worksheet(SURVEY_SHEET)
        ws.set_row(0, 44)
        answers = list(KANO_ANSWERS)
        for i, h in enumerate(headers):
            ws.set_column(i, i, 12 if i < 2 else 10, cells.fmt("date") if h == "调查日期" else None)
            cells.put(ws, 0, i, h, "header")
            if h.endswith(("重要度", "满意度")):
                ws.data_validation(1, i, TEMPLATE_ROWS, i, {
                    "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 5,
                    "input_title": h[:_TITLE_MAX], "input_message": "1–5 的整数，5 最高；未回答留空。",
                    "error_type": "warning", "error_title": "评分应为 1–5",
                    "error_message": "评分应是 1 到 5 的整数。仍要保留吗？"})
            elif i >= 2:
                ws.data_validation(1, i, TEMPLATE_ROWS, i, {
                    "validate": "list", "source": answers, "error_type": "warning",
                    "error_message": "这不是可选的回答，系统将无法识别。仍要保留吗？"})
        ws.freeze_panes(1, 1)


def write_complaints_template(path: Path, rules: Rules, *, created: date = TEMPLATE_CREATED) -> None:
    """Blank complaints log (``pasture template --kind complaints``), replaced atomically."""
    from .complaints import COMPLAINTS, STATUSES, response_window

    with atomic_workbook(path, created=created, title="客户投诉记录") as wb:
        cells = Cells(wb)
        _branch_help(wb, cells, "客户投诉记录：填写说明", [
            "1. 每条投诉填一行：投诉日期、被投诉代理人的工号、投诉类别必填。",
            "2. 投诉类别从下拉列表中选：" + " / ".join(rules.complaints.categories) + "。",
            "3. 处理状态填“处理中”或“已结案”；结案后填写结案日期。不填状态时，有结案日期即视为已结案。",
            f"4. 第一次联系投诉客户后填写首次回应日期：应在投诉"
            f"{response_window(rules.complaints.first_response_days)}回应；"
            f"超过 {rules.complaints.open_limit_days} 天仍未结案，或逾期仍未回应的投诉会列在营业部看板上。",
            "5. 投诉内容只留在本表中，不会出现在任何报表或网站上；也请尽量不写客户姓名和电话。",
        ])
        ws = wb.add_worksheet(COMPLAINTS.name)
        lists = wb.add_worksheet(LISTS_SHEET)
        choices = {"category": list(rules.complaints.categories), "status": list(STATUSES)}
        ranges = {}
        for n, (key, words) in enumerate(choices.items()):
            for r, w in enumerate(words):
                cells.put(lists, r, n, w)
            letter = column_letter(n)
            ranges[key] = f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(words)}"
        lists.hide()
        ws.set_row(0, 30)
        for i, col in enumerate(COMPLAINTS.columns):
            ws.set_column(i, i, col.width, cells.fmt("date" if col.kind == "date" else "text"))
            cells.put(ws, 0, i, col.name, "header", "header_required" if col.required else None)
            title, message = _input_prompt(col, rules)
            options: dict[str, Any] = {"validate": "any", "input_title": title, "input_message": message}
            if col.key in ranges:
                options = {"validate": "list", "source": ranges[col.key], "input_title": title,
                           "input_message": message, "error_type": "warning",
                           "error_message": "这不是下拉列表中的值，系统可能无法识别。仍要保留吗？"}
            elif col.kind == "date":
                options = {"validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
                           "maximum": date(2099, 12, 31), "input_title": title, "input_message": message,
                           "error_type": "warning", "error_message": "请填写有效日期，例如 2026-11-02。仍要保留吗？"}
            ws.data_validation(1, i, TEMPLATE_ROWS, i, options)
        ws.freeze_panes(1, 0)
        ws.activate()
