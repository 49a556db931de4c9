"""Dashboard pages: numbers equal the report, aggregates only, agent text escaped."""

import json
import re
from html import unescape

import pytest

from generator import report_dict
from generator.dashboards import aggregate, dashboard_pages
from generator.rules import load_rules

RULES = load_rules()


@pytest.fixture(scope="module")
def report(sample_build):
    return report_dict(sample_build.result)


@pytest.fixture(scope="module")
def pages(report):
    return dashboard_pages(report, RULES)


def _client_values(books):
    values = set()
    for book in books:
        for rec in (*book.book.closed, *book.book.prospects):
            for key in ("holder_name", "insured_name", "name", "holder_phone", "insured_phone", "phone",
                        "address", "policy_no"):
                v = rec.get(key)
                if v and len(str(v)) >= 2:
                    values.add(str(v))
    return values


def test_page_set(report, pages):
    teams = {f["team"] for f in report["files"]}
    assert sum(1 for p in pages if p.startswith("dashboards/teams/")) == len(teams)
    assert sum(1 for p in pages if p.startswith("dashboards/agents/")) == len(report["files"])
    for name in ("index", "ranking", "quality"):
        assert f"dashboards/{name}.md" in pages


def test_branch_numbers_equal_report(report, pages):
    files = report["files"]
    total = aggregate(files)
    assert total["clients"] == sum(f["kpis"]["clients"] for f in files)
    assert total["policies"] == sum(f["kpis"]["policies"] for f in files)
    # report totals also count the branch files (survey, complaints); agent books alone:
    branch_rows = {k: sum(b["rows"][k] for b in report["branch_files"]) for k in ("read", "accepted", "rejected")}
    assert {k: total["rows"][k] + branch_rows[k] for k in branch_rows} == report["totals"]["rows"]
    branch_sev = {s: sum(1 for b in report["branch_files"] for i in b["issues"] if i["severity"] == s)
                  for s in ("error", "warning")}
    assert {s: total["issues"][s] + branch_sev[s] for s in branch_sev} == report["totals"]["issues"]
    page = unescape(pages["dashboards/index.md"])
    assert f"<strong>{total['clients']:,}</strong>" in page
    assert f"<strong>{total['policies']:,}</strong>" in page
    assert f"{total['premium']:,.0f}" in page
    assert f"{total['addon_rate'] * 100:.1f}%" in page
    assert f"录入 {total['rows']['accepted']:,} 行" in page  # agent books' rows


def test_chart_data_equal_grade_counts(report, pages):
    total = aggregate(report["files"])
    charts = [json.loads(unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', pages["dashboards/index.md"])]
    bars = {c["title"]["text"]: c["series"][0]["data"] for c in charts}
    assert bars["成交客户等级"] == list(total["grades_closed"].values())
    assert bars["准客户等级"] == list(total["grades_prospect"].values())


def test_no_client_personal_data_on_any_page(pages, sample_build):
    values = _client_values(sample_build.result.agents)  # built with keep_records=True
    assert len(values) > 500
    text = "\n".join(pages.values())
    leaks = sorted(v for v in values if v in text)
    assert leaks == []


def test_agent_text_is_escaped_and_maskable(report):
    evil = json.loads(json.dumps(report))
    evil["files"][0]["agent_name"] = '<script>alert(1)</script>[x](javascript:alert(2))'
    evil["files"][0]["team"] = "<b>队</b>"
    pages = dashboard_pages(evil, RULES)
    text = "\n".join(pages.values())
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
    assert "<b>队</b>" not in text
    masked = "\n".join(dashboard_pages(report, RULES, mask_agents=True).values())
    for f in report["files"]:
        assert f["agent_name"] not in masked
        assert f["agent_id"] in masked


def test_failed_file_counts_without_kpis(report):
    broken = json.loads(json.dumps(report))
    broken["files"].append({"path": "bad.xlsx", "agent_id": "X9", "agent_name": "坏", "team": None, "branch": None,
                            "status": "failed", "rows": {"read": 0, "accepted": 0, "rejected": 0}, "sheets": {},
                            "workbook": None, "kpis": {}, "issues": [{"sheet": None, "row": None, "column": None,
                            "column_letter": None, "code": "file-empty", "severity": "error", "message": "", "hint": ""}]})
    total = aggregate(broken["files"])
    assert total["failed"] == 1 and total["agents"] == len(report["files"]) + 1
    pages = dashboard_pages(broken, RULES)
    assert any("无法使用" in p for p in pages.values())


def _cards(page: str) -> list[tuple[str, str]]:
    """(label, the rest of the card) of every KPI card on a page."""
    return re.findall(r'<div class="pasture-kpi[^"]*"><span>([^<]*)</span>(.*?)</div>', page)


def test_every_kpi_card_says_what_it_means(report, pages):
    from generator.glossary import define

    agent_page = next(p for path, p in pages.items() if path.startswith("dashboards/agents/") and "转介绍链" in p)
    for path, page in (("dashboards/index.md", pages["dashboards/index.md"]), ("agent", agent_page)):
        cards = _cards(page)
        labels = {unescape(label) for label, _ in cards}
        assert {"加保率", "转介绍率"} <= labels, path
        for label, rest in cards:
            meaning = define(unescape(label))
            assert meaning, (path, label)  # every card's label is in the glossary
            assert unescape(meaning) in unescape(rest), (path, label)
    assert {"经转介绍占比", "转介绍成交率"} <= {unescape(label) for label, _ in _cards(agent_page)}


def test_below_target_is_marked_like_overdue(report, pages):
    total = aggregate(report["files"])
    index = pages["dashboards/index.md"]
    rate = f"{total['addon_rate'] * 100:.1f}%"
    marked = f'<span class="pasture-alert">{rate}</span>' in index
    assert marked == (total["addon_rate"] < RULES.targets.addon_rate)


def test_every_bar_chart_keeps_every_category_label(pages):
    for path, page in pages.items():
        for raw in re.findall(r'data-chart="([^"]*)"', page):
            option = json.loads(unescape(raw))
            for axis in (option.get("xAxis"), option.get("yAxis")):
                if isinstance(axis, dict) and axis.get("type") == "category" and len(axis.get("data", [])) > 6:
                    assert axis.get("axisLabel", {}).get("interval") == 0, (path, option["title"])


def test_calendar_kind_chart_counts_the_whole_calendar_and_says_it_includes_overdue(report, pages):
    title = "日历事项（按类型，含逾期）"
    sums = []
    for path, page in pages.items():
        if path.startswith("dashboards/agents/"):
            for raw in re.findall(r'data-chart="([^"]*)"', page):
                option = json.loads(unescape(raw))
                assert "未来事项" not in option["title"]["text"]
                if option["title"]["text"] == title:
                    sums.append(sum(option["series"][0]["data"]))
    calendars = [f["kpis"]["calendar"] for f in report["files"] if (f.get("kpis") or {}).get("calendar")]
    assert any(c["buckets"]["逾期"] for c in calendars)  # overdue tasks exist and are counted
    assert sorted(sums) == sorted(c["total"] for c in calendars if c["total"])
