"""The service calendar: real dates pinned for every occasion, and a stable order."""

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from generator import plan
from generator.models import AgentInfo, Book, MonthDay, Record
from generator.occasions import nth_weekday
from generator.plan import plan_book
from generator.plan_clients import clients_of
from generator.plan_tasks import BUCKETS, KINDS, Task, bucket, service_item
from generator.premiums import due_dates, next_due_date
from generator.rules import DEFAULT_RULES_PATH, RulesError, load_rules

RULES = load_rules()
TODAY = date(2026, 11, 22)


@dataclass(frozen=True, order=True)
class LeapMonthDay(MonthDay):
    """What a parser for "闰六月初十" could hand over: the planner reads ``leap``."""

    leap: bool = False


def closed(key, name="张三", *, row=2, policy_date=date(2020, 3, 1), policy_no=None, pay_mode="年交",
           pay_years=20, grade="A", quadrant="宠爱", **values):
    values = {"client_id": key, "holder_name": name, "holder_phone": "13800000000", "policy_date": policy_date,
              "policy_no": policy_no or f"P{key}{row}", "product": "重疾险", "pay_mode": pay_mode,
              "pay_years": pay_years, "premium": 5000.0, "calendar": "公历", **values}
    return Record("成交客户", row, values, client_key=key, grade=grade, quadrant=quadrant)


def prospect(key, name="李四", *, row=2, registered=date(2026, 11, 1), grade="B", quadrant="开发", **values):
    values = {"client_id": key, "name": name, "phone": "13900000000", "registered": registered,
              "calendar": "公历", **values}
    return Record("未成交客户", row, values, client_key=key, grade=grade, quadrant=quadrant)


def service(client, day, item="定期拜访", row=2):
    return Record("服务记录", row, {"date": day, "client": client, "item": item})


def book(closed_=(), prospects=(), services=()):
    return Book(source="x.xlsx", agent=AgentInfo("1001", "王芳"), closed=list(closed_),
                prospects=list(prospects), services=list(services))


def tasks_of(b, kind=None, *, today=TODAY, days=90, rules=RULES):
    found = plan_book(b, rules, today=today, days=days)
    return [t for t in found if kind is None or t.kind == kind]


def dates(tasks):
    return [t.date for t in tasks]


# -- birthdays and anniversaries ------------------------------------------------------------


def test_lunar_mid_autumn_birthday_is_converted_each_year():
    b = book([closed("C1", birthday=date(1980, 8, 15), calendar="农历")])
    found = tasks_of(b, "birthday", today=date(2026, 9, 1), days=400)
    assert dates(found) == [date(2026, 9, 25), date(2027, 9, 15)]
    assert found[0].occasion == "农历生日（八月十五，46岁）"


def test_lunar_month_day_only_birthday():
    b = book([closed("C1", birthday=MonthDay(8, 15), calendar="农历")])
    found = tasks_of(b, "birthday", today=date(2026, 9, 1), days=30)
    assert dates(found) == [date(2026, 9, 25)]
    assert found[0].occasion == "农历生日（八月十五）"


def test_leap_month_birthday_in_and_out_of_leap_years():
    b = book([closed("C1", birthday=LeapMonthDay(6, 10, leap=True), calendar="农历")])
    # 2025 has 闰六月: celebrated in it. 2026 has none: the ordinary 六月初十.
    assert dates(tasks_of(b, "birthday", today=date(2025, 7, 1), days=60)) == [date(2025, 8, 3)]
    found = tasks_of(b, "birthday", today=date(2026, 7, 1), days=60)
    assert dates(found) == [date(2026, 7, 23)]
    assert "今年无闰六月，按六月初十" in found[0].occasion


def test_ordinary_month_birthday_in_a_leap_year_is_not_doubled():
    b = book([closed("C1", birthday=MonthDay(6, 10), calendar="农历")])
    assert dates(tasks_of(b, "birthday", today=date(2025, 7, 1), days=60)) == [date(2025, 7, 4)]


