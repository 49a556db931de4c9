"""Load and check the rules file (rules as data).

``load_rules()`` returns the packaged defaults; ``load_rules(path)`` reads a trainer's
copy and raises :class:`RulesError` with every problem listed, in Chinese and with the
path inside the file, when it is not usable.

    >>> rules = load_rules()
    >>> rules.grade("closed", {"经济条件": "好", "保险意识": "强", "影响力": "广"})
    'A'
"""

from __future__ import annotations

import calendar
import itertools
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .schema import normalize_header

RATINGS = ("经济条件", "保险意识", "影响力")
QUADRANT_AXES = ("资产能力", "信赖程度")
QUADRANTS = ("开发", "维系", "耕耘", "宠爱")
MARKS = ("✓", "×", "◎", "☆")
Book = Literal["closed", "prospect"]

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")


class RulesError(ValueError):
    """The rules file cannot be used; the message lists every problem."""


class _Strict(BaseModel):
    # inf/nan would reach report.json as non-JSON and crash date arithmetic.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Upper bounds: generous for any real branch, small enough that date arithmetic and
# loops over days stay finite (a 1e9-day window crashed `build` after `rules check` passed).
MAX_DAYS = 3660  # ten years, the longest calendar window (`--days` has the same cap)
MAX_POINTS = 1_000_000.0
RULES_YEARS = (1900, 2200)  # campaign dates; run dates use the same range (see cli --today)
DaysCount = Annotated[int, Field(gt=0, le=MAX_DAYS)]


class Condition(_Strict):
    """An ordered rule: the first whose `when` matches wins."""

    when: dict[str, str | list[str]] = Field(default_factory=dict)

    def matches(self, values: dict[str, str]) -> bool:
        for key, want in self.when.items():
            allowed = [want] if isinstance(want, str) else want
            if values.get(key) not in allowed:
                return False
        return True


class GradeRule(Condition):
    grade: str


class QuadrantRule(Condition):
    quadrant: str


class TrustSignals(_Strict):
    sources: list[str] = Field(default_factory=list)
    min_policies: int | None = Field(None, ge=0, le=1000)
    made_referral: bool = False
    min_tenure_years: float | None = Field(None, ge=0, le=100)


class Derive(_Strict):
    capability_high_when_economy: list[str] = Field(default_factory=lambda: ["好"])
    trust_high_when: TrustSignals = Field(default_factory=TrustSignals)  # type: ignore[arg-type]


class Quadrants(_Strict):
    rules: list[QuadrantRule]
    strategy: dict[str, str]
    derive: Derive = Field(default_factory=Derive)


class Experience(_Strict):
    name: str
    cost: str


class Experiences(_Strict):
    items: list[Experience]
    marks: dict[str, str]
    matrix: dict[str, dict[str, str]]


# How a recurring date that does not exist in some year is moved (documented in rules.yaml).
LeapMonthPolicy = Literal["leap_if_present", "ordinary"]
Missing30thPolicy = Literal["last_day", "next_day"]
Feb29Policy = Literal["feb_28", "mar_1"]


class Cadence(_Strict):
    visit_every_days: int = Field(90, gt=0, le=MAX_DAYS)
    # ☆ is a priority, not a frequency: one ☆ experience is planned per client every this many days.
    strategic_every_days: int = Field(180, gt=0, le=MAX_DAYS)
    callbacks_after_sale_days: list[DaysCount] = Field(default_factory=lambda: [7, 30, 90, 180], max_length=50)
    # Call-backs beyond the sale (generator/followups.py): after every service (1 = the
    # same day or the next, as the standard asks) and after a prospect is registered.
    callback_after_service_days: int = Field(1, ge=0, le=MAX_DAYS)
    prospect_followup_days: list[DaysCount] = Field(default_factory=lambda: [7, 30], max_length=50)
    grace_period_days: int = Field(60, ge=0, le=366)
    premium_reminder_days_before: int = Field(15, ge=0, le=366)
    prospect_daily_quota: int = Field(3, ge=0, le=1000)
    # The service calendar (plan.py); see the comments in rules.yaml.
    calendar_window_days: int = Field(90, gt=0, le=MAX_DAYS)
    callback_overdue_days: int = Field(30, ge=0, le=MAX_DAYS)
    greeting_reminder_days_before: int = Field(3, ge=0, le=366)
    lunar_leap_month: LeapMonthPolicy = "leap_if_present"
    lunar_missing_30th: Missing30thPolicy = "last_day"
    feb29_in_common_years: Feb29Policy = "feb_28"


_BOOKS: tuple[Book, ...] = ("closed", "prospect")


