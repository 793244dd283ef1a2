"""The requests, approvals and audit tables.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "requests",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("vendor", sa.String(16), nullable=False),
        sa.Column("object", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("target_keys", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("card_channel", sa.String(32)),
        sa.Column("card_ts", sa.String(32)),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.Column("expires_at", when),
        sa.Column("finished_at", when),
        sa.Column("decided_by", sa.String(32)),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", when),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON()),
        sa.Column("card", sa.JSON()),
        sa.Column("secret", sa.LargeBinary()),
        sa.Column("announced", sa.String(16)),
    )
    op.create_index("ix_requests_state_expires_at", "requests", ["state", "expires_at"])
    op.create_table(
        "approvals",
        sa.Column(
            "request_id", sa.String(16), sa.ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("approver", sa.String(32), primary_key=True),
        sa.Column("at", when, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("request_id", sa.String(16)),
        sa.Column("at", when, nullable=False),
        sa.Column("vendor", sa.String(16)),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16)),
        sa.Column("detail", sa.JSON()),
    )
    op.create_index("ix_audit_request_id", "audit", ["request_id"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("approvals")
    op.drop_table("requests")
