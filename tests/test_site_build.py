"""Build the standards site with mkdocs (strict) and check what the built files contain."""

import importlib.util
import json
import re
from urllib.parse import unquote

import pytest
import yaml

pytest.importorskip("mkdocs")
pytest.importorskip("material")

from generator.rules import DEFAULT_RULES_PATH, load_rules  # noqa: E402
from generator.site import PROJECT_ROOT, publish_site, new_project  # noqa: E402

COURSE_PAGES = [
    "index", "course/cycle", "course/records", "course/grading", "course/quadrants",
    "course/experiences", "course/cadence", "course/quality", "guide/fill-template",
    "guide/issues", "guide/download", "dashboards/index",
]
HAS_TEMPLATE = importlib.util.find_spec("generator.template") is not None
# Attributes whose URL a browser fetches by itself (links in <a> are only followed on click).
FETCHED = re.compile(r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", re.I)
EXTERNAL = re.compile(r"\b(?:src|href|data|srcset)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def site(sample_site):
    """The session's sample site (conftest): the course built by publish_site, plus dashboards."""
    return sample_site


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("page", COURSE_PAGES)
def test_every_course_page_is_built(site, page):
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    assert "pasture:" not in text_of(html)  # every placeholder was replaced


def test_grading_page_shows_rendered_tables(site):
    html = (site / "course/grading.html").read_text(encoding="utf-8")
    rules = load_rules()
    assert "<table>" in html
    for book in ("closed", "prospect"):
        for actions in rules.actions[book].values():
            assert "；".join(actions) in html
    # The prospect D row: all three ordinary.
    assert re.search(r"<td>一般</td>\s*<td>一般</td>\s*<td>一般</td>\s*<td><strong>D</strong></td>", html)


def test_generated_tables_on_other_pages(site):
    assert "宠爱" in (site / "course/quadrants.html").read_text(encoding="utf-8")
    assert "☆" in (site / "course/experiences.html").read_text(encoding="utf-8")
    issues = (site / "guide/issues.html").read_text(encoding="utf-8")
    assert 'id="invalid-phone"' in issues and 'id="phone-is-agent"' in issues
    assert "投保人电话" in (site / "guide/fill-template.html").read_text(encoding="utf-8")
    assert "每 90 天一次" in (site / "course/cadence.html").read_text(encoding="utf-8")


def test_nothing_is_fetched_from_another_host(site):
    offenders = []
    for path in site.rglob("*"):
        if path.suffix in {".html", ".css"}:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".html":
                offenders += [f"{path.relative_to(site)}: {m.group(0)[:120]}"
                              for m in FETCHED.finditer(text) if EXTERNAL.search(m.group(0))]
                offenders += [f"{path.relative_to(site)}: @import" for _ in re.finditer(r"@import\s+url\(\s*['\"]?https?:", text)]
            else:
                offenders += [f"{path.relative_to(site)}: {m.group(0)}"
                              for m in re.finditer(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", text)]
    assert offenders == []


def test_no_external_links_in_page_content(site):
    for path in site.rglob("*.html"):
        hrefs = re.findall(r"href=\"((?:https?:)?//[^\"]*)\"", path.read_text(encoding="utf-8"))
        assert hrefs == [], path


def test_offline_search_shim_is_vendored(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'src="assets/javascripts/iframe-worker-shim.js"' in html
    assert (site / "assets/javascripts/iframe-worker-shim.js").is_file()
    assert (site / "search/search_index.js").read_text(encoding="utf-8").startswith("var __index")


def test_search_index_segments_chinese(site):
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"]
    assert "\\u200b" in index["config"]["separator"]
    text = " ".join(d["title"] + " " + d["text"] for d in index["docs"])
    for word in ("宠爱", "转介绍", "宽限期", "农历"):
        assert f"\u200b{word}\u200b" in text, word


def test_dashboards_placeholder_in_nav(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="dashboards/index.html"' in html


@pytest.mark.skipif(not HAS_TEMPLATE, reason="generator.template not written yet")
def test_template_download_is_built(site):
    xlsx = site / "downloads" / "客户档案模板.xlsx"
    assert xlsx.is_file() and xlsx.read_bytes()[:2] == b"PK"
    html = unquote((site / "guide/download.html").read_text(encoding="utf-8"))
    assert 'href="../downloads/客户档案模板.xlsx"' in html


def test_custom_rules_change_the_built_grading_page(tmp_path):
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["actions"]["prospect"]["D"] = ["每月一次试探性联系"]
    data["grading"]["prospect"].insert(0, {"grade": "D", "when": {"经济条件": "好", "保险意识": "一般", "影响力": "一般"}})
    rules = tmp_path / "my-rules.yaml"
    rules.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = publish_site(PROJECT_ROOT, tmp_path / "out", rules_path=rules).path
    html = (out / "course/grading.html").read_text(encoding="utf-8")
    assert "每月一次试探性联系" in html
    assert re.search(r"<td>好</td>\s*<td>一般</td>\s*<td>一般</td>\s*<td><strong>D</strong></td>", html)


def test_extra_pages_join_nav_except_agents(tmp_path):
    pages = {
        "dashboards/index.md": "# 营业部总览\n\n共 3 位代理人。",
        "dashboards/quality.md": "# 数据质量\n\n问题统计。",
        "dashboards/teams/team-1.md": "# 一组\n\n团队页面。",
        "dashboards/agents/a001.md": "# 代理人甲\n\n个人页面。",
    }
    out = publish_site(PROJECT_ROOT, tmp_path / "out", extra_pages=pages).path
    # navigation.prune: a section's pages are in the nav of pages inside that section.
    nav = (out / "dashboards/quality.html").read_text(encoding="utf-8")
    assert 'href="teams/team-1.html"' in nav and "一组" in nav and "数据质量" in nav
    assert "a001.html" not in nav and "代理人甲" not in nav
    assert (out / "dashboards/agents/a001.html").is_file()
    dashboard = (out / "dashboards/teams/team-1.html").read_text(encoding="utf-8")
    assert "共 3 位代理人" in (out / "dashboards/index.html").read_text(encoding="utf-8")
    # Chart assets only on dashboard pages, linked relative to the page.
    assert 'src="../../assets/vendor/echarts.common.min.js"' in dashboard
    assert "echarts" not in (out / "course/grading.html").read_text(encoding="utf-8")
    # Staged, not written into the project.
    assert not (PROJECT_ROOT / "site/dashboards/agents").exists()
    assert "构建后显示" in (PROJECT_ROOT / "site/dashboards/index.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["../evil.md", "/abs/x.md", "a/../../x.md", ""])
def test_extra_pages_must_stay_in_the_docs_dir(tmp_path, bad):
    with pytest.raises(ValueError):
        publish_site(PROJECT_ROOT, tmp_path / "out", extra_pages={bad: "# x"})


@pytest.mark.parametrize("bad, why", [("{{ pasture:nonsense }}", "nonsense"),
                                      ("{{ pasture:grading_table closed }", "占位符")])
def test_a_wrong_placeholder_costs_its_page_only(tmp_path, bad, why):
    """A standards page with a gap would publish wrong rules: the page says it could not be
    built, the build reports it, and every other page is published."""
    built = publish_site(PROJECT_ROOT, tmp_path / "out", extra_pages={"dashboards/x.md": f"# x\n\n{bad}\n"})
    assert built.built
    [issue] = built.issues
    assert issue.code == "site-page-failed" and why in issue.message and "dashboards/x.md" in issue.message
    stub = text_of((built.path / "dashboards/x.html").read_text(encoding="utf-8"))
    assert "此页暂时无法生成" in stub and why in stub
    assert "<table" in (built.path / "course/grading.html").read_text(encoding="utf-8")


def test_new_project_scaffolds_and_refuses_to_overwrite(tmp_path):
    dest = tmp_path / "branch"
    written = new_project(dest)
    assert dest / "mkdocs.yml" in written and (dest / "rules.yaml").is_file()
    assert (dest / "hooks/pasture_hooks.py").is_file() and (dest / "site/course/grading.md").is_file()
    assert "pasture_rules: rules.yaml" in (dest / "mkdocs.yml").read_text(encoding="utf-8")
    with pytest.raises(FileExistsError, match="mkdocs.yml"):
        new_project(dest)


def test_new_project_uses_its_own_rules(tmp_path):
    dest = tmp_path / "branch"
    new_project(dest)
    rules = dest / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("主动拜访促成", "本周内上门拜访"), encoding="utf-8")
    out = publish_site(dest, tmp_path / "out").path
    assert "本周内上门拜访" in (out / "course/grading.html").read_text(encoding="utf-8")
