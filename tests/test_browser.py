"""The built sample site in a real browser (Debian chromium driven by Playwright).

Served over http://127.0.0.1 and opened from file://, as a branch would use it: every
page loads without a console error or a request to another host, Chinese search finds
the right page, charts draw and tables sort. Screenshots go to test-artifacts/.

Skipped when chromium or playwright is missing, unless PASTURE_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.browser

_missing = [what for what, ok in (
    (f"chromium ({CHROMIUM})", os.access(CHROMIUM, os.X_OK)),
    ("the playwright package", importlib.util.find_spec("playwright") is not None),
) if not ok]
if _missing:
    if os.environ.get("PASTURE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PASTURE_REQUIRE_BROWSER=1 but {' and '.join(_missing)} not found", pytrace=False)
    pytest.skip(f"{' and '.join(_missing)} not found", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}
# Material's search runs in a web worker (an iframe shim from file://): results come later.
SEARCH_TIMEOUT_MS = 15_000


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(sample_site: Path):
    """The sample site on http://127.0.0.1:<random port>/."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(sample_site)))
    server.handle_error = lambda *args: None  # the browser dropping a connection is no failure
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Watch:
    """Console errors, page errors, failed or off-site requests of one browser context."""

    def __init__(self, context, allowed) -> None:
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.allowed = allowed
        context.on("page", self._page)
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("requestfailed", self._failed)
        context.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _failed(self, request) -> None:
        # ERR_ABORTED: the next goto() cancelled what the last page still loaded (the search
        # worker's lunr scripts); a missing file shows as a 404 or ERR_FILE_NOT_FOUND.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _page(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error on {page.url}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error on {page.url}: {e}"))

    def off_site(self) -> list[str]:
        return [url for url in self.requests if not self.allowed(url)]


def _local_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or (parts.scheme == "http" and parts.hostname == "127.0.0.1")


def _local_file(url: str) -> bool:
    return urlsplit(url).scheme in ("file", "data", "blob")


