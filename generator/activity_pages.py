"""Site pages for the agents' activity: the 早会 (morning meeting) view per team.

``activity_pages(report, rules)`` returns ``{path: Markdown}``:

- ``dashboards/morning.md`` — every team's attendance and activity as aggregates, each
  linking to its one-page 早会 view;
- ``dashboards/morning/<team>.md`` — what a 主管 needs at the morning meeting on one
  printable page: yesterday's activity per agent, this week's activity against the plan,
  this week's due tasks by kind and the overdue counts.

``team_activity_section(files)`` is the same aggregate as a section for a team's
dashboard page. Everything comes from ``report.json`` (``kpis.activity`` per agent,
:func:`generator.activity.activity_kpis`): counts only, never a client. Agent and team
names are agent-typed text and are HTML-escaped.
"""

from __future__ import annotations

from typing import Any, Iterable

from .activity import ATTENDED, COUNT_LABELS, COUNTS
from .dashboards import DASH
from .pagekit import agent_label, alert, count, kpi, kpi_row, link, pct, slug, table, text
from .rules import Rules

__all__ = ["MORNING_DIR", "activity_pages", "add_activity_pages", "agent_activity_section", "team_activity",
           "team_activity_section", "morning_path"]

MORNING_DIR = f"{DASH}/morning"
NO_TEAM = "未分组"
# Printing: drop the site's chrome so one team fits on one sheet of paper.
_PRINT_STYLE = (
    "<style>@media print{.md-header,.md-tabs,.md-sidebar,.md-footer,.md-source-file,"
    ".headerlink,.pasture-noprint{display:none!important}"
    ".md-main__inner,.md-content__inner{margin:0!important;padding:0!important}"
    ".md-typeset{font-size:10pt}.md-typeset table{font-size:9pt}"
    ".md-typeset h1{margin:0 0 .4em}.md-typeset h2{margin:.8em 0 .3em}.pasture-kpi{padding:.2rem .5rem}"
    ".md-typeset table:not([class]) td,.md-typeset table:not([class]) th{padding:.3em .8em}}</style>"
)


def morning_path(team: str) -> str:
    return f"{MORNING_DIR}/{slug('team', team)}.md"


def _activity(f: dict[str, Any]) -> dict[str, Any] | None:
    if f.get("status") == "failed":
        return None
    return (f.get("kpis") or {}).get("activity")


