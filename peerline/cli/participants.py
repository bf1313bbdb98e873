"""Participants: enrol, list, pause, resume, discharge (top-level commands)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from peerline.cli.common import ParticipantRef, audit_read, console, records_session
from records.models import Participant, ParticipantStatus
from records.participants import enrol, find_participant, set_status
from records.phones import mask
from records.schedules import set_schedule


def enrol_participant(
    phone: Annotated[str, typer.Argument(help="the participant's mobile number")],
    alias: Annotated[str, typer.Option(help="name or nickname the bot uses")],
    timezone: Annotated[str | None, typer.Option(help="IANA zone, e.g. America/Chicago")] = None,
    consented: Annotated[bool, typer.Option(help="the person agreed to texts today")] = True,
    checkin_days: Annotated[
        str | None, typer.Option(help="check-in days, e.g. mon,thu (default: the program's)")
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="local sending window, e.g. 10:00-12:00")
    ] = None,
) -> None:
    """Enrol a participant so their texts reach the assistant."""
    with records_session("not enrolled") as (settings, session):
        participant = enrol(
            session,
            phone=phone,
            alias=alias,
            timezone=timezone or settings.default_timezone,
            consented_at=datetime.now(UTC) if consented else None,
            default_region=settings.default_region,
        )
        if checkin_days is not None or window is not None:
            set_schedule(session, participant, settings, checkin_days=checkin_days, window=window)
        public_id, masked = participant.public_id, mask(participant.phone)
    console.print(f"[green]enrolled {alias} ({masked}) as {public_id}[/green]")


def _set_status(participant: str, status: ParticipantStatus, what: str) -> None:
    with records_session("not changed") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        set_status(session, person, status)
        alias = person.alias
    console.print(f"[green]{alias}: {what}[/green]")


def pause(participant: ParticipantRef) -> None:
    """Hold all outreach to a participant (a break, a hospital stay); texts still answered."""
    _set_status(participant, ParticipantStatus.PAUSED, "outreach paused")


def resume(participant: ParticipantRef) -> None:
    """Resume outreach to a paused participant."""
    _set_status(participant, ParticipantStatus.ACTIVE, "outreach resumed")


def discharge(participant: ParticipantRef) -> None:
    """End outreach for good (left the program); their texts are still screened and answered."""
    _set_status(participant, ParticipantStatus.DISCHARGED, "discharged; no more outreach")


def list_participants() -> None:
    """List enrolled participants (numbers masked)."""
    table = Table("id", "alias", "phone", "time zone", "status", "consented")
    with records_session("no list") as (_settings, session):
        audit_read(session, "cli_list_participants")
        for p in session.scalars(select(Participant).order_by(Participant.id)):
            table.add_row(
                p.public_id,
                p.alias,
                mask(p.phone),
                p.timezone,
                p.status,
                "yes" if p.consented_at else "no",
            )
    console.print(table)
