"""mkdocs hooks for the Pasture standards site (listed under ``hooks:`` in mkdocs.yml).

- Placeholders in course pages, e.g. ``{{ pasture:grading_table closed }}``, are replaced
  by tables rendered from the rules file in use (see docs/site.md for the list). An
  unknown or malformed placeholder stops the build: a silent gap on a standards page
  would publish the wrong rules.
- The rules file is, in order: env ``PASTURE_RULES``, ``extra.pasture_rules`` in
  mkdocs.yml (relative to that file), the packaged default.
- Generated dashboard pages join the nav: files directly in ``dashboards/`` and those in
  ``dashboards/teams/``; other folders (``dashboards/agents/``) stay out of it.
- The blank template is generated into ``downloads/`` when ``generator.template`` exists.
- A page that would load anything from another host fails the build (the site must
  work offline, from ``file://``).
"""

from __future__ import annotations

import logging
from html import escape as html_escape
import os
import posixpath
import re
from pathlib import Path
from typing import Any, Callable

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from generator import standards
from generator.rules import Rules, RulesError, load_rules

log = logging.getLogger("mkdocs.hooks.pasture")
# Not under "mkdocs": a missing optional part is worth a line but must not fail --strict.
notice = logging.getLogger("pasture.site")

TEMPLATE_URI = "downloads/客户档案模板.xlsx"
DASHBOARD_DIR = "dashboards"
DASHBOARD_INDEX = "dashboards/index.md"
TEAMS_SUBDIR = "teams"

# Strict form of a placeholder, and a loose one that catches typos of it.
PLACEHOLDER = re.compile(r"\{\{\s*pasture:([a-z_]+)((?:[ \t]+[A-Za-z0-9_.\-]+)*)\s*\}\}")
LOOSE = re.compile(r"\{\{\s*pasture\b[^\n]*?(\}\}|$)", re.MULTILINE)
EXTERNAL_FETCH = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"
    r"\b(?:src|href|data)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)
CANONICAL = re.compile(r"<link\b[^>]*\brel=[\"']?(?:canonical|alternate)", re.IGNORECASE)

# Per-build state: mkdocs imports a hook file once per process and `mkdocs serve`
# rebuilds many times, so on_config resets it.
_state: dict[str, Any] = {}


def rules_path(config: Any) -> Path | None:
    """Which rules file this build uses (None: the packaged default)."""
    env = os.environ.get("PASTURE_RULES")
    if env:
        return Path(env)
    configured = (config.extra or {}).get("pasture_rules")
    if configured:
        base = Path(config.config_file_path or ".").parent
        return base / configured
    return None


def on_config(config: Any) -> Any:
    path = rules_path(config)
    try:
        rules = load_rules(path)
    except RulesError as exc:
        raise PluginError(str(exc)) from exc
    _state.clear()
    _state.update(rules=rules, rules_path=path, template=False)
    if path is not None:
        # A trainer's rules file drives the tables, so `mkdocs serve` should reload on edits.
        config.watch.append(str(path))
    _extend_dashboard_nav(config)
    _teach_segmenter(rules)
    return config


# Domain words jieba would otherwise split (转介绍 → 转/介绍), so a search for them finds
# them: the browser does not segment queries, it only splits them at separators.
DOMAIN_WORDS = ("转介绍", "转介绍率", "加保", "加保率", "交费对应日", "缴费年限", "增员")


def _teach_segmenter(rules: Rules) -> None:
    try:
        import jieba
    except ImportError:
        return
    # Its "Building prefix dict …" lines are debug chatter on stderr of every build.
    jieba.setLogLevel(logging.WARNING)
    words = {*DOMAIN_WORDS, *rules.choices("客户来源"), *rules.quadrants.strategy}
    for word in sorted(words):
        jieba.add_word(word)


def _extend_dashboard_nav(config: Any) -> None:
    """Add generated dashboard pages to the nav section that holds dashboards/index.md."""
    root = Path(config.docs_dir) / DASHBOARD_DIR
    if config.nav is None or not root.is_dir():
        return
    top = sorted(p.relative_to(config.docs_dir).as_posix() for p in root.glob("*.md")
                 if p.relative_to(config.docs_dir).as_posix() != DASHBOARD_INDEX)
    teams = sorted(p.relative_to(config.docs_dir).as_posix() for p in (root / TEAMS_SUBDIR).glob("*.md"))
    if not top and not teams:
        return
    section = _find_section(config.nav, DASHBOARD_INDEX)
    if section is None:
        raise PluginError(f"mkdocs.yml: nav has no section containing {DASHBOARD_INDEX}; "
                          "generated dashboard pages have nowhere to go")
    section.extend(p for p in top if p not in section)
    if teams:
        section.append({"团队": teams})


def _find_section(items: Any, target: str) -> list[Any] | None:
    if isinstance(items, list):
        if target in items:
            return items
        for item in items:
            found = _find_section(item, target)
            if found is not None:
                return found
    elif isinstance(items, dict):
        for value in items.values():
            found = _find_section(value, target)
            if found is not None:
                return found
    return None


def on_files(files: Any, config: Any) -> Any:
    try:
        from generator.template import write_template  # written in parallel; optional here
    except ImportError:
        notice.warning("pasture: generator.template is not available; "
                       "the download page shows a notice instead of the template")
        return files
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / Path(TEMPLATE_URI).name
        write_template(out, _state["rules"])
        content = out.read_bytes()
    files.append(File.generated(config, TEMPLATE_URI, content=content))
    _state["template"] = True
    return files


# -- placeholders -----------------------------------------------------------------------

def _book(args: list[str]) -> str:
    if len(args) != 1 or args[0] not in standards.BOOK_NAMES:
        raise ValueError("需要一个参数：closed 或 prospect")
    return args[0]


