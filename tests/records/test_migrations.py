"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from records import migrate
from records.db import Database, make_engine
from records.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision"


def test_upgrade_is_idempotent(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    assert {"participants", "messages", "opt_outs", "staff_users"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    database = Database(f"sqlite:///{tmp_path}/wal.db")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_0007_moves_debriefs_out_of_case_notes_and_reads_engagement(database_url: str) -> None:
    """Data written before the coordinators' workspace comes through it: debriefs leave the
    participant's case notes for their own table, and engagement is read from the texts."""
    migrate.upgrade(database_url, "0006")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO staff_users (id, email, display_name, role, active, on_shift, created_at) "
            "VALUES (1, 'rae@p.example', 'Rae', 'peer', true, false, '2026-11-01 10:00:00')"
        )
        run(
            "INSERT INTO participants (id, public_id, phone, alias, timezone, status, created_at, "
            "updated_at) VALUES (1, 'p-1', '+12125550101', 'Sam', 'UTC', 'active', "
            "'2026-11-01 10:00:00', '2026-11-01 10:00:00')"
        )
        run(
            "INSERT INTO cases (id, participant_id, level, status, reasons, pauses_bot, "
            "page_rounds, fidelity, notes, opened_at) VALUES (1, 1, 'emergency', 'resolved', "
            "'[]', false, 1, '{}', 'Sam is safe.\n\nDebrief (Rae): hard night', "
            "'2026-11-02 10:00:00')"
        )
        run(
            "INSERT INTO case_events (case_id, kind, staff_id, at) "
            "VALUES (1, 'debrief', 1, '2026-11-02 12:00:00')"
        )
        run(
            "INSERT INTO messages (direction, kind, participant_id, phone, body, status, "
            "num_media, segments, truncated, attempts, priority, turn_errors, created_at, "
            "updated_at) VALUES ('inbound', 'text', 1, '+12125550101', 'hi', 'received', 0, 1, "
            "false, 0, 2, 0, '2026-11-03 09:00:00', '2026-11-03 09:00:00')"
        )
    engine.dispose()
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        notes = conn.exec_driver_sql("SELECT notes FROM cases WHERE id = 1").scalar()
        debriefs = conn.exec_driver_sql("SELECT staff_id, note FROM debriefs").all()
        last = conn.exec_driver_sql("SELECT last_inbound_at FROM participants").scalar()
    engine.dispose()
    assert notes == "Sam is safe."
    assert [tuple(d) for d in debriefs] == [(1, "hard night")]
    assert str(last).startswith("2026-11-03 09:00")
