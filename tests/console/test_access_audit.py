"""The audit trail records access itself: failed log-ins (known account or not), lockouts,
log-ins and log-outs, and every refusal (403) with who, which route and when; never a
password, an e-mail typed, or a participant's number or words. Admins read it on the audit
page and in its CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from records.db import Database
from records.models import AuditEvent, StaffRole
from tests.conftest import RunningApp
from tests.console.test_console import SAM, AppFactory, log_in, make_case, make_staff, token_of

WRONG = "not the passphrase at all"
BODY = "Sam, it's Rae. Are you safe tonight?"


def events(db: Database) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_failed_log_ins_lockouts_and_log_outs_are_audited_without_secrets(
    db: Database, app_factory: AppFactory
) -> None:
    running: RunningApp = app_factory(login_max_failures=2)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    for email in ("rae@peers.example", "rae@peers.example", "typo-555-0101@peers.example"):
        with httpx.Client(base_url=running.url, timeout=30) as client:
            token = token_of(client.get("/console/login").text)
            client.post(
                "/console/login", data={"email": email, "password": WRONG, "csrf_token": token}
            )
    rows = [(e.staff_id, e.action) for e in events(db)]
    assert rows == [
        (rae.id, "login_failed"),
        (rae.id, "login_failed"),
        (rae.id, "account_locked"),
        (None, "login_failed"),  # an unknown account: no staff, and not the e-mail typed
    ]
    assert all(e.at > datetime.now(UTC) - timedelta(minutes=1) for e in events(db))
    for event in events(db):
        assert WRONG not in (event.detail or "") and "@" not in (event.detail or "")
        assert "555" not in (event.detail or "")
    assert "until" in (events(db)[2].detail or "")


def test_every_refusal_is_audited_with_who_and_which_route(
    db: Database, app_factory: AppFactory
) -> None:
    running: RunningApp = app_factory()
    peer = make_staff(db, StaffRole.PEER, "rae@peers.example")
    case_id = make_case(db, SAM, "Sam")
    client = log_in(running.url, peer.email)
    assert client.get("/console/staff").status_code == 403  # the role may not
    refused = client.post(f"/console/cases/{case_id}/reply", data={"body": BODY})  # no token
    assert refused.status_code == 403
    denied = [e for e in events(db) if e.action == "denied"]
    assert [(e.staff_id, e.detail) for e in denied] == [
        (peer.id, "console_staff GET /console/staff (role)"),
        (peer.id, f"console_reply POST /console/cases/{case_id}/reply (csrf)"),
    ]
    for event in events(db):
        assert BODY not in (event.detail or "") and SAM[-4:] not in (event.detail or "")
    token = token_of(client.get("/console").text)
    client.post("/console/logout", data={"csrf_token": token})
    assert (peer.id, "logout") in [(e.staff_id, e.action) for e in events(db)]
    client.close()


def test_admins_read_access_events_in_the_audit_trail(
    db: Database, app_factory: AppFactory
) -> None:
    running: RunningApp = app_factory()
    admin = log_in(running.url, make_staff(db, StaffRole.ADMIN).email)
    with httpx.Client(base_url=running.url, timeout=30) as client:
        token = token_of(client.get("/console/login").text)
        client.post(
            "/console/login",
            data={"email": "nobody@peers.example", "password": WRONG, "csrf_token": token},
        )
    page = admin.get("/console/audit", params={"action": "login_failed"}).text
    assert "login_failed" in page and "unknown account" in page
    csv = admin.get("/console/audit.csv").text
    assert "unknown account" in csv and "login_failed" in csv and "nobody@" not in csv
    admin.close()
