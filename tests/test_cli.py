"""The `peerline` command line, run as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [[], ["db"], ["db", "upgrade"], ["enrol"], ["participants"], ["serve"], ["demo"]]


def peerline(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DATABASE_URL": database_url or "",
        "HOME": str(Path.home()),
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
