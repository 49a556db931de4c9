"""The site's generated pages for one run, and the build that publishes them.

:data:`PAGE_BUILDERS` lists what makes pages from a run (report, history store, branch
files); each returns ``{path under the docs dir: Markdown}``. A builder that fails costs
only its own pages: they become stub pages and a ``site-page-failed`` issue, and the
rest of the site is published. Only the branch-level dashboards are in the search index
(:func:`searchable`); the many team, agent and trend pages would crowd it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .issues import Issue
from .rules import Rules
from .site import PROJECT_ROOT, SiteBuild, publish_site, site_issue
from .site_render import stub_page

__all__ = ["PAGE_BUILDERS", "PageInputs", "build_dashboard_site", "run_pages"]

SEARCH_EXCLUDED = "---\nsearch:\n  exclude: true\n---\n\n"
log = logging.getLogger(__name__)


@dataclass
class PageInputs:
    """Everything a page builder may read (aggregates only: no Book ever reaches a page)."""

    report: dict[str, Any]
    rules: Rules
    mask_agents: bool = False
    store: Any = None  # generator.history.Store
    since: date | None = None
    branch: Any = None  # generator.pipeline.BranchInputs
    campaigns: list[Any] | None = None


def _flatten(pages: dict[str, str]) -> dict[str, str]:
    """Pages written for ``dashboards/_generated/`` go straight under ``dashboards/``, where
    the nav lists them (sub-folders stay out of the nav, linked from there)."""
    return {k.replace("dashboards/_generated/", "dashboards/", 1): v for k, v in pages.items()}


def _dashboards(p: PageInputs) -> dict[str, str]:
    from .activity_pages import add_activity_pages
    from .dashboards import dashboard_pages
    from .segment_pages import add_segment_sections

    pages = dashboard_pages(p.report, p.rules, mask_agents=p.mask_agents, store=p.store)
    add_activity_pages(pages, p.report, p.rules, mask_agents=p.mask_agents)
    add_segment_sections(pages, p.report, store=p.store)
    return pages


def _trends(p: PageInputs) -> dict[str, str]:
    if p.store is None:
        return {}
    from .history_pages import history_pages

    return _flatten(history_pages(p.store, p.rules, since=p.since, mask_agents=p.mask_agents))


def _quality_of_service(p: PageInputs) -> dict[str, str]:
    if p.branch is None:
        return {}
    from .branch_pages import branch_pages

    return _flatten(branch_pages(p.report, p.branch.survey, p.branch.complaints, p.campaigns or [], p.rules,
                                 mask_agents=p.mask_agents))


def _overdue_complaints(p: PageInputs) -> dict[str, str]:
    """The overdue complaints section, appended to the data-quality page."""
    if p.branch is None or p.branch.complaints is None or p.branch.complaints.status == "failed":
        return {}
    from .branch_pages import overdue_section
    from .branch_workbook import teams_from_report
    from .complaints import analyse_complaints

    overdue = analyse_complaints(p.branch.complaints, p.rules, date.fromisoformat(p.report["today"]),
                                 teams_from_report(p.report))
    return {"dashboards/quality.md": "\n" + overdue_section(overdue) + "\n"}


# (name, builder, the page that stands in when it fails, whether its pages append to others)
PAGE_BUILDERS: list[tuple[str, Callable[[PageInputs], dict[str, str]], str, bool]] = [
    ("看板", _dashboards, "dashboards/index.md", False),
    ("经营趋势", _trends, "dashboards/trends.md", False),
    ("服务质量", _quality_of_service, "dashboards/complaints.md", False),
    ("超期投诉", _overdue_complaints, "", True),
]


def run_pages(inputs: PageInputs) -> tuple[dict[str, str], list[Issue]]:
    """Every generated page of the run; a failing builder costs only its own pages."""
    pages: dict[str, str] = {}
    issues: list[Issue] = []
    for name, builder, stand_in, appends in PAGE_BUILDERS:
        try:
            made = builder(inputs)
        except Exception as exc:  # noqa: BLE001 - one builder's bug must not take the site down
            log.exception("page builder %s failed", name)
            reason = f"{type(exc).__name__}: {exc}"
            issues.append(site_issue("site-page-failed", value=stand_in or name, detail=reason))
            if stand_in and not appends:
                pages[stand_in] = stub_page(name, reason)
            continue
        for path, text in made.items():
            if appends and path in pages:
                pages[path] += text
            else:
                pages[path] = text
    return {path: (text if searchable(path) else SEARCH_EXCLUDED + text) for path, text in pages.items()}, issues


def searchable(path: str) -> bool:
    """Branch-level dashboards (dashboards/*.md: complaints, survey, campaign, quality …) are
    in the search index, so 投诉 finds the complaints page; team, agent and trend pages
    (sub-folders, up to one per agent) stay out of it. All of them hold aggregates only."""
    parts = path.split("/")
    return len(parts) == 2 and parts[0] == "dashboards"


def build_dashboard_site(report: dict[str, Any], rules: Rules, site_dir: Path, *, project: Any = None,
                         rules_path: Any = None, mask_agents: bool = False, store: Any = None,
                         since: date | None = None, branch: Any = None, campaigns: list[Any] | None = None,
                         engine: str = "mkdocs") -> SiteBuild:
    """The standards site plus the run's dashboards (aggregates only), swapped in whole."""
    pages, issues = run_pages(PageInputs(report, rules, mask_agents, store, since, branch, campaigns))
    built = publish_site(Path(project) if project else PROJECT_ROOT, site_dir,
                       rules_path=Path(rules_path) if rules_path else None, rules=rules, extra_pages=pages,
                       engine=engine)
    built.issues[:0] = issues
    return built
