"""pending-turn index: a person's earlier pending turn is found without reading their history

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_pending_turn",
        "messages",
        ["phone", "id"],
        sqlite_where=sa.text("turn_status = 'pending'"),
        postgresql_where=sa.text("turn_status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_pending_turn", table_name="messages")
