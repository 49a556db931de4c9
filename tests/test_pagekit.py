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
