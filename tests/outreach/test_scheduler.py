"""The outreach scheduler sending through a real rasa process (trigger_intent) into the
outbox, with a controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.engine import RasaEngine
from outreach.scheduler import SILENT_REASON, Scheduler
from peerline.engine_process import EngineProcesses
from records.clock import ManualClock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    TurnStatus,
)
from records.participants import enrol
from records.schedules import set_schedule
from records.settings import Settings
from tests.conftest import make_settings
from tests.support.cases import open_case
from tests.support.records import book

pytestmark = pytest.mark.engine

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_7AM = datetime(2026, 11, 2, 7, 0, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture
def rasa(engine: EngineProcesses) -> Iterator[RasaEngine]:
    client = RasaEngine(engine.url, engine.token, timeout=30)
    yield client
    client.close()


def settings_for(db: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {"outreach_checkin_days": "mon,thu"}
    values.update(overrides)
    return make_settings(str(db.engine.url.render_as_string(hide_password=False)), "", **values)


def enrol_people(db: Database, count: int, since: datetime = MONDAY_7AM) -> list[int]:
    with db.session() as session:
        return [
            enrol(
                session,
                phone=f"+1212555{100 + n:04d}",
                alias=f"P{n}",
                timezone="America/New_York",
                consented_at=since - timedelta(days=1),
            ).id
            for n in range(count)
        ]


def nudges(db: Database, participant_id: int | None = None) -> list[Message]:
    query = select(Message).where(Message.kind == MessageKind.NUDGE).order_by(Message.id)
    if participant_id is not None:
        query = query.where(Message.participant_id == participant_id)
    with db.session() as session:
        return list(session.scalars(query))


def outreach_rows(db: Database, kind: OutreachKind | None = None) -> list[Outreach]:
    query = select(Outreach).order_by(Outreach.id)
    if kind is not None:
        query = query.where(Outreach.kind == kind)
    with db.session() as session:
        return list(session.scalars(query))


def run_until(scheduler: Scheduler, clock: ManualClock, until: datetime, step: float = 15) -> None:
    """Let time pass in steps, the scheduler doing its work at each one."""
    while clock.now() < until:
        scheduler.step()
        clock.advance(minutes=step)
    scheduler.step()


def test_a_checkin_goes_out_once_in_the_window(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    scheduler = Scheduler(db, rasa, settings_for(db), clock)
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=2, minutes=45))
    assert nudges(db) == [], "nothing before the 10:00-12:00 window"
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=8))
    sent = nudges(db, pid)
    assert sent, "the check-in should have gone out"
    assert "check-in" in sent[0].body.lower()
    assert all(m.status == MessageStatus.PENDING for m in sent)  # in the outbox, in order
    [row] = outreach_rows(db, OutreachKind.CHECKIN)
    assert row.status == OutreachStatus.SENT and row.message_id == sent[0].id
    assert 10 <= row.target_at.astimezone(NEW_YORK).hour < 12  # inside the window
    # sent at the first scheduler step after it fell due (steps are 15 minutes here)
    assert row.sent_at is not None
    assert timedelta(0) <= row.sent_at - row.target_at <= timedelta(minutes=15)
    assert sent[0].created_at == row.sent_at


def test_nothing_is_sent_while_a_case_is_open_then_it_goes(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    scheduler = Scheduler(db, rasa, settings_for(db), clock)
    case_id = open_case(db, pid, CaseLevel.URGENT, clock.now())
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=5, minutes=15))
    assert nudges(db) == []
    [row] = outreach_rows(db, OutreachKind.CHECKIN)
    assert (row.status, row.reason) == (OutreachStatus.HELD, "case_open")
    with db.session() as session:
        session.get_one(Case, case_id).status = "resolved"
    run_until(scheduler, clock, clock.now() + timedelta(minutes=30))
    assert len(nudges(db, pid)) >= 1
    assert outreach_rows(db, OutreachKind.CHECKIN)[0].status == OutreachStatus.SENT


def test_held_too_long_is_dropped_with_its_reason(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    scheduler = Scheduler(db, rasa, settings_for(db), clock)
    with db.session() as session:
        session.get_one(Participant, pid).status = "paused"
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=26), step=60)
    [row] = outreach_rows(db, OutreachKind.CHECKIN)
    assert row.status == OutreachStatus.DROPPED
    assert row.reason in {"paused:too_late", "expired"}
    assert nudges(db) == []


def test_the_daily_cap_moves_a_refill_reminder_to_the_next_day(
    db: Database, rasa: RasaEngine
) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    settings = settings_for(db)
    with db.session() as session:
        set_schedule(session, session.get_one(Participant, pid), settings, medication_every_days=1)
    scheduler = Scheduler(db, rasa, settings, clock)
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=8))
    monday = {
        r.kind: r for r in outreach_rows(db) if r.target_at < MONDAY_7AM + timedelta(hours=12)
    }
    statuses = sorted(r.status for r in monday.values())
    assert statuses == [OutreachStatus.HELD, OutreachStatus.SENT], "one routine text a day"
    held = next(r for r in monday.values() if r.status == OutreachStatus.HELD)
    assert held.reason == "daily_cap"
    assert held.due_at.astimezone(NEW_YORK).date() == datetime(2026, 11, 3).date()
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=30), step=60)
    with db.session() as session:
        held_now = session.get_one(Outreach, held.id)
    # Tuesday has its own refill reminder too; the cap still allows only one a day
    assert held_now.status in (OutreachStatus.SENT, OutreachStatus.DROPPED)
    sent_days = [
        r.sent_at.astimezone(NEW_YORK).date()
        for r in outreach_rows(db)
        if r.status == OutreachStatus.SENT and r.sent_at is not None
    ]
    assert len(sent_days) == len(set(sent_days)), "never two routine texts on one local day"


def test_an_appointment_nudge_names_the_local_time(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    starts = datetime(2026, 11, 3, 15, 0, tzinfo=NEW_YORK).astimezone(UTC)
    book(db, pid, starts, "group", clock.now())
    scheduler = Scheduler(db, rasa, settings_for(db, outreach_checkin_days=""), clock)
    run_until(scheduler, clock, starts - timedelta(hours=23))
    [text] = nudges(db, pid)
    assert "your appointment is" in text.body and "3:00 PM" in text.body
    assert "group" not in text.body  # a lock screen only learns there is an appointment
    with db.session() as session:
        assert session.scalars(select(Appointment)).one().nudged_at is not None


def test_a_program_may_opt_in_to_naming_the_appointment(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    starts = datetime(2026, 11, 3, 15, 0, tzinfo=NEW_YORK).astimezone(UTC)
    book(db, pid, starts, "group", clock.now())
    settings = settings_for(
        db, outreach_checkin_days="", outreach_named_templates="appointment_nudge"
    )
    run_until(Scheduler(db, rasa, settings, clock), clock, starts - timedelta(hours=23))
    [text] = nudges(db, pid)
    assert "your group session is" in text.body


def test_a_moved_appointment_drops_the_old_nudge(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    starts = datetime(2026, 11, 3, 15, 0, tzinfo=NEW_YORK).astimezone(UTC)
    appointment_id = book(db, pid, starts, "group", clock.now())
    scheduler = Scheduler(db, rasa, settings_for(db, outreach_checkin_days=""), clock)
    scheduler.step()  # plans the 24-hour nudge for Monday 15:00
    with db.session() as session:
        session.get_one(Appointment, appointment_id).starts_at = starts + timedelta(days=2)
    run_until(scheduler, clock, starts - timedelta(hours=20))
    first = outreach_rows(db, OutreachKind.APPOINTMENT_NUDGE)[0]
    assert (first.status, first.reason) == (OutreachStatus.DROPPED, "appointment_moved")
    assert nudges(db) == []


def test_a_missed_appointment_gets_a_kind_follow_up(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    starts = MONDAY_7AM + timedelta(hours=3)  # Monday 10:00
    appointment_id = book(db, pid, starts, "dosing", clock.now())
    scheduler = Scheduler(db, rasa, settings_for(db, outreach_checkin_days=""), clock)
    run_until(scheduler, clock, starts + timedelta(minutes=30))
    with db.session() as session:
        session.get_one(Appointment, appointment_id).status = AppointmentStatus.MISSED
    before = len(nudges(db, pid))
    run_until(scheduler, clock, starts + timedelta(hours=3))
    followups = nudges(db, pid)[before:]
    assert len(followups) == 1
    assert "appointment" in followups[0].body.lower()
    [row] = outreach_rows(db, OutreachKind.MISSED_APPOINTMENT)
    assert row.status == OutreachStatus.SENT
    assert row.sent_at is not None and row.sent_at >= starts + timedelta(hours=2)


def silent_for_a_week(db: Database, rasa: RasaEngine) -> tuple[int, Scheduler, ManualClock]:
    """A person silent since consenting a week ago, once the gentle text has gone out."""
    [pid] = enrol_people(db, 1, since=MONDAY_7AM - timedelta(days=6))
    clock = ManualClock(MONDAY_7AM)
    scheduler = Scheduler(db, rasa, settings_for(db, outreach_checkin_days=""), clock)
    run_until(scheduler, clock, MONDAY_7AM + timedelta(days=1, hours=6), step=60)
    return pid, scheduler, clock


def test_silence_gets_one_gentle_text_then_a_peer_request(db: Database, rasa: RasaEngine) -> None:
    pid, scheduler, clock = silent_for_a_week(db, rasa)
    [text] = nudges(db, pid)
    assert "check-in" in text.body.lower() or "check in" in text.body.lower()
    run_until(scheduler, clock, clock.now() + timedelta(days=2, hours=1), step=60)
    assert len(nudges(db, pid)) == 1, "one gentle text per silence, not a stream"
    with db.session() as session:
        [case] = session.scalars(select(Case).where(Case.participant_id == pid)).all()
        assert case.level == CaseLevel.SUPPORT
        assert SILENT_REASON in case.reasons
        assert not case.pauses_bot


def test_a_reply_after_the_gentle_text_cancels_the_peer_request(
    db: Database, rasa: RasaEngine
) -> None:
    pid, scheduler, clock = silent_for_a_week(db, rasa)
    assert len(nudges(db, pid)) == 1
    with db.session() as session:  # they answer
        session.add(
            Message(
                direction=Direction.INBOUND,
                participant_id=pid,
                phone="+12125550100",
                body="hey sorry, been busy",
                status=MessageStatus.RECEIVED,
                turn_status=TurnStatus.DONE,
                created_at=clock.now(),
            )
        )
    run_until(scheduler, clock, clock.now() + timedelta(days=3), step=60)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_engine_down_retries_later_and_loses_nothing(db: Database, rasa: RasaEngine) -> None:
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    down = RasaEngine("http://127.0.0.1:9", "x", timeout=2)
    settings = settings_for(db)
    run_until(
        Scheduler(db, down, settings, clock, name="a"), clock, MONDAY_7AM + timedelta(hours=6)
    )
    [row] = outreach_rows(db, OutreachKind.CHECKIN)
    assert row.status == OutreachStatus.PLANNED and row.reason == "engine_unavailable"
    assert row.attempts >= 1
    down.close()
    clock.advance(minutes=2)  # the first holder's lease runs out
    run_until(
        Scheduler(db, rasa, settings, clock, name="b"), clock, clock.now() + timedelta(minutes=20)
    )
    assert len(nudges(db, pid)) >= 1
    assert outreach_rows(db, OutreachKind.CHECKIN)[0].status == OutreachStatus.SENT


class CrashingScheduler(Scheduler):
    """Dies after `survive` sends, in the middle of a row: after the engine answered,
    before its texts were committed. The database must not remember half of it."""

    def __init__(self, *args: object, survive: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.survive = survive

    def _enqueue(self, *args: object, **kwargs: object) -> Message:  # type: ignore[override]
        if self.survive == 0:
            raise KeyboardInterrupt("process killed")
        self.survive -= 1
        return super()._enqueue(*args, **kwargs)  # type: ignore[arg-type]


def assert_one_checkin_each(db: Database, pids: list[int]) -> None:
    """Each person got their check-in, once: one intro, no text repeated."""
    for pid in pids:
        bodies = [m.body for m in nudges(db, pid)]
        assert bodies, f"participant {pid} got nothing"
        assert len(bodies) == len(set(bodies)), f"participant {pid} got a text twice"
        intros = [b for b in bodies if "check-in" in b.lower()]
        assert len(intros) <= 1, f"participant {pid} got {len(intros)} check-in intros"


def test_a_restart_in_the_middle_of_a_batch_sends_nothing_twice(
    db: Database, rasa: RasaEngine
) -> None:
    pids = enrol_people(db, 12)
    clock = ManualClock(datetime(2026, 11, 2, 11, 59, tzinfo=NEW_YORK).astimezone(UTC))
    settings = settings_for(db)
    first = CrashingScheduler(db, rasa, settings, clock, name="first", survive=5)
    with pytest.raises(KeyboardInterrupt):
        first.step()
    assert 0 < len(nudges(db)) < 12 * 2
    clock.advance(minutes=2)  # the crashed process never released its lease
    second = Scheduler(db, rasa, settings, clock, name="second")
    second.step()
    second.step()
    rows = outreach_rows(db, OutreachKind.CHECKIN)
    assert len(rows) == 12 and all(r.status == OutreachStatus.SENT for r in rows)
    assert_one_checkin_each(db, pids)
    with db.session() as session:  # every text belongs to exactly one sent outreach
        linked = set(session.scalars(select(Outreach.message_id)))
        assert len(linked) == 12


def test_on_sqlite_only_one_scheduler_works_at_a_time(tmp_path: Path, rasa: RasaEngine) -> None:
    from records import migrate

    url = f"sqlite:///{tmp_path / 'lease.db'}"
    migrate.upgrade(url)
    db = Database(url)
    clock = ManualClock(MONDAY_7AM)
    settings = settings_for(db)
    one = Scheduler(db, rasa, settings, clock, name="one")
    two = Scheduler(db, rasa, settings, clock, name="two")
    assert one.holds_lease()
    assert not two.holds_lease()
    clock.advance(seconds=30)
    assert one.holds_lease() and not two.holds_lease()  # renewed
    one.release()
    assert two.holds_lease() and not one.holds_lease()
    db.dispose()


@pytest.mark.postgres
def test_two_schedulers_on_postgresql_send_each_outreach_exactly_once(
    postgres_url: str, rasa: RasaEngine, engine: EngineProcesses
) -> None:
    from records import migrate

    migrate.upgrade(postgres_url)
    setup = Database(postgres_url)
    pids = enrol_people(setup, 30)
    # 12:30: all 30 of Monday's check-ins (10:00-12:00) are due at once
    clock = ManualClock(datetime(2026, 11, 2, 12, 30, tzinfo=NEW_YORK).astimezone(UTC))
    settings = settings_for(setup)
    assert Scheduler(setup, rasa, settings, clock).plan() == 30
    workers = [Database(postgres_url), Database(postgres_url)]  # two pools, like two processes
    engines = [RasaEngine(engine.url, engine.token, timeout=30) for _ in workers]
    done: list[int] = []
    start = threading.Barrier(2)

    def work(index: int) -> None:
        scheduler = Scheduler(workers[index], engines[index], settings, clock, name=f"s{index}")
        start.wait()
        done.append(scheduler.dispatch_due(limit=100))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(done) == 30, f"the schedulers sent {done}"
    assert_one_checkin_each(setup, pids)
    counts = {len(nudges(setup, pid)) for pid in pids}
    assert len(counts) == 1, f"everyone got the same one check-in, got counts {counts}"
    for engine_client, database in zip(engines, workers, strict=True):
        engine_client.close()
        database.dispose()
    setup.dispose()


class AnotherSchedulerWins:
    """The real engine; while it answers, another scheduler sends the same row. (The race
    SQLite's lease can leave open when a lease lapses mid-step.)"""

    def __init__(self, engine: RasaEngine, db: Database) -> None:
        self.engine, self.db = engine, db

    def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, str] | None = None
    ) -> list[object]:
        replies = self.engine.trigger_intent(sender, intent, entities)
        with self.db.session() as session:
            for row in session.scalars(select(Outreach)):
                row.status, row.sent_at = OutreachStatus.SENT, datetime.now(UTC)
        return list(replies)


