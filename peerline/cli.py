"""`peerline`: the command line for operators and for `make demo`."""

from __future__ import annotations

import csv
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
import uvicorn
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outreach
from bot.engine import RasaEngine, parse_intent
from bot.politeness import Action, gather, rules_from
from bot.scheduler import Scheduler
from bot.worker import Loop
from escalation import triage
from escalation.auth import StaffError, add_staff, find_staff, hash_password
from escalation.triage import EngineNlu
from peerline import logs
from peerline.app import create_app
from peerline.engine_process import EngineError, EngineProcesses
from records import migrate
from records.clock import SystemClock
from records.db import Database
from records.models import Participant, ParticipantStatus, StaffRole
from records.participants import EnrolmentError, enrol, find_participant, set_status
from records.phones import InvalidPhoneNumber, mask, to_e164
from records.schedules import (
    ScheduleError,
    add_appointment,
    appointments_of,
    mark_appointment,
    parse_day,
    parse_local,
    set_schedule,
)
from records.settings import Settings

app = typer.Typer(
    help="peerline: SMS peer check-ins for people in MOUD treatment.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
staff_app = typer.Typer(help="Peer console staff accounts.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
schedule_app = typer.Typer(
    help="Outreach: routines, previews, the scheduler.", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")
appointment_app = typer.Typer(help="Participants' appointments.", no_args_is_help=True)
app.add_typer(appointment_app, name="appointment")
console = Console()

DEMO_PHONE = "+12125550101"
DEMO_ALIAS = "Sam"
DEMO_PEER_EMAIL = "rae@peers.example"
DEMO_PEER_PHONE = "+12125550150"


USER_ERRORS = (EnrolmentError, InvalidPhoneNumber, ScheduleError, StaffError)


@contextmanager
def records_session(refusal: str) -> Iterator[tuple[Settings, Session]]:
    """One unit of work for a command: settings and a session, committed on success. Input
    that the records refuse ends the command with its reason and exit code 2, not a
    traceback."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            yield settings, session
    except USER_ERRORS as exc:
        console.print(f"[red]{refusal}: {exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Create or migrate the database named by DATABASE_URL."""
    settings = Settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]database at revision {revision}[/green]")


@app.command("enrol")
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


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Argument(help="log-in e-mail")],
    name: Annotated[str, typer.Option(help="name shown to colleagues")],
    role: Annotated[StaffRole, typer.Option(help="what they may do in the console")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read it")] = False,
    password: Annotated[str | None, typer.Option(help="prefer --password-stdin")] = None,
    phone: Annotated[str | None, typer.Option(help="mobile number for pages")] = None,
) -> None:
    """Add a console account (the password is stored as an argon2id hash)."""
    secret = sys.stdin.readline().rstrip("\n") if password_stdin else password
    if not secret:
        console.print("[red]give a password with --password-stdin or --password[/red]")
        raise typer.Exit(2)
    with records_session("not added") as (settings, session):
        staff = add_staff(session, email, name, role, secret)
        staff.phone = to_e164(phone, settings.default_region) if phone else None
        staff_id = staff.id
    console.print(f"[green]added {role} {name} (staff {staff_id})[/green]")


@staff_app.command("shift")
def staff_shift(
    email: Annotated[str, typer.Argument(help="log-in e-mail")],
    on: Annotated[bool, typer.Option("--on/--off", help="on shift: gets pages")],
) -> None:
    """Start or end someone's shift: on-shift peers and supervisors are paged for new cases."""
    with records_session("shift not changed") as (_settings, session):
        staff = find_staff(session, email)
        if staff is not None:
            staff.on_shift = on
    if staff is None:
        console.print("[red]no staff member with that e-mail[/red]")
        raise typer.Exit(2)
    console.print(f"[green]{staff.display_name} is {'on' if on else 'off'} shift[/green]")


ParticipantRef = Annotated[str, typer.Argument(help="participant id (p-...) or phone number")]


@schedule_app.command("set")
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


@schedule_app.command("preview")
def schedule_preview(
    participant: Annotated[str, typer.Option(help="participant id (p-...) or phone number")],
    days: Annotated[int, typer.Option(min=1, max=60, help="how many days ahead")] = 7,
) -> None:
    """Show what would be sent and when, and why anything would be held or dropped."""
    now = datetime.now(UTC)
    with records_session("no preview") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        zone = ZoneInfo(person.timezone)
        facts = gather(session, person, now, zone, rules_from(settings))
        lines = outreach.preview(session, settings, person, facts, now, days)
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


@schedule_app.command("run")
def schedule_run() -> None:
    """Run only the outreach scheduler (a second process is safe on PostgreSQL; on SQLite
    one waits while another holds the lease). `peerline serve` runs one already."""
    settings = Settings()
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    engine = RasaEngine(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
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


@appointment_app.command("add")
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


@appointment_app.command("mark")
def appointment_mark(
    appointment_id: Annotated[int, typer.Argument(help="the appointment's number")],
    status: Annotated[str, typer.Argument(help="attended, missed or cancelled")],
) -> None:
    """Record what happened; 'missed' starts a kind follow-up text."""
    with records_session("not marked") as (_settings, session):
        mark_appointment(session, appointment_id, status)
    console.print(f"[green]appointment {appointment_id} marked {status}[/green]")


@appointment_app.command("list")
def appointment_list(participant: ParticipantRef) -> None:
    """A participant's appointments, in their own time zone, with their answers."""
    with records_session("no list") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
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


def _set_status(participant: str, status: ParticipantStatus, what: str) -> None:
    with records_session("not changed") as (settings, session):
        person = find_participant(session, participant, settings.default_region)
        set_status(session, person, status)
        alias = person.alias
    console.print(f"[green]{alias}: {what}[/green]")


@app.command("pause")
def pause(participant: ParticipantRef) -> None:
    """Hold all outreach to a participant (a break, a hospital stay); texts still answered."""
    _set_status(participant, ParticipantStatus.PAUSED, "outreach paused")


@app.command("resume")
def resume(participant: ParticipantRef) -> None:
    """Resume outreach to a paused participant."""
    _set_status(participant, ParticipantStatus.ACTIVE, "outreach resumed")


@app.command("discharge")
def discharge(participant: ParticipantRef) -> None:
    """End outreach for good (left the program); their texts are still screened and answered."""
    _set_status(participant, ParticipantStatus.DISCHARGED, "discharged; no more outreach")


@app.command("participants")
def list_participants() -> None:
    """List enrolled participants (numbers masked)."""
    table = Table("id", "alias", "phone", "time zone", "status", "consented")
    with records_session("no list") as (_settings, session):
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


@app.command("serve")
def serve(
    with_engine: Annotated[
        bool, typer.Option(help="also start Rasa and the action server")
    ] = False,
) -> None:
    """Run the gateway (and, with --with-engine, the Rasa engine) on loopback."""
    settings = Settings()
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    _run(settings, with_engine)


@app.command("demo")
def demo() -> None:
    """Run the whole product on embedded defaults: SQLite, the sandbox phone, a demo person."""
    settings = Settings(
        twilio_account_sid=None, twilio_auth_token=None, rasa_token=secrets.token_hex(16)
    )
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    _seed_demo_participant(settings)
    password = _seed_demo_peer()
    _run(settings, with_engine=True, banner=True, peer_password=password)


def _seed_demo_participant(settings: Settings) -> None:
    db = Database(settings.database_url)
    with db.session() as session:
        if session.scalar(select(Participant.id).where(Participant.phone == DEMO_PHONE)) is None:
            enrol(
                session,
                phone=DEMO_PHONE,
                alias=DEMO_ALIAS,
                timezone=settings.default_timezone,
                consented_at=datetime.now(UTC),
            )
    db.dispose()


def _seed_demo_peer() -> str:
    """An on-shift demo peer, paged on the sandbox phone, with a fresh password each run
    (printed once, never stored in plain text) so the console can be tried at once."""
    password = secrets.token_urlsafe(9)
    with records_session("no demo peer") as (_settings, session):
        peer = find_staff(session, DEMO_PEER_EMAIL)
        if peer is None:
            peer = add_staff(session, DEMO_PEER_EMAIL, "Rae (demo peer)", StaffRole.PEER, password)
        peer.password_hash = hash_password(password)
        peer.phone, peer.on_shift = DEMO_PEER_PHONE, True
    return password


def _run(
    settings: Settings, with_engine: bool, banner: bool = False, peer_password: str = ""
) -> None:
    engine = EngineProcesses(
        token=settings.rasa_token, rasa_port=settings.rasa_port, action_port=settings.action_port
    )
    if with_engine:
        with console.status("starting the Rasa engine and action server (about a minute)..."):
            try:
                engine.start()
                engine.wait_ready()
            except EngineError as exc:
                engine.stop()
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc
    if banner:
        base = settings.public_base_url
        console.print(
            f"\n[bold green]peerline is running[/bold green]\n"
            f"  sandbox phone:  {base}/sandbox/phone?number=%2B12125550101"
            f"  (you are the demo participant {DEMO_ALIAS}; text 'hi')\n"
            f"  peer console:   {base}/console  (log in as {DEMO_PEER_EMAIL}, password "
            f"{peer_password}; text Sam's phone 'i took too many pills' to see a case arrive)\n"
            f"  peer's phone:   {base}/sandbox/phone?number=%2B12125550150  (pages arrive here)\n"
            f"  health:         {base}/healthz\n"
            f"  Ctrl-C stops everything.\n"
        )
    try:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level="warning",
        )
    finally:
        engine.stop()


@app.command("triage")
def triage_file(
    path: Annotated[Path, typer.Argument(help="CSV with a `text` column, optionally `label`")],
    engine: Annotated[bool, typer.Option(help="also run with the engine's NLU (RASA_URL)")] = True,
    show: Annotated[bool, typer.Option(help="print every decision, not only the misses")] = False,
    min_recall: Annotated[float, typer.Option(help="exit 1 below this recall")] = 0.0,
    max_false_rate: Annotated[float, typer.Option(help="exit 1 above this rate")] = 1.0,
) -> None:
    """Run the production safety decision on a CSV and, with labels, measure it."""
    items = _read_triage_csv(path)
    settings = Settings()
    runs: list[tuple[str, EngineNlu | None]] = [("without the engine", None)]
    rasa = RasaEngine(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
    if engine and rasa.is_ready():
        runs.append(("with the engine", lambda text: parse_intent(rasa, text)))
    elif engine:
        console.print(
            f"[yellow]engine not reachable at {settings.rasa_url}: "
            "reporting without it only[/yellow]"
        )
    failed = False
    for title, nlu in runs:
        scored = []
        for item in track(items, description=f"triage {title}", console=console, transient=True):
            scored.extend(triage.score([item], nlu))
        failed |= _report(title, scored, show, min_recall, max_false_rate)
    rasa.close()
    if failed:
        raise typer.Exit(1)


def _read_triage_csv(path: Path) -> list[triage.Labelled]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        console.print(f"[red]can't read {path}: {exc}[/red]")
        raise typer.Exit(2) from exc
    if not rows or "text" not in rows[0]:
        console.print(f"[red]{path} needs a header row with a `text` column[/red]")
        raise typer.Exit(2)
    return [
        triage.Labelled((r.get("text") or ""), (r.get("label") or "").strip() or None) for r in rows
    ]


def _report(
    title: str, scored: list[triage.Scored], show: bool, min_recall: float, max_false_rate: float
) -> bool:
    """Print decisions and figures; True when a threshold is missed."""
    result = triage.metrics(scored)
    shown = scored if show or result is None else [*result.misses, *result.false_escalations]
    table = Table("level", "escalate", "label", "reasons", "text", title=f"decisions {title}")
    for s in shown:
        decision = s.assessment.decision
        table.add_row(
            decision.level.name.lower(),
            "yes" if s.escalated else "no",
            s.item.label or "",
            ", ".join(s.assessment.reason_codes),
            s.item.text[:80],
        )
    if shown:
        console.print(table)
    if result is None:
        console.print(f"{len(scored)} messages {title}; no labels, no figures")
        return False
    console.print(
        f"[bold]{title}[/bold]: {len(scored)} messages, recall {result.recall:.3f}, "
        f"precision {result.precision:.3f}, false escalations "
        f"{result.false_escalation_rate:.3f}, misses {len(result.misses)}"
    )
    return result.recall < min_recall or result.false_escalation_rate > max_false_rate
