import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from generator.issues import make_issue
from generator.models import AgentInfo, Book, MonthDay, Record
from generator.rules import load_rules
from generator.schema import CLOSED, PROSPECT, SERVICE, column_letter
from generator.workbook import experience_text, rating_text, write_agent_workbook

TODAY = date(2026, 11, 5)
RULES = load_rules()
EVIL = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


def _closed(row: int, key: str, name: str, policy: str, **values: Any) -> Record:
    base = {
        "holder_name": name,
        "holder_phone": "13800001111" if key == "C001" else "13900002222",
        "policy_date": date(2020, 5, 1),
        "policy_no": policy,
        "product": "终身寿险",
        "pay_mode": "年交",
        "pay_years": 20,
        "premium": 12000.0,
        "source": "缘故",
        "economy": "好",
        "awareness": "强",
        "influence": "广",
    }
    base.update(values)
    return Record(CLOSED.name, row, base, client_key=key)


def make_book() -> Book:
    c1 = _closed(2, "C001", "张三", "P001", product=EVIL[0], birthday=MonthDay(3, 12), notes=EVIL[1])
    c1.extra = {"微信": EVIL[2]}
    c1.grade, c1.quadrant, c1.capability, c1.trust = "A", "宠爱", "高", "高"
    c1.derived = ("资产能力",)
    c1.actions = ["加强售后服务", "推动加保"]
    c1.experiences = [("☆", "生活服务"), ("☆", "量身定制"), ("✓", "常规服务"), ("✓", "定期拜访"),
                      ("✓", "高级活动"), ("×", "一般活动")]
    w1 = make_issue("suspicious-text", sheet=CLOSED.name, row=2, column="备注", column_letter="T", value="+1")
    c1.issues = [w1]
    c2 = _closed(3, "C001", "张三", "P002", premium=5000.5, birthday=date(1980, 3, 12),
                 client_id="K-9")
    for attr, v in (("grade", "A"), ("quadrant", "宠爱"), ("capability", "高"), ("trust", "高")):
        setattr(c2, attr, v)
    c3 = _closed(5, "C002", "李四", "P003", economy="一般", awareness="一般", influence="一般",
                 source="陌生", notes=EVIL[3])
    c3.grade, c3.quadrant, c3.capability, c3.trust = "C", "开发", "低", "低"
    c3.derived = ("资产能力", "信赖程度")
    c3.actions = ["争取增员和转介绍"]
    c3.experiences = [("✓", "常规服务"), ("✓", "定期拜访"), ("◎", "一般活动")]
    w3 = make_issue("phone-is-agent", sheet=CLOSED.name, row=5, column="投保人电话", column_letter="C",
                    value="13900002222")
    c3.issues = [w3]

    p1 = Record(PROSPECT.name, 2, {"name": "王五", "phone": "13700003333", "registered": date(2026, 10, 1),
                                   "source": "转介绍", "economy": "好", "awareness": "一般", "influence": "广"},
                client_key="C003", grade="B", quadrant="耕耘", capability="高", trust="低",
                actions=["作为准客户培养"], experiences=[("☆", "一般活动"), ("✓", "常规服务")])
    p2 = Record(PROSPECT.name, 4, {"name": "赵六", "phone": "13600004444", "registered": date(2026, 9, 1),
                                   "source": "陌生", "economy": "一般", "awareness": "一般", "influence": "一般"},
                client_key="C004", grade="D", quadrant="开发", capability="低", trust="低")
    w4 = make_issue("optional-value-dropped", sheet=PROSPECT.name, row=4, column="生日", column_letter="G",
                    value="某天", detail="无法识别")
    p2.issues = [w4]
    s1 = Record(SERVICE.name, 2, {"date": date(2026, 10, 20), "client": "张三", "item": "定期拜访",
                                  "content": "送生日礼物"})

    e1 = make_issue("invalid-phone", sheet=CLOSED.name, row=4, column="投保人电话", column_letter="C",
                    value="12345", detail="只有 5 位数字")
    e2 = make_issue("missing-required", sheet=PROSPECT.name, row=3, column="姓名", column_letter="B")
    w5 = make_issue("unknown-column", sheet=CLOSED.name, row=1, value="微信")
    book = Book(
        source="1001_张三.xlsx",
        agent=AgentInfo("1001", "张三丰", "13500005555", "精英一组", "城东营业部"),
        status="warnings",
        closed=[c1, c2, c3],
        prospects=[p1, p2],
        services=[s1],
        issues=[w5, w1, e1, w3, w4, e2],
        extra_headers={CLOSED.name: ["微信"]},
        kpis={
            "clients": 2, "prospects": 2, "policies": 3, "premium": 29000.5,
            "grades_closed": {"A": 1, "B": 0, "C": 1},
            "grades_prospect": {"A": 0, "B": 1, "C": 0, "D": 1},
            "quadrants": {"开发": 2, "维系": 0, "耕耘": 1, "宠爱": 1},
            "addon_rate": 0.5, "referral_rate": None,
            "issues": {"error": 2, "warning": 4},
        },
    )
    return book


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("out") / "1001_张三.xlsx"
    write_agent_workbook(make_book(), RULES, path, today=TODAY)
    return path


