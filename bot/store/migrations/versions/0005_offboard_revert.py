"""Requests across several vendors, reverts, and changes that end by themselves.

- `requests.vendor` and `audit.vendor` widen to 64: an offboarding's vendor is its vendors'
  keys joined with commas ("kaiten,onlyoffice,hub").
- `requests.reverts`: the id of the request this one reverts (its Revert button or
  `/steward revert <id>`, or its scheduled end).
- `requests.ends_at`: when a change made `for <duration>` or `until <time>` ends by itself, set
  when the request finishes; `end_state`: where that end is ("ending" while one process takes
  it, then "ended" or "not_ended"); `end_warned_at`: when the requester was told the end is near;
  `ending_until`: while "ending", how long the process that took it holds it (NULL once the
  request that ends it exists).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite changes a column's type by copying the table; PostgreSQL alters it
    with op.batch_alter_table("requests") as batch:
        batch.alter_column(
            "vendor", type_=sa.String(64), existing_type=sa.String(16), existing_nullable=False
        )
        batch.add_column(sa.Column("reverts", sa.String(16)))
        batch.add_column(sa.Column("ends_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("end_state", sa.String(16)))
        batch.add_column(sa.Column("end_warned_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("ending_until", sa.DateTime(timezone=True)))
    with op.batch_alter_table("audit") as batch:
        batch.alter_column("vendor", type_=sa.String(64), existing_type=sa.String(16))
    op.create_index("ix_requests_reverts", "requests", ["reverts"])
    op.create_index("ix_requests_ends_at", "requests", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_requests_ends_at", "requests")
    op.drop_index("ix_requests_reverts", "requests")
    with op.batch_alter_table("audit") as batch:
        batch.alter_column("vendor", type_=sa.String(16), existing_type=sa.String(64))
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("ending_until")
        batch.drop_column("end_warned_at")
        batch.drop_column("end_state")
        batch.drop_column("ends_at")
        batch.drop_column("reverts")
        batch.alter_column(
            "vendor", type_=sa.String(16), existing_type=sa.String(64), existing_nullable=False
        )
