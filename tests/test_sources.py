"""Finding books: formats we do not read, links out of the folder, the output folder
inside the input, names that are not UTF-8 — each named in the report, none fatal."""

import json
import os
from pathlib import Path

import pytest

from generator import build
from generator.read import UnreadableFile, discover, read_source
from generator.sources import OTHER_FORMATS, readable_name, sheet_for

from corpus.make_corpus import TODAY, _book, agent, closed


def _display(sources):
    return {s.display: s for s in sources}


@pytest.mark.parametrize("suffix", sorted(OTHER_FORMATS))
def test_spreadsheets_we_do_not_read_get_a_report_line(tmp_path, suffix):
    (tmp_path / f"1001_张三{suffix}").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    (tmp_path / "说明.docx").write_bytes(b"PK")  # not a spreadsheet: not ours to mention
    (source,) = discover(tmp_path)
    assert source.kind == "other" and source.files == ()
    with pytest.raises(UnreadableFile) as err:
        read_source(source)
    assert err.value.code == "file-format" and suffix in err.value.detail


def test_links_out_of_the_input_folder_are_reported_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = _book(outside / "2001_外部.xlsx", [closed(1)])
    books = tmp_path / "in"
    books.mkdir()
    inside = _book(books / "1001_张三.xlsx", [closed(2)])
    os.symlink(secret, books / "2001_外部.xlsx")
    os.symlink(outside, books / "外部目录")
    os.symlink(inside, books / "同一本.xlsx")  # a link that stays inside: read once, where it lives
    os.symlink(books / "nowhere.xlsx", books / "断开.xlsx")  # broken: nothing to read or say
    found = _display(discover(books))
    assert set(found) == {"1001_张三.xlsx", "2001_外部.xlsx", "外部目录"}
    for name in ("2001_外部.xlsx", "外部目录"):
        assert found[name].problem[0] == "file-outside-input" and found[name].files == ()
        with pytest.raises(UnreadableFile) as err:
            read_source(found[name])
        assert err.value.code == "file-outside-input"


def test_the_output_folder_inside_the_input_is_never_read_back(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    _book(books / "1001_张三.xlsx", [closed(1)], kv=agent("1001", "张三"))
    first = build(books, books / "out", today=TODAY, history=False, use_cache=False)
    assert (books / "out" / "workbooks").is_dir() and len(first.agents) == 1
    second = build(books, books / "out", today=TODAY, history=False, use_cache=False)
    assert [b.source for b in second.agents] == ["1001_张三.xlsx"]
    assert discover(books, exclude=[books / "out"]) == discover(books)[:1]


def test_a_name_that_is_not_utf8_is_shown_readably_and_warned(tmp_path):
    raw = os.fsencode(tmp_path) + b"/1001_" + "张三".encode("gbk") + b".xlsx"
    _book(Path(os.fsdecode(raw)), [closed(1)], kv=agent("1001", "张三"))
    (source,) = discover(tmp_path)
    assert source.display == "1001_张三.xlsx" and source.stem == "1001_张三"
    book = read_source(source)
    assert [i.code for i in book.issues] == ["file-name-encoding"]
    assert "1001_张三.xlsx" in book.issues[0].message


def test_a_build_survives_a_name_that_is_not_utf8(tmp_path):
    books = tmp_path / "in"
    books.mkdir()
    _book(Path(os.fsdecode(os.fsencode(books) + b"/1001_\xff\xfe.xlsx")), [closed(1)], kv=agent("1001", "张三"))
    result = build(books, tmp_path / "out", today=TODAY, history=False)
    (book,) = result.agents
    assert book.status == "warnings" and "\ufffd" in book.source
    assert book.source.encode("utf-8")  # valid text everywhere downstream
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["issues"][0]["code"] == "file-name-encoding"


def test_readable_name_leaves_good_names_alone():
    assert readable_name("1001_张三.xlsx") == "1001_张三.xlsx"
    assert readable_name(os.fsdecode("李四".encode("gbk"))) == "李四"


@pytest.mark.parametrize("title, sheet", [
    ("成交客户", "成交客户"), ("成交客户 (2)", "成交客户"), ("成交客户（3）", "成交客户"), ("成交客户 - 副本", "成交客户"),
    ("未成交客户(2)", "未成交客户"), ("成交客户（旧）", "成交客户"), ("成交客户-备份", "成交客户"),
    ("成交客户2025", "成交客户"), ("成交客户 2025年", "成交客户"), ("Sheet1 (2)", None), ("成交", None),
])
def test_sheet_for_knows_copies(title, sheet):
    found = sheet_for(title)
    assert (found.name if found else None) == sheet
