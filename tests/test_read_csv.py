"""CSV bytes → rows: size caps like a workbook's, quotes that swallow rows, encodings."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import read_csv, zipguard
from generator.read import discover, read_source
from generator.read_csv import csv_rows, load_csv
from generator.zipguard import UnreadableFile

from corpus.make_corpus import CLOSED_HEADERS, _csv_text, closed


def _refused(data: bytes) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as err:
        csv_rows(data, "t.csv")
    return err.value


def test_byte_cap_refuses_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "1001_张三_成交客户.csv"
    path.write_bytes(b"a,b\n" * 1000)
    assert load_csv(path)
    monkeypatch.setattr(read_csv, "MAX_CSV_BYTES", 1000)
    with pytest.raises(UnreadableFile) as err:
        load_csv(path)
    assert err.value.code == "file-too-large" and "MiB" in err.value.detail


def test_row_column_and_cell_caps(monkeypatch):
    monkeypatch.setattr(zipguard, "MAX_ROWS", 100)
    monkeypatch.setattr(zipguard, "MAX_COLUMNS", 10)
    monkeypatch.setattr(zipguard, "MAX_CELLS", 500)
    assert len(csv_rows(b"x\n" * 99, "t.csv")[0]) == 99
    assert _refused(b"x\n" * 100).code == "file-too-large"  # one-cell rows: no longer unbounded
    wide = _refused(b"a\n" + b",".join([b"x"] * 11) + b"\n")
    assert wide.code == "file-too-large" and "第 2 行有 11 列" in wide.detail
    assert _refused(b"a,b,c,d,e,f,g,h\n" * 80).code == "too-many-cells"


@pytest.mark.parametrize("text, swallowed", [
    ('a,b,c,d\n1,"x,2,3\n4,5,6,7\n8,9,10,11\n', "的 2 行（文件第 3–4 行）"),  # open to the end of the file
    ('a,b,c,d\n1,"x,2,3\n4,5,6,7"\n8,9,10,11\n', "的 1 行（文件第 3 行）"),  # closed one line later
    ('a;b;c;d\n1;"x;2;3\n4;5;6;7\n', "的 1 行（文件第 3 行）"),  # any delimiter
])
def test_a_quote_that_swallows_rows_is_noted(text, swallowed):
    rows, notes = csv_rows(text.encode(), "t.csv")
    (note,) = notes
    assert (note.row, note.col, note.code, note.detail) == (2, 1, "csv-unclosed-quote", swallowed)


def test_a_real_multiline_cell_is_not_a_swallowed_row():
    rows, notes = csv_rows('a,b,c,d\n1,"北京市朝阳区\n望京街道 8 号",3,4\n5,6,7,8\n'.encode(), "t.csv")
    assert notes == [] and len(rows) == 3
    # A title row above the header does not make the check trigger-happy.
    rows, notes = csv_rows('2026 年客户,,,\na,b,c,d\n1,"北京, 朝阳\n望京, 8 号",3,4\n'.encode(), "t.csv")
    assert notes == [] and len(rows) == 3


def test_the_swallowing_row_is_rejected_with_the_lines_named(tmp_path):
    text = _csv_text(CLOSED_HEADERS, [closed(1), closed(2, 险种='"重疾险'), closed(3), closed(4)])
    path = tmp_path / "1001_张三_成交客户.csv"
    path.write_text(text.replace('"""重疾险"', '"重疾险'), encoding="utf-8")
    from generator.rules import load_rules
    from generator.validate import validate_book
    from corpus.make_corpus import TODAY

    book = validate_book(read_source(discover(path)[0]), load_rules(), today=TODAY)
    assert book.rows["成交客户"].to_dict() == {"read": 2, "accepted": 1, "rejected": 1}
    (issue,) = [i for i in book.issues if i.code == "csv-unclosed-quote"]
    assert issue.row == 3 and issue.column == "险种" and "的 2 行（文件第 4–5 行）" in issue.message


def test_big5_is_one_encoding_message_and_gbk_is_not_mistaken_for_it():
    big5 = "投保人姓名,投保人電話,保單號,險種,客戶來源\r\n張三,13912340000,P1,終身壽險,緣故\r\n".encode("big5")
    assert _refused(big5).code == "csv-encoding"
    gbk = "投保人姓名,投保人电话,保单号,险种,客户来源\r\n𠮷野家,13912340000,P1,终身寿险,缘故\r\n".encode("gb18030")
    assert csv_rows(gbk, "t.csv")[0][1][0] == "𠮷野家"
    rare = "姓名\r\n赟,龑,昇,喆,堃,淼,犇,鑫\r\n".encode("gb18030")  # rare name characters, still GB
    assert csv_rows(rare, "t.csv")[0][1][0] == "赟"


def test_a_cell_longer_than_the_csv_default_field_limit_is_read():
    note = "长" * 200_000  # past csv's 131,072 default; the byte cap bounds it instead
    rows, _ = csv_rows(f"a,b\n1,{note}\n".encode(), "t.csv")
    assert rows[1][1] == note


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_read_or_refused_never_crash(data):
    try:
        rows, notes = csv_rows(data, "t.csv")
    except UnreadableFile:
        return
    assert all(n.row <= len(rows) for n in notes)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet='ab,"张 ', max_size=6), min_size=1, max_size=5),
                     min_size=1, max_size=6))
def test_well_quoted_rows_round_trip_without_notes(rows):
    """What a csv writer produced (quotes escaped, no line breaks in cells) reads back as is."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    got, notes = csv_rows(buf.getvalue().encode("utf-8"), "t.csv")
    assert notes == []
    assert len(got) == len(rows)


def test_one_agents_csv_files_share_the_caps(tmp_path, monkeypatch):
    for sheet in ("成交客户", "未成交客户"):
        (tmp_path / f"1001_张三_{sheet}.csv").write_bytes(b"a,b,c,d\n" * 40)
    (source,) = discover(tmp_path)
    assert len(source.files) == 2 and read_source(source)
    monkeypatch.setattr(zipguard, "MAX_CELLS", 200)  # each file alone (160 cells) fits
    with pytest.raises(UnreadableFile) as err:
        read_source(source)
    assert err.value.code == "too-many-cells"
    monkeypatch.setattr(read_csv, "MAX_CSV_BYTES", 400)  # each file alone (320 bytes) fits
    with pytest.raises(UnreadableFile) as err:
        read_source(source)
    assert err.value.code == "file-too-large" and "2 个 CSV 文件合计" in err.value.detail
