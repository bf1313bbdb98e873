"""`peerline db`: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from peerline.cli.common import console, load_settings
from records import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Create or migrate the database named by DATABASE_URL."""
    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]database at revision {revision}[/green]")
