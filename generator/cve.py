"""Client value evaluation (客户价值评估, CVE): a points score per closed client.

The rule lives in the rules file (``cve:``): points per 10,000 yuan of annual premium,
per policy, per direct and per indirect referral, per full year of tenure. A client's
score is the sum; the rank is within the agent's book, highest first, ties sharing a
rank (1, 2, 2, 4). Prospects bring no purchases yet and get no score, but they count
as referrals of the client who introduced them unless ``count_prospects`` is off.

    >>> from datetime import date
    >>> from generator.rules import load_rules
    >>> points(load_rules().cve, premium=25000, policies=2, direct=1, indirect=2, tenure_years=3).total
    11.0
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from .models import Book, Record
from .premiums import annual_premium
from .referrals import Referrals, resolve_referrals
from .rules import Cve, Rules


@dataclass(frozen=True)
class Score:
    """One client's points, item by item, and their rank in the book."""

    premium: float
    policies: float
    direct: float
    indirect: float
    tenure: float
    rank: int = 0

    @property
    def total(self) -> float:
        return round(self.premium + self.policies + self.direct + self.indirect + self.tenure, 1)


def points(rule: Cve, *, premium: float, policies: int, direct: int, indirect: int, tenure_years: int) -> Score:
    """The score of one client's facts under ``rule`` (rank left at 0)."""
    return Score(
        premium=round(premium / 10_000 * rule.per_10k_premium, 2),
        policies=policies * rule.per_policy,
        direct=direct * rule.per_direct_referral,
        indirect=indirect * rule.per_indirect_referral,
        tenure=tenure_years * rule.per_tenure_year,
    )


def full_years(first: date | None, today: date) -> int:
    """Whole years from ``first`` to ``today`` (a birthday-style count; 0 when unknown)."""
    if first is None or first > today:
        return 0
    return today.year - first.year - ((today.month, today.day) < (first.month, first.day))


def score_book(book: Book, rules: Rules, *, today: date, referrals: Referrals | None = None) -> dict[str, Score]:
    """Score and rank every closed client; sets ``cve_score``/``cve_rank`` on their rows.

    Returns ``{client_key: Score}``. ``referrals`` defaults to ``book.referrals``, and
    is resolved on the spot when the book has none.
    """
    rule = rules.cve
    found = referrals or book.referrals or resolve_referrals(book)
    own: dict[str, list[Record]] = defaultdict(list)
    for rec in book.closed:
        own[rec.client_key].append(rec)

    def counted(keys: list[str]) -> int:
        if rule.count_prospects:
            return len(keys)
        return sum(1 for k in keys if found.nodes[k].kind == "closed")

    scores: dict[str, Score] = {}
    for key, recs in own.items():
        node = found.nodes.get(key)
        below = found.subtree(key)[1:] if node else []
        direct = list(node.children) if node else []
        first = min((r.get("policy_date") for r in recs if r.get("policy_date")), default=None)
        scores[key] = points(
            rule,
            premium=sum(annual_premium(r) for r in recs),  # a 趸交 premium is not yearly
            policies=len(recs),
            direct=counted(direct),
            indirect=counted([k for k in below if k not in set(direct)]),
            tenure_years=full_years(first, today),
        )
    ranked = sorted(scores, key=lambda k: -scores[k].total)
    rank = 0
    previous: float | None = None
    for i, key in enumerate(ranked, start=1):
        if scores[key].total != previous:
            rank, previous = i, scores[key].total
        scores[key] = Score(**{**scores[key].__dict__, "rank": rank})
    for key, recs in own.items():
        for rec in recs:
            rec.cve_score, rec.cve_rank = scores[key].total, scores[key].rank
    return scores


def rule_items(rules: Rules) -> list[tuple[str, str]]:
    """The points rule in words, item by item (the workbook's 说明 and the site share it)."""
    c = rules.cve
    referred = "（含未成交的准客户）" if c.count_prospects else "（只计已成交的客户）"
    return [
        ("年交保费", f"每 1 万元 {c.per_10k_premium:g} 分（全部保单合计）"),
        ("保单", f"每张 {c.per_policy:g} 分"),
        ("直接介绍", f"每介绍来 1 位客户 {c.per_direct_referral:g} 分{referred}"),
        ("间接介绍", f"被介绍人再介绍来的客户（往下各代）每位 {c.per_indirect_referral:g} 分{referred}"),
        ("客户年限", f"从第一张保单起每满 1 年 {c.per_tenure_year:g} 分"),
    ]


__all__ = ["Score", "full_years", "points", "rule_items", "score_book"]
