"""Short-lived records: the trigger ids of slash commands already taken (`seen_triggers`), and
what a request form collected between its steps (`forms`).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "seen_triggers",
        sa.Column("trigger_id", sa.String(128), primary_key=True),
        sa.Column("seen_at", when, nullable=False),
    )
    op.create_index("ix_seen_triggers_seen_at", "seen_triggers", ["seen_at"])
    op.create_table(
        "forms",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", when, nullable=False),
    )
    op.create_index("ix_forms_created_at", "forms", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_forms_created_at", "forms")
    op.drop_table("forms")
    op.drop_index("ix_seen_triggers_seen_at", "seen_triggers")
    op.drop_table("seen_triggers")