def test_lunar_thirtieth_in_a_29_day_month():
    b = book([closed("C1", birthday=MonthDay(2, 30), calendar="农历")])  # 二月三十
    found = tasks_of(b, "birthday", today=date(2026, 4, 1), days=30)
    assert dates(found) == [date(2026, 4, 16)]  # 二月廿九: 2026's 二月 has 29 days
    assert "按二月廿九" in found[0].occasion


def test_leap_day_birthday_in_a_common_year():
    b = book([closed("C1", birthday=date(1988, 2, 29))])
    found = tasks_of(b, "birthday", today=date(2027, 1, 1), days=500)
    assert dates(found) == [date(2027, 2, 28), date(2028, 2, 29)]
    assert found[0].occasion == "生日（2月29日，39岁；平年按2月28日）"


def test_leap_day_policy_march_first(tmp_path):
    rules = _rules(tmp_path, lambda d: d["cadence"].update({"feb29_in_common_years": "mar_1"}))
    b = book([closed("C1", birthday=MonthDay(2, 29))])
    assert dates(tasks_of(b, "birthday", today=date(2027, 1, 1), days=90, rules=rules)) == [date(2027, 3, 1)]


def test_solar_month_day_birthday_and_anniversary():
    b = book([closed("C1", birthday=MonthDay(12, 3), anniversary=date(2010, 12, 20))])
    assert dates(tasks_of(b, "birthday")) == [date(2026, 12, 3)]
    found = tasks_of(b, "anniversary")
    assert dates(found) == [date(2026, 12, 20)]
    assert found[0].occasion == "结婚纪念日（12月20日，第16年）"


def test_passed_greetings_are_not_overdue():
    b = book([closed("C1", birthday=MonthDay(11, 21))])
    assert tasks_of(b, "birthday") == []


def test_greetings_once_per_client_not_per_policy():
    b = book([
        closed("C1", row=2, birthday=MonthDay(12, 3), policy_date=date(2019, 5, 1), grade="B", quadrant="耕耘"),
        closed("C1", row=3, policy_date=date(2023, 5, 1), grade="A", quadrant="宠爱"),
    ])
    found = tasks_of(b, "birthday")
    assert len(found) == 1
    # The latest policy gives the tier and the source row; the birthday comes from any row.
    assert (found[0].grade, found[0].quadrant, found[0].row) == ("A", "宠爱", 3)
    new_year = [t for t in tasks_of(b, "festival") if t.ref == "元旦"]
    assert len(new_year) == 1 and [g.key for g in new_year[0].group] == ["C1"]


# -- festivals ---------------------------------------------------------------------------------


def test_mothers_day_is_the_second_sunday_of_may():
    assert nth_weekday(2027, 5, 6, 2) == date(2027, 5, 9)
    assert nth_weekday(2027, 6, 6, 3) == date(2027, 6, 20)  # 父亲节
    assert nth_weekday(2026, 5, 6, -1) == date(2026, 5, 31)


def test_festivals_follow_the_rules_targets():
    pampered = closed("C1", grade="A", quadrant="宠爱")
    develop = closed("C2", name="赵六", grade="C", quadrant="开发")
    b = book([pampered, develop])
    found = tasks_of(b, "festival", today=date(2027, 4, 1), days=120)
    by_client = {k: {(t.ref, t.date) for t in found if k in {g.key for g in t.group}} for k in ("C1", "C2")}
    assert ("母亲节", date(2027, 5, 9)) in by_client["C1"]
    assert ("母亲节", date(2027, 5, 9)) not in by_client["C2"]  # only 宠爱/耕耘
    assert ("端午节", date(2027, 6, 9)) in by_client["C2"]  # everyone
    assert ("保险公众宣传日", date(2027, 7, 8)) in by_client["C1"]
    assert ("保险公众宣传日", date(2027, 7, 8)) not in by_client["C2"]  # grades A/B only
    mothers = next(t for t in found if t.ref == "母亲节")
    assert mothers.occasion == "母亲节（5月第2个星期日）：问候 1 位客户，名单见节日问候"


