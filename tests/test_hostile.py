"""Hostile and broken input: the whole corpus through ``build()`` — nothing lost,
nothing executed, nothing leaked. The corpus is generated into tmp_path
(tests/corpus/make_corpus.py) with the reader's limits lowered so the bombs stay small;
``test_default_limits_stop_a_forged_bomb`` checks the shipped limits in a subprocess.
"""

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from generator.issues import CROSS_AGENT_CODES
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import build, read, zipguard
from generator.dashboards import dashboard_pages
from generator.models import RawBook, RawSheet
from generator.parse import (ValueProblem, clean_text, parse_birthday, parse_date, parse_int, parse_money,
                             parse_phone)
from generator.rules import load_rules
from generator.safety import needs_quote_prefix
from generator.schema import PROSPECT, SERVICE
from generator.validate import validate_book

from corpus.make_corpus import CLOSED_HEADERS, FORMULAS, HTML, PASSWD_MARKERS, TODAY, make_corpus, parse_outcome

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()
LOW_LIMITS = {"MAX_UNCOMPRESSED": 16 * 1024 * 1024, "MAX_CELLS": 300_000}
# The corpus build (a 10,000-row book among 31 files) takes 5–15 s.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(outcomes, input folder, output folder, result, report, seconds)."""
    base = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in LOW_LIMITS.items():
            mp.setattr(zipguard, name, value)
        outcomes = make_corpus(base / "in")
        before = sorted(p.relative_to(base).as_posix() for p in base.rglob("*"))
        start = time.perf_counter()
        result = build(base / "in", base / "out", today=TODAY, keep_records=True)
        seconds = time.perf_counter() - start
    report = json.loads((base / "out" / "report.json").read_text(encoding="utf-8"))
    return outcomes, base, result, report, before, seconds


def _files(report):
    return {f["path"]: f for f in report["files"]}


def test_every_file_gets_its_outcome(corpus):
    outcomes, _, result, report, _, _ = corpus
    files = _files(report)
    assert set(files) == set(outcomes)
    for path, outcome in outcomes.items():
        status, codes, rows = parse_outcome(outcome)
        f = files[path]
        found = {i["code"] for i in f["issues"]}
        # Books of one corpus share clients by design; those branch-level warnings come on
        # top of each file's own outcome (tests/test_integrity.py checks them).
        own = [i for i in f["issues"] if i["code"] not in CROSS_AGENT_CODES]
        if status == "ok" and len(own) < len(f["issues"]):
            assert f["status"] == "warnings", path
        else:
            assert f["status"] == status, (path, found)
        assert codes <= found, (path, codes - found)
        if status == "ok":
            assert not own, path
        if rows is not None:
            assert f["rows"]["read"] == rows, path  # hidden, merged, inline, formula rows all read
    assert report["exit_code"] == result.exit_code == 1


def test_every_row_is_accounted_for(corpus):
    _, _, result, report, _, _ = corpus
    for f in report["files"]:
        rows = f["rows"]
        assert rows["read"] == rows["accepted"] + rows["rejected"], f["path"]
        for counts in f["sheets"].values():
            assert counts["read"] == counts["accepted"] + counts["rejected"]
        rejected = {(i["sheet"], row) for i in f["issues"] if i["severity"] == "error" for row in _rows_of(i)}
        assert len(rejected) == rows["rejected"], f["path"]
    for agent in result.agents:
        book = agent.book
        assert len(book.closed) + len(book.prospects) + len(book.services) == agent.totals.accepted


def _rows_of(issue):
    """The rows an issue stands for: its own, or every row of a summary's ranges."""
    if issue.get("rows"):
        return [r for first, last in issue["rows"] for r in range(first, last + 1)]
    return [issue["row"]] if issue["row"] else []


def test_failed_files_are_named_with_a_reason_and_get_no_workbook(corpus):
    outcomes, _, _, report, _, _ = corpus
    for f in report["files"]:
        if f["status"] != "failed":
            continue
        (issue,) = f["issues"]
        assert issue["severity"] == "error" and issue["message"] and issue["hint"]
        assert re.search(r"[\u4e00-\u9fff]", issue["message"])  # said in Chinese
        assert "Traceback" not in issue["message"]
        assert f["workbook"] is None


