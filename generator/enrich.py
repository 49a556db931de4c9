"""Everything memory adds to a classified book before its workbook is written.

Referrals are resolved, CVE scored, and with a history store the book is compared
with the agent's previous snapshot (档案修正: whose grade or quadrant moved). The
store itself (tables, migrations, trends) lives in :mod:`generator.history`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from .clients import latest
from .cve import score_book
from .history import Previous, Store, Tier, client_rows, client_stable_id, read_previous
from .models import Book, Change, Record
from .referrals import link_referrals
from .rules import Rules
from .schema import PROSPECT_SHEET

__all__ = ["Change", "enrich_book", "grade_changes"]


def grade_changes(book: Book, previous: Mapping[str, Tier], rules: Rules) -> list[Change]:
    """Clients of ``book`` whose (grade, quadrant) differs from ``previous``, in book order.

    ``previous`` maps stable client ids to tiers (:meth:`Store.previous_tiers`). Clients
    not in it are new, not changed, and are left out.
    """
    aid = book.agent.agent_id
    current: dict[str, Record] = {}
    for rec in book.prospects:
        current[rec.client_key] = rec
    policies: dict[str, list[Record]] = defaultdict(list)
    for rec in book.closed:
        policies[rec.client_key].append(rec)
    for key, own in policies.items():
        current[key] = latest(own)
    changes = []
    for key, rec in current.items():
        old = previous.get(client_stable_id(aid, key))
        if old is None or (old.grade, old.quadrant) == (rec.grade, rec.quadrant):
            continue
        kind = "prospect" if rec.sheet == PROSPECT_SHEET else "closed"
        changes.append(Change(
            key, str(rec.get("holder_name") or rec.get("name") or ""), kind, rec.sheet, rec.row,
            old.grade, old.quadrant, rec.grade, rec.quadrant,
            rules.quadrants.strategy.get(rec.quadrant or "", ""), list(rec.actions)))
    changes.sort(key=lambda c: (c.kind != "closed", c.row))
    return changes


def enrich_book(book: Book, rules: Rules, *, today: date,
                store: Store | str | Path | Mapping[str, Previous] | None = None) -> None:
    """Everything memory adds to a classified book, before its workbook is written.

    Resolves referrals (issues, ``book.referrals``, ``kpis["referrals"]``), scores CVE
    on the closed rows, and with history — an open :class:`Store`, the path of one (pool
    workers) or the map of :meth:`Store.previous_all` (remote workers) — compares with the agent's previous snapshot
    (``book.grade_changes``, ``book.compared_with``). Last it keeps the rows the store
    needs in ``book.history_rows``: they leave the worker in the agent's result, the
    client rows do not. Failed books are left alone.
    """
    if book.status == "failed":
        return
    if book.referrals is None:  # once: its issues must not be added twice
        link_referrals(book)
    score_book(book, rules, today=today)
    if store is not None:
        agent_id = book.agent.agent_id
        if isinstance(store, Store):
            prev = store.previous(agent_id, today)
        elif isinstance(store, Mapping):
            prev = store.get(agent_id) or Previous(None)
        else:
            prev = read_previous(store, agent_id, today)
        book.compared_with = prev.date
        book.grade_changes = grade_changes(book, prev.tiers, rules)
    book.history_rows = client_rows(book)
