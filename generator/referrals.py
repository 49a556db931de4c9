"""The referral chain (转介绍链): who introduced whom inside one agent's book.

Each client's ``介绍人`` is resolved to another client of the same book — by 客户编号
first, then by name. A name shared by two clients is ambiguous and a referrer found
nowhere is unknown; both become warnings on the row, like any other data problem, and
the link is simply left out. Every client has at most one referrer, so the links form a
forest once cycles are cut: a cycle (A introduced by B, B introduced by A) is reported
and broken at its first row in the book, so walking a chain always ends.

    >>> from generator.models import AgentInfo, Book, Record
    >>> a = Record("成交客户", 2, {"holder_name": "张三"}, client_key="C1")
    >>> b = Record("成交客户", 3, {"holder_name": "李四", "referrer": "张三"}, client_key="C2")
    >>> r = resolve_referrals(Book("x.xlsx", AgentInfo("1", "王"), closed=[a, b]))
    >>> r.nodes["C1"].children, r.nodes["C2"].generation, r.chains[0].size
    (['C2'], 1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .issues import Issue, make_issue
from .clients import ClientNames
from .models import Book, Record
from .schema import CLOSED_SHEET, PROSPECT_SHEET, normalize_header

Kind = Literal["closed", "prospect"]
REFERRAL_SOURCE = "转介绍"
_REFERRER_COLUMN = "介绍人"
_SHEET_ORDER = {CLOSED_SHEET: 0, PROSPECT_SHEET: 1}


@dataclass
class Node:
    """One client (all policy rows of a closed client are one node)."""

    key: str  # client_key
    name: str
    kind: Kind
    sheet: str
    row: int  # first row of this client in the book
    came_by_referral: bool = False  # source 转介绍 or a 介绍人 given (resolved or not)
    referrer: str | None = None  # resolved referrer's key, after cycles are cut
    referrer_row: int | None = None  # the row whose 介绍人 gave that link
    children: list[str] = field(default_factory=list)  # in book order
    generation: int = 0  # 0 = chain head; 1 = introduced by the head; ...
    descendants: int = 0  # everyone below in the chain
    chain: int | None = None  # 1-based chain number; None when in no chain


@dataclass
class Chain:
    """A head and everyone introduced from it, directly or down the line."""

    number: int
    head: str
    members: list[str]  # depth-first, head first: the order of an indented tree
    depth: int  # generations below the head (1 = the head introduced someone)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class Referrals:
    """The resolved referral forest of one book, with the problems found on the way."""

    nodes: dict[str, Node]
    chains: list[Chain]  # largest first
    cycles: list[list[str]]  # each as keys, the member where it was cut first
    issues: list[Issue]

    def stats(self, clients: int | None = None) -> dict[str, Any]:
        """Counts only (no names), for report.json and the dashboards.

        ``referred_share`` is the share of closed clients who came by referral;
        ``referred_conversion`` is referred closed clients ÷ (those + referred prospects).
        """
        closed = [n for n in self.nodes.values() if n.kind == "closed"]
        clients = len(closed) if clients is None else clients
        referred = sum(1 for n in closed if n.came_by_referral)
        referred_prospects = sum(1 for n in self.nodes.values() if n.kind == "prospect" and n.came_by_referral)
        sizes: dict[str, int] = {}
        for c in sorted(self.chains, key=lambda c: c.size):
            sizes[str(c.size)] = sizes.get(str(c.size), 0) + 1
        codes = [i.code for i in self.issues]
        return {
            "chains": len(self.chains),
            "chain_members": sum(c.size for c in self.chains),
            "longest_chain": max((c.depth for c in self.chains), default=0),
            "largest_chain": max((c.size for c in self.chains), default=0),
            "chain_sizes": sizes,
            "links": sum(1 for n in self.nodes.values() if n.referrer),
            "referrers": sum(1 for n in closed if n.children),
            "referred_clients": referred,
            "referred_prospects": referred_prospects,
            "referred_share": round(referred / clients, 4) if clients else None,
            "referred_conversion": (round(referred / (referred + referred_prospects), 4)
                                    if referred + referred_prospects else None),
            "unknown_referrers": codes.count("unknown-referrer"),
            "ambiguous_referrers": codes.count("ambiguous-referrer"),
            "cycles": len(self.cycles),
        }

    def subtree(self, key: str) -> list[str]:
        """``key`` and everyone below it, depth-first (the chain is a tree: this ends)."""
        out, stack = [], [key]
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(reversed(self.nodes[k].children))
        return out


def _name(rec: Record) -> str:
    return str(rec.get("holder_name") or rec.get("name") or "")


def resolve_referrals(book: Book) -> Referrals:
    """Resolve every 介绍人 of a classified book; the book is not changed.

    Issues carry the file, sheet, row and column like validation issues; attach them
    with :func:`link_referrals`.
    """
    nodes: dict[str, Node] = {}
    rows: dict[str, list[Record]] = {}
    for kind, records in (("closed", book.closed), ("prospect", book.prospects)):
        for rec in records:
            key = rec.client_key
            if key not in nodes:
                nodes[key] = Node(key, _name(rec), kind, rec.sheet, rec.row)  # type: ignore[arg-type]
                rows[key] = []
            rows[key].append(rec)

    names = ClientNames.of(book)  # the one lookup classify and the calendar use too

    issues: list[Issue] = []
    letters = book.column_letters

    def warn(rec: Record, code: str, value: str, detail: str = "") -> Issue:
        issue = make_issue(code, file=book.source, sheet=rec.sheet, row=rec.row, column=_REFERRER_COLUMN,
                           column_letter=letters.get(rec.sheet, {}).get("referrer"), value=value, detail=detail)
        issues.append(issue)
        return issue

    # Parent links: the first row of a client that names a resolvable referrer wins.
    self_loops: list[tuple[str, Record]] = []
    for key, recs in rows.items():
        node = nodes[key]
        for rec in recs:
            ref = rec.get("referrer")
            if rec.get("source") == REFERRAL_SOURCE or ref:
                node.came_by_referral = True
            if not ref:
                continue
            folded = normalize_header(ref)
            target = names.by_id.get(folded)
            if target is None:
                named = names.named(ref)
                others = [k for k in named if k != key]
                if len(others) > 1:
                    shown = "、".join(f"{nodes[k].sheet}第 {nodes[k].row} 行" for k in others)
                    warn(rec, "ambiguous-referrer", ref, shown)
                    continue
                target = others[0] if others else (key if named else None)
            if target is None:
                # A referrer whose own row was rejected is known: that row's error says it all.
                if folded not in book.known_clients:
                    warn(rec, "unknown-referrer", ref)
            elif node.referrer is None:
                if target == key:
                    self_loops.append((key, rec))
                    continue
                node.referrer, node.referrer_row = target, rec.row

    cycles: list[list[str]] = []
    for key, rec in self_loops:
        if nodes[key].referrer is None:  # another row may have given a real referrer
            cycles.append([key])
            warn(rec, "referral-cycle", str(rec.get("referrer")), f"{nodes[key].name}由自己介绍")
    cycles += _cut_cycles(nodes, rows, warn)

    for node in nodes.values():
        if node.referrer:
            nodes[node.referrer].children.append(node.key)
    order = {k: (_SHEET_ORDER.get(n.sheet, 2), n.row) for k, n in nodes.items()}
    for node in nodes.values():
        node.children.sort(key=order.__getitem__)

    result = Referrals(nodes, [], cycles, issues)
    heads = sorted((k for k, n in nodes.items() if n.referrer is None and n.children), key=order.__getitem__)
    chains = []
    for head in heads:
        members = result.subtree(head)
        for k in members[1:]:
            nodes[k].generation = nodes[nodes[k].referrer].generation + 1  # type: ignore[index]
        for k in reversed(members[1:]):  # children before parents: sum up the line
            nodes[nodes[k].referrer].descendants += nodes[k].descendants + 1  # type: ignore[index]
        chains.append(Chain(0, head, members, max(nodes[k].generation for k in members)))
    chains.sort(key=lambda c: (-c.size, order[c.head]))
    for number, chain in enumerate(chains, start=1):
        chain.number = number
        for k in chain.members:
            nodes[k].chain = number
    result.chains = chains
    return result


def _cut_cycles(nodes: dict[str, Node], rows: dict[str, list[Record]], warn: Any) -> list[list[str]]:
    """Find every cycle of referrer links, cut it at its first member in book order, report it."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    cycles: list[list[str]] = []
    for start in nodes:
        walk: list[str] = []
        cur: str | None = start
        while cur is not None and cur not in state:
            state[cur] = 1
            walk.append(cur)
            cur = nodes[cur].referrer
        if cur is not None and state[cur] == 1:
            ring = walk[walk.index(cur):]
            cut = min(ring, key=lambda k: (_SHEET_ORDER.get(nodes[k].sheet, 2), nodes[k].row))
            i = ring.index(cut)
            ring = ring[i:] + ring[:i]
            detail = "，".join(f"{nodes[k].name}由{nodes[nodes[k].referrer].name}介绍" for k in ring)  # type: ignore[index]
            node = nodes[cut]
            rec = next(r for r in rows[cut] if r.row == node.referrer_row)
            warn(rec, "referral-cycle", str(rec.get("referrer")), detail)
            node.referrer = node.referrer_row = None
            cycles.append(ring)
        for k in walk:
            state[k] = 2
    return cycles


def link_referrals(book: Book) -> Referrals:
    """Resolve the book's referrals and attach them: issues on the rows and the book,
    ``book.referrals`` and the counts in ``book.kpis["referrals"]``."""
    found = resolve_referrals(book)
    by_row = {(r.sheet, r.row): r for r in (*book.closed, *book.prospects)}
    for issue in found.issues:
        rec = by_row.get((issue.sheet or "", issue.row or 0))
        if rec is not None:
            rec.issues.append(issue)
        book.issues.append(issue)
    if found.issues:
        if book.status == "ok":
            book.status = "warnings"
        counts = book.kpis.get("issues")
        if isinstance(counts, dict):
            counts["warning"] = counts.get("warning", 0) + len(found.issues)
    book.referrals = found
    if book.kpis:
        book.kpis["referrals"] = found.stats(book.kpis.get("clients"))
    return found


__all__ = ["Chain", "Node", "Referrals", "link_referrals", "resolve_referrals"]
