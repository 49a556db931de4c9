"""Value segments on the dashboards: counts per segment, and movement since the last run.

``add_segment_sections(pages, report, store=...)`` appends a 价值分层 section to the
branch overview, every team page and every agent page that
:func:`generator.dashboards.dashboard_pages` made. Counts come from ``kpis.segments`` in
report.json (:func:`generator.segments.segment_book`); movement compares them with the
same agents' counts in the history store's latest earlier snapshot. Counts only.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from .dashboards import DASH
from .pagekit import pct, slug, table, text
from .rules import SEGMENTS

__all__ = ["segment_counts", "previous_segments", "segment_section", "add_segment_sections"]


def segment_counts(files: Iterable[dict[str, Any]], by_agent: dict[str, dict[str, int]] | None = None,
                   ) -> dict[str, int]:
    """Sum the segments of several report entries (or of their previous counts)."""
    total = {s: 0 for s in SEGMENTS}
    for f in files:
        counts = (by_agent or {}).get(f["agent_id"]) if by_agent is not None else (f.get("kpis") or {}).get("segments")
        for s, n in (counts or {}).items():
            total[s] = total.get(s, 0) + n
    return total


def previous_segments(store: Any, today: date) -> tuple[str | None, dict[str, dict[str, int]]]:
    """(date of the latest earlier snapshot, its segment counts per agent) from a
    :class:`generator.history.Store`; (None, {}) when no earlier run counted segments."""
    latest: dict[str, tuple[str, dict[str, int]]] = {}
    for run, agent, kpis in store._agent_rows("branch", None):
        if run < today.isoformat() and kpis.get("segments"):
            latest[agent] = (run, kpis["segments"])  # rows come oldest first
    if not latest:
        return None, {}
    return max(run for run, _ in latest.values()), {a: counts for a, (_, counts) in latest.items()}


def _change(now: int, before: int | None) -> str:
    if before is None:
        return "—"
    diff = now - before
    return f"+{diff}" if diff > 0 else ("0" if diff == 0 else f"−{-diff}")


def segment_section(files: list[dict[str, Any]], previous: tuple[str | None, dict[str, dict[str, int]]],
                    *, heading: str = "##") -> str:
    """A 价值分层 section: clients per segment, share, and change since the last run."""
    now = segment_counts(files)
    when, by_agent = previous
    before = segment_counts(files, by_agent) if when and any(f["agent_id"] in by_agent for f in files) else None
    total = sum(now.values())
    rows = [[text(s), str(now[s]), pct(now[s] / total, 0) if total else "—",
             _change(now[s], before[s] if before is not None else None)] for s in SEGMENTS]
    since = f"与上次（{text(when)}）相比" if before is not None else "与上次相比（尚无可比的记录）"
    return "\n\n".join([
        f"{heading} 价值分层（成交客户）",
        table(["分层", "客户", "占比", since], rows, sortable=False),
        "分层规则见课程“服务时机与节奏”；休眠客户要安排唤醒回访，回访时高效客户优先。",
    ])


def _agent_slug(f: dict[str, Any]) -> str:
    return slug("agent", "{}|{}".format(f["agent_id"], f["path"]))


def add_segment_sections(pages: dict[str, str], report: dict[str, Any], *, store: Any = None) -> None:
    """Append the section to the overview, team and agent pages present in ``pages``."""
    previous = previous_segments(store, date.fromisoformat(report["today"])) if store is not None else (None, {})
    files = [f for f in report["files"] if f.get("status") != "failed"]
    teams: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        teams.setdefault(f.get("team") or "未分组", []).append(f)
    targets: list[tuple[str, list[dict[str, Any]]]] = [(f"{DASH}/index.md", files)]
    targets += [(f"{DASH}/teams/{slug('team', name)}.md", members) for name, members in teams.items()]
    targets += [(f"{DASH}/agents/{_agent_slug(f)}.md", [f]) for f in files]
    for path, members in targets:
        if path in pages:
            pages[path] += "\n" + segment_section(members, previous) + "\n"
