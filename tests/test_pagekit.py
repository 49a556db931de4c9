"""The page kit's escaping, through the same Markdown the site engines run (fast, no build)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import markdown
import pytest

from corpus.site_names import HOSTILE_NAMES
from generator import pagekit

EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc"]
CONTEXTS = {
    "heading": "# 团队：{}\n",
    "paragraph": "团队：{} · 数据日期：2026-11-23\n",
    "inline link text": '团队：<a href="teams/t.html">{}</a>\n',
    "markdown table": "| 团队 | 人数 |\n|---|---|\n| {} | 3 |\n",
    "html table": "\n\n{table}\n\n",
    "list item": "- 团队 {}\n",
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _tags(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(markup)
    return parser.found


def _render(template: str, value: str) -> str:
    if "{table}" in template:
        src = template.format(table=pagekit.table(["团队"], [[pagekit.text(value)]]))
    else:
        src = template.format(pagekit.text(value))
    return markdown.markdown(src, extensions=EXTENSIONS)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_escaped_value_renders_as_its_own_text_and_nothing_else(context, value):
    out = _render(CONTEXTS[context], value)
    tags = _tags(out)
    for tag, attrs in tags:
        assert tag not in ("img", "script"), (context, value, out)
        for attr, v in attrs:
            assert not attr.startswith("on") and attr != "autofocus", (context, value, out)
            assert not (v or "").lower().startswith("javascript:") and "evil.example" not in (v or ""), out
    # The browser shows exactly the typed text (newlines become spaces).
    shown = html.unescape(out)
    assert " ".join(value.split()) in " ".join(shown.split()), (context, value, out)
    assert out.count("<a ") == CONTEXTS[context].count("<a "), (context, value, out)


def test_chart_option_round_trips_through_the_attribute():
    option = {"xAxis": {"data": list(HOSTILE_NAMES)}}
    div = pagekit.chart(option)
    attr = div.split('data-chart="', 1)[1].rsplit('"', 1)[0]
    assert '"' not in attr and "<" not in attr and "{" not in attr
    import json

    assert json.loads(html.unescape(attr)) == option


def test_links_are_internal_only():
    assert pagekit.link("../teams/team-1.html", "<b>") == '<a href="../teams/team-1.html">&lt;b&gt;</a>'
    for bad in ("javascript:alert(1)", "http://evil.example/", "//evil.example", "/abs.html", 'a" onclick="x'):
        with pytest.raises(ValueError):
            pagekit.link(bad, "x")


def test_numbers():
    assert pagekit.pct(0.1234) == "12.3%" and pagekit.pct(None) == "—" and pagekit.pct(0.5, 0) == "50%"
    assert pagekit.money(1234567.4) == "1,234,567" and pagekit.num(None) == "—"
    assert pagekit.count(12345) == "12,345" and pagekit.count(None) == "—"
    assert pagekit.num(1234.5, 1) == "1,234.5"


def test_tables_are_plain_so_the_theme_styles_them():
    out = pagekit.table(["团队", "成交客户"], [["一组", pagekit.count(12345)]])
    # A class opts a table out of the theme's table styles (and its phone scroll box).
    assert out.startswith("<table data-pasture-sort>") and "class=" not in out
    assert '<td align="right">12,345</td>' in out and '<th data-sort-method="number" align="right">' in out
    assert "data-pasture-sort" not in pagekit.table(["a"], [["1"]], sortable=False)


def test_kpi_cards_carry_the_glossary_definition_and_one_alert_look():
    from generator.glossary import define, terms

    card = pagekit.kpi("加保率", "12.3%", note="目标 60%", low=True)
    assert define("加保率") in card and "目标 60%" in card
    assert 'class="pasture-kpi low"' in card and pagekit.alert("12.3%") in card
    assert "low" not in pagekit.kpi("加保率", "70%", low=False) and "pasture-alert" not in pagekit.kpi("保单", "3")
    # Every glossary entry has a definition and its labels are unique.
    labels = [label for t in terms() for label in (t.key, t.term, *t.aliases)]
    assert len(labels) == len(set(labels)) and all(t.definition for t in terms())
