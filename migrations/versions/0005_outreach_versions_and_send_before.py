"""outreach row versions (stale writes fail), messages.send_before (polite delivery)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import records.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "send_before",
                records.models.UTCDateTime(timezone=True),
                nullable=True,
                comment="outreach: not sent after this (quiet hours, the appointment); then suppressed",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("send_before")
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.drop_column("version")
