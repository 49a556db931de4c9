"""The branch's complaints log: read it, and follow every complaint to a closed answer.

A complaints workbook has a sheet ``投诉记录``, one row per complaint: 投诉日期, 工号 of
the agent concerned, 投诉类别 (from ``rules.complaints.categories``), 投诉内容, 处理状态
(处理中 / 已结案), 首次回应日期 (optional) and 结案日期. Problems are issues like the agent books' (file, sheet,
Excel row, column, code), and read = accepted + rejected.

The description (投诉内容) may name the client, so it is read for nothing: it is not
kept on the :class:`Complaint`, and no output can show it.

Two clocks run on every complaint, both rules data: the first response
(``rules.complaints.first_response_days``; the standard asks for the same day or the
next) and the closure (``open_limit_days``). An open complaint is overdue on either.
A closing date counts as a response when no response date was written.

    >>> from datetime import date
    >>> from generator.rules import load_rules
    >>> data = read_complaints(Path("sample_data/branch/投诉记录.xlsx"), load_rules(), date(2026, 11, 23))  # doctest: +SKIP
    >>> analyse_complaints(data, load_rules(), date(2026, 11, 23)).open_by_age              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from .issues import Issue, RowCount, make_issue
from .parse import ValueProblem, clean_text, is_blank, parse_date
from .rules import Rules
from .schema import Column, Sheet, header_index, normalize_header
from .sheet_reader import BRANCH_TOTAL_WORDS, ColumnMap, DataRow, RowTally, data_rows, find_header_row, totals_word
from .survey import COMPLAINTS_SHEET, finish_status, read_branch_sheet
from .zipguard import UnreadableFile

__all__ = [
    "COMPLAINTS", "STATUSES", "OPEN", "CLOSED", "NO_TEAM",
    "Complaint", "ComplaintsData", "Overdue", "ComplaintsAnalysis",
    "read_complaints", "analyse_complaints", "age_labels", "response_window", "overdue_title",
]

OPEN, CLOSED = "处理中", "已结案"
STATUSES: dict[str, tuple[str, ...]] = {
    OPEN: ("未结案", "跟进中", "处理", "未处理", "待处理", "open", "pending"),
    CLOSED: ("结案", "已处理", "已解决", "已完成", "完成", "closed", "done"),
}
_STATUS_BY_WORD = {normalize_header(w): canon for canon, syn in STATUSES.items() for w in (canon, *syn)}
NO_TEAM = "未分组"

# The input contract of the log, in the schema's terms (kinds are parsed here, not by
# validate.py, because the category vocabulary lives under ``complaints`` in the rules).
COMPLAINTS = Sheet(
    COMPLAINTS_SHEET,
    (
        Column("date", "投诉日期", "date", True, ("日期", "受理日期", "登记日期", "date"), not_future=True,
               hint="例如 2026-11-02", width=12),
        Column("agent_id", "工号", "text", True, ("代理人工号", "被投诉人工号", "代理人", "agent id"),
                hint="被投诉代理人的工号", width=10),
        Column("category", "投诉类别", "choice", True, ("类别", "投诉类型", "类型", "category"),
               hint="业务本身 / 人员-迟到 / 人员-态度 / 人员-技能 / 其他", width=12),
        Column("description", "投诉内容", "text", False, ("内容", "投诉描述", "描述", "description"),
               hint="简要描述；不会出现在任何报表中", width=40),
        Column("status", "处理状态", "choice", False, ("状态", "status"),
               hint="处理中 / 已结案；不填时有结案日期即视为已结案", width=10),
        Column("responded", "首次回应日期", "date", False,
               ("回应日期", "首次答复日期", "首次联系日期", "first response"), not_future=True,
               hint="第一次联系投诉客户的日期", width=12),
        Column("closed", "结案日期", "date", False, ("结案时间", "办结日期", "closed date"), not_future=True,
               hint="已结案时填写", width=12),
    ),
)


@dataclass(frozen=True)
class Complaint:
    """One accepted complaint — without its description."""

    row: int
    date: _dt.date
    agent_id: str
    category: str
    status: str  # 处理中 / 已结案
    closed: _dt.date | None = None
    responded: _dt.date | None = None  # first response, when written

    @property
    def days_to_close(self) -> int | None:
        return (self.closed - self.date).days if self.closed else None

    @property
    def first_response(self) -> _dt.date | None:
        """The response date, else the closing date (closing answers the client too)."""
        return self.responded or self.closed


@dataclass
class ComplaintsData:
    source: str
    sheet: str = COMPLAINTS_SHEET
    complaints: list[Complaint] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows: RowCount = field(default_factory=RowCount)
    status: Literal["ok", "warnings", "failed"] = "ok"


def _category_lookup(rules: Rules) -> dict[str, str]:
    out: dict[str, str] = {}
    for canon, synonyms in rules.complaints.categories.items():
        for w in (canon, *(synonyms or [])):
            out.setdefault(normalize_header(w), canon)
    return out


def read_complaints(
    path: Path, rules: Rules, today: date, *, agents: Mapping[str, Any] | None = None,
    display: str | None = None,
) -> ComplaintsData:
    """Read a complaints log; never raises for bad input (a ``failed`` result instead).

    ``agents`` (工号 → anything, e.g. the team) enables the ``unknown-agent`` warning
    for a 工号 no submitted agent book has.
    """
    path = Path(path)
    data = ComplaintsData(source=display or path.name)
    try:
        _, rows = read_branch_sheet(path, "complaints")
    except UnreadableFile as exc:
        data.issues.append(make_issue(exc.code, file=data.source, detail=exc.detail))
        data.status = "failed"
        return data
    index = header_index(COMPLAINTS)
    at = find_header_row(rows, lambda v: normalize_header(v) in index)
    sheet = COMPLAINTS.name
    columns = ColumnMap(sheet, (at or 0) + 1, index, data.issues)
    positions = columns.positions
    if at is not None:
        for i, text in enumerate(clean_text(cell) for cell in rows[at]):
            if text is not None:
                columns.add(i, text)
    if columns.missing(COMPLAINTS.required) or at is None:
        finish_status(data)
        return data

    categories = _category_lookup(rules)
    known_agents = {normalize_header(a) for a in agents} if agents is not None else None
    tally = RowTally(sheet, data.issues, data.rows)
    for row_no, cells in data_rows(rows, at):
        row = tally.start(row_no, cells)

        def report(code: str, key: str | None, value: Any = "", detail: str = "", row: DataRow = row) -> None:
            row.report(code, column=COMPLAINTS.column(key).name if key else None,
                       pos=positions.get(key) if key else None, value=value, detail=detail)

        def cell(key: str, row: DataRow = row) -> Any:
            return row.cell(positions.get(key))

        word = totals_word(cells, BRANCH_TOTAL_WORDS, skip=positions.get("description"))
        values: dict[str, Any] = {}
        if word:
            report("totals-row", None, value=word)
        else:
            for col in COMPLAINTS.columns:
                if col.key == "description":
                    continue  # never parsed, never kept
                raw = cell(col.key)
                if is_blank(raw):
                    if col.required:
                        report("missing-required", col.key)
                    values[col.key] = None
                    continue
                try:
                    values[col.key] = _convert(col, raw, categories, rules, today)
                except ValueProblem as p:
                    code = p.code if col.required else "optional-value-dropped"
                    report(code, col.key, value=raw, detail=p.detail)
                    values[col.key] = None
            opened, closed = values.get("date"), values.get("closed")
            if opened and closed and closed < opened:
                report("closed-before-opened", "closed", value=closed.isoformat(), detail=opened.isoformat())
                values["closed"] = None
            responded = values.get("responded")
            if opened and responded and responded < opened:
                report("optional-value-dropped", "responded", value=responded.isoformat(),
                       detail=f"早于投诉日期 {opened.isoformat()}")
                values["responded"] = None
            status = values.get("status") or (CLOSED if values.get("closed") else OPEN)
            values["status"] = status
            if status == CLOSED and not values.get("closed") and not any(
                    i.code == "closed-before-opened" for i in row.issues):
                report("closed-without-date", "closed")
            if status == OPEN and values.get("closed"):
                values["status"] = status = CLOSED  # a closing date settles it
            agent = values.get("agent_id")
            if agent and known_agents is not None and normalize_header(agent) not in known_agents:
                report("unknown-agent", "agent_id", value=agent)
        if not tally.settle(row, totals=word):
            continue
        data.complaints.append(Complaint(
            row=row_no, date=values["date"], agent_id=values["agent_id"], category=values["category"],
            status=values["status"], closed=values.get("closed"), responded=values.get("responded")))
    finish_status(data)
    return data


def _convert(col: Column, raw: Any, categories: dict[str, str], rules: Rules, today: date) -> Any:
    if col.kind == "date":
        value = parse_date(raw)
        if value > today:
            raise ValueProblem("future-date", today.isoformat())
        return value
    text = clean_text(raw) or ""
    if col.key == "category":
        canon = categories.get(normalize_header(text))
        if canon is None:
            raise ValueProblem("invalid-choice", "、".join(rules.complaints.categories))
        return canon
    if col.key == "status":
        canon = _STATUS_BY_WORD.get(normalize_header(text))
        if canon is None:
            raise ValueProblem("invalid-choice", "、".join(STATUSES))
        return canon
    # 工号: digits typed into a number cell come back as 1001.0; clean_text drops the .0.
    return text


# ---------------------------------------------------------------------------- analysis


NO_RESPONSE, NOT_CLOSED = "未及时回应", "超期未结案"


def overdue_title(a: "ComplaintsAnalysis") -> str:
    """The overdue list's heading, naming both clocks."""
    return (f"逾期的投诉（{response_window(a.first_response_days)}未回应，"
            f"或超过 {a.open_limit_days} 天未结案）")


