"""The glossary: one sentence for every figure the dashboards show.

The terms live in ``glossary.yaml`` (data, not code) next to this module; the dashboards
put a term's definition under its KPI card (:func:`define`), and the course page
``site/guide/glossary.md`` lists them all (``{{ pasture:glossary }}``), so a figure and its
explanation cannot drift apart.

    >>> define("加保率")
    '持有两张及以上保单的成交客户 ÷ 全部成交客户。'
    >>> define("某个没有定义的词") is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["GLOSSARY_PATH", "Term", "define", "terms"]

GLOSSARY_PATH = Path(__file__).with_name("glossary.yaml")


@dataclass(frozen=True)
class Term:
    key: str
    term: str
    definition: str
    aliases: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    """Every term, in the file's order."""
    data = yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8"))
    return tuple(Term(t["key"], t["term"], t["definition"].strip(), tuple(t.get("aliases") or ()))
                 for t in data["terms"])


@lru_cache(maxsize=1)
def _by_label() -> dict[str, Term]:
    out: dict[str, Term] = {}
    for t in terms():
        for label in (t.key, t.term, *t.aliases):
            out[label] = t
    return out


def define(label: str) -> str | None:
    """The definition of a term (by its label on a page, an alias or its key); None if unknown."""
    t = _by_label().get(label)
    return t.definition if t else None
