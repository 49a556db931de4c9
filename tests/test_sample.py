"""The synthetic sample books: deterministic, shaped like the schema, clean where promised."""

from __future__ import annotations

import re
from datetime import date, datetime
from itertools import product
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from generator.rules import load_rules
from generator.sample import PROBLEM_KINDS, make_sample, plan_sample
from generator.schema import (
    AGENT_FIELDS,
    AGENT_SHEET,
    CLOSED,
    CLOSED_SHEET,
    PROSPECT,
    PROSPECT_SHEET,
    SERVICE,
    SERVICE_SHEET,
)

TODAY = date(2026, 11, 23)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
RULES = load_rules()


def read_book(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def table(rows: list[list], first_header: str) -> tuple[int, list[str], list[dict]]:
    """(0-based header index, headers, data rows as dicts) — header found by its first cell."""
    h = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    headers = [str(c) for c in rows[h] if c != ""]
    data = [dict(zip(headers, r)) for r in rows[h + 1:] if any(c != "" for c in r)]
    return h, headers, data


def parse_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v)
    for pattern in (r"(\d{4})-(\d{2})-(\d{2})", r"(\d{4})/(\d{1,2})/(\d{1,2})",
                    r"(\d{4})年(\d{1,2})月(\d{1,2})日", r"(\d{4})(\d{2})(\d{2})"):
        m = re.fullmatch(pattern, s)
        if m:
            try:
                return date(*map(int, m.groups()))
            except ValueError:
                return None
    return None


def valid_birthday(v) -> bool:
    if v == "":
        return True
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", str(v))
    if m:
        return 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 30
    d = parse_date(v)
    return d is not None and d <= TODAY


@pytest.fixture(scope="module")
def branch(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("branch")
    return out, make_sample(out, agents=12, seed=7, today=TODAY, csv_agents=1)


@pytest.fixture(scope="module")
def tidy(tmp_path_factory) -> list[Path]:
    return make_sample(tmp_path_factory.mktemp("tidy"), agents=6, seed=11, today=TODAY, messy=False)


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path):
    a = make_sample(tmp_path / "a", agents=3, seed=5, today=TODAY)
    b = make_sample(tmp_path / "b", agents=3, seed=5, today=TODAY)
    c = make_sample(tmp_path / "c", agents=3, seed=6, today=TODAY)
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes()
        assert read_book(x) == read_book(y)
    assert [read_book(p)[CLOSED_SHEET] for p in a] != [read_book(p)[CLOSED_SHEET] for p in c]


def test_files_named_by_agent_id_and_name(branch):
    out, paths = branch
    xlsx = [p for p in paths if p.suffix == ".xlsx"]
    assert len(xlsx) == 11 and len(paths) == 14
    assert sum(1 for p in xlsx if "工作日志" in read_book(p)) == 8  # agents 0, 1, 3, 4, 6, 7, 9, 10
    teams = set()
    for p in xlsx:
        sheets = read_book(p)
        # Two agents in three also keep a short 工作日志.
        assert list(sheets) in ([AGENT_SHEET, CLOSED_SHEET, PROSPECT_SHEET, SERVICE_SHEET],
                                [AGENT_SHEET, CLOSED_SHEET, PROSPECT_SHEET, SERVICE_SHEET, "工作日志"])
        kv = {r[0]: r[1] for r in sheets[AGENT_SHEET]}
        assert list(kv) == [f.name for f in AGENT_FIELDS]
        assert re.fullmatch(r"A\d{4}", kv["工号"])
        assert p.name == f"{kv['工号']}_{kv['姓名']}.xlsx"
        assert MOBILE.match(kv["手机"])
        teams.add(kv["团队"])
    assert 3 <= len(teams) <= 4


def test_headers_are_the_schema_names(branch):
    _, paths = branch
    extra_seen = False
    titled = 0
    for p in (p for p in paths if p.suffix == ".xlsx"):
        sheets = read_book(p)
        for sheet, schema in ((CLOSED_SHEET, CLOSED), (PROSPECT_SHEET, PROSPECT), (SERVICE_SHEET, SERVICE)):
            h, headers, _ = table(sheets[sheet], schema.columns[0].name)
            canonical = [c.name for c in schema.columns]
            assert headers[: len(canonical)] == canonical
            assert headers[len(canonical):] in ([], ["微信号"])
            extra_seen |= headers[len(canonical):] == ["微信号"]
            if h:
                titled += 1
                assert "客户档案清单" in str(sheets[sheet][0][0])
    assert extra_seen and titled >= 1