def test_report_json_is_strict_json(corpus):
    """1e308 premiums and the like never turn into Infinity/NaN in report.json."""
    _, base, _, _, _, _ = corpus

    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    json.loads((base / "out" / "report.json").read_text(encoding="utf-8"), parse_constant=refuse)
    f = _files(corpus[3])["R22_天文数字.xlsx"]
    assert f["rows"] == {"read": 4, "accepted": 2, "rejected": 2}  # 1e308 and 5e12 rejected, 1e300 years dropped
    assert any(i["code"] == "optional-value-dropped" and i["column"] == "缴费年限" for i in f["issues"])


def test_the_report_writer_refuses_non_finite_numbers(tmp_path):
    """A NaN that slipped past validation is a bug to hear about, not `NaN` in a JSON file."""
    from generator.pipeline import write_json

    with pytest.raises(ValueError):
        write_json(tmp_path / "report.json", {"kpis": {"premium": float("inf")}})
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_repeated_issues_are_summarised_with_exact_counts(corpus):
    """150 rejected rows × 2 bad columns: 20 issues per column kept, the rest in one
    summary per column whose count and row ranges keep the totals exact."""
    report = corpus[3]
    f = _files(report)["R21_全错.xlsx"]
    assert f["rows"] == {"read": 151, "accepted": 1, "rejected": 150}
    for code in ("invalid-phone", "invalid-date"):
        mine = [i for i in f["issues"] if i["code"] == code]
        assert len(mine) == 21 and sum(i["count"] for i in mine) == 150
        (summary,) = [i for i in mine if i["count"] > 1]
        assert summary["rows"] == [[23, 152]] and summary["row"] is None and "130" in summary["message"]
    by_code = report["totals"]["by_code"]
    total = sum(i["count"] for g in report["files"] for i in g["issues"] if i["code"] == "invalid-phone")
    assert by_code["invalid-phone"] == total >= 150
    errors = sum(i["count"] for i in f["issues"] if i["severity"] == "error")
    assert f["kpis"]["issues"]["error"] == errors >= 300  # the workbook's 总览 counts them all too


def test_lost_things_are_named_on_their_file(corpus):
    files = _files(corpus[3])
    # The swallowed lines are named, on the row that swallowed them.
    (quote,) = [i for i in files["R01_引号_*.csv"]["issues"] if i["code"] == "csv-unclosed-quote"]
    assert quote["row"] == 3 and quote["column"] == "险种" and "文件第 4–6 行" in quote["message"]
    # A second client sheet: one issue on that sheet, its rows counted as not read.
    f = files["R04_副本.xlsx"]
    (extra,) = [i for i in f["issues"] if i["code"] == "extra-client-sheet"]
    assert extra["sheet"] == "成交客户 (2)" and extra["count"] == 3 and extra["rows"] == [[2, 4]]
    assert f["sheets"]["成交客户 (2)"] == {"read": 3, "accepted": 0, "rejected": 3}
    assert files["R07_双表_*.csv"]["sheets"]["成交客户"]["accepted"] == 1
    # Error values and unsaved formulas are not "没有填写".
    f = files["R09_错误值.xlsx"]
    codes = {(i["code"], i["column"], i["severity"]) for i in f["issues"]}
    assert {("excel-error-cell", "投保人电话", "error"), ("excel-error-cell", "投保人生日", "warning"),
            ("formula-no-value", "年交保费", "error")} <= codes
    assert "#N/A" in next(i["message"] for i in f["issues"] if i["code"] == "excel-error-cell")
    assert not any(i["code"] == "missing-required" for i in f["issues"])
    # Invisible header characters: the sheet is read, the header named.
    f = files["R23_隐形表头.xlsx"]
    assert f["rows"]["accepted"] == 2 and not any(i["code"] == "missing-column" for i in f["issues"])
    # (a BOM at the very edge was always trimmed silently; inside or as a direction mark it is named)
    assert {i["column"] for i in f["issues"] if i["code"] == "header-invisible-chars"} == {"保单号", "投保人电话"}
    # Big5 is one message, not a page of mojibake errors.
    assert [i["code"] for i in files["R24_繁體_*.csv"]["issues"]] == ["csv-encoding"]