def test_a_festival_is_one_task_for_everyone_it_greets():
    clients = [closed(f"C{i}", name=f"客户{i}", row=i + 2, quadrant=q) for i, q in enumerate(["宠爱", "开发", "维系"])]
    b = book(clients, [prospect("W1", quadrant="宠爱")])
    found = tasks_of(b, "festival", today=date(2027, 2, 1), days=30)
    spring = [t for t in found if t.ref == "春节"]
    assert len(spring) == 1 and spring[0].date == date(2027, 2, 6)
    assert [g.key for g in spring[0].group] == ["C0", "C1", "C2", "W1"]
    assert spring[0].occasion == "春节（农历正月初一）：问候 4 位客户，名单见节日问候"
    assert spring[0].client_key == "" and spring[0].sheet == ""
    lantern = next(t for t in found if t.ref == "元宵节")  # 宠爱, 耕耘, 维系 only
    assert [g.key for g in lantern.group] == ["C0", "C2", "W1"]
    assert len(found) == len({(t.ref, t.date) for t in found})  # never one per client


def test_lunar_festivals():
    b = book([closed("C1")])
    found = {t.ref: t.date for t in tasks_of(b, "festival", today=date(2026, 9, 1), days=200)}
    assert found["中秋节"] == date(2026, 9, 25)
    assert found["春节"] == date(2027, 2, 6)
    assert found["国庆节"] == date(2026, 10, 1)


def test_prospects_get_greetings_unless_excluded():
    b = book(prospects=[prospect("W1", grade="A", quadrant="宠爱")])
    refs = {t.ref for t in tasks_of(b, "festival", today=date(2027, 7, 1), days=30)}
    assert "保险公众宣传日" not in refs  # books: [closed]


# -- premiums ----------------------------------------------------------------------------------


def test_monthly_due_dates_clamp_to_month_end_from_the_policy_date():
    assert due_dates(date(2025, 1, 31), "月交", 10, date(2025, 1, 1), date(2025, 5, 31)) == [
        date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31)]


def test_single_premium_has_no_due_dates():
    assert due_dates(date(2020, 1, 1), "趸交", None, date(2020, 1, 1), date(2030, 1, 1)) == []
    assert next_due_date(date(2020, 1, 1), "趸交", None, on_or_after=date(2021, 1, 1)) is None
    b = book([closed("C1", pay_mode="趸交", pay_years=None, policy_date=date(2025, 11, 30))])
    assert [t for t in tasks_of(b) if t.kind.startswith("premium")] == []


def test_payment_years_end():
    found = due_dates(date(2015, 6, 1), "年交", 10, date(2015, 1, 1), date(2035, 1, 1))
    assert found[0] == date(2016, 6, 1)
    assert found[-1] == date(2024, 6, 1)
    assert len(found) == 9  # the first of ten premiums was paid at the sale
    assert next_due_date(date(2015, 6, 1), "年交", 10, on_or_after=date(2024, 1, 1)) == date(2024, 6, 1)
    assert next_due_date(date(2015, 6, 1), "年交", 10, on_or_after=date(2024, 6, 2)) is None


@pytest.mark.parametrize("policy_date,mode,expected", [
    (date(2024, 8, 31), "半年交", [date(2025, 2, 28), date(2025, 8, 31), date(2026, 2, 28)]),
    (date(2024, 11, 30), "季交", [date(2025, 2, 28), date(2025, 5, 30), date(2025, 8, 30)]),
    (date(2024, 2, 29), "年交", [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28)]),
])
def test_other_periods(policy_date, mode, expected):
    assert due_dates(policy_date, mode, None, date(2025, 1, 1), expected[-1]) == expected


