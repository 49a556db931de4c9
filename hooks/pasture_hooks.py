"""mkdocs hooks for the Pasture standards site: theme work only.

Pasture renders every page before the engine runs (generator/site_render.py), so a
``pasture build`` hands mkdocs plain Markdown. What is left here is specific to mkdocs:

- jieba (the search plugin's Chinese segmenter) learns the domain words, so a search for
  转介绍 finds 转介绍;
- Material writes ``page.title | striptags`` into ``<title>``, and striptags unescapes:
  the title is escaped again;
- for ``mkdocs serve`` in a project folder (a trainer previewing course pages), the
  placeholders are rendered here with the same code; in a staged build there are none left.

The rules file is, in order: env ``PASTURE_RULES``, ``extra.pasture_rules`` in mkdocs.yml
(relative to that file), the packaged default.
"""

from __future__ import annotations

import logging
import os
from html import escape as html_escape
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from generator.rules import Rules, RulesError, load_rules
from generator.site_render import PageError, render_course_page

# Per-build state: mkdocs imports a hook file once per process and `mkdocs serve`
# rebuilds many times, so on_config resets it.
_state: dict[str, Any] = {}

# Domain words jieba would otherwise split (转介绍 → 转/介绍), so a search for them finds
# them: the browser does not segment queries, it only splits them at separators.
DOMAIN_WORDS = ("转介绍", "转介绍率", "加保", "加保率", "交费对应日", "缴费年限", "增员")


def rules_path(config: Any) -> Path | None:
    """Which rules file this build uses (None: the packaged default)."""
    env = os.environ.get("PASTURE_RULES")
    if env:
        return Path(env)
    configured = (config.extra or {}).get("pasture_rules")
    if configured:
        return Path(config.config_file_path or ".").parent / configured
    return None


def on_config(config: Any) -> Any:
    path = rules_path(config)
    try:
        rules = load_rules(path)
    except RulesError as exc:
        raise PluginError(str(exc)) from exc
    _state.clear()
    _state.update(rules=rules)
    if path is not None:
        config.watch.append(str(path))
    _teach_segmenter(rules)
    return config


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


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "{{" not in markdown:
        return markdown
    try:
        return render_course_page(markdown, _state["rules"], page.file.src_uri, template_available=False)
    except PageError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from exc


@event_priority(-100)
def on_post_page(output: str, page: Any, config: Any) -> str:
    return _escape_title(output, page)


def _escape_title(output: str, page: Any) -> str:
    """Material writes ``page.title | striptags`` into <title>, and striptags unescapes: an
    agent-typed ``</title><script>`` in a dashboard heading would run. Escape it again."""
    from markupsafe import Markup

    if not page.title:
        return output
    text = Markup(page.title).striptags()
    safe = html_escape(text, quote=False)
    return output if safe == text else output.replace(f"<title>{text}", f"<title>{safe}", 1)
