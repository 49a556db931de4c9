"""The values that flow through the pipeline: raw sheets in, graded books out.

read → :class:`RawBook`; validate → :class:`Book` of :class:`Record`; classify fills each
record's grade, quadrant, actions and experiences; write turns a Book into files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from .issues import Issue, RowCount

if TYPE_CHECKING:  # only for annotations: these modules import this one
    from .referrals import Referrals

Status = Literal["ok", "warnings", "failed"]
STATUS_LABELS = {"ok": "通过", "warnings": "有问题", "failed": "无法使用"}


def status_label(status: str, errors: int) -> str:
    """A file's status in words: 通过, 有警告 (warnings only: the file passes), 有问题 (rows
    or the file have errors) or 无法使用. ``status`` "warnings" covers both middle cases."""
    if status == "warnings" and errors == 0:
        return "有警告"
    return STATUS_LABELS.get(status, status)


class IssueCounts(TypedDict):
    error: int
    warning: int


class Kpis(TypedDict, total=False):
    """One agent's figures, as report.json, the cache and the history store hold them.

    classify fills the first block; later stages add theirs. ``total=False``: a failed
    book has none, and a key is only there once its stage ran."""

    # classify.compute_kpis
    clients: int
    prospects: int
    policies: int
    premium: float
    single_premium: float
    grades_closed: dict[str, int]
    grades_prospect: dict[str, int]
    quadrants: dict[str, int]
    sources: dict[str, int]
    addon_clients: int
    referral_clients: int
    addon_rate: float | None
    referral_rate: float | None
    services: int
    issues: IssueCounts
    # enrich (referrals.Referrals.stats), segments.segment_book, plan.counts,
    # the pipeline's daily quota and activity.activity_kpis
    referrals: dict[str, Any]
    segments: dict[str, Any]
    calendar: dict[str, Any]
    quota: dict[str, int]
    activity: dict[str, Any]


@dataclass(frozen=True, order=True)
class MonthDay:
    """A birthday or anniversary known only by month and day (``3月12日``), or a lunar
    birthday as typed (``八月十五``, ``闰六月初十``: ``lunar``, and ``leap`` for 闰月)."""

    month: int
    day: int
    lunar: bool = False
    leap: bool = False

    def __str__(self) -> str:
        if self.lunar:  # reads back through parse_birthday unchanged
            return f"农历{'闰' if self.leap else ''}{self.month}月{self.day}日"
        return f"{self.month}月{self.day}日"


DateLike = date | MonthDay


@dataclass(frozen=True)
class CellNote:
    """What the reader saw in one cell that its value does not show: an Excel error
    (``#N/A``), a formula with no saved result, a CSV quote that swallowed lines."""

    row: int  # 1-based Excel row number
    col: int  # 0-based cell index (0 → A)
    code: str  # an issue code (generator.issues)
    value: str = ""
    detail: str = ""


@dataclass
class RawSheet:
    """One worksheet (or CSV file) as read: header row and data rows, untyped."""

    name: str  # canonical data-sheet name, e.g. "成交客户"
    title: str  # the worksheet's own name (or CSV file name)
    header_row: int  # 1-based Excel row number of the header
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (1-based Excel row number, cell values)
    notes: list[CellNote] = field(default_factory=list)


@dataclass
class RawBook:
    """Everything read from one agent's source (a workbook or a group of CSV files)."""

    path: Path  # the workbook, or the first CSV of the group
    display: str  # path shown to users, relative to the input folder
    stem: str  # file name without extension and sheet suffix ("1001_张三")
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    agent_kv: dict[str, Any] | None = None  # the 代理人 sheet, None when absent
    other_sheets: list[str] = field(default_factory=list)
    # Cells of the sheets a Pasture workbook is read back by (read.KEPT_SHEETS, 代理人).
    kept_sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    # A second worksheet of a kind already read (成交客户 (2)): not read, reported whole.
    extra_sheets: list[RawSheet] = field(default_factory=list)
    exact_names: dict[str, bool] = field(default_factory=dict)  # sheet read was named as the template
    issues: list[Issue] = field(default_factory=list)  # found while reading (file name, …)


@dataclass
class AgentInfo:
    agent_id: str
    name: str
    phone: str | None = None
    team: str | None = None
    branch: str | None = None


@dataclass
class Record:
    """One accepted data row with its parsed values and, after classify, its tier."""

    sheet: str
    row: int
    values: dict[str, Any]  # parsed values keyed by schema Column.key
    extra: dict[str, Any] = field(default_factory=dict)  # unknown columns, header → value
    issues: list[Issue] = field(default_factory=list)  # warnings on this row
    # Filled by classify:
    client_key: str = ""
    grade: str | None = None
    quadrant: str | None = None
    capability: str | None = None  # 高/低, given or derived
    trust: str | None = None
    derived: tuple[str, ...] = ()  # which of 资产能力/信赖程度 were derived
    actions: list[str] = field(default_factory=list)
    experiences: list[tuple[str, str]] = field(default_factory=list)  # (mark, item), ☆ first
    # Filled by cve.score_book (closed clients only; every policy row of a client alike):
    cve_score: float | None = None
    cve_rank: int | None = None
    # Filled by segments.segment_book (closed clients only): 高效/高贡献/一般/休眠客户.
    segment: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass
class Change:
    """A client whose grade or quadrant moved since the previous snapshot."""

    client_key: str
    name: str
    kind: str  # closed / prospect
    sheet: str
    row: int
    old_grade: str | None
    old_quadrant: str | None
    grade: str | None
    quadrant: str | None
    strategy: str  # the new quadrant's strategy (rules.quadrants.strategy)
    actions: list[str]  # the new grade's marketing actions

    @property
    def direction(self) -> str:
        """升级 / 降级 by grade letter (A is best), else 象限变化."""
        if self.old_grade and self.grade and self.old_grade != self.grade:
            return "升级" if self.grade < self.old_grade else "降级"
        return "象限变化"


@dataclass
class Book:
    """One agent's validated (and later classified) book."""

    source: str  # display path
    agent: AgentInfo
    status: Status = "ok"
    closed: list[Record] = field(default_factory=list)
    prospects: list[Record] = field(default_factory=list)
    services: list[Record] = field(default_factory=list)
    worklog: list[Record] = field(default_factory=list)  # the optional 工作日志 sheet
    issues: list[Issue] = field(default_factory=list)
    rows: dict[str, RowCount] = field(default_factory=dict)  # per sheet
    extra_headers: dict[str, list[str]] = field(default_factory=dict)  # unknown columns per sheet
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → column key → letter
    kpis: Kpis = field(default_factory=lambda: Kpis())
    output: str | None = None  # workbook path, relative to the output folder
    calendar_output: str | None = None  # .ics path, relative to the output folder
    # Filled by enrich.enrich_book; None means "not computed" and the sheet is left out.
    referrals: Referrals | None = None
    grade_changes: list[Change] | None = None  # since the agent's previous snapshot
    compared_with: date | None = None  # date of that previous snapshot (None: first run)
    # Folded ids and names on every client row read, accepted or rejected (set by validate),
    # so a 介绍人 whose own row was rejected is not reported a second time as unknown.
    known_clients: set[str] = field(default_factory=set)
    # One tuple per client for the history store (stable ids, no names), handed back in
    # AgentResult.history_rows: set by enrich.enrich_book.
    history_rows: list[tuple[Any, ...]] | None = None
    # JSON-ready per-agent partials for branch-level steps, copied into the AgentResult
    # (``phones`` → AgentResult.phones, ``campaign`` → AgentResult.campaign).
    extras: dict[str, Any] = field(default_factory=dict)
    # Filled by plan.plan_book: the dated service calendar (None: not planned) and the
    # prospects registered per day for the last 30 days, for the daily quota.
    tasks: list[Any] | None = None
    quota: list[tuple[date, int, int]] | None = None
    # Value segment per client_key (高效/高贡献/一般/休眠, issue 14): the 客户档案 column
    # 价值分层 shows it; empty until segments are computed.
    segments: dict[str, str] = field(default_factory=dict)
    # Seconds spent per stage (read, validate, classify, plan, workbook) for benchmarks.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def totals(self) -> RowCount:
        total = RowCount()
        for count in self.rows.values():
            total.add(count)
        return total


PhoneRow = tuple[Any, ...]  # one integrity.PhoneUse as a plain tuple (JSON- and pickle-friendly)
HistoryRow = tuple[Any, ...]  # one client of the history store (stable ids, no names)


@dataclass(frozen=True)
class AgentResult:
    """What one agent's worker hands back: the boundary between the per-agent stages
    and the branch-level ones (cache, branch index, history, report.json, branch.xlsx,
    site). It carries figures and paths, never client rows: the :class:`Book` stays in
    the worker, except in ``book`` when the run keeps records (``validate``, tests)."""

    source: str  # display path
    agent: AgentInfo
    status: Status
    rows: Mapping[str, RowCount]  # per sheet
    issues: tuple[Issue, ...]
    kpis: Kpis
    output: str | None = None  # workbook path (staging while running, then OUT-relative)
    calendar_output: str | None = None  # .ics path, likewise
    compared_with: date | None = None  # the previous snapshot compared with (None: first run)
    phones: tuple[PhoneRow, ...] = ()  # for the branch-level phone checks (parked in the index)
    campaign: dict[str, Any] | None = None  # campaign.CampaignPartial.to_dict()
    history_rows: tuple[HistoryRow, ...] | None = None  # parked in the index until history is written
    timings: Mapping[str, float] = field(default_factory=dict)
    book: Book | None = None  # the whole book, only when the run keeps records

    @classmethod
    def of(cls, book: Book, *, keep: bool = False) -> AgentResult:
        """The result of a finished book; ``keep`` holds on to the book itself."""
        return cls(
            source=book.source, agent=book.agent, status=book.status, rows=dict(book.rows),
            issues=tuple(book.issues), kpis=book.kpis, output=book.output, calendar_output=book.calendar_output,
            compared_with=book.compared_with, phones=tuple(tuple(p) for p in book.extras.get("phones") or ()),
            campaign=book.extras.get("campaign"),
            history_rows=None if book.history_rows is None else tuple(book.history_rows),
            timings=dict(book.timings), book=book if keep else None)

    @property
    def totals(self) -> RowCount:
        total = RowCount()
        for count in self.rows.values():
            total.add(count)
        return total

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data for the cache: no phones or history rows (the branch index
        keeps those), no book."""
        return {
            "source": self.source, "agent": vars(self.agent), "status": self.status,
            "issues": [i.to_dict() for i in self.issues], "rows": {k: v.to_dict() for k, v in self.rows.items()},
            "kpis": self.kpis, "output": self.output, "calendar_output": self.calendar_output,
            "compared_with": self.compared_with.isoformat() if self.compared_with else None,
            "campaign": self.campaign,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgentResult:
        compared = data.get("compared_with")
        return cls(
            source=data["source"], agent=AgentInfo(**data["agent"]), status=data["status"],
            rows={k: RowCount(**v) for k, v in data["rows"].items()}, issues=tuple(Issue(**i) for i in data["issues"]),
            kpis=data["kpis"], output=data["output"], calendar_output=data.get("calendar_output"),
            compared_with=date.fromisoformat(compared) if compared else None, campaign=data.get("campaign"))


@dataclass
class RunResult:
    """What a validate or build run produced: one entry per source, plus totals."""

    agents: list[AgentResult]
    today: date
    out_dir: Path | None = None
    # Branch-level files (survey, complaints): {"path", "kind", "status", "rows", "issues"}.
    branch_files: list[dict[str, Any]] = field(default_factory=list)
    # Cross-agent data-integrity counts (generator.integrity.branch_summary), build only.
    integrity: dict[str, Any] | None = None
    # Problems publishing the site (site-page-failed, site-build-failed), build only.
    site_issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every row of every file was accepted and the site was published whole,
        1 when anything was rejected or a page could not be built, 4 when a file failed on
        an internal error (a bug; see :mod:`generator.exits`)."""
        if any(i.code == "internal-error" for b in self.agents for i in b.issues):
            return 4
        if any(i["severity"] == "error" for i in self.site_issues):
            return 1
        for b in self.agents:
            if b.status == "failed" or b.totals.rejected:
                return 1
        for f in self.branch_files:
            if f["status"] == "failed" or f["rows"]["rejected"]:
                return 1
        return 0


def report_dict(result: RunResult) -> dict[str, Any]:
    """The run as plain data: what report.json and `--json` print."""
    files = []
    totals = RowCount()
    by_code: dict[str, int] = {}
    status_count = {"ok": 0, "warnings": 0, "failed": 0}
    severity = {"error": 0, "warning": 0}
    for book in result.agents:
        rows = book.totals
        totals.add(rows)
        status_count[book.status] += 1
        for issue in book.issues:  # a summary issue stands for `count` of them
            by_code[issue.code] = by_code.get(issue.code, 0) + issue.count
            severity[issue.severity] += issue.count
        files.append({
            "path": book.source,
            "agent_id": book.agent.agent_id,
            "agent_name": book.agent.name,
            "team": book.agent.team,
            "branch": book.agent.branch,
            "status": book.status,
            "rows": rows.to_dict(),
            "sheets": {name: count.to_dict() for name, count in book.rows.items()},
            "workbook": book.output,
            "calendar": book.calendar_output,
            "kpis": book.kpis,
            "issues": [
                {k: v for k, v in issue.to_dict().items() if k != "file"} for issue in book.issues
            ],
        })
    for entry in result.branch_files:
        totals.add(RowCount(**entry["rows"]))
        status_count[entry["status"]] += 1
        for issue in entry["issues"]:
            by_code[issue["code"]] = by_code.get(issue["code"], 0) + 1
            severity[issue["severity"]] += 1
    return {
        "today": result.today.isoformat(),
        "files": files,
        "branch_files": result.branch_files,
        "totals": {
            "files": len(result.agents) + len(result.branch_files),
            **status_count,
            "rows": totals.to_dict(),
            "issues": severity,
            "by_code": dict(sorted(by_code.items())),
        },
        "integrity": result.integrity,
        "site_issues": result.site_issues,
        "exit_code": result.exit_code,
    }