def team_activity(files: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum the agents' activity: yesterday, this week vs plan, due and overdue by kind."""
    out: dict[str, Any] = {
        "agents": 0, "reporting": 0, "with_log": 0,
        "yesterday": {k: 0 for k in COUNTS}, "yesterday_attended": 0, "yesterday_reported": 0,
        "week": {k: 0 for k in (*COUNTS, "prospect_target", "visits_due", "attended", "attendance_reported")},
        "due_this_week": {}, "overdue": {},
    }
    for f in files:
        out["agents"] += 1
        a = _activity(f)
        if a is None:
            continue
        out["reporting"] += 1
        out["with_log"] += 1 if a.get("has_log") else 0
        y = a["yesterday"]
        for k in COUNTS:
            out["yesterday"][k] += y.get(k) or 0
        if y.get("attendance"):
            out["yesterday_reported"] += 1
            out["yesterday_attended"] += 1 if y["attendance"] == ATTENDED else 0
        for k in out["week"]:
            out["week"][k] += a["week"].get(k) or 0
        for key in ("due_this_week", "overdue"):
            for kind, n in a[key].items():
                out[key][kind] = out[key].get(kind, 0) + n
    out["overdue_total"] = sum(out["overdue"].values())
    return out


def _rate(part: int, whole: int) -> str:
    return f"{part} / {whole}（{pct(part / whole, 0)}）" if whole else "未填"


def _cards(t: dict[str, Any]) -> str:
    w = t["week"]
    cards = [
        ("昨日出勤 / 已填", _rate(t["yesterday_attended"], t["yesterday_reported"])),
        ("本周出勤天数 / 已填", _rate(w["attended"], w["attendance_reported"])),
        ("本周新增准客户 / 目标", f"{w['new_prospects']} / {w['prospect_target']}"),
        ("本周拜访 / 到期", f"{w['visits']} / {w['visits_due']}"),
        ("本周电话", w["calls"]), ("本周面谈", w["meetings"]), ("本周促成", w["closes"]),
        ("逾期事项", t["overdue_total"]),
    ]
    return kpi_row([kpi(k, text(v) if isinstance(v, str) else count(v), low=True if k == "逾期事项" and v else None)
                 for k, v in cards])


def _kindstable(t: dict[str, Any]) -> str:
    kinds = sorted(set(t["due_this_week"]) | set(t["overdue"]))
    if not kinds:
        return "本周没有到期或逾期的服务事项。"
    return table(["类型", "本周到期", "逾期"], [
        [text(k), count(t["due_this_week"].get(k, 0)), _overdue(t["overdue"].get(k, 0))] for k in kinds], sortable=False)


def _overdue(n: int) -> str:
    """An overdue count, marked (like every overdue or below-target figure) when not zero."""
    return alert(count(n)) if n else "0"


def team_activity_section(files: list[dict[str, Any]], team: str, *, heading: str = "##") -> str:
    """Attendance and activity of one team as aggregates, with a link to its 早会 page."""
    t = team_activity(files)
    link = f"../morning/{slug('team', team)}.md"
    return "\n\n".join([
        f"{heading} 出勤与活动（本周）",
        _cards(t),
        f"交了工作日志的代理人 {t['with_log']} 位（共 {t['agents']} 位）；没有工作日志的，拜访、新增准客户和促成由系统推算。"
        f"[打开早会页（可打印）]({link})",
    ])


def agent_activity_section(f: dict[str, Any], *, heading: str = "##") -> str:
    """One agent's week against the plan, day by day (counts only)."""
    a = _activity(f) or {}
    t = team_activity([f])
    headers = ["日期", "出勤", *(COUNT_LABELS[k] for k in COUNTS)]
    rows = [[text(d["date"]), text(d.get("attendance") or "未填"),
             *(f"{d.get(k) or 0}{'*' if k in (d.get('derived') or []) else ''}" for k in COUNTS)]
            for d in a.get("days", [])]
    return "\n\n".join([
        f"{heading} 本周活动与计划",
        _cards(t),
        table(headers, rows, sortable=False, numeric_from=2),
        "带 * 的数字是推算的：拜访取服务记录中的定期拜访，新增准客户取登记日期，促成取投保日期。",
    ])


def _agent_rows(files: list[dict[str, Any]], mask: bool) -> list[list[str]]:
    rows = []
    for f in sorted(files, key=lambda f: f["agent_id"]):
        a = _activity(f)
        if a is None:
            rows.append([text(agent_label(f, mask)), "文件无法使用", *["—"] * (len(COUNTS) + 3)])
            continue
        y, w = a["yesterday"], a["week"]
        derived = set(y.get("derived") or [])
        cells = [f"{y.get(k) or 0}{'*' if k in derived else ''}" for k in COUNTS]
        overdue = sum(a["overdue"].values())
        rows.append([text(agent_label(f, mask)), text(y.get("attendance") or "未填"), *cells,
                     f"{w['new_prospects']} / {w['prospect_target']}", f"{w['visits']} / {w['visits_due']}",
                     _overdue(overdue)])
    return rows


def activity_pages(report: dict[str, Any], rules: Rules, *, mask_agents: bool = False) -> dict[str, str]:
    """The 早会 overview and one printable 早会 page per team."""
    teams: dict[str, list[dict[str, Any]]] = {}
    for f in report["files"]:
        teams.setdefault(f.get("team") or NO_TEAM, []).append(f)
    today = text(report["today"])
    quota = rules.cadence.prospect_daily_quota
    pages: dict[str, str] = {}
    overview_rows = []
    for name in sorted(teams):
        t = team_activity(teams[name])
        w = t["week"]
        overview_rows.append([
            link(f"morning/{slug('team', name)}.html", name), str(t["agents"]),
            text(_rate(t["yesterday_attended"], t["yesterday_reported"])),
            text(_rate(w["attended"], w["attendance_reported"])),
            f"{w['new_prospects']} / {w['prospect_target']}", f"{w['visits']} / {w['visits_due']}",
            count(w["calls"]), count(w["meetings"]), count(w["closes"]), _overdue(t["overdue_total"]),
        ])
        headers = ["代理人", "出勤", *(COUNT_LABELS[k] for k in COUNTS), "本周新增准客户 / 目标", "本周拜访 / 到期", "逾期"]
        pages[morning_path(name)] = "\n\n".join([
            f"# 早会：{text(name)}",
            _PRINT_STYLE,
            f'<p class="pasture-noprint">{link("../morning.html", "返回早会看板")} · '
            "用浏览器的“打印”即可打印本页（一页纸）。</p>",
            f"数据日期：{today}。",
            "## 本周概况",
            _cards(t),
            "## 昨日活动",
            table(headers, _agent_rows(teams[name], mask_agents), numeric_from=2),
            f"出勤和电话、面谈来自代理人的工作日志，没填写时显示“未填”或 0；带 * 的数字是推算的。"
            f"每日新增准客户目标为 {quota} 位。",
            "## 本周到期与逾期事项（按类型）",
            _kindstable(t),
        ]) + "\n"
    pages[f"{DASH}/morning.md"] = "\n\n".join([
        "# 早会看板",
        f"数据日期：{today}。“寿险的经营就是早会的经营”：主管在早会上看出勤和工作日志，"
        "据此跟进和辅导。本页按团队汇总，只有数字，不含任何客户信息；点团队名称打开可打印的早会页。",
        table(["团队", "代理人", "昨日出勤", "本周出勤天数", "本周新增准客户 / 目标", "本周拜访 / 到期",
                "本周电话", "本周面谈", "本周促成", "逾期事项"], overview_rows),
    ]) + "\n"
    return pages


def add_activity_pages(pages: dict[str, str], report: dict[str, Any], rules: Rules, *,
                       mask_agents: bool = False) -> None:
    """Add the 早会 pages to a build's dashboard pages and the activity section to each
    team and agent page that :func:`generator.dashboards.dashboard_pages` made."""
    pages.update(activity_pages(report, rules, mask_agents=mask_agents))
    teams: dict[str, list[dict[str, Any]]] = {}
    for f in report["files"]:
        teams.setdefault(f.get("team") or NO_TEAM, []).append(f)
    for name, files in teams.items():
        path = f"{DASH}/teams/{slug('team', name)}.md"
        if path in pages:
            pages[path] += "\n" + team_activity_section(files, name) + "\n"
        for f in files:
            agent = f"{DASH}/agents/{slug('agent', '{}|{}'.format(f['agent_id'], f['path']))}.md"
            if agent in pages and _activity(f) is not None:
                pages[agent] += "\n" + agent_activity_section(f) + "\n"
