"""`peerline serve` and `peerline demo`: the whole product, with or without the engine."""

from __future__ import annotations

import gc
import secrets
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn

from peerline import logs
from peerline.app import create_app
from peerline.cli.common import console, load_settings
from peerline.demo import DEMO_ALIAS, Logins, refusal, seed
from peerline.engine_process import EngineError, engine_processes
from records import migrate
from records.settings import Settings


class Role(StrEnum):
    ALL = "all"
    WEB = "web"
    WORK = "work"


def serve(
    with_engine: Annotated[
        bool, typer.Option(help="also start Rasa and the action server")
    ] = False,
    role: Annotated[
        Role | None,
        typer.Option(help="all (default), web (webhooks, console) or work (the loops); ROLE"),
    ] = None,
) -> None:
    """Run the gateway (and, with --with-engine, the Rasa engine) on loopback."""
    settings = load_settings(**({"role": role.value} if role else {}))
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    _run(settings, with_engine)


def demo() -> None:
    """Run the whole product on embedded defaults: SQLite, the sandbox phone, demo people,
    staff in every role and a few weeks of synthetic history. Refuses a database with real
    participants in it, and real Twilio credentials."""
    problem = refusal(load_settings())
    if problem is not None:
        console.print(f"[red]peerline demo refused: {problem}[/red]")
        raise typer.Exit(2)
    settings = load_settings(rasa_token=secrets.token_hex(16))
    logs.configure(settings.log_level)
    migrate.upgrade(settings.database_url)
    with console.status("seeding the demo: people, staff and a few weeks of history..."):
        logins = seed(settings)
    _run(settings, with_engine=True, logins=logins)


def _run(settings: Settings, with_engine: bool, logins: Logins | None = None) -> None:
    engine = engine_processes(settings)
    if with_engine:
        with console.status("starting the Rasa engine and action server (about a minute)..."):
            try:
                engine.start()
                engine.wait_ready()
            except EngineError as exc:
                engine.stop()
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc
    if logins is not None:
        _banner(settings, logins)
    try:
        app = create_app(settings)
        # What is loaded by now lives as long as the process: leave it out of the collector's
        # full passes, which otherwise stalled a burst of webhooks by ~100 ms (docs/deploy.md).
        gc.collect()
        gc.freeze()
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level="warning",
        )
    finally:
        engine.stop()


def _banner(settings: Settings, logins: Logins) -> None:
    base = settings.public_base_url
    lines = [
        "",
        "[bold green]peerline is running[/bold green]",
        f"  sandbox phone:  {base}/sandbox/phone?number=%2B12125550101  (you are the demo "
        f"participant {DEMO_ALIAS}; text 'hi', or 'i took too many pills' to see a case arrive)",
        f"  peer's phone:   {base}/sandbox/phone?number=%2B12125550150  (pages arrive here)",
        f"  console:        {base}/console  (log in as any of these; passwords are new each run)",
    ]
    for role, (email, password) in logins.by_role.items():
        lines.append(f"    {role:<12}  {email:<22}  {password}")
    lines += [f"  health:         {base}/healthz", "  Ctrl-C stops everything.", ""]
    console.print("\n".join(lines))
