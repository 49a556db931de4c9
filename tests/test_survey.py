"""Satisfaction survey: gap ranking and grid by hand, Kano table, bad scores as row issues."""

from pathlib import Path

import pytest
import xlsxwriter

from generator.issues import ISSUE_TYPES
from generator.parse import ValueProblem
from generator.rules import Rules, load_rules
from generator.survey import (
    KANO_CLASSES,
    KANO_TABLE,
    BRANCH_ISSUE_CODES,
    analyse_survey,
    branch_file_kind,
    kano_class,
    parse_score,
    read_survey,
)

RULES = load_rules()


def write_sheet(path: Path, sheet: str, rows: list[list], extra_sheets: tuple[str, ...] = ()) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    for name in extra_sheets:
        wb.add_worksheet(name)
    wb.close()
    return path


def flat(issues):
    return [[i.sheet, i.row, i.column, i.code] for i in issues]


# Five respondents, five attributes; (importance, satisfaction) per attribute. Columns
# are laid out A, E, B, D, C so the tie between B and E is settled by importance, not
# by column order.
A, B, C, D, E = "热线容易接通", "理赔及时", "整体服务态度", "现场响应速度", "人员专业能力"
ORDER = (A, E, B, D, C)
SCORES = [
    {A: (5, 3), B: (4, 4), C: (3, 4), D: (2, 2), E: (4, 3)},
    {A: (4, 2), B: (5, 3), C: (3, 5), D: (3, 2), E: (4, 3)},
    {A: (5, 3), B: (4, 4), C: (2, 4), D: (2, 3), E: (4, 4)},
    {A: (4, 3), B: (5, 4), C: (3, 4), D: (3, 2), E: (4, 3)},
    {A: (5, 4), B: (4, 3), C: (3, 5), D: (2, 3), E: (4, 3)},
]
KANO_A = [("喜欢", "不喜欢"), ("理应如此", "不喜欢"), ("无所谓", "不喜欢"), ("喜欢", "无所谓"), ("能忍受", "不喜欢")]


def survey_rows(with_kano: bool = True) -> list[list]:
    header = ["受访者编号"] + [f"{a}·{p}" for a in ORDER for p in ("重要度", "满意度")]
    if with_kano:
        header += [f"{A}·具备时", f"{A}·不具备时"]
    rows = [["客户满意度调查（2026 年第四季度）"], header]
    for n, s in enumerate(SCORES):
        row = [f"R{n + 1}"] + [v for a in ORDER for v in s[a]]
        if with_kano:
            row += list(KANO_A[n])
        rows.append(row)
    return rows


def test_gap_ranking_and_grid_by_hand(tmp_path):
    data = read_survey(write_sheet(tmp_path / "s.xlsx", "满意度调查", survey_rows()), RULES)
    assert data.issues == [] and data.status == "ok"
    assert (data.rows.read, data.rows.accepted, data.rows.rejected) == (5, 5, 0)
    result = analyse_survey(data, RULES)
    # By hand, gap = satisfaction − importance: A 23/5=4.6, 15/5=3.0, gap −1.6 ·
    # B 4.4, 3.6, −0.8 · E 4.0, 3.2, −0.8 · D 2.4, 2.4, 0 · C 2.8, 4.4, +1.6.
    # The most negative gap is fixed first; B and E tie on the gap, B is more important.
    got = [(a.rank, a.attribute, a.respondents, round(a.importance, 6), round(a.satisfaction, 6), round(a.gap, 6))
           for a in result.ranked]
    assert got == [
        (1, A, 5, 4.6, 3.0, -1.6),
        (2, B, 5, 4.4, 3.6, -0.8),
        (3, E, 5, 4.0, 3.2, -0.8),
        (4, D, 5, 2.4, 2.4, 0.0),
        (5, C, 5, 2.8, 4.4, 1.6),
    ]
    # Splits: mean of the five means: (4.6+4.4+2.8+2.4+4.0)/5 = 3.64; (3.0+3.6+4.4+2.4+3.2)/5 = 3.32.
    assert result.importance_split == pytest.approx(3.64)
    assert result.satisfaction_split == pytest.approx(3.32)
    assert {a.attribute: a.quadrant for a in result.ranked} == {
        A: "优先改进", E: "优先改进", B: "继续保持", D: "次要改进", C: "可能过度投入"}
    # Kano pairs of A: O, M, M, A, M → must-be.
    a = result.ranked[0]
    assert (a.kano, a.kano_counts, a.kano_name) == ("M", {"M": 3, "O": 1, "A": 1}, "当然质量")
    assert result.ranked[1].kano is None


