"""Build the bad-input corpus: broken, odd and hostile agent books, from code.

Nothing here is a hand-edited binary: every file is written by openpyxl, xlsxwriter,
the csv module or by re-zipping one of those with a changed part, so a reader can see
exactly what each file holds. ``make_corpus(dest)`` writes the files and returns
``{display path: expected outcome}``; run as a script to look at them::

    python tests/corpus/make_corpus.py /tmp/corpus

An outcome reads ``status[:code,code…][#rows]``: the book's status, issue codes it
must have (others may appear) and, when given, the data rows it must read (nothing
dropped on the way in). :func:`parse_outcome` splits it. Zip bombs and the cell bomb
are sized from the reader's current limits (``zipguard.MAX_UNCOMPRESSED``/``MAX_CELLS``),
so a test that lowers them gets small bombs. Client names and phones are invented.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

import openpyxl
import xlsxwriter

from generator import zipguard
from generator.schema import CLOSED, PROSPECT

TODAY = date(2026, 11, 23)
CLOSED_HEADERS = [c.name for c in CLOSED.columns]
PROSPECT_HEADERS = [c.name for c in PROSPECT.columns]
# Text that must never reach a client's file system, page or spreadsheet as such.
PASSWD_MARKERS = ("root:x:0:0", "/bin/bash", "nologin")
# Hostile agent-typed text, each starting (after spaces) with a formula character.
FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=HYPERLINK(\"http://x\")",
            "\r=2", " =3", "＝4+4", "＋5", "－6", "＠7"]
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
# Which cross-agent codes each integrity book must get (not produced by build yet).
CROSS_AGENT = {
    "I01_甲.xlsx": {"cross-agent-client", "branch-shared-phone"},
    "I02_乙.xlsx": {"cross-agent-client", "branch-shared-phone", "phone-is-other-agent",
                    "agent-phones-suspect"},
}
_WRITER_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def parse_outcome(text: str) -> tuple[str, set[str], int | None]:
    """``"warnings:totals-row#3"`` → ``("warnings", {"totals-row"}, 3)``."""
    text, _, rows = text.partition("#")
    status, _, codes = text.partition(":")
    return status, set(filter(None, codes.split(","))), int(rows) if rows else None


def closed(i: int, **over: Any) -> dict[str, Any]:
    """A valid 成交客户 row with its own client, phone and policy number."""
    row: dict[str, Any] = {
        "客户编号": f"K{i:05d}", "投保人姓名": f"客户{i}", "投保人电话": f"139{i:08d}",
        "投保日期": "2024-03-12", "保单号": f"P{i:07d}", "险种": "重疾险", "交费方式": "年交",
        "缴费年限": "20", "年交保费": "12000", "客户来源": "缘故",
        "经济条件": "好", "保险意识": "强", "影响力": "广",
    }
    row.update(over)
    return row


def prospect(i: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"姓名": f"准客户{i}", "电话": f"158{i:08d}", "登记日期": "2026-11-01",
                           "客户来源": "陌生", "经济条件": "一般", "保险意识": "一般", "影响力": "一般"}
    row.update(over)
    return row


def agent(agent_id: str, name: str, phone: str = "13700000000", **over: str) -> dict[str, str]:
    kv = {"工号": agent_id, "姓名": name, "手机": phone, "团队": "晨星组", "营业部": "东城营业部"}
    kv.update(over)
    return kv


def _rows(headers: list[str], records: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [headers] + [[r.get(h) for h in headers] for r in records]


def xlsxwriter_book(path: Path, sheets: dict[str, list[list[Any]]], kv: dict[str, str] | None = None,
                    *, inline: bool = False) -> Path:
    """Every str written as text; ``inline`` writes inline strings (constant_memory)."""
    wb = xlsxwriter.Workbook(str(path), {**_WRITER_OPTIONS, "constant_memory": inline})
    if kv is not None:
        ws = wb.add_worksheet("代理人")
        for r, (k, v) in enumerate(kv.items()):
            ws.write_string(r, 0, k)
            ws.write_string(r, 1, v)
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif callable(v):
                    v(ws, r, c)
                else:
                    ws.write(r, c, v)
    wb.close()
    return path


def _book(path: Path, closed_rows: list[dict[str, Any]], prospect_rows: list[dict[str, Any]] = (),
          kv: dict[str, str] | None = None, **kw: Any) -> Path:
    sheets = {"成交客户": _rows(CLOSED_HEADERS, closed_rows)}
    if prospect_rows:
        sheets["未成交客户"] = _rows(PROSPECT_HEADERS, prospect_rows)
    return xlsxwriter_book(path, sheets, kv, **kw)


def rezip(src: Path, dest: Path, change: dict[str, bytes]) -> Path:
    """Copy a workbook's zip, replacing (or adding) some parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change.get(info.filename, zin.read(info)))
        for name in change.keys() - set(zin.namelist()):
            zout.writestr(name, change[name])
    return dest


