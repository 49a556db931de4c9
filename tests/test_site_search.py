"""What the search index holds: course pages and the branch-level dashboards, nothing else.

Read from the shared sample build (whichever engine built it: mkdocs writes
search/search_index.json, zensical search.json). The privacy test scans the same files for
client values; here the question is which pages are in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.site_pages import searchable


def _index(site: Path) -> set[str]:
    for name in ("search/search_index.json", "search.json"):
        path = site / name
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data.get("docs") or data.get("items") or []
            return {e["location"].split("#")[0] for e in entries}
    pytest.fail(f"no search index in {site}")


def test_index_has_course_and_branch_dashboards_only(sample_site):
    pages = _index(sample_site)
    assert {"course/grading.html", "guide/issues.html", "dashboards/complaints.html",
            "dashboards/survey.html", "dashboards/quality.html"} <= pages
    for page in pages:
        assert not page.startswith(("dashboards/agents/", "dashboards/teams/", "dashboards/trends/")), page
    assert (sample_site / "dashboards/agents").is_dir() and (sample_site / "dashboards/teams").is_dir()


@pytest.mark.parametrize(("path", "indexed"), [
    ("dashboards/complaints.md", True), ("dashboards/index.md", True),
    ("dashboards/agents/agent-1.md", False), ("dashboards/teams/team-1.md", False),
    ("dashboards/trends/team-1.md", False),
])
def test_which_generated_pages_are_searchable(path, indexed):
    assert searchable(path) is indexed
