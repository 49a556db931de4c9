"""Turn a :class:`RawBook` into a :class:`Book`: typed records plus issues.

Every data row read ends up either accepted (a :class:`Record`, possibly with warnings)
or rejected (at least one error issue); ``read == accepted + rejected`` per sheet.
Validation never raises for bad data: problems are values.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Callable

from .issues import Issue, RowCount, make_issue, row_ranges, summarise
from .models import AgentInfo, Book, CellNote, MonthDay, RawBook, RawSheet, Record
from .parse import (
    INVISIBLE,
    ValueProblem,
    clean_text,
    is_blank,
    parse_birthday,
    parse_date,
    parse_int,
    parse_money,
    parse_phone,
)
from .premiums import premium_issues
from .rules import Rules
from .safety import needs_quote_prefix
from .sheet_reader import ColumnMap, DataRow, RowTally, totals_word
from .schema import (
    AGENT_SHEET,
    CLOSED_SHEET,
    PROSPECT_SHEET,
    RATING_VOCABS,
    SERVICE_SHEET,
    SHEETS_BY_NAME,
    WORKLOG_SHEET,
    Column,
    Sheet,
    column_letter,
    header_index,
    normalize_header,
    rating_level,
)

LUNAR = "农历"  # the 生日历法 word the planner reads
# The most characters an Excel cell holds; longer text is cut when a workbook is written.
EXCEL_TEXT_LIMIT = 32_767

_PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": parse_date,
    "birthday": parse_birthday,
    "phone": parse_phone,
    "money": parse_money,
    "int": parse_int,
}

# Phone columns that identify a person; an insured child on a parent's phone is normal,
# so 被保人电话 is left out of the shared-phone check.
_CLIENT_REFS = ("client_id", "holder_name", "name")
_PERSON_PHONES = {CLOSED_SHEET: ("holder_phone", "holder_name"), PROSPECT_SHEET: ("phone", "name")}


def validate_book(raw: RawBook, rules: Rules, *, today: date) -> Book:
    """Check every row of one agent's book against the input contract and rules."""
    issues: list[Issue] = list(raw.issues)
    agent = _agent_info(raw, issues)
    book = Book(source=raw.display, agent=agent, issues=issues)
    known_clients: set[str] = set()  # ids and names on every client row read, accepted or not
    for name in (CLOSED_SHEET, PROSPECT_SHEET, SERVICE_SHEET, WORKLOG_SHEET):
        sheet = raw.sheets.get(name)
        if sheet is None:
            continue
        records, count, extra_headers, letters = _validate_sheet(
            sheet, SHEETS_BY_NAME[name], rules, today, issues, known_clients)
        book.rows[name] = count
        book.extra_headers[name] = extra_headers
        book.column_letters[name] = letters
        if name == CLOSED_SHEET:
            book.closed = records
        elif name == PROSPECT_SHEET:
            book.prospects = records
        elif name == WORKLOG_SHEET:
            book.worklog = records
        else:
            book.services = records
    for extra in raw.extra_sheets:
        _report_extra_sheet(book, raw, extra)
    _check_phones(book)
    _check_service_clients(book, known_clients)
    book.issues.extend(premium_issues(book))  # payment terms the calendar cannot trust
    book.known_clients = known_clients
    book.issues = summarise(book.issues)
    for issue in book.issues:
        issue.file = raw.display
    book.status = "ok" if not book.issues else "warnings"
    return book


def _report_extra_sheet(book: Book, raw: RawBook, extra: RawSheet) -> None:
    """A second worksheet of a kind already read (成交客户 (2)) is not read: copies made
    by Excel are usually stale duplicates, and two sheets' row numbers under one name
    would make every issue ambiguous. Its rows count as rejected, so the run says so."""
    if not extra.rows:
        return
    rows = [row for row, _ in extra.rows]
    main = raw.sheets[extra.name].title
    issue = make_issue("extra-client-sheet", sheet=extra.title, column=extra.name, value=extra.title, detail=main)
    issue.count, issue.rows = len(rows), row_ranges(rows)
    book.issues.append(issue)
    book.rows[extra.title] = RowCount(read=len(rows), rejected=len(rows))


