"""The console in a real browser (Debian's headless chromium, driven by Playwright), at a
phone's width: a peer logs in, a new case arrives live, and the peer claims, texts and
resolves it, with the text reaching the sandbox Twilio.

Playwright never downloads a browser here: it drives /usr/bin/chromium
(`scripts/browser.sh` installs it). Without chromium the test is skipped, except in CI.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from messaging.sandbox import Sandbox
from records.db import Database
from records.models import CaseLevel, StaffRole
from tests.conftest import RunningApp
from tests.console.test_console import PASSWORD, SAM, AppFactory, make_case, make_staff
from tests.support.browser import SCREENSHOTS, browser, fits_the_screen, page
from tests.support.waiting import wait_for

__all__ = ["browser", "page"]  # fixtures, shared with the coordinator's browser tests

pytestmark = pytest.mark.browser


def test_a_peer_sees_a_case_arrive_live_and_works_it(
    db: Database, app_factory: AppFactory, sandbox: Sandbox, page: Page
) -> None:
    running: RunningApp = app_factory()
    make_staff(db, StaffRole.PEER, "rae@peers.example")
    make_staff(db, StaffRole.SUPERVISOR, "lee@peers.example")

    page.goto(f"{running.url}/console/login")
    page.get_by_label("E-mail").fill("rae@peers.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("No one is waiting right now.")).to_be_visible()
    expect(page.locator("body[data-live=on]")).to_have_count(1)  # the event stream is open

    case_id = make_case(db, SAM, "Sam", CaseLevel.EMERGENCY, reasons=("overdose_now",))
    running.app.state.console.notify()  # what the gateway does when it opens a case
    card = page.locator(f'[data-case-id="{case_id}"]')
    expect(card).to_contain_text("Overdose happening now")  # arrived without a reload
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "console-queue.png"), full_page=True)

    card.click()
    page.get_by_role("button", name="Claim this case").click()
    expect(page.get_by_role("status")).to_contain_text("You have this case")

    page.get_by_role("button", name="988").click()
    box = page.get_by_label("Message")
    expect(box).to_have_value(re.compile("^You can call or text 988"))
    box.fill("Hi Sam, it's Rae from the program. I'm here. Are you safe right now?")
    expect(page.locator("#reply-count")).to_contain_text("1 of 3 texts")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("status")).to_contain_text("Sent")
    sent = wait_for(
        lambda: [m for m in sandbox.messages_to(SAM) if m.body.startswith("Hi Sam, it's Rae")],
        timeout=10,
        what="the peer's text",
    )
    assert len(sent) == 1
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "console-case.png"), full_page=True)

    page.get_by_label("Safe", exact=True).check()
    page.get_by_label("Safety assessed").check()
    page.get_by_role("button", name="Resolve case").click()
    expect(page.get_by_text("That was a hard one.")).to_be_visible()
    expect(page.get_by_text("your supervisor is Lee")).to_be_visible()
    page.get_by_role("button", name="Save and take a break").click()
    expect(page.get_by_role("status")).to_contain_text("Take care of yourself")
    page.screenshot(path=str(SCREENSHOTS / "console-after-debrief.png"), full_page=True)