@pytest.fixture(scope="module")
def wb(written: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written)


def header(ws: Any) -> list[str]:
    return [c.value for c in ws[1]]


def row_dict(ws: Any, row: int) -> dict[str, Any]:
    return {h: ws.cell(row, i + 1).value for i, h in enumerate(header(ws))}


def test_sheets_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == ["总览", "客户档案", "成交客户", "未成交客户", "服务记录", "数据问题", "说明", "代理人"]


def test_no_service_sheet_without_services(tmp_path: Path) -> None:
    book = make_book()
    book.services = []
    write_agent_workbook(book, RULES, tmp_path / "x.xlsx", today=TODAY)
    names = openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames
    assert names == ["总览", "客户档案", "成交客户", "未成交客户", "数据问题", "说明", "代理人"]


def test_closed_header(wb: openpyxl.Workbook) -> None:
    schema = [c.name for c in CLOSED.columns if c.key not in ("capability", "trust")]
    result = ["等级", "象限", "价值分层", "资产能力", "信赖程度", "建议动作", "建议体验", "问题"]
    assert header(wb["成交客户"]) == schema + result + ["微信"]
    assert header(wb["未成交客户"])[: len(PROSPECT.columns) - 2] == [
        c.name for c in PROSPECT.columns if c.key not in ("capability", "trust")]
    assert header(wb["服务记录"]) == [c.name for c in SERVICE.columns] + ["问题"]


def test_closed_rows(wb: openpyxl.Workbook) -> None:
    ws = wb["成交客户"]
    assert ws.max_row == 4
    r1, r2, r3 = (row_dict(ws, n) for n in (2, 3, 4))
    assert r1["客户编号"] == "C001"  # blank id filled with the client key
    assert r2["客户编号"] == "K-9"  # a given id is kept
    assert r1["投保人姓名"] == "张三" and r3["投保人姓名"] == "李四"
    assert r1["保单号"] == "P001" and r3["保单号"] == "P003"
    assert r1["等级"] == "A" and r1["象限"] == "宠爱"
    assert r1["资产能力"] == "高（推定）" and r1["信赖程度"] == "高"
    assert r3["资产能力"] == "低（推定）" and r3["信赖程度"] == "低（推定）"
    assert r1["建议动作"] == "加强售后服务；推动加保"
    assert r1["建议体验"] == "☆生活服务、☆量身定制；✓常规服务、定期拜访、高级活动"
    assert r3["建议体验"] == "✓常规服务、定期拜访；酌情：一般活动"
    assert r1["问题"] == make_issue("suspicious-text", column="备注", value="+1").message
    assert r2["问题"] is None
    assert r1["微信"] == "-2"
    assert r1["投保人生日"] == "3月12日"
    assert r1["缴费年限"] == 20


def test_typed_cells(wb: openpyxl.Workbook) -> None:
    ws = wb["成交客户"]
    cols = {h: i + 1 for i, h in enumerate(header(ws))}
    date_cell = ws.cell(2, cols["投保日期"])
    assert date_cell.is_date and date_cell.value == datetime(2020, 5, 1)
    assert date_cell.number_format == "yyyy-mm-dd"
    birthday = ws.cell(3, cols["投保人生日"])
    assert birthday.is_date and birthday.value == datetime(1980, 3, 12)
    premium = ws.cell(3, cols["年交保费"])
    assert premium.value == 5000.5 and premium.number_format == "#,##0.00"
    phone = ws.cell(2, cols["投保人电话"])
    assert phone.data_type == "s" and phone.value == "13800001111"


