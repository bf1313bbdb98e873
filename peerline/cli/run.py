"""`peerline serve` and `peerline demo`: the whole product, with or without the engine."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import select

from console.auth import add_staff, find_staff, hash_password
from peerline import logs
from peerline.app import create_app
from peerline.cli.common import console, load_settings, records_session
from peerline.engine_process import EngineError, EngineProcesses
from records import migrate
from records.db import Database
from records.models import Participant, StaffRole
from records.participants import enrol
from records.settings import Settings

DEMO_PHONE = "+12125550101"
DEMO_ALIAS = "Sam"
DEMO_PEER_EMAIL = "rae@peers.example"
DEMO_PEER_PHONE = "+12125550150"


def serve(
    with_engine: Annotated[
        bool, typer.Option(help="also start Rasa and the action server")
    ] = False,
) -> None:
    """Run the gateway (and, with --with-engine, the Rasa engine) on loopback."""
    settings = load_settings()
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    _run(settings, with_engine)


def demo() -> None:
    """Run the whole product on embedded defaults: SQLite, the sandbox phone, a demo person."""
    settings = load_settings(
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
