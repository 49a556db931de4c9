"""The .ics export: parses back with icalendar, one all-day VEVENT per task, stable UIDs."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import icalendar

from generator.ics import clean_text, render_ics, task_uid, write_ics
from generator.models import AgentInfo
from generator.plan_tasks import Greeted, Task

AGENT = AgentInfo("1001", "王芳")
TODAY = date(2026, 11, 22)
STAMP = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def task(day, kind="birthday", key="C1", ref="", overdue=False, **kw):
    base = dict(client_name="张三", phone="13800000000", grade="A", quadrant="宠爱",
                occasion="农历生日（八月十五）", action="送上生日祝福", experience="生活服务", sheet="成交客户", row=2)
    base.update(kw)
    return Task(date=day, kind=kind, client_key=key, ref=ref, overdue=overdue, **base)


TASKS = [
    task(date(2026, 8, 10), "visit", overdue=True, occasion="定期拜访（每90天；上次服务 2026-05-12）"),
    task(date(2026, 11, 23), "callback", ref="P001", occasion="售后回访（重疾险承保后1周）", experience=None),
    task(date(2026, 12, 10), "premium_due", ref="P001", occasion="重疾险第3期保费（年交）交费对应日"),
    task(date(2026, 12, 10), "premium_due", ref="P002", occasion="寿险第3期保费（年交）交费对应日"),
    task(date(2027, 9, 15)),
]


def parse(path):
    return icalendar.Calendar.from_ical(path.read_bytes())


def events(path):
    return parse(path).walk("VEVENT")


def test_round_trip(tmp_path):
    path = write_ics(TASKS, AGENT, tmp_path / "calendars" / "1001_王芳.ics", today=TODAY, stamp=STAMP)
    cal = parse(path)
    assert str(cal["VERSION"]) == "2.0" and "Pasture" in str(cal["PRODID"])
    evs = cal.walk("VEVENT")
    assert len(evs) == len(TASKS)
    starts = [ev.decoded("DTSTART") for ev in evs]
    # All-day dates (VALUE=DATE, not datetimes); an overdue task is placed on the run date.
    assert all(type(s) is date for s in starts)
    assert starts == [TODAY, date(2026, 11, 23), date(2026, 12, 10), date(2026, 12, 10), date(2027, 9, 15)]
    assert all(ev.decoded("DTEND") - ev.decoded("DTSTART") == timedelta(days=1) for ev in evs)
    assert len({str(ev["UID"]) for ev in evs}) == len(TASKS)  # two policies due the same day stay apart
    first = evs[0]  # the overdue visit: in the 逾期清单 of visits
    assert str(first["SUMMARY"]) == "【逾期】定期拜访：1 项"
    assert "张三（逾期 104 天）　13800000000" in str(first["DESCRIPTION"])
    desc = str(evs[-1]["DESCRIPTION"])
    assert "建议：送上生日祝福" in desc and "电话：13800000000" in desc and "体验：生活服务" in desc
    assert "保单号：P001" in str(evs[1]["DESCRIPTION"])
    assert [str(c) for c in evs[1]["CATEGORIES"].cats] == ["售后回访"]


def test_overdue_tasks_are_one_list_per_kind_on_the_run_date(tmp_path):
    """A hundred overdue tasks must not bury today's: one 逾期清单 per kind, most urgent
    kind first, longest late first inside, no alarm; today's tasks keep their own events."""
    late = [task(date(2026, 11, 1) - timedelta(days=n), "visit", key=f"C{n:03d}", overdue=True,
                 client_name=f"客户{n:03d}") for n in range(70)]
    late += [task(date(2026, 11, 10), "premium_check", key="C900", ref="P9", overdue=True, client_name="钱七")]
    evs = events(write_ics([*late, TASKS[1]], AGENT, tmp_path / "a.ics", today=TODAY, stamp=STAMP))
    assert [str(e["SUMMARY"]) for e in evs] == [
        "【逾期】交费确认：1 项", "【逾期】定期拜访：70 项", "张三 · 售后回访（重疾险承保后1周）"]
    assert [e.decoded("DTSTART") for e in evs] == [TODAY, TODAY, date(2026, 11, 23)]
    visits = str(evs[1]["DESCRIPTION"]).split("\n")
    assert visits[1].startswith("客户069（逾期 ")  # longest late first
    assert "…… 等共 70 项" in visits and visits[-1].startswith("完整清单见工作簿")
    assert evs[1].walk("VALARM") == [] and int(evs[1]["PRIORITY"]) == 1
    assert [str(c) for c in evs[1]["CATEGORIES"].cats] == ["定期拜访"]
    # The list keeps its UID from run to run, so a re-import replaces it.
    again = events(write_ics(late[:5], AGENT, tmp_path / "b.ics", today=TODAY + timedelta(days=7), stamp=STAMP))
    assert str(again[0]["UID"]) == str(evs[1]["UID"]) and str(again[0]["SUMMARY"]) == "【逾期】定期拜访：5 项"


