"""Deliberate mistakes planted in the messy sample books (示例数据里故意埋的错误).

Each planter changes rows of a :class:`~generator.sample_books.SampleBook` and marks what
the validator should report (sheet, row, column, issue code), so the tests and docs can
check the report against the plan. The kinds and their issue codes are data in
:data:`generator.sample_words.PROBLEM_KINDS`.
"""

from __future__ import annotations

from datetime import date, timedelta

from .sample_books import Cell, SampleBook
from .sample_draws import Draws
from .schema import CLOSED, CLOSED_SHEET, SERVICE_SHEET

FORMULA_NAME = '=HYPERLINK("http://evil","x")'

_COL = {c.key: i for i, c in enumerate(CLOSED.columns)}


def _client_rows(rows: list[list[Cell]], name: str) -> list[int]:
    return [i for i, r in enumerate(rows) if r[_COL["holder_name"]] == name]


def _pick_client(g: Draws, rows: list[list[Cell]], used: set[str]) -> str:
    """A holder not yet touched by another problem, preferring one-policy clients."""
    names = [str(r[_COL["holder_name"]]) for r in rows]
    singles = [n for n in dict.fromkeys(names) if names.count(n) == 1 and n not in used]
    pool = singles or [n for n in dict.fromkeys(names) if n not in used]
    name = g.rng.choice(pool)
    used.add(name)
    return name


def apply_problem(g: Draws, book: SampleBook, kind: str, code: str, used: set[str]) -> None:
    """Plant one mistake of ``kind`` (reported as ``code``), on clients not in ``used``."""
    rng = g.rng
    closed = book.sheets[CLOSED_SHEET]
    rows = closed.rows
    if kind == "bad-phone":
        name = _pick_client(g, rows, used)
        for i in _client_rows(rows, name):
            bad = str(rows[i][_COL["holder_phone"]])[:10]
            rows[i][_COL["holder_phone"]] = bad
            if rows[i][_COL["insured_name"]] == name:
                rows[i][_COL["insured_phone"]] = bad
            book.mark(CLOSED_SHEET, i, "投保人电话", code, f"10-digit phone {bad}")
    elif kind in ("ambiguous-date", "impossible-date", "future-date"):
        name = _pick_client(g, rows, used)
        i = _client_rows(rows, name)[0]
        if kind == "ambiguous-date":
            value: Cell = "04/03/2015"
        elif kind == "impossible-date":
            value = "2019-02-30"
        else:
            value = g.today + timedelta(days=rng.randint(5, 60))
        rows[i][_COL["policy_date"]] = value
        shown = value.isoformat() if isinstance(value, date) else value
        book.mark(CLOSED_SHEET, i, "投保日期", code, f"policy date {shown}")
    elif kind == "unknown-rating":
        name = _pick_client(g, rows, used)
        i = _client_rows(rows, name)[0]
        rows[i][_COL["economy"]] = "还行"
        book.mark(CLOSED_SHEET, i, "经济条件", code, "rating 还行 is not in the vocabulary")
    elif kind == "zero-premium":
        name = _pick_client(g, rows, used)
        i = _client_rows(rows, name)[0]
        rows[i][_COL["premium"]] = 0
        book.mark(CLOSED_SHEET, i, "年交保费", code, "premium 0")
    elif kind == "duplicate-policy":
        a = _pick_client(g, rows, used)
        b = _pick_client(g, rows, used)
        i, j = sorted((_client_rows(rows, a)[0], _client_rows(rows, b)[0]))
        rows[j][_COL["policy_no"]] = rows[i][_COL["policy_no"]]
        note = f"policy number {rows[i][_COL['policy_no']]} repeats row {closed.header_row + 1 + i}"
        book.mark(CLOSED_SHEET, j, "保单号", code, note)
    elif kind == "agent-phone":
        name = _pick_client(g, rows, used)
        for i in _client_rows(rows, name):
            rows[i][_COL["holder_phone"]] = book.agent["手机"]
            if rows[i][_COL["insured_name"]] == name:
                rows[i][_COL["insured_phone"]] = book.agent["手机"]
            book.mark(CLOSED_SHEET, i, "投保人电话", code, "the agent's own phone")
    elif kind == "shared-phone":
        a = _pick_client(g, rows, used)
        b = _pick_client(g, rows, used)
        phone = rows[_client_rows(rows, a)[0]][_COL["holder_phone"]]
        for i in _client_rows(rows, b):
            old = rows[i][_COL["holder_phone"]]
            rows[i][_COL["holder_phone"]] = phone
            if rows[i][_COL["insured_phone"]] == old:
                rows[i][_COL["insured_phone"]] = phone
            book.mark(CLOSED_SHEET, i, "投保人电话", code, f"phone {phone} also used by {a}")
    elif kind == "formula-name":
        name = _pick_client(g, rows, used)
        for i in _client_rows(rows, name):
            rows[i][_COL["holder_name"]] = FORMULA_NAME
            if rows[i][_COL["insured_name"]] == name:
                rows[i][_COL["insured_name"]] = FORMULA_NAME
            book.mark(CLOSED_SHEET, i, "投保人姓名", code, "name starts with = (formula-injection probe)")
        used.add(FORMULA_NAME)
    elif kind == "extra-column":
        closed.headers.append("微信号")
        for r in rows:
            r.append(f"wx_{rng.randrange(10**6, 10**7)}" if rng.random() < 0.4 else None)
        book.mark(CLOSED_SHEET, -1, "微信号", code, "extra column 微信号")
    elif kind == "unknown-client":
        services = book.sheets.get(SERVICE_SHEET)
        if services is None or not services.rows:
            return
        i = rng.randrange(len(services.rows))
        taken = {str(r[_COL["holder_name"]]) for r in rows}
        services.rows[i][1] = g.name(taken)
        book.mark(SERVICE_SHEET, i, "客户", code, f"client {services.rows[i][1]} is in neither list")


