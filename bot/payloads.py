"""Record writes the engine asks for, as custom payloads (docs/architecture.md, "The engine
contract"). The app stays the only writer of its records; anything malformed is logged by
type and dropped, never raised, so a bad payload cannot block a participant's replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.escalate import Escalator, Signal
from records.models import (
    Appointment,
    AppointmentStatus,
    CaseLevel,
    CheckIn,
    Participant,
)

log = logging.getLogger(__name__)

ANSWERS = {
    "confirm": AppointmentStatus.CONFIRMED,
    "cant_make_it": AppointmentStatus.CANT_MAKE_IT,
    "reschedule": AppointmentStatus.RESCHEDULE_REQUESTED,
    "cancel": AppointmentStatus.CANCELLED,
}
OPEN_APPOINTMENT = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CANT_MAKE_IT,
    AppointmentStatus.RESCHEDULE_REQUESTED,
    AppointmentStatus.MISSED,
)


@dataclass(frozen=True)
class PayloadContext:
    session: Session
    participant: Participant
    message_id: int  # the inbound text (a turn) or the first outbound text (outreach)
    now: datetime
    escalator: Escalator
    inbound: bool = True


def apply(ctx: PayloadContext, custom: dict[str, Any]) -> str | None:
    """Apply one `{"peerline": {...}}` payload; returns its type when it was applied."""
    body = custom.get("peerline")
    kind = body.get("type") if isinstance(body, dict) else None
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None or not isinstance(body, dict):
        log.warning("message %d: engine payload of unknown type ignored", ctx.message_id)
        return None
    handler(ctx, body)
    return str(kind)


def _checkin(ctx: PayloadContext, body: dict[str, Any]) -> None:
    """A check-in as answered so far. With a key, answers update the one record of that
    check-in, so a partial check-in is a record from its first answer on."""
    raw = body.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    key = _text(body.get("key"), 40)
    checkin = _keyed_checkin(ctx, key) if key else None
    if checkin is None:
        checkin = CheckIn(
            participant_id=ctx.participant.id,
            barriers=[],
            complete=False,
            engine_key=key,
            message_id=ctx.message_id,
            created_at=ctx.now,
        )
        ctx.session.add(checkin)
    barriers = data.get("barriers")
    answers = {
        "mood": _bounded(data.get("mood"), 1, 5),
        "craving": _bounded(data.get("craving"), 0, 10),
        "use": _text(data.get("use"), 200),
        "medication": _text(data.get("medication"), 200),
        "barriers": [str(b)[:40] for b in barriers] if isinstance(barriers, list) else None,
        "wants_peer": data.get("wants_peer") if isinstance(data.get("wants_peer"), bool) else None,
    }
    for field, value in answers.items():
        if value is not None:  # an answer once given is kept
            setattr(checkin, field, value)
    checkin.complete = checkin.complete or data.get("complete") is True


def _keyed_checkin(ctx: PayloadContext, key: str) -> CheckIn | None:
    return ctx.session.scalar(
        select(CheckIn)
        .where(CheckIn.participant_id == ctx.participant.id, CheckIn.engine_key == key)
        .limit(1)
    )


def _appointment_answer(ctx: PayloadContext, body: dict[str, Any]) -> None:
    status = ANSWERS.get(str(body.get("answer")))
    appointment = ctx.session.scalar(
        select(Appointment)
        .where(
            Appointment.participant_id == ctx.participant.id,
            Appointment.status.in_(OPEN_APPOINTMENT),
        )
        .order_by(Appointment.nudged_at.desc().nulls_last(), Appointment.starts_at)
        .limit(1)
    )
    if status is None or appointment is None:
        log.warning("message %d: appointment answer with nothing to apply to", ctx.message_id)
        return
    appointment.status = status
    appointment.answer_reason = _text(body.get("reason"), 300)
    appointment.answered_at = ctx.now
    requested_for = _day(body.get("requested_for"))
    if requested_for is not None:
        appointment.requested_for = requested_for
        week = "the week of " if body.get("requested_week") is True else ""
        verb = "move to" if status == AppointmentStatus.RESCHEDULE_REQUESTED else "cancel for"
        appointment.requested_change = f"{verb} {week}{requested_for:%a %b} {requested_for.day}"


def _peer_request(ctx: PayloadContext, body: dict[str, Any]) -> None:
    """The person asked for their peer (or named a barrier): the one escalation path, at
    support level, so it is paged, re-paged and shown live like any other case."""
    reason = _text(body.get("reason"), 60) or "wants_peer"
    barrier = _text(body.get("barrier"), 40)
    reasons = (reason, *([f"barrier:{barrier}"] if barrier else []))
    signal = Signal(
        CaseLevel.SUPPORT, reasons, "conversation", ctx.message_id if ctx.inbound else None
    )
    ctx.escalator.escalate(
        ctx.session,
        participant=ctx.participant,
        phone=ctx.participant.phone,
        signal=signal,
        now=ctx.now,
    )


def _context(ctx: PayloadContext, body: dict[str, Any]) -> None:
    ctx.participant.awaiting_answer = _text(body.get("asked"), 30)
    ctx.participant.awaiting_since = ctx.now


def _risk(ctx: PayloadContext, body: dict[str, Any]) -> None:
    # The safety screen reads the engine's intent from the turn itself; nothing to store.
    log.info("message %d: engine flagged %s", ctx.message_id, _text(body.get("intent"), 40))


HANDLERS: dict[str, Callable[[PayloadContext, dict[str, Any]], None]] = {
    "checkin": _checkin,
    "appointment_answer": _appointment_answer,
    "peer_request": _peer_request,
    "context": _context,
    "risk": _risk,
}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _bounded(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if low <= number <= high else None


def _text(value: Any, limit: int) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text[:limit] or None