class Festival(_Strict):
    """A yearly greeting occasion: a fixed (lunar or solar) date or the nth weekday of a month."""

    name: str = Field(min_length=1)
    calendar: Literal["公历", "农历"] = "公历"
    month: int = Field(ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)
    weekday: int | None = Field(None, ge=0, le=6)  # 0 = Monday … 6 = Sunday
    nth: int | None = Field(None, ge=-1, le=5)  # 1 = first … 5 = fifth, -1 = last
    grades: list[str] = Field(default_factory=list)  # empty: every grade
    quadrants: list[str] = Field(default_factory=list)  # empty: every quadrant
    books: list[Book] = Field(default_factory=lambda: list(_BOOKS))
    # Who by person, applied when the client's 性别 / 婚姻状况 is known (generator/audience.py):
    # gender: only clients of that 性别; couples: only married clients (已婚, or a 结婚纪念日).
    gender: Literal["女", "男"] | None = None
    couples: bool = False
    action: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_date_rule(self) -> "Festival":
        floating = self.weekday is not None or self.nth is not None
        if floating and self.calendar == "农历":
            raise ValueError(f"节日“{self.name}”：农历节日只能写 month + day")
        if floating == (self.day is not None) or (floating and (self.weekday is None or not self.nth)):
            raise ValueError(f"节日“{self.name}”：请写 day（固定日期）或 weekday + nth（第几个星期几），二选一")
        last = 30 if self.calendar == "农历" else calendar.monthrange(2000, self.month)[1]
        if self.day is not None and self.day > last:
            raise ValueError(f"节日“{self.name}”：{self.calendar}{self.month}月没有{self.day}日")
        return self


class Targets(_Strict):
    addon_rate: float = Field(0.6, ge=0, le=1)
    referral_rate: float = Field(0.6, ge=0, le=1)


class Cve(_Strict):
    """Client value evaluation (客户价值评估): points per unit of what a client brought."""

    per_10k_premium: float = Field(1, ge=0, le=MAX_POINTS)  # per 10,000 yuan of annual premium (all policies)
    per_policy: float = Field(1, ge=0, le=MAX_POINTS)
    per_direct_referral: float = Field(3, ge=0, le=MAX_POINTS)  # each client this client introduced
    per_indirect_referral: float = Field(1, ge=0, le=MAX_POINTS)  # each client further down their chain
    per_tenure_year: float = Field(0.5, ge=0, le=MAX_POINTS)  # each full year since the first policy
    count_prospects: bool = True  # referred prospects (not yet closed) count as referrals


SEGMENTS = ("高效客户", "高贡献客户", "一般客户", "休眠客户")


class HighValue(_Strict):
    """高效客户 (large value): either threshold makes a client one."""

    min_premium: int = Field(50000, ge=0)  # annual premium of all the client's policies, yuan; 0 = off
    top_percent: int = Field(20, ge=0, le=100)  # or the top % of the agent's clients by premium; 0 = off


class HighContribution(_Strict):
    """高贡献客户 (large volume of business): either threshold makes a client one."""

    min_policies: int = Field(3, ge=0)  # 0 = off
    min_referrals: int = Field(2, ge=0)  # clients this client introduced directly; 0 = off


class Segments(_Strict):
    """Value segments (客户细分) of closed clients, checked in this order: 休眠, 高效, 高贡献, 一般."""

    dormant_days: int = Field(365, gt=0)  # no new policy, service or contact for this long
    high_value: HighValue = Field(default_factory=HighValue)  # type: ignore[arg-type]
    high_contribution: HighContribution = Field(default_factory=HighContribution)  # type: ignore[arg-type]


class Limits(_Strict):
    name_max_length: int = Field(50, gt=0, le=1000)


# -- branch level: survey, complaints, campaigns (domain.md §9) ---------------------

# A life-insurance branch's own services. The standard's example set is a property
# insurer's (定损, 现场响应); it is kept as a named example, usable by name.
DEFAULT_SURVEY_ATTRIBUTES = (
    "热线容易接通", "代理人专业能力", "条款讲解清楚", "保全办理便捷", "回访及时", "理赔及时", "理赔手续简便",
    "整体服务态度",
)
PROPERTY_INSURER_EXAMPLE = "财产险公司示例"
DEFAULT_SURVEY_EXAMPLES: dict[str, list[str]] = {
    PROPERTY_INSURER_EXAMPLE: ["热线容易接通", "人员专业能力", "现场响应速度", "定损公平合理", "理赔及时",
                               "理赔手续简便", "整体服务态度"],
}
DEFAULT_COMPLAINT_CATEGORIES: dict[str, list[str]] = {
    "业务本身": ["业务", "产品", "条款", "理赔", "business"],
    "人员-迟到": ["迟到", "不守时", "人员迟到", "lateness"],
    "人员-态度": ["态度", "服务态度", "人员态度", "attitude"],
    "人员-技能": ["技能", "专业能力", "业务不熟", "人员技能", "skill"],
    "其他": ["其它", "other"],
}


