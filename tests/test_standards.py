"""The standards tables show exactly what the rules engine does."""

import itertools
import re

import pytest
import yaml

from generator import standards
from generator.issues import ISSUE_TYPES
from generator.rules import DEFAULT_RULES_PATH, QUADRANTS, RATINGS, load_rules

RULES = load_rules()
COMBOS = list(itertools.product(*(RULES.choices(r) for r in RATINGS)))


def rows(markdown: str) -> list[list[str]]:
    """Body rows of every Markdown table, as stripped cells."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not set(line) <= set("|-"):
            out.append([c.strip() for c in line.strip().strip("|").split("|")])
    return out


def custom_rules(tmp_path, edit):
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize("book", ["closed", "prospect"])
@pytest.mark.parametrize("combo", COMBOS, ids=["/".join(c) for c in COMBOS])
def test_grading_combination_row_matches_engine(book, combo):
    grade = RULES.grade(book, dict(zip(RATINGS, combo)))
    actions = "；".join(RULES.actions[book][grade])
    assert [*combo, f"**{grade}**", actions] in rows(standards.grading_table(RULES, book))


@pytest.mark.parametrize("book", ["closed", "prospect"])
def test_grading_table_lists_rules_in_order_then_all_combinations(book):
    table = rows(standards.grading_table(RULES, book))
    ordered = [r for r in table if r[0].isdigit()]
    assert [r[4] for r in ordered] == [f"**{g.grade}**" for g in RULES.grading[book]]
    assert len(table) == len(ordered) + 2 + len(COMBOS)  # two header rows


def test_grading_table_rejects_unknown_book():
    with pytest.raises(ValueError):
        standards.grading_table(RULES, "vip")  # type: ignore[arg-type]


@pytest.mark.parametrize("capability", ["高", "低"])
@pytest.mark.parametrize("trust", ["高", "低"])
def test_quadrant_grid_matches_engine(capability, trust):
    md = standards.quadrant_table(RULES)
    grid = rows(md)[:3]
    col = grid[0].index(f"信赖程度{trust}")
    row = next(r for r in grid if r[0] == f"**资产能力{capability}**")
    assert row[col] == f"**{RULES.quadrant(capability, trust)}**"


def test_quadrant_table_shows_strategy_and_derivation():
    md = standards.quadrant_table(RULES)
    for q in QUADRANTS:
        assert RULES.quadrants.strategy[q] in md
    assert "客户来源是缘故" in md and "已持有至少 2 张保单" in md and "第一张保单已满 3 年" in md


def test_experience_matrix_matches_rules():
    table = rows(standards.experience_matrix(RULES))
    names = [e.name for e in RULES.experiences.items]
    for q in QUADRANTS:
        row = next(r for r in table if r[0] == f"**{q}**" and len(r) == len(names) + 1)
        assert row[1:] == [RULES.experiences.matrix[q][n] for n in names]
    assert next(r for r in table if r[0] == "**成本**")[1:] == [e.cost for e in RULES.experiences.items]
    for mark, meaning in RULES.experiences.marks.items():
        assert [mark, meaning] in table


def test_cadence_table_numbers():
    md = standards.cadence_table(RULES)
    assert "每 90 天一次" in md and "第 7 天、第 30 天、第 90 天、第 180 天" in md
    assert "交费对应日后 60 天" in md and "每天新增 3 位" in md and "| 60% |" in md
    assert "1 周、1 个月、3 个月、6 个月" in md


def test_custom_grade_changes_table(tmp_path):
    def edit(data):
        data["grading"]["closed"].insert(0, {"grade": "C", "when": {"经济条件": "好", "保险意识": "一般", "影响力": "广"}})
    rules = custom_rules(tmp_path, edit)
    table = rows(standards.grading_table(rules, "closed"))
    assert ["好", "一般", "广", "**C**", "争取增员和转介绍"] in table
    assert ["好", "一般", "广", "**B**"] not in [r[:4] for r in table]


def test_custom_mark_changes_matrix(tmp_path):
    rules = custom_rules(tmp_path, lambda d: d["experiences"]["matrix"]["开发"].update({"量身定制": "☆"}))
    row = next(r for r in rows(standards.experience_matrix(rules)) if r[0] == "**开发**" and len(r) == 7)
    assert row[-1] == "☆"
    assert ["**开发**", "量身定制"] in rows(standards.experience_matrix(rules))


def test_rule_text_is_escaped(tmp_path):
    evil = '<script>alert(1)</script> | *x* [a](b)'

    def edit(data):
        data["quadrants"]["strategy"]["宠爱"] = evil
        data["actions"]["closed"]["A"] = [evil]
        data["experiences"]["marks"]["☆"] = evil
    rules = custom_rules(tmp_path, edit)
    for md in (standards.quadrant_table(rules), standards.grading_table(rules, "closed"),
               standards.experience_matrix(rules)):
        assert "<script>" not in md and "&lt;script&gt;" in md
        assert "| *x*" not in md and "[a](b)" not in md


def test_cell_escapes_and_keeps_code_spans():
    assert standards.cell("a<b & `pasture template`") == "a&lt;b &amp; <code>pasture template</code>"
    assert standards.cell("x|y\nz") == "x&#124;y z"
    assert "<code>" not in standards.cell("odd ` backtick")


def test_issue_reference_lists_every_code_once():
    md = standards.issue_reference()
    for code, t in ISSUE_TYPES.items():
        assert md.count(f'<span id="{code}"></span>') == 1
        assert standards.cell(t.title) in md
    assert "{column}" not in md and "〈列名〉" in md
    assert md.index("### 整个文件") < md.index("### 工作表") < md.index("### 单行")


def test_input_contract_covers_every_column_and_synonym():
    from generator.schema import AGENT_FIELDS, DATA_SHEETS
    md = standards.input_contract(RULES)
    for sheet in DATA_SHEETS:
        assert f"### {sheet.name}" in md
        for col in sheet.columns:
            assert f"**{col.name}**" in md
    for col in AGENT_FIELDS:
        assert f"**{col.name}**" in md
    assert "**农历**（也可写：阴历、旧历、lunar）" in md
    assert "不填时按“公历”处理" in md and "不填时按年交提醒" in md  # 交费方式: no default, a warning


def test_tables_are_well_formed():
    """Every table row has as many cells as its header (a stray | would break it)."""
    for md in (standards.grading_table(RULES, "closed"), standards.quadrant_table(RULES),
               standards.experience_matrix(RULES), standards.cadence_table(RULES),
               standards.input_contract(RULES), standards.issue_reference()):
        for block in re.split(r"\n\s*\n", md):
            lines = [ln for ln in block.splitlines() if ln.startswith("|")]
            if lines:
                assert len({ln.count("|") for ln in lines}) == 1, block


def test_closed_rules_table_golden():
    md = standards.grading_table(RULES, "closed")
    assert "\n".join(md.split("\n\n")[1].splitlines()) == "\n".join([
        "| 顺序 | 经济条件 | 保险意识 | 影响力 | 等级 | 建议动作 |",
        "|---|---|---|---|---|---|",
        "| 1 | 好 | 强 | 广 | **A** | 加强售后服务；推动加保；发展为增员和转介绍来源 |",
        "| 2 | 好 | （任意） | （任意） | **B** | 加强售后服务；新产品加保；发展为增员和转介绍来源 |",
        "| 3 | （任意） | （任意） | （任意） | **C** | 争取增员和转介绍 |",
    ])


def test_festival_and_cve_tables_follow_the_rules():
    from generator.standards import cve_table, festival_table

    rules = load_rules()
    text = festival_table(rules)
    for f in rules.festivals:
        assert f.name in text
    assert "5月第2个星期日" in text  # 母亲节 as a floating date rule
    assert "积分" in cve_table(rules)