def test_a_row_sent_elsewhere_meanwhile_is_not_sent_again(tmp_path: Path, rasa: RasaEngine) -> None:
    from records import migrate

    url = f"sqlite:///{tmp_path / 'race.db'}"
    migrate.upgrade(url)
    db = Database(url)
    enrol_people(db, 1)
    clock = ManualClock(datetime(2026, 11, 2, 12, 30, tzinfo=NEW_YORK).astimezone(UTC))
    racing = Scheduler(db, AnotherSchedulerWins(rasa, db), settings_for(db), clock)  # type: ignore[arg-type]
    racing.plan()
    outcome = racing.dispatch_next()
    assert outcome is not None and outcome.reason == "handled_elsewhere"
    assert nudges(db) == [], "our copy of the texts was rolled back"
    db.dispose()


def test_a_row_that_fails_is_set_aside_and_the_rest_still_go(
    db: Database, rasa: RasaEngine
) -> None:
    good, broken = enrol_people(db, 2)
    clock = ManualClock(datetime(2026, 11, 2, 12, 30, tzinfo=NEW_YORK).astimezone(UTC))
    scheduler = Scheduler(db, rasa, settings_for(db), clock)
    scheduler.plan()
    with db.session() as session:  # broken after planning: its row can't be worked out now
        session.get_one(Participant, broken).timezone = "Mars/Olympus_Mons"
    scheduler.dispatch_due()
    assert nudges(db, good), "one bad row must not stop everyone else's outreach"
    [stuck] = [r for r in outreach_rows(db) if r.participant_id == broken]
    assert stuck.status == OutreachStatus.PLANNED and stuck.reason is not None
    assert stuck.reason.startswith("error:") and stuck.due_at > clock.now()
    for _ in range(6):  # it keeps failing: dropped with its reason, not retried forever
        clock.advance(hours=1)
        scheduler.dispatch_due()
    [stuck] = [r for r in outreach_rows(db) if r.participant_id == broken]
    assert stuck.status == OutreachStatus.DROPPED and stuck.reason.startswith("error:")


def test_a_support_case_does_not_hold_moud_care(db: Database, rasa: RasaEngine) -> None:
    """A peer request is open, nobody has picked it up yet: the appointment nudge and the
    check-in still go, because only a case that has the bot standing aside holds outreach."""
    [pid] = enrol_people(db, 1)
    clock = ManualClock(MONDAY_7AM)
    book(db, pid, MONDAY_7AM + timedelta(hours=9), "prescriber visit", clock.now())
    open_case(db, pid, CaseLevel.SUPPORT, clock.now(), reasons=("wants_peer",))
    scheduler = Scheduler(db, rasa, settings_for(db), clock)
    run_until(scheduler, clock, MONDAY_7AM + timedelta(hours=8))
    sent = {row.kind for row in outreach_rows(db) if row.status == OutreachStatus.SENT}
    assert {OutreachKind.APPOINTMENT_NUDGE, OutreachKind.CHECKIN} <= sent
    assert nudges(db, pid)
