"""The `peerline` command line, run as a user would run it."""

from __future__ import annotations

import getpass
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["enrol"],
    ["participants"],
    ["serve"],
    ["demo"],
    ["schedule"],
    ["schedule", "set"],
    ["schedule", "preview"],
    ["schedule", "run"],
    ["appointment"],
    ["appointment", "add"],
    ["appointment", "mark"],
    ["appointment", "list"],
    ["pause"],
    ["resume"],
    ["discharge"],
]


def peerline(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DATABASE_URL": database_url or "",
        "HOME": str(Path.home()),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "peerline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "peerline")
def test_every_command_has_help(command: list[str]) -> None:
    result = peerline(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_upgrade_enrol_and_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert peerline("db", "upgrade", database_url=url).returncode == 0
    enrolled = peerline(
        "enrol",
        "(212) 555-0142",
        "--alias",
        "Robin",
        "--timezone",
        "America/Chicago",
        database_url=url,
    )
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
    assert "Robin" in enrolled.stdout and "5550142" not in enrolled.stdout
    listing = peerline("participants", database_url=url)
    assert "Robin" in listing.stdout and "America/Chicago" in listing.stdout
    assert "555-0142" not in listing.stdout and "5550142" not in listing.stdout
    appointments = peerline("appointment", "list", "(212) 555-0142", database_url=url)
    assert appointments.returncode == 0, appointments.stderr

    # reading participants' records from a terminal leaves the console's audit trail
    with sqlite3.connect(tmp_path / "cli.db") as con:
        rows = con.execute(
            "SELECT action, actor, staff_id, participant_id FROM audit_events ORDER BY id"
        ).fetchall()
    actor = f"cli:{getpass.getuser()}"
    assert rows == [
        ("cli_list_participants", actor, None, None),
        ("cli_list_appointments", actor, None, 1),
    ]


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["not-a-number", "--alias", "Kim"], "not a"),
        (["(212) 555-0143", "--alias", "Kim", "--timezone", "Mars/Base"], "time zone"),
        (["(212) 555-0143", "--alias", "   "], "alias"),
    ],
)
def test_enrol_refuses_bad_input_clearly(tmp_path: Path, args: list[str], complaint: str) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    peerline("db", "upgrade", database_url=url)
    result = peerline("enrol", *args, database_url=url)
    assert result.returncode == 2
    assert complaint in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_enrolling_the_same_phone_twice_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    peerline("db", "upgrade", database_url=url)
    assert peerline("enrol", "+12125550144", "--alias", "A", database_url=url).returncode == 0
    again = peerline("enrol", "212-555-0144", "--alias", "B", database_url=url)
    assert again.returncode == 2 and "already enrolled" in again.stdout


def test_schedule_appointments_and_a_preview_that_says_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    peerline("db", "upgrade", database_url=url)
    enrolled = peerline(
        "enrol",
        "+12125550145",
        "--alias",
        "Lee",
        "--timezone",
        "America/Denver",
        "--checkin-days",
        "mon,tue,wed,thu,fri,sat,sun",
        "--window",
        "10:00-10:30",
        database_url=url,
    )
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
    changed = peerline("schedule", "set", "+12125550145", "--refill-every", "1", database_url=url)
    assert changed.returncode == 0 and "refills every 1 day" in changed.stdout, changed.stdout
    booked = peerline(
        "appointment",
        "add",
        "(212) 555-0145",
        "--at",
        "2099-01-05 09:15",
        "--kind",
        "prescriber_visit",
        database_url=url,
    )
    assert booked.returncode == 0 and "Mon Jan 05 09:15 local" in booked.stdout, booked.stdout
    listing = peerline("appointment", "list", "+12125550145", database_url=url)
    assert "prescriber visit" in listing.stdout and "scheduled" in listing.stdout
    preview = peerline(
        "schedule", "preview", "--participant", "+12125550145", "--days", "3", database_url=url
    )
    assert preview.returncode == 0, preview.stdout + preview.stderr
    out = preview.stdout
    assert "checkin" in out and "medication_nudge" in out
    assert "daily_cap" in out, "a check-in and a refill reminder on one day: one is held"
    assert "America/Denver" in out
    marked = peerline("appointment", "mark", "1", "missed", database_url=url)
    assert marked.returncode == 0


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["schedule", "set", "+12125550146", "--days", "funday"], "unknown day"),
        (["schedule", "set", "+12125550146", "--window", "9-5"], "time span"),
        (["schedule", "set", "+12125550199", "--days", "mon"], "no participant"),
        (["appointment", "add", "+12125550146", "--at", "soon", "--kind", "dosing"], "not a date"),
        (
            ["appointment", "add", "+12125550146", "--at", "2099-01-01 10:00", "--kind", "spa"],
            "unknown kind",
        ),
        (["appointment", "mark", "99", "missed"], "no appointment"),
        (["appointment", "mark", "1", "maybe"], "mark as one of"),
    ],
)
def test_outreach_commands_refuse_bad_input_clearly(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    peerline("db", "upgrade", database_url=url)
    peerline("enrol", "+12125550146", "--alias", "Jo", database_url=url)
    result = peerline(*args, database_url=url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert complaint in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_demo_seeds_every_role_with_fresh_passwords_and_history_once(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from console.auth import authenticate
    from peerline.demo import DEMO_PEER_EMAIL, seed
    from records import migrate
    from records.db import Database
    from records.models import Case, CheckIn, Message, Participant
    from records.settings import Settings

    url = f"sqlite:///{tmp_path}/demo.db"
    migrate.upgrade(url)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    first, second = seed(settings), seed(settings)
    assert set(first.by_role) == {"peer", "supervisor", "coordinator", "admin"}
    db = Database(url)
    with db.session() as session:
        for role, (email, password) in second.by_role.items():
            assert authenticate(session, email, first.by_role[role][1]) is None, role
            assert authenticate(session, email, password) is not None, role
        peer = authenticate(session, DEMO_PEER_EMAIL, second.by_role["peer"][1])
        assert peer is not None and peer.on_shift and peer.phone == "+12125550150"
        people = session.scalar(select(func.count()).select_from(Participant))
        texts = session.scalar(select(func.count()).select_from(Message))
        checkins = session.scalar(select(func.count()).select_from(CheckIn))
        assert session.scalar(select(func.count()).select_from(Case)) is not None
    assert people == 13, "Sam and twelve people with history, added once"
    assert (texts or 0) > 100 and (checkins or 0) > 20
    db.dispose()


def test_pause_resume_and_discharge_change_what_outreach_may_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    peerline("db", "upgrade", database_url=url)
    peerline("enrol", "+12125550148", "--alias", "Kit", database_url=url)
    assert "outreach paused" in peerline("pause", "+12125550148", database_url=url).stdout
    preview = peerline("schedule", "preview", "--participant", "+12125550148", database_url=url)
    assert "paused" in preview.stdout, preview.stdout
    assert "paused" in peerline("participants", database_url=url).stdout
    assert "resumed" in peerline("resume", "+12125550148", database_url=url).stdout
    assert "discharged" in peerline("discharge", "+12125550148", database_url=url).stdout
    assert "discharged" in peerline("participants", database_url=url).stdout
    missing = peerline("pause", "+12125550199", database_url=url)
    assert missing.returncode == 2 and "no participant" in missing.stdout
