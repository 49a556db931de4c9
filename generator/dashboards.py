"""Dashboard pages for the static site, built from a run's report (aggregates only).

``dashboard_pages(report, rules)`` returns ``{relative path: Markdown}`` for the site's
``dashboards/`` folder. The pages are made only from ``report.json`` data — counts,
sums and rates per branch, team and agent — so no client name, phone, address or policy
number can reach them. Agent-typed text (agent and team names, file names) goes through
:func:`generator.pagekit.text` (HTML- and Markdown-escaped), so no name can turn into
markup, a link or an attribute. Charts are ECharts options in ``data-chart`` attributes, drawn by
``site/assets/pasture-dashboards.js`` from the vendored library (no network).
"""

from __future__ import annotations

from typing import Any, Iterable

from .issues import ISSUE_TYPES
from .models import status_label
from .history_pages import agent_trend_block, referral_block
from .pagekit import agent_label, alert, chart, count, kpi, kpi_row, money, pct, slug, table, text
from .rules import Rules

DASH = "dashboards"
_COUNT_KEYS = ("clients", "prospects", "policies", "premium", "addon_clients", "referral_clients", "services")


def aggregate(files: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum the KPIs of several agents' report entries; rates are recomputed from counts."""
    total: dict[str, Any] = {k: 0 for k in _COUNT_KEYS}
    dicts: dict[str, dict[str, int]] = {"grades_closed": {}, "grades_prospect": {}, "quadrants": {}, "sources": {}}
    rows = {"read": 0, "accepted": 0, "rejected": 0}
    issues = {"error": 0, "warning": 0}
    agents = failed = 0
    for f in files:
        agents += 1
        for k in rows:
            rows[k] += f["rows"][k]
        for issue in f["issues"]:
            issues[issue["severity"]] += 1
        if f["status"] == "failed":
            failed += 1
            continue
        kpis = f["kpis"]
        for k in _COUNT_KEYS:
            total[k] += kpis.get(k) or 0
        for name, acc in dicts.items():
            for key, n in (kpis.get(name) or {}).items():
                acc[key] = acc.get(key, 0) + n
    clients = total["clients"]
    total["premium"] = round(total["premium"], 2)
    total.update(dicts)
    total["addon_rate"] = round(total["addon_clients"] / clients, 4) if clients else None
    total["referral_rate"] = round(total["referral_clients"] / clients, 4) if clients else None
    total.update(agents=agents, failed=failed, rows=rows, issues=issues)
    return total


# Above this many categories (or this many characters in one), bars lie down: every label
# then has a line of its own, on a phone too.
_UPRIGHT_MAX_BARS = 6
_UPRIGHT_MAX_CHARS = 4


def _bar(title: str, counts: dict[str, int]) -> str:
    """Counts as bars with every category label and every value shown."""
    labels, values = list(counts), list(counts.values())
    title_opt = {"text": title, "left": "center", "textStyle": {"fontSize": 14}}
    if len(labels) > _UPRIGHT_MAX_BARS or any(len(str(k)) > _UPRIGHT_MAX_CHARS for k in labels):
        labels, values = labels[::-1], values[::-1]  # ECharts draws the first category at the bottom
        return chart({
            "title": title_opt, "tooltip": {"trigger": "axis"},
            "grid": {"left": 8, "right": 48, "top": 40, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
            "series": [{"type": "bar", "data": values, "label": {"show": True, "position": "right"}}],
        }, height=max(220, 26 * len(labels) + 70))
    return chart({
        "title": title_opt, "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": values, "label": {"show": True, "position": "top"}}],
    })


def _pie(title: str, counts: dict[str, int]) -> str:
    """Shares as a ring; each slice is labelled with its name, count and percentage."""
    return chart({
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["30%", "55%"], "avoidLabelOverlap": True,
                    "label": {"show": True, "formatter": "{b}\n{c}（{d}%）"},
                    "data": [{"name": k, "value": v} for k, v in counts.items()]}],
    }, height=320)


def rate_card(label: str, value: float | None, target: float) -> str:
    """A rate against its target: met is green, below target is marked like anything overdue."""
    ok = value is not None and value >= target
    return kpi(label, pct(value), note=f"目标 {pct(target, 0)} · {'达标' if ok else '未达标'}", low=not ok)


def _kpi_cards(t: dict[str, Any], rules: Rules) -> str:
    cards = [
        ("代理人", count(t["agents"])), ("成交客户", count(t["clients"])), ("准客户", count(t["prospects"])),
        ("保单", count(t["policies"])), ("年交保费（元）", money(t["premium"])),
    ]
    return kpi_row([kpi(k, v) for k, v in cards] + [
        rate_card("加保率", t["addon_rate"], rules.targets.addon_rate),
        rate_card("转介绍率", t["referral_rate"], rules.targets.referral_rate),
    ])


