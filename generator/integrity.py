"""Branch-level data integrity: checks no single agent's book can make (domain §8).

Agents sometimes put their own (or a colleague's) phone on clients, and two agents
sometimes both claim one client. Seen one book at a time these look fine, so books
stream through a :class:`PhoneIndex` and the findings come out once all are seen:

    >>> index = PhoneIndex()
    >>> for book in books:                                   # doctest: +SKIP
    ...     index.add(book.source, book.agent, phone_uses(book))
    >>> findings = index.findings()                          # doctest: +SKIP
    >>> apply_findings(book, findings)                       # doctest: +SKIP
    >>> report["totals"]["integrity"] = branch_summary(findings, agents=len(books))

The index keeps one small tuple per client row that has a phone (no records, no
books), so memory grows with the branch's client count, not with its workbooks.
:func:`phone_uses` runs where the records still exist (the worker), and its result is
picklable. The module also names output workbooks (:func:`workbook_name`): which
name a file gets, and whether it clashes with another, is a branch-level question too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from .issues import Issue, make_issue
from .models import AgentInfo, AgentResult, Book, Record
from .safety import safe_filename
from .schema import AGENT_SHEET, CLOSED_SHEET, PROSPECT_SHEET, SHEETS_BY_NAME, normalize_header

__all__ = [
    "MAX_NAMES_PER_PHONE",
    "SUSPECT_SHARE",
    "SUSPECT_MIN_ROWS",
    "PhoneUse",
    "Finding",
    "PhoneIndex",
    "phone_uses",
    "top_repeated_phone",
    "apply_findings",
    "branch_summary",
    "duplicate_agent_ids",
    "workbook_name",
]

#: A phone is "used by many unrelated clients" above this many distinct names branch-wide
#: (a family of three sharing one phone is normal).
MAX_NAMES_PER_PHONE = 3
#: An agent is flagged when more than this share of their client rows with a phone carry
#: their own or another agent's phone (or, with no phone on file, one repeated phone) …
SUSPECT_SHARE = 0.5
#: … counted only from this many client rows with a phone, so 1 of 1 is not "most".
SUSPECT_MIN_ROWS = 4

# The person a client row is about: (phone column key, name column key) per sheet,
# as in validate._PERSON_PHONES; an insured child on a parent's phone is not counted.
_PERSON = {CLOSED_SHEET: ("holder_phone", "holder_name"), PROSPECT_SHEET: ("phone", "name")}


@dataclass(frozen=True)
class PhoneUse:
    """One accepted client row's phone, as much of the row as the checks need."""

    phone: str  # normalised: 11 digits
    name: str  # client name as typed
    sheet: str
    row: int  # the agent's Excel row
    column: str  # header of the phone column
    letter: str | None  # its column letter in the agent's book


@dataclass(frozen=True)
class Finding:
    """A cross-agent problem at one place in one book (``row`` None: the whole book)."""

    code: str
    source: str  # Book.source of the book the warning belongs to
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    column_letter: str | None = None
    value: str = ""
    detail: str = ""

    def issue(self) -> Issue:
        return make_issue(self.code, file=self.source, sheet=self.sheet, row=self.row, column=self.column,
                          column_letter=self.column_letter, value=self.value, detail=self.detail)


def phone_uses(book: Book) -> list[PhoneUse]:
    """The person phones on a book's accepted client rows (in the worker, which hands them
    back in :attr:`AgentResult.phones`)."""
    uses = []
    for sheet, records in ((CLOSED_SHEET, book.closed), (PROSPECT_SHEET, book.prospects)):
        phone_key, name_key = _PERSON[sheet]
        column = SHEETS_BY_NAME[sheet].column(phone_key).name
        letter = book.column_letters.get(sheet, {}).get(phone_key)
        for rec in records:
            phone = rec.get(phone_key)
            if phone:
                uses.append(PhoneUse(phone, str(rec.get(name_key) or ""), sheet, rec.row, column, letter))
    return uses


def top_repeated_phone(uses: Iterable[PhoneUse]) -> int:
    """How many of one book's client rows carry its most repeated phone, counting only
    phones on two or more differently named clients (one client on many policies is
    not a pattern). Used when the agent has no phone on file to compare with."""
    rows: dict[str, int] = defaultdict(int)
    names: dict[str, set[str]] = defaultdict(set)
    for use in uses:
        rows[use.phone] += 1
        names[use.phone].add(normalize_header(use.name))
    return max((n for phone, n in rows.items() if len(names[phone]) > 1), default=0)


@dataclass(frozen=True)
class _Agent:
    source: str
    label: str  # "工号 姓名"
    phone: str | None


