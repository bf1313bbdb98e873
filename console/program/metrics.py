"""The program's results for a period, as tables: who is enrolled, who is still in contact,
how check-ins, appointments, escalations, outreach and delivery went.

Every figure is a database aggregate (a program of 10,000 people and millions of texts is
summed by the database, not in Python), and every table says in one sentence how it is
counted, so a coordinator can check a figure against the records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.program.tables import Chart, Period, Row, Table, median, percentile, rate
from escalation.escalate import Policy
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseLevel,
    Direction,
    Message,
    MessageStatus,
    OptOut,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    ParticipantStatus,
)

RETENTION_DAYS = (30, 90, 180)
LEVELS = (CaseLevel.EMERGENCY, CaseLevel.URGENT, CaseLevel.SUPPORT)


def enrolment(session: Session, period: Period, now: datetime) -> Table:
    by_status = dict(
        session.execute(select(Participant.status, func.count()).group_by(Participant.status)).all()
    )
    new = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.created_at >= period.start, Participant.created_at < period.end)
    )
    opted_out = session.scalar(
        select(func.count())
        .select_from(Participant)
        .join(OptOut, OptOut.phone == Participant.phone)
    )
    total = sum(by_status.values())
    rows: list[Row] = [
        ("Enrolled in the period", new or 0),
        ("Enrolled in all", total),
        ("Active", by_status.get(ParticipantStatus.ACTIVE, 0)),
        ("Paused", by_status.get(ParticipantStatus.PAUSED, 0)),
        ("Discharged", by_status.get(ParticipantStatus.DISCHARGED, 0)),
        ("Opted out of texts", opted_out or 0),
    ]
    return Table(
        "enrolment",
        "Enrolment",
        "Statuses are as of now; 'enrolled in the period' counts new participants.",
        ("measure", "people"),
        rows,
    )


def retention(session: Session, period: Period, now: datetime) -> Table:
    """Per monthly enrolment cohort: of those enrolled at least N days ago, how many have
    texted us on or after their N-th day (still in contact)."""
    people = session.execute(
        select(Participant.created_at, Participant.last_inbound_at).where(
            Participant.created_at < period.end
        )
    ).all()
    cohorts: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for created, last in people:
        cohorts[f"{created:%Y-%m}"].append((created, last))
    rows: list[Row] = []
    for cohort in sorted(cohorts):
        members = cohorts[cohort]
        cells: list[str | int | float | None] = [cohort, len(members)]
        for days in RETENTION_DAYS:
            due = [(c, last) for c, last in members if c + timedelta(days=days) <= now]
            kept = sum(1 for c, last in due if last is not None and last >= c + timedelta(days))
            cells += [len(due), rate(kept, len(due))]
        rows.append(tuple(cells))
    columns: tuple[str, ...] = ("cohort", "enrolled")
    for days in RETENTION_DAYS:
        columns += (f"reached {days} days", f"in contact at {days} days")
    return Table(
        "retention",
        "Retention by enrolment month",
        "Of those enrolled at least N days ago, the share who texted us on or after day N.",
        columns,
        rows,
        Chart(
            "line",
            "cohort",
            tuple(f"in contact at {d} days" for d in RETENTION_DAYS),
            percent=True,
        ),
    )


def checkins(session: Session, period: Period, now: datetime) -> Table:
    """Check-ins sent in the period, and how many got a reply within a day."""
    sent, replied = session.execute(
        select(func.count(), func.count(Outreach.answered_at)).where(
            Outreach.kind == OutreachKind.CHECKIN,
            Outreach.status == OutreachStatus.SENT,
            Outreach.sent_at >= period.start,
            Outreach.sent_at < period.end,
        )
    ).one()
    return Table(
        "checkins",
        "Check-in response",
        "Check-ins sent in the period, answered when the person texted back within 24 hours.",
        ("sent", "answered", "response rate"),
        [(sent, replied, rate(replied, sent))],
    )


def appointments(session: Session, period: Period, now: datetime) -> Table:
    counts = dict(
        session.execute(
            select(Appointment.status, func.count())
            .where(Appointment.starts_at >= period.start, Appointment.starts_at < period.end)
            .group_by(Appointment.status)
        ).all()
    )
    attended = counts.get(AppointmentStatus.ATTENDED, 0)
    missed = counts.get(AppointmentStatus.MISSED, 0)
    rows: list[Row] = [(str(status), count) for status, count in sorted(counts.items())]
    attendance = rate(attended, attended + missed)
    rows.append(("attendance rate (attended / attended + missed)", attendance))
    return Table(
        "appointments",
        "Appointments",
        "Appointments that started in the period, by what staff marked or the person answered.",
        ("status", "appointments"),
        rows,
    )


def escalations_by_week(session: Session, period: Period, now: datetime) -> Table:
    opened = session.execute(
        select(Case.opened_at, Case.level).where(
            Case.opened_at >= period.start, Case.opened_at < period.end
        )
    ).all()
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    for at, level in opened:
        monday = (at - timedelta(days=at.weekday())).date()
        weeks[monday.isoformat()][str(level)] += 1
    rows: list[Row] = [
        (week, *(weeks[week][str(level)] for level in LEVELS)) for week in sorted(weeks)
    ]
    return Table(
        "escalations",
        "Escalations by week",
        "Cases opened, by the week (from Monday) and the level they opened at.",
        ("week of", *(str(level) for level in LEVELS)),
        rows,
        Chart("bar", "week of", tuple(str(level) for level in LEVELS), stacked=True),
    )


def time_to_claim(session: Session, period: Period, policy: Policy) -> Table:
    """Minutes from opening to a peer's claim, against each level's re-page SLA."""
    cases = session.execute(
        select(Case.level, Case.opened_at, Case.claimed_at, Case.page_rounds).where(
            Case.opened_at >= period.start, Case.opened_at < period.end
        )
    ).all()
    rows: list[Row] = []
    for level in LEVELS:
        mine = [c for c in cases if c.level == level]
        waits = [(c.claimed_at - c.opened_at).total_seconds() / 60 for c in mine if c.claimed_at]
        sla = policy.repage_after(level).total_seconds() / 60
        rows.append(
            (
                str(level),
                len(mine),
                len(waits),
                median(waits),
                percentile(waits, 90),
                sla,
                rate(sum(1 for w in waits if w <= sla), len(waits)),
                sum(max(c.page_rounds - 1, 0) for c in mine),
            )
        )
    return Table(
        "claims",
        "Time to claim",
        "Minutes from a case opening to a peer claiming it, for cases opened in the period; "
        "the SLA is the level's re-page time.",
        (
            "level",
            "opened",
            "claimed",
            "median minutes",
            "90th percentile minutes",
            "SLA minutes",
            "claimed within SLA",
            "re-pages",
        ),
        rows,
    )


def outcomes(session: Session, period: Period, now: datetime) -> Table:
    counts = session.execute(
        select(Case.outcome, Case.moud_linkage, func.count())
        .where(Case.resolved_at >= period.start, Case.resolved_at < period.end)
        .group_by(Case.outcome, Case.moud_linkage)
    ).all()
    by_outcome: Counter[str] = Counter()
    by_linkage: Counter[str] = Counter()
    for outcome, linkage, count in counts:
        by_outcome[str(outcome or "none")] += count
        by_linkage[str(linkage or "not recorded")] += count
    rows: list[Row] = [("outcome", name, count) for name, count in sorted(by_outcome.items())]
    rows += [("MOUD", name, count) for name, count in sorted(by_linkage.items())]
    return Table(
        "outcomes",
        "Case outcomes",
        "Cases resolved in the period: the outcome, and what happened with MOUD.",
        ("recorded as", "value", "cases"),
        rows,
    )


def outreach(session: Session, period: Period, now: datetime) -> Table:
    counts = session.execute(
        select(Outreach.kind, Outreach.status, Outreach.reason, func.count())
        .where(Outreach.target_at >= period.start, Outreach.target_at < period.end)
        .group_by(Outreach.kind, Outreach.status, Outreach.reason)
        .order_by(Outreach.kind, Outreach.status, Outreach.reason)
    ).all()
    rows: list[Row] = [
        (str(kind), str(status), reason or "", count) for kind, status, reason, count in counts
    ]
    return Table(
        "outreach",
        "Outreach sent, held and dropped",
        "Outreach due in the period, by kind and what happened, with the reason kept.",
        ("kind", "status", "reason", "texts"),
        rows,
    )


def delivery_failures(session: Session, period: Period, now: datetime) -> Table:
    counts = session.execute(
        select(Message.error_code, Message.status, func.count())
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.status.in_((MessageStatus.FAILED, MessageStatus.UNDELIVERED)),
            Message.created_at >= period.start,
            Message.created_at < period.end,
        )
        .group_by(Message.error_code, Message.status)
        .order_by(func.count().desc())
    ).all()
    rows: list[Row] = [
        (str(code) if code is not None else "none", str(status), count)
        for code, status, count in counts
    ]
    return Table(
        "delivery",
        "Delivery failures",
        "Texts we sent in the period that failed or were not delivered, by the carrier's code.",
        ("error code", "status", "texts"),
        rows,
    )


def dashboard(session: Session, period: Period, now: datetime, policy: Policy) -> list[Table]:
    """Every table of the dashboard, in the order the page shows them."""
    return [
        enrolment(session, period, now),
        retention(session, period, now),
        checkins(session, period, now),
        appointments(session, period, now),
        escalations_by_week(session, period, now),
        time_to_claim(session, period, policy),
        outcomes(session, period, now),
        outreach(session, period, now),
        delivery_failures(session, period, now),
    ]