def test_all_eight_rating_combinations_across_the_branch(branch):
    _, paths = branch
    seen = set()
    for p in (p for p in paths if p.suffix == ".xlsx"):
        for sheet, first in ((CLOSED_SHEET, "客户编号"), (PROSPECT_SHEET, "客户编号")):
            _, _, rows = table(read_book(p)[sheet], first)
            for r in rows:
                combo = tuple(RULES.canonical(k, str(r[k])) for k in ("经济条件", "保险意识", "影响力"))
                seen.add((sheet, combo))
    for sheet in (CLOSED_SHEET, PROSPECT_SHEET):
        for combo in product(("好", "一般"), ("强", "一般"), ("广", "一般")):
            assert (sheet, combo) in seen


def test_clean_books_have_only_valid_phones(branch):
    out, _ = branch
    books = plan_sample(agents=12, seed=7, today=TODAY, csv_agents=1)
    clean = [b for b in books if b.clean]
    assert len(clean) >= 2
    for b in clean:
        sheets = read_book(out / f"{b.stem}.xlsx")
        _, _, closed = table(sheets[CLOSED_SHEET], "客户编号")
        _, _, prospects = table(sheets[PROSPECT_SHEET], "客户编号")
        phones = [r["投保人电话"] for r in closed] + [r["电话"] for r in prospects]
        phones += [r["被保人电话"] for r in closed if r["被保人电话"] != ""]
        assert phones and all(isinstance(v, str) and MOBILE.match(v) for v in phones)


def test_messy_sample_carries_every_deliberate_problem(branch):
    out, _ = branch
    books = plan_sample(agents=12, seed=7, today=TODAY, csv_agents=1)
    codes = {p.code for b in books for p in b.problems}
    assert codes == {code for _, code in PROBLEM_KINDS}
    for b in books:
        rows = sum(len(s.rows) for s in b.sheets.values())
        assert len(b.problems) <= max(4, rows * 0.05)
    # Problems point at the right cells.
    for b in (b for b in books if not b.csv):
        sheets = read_book(out / f"{b.stem}.xlsx")
        for prob in b.problems:
            if prob.row == 0:
                continue
            grid = sheets[prob.sheet]
            h = next(i for i, r in enumerate(grid) if prob.column in r)
            cell = grid[prob.row - 1][grid[h].index(prob.column)]
            if prob.code == "ambiguous-date":
                assert cell == "04/03/2015"
            elif prob.code == "invalid-date":
                assert cell == "2019-02-30"
            elif prob.code == "future-date":
                assert isinstance(cell, date) and cell > TODAY
            elif prob.code == "invalid-choice":
                assert cell == "还行"
            elif prob.code == "invalid-number":
                assert cell == 0
            elif prob.code == "totals-row":
                assert cell == "合计"
            elif prob.code == "invalid-phone":
                assert re.fullmatch(r"\d{10}", cell)
            elif prob.code == "suspicious-text":
                assert str(cell).startswith("=")
            elif prob.code == "phone-is-agent":
                assert cell == dict(sheets[AGENT_SHEET])["手机"]