@pytest.mark.parametrize("name", ["X01_billion_laughs.xlsx", "X02_xxe_sheet.xlsx", "X03_xxe_workbook.xlsx"])
def test_a_declared_dtd_fails_the_whole_file(corpus, name):
    files = _files(corpus[3])
    assert files[name]["status"] == "failed"
    assert files[name]["issues"][0]["code"] == "file-unsafe"
    assert "DTD" in files[name]["issues"][0]["message"]


def test_every_readable_file_has_a_workbook_inside_the_output_folder(corpus):
    _, base, result, _, _, _ = corpus
    workbooks = (base / "out" / "workbooks").resolve()
    outputs = [b.output for b in result.agents if b.status != "failed"]
    assert all(outputs) and len(set(outputs)) == len(outputs)  # H04 repeats C02's agent
    for output in outputs:
        path = (base / "out" / output).resolve()
        assert path.parent == workbooks and path.is_file()
    names = {p.name for p in workbooks.iterdir()}
    assert names == {Path(o).name for o in outputs}  # no temporary files left behind


def test_nothing_is_written_outside_the_output_folder(corpus):
    _, base, _, _, before, _ = corpus
    after = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if not p.is_relative_to(base / "out"))
    assert after == [p for p in before if not p.startswith("out")]


def _texts(base: Path):
    """Every output file's text (workbook parts unzipped)."""
    for path in (base / "out").rglob("*"):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield f"{path.name}:{name}", z.read(name).decode("utf-8", "replace")
        elif path.is_file():
            yield path.name, path.read_text(encoding="utf-8", errors="replace")


def test_no_local_file_content_leaks(corpus):
    _, base, _, report, _, _ = corpus
    passwd = Path("/etc/passwd")
    lines = [ln for ln in passwd.read_text().splitlines() if len(ln) > 8][:5] if passwd.exists() else []
    pages = dashboard_pages(report, RULES)
    for where, text in [*_texts(base), *pages.items()]:
        for marker in (*PASSWD_MARKERS, *lines):
            assert marker not in text, where


def _workbooks(corpus):
    _, base, result, _, _, _ = corpus
    for book in result.agents:
        if book.output:
            yield book, base / "out" / book.output


def test_no_output_cell_is_a_formula_and_risky_text_is_quote_prefixed(corpus):
    risky = 0
    for book, path in _workbooks(corpus):
        if book.totals.read > 1000:  # openpyxl takes seconds on the 10,000-row book; it has no risky text
            continue
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str) and needs_quote_prefix(cell.value):
                        risky += 1
                        assert cell.data_type == "s" and cell.quotePrefix, (path.name, ws.title, cell.coordinate)
    assert risky > 50


