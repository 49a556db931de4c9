"""The page kit: the one place where site pages turn values into safe text and markup.

Every value that came from input (agent, team and branch names, file names, survey
attributes, complaint categories, campaign names from a rules file) reaches a page
through :func:`text`. Pages are Markdown that may carry raw HTML, read by an engine with
``attr_list`` and ``md_in_html``; HTML escaping alone is not enough there, because
``{ onfocus=… autofocus }``, ``[x](javascript:…)`` and ``![x](http://…)`` are plain
characters to an HTML escaper and live markup to Markdown. :func:`text` therefore turns
both the HTML-active and the Markdown-active characters into numeric character
references: the browser shows exactly the typed text, and neither Markdown nor HTML sees
syntax in it. The result is safe in a heading, a paragraph, a Markdown or HTML table
cell, and a double-quoted HTML attribute value.

    >>> text("x { onfocus=alert(1) autofocus }")
    'x &#123; onfocus=alert(1) autofocus &#125;'
    >>> text("[点我](javascript:alert(1))")
    '&#91;点我&#93;&#40;javascript&#58;alert&#40;1&#41;&#41;'

The rest are small builders every page shares: HTML tables, ECharts containers, internal
links and number formats.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any, Sequence

__all__ = ["MD_ESCAPES", "agent_label", "alert", "chart", "count", "kpi", "kpi_row", "link", "money", "num", "pct",
           "slug", "table", "text"]

# Markdown-active characters (inline syntax, attr_list braces, tables, autolinks), as
# numeric references; newlines become spaces, so a value never starts a line and line-start
# syntax (lists, rules, setext underlines) cannot apply to it.
MD_ESCAPES = str.maketrans({
    "|": "&#124;", "*": "&#42;", "_": "&#95;", "`": "&#96;", "[": "&#91;", "]": "&#93;",
    "(": "&#40;", ")": "&#41;", "\\": "&#92;", "{": "&#123;", "}": "&#125;", "#": "&#35;",
    "~": "&#126;", "!": "&#33;", ":": "&#58;", "^": "&#94;", "\n": " ", "\r": " ", "\u2028": " ", "\u2029": " ",
})
_SAFE_HREF = re.compile(r"^(?:[A-Za-z0-9_\-./]+)(?:#[A-Za-z0-9_\-]*)?$")


def text(value: Any) -> str:
    """Any value as inert text for a page (HTML- and Markdown-escaped); None is empty."""
    return html.escape("" if value is None else str(value), quote=True).translate(MD_ESCAPES)


def link(href: str, label: Any) -> str:
    """An internal link; ``href`` is made by Pasture (a relative page path), never input."""
    if not _SAFE_HREF.match(href) or href.startswith("/"):
        raise ValueError(f"not a relative page link: {href!r}")
    return f'<a href="{href}">{text(label)}</a>'


def slug(prefix: str, value: str) -> str:
    """ASCII page names: stable per agent/team and safe on any file system or URL."""
    return f"{prefix}-{hashlib.sha1(value.encode('utf-8')).hexdigest()[:10]}"


def pct(value: float | None, digits: int = 1) -> str:
    """A rate as a percentage (0.125 → 12.5%); None is a dash."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def money(value: float) -> str:
    """Whole yuan with thousands separators."""
    return f"{value:,.0f}"


def num(value: float | None, digits: int = 2) -> str:
    """A decimal with thousands separators (1234.5 → 1,234.50); None is a dash."""
    return "—" if value is None else f"{value:,.{digits}f}"


def count(value: float | None) -> str:
    """A count with thousands separators (12345 → 12,345); None is a dash."""
    return "—" if value is None else f"{value:,.0f}"


def alert(markup: str) -> str:
    """A figure that needs attention (overdue, below target): one look on every page."""
    return f'<span class="pasture-alert">{markup}</span>'


def kpi(label: str, value: str, *, note: str = "", low: bool | None = None, term: str | None = None) -> str:
    """A KPI card: label, value (markup), the glossary's one-line definition of the label,
    and an optional note (e.g. the target). ``low`` True marks it like every overdue or
    below-target figure; False marks it as met. ``term`` names the glossary entry when the
    label is made at run time (e.g. a time window from the rules)."""
    from .glossary import define

    state = "" if low is None else (" low" if low else " ok")
    meaning = define(term or label)
    small = "".join(f"<small>{part}</small>" for part in (note, text(meaning) if meaning else "") if part)
    return (f'<div class="pasture-kpi{state}"><span>{text(label)}</span>'
            f'<strong>{alert(value) if low else value}</strong>{small}</div>')


def kpi_row(cards: Sequence[str]) -> str:
    return '<div class="pasture-kpis">' + "".join(cards) + "</div>"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, sortable: bool = True,
          numeric_from: int = 1) -> str:
    """An HTML table; headers and cells must already be markup (values through :func:`text`).

    The table has no class, so the theme styles it like any Markdown table (borders,
    padding, a scroll box on narrow screens); ``data-pasture-sort`` makes it sortable.
    Columns from ``numeric_from`` on sort as numbers and are right-aligned.
    """
    attr = " data-pasture-sort" if sortable else ""
    head = "".join(
        f'<th data-sort-method="number" align="right">{h}</th>' if i >= numeric_from else f"<th>{h}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(f'<td align="right">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def chart(option: dict[str, Any], height: int = 300) -> str:
    """An ECharts container; the option travels as JSON in an escaped attribute.

    Labels from input stay data: the charts draw them as SVG text, and ECharts escapes
    them in string-template tooltips.
    """
    data = text(json.dumps(option, ensure_ascii=False, sort_keys=True))
    return f'<div class="pasture-chart" style="height:{int(height)}px" data-chart="{data}"></div>'


def agent_label(f: dict[str, Any], mask: bool) -> str:
    """How a page names an agent (one report.json file entry): 工号 and name, or only 工号
    when agents are masked or the name is unknown."""
    return f["agent_id"] if mask or not f.get("agent_name") else f"{f['agent_id']} {f['agent_name']}"
