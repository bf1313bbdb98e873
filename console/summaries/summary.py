"""A participant's summary for a period, built from the records and never invented: every
statement carries the records it came from, so a reviewer checks it in one click.

Covered: how they have been (mood and cravings, with the series for a small chart), use
reported, medication taken or missed, barriers named, appointments kept and missed, cases
and how they ended, and how engaged they are (texts, answered check-ins, silences).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.program.tables import Period
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CheckIn,
    Direction,
    Message,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
)

NO_USE = ("no", "none", "nope")
MISSED_MEDICATION = ("missed doses", "ran out", "pharmacy problem")
RISE = 3  # cravings up by this much over the period is "rising"


@dataclass(frozen=True)
class Source:
    """One record a statement rests on; `key` is how pages and links name it."""

    kind: str  # message | checkin | appointment | case | outreach
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass(frozen=True)
class Statement:
    topic: str
    text: str
    sources: tuple[Source, ...] = ()
    concern: bool = False  # worth a coordinator's attention


@dataclass
class Summary:
    participant: Participant
    period: Period
    statements: list[Statement] = field(default_factory=list)
    mood: list[tuple[str, int]] = field(default_factory=list)  # (local ISO day, 1-5)
    craving: list[tuple[str, int]] = field(default_factory=list)  # (local ISO day, 0-10)

    def by_topic(self) -> list[tuple[str, list[Statement]]]:
        topics: dict[str, list[Statement]] = {}
        for statement in self.statements:
            topics.setdefault(statement.topic, []).append(statement)
        return list(topics.items())


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%b %d}"


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    """A local day that sorts as text (chart labels)."""
    return moment.astimezone(zone).date().isoformat()


def build(session: Session, participant: Participant, period: Period, now: datetime) -> Summary:
    zone = ZoneInfo(participant.timezone)
    checkins = list(
        session.scalars(
            select(CheckIn)
            .where(
                CheckIn.participant_id == participant.id,
                CheckIn.created_at >= period.start,
                CheckIn.created_at < period.end,
            )
            .order_by(CheckIn.created_at)
        )
    )
    summary = Summary(participant, period)
    summary.statements += _mood(checkins, zone, summary)
    summary.statements += _cravings(checkins, zone, summary)
    summary.statements += _use(checkins, zone)
    summary.statements += _medication(checkins, zone)
    summary.statements += _barriers(checkins, session, participant, period)
    summary.statements += _appointments(session, participant, period, zone)
    summary.statements += _cases(session, participant, period, zone)
    summary.statements += _engagement(session, participant, period, zone, now)
    return summary


def _mood(checkins: list[CheckIn], zone: ZoneInfo, summary: Summary) -> list[Statement]:
    answered = [c for c in checkins if c.mood is not None]
    summary.mood = [(_iso(c.created_at, zone), int(c.mood or 0)) for c in answered]
    if not answered:
        return [Statement("How they have been", "No mood answers in this period.")]
    values = [int(c.mood or 0) for c in answered]
    low = min(answered, key=lambda c: (c.mood or 0, c.created_at))
    text = (
        f"Mood averaged {sum(values) / len(values):.1f} out of 5 over {len(values)} "
        f"check-in{'s' if len(values) != 1 else ''}, from {values[0]} to {values[-1]}; "
        f"lowest {low.mood} on {_day(low.created_at, zone)}."
    )
    sources = tuple(Source("checkin", c.id) for c in answered)
    return [Statement("How they have been", text, sources, concern=min(values) <= 2)]


def _cravings(checkins: list[CheckIn], zone: ZoneInfo, summary: Summary) -> list[Statement]:
    answered = [c for c in checkins if c.craving is not None]
    summary.craving = [(_iso(c.created_at, zone), int(c.craving or 0)) for c in answered]
    if not answered:
        return []
    first, last = int(answered[0].craving or 0), int(answered[-1].craving or 0)
    top = max(answered, key=lambda c: (c.craving or 0, c.created_at))
    trend = "rose" if last - first >= RISE else "fell" if first - last >= RISE else "held"
    text = (
        f"Cravings {trend} from {first} to {last} out of 10 over {len(answered)} "
        f"answer{'s' if len(answered) != 1 else ''}; highest {top.craving} on "
        f"{_day(top.created_at, zone)}."
    )
    sources = tuple(Source("checkin", c.id) for c in answered)
    concern = trend == "rose" or (top.craving or 0) >= 8
    return [Statement("How they have been", text, sources, concern)]


def _use(checkins: list[CheckIn], zone: ZoneInfo) -> list[Statement]:
    said = [c for c in checkins if c.use]
    used = [c for c in said if (c.use or "").strip().lower() not in NO_USE]
    if not said:
        return []
    if not used:
        text = f"No use reported in {len(said)} answer{'s' if len(said) != 1 else ''}."
        return [Statement("Use", text, tuple(Source("checkin", c.id) for c in said))]
    days = ", ".join(_day(c.created_at, zone) for c in used)
    return [
        Statement(
            "Use",
            f"Use reported on {days}.",
            tuple(Source("checkin", c.id) for c in used),
            concern=True,
        )
    ]


def _medication(checkins: list[CheckIn], zone: ZoneInfo) -> list[Statement]:
    said = [c for c in checkins if c.medication]
    if not said:
        return []
    missed = [c for c in said if (c.medication or "") in MISSED_MEDICATION]
    taken = [c for c in said if (c.medication or "") == "as prescribed"]
    parts = [f"taken as prescribed {len(taken)} time{'s' if len(taken) != 1 else ''}"]
    if missed:
        what = Counter(c.medication for c in missed)
        days = ", ".join(_day(c.created_at, zone) for c in missed)
        parts.append("; ".join(f"{name} {count}x" for name, count in what.items()) + f" ({days})")
    text = "Medication: " + "; ".join(parts) + "."
    return [
        Statement("Medication", text, tuple(Source("checkin", c.id) for c in said), bool(missed))
    ]


def _barriers(
    checkins: list[CheckIn], session: Session, participant: Participant, period: Period
) -> list[Statement]:
    named: Counter[str] = Counter()
    sources: list[Source] = []
    for c in checkins:
        for barrier in c.barriers or []:
            if barrier not in ("none", "skipped"):
                named[barrier] += 1
                sources.append(Source("checkin", c.id))
    for case in _cases_in(session, participant, period):
        for reason in case.reasons:
            if reason.startswith("barrier:"):
                named[reason.removeprefix("barrier:")] += 1
                sources.append(Source("case", case.id))
    if not named:
        return []
    listed = ", ".join(f"{name} ({n})" if n > 1 else name for name, n in named.items())
    return [Statement("Barriers", f"Barriers named: {listed}.", tuple(dict.fromkeys(sources)))]


def _appointments(
    session: Session, participant: Participant, period: Period, zone: ZoneInfo
) -> list[Statement]:
    booked = list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.participant_id == participant.id,
                Appointment.starts_at >= period.start,
                Appointment.starts_at < period.end,
            )
            .order_by(Appointment.starts_at)
        )
    )
    if not booked:
        return []
    kept = [a for a in booked if a.status == AppointmentStatus.ATTENDED]
    missed = [a for a in booked if a.status == AppointmentStatus.MISSED]
    other = [a for a in booked if a not in kept and a not in missed]
    text = f"Appointments: {len(kept)} kept, {len(missed)} missed"
    if missed:
        text += " (" + ", ".join(_day(a.starts_at, zone) for a in missed) + ")"
    if other:
        text += f", {len(other)} other (" + ", ".join(str(a.status) for a in other) + ")"
    sources = tuple(Source("appointment", a.id) for a in booked)
    return [Statement("Appointments", text + ".", sources, concern=bool(missed))]


def _cases_in(session: Session, participant: Participant, period: Period) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.participant_id == participant.id,
                Case.opened_at >= period.start,
                Case.opened_at < period.end,
            )
            .order_by(Case.opened_at)
        )
    )


def _cases(
    session: Session, participant: Participant, period: Period, zone: ZoneInfo
) -> list[Statement]:
    statements = []
    for case in _cases_in(session, participant, period):
        moud = f", MOUD {case.moud_linkage}" if case.moud_linkage else ""
        ended = f"resolved: {case.outcome}{moud}" if case.outcome else f"still {case.status}"
        reasons = ", ".join(r.replace("_", " ") for r in case.reasons[:3])
        opened = _day(case.opened_at, zone)
        text = f"{str(case.level).title()} case on {opened} ({reasons}), {ended}."
        concern = case.outcome is None
        statements.append(Statement("Cases", text, (Source("case", case.id),), concern))
    return statements


def _engagement(
    session: Session, participant: Participant, period: Period, zone: ZoneInfo, now: datetime
) -> list[Statement]:
    texts = list(
        session.scalars(
            select(Message)
            .where(
                Message.participant_id == participant.id,
                Message.direction == Direction.INBOUND,
                Message.created_at >= period.start,
                Message.created_at < period.end,
            )
            .order_by(Message.created_at)
        )
    )
    sent = list(
        session.scalars(
            select(Outreach)
            .where(
                Outreach.participant_id == participant.id,
                Outreach.kind == OutreachKind.CHECKIN,
                Outreach.status == OutreachStatus.SENT,
                Outreach.sent_at >= period.start,
                Outreach.sent_at < period.end,
            )
            .order_by(Outreach.sent_at)
        )
    )
    times = [m.created_at for m in texts]
    answered = [o for o in sent if o.answered_at is not None]
    # silence is counted from when they could first have texted: the period's start, or
    # their enrolment if later
    moments = [max(period.start, participant.created_at), *times, min(period.end, now)]
    gap, gap_end = max(
        ((later - earlier, later) for earlier, later in itertools.pairwise(moments)),
        default=(timedelta(0), period.start),
    )
    text = f"{len(texts)} text{'s' if len(texts) != 1 else ''} from them"
    if sent:
        text += f"; answered {len(answered)} of {len(sent)} check-ins within a day"
    text += f"; longest silence {gap.days} day{'s' if gap.days != 1 else ''}"
    text += f" (to {_day(gap_end, zone)})." if gap.days else "."
    sources = tuple(Source("message", m.id) for m in texts) + tuple(
        Source("outreach", o.id) for o in sent
    )
    concern = gap >= timedelta(days=7) or (bool(sent) and not answered)
    return [Statement("Engagement", text, sources, concern)]