def _premium_tasks(b, **kw):
    return [t for t in tasks_of(b, **kw) if t.kind in ("premium_due", "premium_check")]


def test_premium_due_rows_and_unconfirmed_passed_ones():
    b = book([
        closed("C1", row=2, policy_date=date(2024, 12, 10), policy_no="P-DUE"),
        closed("C1", row=3, policy_date=date(2024, 10, 1), policy_no="P-PASSED", pay_mode="季交"),
        closed("C1", row=4, policy_date=date(2024, 9, 1), policy_no="P-LAPSED-LONG-AGO"),
    ])
    found = _premium_tasks(b)
    due = next(t for t in found if t.kind == "premium_due" and t.ref == "P-DUE")
    assert (due.date, due.amount, due.overdue) == (date(2026, 12, 10), 5000.0, False)
    assert "第3期保费 5,000.00 元（年交）" in due.occasion
    check = next(t for t in found if t.kind == "premium_check")
    assert (check.ref, check.date, check.amount, check.overdue) == ("P-PASSED", date(2026, 10, 1), 1250.0, True)
    assert "宽限期至 2026-11-30" in check.occasion and "请确认是否已交费" in check.action
    assert "失效" not in check.action  # nothing says it is unpaid
    assert bucket(check, TODAY) == "逾期" and check.late_text(TODAY) == "逾期 52 天"
    assert not any(t.ref == "P-LAPSED-LONG-AGO" for t in found if t.overdue)  # past the 60-day grace
    # The quarterly payer's next instalment is due in the window too: one row for it.
    assert [(t.date, t.amount) for t in found if t.ref == "P-PASSED" and not t.overdue] == [
        (date(2027, 1, 1), 1250.0)]


def test_one_row_per_due_date_and_instalments_by_mode():
    b = book([closed("C1", policy_date=date(2025, 1, 31), pay_mode="月交", policy_no="P-M", premium=12000.0),
              closed("C2", name="赵六", row=3, policy_date=date(2025, 6, 1), pay_mode="半年交", policy_no="P-H"),
              closed("C3", name="钱七", row=4, policy_date=date(2025, 12, 20), policy_no="P-S", pay_mode="趸交")])
    found = [t for t in _premium_tasks(b, today=date(2026, 11, 1), days=60)]
    due = [t for t in found if t.kind == "premium_due"]
    assert [(t.date, t.amount) for t in due if t.ref == "P-M"] == [
        (date(2026, 11, 30), 1000.0), (date(2026, 12, 31), 1000.0)]  # no extra reminder rows
    assert [(t.date, t.amount) for t in due if t.ref == "P-H"] == [(date(2026, 12, 1), 2500.0)]
    assert not any(t.ref == "P-S" for t in found)
    assert plan.reminder_days(RULES)["premium_due"] == RULES.cadence.premium_reminder_days_before


def test_paid_to_skips_paid_due_dates_and_names_the_unpaid():
    paid = book([closed("C1", policy_date=date(2024, 10, 1), pay_mode="季交", paid_to=date(2027, 1, 1))])
    assert [(t.kind, t.date) for t in _premium_tasks(paid)] == [("premium_due", date(2027, 1, 1))]
    unpaid = book([closed("C1", policy_date=date(2024, 10, 1), pay_mode="季交", paid_to=date(2026, 10, 1))])
    check = next(t for t in _premium_tasks(unpaid) if t.kind == "premium_check")
    assert "已交至 2026-10-01" in check.action and "保单将失效" in check.action


def test_monthly_payer_gets_one_check_row_for_passed_instalments():
    b = book([closed("C1", policy_date=date(2025, 1, 12), pay_mode="月交", policy_no="P-M", premium=1200.0)])
    checks = [t for t in _premium_tasks(b) if t.kind == "premium_check"]
    assert len(checks) == 1
    assert (checks[0].date, checks[0].amount) == (date(2026, 10, 12), 200.0)  # the oldest; both instalments
    assert "第22–23期（2 期）保费 200.00 元（月交）" in checks[0].occasion
    # The text names the latest due date: a done row marks it (and those before it) paid.
    assert "保单 P-M 交费对应日 2026-11-12（最早一期 2026-10-12）" in checks[0].occasion


