"""Tiering: grades per row, derived capability/trust, experiences, book KPIs."""

from datetime import date

import pytest

from generator.classify import classify_book, experiences_for
from generator.clients import client_key
from generator.models import AgentInfo, Book, Record
from generator.rules import load_rules

RULES = load_rules()
TODAY = date(2026, 11, 23)


def policy(row, name, phone, *, eco="好", aware="强", infl="广", source="陌生", cid=None, referrer=None,
           when=date(2025, 1, 1), cap=None, trust=None, premium=1000.0):
    return Record("成交客户", row, {
        "client_id": cid, "holder_name": name, "holder_phone": phone, "policy_date": when,
        "policy_no": f"P{row}", "premium": premium, "source": source, "referrer": referrer,
        "economy": eco, "awareness": aware, "influence": infl, "capability": cap, "trust": trust,
    })


def prospect(row, name, phone, *, eco="一般", aware="一般", infl="一般", source="陌生", referrer=None):
    return Record("未成交客户", row, {"name": name, "phone": phone, "source": source, "referrer": referrer,
                                   "economy": eco, "awareness": aware, "influence": infl, "registered": TODAY})


def book_of(closed=(), prospects=()):
    return Book("x.xlsx", AgentInfo("A1", "张三"), closed=list(closed), prospects=list(prospects))


def test_grades_follow_rules_per_row():
    b = book_of([policy(2, "甲", "13800000001"), policy(3, "乙", "13800000002", aware="一般", infl="一般"),
                 policy(4, "丙", "13800000003", eco="一般", aware="一般", infl="一般")],
                [prospect(2, "丁", "13900000001"), prospect(3, "戊", "13900000002", aware="强")])
    classify_book(b, RULES, today=TODAY)
    assert [r.grade for r in b.closed] == ["A", "B", "C"]
    assert [r.grade for r in b.prospects] == ["D", "C"]
    assert b.closed[0].actions == RULES.actions["closed"]["A"]
    assert b.prospects[0].actions == RULES.actions["prospect"]["D"]


def test_given_capability_and_trust_win():
    rec = policy(2, "甲", "13800000001", eco="一般", cap="高", trust="高")
    b = book_of([rec])
    classify_book(b, RULES, today=TODAY)
    assert (rec.capability, rec.trust, rec.quadrant, rec.derived) == ("高", "高", "宠爱", ())


@pytest.mark.parametrize("kwargs,trust", [
    ({"source": "缘故"}, "高"),
    ({"source": "陌生"}, "低"),
    ({"source": "陌生", "when": date(2020, 1, 1)}, "高"),  # tenure ≥ 3 years
])
def test_derived_trust_signals(kwargs, trust):
    rec = policy(2, "甲", "13800000001", **kwargs)
    b = book_of([rec])
    classify_book(b, RULES, today=TODAY)
    assert rec.trust == trust
    assert rec.derived == ("资产能力", "信赖程度")
    assert rec.capability == "高"  # 经济条件 好


