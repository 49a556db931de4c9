"""Names that attack the published site reach every page as text, never as markup.

The hostile corpus (tests/corpus/site_names.py) names agents, teams, the branch, the
survey and complaints files, survey attributes, a complaint category and a campaign
with Markdown and HTML attacks. The site is built from it and every built HTML page is
parsed: no event-handler or autofocus attribute, no javascript: URL, no URL to the host
the input named, no script that came from input — and the names are still shown.
"""

from __future__ import annotations

import importlib.util
import json
from html.parser import HTMLParser

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from corpus.make_corpus import TODAY  # noqa: E402
from corpus.site_names import EVIL_HOST, HOSTILE_FILES, HOSTILE_NAMES, make_site_corpus  # noqa: E402
from generator import build  # noqa: E402
from generator.rules import load_rules  # noqa: E402

URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "srcset", "xlink:href", "background", "cite"}


class Page(HTMLParser):
    """Every start tag's attributes, the text outside tags, the text inside scripts and the title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            self.scripts.append(data)
        elif where == "title":
            self.title += data
        else:
            self.text.append(data)


ENGINES = ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    importlib.util.find_spec("zensical") is None, reason="zensical not installed"))]


@pytest.fixture(scope="module", params=ENGINES)
def site(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("site-hostile")
    inputs, rules_path = make_site_corpus(base)
    result = build(inputs, base / "out", today=TODAY, site=True, rules=load_rules(rules_path),
                   rules_path=rules_path, history=False, site_engine=request.param)
    assert not result.site_issues, result.site_issues
    pages = {}
    for path in sorted((base / "out" / "site").rglob("*.html")):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.relative_to(base / "out" / "site").as_posix()] = page
    return result, pages


def test_every_page_is_free_of_live_markup_from_input(site):
    _, pages = site
    assert len(pages) > 20
    for name, page in pages.items():
        for tag, attrs in page.tags:
            for attr, value in attrs:
                assert not attr.startswith("on"), (name, tag, attr, value)
                assert attr != "autofocus", (name, tag)
                if value is None:
                    continue
                if attr in URL_ATTRS:
                    assert not value.strip().lower().replace("\t", "").startswith(("javascript:", "vbscript:")), \
                        (name, tag, attr, value)
                    assert EVIL_HOST not in value, (name, tag, attr, value)
                if attr == "style":
                    assert EVIL_HOST not in value and "url(" not in value.replace(" ", ""), (name, tag, value)
            assert tag != "img" or EVIL_HOST not in str(attrs), name
        for script in page.scripts:
            assert "alert(" not in script, (name, script[:200])


def test_titles_and_nav_show_names_as_text(site):
    _, pages = site
    titled = [p.title for p in pages.values() if "</title><script>" in p.title]
    assert titled, "the </title> breakout name should appear, as text, in a page title"
    team_pages = [n for n in pages if n.startswith("dashboards/teams/")]
    assert len(team_pages) >= len(HOSTILE_NAMES) - 1
    # The nav (on every dashboard page) lists the team pages by their names, as text.
    nav_text = "".join(pages["dashboards/index.html"].text)
    for hostile in HOSTILE_NAMES[:8]:
        assert " ".join(hostile.split()) in " ".join(nav_text.split()), hostile


def test_names_are_shown_verbatim_on_the_pages(site):
    _, pages = site
    shown = " ".join(" ".join(t.split()) for p in pages.values() for t in p.text)
    for hostile in HOSTILE_NAMES:
        flat = " ".join(hostile.split())  # newlines in a name become spaces
        assert flat in shown, hostile
    for file_name in HOSTILE_FILES.values():
        assert file_name in shown, file_name


def test_chart_labels_from_input_stay_data(site):
    _, pages = site
    charts = [json.loads(v) for p in pages.values() for t, attrs in p.tags for a, v in attrs
              if a == "data-chart" and v]
    labels = json.dumps(charts, ensure_ascii=False)
    assert HOSTILE_NAMES[0] in labels  # a survey attribute, on the grid
    for option in charts:
        tooltip = option.get("tooltip") or {}
        assert not callable(tooltip.get("formatter"))
