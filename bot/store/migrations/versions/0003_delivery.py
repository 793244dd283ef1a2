"""What Slack has been told of a request, and who is telling it: `told` and `deliver_until`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("requests", sa.Column("told", sa.String(32)))
    op.add_column("requests", sa.Column("deliver_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("requests", "deliver_until")
    op.drop_column("requests", "told")
