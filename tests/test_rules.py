"""The rules file: totality, the course's tables reproduced exactly, clear errors."""

import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.rules import DEFAULT_RULES_PATH, RATINGS, RulesError, load_rules

RULES = load_rules()
COMBOS = list(itertools.product(["好", "一般"], ["强", "一般"], ["广", "一般"]))

# domain.md §3, row by row: (经济条件, 保险意识, 影响力) -> grade
CLOSED_TABLE = [(("好", "强", "广"), "A"), (("好", "一般", "广"), "B"), (("一般", "强", "一般"), "C")]
PROSPECT_TABLE = [
    (("好", "强", "广"), "A"),
    (("好", "一般", "广"), "B"),
    (("一般", "强", "一般"), "C"),
    (("一般", "一般", "一般"), "D"),
]
# domain.md §5: quadrant -> marks for 常规服务 定期拜访 一般活动 高级活动 生活服务 量身定制
MATRIX = {
    "开发": "✓✓◎×××",
    "维系": "✓☆☆◎××",
    "耕耘": "✓✓☆✓◎×",
    "宠爱": "✓✓×✓☆☆",
}
ITEMS = ["常规服务", "定期拜访", "一般活动", "高级活动", "生活服务", "量身定制"]


def ratings(combo):
    return dict(zip(RATINGS, combo))


@pytest.mark.parametrize("combo,grade", CLOSED_TABLE)
def test_closed_course_table(combo, grade):
    assert RULES.grade("closed", ratings(combo)) == grade


@pytest.mark.parametrize("combo,grade", PROSPECT_TABLE)
def test_prospect_course_table(combo, grade):
    assert RULES.grade("prospect", ratings(combo)) == grade


@pytest.mark.parametrize("combo", COMBOS)
def test_default_rule_over_all_eight(combo):
    eco, aware, infl = combo
    expected = "A" if combo == ("好", "强", "广") else "B" if eco == "好" else (
        "C" if aware == "强" or infl == "广" else "D")
    assert RULES.grade("prospect", ratings(combo)) == expected
    assert RULES.grade("closed", ratings(combo)) == ("C" if expected == "D" else expected)


@given(st.sampled_from(COMBOS), st.sampled_from(["closed", "prospect"]))
def test_rules_are_total_and_graded_with_actions(combo, book):
    grade = RULES.grade(book, ratings(combo))
    assert RULES.actions[book][grade]


@pytest.mark.parametrize("quadrant", list(MATRIX))
def test_experience_matrix_matches_course(quadrant):
    row = RULES.experiences.matrix[quadrant]
    assert "".join(row[i] for i in ITEMS) == MATRIX[quadrant]
    assert [e.name for e in RULES.experiences.items] == ITEMS


@pytest.mark.parametrize("cap,trust,quadrant", [("高", "高", "宠爱"), ("高", "低", "耕耘"), ("低", "高", "维系"), ("低", "低", "开发")])
def test_quadrants(cap, trust, quadrant):
    assert RULES.quadrant(cap, trust) == quadrant


@pytest.mark.parametrize("text,vocab,canon", [
    ("好", "经济条件", "好"), ("富裕", "经济条件", "好"), ("ＧＯＯＤ", "经济条件", "好"), (" 普通 ", "经济条件", "一般"),
    ("亲友", "客户来源", "缘故"), ("推荐", "客户来源", "转介绍"), ("阴历", "生日历法", "农历"), ("年缴", "交费方式", "年交"),
])
def test_synonyms(text, vocab, canon):
    assert RULES.canonical(vocab, text) == canon


def test_unknown_word_is_none():
    assert RULES.canonical("经济条件", "还行") is None


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _default():
    return yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def test_custom_rules_change_grades(tmp_path):
    data = _default()
    data["grading"]["prospect"][1]["grade"] = "A"  # 经济条件 好 → A
    rules = load_rules(_write(tmp_path, data))
    assert rules.grade("prospect", ratings(("好", "一般", "一般"))) == "A"


def test_non_total_rules_are_rejected_naming_the_gap(tmp_path):
    data = _default()
    data["grading"]["prospect"] = data["grading"]["prospect"][:-1]  # drop the D catch-all
    with pytest.raises(RulesError) as err:
        load_rules(_write(tmp_path, data))
    assert "一般/一般/一般" in str(err.value)


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["experiences"]["matrix"]["宠爱"].update({"常规服务": "Y"}), "宠爱.常规服务"),
    (lambda d: d["grading"]["closed"][0]["when"].update({"经济条件": "很好"}), "很好"),
    (lambda d: d["grading"]["closed"][0]["when"].update({"颜值": "高"}), "颜值"),
    (lambda d: d["actions"]["closed"].pop("C"), "等级 C 没有建议动作"),
    (lambda d: d["vocabularies"]["经济条件"]["一般"].append("富裕"), "富裕"),
    (lambda d: d["cadence"].update({"visit_every_days": 0}), "visit_every_days"),
    (lambda d: d.update({"surprise": 1}), "surprise"),
])
def test_bad_rules_explained(tmp_path, mutate, needle):
    data = _default()
    mutate(data)
    with pytest.raises(RulesError) as err:
        load_rules(_write(tmp_path, data))
    assert needle in str(err.value)


def test_unparseable_yaml(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("grading: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="YAML"):
        load_rules(path)


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(tmp_path / "nope.yaml")


@pytest.mark.parametrize("section,key,value,needle", [
    ("cadence", "calendar_window_days", 1e9, "应不大于 3660"),
    ("cadence", "visit_every_days", 10**12, "应不大于"),
    ("cadence", "callbacks_after_sale_days", [7, 10**9], "应不大于"),
    ("cadence", "grace_period_days", -1, "应不小于 0"),
    ("cve", "per_policy", float("inf"), "inf"),
    ("cve", "per_10k_premium", float("nan"), "有限"),
    ("complaints", "open_limit_days", 1e9, "应不大于"),
    ("limits", "name_max_length", 10**9, "应不大于"),
])
def test_absurd_rule_values_are_rejected_in_chinese(tmp_path, section, key, value, needle):
    data = _default()
    data.setdefault(section, {})[key] = value
    with pytest.raises(RulesError) as err:
        load_rules(_write(tmp_path, data))
    assert f"{section}.{key}" in str(err.value) and needle in str(err.value)


def test_campaign_dates_far_out_are_rejected(tmp_path):
    data = _default()
    data["campaigns"] = [{"name": "千年大计", "start": "2026-01-01", "end": "9999-12-31"}]
    with pytest.raises(RulesError, match="千年大计"):
        load_rules(_write(tmp_path, data))


def test_rules_at_their_bounds_still_build(tmp_path):
    """The bounds are safe: every cadence value at its maximum plans without a crash."""
    from books import closed, prospect, write_book

    from generator import build
    from generator.rules import Cadence

    data = _default()
    for name, field in Cadence.model_fields.items():
        top = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
        if top is not None:
            data["cadence"][name] = top
    data["cadence"]["callbacks_after_sale_days"] = [1, 3660]
    rules = load_rules(_write(tmp_path, data))
    books = tmp_path / "books"
    books.mkdir()
    write_book(books / "A1001_张三.xlsx", [closed()], [prospect()])
    from datetime import date

    result = build(books, tmp_path / "out", rules=rules, today=date(2026, 11, 23), history=False)
    assert [b.status for b in result.agents] == ["ok"] and result.agents[0].kpis["calendar"]
