"""Referral chains: resolution by id and name, warnings naming the row, cycles cut, trees."""

from datetime import date

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from books import closed, prospect, write_book
from generator.enrich import enrich_book
from generator.models import AgentInfo, Book, Record
from generator.pipeline import process_source
from generator.read import discover
from generator.referrals import link_referrals, resolve_referrals
from generator.rules import load_rules
from generator.workbook import write_agent_workbook

RULES = load_rules()
TODAY = date(2026, 11, 23)
LETTERS = {"成交客户": {"referrer": "Q"}, "未成交客户": {"referrer": "F"}}


def c(row, key, name, referrer=None, source="缘故"):
    return Record("成交客户", row, {"client_id": key, "holder_name": name, "referrer": referrer, "source": source},
                  client_key=key)


def p(row, key, name, referrer=None, source="转介绍"):
    return Record("未成交客户", row, {"name": name, "referrer": referrer, "source": source}, client_key=key)


def book(closed_rows, prospect_rows=()):
    return Book("1001_张三.xlsx", AgentInfo("1001", "张三"), closed=list(closed_rows), prospects=list(prospect_rows),
                column_letters=LETTERS, kpis={"clients": len({r.client_key for r in closed_rows}),
                                              "issues": {"error": 0, "warning": 0}})


def flat(issues):
    return [[i.sheet, i.row, i.column, i.column_letter, i.code] for i in issues]


def test_chain_by_id_and_name_with_generations_and_descendants():
    b = book([c(2, "C1", "甲"), c(3, "C2", "乙", "C1", "转介绍"), c(4, "C3", "丙", "乙", "转介绍"),
              c(5, "C3", "丙", "乙"), c(6, "C4", "丁", "甲", "转介绍"), c(7, "C5", "戊")],
             [p(2, "W1", "己", "丙"), p(3, "W2", "庚")])
    r = resolve_referrals(b)
    assert r.issues == []
    n = r.nodes
    assert n["C1"].children == ["C2", "C4"] and n["C2"].children == ["C3"] and n["C3"].children == ["W1"]
    assert [n[k].generation for k in ("C1", "C2", "C3", "W1", "C4")] == [0, 1, 2, 3, 1]
    assert n["C1"].descendants == 4 and n["C2"].descendants == 2 and n["C4"].descendants == 0
    assert len(r.chains) == 1
    chain = r.chains[0]
    assert chain.members == ["C1", "C2", "C3", "W1", "C4"]  # depth-first: the tree as it is read
    assert (chain.size, chain.depth) == (5, 3)
    assert n["C5"].chain is None and n["W2"].chain is None
    s = r.stats()
    assert s["chains"] == 1 and s["longest_chain"] == 3 and s["largest_chain"] == 5
    assert s["chain_sizes"] == {"5": 1}
    assert s["referred_clients"] == 3 and s["referred_share"] == 0.6
    assert s["referred_prospects"] == 2  # 己 named a referrer, 庚 came as 转介绍
    assert s["referred_conversion"] == 0.6
    assert s["referrers"] == 3  # 甲, 乙, 丙 introduced someone


def test_unknown_and_ambiguous_referrers_are_warnings_naming_the_row():
    b = book([c(2, "C1", "张伟"), c(3, "C2", "张伟"), c(4, "C3", "李娜", "张伟"), c(5, "C4", "王芳", "无名氏"),
              c(6, "C5", "赵敏", "C2")])
    r = link_referrals(b)
    assert flat(b.issues) == [["成交客户", 4, "介绍人", "Q", "ambiguous-referrer"],
                              ["成交客户", 5, "介绍人", "Q", "unknown-referrer"]]
    assert "成交客户第 2 行" in b.issues[0].message and "无名氏" in b.issues[1].message
    assert r.nodes["C5"].referrer == "C2"  # the 客户编号 settles what the name cannot
    assert b.status == "warnings" and b.kpis["issues"]["warning"] == 2
    assert b.kpis["referrals"]["unknown_referrers"] == 1 and b.kpis["referrals"]["ambiguous_referrers"] == 1
    assert b.closed[2].issues[0].code == "ambiguous-referrer"