@pytest.fixture
def http(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    watch = Watch(context, _local_http)
    yield context.new_page(), watch
    context.close()


@pytest.fixture
def file(browser):
    context = browser.new_context(viewport=VIEWPORT)
    watch = Watch(context, _local_file)
    yield context.new_page(), watch
    context.close()


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _charts_drawn(page) -> list[dict]:
    """Per `.pasture-chart`: whether it holds an <svg> and how many shapes it drew."""
    return page.eval_on_selector_all(".pasture-chart", """els => els.map(el => ({
        svg: !!el.querySelector('svg'),
        shapes: el.querySelectorAll('svg path, svg rect').length}))""")


# Every page from file:// too is slow (~20 s): .ci/run runs it; test_file_url_navigation_and_search
# covers file:// in a plain `pytest -q`.
@pytest.mark.parametrize("scheme", ["http", pytest.param("file", marks=pytest.mark.slow)])
def test_every_page_loads_cleanly(request, scheme, sample_site):
    page, watch = request.getfixturevalue(scheme)
    root = request.getfixturevalue("base_url") if scheme == "http" else sample_site.as_uri() + "/"
    # 404.html links its assets from the site root ("/assets/…") so a server can show it
    # at any depth; from file:// no browser ever shows it.
    pages = [p for p in _pages(sample_site) if not (scheme == "file" and p == "404.html")]
    charts = {}
    for rel in pages:
        page.goto(root + rel, wait_until="load")
        if page.locator(".pasture-chart").count():
            charts[rel] = _charts_drawn(page)
    assert watch.problems == [], "\n".join(watch.problems)
    assert watch.off_site() == []
    assert len(watch.requests) > len(pages)  # the listener did see the traffic
    # Every chart on every dashboard drew something (not only the branch overview's).
    assert charts and {rel: c for rel, c in charts.items() if not all(x["svg"] and x["shapes"] for x in c)} == {}


def _search(page, query: str) -> list[str]:
    """Type a query into the search box; the result pages' paths.

    mkdocs-material has an input in the header; zensical a button that opens a dialog
    (in a shadow root, which Playwright's CSS locators pierce)."""
    if page.locator("input.md-search__input").count():
        box, results = page.locator("input.md-search__input"), ".md-search-result__item > a"
        box.click()
    else:
        page.locator(".md-search__button").click()
        box, results = page.locator("dialog input[role=combobox]"), "dialog ol[role=listbox] a"
    box.fill(query)
    box.press("End")  # material reacts to key events, fill() alone sends none
    page.locator(results).first.wait_for(timeout=SEARCH_TIMEOUT_MS)
    hrefs = page.eval_on_selector_all(results, "els => els.map(a => a.href)")
    return [urlsplit(h).path for h in hrefs]


@pytest.mark.parametrize(("query", "expected"), [
    # A quadrant name: in the experience matrix and the quadrant page.
    ("宠爱", {"course/quadrants.html"}),
    # A jieba domain word (hooks/pasture_hooks.py). Pages that teach it; which of them the
    # first screen of results shows depends on ranking (the short dashboard pages with
    # 转介绍率 score high), so any of them will do.
    ("转介绍", {"course/cycle.html", "course/records.html", "course/grading.html"}),
    # The page writes "A 级"; agents type "A级" (the separator splits Latin from Chinese).
    ("A级", {"course/grading.html"}),
    ("A 级", {"course/grading.html"}),
    # A dashboard word: the branch-level dashboards are indexed (aggregates only).
    ("投诉", {"dashboards/complaints.html"}),
])
def test_chinese_search_finds_the_course_page(http, base_url, query, expected):
    page, watch = http
    page.goto(base_url + "index.html")
    found = {"/".join(path.split("/")[-2:]) for path in _search(page, query)}
    assert found & expected, found
    assert watch.problems == [] and watch.off_site() == []


def test_dashboard_charts_render(http, base_url):
    page, watch = http
    page.goto(base_url + "dashboards/index.html")
    page.wait_for_selector(".pasture-chart[data-drawn] svg")
    charts = _charts_drawn(page)
    assert len(charts) >= 2
    assert all(c["svg"] and c["shapes"] > 0 for c in charts), charts
    assert watch.problems == []


def _column(table, index: int) -> list[str]:
    return table.evaluate("(t, i) => [...t.tBodies[0].rows].map(r => r.cells[i].innerText.trim())", index)


def _number(text: str) -> float | None:
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    return float(m.group().replace(",", "")) if m else None


@pytest.mark.parametrize("rel", ["dashboards/index.html", "dashboards/ranking.html"])
def test_sortable_tables_sort_on_header_click(http, base_url, rel):
    page, watch = http
    page.goto(base_url + rel)
    tables = page.locator("table[data-pasture-sort]")
    assert tables.count() > 0
    for t in range(tables.count()):
        table = tables.nth(t)
        headers = table.locator("thead th")
        sorted_one = False
        for i in range(headers.count()):
            before = _column(table, i)
            numbers = [_number(v) for v in before]
            if None in numbers or len(set(numbers)) < 2 or numbers in (sorted(numbers), sorted(numbers, reverse=True)):
                continue  # only a numeric column in no order can show a sort happened
            headers.nth(i).click()
            after = [_number(v) for v in _column(table, i)]
            assert after != numbers and after in (sorted(numbers), sorted(numbers, reverse=True)), (rel, t, i)
            sorted_one = True
            break
        assert sorted_one, f"{rel}: table {t} has no numeric column out of order to sort"
    assert watch.problems == []


def test_file_url_navigation_and_search(file, sample_site):
    page, watch = file
    page.goto((sample_site / "index.html").as_uri())
    page.locator("a.md-tabs__link", has_text="课程").click()
    page.wait_for_url(re.compile(r"/course/[a-z-]+\.html"))
    assert page.url.startswith("file://") and page.locator("article h1").count() == 1
    assert "course/quadrants.html" in {"/".join(path.split("/")[-2:]) for path in _search(page, "宠爱")}
    assert watch.problems == [] and watch.off_site() == []


def test_screenshots(http, base_url):
    page, _ = http
    ARTIFACTS.mkdir(exist_ok=True)
    for rel, name in (("index.html", "home.png"), ("dashboards/index.html", "branch-dashboard.png")):
        page.goto(base_url + rel)
        if page.locator(".pasture-chart").count():
            page.wait_for_selector(".pasture-chart[data-drawn] svg")
        page.screenshot(path=ARTIFACTS / name, full_page=True)
        assert (ARTIFACTS / name).stat().st_size > 10_000


PHONE = {"width": 390, "height": 844}


def _agent_page(site: Path) -> str:
    """The agent page with the most charts (the sample's agents all have a calendar)."""
    pages = sorted(site.glob("dashboards/agents/*.html"))
    return max(pages, key=lambda p: (p.read_text(encoding="utf-8").count("pasture-chart"), -len(p.name))) \
        .relative_to(site).as_posix()


def _category_labels_missing(page) -> list[str]:
    """Category labels of every drawn chart that the SVG does not show as text."""
    return page.evaluate("""() => {
        const missing = [];
        for (const el of document.querySelectorAll('.pasture-chart[data-drawn]')) {
            const chart = echarts.getInstanceByDom(el);
            const option = chart.getOption();
            const shown = new Set([...el.querySelectorAll('svg text')].map(t => t.textContent.trim()));
            for (const axis of [...(option.xAxis || []), ...(option.yAxis || [])]) {
                if (axis.type !== 'category') continue;
                for (const label of axis.data || []) {
                    const text = String(typeof label === 'object' ? label.value : label);
                    if (!shown.has(text)) missing.push(option.title[0].text + ': ' + text);
                }
            }
        }
        return missing;
    }""")


def _broken_cells(page) -> list[str]:
    """Table cells whose text breaks onto a second line, and a page wider than the screen
    (a wide table must scroll in its own box)."""
    return page.evaluate("""() => {
        const bad = [];
        for (const td of document.querySelectorAll('article table tbody td')) {
            const range = document.createRange();
            range.selectNodeContents(td);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) bad.push(td.innerText.trim());
        }
        if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push('page wider than the screen');
        return bad;
    }""")


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280", "390"])
def test_dashboards_readable_on_desktop_and_phone(browser, base_url, sample_site, viewport):
    """The branch manager's pages: themed tables (rows separated, names on one line, the
    table scrolls instead of the page), every chart's category labels drawn, every KPI
    card with its definition. Screenshots kept in test-artifacts/ for a person to look at."""
    context = browser.new_context(viewport=viewport)
    watch = Watch(context, _local_http)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    targets = [("dashboards/index.html", "branch"), ("dashboards/campaign.html", "campaign"),
               ("dashboards/quality.html", "quality"), ("dashboards/complaints.html", "complaints"),
               (_agent_page(sample_site), "agent")]
    try:
        for rel, name in targets:
            page.goto(base_url + rel)
            if page.locator(".pasture-chart").count():
                page.wait_for_selector(".pasture-chart[data-drawn] svg")
            assert _category_labels_missing(page) == [], rel
            assert _broken_cells(page) == [], rel
            # The theme's table look: a border on the table and a rule between rows.
            tables = page.locator("article table")
            if tables.count():
                assert tables.first.evaluate("t => getComputedStyle(t).borderTopStyle") != "none", rel
                assert tables.first.evaluate("t => getComputedStyle(t.tBodies[0].rows[0].cells[0]).borderTopStyle") \
                    != "none", rel
            cards = page.locator(".pasture-kpi")
            for i in range(cards.count()):
                assert cards.nth(i).locator("small").count() >= 1, (rel, cards.nth(i).inner_text())
            path = ARTIFACTS / f"{name}-{viewport['width']}.png"
            page.screenshot(path=path, full_page=True)
            assert path.stat().st_size > 10_000
        assert watch.problems == [] and watch.off_site() == []
    finally:
        context.close()



def test_trend_point_labels_read_as_percent_and_with_thousands_separators(browser, tmp_path):
    """Rate points carry a % sign, premium points thousands separators, in labels and tooltips."""
    from generator.history_pages import _line

    assets = ROOT / "site" / "assets"
    labels = ["2026-09", "2026-10", "2026-11"]
    body = "\n".join([
        _line("年交保费（元）", labels, {"年交保费": [1200000.0, 1432700.0, 1500000.0]}),
        _line("加保率与转介绍率", labels, {"加保率": [51.0, 26.5, None]}, percent=True, marks={"加保率": 30.0}),
    ])
    page_file = tmp_path / "trend.html"
    page_file.write_text(
        f'<!doctype html><meta charset="utf-8"><body style="width:900px">{body}'
        f'<script src="{(assets / "vendor" / "echarts.common.min.js").as_uri()}"></script>'
        f'<script src="{(assets / "pasture-dashboards.js").as_uri()}"></script></body>', encoding="utf-8")
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_selector(".pasture-chart[data-drawn] svg")
        texts = page.eval_on_selector_all(".pasture-chart", "els => els.map(el => el.querySelector('svg').textContent)")
        assert "1,432,700" in texts[0] and "1432700" not in texts[0]
        assert "51%" in texts[1] and "26.5%" in texts[1] and "30%" in texts[1]  # points and the target line
        chart = page.locator(".pasture-chart").nth(1)
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("document.body.innerText.includes('26.5%')", timeout=5000)
    finally:
        context.close()