def response_window(days: int) -> str:
    """How the response clock reads: 0 → 当天, 1 → 当天或第二天, n → n 天内."""
    return {0: "当天", 1: "当天或第二天"}.get(days, f"{days} 天内")


@dataclass(frozen=True)
class Overdue:
    """An open complaint past either clock: where to chase it — no content."""

    row: int
    date: date
    agent_id: str
    team: str
    category: str
    age_days: int
    reasons: tuple[str, ...] = (NOT_CLOSED,)  # 未及时回应 and/or 超期未结案


@dataclass
class ComplaintsAnalysis:
    total: int
    open: int
    closed: int
    open_by_age: dict[str, int]  # age bucket label → open complaints
    mean_days_to_close: float | None
    median_days_to_close: float | None
    by_category: dict[str, int]
    by_team: dict[str, dict[str, int]]  # team → category → complaints
    overdue: list[Overdue]  # oldest first
    open_limit_days: int
    first_response_days: int = 1
    responded_in_time: int = 0  # first response (or closure) within the response clock
    responded_late: int = 0  # first response after it
    awaiting_response: int = 0  # open, no response yet, past the response clock

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "open": self.open, "closed": self.closed,
            "open_by_age": self.open_by_age, "mean_days_to_close": self.mean_days_to_close,
            "median_days_to_close": self.median_days_to_close, "by_category": self.by_category,
            "by_team": self.by_team, "open_limit_days": self.open_limit_days,
            "first_response_days": self.first_response_days, "responded_in_time": self.responded_in_time,
            "responded_late": self.responded_late, "awaiting_response": self.awaiting_response,
            "overdue": [{"row": o.row, "date": o.date.isoformat(), "agent_id": o.agent_id, "team": o.team,
                         "category": o.category, "age_days": o.age_days, "reasons": list(o.reasons)}
                        for o in self.overdue],
        }


