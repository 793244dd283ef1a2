"""Approvers are reminded: `requests.reminded_at`, when a pending request's approvers were
reminded in its card's thread, and `requests.escalated_at`, when its card was re-posted in the
escalation channel. Each is set by the one process that claims it (`… WHERE reminded_at IS NULL`).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("reminded_at")