def _agent_info(raw: RawBook, issues: list[Issue]) -> AgentInfo:
    """Agent identity: the 代理人 sheet wins; the file name (工号_姓名) fills the gaps."""
    kv = raw.agent_kv or {}
    stem_id, _, stem_name = raw.stem.partition("_")
    agent_id = clean_text(kv.get("工号"))
    name = clean_text(kv.get("姓名"))
    missing = [label for label, v in (("工号", agent_id), ("姓名", name)) if not v]
    if missing:
        issues.append(make_issue("agent-info-missing", sheet=AGENT_SHEET, column="、".join(missing), value=raw.stem))
    phone = None
    if not is_blank(kv.get("手机")):
        try:
            phone = parse_phone(kv.get("手机"))
        except ValueProblem as p:
            issues.append(make_issue("optional-value-dropped", sheet=AGENT_SHEET, column="手机",
                                     value=kv.get("手机"), detail=p.detail))
    return AgentInfo(
        agent_id=agent_id or stem_id or raw.stem,
        name=name or stem_name or "",
        phone=phone,
        team=clean_text(kv.get("团队")),
        branch=clean_text(kv.get("营业部")),
    )


def _validate_sheet(
    raw: RawSheet, sheet: Sheet, rules: Rules, today: date, issues: list[Issue], known_clients: set[str]
) -> tuple[list[Record], RowCount, list[str], dict[str, str]]:
    columns = ColumnMap(sheet.name, raw.header_row, header_index(sheet), issues)
    positions, extras = columns.positions, columns.extras
    # Data under a blank header cell (a merged header, a column the agent never titled)
    # must not vanish: such a column is kept under a made-up name and warned about.
    width = max([len(raw.headers), *(len(cells) for _, cells in raw.rows)], default=0)
    headers = list(raw.headers) + [None] * (width - len(raw.headers))
    for i, cell in enumerate(headers):
        text = clean_text(cell)
        if text is None:
            if not any(i < len(cells) and not is_blank(cells[i]) for _, cells in raw.rows):
                continue
            text = f"（无表头·{column_letter(i)}列）"
        hidden = sorted({INVISIBLE[ord(c)] for c in text if ord(c) in INVISIBLE})
        if hidden:
            known = columns.lookup(text)
            shown = "".join(c for c in text if ord(c) not in INVISIBLE)
            issues.append(make_issue("header-invisible-chars", column=known.name if known else shown, value=shown,
                                     detail="、".join(hidden), sheet=sheet.name, row=raw.header_row,
                                     column_letter=column_letter(i)))
        columns.add(i, text)
    if sheet.name == CLOSED_SHEET and "policy_date" not in positions and "effective_date" in positions:
        # Before 承保日期 had its own column it was a spelling of 投保日期: such a book's
        # only date column still gives the policy date.
        positions["policy_date"] = positions["effective_date"]
    columns.missing(sheet.required)

    count = RowCount()
    tally = RowTally(sheet.name, issues, count)
    records: list[Record] = []
    seen_policies: dict[str, int] = {}
    notes: dict[int, dict[int, CellNote]] = defaultdict(dict)
    for note in raw.notes:
        notes[note.row][note.col] = note
    by_position = {pos: sheet.column(key) for key, pos in positions.items()}
    for row_no, cells in raw.rows:
        row = tally.start(row_no, cells)
        row_issues = row.issues
        row_notes = notes.get(row_no, {})

        def report(code: str, col: Column | None, value: Any = "", detail: str = "", severity: Any = None,
                   row: DataRow = row) -> None:
            row.report(code, column=col.name if col else None, pos=positions.get(col.key) if col else None,
                       value=value, detail=detail, severity=severity)

        for at, cell_note in row_notes.items():
            # Notes on template columns are said where the cell is parsed; the rest here.
            if cell_note.code == "csv-unclosed-quote" or at not in by_position:
                name = by_position[at].name if at in by_position else _header_name(headers, extras, at)
                row.report(cell_note.code, column=name, pos=at, value=cell_note.value, detail=cell_note.detail,
                           severity="error" if cell_note.code == "csv-unclosed-quote" else "warning")
        total_word = totals_word(cells)
        if total_word:
            report("totals-row", None, value=total_word)
        else:
            values: dict[str, Any] = {}
            ncells = len(cells)
            for col in sheet.columns:
                pos = positions.get(col.key)
                cell = cells[pos] if pos is not None and pos < ncells else None
                noted = row_notes.get(pos) if pos is not None else None
                if (cell is None or cell == "") and noted is None and not col.required:
                    values[col.key] = col.default  # an empty optional cell: nothing to parse or say
                    continue
                if noted is not None and noted.code != "csv-unclosed-quote":
                    # An error value or an unsaved formula: said as such, not as 没有填写.
                    report(noted.code, col, value=noted.value, detail=noted.detail,
                           severity="error" if col.required else "warning")
                    values[col.key] = col.default
                    continue
                values[col.key] = _parse_cell(col, cell, rules, today, report)
            _lunar_birthday_calendar(sheet, values, cells, positions, report)
            if sheet.name != SERVICE_SHEET:
                # A service record naming a client whose row was rejected is not a second problem.
                known_clients.update(normalize_header(values.get(k)) for k in _CLIENT_REFS if values.get(k))
            if sheet.name == CLOSED_SHEET and values.get("policy_no"):
                first = seen_policies.get(values["policy_no"])
                if first is not None:
                    report("duplicate-policy", sheet.column("policy_no"), value=values["policy_no"], detail=str(first))
        if not tally.settle(row, totals=total_word):
            continue
        if sheet.name == CLOSED_SHEET:
            seen_policies[values["policy_no"]] = row_no
        extra = {h: cells[i] for i, h in extras.items() if i < len(cells) and not is_blank(cells[i])}
        for i, h in extras.items():
            if isinstance(extra.get(h), str) and len(extra[h]) > EXCEL_TEXT_LIMIT:
                row_issues.append(make_issue("text-too-long", sheet=sheet.name, row=row_no, column=h,
                                             column_letter=column_letter(i), value=f"{len(extra[h]):,}"))
                issues.append(row_issues[-1])
        records.append(Record(sheet=sheet.name, row=row_no, values=values, extra=extra, issues=row_issues))
    letters = {key: column_letter(pos) for key, pos in positions.items()}
    return records, count, list(extras.values()), letters


