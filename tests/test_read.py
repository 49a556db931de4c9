import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from generator import zipguard
from generator.parse import clean_text
from generator.read import Source, UnreadableFile, discover, read_source

from corpus.make_corpus import rezip

CLOSED_HEADERS = ["投保人姓名", "投保人电话", "投保日期", "保单号", "险种", "年交保费", "客户来源"]
PROSPECT_HEADERS = ["姓名", "电话", "登记日期", "客户来源"]


# ------------------------------------------------------------------ builders


def openpyxl_book(path: Path, sheets: dict[str, list[tuple[str, object]]]) -> Path:
    """sheets: {title: [(cell ref, value), ...]}; cell refs keep the layout explicit."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for ref, value in cells:
            ws[ref] = value
    wb.save(path)
    return path


def row_cells(row: int, values: list[object], first_col: str = "A") -> list[tuple[str, object]]:
    start = ord(first_col) - 65
    return [(f"{chr(65 + start + i)}{row}", v) for i, v in enumerate(values) if v is not None]


def simple_book(path: Path, extra: dict | None = None) -> Path:
    sheets = {"成交客户": row_cells(1, CLOSED_HEADERS)
              + row_cells(2, ["张三", "13812345678", "2024-01-05", "P001", "终身寿", 12000, "缘故"])}
    sheets.update(extra or {})
    return openpyxl_book(path, sheets)


def source(path: Path) -> Source:
    (found,) = discover(path)
    return found


def read_file(path: Path):
    return read_source(source(path))


def unreadable(path: Path) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as info:
        read_file(path)
    assert info.value.detail
    return info.value


# ------------------------------------------------------------------ Excel layout


def test_openpyxl_title_row_blank_rows_and_types(tmp_path):
    path = openpyxl_book(tmp_path / "1001_张三.xlsx", {
        "成交客户": [
            ("A1", "张三的成交客户清单"),  # title row above the header
            *row_cells(3, CLOSED_HEADERS),
            *row_cells(4, ["李四", "013812345678", datetime(2024, 1, 5), "0012345", "终身寿", 12000, "缘故"]),
            # row 5 and 6 blank
            *row_cells(7, ["王五", 13912345678, date(2023, 6, 1), "P2", "重疾", 3000.5, "陌生"]),
            ("J8", "备注在很远的列"),  # a value beyond the header is kept, aligned
        ],
        "代理人": [("A1", "工号"), ("B1", "1001"), ("A2", "姓名"), ("B2", "张三")],
        "说明": [("A1", "随便写的")],
    })
    book = read_file(path)
    assert book.stem == "1001_张三" and book.display == "1001_张三.xlsx"
    assert book.agent_kv == {"工号": "1001", "姓名": "张三"}
    assert book.other_sheets == ["说明"]
    sheet = book.sheets["成交客户"]
    assert (sheet.name, sheet.title, sheet.header_row) == ("成交客户", "成交客户", 3)
    assert sheet.headers == CLOSED_HEADERS
    assert [n for n, _ in sheet.rows] == [4, 7, 8]
    row4, row7, row8 = (cells for _, cells in sheet.rows)
    assert row4[1] == "013812345678" and isinstance(row4[1], str)  # text keeps its zero
    assert row4[3] == "0012345"
    assert isinstance(row4[2], (date, datetime)) and row4[2].year == 2024
    assert isinstance(row7[1], (int, float)) and clean_text(row7[1]) == "13912345678"
    assert row7[2] == date(2023, 6, 1) or row7[2] == datetime(2023, 6, 1)
    assert row7[5] == 3000.5
    assert len(row8) == 10 and row8[9] == "备注在很远的列" and row8[:9] == [None] * 9


def test_xlsxwriter_book(tmp_path):
    path = tmp_path / "1002_李四.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("成交客户清单")  # an alias of 成交客户
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range("A1:G1", "李四 2024 年客户")  # merged title cell
    ws.write_row(1, 0, CLOSED_HEADERS)
    ws.write_string(2, 0, "赵六")
    ws.write_string(2, 1, "013800000000")
    ws.write_datetime(2, 2, datetime(2022, 2, 28), date_fmt)
    ws.write_string(2, 3, "000123")
    ws.write_number(4, 1, 13812345678)
    ws.set_row(3, None, None, {"hidden": True})
    ws.write_string(3, 0, "隐藏行")
    prospects = wb.add_worksheet("未成交客户")
    prospects.write_row(4, 2, PROSPECT_HEADERS)  # header at C5
    prospects.write_row(5, 2, ["孙七", "13712345678", "2024-05-01", "转介绍"])
    wb.close()

    book = read_file(path)
    closed = book.sheets["成交客户"]
    assert closed.title == "成交客户清单" and closed.header_row == 2
    rows = dict(closed.rows)
    assert sorted(rows) == [3, 4, 5]
    assert rows[3][1] == "013800000000" and rows[3][3] == "000123"
    assert isinstance(rows[3][2], (date, datetime)) and (rows[3][2].year, rows[3][2].month) == (2022, 2)
    assert rows[4][0] == "隐藏行"
    assert clean_text(rows[5][1]) == "13812345678" and len(rows[5]) == len(CLOSED_HEADERS)
    prospect = book.sheets["未成交客户"]
    assert prospect.header_row == 5
    assert prospect.headers == [None, None, *PROSPECT_HEADERS]  # cell i is column i
    assert prospect.rows == [(6, [None, None, "孙七", "13712345678", "2024-05-01", "转介绍"])]


@pytest.mark.parametrize("suffix", [".xlsm", ".XLSX"])
def test_other_excel_suffixes(tmp_path, suffix):
    xlsx = simple_book(tmp_path / "book.xlsx")
    target = tmp_path / "in" / f"1001_张三{suffix}"
    target.parent.mkdir()
    shutil.copy(xlsx, target)
    book = read_file(target)
    assert book.sheets["成交客户"].rows[0][1][0] == "张三"


def test_header_fallback_is_first_non_empty_row(tmp_path):
    path = openpyxl_book(tmp_path / "b.xlsx", {
        "成交客户": [("B3", "乱写的表头"), ("C3", "另一个"), ("B4", "张三")],
    })
    sheet = read_file(path).sheets["成交客户"]
    assert sheet.header_row == 3
    assert sheet.headers == [None, "乱写的表头", "另一个"]
    assert sheet.rows == [(4, [None, "张三", None])]


def test_header_search_stops_after_ten_non_empty_rows(tmp_path):
    cells = [(f"A{r}", f"标题{r}") for r in range(1, 11)] + row_cells(11, CLOSED_HEADERS)
    sheet = read_file(openpyxl_book(tmp_path / "b.xlsx", {"成交客户": cells})).sheets["成交客户"]
    assert sheet.header_row == 1
    cells = [(f"A{r}", f"标题{r}") for r in range(1, 10)] + row_cells(12, CLOSED_HEADERS)
    sheet = read_file(openpyxl_book(tmp_path / "c.xlsx", {"成交客户": cells})).sheets["成交客户"]
    assert sheet.header_row == 12


def test_header_needs_two_known_columns(tmp_path):
    path = openpyxl_book(tmp_path / "b.xlsx", {"成交客户": [
        ("A1", "姓名"),  # one match alone is a title, not a header
        *row_cells(2, ["客户姓名", "手机", "保费"]),  # aliases count
    ]})
    assert read_file(path).sheets["成交客户"].header_row == 2


def test_empty_data_sheet(tmp_path):
    path = openpyxl_book(tmp_path / "b.xlsx", {"成交客户": [], "未成交客户": row_cells(1, PROSPECT_HEADERS)})
    book = read_file(path)
    assert (book.sheets["成交客户"].header_row, book.sheets["成交客户"].rows) == (0, [])
    assert book.sheets["未成交客户"].rows == []


def test_second_sheet_for_same_data_sheet_is_kept_aside(tmp_path):
    path = simple_book(tmp_path / "b.xlsx", {"成交客户清单": row_cells(1, CLOSED_HEADERS)})
    book = read_file(path)
    assert book.sheets["成交客户"].title == "成交客户"
    assert [s.title for s in book.extra_sheets] == ["成交客户清单"] and book.other_sheets == []


# ------------------------------------------------------------------ 代理人 sheet


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param([("A1", "项目"), ("B1", "内容"), ("A2", "工号"), ("B2", 1001), ("A3", "姓名"), ("B3", "张三"),
                      ("A4", "手机"), ("B4", 13800000000), ("A5", "营业部"), ("B5", "一部"),
                      ("A6", "入司日期"), ("B6", "2020-01-01")], id="two-columns"),
        pytest.param([("B2", "代理人工号"), ("C2", 1001), ("B3", " 姓 名 "), ("C3", "张三"), ("B5", "电话"),
                      ("C5", 13800000000), ("B6", "分公司"), ("C6", "一部")], id="two-columns-aliases"),
        pytest.param([*row_cells(1, ["工号", "姓名", "手机", "营业部", "团队"]),
                      *row_cells(2, [1001, "张三", 13800000000, "一部"])], id="header-row"),
        pytest.param([("A1", "代理人信息"), *row_cells(3, ["agent id", "Name", "Phone", "Branch"]),
                      *row_cells(4, [1001, "张三", 13800000000, "一部"])], id="header-row-english"),
    ],
)
def test_agent_sheet_layouts(tmp_path, cells):
    book = read_file(simple_book(tmp_path / "b.xlsx", {"代理人": cells}))
    kv = book.agent_kv
    assert kv is not None
    assert clean_text(kv["工号"]) == "1001" and kv["姓名"] == "张三"
    assert clean_text(kv["手机"]) == "13800000000" and kv["营业部"] == "一部"
    assert set(kv) <= {"工号", "姓名", "手机", "团队", "营业部"}


def test_agent_sheet_absent_or_empty(tmp_path):
    assert read_file(simple_book(tmp_path / "a.xlsx")).agent_kv is None
    assert read_file(simple_book(tmp_path / "b.xlsx", {"代理人": []})).agent_kv == {}


# ------------------------------------------------------------------ CSV


def write_csv(path: Path, lines: list[str], encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_group(tmp_path, encoding):
    folder = tmp_path / "in"
    write_csv(folder / "1001_张三_成交客户.csv", [
        "张三的成交客户,,,,,,",
        "",
        ",".join(CLOSED_HEADERS),
        "李四,013812345678,2024/1/5,0012,终身寿,12000,缘故",
        ",,,,,,",
        '"王,五",13912345678,2024年1月5日,P2,"多行\n备注",1.2万,陌生',
    ], encoding)
    write_csv(folder / "1001_张三_未成交客户.csv", [",".join(PROSPECT_HEADERS), "孙七,137,2024-05-01,"], encoding)
    write_csv(folder / "1001_张三_代理人.csv", ["项目,内容", "工号,1001", "姓名,张三"], encoding)
    (src,) = discover(folder)
    assert src.kind == "csv" and src.stem == "1001_张三" and src.display == "1001_张三_*.csv"
    assert [p.name for p in src.files] == ["1001_张三_代理人.csv", "1001_张三_成交客户.csv", "1001_张三_未成交客户.csv"]
    book = read_source(src)
    assert book.agent_kv == {"工号": "1001", "姓名": "张三"}
    closed = book.sheets["成交客户"]
    assert (closed.title, closed.header_row, closed.headers) == ("1001_张三_成交客户.csv", 3, CLOSED_HEADERS)
    assert closed.rows == [
        (4, ["李四", "013812345678", "2024/1/5", "0012", "终身寿", "12000", "缘故"]),
        (6, ["王,五", "13912345678", "2024年1月5日", "P2", "多行\n备注", "1.2万", "陌生"]),
    ]
    assert book.sheets["未成交客户"].rows == [(2, ["孙七", "137", "2024-05-01", None])]
    assert book.other_sheets == []


def test_csv_tab_separated_utf16(tmp_path):
    path = tmp_path / "1001_张三_成交客户.csv"
    path.write_bytes(("\t".join(CLOSED_HEADERS) + "\n张三\t0138\n").encode("utf-16"))
    assert read_file(path).sheets["成交客户"].rows == [(2, ["张三", "0138"] + [None] * 5)]


def test_csv_named_like_a_sheet(tmp_path):
    path = write_csv(tmp_path / "成交客户.csv", [",".join(CLOSED_HEADERS), "张三"], "utf-8")
    src = source(path)
    assert (src.stem, src.display) == ("成交客户", "成交客户.csv")
    assert read_source(src).sheets["成交客户"].rows[0][0] == 2


def test_csv_not_following_convention(tmp_path):
    path = write_csv(tmp_path / "客户.csv", [",".join(CLOSED_HEADERS)], "utf-8")
    err = unreadable(path)
    assert err.code == "no-data-sheets" and "客户.csv" in err.detail


# ------------------------------------------------------------------ discovery


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_discover_folder(tmp_path):
    root = tmp_path / "books"
    for rel in ["b/2002_王五.xlsx", "a/1001_张三.xlsm", "a/~$1001_张三.xlsx", ".hidden.xlsx",
                ".git/x.xlsx", "notes.txt", "a/readme.md", "c/3003_赵六_成交客户.csv",
                "c/3003_赵六_代理人.csv", "c/3004_孙七_未成交客户.csv", "c/杂项.csv", "Z.XLSX"]:
        touch(root / rel)
    found = discover(root)
    assert [s.display for s in found] == [
        "Z.XLSX", "a/1001_张三.xlsm", "b/2002_王五.xlsx", "c/3003_赵六_*.csv",
        "c/3004_孙七_*.csv", "c/杂项.csv",
    ]
    assert [s.kind for s in found] == ["xlsx", "xlsx", "xlsx", "csv", "csv", "csv"]
    assert [s.stem for s in found] == ["Z", "1001_张三", "2002_王五", "3003_赵六", "3004_孙七", "杂项"]
    group = found[3]
    assert [p.name for p in group.files] == ["3003_赵六_代理人.csv", "3003_赵六_成交客户.csv"]
    assert group.path == group.files[0]


def test_discover_same_prefix_in_two_folders_stays_apart(tmp_path):
    touch(tmp_path / "x/1001_张三_成交客户.csv")
    touch(tmp_path / "y/1001_张三_成交客户.csv")
    assert [s.display for s in discover(tmp_path)] == ["x/1001_张三_*.csv", "y/1001_张三_*.csv"]


def test_discover_files_and_lists(tmp_path):
    a = touch(tmp_path / "sub/1001_张三.xlsx")
    b = touch(tmp_path / "old.xls")
    assert [(s.display, s.files) for s in discover(a)] == [("1001_张三.xlsx", (a,))]
    # Named explicitly, an unsupported file is kept so its reader can say why it fails.
    assert [s.display for s in discover([a, b, a])] == ["1001_张三.xlsx", "old.xls"]
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing")
    assert discover(tmp_path / "sub") == discover([tmp_path / "sub"]) == discover(str(tmp_path / "sub"))


# ------------------------------------------------------------------ unreadable files


def test_empty_files(tmp_path):
    assert unreadable(touch(tmp_path / "a.xlsx", b"")).code == "file-empty"
    assert unreadable(touch(tmp_path / "1001_张三_成交客户.csv", b"")).code == "file-empty"


@pytest.mark.parametrize(
    "data, detail_has",
    [
        pytest.param("投保人姓名,电话\n张三,138\n".encode(), "不是 Excel 格式", id="csv-renamed"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "密码", id="encrypted-or-xls"),
        pytest.param(b"PK\x03\x04garbage", "不是 Excel 格式", id="broken-zip"),
    ],
)
def test_unreadable_bytes(tmp_path, data, detail_has):
    err = unreadable(touch(tmp_path / "b.xlsx", data))
    assert err.code == "file-unreadable" and detail_has in err.detail


def test_truncated_workbook(tmp_path):
    full = simple_book(tmp_path / "full.xlsx").read_bytes()
    err = unreadable(touch(tmp_path / "cut.xlsx", full[: len(full) // 2]))
    assert err.code == "file-unreadable"


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    assert unreadable(path).code == "file-unreadable"


def test_unsupported_extension(tmp_path):
    path = simple_book(tmp_path / "b.xlsx").rename(tmp_path / "b.xls")
    err = unreadable(path)
    assert err.code == "file-format" and ".xls" in err.detail


def test_csv_with_unknown_encoding(tmp_path):
    path = touch(tmp_path / "1001_张三_成交客户.csv", b"\x81\x30\xff\xff\x00\x01" * 10)
    assert unreadable(path).code == "file-unreadable"


@pytest.mark.parametrize(
    "sheets, listed",
    [
        ({"Sheet1": [("A1", "x")], "说明": []}, "Sheet1、说明"),
        ({"代理人": [("A1", "工号")], "服务记录": row_cells(1, ["日期", "客户"])}, "代理人、服务记录"),
    ],
)
def test_no_data_sheets(tmp_path, sheets, listed):
    err = unreadable(openpyxl_book(tmp_path / "b.xlsx", sheets))
    assert err.code == "no-data-sheets" and err.detail == listed


DOCTYPE = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _inject(part: bytes, prolog: bytes) -> bytes:
    start = part.index(b"<", part.index(b"?>") + 2) if part.startswith(b"<?xml") else 0
    return prolog + part[start:]


@pytest.mark.parametrize(
    "member, prolog",
    [
        ("xl/sharedStrings.xml", DOCTYPE),
        ("xl/worksheets/sheet1.xml", XXE),
        ("xl/workbook.xml", b"<?xml version='1.0'?><!-- harmless --> <!ENTITY x 'y'>"),
        ("[Content_Types].xml", b"\xef\xbb\xbf<?xml version='1.0'?>\n<!doctype x>"),
        ("xl/_rels/workbook.xml.rels", b"<?xml version='1.0'?>" + b"<!--" + b"p" * 100_000 + b"-->"),
        ("xl/styles.xml", "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE x>".encode("utf-16")),
    ],
    ids=["doctype-shared-strings", "xxe-sheet", "entity-after-comment", "bom-lowercase",
         "endless-comment", "utf16"],
)
def test_dtd_and_entities_are_unsafe(tmp_path, member, prolog):
    # xlsxwriter writes xl/sharedStrings.xml (openpyxl does not); use both writers.
    if member == "xl/sharedStrings.xml":
        src = tmp_path / "src.xlsx"
        wb = xlsxwriter.Workbook(str(src))
        wb.add_worksheet("成交客户").write_row(0, 0, CLOSED_HEADERS)
        wb.close()
    else:
        src = openpyxl_book(tmp_path / "src.xlsx", {"成交客户": row_cells(1, CLOSED_HEADERS) + [("A2", "张三")]})
    with zipfile.ZipFile(src) as z:
        assert member in z.namelist()
        original = z.read(member)
    bad = rezip(src, tmp_path / "bad.xlsx", {member: _inject(original, prolog)})
    err = unreadable(bad)
    assert err.code == "file-unsafe" and member in err.detail


def test_rezipped_clean_book_is_fine(tmp_path):
    src = simple_book(tmp_path / "src.xlsx")
    copy = rezip(src, tmp_path / "copy.xlsx", {})
    assert read_file(copy).sheets["成交客户"].rows[0][1][0] == "张三"


def test_size_cap(tmp_path, monkeypatch):
    path = simple_book(tmp_path / "b.xlsx")
    assert read_file(path).sheets
    monkeypatch.setattr(zipguard, "MAX_UNCOMPRESSED", 1000)
    err = unreadable(path)
    assert err.code == "file-unsafe" and "解压后过大" in err.detail


def test_zip_bomb_shaped_book(tmp_path, monkeypatch):
    monkeypatch.setattr(zipguard, "MAX_UNCOMPRESSED", 8 * 1024 * 1024)  # keeps the test fast
    src = simple_book(tmp_path / "src.xlsx")
    # Megabytes of spaces compress to kilobytes: the declared size gives it away.
    bomb = rezip(src, tmp_path / "bomb.xlsx", {"xl/padding.xml": b" " * (zipguard.MAX_UNCOMPRESSED + 10)})
    assert bomb.stat().st_size < zipguard.MAX_UNCOMPRESSED // 100
    assert unreadable(bomb).code == "file-unsafe"


@pytest.mark.parametrize(
    "ref, ok",
    [("A49999", True), ("A50000", False), ("CZ10", True), ("DA10", False),
     ("XFD1048576", False), ("AAA1", False), ("B123456", False)],
)
def test_far_cells_are_refused_before_calamine(tmp_path, ref, ok):
    # calamine allocates the full rectangle up to the farthest cell; XFD1048576 would
    # abort the whole process, so the reader must refuse it first.
    path = simple_book(tmp_path / "b.xlsx", {"备注": [("A1", "x"), (ref, "far")]})
    if ok:
        assert read_file(path).other_sheets == ["备注"]
    else:
        err = unreadable(path)
        assert err.code == "file-unsafe" and "过大" in err.detail
        # The row element precedes its cells, so a far row is named by its number.
        assert ref in err.detail or f"第 {ref.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')} 行" in err.detail


def test_invisible_characters_in_a_sheet_name_do_not_hide_the_sheet(tmp_path):
    path = openpyxl_book(tmp_path / "b.xlsx", {"\u202a成交\u200b客户\u202c": row_cells(1, CLOSED_HEADERS)
                                              + row_cells(2, ["张三", "13812345678", "2024-01-05", "P001", "终身寿",
                                                              12000, "缘故"])})
    book = read_file(path)
    assert list(book.sheets) == ["成交客户"] and len(book.sheets["成交客户"].rows) == 1
