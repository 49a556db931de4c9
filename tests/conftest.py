"""Shared fixtures: the sample site (built once per session) and a real browser."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: a per-example deadline only turns a busy CI
# machine into a failure (seen: a date round trip over 200 ms while a benchmark ran).
settings.register_profile("pasture", deadline=None)
settings.load_profile("pasture")

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)  # the day sample_data/ was made for (see sample_data/README.md)
# Debian's chromium, driven by Playwright; the browser is never downloaded.
CHROMIUM = os.environ.get("PASTURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`out/site` of a full build of sample_data/ (workbooks, report.json, site)."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    from generator import build

    out = tmp_path_factory.mktemp("sample-build")
    build(ROOT / "sample_data", out, today=TODAY, site=True)
    return out / "site"


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
