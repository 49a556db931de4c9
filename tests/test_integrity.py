"""Cross-agent integrity (generator/integrity.py): one client held by two agents, one
phone on many clients, agents whose clients carry agents' phones; and output names."""

import json
from datetime import date
import pickle

import pytest

from generator.integrity import (
    Finding,
    PhoneIndex,
    apply_findings,
    branch_summary,
    phone_uses,
    workbook_name,
)
from generator.models import AgentInfo, Book, Record
from generator.pipeline import process_source
from generator.read import discover
from generator.rules import load_rules
from generator.safety import safe_output_path

from corpus.make_corpus import CROSS_AGENT, TODAY, _book, agent, closed, prospect

RULES = load_rules()


def book(source, agent_id, phone=None, clients=(), prospects=()):
    """A validated-looking book: clients are (name, phone) pairs on 成交客户 rows 2…"""
    b = Book(source=source, agent=AgentInfo(agent_id, f"代理{agent_id}", phone=phone))
    b.closed = [Record("成交客户", i + 2, {"holder_name": n, "holder_phone": p}) for i, (n, p) in enumerate(clients)]
    b.prospects = [Record("未成交客户", i + 2, {"name": n, "phone": p}) for i, (n, p) in enumerate(prospects)]
    b.column_letters = {"成交客户": {"holder_phone": "C"}, "未成交客户": {"phone": "C"}}
    return b


def flat(findings):
    return sorted((f.source, f.sheet or "", f.row or 0, f.code) for f in findings)


def test_same_client_at_two_agents_warns_in_both_books():
    a = book("a.xlsx", "A1", clients=[("钱七", "13700000777"), ("孙八", "13700000001")])
    b = book("b.xlsx", "B1", prospects=[("钱 七", "13700000777")])  # spacing folds away
    index = PhoneIndex()
    index.add(a)
    index.add(b)
    found = index.findings()
    assert flat(found) == [("a.xlsx", "成交客户", 2, "cross-agent-client"),
                           ("b.xlsx", "未成交客户", 2, "cross-agent-client")]
    assert "B1 代理B1" in found[0].issue().message and "A1 代理A1" in found[1].issue().message


def test_same_phone_different_name_is_not_the_same_client():
    index = PhoneIndex()
    index.add(book("a.xlsx", "A1", clients=[("钱七", "13700000777")]))
    index.add(book("b.xlsx", "B1", clients=[("钱八", "13700000777")]))
    assert index.findings() == []


def test_one_phone_on_many_clients_across_the_branch():
    index = PhoneIndex(max_names=3)
    index.add(book("a.xlsx", "A1", clients=[("甲", "13700000888"), ("乙", "13700000888")]))
    index.add(book("b.xlsx", "B1", clients=[("丙", "13700000888")]))
    assert index.findings() == []  # three names: a family
    index.add(book("c.xlsx", "C1", prospects=[("丁", "13700000888")]))
    found = index.findings()
    assert {f.code for f in found} == {"branch-shared-phone"} and len(found) == 4
    assert "4 位" in found[0].issue().message


def test_client_phone_of_another_agent_and_suspect_agent():
    a = book("a.xlsx", "A1", phone="13600000001", clients=[("甲", "13700000001")])
    clients = [(f"客户{i}", "13600000001") for i in range(3)] + [("己", "13700000002")]
    b = book("b.xlsx", "B1", phone="13600000002", clients=clients)
    index = PhoneIndex(suspect_min_rows=4)
    index.add(a)
    index.add(b)
    found = index.findings()
    codes = [(f.source, f.code) for f in found]
    assert codes.count(("b.xlsx", "phone-is-other-agent")) == 3
    assert ("b.xlsx", "agent-phones-suspect") in codes
    suspect = next(f for f in found if f.code == "agent-phones-suspect")
    assert suspect.row is None and "3/4" in suspect.value
    assert not [c for c in codes if c[0] == "a.xlsx"]


def test_own_phone_on_most_clients_is_suspect_and_few_rows_are_not():
    own = book("a.xlsx", "A1", phone="13600000001",
               clients=[(f"客户{i}", "13600000001") for i in range(3)] + [("己", "13700000002")])
    few = book("b.xlsx", "B1", phone="13600000002", clients=[("甲", "13600000002")])
    index = PhoneIndex()
    index.add(own)
    index.add(few)
    assert [(f.source, f.code) for f in index.findings()] == [("a.xlsx", "agent-phones-suspect")]


def test_unknown_agent_phone_repeated_on_most_clients_is_suspect():
    clients = [(f"客户{i}", "13900000009") for i in range(4)] + [("己", "13700000002")]
    index = PhoneIndex()
    index.add(book("a.xlsx", "A1", phone=None, clients=clients))
    (finding,) = index.findings()
    assert finding.code == "agent-phones-suspect" and "未登记手机" in finding.issue().message


def test_streaming_add_with_picklable_uses():
    """The worker takes phone_uses(book) while it holds the rows; the parent never needs records."""
    a = book("a.xlsx", "A1", clients=[("钱七", "13700000777")])
    b = book("b.xlsx", "B1", clients=[("钱七", "13700000777")])
    whole = PhoneIndex()
    whole.add(a)
    whole.add(b)
    streamed = PhoneIndex()
    for x in (a, b):
        uses = pickle.loads(pickle.dumps(phone_uses(x)))
        x.closed = []  # the parent never sees the rows
        streamed.add(x.source, x.agent, uses)
    assert streamed.findings() == whole.findings() and len(streamed) == 2