class SurveyGrid(_Strict):
    """Where the importance × satisfaction grid is split; None = the mean over attributes."""

    importance: float | None = Field(None, ge=1, le=5)
    satisfaction: float | None = Field(None, ge=1, le=5)


class Survey(_Strict):
    attributes: list[str] = Field(default_factory=lambda: list(DEFAULT_SURVEY_ATTRIBUTES), min_length=1)
    # Named attribute sets kept for reference; `attributes` may name one instead of listing.
    examples: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_SURVEY_EXAMPLES))
    grid: SurveyGrid = Field(default_factory=SurveyGrid)  # type: ignore[arg-type]

    @model_validator(mode="before")
    @classmethod
    def _attributes_by_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("attributes"), str):
            examples = data.get("examples", DEFAULT_SURVEY_EXAMPLES)
            name = data["attributes"]
            if not isinstance(examples, dict) or name not in examples:
                known = "、".join(examples) if isinstance(examples, dict) else ""
                raise ValueError(f"survey.attributes：没有名为“{name}”的示例（可用：{known or '无'}）")
            data = {**data, "attributes": examples[name]}
        return data


class Complaints(_Strict):
    # Canonical category → synonyms, like a vocabulary; a plain list is accepted too.
    categories: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_COMPLAINT_CATEGORIES))
    # Two clocks: the first response (0 = the same day, 1 = the same day or the next) and closure.
    first_response_days: int = Field(1, ge=0, le=MAX_DAYS)
    open_limit_days: int = Field(30, gt=0, le=MAX_DAYS)
    age_buckets_days: list[int] = Field(default_factory=lambda: [7, 30, 90], max_length=20)

    @field_validator("categories", mode="before")
    @classmethod
    def _list_ok(cls, v: Any) -> Any:
        return {str(c): [] for c in v} if isinstance(v, list) else v

    @field_validator("age_buckets_days")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        if any(b <= 0 or b > MAX_DAYS for b in v) or v != sorted(set(v)):
            raise ValueError(f"age_buckets_days 应是从小到大、互不相同、不超过 {MAX_DAYS} 的正整数")
        return v

    @model_validator(mode="after")
    def _response_before_closure(self) -> "Complaints":
        if self.first_response_days > self.open_limit_days:
            raise ValueError("first_response_days（首次回应时限）不应长于 open_limit_days（结案时限）")
        return self


class CampaignPoints(_Strict):
    branch: float = Field(1, ge=0, le=MAX_POINTS)  # points per 10,000 yuan for the branch (营业部)
    agent: float = Field(2, ge=0, le=MAX_POINTS)  # points per 10,000 yuan for the selling agent


class Campaign(_Strict):
    name: str = Field(min_length=1)
    start: date
    end: date
    products: list[str] | Literal["all"] = "all"
    points_per_10k: CampaignPoints = Field(default_factory=CampaignPoints)  # type: ignore[arg-type]
    monthly_target_points: float = Field(0, ge=0, le=MAX_POINTS * 100)  # per agent and month

    @model_validator(mode="after")
    def _period(self) -> "Campaign":
        if self.end < self.start:
            raise ValueError(f"活动“{self.name}”的结束日期早于开始日期")
        if not (RULES_YEARS[0] <= self.start.year and self.end.year <= RULES_YEARS[1]):
            raise ValueError(f"活动“{self.name}”的日期应在 {RULES_YEARS[0]}–{RULES_YEARS[1]} 年之间")
        if (self.end - self.start).days > MAX_DAYS:
            raise ValueError(f"活动“{self.name}”长于 {MAX_DAYS} 天")
        return self


# Vocabularies of optional columns added after rules files were in use: a copy made
# before them gets these defaults instead of failing to load.
OPTIONAL_VOCABULARIES: dict[str, dict[str, list[str]]] = {
    "出勤": {"出勤": ["到", "已到", "到岗", "参加", "是", "√", "✓", "yes", "present"],
             "缺勤": ["未到", "没到", "旷工", "否", "×", "no", "absent"],
             "请假": ["休假", "事假", "病假", "年假", "leave"]},
    "性别": {"女": ["女性", "女士", "f", "female"], "男": ["男性", "先生", "m", "male"]},
    "婚姻状况": {"已婚": ["结婚", "已结婚", "有配偶", "married"], "未婚": ["单身", "未结婚", "single"],
               "离异": ["离婚", "divorced"], "丧偶": ["widowed"]},
}