def test_formula_like_input_stays_text(wb: openpyxl.Workbook) -> None:
    ws = wb["成交客户"]
    cols = {h: i + 1 for i, h in enumerate(header(ws))}
    cells = [ws.cell(2, cols["险种"]), ws.cell(2, cols["备注"]), ws.cell(2, cols["微信"]),
             ws.cell(4, cols["备注"])]
    assert [c.value for c in cells] == EVIL
    for c in cells:
        assert c.data_type == "s"
        assert c.quotePrefix
    assert not ws.cell(2, cols["投保人姓名"]).quotePrefix


def test_formula_like_agent_info_stays_text(tmp_path: Path) -> None:
    book = make_book()
    book.agent = AgentInfo("=1+1", "@x", team="-t", branch="+b")
    book.source = "=cmd|' /C calc'!A0"
    write_agent_workbook(book, RULES, tmp_path / "a.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_charts(written: Path, wb: openpyxl.Workbook) -> None:
    with zipfile.ZipFile(written) as z:
        names = z.namelist()
        assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
        chart1 = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart1 and "总览" in chart1
    assert len(wb["总览"]._charts) == 2


def test_overview(wb: openpyxl.Workbook) -> None:
    ws = wb["总览"]
    values = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 5)] for r in range(1, ws.max_row + 1)}
    assert "1001" in ws["A1"].value and "张三丰" in ws["A1"].value
    assert "精英一组" in ws["A2"].value and "2026-11-05" in ws["A2"].value
    assert values["客户数"][0] == 2
    assert values["保单数"][0] == 3
    assert values["年交保费合计"][0] == 29000.5
    assert values["加保率"][:2] == [0.5, 0.6] and values["加保率"][2].startswith("✗")
    assert values["转介绍率"][0] == "—"
    assert values["A"][:2] == [1, 0]
    assert values["D"][:2] == [None, 1]  # closed clients have no grade D
    assert values["开发"][:2] == [2, RULES.quadrants.strategy["开发"]]


def test_table_layout(wb: openpyxl.Workbook) -> None:
    for name in ("成交客户", "未成交客户"):
        ws = wb[name]
        assert ws.freeze_panes == "C2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape"
        assert ws["A1"].font.bold
        rules = [r for cf in ws.conditional_formatting for r in cf.rules]
        assert {r.formula[0] for r in rules} == {'"A"', '"B"', '"C"', '"D"'}
    assert wb["数据问题"].freeze_panes == "A2"
    letter = column_letter([c.value for c in wb["成交客户"][1]].index("保单号"))
    width = wb["成交客户"].column_dimensions[letter].width  # 保单号
    assert int(width) == CLOSED.column("policy_no").width  # xlsxwriter adds ~0.7 padding


def test_issue_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb["数据问题"]
    assert header(ws) == ["严重程度", "工作表", "行", "列", "代码", "问题", "修改建议", "位置"]
    rows = [row_dict(ws, n) for n in range(2, ws.max_row + 1)]
    assert len(rows) == len(make_book().issues)
    assert [r["严重程度"] for r in rows] == ["错误", "错误", "警告", "警告", "警告", "警告"]
    assert [(r["工作表"], r["行"], r["代码"]) for r in rows[:2]] == [
        ("成交客户", 4, "invalid-phone"), ("未成交客户", 3, "missing-required")]
    # The rejected row is not in this workbook: no link, and the text says where it is
    # in the agent's own file (row 4 here is another client).
    assert rows[0]["位置"] == "原表 成交客户!C4（未录入本簿）"
    assert ws.cell(2, 8).hyperlink is None


def test_issue_links_point_at_output_rows(wb: openpyxl.Workbook) -> None:
    ws = wb["数据问题"]
    links = {(ws.cell(n, 2).value, ws.cell(n, 3).value, ws.cell(n, 5).value): ws.cell(n, 8)
             for n in range(2, ws.max_row + 1)}
    # Original row 5 of 成交客户 is the third record, so row 4 here; 投保人电话 is column C.
    cell = links[("成交客户", 5, "phone-is-agent")]
    assert cell.hyperlink.location == "'成交客户'!C4" and cell.value == "本簿 成交客户!C4"
    assert wb["成交客户"]["C4"].value == "13900002222"
    # Original row 4 of 未成交客户 is the second prospect: row 3 here, 生日 column.
    target = links[("未成交客户", 4, "optional-value-dropped")].hyperlink.location
    sheet, ref = target.split("!")
    target_cell = wb["未成交客户"][ref]
    assert sheet == "'未成交客户'" and target_cell.row == 3
    assert wb["未成交客户"].cell(1, target_cell.column).value == "生日"
    assert links[("成交客户", 2, "suspicious-text")].hyperlink.location.endswith("2")
    # The header-row problem and the rejected prospect row stay plain text in the original.
    assert links[("成交客户", 1, "unknown-column")].hyperlink is None
    assert links[("未成交客户", 3, "missing-required")].value.startswith("原表 ")


