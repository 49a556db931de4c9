"""Tier every accepted record: grade, quadrant, actions, experiences; then book KPIs.

Pure functions over records and rules. A client is identified by 客户编号 when the
agent gave one, otherwise by name + phone, so one client's policies group together.

    >>> from generator.rules import load_rules
    >>> experiences_for("宠爱", load_rules())[:2]
    [('☆', '生活服务'), ('☆', '量身定制')]
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from .models import Book, Record
from .rules import RATINGS, Rules
from .schema import normalize_header

_MARK_ORDER = {"☆": 0, "✓": 1, "◎": 2}
_RATING_KEYS = {"经济条件": "economy", "保险意识": "awareness", "影响力": "influence"}


def client_key(agent_id: str, client_id: str | None, name: str | None, phone: str | None) -> str:
    """Stable id of a client within an agent's book (the given 客户编号 when present)."""
    if client_id:
        return client_id
    digest = hashlib.sha1(f"{agent_id}|{name}|{phone}".encode()).hexdigest()[:8].upper()
    return f"K{digest}"


def ratings_of(rec: Record) -> dict[str, str]:
    return {label: rec.get(key) for label, key in _RATING_KEYS.items()}


def experiences_for(quadrant: str, rules: Rules) -> list[tuple[str, str]]:
    """The quadrant's experiences to give: ☆ first, then ✓, then ◎; × left out."""
    row = rules.experiences.matrix[quadrant]
    items = [e.name for e in rules.experiences.items]
    chosen = [(row[i], i) for i in items if row[i] in _MARK_ORDER]
    return sorted(chosen, key=lambda pair: (_MARK_ORDER[pair[0]], items.index(pair[1])))


def classify_book(book: Book, rules: Rules, *, today: date) -> None:
    """Fill grade, quadrant, actions and experiences on every record, and book.kpis."""
    agent_id = book.agent.agent_id
    for rec in book.closed:
        rec.client_key = client_key(agent_id, rec.get("client_id"), rec.get("holder_name"), rec.get("holder_phone"))
    for rec in book.prospects:
        rec.client_key = client_key(agent_id, rec.get("client_id"), rec.get("name"), rec.get("phone"))

    policies: dict[str, list[Record]] = defaultdict(list)
    for rec in book.closed:
        policies[rec.client_key].append(rec)
    referrers = _referrers(book)

    for rec in book.closed:
        own = policies[rec.client_key]
        first = min((p.get("policy_date") for p in own if p.get("policy_date")), default=None)
        signals = {
            "policies": len(own),
            "referred": rec.client_key in referrers,
            "tenure_years": (today - first).days / 365.25 if first else 0.0,
        }
        _tier(rec, "closed", rules, signals)
    for rec in book.prospects:
        _tier(rec, "prospect", rules, {"policies": 0, "referred": rec.client_key in referrers, "tenure_years": 0.0})

    book.kpis = compute_kpis(book, rules, policies, referrers)


def _tier(rec: Record, kind: Any, rules: Rules, signals: dict[str, Any]) -> None:
    rec.grade = rules.grade(kind, ratings_of(rec))
    derived = []
    capability = rec.get("capability")
    if not capability:
        high = rec.get("economy") in rules.quadrants.derive.capability_high_when_economy
        capability = "高" if high else "低"
        derived.append("资产能力")
    trust = rec.get("trust")
    if not trust:
        trust = "高" if _trusted(rec, rules, signals) else "低"
        derived.append("信赖程度")
    rec.capability, rec.trust, rec.derived = capability, trust, tuple(derived)
    rec.quadrant = rules.quadrant(capability, trust)
    rec.actions = list(rules.actions[kind][rec.grade])
    rec.experiences = experiences_for(rec.quadrant, rules)


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
    """Client keys of everyone named as 介绍人 by another record of the same book."""
    by_ref: dict[str, set[str]] = defaultdict(set)
    for rec in book.closed:
        for ref in (rec.get("client_id"), rec.get("holder_name")):
            if ref:
                by_ref[normalize_header(ref)].add(rec.client_key)
    for rec in book.prospects:
        for ref in (rec.get("client_id"), rec.get("name")):
            if ref:
                by_ref[normalize_header(ref)].add(rec.client_key)
    found: set[str] = set()
    for rec in (*book.closed, *book.prospects):
        ref = rec.get("referrer")
        if ref:
            found.update(k for k in by_ref.get(normalize_header(ref), ()) if k != rec.client_key)
    return found


def _latest(records: list[Record]) -> Record:
    """A client's current tier comes from their most recent policy."""
    return max(records, key=lambda r: (r.get("policy_date") or date.min, r.row))


def compute_kpis(book: Book, rules: Rules, policies: dict[str, list[Record]], referrers: set[str]) -> dict[str, Any]:
    closed_grades = {g.grade: 0 for g in rules.grading["closed"]}
    prospect_grades = {g.grade: 0 for g in rules.grading["prospect"]}
    quadrants = {q: 0 for q in rules.experiences.matrix}
    for own in policies.values():
        cur = _latest(own)
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
        src = _latest(own).get("source")
        if src in sources:
            sources[src] += 1
    return {
        "clients": clients,
        "prospects": len(book.prospects),
        "policies": len(book.closed),
        "premium": round(sum(r.get("premium") or 0.0 for r in book.closed), 2),
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
            "error": sum(1 for i in book.issues if i.severity == "error"),
            "warning": sum(1 for i in book.issues if i.severity == "warning"),
        },
    }


__all__ = ["classify_book", "client_key", "compute_kpis", "experiences_for", "ratings_of", "RATINGS"]
