"""Issue 14 items 4–6 and 8 in the planner: call-backs after every service and prospect
follow-ups, ☆ as a priority, 承保日期 for premiums, festivals by 性别 / 婚姻状况, value
segments in call-back planning — each read back from the planned tasks or the workbook."""

from datetime import date, timedelta

import openpyxl

from generator.models import Record
from generator.pipeline import process_source
from generator.plan_tasks import KIND_LABELS
from generator.read import discover
from generator.workbook import write_agent_workbook

from books import closed as closed_row
from books import write_book
from test_plan import RULES, TODAY, book, closed, prospect, service, tasks_of


def festival(name, b, days=400):
    return [t for t in tasks_of(b, "festival", days=days) if t.ref == name]


# -- item 5: after every service, and prospects -------------------------------------------


def test_a_service_gets_a_call_back_the_same_day_or_the_next():
    assert RULES.cadence.callback_after_service_days == 1 and KIND_LABELS["followup"] == "服务回访"
    b = book([closed("C1", quadrant="开发")], services=[service("C1", TODAY, "常规服务")])
    [call] = tasks_of(b, "followup")
    assert call.date == TODAY + timedelta(days=1) and not call.overdue
    assert f"服务后回访（{TODAY.isoformat()} 常规服务，应在当天或第二天回访）" == call.occasion


def test_a_later_service_or_a_logged_call_back_covers_it():
    yesterday, before = TODAY - timedelta(days=1), TODAY - timedelta(days=3)
    b = book([closed("C1", quadrant="开发")], services=[service("C1", before, "常规服务", row=2)])
    [late] = tasks_of(b, "followup")
    assert late.overdue and late.date == before + timedelta(days=1) and late.late_text(TODAY) == "逾期 2 天"
    # The call-back logged the next day covers it and needs no call-back itself.
    logged = Record("服务记录", 3, {"date": yesterday, "client": "C1", "item": "常规服务", "content": "电话回访"})
    b.services.append(logged)
    assert tasks_of(b, "followup") == []
    # Too old to matter: beyond callback_overdue_days, not listed.
    old = TODAY - timedelta(days=RULES.cadence.callback_overdue_days + 5)
    assert tasks_of(book([closed("C1", quadrant="开发")], services=[service("C1", old, "常规服务")]), "followup") == []


def test_prospects_are_followed_up_after_registering():
    assert RULES.cadence.prospect_followup_days == [7, 30]
    b = book(prospects=[prospect("W1", registered=TODAY - timedelta(days=10))])
    found = {t.ref: t for t in tasks_of(b, "followup")}
    assert set(found) == {"登记+7", "登记+30"}
    assert found["登记+7"].overdue and found["登记+30"].date == TODAY + timedelta(days=20)
    # A service since covers the missed one, not the coming one.
    b.services.append(service("W1", TODAY - timedelta(days=2)))
    refs = {t.ref for t in tasks_of(b, "followup") if t.ref.startswith("登记")}
    assert refs == {"登记+30"}


# -- item 1 in call-back planning: dormant clients woken, high value first -----------------


def test_dormant_clients_get_a_wake_up_call_and_high_value_comes_first():
    day = TODAY + timedelta(days=7)
    sold = day - timedelta(days=7)  # both clients' 1-week sale call-back falls on ``day``
    hv = closed("C1", name="甲", policy_date=sold, quadrant="开发")
    ordinary = closed("C0", name="乙", row=3, policy_date=sold, quadrant="开发")
    dormant = closed("C9", name="丙", row=4, policy_date=date(2020, 1, 1), quadrant="开发")
    hv.segment, ordinary.segment, dormant.segment = "高效客户", "一般客户", "休眠客户"
    found = tasks_of(book([ordinary, hv, dormant]))
    same_day = [t.client_key for t in found if t.kind == "callback" and t.date == day]
    assert same_day == ["C1", "C0"]  # 高效 before 一般, though C0 sorts first by key
    [wake] = [t for t in found if t.kind == "followup" and t.client_key == "C9"]
    assert wake.date == TODAY and wake.ref == "唤醒" and "休眠客户唤醒回访" in wake.occasion


# -- item 4: ☆ is a priority, with its own cadence ----------------------------------------


