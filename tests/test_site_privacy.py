"""No client's personal data in any built file of the site; agent text is escaped.

The site is copied to shared drives and USB sticks, so every file counts — pages, the
search index, the sitemap (also gzipped), scripts, styles and the template download.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import zipfile
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from generator import build  # noqa: E402
from generator.pipeline import process_source  # noqa: E402
from generator.read import UnreadableFile, discover, read_source  # noqa: E402
from generator.rules import load_rules  # noqa: E402
from generator.schema import AGENT_SHEET, TOTAL_WORDS, header_index, match_sheet, normalize_header  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
TODAY = date(2026, 11, 23)  # the day the sample was made for (sample_data/README.md)
# Parsed fields that identify a client (or point at one: 介绍人 and service refs are
# 客户编号 or names).
CLOSED_KEYS = ("client_id", "holder_name", "holder_phone", "insured_name", "insured_phone",
               "policy_no", "address", "referrer")
PROSPECT_KEYS = ("client_id", "name", "phone", "address", "referrer")
SERVICE_KEYS = ("client",)
RAW_KEYS = {*CLOSED_KEYS, *PROSPECT_KEYS, *SERVICE_KEYS}
UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
ASCII_TOKEN = re.compile(r"[0-9A-Za-z]+")
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (date, datetime)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or policy number typed as a number
    text = str(value).strip()
    # One character cannot be told from ordinary text; totals rows are not clients.
    if len(text) < 2 or text in TOTAL_WORDS:
        return None
    return text


def _phone_variants(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone)
    if len(digits) != 11:
        return {phone}
    a, b, c = digits[:3], digits[3:7], digits[7:]
    return {phone, digits, f"{a} {b} {c}", f"{a}-{b}-{c}", f"+86{digits}", f"+86 {digits}"}


def client_values(books_dir: Path) -> dict[str, set[tuple[str, str]]]:
    """Every client value of every book → where it came from (file, field), parsed and as typed."""
    rules = load_rules()
    found: dict[str, set[tuple[str, str]]] = {}

    def add(value: object, file: str, field: str) -> None:
        text = _text(value)
        if text is None:
            return
        variants = _phone_variants(text) if "phone" in field or re.fullmatch(r"[\d\s+\-]{11,}", text) else {text}
        for v in variants:
            found.setdefault(v, set()).add((file, field))

    for source in discover(books_dir):
        book = process_source(source, rules, today=TODAY)
        for rec in book.closed:
            for key in CLOSED_KEYS:
                add(rec.values.get(key), source.display, f"成交客户 {key}")
            add(rec.client_key, source.display, "client_key")
        for rec in book.prospects:
            for key in PROSPECT_KEYS:
                add(rec.values.get(key), source.display, f"未成交客户 {key}")
            add(rec.client_key, source.display, "client_key")
        for rec in book.services:
            for key in SERVICE_KEYS:
                add(rec.values.get(key), source.display, f"服务记录 {key}")
        # The cells as the agent typed them (138-1234-5678, numbers, rejected rows).
        try:
            raw = read_source(source)
        except UnreadableFile:
            continue  # not an agent book (e.g. branch-level files); nothing of a client's
        for name, sheet in raw.sheets.items():
            schema = match_sheet(name)
            if schema is None or name == AGENT_SHEET:
                continue
            columns = header_index(schema)
            for _row, cells in sheet.rows:
                for header, cell in zip(sheet.headers, cells):
                    col = columns.get(normalize_header(header))
                    if col is not None and col.key in RAW_KEYS:
                        add(cell, source.display, f"{name} {col.key} (raw)")
    return found


def _decoded(name: str, data: bytes) -> list[str]:
    """The texts a file holds: itself, or its members (sitemap.xml.gz, the .xlsx download)."""
    if name.endswith(".gz"):
        return _decoded(name[:-3], gzip.decompress(data))
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [t for member in zf.namelist() for t in _decoded(member, zf.read(member))]
    try:
        return [data.decode("utf-8")]
    except UnicodeDecodeError:
        return []  # images: no text to leak


def _views(text: str) -> str:
    """The text plus the forms a value could hide in: entities, \\u escapes, %-encoding and
    jieba's U+200B between words (the search index holds 陈\u200b芳阳 for 陈芳阳)."""
    unescaped = html.unescape(UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    return "\n".join(dict.fromkeys((text, unescaped, unescaped.translate(ZERO_WIDTH), unquote(text))))


class SiteText:
    """Every built file as searchable text.

    ASCII ids (phones, 客户编号 like C050, policy numbers) are matched as whole tokens, so
    a hex colour FFC050 in a stylesheet or the template's styles is not a "C050" leak;
    other values (names, addresses) as substrings.
    """

    def __init__(self, site: Path) -> None:
        self.files: dict[str, tuple[str, set[str], set[str]]] = {}
        for path in sorted(site.rglob("*")):
            if path.is_file():
                rel = path.relative_to(site).as_posix()
                text = "\n".join(_views(t) for t in _decoded(rel, path.read_bytes()))
                self.files[rel] = (text, set(ASCII_TOKEN.findall(text)), set(text))

    def hits(self, needle: str) -> list[str]:
        if ASCII_TOKEN.fullmatch(needle):
            return [name for name, (_, tokens, _) in self.files.items() if needle in tokens]
        # Set lookups first (its ASCII tokens, its other characters): they rule out most
        # files, so the substring search runs on few.
        parts, others = set(ASCII_TOKEN.findall(needle)), set(ASCII_TOKEN.sub("", needle))
        return [name for name, (text, tokens, chars) in self.files.items()
                if parts <= tokens and others <= chars and needle in text]


@pytest.fixture(scope="module")
def values() -> dict[str, set[tuple[str, str]]]:
    return client_values(SAMPLE)


@pytest.fixture(scope="module")
def texts(sample_site: Path) -> SiteText:
    return SiteText(sample_site)


@pytest.fixture(scope="module")
def agents(sample_build) -> list:
    return [b.agent for b in sample_build.result.agents if b.status != "failed"]


def test_scan_covers_the_whole_site(texts, values):
    # A scan that reads nothing passes vacuously: make sure pages, index and assets are in.
    assert {"index.html", "dashboards/index.html", "search/search_index.json", "sitemap.xml.gz",
            "downloads/客户档案模板.xlsx"} <= texts.files.keys()
    assert any(name.endswith(".js") for name in texts.files)
    assert any(name.endswith(".css") for name in texts.files)
    kinds = {field for where in values.values() for _file, field in where}
    assert {"成交客户 holder_name", "成交客户 holder_phone", "成交客户 policy_no", "成交客户 address",
            "成交客户 client_id", "未成交客户 name", "未成交客户 phone", "服务记录 client"} <= kinds
    assert len(values) > 500


def test_scan_sees_through_encodings(tmp_path):
    # The search index escapes and segments, pages use entities, URLs %-encode.
    (tmp_path / "index.json").write_text(json.dumps({"t": "客户 陈\u200b芳阳"}), "utf-8")
    (tmp_path / "page.html").write_text("<p>&#38472;&#33459;&#38451;</p>", "utf-8")
    (tmp_path / "link.js").write_text('"a/%E9%99%88%E8%8A%B3%E9%98%B3.html"; c="#FFC050"', "utf-8")
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(b"<loc>x/C050.html</loc>"))
    found = SiteText(tmp_path)
    assert found.hits("陈芳阳") == ["index.json", "link.js", "page.html"]
    assert found.hits("C050") == ["sitemap.xml.gz"]  # not the colour in link.js