class PhoneIndex:
    """Who uses which phone across the branch; fed one book at a time.

    ``max_names``: distinct client names one phone may carry branch-wide before every
    row using it is flagged; ``suspect_share``/``suspect_min_rows``: when an agent's
    client phones count as "mostly not the clients'".
    """

    def __init__(self, *, max_names: int = MAX_NAMES_PER_PHONE, suspect_share: float = SUSPECT_SHARE,
                 suspect_min_rows: int = SUSPECT_MIN_ROWS) -> None:
        self.max_names = max_names
        self.suspect_share = suspect_share
        self.suspect_min_rows = suspect_min_rows
        self._agents: list[_Agent] = []
        # phone → [(agent index, use, folded client name)], in arrival order
        self._by_phone: dict[str, list[tuple[int, PhoneUse, str]]] = defaultdict(list)
        self._rows: list[int] = []  # client rows with a phone, per agent
        self._top: list[int] = []  # top_repeated_phone, per agent

    def add(self, source: str | Book, agent: AgentInfo | None = None,
            uses: Iterable[PhoneUse] | None = None, *, rows: int | None = None, top: int | None = None) -> None:
        """Record one book: ``add(book)`` while it has its records, or
        ``add(book.source, book.agent, uses)`` with :func:`phone_uses` taken earlier.

        ``rows`` and ``top`` (the book's count of client rows with a phone and its
        :func:`top_repeated_phone`) let a caller pass only some of the uses — those
        whose phone can produce a finding — as :class:`~generator.branch_index.BranchIndex` does.
        """
        if isinstance(source, Book):
            book = source
            source, agent = book.source, book.agent
            uses = phone_uses(book) if uses is None else uses
        if agent is None:
            raise TypeError("add(source, agent, uses) needs the agent")
        label = " ".join(p for p in (agent.agent_id, agent.name) if p)
        n = len(self._agents)
        self._agents.append(_Agent(source, label, agent.phone))
        given = list(uses or ())
        for use in given:
            self._by_phone[use.phone].append((n, use, normalize_header(use.name)))
        self._rows.append(len(given) if rows is None else rows)
        self._top.append(top_repeated_phone(given) if top is None else top)

    def __len__(self) -> int:
        return len(self._agents)

    def findings(self) -> list[Finding]:
        """Every cross-agent finding, ordered by book (input order), sheet, row, code."""
        owners: dict[str, list[int]] = defaultdict(list)  # agent phone → agents
        for n, agent in enumerate(self._agents):
            if agent.phone:
                owners[agent.phone].append(n)
        found: list[tuple[int, Finding]] = []

        def add(n: int, code: str, use: PhoneUse | None, value: str, detail: str) -> None:
            where: dict[str, Any] = {}
            if use is not None:
                where = dict(sheet=use.sheet, row=use.row, column=use.column, column_letter=use.letter)
            found.append((n, Finding(code, self._agents[n].source, value=value, detail=detail, **where)))

        agent_hits = [0] * len(self._agents)
        for phone, uses in self._by_phone.items():
            agents_here = {n for n, _, _ in uses}
            if phone in owners:
                # An agent's phone on clients: the agent's own is validate's phone-is-agent.
                for n, use, _ in uses:
                    agent_hits[n] += 1
                    others = [o for o in owners[phone] if o != n]
                    if others:
                        add(n, "phone-is-other-agent", use, phone, self._labels(others))
                continue
            names = {key for _, _, key in uses}
            if len(agents_here) > 1 and len(names) > self.max_names:
                for n, use, _ in uses:
                    add(n, "branch-shared-phone", use, phone, str(len(names)))
            by_name: dict[str, list[tuple[int, PhoneUse]]] = defaultdict(list)
            for n, use, key in uses:
                by_name[key].append((n, use))
            for key, held in by_name.items():
                holders = sorted({n for n, _ in held})
                if not key or len(holders) < 2:
                    continue
                for n, use in held:
                    add(n, "cross-agent-client", use, use.name, self._labels(o for o in holders if o != n))
        for n in range(len(self._agents)):
            if finding := self._suspect(n, agent_hits[n]):
                found.append((n, finding))
        found.sort(key=lambda item: (item[0], item[1].sheet or "", item[1].row or 0, item[1].code))
        return [f for _, f in found]

    def _suspect(self, n: int, hits: int) -> Finding | None:
        rows = self._rows[n]
        if rows < self.suspect_min_rows:
            return None
        agent = self._agents[n]
        if hits / rows > self.suspect_share:
            what = "代理人本人或其他代理人的电话"
        elif agent.phone is None and (top := self._top[n]) and top / rows > self.suspect_share:
            # No phone on file to compare with: one number on most clients says the same.
            hits, what = top, "同一个电话（代理人未登记手机，疑为代理人电话）"
        else:
            return None
        return Finding("agent-phones-suspect", agent.source, sheet=AGENT_SHEET,
                       value=f"{hits}/{rows} 行（{hits / rows:.0%}）", detail=what)

    def _labels(self, agents: Iterable[int]) -> str:
        return "、".join(dict.fromkeys(self._agents[o].label or self._agents[o].source for o in agents))


