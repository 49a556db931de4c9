"""Render the site's pages before any engine sees them: plain Markdown out.

Course pages carry placeholders (``{{ pasture:grading_table closed }}``, see docs/site.md);
:func:`render_course_page` turns each into a jinja2 call and renders the page with
jinja2 (``StrictUndefined``: a name the page does not know is an error, never a blank).
Only ``{{ … }}`` expressions are active: statement and comment delimiters are set to
strings no page uses, so attr_list's ``{#id}`` and a literal ``{%`` stay text. Every
expression's value that is not already markup goes through :func:`pagekit.text`, so a
value can never become Markdown or HTML syntax.

Dashboard pages come ready from their builders (made with :mod:`generator.pagekit`);
:func:`with_assets` links the chart and table scripts into them, relative to the page, so
no engine hook is needed. :func:`external_fetches` is the offline guard, run over the
built HTML whatever the engine.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from . import pagekit, standards
from .rules import Rules

TEMPLATE_URI = "downloads/客户档案模板.xlsx"
# Strict form of a placeholder, and a loose one that catches typos of it.
PLACEHOLDER = re.compile(r"\{\{\s*pasture:([a-z_]+)((?:[ \t]+[A-Za-z0-9_.\-]+)*)\s*\}\}")
LOOSE = re.compile(r"\{\{\s*pasture\b[^\n]*?(\}\}|$)", re.MULTILINE)
EXTERNAL_FETCH = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"
    r"\b(?:src|href|data)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)
CANONICAL = re.compile(r"<link\b[^>]*\brel=[\"']?(?:canonical|alternate)", re.IGNORECASE)


class PageError(ValueError):
    """A page cannot be rendered; the message says why (Chinese, for the report)."""


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else Markup(pagekit.text(value))


_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined, finalize=_finalize, autoescape=False, keep_trailing_newline=True,
    block_start_string="{%pasture%", block_end_string="%pasture%}",
    comment_start_string="{#pasture#", comment_end_string="#pasture#}",
)


def _book(args: Sequence[str]) -> str:
    if len(args) != 1 or args[0] not in standards.BOOK_NAMES:
        raise PageError("需要一个参数：closed 或 prospect")
    return args[0]


def _no_args(render: Callable[[Rules], str]) -> Callable[[Rules, Sequence[str], "PageContext"], str]:
    def wrapped(rules: Rules, args: Sequence[str], ctx: PageContext) -> str:
        if args:
            raise PageError("不需要参数")
        return render(rules)
    return wrapped


class PageContext:
    """What a placeholder may know about the page it is on."""

    def __init__(self, path: str, template_available: bool) -> None:
        self.path = path
        self.template_available = template_available


def _rule_value(rules: Rules, args: Sequence[str], ctx: PageContext) -> str:
    """An inline value from the rules, e.g. cadence.visit_every_days; rates as percent."""
    if len(args) != 1:
        raise PageError("需要一个参数：规则路径，例如 cadence.visit_every_days")
    value: Any = rules
    for part in args[0].split("."):
        if not hasattr(value, part) or part.startswith("_"):
            raise PageError(f"规则中没有“{args[0]}”")
        value = getattr(value, part)
    if isinstance(value, float) and args[0].startswith("targets."):
        return standards.percent(value)
    if isinstance(value, list):
        return "、".join(standards.cell(v) for v in value)
    if isinstance(value, (int, float, str)):
        return standards.cell(value)
    raise PageError(f"“{args[0]}”不是一个单独的值")


def _template_link(rules: Rules, args: Sequence[str], ctx: PageContext) -> str:
    if args:
        raise PageError("不需要参数")
    if not ctx.template_available:
        return ('!!! warning "模板暂不可用"\n\n'
                "    这次构建没有生成模板文件。请联系管理员，或在命令行运行 `pasture template` 自行生成。")
    href = posixpath.relpath(TEMPLATE_URI, posixpath.dirname(ctx.path) or ".")
    name = posixpath.basename(TEMPLATE_URI)
    return f'[下载 {name}]({href}){{ .md-button .md-button--primary download="{name}" }}'


def _glossary_table(rules: Rules) -> str:
    from .glossary import terms

    rows = "\n".join(f"| {standards.cell(t.term)} | {standards.cell(t.definition)} |" for t in terms())
    return "| 指标 | 含义 |\n|---|---|\n" + rows


def _define(rules: Rules, args: Sequence[str], ctx: PageContext) -> str:
    """One term's definition inline, e.g. ``{{ pasture:define addon_rate }}``."""
    from .glossary import define

    meaning = define(args[0]) if len(args) == 1 else None
    if meaning is None:
        raise PageError("需要一个参数：指标说明（generator/glossary.yaml）里的 key，例如 addon_rate")
    return standards.cell(meaning)


