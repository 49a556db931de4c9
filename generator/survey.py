"""The branch's satisfaction survey: read the answers, rank what to fix first.

A survey workbook has a sheet ``满意度调查`` with one row per respondent and, for every
service attribute, two score columns ``<项目>·重要度`` and ``<项目>·满意度`` (1–5). Where
the survey also asked the Kano pair, ``<项目>·具备时`` and ``<项目>·不具备时`` hold the
answers 喜欢 / 理应如此 / 无所谓 / 能忍受 / 不喜欢.

Reading follows the agent books: every problem is an :class:`~generator.issues.Issue`
with file, sheet, Excel row and column, and the accounting balances (read = accepted +
rejected). A bad score (0, 6, 3.5, "很好") or an unknown Kano answer is an *error*, so
the respondent's row is rejected, just as an agent-book row with a bad cell is: keeping
half a respondent would make the attributes' respondent counts disagree silently. A
blank cell is "not answered" and no problem.

    >>> from generator.rules import load_rules
    >>> data = read_survey(Path("sample_data/branch/满意度调查.xlsx"), load_rules())  # doctest: +SKIP
    >>> [a.attribute for a in analyse_survey(data, load_rules()).ranked][:2]         # doctest: +SKIP

Analysis per attribute (:func:`analyse_survey`): mean importance and satisfaction over
the respondents who scored both, the gap as the standard's comparison table defines it
(satisfaction − importance, so 理赔及时 4.2 / 2.1 gives −2.1), a priority rank (the most
negative gap first, then importance descending), the quadrant of the importance ×
satisfaction grid, and the Kano class (the most frequent class of the standard
evaluation table, named as the standard names the three it defines).
"""

from __future__ import annotations

import html
import re
import zipfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from .issues import Issue, RowCount, make_issue
from .parse import ValueProblem, clean_text, is_blank
from .rules import Rules
from .schema import column_letter, normalize_header
from .sheet_reader import BRANCH_TOTAL_WORDS, DataRow, RowTally, data_rows, find_header_row, totals_word
from .sources import EXCEL_SUFFIXES
from .xlsx_open import calamine_workbook, open_xlsx, sheet_cells
from .zipguard import UnreadableFile

__all__ = [
    "SURVEY_SHEET", "COMPLAINTS_SHEET", "BRANCH_ISSUE_CODES", "BranchKind", "branch_file_kind",
    "SCORE_PARTS", "KANO_PARTS", "KANO_ANSWERS", "KANO_TABLE", "KANO_CLASSES", "QUADRANTS", "GAP_RULE",
    "Response", "SurveyData", "AttributeResult", "SurveyAnalysis",
    "parse_score", "parse_kano_answer", "kano_class", "read_survey", "analyse_survey",
]

SURVEY_SHEET = "满意度调查"
COMPLAINTS_SHEET = "投诉记录"
BranchKind = Literal["survey", "complaints"]
_KIND_SHEETS: dict[str, tuple[str, ...]] = {
    "survey": (SURVEY_SHEET, "满意度调查表", "客户满意度调查", "满意度问卷", "survey"),
    "complaints": (COMPLAINTS_SHEET, "投诉记录表", "投诉登记", "客户投诉", "投诉", "complaints"),
}

# Column suffixes: (importance, satisfaction) and (functional, dysfunctional).
SCORE_PARTS = ("重要度", "满意度")
KANO_PARTS = ("具备时", "不具备时")
SEPARATOR = "·"
_PART_SYNONYMS = {
    "重要度": ("重要度", "重要性", "重要程度", "importance"),
    "满意度": ("满意度", "满意程度", "satisfaction"),
    "具备时": ("具备时", "提供时", "有时", "functional"),
    "不具备时": ("不具备时", "不提供时", "没有时", "dysfunctional"),
}
_PART_BY_WORD = {normalize_header(w): part for part, words in _PART_SYNONYMS.items() for w in words}
_HEADER = re.compile(
    r"^(?P<attr>.+?)[·・•‧\-_:/|.]*(?P<part>" + "|".join(
        sorted((re.escape(w) for w in _PART_BY_WORD), key=len, reverse=True)) + r")$")
