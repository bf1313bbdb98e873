"""Every console route against every role, and against a logged-out visitor: allowed,
refused (403), or sent to log-in (303 for pages, 401 for what scripts fetch). Allowed
requests carry real form data and real records, so "allowed" means the work was done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from console.access import ROUTES
from records.db import Database
from records.models import (
    Appointment,
    ImportBatch,
    Participant,
    RotaSlot,
    StaffRole,
    StaffUser,
)
from tests.conftest import RunningApp
from tests.console.test_console import PASSWORD, SAM, log_in, make_case, make_staff, token_of

# Object-checked routes: a role may pass the guard and still not see this participant.
PER_RECORD = {
    "console_participant",
    "console_participant_records",
    "console_summary",
    "console_summary_print",
}


@pytest.fixture
def running(app_factory: Callable[..., RunningApp]) -> RunningApp:
    return app_factory()


@pytest.fixture
def records(db: Database) -> dict[str, object]:
    case_id = make_case(db, SAM, "Sam")
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
        "new_password": "another long synthetic passphrase",
        "repeat_password": "another long synthetic passphrase",
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


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


def test_every_route_for_a_logged_out_visitor(
    db: Database, running: RunningApp, records: dict[str, object], clients: list[httpx.Client]
) -> None:
    anonymous = httpx.Client(base_url=running.url, timeout=10)
    clients.append(anonymous)
    token = token_of(anonymous.get("/console/login").text)
    for name, route in ROUTES.items():
        got = send(anonymous, name, records, token)
        if route.roles is None:
            assert got.status_code < 400 or name == "console_login", name  # 401: no such user
        elif route.api:
            assert got.status_code == 401, name
        else:
            assert got.status_code == 303, name
            assert got.headers["location"] == "/console/login", name


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_route_for_each_role(
    db: Database,
    running: RunningApp,
    records: dict[str, object],
    clients: list[httpx.Client],
    role: StaffRole,
) -> None:
    client = log_in(running.url, make_staff(db, role).email)
    clients.append(client)
    order = sorted(ROUTES, key=lambda name: name == "console_logout")  # log out last
    home = "/console/staff" if role == StaffRole.ADMIN else "/console"
    for name in order:
        token = token_of(client.get(home).text)
        got = send(client, name, records, token)
        roles = ROUTES[name].roles
        if roles is not None and role not in roles:
            assert got.status_code == 403, (role, name, got.status_code)
        elif name == "console_login":
            continue  # the matrix posts no password: 401 there
        elif name in PER_RECORD and role != StaffRole.COORDINATOR:
            # a peer or supervisor sees only the people in their cases: Sam's case is open,
            # claimed by nobody, so the answer is the same "not found" as for a stranger
            assert got.status_code in (200, 404), (role, name, got.status_code)
        else:
            assert got.status_code in (200, 303), (role, name, got.status_code)
            assert got.headers.get("location") != "/console/login", (role, name)


def test_a_peer_reads_the_record_of_a_person_in_their_case_and_nobody_else(
    db: Database, running: RunningApp, records: dict[str, object]
) -> None:
    peer = make_staff(db, StaffRole.PEER, "rae@peers.example")
    client = log_in(running.url, peer.email)
    page = f"/console/participants/{records['public_id']}"
    assert client.get(page).status_code == 404, "not theirs yet: as if it did not exist"
    token = token_of(client.get(f"/console/cases/{records['case_id']}").text)
    client.post(f"/console/cases/{records['case_id']}/claim", data={"csrf_token": token})
    assert client.get(page).status_code == 200
    assert client.get(page + "/summary").status_code == 200
    with db.session() as session:
        other = Participant(phone="+12125550179", alias="Other", timezone="UTC")
        session.add(other)
        session.flush()
        other_id = other.public_id
    assert client.get(f"/console/participants/{other_id}").status_code == 404
    client.close()
