"""The standards pages' tables, rendered from the rules, the input contract and the issue types.

Pure functions: rules/schema/issue types in, Markdown out, no I/O. Pasture renders their
output into the course pages before any site engine runs (``generator/site_render.py``),
so a trainer who edits the rules file sees the same tables the engine applies. Every
piece of text that comes from a rules file is escaped (a rules file is user input).

    >>> from generator.rules import load_rules
    >>> print(grading_table(load_rules(), "closed").splitlines()[2])
    | 顺序 | 经济条件 | 保险意识 | 影响力 | 等级 | 建议动作 |
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from .cve import points, rule_items
from .issues import ISSUE_TYPES, SITE_CODES, IssueType
from . import pagekit
from .rules import QUADRANT_AXES, QUADRANTS, RATINGS, Book, Rules
from .schema import AGENT_FIELDS, AGENT_SHEET, DATA_SHEETS, Column, Sheet

BOOK_NAMES: dict[str, str] = {"closed": "成交客户", "prospect": "未成交客户"}
SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "提醒"}
SCOPE_NAMES: dict[str, str] = {
    "file": "整个文件的问题（文件不会被处理）",
    "sheet": "工作表和表头的问题",
    "row": "单行数据的问题",
}
SITE_SCOPE_NAME = "网站生成的问题（网站照常发布，出问题的页面显示说明）"
KIND_NAMES: dict[str, str] = {
    "text": "文本",
    "name": "姓名",
    "phone": "手机号（11 位）",
    "date": "日期",
    "birthday": "生日（可只填月日）",
    "choice": "选项",
    "money": "金额（元）",
    "int": "整数",
}
# How the {fields} of an issue message template read on the reference page.
_TEMPLATE_FIELDS = {"column": "〈列名〉", "value": "〈填写的内容〉", "detail": "〈具体原因〉"}
ANY = "（任意）"


def cell(text: object) -> str:
    """Escape one piece of text for a Markdown table cell (HTML and Markdown syntax).

    Text between backticks becomes inline code, so ```pasture template``` stays readable.

    >>> cell("<b>A|B</b> `x`")
    '&lt;b&gt;A&#124;B&lt;/b&gt; <code>x</code>'
    """
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        parts = [str(text)]
    out = []
    for i, part in enumerate(parts):
        escaped = pagekit.text(part)
        out.append(f"<code>{escaped}</code>" if i % 2 else escaped)
    return "".join(out)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _joined(words: Iterable[str], sep: str = "、") -> str:
    return sep.join(cell(w) for w in words)


def _when_cell(want: str | list[str] | None) -> str:
    if want is None:
        return ANY
    return _joined([want] if isinstance(want, str) else want, " 或 ")


def percent(value: float) -> str:
    """A rule's rate as written in the rules, as a percentage (0.3 → 30%, 0.125 → 12.5%)."""
    return f"{value * 100:g}%"


def _check_book(book: str) -> None:
    if book not in BOOK_NAMES:
        raise ValueError(f"book must be 'closed' or 'prospect', not {book!r}")


def grading_table(rules: Rules, book: Book) -> str:
    """The ordered grading rules of one book, then the grade of every rating combination.

    The second table is computed with :meth:`Rules.grade`, so it shows exactly what the
    engine does, including combinations the course itself never lists.
    """
    _check_book(book)
    actions = rules.actions[book]
    ordered = [
        [str(i), *(_when_cell(r.when.get(k)) for k in RATINGS), f"**{cell(r.grade)}**",
         _joined(actions.get(r.grade, []), "；")]
        for i, r in enumerate(rules.grading[book], start=1)
    ]
    combos = []
    for values in itertools.product(*(rules.choices(r) for r in RATINGS)):
        grade = rules.grade(book, dict(zip(RATINGS, values)))
        combos.append([*(cell(v) for v in values), f"**{cell(grade)}**",
                       _joined(actions.get(grade, []), "；")])
    name = BOOK_NAMES[book]
    return "\n\n".join([
        f"**{name}的分级规则**（从上往下逐条比对，第一条符合的规则决定等级；“{ANY}”表示不看这一项）",
        table(["顺序", *RATINGS, "等级", "建议动作"], ordered),
        f"**{name}：全部 {len(combos)} 种组合的等级**（由上面的规则逐一计算得出）",
        table([*RATINGS, "等级", "建议动作"], combos),
    ])