def test_referrer_on_a_rejected_row_is_not_reported_again():
    b = book([c(3, "C2", "李娜", "胡晓")])
    b.known_clients = {"胡晓"}
    assert resolve_referrals(b).issues == []


def test_cycle_is_reported_and_cut_not_looped():
    b = book([c(2, "C1", "甲", "丙"), c(3, "C2", "乙", "甲"), c(4, "C3", "丙", "乙"), c(5, "C4", "丁", "丙")])
    r = resolve_referrals(b)
    assert flat(r.issues) == [["成交客户", 2, "介绍人", "Q", "referral-cycle"]]
    assert "甲由丙介绍，丙由乙介绍，乙由甲介绍" in r.issues[0].message
    assert r.cycles == [["C1", "C3", "C2"]]
    assert r.nodes["C1"].referrer is None  # cut at its first row: 甲 heads the chain now
    assert r.chains[0].members == ["C1", "C2", "C3", "C4"]
    assert r.stats()["cycles"] == 1


def test_self_referral_is_a_cycle():
    r = resolve_referrals(book([c(2, "C1", "甲", "甲"), c(3, "C2", "乙", "C2")]))
    assert [i.code for i in r.issues] == ["referral-cycle", "referral-cycle"]
    assert "甲由自己介绍" in r.issues[0].message
    assert r.chains == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 11)), min_size=1, max_size=12))
def test_any_referrer_pattern_ends_in_a_forest(parents):
    """Whatever points at whatever, resolution ends and every client is in at most one tree."""
    rows = [c(i + 2, f"C{i}", f"客户{i}", None if ref is None else f"C{ref}") for i, ref in enumerate(parents)]
    r = resolve_referrals(book(rows))
    seen = [k for chain in r.chains for k in chain.members]
    assert len(seen) == len(set(seen))
    for k, node in r.nodes.items():
        if node.referrer:
            assert node.generation == r.nodes[node.referrer].generation + 1
            assert node.chain == r.nodes[node.referrer].chain is not None
        assert node.descendants == len(r.subtree(k)) - 1
    unknown = sum(1 for ref in parents if ref is not None and ref >= len(parents))
    assert sum(1 for i in r.issues if i.code == "unknown-referrer") == unknown


def test_workbook_sheet_shows_the_chain_as_an_indented_tree(tmp_path):
    src = tmp_path / "books"
    src.mkdir()
    write_book(src / "A1001_张三.xlsx", [
        closed(客户编号="C001", 投保人姓名="李四", 保单号="P1"),
        closed(客户编号="C002", 投保人姓名="周五", 投保人电话="13812345679", 保单号="P2", 客户来源="转介绍", 介绍人="C001"),
        closed(客户编号="C003", 投保人姓名="吴六", 投保人电话="13812345670", 保单号="P3", 客户来源="转介绍", 介绍人="周五"),
        closed(客户编号="C004", 投保人姓名="郑七", 投保人电话="13812345671", 保单号="P4", 介绍人="不认识的人"),
    ], [prospect(介绍人="吴六", 客户来源="转介绍")])
    b = process_source(discover(src)[0], RULES, today=TODAY)
    enrich_book(b, RULES, today=TODAY)
    assert [(i.sheet, i.row, i.column, i.code) for i in b.issues] == [("成交客户", 5, "介绍人", "unknown-referrer")]
    write_agent_workbook(b, RULES, tmp_path / "out.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    names = wb.sheetnames
    assert "等级变化" not in names  # no store given: no comparison, no sheet
    assert names.index("未成交客户") < names.index("转介绍") < names.index("数据问题")
    rows = list(wb["转介绍"].values)
    assert rows[0][:7] == ("链", "代数", "客户（按介绍关系缩进）", "客户编号", "类别", "直接介绍", "全链后代")
    tree = [(r[1], r[2], r[5], r[6]) for r in rows[1:5]]
    assert tree == [(0, "李四", 1, 3), (1, "　　└ 周五", 1, 2), (2, "　　　　└ 吴六", 1, 1),
                    (3, "　　　　　　└ 王五", 0, 0)]
    assert wb["转介绍"]["H2"].hyperlink.location == "'成交客户'!A2"
    issues = list(wb["数据问题"].values)
    assert any(r[4] == "unknown-referrer" and r[2] == 5 for r in issues[1:])
