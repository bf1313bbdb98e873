"""What every command shares: one place that reads Settings, one unit of work per command
that turns refused input into a clear message and exit code 2, and the console output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from console.auth import StaffError
from records import audit
from records.db import Database
from records.models import utcnow
from records.participants import EnrolmentError
from records.phones import InvalidPhoneNumber
from records.schedules import ScheduleError
from records.settings import Settings

console = Console()
USER_ERRORS = (EnrolmentError, InvalidPhoneNumber, ScheduleError, StaffError)
ParticipantRef = Annotated[str, typer.Argument(help="participant id (p-...) or phone number")]


def load_settings(**overrides: Any) -> Settings:
    """The deployment's settings (environment and .env), the one place commands read them."""
    return Settings(**overrides)


@contextmanager
def records_session(refusal: str) -> Iterator[tuple[Settings, Session]]:
    """One unit of work for a command: settings and a session, committed on success. Input
    that the records refuse ends the command with its reason and exit code 2, not a
    traceback."""
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            yield settings, session
    except USER_ERRORS as exc:
        console.print(f"[red]{refusal}: {exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()


def audit_read(session: Session, action: str, participant_id: int | None = None) -> None:
    """A command that shows participants' records leaves the same trail as the console."""
    audit.record(session, action, utcnow(), actor=audit.cli_actor(), participant_id=participant_id)