def test_uids_are_stable_across_runs(tmp_path):
    a = write_ics(TASKS, AGENT, tmp_path / "a.ics", stamp=STAMP)
    b = write_ics(list(reversed(TASKS)), AGENT, tmp_path / "b.ics", stamp=STAMP + timedelta(days=3))
    assert {str(e["UID"]) for e in events(a)} == {str(e["UID"]) for e in events(b)}
    assert task_uid("1001", TASKS[1]) != task_uid("1002", TASKS[1])  # another agent's client C1


def test_dated_uids_change_with_the_date_but_the_next_visit_keeps_its_uid():
    birthday = TASKS[-1]
    assert task_uid("1001", birthday) != task_uid("1001", replace(birthday, date=date(2028, 10, 3)))
    visit = TASKS[0]
    moved = replace(visit, date=date(2027, 1, 5), overdue=False)  # a service was logged since
    assert task_uid("1001", visit) == task_uid("1001", moved)


def test_alarms(tmp_path):
    path = write_ics(TASKS, AGENT, tmp_path / "a.ics", today=TODAY, stamp=STAMP, remind_days={"birthday": 3})
    evs = events(path)
    assert evs[0].walk("VALARM") == []  # overdue: no alarm in the past
    callback_alarm = evs[1].walk("VALARM")[0]
    assert callback_alarm.decoded("TRIGGER") == timedelta(hours=9)
    birthday_alarm = evs[-1].walk("VALARM")[0]
    assert birthday_alarm.decoded("TRIGGER") == timedelta(days=-3, hours=9)  # 09:00 three days before
    assert str(birthday_alarm["ACTION"]) == "DISPLAY"
    quiet = write_ics(TASKS, AGENT, tmp_path / "q.ics", stamp=STAMP, alarm_hour=None)
    assert all(ev.walk("VALARM") == [] for ev in events(quiet))


