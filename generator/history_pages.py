"""Trend and migration dashboard pages, built from the history store (aggregates only).

``history_pages(store, rules)`` returns ``{path: Markdown}`` under
``dashboards/_generated/``: ``trends.md`` (the branch, and a table of teams),
``trends/<team>.md`` (one team and its agents) and ``migration.md`` (clients moved
between quadrants since a date). The store holds no names of clients, and these pages
show only counts, sums and rates; agent and team names are escaped like on the other
dashboards. Two snippets go into pages the dashboards module writes:
:func:`agent_trend_block` (an agent's own trend) and :func:`referral_block` (chain counts
and a chart of chain sizes, from ``kpis["referrals"]``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .pagekit import chart, count, kpi, kpi_row, money, pct, slug, table, text
from .history import Level, Period, Point, Store
from .rules import QUADRANTS, Rules

GENERATED = "dashboards/_generated"
NO_TEAM = "未分组"
_MIGRATION_LOOKBACK = timedelta(days=30)


def choose_period(store: Store) -> Period:
    """By month once the snapshots span two months; before that every run is a point."""
    return "month" if len({d.strftime("%Y-%m") for d in store.dates()}) >= 2 else "run"


def _line(title: str, labels: list[str], series: dict[str, list[Any]], *, percent: bool = False,
          marks: dict[str, float] | None = None) -> str:
    lines = []
    for name, data in series.items():
        s: dict[str, Any] = {"type": "line", "name": name, "data": data, "connectNulls": False,
                             "label": {"show": len(labels) <= 12}}
        if marks and name in marks:
            s["markLine"] = {"symbol": "none", "data": [{"yAxis": marks[name], "name": "目标"}],
                             "lineStyle": {"type": "dashed"}}
        lines.append(s)
    y: dict[str, Any] = {"type": "value"}
    if percent:
        y.update(min=0, max=100, axisLabel={"formatter": "{value}%"})
    return chart({
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": labels}, "yAxis": y, "series": lines,
    })


def _stacked(title: str, labels: list[str], mixes: list[dict[str, int]], order: list[str]) -> str:
    keys = order + sorted({k for m in mixes for k in m} - set(order))
    return chart({
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "stack": "mix", "name": k, "data": [m.get(k, 0) for m in mixes]} for k in keys],
    })


def _rate100(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def trend_charts(points: list[Point], rules: Rules) -> str:
    """The charts of one series: counts, premium, rates against targets, grade and quadrant mix."""
    if not points:
        return "还没有历史记录：每次 `pasture build` 会记下一个数据点。"
    labels = [p.label for p in points]
    grades = list(dict.fromkeys(g.grade for g in rules.grading["closed"]))
    return '<div class="pasture-grid">' + "".join([
        _line("客户、准客户与保单", labels, {"成交客户": [p.clients for p in points],
                                        "准客户": [p.prospects for p in points],
                                        "保单": [p.policies for p in points]}),
        _line("年交保费（元）", labels, {"年交保费": [p.premium for p in points]}),
        _line("加保率与转介绍率", labels, {"加保率": [_rate100(p.addon_rate) for p in points],
                                      "转介绍率": [_rate100(p.referral_rate) for p in points]},
              percent=True, marks={"加保率": rules.targets.addon_rate * 100,
                                   "转介绍率": rules.targets.referral_rate * 100}),
        _stacked("成交客户等级构成", labels, [p.grades_closed for p in points], grades),
        _stacked("四象限构成（成交客户与准客户）", labels, [p.quadrants for p in points], list(QUADRANTS)),
    ]) + "</div>"


def _delta(points: list[Point], attr: str) -> str:
    if len(points) < 2:
        return "—"
    a, b = getattr(points[-2], attr), getattr(points[-1], attr)
    if a is None or b is None:
        return "—"
    if attr.endswith("rate"):
        return f"{(b - a) * 100:+.1f} 个百分点"
    return f"{b - a:+,.0f}"


def _summary_row(label: str, points: list[Point]) -> list[str]:
    last = points[-1] if points else Point(date.min, "")
    return [label, count(last.clients), _delta(points, "clients"), money(last.premium), _delta(points, "premium"),
            pct(last.addon_rate), pct(last.referral_rate), _delta(points, "referral_rate")]


_SUMMARY_HEADERS = ["", "成交客户", "变化", "年交保费", "变化", "加保率", "转介绍率", "转介绍率变化"]


def history_pages(store: Store, rules: Rules, *, since: date | None = None, mask_agents: bool = False,
                  period: Period | None = None) -> dict[str, str]:
    """Every trend and migration page, keyed by path under the site's docs folder.

    ``since`` is the migration page's baseline date (default: about a month before the
    latest snapshot); ``period`` defaults to :func:`choose_period`.
    """
    period = period or choose_period(store)
    unit = "月" if period == "month" else "次"
    note = ("每个点取该月最后一次生成的数据。" if period == "month" else "每次生成（每个数据日期）是一个点；"
            "有两个月以上的记录后改为按月显示。")
    pages: dict[str, str] = {}
    branch = store.series("branch", None, period=period)
    teams = store.members("team")
    team_rows = []
    for team in teams:
        name = team or NO_TEAM
        points = store.series("team", team, period=period)
        row = _summary_row(f'<a href="trends/{slug("team", name)}.html">{text(name)}</a>', points)
        team_rows.append(row)
        agent_rows = []
        for agent_id, label in _team_agents(store, team, mask_agents):
            agent_rows.append(_summary_row(text(label), store.series("agent", agent_id, period=period)))
        pages[f"{GENERATED}/trends/{slug('team', name)}.md"] = "\n\n".join([
            f"# 趋势：{text(name)}",
            f"共 {len(points)} 个数据点（按{unit}）。{note}[返回营业部趋势](../trends.md)",
            trend_charts(points, rules),
            "## 各代理人（与上一个数据点相比）",
            table(["代理人", *_SUMMARY_HEADERS[1:]], agent_rows),
        ]) + "\n"
    pages[f"{GENERATED}/trends.md"] = "\n\n".join([
        "# 经营趋势",
        f"共 {len(branch)} 个数据点（按{unit}），数据日期 "
        f"{text(', '.join(d.isoformat() for d in store.dates()[-6:]))}{' 等' if len(store.dates()) > 6 else ''}。"
        f"{note}本页只有汇总数字。客户在四象限之间的流动见[象限迁移](migration.md)。",
        trend_charts(branch, rules),
        "## 各团队（与上一个数据点相比）",
        table(["团队", *_SUMMARY_HEADERS[1:]], team_rows),
    ]) + "\n"
    pages[f"{GENERATED}/migration.md"] = migration_page(store, since=since)
    return pages


def _team_agents(store: Store, team: str, mask: bool) -> list[tuple[str, str]]:
    """Agents whose latest snapshot puts them in ``team``, as (id, label)."""
    return [(a, a if mask or not info.name else f"{a} {info.name}")
            for a, info in sorted(store.agents().items()) if (info.team or "") == team]


def default_since(store: Store) -> date | None:
    """About a month before the latest snapshot: the latest snapshot on or before that day."""
    dates = store.dates()
    if len(dates) < 2:
        return None
    target = dates[-1] - _MIGRATION_LOOKBACK
    return max((d for d in dates[:-1] if d <= target), default=dates[0])


def migration_page(store: Store, *, since: date | None = None, level: Level = "branch",
                   key: str | None = None) -> str:
    """How many clients moved from each quadrant to each other since ``since``."""
    since = since or default_since(store)
    head = "# 象限迁移"
    if since is None:
        return head + "\n\n至少要有两次生成的记录才能看到客户在四象限之间的流动。\n"
    m = store.migration(since, level=level, key=key)
    if m.since is None:
        return head + f"\n\n{since.isoformat()} 之后还没有新的记录可以对比。\n"
    rows = []
    for a in QUADRANTS:
        row = m.moves[a]
        total = sum(row.values())
        rows.append([f"<strong>{a}</strong>", *(f"<strong>{row[b]}</strong>" if a == b else str(row[b])
                                                for b in QUADRANTS), str(total)])
    into = {q: sum(m.moves[a][q] for a in QUADRANTS if a != q) for q in QUADRANTS}
    out = {q: sum(m.moves[q][b] for b in QUADRANTS if b != q) for q in QUADRANTS}
    moves_chart = chart({
        "title": {"text": "各象限迁入与迁出", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": list(QUADRANTS)}, "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": "迁入", "data": [into[q] for q in QUADRANTS]},
                   {"type": "bar", "name": "迁出", "data": [-out[q] for q in QUADRANTS]}],
    })
    return "\n\n".join([
        head,
        f"从 {m.since.isoformat()} 到 {(m.until or m.since).isoformat()}（每位代理人取所选日期当天或之前最近的一次记录作为起点），"
        f"共有 {m.moved} 位客户换了象限；新增客户 {m.new} 位，不再出现的客户 {m.gone} 位。"
        "行是原来的象限，列是现在的象限，对角线（加粗）是没有变化的客户。",
        table(["原象限 \\ 现象限", *QUADRANTS, "合计"], rows, sortable=False),
        moves_chart,
    ]) + "\n"


def agent_trend_block(store: Store, agent_id: str, rules: Rules, *, period: Period | None = None) -> str:
    """An agent's own trend charts, to paste into the agent's dashboard page."""
    points = store.series("agent", agent_id, period=period or choose_period(store))
    return "## 趋势\n\n" + trend_charts(points, rules)


def referral_block(stats: dict[str, Any] | None) -> str:
    """Referral chain counts and a chart of chain sizes for an agent page (no names)."""
    if not stats:
        return ""
    cards = [("转介绍链", stats["chains"]), ("最大一条（人）", stats["largest_chain"]),
             ("最长（代）", stats["longest_chain"]), ("经转介绍成交", stats["referred_clients"]),
             ("经转介绍占比", pct(stats["referred_share"])), ("转介绍成交率", pct(stats["referred_conversion"]))]
    sizes = stats.get("chain_sizes") or {}
    parts = ["## 转介绍链", kpi_row([kpi(k, v if isinstance(v, str) else count(v)) for k, v in cards])]
    if sizes:
        parts.append(chart({
            "title": {"text": "转介绍链的规模", "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "name": "每条链人数", "nameLocation": "middle", "nameGap": 28,
                      "data": list(sizes), "axisLabel": {"interval": 0}},
            "yAxis": {"type": "value", "name": "链数", "minInterval": 1},
            "series": [{"type": "bar", "data": list(sizes.values()), "label": {"show": True, "position": "top"}}],
        }))
    problems = stats["unknown_referrers"] + stats["ambiguous_referrers"] + stats["cycles"]
    if problems:
        parts.append(f"介绍人需要核对：找不到 {stats['unknown_referrers']} 处，重名 {stats['ambiguous_referrers']} 处，"
                     f"循环 {stats['cycles']} 处。")
    return "\n\n".join(parts)


__all__ = ["GENERATED", "agent_trend_block", "choose_period", "default_since", "history_pages", "migration_page",
           "referral_block", "trend_charts"]
