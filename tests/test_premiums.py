"""Premiums: instalments, 趸交 kept out of yearly premium, what is known paid."""

from datetime import date

import pytest

from generator.classify import classify_book
from generator.cve import score_book
from generator.models import AgentInfo, Book, Record
from generator.premiums import (
    annual_premium,
    instalment,
    paid_from_services,
    paid_note,
    paid_through,
    single_premium,
)
from generator.rules import load_rules

RULES = load_rules()
TODAY = date(2026, 11, 23)


def policy(row, key, mode, premium, **values):
    base = {"client_id": key, "holder_name": f"客户{key}", "holder_phone": f"1380000000{row}", "premium": premium,
            "pay_mode": mode, "policy_date": date(2022, 1, 1), "policy_no": f"P{row}", "source": "缘故",
            "economy": "好", "awareness": "强", "influence": "广", **values}
    return Record("成交客户", row, base, client_key=key)


@pytest.mark.parametrize("mode,premium,expected", [
    ("年交", 12000.0, 12000.0), ("半年交", 12000.0, 6000.0), ("季交", 12000.0, 3000.0), ("月交", 12000.0, 1000.0),
    (None, 12000.0, 12000.0), ("趸交", 50000.0, None), ("月交", 1000.0, 83.33),
])
def test_instalment_splits_the_annual_premium_by_mode(mode, premium, expected):
    assert instalment({"pay_mode": mode, "premium": premium}) == expected


def test_single_premium_is_never_yearly_premium():
    rows = [policy(2, "C1", "年交", 12000.0), policy(3, "C1", "趸交", 100000.0), policy(4, "C2", "月交", 2400.0)]
    assert [annual_premium(r) for r in rows] == [12000.0, 0.0, 2400.0]
    assert [single_premium(r) for r in rows] == [0.0, 100000.0, 0.0]
    book = Book("x.xlsx", AgentInfo("1001", "张三"), closed=rows)
    classify_book(book, RULES, today=TODAY)
    assert book.kpis["premium"] == 14400.0
    scores = score_book(book, RULES, today=TODAY)
    assert scores["C1"].premium == 1.2  # 12,000 yuan a year: the 100,000 single premium is left out


def test_paid_through_from_paid_to_and_from_the_service_log():
    rec = policy(2, "C1", "季交", 8000.0, paid_to=date(2027, 1, 1))
    assert paid_through(rec, {}) == date(2026, 12, 31)  # the paid-to day itself is the next one due
    note = Record("服务记录", 2, {"date": TODAY, "client": "C1", "item": "常规服务",
                                  "content": f"完成：{paid_note('P2', date(2027, 4, 1))}"})
    found = paid_from_services([note, Record("服务记录", 3, {"content": "交费对应日 提醒过了"})])
    assert found == {"P2": date(2027, 4, 1)}
    assert paid_through(rec, found) == date(2027, 4, 1)
    assert paid_through(policy(3, "C1", "季交", 8000.0), {}) is None