def test_written_atomically_and_replaces(tmp_path):
    path = tmp_path / "a.ics"
    path.write_text("old", encoding="utf-8")
    write_ics(TASKS[:2], AGENT, path, stamp=STAMP)
    assert len(events(path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.ics"]  # no temporary file left
    assert path.stat().st_mode & 0o777 == 0o644


def test_same_output_for_same_input(tmp_path):
    a = write_ics(TASKS, AGENT, tmp_path / "a.ics", today=TODAY, stamp=STAMP)
    b = write_ics(TASKS, AGENT, tmp_path / "b.ics", today=TODAY, stamp=STAMP)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_empty_calendar(tmp_path):
    path = write_ics([], AGENT, tmp_path / "e.ics", stamp=STAMP)
    assert events(path) == []
    assert "王芳" in str(parse(path)["X-WR-CALNAME"])


def test_fast_renderer_equals_the_library_calendar():
    """render_ics (what write_ics uses) parses, with icalendar, into the same events as
    build_calendar made with the library — long Chinese lines, commas and newlines included."""
    from datetime import date as _date, datetime as _datetime
    from pathlib import Path as _Path

    from icalendar import Calendar as _Calendar

    from generator.ics import build_calendar, render_ics
    from generator.pipeline import process_source
    from generator.plan import reminder_days
    from generator.read import discover
    from generator.rules import load_rules

    rules, today = load_rules(), _date(2026, 11, 23)
    root = _Path(__file__).resolve().parent.parent / "sample_data"
    book = process_source(discover(root)[2], rules, today=today)
    assert len(book.tasks) > 100
    kwargs = dict(today=today, stamp=_datetime(2026, 11, 23), remind_days=reminder_days(rules))
    ours = _Calendar.from_ical(render_ics(book.tasks, book.agent, **kwargs))
    ref = _Calendar.from_ical(build_calendar(book.tasks, book.agent, **kwargs).to_ical())

    def flat(cal):
        out = []
        for ev in cal.walk("VEVENT"):
            props = {k: ev.decoded(k) for k in ev if k not in ("CATEGORIES",)}
            props["CATEGORIES"] = [str(c) for c in ev.get("CATEGORIES").cats]
            alarms = [{k: a.decoded(k) for k in a} for a in ev.walk("VALARM")]
            out.append((props, alarms))
        return out

    assert flat(ours) == flat(ref)
    assert {k: str(v) for k, v in ours.items()} == {k: str(v) for k, v in ref.items()}


from hypothesis import given as _given
from hypothesis import strategies as _st


@_given(_st.text(max_size=300))
def test_fold_keeps_lines_short_and_unfolds_back(text):
    from generator.ics import _fold

    line = "DESCRIPTION:" + text.replace("\r", "").replace("\n", "")
    folded = _fold(line)
    physical = folded[:-2].split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert folded[:-2].replace("\r\n ", "") == line


def test_a_festival_is_one_event_listing_its_clients(tmp_path):
    group = tuple(Greeted(f"C{i}", f"客户{i}", None, "A", "宠爱", "closed", "成交客户", i + 2) for i in range(82))
    spring = Task(date(2027, 2, 6), "festival", "", "82 位客户", None, None, None,
                  "春节（农历正月初一）：问候 82 位客户，名单见节日问候", "电话拜年", ref="春节", group=group)
    evs = events(write_ics([spring, TASKS[1]], AGENT, tmp_path / "a.ics", today=TODAY, stamp=STAMP))
    assert len(evs) == 2
    ev = evs[0]
    assert str(ev["SUMMARY"]) == "春节（农历正月初一）：问候 82 位客户"
    desc = str(ev["DESCRIPTION"])
    assert "客户0、客户1" in desc and "等 82 位" in desc and "节日问候" in desc
    assert len(ev.walk("VALARM")) == 1  # one alarm, not 82


HOSTILE = "张\u2028三\u2029\x07\x1b[31m\u202e\ud800\r\n李四;,\\"


def test_text_from_books_cannot_break_calendar_lines(tmp_path):
    """U+2028/U+2029, other controls, bidi overrides and lone surrogates in a name or a
    product never reach the file; the rest is escaped as RFC 5545 TEXT."""
    hostile = replace(TASKS[1], client_name=HOSTILE, occasion=f"售后回访（{HOSTILE}承保后1周）")
    agent = AgentInfo("1001", HOSTILE)
    data = render_ics([hostile], agent, today=TODAY, stamp=STAMP)
    text = data.decode("utf-8")
    for bad in ("\u2028", "\u2029", "\x07", "\x1b", "\u202e"):
        assert bad not in text
    lines = text.split("\r\n")
    assert all(line == "" or line[0] == " " or ":" in line for line in lines)  # no line broken in two
    assert all("\n" not in line and "\r" not in line for line in lines)
    ev = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(ev["SUMMARY"]).startswith("张 三 [31m  李四;,\\")  # separators and breaks → spaces, controls gone
    assert clean_text("张三") == "张三"
    write_ics([hostile], agent, tmp_path / "h.ics", today=TODAY, stamp=STAMP)  # writes (no UnicodeEncodeError)


def test_names_from_a_real_book_reach_the_ics_clean(tmp_path):
    """End to end: separators and bidi controls typed in a book never reach the .ics."""
    from books import closed, write_book

    from generator.pipeline import process_source
    from generator.read import discover
    from generator.rules import load_rules

    write_book(tmp_path / "A1001_张三.xlsx", [closed(投保人姓名="李\u2028四\u202e", 险种="重疾\u2029险",
                                                   投保日期="2026-11-16")])
    book = process_source(discover(tmp_path)[0], load_rules(), today=TODAY)
    assert book.closed, book.issues
    path = write_ics(book.tasks, book.agent, tmp_path / "out.ics", today=TODAY, stamp=STAMP)
    data = path.read_bytes()
    for bad in ("\u2028", "\u2029", "\u202e"):
        assert bad.encode("utf-8") not in data
    callbacks = [e for e in events(path) if "售后回访" in str(e["SUMMARY"])]
    assert book.closed[0].get("holder_name") == "李\u2028四\u202e"  # the book keeps what was typed
    assert callbacks and all(str(e["SUMMARY"]).startswith("李 四 · 售后回访（重疾 险") for e in callbacks)
