"""`peerline schedule`: a participant's routine, a preview of what would be sent, and a
scheduler of its own."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from bot.engine import RasaEngine
from outreach.politeness import Action, gather, rules_from
from outreach.preview import preview
from outreach.scheduler import Scheduler
from peerline import logs
from peerline.cli.common import ParticipantRef, audit_read, console, load_settings, records_session
from peerline.loops import Loop
from records import migrate
from records.clock import SystemClock
from records.db import Database
from records.participants import find_participant
from records.schedules import parse_day, set_schedule

app = typer.Typer(help="Outreach: routines, previews, the scheduler.", no_args_is_help=True)


@app.command("set")
def schedule_set(
    participant: ParticipantRef,
    days: Annotated[str | None, typer.Option(help="check-in days, e.g. mon,thu ('' none)")] = None,
    window: Annotated[str | None, typer.Option(help="local window, e.g. 10:00-12:00")] = None,
    refill_every: Annotated[
        int | None, typer.Option(help="refill reminder every N days (0: off)")
    ] = None,
    refill_from: Annotated[
        str | None, typer.Option(help="first refill reminder day, YYYY-MM-DD")
    ] = None,
) -> None:
    """Set a participant's own routine (what is not given keeps its value)."""
    with records_session("not changed") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        schedule = set_schedule(
            session,
            person,
            settings,
            checkin_days=days,
            window=window,
            medication_every_days=refill_every,
            medication_from=parse_day(refill_from) if refill_from else None,
        )
        summary = (
            f"check-ins {schedule.checkin_days or 'none'}, window {schedule.send_window}, "
            f"refills every {schedule.medication_every_days or 0} day(s)"
        )
    console.print(f"[green]{summary}[/green]")


@app.command("preview")
def schedule_preview(
    participant: Annotated[str, typer.Option(help="participant id (p-...) or phone number")],
    days: Annotated[int, typer.Option(min=1, max=60, help="how many days ahead")] = 7,
) -> None:
    """Show what would be sent and when, and why anything would be held or dropped."""
    now = datetime.now(UTC)
    with records_session("no preview") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        audit_read(session, "cli_schedule_preview", person.id)
        zone = ZoneInfo(person.timezone)
        facts = gather(session, person, now, zone, rules_from(settings))
        lines = preview(session, settings, person, facts, now, days)
        title = f"{person.alias} ({person.public_id}), times in {person.timezone}"
    if not lines:
        why = (
            "not consented, opted out or discharged"
            if not facts.consented or facts.opted_out or facts.status == "discharged"
            else "nothing due"
        )
        console.print(f"nothing would be sent in the next {days} day(s): {why}")
        return
    table = Table("kind", "for", "would be sent", "held for", "dropped", title=title)
    for line in lines:
        dropped = line.verdict.action == Action.DROP
        table.add_row(
            line.kind,
            f"{line.target_at.astimezone(zone):%a %b %d %H:%M}",
            "" if dropped else f"{line.at.astimezone(zone):%a %b %d %H:%M}",
            ", ".join(dict.fromkeys(line.held_for)),
            line.verdict.reason or "" if dropped else "",
        )
    console.print(table)


@app.command("run")
def schedule_run() -> None:
    """Run only the outreach scheduler (a second process is safe on PostgreSQL; on SQLite
    one waits while another holds the lease). `peerline serve` runs one already."""
    settings = load_settings()
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    engine = RasaEngine(settings.rasa_replicas, settings.rasa_token, settings.rasa_timeout_seconds)
    scheduler = Scheduler(db, engine, settings, SystemClock())
    loop = Loop("outreach", scheduler.step, max(settings.worker_poll_seconds, 1.0))
    loop.start()
    console.print(f"[green]scheduler {scheduler.holder} running; Ctrl-C stops it[/green]")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
        scheduler.release()
        engine.close()
        db.dispose()
