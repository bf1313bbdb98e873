"""One way to escalate: every path that asks for a human comes through `Escalator.escalate`.

The safety screen at arrival, the engine's second opinion, the conversation's peer requests,
re-engagement and a text the bot could not answer all call the same function, so each gets
the same case rules, the same honest safety reply, the same pages, the same case events and
the same live console update. What it does, in the caller's transaction:

1. open the person's one live case, or add to it (a riskier signal raises its level, never
   lowers it; urgent and emergency make the bot stand aside);
2. page who should know: on-shift peers; for urgent and emergency, the on-call number when
   nobody is on shift; nobody at all is recorded as such, never hidden;
3. for urgent and emergency, queue the safety reply that fits what was said, telling the
   person who is coming only if a page was queued to someone;
4. after the commit, wake the outbox and every open console.

A person who opted out is never texted (the carrier would refuse it); the case says "call".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from escalation import cases, wording
from escalation.cases import LIVE, PAUSING, PRIORITY
from escalation.wording import Paged, Texts
from messaging.outbox import enqueue, is_opted_out
from records import rota
from records.models import (
    Case,
    CaseLevel,
    CaseStatus,
    Message,
    MessageKind,
    Participant,
    RotaKind,
    StaffRole,
    StaffUser,
)
from records.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    """The knobs of escalation (from Settings, passed in by the composition root)."""

    program_name: str = "Peerline"
    repage_emergency_after: timedelta = timedelta(minutes=2)
    repage_urgent_after: timedelta = timedelta(minutes=10)
    repage_support_after: timedelta = timedelta(minutes=60)
    max_active_cases_per_peer: int = 2
    on_call_number: str | None = None
    max_segments: int = 3
    urgent_response_minutes: int = 15
    never_use_alone: str = "800-484-3731"
    texts: Texts = wording.DEFAULT
    timezone: str = "America/New_York"  # the program's: the rota's hours are local

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def repage_after(self, level: CaseLevel) -> timedelta:
        return {
            CaseLevel.EMERGENCY: self.repage_emergency_after,
            CaseLevel.URGENT: self.repage_urgent_after,
        }.get(level, self.repage_support_after)


def policy_from(settings: Settings) -> Policy:
    texts = wording.load(settings.safety_texts_file) if settings.safety_texts_file else None
    return Policy(
        program_name=settings.program_name,
        repage_emergency_after=timedelta(minutes=settings.repage_emergency_minutes),
        repage_urgent_after=timedelta(minutes=settings.repage_urgent_minutes),
        repage_support_after=timedelta(minutes=settings.repage_support_minutes),
        max_active_cases_per_peer=settings.max_active_cases_per_peer,
        on_call_number=settings.on_call_number,
        max_segments=settings.max_segments,
        urgent_response_minutes=settings.urgent_response_minutes,
        never_use_alone=settings.never_use_alone_line,
        texts=texts or wording.DEFAULT,
        timezone=settings.default_timezone,
    )


@dataclass(frozen=True)
class Signal:
    """Something that asks for a human: its level, why, and where it came from."""

    level: CaseLevel
    reasons: tuple[str, ...]
    source: str  # screen | engine | conversation | reengagement | turn_failed
    message_id: int | None = None  # the inbound text behind it, if any


@dataclass(frozen=True)
class Outcome:
    case_id: int
    opened: bool
    raised: bool
    paged: Paged | None  # None: nobody needed paging this time
    replied: bool


@dataclass
class Escalator:
    """Holds the policy and the after-commit hooks; `escalate` is the one way in."""

    policy: Policy = field(default_factory=Policy)
    on_case_change: Callable[[int], None] = lambda _case_id: None
    wake_outbox: Callable[[], None] = lambda: None

    def escalate(
        self,
        session: Session,
        *,
        participant: Participant | None,
        phone: str,
        signal: Signal,
        now: datetime,
    ) -> Outcome:
        """Open or raise the case, page, reply; the console and outbox wake after commit."""
        case, before = _open_or_raise(session, participant, phone, signal, now)
        opened = before is None
        raised = before is not None and PRIORITY[case.level] < PRIORITY[before.level]
        reopened = before is not None and not before.paused and case.pauses_bot
        paged: Paged | None = None
        if opened or raised or reopened:
            paged = page(session, case, self.policy, now)
        replied = False
        if paged is not None and case.level in PAUSING:
            replied = _safety_reply(session, case, phone, signal, paged, self.policy, now)
        self.after_commit(session, case.id)
        log.info(
            "case %d %s by %s: level %s, paged %s, replied %s",
            case.id,
            "opened" if opened else "raised" if raised else "noted",
            signal.source,
            case.level,
            paged,
            replied,
        )
        return Outcome(case.id, opened, raised, paged, replied)

    def repage_overdue(self, session: Session, now: datetime) -> list[int]:
        """Re-page open cases nobody claimed in time; consoles and the outbox wake after."""
        repaged = repage_overdue(session, self.policy, now)
        for case_id in repaged:
            self.after_commit(session, case_id)
        return repaged

    def after_commit(self, session: Session, case_id: int) -> None:
        """Once this transaction commits, wake the outbox and every console watching."""

        def wake(_session: Session) -> None:
            self.wake_outbox()
            self.on_case_change(case_id)

        event.listen(session, "after_commit", wake, once=True)


@dataclass(frozen=True)
class _Before:
    level: CaseLevel
    paused: bool


def live_case(session: Session, participant: Participant | None, phone: str) -> Case | None:
    """A person's one live case: by participant, or by number for someone not enrolled."""
    if participant is not None:
        return cases.active_case(session, participant.id)
    return session.scalar(
        select(Case).where(
            Case.participant_id.is_(None), Case.phone == phone, Case.status.in_(LIVE)
        )
    )


