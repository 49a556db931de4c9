"""Synthetic branch files for demos and tests: a satisfaction survey and a complaints log.

``make_branch_sample(Path("sample_data/branch"))`` writes ``满意度调查.xlsx`` and
``投诉记录.xlsx`` laid out as the branch templates in :mod:`generator.template` say.
Everything is drawn from one ``random.Random(seed)`` and the workbooks' creation time is
pinned to ``today``, so the same arguments give the same files. The complaints refer to
the sample agents (工号 A1001–A1012); the descriptions are generic phrases, no names.

The survey has a score profile per attribute so the grid shows all four quadrants, Kano
answers drawn around one class per attribute, and three deliberately bad scores (0, 6
and 很好) so the build has row issues to report. The log mixes closed complaints, recent
open ones and a few open past the limit.

    >>> make_branch_sample(Path("sample_data/branch"))  # doctest: +SKIP
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from .complaints import COMPLAINTS
from .fsutil import atomic_write
from .rules import Rules, load_rules
from .survey import COMPLAINTS_SHEET, SCORE_PARTS, SURVEY_SHEET
from .template import survey_headers

__all__ = ["SAMPLE_TODAY", "SAMPLE_AGENTS", "BAD_SCORES", "make_branch_sample", "survey_rows", "complaint_rows"]

SAMPLE_TODAY = date(2026, 11, 23)
SAMPLE_AGENTS = tuple(f"A{1001 + i}" for i in range(12))
WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}

# (mean importance, mean satisfaction, Kano class) per default attribute, chosen so the
# grid has something in every quadrant.
# 理赔及时 follows the standard's own example (重要度 4.2, 满意度 2.1). The property
# insurer's example attributes keep a profile too, for a rules file that asks them.
_PROFILE = {
    "热线容易接通": (4.3, 3.1, "O"),
    "代理人专业能力": (4.5, 4.1, "O"),
    "条款讲解清楚": (3.9, 2.9, "A"),
    "保全办理便捷": (3.6, 3.4, "O"),
    "回访及时": (3.0, 3.7, "A"),
    "理赔及时": (4.2, 2.1, "M"),
    "理赔手续简便": (3.2, 3.0, "A"),
    "整体服务态度": (3.3, 4.4, "I"),
    "人员专业能力": (4.5, 4.1, "O"),
    "现场响应速度": (3.9, 2.9, "A"),
    "定损公平合理": (4.6, 3.4, "M"),
}
# Typical answer pairs for each class (functional, dysfunctional).
_KANO_PAIRS = {
    "M": (("理应如此", "不喜欢"), ("无所谓", "不喜欢"), ("能忍受", "不喜欢")),
    "O": (("喜欢", "不喜欢"),),
    "A": (("喜欢", "无所谓"), ("喜欢", "能忍受"), ("喜欢", "理应如此")),
    "I": (("无所谓", "无所谓"), ("无所谓", "能忍受"), ("能忍受", "无所谓")),
}
# (Excel row offset among respondents, attribute index, part, bad value)
BAD_SCORES = ((5, 0, "重要度", 0), (12, 3, "满意度", 6), (21, 6, "满意度", "很好"))

_CATEGORIES = (("业务本身", 5), ("人员-迟到", 2), ("人员-态度", 3), ("人员-技能", 2), ("其他", 1))
_CATEGORY_TYPED = {"人员-迟到": "迟到", "人员-态度": "态度"}  # synonyms agents type
_PHRASES = {
    "业务本身": ("对理赔金额有疑问", "条款解释与预期不符", "保全变更办理太慢", "续期扣款失败未获通知"),
    "人员-迟到": ("约好的拜访迟到一小时", "签单见面迟到且未提前告知"),
    "人员-态度": ("电话回访时语气不耐烦", "咨询问题时敷衍", "多次催促加保"),
    "人员-技能": ("说不清产品的保障范围", "理赔材料要求讲错，往返多次"),
    "其他": ("宣传资料印刷错误", "营业部停车不便"),
}


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.7))))


def survey_rows(rules: Rules, *, respondents: int = 40, seed: int = 7, today: date = SAMPLE_TODAY) -> list[list[Any]]:
    """Header plus one row per respondent (Kano pairs for every attribute)."""
    rng = random.Random(seed)
    attrs = list(rules.survey.attributes)
    rows: list[list[Any]] = [survey_headers(rules, kano=True)]
    for n in range(respondents):
        row: list[Any] = [f"Q{n + 1:03d}", today - timedelta(days=rng.randint(3, 40))]
        for a in attrs:
            imp, sat, _ = _PROFILE.get(a, (3.5, 3.5, "I"))
            row += [_score(rng, imp), _score(rng, sat)]
        for a in attrs:
            cls = _PROFILE.get(a, (0, 0, "I"))[2]
            # Four in five answer in the attribute's class; the rest anywhere.
            pool = _KANO_PAIRS[cls] if rng.random() < 0.8 else tuple(p for v in _KANO_PAIRS.values() for p in v)
            row += list(rng.choice(pool))
        rows.append(row)
    for offset, attr_index, part, bad in BAD_SCORES:
        if offset < respondents and attr_index < len(attrs):
            rows[1 + offset][2 + 2 * attr_index + SCORE_PARTS.index(part)] = bad
    return rows


def complaint_rows(*, complaints: int = 24, seed: int = 7, today: date = SAMPLE_TODAY,
                   agents: tuple[str, ...] = SAMPLE_AGENTS) -> list[list[Any]]:
    """Header plus one row per complaint, oldest first."""
    rng = random.Random(seed + 1)
    names = [name for name, _ in _CATEGORIES]
    weights = [weight for _, weight in _CATEGORIES]
    drawn = []
    for _ in range(complaints):
        opened = today - timedelta(days=rng.randint(0, 180))
        category = rng.choices(names, weights)[0]
        age = (today - opened).days
        # Old complaints are mostly closed; a few stay open past the limit.
        closed_p = 0.15 if age < 10 else 0.6 if age < 40 else 0.85
        closed = None
        if rng.random() < closed_p:
            closed = min(today, opened + timedelta(days=rng.randint(1, 45)))
        # Most are answered the same day or the next; some late, a few not yet at all.
        responded: date | None = opened + timedelta(days=rng.choice((0, 0, 0, 1, 1, 1, 1, 3)))
        if closed is None and rng.random() < 0.5:
            responded = None
        elif responded is not None and (responded > today or (closed and responded > closed)):
            responded = closed or today
        drawn.append((opened, rng.choice(agents), category, rng.choice(_PHRASES[category]), responded, closed))
    drawn.sort(key=lambda x: x[0])
    rows: list[list[Any]] = [[c.name for c in COMPLAINTS.columns]]
    for i, (opened, agent, category, text, responded, closed) in enumerate(drawn):
        typed = _CATEGORY_TYPED.get(category, category) if i % 3 == 0 else category
        status: str | None = "已结案" if closed else "处理中"
        if closed and i % 5 == 0:
            status = None  # a closing date alone settles it
        rows.append([opened, agent, typed, text, status, responded, closed])
    return rows


def _write(path: Path, sheet: str, rows: list[list[Any]], today: date, title: str) -> Path:
    with atomic_write(path) as tmp:
        _fill(tmp, sheet, rows, today, title)
    return path


def _fill(path: Path, sheet: str, rows: list[list[Any]], today: date, title: str) -> None:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"created": datetime.combine(today, time()), "title": title, "author": "Pasture 示例数据"})
    ws = wb.add_worksheet(sheet)
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if r == 0:
                ws.write_string(r, c, str(v), header)
            elif isinstance(v, date):
                ws.write_datetime(r, c, datetime.combine(v, time()), day)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    ws.set_column(0, 1, 12)
    ws.set_column(2, len(rows[0]), 11)
    ws.freeze_panes(1, 1)
    wb.close()


def make_branch_sample(out_dir: Path, *, rules: Rules | None = None, seed: int = 7, today: date = SAMPLE_TODAY,
                       respondents: int = 40, complaints: int = 24) -> list[Path]:
    """Write ``满意度调查.xlsx`` and ``投诉记录.xlsx`` into ``out_dir``; returns the paths."""
    rules = rules or load_rules()
    out = Path(out_dir)
    return [
        _write(out / f"{SURVEY_SHEET}.xlsx", SURVEY_SHEET, survey_rows(
            rules, respondents=respondents, seed=seed, today=today), today, "客户满意度调查（示例）"),
        _write(out / f"{COMPLAINTS_SHEET}.xlsx", COMPLAINTS_SHEET, complaint_rows(
            complaints=complaints, seed=seed, today=today), today, "客户投诉记录（示例）"),
    ]
