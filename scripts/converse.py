"""Play scripted participant conversations through the path a phone uses, and report how the
bot did.

Starts the trained Rasa engine, one `peerline serve` process on a fresh database, the
sandbox carrier and an on-shift synthetic peer; enrols a fresh consented person per
conversation and texts each turn as a signed Twilio webhook, waiting for the turn to finish.
Writes a Markdown report (figures, then every transcript) and prints the figures.

    .venv/bin/python -m scripts.converse data/conversations/sample.yml \
        [--out reports/conversations-sample.md] [--postgres] [--timeout 30]
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from messaging.sandbox import Sandbox, create_sandbox_app
from peerline.engine_process import EngineProcesses
from records import migrate
from records.db import Database
from scripts.converse_play import Line, Transcript, add_peer_on_shift, load, play
from scripts.converse_report import fallback_patterns, figures, markdown, print_figures
from tests.support.processes import serve_processes
from tests.support.servers import serve_in_thread

ACCOUNT_SID, AUTH_TOKEN = "AC" + "5" * 32, "converse-auth-token-000000000000"
PROGRAM = "+12125550100"
PG_ADMIN = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
console = Console(width=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(postgres: bool, tmp: Path) -> Iterator[str]:
    """A fresh, migrated database for this run: a SQLite file, or a PostgreSQL database
    dropped at the end."""
    if not postgres:
        url = f"sqlite:///{tmp / 'converse.db'}"
        migrate.upgrade(url)
        yield url
        return
    name = f"peerline_converse_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def product(postgres: bool) -> Iterator[Line]:
    """The whole product as a phone reaches it; yields the line to text it on."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        engine = EngineProcesses(
            token=secrets.token_hex(16),
            rasa_port=_free_port(),
            action_port=_free_port(),
            state_dir=tmp,
        )
        with console.status("starting the real Rasa engine (about 30 s)..."):
            engine.start()
            stack.callback(engine.stop)
            engine.wait_ready(timeout=600)  # a busy machine loads the model slowly
        url = stack.enter_context(_database(postgres, tmp))
        db = Database(url)
        stack.callback(db.dispose)
        add_peer_on_shift(db)
        sandbox = Sandbox(ACCOUNT_SID, AUTH_TOKEN, PROGRAM, webhook_url="http://127.0.0.1:9/unset")
        sandbox_url = stack.enter_context(serve_in_thread(create_sandbox_app(sandbox)))
        env = {
            "DATABASE_URL": url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": PROGRAM,
            "TWILIO_API_BASE_URL": f"{sandbox_url}/sandbox/twilio",
            "SECRET_KEY": "converse-secret-" + "c" * 24,
            "OUTREACH_CHECKIN_DAYS": "",  # only the scripted texts, no routine nudges
            "RASA_URL": engine.url,
            "RASA_TOKEN": engine.token,
            "LOG_LEVEL": "WARNING",
        }
        with console.status("starting peerline serve..."):
            [app_url] = stack.enter_context(serve_processes(1, [_free_port()], env, tmp))
        line = Line(app_url, AUTH_TOKEN, sandbox, db, PROGRAM)
        stack.callback(line.client.close)
        yield line


def play_all(line: Line, path: Path, timeout: float) -> list[Transcript]:
    """Every conversation of the set, in order, each by a fresh person; with a progress bar."""
    conversations = load(path)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    transcripts = []
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("texts", total=sum(len(c.turns) for c in conversations))
        for index, conversation in enumerate(conversations):
            progress.update(task, description=f"conversation {conversation.id}")
            transcript = play(line, conversation, index, timeout)
            progress.advance(task, len(conversation.turns))
            transcripts.append(transcript)
    return transcripts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "conversations", type=Path, help="a YAML set, e.g. data/conversations/sample.yml"
    )
    parser.add_argument(
        "--out", type=Path, help="the Markdown report (default reports/conversations-SET.md)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database, not SQLite"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per text")
    args = parser.parse_args(argv)
    if not load(args.conversations):
        sys.exit(f"no conversations in {args.conversations}")
    out = args.out or Path("reports") / f"conversations-{args.conversations.stem}.md"
    logging.basicConfig(level=logging.ERROR)  # the runs' own logs would drown the figures
    patterns = fallback_patterns()
    with product(args.postgres) as line:
        transcripts = play_all(line, args.conversations, args.timeout)
    where = "PostgreSQL" if args.postgres else "SQLite"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        markdown(args.conversations.stem, transcripts, patterns, where), encoding="utf-8"
    )
    print_figures(console, args.conversations.stem, figures(transcripts, patterns))
    console.print(f"report: {out}")


if __name__ == "__main__":
    main()
