"""Shared fixtures: ONE build of the sample per session, its site, and a real browser.

Slow tests (``@pytest.mark.slow``) are left out of a plain ``pytest -q`` (the README's
command) and run by ``.ci/run``. They run anyway when asked for: ``-m slow`` (only
them), ``--slow`` (everything), or by naming their file or test on the command line.

A run of the whole suite (no test files named) uses pytest-xdist, when installed, with
one worker per core (at most 4), whole files per worker; ``-n 0`` runs in one process.
"""

from __future__ import annotations

import os
import pickle
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: a per-example deadline only turns a busy CI
# machine into a failure (seen: a date round trip over 200 ms while a benchmark ran).
settings.register_profile("pasture", deadline=None)
settings.load_profile("pasture")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
TODAY = date(2026, 11, 23)  # the day sample_data/ was made for (see sample_data/README.md)
# Debian's chromium, driven by Playwright; the browser is never downloaded.
CHROMIUM = os.environ.get("PASTURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


# -- slow tests: out of `pytest -q`, in .ci/run ----------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (.ci/run does)")


def _named(config: pytest.Config) -> set[str]:
    """Test files named on the command line (``tests/test_x.py`` or ``tests/test_x.py::t``)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return set()
    named = set()
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path.is_file():
            named.add(str(path))
    return named


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The whole suite on every core (≤ 4) when pytest-xdist is there and nothing was chosen."""
    if (not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput")
            or config.getoption("numprocesses", None) is not None or config.getoption("dist", "no") != "no"
            or config.getoption("collectonly") or config.getoption("usepdb") or _named(config)):
        return
    cores = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if cores > 1:
        config.option.numprocesses = cores
        config.option.dist = "loadfile"  # a file's module fixtures are built once


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow") or config.getoption("markexpr"):
        return  # the caller chose (-m slow, -m "not slow", -m "" …)
    named = _named(config)
    slow = [i for i in items if i.get_closest_marker("slow") and str(i.path) not in named]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if i not in set(slow)]


# -- the sample, built once ----------------------------------------------------------

@dataclass(frozen=True)
class SampleBuild:
    """``build(sample_data/, out, today=TODAY, site=True, keep_records=True, jobs=2)``.

    Shared by every test of the session: read it, never write into ``out`` (copy it
    with the ``sample_build_copy`` fixture first); ``result.agents`` keep their records.
    """

    result: object  # generator.pipeline.RunResult (imported lazily: conftest loads first)
    out: Path

    @property
    def site(self) -> Path:
        return self.out / "site"


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def _exclusive(lock: Path):
    import fcntl

    with lock.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory):
    """The sample built once, site included; fails at the end if a test changed it.

    Under xdist the first worker that needs it builds it into the run's shared temporary
    folder; the others wait for it and load its result.
    """
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    from generator import build

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "sample-build"
    out, saved = folder / "out", folder / "result.pickle"
    # CI runs the browser tests a second time with PASTURE_SITE_ENGINE=zensical.
    engine = os.environ.get("PASTURE_SITE_ENGINE", "mkdocs")
    with _exclusive(shared / "sample-build.lock"):
        if saved.is_file():
            result = pickle.loads(saved.read_bytes())
        else:
            folder.mkdir(exist_ok=True)
            result = build(SAMPLE, out, today=TODAY, site=True, keep_records=True, jobs=2, site_engine=engine)
            saved.write_bytes(pickle.dumps(result))
    assert not result.site_issues, result.site_issues
    before = _snapshot(out)
    yield SampleBuild(result, out)
    changed = sorted(set(before.items()) ^ set(_snapshot(out).items()))
    assert not changed, f"a test wrote into the shared sample build (copy it first): {changed[:5]}"


@pytest.fixture
def sample_build_copy(sample_build: SampleBuild, tmp_path: Path) -> Path:
    """A private copy of the shared build's output folder, for tests that change it."""
    return Path(shutil.copytree(sample_build.out, tmp_path / "out", symlinks=True))


@pytest.fixture(scope="session")
def sample_site(sample_build: SampleBuild) -> Path:
    """`out/site` of the shared sample build (workbooks, report.json, site)."""
    return sample_build.site


def assert_same_workbook(a: Path, b: Path) -> None:
    """Two workbooks hold the same cells. Pasture's are byte-for-byte reproducible, so
    equal bytes settle it at once; otherwise every sheet is compared cell by cell."""
    if a.read_bytes() == b.read_bytes():
        return
    import openpyxl

    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames, (a.name, wa.sheetnames, wb.sheetnames)
    for name in wa.sheetnames:
        assert list(wa[name].values) == list(wb[name].values), (a.name, name)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (starting one costs ~1 s)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
