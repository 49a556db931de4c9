"""Scaffold and build the static standards site.

A site project is a folder with ``mkdocs.yml``, the Markdown pages under its docs_dir
(``site/``), ``hooks/pasture_hooks.py`` (theme work for mkdocs) and optionally its own
``rules.yaml``. The repository root is the default project. A build renders every page
first (:mod:`generator.site_render`) into a staging folder next to the site, lets an engine
(:mod:`generator.site_engines`: mkdocs-material or zensical) make the HTML there, and swaps
the finished site in whole.

    >>> from pathlib import Path
    >>> build_site(PROJECT_ROOT, Path("out/site"))  # doctest: +SKIP
    PosixPath('out/site')
    >>> publish_site(PROJECT_ROOT, Path("out/site"), engine="zensical").issues  # doctest: +SKIP
    []

mkdocs is imported lazily, so the rest of the package works without the "site" extra.
"""

from __future__ import annotations

import copy
import ctypes
import logging
import os
import re
import secrets
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .issues import Issue, make_issue
from .rules import DEFAULT_RULES_PATH, Rules, RulesError, load_rules
from .site_engines import EngineFailed, run_engine
from .site_render import (TEMPLATE_URI, PageError, external_fetches, render_course_page, stub_page, with_assets,
                          with_title)

CONFIG_NAME = "mkdocs.yml"
HOOKS_FILE = Path("hooks") / "pasture_hooks.py"


def _default_project() -> Path:
    """The default project: the repository top (a checkout or editable install), else the
    copy the wheel carries as ``generator/site_project`` (package data built from that top)."""
    here = Path(__file__).resolve().parent
    checkout = here.parent
    if (checkout / CONFIG_NAME).is_file() and (checkout / HOOKS_FILE).is_file() and (checkout / "site").is_dir():
        return checkout
    return here / "site_project"


PROJECT_ROOT = _default_project()
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
        raise SiteError("找不到网站模板文件（安装的 pasture 不完整，请重新安装）：" + "、".join(missing))
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


# -- building: render into a staging folder, run the engine there, swap the result in ------

ENGINES = ("mkdocs", "zensical")
DEFAULT_ENGINE = "mkdocs"
PACKAGED_HOOK = PROJECT_ROOT / HOOKS_FILE
_MAX_ATTEMPTS = 3  # builds per run: each retry stands in a stub for the pages that broke


@dataclass
class SiteBuild:
    """What a site build did: where the site is, whether this build replaced it, the problems."""

    path: Path
    engine: str
    built: bool  # False: nothing was swapped in; the previous site (if any) is untouched
    issues: list[Issue] = field(default_factory=list)


def staging_names(site_dir: Path) -> tuple[str, str]:
    """Glob patterns of a site's staging and parked-old folders (siblings of ``site_dir``)."""
    return f".{site_dir.name}-staging-*", f".{site_dir.name}-old-*"


def build_site(project_dir: Path, site_dir: Path, **options: Any) -> Path:
    """:func:`publish_site` for callers that need the whole site: its path, or SiteError
    listing every page or problem that kept it from being complete."""
    built = publish_site(project_dir, site_dir, **options)
    if built.issues:
        raise SiteError("网站构建失败：" + "".join(f"\n  {i.message}" for i in built.issues))
    return built.path


