"""Validation: every issue code, row accounting, agent info, cross-row checks."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.issues import ISSUE_TYPES
from generator.models import RawBook, RawSheet
from generator.rules import load_rules
from generator.schema import CLOSED, PROSPECT, SERVICE
from generator.validate import validate_book

RULES = load_rules()
TODAY = date(2026, 11, 23)
AGENT = {"工号": "A1001", "姓名": "张三", "手机": "13700000000", "团队": "晨星组", "营业部": "东城营业部"}

CLOSED_HEADERS = [c.name for c in CLOSED.columns]
PROSPECT_HEADERS = [c.name for c in PROSPECT.columns]
SERVICE_HEADERS = [c.name for c in SERVICE.columns]


def closed_row(**over):
    base = {
        "客户编号": "C001", "投保人姓名": "李四", "投保人电话": "13812345678", "被保人姓名": "李四",
        "被保人电话": "", "投保日期": "2024-03-12", "保单号": "P0001", "险种": "重疾险", "交费方式": "年交",
        "缴费年限": "20", "年交保费": "12000", "投保人生日": "1985-03-12", "生日历法": "农历",
        "结婚纪念日": "", "地址": "北京市", "客户来源": "缘故", "介绍人": "", "经济条件": "好",
        "保险意识": "强", "影响力": "广", "资产能力": "", "信赖程度": "", "最近服务日期": "", "备注": "",
    }
    base.update(over)
    return [base.get(h, "") for h in CLOSED_HEADERS]


def prospect_row(**over):
    base = {"姓名": "王五", "电话": "13912345678", "登记日期": "2026-11-01", "客户来源": "陌生",
            "经济条件": "一般", "保险意识": "一般", "影响力": "一般"}
    base.update(over)
    return [base.get(h, "") for h in PROSPECT_HEADERS]


def raw_book(closed=(), prospects=(), services=(), *, agent=AGENT, headers=None, stem="A1001_张三"):
    sheets = {}
    if closed is not None:
        sheets["成交客户"] = RawSheet("成交客户", "成交客户", 1, headers or CLOSED_HEADERS,
                                  [(i + 2, list(r)) for i, r in enumerate(closed)])
    if prospects:
        sheets["未成交客户"] = RawSheet("未成交客户", "未成交客户", 1, PROSPECT_HEADERS,
                                   [(i + 2, list(r)) for i, r in enumerate(prospects)])
    if services:
        sheets["服务记录"] = RawSheet("服务记录", "服务记录", 1, SERVICE_HEADERS,
                                  [(i + 2, list(r)) for i, r in enumerate(services)])
    return RawBook(Path(f"{stem}.xlsx"), f"{stem}.xlsx", stem, sheets, agent)


def check(raw):
    return validate_book(raw, RULES, today=TODAY)


def flat(book, *fields):
    fields = fields or ("sheet", "row", "column", "code")
    return [[getattr(i, f) for f in fields] for i in book.issues]


def test_clean_book_is_clean():
    book = check(raw_book([closed_row()], [prospect_row()]))
    assert book.issues == [] and book.status == "ok"
    rec = book.closed[0]
    assert rec.get("policy_date") == date(2024, 3, 12)
    assert rec.get("premium") == 12000.0 and rec.get("pay_years") == 20
    assert rec.get("calendar") == "农历" and rec.get("source") == "缘故"
    assert book.agent.agent_id == "A1001" and book.agent.team == "晨星组"


def test_defaults_fill_blank_optional_choices():
    book = check(raw_book([closed_row(生日历法="")]))
    assert book.closed[0].get("calendar") == "公历" and book.issues == []


def test_unsure_payment_terms_are_warned_once_per_cell():
    """A blank 交费方式 is planned as 年交 but kept blank and warned about (the calendar's
    due dates may be wrong); so is a blank 缴费年限 unless the policy is 趸交."""
    book = check(raw_book([
        closed_row(交费方式="", 缴费年限=""),
        closed_row(保单号="P0002", 交费方式="趸交", 缴费年限=""),
        closed_row(保单号="P0003", 交费方式="趸交", 缴费年限="10"),
        closed_row(保单号="P0004", 交费方式="按揭", 缴费年限="二十"),  # unusable: reported once, as such
    ]))
    assert sorted(flat(book)) == [
        ["成交客户", 2, "交费方式", "pay-mode-blank"], ["成交客户", 2, "缴费年限", "pay-years-blank"],
        ["成交客户", 4, "缴费年限", "single-premium-years"],
        ["成交客户", 5, "交费方式", "optional-value-dropped"], ["成交客户", 5, "缴费年限", "optional-value-dropped"],
    ]
    assert book.closed[0].get("pay_mode") is None and len(book.closed) == 4
    assert all(i.severity == "warning" and i.column_letter for i in book.issues)
    assert book.closed[2].issues[0].code == "single-premium-years" and "10 年" in book.closed[2].issues[0].message


@pytest.mark.parametrize("over,expected", [
    ({"投保人姓名": ""}, [["成交客户", 2, "投保人姓名", "missing-required"]]),
    ({"投保人电话": "1381234567"}, [["成交客户", 2, "投保人电话", "invalid-phone"]]),
    ({"投保日期": "2019-02-30"}, [["成交客户", 2, "投保日期", "invalid-date"]]),
    ({"投保日期": "04/03/2015"}, [["成交客户", 2, "投保日期", "ambiguous-date"]]),
    ({"投保日期": "2027-01-01"}, [["成交客户", 2, "投保日期", "future-date"]]),
    ({"经济条件": "还行"}, [["成交客户", 2, "经济条件", "invalid-choice"]]),
    ({"客户来源": "路上"}, [["成交客户", 2, "客户来源", "invalid-choice"]]),
    ({"年交保费": "0"}, [["成交客户", 2, "年交保费", "invalid-number"]]),
    ({"年交保费": "很多"}, [["成交客户", 2, "年交保费", "invalid-number"]]),
])
def test_row_errors_reject(over, expected):
    book = check(raw_book([closed_row(**over)]))
    assert flat(book) == expected
    assert book.closed == [] and book.rows["成交客户"].to_dict() == {"read": 1, "accepted": 0, "rejected": 1}
    assert book.issues[0].severity == "error" and book.issues[0].column_letter
    assert book.status == "warnings"


@pytest.mark.parametrize("over,column", [
    ({"被保人电话": "12345"}, "被保人电话"),
    ({"投保人生日": "1985-13-40"}, "投保人生日"),
    ({"资产能力": "超级多"}, "资产能力"),
    ({"最近服务日期": "2030-01-01"}, "最近服务日期"),
    ({"缴费年限": "二十"}, "缴费年限"),
])
def test_bad_optional_values_are_dropped_with_warning(over, column):
    book = check(raw_book([closed_row(**over)]))
    assert flat(book) == [["成交客户", 2, column, "optional-value-dropped"]]
    assert len(book.closed) == 1 and book.issues[0].severity == "warning"


def test_duplicate_policy_rejects_second_copy():
    book = check(raw_book([closed_row(), closed_row(客户编号="C002", 投保人姓名="赵六", 投保人电话="13812345679")]))
    assert flat(book) == [["成交客户", 3, "保单号", "duplicate-policy"]]
    assert "第 2 行" in book.issues[0].message
    assert [r.row for r in book.closed] == [2]


def test_totals_row_rejected():
    row = [""] * len(CLOSED_HEADERS)
    row[0], row[CLOSED_HEADERS.index("年交保费")] = "合计", "99999"
    book = check(raw_book([closed_row(), row]))
    assert flat(book) == [["成交客户", 3, None, "totals-row"]]
    assert book.rows["成交客户"].to_dict() == {"read": 2, "accepted": 1, "rejected": 1}


def test_phone_is_agent_and_shared_phone_warn_but_keep():
    rows = [
        closed_row(投保人电话="137 0000 0000"),
        closed_row(客户编号="C2", 保单号="P2", 投保人姓名="钱七", 投保人电话="13811112222"),
        closed_row(客户编号="C3", 保单号="P3", 投保人姓名="孙八", 投保人电话="13811112222"),
        # an insured child on the holder's phone is normal: no warning
        closed_row(客户编号="C4", 保单号="P4", 投保人姓名="周九", 投保人电话="13822223333",
                   被保人姓名="周小九", 被保人电话="13822223333"),
    ]
    book = check(raw_book(rows))
    assert sorted(flat(book)) == sorted([
        ["成交客户", 2, "投保人电话", "phone-is-agent"],
        ["成交客户", 3, "投保人电话", "shared-phone"],
        ["成交客户", 4, "投保人电话", "shared-phone"],
    ])
    assert len(book.closed) == 4


def test_same_person_two_policies_is_not_shared_phone():
    rows = [closed_row(), closed_row(保单号="P0002")]
    assert check(raw_book(rows)).issues == []


def test_names_formula_prefix_and_too_long():
    rows = [closed_row(投保人姓名="=HYPERLINK(\"http://x\")"), closed_row(保单号="P2", 投保人姓名="李" * 60,
                                                                       投保人电话="13800000009")]
    book = check(raw_book(rows))
    assert flat(book) == [["成交客户", 2, "投保人姓名", "suspicious-text"], ["成交客户", 3, "投保人姓名", "name-too-long"]]
    assert len(book.closed) == 2


def test_header_issues():
    headers = CLOSED_HEADERS + ["微信号", "保单号"]
    book = check(raw_book([closed_row() + ["wx123", "P-second-column"]], headers=headers))
    codes = [c for _, _, _, c in flat(book)]
    assert "unknown-column" in codes and "duplicate-column" in codes
    assert book.closed[0].extra == {"微信号": "wx123"}
    assert book.closed[0].get("policy_no") == "P0001"  # the first of two same-named columns wins


def test_missing_required_column():
    headers = [h for h in CLOSED_HEADERS if h != "险种"]
    row = [v for h, v in zip(CLOSED_HEADERS, closed_row()) if h != "险种"]
    book = check(raw_book([row], headers=headers))
    assert ["成交客户", 1, "险种", "missing-column"] in flat(book)
    assert book.closed == []
    assert book.rows["成交客户"].rejected == 1


def test_agent_info_from_file_name_when_sheet_missing():
    book = check(raw_book([closed_row()], agent=None, stem="B2002_李雷"))
    assert (book.agent.agent_id, book.agent.name) == ("B2002", "李雷")
    assert flat(book) == [["代理人", None, "工号、姓名", "agent-info-missing"]]


def test_agent_sheet_beats_file_name():
    book = check(raw_book([closed_row()], stem="X_Y"))
    assert (book.agent.agent_id, book.agent.name) == ("A1001", "张三")


def test_service_records_and_unknown_client():
    services = [["2026-10-01", "C001", "定期拜访", "上门", "满意"], ["2026-10-02", "不存在的人", "拜访", "", ""],
                ["2026-10-03", "C001", "洗车", "", ""]]
    book = check(raw_book([closed_row()], services=services))
    assert flat(book) == [["服务记录", 4, "服务项目", "invalid-choice"], ["服务记录", 3, "客户", "unknown-client"]]
    assert [r.get("item") for r in book.services] == ["定期拜访", "定期拜访"]


def test_prospect_registration_in_future_rejected():
    book = check(raw_book([], [prospect_row(登记日期="2026-12-01")]))
    assert flat(book) == [["未成交客户", 2, "登记日期", "future-date"]]


def test_validator_codes_are_registered():
    """The codes the tests above produce are registered file/sheet/row codes."""
    produced = {
        "missing-required", "invalid-phone", "invalid-date", "ambiguous-date", "future-date", "invalid-choice",
        "invalid-number", "duplicate-policy", "totals-row", "optional-value-dropped", "phone-is-agent",
        "shared-phone", "suspicious-text", "name-too-long", "unknown-client", "unknown-column",
        "duplicate-column", "missing-column", "agent-info-missing", "pay-mode-blank", "pay-years-blank",
        "single-premium-years",
    }
    assert produced <= {c for c, t in ISSUE_TYPES.items() if t.scope != "file"}


cell = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**12, 10**12),
                 st.floats(allow_nan=True), st.dates())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=0, max_size=len(CLOSED_HEADERS) + 2), max_size=8))
def test_accounting_always_balances(rows):
    """Whatever the cells hold, validation never raises and read = accepted + rejected."""
    book = check(raw_book(rows))
    count = book.rows["成交客户"]
    assert count.read == len(rows) == count.accepted + count.rejected
    assert len(book.closed) == count.accepted
    rejected_rows = {i.row for i in book.issues if i.severity == "error" and i.sheet == "成交客户" and i.row != 1}
    header_errors = any(i.code == "missing-column" for i in book.issues)
    assert header_errors or len(rejected_rows) == count.rejected


def test_data_under_a_blank_header_is_kept_and_warned():
    headers = CLOSED_HEADERS + [None]
    book = check(raw_book([closed_row() + ["写在没有表头的列里"]], headers=headers))
    letter = book.issues[0].column_letter
    assert flat(book) == [["成交客户", 1, f"（无表头·{letter}列）", "unknown-column"]]
    assert book.closed[0].extra == {f"（无表头·{letter}列）": "写在没有表头的列里"}
    # A blank header over an empty column is not worth a word.
    assert check(raw_book([closed_row() + [None]], headers=headers)).issues == []


# ------------------------------------------------------------------ issue 13: clear messages, bounded reports


def test_invisible_characters_in_a_header_are_dropped_and_named():
    headers = ["保\u200b单号" if h == "保单号" else "\u202e年交保费" if h == "年交保费" else h for h in CLOSED_HEADERS]
    book = check(raw_book([closed_row()], headers=headers))
    assert book.rows["成交客户"].accepted == 1  # not "缺少必填列 保单号"
    found = {(i.code, i.column, i.row) for i in book.issues}
    assert found == {("header-invisible-chars", "保单号", 1), ("header-invisible-chars", "年交保费", 1)}
    assert "文字方向控制符" in next(i.message for i in book.issues if i.column == "年交保费")


def test_text_longer_than_a_cell_is_warned_per_cell():
    headers = CLOSED_HEADERS + ["家访记录"]
    row = closed_row(备注="记" * 40_000) + ["访" * 32_768]
    book = check(raw_book([row, closed_row(保单号="P2", 备注="记" * 32_767) + [""]], headers=headers))
    too_long = [(i.column, i.row, i.severity) for i in book.issues if i.code == "text-too-long"]
    assert too_long == [("备注", 2, "warning"), ("家访记录", 2, "warning")]
    assert book.closed[0].get("notes") == "记" * 40_000  # the value is kept whole; the warning says where it is cut


def test_cell_notes_replace_missing_required():
    from generator.models import CellNote

    raw = raw_book([closed_row(投保人电话=None, 投保人生日=None), closed_row(保单号="P2", 年交保费=None)])
    col = CLOSED_HEADERS.index
    raw.sheets["成交客户"].notes = [
        CellNote(2, col("投保人电话"), "excel-error-cell", "#N/A"),
        CellNote(2, col("投保人生日"), "excel-error-cell", "#REF!"),
        CellNote(3, col("年交保费"), "formula-no-value", "=A3*2"),
    ]
    book = check(raw)
    assert flat(book, "row", "column", "code", "severity") == [
        [2, "投保人电话", "excel-error-cell", "error"], [2, "投保人生日", "excel-error-cell", "warning"],
        [3, "年交保费", "formula-no-value", "error"]]
    assert book.rows["成交客户"].rejected == 2 and "没有填写" not in book.issues[0].message


def test_a_sheet_of_rejected_rows_makes_a_bounded_list_with_exact_counts():
    rows = [closed_row(保单号=f"P{i}", 投保人电话="1", 投保日期="坏", 年交保费="-1") for i in range(300)]
    book = check(raw_book(rows))
    assert book.rows["成交客户"].rejected == 300
    assert len(book.issues) == 3 * 21
    for code in ("invalid-phone", "invalid-date", "invalid-number"):
        mine = [i for i in book.issues if i.code == code]
        assert sum(i.count for i in mine) == 300
        assert mine[-1].rows == [[22, 301]] and mine[-1].count == 280


# ------------------------------------------------------------------ issue 14 item 9: input as agents type it


def test_lunar_birthday_text_sets_the_calendar_and_keeps_the_leap_month():
    from generator.models import MonthDay

    rows = [closed_row(保单号="P1", 投保人生日="闰六月初十", 生日历法=""),
            closed_row(保单号="P2", 投保人生日="腊月三十", 生日历法="公历"),
            closed_row(保单号="P3", 投保人生日="3月12日", 生日历法="")]
    book = check(raw_book(rows))
    got = [(r.get("birthday"), r.get("calendar")) for r in book.closed]
    assert got == [(MonthDay(6, 10, lunar=True, leap=True), "农历"), (MonthDay(12, 30, lunar=True), "农历"),
                   (MonthDay(3, 12), "公历")]
    assert flat(book, "row", "column", "code") == [[3, "生日历法", "optional-value-dropped"]]


def test_lunar_anniversary_is_refused_with_a_reason():
    book = check(raw_book([closed_row(结婚纪念日="八月十五")]))
    (issue,) = book.issues
    assert issue.column == "结婚纪念日" and "公历" in issue.message and book.closed[0].get("anniversary") is None


def test_lunar_birthday_reaches_the_calendar():
    from generator.classify import classify_book
    from generator.plan import plan_book

    book = check(raw_book([closed_row(投保人生日="八月十五", 生日历法="")]))
    classify_book(book, RULES, today=TODAY)
    tasks = plan_book(book, RULES, today=date(2026, 9, 1), days=60)
    assert any("农历生日（八月十五" in t.occasion for t in tasks)


@pytest.mark.parametrize("column", ["经济条件", "保险意识", "影响力", "资产能力", "信赖程度"])
@pytest.mark.parametrize("word, level", [("良好", 0), ("一般般", -1), ("差", -1), ("不错", 0), ("较差", -1)])
def test_rating_synonyms_mean_the_same_in_every_rating_column(column, word, level):
    vocab = RULES.choices(column)
    book = check(raw_book([closed_row(**{column: word})], [prospect_row(**{column: word})]))
    key = {"经济条件": "economy", "保险意识": "awareness", "影响力": "influence", "资产能力": "capability",
           "信赖程度": "trust"}[column]
    assert book.issues == []
    assert book.closed[0].get(key) == book.prospects[0].get(key) == vocab[level]


def test_every_generic_rating_word_has_one_level_in_every_column():
    """The rules file's own synonyms must agree with the generic words, column by column."""
    from generator.schema import RATING_VOCABS, RATING_WORDS

    for vocab in RATING_VOCABS:
        levels = RULES.choices(vocab)
        for level, words in RATING_WORDS.items():
            want = levels[0] if level == "high" else levels[-1]
            for word in words:
                canon = RULES.canonical(vocab, word)
                assert canon in (None, want), (vocab, word, canon)
