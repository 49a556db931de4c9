"""Sales campaigns scored in points, ranked month by month (domain.md §9).

A campaign in the rules file names a period, the products that count and the points
per 10,000 yuan of premium for each role (``branch``: the 营业部 as a whole; ``agent``:
the selling agent). A policy counts when its 投保日期 lies in ``[start, end]`` and its
险种 is listed (or ``products: all``)::

    points = premium / 10,000 × points_per_10k[role]

The work is split for a streaming pipeline: :func:`campaign_partial` reduces one
classified book to a few numbers per (campaign, agent, month) — no client data — and
:func:`merge` adds partials up into rankings, so no run needs to hold every book.

    >>> from generator.rules import load_rules
    >>> partials = [campaign_partial(book, load_rules()) for book in books]  # doctest: +SKIP
    >>> results = merge(partials, load_rules())                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .models import Book
from .rules import Campaign, Rules
from .schema import normalize_header

__all__ = [
    "ALL_MONTHS", "CampaignPartial", "Standing", "CampaignResult",
    "campaign_months", "in_campaign", "campaign_partial", "merge", "points",
]

ALL_MONTHS = "合计"  # the whole period, ranked like a month
NO_TEAM = "未分组"


def points(premium: float, per_10k: float) -> float:
    """Points for ``premium`` yuan at ``per_10k`` points per 10,000 yuan.

    >>> points(30_000, 2)
    6.0
    """
    return premium / 10_000 * per_10k


def campaign_months(c: Campaign) -> list[str]:
    """Calendar months the period touches, ``YYYY-MM``."""
    out, y, m = [], c.start.year, c.start.month
    while (y, m) <= (c.end.year, c.end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def in_campaign(c: Campaign, product: str | None, policy_date: date | None) -> bool:
    if policy_date is None or not c.start <= policy_date <= c.end:
        return False
    if c.products == "all":
        return True
    return product is not None and normalize_header(product) in {normalize_header(p) for p in c.products}


@dataclass
class CampaignPartial:
    """One book's contribution: per campaign, per month, policies and premium.

    Plain data (picklable, JSON-able via :meth:`to_dict`) so worker processes can hand
    it back to the parent.
    """

    agent_id: str
    agent_name: str
    team: str | None
    cells: dict[str, dict[str, tuple[int, float]]] = field(default_factory=dict)  # campaign → month → (n, premium)

    def to_dict(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "agent_name": self.agent_name, "team": self.team,
                "cells": {c: {m: list(v) for m, v in months.items()} for c, months in self.cells.items()}}


def campaign_partial(book: Book, rules: Rules) -> CampaignPartial:
    """Policies and premium per (campaign, month) from one book's accepted closed rows.

    A failed book contributes an agent with nothing sold (it still counts toward its
    team's target).
    """
    part = CampaignPartial(book.agent.agent_id, book.agent.name, book.agent.team)
    for c in rules.campaigns:
        months: dict[str, tuple[int, float]] = {}
        for rec in book.closed:
            when, product, premium = rec.get("policy_date"), rec.get("product"), rec.get("premium")
            if not premium or not in_campaign(c, product, when):
                continue
            key = when.strftime("%Y-%m")
            n, total = months.get(key, (0, 0.0))
            months[key] = (n + 1, total + float(premium))
        part.cells[c.name] = months
    return part


@dataclass(frozen=True)
class Standing:
    """One agent's or team's line in one month's ranking (or the whole period's)."""

    month: str  # YYYY-MM or ALL_MONTHS
    rank: int  # competition ranking by points: 1, 2, 2, 4
    key: str  # agent id or team name
    name: str  # agent name or team name
    team: str
    agents: int  # 1 for an agent; the team's agents for a team
    policies: int
    premium: float
    points: float
    target: float  # monthly_target_points × agents (× months for ALL_MONTHS)

    @property
    def achieved(self) -> float | None:
        """Points ÷ target (None without a target)."""
        return self.points / self.target if self.target else None


@dataclass
class CampaignResult:
    campaign: Campaign
    months: list[str]
    agents: dict[str, list[Standing]]  # month (and ALL_MONTHS) → ranked agents
    teams: dict[str, list[Standing]]
    branch: dict[str, tuple[int, float, float]]  # month → (policies, premium, branch points)

    def to_dict(self) -> dict[str, Any]:
        def rows(d: dict[str, list[Standing]]) -> dict[str, list[dict[str, Any]]]:
            return {m: [{"rank": s.rank, "key": s.key, "name": s.name, "team": s.team, "agents": s.agents,
                         "policies": s.policies, "premium": round(s.premium, 2), "points": round(s.points, 4),
                         "target": s.target, "achieved": s.achieved} for s in lst] for m, lst in d.items()}
        c = self.campaign
        return {"name": c.name, "start": c.start.isoformat(), "end": c.end.isoformat(),
                "products": c.products, "months": self.months, "agents": rows(self.agents),
                "teams": rows(self.teams),
                "branch": {m: {"policies": n, "premium": round(p, 2), "points": round(pt, 4)}
                           for m, (n, p, pt) in self.branch.items()}}


def _ranked(lines: list[Standing]) -> list[Standing]:
    ordered = sorted(lines, key=lambda s: (-round(s.points, 9), -s.premium, s.key))
    out: list[Standing] = []
    for i, s in enumerate(ordered):
        rank = out[-1].rank if out and round(out[-1].points, 9) == round(s.points, 9) else i + 1
        out.append(Standing(s.month, rank, s.key, s.name, s.team, s.agents, s.policies, s.premium, s.points,
                            s.target))
    return out


def merge(partials: Iterable[CampaignPartial], rules: Rules) -> list[CampaignResult]:
    """Rankings per campaign and month for agents and teams, against the target.

    An agent listed twice (two books with one 工号) is counted once, sales added up.
    """
    agents: dict[str, CampaignPartial] = {}
    for p in partials:
        have = agents.get(p.agent_id)
        if have is None:
            agents[p.agent_id] = CampaignPartial(p.agent_id, p.agent_name, p.team,
                                                 {c: dict(m) for c, m in p.cells.items()})
            continue
        for name, month_cells in p.cells.items():
            mine = have.cells.setdefault(name, {})
            for m, (n, prem) in month_cells.items():
                n0, p0 = mine.get(m, (0, 0.0))
                mine[m] = (n0 + n, p0 + prem)
    results = []
    for c in rules.campaigns:
        months = campaign_months(c)
        rate = c.points_per_10k
        by_agent: dict[str, list[Standing]] = {}
        by_team: dict[str, list[Standing]] = {}
        branch: dict[str, tuple[int, float, float]] = {}
        team_size: dict[str, int] = {}
        for a in agents.values():
            team_size[a.team or NO_TEAM] = team_size.get(a.team or NO_TEAM, 0) + 1
        for month in (*months, ALL_MONTHS):
            span = len(months) if month == ALL_MONTHS else 1
            lines = []
            team_acc: dict[str, list[float]] = {}
            for a in agents.values():
                cells = a.cells.get(c.name, {})
                if month == ALL_MONTHS:
                    n = sum(v[0] for v in cells.values())
                    prem = sum(v[1] for v in cells.values())
                else:
                    n, prem = cells.get(month, (0, 0.0))
                team = a.team or NO_TEAM
                lines.append(Standing(month, 0, a.agent_id, a.agent_name, team, 1, n, prem,
                                      round(points(prem, rate.agent), 6), c.monthly_target_points * span))
                acc = team_acc.setdefault(team, [0, 0.0])
                acc[0] += n
                acc[1] += prem
            by_agent[month] = _ranked(lines)
            by_team[month] = _ranked([
                Standing(month, 0, t, t, t, team_size[t], int(n), prem, round(points(prem, rate.agent), 6),
                         c.monthly_target_points * span * team_size[t])
                for t, (n, prem) in team_acc.items()])
            n_all = sum(s.policies for s in lines)
            prem_all = sum(s.premium for s in lines)
            branch[month] = (n_all, prem_all, round(points(prem_all, rate.branch), 6))
        results.append(CampaignResult(c, months, by_agent, by_team, branch))
    return results