def test_messy_false_has_no_malformed_values(tidy):
    assert len(tidy) == 6
    for p in tidy:
        sheets = read_book(p)
        _, headers, closed = table(sheets[CLOSED_SHEET], "客户编号")
        assert headers == [c.name for c in CLOSED.columns]
        policy_nos = [r["保单号"] for r in closed]
        assert len(set(policy_nos)) == len(policy_nos)
        assert all(isinstance(n, str) and n for n in policy_nos)
        for r in closed:
            assert MOBILE.match(r["投保人电话"])
            assert r["被保人电话"] == "" or MOBILE.match(r["被保人电话"])
            assert not str(r["投保人姓名"]).startswith("=")
            d = parse_date(r["投保日期"])
            assert d is not None and d <= TODAY
            assert r["最近服务日期"] == "" or parse_date(r["最近服务日期"]) <= TODAY
            assert valid_birthday(r["投保人生日"]) and valid_birthday(r["结婚纪念日"])
            premium = r["年交保费"]
            assert (isinstance(premium, float) and premium > 0) or re.fullmatch(r"\d+(\.\d)?万", premium)
            for col in CLOSED.columns:
                if col.vocab and r[col.name] != "":
                    assert RULES.canonical(col.vocab, str(r[col.name])) is not None, (col.name, r[col.name])
            if RULES.canonical("客户来源", r["客户来源"]) == "转介绍":
                assert r["介绍人"] != ""
        _, _, prospects = table(sheets[PROSPECT_SHEET], "客户编号")
        registered = [parse_date(r["登记日期"]) for r in prospects]
        assert all(d is not None and 0 <= (TODAY - d).days < 90 for d in registered)
        for r in prospects:
            assert MOBILE.match(r["电话"])
            for col in PROSPECT.columns:
                if col.vocab and r[col.name] != "":
                    assert RULES.canonical(col.vocab, str(r[col.name])) is not None
        _, _, services = table(sheets[SERVICE_SHEET], "日期")
        known = {str(r["客户编号"]) for r in closed + prospects} | {r["投保人姓名"] for r in closed}
        known |= {r["姓名"] for r in prospects}
        for r in services:
            assert RULES.canonical("服务项目", r["服务项目"]) == r["服务项目"]
            assert r["客户"] in known
            assert 0 <= (TODAY - parse_date(r["日期"])).days <= 365


def test_clients_are_realistic(tidy):
    """Add-on rates differ by agent, referrals point inside the book, client ids are consistent."""
    addon_rates = []
    for p in tidy:
        _, _, closed = table(read_book(p)[CLOSED_SHEET], "客户编号")
        policies: dict[str, int] = {}
        ids: dict[str, set] = {}
        for r in closed:
            policies[r["投保人姓名"]] = policies.get(r["投保人姓名"], 0) + 1
            ids.setdefault(r["投保人姓名"], set()).add(r["客户编号"])
        assert all(len(v) == 1 for v in ids.values())
        assert max(policies.values()) <= 3
        addon_rates.append(sum(v > 1 for v in policies.values()) / len(policies))
        known = set(policies) | {next(iter(v)) for v in ids.values()}
        refs = [r["介绍人"] for r in closed if r["介绍人"] != ""]
        assert refs and all(ref in known for ref in refs)
        assert 20 <= len(closed) <= 80
    assert min(addon_rates) < 0.6 < max(addon_rates)


def test_rows_gives_about_that_many_policies(tmp_path):
    (path,) = make_sample(tmp_path, agents=1, seed=3, today=TODAY, rows=800, messy=False)
    _, _, closed = table(read_book(path)[CLOSED_SHEET], "客户编号")
    assert 790 <= len(closed) <= 810


def test_csv_agent_files_and_encodings(branch):
    _, paths = branch
    csvs = [p for p in paths if p.suffix == ".csv"]
    stem = csvs[0].name.rsplit("_", 1)[0]
    assert sorted(p.name for p in csvs) == sorted(
        f"{stem}_{s}.csv" for s in (AGENT_SHEET, CLOSED_SHEET, PROSPECT_SHEET)
    )
    boms = gbs = 0
    for p in csvs:
        raw = p.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            boms += 1
            text = raw.decode("utf-8-sig")
        else:
            gbs += 1
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            text = raw.decode("gb18030")
        first = text.splitlines()[0]
        if p.stem.endswith("_" + CLOSED_SHEET):
            assert first.split(",") == [c.name for c in CLOSED.columns]
        elif p.stem.endswith("_" + PROSPECT_SHEET):
            assert first.split(",") == [c.name for c in PROSPECT.columns]
        else:
            assert first.startswith("工号,A")
    assert boms >= 1 and gbs >= 1


def test_committed_sample_data_matches_the_generator(branch):
    """sample_data/ is exactly what its README's call produces (values, names, CSV text)."""
    out, paths = branch
    committed = Path(__file__).resolve().parent.parent / "sample_data"
    assert sorted(p.name for p in committed.iterdir() if p.suffix in (".xlsx", ".csv")) == sorted(
        p.name for p in paths
    )
    for p in paths:
        if p.suffix == ".csv":
            assert (committed / p.name).read_bytes() == p.read_bytes()
        else:
            assert read_book(committed / p.name) == read_book(p)