def test_no_client_value_in_any_built_file(texts, values):
    # 客户编号 (C001, W012) and client keys are scanned everywhere too, minified JS included:
    # none collides with the vendored scripts today. Should a new asset ever contain one by
    # chance, restrict those short ids to HTML and the search index rather than drop them.
    leaks = {value: (sorted(where)[:2], texts.hits(value)[:5]) for value, where in values.items()
             if texts.hits(value)}
    assert leaks == {}


def test_no_mobile_number_on_any_page(texts):
    # Beyond the sample's own values: nothing shaped like a mainland mobile number on a page
    # or in the search index (agents' own phones included; the dashboards do not need them).
    mobile = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
    pages = {n: t for n, (t, _, _) in texts.files.items()
             if n.endswith((".html", ".json", "search_index.js", ".xml"))}
    assert {n: mobile.findall(t)[:3] for n, t in pages.items() if mobile.search(t)} == {}


def test_agent_names_appear_unmasked(texts, agents):
    for agent in agents:
        assert texts.hits(agent.name), agent.name
        assert texts.hits(agent.agent_id), agent.agent_id


def test_mask_agents_replaces_names_with_ids(tmp_path, agents):
    build(SAMPLE, tmp_path, today=TODAY, site=True, mask_agents=True)
    texts = SiteText(tmp_path / "site")
    assert {a.name: texts.hits(a.name)[:5] for a in agents if texts.hits(a.name)} == {}
    assert all(texts.hits(a.agent_id) for a in agents)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_agent_typed_markup_is_escaped(tmp_path):
    from books import closed, prospect, write_book

    books = tmp_path / "books"
    books.mkdir()
    # </title> first: material's <title> unescapes the heading (the hook escapes it again).
    agent = {"工号": "A9001", "姓名": "</title><script>window.pwned=1</script>",
             "团队": '</title><img src=x onerror="window.pwned=2">', "营业部": "<b>东城</b>营业部"}
    write_book(books / "A9001_x.xlsx", [closed()], [prospect()], agent=agent)
    build(books, tmp_path / "out", today=TODAY, site=True)
    site = tmp_path / "out" / "site"

    pages = sorted(site.rglob("*.html"))
    shown = [p for p in pages if "&lt;script&gt;window.pwned=1&lt;/script&gt;" in p.read_text("utf-8")]
    assert any("dashboards/agents/" in p.as_posix() for p in shown)  # the name did reach pages
    assert any("&lt;img src=x onerror=" in p.read_text("utf-8") for p in pages)
    for page in pages:
        text = page.read_text("utf-8")
        rel = page.relative_to(site).as_posix()
        for markup in ("<script>window", "<img src=x", "<b>东城", "</title><"):
            assert markup not in text, (rel, markup)
        parser = _Tags()
        parser.feed(text)
        assert not [t for t, attrs in parser.tags if "onerror" in attrs], rel
        assert not [s for s in parser.scripts if "pwned" in s], rel
    # Search results render the index's text as HTML: it must hold the markup escaped.
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    text = json.dumps(index, ensure_ascii=False).translate(ZERO_WIDTH)
    for markup in ("<script>", "<img src", "<b>东城"):
        assert markup not in text
