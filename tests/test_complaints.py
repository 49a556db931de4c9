"""Complaints log: ages with a fixed today, time to close, categories by team, no content."""

from dataclasses import asdict
from datetime import date

import pytest

from generator.complaints import age_labels, analyse_complaints, read_complaints
from generator.survey import BRANCH_ISSUE_CODES
from generator.rules import Rules, load_rules

from test_survey import flat, write_sheet

RULES = load_rules()
TODAY = date(2026, 11, 23)
TEAMS = {"A1001": "晨星组", "A1002": "启航组", "A1003": "晨星组"}
SECRET = "客户王秀英投诉"

ROWS = [
    ["投诉日期", "工号", "投诉类别", "投诉内容", "处理状态", "结案日期"],
    ["2026-11-20", "A1001", "人员-态度", SECRET, "处理中", None],          # 2: open, 3 days
    ["2026-11-01", "A1002", "迟到", "等了一小时", "处理中", None],           # 3: open, 22 days
    ["2026-10-01", "A1001", "业务本身", "条款解释", "跟进中", None],          # 4: open, 53 days, overdue
    ["2026-07-01", "A1003", "其他", "=HYPERLINK(\"x\")", None, None],       # 5: open, 145 days, overdue
    ["2026-09-01", "A1002", "人员-技能", "", "已结案", "2026-09-11"],        # 6: closed in 10 days
    ["2026-09-10", "A1001", "态度", "", None, "2026-09-14"],                # 7: closed (by date) in 4
    ["2026-10-05", "A1003", "业务本身", "", "已结案", "2026-10-20"],         # 8: closed in 15
    ["2026-10-10", "A9999", "业务本身", "", "已结案", "2026-10-09"],         # 9: closed before opened
    ["2026-10-10", "A1002", "吵架", "", "处理中", None],                     # 10: unknown category
    ["2026-12-01", "A1002", "其他", "", "处理中", None],                     # 11: in the future
    ["2026-10-12", "A1001", "其他", "", "已结案", None],                     # 12: closed, no date
    ["2026-11-22", "A9999", "业务本身", SECRET, "处理中", None],             # 13: unknown agent
    ["合计", None, None, None, None, None],                                  # 14: totals row
]


@pytest.fixture
def data(tmp_path):
    return read_complaints(write_sheet(tmp_path / "投诉.xlsx", "投诉记录", ROWS), RULES, TODAY, agents=TEAMS)


def test_issues_and_accounting(data):
    s = "投诉记录"
    assert flat(data.issues) == [
        [s, 9, "结案日期", "closed-before-opened"],
        [s, 9, "工号", "unknown-agent"],
        [s, 10, "投诉类别", "invalid-choice"],
        [s, 11, "投诉日期", "future-date"],
        [s, 12, "结案日期", "closed-without-date"],
        [s, 13, "工号", "unknown-agent"],
        [s, 14, None, "totals-row"],
    ]
    assert [i.column_letter for i in data.issues[:6]] == ["F", "B", "C", "A", "F", "B"]
    assert (data.rows.read, data.rows.accepted, data.rows.rejected) == (13, 9, 4)
    assert [c.row for c in data.complaints] == [2, 3, 4, 5, 6, 7, 8, 12, 13]
    assert data.complaints[1].category == "人员-迟到" and data.complaints[5].status == "已结案"


def test_analysis_by_hand(data):
    a = analyse_complaints(data, RULES, TODAY, TEAMS)
    assert (a.total, a.open, a.closed) == (9, 5, 4)
    assert a.open_by_age == {"0–7 天": 2, "8–30 天": 1, "31–90 天": 1, "90 天以上": 1}
    # Closed with both dates: 10, 4 and 15 days.
    assert a.mean_days_to_close == round(29 / 3, 2) and a.median_days_to_close == 10
    assert a.by_category == {"业务本身": 3, "人员-迟到": 1, "人员-态度": 2, "人员-技能": 1, "其他": 2}
    assert a.by_team == {
        "启航组": {"业务本身": 0, "人员-迟到": 1, "人员-态度": 0, "人员-技能": 1, "其他": 0},
        "晨星组": {"业务本身": 2, "人员-迟到": 0, "人员-态度": 2, "人员-技能": 0, "其他": 2},
        "未分组": {"业务本身": 1, "人员-迟到": 0, "人员-态度": 0, "人员-技能": 0, "其他": 0},
    }
    # No row has a response date: every open complaint older than a day is overdue on the
    # response clock; those older than 30 days on the closure clock as well.
    both, late = ("未及时回应", "超期未结案"), ("未及时回应",)
    assert [(o.row, o.date, o.agent_id, o.team, o.category, o.age_days, o.reasons) for o in a.overdue] == [
        (5, date(2026, 7, 1), "A1003", "晨星组", "其他", 145, both),
        (4, date(2026, 10, 1), "A1001", "晨星组", "业务本身", 53, both),
        (3, date(2026, 11, 1), "A1002", "启航组", "人员-迟到", 22, late),
        (2, date(2026, 11, 20), "A1001", "晨星组", "人员-态度", 3, late),
    ]
    # Closing dates stand in for responses: 10, 4 and 15 days are all late; row 12 has none.
    assert (a.responded_in_time, a.responded_late, a.awaiting_response) == (0, 3, 4)


