"""`peerline engine rasa|actions`: one engine process in the foreground, for a deployment
that runs Rasa replicas and the action server under its own supervisor (docs/deploy.md).

Each replaces this process (exec), so the supervisor's signals reach rasa itself; the
endpoints file is written first from the settings, and the token goes in the environment.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from peerline.cli.common import load_settings
from peerline.engine_process import engine_env, engine_processes
from records.migrate import REPO_ROOT

app = typer.Typer(help="run one Rasa replica or the action server in the foreground")


@app.command("rasa")
def rasa(
    port: Annotated[int, typer.Option(help="this replica's port (loopback)")] = 5005,
) -> None:
    """One Rasa replica, on the tracker and lock stores the settings name."""
    settings = load_settings()
    processes = engine_processes(settings, rasa_port=port)
    argv = processes.rasa_argv(processes.endpoints())
    os.chdir(REPO_ROOT)
    os.umask(0o077)
    os.nice(settings.engine_nice)  # kept across exec (README: ENGINE_NICE)
    os.execve(argv[0], argv, engine_env(settings.rasa_token))


@app.command("actions")
def actions() -> None:
    """The action server, on ACTION_SERVER_URL's port (one serves every replica)."""
    settings = load_settings()
    argv = engine_processes(settings).actions_argv()
    os.chdir(REPO_ROOT)
    os.umask(0o077)
    os.nice(settings.engine_nice)
    os.execve(argv[0], argv, engine_env(settings.rasa_token))
