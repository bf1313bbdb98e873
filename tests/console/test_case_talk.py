"""The case page shows a peer what the person said before the case: a check-in kept as it
was answered (marked partial) and an appointment change asked for by text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from records.db import Database
from records.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Case,
    CheckIn,
    StaffRole,
)
from tests.conftest import RunningApp
from tests.console.test_console import SAM, log_in, make_case, make_staff, running  # noqa: F401


def test_case_page_shows_the_partial_checkin_and_the_change_asked_for(
    db: Database,
    running: RunningApp,  # noqa: F811
) -> None:
    peer = make_staff(db, StaffRole.PEER)
    case_id = make_case(db, SAM, "Sam")
    now = datetime.now().astimezone()
    with db.session() as session:
        participant_id = session.get_one(Case, case_id).participant_id
        session.add(
            CheckIn(participant_id=participant_id, mood=1, craving=9, complete=False, barriers=[])
        )
        session.add(
            Appointment(
                participant_id=participant_id,
                kind=AppointmentKind.COUNSELLING,
                starts_at=now + timedelta(days=1),
                status=AppointmentStatus.RESCHEDULE_REQUESTED,
                requested_for=date(2026, 12, 7),
                requested_change="move to the week of Mon Dec 7",
                answer_reason="work",
            )
        )
    client = log_in(running.url, peer.email)
    page = client.get(f"/console/cases/{case_id}").text
    client.close()
    assert "1/5" in page and "9/10" in page and "(partial)" in page
    assert "move to the week of Mon Dec 7 (work)" in page
