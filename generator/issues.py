"""Problems found in agent books, as values.

Every problem is an :class:`Issue`: where it is (file, sheet, Excel row, column), how
bad it is, a stable kebab-case ``code`` and a plain-Chinese message and fix hint. The
table :data:`ISSUE_TYPES` is the one source for codes: the validator uses it, the
"how to fix your book" page is generated from it, and a test checks that every code
here is exercised.

    >>> make_issue("invalid-phone", sheet="成交客户", row=5, column="投保人电话",
    ...            column_letter="C", detail="只有 10 位数字").code
    'invalid-phone'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class IssueType:
    """One kind of problem: its code, default severity, scope and texts."""

    code: str
    severity: Severity
    scope: Literal["file", "sheet", "row"]
    title: str
    message: str  # a str.format template; fields: column, value, detail
    hint: str


_TYPES = [
    # -- whole file: the book cannot be used and gets no workbook ------------------
    IssueType("file-unreadable", "error", "file", "文件无法打开",
              "无法作为表格读取：{detail}",
              "确认文件是用 Excel/WPS 正常保存的 .xlsx/.xlsm，或 UTF-8/GB18030 编码的 CSV；"
              "文件损坏时请从备份恢复后另存一份。"),
    IssueType("file-empty", "error", "file", "文件是空的",
              "文件没有任何内容。", "用 `pasture template` 生成空白模板，填好后再提交。"),
    IssueType("no-data-sheets", "error", "file", "找不到客户工作表",
              "文件中没有“成交客户”或“未成交客户”工作表（现有：{detail}）。",
              "把工作表改名为“成交客户”“未成交客户”，或直接使用 `pasture template` 生成的模板。"),
    IssueType("file-format", "error", "file", "文件格式不能直接读取",
              "这是{detail}，本系统不能直接读取，文件中的客户都没有录入。",
              "用 WPS 或 Excel 打开它，选择“另存为”→“Excel 工作簿 (*.xlsx)”，提交新保存的文件。"),
    IssueType("file-outside-input", "error", "file", "链接指向输入文件夹以外",
              "这是一个链接（快捷方式），{detail}；为了安全没有读取它指向的内容。",
              "把文件本身复制到输入文件夹中，不要放链接或快捷方式。"),
    IssueType("file-name-encoding", "warning", "file", "文件名编码不对",
              "文件名不是 UTF-8 编码（常见于在 Windows 上打包、在别的电脑上解开的压缩文件），"
              "报告中显示为“{value}”。",
              "把文件重新命名一次（或用支持中文文件名的解压工具重新解开），避免文件名显示成乱码。"),
    IssueType("csv-encoding", "error", "file", "CSV 编码不对",
              "{detail}按简体中文读出来是乱码，文件没有录入。",
              "在 Excel/WPS 中打开后“另存为”→“CSV UTF-8（逗号分隔）”，或直接另存为 .xlsx 再提交。"),
    IssueType("file-too-large", "error", "file", "文件过大",
              "文件超出一次能处理的上限：{detail}。",
              "只提交正在经营的客户；历史数据另存一个文件，删除多余的空行、空列后再提交。"),
    IssueType("file-unsafe", "error", "file", "文件含有不安全内容",
              "文件被拒绝：{detail}",
              "不要使用来历不明的文件；请把数据复制到 `pasture template` 生成的新模板中再提交。"),
    # -- sheet / header level ------------------------------------------------------
    IssueType("missing-column", "error", "sheet", "缺少必填列",
              "表头中没有必填列“{column}”，本表每一行都无法录入。",
              "在表头行加上“{column}”一列（列名要与模板一致），再把数据补齐。"),
    IssueType("unknown-column", "warning", "sheet", "无法识别的列",
              "表头“{value}”不是模板中的列，已原样保留但不参与分级。",
              "如是模板中的列，请改成模板里的列名；自己的备注列可以保留。"),
    IssueType("duplicate-column", "warning", "sheet", "重复的列",
              "“{column}”列出现了不止一次，只使用第一列。",
              "删除或改名多余的同名列。"),
    IssueType("header-invisible-chars", "warning", "sheet", "表头含有看不见的字符",
              "表头“{value}”中夹有看不见的字符（{detail}），已去掉后按“{column}”识别。",
              "删掉这个表头单元格，重新输入列名（不要从网页或聊天软件里复制）。"),
    IssueType("extra-client-sheet", "error", "sheet", "同一种表有两张",
              "工作表“{value}”也是“{column}”表，但每本册子每种表只读取一张（已读取“{detail}”），"
              "这张表中的行都没有录入。",
              "把这张表里的客户复制到“{detail}”表的末尾，再删除这张表；如果它只是旧的副本，直接删除。"),
    IssueType("agent-info-missing", "warning", "sheet", "缺少代理人信息",
              "没有找到“代理人”工作表或其中的{column}，已改用文件名“{value}”。",
              "在“代理人”工作表中填写工号和姓名，或把文件命名为“工号_姓名.xlsx”。"),
    # -- row level: errors reject the row -----------------------------------------
    IssueType("missing-required", "error", "row", "必填项为空",
              "“{column}”是必填项，但这一行没有填写。",
              "补填“{column}”；如果确实不知道，先向客户确认后再录入。"),
    IssueType("invalid-phone", "error", "row", "电话号码不正确",
              "“{column}”的值“{value}”不是有效的手机号码：{detail}。",
              "填写客户本人 11 位手机号（1 开头，第二位 3–9），可以带空格、横线或 +86。"),
    IssueType("invalid-date", "error", "row", "日期无法识别",
              "“{column}”的值“{value}”不是有效日期：{detail}。",
              "使用 1985-03-12、1985/3/12、1985年3月12日 这样的写法，或用 Excel 的日期格式。"),
    IssueType("ambiguous-date", "error", "row", "日期有歧义",
              "“{column}”的值“{value}”既可理解为日/月也可理解为月/日，无法确定。",
              "改为“年-月-日”顺序，例如 1985-03-04。"),
    IssueType("future-date", "error", "row", "日期在未来",
              "“{column}”的值 {value} 晚于今天（{detail}），不可能已经发生。",
              "检查年份和月份是否填反或填错。"),
    IssueType("invalid-choice", "error", "row", "选项不在列表中",
              "“{column}”的值“{value}”不是可选项（可选：{detail}）。",
              "从下拉列表中选择；规则文件中也可以为常见写法添加同义词。"),
    IssueType("invalid-number", "error", "row", "金额或数字不正确",
              "“{column}”的值“{value}”不可用：{detail}。",
              "填写大于 0 的数字，不要带单位或文字，例如 12000。"),
    IssueType("duplicate-policy", "error", "row", "保单号重复",
              "保单号“{value}”在第 {detail} 行已经出现过，这一行未录入。",
              "一张保单只占一行；如果是不同保单，请核对保单号。"),
    IssueType("excel-error-cell", "error", "row", "单元格是 Excel 错误值",
              "“{column}”这一格是 Excel 的错误值 {value}（公式算不出结果），不是有效内容。",
              "检查这一格的公式（常见原因：VLOOKUP 找不到、除数为 0、引用的单元格被删除），"
              "改正后保存；也可以直接填入数值或文字。"),
    IssueType("formula-no-value", "error", "row", "公式没有保存结果",
              "“{column}”这一格是公式“{value}”，但文件里没有保存它的计算结果，读到的是空值。",
              "用 Excel 或 WPS 打开文件再保存一次（会重新计算并保存结果），或把公式改成直接填写的内容。"),
    IssueType("csv-unclosed-quote", "error", "row", "引号没有配对",
              "“{column}”这一格的引号没有配对，后面{detail}都被并进了这一格，没有作为单独的行录入。",
              "用记事本打开 CSV，在这一行找到多余的英文双引号 \" 并删除（或补上配对的引号），再重新提交。"),
    IssueType("totals-row", "error", "row", "合计行",
              "这一行看起来是手工添加的合计/小计行（“{value}”），不是客户数据。",
              "删除合计行；汇总数字由系统计算。"),
    # -- row level: warnings keep the row -----------------------------------------
    IssueType("optional-value-dropped", "warning", "row", "选填项无法识别，已忽略",
              "“{column}”的值“{value}”无法使用（{detail}），本行已录入但忽略了这个值。",
              "按模板要求的格式改正，或清空该单元格。"),
    IssueType("phone-is-agent", "warning", "row", "客户电话是代理人本人电话",
              "“{column}”填的是代理人自己的手机号 {value}。",
              "客户资料属于公司，请填写客户本人的电话。"),
    IssueType("shared-phone", "warning", "row", "多位客户共用一个电话",
              "电话 {value} 同时登记在不同客户名下（{detail}）。",
              "确认每位客户的本人电话；家庭成员共用请在备注中说明。"),
    IssueType("suspicious-text", "warning", "row", "内容以公式符号开头",
              "“{column}”的内容以“{value}”开头，可能被表格软件当成公式；已按纯文本保存。",
              "去掉开头的 = + - @ 符号。"),
    IssueType("text-too-long", "warning", "row", "内容超过单元格上限",
              "“{column}”有 {value} 个字符，超过表格单元格的上限 32,767 个，工作簿中只保留前 32,767 个。",
              "把过长的内容删减或移到别处（例如单独的文档），单元格里只留要点。"),
    IssueType("name-too-long", "warning", "row", "姓名过长",
              "“{column}”有 {value} 个字符，不像一个姓名。",
              "姓名栏只填姓名，其他信息写在备注里。"),
    IssueType("unknown-client", "warning", "row", "服务记录找不到客户",
              "服务记录中的客户“{value}”在成交客户和未成交客户中都找不到。",
              "填写客户编号，或与客户表完全一致的姓名。"),
    IssueType("conflicting-ratings", "warning", "row", "同一客户的评级前后不一致",
              "客户“{value}”的几行保单对{column}填写不一致：{detail}。",
              "同一位客户只应有一套评级：把各行改成一致，或只在最新的一行填写，其余留空。"),
    # -- the done loop: reading back a workbook Pasture wrote (roundtrip.py) --------
    IssueType("superseded-by-workbook", "error", "file", "已改用 Pasture 工作簿",
              "工号 {value} 在本次输入中还有一份 Pasture 生成的工作簿，本文件没有读取：工作簿里已经有"
              "本文件录入成功的全部行和代理人此后的修改，两份一起读会重复计算。",
              "今后只提交工作簿，把本文件移出输入文件夹；本文件中未录入的行（见工作簿“数据问题”）"
              "请改正后补录到工作簿里。"),
    IssueType("rows-left-behind", "warning", "row", "上次未录入的行不在工作簿中",
              "上次生成工作簿时，“{value}”的这一行因错误没有录入（{detail}），所以它不在本工作簿中。",
              "把这一行改正后补录到本工作簿的同名工作表；这条提示只出现这一次。"),
    # -- payment terms (premiums.py): the row is kept, the due dates may be wrong -----
    IssueType("pay-mode-blank", "warning", "row", "交费方式没有填写",
              "“{column}”没有填写，服务日历暂按“年交”排交费对应日，可能与保单不符。",
              "按保单填写年交、半年交、季交、月交或趸交。"),
    IssueType("pay-years-blank", "warning", "row", "缴费年限没有填写",
              "“{column}”没有填写，服务日历会一直排交费对应日，即使保单早已交清。",
              "按保单填写缴费年限（整数年，例如 20）；趸交保单可以不填。"),
    IssueType("single-premium-years", "warning", "row", "趸交保单的缴费年限大于 1 年",
              "交费方式是趸交（一次交清），但“{column}”填的是 {value} 年，两者矛盾；"
              "本行按趸交处理，不排交费对应日，保费也不计入年交保费。",
              "核对保单：分期交费的请改交费方式（如年交）；确为趸交的，缴费年限填 1 或留空。"),
    # -- branch files: satisfaction survey and complaints log ---------------------
    IssueType("invalid-score", "error", "row", "评分不在 1–5 之间",
              "“{column}”的值“{value}”不是有效评分：{detail}。",
              "填写 1 到 5 的整数（1 最低，5 最高）；没有回答就留空。"),
    IssueType("invalid-kano-answer", "error", "row", "卡诺问题的回答无法识别",
              "“{column}”的值“{value}”不是可选回答（可选：{detail}）。",
              "从下拉列表中选择：喜欢 / 理应如此 / 无所谓 / 能忍受 / 不喜欢；没有回答就留空。"),
    IssueType("unpaired-score-column", "warning", "sheet", "评分列不成对",
              "“{column}”没有对应的“{detail}”列，这一项不参与分析。",
              "每个服务项目都要有“·重要度”和“·满意度”两列（卡诺问题为“·具备时”和“·不具备时”两列）。"),
    IssueType("closed-before-opened", "error", "row", "结案日期早于投诉日期",
              "结案日期 {value} 早于投诉日期 {detail}。",
              "核对两个日期，结案日期应在投诉日期当天或之后。"),
    IssueType("closed-without-date", "warning", "row", "已结案但没有结案日期",
              "这条投诉标为已结案，但没有填写“{column}”，无法计算处理用时。",
              "补填结案日期。"),
    IssueType("unknown-agent", "warning", "row", "工号找不到代理人",
              "工号“{value}”不在本次提交的代理人档案中，按“未分组”统计。",
              "核对工号；该代理人的档案也需要一并提交。"),
    # -- referral chain (转介绍): warnings, the row is kept -------------------------
    IssueType("unknown-referrer", "warning", "row", "介绍人找不到",
              "介绍人“{value}”在成交客户和未成交客户中都找不到，这条转介绍没有计入转介绍链。",
              "填写介绍人的客户编号，或与客户表完全一致的姓名；介绍人本人也应登记在客户表中。"),
    IssueType("ambiguous-referrer", "warning", "row", "介绍人有重名",
              "介绍人“{value}”对应不止一位客户（{detail}），无法确定是哪一位。",
              "改填介绍人的客户编号，以区分同名客户。"),
    IssueType("referral-cycle", "warning", "row", "转介绍形成循环",
              "转介绍关系绕成了一个圈：{detail}。已在本行断开，本行客户按链首处理。",
              "检查这几行的“介绍人”：一位客户不可能由自己，或由自己介绍来的人介绍而来。"),
    # -- hostile or oversized input, output names (read.py, integrity.py) ----------
    IssueType("too-many-cells", "error", "file", "单元格过多",
              "文件中的单元格{detail}，超出一个文件能处理的上限。",
              "只提交正在经营的客户；历史数据另存一个文件，并删除大片空白但设置了格式的行和列。"),
    IssueType("agent-name-sanitized", "warning", "sheet", "工号或姓名不能用作文件名",
              "“{column}”的值“{value}”不能直接用作文件名（含有路径符号、控制字符或是系统保留名），"
              "工作簿改名为“{detail}”。",
              "工号和姓名只填文字和数字，不要含 / \\ : * ? \" < > | 等符号或控制字符。"),
    IssueType("output-name-collision", "warning", "sheet", "与其他文件的代理人重名",
              "本文件与“{detail}”的工号和姓名相同，工作簿改名为“{value}”，没有覆盖对方。",
              "每位代理人只提交一个文件；核对“代理人”工作表中的工号和姓名。"),
    IssueType("duplicate-agent-id", "warning", "sheet", "与其他文件的工号相同",
              "工号“{value}”也用在“{detail}”中。",
              "一位代理人只交一本档案，工号不能重复；工号填错的请改正。两本档案工号相同时，只有排在前面的"
              "一本读取并记入历史（等级变化、趋势），另一本不读取也不记录，以免两本互相覆盖历史。"),
    IssueType("internal-error", "error", "file", "程序内部错误",
              "处理本文件时程序出错（{detail}），本文件没有生成工作簿；其他文件照常处理。",
              "这不是表格填写的问题：请把这条提示、report.json 和运行时屏幕上的错误信息发给维护者。"
              "在修复之前，可以检查本文件最近改动过的行。"),
    # -- branch level: across agents' books (integrity.py); warnings, rows are kept --
    IssueType("cross-agent-client", "warning", "row", "客户同时登记在其他代理人名下",
              "客户“{value}”（同一电话、同一姓名）也登记在代理人 {detail} 的客户表中。",
              "同一位客户只应由一位代理人经营；请与对方和主管确认归属后删除重复的一方。"),
    IssueType("branch-shared-phone", "warning", "row", "一个电话登记在全营业部多位客户名下",
              "电话 {value} 在全营业部登记在 {detail} 位不同客户名下。",
              "向客户确认本人电话；不要用自己、同事或其他客户的电话代填。"),
    IssueType("phone-is-other-agent", "warning", "row", "客户电话是其他代理人的电话",
              "“{column}”填的是代理人 {detail} 的手机号 {value}。",
              "客户资料属于公司，请填写客户本人的电话。"),
    IssueType("agent-phones-suspect", "warning", "sheet", "客户电话大多不是客户本人的",
              "有电话的客户记录中 {value} 填的是{detail}。",
              "逐一向客户确认本人电话并改正；客户资料属于公司，不能用代理人的电话代替。"),
    # -- the published site: the run goes on, the report says what is missing --------
    IssueType("site-page-failed", "error", "file", "网页无法生成",
              "网站页面“{value}”无法生成：{detail}。这一页暂时显示为说明页，网站其余页面照常更新。",
              "按原因修改（多半是规则文件或网站项目中的页面写法有误）后重新运行 pasture build；"
              "看不懂原因时，把 report.json 发给管理员。"),
    IssueType("site-build-failed", "error", "file", "网站无法生成",
              "网站没有生成：{detail}。上一次生成的网站保持原样，没有被改动。",
              "检查网站项目（mkdocs.yml、规则文件）和网站组件是否完整；可以先用 --no-site 只生成工作簿和报告。"),
]

ISSUE_TYPES: dict[str, IssueType] = {t.code: t for t in _TYPES}
# Codes produced after classification by generator/referrals.py (tests/test_referrals.py).
REFERRAL_CODES = frozenset({"unknown-referrer", "ambiguous-referrer", "referral-cycle"})
# Codes generator/integrity.py adds once every book of the branch has been seen
# (tests/test_integrity.py); they are always warnings.
# Codes about the published site (generator/site.py), not about an input file.
SITE_CODES = frozenset({"site-page-failed", "site-build-failed"})
CROSS_AGENT_CODES = frozenset({"cross-agent-client", "branch-shared-phone", "phone-is-other-agent",
                               "agent-phones-suspect", "duplicate-agent-id"})


@dataclass
class Issue:
    """One problem at one place in one book."""

    code: str
    severity: Severity
    message: str
    hint: str
    file: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    column_letter: str | None = None
    # A summary stands for ``count`` issues of one code in one column; ``rows`` lists
    # their rows as [first, last] ranges. A plain issue has count 1 and no ranges.
    count: int = 1
    rows: list[list[int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_issue(
    code: str,
    *,
    file: str = "",
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    column_letter: str | None = None,
    value: Any = "",
    detail: str = "",
    severity: Severity | None = None,
) -> Issue:
    """Build an issue of a registered type, filling its message template."""
    t = ISSUE_TYPES[code]
    fields = {"column": column or "", "value": _show(value), "detail": detail}
    return Issue(
        code=code,
        severity=severity or t.severity,
        message=t.message.format(**fields),
        hint=t.hint.format(**fields),
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        column_letter=column_letter,
    )


#: Row issues kept one by one per (sheet, column, code); the rest become one summary.
MAX_ISSUES_PER_COLUMN = 20
_SUMMARY = "“{column}”列另有 {count} 行有同样的问题：{title}（{rows}）。"
_SUMMARY_NO_COLUMN = "另有 {count} 行有同样的问题：{title}（{rows}）。"


def summarise(issues: list[Issue], limit: int | None = None) -> list[Issue]:
    """Keep the first ``limit`` row issues of each (sheet, column, code); fold the rest
    into one summary issue per group whose ``count`` and ``rows`` keep the totals exact.

    A sheet of 10,000 rejected rows would otherwise carry ~10 issues per row into
    memory, the cache, the workbook and report.json.

    >>> many = [make_issue("invalid-phone", sheet="成交客户", row=r, column="电话") for r in range(2, 40)]
    >>> [i.count for i in summarise(many, 20)][-2:], summarise(many, 20)[-1].rows
    ([1, 18], [[22, 39]])
    """
    limit = MAX_ISSUES_PER_COLUMN if limit is None else limit
    seen: dict[tuple[str | None, str | None, str], int] = {}
    folded: dict[tuple[str | None, str | None, str], list[Issue]] = {}
    kept: list[Issue] = []
    for issue in issues:
        if issue.row is None or issue.count != 1:
            kept.append(issue)
            continue
        key = (issue.sheet, issue.column, issue.code)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= limit:
            kept.append(issue)
        else:
            folded.setdefault(key, []).append(issue)
    for group in folded.values():
        kept.append(_summary(group))
    return kept


def _summary(group: list[Issue]) -> Issue:
    first = group[0]
    ranges = row_ranges(i.row for i in group if i.row is not None)
    template = _SUMMARY if first.column else _SUMMARY_NO_COLUMN
    t = ISSUE_TYPES[first.code]
    message = template.format(column=first.column, count=len(group), title=t.title, rows=show_ranges(ranges))
    return Issue(code=first.code, severity=first.severity, message=message, hint=first.hint, file=first.file,
                 sheet=first.sheet, column=first.column, column_letter=first.column_letter,
                 count=len(group), rows=ranges)


def row_ranges(rows: Any) -> list[list[int]]:
    """Sorted row numbers as [first, last] runs: 2,3,4,7 → [[2, 4], [7, 7]]."""
    out: list[list[int]] = []
    for row in sorted(set(rows)):
        if out and row == out[-1][1] + 1:
            out[-1][1] = row
        else:
            out.append([row, row])
    return out


def show_ranges(ranges: list[list[int]], limit: int = 12) -> str:
    """``第 22–39、45 行``; past ``limit`` runs the text ends in 等."""
    parts = [f"{a:,}" if a == b else f"{a:,}–{b:,}" for a, b in ranges[:limit]]
    return "第 " + "、".join(parts) + (" 等" if len(ranges) > limit else "") + " 行"


def _show(value: Any, limit: int = 40) -> str:
    """Render a cell value for a message, shortened so a pasted essay stays readable."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class RowCount:
    """Row accounting for one sheet or file: read = accepted + rejected, always."""

    read: int = 0
    accepted: int = 0
    rejected: int = 0

    def add(self, other: "RowCount") -> None:
        self.read += other.read
        self.accepted += other.accepted
        self.rejected += other.rejected

    def to_dict(self) -> dict[str, int]:
        return {"read": self.read, "accepted": self.accepted, "rejected": self.rejected}
