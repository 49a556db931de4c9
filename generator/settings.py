"""The settings of a build, in one table: name, default and help.

Like datasette's ``SETTINGS``, every knob of ``pasture build`` is declared once here.
The CLI takes each option's default and help from this table, :func:`generator.build`
accepts exactly these names (an unknown one is a ``TypeError``), the worker's job
carries :class:`JobSettings` made from them, and the cache key names the settings that
change an agent's result (``cache_key=True``)::

    >>> from generator.settings import BuildSettings
    >>> BuildSettings(jobs=2).replace(days=30).days
    30
    >>> [s.name for s in SETTINGS if s.cache_key]
    ['days']

The rules and the file they came from travel together (:class:`RulesInUse`): the
workbooks and the site's rule tables are made from the same :class:`Rules` object, so a
library caller that passes ``rules`` alone gets a site showing those rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .rules import Rules, load_rules
from .runargs import check_run_date

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str  # Chinese: the CLI option's help text
    cache_key: bool = False  # changes an agent's result: part of the cache key


SETTINGS: tuple[Setting, ...] = (
    Setting("rules", None, "已读入的规则（库调用用；命令行用 --rules 文件）。"),
    Setting("rules_path", None, "规则文件（YAML），代替内置的默认规则。"),
    Setting("today", None, "运行日期（YYYY-MM-DD），用于检查未来日期和排服务日历；默认是今天。"),
    Setting("jobs", 1, "并行进程数（默认：CPU 核数）。"),
    Setting("scheduler", None, "Dask 调度器地址（例如 tcp://主机:8786），用于 --executor dask。"),
    Setting("days", None, "服务日历从 --today 起排多少天（默认取规则文件：90）。", cache_key=True),
    Setting("history", True, "历史库（SQLite），记录每次运行；默认是网站项目或 OUT 中的 pasture.db。"),
    Setting("since", None, "象限迁移页面的基准日期（默认：约一个月前）。"),
    Setting("keep_records", False, "在结果中保留每本档案的客户行（测试和小批量用）。"),
    Setting("use_cache", True, "使用缓存：没有变化的档案不重新处理（--no-cache：所有档案都重新处理）。"),
    Setting("site", False, "同时生成带看板的标准网站到 OUT/site。"),
    Setting("site_project", None, "用 `pasture new` 创建的网站项目（默认：Pasture 自带的）。"),
    Setting("site_engine", "mkdocs",
            "网站引擎：mkdocs（mkdocs-material）或 zensical；页面由 Pasture 先生成，两者得到同样的网站。"),
    Setting("mask_agents", False, "网站上只显示代理人工号，不显示姓名。"),
)
SETTING = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class RulesInUse:
    """The rules a run grades with and the file they came from (None: given as an object
    or the packaged default); the site shows exactly ``rules``."""

    rules: Rules
    path: Path | None = None

    @classmethod
    def resolve(cls, rules: Rules | None, path: PathLike | None) -> RulesInUse:
        file = Path(path) if path else None
        return cls(rules if rules is not None else load_rules(file), file.resolve() if file else None)


@dataclass(frozen=True)
class BuildSettings:
    """One build's settings; field names and defaults are those of :data:`SETTINGS`."""

    rules: Rules | None = None
    rules_path: PathLike | None = None
    today: date | None = None
    jobs: int = 1
    scheduler: str | None = None
    days: int | None = None
    history: PathLike | None | bool = True
    since: date | None = None
    keep_records: bool = False
    use_cache: bool = True
    site: bool = False
    site_project: PathLike | None = None
    site_engine: str = "mkdocs"
    mask_agents: bool = False

    def replace(self, **changes: Any) -> BuildSettings:
        """A copy with ``changes``; an unknown name is a TypeError naming it."""
        unknown = sorted(set(changes) - set(SETTING))
        if unknown:
            raise TypeError(f"unknown build setting(s): {', '.join(unknown)} (known: {', '.join(SETTING)})")
        return replace(self, **changes)

    def resolved(self) -> BuildSettings:
        """Rules loaded (from ``rules_path`` when not given) and the run date checked."""
        pair = RulesInUse.resolve(self.rules, self.rules_path)
        return replace(self, rules=pair.rules, rules_path=pair.path, today=check_run_date(self.today or date.today()))

    @property
    def rules_in_use(self) -> RulesInUse:
        if self.rules is None:
            raise ValueError("call resolved() first")
        return RulesInUse(self.rules, Path(self.rules_path) if self.rules_path else None)

    def cache_options(self) -> dict[str, Any]:
        """The settings that change an agent's result, for the cache key (the rules and
        the date are hashed on their own)."""
        return {s.name: getattr(self, s.name) for s in SETTINGS if s.cache_key}


@dataclass(frozen=True)
class JobSettings:
    """What every worker job of one run shares (picklable)."""

    rules: Rules
    today: date
    staging: Path | None  # folder for the workbook; None = validate only
    keep_records: bool = False
    days: int | None = None  # calendar window; None = the rules' default
    token: str = "run"  # the run's token (runlock.Run): temporary names unique per run
    workbook_agents: frozenset[str] = frozenset()  # 工号 handing in a Pasture workbook this run
