"""A preview of one person's outreach: what would be sent over the next days, when, and
why anything would be held or dropped (`peerline schedule preview`, the coordinator's view).
The planner and the politeness rules run forward in memory; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from outreach.planner import Owed, load_people, owed, program_from
from outreach.politeness import (
    TIME_REASONS,
    Action,
    Facts,
    Rules,
    Verdict,
    decide,
    rules_from,
    sent_counts,
    sent_times,
)
from records.models import OutreachKind, Participant
from records.settings import Settings


@dataclass(frozen=True)
class PreviewLine:
    kind: OutreachKind
    target_at: datetime
    verdict: Verdict  # SEND (at `at`) or DROP; holds along the way are in `held_for`
    at: datetime
    held_for: tuple[str, ...] = ()


def preview(
    session: Session,
    settings: Settings,
    participant: Participant,
    facts: Facts,
    now: datetime,
    days: int,
) -> list[PreviewLine]:
    """What would be sent to one person over the next `days`, and when, and why anything
    would be held or dropped: the planner and the politeness rules, run forward in memory,
    assuming the person stays silent and nothing else changes."""
    program = program_from(settings)
    rules = rules_from(settings)
    people = load_people(session, settings, program, now, [participant.id])
    if not people:  # not planned for at all (no consent, opted out, discharged)
        return []
    person = people[0]
    # earlier outreach uses up the caps first, as it would when sent
    items = sorted(owed(person, program, now, now + timedelta(days=days)), key=lambda i: i.due_at)
    sent = sent_times(session, participant.id, rules, since=now - timedelta(days=8))
    lines = [
        _simulate(item, max(item.due_at, now), person.zone, facts, rules, sent) for item in items
    ]
    return sorted(lines, key=lambda line: line.at)


def _simulate(
    item: Owed,
    at: datetime,
    zone: ZoneInfo,
    base: Facts,
    rules: Rules,
    sent: list[datetime],
) -> PreviewLine:
    held: list[str] = []
    while True:  # each hold moves `at` forward, and expiry bounds it, so this ends
        today, week = sent_counts(sent, at, zone)
        facts = replace(base, sent_today=today, sent_this_week=week)
        verdict = decide(item.kind, at, item.expires_at, zone, facts, rules)
        if verdict.action == Action.HOLD and verdict.reason not in TIME_REASONS:
            # paused, opted out, a case open...: nothing in a simulation lifts it
            verdict = Verdict(Action.DROP, f"{verdict.reason}:while_it_lasts")
        if verdict.action != Action.HOLD or verdict.until is None:
            if verdict.action == Action.SEND and rules.counted(item.kind):
                sent.append(at)
            return PreviewLine(item.kind, item.target_at, verdict, at, tuple(held))
        held.append(str(verdict.reason))
        at = verdict.until
