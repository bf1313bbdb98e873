"""The audit trail's one writer: every disclosure of a participant's record, from the console
or the command line, is a row here (42 CFR Part 2 asks who saw what, and when).

Rows carry codes and field names, never message text or phone numbers.
"""

from __future__ import annotations

import getpass
from datetime import datetime

from sqlalchemy.orm import Session

from records.models import AuditEvent


def record(
    session: Session,
    action: str,
    now: datetime,
    *,
    staff_id: int | None = None,
    actor: str | None = None,
    participant_id: int | None = None,
    detail: str | None = None,
) -> None:
    """One audit row; `staff_id` for a console account, `actor` for anyone else."""
    session.add(
        AuditEvent(
            staff_id=staff_id,
            actor=actor[:80] if actor else None,
            participant_id=participant_id,
            action=action[:40],
            detail=detail[:200] if detail else None,
            at=now,
        )
    )


def cli_actor() -> str:
    """Who ran a command: the operating-system account, the best a terminal can tell us."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli:unknown"
