"""The site engines: turn a staged folder (``mkdocs.yml`` + ``docs/``) into ``site/``.

Pasture has already rendered every page to plain Markdown (:mod:`generator.site_render`),
so an engine only converts Markdown to HTML with the theme. Two are supported:

- ``mkdocs`` (mkdocs + mkdocs-material, the default), run in this process;
- ``zensical`` (the material authors' successor; reads the same ``mkdocs.yml``), run as
  ``python -m zensical build`` in a child process.

Both raise :class:`EngineFailed` naming the pages (paths under ``docs/``) they blamed, so
the caller can stand a stub in for those and build again.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["EngineFailed", "run_engine"]

_PAGE_IN_MESSAGE = re.compile(r"'([^'\n]+\.md)'")
_ZENSICAL_TIMEOUT = 1800


class EngineFailed(RuntimeError):
    """The engine stopped; ``pages`` are the docs pages its messages named."""

    def __init__(self, message: str, pages: list[str]) -> None:
        super().__init__(message)
        self.pages = pages


def run_engine(engine: str, stage: Path, *, strict: bool = True) -> None:
    """Build ``stage/site`` from ``stage/mkdocs.yml``; EngineFailed when it cannot."""
    site = stage / "site"
    if site.exists():
        shutil.rmtree(site)
    if engine == "mkdocs":
        _mkdocs(stage, strict)
    elif engine == "zensical":
        _zensical(stage, strict)
    else:
        raise ValueError(f"unknown site engine {engine!r}")


def _mkdocs(stage: Path, strict: bool) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    problems = _Collector()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(problems)
    try:
        cfg = load_config(config_file=str(stage / "mkdocs.yml"), strict=strict)
        build(cfg)
    except (Abort, ConfigurationError, PluginError) as exc:
        # mkdocs logs the real cause and raises a bare "Aborted ..."; report both.
        details = "".join(f"\n  {m}" for m in problems.messages)
        raise EngineFailed(f"mkdocs：{exc}{details}", _pages_named(problems.messages)) from exc
    finally:
        mkdocs_log.removeHandler(problems)


def _zensical(stage: Path, strict: bool) -> None:
    command = [sys.executable, "-m", "zensical", "build", "-f", "mkdocs.yml", "--clean"]
    if strict:
        command.append("--strict")
    try:
        done = subprocess.run(command, cwd=stage, capture_output=True, text=True, timeout=_ZENSICAL_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineFailed(f"zensical 无法运行：{exc}", []) from exc
    output = (done.stdout or "") + (done.stderr or "")
    if done.returncode != 0 or not (stage / "site" / "index.html").is_file():
        if "No module named zensical" in output:
            raise EngineFailed("没有安装 zensical：pip install \"pasture[zensical]\"", [])
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise EngineFailed(f"zensical（退出码 {done.returncode}）：{tail}", _pages_named(output.splitlines()))


def _pages_named(messages: list[str]) -> list[str]:
    return sorted({m.group(1) for line in messages for m in _PAGE_IN_MESSAGE.finditer(line)})


class _Collector(logging.Handler):
    """Keeps the warnings and errors mkdocs logs during one build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        self.messages.append(text)