def test_two_policies_and_referral_raise_trust_and_kpis():
    a1 = policy(2, "甲", "13800000001", cid="C1")
    a2 = policy(3, "甲", "13800000001", cid="C1")
    b1 = policy(4, "乙", "13800000002", eco="一般", source="转介绍", referrer="C1")
    c1 = policy(5, "丙", "13800000003", eco="一般")
    p1 = prospect(2, "丁", "13900000001", source="转介绍", referrer="丙")  # referral by name
    b = book_of([a1, a2, b1, c1], [p1])
    classify_book(b, RULES, today=TODAY)
    assert a1.trust == "高" and a1.quadrant == "宠爱"
    assert b1.trust == "低" and b1.quadrant == "开发"
    assert c1.trust == "高" and c1.quadrant == "维系"  # referred 丁
    k = b.kpis
    assert (k["clients"], k["policies"], k["prospects"]) == (3, 4, 1)
    assert k["addon_clients"] == 1 and k["addon_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert k["referral_clients"] == 2 and k["referral_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert k["premium"] == 4000.0
    assert sum(k["grades_closed"].values()) == 3
    assert sum(k["quadrants"].values()) == 4


def test_experiences_star_first_and_no_cross():
    for quadrant, row in RULES.experiences.matrix.items():
        exps = experiences_for(quadrant, RULES)
        marks = [m for m, _ in exps]
        assert "×" not in marks
        assert marks == sorted(marks, key="☆✓◎".index)
        assert {i for _, i in exps} == {i for i, m in row.items() if m != "×"}


def test_client_key_stable_and_prefers_given_id():
    assert client_key("A1", "C9", "甲", "1") == "C9"
    assert client_key("A1", None, "甲", "138") == client_key("A1", None, "甲", "138")
    assert client_key("A1", None, "甲", "138") != client_key("A2", None, "甲", "138")


def test_empty_book_has_no_rates():
    b = book_of()
    classify_book(b, RULES, today=TODAY)
    assert b.kpis["addon_rate"] is None and b.kpis["clients"] == 0


def test_one_client_one_grade_with_one_warning_naming_every_row():
    old = policy(2, "甲", "13800000001", when=date(2020, 1, 1))  # A on this row
    new = policy(5, "甲", "13800000001", eco="一般", aware="强", infl="一般", when=date(2024, 6, 1))
    other = policy(3, "乙", "13800000002")
    b = book_of([old, other, new])
    classify_book(b, RULES, today=TODAY)
    assert old.client_key == new.client_key
    # The most recently dated row gives the ratings: 一般/强/一般 is C for a closed client.
    assert old.grade == new.grade == "C"
    assert old.quadrant == new.quadrant and old.actions == new.actions
    warnings = [i for i in b.issues if i.code == "conflicting-ratings"]
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.sheet, w.row) == ("成交客户", 5)
    assert "第 2 行" in w.message and "第 5 行" in w.message and "经济条件" in w.message
    assert "影响力" in w.message and "保险意识" not in w.column
    assert b.kpis["grades_closed"]["C"] == 1 and b.kpis["issues"]["warning"] == 1
    assert b.status == "warnings"


def test_optional_rating_blank_on_newest_row_is_no_conflict():
    old = policy(2, "甲", "13800000001", when=date(2020, 1, 1), cap="高", trust="高")
    new = policy(3, "甲", "13800000001", eco="一般", when=date(2024, 6, 1))
    b = book_of([old, new])
    classify_book(b, RULES, today=TODAY)
    # 经济条件 differs; a blank 资产能力/信赖程度 on one row is no disagreement.
    assert [i.column for i in b.issues if i.code == "conflicting-ratings"] == ["经济条件"]
    # 资产能力/信赖程度 given only on the older row still count: each rating comes from the
    # most recently dated row that fills it.
    assert (new.capability, new.trust, new.derived) == ("高", "高", ())
    assert old.quadrant == new.quadrant == "宠爱"


def test_row_without_id_joins_the_client_with_that_name_and_phone():
    a = policy(2, "甲", "13800000001", cid="C7")
    b_ = policy(3, "甲", "13800000001")
    c = policy(4, "甲", "13800000009")  # same name, other phone: another person
    b = book_of([a, b_, c])
    classify_book(b, RULES, today=TODAY)
    assert a.client_key == b_.client_key == "C7"
    assert c.client_key != "C7"
    assert b.kpis["clients"] == 2


def test_ambiguous_referrer_counts_for_neither_kpi_nor_trust():
    a = policy(2, "甲", "13800000001", eco="一般")
    a2 = policy(3, "甲", "13800000002", eco="一般")  # a second 甲
    c = policy(4, "乙", "13800000003", eco="一般", referrer="甲")
    b = book_of([a, a2, c])
    classify_book(b, RULES, today=TODAY)
    assert b.kpis["referral_clients"] == 0
    assert a.trust == a2.trust == "低"
    # By 客户编号 the same referral counts.
    a3 = policy(2, "甲", "13800000001", eco="一般", cid="C1")
    a4 = policy(3, "甲", "13800000002", eco="一般")
    c2 = policy(4, "乙", "13800000003", eco="一般", referrer="C1")
    b2 = book_of([a3, a4, c2])
    classify_book(b2, RULES, today=TODAY)
    assert b2.kpis["referral_clients"] == 1 and a3.trust == "高" and a4.trust == "低"


def test_single_premium_is_kept_apart_from_annual_premium():
    a = policy(2, "甲", "13800000001", premium=1000.0)
    single = policy(3, "甲", "13800000001", premium=50000.0)
    single.values["pay_mode"] = "趸交"
    b = book_of([a, single])
    classify_book(b, RULES, today=TODAY)
    assert (b.kpis["premium"], b.kpis["single_premium"]) == (1000.0, 50000.0)
