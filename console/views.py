"""What the console shows, read from the records: plain rows for the templates.

Kept apart from the routes so the wording of ages, reasons and senders is in one place, and
so no template ever sees a participant's full phone number (only `mask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.auth import WORKERS
from escalation import cases
from messaging.outbox import is_opted_out
from records.models import (
    Appointment,
    Case,
    CaseEvent,
    CaseLevel,
    CaseStatus,
    CheckIn,
    Direction,
    Message,
    MessageKind,
    Participant,
    StaffRole,
    StaffUser,
)
from records.phones import mask

RECENT_MESSAGES = 30
RECENT_CHECKINS = 5

REASON_LABELS = {  # codes come from the safety screen; unknown codes are humanised
    "overdose_now": "Overdose happening now",
    "overdose_recent": "Recent overdose",
    "using_alone": "Using alone",
    "low_tolerance": "Low tolerance",
    "polysubstance": "Mixing substances",
    "high_craving": "High craving",
    "peer_request": "Asked for a peer",
    "bot_could_not_answer": "The bot could not answer a text",
    "silent_after_reengage": "Silent after a gentle check-in",
}
CONTACT_NOTES = {  # how a peer can reach the person, when texting is not the way
    "opted_out": "This number opted out of texts: call, don't text.",
    "not_enrolled": "Not enrolled: this number is not in the program.",
}
NOBODY_PAGED = "Nobody was paged: no one is on shift and there is no on-call number."
STATUS_LABELS = {
    CaseStatus.OPEN: "Waiting",
    CaseStatus.CLAIMED: "Claimed",
    CaseStatus.HANDED_BACK: "Handed back to the bot",
    CaseStatus.RESOLVED: "Resolved",
}
OUTCOME_LABELS = {
    "safe": "Safe",
    "connected_to_care": "Connected to care",
    "emergency_services_called": "Emergency services called",
    "no_response": "No response",
}
SENDER_LABELS = {
    MessageKind.REPLY: "Bot",
    MessageKind.SAFETY: "Safety text",
    MessageKind.COMPLIANCE: "Automatic",
    MessageKind.OPT_OUT_CONFIRMATION: "Automatic",
    MessageKind.MEDIA_NOTICE: "Automatic",
    MessageKind.UNKNOWN_SENDER: "Automatic",
}


def age(since: datetime, now: datetime) -> str:
    """'just now', '4 min', '1 h 5 min', '3 d': readable at a glance on a small screen."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} d"


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code) or code.replace("_", " ").strip().capitalize()


