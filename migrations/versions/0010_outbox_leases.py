"""outbox leases: the sender holding a row while it sends, and until when

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:35:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import records.models


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=32), nullable=True, comment='outbound: the sender holding this row while it is sending'))
        batch_op.add_column(sa.Column('lease_until', records.models.UTCDateTime(timezone=True), nullable=True, comment="outbound: the sender's hold lapses then, unless renewed; then reclaimable"))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
