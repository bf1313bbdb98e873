"""`peerline staff`: console accounts and shifts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from console.auth import add_staff, find_staff
from peerline.cli.common import console, records_session
from records.models import StaffRole
from records.phones import to_e164

app = typer.Typer(help="Peer console staff accounts.", no_args_is_help=True)


@app.command("add")
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


@app.command("shift")
def staff_shift(
    email: Annotated[str, typer.Argument(help="log-in e-mail")],
    on: Annotated[bool, typer.Option("--on/--off", help="covering now: gets pages")],
) -> None:
    """Mark someone as covering now, outside the rota (or stop): they are paged for new
    cases. The weekly rota is kept in the console (Rota), by an admin."""
    with records_session("shift not changed") as (_settings, session):
        staff = find_staff(session, email)
        if staff is not None:
            staff.on_shift = on
    if staff is None:
        console.print("[red]no staff member with that e-mail[/red]")
        raise typer.Exit(2)
    console.print(f"[green]{staff.display_name} is {'on' if on else 'off'} shift[/green]")