def untidy_phones(g: Draws, book: SampleBook, used: set[str], as_csv: bool) -> None:
    """Accepted but untidy phones (spaces, +86, dashes, stored as a number) on ~2 % of rows."""
    rows = book.sheets[CLOSED_SHEET].rows
    n = max(1, round(len(rows) * 0.02))
    for i in g.rng.sample(range(len(rows)), min(n, len(rows))):
        p = rows[i][_COL["holder_phone"]]
        if not isinstance(p, str) or len(p) != 11 or rows[i][_COL["holder_name"]] in used:
            continue
        form = g.rng.randrange(3 if as_csv else 4)
        if form == 0:
            rows[i][_COL["holder_phone"]] = f"{p[:3]} {p[3:7]} {p[7:]}"
        elif form == 1:
            rows[i][_COL["holder_phone"]] = f"+86 {p}"
        elif form == 2:
            rows[i][_COL["holder_phone"]] = f"{p[:3]}-{p[3:7]}-{p[7:]}"
        else:
            rows[i][_COL["holder_phone"]] = int(p)
        v = rows[i][_COL["holder_phone"]]
        shown = f"number {v}" if isinstance(v, int) else f"text '{v}'"
        book.mark(CLOSED_SHEET, i, "投保人电话", "", f"{shown} (accepted, normalises to {p})")


def add_totals_row(book: SampleBook) -> None:
    """A hand-made 合计 row under the policies (last, so it sits below every other change)."""
    closed = book.sheets[CLOSED_SHEET]
    total = sum(v for r in closed.rows if isinstance(v := r[_COL["premium"]], (int, float)))
    row: list[Cell] = [None] * len(closed.headers)
    row[0] = "合计"
    row[_COL["premium"]] = total
    closed.rows.append(row)
    book.mark(CLOSED_SHEET, len(closed.rows) - 1, "客户编号", "totals-row", "hand-made 合计 row")
