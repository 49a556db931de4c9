from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from generator.rules import load_rules
from generator.schema import AGENT_FIELDS, DATA_SHEETS, column_letter, header_index, normalize_header
from generator.template import LISTS_SHEET, TEMPLATE_ROWS, load_texts, write_template

RULES = load_rules()


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tpl") / "模板.xlsx"
    write_template(out, RULES)
    return out


@pytest.fixture(scope="module")
def wb(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def values(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_sheets(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == ["说明", "代理人", "成交客户", "未成交客户", "服务记录", "工作日志", LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert all(wb[n].sheet_state == "visible" for n in wb.sheetnames if n != LISTS_SHEET)


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.name)
def test_headers_are_canonical_and_no_data_rows(wb: openpyxl.Workbook, sheet: Any) -> None:
    ws = wb[sheet.name]
    assert values(ws) == [[c.name for c in sheet.columns]]  # header only, no example rows
    assert ws.freeze_panes == "A2"
    # The reader's own header matching finds every column.
    index = header_index(sheet)
    assert [index[normalize_header(c.value)].key for c in ws[1]] == [c.key for c in sheet.columns]
    for i, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(1, i)
        if col.required:
            assert cell.fill.fgColor.rgb.endswith("C00000"), col.name
        else:
            assert not cell.fill.fgColor.rgb.endswith("C00000"), col.name


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.name)
def test_drop_downs_on_every_choice_column(wb: openpyxl.Workbook, sheet: Any) -> None:
    ws = wb[sheet.name]
    lists = wb[LISTS_SHEET]
    list_cols = {lists.cell(1, c).value: c for c in range(1, lists.max_column + 1)}
    by_col = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    for i, col in enumerate(sheet.columns):
        dv = by_col[f"{column_letter(i)}2"]
        assert str(dv.sqref) == f"{column_letter(i)}2:{column_letter(i)}{TEMPLATE_ROWS + 1}"
        assert dv.promptTitle == col.name and dv.prompt
        if col.kind == "choice":
            assert dv.type == "list"
            assert LISTS_SHEET in dv.formula1
            # The referenced range holds exactly the canonical words of the vocabulary.
            letter = column_letter(list_cols[col.vocab] - 1)
            assert dv.formula1 == f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(RULES.choices(col.vocab)) + 1}"
            words = [lists[f"{letter}{r}"].value for r in range(2, len(RULES.choices(col.vocab)) + 2)]
            assert words == RULES.choices(col.vocab)
        elif col.kind == "date":
            assert dv.type == "date"
        if col.hint:
            assert col.hint in dv.prompt


def test_column_formats(wb: openpyxl.Workbook) -> None:
    ws = wb["成交客户"]
    formats = {c.name: ws.column_dimensions[column_letter(i)] for i, c in enumerate(DATA_SHEETS[0].columns)}
    # Column styles: phones and policy numbers stay text, dates use yyyy-mm-dd.
    assert formats["投保人电话"].number_format == "@"
    assert formats["保单号"].number_format == "@"
    assert formats["投保日期"].number_format == "yyyy-mm-dd"


def test_lists_sheet_has_canonical_words_only(wb: openpyxl.Workbook) -> None:
    rows = values(wb[LISTS_SHEET])
    assert rows[0] == list(RULES.vocabularies)
    for i, vocab in enumerate(RULES.vocabularies):
        column = [r[i] for r in rows[1:] if i < len(r) and r[i] is not None]
        assert column == RULES.choices(vocab)


def test_agent_sheet(wb: openpyxl.Workbook) -> None:
    rows = values(wb["代理人"])
    assert [r[0] for r in rows[1:]] == [f.name for f in AGENT_FIELDS]
    assert all(r[1] is None for r in rows[1:])  # values left blank
    assert all(r[2] for r in rows[1:])  # every field has a hint


def test_examples_only_on_help_sheet(wb: openpyxl.Workbook) -> None:
    texts = load_texts()
    help_values = {c for row in values(wb["说明"]) for c in row if c is not None}
    for sheet_name, example in texts["examples"].items():
        shown = {v for v in example.values() if v not in ("", None)}
        for v in shown:
            expected = datetime(v.year, v.month, v.day) if hasattr(v, "year") else v
            assert expected in help_values, (sheet_name, v)
        for other in ("代理人", *(s.name for s in DATA_SHEETS)):
            other_values = {c for row in values(wb[other]) for c in row if c is not None}
            assert not (other_values & {v for v in shown if isinstance(v, str) and len(v) > 2})


def test_help_lists_required_columns_and_choices(wb: openpyxl.Workbook) -> None:
    text = "\n".join(str(c) for row in values(wb["说明"]) for c in row if c is not None)
    for sheet in DATA_SHEETS:
        assert "、".join(c.name for c in sheet.required) in text
    assert "好 / 一般" in text and "缘故 / 转介绍 / 陌生" in text


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.name)
def test_examples_are_valid(sheet: Any) -> None:
    example = load_texts()["examples"][sheet.name]
    for col in sheet.columns:
        value = example.get(col.key)
        if col.required:
            assert value not in (None, ""), col.name
        if col.kind == "choice" and value:
            assert value in RULES.choices(col.vocab), col.name


def test_bad_texts_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("title: x\nexamples:\n  成交客户: {nope: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nope"):
        load_texts(bad)


def test_same_rules_same_template(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(a, RULES)
    write_template(b, RULES)
    wa, wb_ = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    for ws in wa.worksheets:
        assert values(ws) == values(wb_[ws.title])
