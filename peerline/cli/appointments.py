"""`peerline appointment`: book, mark and list participants' appointments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from peerline.cli.common import ParticipantRef, audit_read, console, records_session
from records.participants import find_participant
from records.schedules import add_appointment, appointments_of, mark_appointment, parse_local

app = typer.Typer(help="Participants' appointments.", no_args_is_help=True)


@app.command("add")
def appointment_add(
    participant: ParticipantRef,
    at: Annotated[str, typer.Option(help="local date and time, e.g. '2026-12-01 14:30'")],
    kind: Annotated[str, typer.Option(help="intake, prescriber_visit, dosing, counselling, group")],
    location: Annotated[str, typer.Option(help="a label safe to text")] = "",
) -> None:
    """Book an appointment; nudges follow before it (APPOINTMENT_NUDGE_HOURS)."""
    with records_session("not booked") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        starts = parse_local(at, person.timezone)
        booked = add_appointment(
            session, person, starts_at=starts, kind=kind, location=location, now=datetime.now(UTC)
        )
        local = starts.astimezone(ZoneInfo(person.timezone))
        shown = f"appointment {booked.id}: {booked.kind}, {local:%a %b %d %H:%M} local"
    console.print(f"[green]{shown}[/green]")


@app.command("mark")
def appointment_mark(
    appointment_id: Annotated[int, typer.Argument(help="the appointment's number")],
    status: Annotated[str, typer.Argument(help="attended, missed or cancelled")],
) -> None:
    """Record what happened; 'missed' starts a kind follow-up text."""
    with records_session("not marked") as (_settings, session):
        mark_appointment(session, appointment_id, status)
    console.print(f"[green]appointment {appointment_id} marked {status}[/green]")


@app.command("list")
def appointment_list(participant: ParticipantRef) -> None:
    """A participant's appointments, in their own time zone, with their answers."""
    with records_session("no list") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        audit_read(session, "cli_list_appointments", person.id)
        zone = ZoneInfo(person.timezone)
        table = Table("id", "when", "kind", "where", "status", "reason", title=person.alias)
        for a in appointments_of(session, person):
            table.add_row(
                str(a.id),
                f"{a.starts_at.astimezone(zone):%a %b %d %H:%M}",
                a.kind,
                a.location,
                a.status,
                a.answer_reason or "",
            )
    console.print(table)