def _lunar_birthday_calendar(sheet: Sheet, values: dict[str, Any], cells: list[Any], positions: dict[str, int],
                             report: Callable[..., None]) -> None:
    """A birthday typed as a lunar date (八月十五) is lunar whatever 生日历法 says: a blank
    生日历法 follows it silently, a typed 公历 is overruled with a warning."""
    birthday = values.get("birthday")
    if not (isinstance(birthday, MonthDay) and birthday.lunar) or "calendar" not in values:
        return
    if values["calendar"] != LUNAR:
        pos = positions.get("calendar")
        typed = cells[pos] if pos is not None and pos < len(cells) else None
        if not is_blank(typed):
            report("optional-value-dropped", sheet.column("calendar"), value=typed,
                   detail=f"生日写的是农历（{birthday}），按农历提醒")
        values["calendar"] = LUNAR


def _header_name(headers: list[Any], extras: dict[int, str], pos: int) -> str:
    if pos in extras:
        return extras[pos]
    text = clean_text(headers[pos]) if pos < len(headers) else None
    return text or f"{column_letter(pos)}列"


def _parse_cell(col: Column, cell: Any, rules: Rules, today: date, report: Callable[..., None]) -> Any:
    """Parse one cell; report problems (error if required, dropped-warning otherwise)."""
    if col.kind in ("text", "name"):
        cell = clean_text(cell)  # control characters alone count as blank
    if is_blank(cell):
        if col.required:
            report("missing-required", col)
        return col.default
    try:
        value = _convert(col, cell, rules, today)
    except ValueProblem as problem:
        if col.required:
            report(problem.code, col, value=cell, detail=problem.detail)
        else:
            detail = {
                "future-date": f"晚于今天 {problem.detail}",
                "invalid-choice": f"不是可选项，可选：{problem.detail}",
            }.get(problem.code, problem.detail)
            report("optional-value-dropped", col, value=cell, detail=detail)
        return col.default
    if isinstance(value, str) and len(value) > EXCEL_TEXT_LIMIT:
        report("text-too-long", col, value=f"{len(value):,}")
    if col.kind == "name":
        if needs_quote_prefix(value):
            report("suspicious-text", col, value=value[:1])
        if len(value) > rules.limits.name_max_length:
            report("name-too-long", col, value=len(value))
    return value


