"""Synthetic agent books for demos, tests and benchmarks (示例数据).

``make_sample(out_dir, today=...)`` writes one workbook per agent, named
``<工号>_<姓名>.xlsx``, laid out exactly as the input contract in :mod:`generator.schema`
says: a key/value ``代理人`` sheet, then ``成交客户`` (one row per policy),
``未成交客户`` and ``服务记录``. Everything is drawn from one ``random.Random(seed)``,
and the workbook's creation time is pinned to ``today``, so the same arguments give
byte-identical files.

The people are invented: names are random combinations of common surnames and given-name
characters, phones are random numbers in the mainland-mobile format, addresses are random
streets. Nothing refers to a real person.

The books look like what agents actually keep: clients with one to three policies (so the
add-on rate varies by agent), referral chains (介绍人 points at another client of the same
book), ratings typed with synonyms (富裕, 普通…), dates typed as text in several accepted
forms, birthdays known only by month and day, lunar birthdays, a title row above the header
in some books. With ``messy=True`` most books also carry a few deliberate mistakes (a
malformed phone, an impossible date, a duplicated policy number, a 合计 row…) so the
validator has something to report; at least two books stay perfectly clean.
:func:`plan_sample` returns the same books as data, each with the list of its deliberate
problems (sheet, Excel row, column, issue code), which the tests and docs use.

Around this module: the books as data in :mod:`generator.sample_books`, the random draws
in :mod:`generator.sample_draws`, the planted mistakes in :mod:`generator.sample_problems`
and the word lists in :mod:`generator.sample_words`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

import xlsxwriter

from .fsutil import atomic_write
from .sample_books import Cell, Problem, SampleBook, SheetPlan
from .sample_draws import Draws
from .sample_problems import FORMULA_NAME, add_totals_row, apply_problem, untidy_phones
from .sample_words import (
    BRANCHES, TEAMS, PRODUCTS, PRODUCT_WEIGHTS, PAY_MODES, PAY_MODE_SYNONYMS, SOURCES,
    OCCUPATIONS, CLOSED_NOTES, PROSPECT_NOTES, SERVICE_CONTENT, SERVICE_WEIGHTS, SERVICE_RESULTS, PROBLEM_KINDS,
)
from .schema import (
    AGENT_SHEET,
    CLOSED,
    CLOSED_SHEET,
    PROSPECT,
    PROSPECT_SHEET,
    SERVICE,
    SERVICE_SHEET,
    WORKLOG,
    WORKLOG_SHEET,
)

__all__ = ["FORMULA_NAME", "PROBLEM_KINDS", "Cell", "Problem", "SampleBook", "SheetPlan", "make_sample", "plan_sample"]

WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class _Client:
    cid: str
    name: str
    phone: str
    first: date
    ratings: dict[str, str]
    source: str
    referrer: str | None
    policies: int
    birthday: Cell
    calendar: str | None
    anniversary: Cell
    address: str
    capability: str | None
    trust: str | None
    last_service: date | None
    married: bool


# --------------------------------------------------------------------------------------
# The sheets: closed clients and their policies, prospects, service records, work log.
# --------------------------------------------------------------------------------------


def _closed_clients(g: Draws, n_rows: int, force_combos: bool) -> list[_Client]:
    rng = g.rng
    p_multi = rng.uniform(0.2, 0.8)
    w_source = (rng.uniform(0.3, 0.6), rng.uniform(0.15, 0.55), rng.uniform(0.1, 0.3))
    combos = [(e, a, i) for e in ("好", "一般") for a in ("强", "一般") for i in ("广", "一般")]
    rng.shuffle(combos)
    counts: list[int] = []
    total = 0
    while total < n_rows:
        k = 1 if rng.random() >= p_multi else rng.choice((2, 2, 3))
        k = min(k, n_rows - total)
        counts.append(k)
        total += k
    firsts = sorted(g.days_ago(30, 12 * 365) for _ in counts)
    names: set[str] = set()
    clients: list[_Client] = []
    chain_tip: _Client | None = None
    for idx, (k, first) in enumerate(zip(counts, firsts)):
        cid = "" if rng.random() < 0.1 else f"C{idx + 1:03d}"
        source = rng.choices(SOURCES, w_source)[0] if clients else "缘故"
        referrer = None
        if source == "转介绍":
            if chain_tip is not None and rng.random() < 0.45:
                ref = chain_tip  # multi-generation chains
            else:
                ref = rng.choice(clients)
            referrer = ref.cid if (ref.cid and rng.random() < 0.65) else ref.name
        forced = combos[idx] if force_combos and idx < len(combos) else None
        ratings = g.ratings(forced)
        married = rng.random() < 0.7
        birthday, calendar = g.birthday(25, 62)
        anniversary: Cell = None
        if married and rng.random() < 0.35:
            if rng.random() < 0.5:
                anniversary = g.month_day(False)
            else:
                anniversary = g.date_cell(g.days_ago(365, 30 * 365), 0.3)
        capability = trust = None
        if rng.random() < 0.5:
            high_cap = rng.random() < (0.8 if ratings["经济条件"] == "好" else 0.2)
            capability = "高" if high_cap else "低"
            trust = "高" if rng.random() < (0.7 if source == "缘故" or k > 1 else 0.35) else "低"
        last_service = None
        if rng.random() < 0.4:
            last_service = max(first, g.days_ago(1, 200))
        client = _Client(
            cid=cid, name=g.name(names), phone=g.phone(), first=first, ratings=ratings,
            source=source, referrer=referrer, policies=k, birthday=birthday, calendar=calendar,
            anniversary=anniversary, address=g.address(), capability=capability, trust=trust,
            last_service=last_service, married=married,
        )
        if source == "转介绍":
            chain_tip = client
        clients.append(client)
    return clients


def _closed_rows(g: Draws, clients: list[_Client]) -> list[tuple[date, list[Cell]]]:
    rng = g.rng
    rows: list[tuple[date, list[Cell]]] = []
    for c in clients:
        # Client-level cells typed once and copied to every policy row.
        ratings = {k: g.rating(k, v) for k, v in c.ratings.items()}
        source = g.source_word(c.source)
        dates = [c.first] + sorted(
            c.first + timedelta(days=rng.randint(30, max(31, (g.today - c.first).days - 1)))
            for _ in range(c.policies - 1)
        )
        child = spouse = None
        for d in dates:
            product, (lo, hi), years, for_child = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
            insured_name: str | None = c.name
            insured_phone: str | None = c.phone
            r = rng.random()
            if for_child or r < 0.2:
                if child is None:
                    child = c.name[0] + g.given()
                insured_name, insured_phone = child, (c.phone if rng.random() < 0.7 else None)
            elif r < 0.35 and c.married:
                if spouse is None:
                    spouse = (g.surname() + g.given(), g.phone() if rng.random() < 0.5 else c.phone)
                insured_name, insured_phone = spouse
            elif r < 0.5:
                insured_name = insured_phone = None  # holder is the insured; left blank
            mode = rng.choices([m for m, _ in PAY_MODES], [w for _, w in PAY_MODES])[0]
            premium: Cell = round(rng.uniform(lo, hi) / 100) * 100
            pay_years: Cell
            if mode == "趸交":
                premium = int(cast(float, premium)) * 5
                pay_years = 1 if rng.random() < 0.5 else None
            else:
                pay_years = rng.choice(years)
            if isinstance(premium, int) and premium >= 10000 and rng.random() < 0.05:
                premium = f"{round(premium / 1000) / 10:g}万"
            mode_cell: str | None = PAY_MODE_SYNONYMS[mode] if rng.random() < 0.05 else mode
            if rng.random() < 0.04:
                # This draw once left 交费方式 blank; a blank is now warned about (premiums.py),
                # so the cell is written, and the draw kept so later values stay the same.
                mode_cell = mode
            values: dict[str, Cell] = {
                "client_id": c.cid or None,
                "holder_name": c.name,
                "holder_phone": c.phone,
                "insured_name": insured_name,
                "insured_phone": insured_phone,
                "policy_date": g.date_cell(d),
                "policy_no": g.policy_no(d.year),
                "product": product,
                "pay_mode": mode_cell,
                "pay_years": pay_years,
                "premium": premium,
                "effective_date": _effective(d, c.name),
                "paid_to": g.paid_to(_effective(d, c.name) or d, mode, pay_years if isinstance(pay_years, int) else None),
                "birthday": c.birthday,
                "calendar": c.calendar,
                "anniversary": c.anniversary,
                **_person(c.name, c.married),
                "address": c.address,
                "source": source,
                "referrer": c.referrer,
                "economy": ratings["经济条件"],
                "awareness": ratings["保险意识"],
                "influence": ratings["影响力"],
                "capability": c.capability,
                "trust": c.trust,
                "last_service": c.last_service,
                "notes": rng.choice(CLOSED_NOTES) if rng.random() < 0.15 else None,
            }
            rows.append((d, [values[col.key] for col in CLOSED.columns]))
    rows.sort(key=lambda r: r[0])
    return rows


def _effective(sold: date, name: str) -> date | None:
    """承保日期 a few days after 投保日期; blank on about one row in five (the fallback).

    Derived from the row itself, not drawn, so adding the column left every other value
    of the sample unchanged."""
    salt = sum(map(ord, name)) + sold.toordinal()
    return None if salt % 5 == 0 else sold + timedelta(days=1 + salt % 6)


def _person(name: str, married: bool | None) -> dict[str, Cell]:
    """性别 and 婚姻状况, known for some clients only (derived from the name, not drawn)."""
    salt = sum(map(ord, name))
    gender = ("女", "男", None)[salt % 3]
    marital = ("已婚" if married else "未婚") if married is not None and salt % 4 else None
    return {"gender": gender, "marital": marital}


def _worklog_rows(seed: int, agent: int, today: date, days: int = 14) -> list[list[Cell]]:
    """The last ``days`` days of a short 工作日志 (出勤, 电话, 面谈, now and then 拜访).

    Drawn from a generator of its own, so the other sheets are the same with or without
    it; 新增准客户 and 促成 are left blank, as an agent would, for the system to derive."""
    rng = random.Random(seed * 1000 + agent)
    rows: list[list[Cell]] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue  # most weekends go unlogged
        attendance = rng.choices(("出勤", "请假", "缺勤"), (0.88, 0.07, 0.05))[0]
        working = attendance == "出勤"
        visits = rng.randint(1, 3) if working and rng.random() < 0.3 else None
        calls = rng.randint(2, 10) if working else 0
        meetings = rng.randint(0, 3) if working else 0
        note = rng.choice(("陪同主管面谈", "整理客户档案", "参加产品培训")) if working and rng.random() < 0.15 else None
        rows.append([day, attendance, visits, calls, meetings, None, None, note])
    return rows


def _prospect_rows(g: Draws, n: int, clients: list[_Client], force_combos: bool) -> list[list[Cell]]:
    rng = g.rng
    names = {c.name for c in clients}
    combos = [(e, a, i) for e in ("好", "一般") for a in ("强", "一般") for i in ("广", "一般")]
    rng.shuffle(combos)
    regs = sorted(g.days_ago(0, 89) for _ in range(n))
    rows = []
    for idx, reg in enumerate(regs):
        source = rng.choices(SOURCES, (0.35, 0.4, 0.25))[0]
        referrer = None
        if source == "转介绍" and clients:
            ref = rng.choice(clients)
            referrer = ref.cid if (ref.cid and rng.random() < 0.6) else ref.name
        ratings = g.ratings(combos[idx] if force_combos and idx < len(combos) else None)
        birthday, calendar = g.birthday(22, 55)
        capability = trust = None
        if rng.random() < 0.5:
            capability = "高" if rng.random() < (0.7 if ratings["经济条件"] == "好" else 0.2) else "低"
            trust = "高" if rng.random() < 0.3 else "低"
        values: dict[str, Cell] = {
            "client_id": None if rng.random() < 0.15 else f"W{idx + 1:03d}",
            "name": g.name(names),
            "phone": g.phone(),
            "registered": g.date_cell(reg, 0.1),
            "source": g.source_word(source),
            "referrer": referrer,
            "birthday": birthday,
            "calendar": calendar,
            "address": g.address() if rng.random() < 0.6 else None,
            "occupation": rng.choice(OCCUPATIONS) if rng.random() < 0.7 else None,
            "economy": g.rating("经济条件", ratings["经济条件"]),
            "awareness": g.rating("保险意识", ratings["保险意识"]),
            "influence": g.rating("影响力", ratings["影响力"]),
            "capability": capability,
            "trust": trust,
            "last_service": max(reg, g.days_ago(0, 30)) if rng.random() < 0.3 else None,
            "notes": rng.choice(PROSPECT_NOTES) if rng.random() < 0.25 else None,
        }
        values.update(_person(str(values["name"]), None))
        rows.append([values[col.key] for col in PROSPECT.columns])
    return rows


def _service_rows(g: Draws, n: int, clients: list[_Client], prospects: list[list[Cell]]) -> list[list[Cell]]:
    rng = g.rng
    items = list(SERVICE_CONTENT)
    p_id, p_name = PROSPECT.columns.index(PROSPECT.column("client_id")), PROSPECT.columns.index(PROSPECT.column("name"))
    rows: list[list[Cell]] = []
    for _ in range(n):
        if clients and (not prospects or rng.random() < 0.8):
            c = rng.choice(clients)
            who = c.cid if (c.cid and rng.random() < 0.6) else c.name
            d = max(c.first, g.days_ago(1, 364))
        else:
            p = rng.choice(prospects)
            who = str(p[p_id] or p[p_name]) if rng.random() < 0.6 else str(p[p_name])
            d = g.days_ago(0, 89)
        item = rng.choices(items, SERVICE_WEIGHTS)[0]
        rows.append([d, who, item, rng.choice(SERVICE_CONTENT[item]), rng.choice(SERVICE_RESULTS)])
    rows.sort(key=lambda r: r[0])  # type: ignore[arg-type,return-value]
    return [[g.date_cell(r[0], 0.1), *r[1:]] for r in rows]  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------------------


def plan_sample(
    *,
    agents: int = 12,
    seed: int = 7,
    today: date,
    rows: int | None = None,
    messy: bool = True,
    csv_agents: int = 0,
) -> list[SampleBook]:
    """The sample books as data (what :func:`make_sample` writes), with their problems."""
    if agents < 1:
        raise ValueError("agents must be at least 1")
    g = Draws(seed, today)
    rng = g.rng
    branch = rng.choice(BRANCHES)
    teams = rng.sample(TEAMS, rng.randint(3, 4))
    agent_names: set[str] = set()
    csv_agents = max(0, min(csv_agents, agents))
    csv_set = set(range(agents - csv_agents, agents))
    messy_pool = [i for i in range(agents) if i not in csv_set]
    clean: set[int] = set()
    if messy and agents >= 3:
        clean = set(rng.sample(messy_pool if len(messy_pool) >= 2 else list(range(agents)), 2))
    elif not messy:
        clean = set(range(agents))
    messy_books = [i for i in range(agents) if i not in clean]
    kinds = list(PROBLEM_KINDS)
    rng.shuffle(kinds)
    assigned: dict[int, list[tuple[str, str]]] = {i: [] for i in messy_books}
    if messy_books:
        xlsx_books = [i for i in messy_books if i not in csv_set]
        for n, problem in enumerate(kinds):
            target = messy_books[n % len(messy_books)]
            if problem[0] == "unknown-client" and target in csv_set and xlsx_books:
                target = xlsx_books[n % len(xlsx_books)]  # CSV books have no 服务记录
            assigned[target].append(problem)

    books: list[SampleBook] = []
    for a in range(agents):
        agent = {
            "工号": f"A{1001 + a}",
            "姓名": g.name(agent_names),
            "手机": g.phone(),
            "团队": teams[a % len(teams)],
            "营业部": branch,
        }
        n_closed = rows if rows is not None else rng.randint(20, 80)
        n_prospects = max(10, rows // 4) if rows is not None else rng.randint(10, 40)
        n_services = max(10, rows // 4) if rows is not None else rng.randint(10, 40)
        clients = _closed_clients(g, max(1, n_closed), force_combos=(a == 0))
        closed_rows = [r for _, r in _closed_rows(g, clients)]
        prospect_rows = _prospect_rows(g, n_prospects, clients, force_combos=(a == 1))
        service_rows = _service_rows(g, n_services, clients, prospect_rows)
        as_csv = a in csv_set
        title = spacer = None
        if not as_csv and rng.random() < 0.4:
            title, spacer = f"{agent['姓名']} 成交客户档案清单", rng.random() < 0.3
        p_title = f"{agent['姓名']} 未成交客户档案清单" if not as_csv and rng.random() < 0.3 else None
        book = SampleBook(
            agent=agent,
            sheets={
                CLOSED_SHEET: SheetPlan([c.name for c in CLOSED.columns], closed_rows, title, bool(spacer)),
                PROSPECT_SHEET: SheetPlan([c.name for c in PROSPECT.columns], prospect_rows, p_title),
                SERVICE_SHEET: SheetPlan([c.name for c in SERVICE.columns], service_rows),
            },
            csv=as_csv,
        )
        if not as_csv and a % 3 != 2:  # two agents in three keep a 工作日志
            book.sheets[WORKLOG_SHEET] = SheetPlan([c.name for c in WORKLOG.columns], _worklog_rows(seed, a, today))
        if as_csv:
            del book.sheets[SERVICE_SHEET]
            k = a - (agents - csv_agents)
            order = (AGENT_SHEET, CLOSED_SHEET, PROSPECT_SHEET)
            book.encodings = {s: CSV_ENCODINGS[(k + n) % 2] for n, s in enumerate(order)}
        if a in messy_books:
            used: set[str] = set()
            totals = False
            for kind, code in assigned[a]:
                if kind == "totals-row":
                    totals = True
                else:
                    apply_problem(g, book, kind, code, used)
            if rng.random() < 0.6:
                untidy_phones(g, book, used, as_csv)
            if totals:
                add_totals_row(book)
        book.place_marks()
        books.append(book)
    return books


def make_sample(
    out_dir: Path,
    *,
    agents: int = 12,
    seed: int = 7,
    today: date,
    rows: int | None = None,
    messy: bool = True,
    csv_agents: int = 0,
) -> list[Path]:
    """Write ``agents`` synthetic agent books into ``out_dir`` and return their paths.

    ``rows=None`` gives a realistic size per agent (20–80 policies, 10–40 prospects and
    service records); ``rows=N`` gives exactly N policy rows per agent (plus a 合计 row
    if that book drew one). The last ``csv_agents`` agents are written as three CSV files
    each (``_代理人``, ``_成交客户``, ``_未成交客户``), alternately UTF-8 with BOM and GB18030.
    Same arguments → byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for book in plan_sample(agents=agents, seed=seed, today=today, rows=rows, messy=messy, csv_agents=csv_agents):
        if book.csv:
            paths += _write_csv(book, out_dir)
        else:
            paths.append(_write_xlsx(book, out_dir, today))
    return paths