def _no_args(render: Callable[[Rules], str]) -> Callable[[Rules, list[str], Any], str]:
    def wrapped(rules: Rules, args: list[str], page: Any) -> str:
        if args:
            raise ValueError("不需要参数")
        return render(rules)
    return wrapped


def _rule_value(rules: Rules, args: list[str], page: Any) -> str:
    """An inline value from the rules, e.g. cadence.visit_every_days; rates as percent."""
    if len(args) != 1:
        raise ValueError("需要一个参数：规则路径，例如 cadence.visit_every_days")
    value: Any = rules
    for part in args[0].split("."):
        if not hasattr(value, part) or part.startswith("_"):
            raise ValueError(f"规则中没有“{args[0]}”")
        value = getattr(value, part)
    if isinstance(value, float) and args[0].startswith("targets."):
        return f"{value * 100:g}%"
    if isinstance(value, list):
        return "、".join(standards.cell(v) for v in value)
    if isinstance(value, (int, float, str)):
        return standards.cell(value)
    raise ValueError(f"“{args[0]}”不是一个单独的值")


def _template_link(rules: Rules, args: list[str], page: Any) -> str:
    if args:
        raise ValueError("不需要参数")
    if not _state.get("template"):
        return ('!!! warning "模板暂不可用"\n\n'
                "    这次构建没有生成模板文件。请联系管理员，或在命令行运行 `pasture template` 自行生成。")
    here = posixpath.dirname(page.file.src_uri)
    href = posixpath.relpath(TEMPLATE_URI, here or ".")
    name = posixpath.basename(TEMPLATE_URI)
    return f'[下载 {name}]({href}){{ .md-button .md-button--primary download="{name}" }}'


PLACEHOLDERS: dict[str, Callable[[Rules, list[str], Any], str]] = {
    "grading_table": lambda r, a, p: standards.grading_table(r, _book(a)),  # type: ignore[arg-type]
    "quadrant_table": _no_args(standards.quadrant_table),
    "experience_matrix": _no_args(standards.experience_matrix),
    "cadence_table": _no_args(standards.cadence_table),
    "festival_table": _no_args(standards.festival_table),
    "cve_table": _no_args(standards.cve_table),
    "input_contract": _no_args(lambda r: standards.input_contract(r)),
    "issue_reference": _no_args(lambda r: standards.issue_reference()),
    "rule": _rule_value,
    "template_link": _template_link,
}
INLINE = {"rule"}


def render_placeholders(markdown: str, rules: Rules, page: Any = None, where: str = "") -> str:
    """Replace every placeholder; raise PluginError on an unknown or malformed one."""
    for loose in LOOSE.finditer(markdown):
        if not PLACEHOLDER.fullmatch(loose.group(0)):
            raise PluginError(f"{where}: 无法识别的占位符 {loose.group(0)!r}（写法见 docs/site.md）")

    def replace(m: re.Match[str]) -> str:
        name, args = m.group(1), m.group(2).split()
        render = PLACEHOLDERS.get(name)
        if render is None:
            raise PluginError(f"{where}: 未知的占位符 “{name}”（可用：{'、'.join(PLACEHOLDERS)}）")
        try:
            out = render(rules, args, page)
        except ValueError as exc:
            raise PluginError(f"{where}: 占位符 {m.group(0)!r} 有误：{exc}") from exc
        # Tables are blocks: blank lines keep them apart from surrounding prose.
        return out if name in INLINE else f"\n\n{out}\n\n"

    return PLACEHOLDER.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return render_placeholders(markdown, _state["rules"], page, page.file.src_uri)


def _dashboard_assets(output: str, page: Any, config: Any) -> str:
    """Link ``extra.pasture_dashboard_assets`` (css/js) into dashboard pages only.

    The chart library is large; course pages should not load it.
    """
    if not page.file.src_uri.startswith(DASHBOARD_DIR + "/"):
        return output
    assets = (config.extra or {}).get("pasture_dashboard_assets") or {}
    unknown = set(assets) - {"css", "js"}
    if unknown:
        raise PluginError(f"extra.pasture_dashboard_assets: unknown keys {sorted(unknown)} (use css, js)")
    from mkdocs.utils import get_relative_url

    def href(path: str) -> str:
        if not (Path(config.docs_dir) / path).is_file():
            raise PluginError(f"extra.pasture_dashboard_assets: {path} not found in {config.docs_dir}")
        return html_escape(get_relative_url(path, page.url))

    css = "".join(f'<link rel="stylesheet" href="{href(p)}">' for p in assets.get("css", []))
    js = "".join(f'<script src="{href(p)}"></script>' for p in assets.get("js", []))
    if css:
        output = output.replace("</head>", css + "</head>", 1)
    if js:
        output = output.replace("</body>", js + "</body>", 1)
    return output


@event_priority(-100)
def on_post_page(output: str, page: Any, config: Any) -> str:
    output = _dashboard_assets(output, page, config)
    output = _escape_title(output, page)
    for m in EXTERNAL_FETCH.finditer(output):
        tag = output[m.start(): output.find(">", m.start()) + 1]
        if not CANONICAL.match(tag):
            raise PluginError(f"{page.file.src_uri}: 页面会从外部网站加载资源，离线时无法使用：{tag[:200]}")
    return output


def _escape_title(output: str, page: Any) -> str:
    """Material writes ``page.title | striptags`` into <title>, and striptags unescapes: an
    agent-typed ``</title><script>`` in a dashboard heading would run. Escape it again."""
    from markupsafe import Markup

    if not page.title:
        return output
    text = Markup(page.title).striptags()
    safe = html_escape(text, quote=False)
    return output if safe == text else output.replace(f"<title>{text}", f"<title>{safe}", 1)