def test_the_pampered_get_one_priority_experience_per_cycle():
    b = book([closed("C1", quadrant="宠爱", policy_date=date(2025, 1, 1))],
             services=[service("C1", date(2026, 6, 1), "生活服务")])
    stars = tasks_of(b, "experience", days=365)
    assert len(stars) == 1 and stars[0].ref == "量身定制"
    assert stars[0].date == date(2026, 6, 1) + timedelta(days=RULES.cadence.strategic_every_days)
    # The workbook's suggested experiences list ☆ first (the priority).
    visit = tasks_of(b, "visit")
    assert visit and visit[0].experience.startswith("生活服务、量身定制")


# -- item 6: premiums from 承保日期 --------------------------------------------------------


def test_premium_due_dates_run_from_the_effective_date():
    b = book([closed("C1", quadrant="开发", policy_date=date(2024, 11, 20), effective_date=date(2024, 12, 5))])
    [due] = tasks_of(b, "premium_due")
    assert due.date == date(2026, 12, 5) and "按投保日期推算" not in due.occasion
    fallback = book([closed("C1", quadrant="开发", policy_date=date(2024, 12, 5))])
    [due] = tasks_of(fallback, "premium_due")
    assert due.date == date(2026, 12, 5) and "未填承保日期，按投保日期推算" in due.occasion


def test_effective_date_column_is_read_and_an_old_only_column_still_gives_the_policy_date(tmp_path):
    new = write_book(tmp_path / "A1001_张三.xlsx", [closed_row(**{"承保日期": "2024-03-20"})])
    [source] = discover(new)
    b = process_source(source, RULES, today=TODAY)
    rec = b.closed[0]
    assert (rec.get("policy_date"), rec.get("effective_date")) == (date(2024, 3, 12), date(2024, 3, 20))
    out = tmp_path / "w.xlsx"
    write_agent_workbook(b, RULES, out, today=TODAY)
    header = [c.value for c in openpyxl.load_workbook(out)["成交客户"][1]]
    assert header.index("承保日期") == header.index("投保日期") + 1
    # A book made before the column existed: its one date column is titled 承保日期.
    import xlsxwriter

    old = tmp_path / "A1002_李四.xlsx"
    wb = xlsxwriter.Workbook(str(old))
    ws = wb.add_worksheet("成交客户")
    headers = ["投保人姓名", "投保人电话", "承保日期", "保单号", "险种", "年交保费", "客户来源", "经济条件", "保险意识", "影响力"]
    values = ["王五", "13812345678", "2023-05-06", "P9", "寿险", "6000", "缘故", "好", "强", "广"]
    for c, (h, v) in enumerate(zip(headers, values)):
        ws.write_string(0, c, h)
        ws.write_string(1, c, v)
    wb.close()
    [source] = discover(old)
    b = process_source(source, RULES, today=TODAY)
    assert b.totals.rejected == 0
    assert b.closed[0].get("policy_date") == b.closed[0].get("effective_date") == date(2023, 5, 6)


# -- item 8: festivals by person -----------------------------------------------------------


def test_womens_day_goes_to_women_when_the_book_says():
    women = [f for f in RULES.festivals if f.name == "妇女节"]
    assert women and women[0].gender == "女"
    b = book([closed("C1", name="甲", quadrant="宠爱", gender="女"),
              closed("C2", name="乙", row=3, quadrant="宠爱", gender="男"),
              closed("C3", name="丙", row=4, quadrant="宠爱")])
    [task, *_] = festival("妇女节", b)
    assert {g.key for g in task.group} == {"C1", "C3"}  # 男 left out; unknown greeted


def test_qixi_goes_to_couples_when_the_book_says():
    assert next(f for f in RULES.festivals if f.name == "七夕").couples
    b = book([closed("C1", name="甲", quadrant="宠爱", marital="已婚"),
              closed("C2", name="乙", row=3, quadrant="宠爱", marital="未婚"),
              closed("C3", name="丙", row=4, quadrant="宠爱", marital="离异"),
              closed("C4", name="丁", row=5, quadrant="宠爱")])
    [task, *_] = festival("七夕", b)
    assert {g.key for g in task.group} == {"C1", "C4"}
    # Every other festival still greets everyone it did.
    [spring, *_] = festival("春节", b)
    assert {g.key for g in spring.group} == {"C1", "C2", "C3", "C4"}


def test_gender_and_marital_columns_are_read_with_synonyms(tmp_path):
    path = write_book(tmp_path / "A1001_张三.xlsx", [closed_row(**{"性别": "女士", "婚姻状况": "结婚"})])
    [source] = discover(path)
    rec = process_source(source, RULES, today=TODAY).closed[0]
    assert (rec.get("gender"), rec.get("marital")) == ("女", "已婚")
