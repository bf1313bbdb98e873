"""Politeness: the one place that decides whether outreach may reach a person right now.

The rules, each with the reason code the scheduler records on the outreach row:
- discharged -> dropped; paused, opted out, no consent, or a case that has the bot standing
  aside (urgent or emergency, with a peer or waiting for one) -> held and looked at again
  later, then sent, or dropped once the outreach has expired. A support-level case (a peer
  request) holds nothing: appointment and refill nudges are care that must go on;
- quiet hours, in the participant's own time zone -> held until they end, or dropped when
  that would be too late (the appointment would have started, the outreach expired);
- frequency caps on routine texts per local day and local (Monday-Sunday) week -> held to the
  next day or week. Only outreach counts: replies to a participant's own texts and safety
  texts are never outreach rows, so they never use up a cap.
Pacing per sending number is the outbox's job (messaging/pace.py), where texts leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.cases import pausing_case
from messaging.outbox import is_opted_out
from records.models import (
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    ParticipantStatus,
)
from records.schedules import LocalSpan, parse_window
from records.settings import Settings

ROUTINE = frozenset({OutreachKind.CHECKIN, OutreachKind.MEDICATION_NUDGE, OutreachKind.REENGAGE})
APPOINTMENT = frozenset({OutreachKind.APPOINTMENT_NUDGE, OutreachKind.MISSED_APPOINTMENT})
RECHECK = timedelta(minutes=15)  # a held outreach (paused, case open...) is looked at again
TIME_REASONS = frozenset({"quiet_hours", "daily_cap", "weekly_cap"})  # lifted by time alone


@dataclass(frozen=True)
class Rules:
    quiet: LocalSpan
    daily_cap: int
    weekly_cap: int
    nudges_count: bool

    def counted(self, kind: OutreachKind) -> bool:
        """Does this kind use up (and obey) the frequency caps?"""
        return kind in ROUTINE or (self.nudges_count and kind in APPOINTMENT)

    def counted_kinds(self) -> list[OutreachKind]:
        return [kind for kind in OutreachKind if self.counted(kind)]


def rules_from(settings: Settings) -> Rules:
    return Rules(
        quiet=parse_window(settings.outreach_quiet_hours),
        daily_cap=settings.outreach_daily_cap,
        weekly_cap=settings.outreach_weekly_cap,
        nudges_count=settings.outreach_nudges_count,
    )


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a participant at one moment."""

    status: ParticipantStatus
    consented: bool
    opted_out: bool
    case_open: bool  # a case has the bot standing aside (urgent or emergency)
    sent_today: int
    sent_this_week: int


class Action(StrEnum):
    SEND = "send"
    HOLD = "hold"
    DROP = "drop"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str | None = None
    until: datetime | None = None  # HOLD: look again then


