"""safety lane: screened inbound texts, outbox priority, set-aside turns, cases for numbers
not enrolled, one live case per person enforced by the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import records.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_PARTICIPANT = "status != 'resolved' AND participant_id IS NOT NULL"
LIVE_NUMBER = "status != 'resolved' AND participant_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority",
                sa.Integer(),
                server_default="2",
                nullable=False,
                comment="outbound: 0 is sent first",
            )
        )
        batch_op.add_column(
            sa.Column(
                "screened_at",
                records.models.UTCDateTime(timezone=True),
                nullable=True,
                comment="inbound: when the safety lane read it; turns wait for this",
            )
        )
        batch_op.add_column(
            sa.Column(
                "risk_level",
                sa.String(length=20),
                nullable=True,
                comment="inbound: the safety screen's level (support/urgent/emergency)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "turn_errors",
                sa.Integer(),
                server_default="0",
                nullable=False,
                comment="inbound: turns failed, not engine-down",
            )
        )
    # Texts stored before this revision were screened by the old path: never screen them
    # again (that would open cases for old texts). Outbound rows are not screened.
    op.execute("UPDATE messages SET screened_at = created_at")
    op.execute("UPDATE messages SET priority = 0 WHERE kind IN ('safety', 'page')")
    op.execute("UPDATE messages SET priority = 1 WHERE kind = 'peer'")
    op.execute("UPDATE messages SET priority = 3 WHERE kind = 'nudge'")
    op.create_index(
        "ix_messages_unscreened",
        "messages",
        ["id"],
        sqlite_where=sa.text("screened_at IS NULL"),
        postgresql_where=sa.text("screened_at IS NULL"),
    )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("participant_id", existing_type=sa.Integer(), nullable=True,
                              comment="None: a number not enrolled")
        batch_op.add_column(
            sa.Column(
                "phone",
                sa.String(length=32),
                nullable=True,
                comment="E.164, only for a number not enrolled (else the participant's)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "paged_to",
                sa.String(length=10),
                nullable=True,
                comment="who the last page reached: peers | on_call | nobody",
            )
        )
    op.create_index(
        "uq_cases_live_participant",
        "cases",
        ["participant_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_PARTICIPANT),
        postgresql_where=sa.text(LIVE_PARTICIPANT),
    )
    op.create_index(
        "uq_cases_live_number",
        "cases",
        ["phone"],
        unique=True,
        sqlite_where=sa.text(LIVE_NUMBER),
        postgresql_where=sa.text(LIVE_NUMBER),
    )


def downgrade() -> None:
    op.drop_index("uq_cases_live_number", table_name="cases")
    op.drop_index("uq_cases_live_participant", table_name="cases")
    op.execute("DELETE FROM case_events WHERE case_id IN "
               "(SELECT id FROM cases WHERE participant_id IS NULL)")
    op.execute("UPDATE messages SET case_id = NULL WHERE case_id IN "
               "(SELECT id FROM cases WHERE participant_id IS NULL)")
    op.execute("DELETE FROM cases WHERE participant_id IS NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("paged_to")
        batch_op.drop_column("phone")
        batch_op.alter_column("participant_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_messages_unscreened", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("turn_errors")
        batch_op.drop_column("risk_level")
        batch_op.drop_column("screened_at")
        batch_op.drop_column("priority")
