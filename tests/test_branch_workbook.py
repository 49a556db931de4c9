"""Branch workbook and pages from the sample; templates read back; sample is reproducible."""

import json
import shutil
import re
import zipfile
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from generator.branch_pages import GENERATED, branch_pages
from generator.branch_workbook import write_branch_workbook
from generator.campaign import campaign_partial, merge
from generator.complaints import analyse_complaints, read_complaints
from generator.models import AgentResult, RunResult
from generator.pipeline import process_source, report_dict
from generator.read import discover
from generator.rules import load_rules
from generator.sample_branch import make_branch_sample
from generator.survey import analyse_survey, branch_file_kind, read_survey
from generator.template import write_complaints_template, write_survey_template

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
BRANCH = SAMPLE / "branch"
TODAY = date(2026, 11, 23)
RULES = load_rules()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The agent sample plus the branch sample in a branch/ subfolder, as a branch sends them."""
    root = tmp_path_factory.mktemp("in")
    shutil.copytree(SAMPLE, root, dirs_exist_ok=True)
    if not (root / "branch").exists():
        make_branch_sample(root / "branch")
    return root


@pytest.fixture(scope="module")
def run(inputs):
    """What the pipeline will do: branch files out of discovery, books in, partials merged."""
    sources = [s for s in discover(inputs) if branch_file_kind(s.path) is None]
    books = [process_source(s, RULES, today=TODAY) for s in sources]
    report = report_dict(RunResult(agents=[AgentResult.of(b) for b in books], today=TODAY))
    teams = {f["agent_id"]: f["team"] for f in report["files"]}
    survey = read_survey(inputs / "branch/满意度调查.xlsx", RULES, display="branch/满意度调查.xlsx")
    complaints = read_complaints(inputs / "branch/投诉记录.xlsx", RULES, TODAY, agents=teams,
                                 display="branch/投诉记录.xlsx")
    campaigns = merge((campaign_partial(b, RULES) for b in books), RULES)
    return report, survey, complaints, campaigns, books


@pytest.fixture(scope="module")
def workbook(run, tmp_path_factory):
    report, survey, complaints, campaigns, _ = run
    path = tmp_path_factory.mktemp("out") / "branch.xlsx"
    write_branch_workbook(path, report=report, survey=survey, complaints=complaints, campaigns=campaigns,
                          rules=RULES, today=TODAY)
    return path


def _cells(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def _find(rows, value):
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v == value:
                return r, c
    raise AssertionError(f"{value!r} not found")


def _client_values(books):
    values = set()
    for b in books:
        for rec in (*b.closed, *b.prospects):
            for key in ("holder_name", "insured_name", "name", "holder_phone", "insured_phone", "phone",
                        "address", "policy_no"):
                v = rec.get(key)
                if v and len(str(v)) >= 2:
                    values.add(str(v))
    return values


def test_discovery_hook_recognises_the_branch_files(inputs):
    kinds = {s.display: branch_file_kind(s.path) for s in discover(inputs)}
    assert kinds["branch/满意度调查.xlsx"] == "survey" and kinds["branch/投诉记录.xlsx"] == "complaints"
    assert sum(1 for k in kinds.values() if k) == 2


def test_sample_survey_reports_the_planted_bad_scores(run):
    _, survey, complaints, _, _ = run
    assert [(i.row, i.column_letter, i.code) for i in survey.issues] == [
        (7, "C", "invalid-score"), (14, "J", "invalid-score"), (23, "P", "invalid-score")]
    assert (survey.rows.read, survey.rows.accepted, survey.rows.rejected) == (40, 37, 3)
    quadrants = {a.quadrant for a in analyse_survey(survey, RULES).ranked}
    assert quadrants == {"优先改进", "继续保持", "次要改进", "可能过度投入"}
    assert complaints.status == "ok" and complaints.rows.accepted == 24


def test_workbook_sheets_and_key_cells(run, workbook):
    report, survey, complaints, campaigns, _ = run
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["汇总", "满意度分析", "投诉", "活动排名"]
    summary = _cells(wb["汇总"])
    r, c = _find(summary, "全营业部")
    assert summary[r][c + 1] == len(report["files"])
    assert summary[r][c + 4] == sum((f["kpis"] or {}).get("policies", 0) for f in report["files"])
    r, c = _find(summary, "A1003")
    kpis = next(f["kpis"] for f in report["files"] if f["agent_id"] == "A1003")
    assert summary[r][c + 3] == kpis["clients"] and summary[r][c + 6] == pytest.approx(kpis["premium"])

    ranked = analyse_survey(survey, RULES).ranked
    sv = _cells(wb["满意度分析"])
    r, c = _find(sv, "排序")
    assert [row[1] for row in sv[r + 1:r + 1 + len(ranked)]] == [a.attribute for a in ranked]
    first = sv[r + 1]
    assert first[3] == pytest.approx(ranked[0].importance) and first[5] == pytest.approx(ranked[0].gap)
    assert first[6] == ranked[0].quadrant

    cp = _cells(wb["投诉"])
    r, c = _find(cp, "已过天数")
    assert cp[r + 1][0] == "0–7 天"
    ages = [row[1] for row in cp[r + 1:r + 5]]
    assert sum(ages) == sum(1 for x in complaints.complaints if x.status == "处理中")

    cr = _cells(wb["活动排名"])
    r, c = _find(cr, "整个活动期 · 代理人排名")
    top = campaigns[0].agents["合计"][0]
    assert cr[r + 2][:3] == [1, top.key, top.name] and cr[r + 2][6] == pytest.approx(top.points)


def test_survey_gap_is_satisfaction_minus_importance(run, workbook):
    _, survey, _, _, _ = run
    sv = _cells(openpyxl.load_workbook(workbook)["满意度分析"])
    assert any("差距 = 满意度 − 重要度" in str(v) for row in sv[:3] for v in row if v)
    r, c = _find(sv, "排序")
    assert sv[r][3:8] == ["重要度", "满意度", "差距", "四象限", "卡诺类型"]
    table = [row for row in sv[r + 1:] if isinstance(row[0], int)]
    assert table and all(row[5] == pytest.approx(row[4] - row[3]) for row in table)
    gaps = [row[5] for row in table]
    assert gaps == sorted(gaps) and gaps[0] < 0  # the most negative gap is fixed first
    # The sample's 理赔及时 follows the standard's example (4.2 / 2.1): it ranks first.
    assert table[0][1] == "理赔及时" and table[0][7] == "M 当然质量"
    notes = " ".join(str(v) for row in sv for v in row if v)
    assert "M 当然质量；O 期望质量；A 迷人质量" in notes and "必备型" not in notes
    page = branch_pages(run[0], survey, run[2], run[3], RULES)[f"{GENERATED}/survey.md"]
    assert "差距 = 满意度 − 重要度" in page and "A 迷人质量" in page
    ranked = analyse_survey(survey, RULES).ranked
    assert ranked[0].gap < 0 and f"{ranked[0].gap:.2f}" in page


def test_complaints_sheet_shows_both_clocks(run, workbook):
    _, _, complaints, _, _ = run
    a = analyse_complaints(complaints, RULES, TODAY)
    cp = _cells(openpyxl.load_workbook(workbook)["投诉"])
    text = " ".join(str(v) for row in cp for v in row if v is not None)
    assert (f"当天或第二天内回应 {a.responded_in_time} 条，回应晚了 {a.responded_late} 条，"
            f"逾期仍未回应 {a.awaiting_response} 条") in text
    r, c = _find(cp, "逾期的投诉（当天或第二天未回应，或超过 30 天未结案）")
    assert cp[r + 1][:7] == ["投诉日期", "工号", "团队", "类别", "已过天数", "逾期原因", "原表行"]
    listed = [row for row in cp[r + 2:] if row[0] is not None]
    assert [(row[4], row[5], row[6]) for row in listed] == [
        (o.age_days, "、".join(o.reasons), o.row) for o in a.overdue]
    # The sample has an open complaint overdue on each clock alone and one on both.
    assert {o.reasons for o in a.overdue} == {("未及时回应",), ("超期未结案",), ("未及时回应", "超期未结案")}


def test_workbook_has_native_charts(workbook):
    with zipfile.ZipFile(workbook) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(zf.read(n).decode("utf-8") for n in charts)
    assert len(charts) >= 3
    assert "<c:scatterChart>" in xml and "<c:barChart>" in xml and "<c:lineChart>" in xml


def test_workbook_has_no_client_data(run, workbook):
    _, _, _, _, books = run
    secrets = _client_values(books)
    phrases = {"对理赔金额有疑问", "电话回访时语气不耐烦", "说不清产品的保障范围"}
    wb = CalamineWorkbook.from_path(str(workbook))
    text = {str(v) for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python() for v in row}
    assert not (text & secrets) and not (text & phrases)


def test_workbook_without_branch_files(run, tmp_path):
    report = run[0]
    path = tmp_path / "branch.xlsx"
    write_branch_workbook(path, report=report, survey=None, complaints=None, campaigns=[], rules=RULES, today=TODAY)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "满意度分析", "投诉", "活动排名"]
    assert "没有提交满意度调查表" in str(_cells(wb["满意度分析"]))


def _charts(md: str) -> list[dict]:
    return [json.loads(unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', md)]


def test_pages(run):
    report, survey, complaints, campaigns, books = run
    pages = branch_pages(report, survey, complaints, campaigns, RULES)
    assert set(pages) == {f"{GENERATED}/survey.md", f"{GENERATED}/complaints.md", f"{GENERATED}/campaign.md"}
    survey_md = pages[f"{GENERATED}/survey.md"]
    [grid] = _charts(survey_md)
    points = {p["name"]: p["value"] for s in grid["series"] for p in s["data"]}
    ranked = analyse_survey(survey, RULES).ranked
    assert points == {a.attribute: [round(a.satisfaction, 2), round(a.importance, 2)] for a in ranked}
    assert {s["type"] for s in grid["series"]} == {"scatter"} and "markLine" in grid["series"][0]
    assert survey_md.index(ranked[0].attribute) < survey_md.index(ranked[-1].attribute, survey_md.index("<table"))
    complaints_md = pages[f"{GENERATED}/complaints.md"]
    [ages] = _charts(complaints_md)
    assert ages["xAxis"]["data"] == ["0–7 天", "8–30 天", "31–90 天", "90 天以上"]
    assert "逾期的投诉（当天或第二天未回应，或超过 30 天未结案）" in complaints_md
    assert "未及时回应" in complaints_md and "超期未结案" in complaints_md
    campaign_md = pages[f"{GENERATED}/campaign.md"]
    assert len(_charts(campaign_md)) == 2 and "金秋保障冲刺" in campaign_md
    everything = "".join(pages.values())
    assert not any(v in everything for v in _client_values(books))
    assert "对理赔金额有疑问" not in everything and "<script" not in everything


def test_pages_escape_names(run):
    report, survey, complaints, campaigns, _ = run
    evil = json.loads(json.dumps(report))
    for f in evil["files"]:
        f["team"] = "<b>组</b>"
    rules = RULES.model_copy(update={"survey": RULES.survey.model_copy(update={"attributes": ["<i>x</i>"]})})
    pages = branch_pages(evil, survey, complaints, campaigns, rules, mask_agents=True)
    text = "".join(pages.values())
    assert "<b>" not in text and "&lt;b&gt;" in text


def test_templates_read_back_empty(tmp_path):
    s, c = tmp_path / "survey.xlsx", tmp_path / "complaints.xlsx"
    write_survey_template(s, RULES, kano=True)
    write_complaints_template(c, RULES)
    assert (branch_file_kind(s), branch_file_kind(c)) == ("survey", "complaints")
    survey = read_survey(s, RULES)
    assert survey.issues == [] and survey.attributes == RULES.survey.attributes
    assert survey.kano_attributes == RULES.survey.attributes and survey.rows.read == 0
    complaints = read_complaints(c, RULES, TODAY)
    assert complaints.issues == [] and complaints.rows.read == 0


@pytest.mark.skipif(not BRANCH.exists(), reason="sample_data/branch is committed with the discovery hook")
def test_committed_branch_sample_matches_the_generator(tmp_path):
    fresh = make_branch_sample(tmp_path)
    for p in fresh:
        committed = CalamineWorkbook.from_path(str(BRANCH / p.name))
        made = CalamineWorkbook.from_path(str(p))
        assert committed.sheet_names == made.sheet_names
        for name in made.sheet_names:
            assert committed.get_sheet_by_name(name).to_python() == made.get_sheet_by_name(name).to_python()