def test_rows_left_behind_never_link_into_this_workbook(tmp_path: Path) -> None:
    book = make_book()
    # Row 2 of the original was rejected last time; row 2 here is 张三's policy.
    book.issues = [make_issue("rows-left-behind", file="1001_张三_原表.xlsx", sheet=CLOSED.name, row=2,
                              value="1001_张三_原表.xlsx", detail="电话不正确")]
    write_agent_workbook(book, RULES, tmp_path / "x.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["数据问题"]
    assert ws.cell(2, 8).hyperlink is None
    assert ws.cell(2, 8).value == "原表 1001_张三_原表.xlsx：成交客户!2:2"


def test_every_sheet_is_described_in_help(wb: openpyxl.Workbook) -> None:
    help_ws = wb["说明"]
    described = {help_ws.cell(r, 1).value: help_ws.cell(r, 2).value for r in range(1, help_ws.max_row + 1)}
    for name in wb.sheetnames:
        assert described.get(name), f"{name} is not described in 说明"
    from generator.plan_tasks import KIND_LABELS

    for label in KIND_LABELS.values():
        assert described.get(label), f"task kind {label} is not described in 说明"


def test_help_paragraphs_span_the_table_and_are_tall_enough(wb: openpyxl.Workbook) -> None:
    """A paragraph in column A alone is clipped at its 14-unit width (wrap never spills over):
    each one spans columns A and B (what a printed page shows) and its row holds every line."""
    ws = wb["说明"]
    merged = {r.min_row: r for r in ws.merged_cells.ranges if r.min_col == 1}
    paragraphs = [r for r in range(1, ws.max_row + 1)
                  if isinstance(ws.cell(r, 1).value, str) and len(ws.cell(r, 1).value) > 25]
    assert len(paragraphs) >= 5  # 推定, 建议体验, 手机日历, the experience marks, CVE
    for r in paragraphs:
        text = ws.cell(r, 1).value
        assert r in merged and merged[r].max_col >= 2, text
        lines = -(-sum(2 if ord(c) > 0x2E7F else 1 for c in text) // 58)  # A and B are 58 units wide
        assert (ws.row_dimensions[r].height or 15) >= 15 * lines, text


def test_client_sheet_one_row_per_client(wb: openpyxl.Workbook) -> None:
    ws = wb["客户档案"]
    rows = [row_dict(ws, n) for n in range(2, ws.max_row + 1) if ws.cell(n, 1).value]
    assert [r["客户编号"] for r in rows] == ["C001", "C002", "C003", "C004"]
    zhang = rows[0]
    assert (zhang["姓名"], zhang["保单数"], zhang["年交保费"], zhang["趸交保费"]) == ("张三", 2, 17000.5, 0)
    assert (zhang["等级"], zhang["象限"], zhang["类别"]) == ("A", "宠爱", "成交客户")
    assert rows[2]["类别"] == "准客户" and rows[2]["保单数"] == 0
    assert "价值分层" in header(ws)
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:R{len(rows) + 1}"
    assert ws.cell(2, 18).hyperlink.location == "'成交客户'!A2"


def test_overview_says_what_to_do_today(tmp_path: Path) -> None:
    from generator.plan_tasks import Task

    def task(day: date, kind: str, name: str, overdue: bool = False) -> Task:
        return Task(day, kind, "C001", name, "13800001111", "A", "宠爱", f"{kind} 事项", "打电话",
                    overdue=overdue)

    book = make_book()
    book.tasks = [task(date(2026, 10, 1), "visit", "逾期甲", True), task(TODAY, "birthday", "今天乙"),
                  task(TODAY, "callback", "今天丙"), task(date(2026, 11, 8), "visit", "本周丁")]
    book.quota = [(date(2026, 11, 4), 3, 3), (TODAY, 1, 3)]
    write_agent_workbook(book, RULES, tmp_path / "x.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["总览"]
    cells = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(1, 30)]
    head = next(i for i, row in enumerate(cells) if row[:3] == ["今天", "本周", "逾期"])
    assert cells[head + 1][:3] == [2, 1, 1]
    names = [row[1] for row in cells]
    assert "今天乙" in names and "今天丙" in names and "本周丁" not in names and "逾期甲" not in names
    quota = next(row for row in cells if row[0] == "准客户登记")
    assert quota[1] == "今天 1 / 3 位" and quota[2] == "近 2 天达标 1 天"

    # Nothing due today: the week's first tasks are shown instead, and the overdue nudged.
    book.tasks = [t for t in book.tasks if t.date != TODAY]
    write_agent_workbook(book, RULES, tmp_path / "y.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(tmp_path / "y.xlsx")["总览"]
    cells = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(1, 30)]
    notes = [row[0] for row in cells if isinstance(row[0], str) and row[0].startswith("今天没有")]
    assert notes and "逾期" in notes[0] and "本周" in notes[0]
    assert "本周丁" in [row[1] for row in cells]


def test_help_sheet_from_rules(wb: openpyxl.Workbook) -> None:
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value is not None)
    for strategy in RULES.quadrants.strategy.values():
        assert strategy in text
    for meaning in RULES.experiences.marks.values():
        assert meaning in text
    assert "推定" in text and "60%" in text
    assert "经济条件为好、保险意识为强、影响力为广" in text


def test_same_book_same_cells(tmp_path: Path) -> None:
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for p in paths:
        write_agent_workbook(make_book(), RULES, p, today=TODAY)
    a, b = (openpyxl.load_workbook(p) for p in paths)
    assert a.sheetnames == b.sheetnames
    for ws in a.worksheets:
        other = b[ws.title]
        assert [[c.value for c in r] for r in ws.iter_rows()] == [[c.value for c in r] for r in other.iter_rows()]
    assert a.properties.created == datetime(2026, 11, 5)


def test_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.xlsx"
    write_agent_workbook(make_book(), RULES, target, today=TODAY)
    write_agent_workbook(make_book(), RULES, target, today=TODAY)  # overwrite in place
    assert [p.name for p in target.parent.iterdir()] == ["x.xlsx"]


def test_failed_write_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"old")
    book = make_book()
    book.kpis = {"issues": "not a dict"}  # type: ignore[typeddict-item]  # indexing fails inside the writer
    with pytest.raises(TypeError):
        write_agent_workbook(book, RULES, target, today=TODAY)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_empty_book(tmp_path: Path) -> None:
    book = Book("x.xlsx", AgentInfo("1", "甲"))
    write_agent_workbook(book, RULES, tmp_path / "e.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert wb["成交客户"].max_row == 1 and wb["数据问题"].max_row == 1


@pytest.mark.parametrize(
    "value, derived, expected", [("高", True, "高（推定）"), ("低", False, "低"), (None, True, "")])
def test_rating_text(value: str | None, derived: bool, expected: str) -> None:
    assert rating_text(value, derived) == expected


def test_experience_text_from_matrix() -> None:
    marks = RULES.experiences.matrix["宠爱"]
    order = {"☆": 0, "✓": 1, "◎": 2, "×": 3}
    exps = sorted(((m, i) for i, m in marks.items()), key=lambda p: order[p[0]])
    assert experience_text(exps) == "☆生活服务、☆量身定制；✓常规服务、定期拜访、高级活动"
    assert experience_text([]) == ""


def test_row_links_land_on_the_row_they_name(sample_build) -> None:
    """Every 位置 link in 服务日历 names the row it lands on, and that row is the same client
    (a rejected row earlier in the file shifts the rows: the link text must follow the link)."""
    checked = 0
    for path in sorted((sample_build.out / "workbooks").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb["服务日历"]
        head = [c.value for c in ws[1]]
        at, who = head.index("位置") + 1, head.index("客户编号") + 1
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(r, at)
            if cell.hyperlink is None or not ws.cell(r, who).value:
                continue
            location = cell.hyperlink.location
            sheet, ref = location.rsplit("!", 1)
            sheet = sheet.strip("'")
            if sheet not in ("成交客户", "未成交客户"):
                continue
            assert cell.value == f"本簿 {sheet}!{ref}", (path.name, r, cell.value, location)
            target = wb[sheet]
            keys = [c.value for c in target[1]]
            row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            assert target.cell(row, keys.index("客户编号") + 1).value == ws.cell(r, who).value, (path.name, r)
            checked += 1
    assert checked > 50