def _convert(col: Column, cell: Any, rules: Rules, today: date) -> Any:
    if col.kind == "choice":
        text = clean_text(cell) or ""
        assert col.vocab is not None
        canon = rules.canonical(col.vocab, text)
        if canon is None and col.vocab in RATING_VOCABS and (level := rating_level(text)):
            levels = rules.choices(col.vocab)
            canon = levels[0] if level == "high" else levels[-1]
        if canon is None:
            raise ValueProblem("invalid-choice", "、".join(rules.choices(col.vocab)))
        return canon
    parser = _PARSERS.get(col.kind)
    if parser is None:
        return clean_text(cell)
    value = parser(cell)
    if isinstance(value, MonthDay) and value.lunar and col.key != "birthday":
        raise ValueProblem("invalid-date", "纪念日按公历提醒，请填写公历日期，例如 5月20日")
    if col.not_future and isinstance(value, date) and value > today:
        raise ValueProblem("future-date", today.isoformat())
    return value


def _check_phones(book: Book) -> None:
    """Data-integrity warnings: agent's own phone on a client; one phone, many people."""
    by_phone: dict[str, dict[str, list[tuple[Record, str]]]] = defaultdict(lambda: defaultdict(list))
    for sheet_name, records in ((CLOSED_SHEET, book.closed), (PROSPECT_SHEET, book.prospects)):
        phone_key, name_key = _PERSON_PHONES[sheet_name]
        sheet = SHEETS_BY_NAME[sheet_name]
        for rec in records:
            for col in sheet.columns:
                phone = rec.get(col.key) if col.kind == "phone" else None
                if phone and book.agent.phone and phone == book.agent.phone:
                    _warn(book, rec, "phone-is-agent", col, value=phone)
            phone = rec.get(phone_key)
            if phone:
                by_phone[phone][rec.get(name_key)].append((rec, sheet_name))
    for phone, people in by_phone.items():
        if len(people) < 2 or phone == book.agent.phone:
            continue
        names = "、".join(sorted(str(n) for n in people))
        for entries in people.values():
            for rec, sheet_name in entries:
                col = SHEETS_BY_NAME[sheet_name].column(_PERSON_PHONES[sheet_name][0])
                _warn(book, rec, "shared-phone", col, value=phone, detail=names)


def _check_service_clients(book: Book, known: set[str]) -> None:
    col = SHEETS_BY_NAME[SERVICE_SHEET].column("client")
    for rec in book.services:
        ref = rec.get("client")
        if ref and normalize_header(ref) not in known:
            _warn(book, rec, "unknown-client", col, value=ref)


def _warn(book: Book, rec: Record, code: str, col: Column, value: Any = "", detail: str = "") -> None:
    letter = book.column_letters.get(rec.sheet, {}).get(col.key)
    issue = make_issue(code, sheet=rec.sheet, row=rec.row, column=col.name, column_letter=letter,
                       value=value, detail=detail)
    rec.issues.append(issue)
    book.issues.append(issue)