def quadrant_table(rules: Rules) -> str:
    """The 2×2 quadrant grid, each quadrant's strategy, and how blank axes are derived."""
    capability, trust = QUADRANT_AXES
    cap_values = rules.choices(capability)
    # Low trust on the left, high trust on the right, as the course draws it.
    trust_values = list(reversed(rules.choices(trust)))
    grid = []
    for c in cap_values:
        row = [f"**{cell(capability)}{cell(c)}**"]
        for t in trust_values:
            q = rules.quadrant(c, t)
            row.append(f"**{cell(q)}**")
        grid.append(row)
    header = [f"{cell(capability)} ＼ {cell(trust)}", *(f"{cell(trust)}{cell(t)}" for t in trust_values)]

    strategy_rows = []
    for q in QUADRANTS:
        where = [
            f"{cell(capability)}{cell(c)}、{cell(trust)}{cell(t)}"
            for c in cap_values for t in trust_values if rules.quadrant(c, t) == q
        ]
        strategy_rows.append([f"**{cell(q)}**", "；".join(where) or "（没有组合落入）",
                              cell(rules.quadrants.strategy.get(q, ""))])

    derive = rules.quadrants.derive
    signals = derive.trust_high_when
    trust_items = []
    if signals.sources:
        trust_items.append(f"客户来源是{_joined(signals.sources, ' 或 ')}")
    if signals.min_policies is not None:
        trust_items.append(f"已持有至少 {signals.min_policies} 张保单")
    if signals.made_referral:
        trust_items.append("曾经为你转介绍过客户")
    if signals.min_tenure_years is not None:
        trust_items.append(f"第一张保单已满 {signals.min_tenure_years:g} 年")
    trust_text = (
        "满足下列任意一条即推定为“高”，否则为“低”：\n\n" + "\n".join(f"    - {t}" for t in trust_items)
        if trust_items else "没有配置任何信号，一律推定为“低”。"
    )
    derive_text = "\n".join([
        f"- **{cell(capability)}**空白时：经济条件为{_joined(derive.capability_high_when_economy, ' 或 ')}"
        "推定为“高”，否则为“低”。",
        f"- **{cell(trust)}**空白时：{trust_text}",
    ])
    return "\n\n".join([
        table(header, grid),
        table(["象限", "落入条件", "经营策略"], strategy_rows),
        "**表格中这两列空白时，系统这样推定：**",
        derive_text,
    ])


def experience_matrix(rules: Rules) -> str:
    """The experience matrix (quadrant × experience) with its legend and cost row."""
    exp = rules.experiences
    names = [e.name for e in exp.items]
    rows = [[f"**{cell(q)}**", *(cell(exp.matrix[q].get(n, "")) for n in names)] for q in QUADRANTS]
    rows.append(["**成本**", *(cell(e.cost) for e in exp.items)])
    legend = table(["标记", "含义"], [[cell(m), cell(text)] for m, text in exp.marks.items()])
    focus = [
        [f"**{cell(q)}**", _joined([n for n in names if exp.matrix[q].get(n) == "☆"]) or "—"]
        for q in QUADRANTS
    ]
    return "\n\n".join([
        table(["象限", *(cell(n) for n in names)], rows),
        legend,
        "**各象限的重点（☆）体验**",
        table(["象限", "重点体验"], focus),
    ])


def _span(days: int) -> str:
    """A friendly reading of a number of days (7 → 约 1 周)."""
    if days % 365 == 0:
        return f"约 {days // 365} 年"
    if days % 30 == 0:
        return f"约 {days // 30} 个月"
    if days % 7 == 0:
        return f"约 {days // 7} 周"
    return "—"


def cadence_table(rules: Rules) -> str:
    """Service cadence, call-backs after a sale, premium reminders and targets."""
    c, t = rules.cadence, rules.targets
    main = table(["项目", "标准", "说明"], [
        ["定期拜访", f"每 {c.visit_every_days} 天一次", _span(c.visit_every_days)],
        ["重点（☆）体验", f"每 {c.strategic_every_days} 天一次", _span(c.strategic_every_days)],
        ["成交后回访", "、".join(f"第 {d} 天" for d in c.callbacks_after_sale_days),
         "、".join(_span(d).removeprefix("约 ") for d in c.callbacks_after_sale_days)],
        ["交费提醒", f"交费对应日前 {c.premium_reminder_days_before} 天", "按交费方式每期提醒，直到缴费年限结束"],
        ["宽限期", f"交费对应日后 {c.grace_period_days} 天", "宽限期内仍未交费，保单可能失效"],
        ["准客户建档", f"每天新增 {c.prospect_daily_quota} 位", "每日给自己定的最低数量"],
        ["加保率目标", percent(t.addon_rate), "持有 2 张及以上保单的成交客户占比"],
        ["转介绍率目标", percent(t.referral_rate), "为你转介绍过客户的成交客户占比"],
    ])
    callbacks = table(["回访", "成交后第几天", "大约时间"], [
        [f"第 {i} 次", str(d), _span(d)] for i, d in enumerate(c.callbacks_after_sale_days, start=1)
    ])
    return "\n\n".join([main, "**成交后的回访安排**", callbacks])


def _choice_values(rules: Rules, vocab: str, default: str | None) -> str:
    words = rules.vocabularies.get(vocab, {})
    parts = []
    for canon, synonyms in words.items():
        text = f"**{cell(canon)}**"
        if synonyms:
            text += f"（也可写：{_joined(synonyms)}）"
        parts.append(text)
    out = "<br>".join(parts)
    if default:
        out += f"<br>不填时按“{cell(default)}”处理"
    return out