PLACEHOLDERS: dict[str, Callable[[Rules, Sequence[str], PageContext], str]] = {
    "grading_table": lambda r, a, c: standards.grading_table(r, _book(a)),  # type: ignore[arg-type]
    "quadrant_table": _no_args(standards.quadrant_table),
    "experience_matrix": _no_args(standards.experience_matrix),
    "cadence_table": _no_args(standards.cadence_table),
    "festival_table": _no_args(standards.festival_table),
    "cve_table": _no_args(standards.cve_table),
    "input_contract": _no_args(lambda r: standards.input_contract(r)),
    "issue_reference": _no_args(lambda r: standards.issue_reference()),
    "glossary": _no_args(_glossary_table),
    "rule": _rule_value,
    "define": _define,
    "template_link": _template_link,
}
INLINE = {"rule", "define"}


def render_course_page(markdown: str, rules: Rules, path: str, *, template_available: bool = True) -> str:
    """A course page with every placeholder rendered from ``rules``; PageError if one is wrong."""
    for loose in LOOSE.finditer(markdown):
        if not PLACEHOLDER.fullmatch(loose.group(0)):
            raise PageError(f"无法识别的占位符 {loose.group(0)!r}（写法见 docs/site.md）")
    ctx = PageContext(path, template_available)

    def call(name: str, *args: str) -> Markup:
        render = PLACEHOLDERS.get(name)
        if render is None:
            raise PageError(f"未知的占位符“{name}”（可用：{'、'.join(PLACEHOLDERS)}）")
        out = render(rules, args, ctx)
        # Tables are blocks: blank lines keep them apart from surrounding prose.
        return Markup(out if name in INLINE else f"\n\n{out}\n\n")

    def to_call(m: re.Match[str]) -> str:
        args = ", ".join(repr(a) for a in (m.group(1), *m.group(2).split()))
        return "{{ pasture(" + args + ") }}"

    source = PLACEHOLDER.sub(to_call, markdown)
    try:
        return _ENV.from_string(source).render(pasture=call)
    except PageError:
        raise
    except jinja2.TemplateError as exc:
        raise PageError(f"页面模板有误：{exc}") from exc


def with_assets(markdown: str, path: str, assets: Mapping[str, Sequence[str]]) -> str:
    """Link the dashboard css/js (paths in the docs dir) into a page, relative to it."""
    here = posixpath.dirname(path) or "."

    def href(asset: str) -> str:
        return pagekit.text(posixpath.relpath(asset, here))

    # In a <div>: a bare <link> line would become an empty paragraph (a gap under the title).
    css = "".join(f'<link rel="stylesheet" href="{href(a)}">' for a in assets.get("css", []))
    css = f'<div class="pasture-assets">{css}</div>' if css else ""
    js = "".join(f'<script src="{href(a)}"></script>' for a in assets.get("js", []))
    head, body = _split_front_matter(markdown)
    body = body.lstrip("\n")
    # After the page's H1: engines take the title from a heading only when it comes first.
    title, sep, rest = body.partition("\n") if body.startswith("# ") else ("", "", body)
    parts = [head, title + sep, "\n" + css + "\n\n" if css else "", rest.rstrip("\n"),
             "\n\n" + js + "\n" if js else "\n"]
    return "".join(parts)


def with_title(markdown: str) -> str:
    """Give a generated page a front-matter ``title`` from its H1 (already escaped text).

    Both engines' templates write ``page.meta.title`` into ``<title>`` as it is, but
    ``page.title | striptags`` (the default) unescapes: a name holding ``</title><script>``
    would end the title element and run. The H1 of a generated page is made with
    :func:`pagekit.text`, so it is inert as HTML and reads the same in the nav.
    """
    head, body = _split_front_matter(markdown)
    body = body.lstrip("\n")
    if not body.startswith("# "):
        return markdown
    front = yaml.safe_load(head.strip().strip("-")) if head else None
    front = front if isinstance(front, dict) else {}
    if "title" in front:
        return markdown
    front["title"] = body.split("\n", 1)[0][2:].strip()
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n" + body


def _split_front_matter(markdown: str) -> tuple[str, str]:
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[: end + 5], markdown[end + 5:]
    return "", markdown


def stub_page(title: str, reason: str) -> str:
    """What stands in for a page that could not be built (the report has the details)."""
    return (f"---\nsearch:\n  exclude: true\n---\n\n# {pagekit.text(title)}\n\n"
            f'!!! warning "此页暂时无法生成"\n\n    {pagekit.text(reason)}\n\n'
            "    网站的其他页面照常更新；原因和改法见本次运行的 report.json。\n")


def external_fetches(html: str) -> list[str]:
    """Tags in a built page that would load something from another host."""
    found = []
    for m in EXTERNAL_FETCH.finditer(html):
        tag = html[m.start(): html.find(">", m.start()) + 1]
        if not CANONICAL.match(tag):
            found.append(tag[:200])
    return found
