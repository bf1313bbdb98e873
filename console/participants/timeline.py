"""One participant's timeline: texts in and out, check-ins, appointments and their answers,
outreach sent, held or dropped with its reason, and cases with their outcomes and notes,
newest first, as plain rows for the templates (numbers never shown in full)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Mapped, Session

from console.program.tables import Period
from console.summaries.summary import Source
from records.models import (
    Appointment,
    Case,
    CheckIn,
    Direction,
    Message,
    MessageKind,
    Outreach,
    Participant,
    StaffUser,
)

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
LIMIT = 400  # one period's worth; a longer period is paged by narrowing it


@dataclass(frozen=True)
class Entry:
    at: datetime
    when: str  # local, readable
    kind: str  # message | checkin | appointment | case | outreach
    id: int
    title: str
    detail: str
    tone: str = ""  # "in" | "out" | "concern" | "": how the row is drawn

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %b %d %H:%M}"


def timeline(
    session: Session,
    participant: Participant,
    period: Period | None = None,
    only: set[Source] | None = None,
) -> list[Entry]:
    """The period's records (or exactly `only`), newest first."""
    zone = ZoneInfo(participant.timezone)
    entries = [
        *_messages(session, participant, period, only, zone),
        *_checkins(session, participant, period, only, zone),
        *_appointments(session, participant, period, only, zone),
        *_outreach(session, participant, period, only, zone),
        *_cases(session, participant, period, only, zone),
    ]
    return sorted(entries, key=lambda e: (e.at, e.key), reverse=True)[:LIMIT]


def _ids(only: set[Source] | None, kind: str) -> list[int] | None:
    return None if only is None else [s.id for s in only if s.kind == kind]


def _between(column: Mapped[datetime], period: Period | None) -> list[ColumnElement[bool]]:
    if period is None:
        return []
    return [column >= period.start, column < period.end]


def _scoped(
    query: Q,
    kind: str,
    id_column: Mapped[int],
    at_column: Mapped[datetime],
    only: set[Source] | None,
    period: Period | None,
) -> Q:
    """Exactly the records a summary statement cites (`only`), or the period's."""
    ids = _ids(only, kind)
    if ids is not None:
        return query.where(id_column.in_(ids))
    return query.where(*_between(at_column, period))


def _messages(
    session: Session,
    p: Participant,
    period: Period | None,
    only: set[Source] | None,
    zone: ZoneInfo,
) -> list[Entry]:
    query = select(Message).where(Message.participant_id == p.id, Message.kind != MessageKind.PAGE)
    query = _scoped(query, "message", Message.id, Message.created_at, only, period)
    rows = session.scalars(query.order_by(Message.id.desc()).limit(LIMIT))
    return [_message(m, zone) for m in rows]


def _message(m: Message, zone: ZoneInfo) -> Entry:
    inbound = m.direction == Direction.INBOUND
    body = m.body if m.body or not m.num_media else "[picture]"
    title = "They texted" if inbound else _SENT.get(m.kind, "Sent")
    extra = "" if inbound else f" ({m.status})"
    tone = "concern" if m.risk_level in ("urgent", "emergency") else ("in" if inbound else "out")
    return Entry(
        m.created_at, _when(m.created_at, zone), "message", m.id, title, body + extra, tone
    )


_SENT = {
    MessageKind.REPLY: "Bot replied",
    MessageKind.NUDGE: "Outreach text",
    MessageKind.SAFETY: "Safety text",
    MessageKind.PEER: "Peer texted",
}


def _checkins(
    session: Session,
    p: Participant,
    period: Period | None,
    only: set[Source] | None,
    zone: ZoneInfo,
) -> list[Entry]:
    query = select(CheckIn).where(CheckIn.participant_id == p.id)
    query = _scoped(query, "checkin", CheckIn.id, CheckIn.created_at, only, period)
    entries = []
    for c in session.scalars(query):
        parts = [
            f"mood {c.mood}/5" if c.mood is not None else "",
            f"craving {c.craving}/10" if c.craving is not None else "",
            f"use: {c.use}" if c.use else "",
            f"medication: {c.medication}" if c.medication else "",
            f"barriers: {', '.join(c.barriers)}" if c.barriers else "",
        ]
        title = "Check-in" if c.complete else "Check-in (partial)"
        detail = "; ".join(part for part in parts if part) or "no answers"
        entries.append(
            Entry(c.created_at, _when(c.created_at, zone), "checkin", c.id, title, detail)
        )
    return entries


def _appointments(
    session: Session,
    p: Participant,
    period: Period | None,
    only: set[Source] | None,
    zone: ZoneInfo,
) -> list[Entry]:
    query = select(Appointment).where(Appointment.participant_id == p.id)
    query = _scoped(query, "appointment", Appointment.id, Appointment.starts_at, only, period)
    entries = []
    for a in session.scalars(query):
        answer = f"; they said: {a.answer_reason}" if a.answer_reason else ""
        detail = f"{a.kind} at {a.location or 'no place given'}: {a.status}{answer}"
        tone = "concern" if a.status == "missed" else ""
        entries.append(
            Entry(
                a.starts_at,
                _when(a.starts_at, zone),
                "appointment",
                a.id,
                "Appointment",
                detail,
                tone,
            )
        )
    return entries


def _outreach(
    session: Session,
    p: Participant,
    period: Period | None,
    only: set[Source] | None,
    zone: ZoneInfo,
) -> list[Entry]:
    query = select(Outreach).where(Outreach.participant_id == p.id)
    query = _scoped(query, "outreach", Outreach.id, Outreach.target_at, only, period)
    entries = []
    for o in session.scalars(query):
        at = o.sent_at or o.target_at
        reason = f" ({o.reason})" if o.reason else ""
        title = f"Outreach: {str(o.kind).replace('_', ' ')}"
        entries.append(Entry(at, _when(at, zone), "outreach", o.id, title, f"{o.status}{reason}"))
    return entries


def _cases(
    session: Session,
    p: Participant,
    period: Period | None,
    only: set[Source] | None,
    zone: ZoneInfo,
) -> list[Entry]:
    query = select(Case, StaffUser.display_name).outerjoin(
        StaffUser, StaffUser.id == Case.claimed_by_id
    )
    query = query.where(Case.participant_id == p.id)
    query = _scoped(query, "case", Case.id, Case.opened_at, only, period)
    entries = []
    for case, peer in session.execute(query).all():
        ended = f"resolved: {case.outcome}" if case.outcome else str(case.status)
        moud = f"; MOUD: {case.moud_linkage}" if case.moud_linkage else ""
        by = f"; peer: {peer}" if peer else ""
        notes = f"; notes: {case.notes}" if case.notes else ""
        reasons = ", ".join(case.reasons)
        detail = f"{reasons}. {ended}{moud}{by}{notes}"
        title = f"{str(case.level).title()} case #{case.id}"
        entries.append(
            Entry(
                case.opened_at,
                _when(case.opened_at, zone),
                "case",
                case.id,
                title,
                detail,
                "concern",
            )
        )
    return entries