def _with_prolog(part: bytes, prolog: bytes) -> bytes:
    """Put ``prolog`` (XML declaration + DTD) in front of a part's root element."""
    start = part.index(b"<", part.index(b"?>") + 2) if part.startswith(b"<?xml") else 0
    return prolog + part[start:]


_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = b"</sheetData></worksheet>"


def _stream_sheet(src: Path, dest: Path, member: str, pieces: Callable[[], Iterable[bytes]]) -> Path:
    """Copy ``src`` replacing ``member`` with streamed bytes (never all in memory)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename == member:
                part = zipfile.ZipInfo(member)
                part.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(part, "w") as out:
                    for piece in pieces():
                        out.write(piece)
            else:
                zout.writestr(info.filename, zin.read(info))
    return dest


def _bomb_pieces(size: int) -> Callable[[], Iterable[bytes]]:
    """One inline string of ``size`` letters: highly compressible, valid XML."""
    def pieces() -> Iterable[bytes]:
        yield _SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        block = b"A" * (1 << 20)
        left = size
        while left > 0:
            yield block[:left]
            left -= len(block)
        yield b"</t></is></c></row>" + _SHEET_TAIL
    return pieces


def forge_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size the zip claims for ``member`` (local + central)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    name = member.encode()
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == name:
            struct.pack_into("<I", data, pos + 24, declared)
            break
        pos += 4
    path.write_bytes(bytes(data))


def make_corpus(dest: Path) -> dict[str, str]:
    """Write every corpus file into ``dest``; returns {display path: expected outcome}."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    good = _book(dest / "_good.tmp", [closed(1)], kv=agent("G01", "样本"))

    # -- not a usable file at all ------------------------------------------------------
    (dest / "B01_empty.xlsx").write_bytes(b"")
    out["B01_empty.xlsx"] = "failed:file-empty"
    data = good.read_bytes()
    (dest / "B02_truncated.xlsx").write_bytes(data[: len(data) // 2])
    out["B02_truncated.xlsx"] = "failed:file-unreadable"
    (dest / "B03_csv_renamed.xlsx").write_text(",".join(CLOSED_HEADERS) + "\n张三,13812345678\n", encoding="utf-8")
    out["B03_csv_renamed.xlsx"] = "failed:file-unreadable"
    xlsxwriter_book(dest / "B04_no_sheets.xlsx", {"Sheet1": [["客户", "电话"], ["张三", "13812345678"]],
                                                   "说明": [["随便写写"]]})
    out["B04_no_sheets.xlsx"] = "failed:no-data-sheets"
    (dest / "B05_zero_csv_成交客户.csv").write_bytes(b"")
    out["B05_zero_csv_*.csv"] = "failed:file-empty"

    # -- odd but honest books: every row must be read ---------------------------------
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成交客户"
    ws["A1"] = "2026 年客户清单"  # a merged title row above the header
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(CLOSED_HEADERS))
    for c, h in enumerate(CLOSED_HEADERS + ["家庭情况"], start=1):
        ws.cell(2, c, h)
    # The extra header is merged over two columns, as people do for a wide note.
    ws.merge_cells(start_row=2, start_column=len(CLOSED_HEADERS) + 1, end_row=2, end_column=len(CLOSED_HEADERS) + 2)
    for r in range(6):
        for c, h in enumerate(CLOSED_HEADERS, start=1):
            ws.cell(3 + r, c, closed(100 + r).get(h))
        ws.cell(3 + r, len(CLOSED_HEADERS) + 1, f"三口之家{r}")
    ws.row_dimensions[4].hidden = True  # hidden rows hold data too
    ws.row_dimensions[6].hidden = True
    wb.create_sheet("代理人").append(["工号", "C01"])
    wb["代理人"].append(["姓名", "合并表头"])
    wb.save(dest / "C01_merged_hidden.xlsx")
    out["C01_merged_hidden.xlsx"] = "warnings:unknown-column#6"

    def formula(text: str, cached: Any) -> Callable[[Any, int, int], None]:
        return lambda ws, r, c: ws.write_formula(r, c, text, None, cached)
    rows = _rows(CLOSED_HEADERS, [closed(200), closed(201), closed(202)])
    col = {h: i for i, h in enumerate(CLOSED_HEADERS)}
    rows[1][col["年交保费"]] = formula("=6000*2", 12000)
    rows[2][col["投保人姓名"]] = formula('="李"&"四"', "李四")
    rows[3][col["投保日期"]] = formula("=DATE(2024,3,12)", 45363)
    xlsxwriter_book(dest / "C02_formulas_cached.xlsx", {"成交客户": rows}, agent("C02", "公式"))
    out["C02_formulas_cached.xlsx"] = "ok#3"

    # openpyxl writes formulas with no cached value: the cell reads as empty.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成交客户"
    ws.append(CLOSED_HEADERS)
    row = [closed(300).get(h) for h in CLOSED_HEADERS]
    row[col["年交保费"]] = "=6000*2"
    ws.append(row)
    ws.append([closed(301).get(h) for h in CLOSED_HEADERS])
    wb.save(dest / "C03_formula_no_cache.xlsx")
    out["C03_formula_no_cache.xlsx"] = "warnings:formula-no-value#2"  # not "没有填写"

    _book(dest / "C04_inline_strings.xlsx", [closed(400 + i) for i in range(3)], [prospect(400)],
          agent("C04", "内联"), inline=True)
    out["C04_inline_strings.xlsx"] = "ok#4"

    for stem, encoding, bom in (("C05_王五", "gb18030", b""), ("C06_赵六", "utf-8", b"\xef\xbb\xbf")):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(CLOSED_HEADERS)
        for i in range(3):
            w.writerow([closed(500 + i, 投保人姓名=f"𠮷野家{i}", 地址="北京市朝阳区").get(h) or "" for h in CLOSED_HEADERS])
        (dest / f"{stem}_成交客户.csv").write_bytes(bom + buf.getvalue().encode(encoding))
        (dest / f"{stem}_代理人.csv").write_bytes(
            bom + "工号,{0}\r\n姓名,{1}\r\n".format(*stem.split("_")).encode(encoding))
        out[f"{stem}_*.csv"] = "ok#3"

    _book(dest / "C07_totals.xlsx", [closed(700), closed(701), {"投保人姓名": "合计", "年交保费": "24000"}],
          kv=agent("C07", "合计"))
    out["C07_totals.xlsx"] = "warnings:totals-row#3"

    _book(dest / "C08_big.xlsx", [closed(10_000 + i) for i in range(10_000)], kv=agent("C08", "万行"))
    out["C08_big.xlsx"] = "ok#10000"

    _book(dest / "C09_names.xlsx", [closed(900, 投保人姓名="长" * 300), closed(901, 投保人姓名="👨‍👩‍👧 张三😀"),
                                    closed(902, 备注="🎉" * 300)],
          kv=agent("C09", "😀" * 150))
    out["C09_names.xlsx"] = "warnings:name-too-long#3"

    bad = [
        closed(1000),
        closed(1001, 投保日期="2024-02-30"), closed(1002, 投保日期="03/04/2024"),
        closed(1003, 投保日期="2099-01-01"), closed(1004, 投保日期="24-3-12"), closed(1005, 投保日期="明天"),
        closed(1006, 投保人电话="1381234567"), closed(1007, 投保人电话="12812345678"),
        closed(1008, 投保人电话="+1 2025550123"), closed(1009, 投保人电话="138-1234-567x"),
        closed(1010, 投保人电话="13812345678 13912345678"),
        closed(1011, 经济条件="很有钱吧"), closed(1012, 保险意识="?"), closed(1013, 影响力=""),
        closed(1014, 年交保费="-100"), closed(1015, 年交保费="一万"),
        closed(1016, 投保人生日="2月30日"), closed(1017, 资产能力="超高"), closed(1018, 缴费年限="二十"),
    ]
    _book(dest / "C10_malformed.xlsx", bad, [prospect(1000, 登记日期="2026-13-01"), prospect(1001, 电话="110")],
          kv=agent("C10", "格式"))
    out["C10_malformed.xlsx"] = ("warnings:invalid-date,ambiguous-date,future-date,invalid-phone,invalid-choice,"
                                 "missing-required,invalid-number,optional-value-dropped#21")

    _book(dest / "C11_dup_policy.xlsx", [closed(1100), closed(1101, 保单号="P0001100"), closed(1102)],
          kv=agent("C11", "重单"))
    out["C11_dup_policy.xlsx"] = "warnings:duplicate-policy#3"

    _book(dest / "C12_agent_phone.xlsx", [closed(1200, 投保人电话="13711112222"), closed(1201)],
          kv=agent("C12", "代填", phone="13711112222"))
    out["C12_agent_phone.xlsx"] = "warnings:phone-is-agent#2"

    # -- hostile text: formulas and markup in every kind of cell ----------------------
    hostile = [closed(1300 + i, 投保人姓名=f, 被保人姓名=f, 备注=f, 地址=f, 险种=f"{f}险", 客户编号=f"K{f}")
               for i, f in enumerate(FORMULAS)]
    hostile.append(closed(1399, 投保人姓名=HTML, 备注=HTML, 地址=HTML))
    sheets = {"成交客户": _rows(CLOSED_HEADERS + ["=EXTRA()", HTML],
                                [{**r, "=EXTRA()": r["备注"], HTML: r["备注"]} for r in hostile])}
    xlsxwriter_book(dest / "H01_inject.xlsx", sheets,
                    agent("../../H01", '=HYPERLINK("http://x","点我")', 团队=HTML, 营业部="@营业部"))
    out["H01_inject.xlsx"] = f"warnings:suspicious-text,unknown-column#{len(hostile)}"
    _book(dest / "H02_reserved.xlsx", [closed(1400)], kv=agent("CON", "NUL.txt"))
    out["H02_reserved.xlsx"] = "warnings:agent-name-sanitized#1"  # said on the 代理人 sheet
    _book(dest / "H03_control.xlsx", [closed(1500)], kv=agent("H03\\..\\..\\x", "a\x00b/c"))
    out["H03_control.xlsx"] = "warnings:agent-name-sanitized#1"
    _book(dest / "H04_same_agent.xlsx", [closed(1600)], kv=agent("C02", "公式"))  # C02's identity again
    out["H04_same_agent.xlsx"] = "warnings:output-name-collision#1"

    # -- cross-agent integrity (findings come from generator.integrity) ---------------
    shared = [closed(1700 + i, 投保人姓名=f"共用{i}", 投保人电话="13700000888") for i in range(2)]
    _book(dest / "I01_甲.xlsx", [closed(1710, 投保人姓名="钱七", 投保人电话="13700000777"), *shared, closed(1711)],
          kv=agent("I01", "甲", phone="13600000001"))
    out["I01_甲.xlsx"] = "warnings:shared-phone#4"
    other = [closed(1720 + i, 投保人电话="13600000001") for i in range(5)]
    shared = [closed(1730 + i, 投保人姓名=f"同号{i}", 投保人电话="13700000888") for i in range(2)]
    _book(dest / "I02_乙.xlsx", [closed(1740, 投保人姓名="钱 七", 投保人电话="137-0000-0777"), *other, *shared],
          kv=agent("I02", "乙", phone="13600000002"))
    out["I02_乙.xlsx"] = "warnings:shared-phone#8"

    # -- XML attacks: any DTD fails the whole file, nothing is expanded or read -------
    src = _book(dest / "_src.tmp", [closed(1800)], kv=agent("X", "攻击"))
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    laughs = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    ) + b"]>\n"
    shared_strings = parts["xl/sharedStrings.xml"].replace(b"<t>", b"<t>&lol9;", 1)
    rezip(src, dest / "X01_billion_laughs.xlsx", {"xl/sharedStrings.xml": _with_prolog(shared_strings, laughs)})
    out["X01_billion_laughs.xlsx"] = "failed:file-unsafe"
    xxe = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    sheet = parts["xl/worksheets/sheet2.xml"].replace(
        b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>')
    rezip(src, dest / "X02_xxe_sheet.xlsx", {"xl/worksheets/sheet2.xml": _with_prolog(sheet, xxe)})
    out["X02_xxe_sheet.xlsx"] = "failed:file-unsafe"
    param = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
    rezip(src, dest / "X03_xxe_workbook.xlsx", {"xl/workbook.xml": _with_prolog(parts["xl/workbook.xml"], param)})
    out["X03_xxe_workbook.xlsx"] = "failed:file-unsafe"

    # -- bombs, sized from the reader's current limits --------------------------------
    over = zipguard.MAX_UNCOMPRESSED + (1 << 20)
    _stream_sheet(src, dest / "X04_zip_bomb.xlsx", "xl/worksheets/sheet2.xml", _bomb_pieces(over))
    out["X04_zip_bomb.xlsx"] = "failed:file-unsafe"
    # The same bomb, its zip directory claiming 1 KiB: only counting real bytes stops it.
    forged = _stream_sheet(src, dest / "X05_zip_bomb_forged.xlsx", "xl/worksheets/sheet2.xml", _bomb_pieces(over))
    forge_size(forged, "xl/worksheets/sheet2.xml", 1024)
    out["X05_zip_bomb_forged.xlsx"] = "failed:file-unsafe"

    def cells() -> Iterable[bytes]:
        yield _SHEET_HEAD
        row = b"".join(b'<c t="n"><v>1</v></c>' for _ in range(100))
        for r in range(zipguard.MAX_CELLS // 100 + 1):
            yield b'<row r="%d">' % (r + 1) + row + b"</row>"
        yield _SHEET_TAIL
    _stream_sheet(src, dest / "X06_cell_bomb.xlsx", "xl/worksheets/sheet2.xml", cells)
    out["X06_cell_bomb.xlsx"] = "failed:too-many-cells"

    def wide() -> Iterable[bytes]:
        # Cells with no r attribute go one column right each: a row wider than any book.
        yield _SHEET_HEAD + b'<row r="1">' + b"<c><v>1</v></c>" * (zipguard.MAX_COLUMNS + 1) + b"</row>" + _SHEET_TAIL
    _stream_sheet(src, dest / "X07_wide_row.xlsx", "xl/worksheets/sheet2.xml", wide)
    out["X07_wide_row.xlsx"] = "failed:file-unsafe"
    xlsxwriter_book(dest / "X08_far_cell.xlsx", {"成交客户": _rows(CLOSED_HEADERS, [closed(1900)]),
                                                 "备注": [["x"]]}, agent("X08", "远处"))
    far = openpyxl.load_workbook(dest / "X08_far_cell.xlsx")
    far["备注"]["XFD1048576"] = "far"
    far.save(dest / "X08_far_cell.xlsx")
    out["X08_far_cell.xlsx"] = "failed:file-unsafe"

    out.update(_lost_without_a_word(dest))
    out.update(_blow_ups_and_odd_values(dest))
    good.unlink()
    src.unlink()
    return out


def _csv_text(headers: list[str], records: Iterable[dict[str, Any]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", delimiter=delimiter)
    for row in _rows(headers, records):
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _lost_without_a_word(dest: Path) -> dict[str, str]:
    """Issue 13 item 4, 5, 7: rows, sheets and books that used to vanish with status ok."""
    out: dict[str, str] = {}
    # An address typed as "北京 with no closing quote: every later line joins that cell.
    text = _csv_text(CLOSED_HEADERS, [closed(2000 + i) for i in range(5)])
    lines = text.split("\r\n")
    lines[2] = lines[2].replace("重疾险", '"重疾险', 1)
    (dest / "R01_引号_成交客户.csv").write_text("\r\n".join(lines), encoding="utf-8")
    out["R01_引号_*.csv"] = "warnings:csv-unclosed-quote#2"
    # The quote closes a few lines later, at the end of another cell: still swallowed.
    text = _csv_text(CLOSED_HEADERS, [closed(2010 + i, 备注="跟进" if i != 3 else '重要"') for i in range(6)])
    lines = text.split("\r\n")
    lines[2] = lines[2].replace("重疾险", '"重疾险', 1)
    (dest / "R02_半引号_成交客户.csv").write_text("\r\n".join(lines), encoding="utf-8")
    out["R02_半引号_*.csv"] = "warnings:csv-unclosed-quote#4"
    # A real two-line note is not a swallowed row.
    (dest / "R03_多行_成交客户.csv").write_text(
        _csv_text(CLOSED_HEADERS, [closed(2020, 地址="北京市朝阳区\n望京街道 8 号"), closed(2021)]), encoding="utf-8")
    (dest / "R03_多行_代理人.csv").write_text("工号,R03\r\n姓名,多行\r\n", encoding="utf-8")
    out["R03_多行_*.csv"] = "ok#2"

    # A second sheet of a kind already read: Excel's copy name, WPS's copy name, an alias.
    for name, title in (("R04_副本.xlsx", "成交客户 (2)"), ("R05_清单.xlsx", "成交客户清单"),
                        ("R06_wps副本.xlsx", "成交客户 - 副本")):
        xlsxwriter_book(dest / name, {"成交客户": _rows(CLOSED_HEADERS, [closed(2030)]),
                                      title: _rows(CLOSED_HEADERS, [closed(2031 + i) for i in range(3)])},
                        agent(name[:3], "两张表"))
        out[name] = "warnings:extra-client-sheet#4"
    (dest / "R07_双表_成交客户.csv").write_text(_csv_text(CLOSED_HEADERS, [closed(2040)]), encoding="utf-8")
    (dest / "R07_双表_成交客户 (2).csv").write_text(_csv_text(CLOSED_HEADERS, [closed(2041)]), encoding="utf-8")
    out["R07_双表_*.csv"] = "warnings:extra-client-sheet#2"

    # Spreadsheet formats we do not read are named in the report, not skipped.
    for suffix in (".xls", ".et", ".xlsb", ".ods"):
        (dest / f"R08_旧格式{suffix}").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
        out[f"R08_旧格式{suffix}"] = "failed:file-format"

    # Excel error values and formulas with no saved result are said as such.
    rows = _rows(CLOSED_HEADERS, [closed(2050), closed(2051), closed(2052)])
    col = {h: i for i, h in enumerate(CLOSED_HEADERS)}
    rows[1][col["投保人电话"]] = lambda ws, r, c: ws.write_formula(r, c, "=VLOOKUP(A2,Z:Z,2,0)", None, "#N/A")
    rows[2][col["投保人生日"]] = lambda ws, r, c: ws.write_formula(r, c, "=1/0", None, "#DIV/0!")
    rows[3][col["年交保费"]] = lambda ws, r, c: ws.write_formula(r, c, "=6000*2", None, "")
    xlsxwriter_book(dest / "R09_错误值.xlsx", {"成交客户": rows}, agent("R09", "错误值"))
    out["R09_错误值.xlsx"] = "warnings:excel-error-cell,formula-no-value#3"

    # A file name that is not UTF-8: 张三 in GBK, as a Chinese Windows zip leaves it.
    raw = os.fsencode(dest) + b"/R10_" + "张三".encode("gbk") + b".xlsx"
    _book(Path(os.fsdecode(raw)), [closed(2060)], kv=agent("R10", "张三"))
    out["R10_张三.xlsx"] = "warnings:file-name-encoding#1"

    # Links out of the input folder are not followed: a file and a folder.
    for name, target in (("R11_链接_成交客户.csv", "/etc/passwd"), ("R12_链接目录", "/etc")):
        if Path(target).exists():
            os.symlink(target, dest / name)
            out[name] = "failed:file-outside-input"
    return out


def _blow_ups_and_odd_values(dest: Path) -> dict[str, str]:
    """Issue 13 items 6, 8 and the unclear messages."""
    out: dict[str, str] = {}
    # A million one-cell rows in 2 MB: refused by the row cap, never parsed whole.
    (dest / "R20_百万行_成交客户.csv").write_bytes(b"x\n" * (zipguard.MAX_ROWS + 10))
    out["R20_百万行_*.csv"] = "failed:file-too-large"
    # A sheet of rejected rows: issues beyond the per-column limit are summarised.
    bad = [closed(3000 + i, 投保人电话="12345", 投保日期="明天") for i in range(150)]
    _book(dest / "R21_全错.xlsx", [closed(2999), *bad], kv=agent("R21", "全错"))
    out["R21_全错.xlsx"] = "warnings:invalid-phone,invalid-date#151"
    # Numbers that are not amounts.
    _book(dest / "R22_天文数字.xlsx", [closed(3200, 年交保费=1e308), closed(3201, 年交保费=5e12),
                                       closed(3202, 缴费年限=1e300), closed(3203)], kv=agent("R22", "天文"))
    out["R22_天文数字.xlsx"] = "warnings:invalid-number#4"
    # Headers that look right but hold zero-width and direction characters.
    headers = [{"保单号": "保\u200b单号", "投保人电话": "\u202a投保人电话\u202c", "险种": "\ufeff险种"}.get(h, h)
               for h in CLOSED_HEADERS]
    xlsxwriter_book(dest / "R23_隐形表头.xlsx",
                    {"成交客户": [headers] + _rows(CLOSED_HEADERS, [closed(3300), closed(3301)])[1:]},
                    agent("R23", "隐形"))
    out["R23_隐形表头.xlsx"] = "warnings:header-invisible-chars#2"
    # Traditional Chinese Big5: one encoding message, not dozens of mojibake errors.
    big5 = ("投保人姓名,投保人電話,投保日期,保單號,險種,年交保費,客戶來源,經濟條件,保險意識,影響力\r\n"
            "張三,13912340000,2024-03-12,P1,終身壽險,12000,緣故,好,強,廣\r\n")
    (dest / "R24_繁體_成交客户.csv").write_bytes(big5.encode("big5"))
    out["R24_繁體_*.csv"] = "failed:csv-encoding"
    # A note longer than a cell can hold: warned, kept whole in the report row count.
    (dest / "R25_长备注_成交客户.csv").write_text(
        _csv_text(CLOSED_HEADERS, [closed(3400, 备注="很长" * 20_000), closed(3401)]), encoding="utf-8")
    out["R25_长备注_*.csv"] = "warnings:text-too-long#2"
    return out


if __name__ == "__main__":  # pragma: no cover - a convenience for looking at the files
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for name, outcome in make_corpus(target).items():
        print(f"{outcome:70} {name}")
