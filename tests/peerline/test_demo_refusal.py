"""`peerline demo` writes an on-shift peer with a printed password and a demo participant:
it must refuse a database that holds real people, and real Twilio credentials."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from records import migrate
from records.db import Database
from records.models import Participant, StaffUser
from records.participants import enrol
from records.settings import Settings

TIMEOUT = 120


def demo(database_url: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(Path.home()),
        "DATABASE_URL": database_url,
        "RASA_TOKEN": "t" * 40,
        "COLUMNS": "200",
        **extra,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "peerline"), "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def program_database(tmp_path: Path, phone: str) -> str:
    url = f"sqlite:///{tmp_path / 'program.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        enrol(session, phone=phone, alias="Jo", timezone="UTC", consented_at=datetime.now(UTC))
    db.dispose()
    return url


def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    with db.session() as session:
        people = session.scalar(select(func.count()).select_from(Participant)) or 0
        staff = session.scalar(select(func.count()).select_from(StaffUser)) or 0
    db.dispose()
    return people, staff


def test_refuses_a_database_with_a_real_participant(tmp_path: Path) -> None:
    url = program_database(tmp_path, "+12125551234")  # not in the fictional 555-01xx range
    run = demo(url, tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "real phone numbers" in run.stdout and "+12125551234" not in run.stdout
    assert counts(url) == (1, 0), "nothing was seeded: no demo peer, no demo participant"


def test_refuses_real_twilio_credentials(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    run = demo(
        url,
        tmp_path,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="a" * 32,
        SECRET_KEY="s" * 48,
        ON_CALL_NUMBER="+12125550199",
        PUBLIC_BASE_URL="https://peerline.example",
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Twilio credentials are set" in run.stdout


def test_a_demo_database_may_be_seeded_again(tmp_path: Path) -> None:
    """Only fictional numbers: the refusal check lets the demo carry on (it is idempotent)."""
    from peerline.demo import refusal

    url = program_database(tmp_path, "+12125550142")
    assert refusal(Settings(database_url=url, rasa_token="t" * 40)) is None
    assert (
        refusal(Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}", rasa_token="t" * 40))
        is None
    )
