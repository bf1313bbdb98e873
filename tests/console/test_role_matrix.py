"""Every console route against every role and every session state: logged out, idle past
CONSOLE_IDLE_MINUTES, a cookie replayed after log-out, a deactivated account. Allowed,
refused (403, and audited), or sent to log-in (303 for pages, 401 for what scripts fetch);
no refusal shows a participant's alias or number. Allowed requests carry real form data and
real records, so "allowed" means the work was done.

One app per database serves the whole matrix (its clock moved by hand for the idle state).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from console.access import COOKIE_NAME, ROUTES
from peerline.app import create_app
from records import migrate
from records.clock import ManualClock
from records.db import Database
from records.models import (
    Appointment,
    AuditEvent,
    ImportBatch,
    Participant,
    RotaSlot,
    StaffRole,
    StaffUser,
)
from tests.conftest import RunningApp, SandboxServer, free_port, make_settings
from tests.console.test_console import PASSWORD, SAM, log_in, make_case, make_staff, token_of
from tests.support.servers import serve_in_thread

ALIAS = "Wrenfield"  # the participant in the matrix: never on a refused page
NUMBERS = (SAM, SAM[2:], "555-0101")
# Object-checked routes: a role may pass the guard and still not see this participant.
PER_RECORD = {
    "console_participant",
    "console_participant_records",
    "console_summary",
    "console_summary_print",
}
STATES = ["logged out", "idle", "replayed after log-out", "deactivated"]


@dataclass
class Matrix:
    url: str
    db: Database
    clock: ManualClock
    app: FastAPI
    records: dict[str, object]


def _database(kind: str, tmp: Path, admin_url: Callable[[], str]) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'matrix.db'}"
        return
    admin, name = admin_url(), f"peerline_matrix_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def matrix(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sandbox_server: SandboxServer,
) -> Iterator[Matrix]:
    admin = lambda: str(request.getfixturevalue("postgres_admin"))  # noqa: E731
    for url in _database(request.param, tmp_path_factory.mktemp("matrix"), admin):
        migrate.upgrade(url)
        db, clock, port = Database(url), ManualClock(datetime.now(UTC)), free_port()
        settings = make_settings(
            url, sandbox_server.url, public_base_url=f"http://127.0.0.1:{port}"
        )
        app = create_app(settings, clock)
        with serve_in_thread(app, port=port) as served:
            yield Matrix(served, db, clock, app, _records(db))
        db.dispose()


def _records(db: Database) -> dict[str, object]:
    case_id = make_case(db, SAM, ALIAS)
    with db.session() as session:
        sam = session.query(Participant).one()
        appointment = Appointment(
            participant_id=sam.id,
            starts_at=datetime.now(UTC) + timedelta(days=3),
            kind="dosing",
        )
        nobody = StaffUser(email="x@peers.example", display_name="X", role=StaffRole.PEER)
        session.add_all([appointment, nobody])
        session.flush()
        batch = ImportBatch(staff_id=nobody.id, filename="a.csv", rows=[], problems=[])
        slot = RotaSlot(staff_id=nobody.id, weekday=0, starts="09:00", ends="17:00")
        session.add_all([batch, slot])
        session.flush()
        return {
            "case_id": case_id,
            "public_id": sam.public_id,
            "appointment_id": appointment.id,
            "batch_id": batch.id,
            "staff_id": nobody.id,
            "slot_id": slot.id,
            "table": "retention",
            "name": "console.css",
        }


NEW_PASSWORD = "another long synthetic passphrase"
FORMS: dict[str, dict[str, str]] = {
    "console_reply": {"body": "Checking in."},
    "console_resolve": {"outcome": "safe"},
    "console_appointment_add": {"at": "2031-01-02 10:00", "kind": "dosing"},
    "console_appointment_change": {"action": "attended"},
    "console_enrol": {"phone": "(212) 555-0177", "alias": "Kit", "consented": "on"},
    "console_staff_add": {"email": "new@peers.example", "name": "New", "role": "peer"},
    "console_staff_change": {"action": "phone", "phone": ""},
    "console_rota_add": {"staff_id": "", "day": "tue", "starts": "09:00", "ends": "17:00"},
    "console_password": {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD,
    },
}


def send(client: httpx.Client, name: str, records: dict[str, object], token: str) -> httpx.Response:
    route = ROUTES[name]
    table = "peer_work" if name == "console_peers_csv" else "retention"
    path = route.path.format(**{**records, "table": table})
    if name == "console_events":
        with client.stream("GET", path) as response:
            return response
    if route.method == "GET":
        return client.get(path)
    data = {"csrf_token": token, **FORMS.get(name, {})}
    if name == "console_rota_add":
        data["staff_id"] = str(records["staff_id"])
    files = {"file": ("people.csv", b"phone,alias,consented\n(212) 555-0178,Lou,yes\n")}
    return client.post(path, data=data, files=files if route.upload else None)


def discloses_nobody(response: httpx.Response) -> bool:
    text = "" if response.request.url.path.startswith("/console/events") else response.text
    return ALIAS not in text and not any(number in text for number in NUMBERS)


def refusals(db: Database, staff_id: int) -> set[str]:
    """The routes this staff member was refused, from the audit trail."""
    with db.session() as session:
        details = session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.action == "denied", AuditEvent.staff_id == staff_id
            )
        ).all()
    return {(detail or "").split(" ")[0] for detail in details}


def refused_log_ins(db: Database) -> int:
    """Log-in posts refused (403) to nobody logged in, from the audit trail."""
    with db.session() as session:
        details = session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.action == "denied", AuditEvent.staff_id.is_(None)
            )
        ).all()
    return sum(1 for detail in details if (detail or "").startswith("console_login "))


def stale_cookie(matrix: Matrix, state: str) -> str | None:
    """A session cookie in the given state (None: a visitor who never logged in)."""
    if state == "logged out":
        return None
    staff = make_staff(matrix.db, StaffRole.COORDINATOR, f"{state.replace(' ', '-')}@x.example")
    client = log_in(matrix.url, staff.email)
    cookie = client.cookies[COOKIE_NAME]
    assert ALIAS in client.get("/console/participants").text, "the live session sees Wrenfield"
    if state == "idle":
        matrix.clock.advance(minutes=31)  # CONSOLE_IDLE_MINUTES is 30
    elif state == "replayed after log-out":
        client.post("/console/logout", data={"csrf_token": token_of(client.get("/console").text)})
    else:
        with matrix.db.session() as session:
            session.get_one(StaffUser, staff.id).active = False
    client.close()
    return cookie


@pytest.mark.parametrize("state", STATES)
def test_every_route_in_every_session_state_is_sent_to_log_in(matrix: Matrix, state: str) -> None:
    cookie = stale_cookie(matrix, state)
    refused_before = refused_log_ins(matrix.db)
    for name, route in ROUTES.items():
        with httpx.Client(base_url=matrix.url, timeout=10) as client:
            if cookie is None:
                token = token_of(client.get("/console/login").text)
            else:
                client.cookies.set(COOKIE_NAME, cookie)
                token = "the form of the ended session"
            got = send(client, name, matrix.records, token)
        assert discloses_nobody(got), (state, name)
        if name == "console_login":  # no password (401), or a stale form (403)
            assert got.status_code == (401 if cookie is None else 403), (state, got.status_code)
        elif route.roles is None:
            assert got.status_code == 200, (state, name, got.status_code)
        elif route.api:
            assert got.status_code == 401, (state, name)
        else:
            assert got.status_code == 303, (state, name, got.status_code)
            assert got.headers["location"] == "/console/login", (state, name)
    if cookie is not None:
        assert refused_log_ins(matrix.db) == refused_before + 1, "the 403 is audited"


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_route_for_each_role(matrix: Matrix, role: StaffRole) -> None:
    staff = make_staff(matrix.db, role, f"matrix-{role}@peers.example")
    client = log_in(matrix.url, staff.email)
    order = sorted(ROUTES, key=lambda name: name == "console_logout")  # log out last
    home = "/console/staff" if role == StaffRole.ADMIN else "/console"
    refused = set()
    for name in order:
        token = token_of(client.get(home).text)
        got = send(client, name, matrix.records, token)
        roles = ROUTES[name].roles
        if roles is not None and role not in roles:
            assert got.status_code == 403, (role, name, got.status_code)
            assert discloses_nobody(got), (role, name)
            refused.add(name)
        elif name == "console_login":
            continue  # the matrix posts no password: 401 there
        elif name in PER_RECORD and role != StaffRole.COORDINATOR:
            # a peer or supervisor sees only the people in their cases: Sam's case is open,
            # claimed by nobody, so the answer is the same "not found" as for a stranger
            assert got.status_code in (200, 404), (role, name, got.status_code)
            if got.status_code == 404:
                assert discloses_nobody(got), (role, name)
        else:
            assert got.status_code in (200, 303), (role, name, got.status_code)
            assert got.headers.get("location") != "/console/login", (role, name)
    assert refused, role
    assert refusals(matrix.db, staff.id) == refused, "every 403 is in the audit trail"
    client.close()


def test_a_peer_reads_the_record_of_a_person_in_their_case_and_nobody_else(
    db: Database, app_factory: Callable[..., RunningApp]
) -> None:
    running = app_factory()
    case_id = make_case(db, SAM, "Sam")
    with db.session() as session:
        public_id = session.query(Participant).one().public_id
    peer = make_staff(db, StaffRole.PEER, "rae@peers.example")
    client = log_in(running.url, peer.email)
    page = f"/console/participants/{public_id}"
    assert client.get(page).status_code == 404, "not theirs yet: as if it did not exist"
    token = token_of(client.get(f"/console/cases/{case_id}").text)
    client.post(f"/console/cases/{case_id}/claim", data={"csrf_token": token})
    assert client.get(page).status_code == 200
    assert client.get(page + "/summary").status_code == 200
    with db.session() as session:
        other = Participant(phone="+12125550179", alias="Other", timezone="UTC")
        session.add(other)
        session.flush()
        other_id = other.public_id
    assert client.get(f"/console/participants/{other_id}").status_code == 404
    client.close()
