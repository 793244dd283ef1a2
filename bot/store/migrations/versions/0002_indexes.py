"""Indexes for finding runs whose lease ran out, and for audit exports by time and vendor.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_requests_state_lease_until", "requests", ["state", "lease_until"])
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_vendor", "audit", ["vendor"])


def downgrade() -> None:
    op.drop_index("ix_audit_vendor", "audit")
    op.drop_index("ix_audit_at", "audit")
    op.drop_index("ix_requests_state_lease_until", "requests")
