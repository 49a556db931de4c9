"""The course pages say what the engine does: built with mkdocs, read back as text.

Each test reads a built page and compares it with the rules file the build used, so a
page that drifts from the engine (or from the standard it teaches) fails here.
"""

import re
from html import unescape

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from generator.rules import load_rules  # noqa: E402

RULES = load_rules()


@pytest.fixture(scope="module")
def site(sample_site):
    """The session's sample site (conftest): the course pages as a build publishes them."""
    return sample_site


def page_text(site, name: str) -> str:
    html = (site / f"course/{name}.html").read_text(encoding="utf-8")
    body = html[html.index("<article"):html.index("</article>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_quality_page_teaches_the_survey_gap_and_kano_terms(site):
    text = page_text(site, "quality")
    assert "差距 = 满意度 − 重要度" in text and "−2.1" in text
    assert "重要度 − 满意度" not in text
    for term in ("当然质量", "期望质量", "迷人质量"):
        assert term in text
    # The attribute list comes from the rules file, the example set is named as such.
    assert "、".join(RULES.survey.attributes) in text
    assert "财产险" in text


def test_quality_page_states_both_complaint_clocks(site):
    text = page_text(site, "quality")
    c = RULES.complaints
    assert f"时限是 {c.first_response_days} 天" in text and "当天或第二天" in text
    assert f"超过 {c.open_limit_days} 天还没有结案" in text


def test_grading_page_separates_the_standards_rows_from_the_default_completion(site):
    html = (site / "course/grading.html").read_text(encoding="utf-8")
    text = page_text(site, "grading")
    assert "成交客户只列了 3 种，未成交客户列了 4 种" in text and "默认补全" in text
    # The standard's own rows, read back from the page, are what the engine does.
    section = html[html.index("标准给的等级"):]
    section = section[:section.index("</table>")]
    books = {"成交客户": "closed", "未成交客户": "prospect"}
    rows = [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", section, re.S)]
    rows = [r for r in rows if r]
    assert sum(1 for r in rows if r[0] == "成交客户") == 3 and sum(1 for r in rows if r[0] == "未成交客户") == 4
    for book, economy, awareness, influence, grade in rows:
        ratings = {"经济条件": economy, "保险意识": awareness, "影响力": influence}
        assert RULES.grade(books[book], ratings) == grade, (book, ratings)  # type: ignore[arg-type]


@pytest.mark.parametrize("page", ["quadrants", "cadence", "experiences", "records", "cycle"])
def test_each_rule_page_says_what_is_the_standards_and_what_is_a_default(site, page):
    text = page_text(site, page)
    assert "标准" in text and "默认" in text and "规则文件" in text


def test_the_60_percent_targets_come_with_their_context(site):
    cycle, quality = page_text(site, "cycle"), page_text(site, "quality")
    addon, referral = (f"{v * 100:g}%" for v in (RULES.targets.addon_rate, RULES.targets.referral_rate))
    assert f"分别是 {addon} 和 {referral}" in cycle
    assert "老客户" in cycle and "持有两张及以上保单的成交客户 ÷ 全部成交客户" in cycle
    assert "为你介绍过客户的成交客户 ÷ 全部成交客户" in cycle and "不是一个刚入行就要完成的指标" in cycle
    assert f"目标定在 {referral}" in quality and "参考线" in quality


def test_records_page_explains_the_short_work_log(site):
    text = page_text(site, "records")
    assert "日期、出勤、拜访、电话、面谈、新增准客户、促成和备注" in text
    assert "按“未成交客户”里当天的登记日期计数" in text and "可以直接打印的早会页" in text


def test_cadence_page_states_the_segment_thresholds_from_the_rules(site):
    text = page_text(site, "cadence")
    seg = RULES.segments
    assert f"{seg.dormant_days} 天内既没有新保单" in text
    assert f"达到 {seg.high_value.min_premium} 元" in text and f"前 {seg.high_value.top_percent}%" in text
    assert f"持有 {seg.high_contribution.min_policies} 张及以上保单" in text
    assert f"介绍了 {seg.high_contribution.min_referrals} 位及以上客户" in text
    for name in ("高效客户", "高贡献客户", "一般客户", "休眠客户"):
        assert name in text
    assert "同一天的事项里，高效客户排在最前面" in text and "唤醒回访" in text


def test_experience_costs_are_the_standards_labels(site):
    assert [e.cost for e in RULES.experiences.items] == ["极低", "低", "中", "高", "很高", "极高"]
    html = (site / "course/experiences.html").read_text(encoding="utf-8")
    row = html[html.index("<strong>成本</strong>"):]
    row = row[:row.index("</tr>")]
    assert [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] == [
        "极低", "低", "中", "高", "很高", "极高"]


def test_experiences_page_says_star_is_a_priority_with_its_own_cadence(site):
    text = page_text(site, "experiences")
    assert "☆ 说的是“优先”，不是“更频繁”" in text and "更频繁，默认" not in text
    assert f"隔 {RULES.cadence.strategic_every_days} 天再安排下一项" in text


def test_cadence_page_and_engine_agree_on_call_backs_premiums_and_festivals(site):
    text = page_text(site, "cadence")
    c = RULES.cadence
    assert f"服务后 {c.callback_after_service_days} 天内" in text and "当天或第二天" in text
    assert "登记后第 " + "、".join(str(d) for d in c.prospect_followup_days) + " 天各跟进一次" in text
    assert "唤醒回访" in text and "交费对应日从承保日期" in text.replace(" ", "") and "按投保日期推算" in text
    assert "妇女节只问候女性客户" in text
    assert "女性客户（已填性别时）" in text and "已婚客户（已填婚姻状况时）" in text  # the festival table
