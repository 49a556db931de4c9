"""Scaffold and build the static standards site (mkdocs + mkdocs-material).

A site project is a folder with ``mkdocs.yml``, the Markdown pages under its docs_dir
(``site/``), ``hooks/pasture_hooks.py`` (fills the rule tables) and optionally its own
``rules.yaml``. The repository root is the default project.

    >>> from pathlib import Path
    >>> build_site(PROJECT_ROOT, Path("out/site"))  # doctest: +SKIP
    PosixPath('out/site')

mkdocs is imported lazily, so the rest of the package works without the "site" extra.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath, PurePosixPath

from .rules import DEFAULT_RULES_PATH

# The default project: the clone this package was installed (editable) from.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "mkdocs.yml"
HOOKS_FILE = Path("hooks") / "pasture_hooks.py"
RULES_NAME = "rules.yaml"
# Pages the generator writes (dashboards) and preview copies of them: never copied into a
# new project or a build's staging folder, so a page from an earlier run cannot linger.
GENERATED_PART = "_generated"
DASHBOARD_DIR = "dashboards"
DASHBOARD_KEEP = "index.md"  # the hand-written placeholder shown before the first build
_SCAFFOLD_GITIGNORE = "build/\nout/\nsite/**/_generated/\nsite/dashboards/*\n!site/dashboards/index.md\n"


def is_generated(rel: PurePosixPath) -> bool:
    """Whether a path relative to the docs dir belongs to generated pages.

    >>> is_generated(PurePosixPath("dashboards/teams/t1.md")), is_generated(PurePosixPath("dashboards/index.md"))
    (True, False)
    """
    parts = rel.parts
    if GENERATED_PART in parts or "__pycache__" in parts:
        return True
    return len(parts) > 1 and parts[0] == DASHBOARD_DIR and parts[1:] != (DASHBOARD_KEEP,)


class SiteError(RuntimeError):
    """The site project is missing or the build failed."""


def _project_sources(root: Path) -> list[tuple[Path, Path]]:
    """(source, relative destination) pairs that make up a new project."""
    config = root / CONFIG_NAME
    docs = root / "site"
    hooks = root / HOOKS_FILE
    missing = [str(p) for p in (config, docs, hooks) if not p.exists()]
    if missing:
        raise SiteError(
            "找不到网站模板文件（需要从仓库源码安装 pasture）：" + "、".join(missing))
    pairs = [(config, Path(CONFIG_NAME)), (hooks, HOOKS_FILE), (DEFAULT_RULES_PATH, Path(RULES_NAME))]
    for src in sorted(docs.rglob("*")):
        rel = src.relative_to(root)
        if src.is_file() and not is_generated(PurePosixPath(*src.relative_to(docs).parts)):
            pairs.append((src, rel))
    return pairs


def new_project(dest: Path, *, source: Path = PROJECT_ROOT) -> list[Path]:
    """Scaffold a branch's own site project in ``dest``, like ``mkdocs new``.

    Copies mkdocs.yml, the course pages, the hook and the default rules (as
    ``rules.yaml``, which the new mkdocs.yml points to). Returns the files written;
    raises FileExistsError listing every file that already exists, writing nothing.

        >>> new_project(Path("branch-site"))  # doctest: +SKIP
        [PosixPath('branch-site/mkdocs.yml'), ...]
    """
    dest = Path(dest)
    pairs = _project_sources(source)
    targets = [dest / rel for _, rel in pairs] + [dest / ".gitignore"]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise FileExistsError("这些文件已经存在，未做任何修改：\n  " + "\n  ".join(existing))
    written = []
    for src, rel in pairs:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == Path(CONFIG_NAME):
            target.write_text(_point_at_rules(src.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(src, target)
        written.append(target)
    (dest / ".gitignore").write_text(_SCAFFOLD_GITIGNORE, encoding="utf-8")
    written.append(dest / ".gitignore")
    return written


def _point_at_rules(config_text: str) -> str:
    """Make a copied mkdocs.yml use the project's own rules.yaml."""
    new, count = re.subn(r"(?m)^(\s*pasture_rules:)\s*.*$", rf"\1 {RULES_NAME}", config_text, count=1)
    if count != 1:
        raise SiteError("mkdocs.yml 中没有 extra.pasture_rules 一项，无法指向 rules.yaml")
    return new


def _check_page_path(rel: str) -> PurePosixPath:
    """Extra pages must stay inside the docs dir."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in rel:
        raise ValueError(f"extra page path must be relative and stay inside the docs dir: {rel!r}")
    return path


@contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    old = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def build_site(
    project_dir: Path,
    site_dir: Path,
    *,
    rules_path: Path | None = None,
    extra_pages: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Path:
    """Build the project's site into ``site_dir`` and return it.

    ``extra_pages`` maps paths under the docs dir (e.g. ``dashboards/teams/t1.md``) to
    Markdown; a path that exists replaces that page (``dashboards/index.md``). They are
    written to a staged copy of the docs dir (without ``_generated/`` folders), so the
    project's own files are never touched and pages from an earlier build cannot linger.
    ``rules_path`` overrides the rules file of the project.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    project_dir = Path(project_dir).resolve()
    site_dir = Path(site_dir).resolve()
    config_file = project_dir / CONFIG_NAME
    if not config_file.is_file():
        raise SiteError(f"找不到网站配置文件 {config_file}")
    pages = {_check_page_path(k): v for k, v in (extra_pages or {}).items()}
    rules_env = str(Path(rules_path).resolve()) if rules_path is not None else None

    problems = _Collector()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(problems)
    with tempfile.TemporaryDirectory(prefix="pasture-site-") as tmp, _env("PASTURE_RULES", rules_env):
        try:
            cfg = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict)
            staged = Path(tmp) / "docs"
            docs = Path(cfg.docs_dir)
            rel: PurePath
            for src in sorted(docs.rglob("*")):
                rel = src.relative_to(docs)
                if src.is_file() and not is_generated(PurePosixPath(*rel.parts)):
                    (staged / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, staged / rel)
            for rel, markdown in pages.items():
                target = staged.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(markdown, encoding="utf-8")
            # Reload so hooks see the staged docs dir from on_config on (the nav hook reads it).
            cfg = load_config(config_file=str(config_file), site_dir=str(site_dir),
                              docs_dir=str(staged), strict=strict)
            build(cfg)
        except (Abort, ConfigurationError, PluginError) as exc:
            # mkdocs logs the real cause and raises a bare "Aborted ..."; report both.
            details = "".join(f"\n  {m}" for m in problems.messages)
            raise SiteError(f"网站构建失败：{exc}{details}") from exc
        finally:
            mkdocs_log.removeHandler(problems)
    return site_dir


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
