"""Server-side console sessions over real HTTP: a cookie copied before log-out, a password
change or a deactivation is worthless afterwards; a session left idle ends on time (a
hand-moved clock, no sleeping); the longest session ends even when busy."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from console.access import COOKIE_NAME
from records.clock import ManualClock
from records.db import Database
from records.models import AuditEvent, StaffRole, StaffSession
from tests.console.test_console import (
    PASSWORD,
    AppFactory,
    log_in,
    make_staff,
    post,
    token_of,
)

NEW_PASSWORD = "another long synthetic passphrase"


def replay(url: str, cookie: str) -> httpx.Client:
    """A second browser holding a copy of someone's session cookie."""
    client = httpx.Client(base_url=url, timeout=10)
    client.cookies.set(COOKIE_NAME, cookie, path="/console")
    return client


def is_logged_in(client: httpx.Client) -> bool:
    answer = client.get("/console")
    return answer.status_code == 200 and "Log out" in answer.text


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


def test_a_cookie_copied_before_log_out_is_worthless_after_it(
    db: Database, app_factory: AppFactory
) -> None:
    running = app_factory()
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    client = log_in(running.url, rae.email)
    copied = client.cookies[COOKIE_NAME]
    thief = replay(running.url, copied)
    assert is_logged_in(thief), "the copy works while the session lives"
    post(client, "/console/logout")
    assert thief.get("/console").headers["location"] == "/console/login"
    assert thief.get("/console/queue").status_code == 401
    with db.session() as session:
        row = session.scalars(select(StaffSession)).one()
        assert row.ended_reason == "logout"
        assert copied not in row.token_hash, "only a hash of the token is stored"
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "logout" in actions
    client.close()
    thief.close()


def test_an_idle_session_ends_and_a_busy_one_lasts(
    db: Database, app_factory: AppFactory, clock: ManualClock
) -> None:
    running = app_factory(clock=clock, console_idle_minutes=30)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    busy, idle = log_in(running.url, rae.email), log_in(running.url, rae.email)
    for _ in range(3):  # an hour of work, a click every 20 minutes
        clock.advance(minutes=20)
        assert is_logged_in(busy)
    assert not is_logged_in(idle), "30 minutes without a click: logged out"
    assert idle.get("/console").headers["location"] == "/console/login"
    with db.session() as session:
        reasons = session.scalars(select(StaffSession.ended_reason)).all()
    assert sorted(r or "" for r in reasons) == ["", "idle"]
    busy.close()
    idle.close()


def test_last_seen_is_written_at_most_once_a_minute(
    db: Database, app_factory: AppFactory, clock: ManualClock
) -> None:
    running = app_factory(clock=clock)
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)

    def last_seen() -> datetime:
        with db.session() as session:
            return session.scalars(select(StaffSession.last_seen_at)).one()

    first = last_seen()
    clock.advance(seconds=30)
    assert is_logged_in(client)
    assert last_seen() == first
    clock.advance(seconds=31)
    assert is_logged_in(client)
    assert last_seen() > first
    client.close()


def test_no_session_outlives_the_longest_shift(
    db: Database, app_factory: AppFactory, clock: ManualClock
) -> None:
    running = app_factory(clock=clock, console_session_hours=2)
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    for _ in range(5):  # busy: a click every 20 minutes for 100 minutes
        clock.advance(minutes=20)
        assert is_logged_in(client)
    clock.advance(minutes=20)
    assert not is_logged_in(client)
    client.close()


def test_changing_a_password_ends_every_other_session(
    db: Database, app_factory: AppFactory
) -> None:
    running = app_factory()
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    laptop, phone = log_in(running.url, rae.email), log_in(running.url, rae.email)
    thief = replay(running.url, laptop.cookies[COOKIE_NAME])
    page = laptop.get("/console/account")
    assert page.status_code == 200 and "Change your password" in page.text
    changed = laptop.post(
        "/console/account/password",
        data={
            "csrf_token": token_of(page.text),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert changed.headers["location"] == "/console/account?notice=password_changed"
    assert is_logged_in(laptop), "the browser it was changed in stays logged in"
    assert not is_logged_in(phone), "every other session ended"
    log_in(running.url, rae.email, NEW_PASSWORD).close()
    for client in (laptop, phone, thief):
        client.close()


def test_a_wrong_current_password_changes_nothing_and_counts_toward_the_lockout(
    db: Database, app_factory: AppFactory
) -> None:
    running = app_factory(login_max_failures=2)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    client = log_in(running.url, rae.email)
    form = {"current_password": "a guess at it", "new_password": NEW_PASSWORD}
    form["repeat_password"] = NEW_PASSWORD
    for _ in range(2):
        page = client.get("/console/account")
        answer = client.post(
            "/console/account/password", data={"csrf_token": token_of(page.text), **form}
        )
        assert answer.status_code == 400 and "current password was not right" in answer.text
    with httpx.Client(base_url=running.url, timeout=30) as other:
        token = token_of(other.get("/console/login").text)
        locked = other.post(
            "/console/login",
            data={"email": rae.email, "password": PASSWORD, "csrf_token": token},
        )
    assert locked.status_code == 429
    client.close()


@pytest.mark.parametrize("how", ["reset by an admin", "deactivated by an admin"])
def test_an_admin_reset_or_deactivation_ends_every_session(
    db: Database, app_factory: AppFactory, how: str
) -> None:
    running = app_factory()
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    admin = log_in(running.url, make_staff(db, StaffRole.ADMIN).email)
    client = log_in(running.url, rae.email)
    action = "reset_password" if how == "reset by an admin" else "deactivate"
    page = admin.get("/console/staff")
    admin.post(
        f"/console/staff/{rae.id}", data={"csrf_token": token_of(page.text), "action": action}
    )
    assert not is_logged_in(client)
    with db.session() as session:
        row = session.scalars(select(StaffSession).where(StaffSession.staff_id == rae.id)).one()
    assert row.ended_reason == ("password" if action == "reset_password" else "deactivated")
    admin.close()
    client.close()
