"""The coordinators' figures against expectations computed by hand from a small program:
retention, check-in response, attendance, time to claim, MOUD linkage, fidelity rates, a
participant's summary and the needs-attention list. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.program import metrics, peers
from console.program.tables import Period, Rate, Table
from console.summaries.attention import needs_attention
from console.summaries.summary import build
from escalation.escalate import Policy
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseLevel,
    CaseOutcome,
    CaseStatus,
    CheckIn,
    Debrief,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    MoudLinkage,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    StaffRole,
    StaffUser,
)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PERIOD = Period(NOW - timedelta(days=30), NOW + timedelta(hours=9), "the last 30 days", "month")
POLICY = Policy()
D = timedelta(days=1)
M = timedelta(minutes=1)


def at(days_ago: float, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days_ago) + timedelta(minutes=minutes)


@pytest.fixture
def program(db: Database) -> dict[str, int]:
    """Four people, two peers, a handful of everything, each chosen to be counted by hand."""
    with db.session() as s:
        rae = StaffUser(email="rae@p.example", display_name="Rae", role=StaffRole.PEER)
        lee = StaffUser(email="lee@p.example", display_name="Lee", role=StaffRole.PEER)
        s.add_all([rae, lee])
        s.flush()
        # retention: A in contact at 30 and 90 days, B at 30 only, C never, D too new
        a = _person(s, "A", "+12125550111", datetime(2026, 6, 1, tzinfo=UTC), at(3))
        b = _person(
            s,
            "B",
            "+12125550112",
            datetime(2026, 6, 15, tzinfo=UTC),
            datetime(2026, 7, 20, tzinfo=UTC),
        )
        _person(s, "C", "+12125550113", datetime(2026, 6, 20, tzinfo=UTC), None)
        _person(s, "D", "+12125550114", at(13), at(1))
        # check-ins sent to A: answered after 2 h, after 23 h, after 25 h (too late), never
        for days_ago, answered_after in ((20, 2), (15, 23), (10, 25), (5, None)):
            sent = at(days_ago)
            within_a_day = answered_after is not None and answered_after < 24
            s.add(
                Outreach(
                    participant_id=a.id,
                    kind=OutreachKind.CHECKIN,
                    target_at=sent,
                    due_at=sent,
                    expires_at=sent + D,
                    status=OutreachStatus.SENT,
                    sent_at=sent,
                    # what the gateway records as the reply arrives
                    answered_at=sent + timedelta(hours=answered_after) if within_a_day else None,
                )
            )
            if answered_after is not None:
                s.add(_text(a.id, a.phone, sent + timedelta(hours=answered_after)))
        # appointments in the period: 3 attended, 1 missed, 1 cancelled; 1 before the period
        for days_ago, status in (
            (25, "attended"),
            (18, "attended"),
            (11, "attended"),
            (4, "missed"),
            (2, "cancelled"),
            (40, "missed"),
        ):
            s.add(
                Appointment(
                    participant_id=a.id,
                    starts_at=at(days_ago),
                    kind="dosing",
                    status=AppointmentStatus(status),
                )
            )
        # cases: emergencies claimed in 1 and 5 min; urgents in 4, 12 and 20 min; one open
        claims = [
            (
                CaseLevel.EMERGENCY,
                1,
                rae,
                MoudLinkage.STARTED,
                {"safety_assessed": True, "naloxone_discussed": True},
            ),
            (CaseLevel.EMERGENCY, 5, rae, MoudLinkage.NOT_LINKED, {"safety_assessed": True}),
            (
                CaseLevel.URGENT,
                4,
                lee,
                MoudLinkage.STAYED,
                {"safety_assessed": True, "moud_discussed": True},
            ),
            (CaseLevel.URGENT, 12, lee, MoudLinkage.RESUMED, {}),
            (CaseLevel.URGENT, 20, lee, None, {"safety_assessed": True}),
        ]
        for i, (level, wait, peer, linkage, fidelity) in enumerate(claims):
            opened = at(20 - i)
            s.add(
                Case(
                    participant_id=[a, b][i % 2].id,
                    level=level,
                    reasons=["x"],
                    opened_at=opened,
                    claimed_by_id=peer.id,
                    claimed_at=opened + wait * M,
                    status=CaseStatus.RESOLVED,
                    outcome=CaseOutcome.SAFE,
                    moud_linkage=linkage,
                    fidelity=fidelity,
                    resolved_at=opened + 60 * M,
                    page_rounds=2 if wait > 10 else 1,
                )
            )
        s.add(
            Case(
                participant_id=a.id,
                level=CaseLevel.SUPPORT,
                reasons=["wants_peer"],
                opened_at=at(0, -90),
                status=CaseStatus.OPEN,
                page_rounds=1,
            )
        )
        s.flush()
        first_case = s.query(Case).order_by(Case.id).first()
        assert first_case is not None
        s.add(Debrief(case_id=first_case.id, staff_id=rae.id, note="hard night", at=at(19)))
        # delivery failures: 2 x 30007 failed, 1 x 30003 undelivered
        for code, status in ((30007, "failed"), (30007, "failed"), (30003, "undelivered")):
            s.add(
                Message(
                    direction=Direction.OUTBOUND,
                    kind=MessageKind.REPLY,
                    phone=a.phone,
                    participant_id=a.id,
                    body="x",
                    status=MessageStatus(status),
                    error_code=code,
                    created_at=at(6),
                )
            )
        return {"a": a.id, "b": b.id, "rae": rae.id, "lee": lee.id}


def _person(
    s: object, alias: str, phone: str, created: datetime, last: datetime | None
) -> Participant:
    p = Participant(
        phone=phone,
        alias=alias,
        timezone="America/New_York",
        created_at=created,
        last_inbound_at=last,
        consented_at=created,
    )
    s.add(p)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    return p


def _text(participant_id: int, phone: str, moment: datetime) -> Message:
    return Message(
        direction=Direction.INBOUND,
        phone=phone,
        participant_id=participant_id,
        body="ok",
        status=MessageStatus.RECEIVED,
        created_at=moment,
        screened_at=moment,
    )


def row(table: Table, first: str) -> dict[str, object]:
    for r in table.rows:
        if r[0] == first:
            return dict(zip(table.columns, r, strict=True))
    raise AssertionError(f"no row {first!r} in {table.key}: {table.rows}")


def test_retention_by_cohort(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        table = metrics.retention(s, PERIOD, NOW)
    june = row(table, "2026-06")
    assert june["enrolled"] == 3
    assert june["reached 30 days"] == 3 and june["in contact at 30 days"] == pytest.approx(2 / 3)
    assert june["reached 90 days"] == 3 and june["in contact at 90 days"] == pytest.approx(1 / 3)
    assert june["reached 180 days"] == 0 and june["in contact at 180 days"] is None
    november = row(table, "2026-11")
    assert november["reached 30 days"] == 0
    assert isinstance(june["in contact at 30 days"], Rate)


def test_checkin_response_and_attendance(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        checkins = metrics.checkins(s, PERIOD, NOW)
        appointments = metrics.appointments(s, PERIOD, NOW)
    assert checkins.rows == [(4, 2, pytest.approx(0.5))]
    attendance = row(appointments, "attendance rate (attended / attended + missed)")
    assert attendance["appointments"] == pytest.approx(0.75)
    assert row(appointments, "cancelled")["appointments"] == 1


def test_time_to_claim_against_the_sla(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        table = metrics.time_to_claim(s, PERIOD, POLICY)
    emergency, urgent = row(table, "emergency"), row(table, "urgent")
    assert (emergency["claimed"], emergency["median minutes"]) == (2, pytest.approx(3.0))
    assert emergency["90th percentile minutes"] == pytest.approx(5.0)
    assert emergency["claimed within SLA"] == pytest.approx(0.5)  # 1 of 2 within 2 min
    assert (urgent["median minutes"], urgent["90th percentile minutes"]) == (12, 20)
    assert urgent["claimed within SLA"] == pytest.approx(1 / 3)  # only 4 min is within 10
    assert urgent["re-pages"] == 2
    support = row(table, "support")
    assert (support["opened"], support["claimed"], support["median minutes"]) == (1, 0, None)


def test_delivery_failures_by_code(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        table = metrics.delivery_failures(s, PERIOD, NOW)
    assert table.rows == [("30007", "failed", 2), ("30003", "undelivered", 1)]


def test_peers_linkage_and_fidelity(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        work = peers.work(s, PERIOD)
        fidelity = peers.fidelity(s, PERIOD)
        wellbeing = peers.wellbeing(s, PERIOD)
    rae, lee = row(work, "Rae"), row(work, "Lee")
    assert (rae["cases taken"], rae["linked to MOUD"], rae["linkage rate"]) == (2, 1, 0.5)
    assert (lee["cases taken"], lee["linked to MOUD"]) == (3, 2)
    assert lee["linkage rate"] == pytest.approx(2 / 3)
    assert lee["median minutes to claim"] == 12
    rae_f = row(fidelity, "Rae")
    assert rae_f["Safety assessed"] == 1.0 and rae_f["Naloxone discussed"] == 0.5
    lee_f = row(fidelity, "Lee")
    assert lee_f["Safety assessed"] == pytest.approx(2 / 3)
    assert lee_f["MOUD options discussed"] == pytest.approx(1 / 3)
    assert row(wellbeing, "Rae")["emergencies carried"] == 2
    assert row(wellbeing, "Rae")["debriefs"] == 1


def test_a_csv_reads_back_as_the_table(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        table = metrics.time_to_claim(s, PERIOD, POLICY)
    lines = table.to_csv().splitlines()
    assert lines[0].startswith("level,opened,claimed,median minutes")
    assert lines[1].split(",")[:4] == ["emergency", "2", "2", "3.0"]


def test_a_summary_states_what_the_records_say_with_its_sources(
    db: Database, program: dict[str, int]
) -> None:
    with db.session() as s:
        a = s.get_one(Participant, program["a"])
        for days_ago, mood, craving, use, medication in (
            (12, 4, 2, "no", "as prescribed"),
            (8, 3, 4, "no", "missed doses"),
            (3, 2, 7, "yes", "as prescribed"),
        ):
            s.add(
                CheckIn(
                    participant_id=a.id,
                    mood=mood,
                    craving=craving,
                    use=use,
                    medication=medication,
                    barriers=["transport"],
                    complete=True,
                    created_at=at(days_ago),
                )
            )
        s.flush()
        summary = build(s, a, PERIOD, NOW)
    text = {
        st.topic: [x.text for x in summary.statements if x.topic == st.topic]
        for st in summary.statements
    }
    mood, cravings = text["How they have been"]
    assert mood.startswith("Mood averaged 3.0 out of 5 over 3 check-ins, from 4 to 2")
    assert cravings.startswith("Cravings rose from 2 to 7")
    assert text["Use"] == ["Use reported on Nov 20."]
    assert text["Medication"][0].startswith(
        "Medication: taken as prescribed 2 times; missed doses 1x"
    )
    assert "transport (3)" in text["Barriers"][0]
    assert text["Appointments"][0].startswith("Appointments: 3 kept, 1 missed")
    use = next(x for x in summary.statements if x.topic == "Use")
    assert len(use.sources) == 1 and use.concern
    assert [v for _day, v in summary.craving] == [2, 4, 7]


def test_needs_attention_names_each_reason(db: Database, program: dict[str, int]) -> None:
    with db.session() as s:
        s.add(
            CheckIn(
                participant_id=program["b"], craving=9, use="yes", complete=True, created_at=at(2)
            )
        )
        s.flush()
        found = needs_attention(s, NOW, POLICY, timedelta(days=7))
    reasons = {a.participant.alias: {r.code for r in a.reasons} for a in found}
    assert {"cravings", "use", "silence"} <= reasons["B"]  # B last texted in July
    assert "missed_appointment" in reasons["A"] and "untaken_request" in reasons["A"]
    assert "D" not in reasons  # texted yesterday, nothing missed
