"""One site source, two engines: mkdocs-material and zensical give the same rule tables.

Pasture renders every page before the engine runs, so whichever engine builds the site,
each rule table on the course and guide pages must equal the table the rules file in use
gives (here a changed rules file, so a table copied from the default would fail).
"""

from __future__ import annotations

import importlib.util
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from generator import standards  # noqa: E402
from generator.rules import DEFAULT_RULES_PATH, load_rules  # noqa: E402
from generator.site import PROJECT_ROOT, publish_site  # noqa: E402

ENGINES = ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    importlib.util.find_spec("zensical") is None, reason="zensical not installed (pip install -e '.[zensical]')"))]


class _Tables(HTMLParser):
    """Rows of every table in a page, each cell as its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, ...]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_flat("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(tuple(self._row))
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _markdown_rows(markdown: str) -> list[tuple[str, ...]]:
    """The rows of the Markdown tables standards.* renders, as the reader sees each cell."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("| ") or re.fullmatch(r"\|(?:---\|)+", line):
            continue
        cells = line.strip()[1:-1].split("|")
        text = [re.sub(r"<br\s*/?>", " ", c) for c in cells]
        text = [unescape(re.sub(r"<[^>]+>", "", c)).replace("**", "") for c in text]
        rows.append(tuple(_flat(c) for c in text))
    return rows


@pytest.fixture(scope="module")
def custom_rules(tmp_path_factory):
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["actions"]["prospect"]["D"] = ["每月一次试探性联系"]
    data["grading"]["prospect"].insert(0, {"grade": "D", "when": {"经济条件": "好", "保险意识": "一般", "影响力": "一般"}})
    data["cadence"]["visit_every_days"] = 45
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=ENGINES)
def site(request, tmp_path_factory, custom_rules):
    built = publish_site(PROJECT_ROOT, tmp_path_factory.mktemp(request.param) / "site", rules_path=custom_rules,
                         engine=request.param)
    assert built.built and not built.issues, built.issues
    return built.path


def _built_rows(site: Path) -> set[tuple[str, ...]]:
    rows: set[tuple[str, ...]] = set()
    for page in [*site.glob("course/*.html"), *site.glob("guide/*.html")]:
        parser = _Tables()
        parser.feed(page.read_text(encoding="utf-8"))
        rows.update(parser.rows)
    return rows


def test_rule_tables_equal_the_rules_file(site, custom_rules):
    rules = load_rules(custom_rules)
    expected = {
        "grading closed": standards.grading_table(rules, "closed"),
        "grading prospect": standards.grading_table(rules, "prospect"),
        "quadrants": standards.quadrant_table(rules),
        "experiences": standards.experience_matrix(rules),
        "cadence": standards.cadence_table(rules),
        "festivals": standards.festival_table(rules),
        "cve": standards.cve_table(rules),
        "input contract": standards.input_contract(rules),
        "issue codes": standards.issue_reference(),
    }
    built = _built_rows(site)
    for name, markdown in expected.items():
        rows = _markdown_rows(markdown)
        assert rows, name
        missing = [r for r in rows if r not in built]
        assert not missing, (name, missing[:3])
    # The changed rules are what the pages show, not the default.
    assert ("好", "一般", "一般", "D", "每月一次试探性联系") in built
    assert ("定期拜访", "每 45 天一次", "—") in built


def test_course_pages_keep_no_placeholder_and_load_nothing_from_another_host(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "pasture:" not in html, page
        assert not re.search(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", html), page


def test_dashboard_assets_only_on_dashboard_pages(site):
    assert "echarts" not in (site / "course/grading.html").read_text(encoding="utf-8")
    assert (site / "assets/vendor/echarts.common.min.js").is_file()
    assert (site / "downloads/客户档案模板.xlsx").read_bytes()[:2] == b"PK"


def test_404_page_links_relative_so_it_works_from_file_urls(site):
    html = (site / "404.html").read_text(encoding="utf-8")
    assert not re.search(r'\b(?:href|src)="/(?!/)', html)
    assert 'href="./assets/' in html and (site / "assets").is_dir()
    assert not re.search(r'"(?:base|search)":\s*"/', html)  # the theme's config block too