# Respondent columns the analysis does not use (and never outputs).
_META = {normalize_header(w) for w in (
    "序号", "编号", "受访者", "受访者编号", "客户编号", "问卷编号", "调查日期", "日期", "渠道", "网点", "备注")}

# The Kano questionnaire's five answers (canonical → synonyms).
KANO_ANSWERS: dict[str, tuple[str, ...]] = {
    "喜欢": ("很喜欢", "非常喜欢", "满意", "like"),
    "理应如此": ("理所当然", "应该的", "本该如此", "必须的", "must-be", "expect"),
    "无所谓": ("中立", "都可以", "neutral"),
    "能忍受": ("可以忍受", "勉强接受", "能接受", "live with", "tolerate"),
    "不喜欢": ("讨厌", "很不喜欢", "不满意", "dislike"),
}
_KANO_BY_WORD = {normalize_header(w): canon for canon, syn in KANO_ANSWERS.items() for w in (canon, *syn)}
# The standard Kano evaluation table: functional answer (row) × dysfunctional (column).
# A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.
_ORDER = tuple(KANO_ANSWERS)
KANO_TABLE: dict[tuple[str, str], str] = {
    (f, d): cls
    for f, row in zip(_ORDER, ("QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"))
    for d, cls in zip(_ORDER, row)
}
# M/O/A carry the standard's own names; I/R/Q are the questionnaire's other outcomes.
KANO_CLASSES: dict[str, str] = {
    "M": "当然质量", "O": "期望质量", "A": "迷人质量", "I": "无差异型", "R": "反向型", "Q": "可疑回答",
}
# How the gap is computed and read; the branch workbook and the survey page both print it.
GAP_RULE = "差距 = 满意度 − 重要度：满意度低于重要度时差距为负，负得越多越要优先改进"
# Ties between equally frequent classes go to the class that matters most to get right.
_KANO_TIE = "MOAIRQ"

# Grid quadrants: (importance high?, satisfaction high?) → label.
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, False): "优先改进",
    (True, True): "继续保持",
    (False, False): "次要改进",
    (False, True): "可能过度投入",
}

# Issue codes only the branch files (survey, complaints log) produce.
BRANCH_ISSUE_CODES = frozenset({"invalid-score", "invalid-kano-answer", "unpaired-score-column",
                                "closed-before-opened", "closed-without-date", "unknown-agent"})


# ---------------------------------------------------------------------------- discovery


def branch_file_kind(path: Path) -> BranchKind | None:
    """``"survey"`` or ``"complaints"`` when a workbook is a branch file, else None.

    Cheap: only the sheet names are read (no cells), so discovery can call it on every
    workbook. A file that cannot be opened is None here; the agent-book reader then
    reports it as usual.
    """
    path = Path(path)
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return None
    names = _sheet_names(path)
    if names is None:
        try:
            wb = calamine_workbook(path)
        except Exception:  # broken or not a workbook: not ours to judge
            return None
        names = wb.sheet_names
        wb.close()
    folded = {normalize_header(n) for n in names}
    for kind, aliases in _KIND_SHEETS.items():
        if folded & {normalize_header(a) for a in aliases}:
            return kind  # type: ignore[return-value]
    return None


_SHEET_NAME = re.compile(rb"""<(?:\w+:)?sheet\b[^>]*?\bname=(?:"([^"]*)"|'([^']*)')""")
_WORKBOOK_PART_MAX = 2 << 20


