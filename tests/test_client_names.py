"""One answer to "which client does this name mean" (clients.ClientNames): the referral
credit (classify), the referral chains (referrals) and the calendar's last services
(plan_clients) resolve a typed 介绍人 or 服务记录 客户 the same way."""

from __future__ import annotations

from datetime import date

import pytest
from books import closed, prospect, write_book

from generator.clients import ClientNames
from generator.pipeline import process_source
from generator.plan_clients import clients_of
from generator.read import discover
from generator.rules import load_rules

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "A1001_张三.xlsx"
    write_book(path, [
        # C001 has two policies; the newer one spells the holder 李思 (a re-typed name).
        closed(),
        closed(**{"保单号": "P0002", "投保人姓名": "李思", "投保日期": "2025-06-01"}),
        # Two different clients share the name 赵六: that name means nobody.
        closed(**{"客户编号": "C002", "投保人姓名": "赵六", "投保人电话": "13812340000", "保单号": "P0003"}),
        closed(**{"客户编号": "C003", "投保人姓名": "赵六", "投保人电话": "13812340001", "保单号": "P0004"}),
        # Referred by the newer spelling of C001, and by the shared name.
        closed(**{"客户编号": "C004", "投保人姓名": "钱七", "投保人电话": "13812340002", "保单号": "P0005",
                  "介绍人": "李思", "客户来源": "转介绍"}),
        closed(**{"客户编号": "C005", "投保人姓名": "孙八", "投保人电话": "13812340003", "保单号": "P0006",
                  "介绍人": "赵六", "客户来源": "转介绍"}),
    ], [prospect(**{"介绍人": "ｃ００４"})], extra_sheets={"服务记录": [
        ["日期", "客户", "服务项目", "内容"],
        ["2026-11-02", "李四", "常规服务", "电话问候"],  # the older spelling of C001
        ["2026-11-03", "赵六", "常规服务", "电话问候"],  # ambiguous: nobody's last service
    ]})
    [source] = discover(path)
    return process_source(source, load_rules(), today=TODAY)


def test_both_spellings_and_folded_ids_find_the_client(book):
    names = ClientNames.of(book)
    assert names.resolve("李四") == names.resolve("李思") == "C001"
    assert names.resolve("ｃ００４") == "C004"  # full-width, lower case
    assert names.resolve("赵六") is None and names.named("赵六") == ["C002", "C003"]
    assert names.resolve("赵六", exclude="C002") == "C003"


def test_referral_credit_chains_and_services_agree(book):
    assert book.status != "failed"
    chains = book.referrals
    assert chains.nodes["C004"].referrer == "C001"  # by the newer spelling
    assert chains.nodes["C005"].referrer is None  # the shared name credits nobody
    assert any(i.code == "ambiguous-referrer" and "赵六" in i.message for i in book.issues)
    # classify's KPI counts the same referrers the chains hold: C001 and C004 (the prospect's).
    assert book.kpis["referral_clients"] == 2
    by_key = {c.key: c for c in clients_of(book)}
    assert by_key["C001"].last_service == date(2026, 11, 2)
    assert by_key["C002"].last_service != date(2026, 11, 3) and by_key["C003"].last_service != date(2026, 11, 3)
