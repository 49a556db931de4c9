"""Tier every accepted record: grade, quadrant, actions, experiences; then book KPIs.

Pure functions over records and rules. A client is identified by 客户编号 when the
agent gave one, otherwise by name + phone, so one client's policies group together.

    >>> from generator.rules import load_rules
    >>> experiences_for("宠爱", load_rules())[:2]
    [('☆', '生活服务'), ('☆', '量身定制')]
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .clients import ClientNames, assign_keys, group_clients, latest, true_ratings, warn_conflicts
from .models import Book, Kpis, Record
from .premiums import annual_premium, single_premium
from .rules import Rules

_MARK_ORDER = {"☆": 0, "✓": 1, "◎": 2}
_RATING_KEYS = {"经济条件": "economy", "保险意识": "awareness", "影响力": "influence"}


def ratings_of(rec: Record) -> dict[str, str]:
    return {label: rec.get(key) for label, key in _RATING_KEYS.items()}


def experiences_for(quadrant: str, rules: Rules) -> list[tuple[str, str]]:
    """The quadrant's experiences to give: ☆ first, then ✓, then ◎; × left out."""
    row = rules.experiences.matrix[quadrant]
    items = [e.name for e in rules.experiences.items]
    chosen = [(row[i], i) for i in items if row[i] in _MARK_ORDER]
    return sorted(chosen, key=lambda pair: (_MARK_ORDER[pair[0]], items.index(pair[1])))


def classify_book(book: Book, rules: Rules, *, today: date) -> None:
    """Fill grade, quadrant, actions and experiences on every record, and book.kpis.

    Every row of one client gets the same tier, worked out once from the client's
    ratings (:func:`generator.clients.true_ratings`); rows that disagree are warned about.
    """
    agent_id = book.agent.agent_id
    assign_keys(agent_id, book.closed, "holder_name", "holder_phone")
    assign_keys(agent_id, book.prospects, "name", "phone")
    policies = group_clients(book.closed)
    people = group_clients(book.prospects)
    warn_conflicts(book, policies)
    warn_conflicts(book, people)
    referrers = _referrers(book)

    for key, own in policies.items():
        first = min((p.get("policy_date") for p in own if p.get("policy_date")), default=None)
        signals = {
            "policies": len(own),
            "referred": key in referrers,
            "tenure_years": (today - first).days / 365.25 if first else 0.0,
        }
        _tier(own, "closed", rules, signals)
    for key, rows in people.items():
        _tier(rows, "prospect", rules, {"policies": 0, "referred": key in referrers, "tenure_years": 0.0})

    book.kpis = compute_kpis(book, rules, policies, referrers)


def _tier(records: list[Record], kind: Any, rules: Rules, signals: dict[str, Any]) -> None:
    """One tier for all rows of one client, from the client's true ratings."""
    ratings = true_ratings(records)
    speaker = latest(records)
    grade = rules.grade(kind, {label: ratings[key] for label, key in _RATING_KEYS.items()})
    derived = []
    capability = ratings["capability"]
    if not capability:
        high = ratings["economy"] in rules.quadrants.derive.capability_high_when_economy
        capability = "高" if high else "低"
        derived.append("资产能力")
    trust = ratings["trust"]
    if not trust:
        trust = "高" if _trusted(speaker, rules, signals) else "低"
        derived.append("信赖程度")
    quadrant = rules.quadrant(capability, trust)
    actions = list(rules.actions[kind][grade])
    experiences = experiences_for(quadrant, rules)
    for rec in records:
        rec.grade, rec.quadrant = grade, quadrant
        rec.capability, rec.trust, rec.derived = capability, trust, tuple(derived)
        rec.actions, rec.experiences = list(actions), list(experiences)


def _trusted(rec: Record, rules: Rules, signals: dict[str, Any]) -> bool:
    """Derived trust: any configured signal of a mature relationship makes it high."""
    when = rules.quadrants.derive.trust_high_when
    if rec.get("source") in when.sources:
        return True
    if when.min_policies is not None and signals["policies"] >= when.min_policies:
        return True
    if when.made_referral and signals["referred"]:
        return True
    return when.min_tenure_years is not None and signals["tenure_years"] >= when.min_tenure_years


def _referrers(book: Book) -> set[str]:
    """Client keys of everyone named as 介绍人 by another client of the same book.

    Resolved by :class:`generator.clients.ClientNames`, as the referral chains are:
    客户编号 first, then a name that belongs to exactly one other client. An ambiguous name credits nobody, so it moves
    neither the referral KPI nor derived trust.
    """
    names = ClientNames.of(book)
    found: set[str] = set()
    for rec in (*book.closed, *book.prospects):
        ref = rec.get("referrer")
        if not ref:
            continue
        target = names.resolve(ref, exclude=rec.client_key)
        if target is not None and target != rec.client_key:
            found.add(target)
    return found


def compute_kpis(book: Book, rules: Rules, policies: dict[str, list[Record]], referrers: set[str]) -> Kpis:
    closed_grades = {g.grade: 0 for g in rules.grading["closed"]}
    prospect_grades = {g.grade: 0 for g in rules.grading["prospect"]}
    quadrants = {q: 0 for q in rules.experiences.matrix}
    for own in policies.values():
        cur = latest(own)
        closed_grades[cur.grade or ""] = closed_grades.get(cur.grade or "", 0) + 1
        quadrants[cur.quadrant or ""] += 1
    for rec in book.prospects:
        prospect_grades[rec.grade or ""] += 1
        quadrants[rec.quadrant or ""] += 1
    clients = len(policies)
    addon = sum(1 for own in policies.values() if len(own) >= 2)
    referred = sum(1 for key in policies if key in referrers)
    sources = {s: 0 for s in rules.vocabularies["客户来源"]}
    for own in policies.values():
        src = latest(own).get("source")
        if src in sources:
            sources[src] += 1
    return {
        "clients": clients,
        "prospects": len(book.prospects),
        "policies": len(book.closed),
        # 趸交 (single premium) is paid once: never part of the annual premium.
        "premium": round(sum(annual_premium(r) for r in book.closed), 2),
        "single_premium": round(sum(single_premium(r) for r in book.closed), 2),
        "grades_closed": closed_grades,
        "grades_prospect": prospect_grades,
        "quadrants": quadrants,
        "sources": sources,
        "addon_clients": addon,
        "referral_clients": referred,
        "addon_rate": round(addon / clients, 4) if clients else None,
        "referral_rate": round(referred / clients, 4) if clients else None,
        "services": len(book.services),
        "issues": {
            # a summary issue (issues.summarise) stands for `count` of them
            "error": sum(i.count for i in book.issues if i.severity == "error"),
            "warning": sum(i.count for i in book.issues if i.severity == "warning"),
        },
    }


__all__ = ["classify_book", "compute_kpis", "experiences_for", "ratings_of"]
