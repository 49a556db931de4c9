"""Client value evaluation: the points rule, ranks within a book, rules defaults, outputs."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from generator import standards
from generator.cve import full_years, points, score_book
from generator.models import AgentInfo, Book, Record
from generator.rules import DEFAULT_RULES_PATH, RulesError, load_rules
from generator.workbook import write_agent_workbook

RULES = load_rules()
TODAY = date(2026, 11, 23)


def policy(row, key, name, premium, when, referrer=None):
    rec = Record("成交客户", row, {"client_id": key, "holder_name": name, "premium": premium, "policy_date": when,
                                   "referrer": referrer, "policy_no": f"P{row}"}, client_key=key)
    rec.grade, rec.quadrant = "A", "宠爱"
    return rec


def prospect(row, key, name, referrer):
    return Record("未成交客户", row, {"name": name, "referrer": referrer}, client_key=key)


def make_book():
    closed = [
        policy(2, "C1", "甲", 20000.0, date(2020, 11, 23)),  # 6 full years on TODAY
        policy(3, "C1", "甲", 5000.0, date(2024, 1, 1)),
        policy(4, "C2", "乙", 10000.0, date(2023, 11, 24), referrer="甲"),  # 2 years and 364 days
        policy(5, "C3", "丙", 10000.0, date(2023, 11, 24), referrer="乙"),
    ]
    return Book("x.xlsx", AgentInfo("1001", "张三"), closed=closed, prospects=[prospect(2, "W1", "丁", "丙")])


@pytest.mark.parametrize(("first", "years"), [
    (date(2020, 11, 23), 6), (date(2020, 11, 24), 5), (date(2026, 11, 23), 0), (date(2027, 1, 1), 0), (None, 0),
    (date(2024, 2, 29), 2),
])
def test_full_years(first, years):
    assert full_years(first, TODAY) == years


def test_points_follow_the_rule_item_by_item():
    s = points(RULES.cve, premium=25000, policies=2, direct=1, indirect=2, tenure_years=3)
    assert (s.premium, s.policies, s.direct, s.indirect, s.tenure, s.total) == (2.5, 2, 3, 2, 1.5, 11.0)


def test_scores_and_ranks_in_the_book():
    book = make_book()
    scores = score_book(book, RULES, today=TODAY)
    # 甲: 2.5 premium + 2 policies + 1 direct (乙: 3) + 2 indirect (丙, 丁: 2) + 6 years (3) = 12.5
    assert scores["C1"].total == 12.5 and scores["C1"].rank == 1
    # 乙: 1 + 1 + 3 (丙) + 1 (丁) + 2 years (1) = 7;  丙: 1 + 1 + 3 (丁, a prospect) + 1 = 6
    assert (scores["C2"].total, scores["C3"].total) == (7.0, 6.0)
    assert [r.cve_score for r in book.closed] == [12.5, 12.5, 7.0, 6.0]  # every row of a client alike
    assert [r.cve_rank for r in book.closed] == [1, 1, 2, 3]
    assert book.prospects[0].cve_score is None


def test_prospects_need_not_count_and_ties_share_a_rank():
    rules = RULES.model_copy(update={"cve": RULES.cve.model_copy(update={"count_prospects": False,
                                                                          "per_tenure_year": 0})})
    book = make_book()
    scores = score_book(book, rules, today=TODAY)
    assert scores["C3"].direct == 0 and scores["C1"].indirect == 1  # 丁 is a prospect: not counted
    book.closed = [policy(2, "C1", "甲", 10000.0, TODAY), policy(3, "C2", "乙", 10000.0, TODAY),
                   policy(4, "C3", "丙", 1.0, TODAY)]
    book.prospects, book.referrals = [], None
    scores = score_book(book, RULES, today=TODAY)
    assert [scores[k].rank for k in ("C1", "C2", "C3")] == [1, 1, 3]


def test_rules_file_without_cve_section_still_loads(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data.pop("cve")
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rules(old).cve == RULES.cve
    data["cve"] = {"per_policy": -1, "per_everything": 2}
    old.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(old)
    assert "cve.per_policy" in str(info.value) and "cve.per_everything" in str(info.value)


def test_standards_table_renders_the_rule_and_an_example():
    md = standards.cve_table(RULES)
    assert "| 年交保费 | 每 1 万元 1 分（全部保单合计） |" in md
    assert "| **合计** | **11** |" in md
    rules = RULES.model_copy(update={"cve": RULES.cve.model_copy(update={"per_policy": 4})})
    assert "每张 4 分" in standards.cve_table(rules)


def test_workbook_shows_score_and_rank(tmp_path: Path):
    book = make_book()
    score_book(book, RULES, today=TODAY)
    write_agent_workbook(book, RULES, tmp_path / "w.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["成交客户"]
    header = [c.value for c in ws[1]]
    i = header.index("CVE 评分")
    assert header[i + 1] == "CVE 排名" and header[i + 2] == "问题"
    assert [(r[i], r[i + 1]) for r in ws.iter_rows(min_row=2, values_only=True)] == [
        (12.5, 1), (12.5, 1), (7, 2), (6, 3)]
    help_text = " ".join(str(c) for row in openpyxl.load_workbook(tmp_path / "w.xlsx")["说明"].values for c in row if c)
    assert "客户价值评估" in help_text and "每张 1 分" in help_text