def age_labels(buckets: list[int]) -> list[str]:
    """``[7, 30]`` → ``["0–7 天", "8–30 天", "30 天以上"]``."""
    labels, low = [], 0
    for b in buckets:
        labels.append(f"{low}–{b} 天")
        low = b + 1
    labels.append(f"{buckets[-1]} 天以上" if buckets else "全部")
    return labels


def _bucket(age: int, buckets: list[int], labels: list[str]) -> str:
    for b, label in zip(buckets, labels):
        if age <= b:
            return label
    return labels[-1]


def analyse_complaints(
    data: ComplaintsData, rules: Rules, today: date, teams: Mapping[str, str | None] | None = None,
) -> ComplaintsAnalysis:
    """Open complaints by age, time to close, both clocks, categories by team, overdue list.

    ``teams`` maps 工号 → team (from the agents' books); an unknown 工号 counts under
    ``未分组``. Age is ``today − 投诉日期`` in days; time to close is ``结案日期 − 投诉日期``.
    An open complaint is overdue when it has no response and its age is past
    ``first_response_days``, or when its age is past ``open_limit_days``.
    """
    cfg = rules.complaints
    team_of = {normalize_header(k): v for k, v in (teams or {}).items()}
    labels = age_labels(cfg.age_buckets_days)
    open_by_age = {label: 0 for label in labels}
    by_category = {c: 0 for c in cfg.categories}
    by_team: dict[str, dict[str, int]] = {}
    durations: list[int] = []
    overdue: list[Overdue] = []
    n_open = in_time = late = awaiting = 0
    for c in data.complaints:
        team = team_of.get(normalize_header(c.agent_id)) or NO_TEAM
        by_category[c.category] = by_category.get(c.category, 0) + 1
        row = by_team.setdefault(team, {k: 0 for k in cfg.categories})
        row[c.category] = row.get(c.category, 0) + 1
        first = c.first_response
        if first is not None:
            if (first - c.date).days <= cfg.first_response_days:
                in_time += 1
            else:
                late += 1
        if c.status == CLOSED:
            if c.days_to_close is not None:
                durations.append(c.days_to_close)
            continue
        n_open += 1
        age = (today - c.date).days
        open_by_age[_bucket(age, cfg.age_buckets_days, labels)] += 1
        reasons = []
        if first is None and age > cfg.first_response_days:
            awaiting += 1
            reasons.append(NO_RESPONSE)
        if age > cfg.open_limit_days:
            reasons.append(NOT_CLOSED)
        if reasons:
            overdue.append(Overdue(c.row, c.date, c.agent_id, team, c.category, age, tuple(reasons)))
    overdue.sort(key=lambda o: (-o.age_days, o.row))
    return ComplaintsAnalysis(
        total=len(data.complaints), open=n_open, closed=len(data.complaints) - n_open, open_by_age=open_by_age,
        mean_days_to_close=round(statistics.fmean(durations), 2) if durations else None,
        median_days_to_close=float(statistics.median(durations)) if durations else None,
        by_category=by_category, by_team=dict(sorted(by_team.items())), overdue=overdue,
        open_limit_days=cfg.open_limit_days, first_response_days=cfg.first_response_days,
        responded_in_time=in_time, responded_late=late, awaiting_response=awaiting)
