"""indexes for the availability read: active occupancies and allocations by end

Revision ID: 7c2d9e4b1a63
Revises: 5e1f0c2a9d41
Create Date: 2026-12-02 10:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7c2d9e4b1a63"
down_revision = "5e1f0c2a9d41"
branch_labels = None
depends_on = None

RECURRING = sa.text("weekdays IS NOT NULL AND CAST(weekdays AS TEXT) <> 'null'")


def upgrade():
    op.create_index(
        "ix_occupancies_active_resource_end",
        "occupancies",
        ["resource_id", "end_at", "start_at", "booking_id"],
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active = 1"),
    )
    op.create_index(
        "ix_allocations_resource_end", "allocations", ["resource_id", "end_at", "start_at"]
    )
    op.create_index(
        "ix_allocations_recurring",
        "allocations",
        ["resource_id"],
        postgresql_where=RECURRING,
        sqlite_where=RECURRING,
    )


def downgrade():
    op.drop_index("ix_allocations_recurring", table_name="allocations")
    op.drop_index("ix_allocations_resource_end", table_name="allocations")
    op.drop_index("ix_occupancies_active_resource_end", table_name="occupancies")