def _rate_cell(value: float | None, target: float) -> str:
    """A rate in a table, marked when below its target."""
    return pct(value) if value is None or value >= target else alert(pct(value))


def _quality_line(t: dict[str, Any]) -> str:
    r = t["rows"]
    return (f"数据质量：共读取 {count(r['read'])} 行，录入 {count(r['accepted'])} 行，拒绝 {count(r['rejected'])} 行；"
            f"错误 {count(t['issues']['error'])} 个，警告 {count(t['issues']['warning'])} 个；"
            f"无法使用的文件 {count(t['failed'])} 个。")


def _mix_charts(t: dict[str, Any]) -> str:
    return (
        '<div class="pasture-grid">'
        + _bar("成交客户等级", t["grades_closed"]) + _bar("准客户等级", t["grades_prospect"])
        + _pie("四象限分布", t["quadrants"]) + _pie("客户来源", t["sources"])
        + "</div>"
    )


def dashboard_pages(report: dict[str, Any], rules: Rules, *, mask_agents: bool = False,
                    store: Any = None) -> dict[str, str]:
    """All dashboard pages for one build, keyed by path under the site's docs folder.

    With a history ``store`` (generator.history.Store) agent pages gain trend charts.
    """
    files = report["files"]
    teams: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        teams.setdefault(f.get("team") or "未分组", []).append(f)
    team_slug = {name: slug("team", name) for name in teams}
    agent_slug = {id(f): slug("agent", f"{f['agent_id']}|{f['path']}") for f in files}
    pages: dict[str, str] = {}
    branch = aggregate(files)
    branch_name = next((f["branch"] for f in files if f.get("branch")), None) or "营业部"

    team_rows = []
    for name in sorted(teams):
        t = aggregate(teams[name])
        team_rows.append([
            f'<a href="teams/{team_slug[name]}.html">{text(name)}</a>', count(t["agents"]), count(t["clients"]),
            count(t["policies"]), money(t["premium"]), _rate_cell(t["addon_rate"], rules.targets.addon_rate),
            _rate_cell(t["referral_rate"], rules.targets.referral_rate), _errors(t["issues"]["error"]),
        ])
    pages[f"{DASH}/index.md"] = "\n\n".join([
        f"# {text(branch_name)} · 经营总览",
        f"数据日期：{text(report['today'])}。本页只显示汇总数字，不含任何客户个人信息。",
        _kpi_cards(branch, rules),
        _mix_charts(branch),
        "## 各团队",
        table(["团队", "代理人", "成交客户", "保单", "年交保费", "加保率", "转介绍率", "错误"], team_rows),
        "## 数据质量",
        _quality_line(branch) + " 详见[数据质量](quality.md)，排名见[代理人排名](ranking.md)。",
    ]) + "\n"

    for name, members in teams.items():
        t = aggregate(members)
        rows = [_ranking_row(f, mask_agents, f"../agents/{agent_slug[id(f)]}.html", rules) for f in _ranked(members)]
        pages[f"{DASH}/teams/{team_slug[name]}.md"] = "\n\n".join([
            f"# 团队：{text(name)}",
            f"数据日期：{text(report['today'])}。[返回总览](../index.md)",
            _kpi_cards(t, rules),
            _mix_charts(t),
            "## 代理人",
            table(_RANKING_HEADERS, rows),
            _quality_line(t),
        ]) + "\n"

    for f in files:
        t = aggregate([f])
        label = agent_label(f, mask_agents)
        status = status_label(f["status"], sum(1 for i in f["issues"] if i["severity"] == "error"))
        team = f.get("team") or "未分组"
        pages[f"{DASH}/agents/{agent_slug[id(f)]}.md"] = "\n\n".join([
            f"# 代理人：{text(label)}",
            f"团队：<a href=\"../teams/{team_slug[team]}.html\">{text(team)}</a> · 档案状态：{status} · "
            f"数据日期：{text(report['today'])}",
            _kpi_cards(t, rules),
            _mix_charts(t) if f["status"] != "failed" else "此文件无法使用，没有统计数据。",
            _calendar_block(f["kpis"]),
            referral_block((f["kpis"] or {}).get("referrals")),
            agent_trend_block(store, f["agent_id"], rules) if store is not None and f["status"] != "failed" else "",
            "## 数据问题",
            issue_table(f["issues"]),
        ]) + "\n"

    ranked = _ranked(files)
    pages[f"{DASH}/ranking.md"] = "\n\n".join([
        "# 代理人排名",
        "按年交保费从高到低排列；点击表头可以重新排序。",
        table(_RANKING_HEADERS, [_ranking_row(f, mask_agents, f"agents/{agent_slug[id(f)]}.html", rules)
                                 for f in ranked]),
    ]) + "\n"

    by_agent = sorted(files, key=lambda f: (-len(f["issues"]), f["agent_id"]))[:20]
    pages[f"{DASH}/quality.md"] = "\n\n".join([
        "# 数据质量",
        _quality_line(branch),
        "## 各类问题数量",
        issue_table([i for f in files for i in f["issues"]]),
        _bar("问题数量（按代码）", _count_codes(i for f in files for i in f["issues"])),
        _integrity_block(report.get("integrity")),
        "## 问题最多的代理人",
        table(["代理人", "状态", "读取", "拒绝", "错误", "警告"], [
            [f'<a href="agents/{agent_slug[id(f)]}.html">{text(agent_label(f, mask_agents))}</a>',
             status_label(f["status"], sum(1 for i in f["issues"] if i["severity"] == "error")),
             count(f["rows"]["read"]), count(f["rows"]["rejected"]),
             _errors(sum(1 for i in f["issues"] if i["severity"] == "error")),
             count(sum(1 for i in f["issues"] if i["severity"] == "warning"))]
            for f in by_agent if f["issues"]
        ], numeric_from=2),
    ]) + "\n"
    return pages


