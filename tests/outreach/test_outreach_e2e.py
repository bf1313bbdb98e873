"""Outreach end to end: the running app's own scheduler nudges a participant before an
appointment, through the real engine and twilio client to the phone; the answer "can't
make it, no ride" ends as a stored answer and a barrier request for a peer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import Appointment, AppointmentStatus, Case, CaseLevel, Participant
from records.participants import enrol
from records.schedules import add_appointment
from tests.conftest import RunningApp
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

SAM = "+12125550101"


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp], engine: EngineProcesses, db: Database
) -> RunningApp:
    now = datetime.now(UTC)
    with db.session() as session:
        sam = enrol(
            session,
            phone=SAM,
            alias="Sam",
            timezone="America/New_York",
            consented_at=now - timedelta(days=1),
        )
        # booked an hour ago for two hours from now: the 2-hour nudge is due at once
        add_appointment(
            session,
            sam,
            starts_at=now + timedelta(hours=2, minutes=-1),
            kind="dosing",
            location="the Main St office",
            now=now - timedelta(hours=1),
        )
    # quiet hours off: this test must not depend on the hour CI happens to run at
    return app_factory(
        rasa_url=engine.url, rasa_token=engine.token, outreach_quiet_hours="00:00-00:00"
    )


def test_appointment_nudge_answered_cant_make_it_no_ride(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    [nudge] = wait_for(lambda: sandbox.messages_to(SAM), timeout=60, what="the nudge")
    assert nudge.body.startswith("Reminder: your appointment is")  # minimum necessary
    assert "dosing" not in nudge.body
    assert "Main St" not in nudge.body  # the place is only said when asked

    signed_post(
        running.url,
        "/sms/inbound",
        inbound_params(SAM, "cant make it, no ride"),
        running.settings.auth_token,
    )
    wait_for(lambda: len(sandbox.messages_to(SAM)) > 1, timeout=30, what="the bot's answer")

    def answered() -> Appointment | None:
        with db.session() as session:
            appointment = session.scalars(select(Appointment)).one()
            return appointment if appointment.status == AppointmentStatus.CANT_MAKE_IT else None

    appointment = wait_for(answered, timeout=15, what="the stored answer")
    assert appointment.answer_reason and "ride" in appointment.answer_reason
    with db.session() as session:
        sam = session.scalars(select(Participant)).one()
        [case] = session.scalars(select(Case).where(Case.participant_id == sam.id)).all()
    assert case.level == CaseLevel.SUPPORT
    assert "barrier:transport" in case.reasons
    assert not case.pauses_bot  # a barrier is work for a peer, not an emergency
