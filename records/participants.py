"""Enrolling participants: the one place a phone, a time zone and consent are checked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import Participant, ParticipantStatus
from records.phones import to_e164


class EnrolmentError(ValueError):
    pass


def enrol(
    session: Session,
    *,
    phone: str,
    alias: str,
    timezone: str,
    consented_at: datetime | None,
    default_region: str = "US",
) -> Participant:
    """Add a participant; the phone is stored as E.164 and must not be enrolled already."""
    e164 = to_e164(phone, default_region)
    alias = alias.strip()
    if not alias or len(alias) > 80:
        raise EnrolmentError("alias must be 1-80 characters")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EnrolmentError(f"unknown time zone {timezone!r} (use an IANA name)") from exc
    if session.scalar(select(Participant.id).where(Participant.phone == e164)):
        raise EnrolmentError("that phone number is already enrolled")
    participant = Participant(phone=e164, alias=alias, timezone=timezone, consented_at=consented_at)
    session.add(participant)
    session.flush()
    return participant


def find_participant(session: Session, ref: str, default_region: str = "US") -> Participant:
    """A participant by public id ('p-...') or by phone number, as staff type them."""
    ref = ref.strip()
    if ref.startswith("p-"):
        found = session.scalar(select(Participant).where(Participant.public_id == ref))
    else:
        found = session.scalar(
            select(Participant).where(Participant.phone == to_e164(ref, default_region))
        )
    if found is None:
        raise EnrolmentError("no participant with that id or number")
    return found


def set_status(session: Session, participant: Participant, status: ParticipantStatus) -> None:
    """Pause (a break, a hospital stay: outreach is held), resume, or discharge (outreach
    stops for good). Their own texts are still screened and answered in every status."""
    participant.status = status
