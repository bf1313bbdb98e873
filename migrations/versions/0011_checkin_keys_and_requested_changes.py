"""check-ins updated as answered (engine key), appointment changes asked for by text

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "engine_key",
                sa.String(length=40),
                nullable=True,
                comment="the engine's name for this check-in: answers update it",
            )
        )
        batch_op.create_index(batch_op.f("ix_check_ins_engine_key"), ["engine_key"], unique=False)
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "requested_for",
                sa.Date(),
                nullable=True,
                comment="the day (or first day of the week) the person asked to move or cancel",
            )
        )
        batch_op.add_column(
            sa.Column(
                "requested_change",
                sa.String(length=80),
                nullable=True,
                comment="the change asked for, as the peer reads it",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_column("requested_change")
        batch_op.drop_column("requested_for")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_engine_key"))
        batch_op.drop_column("engine_key")
