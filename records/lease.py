"""A named lease in the database: one process at a time does a shared job.

Used where the job is periodic and must not run in several app processes at once on either
database (the retention purge); a conditional UPDATE decides between two processes, and a
process that dies simply lets the lease lapse. The rows live in `scheduler_leases`, beside
the outreach scheduler's own lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from records.db import Database
from records.models import SchedulerLease


def take_lapsed(db: Database, name: str, holder: str, now: datetime, hold_for: timedelta) -> bool:
    """Take the lease if nobody holds it (or its holder's time is up), for `hold_for`.
    Not renewable by its holder: a periodic job runs once per `hold_for` across processes."""
    try:
        with db.session() as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == name, SchedulerLease.expires_at <= now)
                .values(holder=holder, expires_at=now + hold_for)
            ).rowcount  # type: ignore[attr-defined]
            if taken:
                return True
            if session.get(SchedulerLease, name) is not None:
                return False
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + hold_for))
    except IntegrityError:  # another process created it this instant
        return False
    return True