def test_apply_findings_adds_warnings_once_and_summary_has_no_client_values():
    a = book("a.xlsx", "A1", clients=[("钱七", "13700000777")])
    b = book("b.xlsx", "B1", clients=[("钱七", "13700000777")])
    index = PhoneIndex()
    index.add(a)
    index.add(b)
    found = index.findings()
    added = apply_findings(a, found)
    assert [i.code for i in added] == ["cross-agent-client"] and a.status == "warnings"
    assert a.closed[0].issues == added and added[0].row == 2 and added[0].column_letter == "C"
    assert apply_findings(a, found) == []
    summary = branch_summary(found, agents=2)
    assert summary["rows"] == {"cross-agent-client": 2} and summary["agents_flagged"] == 2
    text = repr(summary)
    assert "13700000777" not in text and "钱七" not in text


def test_corpus_integrity_books(tmp_path):
    """I01/I02 in the corpus get the cross-agent codes the corpus promises."""
    from corpus.make_corpus import make_corpus  # noqa: F401 - documents where the books come from

    folder = tmp_path / "in"
    folder.mkdir()
    _book(folder / "I01_甲.xlsx", [closed(1710, 投保人姓名="钱七", 投保人电话="13700000777"),
                                  *[closed(1700 + i, 投保人姓名=f"共用{i}", 投保人电话="13700000888") for i in range(2)]],
          kv=agent("I01", "甲", phone="13600000001"))
    _book(folder / "I02_乙.xlsx", [closed(1740, 投保人姓名="钱 七", 投保人电话="137-0000-0777"),
                                  *[closed(1720 + i, 投保人电话="13600000001") for i in range(5)],
                                  *[closed(1730 + i, 投保人姓名=f"同号{i}", 投保人电话="13700000888") for i in range(2)]],
          [prospect(1)], kv=agent("I02", "乙", phone="13600000002"))
    index = PhoneIndex()
    books = [process_source(s, RULES, today=TODAY) for s in discover(folder)]
    for b in books:
        index.add(b)
    found = index.findings()
    for b in books:
        assert {f.code for f in found if f.source == b.source} == CROSS_AGENT[b.source]
        apply_findings(b, found)
        assert CROSS_AGENT[b.source] <= {i.code for i in b.issues}


def test_findings_are_plain_values():
    f = Finding("cross-agent-client", "a.xlsx", "成交客户", 5, "投保人电话", "C", "钱七", "B1 乙")
    issue = f.issue()
    assert (issue.file, issue.sheet, issue.row, issue.severity) == ("a.xlsx", "成交客户", 5, "warning")


# ------------------------------------------------------------------ output names


@pytest.mark.parametrize(
    "agent_id, name, columns",
    [
        ("A1", "张三", []),
        ("../../evil", "x/y", ["工号", "姓名"]),
        ("CON", "NUL.txt", ["工号", "姓名"]),
        ("A\x002", "张\\三", ["工号", "姓名"]),
        ("..", "..", ["工号", "姓名"]),
        ("A1", "😀" * 300, ["姓名"]),
    ],
)
def test_workbook_name_is_safe_and_says_what_changed(tmp_path, agent_id, name, columns):
    out, issues = workbook_name(AgentInfo(agent_id, name), {}, source="in.xlsx")
    assert [i.column for i in issues] == columns
    assert {i.code for i in issues} <= {"agent-name-sanitized"}
    assert all(i.sheet == "代理人" and i.severity == "warning" and out in i.message for i in issues)
    path = safe_output_path(tmp_path, "workbooks", out)  # raises if it escaped
    assert path.parent == (tmp_path / "workbooks").resolve() and path.name == out
    assert not out.startswith(".") and out.endswith(".xlsx") and "\x00" not in out


def test_workbook_name_collisions_are_numbered_and_explained():
    used: dict[str, str] = {}
    first, none = workbook_name(AgentInfo("A1", "张三"), used, source="one.xlsx")
    second, clash = workbook_name(AgentInfo("a1", "张三"), used, source="two.xlsx")  # case folds
    third, clash3 = workbook_name(AgentInfo("A1", "张三"), used, source="three.xlsx")
    assert none == [] and first == "A1_张三.xlsx"
    assert second == "a1_张三_2.xlsx" and third == "A1_张三_3.xlsx"
    assert [i.code for i in clash] == ["output-name-collision"] and "one.xlsx" in clash[0].message
    assert second in clash[0].message and clash3[0].code == "output-name-collision"
    assert len({first.casefold(), second.casefold(), third.casefold()}) == 3


def test_empty_agent_gets_fallback_name_without_a_sanitize_warning():
    assert workbook_name(AgentInfo("", ""), {}, source="x.xlsx") == ("agent.xlsx", [])


def test_build_warns_both_agents_and_their_workbooks(tmp_path):
    """Wired into build(): the same client in two books is a warning in both, workbooks included."""
    import openpyxl

    from books import closed, write_book
    from generator import build

    books = tmp_path / "books"
    books.mkdir()
    write_book(books / "a.xlsx", [closed()], agent={"工号": "A1", "姓名": "甲"})
    write_book(books / "b.xlsx", [closed(保单号="P9")], agent={"工号": "A2", "姓名": "乙"})
    write_book(books / "c.xlsx", [closed(投保人姓名="别人", 投保人电话="13900001111", 保单号="P7")],
               agent={"工号": "A3", "姓名": "丙"})
    result = build(books, tmp_path / "out", today=date(2026, 11, 23))
    codes = {b.agent.agent_id: [i.code for i in b.issues] for b in result.agents}
    assert codes == {"A1": ["cross-agent-client"], "A2": ["cross-agent-client"], "A3": []}
    for book in result.agents[:2]:
        ws = openpyxl.load_workbook(tmp_path / "out" / book.output)["数据问题"]
        assert "cross-agent-client" in [c.value for c in ws["E"]]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["integrity"]["rows"] == {"cross-agent-client": 2}
