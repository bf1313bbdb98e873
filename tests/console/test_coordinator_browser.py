"""The coordinators' and admins' console in a real browser at a phone's width: a CSV with a
bad row is fixed and imported; a summary's statement is followed to its source texts; a
dashboard CSV is downloaded and its figures read back; a deactivated peer cannot log in and
is not paged."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from escalation.escalate import Escalator, Policy, Signal
from records.db import Database
from records.models import (
    Case,
    CaseLevel,
    CaseStatus,
    CheckIn,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Participant,
    StaffRole,
    StaffUser,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.console.test_console import PASSWORD, AppFactory, make_staff
from tests.support.browser import SCREENSHOTS, browser, fits_the_screen, page

__all__ = ["browser", "page"]
pytestmark = pytest.mark.browser


def log_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/console/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_coordinator_fixes_a_bad_row_then_imports(
    db: Database, app_factory: AppFactory, page: Page, tmp_path: Path
) -> None:
    running: RunningApp = app_factory()
    make_staff(db, StaffRole.COORDINATOR, "cat@program.example")
    log_in(page, running.url, "cat@program.example")
    header = "phone,alias,timezone,consented\n"
    good = "(212) 555-0171,Ana,America/Chicago,yes\n"
    bad = tmp_path / "people.csv"
    bad.write_text(header + good + "(212) 555-0172,Bo,Mars/Olympus,yes\n")
    page.get_by_role("link", name="Enrol").click()
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was written")
    expect(page.locator("table.problems")).to_contain_text("unknown time zone 'Mars/Olympus'")
    expect(page.locator("table.problems")).to_contain_text("3")  # the line to fix
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "enrol-problems.png"), full_page=True)

    fixed = tmp_path / "people-fixed.csv"
    fixed.write_text(header + good + "(212) 555-0172,Bo,America/Denver,yes\n")
    page.get_by_role("link", name="Check a fixed file").click()
    page.get_by_label("CSV file").set_input_files(str(fixed))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.locator("[data-field=status]")).to_have_text("done", timeout=20_000)
    expect(page.locator("[data-field=enrolled]")).to_have_text("2")
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "enrol-imported.png"), full_page=True)
    with db.session() as session:
        assert sorted(session.scalars(select(Participant.alias))) == ["Ana", "Bo"]


def test_a_summary_statement_leads_to_its_source_texts(
    db: Database, app_factory: AppFactory, page: Page
) -> None:
    running: RunningApp = app_factory()
    make_staff(db, StaffRole.COORDINATOR, "cat@program.example")
    now = datetime.now(UTC)
    with db.session() as session:
        sam = enrol(session, phone="+12125550173", alias="Sam", timezone="UTC", consented_at=now)
        for days_ago, body in ((6, "rough week, no ride to group"), (2, "feeling better today")):
            at = now - timedelta(days=days_ago)
            session.add(
                Message(
                    direction=Direction.INBOUND,
                    phone=sam.phone,
                    participant_id=sam.id,
                    body=body,
                    status=MessageStatus.RECEIVED,
                    created_at=at,
                    screened_at=at,
                )
            )
        for days_ago, mood, craving in ((5, 2, 6), (1, 4, 3)):
            session.add(
                CheckIn(
                    participant_id=sam.id,
                    mood=mood,
                    craving=craving,
                    complete=True,
                    created_at=now - timedelta(days=days_ago),
                )
            )
        public_id = sam.public_id
    log_in(page, running.url, "cat@program.example")
    page.goto(f"{running.url}/console/participants/{public_id}/summary")
    expect(page.get_by_role("heading", name="Summary: Sam")).to_be_visible()
    expect(page.locator("canvas[data-chart=chart-mood]")).to_be_visible()
    engagement = page.locator("li", has_text="2 texts from them")
    expect(engagement).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "summary.png"), full_page=True)
    engagement.get_by_role("link").click()
    expect(page.get_by_role("heading", name="The records behind it")).to_be_visible()
    expect(page.locator(".statement")).to_contain_text("2 texts from them")
    expect(page.locator(".timeline")).to_contain_text("rough week, no ride to group")
    expect(page.locator(".timeline")).to_contain_text("feeling better today")
    assert fits_the_screen(page)


def test_a_dashboard_csv_reads_back_as_the_figures_on_screen(
    db: Database, app_factory: AppFactory, page: Page, tmp_path: Path
) -> None:
    running: RunningApp = app_factory()
    make_staff(db, StaffRole.COORDINATOR, "cat@program.example")
    now = datetime.now(UTC)
    with db.session() as session:
        rae = StaffUser(email="rae@p.example", display_name="Rae", role=StaffRole.PEER)
        session.add(rae)
        session.flush()
        sam = enrol(session, phone="+12125550174", alias="Sam", timezone="UTC", consented_at=now)
        for i, wait in enumerate((1, 3, 8)):  # emergencies claimed in 1, 3 and 8 minutes
            opened = now - timedelta(days=3 + i)
            session.add(
                Case(
                    participant_id=sam.id,
                    level=CaseLevel.EMERGENCY,
                    reasons=["x"],
                    opened_at=opened,
                    claimed_by_id=rae.id,
                    claimed_at=opened + timedelta(minutes=wait),
                    status=CaseStatus.RESOLVED,
                    resolved_at=opened + timedelta(hours=1),
                )
            )
    log_in(page, running.url, "cat@program.example")
    page.get_by_role("link", name="Results").click()
    figure = page.locator("#figure-claims")
    expect(figure).to_contain_text("Time to claim")
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    with page.expect_download() as download:
        figure.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "claims.csv"
    download.value.save_as(saved)
    rows = {r["level"]: r for r in csv.DictReader(saved.open())}
    emergency = rows["emergency"]
    assert (emergency["opened"], emergency["claimed"]) == ("3", "3")
    assert float(emergency["median minutes"]) == pytest.approx(3.0)
    assert float(emergency["90th percentile minutes"]) == pytest.approx(8.0)
    assert float(emergency["claimed within SLA"]) == pytest.approx(1 / 3, abs=1e-4)
    on_screen = figure.locator("tbody tr", has_text="emergency")
    expect(on_screen).to_contain_text("33%")


def test_an_admin_deactivates_a_peer_who_then_cannot_log_in_and_is_not_paged(
    db: Database, app_factory: AppFactory, page: Page
) -> None:
    running: RunningApp = app_factory()
    make_staff(db, StaffRole.ADMIN, "ada@program.example")
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    with db.session() as session:
        staff = session.get_one(StaffUser, rae.id)
        staff.phone, staff.on_shift = "+12125550150", True
    log_in(page, running.url, "ada@program.example")
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    page.get_by_role("button", name="Deactivate Rae").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("tr", has_text="rae@peers.example")).to_contain_text("deactivated")
    assert fits_the_screen(page)

    page.get_by_role("button", name="Log out").click()
    log_in(page, running.url, "rae@peers.example")
    expect(page.get_by_role("alert")).to_contain_text("don't match an active account")

    with db.session() as session:
        sam = enrol(session, phone="+12125550175", alias="Sam", timezone="UTC", consented_at=None)
        signal = Signal(CaseLevel.EMERGENCY, ("overdose_now",), "test")
        outcome = Escalator(Policy()).escalate(
            session, participant=sam, phone=sam.phone, signal=signal, now=datetime.now(UTC)
        )
    with db.session() as session:
        pages = session.scalars(select(Message).where(Message.kind == MessageKind.PAGE)).all()
        case = session.get_one(Case, outcome.case_id)
    assert pages == [] and case.paged_to == "nobody", "a deactivated peer is never paged"