def _quote_prefixed_xml(path: Path, sheet_title: str) -> dict[str, bool]:
    """{cell ref: quotePrefix} read straight from the xlsx XML, not through openpyxl."""
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
        xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)[1]
        quoted = ['quotePrefix="1"' in xf for xf in re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", xfs, re.S)]
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(sheet_title)}" sheetId="\d+" r:id="(rId\d+)"', book)[1]
        target = re.search(rf'<Relationship Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels)[1]
        sheet = z.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()
    return {ref: quoted[int(s or 0)] for ref, s in re.findall(r'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', sheet)}


def test_hostile_text_survives_as_quoted_text(corpus):
    book, path = next((b, p) for b, p in _workbooks(corpus) if b.source == "H01_inject.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["成交客户"]
    headers = [c.value for c in ws[1]]
    quoted = _quote_prefixed_xml(path, "成交客户")
    names = [row[headers.index("投保人姓名")] for row in ws.iter_rows(min_row=2)]
    # Nothing lost: every hostile text is in the workbook as typed (trimmed).
    assert [c.value for c in names] == [clean_text(f) for f in FORMULAS] + [HTML]
    for column in ("投保人姓名", "被保人姓名", "备注", "地址", "险种", "客户编号", "=EXTRA()"):
        for row in ws.iter_rows(min_row=2):
            cell = row[headers.index(column)]
            if needs_quote_prefix(cell.value):
                assert cell.data_type == "s" and quoted[cell.coordinate], (column, cell.value)
    assert "=EXTRA()" in headers and HTML in headers
    assert quoted[f"{openpyxl.utils.get_column_letter(headers.index('=EXTRA()') + 1)}1"]
    overview = wb["总览"]
    title = overview["A1"].value
    assert '=HYPERLINK("http://x","点我")' in title and HTML in overview["A2"].value


def test_no_csv_output_carries_a_live_formula(corpus):
    """Pasture writes no CSV today; any CSV added later must escape like safety.csv_safe."""
    import csv

    _, base, _, _, _, _ = corpus
    for path in (base / "out").rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for field in row:
                    assert not needs_quote_prefix(field) or field.startswith("'"), (path.name, field)


def test_html_in_any_field_is_escaped_on_dashboard_pages(corpus):
    report = corpus[3]
    pages = dashboard_pages(report, RULES)
    assert pages
    joined = "\n".join(pages.values())
    assert "&lt;script&gt;" in joined  # the team name made it, escaped
    for page, text in pages.items():
        assert "<script" not in text.lower(), page
        assert "<img" not in text.lower(), page
        assert "onerror=" not in text.replace("onerror=alert", "").lower() or "&lt;img" in text, page


def test_agent_names_never_escape_or_overwrite(corpus):
    _, base, result, _, _, _ = corpus
    by_source = {b.source: b for b in result.agents}
    outputs = {b.source: b.output for b in result.agents if b.output}
    assert outputs["H04_same_agent.xlsx"] != outputs["C02_formulas_cached.xlsx"]
    for source in ("H01_inject.xlsx", "H02_reserved.xlsx", "H03_control.xlsx"):
        name = Path(outputs[source]).name
        assert "/" not in name and "\\" not in name and "\x00" not in name and ".." not in name
        assert name.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
    wb = openpyxl.load_workbook(base / "out" / outputs["H04_same_agent.xlsx"])
    assert "H04_same_agent.xlsx" in wb["总览"]["A2"].value  # the clash kept its own data
    # One 工号 in two books: both are told (duplicate-agent-id), nothing else is wrong with C02.
    assert {i.code for i in by_source["C02_formulas_cached.xlsx"].issues} == {"duplicate-agent-id"}
    assert {"duplicate-agent-id", "output-name-collision"} <= {i.code for i in by_source["H04_same_agent.xlsx"].issues}


# ------------------------------------------------------------------ default limits


@pytest.mark.slow
def test_default_limits_stop_a_forged_bomb(tmp_path):
    """A sheet inflating past MAX_UNCOMPRESSED behind a zip directory claiming 1 KiB is
    rejected at the shipped limits, quickly and without holding it in memory."""
    script = f"""
import resource, sys, time
sys.path.insert(0, {str(ROOT / 'tests')!r})
from pathlib import Path
from corpus.make_corpus import _bomb_pieces, _book, _stream_sheet, closed, forge_size
from generator import read, zipguard
src = _book(Path({str(tmp_path)!r}) / "src.xlsx", [closed(1)])
bomb = _stream_sheet(src, Path({str(tmp_path)!r}) / "bomb.xlsx", "xl/worksheets/sheet1.xml",
                     _bomb_pieces(zipguard.MAX_UNCOMPRESSED + (1 << 20)))
forge_size(bomb, "xl/worksheets/sheet1.xml", 1024)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    zipguard.check_zip(bomb)
except read.UnreadableFile as exc:
    print(exc.code, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base,
          bomb.stat().st_size)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    code, seconds, extra_kib, size = done.stdout.split()
    assert code == "file-unsafe"
    assert int(size) < zipguard.MAX_UNCOMPRESSED // 500  # a ~200 KiB file claiming 200 MiB+
    assert float(seconds) < 30  # ~2 s on an idle laptop
    assert int(extra_kib) < 64 * 1024  # streamed: well under 64 MiB of extra memory


# ------------------------------------------------------------------ fuzzing


def test_mutated_workbooks_never_crash_the_reader(tmp_path):
    """Bounded fuzz: flip, cut and splice bytes of a real workbook; the reader either
    reads it or raises UnreadableFile, never anything else. 3 s in CI; for a long run::

        PASTURE_FUZZ_SECONDS=600 PASTURE_FUZZ_SEED=$RANDOM pytest tests/test_hostile.py -k mutated
    """
    import random

    from corpus.make_corpus import _book, closed

    src = _book(tmp_path / "src.xlsx", [closed(i) for i in range(5)]).read_bytes()
    rng = random.Random(int(os.environ.get("PASTURE_FUZZ_SEED", "5")))
    deadline = time.perf_counter() + float(os.environ.get("PASTURE_FUZZ_SECONDS", "3"))
    n = 0
    while time.perf_counter() < deadline:
        data = bytearray(src)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            op = rng.random()
            if op < 0.6:
                data[at] = rng.randrange(256)
            elif op < 0.8:
                del data[at:at + rng.randint(1, 64)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 64))
        path = tmp_path / f"m{n % 4}.xlsx"
        path.write_bytes(bytes(data))
        try:
            read.read_source(read.discover(path)[0])
        except read.UnreadableFile:
            pass
        n += 1
    assert n > 20


# ------------------------------------------------------------------ properties


VALUE = st.one_of(st.none(), st.booleans(), st.text(max_size=30),
                  st.text(alphabet="0123456789-/.年月日号万元+ ()０１２３", max_size=20),
                  st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True),
                  st.dates(), st.datetimes())


@settings(max_examples=300, deadline=None)
@given(value=VALUE)
def test_accepted_values_are_stable(value):
    """Whatever a parser accepts, it accepts again written as text, unchanged."""
    for parser, text in ((parse_date, date.isoformat), (parse_phone, str), (parse_money, repr),
                         (parse_int, str), (parse_birthday, _birthday_text)):
        try:
            parsed = parser(value)
        except ValueProblem:
            continue
        written = text(parsed)
        if len(written) <= 60 and "e" not in written:  # no exponents, no 300-digit numbers
            assert parser(written) == parsed, (parser.__name__, value, written)


def _birthday_text(value):
    return value.isoformat() if isinstance(value, date) else str(value)  # MonthDay → 3月12日


def _sheet_strategy(headers):
    cell = st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["好", "一般", "差", "强", "广", "缘故",
                                                                       "2026-01-02", "13812345678", "合计",
                                                                       "=1+1", "3月12日", "回访"]),
                     st.integers(-10, 10**11), st.floats(allow_nan=True), st.dates())
    return st.lists(st.lists(cell, max_size=len(headers) + 2), max_size=8)


@pytest.mark.parametrize("sheet", [PROSPECT, SERVICE], ids=lambda s: s.name)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_accounting_balances_for_any_prospect_or_service_sheet(sheet, data):
    headers = [c.name for c in sheet.columns]
    rows = data.draw(_sheet_strategy(headers))
    raw = RawBook(path=Path("x.xlsx"), display="x.xlsx", stem="A1_张三")
    raw.sheets[sheet.name] = RawSheet(sheet.name, sheet.name, 1, headers, [(i + 2, r) for i, r in enumerate(rows)])
    if sheet is SERVICE:  # a client sheet, so service rows have clients to resolve against
        raw.sheets["成交客户"] = RawSheet("成交客户", "成交客户", 1, CLOSED_HEADERS, [])
    book = validate_book(raw, RULES, today=TODAY)
    count = book.rows[sheet.name]
    assert count.read == len(rows) == count.accepted + count.rejected
    records = book.prospects if sheet is PROSPECT else book.services
    assert len(records) == count.accepted
    rejected = {i.row for i in book.issues if i.severity == "error" and i.sheet == sheet.name and i.row != 1}
    assert len(rejected) == count.rejected


def test_cell_count_cap_is_a_setting(tmp_path, monkeypatch):
    from corpus.make_corpus import _book, closed

    path = _book(tmp_path / "b.xlsx", [closed(i) for i in range(20)])
    assert read.read_source(read.discover(path)[0]).sheets["成交客户"].rows
    monkeypatch.setattr(zipguard, "MAX_CELLS", 100)
    with pytest.raises(read.UnreadableFile) as err:
        read.read_source(read.discover(path)[0])
    assert err.value.code == "too-many-cells" and "100" in err.value.detail