def test_a_done_premium_row_in_the_service_log_marks_it_paid():
    from generator.premiums import paid_note

    b = book([closed("C1", policy_date=date(2024, 10, 1), pay_mode="季交", policy_no="P-Q")])
    assert any(t.kind == "premium_check" for t in _premium_tasks(b))
    note = Record("服务记录", 2, {"date": date(2026, 11, 20), "client": "C1", "item": "常规服务",
                                  "content": paid_note("P-Q", date(2026, 10, 1))})
    b.services.append(note)
    assert [t.kind for t in _premium_tasks(b)] == ["premium_due"]


# -- call-backs --------------------------------------------------------------------------------


def test_callbacks_of_a_policy_sold_last_week():
    b = book([closed("C1", policy_date=date(2026, 11, 16))])
    found = tasks_of(b, "callback", days=180)
    assert dates(found) == [date(2026, 11, 23), date(2026, 12, 16), date(2027, 2, 14), date(2027, 5, 15)]
    assert not any(t.overdue for t in found)
    assert found[0].occasion == "售后回访（重疾险承保后1周；保单 PC12）"


def test_missed_callbacks_stay_overdue_for_30_days_unless_a_service_followed():
    b = book([closed("C1", policy_date=date(2026, 10, 20))])
    found = tasks_of(b, "callback")
    # Both missed ones are one overdue row (dated by the older), naming both.
    assert [(t.date, t.overdue) for t in found] == [(date(2026, 10, 27), True), (date(2027, 1, 18), False)]
    assert "承保后1周" in found[0].occasion and "承保后1个月" in found[0].occasion
    b.services.append(service("C1", date(2026, 11, 1), "常规服务"))
    assert [(t.date, t.overdue) for t in tasks_of(b, "callback")] == [
        (date(2026, 11, 19), True), (date(2027, 1, 18), False)]


def test_old_missed_callbacks_are_dropped():
    b = book([closed("C1", policy_date=date(2026, 6, 1))])
    assert dates(tasks_of(b, "callback")) == [date(2026, 11, 28)]  # the 180-day one; the rest are long past


# -- visits and experiences --------------------------------------------------------------------


def test_overdue_visit_from_a_may_service_log_entry():
    b = book([closed("C1", name="张三", quadrant="开发")], services=[service("张三", date(2026, 8, 30))])
    found = tasks_of(b, "visit")
    assert len(found) == 1
    visit = found[0]
    assert visit.date == date(2026, 11, 28) and not visit.overdue
    b.services[0] = service("张三", date(2026, 8, 12))
    visit = tasks_of(b, "visit")[0]
    assert visit.date == date(2026, 11, 10) and visit.overdue and visit.late_text(TODAY) == "逾期 12 天"
    assert bucket(visit, TODAY) == "逾期"
    assert "上次服务 2026-08-12" in visit.occasion


def test_overdue_is_never_older_than_one_cycle():
    """A client unvisited since 2015 is 逾期 90 天以上 today, not a row dated 2015."""
    b = book([closed("C1", quadrant="开发", policy_date=date(2015, 3, 1)),
              closed("C2", name="赵六", row=3, quadrant="宠爱", policy_date=date(2015, 3, 1))])
    found = tasks_of(b)
    assert min(t.date for t in found) >= TODAY - timedelta(days=365)
    visit = next(t for t in found if t.kind == "visit")
    assert visit.date == TODAY - timedelta(days=90) and visit.capped
    assert visit.late_text(TODAY) == "逾期 90 天以上" and "承保日 2015-03-01 起算" in visit.occasion
    star = next(t for t in found if t.kind == "experience")
    assert star.date == TODAY - timedelta(days=180) and star.late_text(TODAY) == "逾期 180 天以上"


