"""`peerline`: the command line for operators and for `make demo`."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from peerline import logs
from peerline.app import create_app
from peerline.engine_process import EngineError, EngineProcesses
from records import migrate
from records.db import Database
from records.models import Participant
from records.participants import EnrolmentError, enrol
from records.phones import InvalidPhoneNumber, mask
from records.settings import Settings

app = typer.Typer(
    help="peerline: SMS peer check-ins for people in MOUD treatment.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()

DEMO_PHONE = "+12125550101"
DEMO_ALIAS = "Sam"


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
) -> None:
    """Enrol a participant so their texts reach the assistant."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            participant = enrol(
                session,
                phone=phone,
                alias=alias,
                timezone=timezone or settings.default_timezone,
                consented_at=datetime.now(UTC) if consented else None,
                default_region=settings.default_region,
            )
            public_id, masked = participant.public_id, mask(participant.phone)
    except (EnrolmentError, InvalidPhoneNumber) as exc:
        console.print(f"[red]not enrolled: {exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    console.print(f"[green]enrolled {alias} ({masked}) as {public_id}[/green]")


@app.command("participants")
def list_participants() -> None:
    """List enrolled participants (numbers masked)."""
    settings = Settings()
    db = Database(settings.database_url)
    table = Table("id", "alias", "phone", "time zone", "status", "consented")
    with db.session() as session:
        for p in session.scalars(select(Participant).order_by(Participant.id)):
            table.add_row(
                p.public_id,
                p.alias,
                mask(p.phone),
                p.timezone,
                p.status,
                "yes" if p.consented_at else "no",
            )
    db.dispose()
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
    _run(settings, with_engine=True, banner=True)


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


def _run(settings: Settings, with_engine: bool, banner: bool = False) -> None:
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