def _column_row(rules: Rules, col: Column) -> list[str]:
    fmt = KIND_NAMES.get(col.kind, col.kind)
    if col.not_future:
        fmt += "，不能晚于今天"
    if col.hint:
        fmt += f"；{cell(col.hint)}"
    values = _choice_values(rules, col.vocab, col.default) if col.vocab else "—"
    return [f"**{cell(col.name)}**", "必填" if col.required else "选填", fmt,
            _joined(col.aliases) or "—", values]


def input_contract(
    rules: Rules,
    sheets: Sequence[Sheet] = DATA_SHEETS,
    agent_fields: Sequence[Column] = AGENT_FIELDS,
) -> str:
    """Every sheet of the agent book: columns, required flag, format, aliases, allowed values."""
    header = ["列名", "必填", "格式", "也认可的列名", "可填写的值"]
    parts = [
        f"### {cell(AGENT_SHEET)}",
        "这张表不是逐行的清单，而是每项一行：A 列写项目名，B 列写内容。",
        table(header, (_column_row(rules, c) for c in agent_fields)),
    ]
    for sheet in sheets:
        parts.append(f"### {cell(sheet.name)}")
        note = "选填的工作表，没有也可以。" if sheet.optional else "必须有这张工作表（两张客户表至少要有一张）。"
        if sheet.aliases:
            note += f"工作表也可以命名为：{_joined(sheet.aliases)}。"
        parts.append(note)
        parts.append(table(header, (_column_row(rules, c) for c in sheet.columns)))
    return "\n\n".join(parts)


def _readable_template(text: str) -> str:
    for name, shown in _TEMPLATE_FIELDS.items():
        text = text.replace("{" + name + "}", shown)
    return text


def issue_reference(issue_types: Mapping[str, IssueType] = ISSUE_TYPES) -> str:
    """Every issue code with its severity, meaning and fix, grouped by file/sheet/row.

    Each code gets an HTML anchor (``#invalid-phone``) so reports can link to it.
    """
    parts = []
    groups = [(title, [t for t in issue_types.values() if t.scope == scope and t.code not in SITE_CODES])
              for scope, title in SCOPE_NAMES.items()]
    groups.append((SITE_SCOPE_NAME, [t for t in issue_types.values() if t.code in SITE_CODES]))
    for title, types in groups:
        rows = [
            [f'<span id="{cell(t.code)}"></span><code>{cell(t.code)}</code>',
             SEVERITY_NAMES.get(t.severity, cell(t.severity)), f"**{cell(t.title)}**",
             cell(_readable_template(t.message)), cell(_readable_template(t.hint))]
            for t in types
        ]
        if rows:
            parts += [f"### {title}", table(["代码", "程度", "问题", "含义", "怎么改"], rows)]
    return "\n\n".join(parts)


def festival_table(rules: Rules) -> str:
    """Greeting festivals from the rules: date rule, who gets the greeting, the action.

    Placeholder for course pages: ``{{ pasture:festival_table }}``.
    """
    weekdays = "一二三四五六日"
    rows = []
    for f in rules.festivals:
        if f.day is not None:
            when = f"{f.calendar}{f.month}月{f.day}日"
        else:
            nth = "最后一" if f.nth == -1 else f"第{f.nth}"
            when = f"{f.month}月{nth}个星期{weekdays[f.weekday or 0]}"
        person = [f"{f.gender}性客户（已填性别时）"] if f.gender else []
        person += ["已婚客户（已填婚姻状况时）"] if f.couples else []
        who = "、".join([*f.grades, *f.quadrants, *person]) or "全部客户"
        rows.append([cell(f.name), cell(when), cell(who), cell(f.action)])
    if not rows:
        return "规则文件中没有配置节日问候。"
    return table(["节日", "日期", "问候对象", "建议动作"], rows)


def cve_table(rules: Rules) -> str:
    """The client value evaluation (CVE) points rule, with a worked example.

    Placeholder for course pages: ``{{ pasture:cve_table }}``.
    """
    example = points(rules.cve, premium=25_000, policies=2, direct=1, indirect=2, tenure_years=3)
    steps = [
        ["年交保费 25,000 元", f"{example.premium:g}"], ["2 张保单", f"{example.policies:g}"],
        ["直接介绍 1 位", f"{example.direct:g}"], ["间接介绍 2 位", f"{example.indirect:g}"],
        ["客户 3 年", f"{example.tenure:g}"], ["**合计**", f"**{example.total:g}**"],
    ]
    return "\n\n".join([
        table(["项目", "积分"], [[cell(k), cell(v)] for k, v in rule_items(rules)]),
        "每位成交客户各项积分相加即为 CVE 评分，在代理人本人的成交客户中从高到低排名，同分同名次。"
        "未成交的准客户不评分。",
        "**例**：一位客户两张保单、年交保费合计 25,000 元，成交满 3 年，直接介绍了 1 位客户，"
        "这位客户又介绍来 2 位：",
        table(["项目", "积分"], steps),
    ])