def test_one_overdue_row_per_client_and_kind():
    b = book([closed("C1", row=2, policy_date=date(2026, 10, 20), quadrant="宠爱", policy_no="P1"),
              closed("C1", row=3, policy_date=date(2026, 10, 22), quadrant="宠爱", policy_no="P2"),
              closed("C2", row=4, name="赵六", policy_date=date(2025, 1, 1), quadrant="宠爱", policy_no="P3")])
    found = [t for t in tasks_of(b) if t.overdue]
    kinds = [(t.client_key, t.kind) for t in found]
    assert len(kinds) == len(set(kinds))
    callback = next(t for t in found if t.kind == "callback")
    assert callback.ref == "P1、P2" and callback.date == date(2026, 10, 27)  # the oldest, naming both
    assert callback.occasion.endswith("等共 4 项")  # 1 week and 1 month, both policies
    star = next(t for t in found if t.kind == "experience")
    # One ☆ experience at a time: the first of the quadrant's ☆ items never given.
    assert star.client_key == "C2" and star.experience == "生活服务" and star.ref == "生活服务"
    assert service_item("experience", star.experience) == "生活服务"


def test_visit_counts_from_the_latest_of_log_and_last_service_column():
    b = book([closed("C1", quadrant="开发", last_service=date(2026, 10, 1))],
             services=[service("C1", date(2026, 5, 12))])
    found = tasks_of(b, "visit")
    assert [(t.date, t.overdue) for t in found] == [(date(2026, 12, 30), False)]


def test_visit_without_service_counts_from_the_policy_or_registration():
    b = book([closed("C1", quadrant="开发", policy_date=date(2026, 10, 1))],
             [prospect("W1", registered=date(2026, 10, 15), quadrant="开发")])
    found = {t.client_key: t for t in tasks_of(b, "visit")}
    assert found["C1"].date == date(2026, 12, 30)
    assert found["W1"].date == date(2027, 1, 13)
    assert "尚无服务记录，登记日 2026-10-15 起算" in found["W1"].occasion


def test_a_strategic_visit_keeps_the_visit_cadence(tmp_path):
    # 维系 has 定期拜访 as ☆: a priority, not a frequency — visits stay every 90 days.
    # (Its other ☆, 一般活动, is made ✓ here so that no experience stands for the visit.)
    rules = _rules(tmp_path, lambda d: d["experiences"]["matrix"]["维系"].update({"一般活动": "✓"}))
    b = book([closed("C1", quadrant="维系")], services=[service("C1", date(2026, 10, 1))])
    assert dates(tasks_of(b, "visit", rules=rules)) == [date(2026, 12, 30)]
    assert tasks_of(b, "experience", rules=rules) == []


def test_an_experience_due_first_stands_for_the_visit(tmp_path):
    """Giving a ☆ experience is a service: it restarts the visit cadence, so one row does both."""
    rules = _rules(tmp_path, lambda d: d["cadence"].update({"strategic_every_days": 60}))
    b = book([closed("C1", quadrant="耕耘")], services=[service("C1", date(2026, 10, 1))])
    assert tasks_of(b, "visit", rules=rules) == []
    star = tasks_of(b, "experience", rules=rules)
    assert dates(star) == [date(2026, 11, 30)] and "算作一次定期拜访" in star[0].action
    assert service_item(star[0].kind, star[0].experience) == "一般活动"