def _open_or_raise(
    session: Session,
    participant: Participant | None,
    phone: str,
    signal: Signal,
    now: datetime,
) -> tuple[Case, _Before | None]:
    if participant is not None and session.get_bind().dialect.name == "postgresql":
        # Two lanes escalating one person at once must not both open a case.
        session.get(Participant, participant.id, with_for_update=True)
    case = live_case(session, participant, phone)
    reasons = list(signal.reasons)
    if case is None:
        case = Case(
            participant_id=participant.id if participant else None,
            phone=None if participant else phone,
            level=signal.level,
            reasons=reasons,
            message_id=signal.message_id,
            pauses_bot=signal.level in PAUSING,
            opened_at=now,
        )
        session.add(case)
        session.flush()
        detail = f"{signal.level} by {signal.source}: {', '.join(reasons)}"
        cases.event(session, case, "opened", now, detail=detail[:300])
        _link(session, case, signal)
        return case, None
    before = _Before(case.level, case.pauses_bot)
    case.reasons = list(dict.fromkeys([*case.reasons, *reasons]))
    if PRIORITY[signal.level] < PRIORITY[case.level]:
        cases.event(session, case, "raised", now, detail=f"{case.level} -> {signal.level}")
        case.level = signal.level
    if signal.level in PAUSING and not case.pauses_bot:
        case.pauses_bot = True  # handed back or support, and now risky: the bot steps aside
        if case.status == CaseStatus.HANDED_BACK:
            case.status = CaseStatus.CLAIMED if case.claimed_by_id else CaseStatus.OPEN
        cases.event(session, case, "reopened", now, detail=signal.source)
    _link(session, case, signal)
    return case, before


def _link(session: Session, case: Case, signal: Signal) -> None:
    if signal.message_id is not None:
        message = session.get(Message, signal.message_id)
        if message is not None and message.case_id is None:
            message.case_id = case.id


# --- paging ------------------------------------------------------------------------------


def on_shift_peers(session: Session, policy: Policy, now: datetime) -> list[StaffUser]:
    """Who is paged for every case now: the rota's shift (and anyone covering), with a phone."""
    return [p for p in rota.on_duty(session, now, policy.zone, RotaKind.SHIFT) if p.phone]


def on_call(session: Session, policy: Policy, now: datetime) -> list[tuple[str, int | None]]:
    """Who is paged for urgent and emergency cases when nobody is on shift: the rota's
    on-call slot now, or else the program's ON_CALL_NUMBER."""
    staff = [p for p in rota.on_duty(session, now, policy.zone, RotaKind.ON_CALL) if p.phone]
    if staff:
        return [(p.phone, p.id) for p in staff if p.phone]
    return [(policy.on_call_number, None)] if policy.on_call_number else []