def _sheet_names(path: Path) -> list[str] | None:
    """Sheet names straight from ``xl/workbook.xml`` (~0.15 ms against ~2 ms for opening
    the workbook with calamine, which discovery pays for every agent); None when the
    file is not laid out the usual way, so the caller asks calamine instead."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > _WORKBOOK_PART_MAX:
                return None
            data = archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, NotImplementedError):
        return None
    names = [html.unescape((a or b).decode("utf-8", "replace")) for a, b in _SHEET_NAME.findall(data)]
    return names or None


def read_branch_sheet(path: Path, kind: BranchKind) -> tuple[str, list[list[Any]]]:
    """(worksheet title, cells) of a branch file's data sheet; raises UnreadableFile.

    Opened like an agent book (:func:`generator.xlsx_open.open_xlsx`): same guards, same
    messages for a file we cannot read, names that are not UTF-8 read, the file closed."""
    path = Path(path)
    with open_xlsx(path) as (wb, _):
        wanted = {normalize_header(a) for a in _KIND_SHEETS[kind]}
        title = next((t for t in wb.sheet_names if normalize_header(t) in wanted), None)
        if title is None:
            raise UnreadableFile("no-data-sheets", "、".join(wb.sheet_names) or "无")
        return title, sheet_cells(wb, title)


# ---------------------------------------------------------------------------- values


def parse_score(value: Any) -> int:
    """A 1–5 score: ``4``, ``4.0``, ``"4"``, ``"４分"``; else :class:`ValueProblem`.

    >>> parse_score("4分"), parse_score(5.0)
    (4, 5)
    """
    if value is None or isinstance(value, bool):
        raise ValueProblem("invalid-score", "不是数字")
    if isinstance(value, (int, float)):
        number: float = value
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("分").strip()
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text, re.ASCII):
            raise ValueProblem("invalid-score", "不是数字，请填 1–5 的分数")
        number = float(text)
    else:
        raise ValueProblem("invalid-score", "不是数字")
    if number != number or number in (float("inf"), float("-inf")) or not float(number).is_integer():
        raise ValueProblem("invalid-score", "必须是整数")
    if not 1 <= number <= 5:
        raise ValueProblem("invalid-score", "应在 1–5 之间")
    return int(number)


def parse_kano_answer(value: Any) -> str:
    """One of the five Kano answers (synonyms accepted)."""
    canon = _KANO_BY_WORD.get(normalize_header(clean_text(value) or ""))
    if canon is None:
        raise ValueProblem("invalid-kano-answer", " / ".join(KANO_ANSWERS))
    return canon


def kano_class(functional: str, dysfunctional: str) -> str:
    """The evaluation table's class for one answer pair.

    >>> kano_class("喜欢", "不喜欢"), kano_class("理应如此", "不喜欢"), kano_class("喜欢", "无所谓")
    ('O', 'M', 'A')
    """
    return KANO_TABLE[(functional, dysfunctional)]


# ---------------------------------------------------------------------------- reading


@dataclass
class Response:
    """One accepted respondent: scores and Kano answers per attribute (no identity)."""

    row: int
    scores: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # (重要度, 满意度)
    kano: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # (具备时, 不具备时)


@dataclass
class SurveyData:
    """What :func:`read_survey` found: accepted responses, issues and row accounting."""

    source: str  # the file's display name
    sheet: str
    attributes: list[str] = field(default_factory=list)  # with both score columns, in column order
    kano_attributes: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows: RowCount = field(default_factory=RowCount)
    status: Literal["ok", "warnings", "failed"] = "ok"


def _split_header(text: str) -> tuple[str, str] | None:
    """``"理赔及时·满意度"`` → ("理赔及时", "满意度")."""
    folded = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    m = _HEADER.match(folded) or _HEADER.match(folded.lower())
    if not m:
        return None
    return m["attr"].strip("·・•‧-_:/|."), _PART_BY_WORD[normalize_header(m["part"])]


def read_survey(path: Path, rules: Rules, *, display: str | None = None) -> SurveyData:
    """Read a survey workbook; never raises for bad input (a ``failed`` result instead).

    Attributes are the column pairs found in the header; a name matching one in
    ``rules.survey.attributes`` (ignoring spaces and width) takes the rules' spelling.
    """
    path = Path(path)
    data = SurveyData(source=display or path.name, sheet=SURVEY_SHEET)
    try:
        title, rows = read_branch_sheet(path, "survey")
    except UnreadableFile as exc:
        data.issues.append(make_issue(exc.code, file=data.source, detail=exc.detail))
        data.status = "failed"
        return data
    canonical = {normalize_header(a): a for a in rules.survey.attributes}
    at = find_header_row(rows, lambda v: isinstance(v, str) and _split_header(v) is not None)
    issues = data.issues
    if at is None:
        issues.append(make_issue("missing-column", sheet=SURVEY_SHEET, row=1,
                                 column=f"〈服务项目〉{SEPARATOR}重要度 / 〈服务项目〉{SEPARATOR}满意度"))
        finish_status(data)
        return data
    header_row = at + 1
    # attribute → part → cell index
    found: dict[str, dict[str, int]] = {}
    header_text: dict[tuple[str, str], str] = {}
    for i, cell in enumerate(rows[at]):
        text = clean_text(cell)
        if text is None:
            continue
        split = _split_header(text)
        if split is None:
            if normalize_header(text) not in _META:
                issues.append(make_issue("unknown-column", sheet=SURVEY_SHEET, row=header_row,
                                         column_letter=column_letter(i), column=text, value=text))
            continue
        attr, part = split
        attr = canonical.get(normalize_header(attr), attr)
        parts = found.setdefault(attr, {})
        if part in parts:
            issues.append(make_issue("duplicate-column", sheet=SURVEY_SHEET, row=header_row,
                                     column_letter=column_letter(i), column=text))
            continue
        parts[part] = i
        header_text[(attr, part)] = text
    for attr, parts in found.items():
        for both in (SCORE_PARTS, KANO_PARTS):
            have = [p for p in both if p in parts]
            if len(have) == 1:
                missing = next(p for p in both if p not in parts)
                i = parts[have[0]]
                issues.append(make_issue(
                    "unpaired-score-column", sheet=SURVEY_SHEET, row=header_row, column_letter=column_letter(i),
                    column=header_text[(attr, have[0])], detail=f"{attr}{SEPARATOR}{missing}"))
                del parts[have[0]]
    data.attributes = [a for a, p in found.items() if all(x in p for x in SCORE_PARTS)]
    data.kano_attributes = [a for a, p in found.items() if all(x in p for x in KANO_PARTS)]
    if not data.attributes and not data.kano_attributes:
        issues.append(make_issue("missing-column", sheet=SURVEY_SHEET, row=header_row,
                                 column=f"〈服务项目〉{SEPARATOR}重要度 / 〈服务项目〉{SEPARATOR}满意度"))
        finish_status(data)
        return data

    tally = RowTally(SURVEY_SHEET, issues, data.rows)
    for row_no, cells in data_rows(rows, at):
        row = tally.start(row_no, cells)

        def report(code: str, i: int | None, column: str | None, value: Any = "", detail: str = "",
                   row: DataRow = row) -> None:
            row.report(code, column=column, pos=i, value=value, detail=detail)

        resp = Response(row=row_no)
        word = totals_word(cells, BRANCH_TOTAL_WORDS)
        if word:
            report("totals-row", None, None, value=word)
        else:
            answered = 0
            for attr in data.attributes:
                scores: list[int | None] = []
                for part in SCORE_PARTS:
                    i = found[attr][part]
                    v = row.cell(i)
                    score = None
                    if not is_blank(v):
                        try:
                            score = parse_score(v)
                            answered += 1
                        except ValueProblem as p:
                            report(p.code, i, header_text[(attr, part)], value=v, detail=p.detail)
                    scores.append(score)
                resp.scores[attr] = (scores[0], scores[1])
            for attr in data.kano_attributes:
                answers: list[str | None] = []
                for part in KANO_PARTS:
                    i = found[attr][part]
                    v = row.cell(i)
                    answer = None
                    if not is_blank(v):
                        try:
                            answer = parse_kano_answer(v)
                            answered += 1
                        except ValueProblem as p:
                            report(p.code, i, header_text[(attr, part)], value=v, detail=p.detail)
                    answers.append(answer)
                resp.kano[attr] = (answers[0], answers[1])
            if not answered and not row.issues:
                report("missing-required", None, "评分")
        if tally.settle(row, totals=word):
            data.responses.append(resp)
    finish_status(data)
    return data


def finish_status(data: Any) -> None:
    """Stamp the file on every issue and set the status (survey and complaints alike)."""
    for issue in data.issues:
        issue.file = data.source
    if any(i.code == "missing-column" for i in data.issues):
        data.status = "failed"
    else:
        data.status = "warnings" if data.issues else "ok"


# ---------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class AttributeResult:
    """One attribute's line of the analysis."""

    attribute: str
    respondents: int  # respondents who scored both importance and satisfaction
    importance: float
    satisfaction: float
    gap: float  # satisfaction − importance (negative: falls short of what clients expect)
    rank: int  # 1 = fix first (most negative gap)
    quadrant: str
    kano: str | None = None  # class letter (A/O/M/I/R/Q), None without Kano answers
    kano_counts: dict[str, int] = field(default_factory=dict)

    @property
    def kano_name(self) -> str:
        return KANO_CLASSES.get(self.kano or "", "")