def test_strategic_experiences_of_the_pampered():
    """☆ is a priority, not a frequency: 宠爱 gets ONE ☆ experience every 180 days, the one
    given least recently — not 生活服务 and 量身定制 every 60 days each."""
    assert RULES.cadence.strategic_every_days == 180
    b = book([closed("C1", quadrant="宠爱", policy_date=date(2026, 10, 1))],
             services=[service("C1", date(2026, 11, 1), "生活服务")])
    assert tasks_of(b, "experience") == []  # nothing ☆ within the 90-day calendar
    [star] = tasks_of(b, "experience", days=200)
    # 生活服务 was given on 2026-11-01: the next ☆ is 量身定制, 180 days after it.
    assert (star.ref, star.date) == ("量身定制", date(2027, 4, 30))
    assert "每180天安排一项；尚未提供过；上次服务 2026-11-01" in star.occasion
    # Never given any: the first ☆ of the matrix's order comes first.
    fresh = book([closed("C1", quadrant="宠爱", policy_date=date(2026, 6, 1))])
    [first] = tasks_of(fresh, "experience", days=200)
    assert (first.ref, first.date) == ("生活服务", date(2026, 11, 28))


def test_experiences_count_from_the_last_service_column_too():
    b = book([closed("C1", quadrant="宠爱", policy_date=date(2019, 10, 1), last_service=date(2026, 11, 10))])
    assert {t.date for t in tasks_of(b, "experience", days=200)} == {date(2027, 5, 9)}
    assert not any(t.overdue for t in tasks_of(b) if t.kind in ("visit", "experience"))


def test_service_log_matching():
    twins = [closed("C1", name="王伟", quadrant="耕耘"), closed("C2", name="王伟", row=3, quadrant="耕耘")]
    b = book(twins, services=[service("王伟", date(2026, 10, 1)), service(" c2 ", date(2026, 11, 1))])
    clients = {c.key: c for c in clients_of(b)}
    assert clients["C1"].last_service is None  # the name is ambiguous: not attributed
    assert clients["C2"].last_service == date(2026, 11, 1)  # by 客户编号, folded


# -- order, buckets, views ---------------------------------------------------------------------


def _busy_book():
    return book(
        [closed("C1", birthday=MonthDay(12, 1), policy_date=date(2026, 11, 16)),
         closed("C2", name="赵六", row=3, quadrant="开发", policy_date=date(2025, 1, 31), pay_mode="月交"),
         closed("C3", name="钱七", row=4, quadrant="维系", policy_date=date(2024, 10, 1))],
        [prospect("W1", birthday=MonthDay(8, 15), calendar="农历", registered=date(2026, 6, 1))],
        [service("赵六", date(2026, 5, 12))],
    )


def test_plan_order_is_deterministic_and_in_working_order():
    first = plan_book(_busy_book(), RULES, today=TODAY)
    for seed in range(5):
        b = _busy_book()
        random.Random(seed).shuffle(b.closed)
        assert plan_book(b, RULES, today=TODAY) == first
    sections = [bucket(t, TODAY) for t in first]
    assert sections == sorted(sections, key=BUCKETS.index) and BUCKETS[:3] == ("今天", "本周", "逾期")
    assert {"本周", "逾期", "以后"} <= set(sections)
    late = [t for t in first if t.overdue]
    assert [KINDS.index(t.kind) for t in late] == sorted(KINDS.index(t.kind) for t in late)


@pytest.mark.parametrize("offset,name", [(0, "今天"), (1, "本周"), (6, "本周"), (7, "30天内"), (30, "30天内"), (31, "以后")])
def test_buckets(offset, name):
    task = Task(TODAY + timedelta(days=offset), "visit", "C1", "张三", None, None, None, "", "")
    assert bucket(task, TODAY) == name
    assert bucket(replace(task, overdue=True), TODAY) == "逾期"


def test_window_default_comes_from_the_rules_and_is_inclusive():
    b = book([closed("C1", birthday=MonthDay(2, 20))])
    assert dates(plan_book(b, RULES, today=date(2026, 11, 22))) and RULES.cadence.calendar_window_days == 90
    assert dates([t for t in plan_book(b, RULES, today=date(2026, 11, 22)) if t.kind == "birthday"]) == [
        date(2027, 2, 20)]  # exactly 90 days ahead


