"""The input contract: which sheets an agent book has and what each column holds.

This module is the single source for sheet names, column headers, English aliases,
required flags and value kinds. The reader maps headers with it, the validator parses
values with it, the template writer lays out the blank book from it, and the docs list
it. Enumerated columns name a vocabulary of the rules file (``vocab``), so drop-down
lists and accepted synonyms live in ``rules.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .parse import INVISIBLE

Kind = Literal["text", "name", "phone", "date", "birthday", "choice", "money", "int"]

AGENT_SHEET = "代理人"
CLOSED_SHEET = "成交客户"
PROSPECT_SHEET = "未成交客户"
SERVICE_SHEET = "服务记录"
WORKLOG_SHEET = "工作日志"


@dataclass(frozen=True)
class Column:
    """One column of an input sheet."""

    key: str  # attribute name used in code (snake_case English)
    name: str  # canonical Chinese header
    kind: Kind = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    vocab: str | None = None  # for kind == "choice": vocabulary name in the rules file
    not_future: bool = False  # dates that must already have happened
    default: str | None = None  # canonical value used when the cell is blank
    hint: str = ""  # input hint shown in the template
    width: int = 12  # column width in the template and workbooks


@dataclass(frozen=True)
class Sheet:
    """One data sheet of an agent book."""

    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    optional: bool = False

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def _rating_columns() -> tuple[Column, ...]:
    return (
        Column("economy", "经济条件", "choice", True, ("economy", "economic condition"),
               vocab="经济条件", hint="好 / 一般", width=10),
        Column("awareness", "保险意识", "choice", True, ("awareness", "insurance awareness"),
               vocab="保险意识", hint="强 / 一般", width=10),
        Column("influence", "影响力", "choice", True, ("influence",),
               vocab="影响力", hint="广 / 一般", width=10),
        Column("capability", "资产能力", "choice", False, ("capability", "assets"),
               vocab="资产能力", hint="高 / 低；不填时按经济条件推定", width=10),
        Column("trust", "信赖程度", "choice", False, ("trust",),
               vocab="信赖程度", hint="高 / 低；不填时按来源、保单数等推定", width=10),
    )


def _person_columns() -> tuple[Column, ...]:
    """Optional: who a festival greeting is for (妇女节 to women, 七夕 to couples)."""
    return (
        Column("gender", "性别", "choice", False, ("gender", "sex"), vocab="性别",
               hint="女 / 男；可不填，用于妇女节等问候", width=6),
        Column("marital", "婚姻状况", "choice", False, ("婚否", "marital status"), vocab="婚姻状况",
               hint="已婚 / 未婚 / 离异 / 丧偶；可不填，用于七夕等问候", width=9),
    )


CLOSED = Sheet(
    CLOSED_SHEET,
    (
        Column("client_id", "客户编号", aliases=("client id", "客户id", "客户号", "编号"),
               hint="可不填，系统自动生成", width=12),
        Column("holder_name", "投保人姓名", "name", True,
               ("投保人", "policyholder", "holder name", "客户姓名", "姓名"), width=12),
        Column("holder_phone", "投保人电话", "phone", True,
               ("投保人手机", "投保人联系电话", "holder phone", "电话", "手机"),
               hint="客户本人 11 位手机号", width=15),
        Column("insured_name", "被保人姓名", "name", False, ("被保人", "insured", "insured name"),
               width=12),
        Column("insured_phone", "被保人电话", "phone", False, ("被保人手机", "insured phone"),
               width=15),
        Column("policy_date", "投保日期", "date", True,
               ("投保时间", "policy date"), not_future=True,
               hint="例如 2024-03-12", width=12),
        # The effective date: premium due dates run from it (投保日期 when blank). It may
        # lie a few days ahead (a policy written today that takes effect next week).
        Column("effective_date", "承保日期", "date", False,
               ("生效日期", "承保时间", "effective date"),
               hint="保单生效的日期，交费对应日从这天起算；不填时按投保日期", width=12),
        Column("policy_no", "保单号", "text", True, ("保单号码", "policy no", "policy number"),
               hint="同一本册子里不能重复", width=20),
        Column("product", "险种", "text", True, ("产品", "产品名称", "险种名称", "product"),
               width=16),
        # No default: a blank mode is planned as 年交 and warned about (premiums.py).
        Column("pay_mode", "交费方式", "choice", False, ("缴费方式", "payment mode"),
               vocab="交费方式", hint="年交/半年交/季交/月交/趸交；不填时按年交提醒", width=10),
        Column("pay_years", "缴费年限", "int", False, ("交费年限", "缴费期", "payment years", "term"),
               hint="整数年，例如 20", width=10),
        Column("premium", "年交保费", "money", True,
               ("保费", "保险费", "年缴保费", "annual premium", "premium"),
               hint="元，大于 0", width=12),
        Column("paid_to", "已交至", "date", False, ("交至日期", "缴至日期", "保费交至", "paid to", "paid-to date"),
               hint="可不填。保费已交到的日期，即下一个交费对应日；例如 2026 年的年交保费已交，"
                    "填 2027 年的交费对应日。填写后已交的期次不再提醒", width=12),
        Column("birthday", "投保人生日", "birthday", False, ("生日", "出生日期", "birthday"),
               hint="可只填月日，例如 3月12日", width=12),
        Column("calendar", "生日历法", "choice", False, ("历法", "calendar"),
               vocab="生日历法", default="公历", hint="公历 / 农历", width=10),
        Column("anniversary", "结婚纪念日", "birthday", False, ("纪念日", "wedding anniversary"),
               width=12),
        *_person_columns(),
        Column("address", "地址", aliases=("住址", "联系地址", "address"), width=24),
        Column("source", "客户来源", "choice", True, ("来源", "source"), vocab="客户来源",
               hint="缘故 / 转介绍 / 陌生", width=10),
        Column("referrer", "介绍人", aliases=("推荐人", "referrer"), hint="客户编号或姓名",
               width=12),
        *_rating_columns(),
        Column("last_service", "最近服务日期", "date", False,
               ("上次服务日期", "最近服务", "last service"), not_future=True, width=12),
        Column("notes", "备注", aliases=("说明", "notes", "note", "remark"), width=24),
    ),
    aliases=("成交客户档案", "成交客户清单", "成交客户档案清单", "closed", "clients"),
)

PROSPECT = Sheet(
    PROSPECT_SHEET,
    (
        Column("client_id", "客户编号", aliases=("client id", "客户id", "客户号", "编号"),
               hint="可不填，系统自动生成", width=12),
        Column("name", "姓名", "name", True, ("客户姓名", "name"), width=12),
        Column("phone", "电话", "phone", True, ("手机", "手机号", "联系电话", "phone"),
               hint="客户本人 11 位手机号", width=15),
        Column("registered", "登记日期", "date", True, ("建档日期", "登记时间", "registered"),
               not_future=True, hint="例如 2026-11-01", width=12),
        Column("source", "客户来源", "choice", True, ("来源", "source"), vocab="客户来源",
               hint="缘故 / 转介绍 / 陌生", width=10),
        Column("referrer", "介绍人", aliases=("推荐人", "referrer"), hint="客户编号或姓名",
               width=12),
        Column("birthday", "生日", "birthday", False, ("出生日期", "birthday"),
               hint="可只填月日，例如 3月12日", width=12),
        Column("calendar", "生日历法", "choice", False, ("历法", "calendar"),
               vocab="生日历法", default="公历", hint="公历 / 农历", width=10),
        *_person_columns(),
        Column("address", "地址", aliases=("住址", "联系地址", "address"), width=24),
        Column("occupation", "职业", aliases=("工作", "occupation", "job"), width=12),
        *_rating_columns(),
        Column("last_service", "最近服务日期", "date", False,
               ("上次服务日期", "最近服务", "last service"), not_future=True, width=12),
        Column("notes", "备注", aliases=("说明", "notes", "note", "remark"), width=24),
    ),
    aliases=("未成交客户档案", "未成交客户清单", "准客户", "prospects"),
)

SERVICE = Sheet(
    SERVICE_SHEET,
    (
        Column("date", "日期", "date", True, ("服务日期", "date"), not_future=True, width=12),
        Column("client", "客户", "text", True, ("客户编号", "客户姓名", "client"),
               hint="客户编号或姓名", width=14),
        Column("item", "服务项目", "choice", True, ("项目", "体验", "service"), vocab="服务项目",
               hint="常规服务/定期拜访/一般活动/高级活动/生活服务/量身定制", width=12),
        Column("content", "内容", aliases=("服务内容", "content"), width=30),
        Column("result", "结果", aliases=("服务结果", "result"), width=20),
        Column("task", "日历任务", aliases=("来自日历",), hint="由服务日历的“完成”自动填写，不必手填",
               width=24),
    ),
    aliases=("服务日志", "客户经营日志", "services"),
    optional=True,
)

# The agent's own daily log (早会 / 工作日志), kept short on purpose: 拜访, 新增准客户 and
# 促成 are derived from the other sheets when left blank (generator/activity.py).
WORKLOG = Sheet(
    WORKLOG_SHEET,
    (
        Column("date", "日期", "date", True, ("日期", "工作日期", "date"), not_future=True, width=12),
        Column("attendance", "出勤", "choice", False, ("考勤", "早会出勤", "attendance"), vocab="出勤",
               hint="出勤 / 缺勤 / 请假", width=8),
        Column("visits", "拜访", "int", False, ("拜访数", "拜访次数", "visits"),
               hint="不填时按服务记录中的定期拜访计", width=8),
        Column("calls", "电话", "int", False, ("电话数", "电话次数", "calls"), width=8),
        Column("meetings", "面谈", "int", False, ("面谈数", "面谈次数", "meetings"), width=8),
        Column("new_prospects", "新增准客户", "int", False, ("新增准客户数", "新准客户", "new prospects"),
               hint="不填时按未成交客户的登记日期计", width=10),
        Column("closes", "促成", "int", False, ("促成数", "成交", "签单", "closes"),
               hint="不填时按成交客户的投保日期计", width=8),
        Column("notes", "备注", aliases=("说明", "notes", "note"), width=24),
    ),
    aliases=("工作日志表", "日志", "展业日志", "worklog"),
    optional=True,
)

DATA_SHEETS: tuple[Sheet, ...] = (CLOSED, PROSPECT, SERVICE, WORKLOG)

# Words an agent may type in any rating column (经济条件 … 信赖程度), so 良好, 一般般 and 差
# mean the same in every one. The rules file's own synonyms are looked up first; these
# map to a vocabulary's first (higher) or last (lower) level.
RATING_VOCABS: tuple[str, ...] = tuple(c.vocab for c in _rating_columns() if c.vocab)
RATING_WORDS: dict[str, tuple[str, ...]] = {
    "high": ("好", "良好", "很好", "较好", "挺好", "不错", "高", "较高", "很高", "强", "较强", "很强",
             "广", "较广", "很广", "大", "多", "优", "优秀", "good", "high"),
    "low": ("一般", "一般般", "普通", "中", "中等", "差", "较差", "很差", "低", "较低",
            "弱", "较弱", "小", "少", "窄", "浅", "不好", "average", "normal", "low", "poor"),
}


def rating_level(text: str) -> str | None:
    """``"high"``/``"low"`` for a generic rating word, None otherwise.

    >>> rating_level("良好"), rating_level("一般般"), rating_level("很有钱吧")
    ('high', 'low', None)
    """
    return _rating_levels().get(normalize_header(text))


@lru_cache(maxsize=1)
def _rating_levels() -> dict[str, str]:
    return {normalize_header(w): level for level, words in RATING_WORDS.items() for w in words}
SHEETS_BY_NAME: dict[str, Sheet] = {s.name: s for s in DATA_SHEETS}

# Key/value fields of the 代理人 sheet.
AGENT_FIELDS: tuple[Column, ...] = (
    Column("agent_id", "工号", required=True, aliases=("代理人工号", "agent id", "id")),
    Column("name", "姓名", required=True, aliases=("代理人姓名", "name")),
    Column("phone", "手机", "phone", aliases=("电话", "手机号", "phone")),
    Column("team", "团队", aliases=("组", "团队名称", "team")),
    Column("branch", "营业部", aliases=("分公司", "营业区", "branch")),
)

# Words an agent types in a hand-made totals row.
TOTAL_WORDS = ("合计", "总计", "小计", "汇总", "total")


# Full-width ASCII → half-width, ideographic space → space; '*' (required marks) and line
# breaks vanish. One translate() call instead of a per-character loop: this runs on
# every choice cell of every book.
_FOLD: dict[int, int | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, ord("*"): None, ord("\n"): None, 0xFF0A: None})
_FOLD.update({code: None for code in INVISIBLE})  # zero-width and direction marks


def normalize_header(text: object) -> str:
    """Fold a header cell for matching: trim, full-width→half-width, drop spaces, '*'
    and invisible characters (zero-width, direction marks).

    >>> normalize_header(" 投保人电话＊ ")
    '投保人电话'
    """
    if text is None:
        return ""
    return _fold(str(text))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return "".join(text.translate(_FOLD).split()).lower()


def header_index(sheet: Sheet) -> dict[str, Column]:
    """Map every accepted spelling of a header (folded) to its column."""
    index: dict[str, Column] = {}
    for col in sheet.columns:
        for spelling in (col.name, *col.aliases):
            index.setdefault(normalize_header(spelling), col)
    return index


def match_sheet(name: str) -> Sheet | None:
    """Find the data sheet a worksheet name stands for (canonical name or alias)."""
    folded = normalize_header(name)
    for sheet in DATA_SHEETS:
        if folded in {normalize_header(n) for n in (sheet.name, *sheet.aliases)}:
            return sheet
    return None


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → 'A', 27 → 'AB')."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