@dataclass
class SurveyAnalysis:
    ranked: list[AttributeResult]  # by rank
    importance_split: float  # the grid's thresholds actually used
    satisfaction_split: float
    respondents: int  # accepted respondents
    # Attributes that only carry Kano answers: letter and counts.
    kano_only: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "importance_split": self.importance_split,
            "satisfaction_split": self.satisfaction_split,
            "attributes": [
                {"attribute": a.attribute, "rank": a.rank, "respondents": a.respondents,
                 "importance": a.importance, "satisfaction": a.satisfaction, "gap": a.gap,
                 "quadrant": a.quadrant, "kano": a.kano, "kano_counts": a.kano_counts}
                for a in self.ranked
            ],
        }


def _kano_result(responses: list[Response], attr: str) -> tuple[str | None, dict[str, int]]:
    counts = Counter(
        kano_class(f, d) for r in responses for f, d in [r.kano.get(attr, (None, None))] if f and d)
    if not counts:
        return None, {}
    best = max(counts.values())
    winner = next(c for c in _KANO_TIE if counts.get(c) == best)
    return winner, {c: counts[c] for c in _KANO_TIE if counts.get(c)}


def analyse_survey(data: SurveyData, rules: Rules) -> SurveyAnalysis:
    """Means, gap, priority rank, grid quadrant and Kano class per attribute.

    Exact fractions are used for the sort so that equal gaps tie exactly; the split of
    the grid is ``rules.survey.grid`` or, when unset, the mean over attributes of the
    mean importance (resp. satisfaction). A value equal to the split counts as high.
    """
    stats = []
    for attr in data.attributes:
        pairs = [r.scores[attr] for r in data.responses
                 if r.scores.get(attr, (None, None))[0] is not None and r.scores[attr][1] is not None]
        if not pairs:
            continue
        n = len(pairs)
        imp = Fraction(sum(p[0] for p in pairs), n)  # type: ignore[misc]
        sat = Fraction(sum(p[1] for p in pairs), n)  # type: ignore[misc]
        stats.append((attr, n, imp, sat))
    grid = rules.survey.grid
    if stats:
        imp_split = Fraction(grid.importance).limit_denominator() if grid.importance is not None \
            else sum((s[2] for s in stats), Fraction(0)) / len(stats)
        sat_split = Fraction(grid.satisfaction).limit_denominator() if grid.satisfaction is not None \
            else sum((s[3] for s in stats), Fraction(0)) / len(stats)
    else:
        imp_split = Fraction(grid.importance or 3).limit_denominator()
        sat_split = Fraction(grid.satisfaction or 3).limit_denominator()
    order = {a: i for i, a in enumerate(data.attributes)}
    # Most negative gap (satisfaction − importance) first; ties: the more important first.
    stats.sort(key=lambda s: (s[3] - s[2], -s[2], order[s[0]]))
    ranked = []
    for rank, (attr, n, imp, sat) in enumerate(stats, start=1):
        letter, counts = _kano_result(data.responses, attr)
        ranked.append(AttributeResult(
            attribute=attr, respondents=n, importance=float(imp), satisfaction=float(sat),
            gap=float(sat - imp), rank=rank, quadrant=QUADRANTS[(imp >= imp_split, sat >= sat_split)],
            kano=letter, kano_counts=counts))
    kano_only = {}
    for attr in data.kano_attributes:
        if attr not in {a.attribute for a in ranked}:
            letter, counts = _kano_result(data.responses, attr)
            if letter:
                kano_only[attr] = (letter, counts)
    return SurveyAnalysis(ranked=ranked, importance_split=float(imp_split), satisfaction_split=float(sat_split),
                          respondents=len(data.responses), kano_only=kano_only)