def test_counts_and_rows():
    tasks = plan_book(_busy_book(), RULES, today=TODAY)
    counts = plan.counts(tasks, TODAY)
    assert counts["total"] == len(tasks) == sum(counts["buckets"].values()) == sum(counts["kinds"].values())
    assert list(counts["buckets"]) == list(BUCKETS)
    groups = plan.grouped(tasks, TODAY)
    assert groups["逾期"] and groups["本周"]


def test_quota_series():
    b = book(prospects=[prospect("W1", registered=TODAY), prospect("W2", registered=TODAY),
                        prospect("W3", registered=date(2026, 11, 1)), prospect("W4", registered=date(2026, 10, 1))])
    series = plan.quota_series(b, RULES, today=TODAY)
    assert len(series) == 30
    assert series[0] == (date(2026, 10, 24), 0, 3)
    assert series[-1] == (TODAY, 2, 3)
    assert (date(2026, 11, 1), 1, 3) in series


# -- the rules-file additions ------------------------------------------------------------------


def _default():
    return yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def _rules(tmp_path: Path, mutate):
    data = _default()
    mutate(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rules(path)


def test_old_rules_files_without_calendar_settings_still_load(tmp_path):
    def strip(d):
        d.pop("festivals")
        for key in ("calendar_window_days", "callback_overdue_days", "greeting_reminder_days_before",
                    "lunar_leap_month", "lunar_missing_30th", "feb29_in_common_years"):
            d["cadence"].pop(key)
    rules = _rules(tmp_path, strip)
    assert rules.festivals == [] and rules.cadence.lunar_missing_30th == "last_day"
    assert tasks_of(book([closed("C1")]), "festival", rules=rules) == []


def test_default_festivals():
    names = [f.name for f in RULES.festivals]
    for name in ("春节", "元宵节", "端午节", "七夕", "中秋节", "重阳节", "元旦", "妇女节", "母亲节", "父亲节", "教师节",
                 "国庆节", "保险公众宣传日"):
        assert name in names


@pytest.mark.parametrize("festival,needle", [
    ({"name": "x", "calendar": "农历", "month": 5, "weekday": 6, "nth": 2, "action": "a"}, "农历节日只能写"),
    ({"name": "x", "month": 5, "action": "a"}, "二选一"),
    ({"name": "x", "month": 5, "day": 1, "weekday": 6, "nth": 2, "action": "a"}, "二选一"),
    ({"name": "x", "month": 2, "day": 30, "action": "a"}, "没有30日"),
    ({"name": "x", "month": 2, "day": 3, "grades": ["Z"], "action": "a"}, "“Z”不是已定义的等级"),
    ({"name": "x", "month": 2, "day": 3, "quadrants": ["放养"], "action": "a"}, "放养"),
    ({"name": "元旦", "month": 2, "day": 3, "action": "a"}, "重复"),
])
def test_bad_festivals_are_explained(tmp_path, festival, needle):
    with pytest.raises(RulesError) as err:
        _rules(tmp_path, lambda d: d["festivals"].append(festival))
    assert needle in str(err.value)


def test_bad_calendar_policy_is_explained(tmp_path):
    with pytest.raises(RulesError, match="lunar_leap_month"):
        _rules(tmp_path, lambda d: d["cadence"].update({"lunar_leap_month": "skip"}))


def test_greetings_carry_no_experience():
    """建议体验 is for rows where an experience is the point (visits, ☆ experiences)."""
    b = book([closed("C1", quadrant="宠爱", birthday=date(1980, 12, 1), anniversary=date(2005, 12, 3),
                     policy_date=date(2024, 1, 1))])
    found = tasks_of(b, days=120)
    greetings = [t for t in found if t.kind in ("birthday", "anniversary")]
    assert len(greetings) == 2 and all(t.experience is None for t in greetings)
    assert any(t.experience for t in found if t.kind in ("visit", "experience"))
