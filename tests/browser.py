"""Real headless Chromium for end-to-end tests, shared by every browser suite.

Use it from a test module with
`from tests.browser import browser_fixture, page_fixture  # noqa: F401`; tests then ask
for `browser` (Chromium for the module) and `page` (a fresh context and tab). Tests skip,
with the reason, where Debian's Chromium or Playwright is missing; no browser is ever
downloaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("DOCENT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing() -> str | None:
    """Return why a browser cannot run here, or None when it can."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package."
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: pip install -r requirements-dev.txt."
    return None


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    """One Chromium per test module.

    Module scope, not session: Playwright's sync API allows one instance at a time, and
    other suites start their own; a module's browser is closed before the next module.
    """
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(name="page")
def page_fixture(browser: Any) -> Iterator[Any]:
    """A fresh, isolated browser context and page for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