def test_configured_grid_thresholds(tmp_path):
    data = read_survey(write_sheet(tmp_path / "s.xlsx", "满意度调查", survey_rows(False)), RULES)
    rules = RULES.model_copy(update={"survey": RULES.survey.model_copy(
        update={"grid": RULES.survey.grid.model_copy(update={"importance": 4.5, "satisfaction": 3.0})})})
    quads = {a.attribute: a.quadrant for a in analyse_survey(data, rules).ranked}
    # importance ≥ 4.5 only A; satisfaction ≥ 3.0 all but D.
    assert quads == {A: "继续保持", B: "可能过度投入", E: "可能过度投入", D: "次要改进", C: "可能过度投入"}


@pytest.mark.parametrize("functional,dysfunctional,cls", [
    ("喜欢", "喜欢", "Q"), ("喜欢", "理应如此", "A"), ("喜欢", "能忍受", "A"), ("喜欢", "不喜欢", "O"),
    ("理应如此", "不喜欢", "M"), ("能忍受", "不喜欢", "M"), ("无所谓", "无所谓", "I"),
    ("不喜欢", "喜欢", "R"), ("不喜欢", "不喜欢", "Q"), ("理应如此", "喜欢", "R"),
])
def test_kano_evaluation_table(functional, dysfunctional, cls):
    assert kano_class(functional, dysfunctional) == cls


def test_kano_table_is_complete():
    assert len(KANO_TABLE) == 25
    assert sorted(set(KANO_TABLE.values())) == ["A", "I", "M", "O", "Q", "R"]


def test_kano_tie_goes_to_the_more_basic_class(tmp_path):
    rows = [["X·具备时", "X·不具备时"], ["喜欢", "不喜欢"], ["喜欢", "无所谓"], ["很喜欢", "不喜欢"], ["喜欢", "能忍受"]]
    data = read_survey(write_sheet(tmp_path / "k.xlsx", "满意度调查", rows), RULES)
    result = analyse_survey(data, RULES)
    assert result.ranked == [] and result.kano_only == {"X": ("O", {"O": 2, "A": 2})}


@pytest.mark.parametrize("value,score", [(1, 1), (5.0, 5), ("3", 3), ("４分", 4), (" 2 ", 2)])
def test_parse_score_accepts(value, score):
    assert parse_score(value) == score


@pytest.mark.parametrize("value", [0, 6, "很好", 3.5, "", True, "-1"])
def test_parse_score_rejects(value):
    with pytest.raises(ValueProblem) as info:
        parse_score(value)
    assert info.value.code == "invalid-score"


def test_bad_scores_are_row_issues(tmp_path):
    rows = [
        ["编号", f"{A}·重要度", f"{A}·满意度", f"{B}·重要度", f"{B}·满意度", f"{C}·重要度",
         f"{A}·具备时", f"{A}·不具备时", "推荐意愿"],
        ["1", 0, 3, 4, 4, 5, "喜欢", "不喜欢", "高"],
        ["2", 4, 6, 4, 4, 5, None, None],
        ["3", 4, 3, "很好", 4, 5, "还行", "不喜欢"],
        ["4", 4, 3, 4, None, 5, None, None],      # a skipped answer is fine
        ["5", None, None, None, None, None],     # no answer at all
        ["平均", 4, 3, 4, 4, 5],
        [None] * 9,                                 # blank rows are not rows
        ["6", 5, 5, 5, 5, 5, "理所当然", "不喜欢"],
    ]
    data = read_survey(write_sheet(tmp_path / "bad.xlsx", "满意度调查", rows), RULES)
    s = "满意度调查"
    assert flat(data.issues) == [
        [s, 1, "推荐意愿", "unknown-column"],
        [s, 1, f"{C}·重要度", "unpaired-score-column"],
        [s, 2, f"{A}·重要度", "invalid-score"],
        [s, 3, f"{A}·满意度", "invalid-score"],
        [s, 4, f"{B}·重要度", "invalid-score"],
        [s, 4, f"{A}·具备时", "invalid-kano-answer"],
        [s, 6, "评分", "missing-required"],
        [s, 7, None, "totals-row"],
    ]
    by_row = {i.row: i for i in reversed(data.issues)}  # the first issue of each row
    assert by_row[2].column_letter == "B" and by_row[3].column_letter == "C"
    assert "很好" in by_row[4].message and by_row[4].file == "bad.xlsx"
    assert all(i.severity == "error" for i in data.issues[2:])
    assert (data.rows.read, data.rows.accepted, data.rows.rejected) == (7, 2, 5)
    assert [r.row for r in data.responses] == [5, 9]
    result = analyse_survey(data, RULES)
    b = next(a for a in result.ranked if a.attribute == B)
    assert b.respondents == 1  # row 5 skipped B's satisfaction
    a = result.ranked[0]
    assert (a.attribute, a.kano) == (A, "M")


def test_missing_score_columns_fail(tmp_path):
    data = read_survey(write_sheet(tmp_path / "x.xlsx", "满意度调查", [["姓名", "意见"], ["张", "好"]]), RULES)
    assert data.status == "failed" and [i.code for i in data.issues] == ["missing-column"]


