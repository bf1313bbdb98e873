"""Debian's headless chromium, driven by Playwright, at a phone's width, for the console's
browser tests. Playwright never downloads a browser here: it drives /usr/bin/chromium
(`scripts/browser.sh` installs it). Without chromium the tests skip, except in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
SCREENSHOTS = Path(os.environ.get("PEERLINE_SCREENSHOTS", "results/screenshots"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; run scripts/browser.sh to install Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this must run)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,  # type: ignore[arg-type]
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield opened
    context.close()  # closes any event stream before the app stops


def fits_the_screen(page: Page) -> bool:
    """Nothing on the page is wider than the phone (no sideways scrolling of the page)."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE_VIEWPORT["width"]