def page(
    session: Session, case: Case, policy: Policy, now: datetime, text: str | None = None
) -> Paged:
    """Text every on-shift peer (no PHI); for urgent and emergency with nobody on shift, the
    on-call number. Returns who was paged; nobody is recorded as such."""
    body = text or policy.texts.page(policy.program_name, case.level, case.id)
    targets = _peer_targets(session, case, policy, now)
    paged = Paged.PEERS
    if not targets and case.level in PAUSING:
        targets, paged = on_call(session, policy, now), Paged.ON_CALL
    if not targets:
        paged = Paged.NOBODY
    for phone, staff_id in targets:
        _page_one(session, case, phone, staff_id, body, now)
    case.last_paged_at = now
    case.page_rounds += 1
    case.paged_to = paged.value
    detail = f"{len(targets)} recipient(s)" if targets else "nobody: no one on shift or on call"
    cases.event(session, case, "paged", now, detail=detail)
    return paged


def _page_one(
    session: Session, case: Case, phone: str, staff_id: int | None, body: str, now: datetime
) -> None:
    message = enqueue(
        session, phone=phone, body=body, kind=MessageKind.PAGE, now=now, max_segments=1
    )
    message.case_id, message.staff_id = case.id, staff_id


def _peer_targets(
    session: Session, case: Case, policy: Policy, now: datetime
) -> list[tuple[str, int | None]]:
    """On-shift peers, and the peer who claimed the case even when off shift."""
    peers = {p.id: p for p in on_shift_peers(session, policy, now)}
    claimant = session.get(StaffUser, case.claimed_by_id) if case.claimed_by_id else None
    if claimant is not None and claimant.active and claimant.phone:
        peers.setdefault(claimant.id, claimant)
    return [(p.phone, p.id) for p in peers.values() if p.phone]


def _safety_reply(
    session: Session,
    case: Case,
    phone: str,
    signal: Signal,
    paged: Paged,
    policy: Policy,
    now: datetime,
) -> bool:
    """The reply that fits what was said; never to a number that opted out."""
    if is_opted_out(session, phone):
        cases.event(session, case, "not_texted", now, detail="opted out: call, don't text")
        return False
    kind = wording.reply_kind(list(signal.reasons))
    body = policy.texts.safety_reply(
        kind,
        paged,
        emergency=case.level == CaseLevel.EMERGENCY,
        minutes=policy.urgent_response_minutes,
        never_use_alone=policy.never_use_alone,
    )
    message = enqueue(
        session,
        phone=phone,
        body=body,
        kind=MessageKind.SAFETY,
        now=now,
        max_segments=policy.max_segments,
        participant_id=case.participant_id,
        reply_to_id=signal.message_id,
    )
    message.case_id = case.id
    return True


# --- re-paging ---------------------------------------------------------------------------


def repage_overdue(session: Session, policy: Policy, now: datetime) -> list[int]:
    """Re-page open cases nobody claimed in time, each on its own level's SLA.

    Each case is taken with a compare-and-set on `last_paged_at`, so any number of app
    processes running this timer page an overdue case exactly once per round."""
    repaged = []
    for case in list(session.scalars(select(Case).where(Case.status == CaseStatus.OPEN))):
        wait = policy.repage_after(case.level)
        if case.last_paged_at is not None and now - case.last_paged_at < wait:
            continue
        if not _take_round(session, case, now - wait, now):
            continue
        minutes = int((now - case.opened_at).total_seconds() // 60)
        text = policy.texts.repage(policy.program_name, case.level, case.id, minutes)
        page(session, case, policy, now, text=text)
        if case.level in PAUSING:
            _page_supervisors(session, case, text, now)
        repaged.append(case.id)
    return repaged


def _take_round(session: Session, case: Case, cutoff: datetime, now: datetime) -> bool:
    """Claim this re-page round: one conditional UPDATE, so only one process wins it."""
    taken = session.execute(
        update(Case)
        .where(
            Case.id == case.id,
            Case.status == CaseStatus.OPEN,
            or_(Case.last_paged_at.is_(None), Case.last_paged_at <= cutoff),
        )
        .values(last_paged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if taken:
        session.refresh(case)
    return bool(taken)


def _page_supervisors(session: Session, case: Case, text: str, now: datetime) -> None:
    for supervisor in session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True),
            StaffUser.role == StaffRole.SUPERVISOR,
            StaffUser.on_shift.is_(False),
            StaffUser.phone.is_not(None),
        )
    ):
        assert supervisor.phone is not None
        _page_one(session, case, supervisor.phone, supervisor.id, text, now)
