"""availability changes: a feed of which resource's time changed, written by triggers

The table, its feed-order index, and the triggers on occupancies, allocations,
resources, services, their options and links (bookingsite/availability_changes.py).
Nothing is back-filled: the feed starts at this migration. No table is batch-altered
here, so no SQLite trigger is lost; a later migration that batch-alters a watched table
must call `availability_changes.install` again (a test checks them at head).

Revision ID: f2a8c4e6b135
Revises: e5b7c9d1f324
Create Date: 2026-12-07 06:30:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite import availability_changes
from bookingsite.models import UTCDateTime

revision = "f2a8c4e6b135"
down_revision = "e5b7c9d1f324"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "availability_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_availability_changes_venue_position",
        "availability_changes",
        ["venue_id", "txid", "id"],
    )
    availability_changes.install(op.get_bind(), availability_changes.FIRST_TABLES)


def downgrade():
    availability_changes.uninstall(op.get_bind(), availability_changes.FIRST_TABLES)
    op.drop_index("ix_availability_changes_venue_position", table_name="availability_changes")
    op.drop_table("availability_changes")
