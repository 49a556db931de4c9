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
from generator.site import PROJECT_ROOT, build_site  # noqa: E402

RULES = load_rules()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(PROJECT_ROOT, tmp_path_factory.mktemp("course") / "site")


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
