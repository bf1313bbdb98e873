"""`peerline`: the command line for operators and for `make demo`, one module per group."""

from __future__ import annotations

import typer

from peerline.cli import (
    appointments,
    database,
    engine,
    participants,
    run,
    schedule,
    staff,
    triage,
)

app = typer.Typer(
    help="peerline: SMS peer check-ins for people in MOUD treatment.", no_args_is_help=True
)
app.add_typer(database.app, name="db")
app.add_typer(staff.app, name="staff")
app.add_typer(schedule.app, name="schedule")
app.add_typer(appointments.app, name="appointment")
app.add_typer(engine.app, name="engine")
app.command("enrol")(participants.enrol_participant)
app.command("participants")(participants.list_participants)
app.command("pause")(participants.pause)
app.command("resume")(participants.resume)
app.command("discharge")(participants.discharge)
app.command("serve")(run.serve)
app.command("demo")(run.demo)
app.command("triage")(triage.triage_file)

__all__ = ["app"]
