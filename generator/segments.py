"""Value segments (客户细分): 高效 / 高贡献 / 一般 / 休眠 客户 for every closed client.

The standard's call-back policy segments clients first and plans call-backs per
segment; it leaves the thresholds to the branch, so they are rules data
(``rules.segments``). One segment per client (every policy row of a client alike),
checked in this order — the first that fits wins:

1. 休眠客户: no new policy, service record or 最近服务日期 for ``dormant_days``;
2. 高效客户 (large value): annual premium of all the client's policies at least
   ``min_premium``, or among the top ``top_percent`` % of the agent's clients by premium;
3. 高贡献客户 (large volume): at least ``min_policies`` policies, or at least
   ``min_referrals`` clients introduced directly;
4. 一般客户.

Dormancy comes first because its action — a wake-up call-back — applies whatever the
client's value; a dormant high-value client is woken first (:func:`segment_rank`).

    >>> from generator.rules import load_rules
    >>> segment_of(premium=30000, policies=1, referrals=0, quiet_days=10, top=False, rules=load_rules())
    '高效客户'
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from typing import Any

from .clients import group_clients
from .models import Book
from .plan_clients import clients_of
from .rules import SEGMENTS, Rules

__all__ = ["SEGMENTS", "DORMANT", "HIGH_VALUE", "segment_of", "segment_book", "segment_rank", "last_contact"]

HIGH_VALUE, HIGH_CONTRIBUTION, ORDINARY, DORMANT = SEGMENTS


def segment_of(*, premium: float, policies: int, referrals: int, quiet_days: int | None, top: bool,
               rules: Rules) -> str:
    """The segment of one client from its figures (``quiet_days`` None: never contacted)."""
    s = rules.segments
    if quiet_days is None or quiet_days > s.dormant_days:
        return DORMANT
    hv, hc = s.high_value, s.high_contribution
    if (hv.min_premium and premium >= hv.min_premium) or top:
        return HIGH_VALUE
    if (hc.min_policies and policies >= hc.min_policies) or (hc.min_referrals and referrals >= hc.min_referrals):
        return HIGH_CONTRIBUTION
    return ORDINARY


def segment_rank(segment: str | None) -> int:
    """Call-back order: 高效 first, then 高贡献, 休眠 (to wake), 一般; no segment last."""
    return {HIGH_VALUE: 0, HIGH_CONTRIBUTION: 1, DORMANT: 2, ORDINARY: 3}.get(segment or "", 4)


def last_contact(book: Book) -> dict[str, date | None]:
    """Each closed client's latest policy date, service record or 最近服务日期."""

    out: dict[str, date | None] = {}
    for client in clients_of(book):
        if client.book != "closed":
            continue
        # last_service already holds the latest 最近服务日期 of the client's rows.
        dates = (client.anchor, client.last_service)
        out[client.key] = max((d for d in dates if isinstance(d, date)), default=None)
    return out


def _top_keys(premiums: dict[str, float], percent: int) -> set[str]:
    """Clients whose premium is at least the k-th highest, k = ⌈n × percent / 100⌉ (ties included)."""
    paying = sorted((p for p in premiums.values() if p > 0), reverse=True)
    if not paying or percent <= 0:
        return set()
    k = max(1, math.ceil(len(premiums) * percent / 100))
    floor = paying[min(k, len(paying)) - 1]
    return {key for key, p in premiums.items() if p > 0 and p >= floor}


def segment_book(book: Book, rules: Rules, *, today: date) -> dict[str, Any]:
    """Set ``segment`` on every closed row and return the counts for ``kpis["segments"]``."""
    rows = group_clients(book.closed)
    premiums = {key: float(sum(r.get("premium") or 0 for r in recs)) for key, recs in rows.items()}
    top = _top_keys(premiums, rules.segments.high_value.top_percent)
    contact = last_contact(book)
    nodes = book.referrals.nodes if book.referrals is not None else {}
    counts: Counter[str] = Counter()
    for key, recs in rows.items():
        when = contact.get(key)
        node = nodes.get(key)
        segment = segment_of(
            premium=premiums[key], policies=len({r.get("policy_no") for r in recs}),
            referrals=len(node.children) if node is not None else 0,
            quiet_days=(today - when).days if when else None, top=key in top, rules=rules)
        for rec in recs:
            rec.segment = segment
        book.segments[key] = segment  # the 客户档案 sheet's 价值分层
        counts[segment] += 1
    return {s: counts.get(s, 0) for s in SEGMENTS}
