"""Value segments: thresholds from the rules, one segment per client, shown in the
workbook's 成交客户 sheet and on the dashboards with movement between runs."""

from datetime import date

import openpyxl
import pytest

from generator.dashboards import dashboard_pages
from generator.history import open_store
from generator.models import AgentResult, RunResult
from generator.pipeline import process_source, report_dict
from generator.read import discover
from generator.rules import Rules, load_rules
from generator.segment_pages import add_segment_sections
from generator.segments import segment_of
from generator.workbook import write_agent_workbook

from books import closed, prospect, write_book

RULES = load_rules()
TODAY = date(2026, 11, 26)


def rules_with(**segments) -> Rules:
    data = RULES.model_dump(mode="json")
    data["segments"].update(segments)
    return Rules.model_validate(data)


@pytest.mark.parametrize("premium,policies,referrals,quiet,top,expected", [
    (60000, 1, 0, 10, False, "高效客户"),         # ≥ min_premium 50,000
    (1000, 1, 0, 10, True, "高效客户"),           # in the top 20 % of the book
    (9000, 3, 0, 10, False, "高贡献客户"),        # ≥ 3 policies
    (9000, 1, 2, 10, False, "高贡献客户"),        # ≥ 2 referrals
    (9000, 2, 1, 365, False, "一般客户"),         # exactly the dormancy limit is not dormant
    (90000, 5, 4, 366, True, "休眠客户"),         # dormancy comes first
    (9000, 1, 0, None, False, "休眠客户"),        # never contacted
])
def test_segment_rules_by_hand(premium, policies, referrals, quiet, top, expected):
    assert segment_of(premium=premium, policies=policies, referrals=referrals, quiet_days=quiet, top=top,
                      rules=RULES) == expected


def test_thresholds_are_rules_data():
    rules = rules_with(dormant_days=30, high_value={"min_premium": 0, "top_percent": 0},
                       high_contribution={"min_policies": 2, "min_referrals": 0})
    assert segment_of(premium=90000, policies=1, referrals=5, quiet_days=10, top=False, rules=rules) == "一般客户"
    assert segment_of(premium=100, policies=2, referrals=0, quiet_days=10, top=False, rules=rules) == "高贡献客户"
    assert segment_of(premium=100, policies=2, referrals=0, quiet_days=31, top=False, rules=rules) == "休眠客户"
    with pytest.raises(ValueError):
        rules_with(high_value={"top_percent": 120})


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("segments") / "A1001_张三.xlsx"
    rows = [
        # C001: two policies, 60,000 a year together → 高效 (recent policy).
        closed(**{"客户编号": "C001", "保单号": "P1", "年交保费": "30000", "投保日期": "2026-06-01"}),
        closed(**{"客户编号": "C001", "保单号": "P2", "年交保费": "30000", "投保日期": "2026-07-01"}),
        # C002: three small policies → 高贡献.
        *[closed(**{"客户编号": "C002", "投保人姓名": "赵六", "投保人电话": "13812340000", "保单号": f"Q{i}",
                    "年交保费": "1000", "投保日期": "2026-05-01"}) for i in range(3)],
        # C003..C006: one small policy each, recent → 一般 (C003 is top 20 %? no: 5 clients → k=1 → C001).
        *[closed(**{"客户编号": f"C00{i}", "投保人姓名": f"客户{i}", "投保人电话": f"1381234100{i}",
                    "保单号": f"R{i}", "年交保费": "2000", "投保日期": "2026-01-10"}) for i in (3, 4, 5)],
        # C009: an old policy and nothing since → 休眠.
        closed(**{"客户编号": "C009", "投保人姓名": "老客户", "投保人电话": "13812349999", "保单号": "S1",
                  "年交保费": "80000", "投保日期": "2020-03-01"}),
    ]
    write_book(path, rows, [prospect()])
    [source] = discover(path)
    return process_source(source, RULES, today=TODAY)


def test_each_client_gets_one_segment_counted_in_kpis(book):
    by_client = {}
    for rec in book.closed:
        by_client.setdefault(rec.client_key, set()).add(rec.segment)
    assert all(len(s) == 1 for s in by_client.values())
    got = {k: next(iter(v)) for k, v in by_client.items()}
    assert got == {"C001": "高效客户", "C002": "高贡献客户", "C003": "一般客户", "C004": "一般客户",
                   "C005": "一般客户", "C009": "休眠客户"}
    assert book.kpis["segments"] == {"高效客户": 1, "高贡献客户": 1, "一般客户": 3, "休眠客户": 1}
    assert all(rec.segment is None for rec in book.prospects)


def test_workbook_shows_the_segment_next_to_the_grade(book, tmp_path):
    out = tmp_path / "w.xlsx"
    write_agent_workbook(book, RULES, out, today=TODAY)
    ws = openpyxl.load_workbook(out)["成交客户"]
    header = [c.value for c in ws[1]]
    assert header.index("价值分层") == header.index("象限") + 1
    col = header.index("价值分层")
    ids = header.index("客户编号")
    seen = {row[ids]: row[col] for row in ws.iter_rows(min_row=2, values_only=True) if row[ids]}
    assert seen["C001"] == "高效客户" and seen["C009"] == "休眠客户" and seen["C004"] == "一般客户"
    assert "价值分层" not in [c.value for c in openpyxl.load_workbook(out)["未成交客户"][1]]
    profile = openpyxl.load_workbook(out)["客户档案"]
    rows = list(profile.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and "价值分层" in r)
    col = rows[at].index("价值分层")
    shown = {r[col] for r in rows[at + 1:] if r and r[col]}
    assert shown == {"高效客户", "高贡献客户", "一般客户", "休眠客户"}


def test_dashboards_count_segments_with_movement(book, tmp_path):
    report = report_dict(RunResult([AgentResult.of(book)], TODAY))
    with open_store(tmp_path / "h.db") as store:
        # An earlier snapshot where C009 was still 一般 and C001 not yet 高效.
        store.begin(date(2026, 10, 1))
        earlier = report_dict(RunResult([AgentResult.of(book)], date(2026, 10, 1)))["files"][0]["kpis"]
        book_kpis = book.kpis
        book.kpis = {**earlier, "segments": {"高效客户": 0, "高贡献客户": 1, "一般客户": 5, "休眠客户": 0}}
        store.add_book(book)
        store.commit()
        book.kpis = book_kpis
        pages = dashboard_pages(report, RULES)
        add_segment_sections(pages, report, store=store)
    index = pages["dashboards/index.md"]
    assert "## 价值分层（成交客户）" in index and "与上次（2026-10-01）相比" in index
    assert '<td>高效客户</td><td align="right">1</td><td align="right">17%</td><td align="right">+1</td>' in index
    assert '<td>一般客户</td><td align="right">3</td><td align="right">50%</td><td align="right">−2</td>' in index
    assert '<td>休眠客户</td><td align="right">1</td><td align="right">17%</td><td align="right">+1</td>' in index
    team = [v for k, v in pages.items() if k.startswith("dashboards/teams/")]
    agent = [v for k, v in pages.items() if k.startswith("dashboards/agents/")]
    assert all("价值分层" in p for p in team + agent) and team and agent
    first = dashboard_pages(report, RULES)
    add_segment_sections(first, report)
    assert "尚无可比的记录" in first["dashboards/index.md"]