def test_description_is_never_kept(data):
    a = analyse_complaints(data, RULES, TODAY, TEAMS)
    text = repr([asdict(c) for c in data.complaints]) + repr(a.to_dict()) + repr([i.to_dict() for i in data.issues])
    assert SECRET not in text and "HYPERLINK" not in text and "条款解释" not in text


def test_limit_and_buckets_come_from_rules(data):
    rules = RULES.model_copy(update={"complaints": RULES.complaints.model_copy(
        update={"open_limit_days": 60, "age_buckets_days": [30]})})
    a = analyse_complaints(data, rules, TODAY, TEAMS)
    assert a.open_by_age == {"0–30 天": 3, "30 天以上": 2}
    assert [o.row for o in a.overdue if "超期未结案" in o.reasons] == [5]
    assert age_labels([7, 30, 90]) == ["0–7 天", "8–30 天", "31–90 天", "90 天以上"]


def test_missing_columns_fail(tmp_path):
    p = write_sheet(tmp_path / "c.xlsx", "投诉记录", [["日期", "内容"], ["2026-11-01", "x"]])
    data = read_complaints(p, RULES, TODAY)
    assert data.status == "failed"
    assert [(i.code, i.column) for i in data.issues] == [("missing-column", "工号"), ("missing-column", "投诉类别")]


def test_without_agent_map_no_unknown_agent(tmp_path):
    data = read_complaints(write_sheet(tmp_path / "c.xlsx", "投诉记录", ROWS[:3]), RULES, TODAY)
    assert data.issues == [] and data.status == "ok"
    a = analyse_complaints(data, RULES, TODAY)
    assert a.by_team == {"未分组": {"业务本身": 0, "人员-迟到": 1, "人员-态度": 1, "人员-技能": 0, "其他": 0}}


def test_branch_codes_are_all_exercised(data, tmp_path):
    from generator.survey import read_survey
    rows = [["X·重要度", "X·满意度", "Y·重要度", "X·具备时", "X·不具备时"], [0, 3, 3, "还行", "喜欢"]]
    survey = read_survey(write_sheet(tmp_path / "s.xlsx", "满意度调查", rows), RULES)
    produced = {i.code for i in (*data.issues, *survey.issues)}
    assert BRANCH_ISSUE_CODES <= produced


RESPONSE_ROWS = [
    ["投诉日期", "工号", "投诉类别", "处理状态", "首次回应日期", "结案日期"],
    ["2026-11-10", "A1001", "业务本身", "处理中", "2026-11-10", None],   # 2: same day
    ["2026-11-10", "A1001", "业务本身", "处理中", "2026-11-11", None],   # 3: next day
    ["2026-11-10", "A1002", "业务本身", "处理中", "2026-11-12", None],   # 4: two days: late
    ["2026-11-10", "A1002", "业务本身", "处理中", "2026-11-09", None],   # 5: before opened: dropped
    ["2026-11-22", "A1003", "业务本身", "处理中", None, None],           # 6: yesterday, not yet due
    ["2026-11-21", "A1003", "业务本身", "处理中", None, None],           # 7: two days, no answer
    ["2026-10-01", "A1003", "业务本身", "处理中", "2026-10-01", None],   # 8: answered, never closed
    ["2026-11-01", "A1001", "其他", "已结案", None, "2026-11-02"],       # 9: closing answers it
]


def test_two_clocks_first_response_and_closure(tmp_path):
    data = read_complaints(write_sheet(tmp_path / "c.xlsx", "投诉记录", RESPONSE_ROWS), RULES, TODAY, agents=TEAMS)
    assert flat(data.issues) == [["投诉记录", 5, "首次回应日期", "optional-value-dropped"]]
    assert data.issues[0].column_letter == "E" and data.rows.accepted == 8
    a = analyse_complaints(data, RULES, TODAY, TEAMS)
    assert RULES.complaints.first_response_days == 1  # the standard: the same day or the next
    assert (a.responded_in_time, a.responded_late, a.awaiting_response) == (4, 1, 2)
    assert [(o.row, o.reasons) for o in a.overdue] == [
        (8, ("超期未结案",)), (5, ("未及时回应",)), (7, ("未及时回应",))]
    assert a.to_dict()["overdue"][0]["reasons"] == ["超期未结案"]
    # A same-day clock makes yesterday's unanswered complaint overdue and the next-day answer late.
    same_day = RULES.model_copy(update={"complaints": RULES.complaints.model_copy(
        update={"first_response_days": 0})})
    b = analyse_complaints(data, same_day, TODAY, TEAMS)
    assert (b.responded_in_time, b.responded_late, b.awaiting_response) == (2, 3, 3)
    assert [o.row for o in b.overdue] == [8, 5, 7, 6]


def test_response_clock_must_not_outlast_closure():
    data = RULES.model_dump(mode="json")
    data["complaints"]["first_response_days"] = 45
    with pytest.raises(ValueError, match="first_response_days"):
        Rules.model_validate(data)