# --------------------------------------------------------------------------------------
# Writers.
# --------------------------------------------------------------------------------------


def _write_xlsx(book: SampleBook, out_dir: Path, today: date) -> Path:
    path = out_dir / f"{book.stem}.xlsx"
    with atomic_write(path) as tmp:
        _fill_xlsx(book, tmp, today)
    return path


def _fill_xlsx(book: SampleBook, path: Path, today: date) -> None:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"created": datetime.combine(today, time(9, 0)), "author": "Pasture sample", "title": book.stem})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#E8F1E4", "border": 1})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})

    ws = wb.add_worksheet(AGENT_SHEET)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 16)
    v: Cell
    for r, (k, v) in enumerate(book.agent.items()):
        ws.write_string(r, 0, k, bold)
        ws.write_string(r, 1, v)

    widths = {c.name: c.width for s in (CLOSED, PROSPECT, SERVICE, WORKLOG) for c in s.columns}
    for name, sheet in book.sheets.items():
        ws = wb.add_worksheet(name)
        top = sheet.header_row - 1
        if sheet.title:
            ws.merge_range(0, 0, 0, min(6, len(sheet.headers) - 1), sheet.title, title_fmt)
        for c, h in enumerate(sheet.headers):
            ws.write_string(top, c, h, head)
            ws.set_column(c, c, widths.get(h, 12))
        ws.freeze_panes(top + 1, 0)
        for r, values in enumerate(sheet.rows, start=top + 1):
            for c, v in enumerate(values):
                if v is None or v == "":
                    continue
                if isinstance(v, date):
                    ws.write_datetime(r, c, datetime.combine(v, time()), date_fmt)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, v)
    wb.close()


def _csv_cell(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _write_csv(book: SampleBook, out_dir: Path) -> list[Path]:
    paths = []
    tables: dict[str, list[list[Cell]]] = {AGENT_SHEET: [[k, v] for k, v in book.agent.items()]}
    for name, sheet in book.sheets.items():
        tables[name] = [list(sheet.headers), *sheet.rows]
    for name, table in tables.items():
        path = out_dir / f"{book.stem}_{name}.csv"
        with atomic_write(path) as tmp, tmp.open("w", encoding=book.encodings.get(name, "utf-8-sig"), newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            for row in table:
                w.writerow([_csv_cell(v) for v in row])
        paths.append(path)
    return paths
