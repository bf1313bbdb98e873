"""Case pages keep to the minimum necessary: a peer reads the queue's open cases and their
own; another peer's case, or a resolved one, takes a stated reason that is recorded."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from records.db import Database
from records.models import AuditEvent, Case, CaseAccessGrant, CaseEvent, Participant, StaffRole
from tests.conftest import RunningApp
from tests.console.test_console import (
    ROBIN,
    SAM,
    case_row,
    log_in,
    make_case,
    make_staff,
    post,
    token_of,
)
from tests.console.test_console import (
    running as running,  # the fixture, shared
)


def audit_actions(db: Database, staff_id: int) -> list[str]:
    with db.session() as session:
        query = select(AuditEvent.action).where(AuditEvent.staff_id == staff_id)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def claimed_by_other(running: RunningApp, db: Database) -> tuple[int, httpx.Client]:
    """A case Alex took, and Blake (another peer) logged in."""
    make_staff(db, StaffRole.PEER, "alex@peers.example")
    make_staff(db, StaffRole.PEER, "blake@peers.example")
    case_id = make_case(db, SAM, "Sam")
    alex = log_in(running.url, "alex@peers.example")
    assert post(alex, f"/console/cases/{case_id}/claim").status_code == 303
    assert case_row(db, case_id).claimed_by_id is not None
    return case_id, log_in(running.url, "blake@peers.example")


def test_a_peer_reads_open_cases_and_their_own(running: RunningApp, db: Database) -> None:
    make_staff(db, StaffRole.PEER, "alex@peers.example")
    case_id = make_case(db, SAM, "Sam")
    alex = log_in(running.url, "alex@peers.example")
    assert alex.get(f"/console/cases/{case_id}").status_code == 200  # in the queue: open
    post(alex, f"/console/cases/{case_id}/claim")
    page = alex.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and "Sam" in page.text


def test_another_peers_case_is_closed_until_a_reason_is_recorded(
    running: RunningApp, db: Database
) -> None:
    case_id, blake = claimed_by_other(running, db)
    refused = blake.get(f"/console/cases/{case_id}")
    assert refused.status_code == 403
    assert "Sam" not in refused.text and "using alone" not in refused.text.lower()
    assert blake.get(f"/console/cases/{case_id}/thread").status_code == 403

    too_short = blake.post(
        f"/console/cases/{case_id}/glass",
        data={"reason": "need", "csrf_token": token_of(refused.text)},
    )
    assert too_short.status_code == 403 and "at least 10 characters" in too_short.text

    reason = "Covering Alex's shift tonight; Sam texted the on-call line"
    opened = blake.post(
        f"/console/cases/{case_id}/glass",
        data={"reason": reason, "csrf_token": token_of(refused.text)},
    )
    assert opened.status_code == 303
    page = blake.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and "Sam" in page.text

    with db.session() as session:
        [grant] = session.scalars(select(CaseAccessGrant)).all()
        kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
    assert grant.reason == reason and grant.case_id == case_id
    assert "break_glass" in kinds
    actions = audit_actions(db, grant.staff_id)
    assert actions.index("case_refused") < actions.index("break_glass") < actions.index("view_case")


def test_a_grant_does_not_let_a_peer_work_the_case(running: RunningApp, db: Database) -> None:
    case_id, blake = claimed_by_other(running, db)
    refused = blake.get(f"/console/cases/{case_id}")
    blake.post(
        f"/console/cases/{case_id}/glass",
        data={"reason": "Safety worry: Sam named me", "csrf_token": token_of(refused.text)},
    )
    reply = post(blake, f"/console/cases/{case_id}/reply", {"body": "hi"})
    assert reply.status_code == 303 and "not_yours" in reply.headers["location"]


def test_supervisors_and_coordinators_read_any_case_admins_none(
    running: RunningApp, db: Database
) -> None:
    case_id, _ = claimed_by_other(running, db)
    for role, status in (
        (StaffRole.SUPERVISOR, 200),
        (StaffRole.COORDINATOR, 200),
        (StaffRole.ADMIN, 403),
    ):
        make_staff(db, role)
        client = log_in(running.url, f"{role}@peers.example")
        assert client.get(f"/console/cases/{case_id}").status_code == status, role


def test_the_live_queue_refresh_is_audited(running: RunningApp, db: Database) -> None:
    peer = make_staff(db, StaffRole.PEER, "alex@peers.example")
    make_case(db, ROBIN, "Robin")
    alex = log_in(running.url, "alex@peers.example")
    fragment = alex.get("/console/queue")
    assert fragment.status_code == 200 and "Robin" in fragment.text
    assert audit_actions(db, peer.id).count("view_queue") == 1


def test_another_peers_participant_is_refused_and_audited_until_the_glass_is_broken(
    running: RunningApp, db: Database
) -> None:
    case_id, blake = claimed_by_other(running, db)
    with db.session() as session:
        public_id = session.scalar(
            select(Participant.public_id).join(Case).where(Case.id == case_id)
        )
    page = f"/console/participants/{public_id}"
    assert blake.get(page).status_code == 404
    with db.session() as session:
        refused = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "participant_refused")
        )
    assert refused is not None and refused.detail == public_id

    form = blake.get(f"/console/cases/{case_id}")
    blake.post(
        f"/console/cases/{case_id}/glass",
        data={"reason": "Covering tonight: Sam asked for me", "csrf_token": token_of(form.text)},
    )
    assert blake.get(page).status_code == 200  # the grant opens the person's record too
