"""The coordinators' and admins' work over real HTTP: enrolment (one person, a CSV checked
then imported, safe to run twice), a participant's record and its audit rows, the rota
deciding who is paged, a deactivated account, and the audit trail exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from escalation.escalate import Policy, on_shift_peers
from records import rota
from records.db import Database
from records.models import (
    AuditEvent,
    Participant,
    RotaKind,
    StaffRole,
    StaffUser,
)
from tests.conftest import RunningApp
from tests.console.test_console import PASSWORD, log_in, make_case, make_staff, token_of
from tests.support.waiting import wait_for

GOOD = "phone,alias,timezone,consented\n(212) 555-0161,Ana,America/Chicago,yes\n"
BAD_ROW = "(212) 555-0163,Bo,Mars/Olympus,yes\n"
FIXED_ROW = "(212) 555-0163,Bo,America/Denver,2026-11-20\n"


@pytest.fixture
def running(app_factory: Callable[..., RunningApp]) -> RunningApp:
    return app_factory()


def post(client: httpx.Client, path: str, data: dict[str, str], page: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": token_of(client.get(page).text), **data})


def upload(client: httpx.Client, text: str) -> httpx.Response:
    token = token_of(client.get("/console/enrol").text)
    files = {"file": ("people.csv", text.encode())}
    return client.post("/console/enrol/import", data={"csrf_token": token}, files=files)


def audits(db: Database, action: str) -> int:
    with db.session() as s:
        return (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_a_csv_is_checked_fixed_imported_and_safe_to_import_again(
    db: Database, running: RunningApp
) -> None:
    coordinator = log_in(running.url, make_staff(db, StaffRole.COORDINATOR).email)
    checked = upload(coordinator, GOOD + BAD_ROW + "not-a-number,Cy,,yes\n(212) 555-0164,Di,,no\n")
    page = coordinator.get(checked.headers["location"]).text
    for expected in (
        "unknown time zone",
        "not a mobile number",
        "no consent recorded",
        "Nothing was written",
    ):
        assert expected in page
    assert "Import 1 people" not in page, "no import while the file has problems"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0

    fixed = upload(coordinator, GOOD + FIXED_ROW)
    batch_page = fixed.headers["location"]
    assert "Import 2 people" in coordinator.get(batch_page).text
    run = post(coordinator, batch_page + "/run", {}, batch_page)
    assert run.status_code == 303
    progress = wait_for(
        lambda: (p := coordinator.get(batch_page + "/progress").json())["status"] == "done" and p,
        timeout=20,
        what="the import to finish",
    )
    assert (progress["enrolled"], progress["processed"]) == (2, 2)
    with db.session() as s:
        bo = s.scalar(select(Participant).where(Participant.alias == "Bo"))
        assert bo is not None and bo.timezone == "America/Denver" and bo.consented_at is not None
    assert audits(db, "enrol") == 2

    again = upload(coordinator, GOOD + FIXED_ROW)
    second = coordinator.get(again.headers["location"]).text
    assert "<strong>0</strong> ready to enrol" in second, "both already enrolled: skipped"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 2
    coordinator.close()


def test_enrol_one_person_then_edit_book_and_mark(db: Database, running: RunningApp) -> None:
    coordinator = log_in(running.url, make_staff(db, StaffRole.COORDINATOR).email)
    form = {
        "phone": "(212) 555-0165",
        "alias": "Eli",
        "consented": "on",
        "timezone": "America/New_York",
    }
    refused = post(coordinator, "/console/enrol", {**form, "consented": ""}, "/console/enrol")
    assert refused.status_code == 400 and "consent" in refused.text
    done = post(coordinator, "/console/enrol", form, "/console/enrol")
    record = done.headers["location"]
    assert record.startswith("/console/participants/p-")
    page = record.split("?")[0]
    saved = post(
        coordinator,
        page,
        {
            "alias": "Eli",
            "timezone": "America/Chicago",
            "status": "paused",
            "checkin_days": "tue,fri",
            "window": "09:00-11:00",
        },
        page,
    )
    assert saved.headers["location"].endswith("notice=saved")
    booked = post(
        coordinator,
        page + "/appointments",
        {"at": "2031-03-04T14:30", "kind": "dosing", "location": "the Main St office"},
        page,
    )
    assert booked.headers["location"].endswith("notice=booked")
    html = coordinator.get(page).text
    assert "Tue Mar 04 2031 14:30" in html and "paused" in html
    appointment = int(html.split('action="/console/appointments/')[1].split('"')[0])
    marked = post(coordinator, f"/console/appointments/{appointment}", {"action": "missed"}, page)
    assert marked.status_code == 303 and "missed" in coordinator.get(page).text
    with db.session() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    for action in (
        "enrol",
        "edit_participant",
        "add_appointment",
        "change_appointment",
        "view_participant",
    ):
        assert action in actions
    coordinator.close()


def test_every_view_of_a_participant_record_is_audited(db: Database, running: RunningApp) -> None:
    coordinator = log_in(running.url, make_staff(db, StaffRole.COORDINATOR).email)
    make_case(db, "+12125550166", "Fay")
    with db.session() as s:
        fay = s.scalars(select(Participant)).one()
        public_id, fay_id = fay.public_id, fay.id
    base = f"/console/participants/{public_id}"
    for path, action in (
        (base, "view_participant"),
        (base + "/summary", "view_summary"),
        (base + "/summary/print", "print_summary"),
        (base + "/records?items=case-1", "view_records"),
    ):
        before = audits(db, action)
        assert coordinator.get(path).status_code == 200, path
        assert audits(db, action) == before + 1, action
    with db.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.participant_id == fay_id)).all()
    assert {r.action for r in rows} >= {"view_participant", "view_summary", "view_records"}
    coordinator.close()


def test_the_rota_decides_who_is_paged_and_a_deactivated_peer_never_is(
    db: Database, running: RunningApp
) -> None:
    admin = log_in(running.url, make_staff(db, StaffRole.ADMIN).email)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    monday_noon = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 12:00 in New York
    post(
        admin,
        f"/console/staff/{rae.id}",
        {"action": "phone", "phone": "(212) 555-0150"},
        "/console/staff",
    )
    added = post(
        admin,
        "/console/rota",
        {
            "staff_id": str(rae.id),
            "day_mon": "on",
            "starts": "09:00",
            "ends": "17:00",
            "kind": "shift",
        },
        "/console/rota",
    )
    assert added.headers["location"].endswith("slot_added")
    policy = Policy(timezone="America/New_York")
    with db.session() as s:
        assert [p.display_name for p in on_shift_peers(s, policy, monday_noon)] == ["Rae"]
        assert on_shift_peers(s, policy, monday_noon.replace(hour=23)) == []  # 18:00 local
    post(admin, f"/console/staff/{rae.id}", {"action": "deactivate"}, "/console/staff")
    with db.session() as s:
        assert on_shift_peers(s, policy, monday_noon) == []
        assert rota.on_duty(s, monday_noon, policy.zone, RotaKind.SHIFT) == []
    refused = httpx.Client(base_url=running.url)
    form = refused.get("/console/login")
    answer = refused.post(
        "/console/login",
        data={
            "email": "rae@peers.example",
            "password": PASSWORD,
            "csrf_token": token_of(form.text),
        },
    )
    assert answer.status_code == 401
    refused.close()
    admin.close()


def test_an_overnight_slot_covers_both_sides_of_midnight(db: Database) -> None:
    with db.session() as s:
        lee = StaffUser(
            email="lee@p.example", display_name="Lee", role=StaffRole.PEER, phone="+12125550151"
        )
        s.add(lee)
        s.flush()
        rota.add_slot(s, lee, "fri", "22:00", "06:00", RotaKind.ON_CALL)
        zone = Policy(timezone="America/New_York").zone
        friday_late = datetime(2026, 11, 27, 23, 30, tzinfo=zone)
        saturday_early = datetime(2026, 11, 28, 5, 59, tzinfo=zone)
        saturday_late = datetime(2026, 11, 28, 6, 0, tzinfo=zone)
        on_call = [
            rota.on_duty(s, t, zone, RotaKind.ON_CALL)
            for t in (friday_late, saturday_early, saturday_late)
        ]
    assert [[p.display_name for p in who] for who in on_call] == [["Lee"], ["Lee"], []]


def test_an_admin_resets_a_password_and_exports_the_audit_trail(
    db: Database, running: RunningApp
) -> None:
    admin = log_in(running.url, make_staff(db, StaffRole.ADMIN).email)
    coordinator = make_staff(db, StaffRole.COORDINATOR)
    old = log_in(running.url, coordinator.email)
    make_case(db, "+12125550167", "Gus")
    with db.session() as s:
        gus = s.scalars(select(Participant)).one()
    old.get(f"/console/participants/{gus.public_id}")
    reset = post(
        admin, f"/console/staff/{coordinator.id}", {"action": "reset_password"}, "/console/staff"
    )
    assert "One-time password" in reset.text
    assert old.get("/console/participants").headers.get("location") == "/console/login", (
        "session ended"
    )
    exported = admin.get("/console/audit.csv", params={"participant": "Gus"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == ["view_participant"]
    assert rows[0]["participant"] == f"Gus ({gus.public_id})"
    assert "Gus" in admin.get("/console/audit", params={"action": "view_participant"}).text
    admin.close()
    old.close()


def test_admins_never_read_participants(db: Database, running: RunningApp) -> None:
    admin = log_in(running.url, make_staff(db, StaffRole.ADMIN).email)
    case_id = make_case(db, "+12125550168", "Hal")
    assert admin.get(f"/console/cases/{case_id}").status_code == 403
    assert admin.get("/console/participants").status_code == 403
    assert admin.get("/console").headers["location"] == "/console/staff"
    admin.close()