def _calendar_block(kpis: dict[str, Any] | None) -> str:
    """Counts of the agent's service calendar and prospect quota (never names)."""
    cal = (kpis or {}).get("calendar")
    if not cal:
        return ""
    quota = (kpis or {}).get("quota") or {}
    buckets = cal["buckets"]
    cards = [kpi(k, count(v), low=True if k == "逾期" and v else None) for k, v in buckets.items()]
    parts = ["## 服务日历", kpi_row(cards), _bar("日历事项（按类型，含逾期）", {k: v for k, v in cal["kinds"].items() if v})]
    if quota:
        parts.append(f"近 {quota['days']} 天登记准客户 {quota['registered']} 位（目标 {quota['target']} 位），"
                     f"达到每日目标的天数：{quota['days_met']}。")
    return "\n\n".join(parts)


def _integrity_block(summary: dict[str, Any] | None) -> str:
    """Cross-agent data-integrity counts (clients held twice, agents' phones on clients)."""
    if not summary:
        return ""
    rows = [[f"<code>{text(code)}</code>", text(ISSUE_TYPES[code].title if code in ISSUE_TYPES else code),
             count(n), count((summary.get("agents") or {}).get(code, 0))]
            for code, n in sorted((summary.get("rows") or {}).items())]
    head = (f"## 跨代理人的数据完整性\n\n共检查 {summary.get('agents_checked', 0)} 位代理人；"
            f"客户电话大多不是客户本人的代理人：{len(summary.get('suspect_agents') or [])} 位。")
    if not rows:
        return head + "没有发现跨代理人的问题。"
    return head + "\n\n" + table(["代码", "问题", "涉及行数", "涉及代理人"], rows, numeric_from=2)


_RANKING_HEADERS = ["代理人", "成交客户", "准客户", "保单", "年交保费", "加保率", "转介绍率", "A 级客户", "错误"]


def _ranked(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(files, key=lambda f: (-(f["kpis"] or {}).get("premium", 0), f["agent_id"]))


def _ranking_row(f: dict[str, Any], mask: bool, href: str, rules: Rules) -> list[str]:
    k = f["kpis"] or {}
    return [
        f'<a href="{href}">{text(agent_label(f, mask))}</a>', count(k.get("clients", 0)),
        count(k.get("prospects", 0)), count(k.get("policies", 0)), money(k.get("premium", 0)),
        _rate_cell(k.get("addon_rate"), rules.targets.addon_rate),
        _rate_cell(k.get("referral_rate"), rules.targets.referral_rate),
        count((k.get("grades_closed") or {}).get("A", 0)),
        _errors(sum(1 for i in f["issues"] if i["severity"] == "error")),
    ]


def _errors(n: int) -> str:
    """An error count, marked when there are any."""
    return alert(count(n)) if n else "0"


def _count_codes(issues: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in issues:
        counts[i["code"]] = counts.get(i["code"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def issue_table(issues: list[dict[str, Any]]) -> str:
    """Counts by issue code — never the messages, which may quote client values."""
    counts = _count_codes(issues)
    if not counts:
        return "没有发现数据问题。"
    rows = []
    for code, n in counts.items():
        t = ISSUE_TYPES.get(code)
        rows.append([f"<code>{text(code)}</code>", text(t.title if t else code),
                     "错误" if t and t.severity == "error" else "警告", count(n)])
    return table(["代码", "问题", "级别", "次数"], rows, numeric_from=3)