class Rules(_Strict):
    """The whole rules file, validated."""

    version: int = Field(1, ge=1, le=1_000_000)
    vocabularies: dict[str, dict[str, list[str]]]
    grading: dict[Book, list[GradeRule]]
    actions: dict[Book, dict[str, list[str]]]
    quadrants: Quadrants
    experiences: Experiences
    cadence: Cadence = Field(default_factory=Cadence)  # type: ignore[arg-type]
    targets: Targets = Field(default_factory=Targets)  # type: ignore[arg-type]
    cve: Cve = Field(default_factory=Cve)  # type: ignore[arg-type]
    limits: Limits = Field(default_factory=Limits)  # type: ignore[arg-type]
    segments: Segments = Field(default_factory=Segments)  # type: ignore[arg-type]
    festivals: list[Festival] = Field(default_factory=list)
    survey: Survey = Field(default_factory=Survey)
    complaints: Complaints = Field(default_factory=Complaints)  # type: ignore[arg-type]
    campaigns: list[Campaign] = Field(default_factory=list)

    @field_validator("vocabularies", mode="before")
    @classmethod
    def _optional_vocabularies(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {**OPTIONAL_VOCABULARIES, **v}
        return v

    @field_validator("vocabularies")
    @classmethod
    def _vocab_complete(cls, v: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        needed = (*RATINGS, *QUADRANT_AXES, "客户来源", "交费方式", "生日历法", "服务项目")
        missing = [n for n in needed if n not in v]
        if missing:
            raise ValueError(f"缺少词表：{'、'.join(missing)}")
        for name, words in v.items():
            seen: dict[str, str] = {}
            for canon, synonyms in words.items():
                for w in (canon, *(synonyms or [])):
                    key = normalize_header(w)
                    if key in seen and seen[key] != canon:
                        raise ValueError(f"词表“{name}”中“{w}”同时指向“{seen[key]}”和“{canon}”")
                    seen[key] = canon
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Rules":
        problems: list[str] = []
        vocab = self.vocabularies
        for book in ("closed", "prospect"):
            rules = self.grading.get(book)  # type: ignore[call-overload]
            if not rules:
                problems.append(f"grading.{book}：没有任何分级规则")
                continue
            for i, r in enumerate(rules):
                problems += _check_when(f"grading.{book}[{i}]", r.when, RATINGS, vocab)
            for combo in itertools.product(*(list(vocab[r]) for r in RATINGS)):
                values = dict(zip(RATINGS, combo))
                if not any(r.matches(values) for r in rules):
                    problems.append(
                        f"grading.{book}：组合 {'/'.join(combo)} 没有对应的等级（规则必须覆盖全部 8 种组合）"
                    )
            graded = {r.grade for r in rules}
            acts = self.actions.get(book, {})  # type: ignore[call-overload]
            for g in sorted(graded - set(acts)):
                problems.append(f"actions.{book}：等级 {g} 没有建议动作")
        for i, q in enumerate(self.quadrants.rules):
            problems += _check_when(f"quadrants.rules[{i}]", q.when, QUADRANT_AXES, vocab)
            if q.quadrant not in QUADRANTS:
                problems.append(f"quadrants.rules[{i}]：象限“{q.quadrant}”不是 {'/'.join(QUADRANTS)} 之一")
        for combo in itertools.product(*(list(vocab[a]) for a in QUADRANT_AXES)):
            values = dict(zip(QUADRANT_AXES, combo))
            if not any(q.matches(values) for q in self.quadrants.rules):
                problems.append(f"quadrants.rules：组合 {'/'.join(combo)} 没有对应的象限")
        items = [e.name for e in self.experiences.items]
        for quadrant in QUADRANTS:
            row = self.experiences.matrix.get(quadrant)
            if row is None:
                problems.append(f"experiences.matrix：缺少象限“{quadrant}”")
                continue
            for item in items:
                mark = row.get(item)
                if mark not in MARKS:
                    problems.append(
                        f"experiences.matrix.{quadrant}.{item}：标记应为 {' '.join(MARKS)} 之一，实际为“{mark}”"
                    )
        unknown = set(items) - set(vocab["服务项目"])
        if unknown:
            problems.append(f"experiences.items：{'、'.join(sorted(unknown))} 不在“服务项目”词表中")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _festivals_known(self) -> "Rules":
        grades = {r.grade for rules in self.grading.values() for r in rules}
        problems = []
        for i, f in enumerate(self.festivals):
            for g in f.grades:
                if g not in grades:
                    problems.append(f"festivals[{i}].grades：“{g}”不是已定义的等级（{'/'.join(sorted(grades))}）")
            for q in f.quadrants:
                if q not in QUADRANTS:
                    problems.append(f"festivals[{i}].quadrants：“{q}”不是 {'/'.join(QUADRANTS)} 之一")
        names = [f.name for f in self.festivals]
        problems += [f"festivals：节日“{n}”重复" for n in sorted({n for n in names if names.count(n) > 1})]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- the engine's questions -----------------------------------------------------
    def canonical(self, vocab: str, text: str) -> str | None:
        """The canonical word for ``text`` in a vocabulary, or None if unknown."""
        return self._lookup()[vocab].get(normalize_header(text))

    def choices(self, vocab: str) -> list[str]:
        return list(self.vocabularies[vocab])

    def grade(self, book: Book, ratings: dict[str, str]) -> str:
        for r in self.grading[book]:
            if r.matches(ratings):
                return r.grade
        raise AssertionError("rules are validated to be total")  # pragma: no cover

    def quadrant(self, capability: str, trust: str) -> str:
        values = {"资产能力": capability, "信赖程度": trust}
        for q in self.quadrants.rules:
            if q.matches(values):
                return q.quadrant
        raise AssertionError("rules are validated to be total")  # pragma: no cover

    def _lookup(self) -> dict[str, dict[str, str]]:
        cached = self.__dict__.get("_lookup_cache")
        if cached is None:
            cached = {
                name: {normalize_header(w): canon for canon, syn in words.items() for w in (canon, *(syn or []))}
                for name, words in self.vocabularies.items()
            }
            object.__setattr__(self, "_lookup_cache", cached)
        return cached


def _check_when(where: str, when: dict[str, Any], keys: tuple[str, ...], vocab: dict[str, dict[str, list[str]]]) -> list[str]:
    out = []
    for key, want in when.items():
        if key not in keys:
            out.append(f"{where}.when：“{key}”不是可用的条件（可用：{'、'.join(keys)}）")
            continue
        for w in [want] if isinstance(want, str) else want:
            if w not in vocab[key]:
                out.append(f"{where}.when.{key}：“{w}”不是词表中的标准值（{'/'.join(vocab[key])}）")
    return out


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and validate a rules file (the packaged default when ``path`` is None)."""
    where = str(path) if path else "默认规则"
    try:
        text = Path(path).read_text(encoding="utf-8") if path else DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"无法读取规则文件 {where}：{exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"规则文件 {where} 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"规则文件 {where} 的顶层应是键值对（映射）")
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = _explain(err)
            lines.append(f"  - {loc}: {msg}" if loc else f"  - {msg}")
        raise RulesError(f"规则文件 {where} 有 {len(lines)} 处问题：\n" + "\n".join(lines)) from exc


# pydantic's messages are English; say the common ones in Chinese, with the value given.
_EXPLAIN = {
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "finite_number": "应是有限的数（不能是 inf 或 nan）",
    "int_type": "应是整数",
    "int_parsing": "应是整数",
    "int_from_float": "应是整数（不能有小数）",
    "float_type": "应是数字",
    "float_parsing": "应是数字",
    "bool_type": "应是 true 或 false",
    "bool_parsing": "应是 true 或 false",
    "string_type": "应是文字",
    "missing": "缺少这一项",
    "extra_forbidden": "不认识的设置项（是否拼写错误？）",
    "literal_error": "应为 {expected} 之一",
    "date_parsing": "应是日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应是日期（YYYY-MM-DD）",
    "date_type": "应是日期（YYYY-MM-DD）",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "string_too_short": "不能为空",
    "list_type": "应是列表",
    "dict_type": "应是键值对（映射）",
}


def _explain(err: Any) -> str:
    """One validation error in Chinese (pydantic's own text for the rare kinds)."""
    template = _EXPLAIN.get(err["type"])
    if template is None:
        return str(err["msg"]).removeprefix("Value error, ")
    try:
        text = template.format(**err.get("ctx", {}))
    except (KeyError, IndexError):
        text = template
    given = err.get("input")
    if err["type"] != "missing" and isinstance(given, (int, float, str, bool)) and len(str(given)) <= 40:
        text += f"，实际为 {given!r}" if isinstance(given, str) else f"，实际为 {given}"
    return text