def publish_site(
    project_dir: Path,
    site_dir: Path,
    *,
    rules_path: Path | None = None,
    rules: Rules | None = None,
    extra_pages: Mapping[str, str] | None = None,
    strict: bool = True,
    engine: str = DEFAULT_ENGINE,
) -> SiteBuild:
    """Build the project's site and swap it into ``site_dir`` whole.

    Pasture renders every page first (course pages from the rules in use, ``extra_pages``
    as given: paths under the docs dir, e.g. ``dashboards/teams/t1.md``, a path that exists
    replaces that page) into ``.<site>-staging-<run>/docs`` next to ``site_dir``, writes the
    engine's config there and lets the engine (``mkdocs`` or ``zensical``) turn Markdown
    into HTML in ``staging/site``. Only a finished site is renamed into place (an atomic
    exchange where the OS has one), so a failed or killed build leaves the old site whole.
    A page that cannot be rendered or built becomes a stub page and a ``site-page-failed``
    issue; a site that cannot be built at all is a ``site-build-failed`` issue (old site
    kept). Problems of the call itself (no mkdocs.yml, unknown engine, a page path outside
    the docs dir) raise.
    """
    if engine not in ENGINES:
        raise ValueError(f"未知的网站引擎“{engine}”（可用：{'、'.join(ENGINES)}）")
    project_dir = Path(project_dir).resolve()
    site_dir = Path(site_dir).resolve()
    config_file = project_dir / CONFIG_NAME
    if not config_file.is_file():
        raise SiteError(f"找不到网站配置文件 {config_file}")
    pages = {_check_page_path(k).as_posix(): v for k, v in (extra_pages or {}).items()}
    config = read_config(config_file)
    rules_file = _rules_file(config, project_dir, rules_path)
    if rules is None:  # a run passes the rules it graded with: pages and workbooks agree
        try:
            rules = load_rules(rules_file)
        except RulesError as exc:
            raise SiteError(str(exc)) from exc

    site_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_site_leftovers(site_dir)
    stage = site_dir.parent / f".{site_dir.name}-staging-{os.getpid()}-{secrets.token_hex(4)}"
    result = SiteBuild(site_dir, engine, built=False)
    try:
        staged = stage_project(config, project_dir, stage, rules, rules_file, pages, engine)
        result.issues += staged.issues
        for _ in range(_MAX_ATTEMPTS):
            try:
                run_engine(engine, stage, strict=strict)
            except EngineFailed as exc:
                broken = [p for p in exc.pages if p in staged.pages]
                if not broken:
                    result.issues.append(site_issue("site-build-failed", detail=str(exc)))
                    return result
                result.issues += staged.replace_with_stubs({p: str(exc) for p in broken})
                continue
            fetching = _external_fetches(stage / "site", staged.pages)
            if not fetching:
                break
            result.issues += staged.replace_with_stubs(
                {p: f"页面会从其他网站加载内容，离线时无法使用：{tags[0]}" for p, tags in fetching.items()})
        else:
            result.issues.append(site_issue("site-build-failed", detail="多次重试后仍有页面无法生成"))
            return result
        relative_404(stage / "site")
        swap_in(stage / "site", site_dir)
        result.built = True
        return result
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class _EnvLoader(yaml.SafeLoader):
    """mkdocs.yml as data; ``!ENV`` tags resolved like mkdocs does."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    names = ([loader.construct_scalar(node)] if isinstance(node, yaml.ScalarNode)
             else [loader.construct_object(n) for n in node.value])  # type: ignore[union-attr]
    default = names.pop() if len(names) > 1 else None
    for name in names:
        if str(name) in os.environ:
            return yaml.safe_load(os.environ[str(name)])
    return default


_EnvLoader.add_constructor("!ENV", _env_tag)


def read_config(config_file: Path) -> dict[str, Any]:
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_EnvLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        raise SiteError(f"网站配置文件 {config_file} 无法读取：{exc}") from exc
    if not isinstance(data, dict):
        raise SiteError(f"网站配置文件 {config_file} 不是一个 YAML 映射")
    return data


def project_rules_file(project_dir: Path) -> Path | None:
    """The rules file a site project names (env PASTURE_RULES, then its mkdocs.yml's
    extra.pasture_rules); None for the packaged rules. A build grades with these too.

    A config that cannot be read names no rules file: the site step reports it as a site
    issue, and the workbooks are still written (they never depended on mkdocs.yml)."""
    config_file = Path(project_dir) / CONFIG_NAME
    try:
        config = read_config(config_file) if config_file.is_file() else {}
    except SiteError:
        config = {}
    return _rules_file(config, Path(project_dir).resolve(), None)


def _rules_file(config: Mapping[str, Any], project_dir: Path, rules_path: Path | None) -> Path | None:
    """The rules the pages show: the argument, env PASTURE_RULES, extra.pasture_rules, the default."""
    if rules_path is not None:
        return Path(rules_path).resolve()
    env = os.environ.get("PASTURE_RULES")
    if env:
        return Path(env).resolve()
    configured = (config.get("extra") or {}).get("pasture_rules")
    return (project_dir / configured).resolve() if configured else None


class StagedProject:
    """The staging folder's docs: which pages exist, and how to stand a stub in for one."""

    def __init__(self, docs: Path) -> None:
        self.docs = docs
        self.pages: set[str] = set()
        self.issues: list[Issue] = []

    def replace_with_stubs(self, reasons: Mapping[str, str]) -> list[Issue]:
        issues = []
        for page, reason in sorted(reasons.items()):
            (self.docs / page).write_text(stub_page(_page_title(page), reason), encoding="utf-8")
            issues.append(site_issue("site-page-failed", value=page, detail=reason))
        return issues