def test_unreadable_survey_is_a_failed_result(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"not a zip")
    data = read_survey(p, RULES)
    assert data.status == "failed" and data.issues[0].code == "file-unreadable"


def test_branch_file_kind(tmp_path):
    assert branch_file_kind(write_sheet(tmp_path / "a.xlsx", "满意度调查", [["x"]])) == "survey"
    assert branch_file_kind(write_sheet(tmp_path / "b.xlsx", "说明", [["x"]], ("投诉记录",))) == "complaints"
    assert branch_file_kind(write_sheet(tmp_path / "c.xlsx", "成交客户", [["x"]])) is None
    (tmp_path / "d.xlsx").write_bytes(b"junk")
    assert branch_file_kind(tmp_path / "d.xlsx") is None
    assert branch_file_kind(tmp_path / "e.csv") is None


def test_standard_example_gap_is_negative(tmp_path):
    # The standard's comparison table: 理赔及时 importance 4.2, satisfaction 2.1 → −2.1.
    rows = [["理赔及时·重要度", "理赔及时·满意度", "回访及时·重要度", "回访及时·满意度"]]
    rows += [[i, s, 3, 4] for i, s in [(5, 2), (4, 2), (4, 3), (4, 2), (4, 1), (4, 2), (4, 3), (4, 2), (5, 2), (4, 2)]]
    result = analyse_survey(read_survey(write_sheet(tmp_path / "s.xlsx", "满意度调查", rows), RULES), RULES)
    first, second = result.ranked
    assert (first.attribute, first.importance, first.satisfaction) == ("理赔及时", pytest.approx(4.2), pytest.approx(2.1))
    assert first.gap == pytest.approx(-2.1) and first.rank == 1
    assert (second.attribute, second.gap) == ("回访及时", pytest.approx(1.0))


def test_kano_names_are_the_standards():
    assert [KANO_CLASSES[c] for c in "MOA"] == ["当然质量", "期望质量", "迷人质量"]
    assert set(KANO_CLASSES) == {"M", "O", "A", "I", "R", "Q"}


def test_default_attributes_fit_a_life_branch_and_keep_the_example(tmp_path):
    attrs = RULES.survey.attributes
    assert not {"定损公平合理", "现场响应速度"} & set(attrs) and {"理赔及时", "保全办理便捷"} <= set(attrs)
    example = RULES.survey.examples["财产险公司示例"]
    assert "定损公平合理" in example and "现场响应速度" in example
    # A rules file may pick the example set by name.
    data = RULES.model_dump(mode="json")
    data["survey"]["attributes"] = "财产险公司示例"
    assert Rules.model_validate(data).survey.attributes == example
    data["survey"]["attributes"] = "不存在的示例"
    with pytest.raises(ValueError, match="不存在的示例"):
        Rules.model_validate(data)


def test_rules_defaults_and_old_files_load(tmp_path):
    assert RULES.survey.attributes[0] == "热线容易接通" and len(RULES.survey.attributes) == 8
    assert RULES.complaints.open_limit_days == 30
    data = RULES.model_dump(mode="json", exclude={"survey", "complaints", "campaigns"})
    old = Rules.model_validate(data)
    assert old.campaigns == [] and old.survey.grid.importance is None
    assert list(old.complaints.categories) == ["业务本身", "人员-迟到", "人员-态度", "人员-技能", "其他"]
    listed = Rules.model_validate({**data, "complaints": {"categories": ["产品", "服务"]}})
    assert listed.complaints.categories == {"产品": [], "服务": []}


def test_every_branch_code_is_registered():
    assert BRANCH_ISSUE_CODES <= set(ISSUE_TYPES)


def test_sheet_names_are_read_without_opening_the_workbook(tmp_path):
    import zipfile

    from python_calamine import CalamineWorkbook

    from generator.survey import _sheet_names, branch_file_kind

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    books = sorted(sample.rglob("*.xlsx"))
    assert books
    for path in books:  # the fast path agrees with calamine on every committed workbook
        assert _sheet_names(path) == CalamineWorkbook.from_path(str(path)).sheet_names
    odd = tmp_path / "odd.xlsx"
    wb = xlsxwriter.Workbook(odd)
    wb.add_worksheet("A&B <1>")
    wb.add_worksheet("满意度调查")
    wb.close()
    assert _sheet_names(odd) == ["A&B <1>", "满意度调查"]
    assert branch_file_kind(odd) == "survey"
    # Not laid out the usual way (or not a zip at all): the caller falls back to calamine.
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(odd) as src, zipfile.ZipFile(moved, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename.replace("xl/workbook.xml", "xl/book.xml"), src.read(item))
    assert _sheet_names(moved) is None
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert _sheet_names(junk) is None and branch_file_kind(junk) is None