def clock_time(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    local, today = moment.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%b %d %H:%M")


@dataclass(frozen=True)
class Person:
    """Who a case is about, as the console may show them: an alias and a masked number."""

    alias: str
    masked_phone: str
    contact: str  # "text" | "opted_out" | "not_enrolled"
    participant: Participant | None

    @property
    def contact_note(self) -> str | None:
        return CONTACT_NOTES.get(self.contact)


def person_of(session: Session, case: Case) -> Person:
    phone = cases.contact_phone(session, case)
    participant = session.get(Participant, case.participant_id) if case.participant_id else None
    if is_opted_out(session, phone):
        contact = "opted_out"
    elif participant is None:
        contact = "not_enrolled"
    else:
        contact = "text"
    alias = participant.alias if participant else "Unknown number"
    return Person(alias, mask(phone), contact, participant)


@dataclass(frozen=True)
class QueueRow:
    id: int
    level: CaseLevel
    age: str
    reasons: list[str]
    status: str
    claimant: str | None
    mine: bool
    alias: str
    masked_phone: str
    contact_note: str | None
    nobody_paged: bool


def queue_rows(session: Session, viewer: StaffUser, now: datetime) -> list[QueueRow]:
    """The queue in the service's order (priority, then age), as the page shows it."""
    return [_queue_row(session, case, viewer, now) for case in cases.queue(session)]


def handed_back_rows(session: Session, viewer: StaffUser, now: datetime) -> list[QueueRow]:
    """Cases given back to the bot but not yet resolved: the service's queue leaves them out,
    so without this list a peer who handed back and walked away could not find them again.
    Peers see their own; everyone else sees all of them."""
    query = select(Case).where(Case.status == CaseStatus.HANDED_BACK).order_by(Case.opened_at)
    if viewer.role == StaffRole.PEER:
        query = query.where(Case.claimed_by_id == viewer.id)
    return [_queue_row(session, case, viewer, now) for case in session.scalars(query)]


def _queue_row(session: Session, case: Case, viewer: StaffUser, now: datetime) -> QueueRow:
    person = person_of(session, case)
    return QueueRow(
        id=case.id,
        level=case.level,
        age=age(case.opened_at, now),
        reasons=[reason_label(code) for code in case.reasons],
        status=STATUS_LABELS[case.status],
        claimant=_name(session, case.claimed_by_id),
        mine=case.claimed_by_id == viewer.id,
        alias=person.alias,
        masked_phone=person.masked_phone,
        contact_note=person.contact_note,
        nobody_paged=case.paged_to == "nobody" and case.status == CaseStatus.OPEN,
    )


def _name(session: Session, staff_id: int | None) -> str | None:
    staff = session.get(StaffUser, staff_id) if staff_id is not None else None
    return staff.display_name if staff else None


@dataclass(frozen=True)
class MessageRow:
    inbound: bool
    sender: str
    body: str
    time: str
    status: str


def thread(session: Session, case: Case, now: datetime, zone: ZoneInfo) -> list[MessageRow]:
    """The last ~30 texts both ways, oldest first, as a conversation reads: a participant's,
    or, for a number not enrolled, that number's."""
    person = person_of(session, case)
    mine = (
        Message.participant_id == case.participant_id
        if case.participant_id is not None
        else Message.phone == case.phone
    )
    recent = session.scalars(
        select(Message)
        .where(mine, Message.kind != MessageKind.PAGE)
        .order_by(Message.id.desc())
        .limit(RECENT_MESSAGES)
    )
    return [_message_row(session, m, person, now, zone) for m in reversed(list(recent))]


def _message_row(
    session: Session, message: Message, person: Person, now: datetime, zone: ZoneInfo
) -> MessageRow:
    inbound = message.direction == Direction.INBOUND
    if inbound:
        sender = person.alias
    elif message.kind == MessageKind.PEER:
        sender = f"Peer: {_name(session, message.staff_id) or 'staff'}"
    else:
        sender = SENDER_LABELS.get(message.kind, "Program")
    body = message.body if message.body or not message.num_media else "[picture]"
    status = "" if inbound else str(message.status)
    return MessageRow(inbound, sender, body, clock_time(message.created_at, now, zone), status)


@dataclass(frozen=True)
class CheckInRow:
    time: str
    state: str  # "complete", or "partial": answers kept as given (an escalation, silence)
    mood: str
    craving: str
    use: str
    medication: str
    barriers: str


def check_ins(
    session: Session, participant_id: int, now: datetime, zone: ZoneInfo
) -> list[CheckInRow]:
    rows = session.scalars(
        select(CheckIn)
        .where(CheckIn.participant_id == participant_id)
        .order_by(CheckIn.id.desc())
        .limit(RECENT_CHECKINS)
    )
    return [
        CheckInRow(
            time=clock_time(c.created_at, now, zone),
            state="complete" if c.complete else "partial",
            mood="-" if c.mood is None else f"{c.mood}/5",
            craving="-" if c.craving is None else f"{c.craving}/10",
            use=c.use or "-",
            medication=c.medication or "-",
            barriers=", ".join(c.barriers or []) or "-",
        )
        for c in rows
    ]


def requested_changes(
    session: Session, participant_id: int, now: datetime, zone: ZoneInfo
) -> list[str]:
    """Appointment moves and cancellations the person asked for by text, for the peer."""
    rows = session.scalars(
        select(Appointment)
        .where(
            Appointment.participant_id == participant_id,
            Appointment.requested_change.is_not(None),
            Appointment.starts_at > now - timedelta(days=7),
        )
        .order_by(Appointment.starts_at)
    )
    return [
        f"{a.kind} {clock_time(a.starts_at, now, zone)}: {a.requested_change}"
        + (f" ({a.answer_reason})" if a.answer_reason else "")
        for a in rows
    ]


@dataclass(frozen=True)
class CaseView:
    """One case as its page shows it, with what this viewer may do right now."""

    case: Case
    alias: str
    masked_phone: str
    contact_note: str | None
    can_text: bool  # the person still takes texts (not opted out)
    nobody_paged: str | None
    age: str
    reasons: list[str]
    status: str
    claimant: str | None
    outcome: str | None
    can_claim: bool
    can_work: bool  # reply, and resolve
    can_hand_back: bool
    can_resolve: bool
    show_debrief: bool
    supervisor: str


def case_view(session: Session, case: Case, viewer: StaffUser, now: datetime) -> CaseView:
    person = person_of(session, case)
    works = viewer.role in WORKERS
    return CaseView(
        case=case,
        alias=person.alias,
        masked_phone=person.masked_phone,
        contact_note=person.contact_note,
        can_text=person.contact != "opted_out",
        nobody_paged=NOBODY_PAGED if case.paged_to == "nobody" else None,
        age=age(case.opened_at, now),
        reasons=[reason_label(code) for code in case.reasons],
        status=STATUS_LABELS[case.status],
        claimant=_name(session, case.claimed_by_id),
        outcome=OUTCOME_LABELS.get(str(case.outcome)) if case.outcome else None,
        can_claim=works and case.status == CaseStatus.OPEN,
        can_work=works and may_act(case, viewer) and case.status == CaseStatus.CLAIMED,
        can_hand_back=works and may_act(case, viewer) and case.status == CaseStatus.CLAIMED,
        can_resolve=may_resolve(case, viewer),
        show_debrief=needs_debrief(session, case, viewer),
        supervisor=supervisor_name(session),
    )


def may_act(case: Case, viewer: StaffUser) -> bool:
    """The claimant works the case; a supervisor may step in on any claimed case."""
    return case.claimed_by_id == viewer.id or viewer.role == StaffRole.SUPERVISOR


def may_resolve(case: Case, viewer: StaffUser) -> bool:
    live = case.status in (CaseStatus.CLAIMED, CaseStatus.HANDED_BACK)
    return live and viewer.role in WORKERS and may_act(case, viewer)


def needs_debrief(session: Session, case: Case, viewer: StaffUser) -> bool:
    """After resolving an emergency, the resolver is offered a debrief until they answer it."""
    if case.status != CaseStatus.RESOLVED or case.level != CaseLevel.EMERGENCY:
        return False
    kinds = session.scalars(
        select(CaseEvent.kind).where(
            CaseEvent.case_id == case.id,
            CaseEvent.staff_id == viewer.id,
            CaseEvent.kind.in_(("resolved", "debrief")),
        )
    ).all()
    return "resolved" in kinds and "debrief" not in kinds


def supervisor_name(session: Session) -> str:
    """Who to turn to after a hard case: an on-shift supervisor first, else any active one."""
    supervisor = session.scalar(
        select(StaffUser)
        .where(StaffUser.role == StaffRole.SUPERVISOR, StaffUser.active.is_(True))
        .order_by(StaffUser.on_shift.desc(), StaffUser.id)
        .limit(1)
    )
    return supervisor.display_name if supervisor else "the on-call supervisor"