def _page_title(page: str) -> str:
    return PurePosixPath(page).stem


def stage_project(config: Mapping[str, Any], project_dir: Path, stage: Path, rules: Rules,
                  rules_file: Path | None, pages: Mapping[str, str], engine: str = DEFAULT_ENGINE) -> StagedProject:
    """Render every page into ``stage/docs`` and write the engine config ``stage/mkdocs.yml``."""
    docs_src = (project_dir / str(config.get("docs_dir") or "docs")).resolve()
    docs = stage / "docs"
    staged = StagedProject(docs)
    docs.mkdir(parents=True)
    template_ok = _write_template(docs, rules)
    for src in sorted(docs_src.rglob("*")):
        rel = PurePosixPath(*src.relative_to(docs_src).parts)
        if not src.is_file() or is_generated(rel):
            continue
        target = docs.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.suffix != ".md":
            shutil.copyfile(src, target)
            continue
        staged.pages.add(rel.as_posix())
        try:
            text = render_course_page(src.read_text(encoding="utf-8"), rules, rel.as_posix(),
                                      template_available=template_ok)
        except PageError as exc:
            text = stub_page(rel.stem, str(exc))
            staged.issues.append(site_issue("site-page-failed", value=rel.as_posix(), detail=str(exc)))
        target.write_text(text, encoding="utf-8")
    assets = (config.get("extra") or {}).get("pasture_dashboard_assets") or {}
    for rel_path, markdown in pages.items():
        target = docs / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if "{{" in markdown:
            try:
                markdown = render_course_page(markdown, rules, rel_path, template_available=template_ok)
            except PageError as exc:
                markdown = stub_page(PurePosixPath(rel_path).stem, str(exc))
                staged.issues.append(site_issue("site-page-failed", value=rel_path, detail=str(exc)))
        markdown = with_title(markdown)
        if rel_path.startswith(DASHBOARD_DIR + "/"):
            markdown = with_assets(markdown, rel_path, assets)
        target.write_text(markdown, encoding="utf-8")
        staged.pages.add(rel_path)
    (stage / CONFIG_NAME).write_text(
        yaml.safe_dump(engine_config(config, project_dir, docs, rules_file, engine), allow_unicode=True,
                       sort_keys=False),
        encoding="utf-8")
    return staged


def _write_template(docs: Path, rules: Rules) -> bool:
    try:
        from .template import write_template

        target = docs / TEMPLATE_URI
        target.parent.mkdir(parents=True, exist_ok=True)
        write_template(target, rules)
        return True
    except Exception as exc:  # noqa: BLE001 - the download page says so instead
        logging.getLogger("pasture.site").warning("模板文件没有生成：%s", exc)
        return False


def engine_config(config: Mapping[str, Any], project_dir: Path, docs: Path, rules_file: Path | None,
                  engine: str = DEFAULT_ENGINE) -> dict[str, Any]:
    """The project's config for the staging folder: docs and site inside it, the nav with
    the generated dashboard pages, absolute paths for what stays in the project."""
    out = {k: v for k, v in config.items() if k not in ("watch", "INHERIT")}
    out["docs_dir"] = "docs"
    out["site_dir"] = "site"
    out["nav"] = _dashboard_nav(out.get("nav"), docs)
    theme = dict(out.get("theme") or {})
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((project_dir / str(theme["custom_dir"])).resolve())
    if engine == "zensical":
        # The look (and page structure) of mkdocs-material, so both engines give one site.
        theme.setdefault("variant", "classic")
    out["theme"] = theme
    # Only theme work is left to the hook (search words, the <title> escape), mkdocs only.
    out["hooks"] = [str(PACKAGED_HOOK)]
    extra = dict(out.get("extra") or {})
    extra["pasture_rules"] = str(rules_file) if rules_file else ""
    out["extra"] = extra
    return out