SEND = Verdict(Action.SEND)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment a local day starts (DST-safe: zoneinfo picks the right offset)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def at_local(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time on a local day, as UTC."""
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC)


def day_and_week_start(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start of the participant's local day and local (Monday) week, in UTC."""
    today = now.astimezone(zone).date()
    return local_midnight(today, zone), local_midnight(today - timedelta(today.weekday()), zone)


def next_allowed(when: datetime, zone: ZoneInfo, quiet: LocalSpan) -> datetime:
    """`when` itself, or the end of the quiet hours it falls in (local time, DST-safe)."""
    local = when.astimezone(zone)
    if not quiet.contains(local.time()):
        return when
    end_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    end = at_local(end_day, quiet.end, zone)
    if end <= when:  # the clocks went back and this is the repeated hour: its second end
        end = datetime.combine(end_day, quiet.end, tzinfo=zone).replace(fold=1).astimezone(UTC)
    return end if end > when else when + timedelta(minutes=1)  # never "now" inside quiet


def quiet_starts_after(when: datetime, zone: ZoneInfo, quiet: LocalSpan) -> datetime | None:
    """The next start of quiet hours after `when` (None when there are no quiet hours)."""
    if quiet.minutes() == 0:
        return None
    day = when.astimezone(zone).date()
    for ahead in range(3):
        start = at_local(day + timedelta(days=ahead), quiet.start, zone)
        if start > when:
            return start
    return None


def decide(
    kind: OutreachKind,
    now: datetime,
    expires_at: datetime,
    zone: ZoneInfo,
    facts: Facts,
    rules: Rules,
) -> Verdict:
    """Send now, hold until a time, or drop; always with the reason recorded."""
    if facts.status == ParticipantStatus.DISCHARGED:
        return Verdict(Action.DROP, "discharged")
    blocked = _blocked(facts)
    if blocked is not None:
        return _hold(blocked, now + RECHECK, expires_at)
    if kind == OutreachKind.PEER_REQUEST:
        return SEND  # no text goes out: quiet hours and caps are about texts
    allowed = next_allowed(now, zone, rules.quiet)
    if allowed > now:
        return _hold("quiet_hours", allowed, expires_at)
    capped = _capped(kind, now, zone, facts, rules)
    if capped is not None:
        return _hold(capped[0], capped[1], expires_at)
    return SEND


def _blocked(facts: Facts) -> str | None:
    if facts.opted_out:
        return "opted_out"
    if facts.status == ParticipantStatus.PAUSED:
        return "paused"
    if not facts.consented:
        return "no_consent"
    if facts.case_open:
        return "case_open"
    return None


def _capped(
    kind: OutreachKind, now: datetime, zone: ZoneInfo, facts: Facts, rules: Rules
) -> tuple[str, datetime] | None:
    if not rules.counted(kind):
        return None
    today = now.astimezone(zone).date()
    if facts.sent_this_week >= rules.weekly_cap:
        monday = today + timedelta(days=7 - today.weekday())
        return "weekly_cap", next_allowed(local_midnight(monday, zone), zone, rules.quiet)
    if facts.sent_today >= rules.daily_cap:
        tomorrow = today + timedelta(days=1)
        return "daily_cap", next_allowed(local_midnight(tomorrow, zone), zone, rules.quiet)
    return None


def _hold(reason: str, until: datetime, expires_at: datetime) -> Verdict:
    """Hold until `until`, unless that is already too late: then drop, saying why."""
    if until >= expires_at:
        return Verdict(Action.DROP, f"{reason}:too_late")
    return Verdict(Action.HOLD, reason, until)


def gather(
    session: Session, participant: Participant, now: datetime, zone: ZoneInfo, rules: Rules
) -> Facts:
    """Read the facts the rules need from the database (one participant, one moment)."""
    _, week_start = day_and_week_start(now, zone)
    sent = sent_times(session, participant.id, rules, since=week_start - timedelta(days=1))
    today, week = sent_counts(sent, now, zone)
    return Facts(
        status=participant.status,
        consented=participant.consented_at is not None,
        opted_out=is_opted_out(session, participant.phone),
        case_open=pausing_case(session, participant.id) is not None,
        sent_today=today,
        sent_this_week=week,
    )


def sent_times(
    session: Session, participant_id: int, rules: Rules, since: datetime
) -> list[datetime]:
    """When outreach that counts toward the caps went out to this person, since `since`."""
    sent = session.scalars(
        select(Outreach.sent_at).where(
            Outreach.participant_id == participant_id,
            Outreach.status == OutreachStatus.SENT,
            Outreach.kind.in_(rules.counted_kinds()),
            Outreach.sent_at >= since,
        )
    )
    return [at for at in sent if at is not None]


def sent_counts(sent: list[datetime], now: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """How many of these sends fell on the local day and the local week of `now`."""
    day_start, week_start = day_and_week_start(now, zone)
    day_end = local_midnight(now.astimezone(zone).date() + timedelta(days=1), zone)
    today = sum(1 for at in sent if day_start <= at < day_end)
    week = sum(1 for at in sent if week_start <= at < day_end)
    return today, week
