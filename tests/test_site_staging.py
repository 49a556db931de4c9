"""The site is built in a staging folder and swapped in whole; what cannot be built is reported.

A failed, broken or killed build leaves the previous OUT/site exactly as it was; a page
that cannot be built becomes a stub and a ``site-page-failed`` issue in report.json, and
the run ends normally (``--exit-zero`` gives 0).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from corpus.make_corpus import TODAY, _book, agent, closed  # noqa: E402
from generator.cli import cli  # noqa: E402
from generator.site import PROJECT_ROOT, publish_site, new_project, staging_names, sweep_site_leftovers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _leftovers(site: Path) -> list[Path]:
    staging, old = staging_names(site)
    return [*site.parent.glob(staging), *site.parent.glob(old)]


@pytest.fixture
def old_site(tmp_path):
    site = tmp_path / "out" / "site"
    built = publish_site(PROJECT_ROOT, site, extra_pages={"dashboards/old-only.md": "# 旧页面\n\n上一次的看板。\n"})
    assert built.built and not built.issues
    return site, _snapshot(site)


def test_a_build_that_fails_keeps_the_old_site_whole(tmp_path, old_site):
    site, before = old_site
    project = tmp_path / "broken"
    new_project(project)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("name: material", "name: no-such-theme"),
                      encoding="utf-8")
    built = publish_site(project, site)
    assert not built.built
    [issue] = built.issues
    assert issue.code == "site-build-failed" and "上一次生成的网站保持原样" in issue.message
    assert _snapshot(site) == before
    assert _leftovers(site) == []


def test_a_new_build_replaces_the_whole_site(old_site):
    site, before = old_site
    built = publish_site(PROJECT_ROOT, site)
    assert built.built and not built.issues
    after = _snapshot(site)
    assert "dashboards/old-only.html" in before and "dashboards/old-only.html" not in after
    assert "course/grading.html" in after
    assert _leftovers(site) == []


@pytest.mark.slow  # a site build in a child process, killed, then a full rebuild
def test_a_killed_build_leaves_the_old_site_and_the_next_run_cleans_up(old_site):
    site, before = old_site
    script = ("import sys; from pathlib import Path; from generator.site import PROJECT_ROOT, publish_site; "
              "publish_site(PROJECT_ROOT, Path(sys.argv[1]))")
    child = subprocess.Popen([sys.executable, "-c", script, str(site)], cwd=ROOT)
    staging = staging_names(site)[0]
    deadline = time.monotonic() + 120
    try:
        # Kill it while the engine is writing pages into the staging folder.
        while time.monotonic() < deadline and not any(
                (p / "site" / "course").is_dir() for p in site.parent.glob(staging)):
            assert child.poll() is None, "the build finished before it could be killed"
            time.sleep(0.02)
        assert time.monotonic() < deadline
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert _snapshot(site) == before
    assert list(site.parent.glob(staging)), "the killed build's staging folder is left behind"
    built = publish_site(PROJECT_ROOT, site)
    assert built.built and _leftovers(site) == []


def test_a_site_parked_by_a_killed_swap_is_restored(tmp_path):
    site = tmp_path / "site"
    parked = tmp_path / ".site-old-123-abcd"
    (parked / "course").mkdir(parents=True)
    (parked / "index.html").write_text("old", encoding="utf-8")
    (tmp_path / ".site-staging-123-abcd" / "site").mkdir(parents=True)
    sweep_site_leftovers(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "old"
    assert _leftovers(site) == []


def test_a_page_that_would_load_from_another_host_becomes_a_stub(tmp_path):
    pages = {"dashboards/bad.md": '# 坏页面\n\n<img src="http://evil.example/x.png">\n',
             "dashboards/good.md": "# 好页面\n\n正常的看板。\n"}
    built = publish_site(PROJECT_ROOT, tmp_path / "site", extra_pages=pages)
    assert built.built
    [issue] = built.issues
    assert issue.code == "site-page-failed" and "dashboards/bad.md" in issue.message
    assert "<img src=\"http" not in (built.path / "dashboards/bad.html").read_text(encoding="utf-8")
    assert "此页暂时无法生成" in (built.path / "dashboards/bad.html").read_text(encoding="utf-8")
    assert "正常的看板" in (built.path / "dashboards/good.html").read_text(encoding="utf-8")


def _clean_input(folder: Path) -> Path:
    folder.mkdir()
    _book(folder / "A1.xlsx", [closed(i) for i in range(3)], kv=agent("A1", "测试甲"))
    return folder


def test_a_failing_page_builder_is_an_issue_not_a_dead_run(tmp_path, monkeypatch):
    import generator.dashboards

    def broken(*args, **kwargs):
        raise RuntimeError("看板出错了")

    monkeypatch.setattr(generator.dashboards, "dashboard_pages", broken)
    inputs = _clean_input(tmp_path / "in")
    args = ["build", str(inputs), "--out", str(tmp_path / "out"), "--today", TODAY.isoformat(), "-j", "1",
            "--no-history"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 1, first.output
    report = json.loads((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    assert report["totals"]["rows"]["rejected"] == 0
    [issue] = report["site_issues"]
    assert issue["code"] == "site-page-failed" and "看板出错了" in issue["message"]
    assert report["exit_code"] == 1
    site = tmp_path / "out/site"
    assert "此页暂时无法生成" in (site / "dashboards/index.html").read_text(encoding="utf-8")
    assert "<table" in (site / "course/grading.html").read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, [*args, "--exit-zero"])
    assert again.exit_code == 0, again.output