def _dashboard_nav(nav: Any, docs: Path) -> Any:
    """Generated dashboard pages join the nav section holding dashboards/index.md: files
    directly in dashboards/ (by name) and a 团队 subsection; other folders stay out."""
    root = docs / DASHBOARD_DIR
    index = f"{DASHBOARD_DIR}/{DASHBOARD_KEEP}"
    if nav is None or not root.is_dir():
        return nav
    top = sorted(f"{DASHBOARD_DIR}/{p.name}" for p in root.glob("*.md") if p.name != DASHBOARD_KEEP)
    teams = sorted(f"{DASHBOARD_DIR}/teams/{p.name}" for p in (root / "teams").glob("*.md"))
    if not top and not teams:
        return nav
    nav = copy.deepcopy(nav)
    section = _find_section(nav, index)
    if section is None:
        raise SiteError(f"mkdocs.yml 的 nav 中没有包含 {index} 的栏目，生成的看板页面无处可放")
    section.extend(p for p in top if p not in section)
    if teams:
        section.append({"团队": teams})
    return nav


def _find_section(items: Any, target: str) -> list[Any] | None:
    if isinstance(items, list):
        if target in items:
            return items
        children = items
    elif isinstance(items, dict):
        children = list(items.values())
    else:
        return None
    for item in children:
        found = _find_section(item, target)
        if found is not None:
            return found
    return None


def _external_fetches(site: Path, pages: set[str]) -> dict[str, list[str]]:
    """Built pages that would load from another host, keyed by their source page."""
    found: dict[str, list[str]] = {}
    for html_file in site.rglob("*.html"):
        tags = external_fetches(html_file.read_text(encoding="utf-8", errors="replace"))
        if tags:
            source = html_file.relative_to(site).with_suffix(".md").as_posix()
            found[source if source in pages else html_file.relative_to(site).as_posix()] = tags
    return found


_ROOT_URL = re.compile(r'\b(href|src)="/(?!/)')
# The theme's config block in the page: its "base" and the search worker's path.
_ROOT_CONFIG = re.compile(r'("(?:base|search)":\s*")/(?!/)')


def relative_404(site: Path) -> None:
    """404.html sits at the site root, but both engines link it with root-absolute URLs
    (``/assets/…``): unstyled from file:// or under a sub-path. Make them relative."""
    page = site / "404.html"
    if page.is_file():
        html = _ROOT_URL.sub(r'\1="./', page.read_text(encoding="utf-8"))
        page.write_text(_ROOT_CONFIG.sub(r"\1./", html), encoding="utf-8")


def swap_in(new: Path, site_dir: Path) -> None:
    """Put the finished site ``new`` at ``site_dir``; the old one is never half-replaced.

    Linux: one ``renameat2(RENAME_EXCHANGE)``. Elsewhere: park the old site under
    ``.<site>-old-*``, rename the new one in, delete the parked one; a kill between the two
    renames is repaired by :func:`sweep_site_leftovers` on the next build.
    """
    if not site_dir.exists():
        os.rename(new, site_dir)
        return
    if _exchange(new, site_dir):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the old site
        return
    parked = site_dir.parent / f".{site_dir.name}-old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(site_dir, parked)
    os.rename(new, site_dir)
    shutil.rmtree(parked, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the OS cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def sweep_site_leftovers(site_dir: Path) -> None:
    """Before a build: restore a site parked by a killed swap, drop dead staging folders.

    Callers hold the output folder's run lock, so no live build owns these.
    """
    staging, old = staging_names(site_dir)
    for parked in sorted(site_dir.parent.glob(old), key=lambda p: p.stat().st_mtime, reverse=True):
        if not site_dir.exists() and parked.is_dir() and not parked.is_symlink():
            os.rename(parked, site_dir)
        else:
            shutil.rmtree(parked, ignore_errors=True)
    for dead in site_dir.parent.glob(staging):
        if dead.is_dir() and not dead.is_symlink():
            shutil.rmtree(dead, ignore_errors=True)


def site_issue(code: str, *, value: str = "", detail: str = "") -> Issue:
    return make_issue(code, file="site", value=value, detail=detail)
