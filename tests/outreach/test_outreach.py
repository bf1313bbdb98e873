"""Planning outreach and the politeness rules, with a controllable clock, on SQLite and
PostgreSQL. Sending through the engine is in test_scheduler.py."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from outreach import planner
from outreach.politeness import Action, Facts, decide, gather, rules_from
from records.clock import ManualClock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentKind,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    ParticipantStatus,
)
from records.participants import enrol
from records.schedules import ScheduleError, add_appointment, set_schedule
from records.settings import Settings
from tests.conftest import make_settings
from tests.support.records import book

NEW_YORK = ZoneInfo("America/New_York")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def settings_for(db: Database, **overrides: object) -> Settings:
    return make_settings(str(db.engine.url.render_as_string(hide_password=False)), "", **overrides)


def person(
    db: Database,
    phone: str = "+12125550111",
    since: datetime | None = None,
    zone: str = "America/New_York",
) -> int:
    with db.session() as session:
        participant = enrol(
            session,
            phone=phone,
            alias="Robin",
            timezone=zone,
            consented_at=since or local(2026, 10, 1, 9),
        )
        return participant.id


def rows(db: Database, kind: OutreachKind | None = None) -> list[Outreach]:
    query = select(Outreach).order_by(Outreach.target_at)
    if kind is not None:
        query = query.where(Outreach.kind == kind)
    with db.session() as session:
        return list(session.scalars(query))


def sent_checkin(participant_id: int, at: datetime) -> Outreach:
    """A check-in that went out at `at`."""
    return Outreach(
        participant_id=participant_id,
        kind=OutreachKind.CHECKIN,
        target_at=at,
        due_at=at,
        expires_at=at + timedelta(hours=12),
        status=OutreachStatus.SENT,
        sent_at=at,
    )


def plan(db: Database, settings: Settings, now: datetime) -> int:
    with db.session() as session:
        return planner.plan(session, settings, now)


# --- planning --------------------------------------------------------------------------


def test_checkins_keep_their_local_time_across_the_end_of_daylight_saving(db: Database) -> None:
    settings = settings_for(db)
    pid = person(db)
    with db.session() as session:
        set_schedule(
            session,
            session.get_one(Participant, pid),
            settings,
            checkin_days="fri,sat,sun,mon",
            window="10:00-10:01",  # one minute wide: the slot is exactly 10:00
        )
    # US daylight saving ends at 02:00 on Sunday 1 November 2026.
    clock = ManualClock(local(2026, 10, 30, 6))
    while clock.now() < local(2026, 11, 3, 6):
        plan(db, settings, clock.now())
        clock.advance(hours=6)
    checkins = rows(db, OutreachKind.CHECKIN)
    assert [c.target_at.astimezone(NEW_YORK).time() for c in checkins] == [time(10)] * 4
    assert [c.target_at.astimezone(NEW_YORK).day for c in checkins] == [30, 31, 1, 2]
    # the same local 10:00 is 14:00 UTC before the change and 15:00 UTC after it
    assert [c.target_at.hour for c in checkins] == [14, 14, 15, 15]


def test_planning_again_and_again_adds_nothing_new(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="mon,tue,wed,thu,fri,sat,sun")
    for n in range(5):
        person(db, phone=f"+121255501{20 + n}")
    now = local(2026, 11, 2, 7)
    first = plan(db, settings, now)
    assert first >= 5
    assert plan(db, settings, now) == 0
    assert plan(db, settings, now + timedelta(minutes=15)) == 0
    assert len(rows(db)) == first


def test_each_person_gets_a_steady_minute_inside_the_window(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="mon,tue,wed,thu,fri,sat,sun")
    for n in range(12):
        person(db, phone=f"+121255501{30 + n}")
    plan(db, settings, local(2026, 11, 2, 7))
    plan(db, settings, local(2026, 11, 3, 7))
    by_person: dict[int, set[time]] = {}
    for row in rows(db, OutreachKind.CHECKIN):
        moment = row.target_at.astimezone(NEW_YORK).time()
        assert time(10) <= moment < time(12)
        by_person.setdefault(row.participant_id, set()).add(moment)
    assert all(len(times) == 1 for times in by_person.values())  # same minute every day
    assert len({next(iter(t)) for t in by_person.values()}) > 1  # not all at once


def test_no_outreach_is_planned_for_discharged_or_unconsented_people(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="mon,tue,wed,thu,fri,sat,sun")
    gone = person(db, phone="+12125550151")
    with db.session() as session:
        session.get_one(Participant, gone).status = ParticipantStatus.DISCHARGED
        enrol(session, phone="+12125550152", alias="Ash", timezone="UTC", consented_at=None)
    assert plan(db, settings, local(2026, 11, 2, 7)) == 0


def test_appointment_nudges_come_24_and_2_hours_before(db: Database) -> None:
    settings = settings_for(db)
    pid = person(db)
    starts = local(2026, 11, 5, 15)
    book(db, pid, starts, "dosing", local(2026, 11, 1, 9))
    plan(db, settings, local(2026, 11, 4, 12))
    plan(db, settings, local(2026, 11, 5, 12))
    nudges = rows(db, OutreachKind.APPOINTMENT_NUDGE)
    assert [n.target_at for n in nudges] == [
        starts - timedelta(hours=24),
        starts - timedelta(hours=2),
    ]
    assert all(n.expires_at == starts for n in nudges)


def test_no_nudge_for_a_moment_before_the_appointment_was_booked(db: Database) -> None:
    settings = settings_for(db)
    pid = person(db)
    booked_at = local(2026, 11, 5, 9)
    book(db, pid, local(2026, 11, 5, 15), "group", booked_at)
    plan(db, settings, booked_at)
    [nudge] = rows(db, OutreachKind.APPOINTMENT_NUDGE)
    assert nudge.lead_minutes == 120


def test_silence_plans_one_gentle_text_in_the_persons_window(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="")
    consented = local(2026, 11, 1, 9)
    person(db, since=consented)
    plan(db, settings, consented + timedelta(days=5))
    assert rows(db, OutreachKind.REENGAGE) == []
    for hours in (6 * 24, 7 * 24 + 1, 7 * 24 + 2):  # planned ahead, then planned again
        plan(db, settings, consented + timedelta(hours=hours))
    [text] = rows(db, OutreachKind.REENGAGE)
    assert text.target_at == consented  # keyed on the silence: one text per silence
    assert text.due_at >= consented + timedelta(days=7)  # never before 7 silent days
    assert time(10) <= text.due_at.astimezone(NEW_YORK).time() < time(12)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-13-01 10:00", "not a date"),
        ("2026-11-01 10:00", "future"),
    ],
)
def test_bad_appointments_are_refused_clearly(db: Database, when: str, expected: str) -> None:
    from records.schedules import parse_local

    pid = person(db)
    with db.session() as session, pytest.raises(ScheduleError, match=expected):
        add_appointment(
            session,
            session.get_one(Participant, pid),
            starts_at=parse_local(when, "America/New_York"),
            kind="intake",
            now=local(2026, 11, 2, 9),
        )


def test_bad_schedules_are_refused_clearly(db: Database) -> None:
    settings = settings_for(db)
    pid = person(db)
    with db.session() as session:
        participant = session.get_one(Participant, pid)
        with pytest.raises(ScheduleError, match="unknown day"):
            set_schedule(session, participant, settings, checkin_days="mon,funday")
        with pytest.raises(ScheduleError, match="time span"):
            set_schedule(session, participant, settings, window="25:00-26:00")
        with pytest.raises(ScheduleError, match="same day"):
            set_schedule(session, participant, settings, window="10:00-10:00")
        with pytest.raises(ScheduleError, match="same day"):
            set_schedule(session, participant, settings, window="23:00-01:00")


# --- the politeness rules ------------------------------------------------------------------


def facts(**overrides: object) -> Facts:
    values: dict[str, object] = dict(
        status=ParticipantStatus.ACTIVE,
        consented=True,
        opted_out=False,
        case_open=False,
        sent_today=0,
        sent_this_week=0,
    )
    values.update(overrides)
    return Facts(**values)  # type: ignore[arg-type]


RULES = rules_from(Settings(_env_file=None))  # type: ignore[call-arg]
FAR = local(2026, 12, 31, 0)


def test_quiet_hours_hold_a_nudge_until_eight_in_the_morning() -> None:
    at = local(2026, 11, 4, 6, 30)  # a 2-hour nudge for an 08:30 appointment
    verdict = decide(
        OutreachKind.APPOINTMENT_NUDGE, at, local(2026, 11, 4, 8, 30), NEW_YORK, facts(), RULES
    )
    assert verdict.action == Action.HOLD
    assert verdict.reason == "quiet_hours"
    assert verdict.until == local(2026, 11, 4, 8)


def test_a_nudge_that_would_arrive_after_the_appointment_is_dropped() -> None:
    at = local(2026, 11, 4, 5, 30)  # the 2-hour nudge for a 07:30 appointment
    verdict = decide(
        OutreachKind.APPOINTMENT_NUDGE, at, local(2026, 11, 4, 7, 30), NEW_YORK, facts(), RULES
    )
    assert verdict.action == Action.DROP
    assert verdict.reason == "quiet_hours:too_late"


def test_quiet_hours_are_the_participants_own_not_the_servers() -> None:
    at = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)  # 21:00 in New York, 18:00 in Los Angeles
    assert decide(OutreachKind.CHECKIN, at, FAR, NEW_YORK, facts(), RULES).action == Action.HOLD
    la = ZoneInfo("America/Los_Angeles")
    assert decide(OutreachKind.CHECKIN, at, FAR, la, facts(), RULES).action == Action.SEND


def test_the_daily_cap_holds_a_second_routine_text_to_the_next_morning() -> None:
    at = local(2026, 11, 4, 11)
    verdict = decide(
        OutreachKind.MEDICATION_NUDGE,
        at,
        FAR,
        NEW_YORK,
        facts(sent_today=1, sent_this_week=1),
        RULES,
    )
    assert (verdict.action, verdict.reason) == (Action.HOLD, "daily_cap")
    assert verdict.until == local(2026, 11, 5, 8)  # midnight is quiet; 08:00 is the first allowed


def test_the_weekly_cap_holds_until_monday() -> None:
    at = local(2026, 11, 6, 11)  # a Friday
    verdict = decide(OutreachKind.CHECKIN, at, FAR, NEW_YORK, facts(sent_this_week=3), RULES)
    assert (verdict.action, verdict.reason) == (Action.HOLD, "weekly_cap")
    assert verdict.until == local(2026, 11, 9, 8)


def test_appointment_nudges_do_not_count_toward_the_caps_by_default() -> None:
    at = local(2026, 11, 4, 11)
    busy = facts(sent_today=5, sent_this_week=9)
    assert (
        decide(OutreachKind.APPOINTMENT_NUDGE, at, FAR, NEW_YORK, busy, RULES).action == Action.SEND
    )
    counted = rules_from(Settings(_env_file=None, outreach_nudges_count=True))  # type: ignore[call-arg]
    assert (
        decide(OutreachKind.APPOINTMENT_NUDGE, at, FAR, NEW_YORK, busy, counted).action
        == Action.HOLD
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"opted_out": True}, "opted_out"),
        ({"status": ParticipantStatus.PAUSED}, "paused"),
        ({"consented": False}, "no_consent"),
        ({"case_open": True}, "case_open"),
    ],
)
def test_nothing_goes_to_people_who_must_not_get_it(
    changes: dict[str, object], reason: str
) -> None:
    at = local(2026, 11, 4, 11)
    verdict = decide(OutreachKind.APPOINTMENT_NUDGE, at, FAR, NEW_YORK, facts(**changes), RULES)
    assert (verdict.action, verdict.reason) == (Action.HOLD, reason)
    late = decide(
        OutreachKind.CHECKIN, at, at + timedelta(minutes=5), NEW_YORK, facts(**changes), RULES
    )
    assert (late.action, late.reason) == (Action.DROP, f"{reason}:too_late")


def test_discharged_people_get_nothing_ever() -> None:
    verdict = decide(
        OutreachKind.CHECKIN,
        local(2026, 11, 4, 11),
        FAR,
        NEW_YORK,
        facts(status=ParticipantStatus.DISCHARGED),
        RULES,
    )
    assert (verdict.action, verdict.reason) == (Action.DROP, "discharged")


def test_caps_count_sends_on_the_participants_local_day(db: Database) -> None:
    """23:30 in New York is already tomorrow in UTC: it still counts for the local day."""
    pid = person(db)
    late_evening = local(2026, 11, 4, 23, 30)
    with db.session() as session:
        session.add(sent_checkin(pid, late_evening))
    with db.session() as session:
        participant = session.get_one(Participant, pid)
        same_day = gather(session, participant, local(2026, 11, 4, 23, 45), NEW_YORK, RULES)
        next_day = gather(session, participant, local(2026, 11, 5, 9), NEW_YORK, RULES)
    assert (same_day.sent_today, same_day.sent_this_week) == (1, 1)
    assert (next_day.sent_today, next_day.sent_this_week) == (0, 1)


def test_the_key_makes_a_second_row_for_the_same_outreach_impossible(db: Database) -> None:
    pid = person(db)
    at = local(2026, 11, 4, 10)
    row = {
        "participant_id": pid,
        "kind": OutreachKind.CHECKIN.value,
        "target_at": at,
        "due_at": at,
        "expires_at": at + timedelta(hours=1),
        "status": "planned",
        "attempts": 0,
        "created_at": at,
        "updated_at": at,
    }
    with db.session() as session:
        assert planner.insert_new(session, [row, dict(row)]) == 1
    with db.session() as session:
        assert planner.insert_new(session, [row]) == 0
        assert session.scalar(select(func.count()).select_from(Outreach)) == 1


def test_appointment_kinds_are_the_programs(db: Database) -> None:
    pid = person(db)
    with db.session() as session:
        booked = add_appointment(
            session,
            session.get_one(Participant, pid),
            starts_at=local(2026, 11, 9, 10),
            kind="prescriber_visit",
            location="the Main St office",
            now=local(2026, 11, 2, 10),
        )
        assert session.get_one(Appointment, booked.id).kind == AppointmentKind.PRESCRIBER_VISIT


def test_three_unanswered_checkins_bring_the_gentle_text_forward(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="")
    consented = local(2026, 11, 1, 9)
    pid = person(db, since=consented)
    with db.session() as session:  # daily check-ins went out and were never answered
        session.add_all(sent_checkin(pid, local(2026, 11, 2 + day, 10)) for day in range(3))
    plan(db, settings, local(2026, 11, 4, 10, 30))  # day 3 of silence, not 7
    [text] = rows(db, OutreachKind.REENGAGE)
    assert text.due_at < consented + timedelta(days=7)
    assert text.due_at >= local(2026, 11, 4, 10)


def test_pacing_spaces_texts_per_sending_number() -> None:
    from messaging.pace import SendPace

    now = [100.0]
    pace = SendPace(per_second=2.0, timer=lambda: now[0])
    waits = [pace.reserve("+12125550100") for _ in range(4)]
    assert waits == [0.0, 0.5, 1.0, 1.5]  # a burst flows out at 2 a second
    assert pace.reserve("+12125550109") == 0.0  # another number has its own pace
    now[0] += 10
    assert pace.reserve("+12125550100") == 0.0  # idle time is not banked


def test_in_the_repeated_hour_quiet_hours_still_hold() -> None:
    """Clocks go back at 02:00 on 1 Nov 2026: 01:10 happens twice in New York. In the
    second 01:10, quiet hours ending 01:30 end at the second 01:30, not in the past."""
    quiet_till_0130 = rules_from(Settings(_env_file=None, outreach_quiet_hours="22:00-01:30"))  # type: ignore[call-arg]
    second_0110 = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST
    verdict = decide(OutreachKind.CHECKIN, second_0110, FAR, NEW_YORK, facts(), quiet_till_0130)
    assert verdict.action == Action.HOLD
    assert verdict.until == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST


def test_a_window_across_midnight_is_refused_in_settings() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="same day"):
        Settings(_env_file=None, outreach_window="23:00-01:00")  # type: ignore[call-arg]


def test_a_broken_time_zone_skips_that_person_not_everyone(db: Database) -> None:
    settings = settings_for(db, outreach_checkin_days="mon,tue,wed,thu,fri,sat,sun")
    good = person(db, phone="+12125550161")
    broken = person(db, phone="+12125550162")
    with db.session() as session:
        session.get_one(Participant, broken).timezone = "Mars/Olympus_Mons"
    assert plan(db, settings, local(2026, 11, 2, 7)) >= 1
    assert {r.participant_id for r in rows(db)} == {good}