def apply_findings(book: Book, findings: Iterable[Finding]) -> list[Issue]:
    """Add the findings that belong to ``book`` as warnings; returns the issues added.

    Row findings also go on the record when the book still has its records (re-read for
    its workbook). Applying the same findings twice adds nothing the second time.
    """
    records: dict[tuple[str, int], Record] = {
        (r.sheet, r.row): r for r in (*book.closed, *book.prospects)
    }
    have = {(i.code, i.sheet, i.row, i.message) for i in book.issues}
    added = []
    for finding in findings:
        if finding.source != book.source:
            continue
        issue = finding.issue()
        key = (issue.code, issue.sheet, issue.row, issue.message)
        if key in have:
            continue
        have.add(key)
        book.issues.append(issue)
        if finding.row is not None and (rec := records.get((finding.sheet or "", finding.row))):
            rec.issues.append(issue)
        added.append(issue)
    if added:
        if book.status == "ok":
            book.status = "warnings"
        if isinstance(book.kpis.get("issues"), dict):
            book.kpis["issues"]["warning"] = book.kpis["issues"].get("warning", 0) + len(added)
    return added


def duplicate_agent_ids(books: Iterable[Book | AgentResult]) -> tuple[list[Finding], set[str]]:
    """Books (not failed) sharing one 工号: a ``duplicate-agent-id`` finding on each, and
    the sources that must stay out of the history store — all but the first in input
    order — since history is kept per 工号 and the two books would overwrite each other.
    """
    by_id: dict[str, list[str]] = defaultdict(list)
    for book in books:
        if book.status != "failed" and book.agent.agent_id:
            by_id[book.agent.agent_id].append(book.source)
    found: list[Finding] = []
    excluded: set[str] = set()
    for agent_id, sources in by_id.items():
        if len(sources) < 2:
            continue
        excluded.update(sources[1:])
        for source in sources:
            others = "、".join(s for s in sources if s != source)
            found.append(Finding("duplicate-agent-id", source, sheet=AGENT_SHEET, column="工号", value=agent_id,
                                 detail=others))
    return found, excluded


def branch_summary(findings: Iterable[Finding], *, agents: int | None = None) -> dict[str, Any]:
    """Counts for report.json totals and the data-quality dashboard; no client values.

    ``rows`` counts flagged client rows per code, ``agents`` books with any finding per
    code, and ``suspect_agents`` lists the books flagged as a whole (by source path).
    """
    rows: Counter[str] = Counter()
    books: dict[str, set[str]] = defaultdict(set)
    suspect = []
    for f in findings:
        books[f.code].add(f.source)
        if f.row is not None:
            rows[f.code] += 1
        elif f.code == "agent-phones-suspect":
            suspect.append({"source": f.source, "share": f.value})
    codes = sorted(set(rows) | set(books))
    summary: dict[str, Any] = {
        "rows": {c: rows[c] for c in codes if rows[c]},
        "agents": {c: len(books[c]) for c in codes},
        "agents_flagged": len(set().union(*books.values())) if books else 0,
        "suspect_agents": suspect,
    }
    if agents is not None:
        summary["agents_checked"] = agents
    return summary


# --- output names -----------------------------------------------------------------


def workbook_name(agent: AgentInfo, used: dict[str, str], *, source: str,
                  suffix: str = ".xlsx") -> tuple[str, list[Issue]]:
    """``<工号>_<姓名>.xlsx`` made safe and unique, plus warnings saying what changed.

    ``used`` maps every name given so far (casefolded) to the source that got it, so a
    clash names the other file. Sanitising a 工号/姓名 (``../``, ``/``, ``\\``, NUL,
    ``CON``) is an ``agent-name-sanitized`` warning on the 代理人 sheet; a clash is an
    ``output-name-collision`` warning and a numbered name, never an overwrite.

    >>> workbook_name(AgentInfo("A1", "张三"), {}, source="a.xlsx")
    ('A1_张三.xlsx', [])
    """
    changed: list[tuple[str, str]] = []  # (column, value as typed)
    parts = []
    for column, raw in (("工号", agent.agent_id), ("姓名", agent.name)):
        text = raw or ""
        clean = safe_filename(text, "") if text else ""
        clean = "" if clean == "_" and text != "_" else clean
        if clean != text:
            changed.append((column, text))
        if clean:
            parts.append(clean)
    base = safe_filename("_".join(parts), "agent")
    if parts and base != "_".join(parts) and not changed:  # the joined name had to be shortened
        changed.append(("工号", agent.agent_id))
    name, n = f"{base}{suffix}", 2
    while name.casefold() in used:
        name, n = f"{base}_{n}{suffix}", n + 1
    issues = [make_issue("agent-name-sanitized", file=source, sheet=AGENT_SHEET, column=column,
                         value=_visible(text), detail=name) for column, text in changed]
    if n > 2:
        issues.append(make_issue("output-name-collision", file=source, sheet=AGENT_SHEET, column="工号",
                                 value=name, detail=used.get(f"{base}{suffix}".casefold(), "")))
    used[name.casefold()] = source
    return name, issues


def _visible(text: str) -> str:
    """Control characters shown as ``\\x00`` so a warning can say what was removed."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
