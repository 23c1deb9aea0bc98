"""shared staff: a staff member's shifts at other venues of its organisation, and travel
times between pairs of venues

Revision ID: f1c3a5e7b924
Revises: e3b8d0f2a461
Create Date: 2026-12-07 12:10:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite import availability_changes, setup_revision

revision = "f1c3a5e7b924"
down_revision = "e3b8d0f2a461"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_shifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "resource_id",
            sa.Integer(),
            sa.ForeignKey("resources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "venue_id", sa.Integer(), sa.ForeignKey("venues.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("hour_exceptions", sa.JSON(), nullable=False),
        sa.UniqueConstraint("resource_id", "venue_id", name="uq_staff_shift_resource_venue"),
    )
    op.create_index("ix_staff_shifts_venue_id", "staff_shifts", ["venue_id"])
    op.create_table(
        "travel_times",
        sa.Column(
            "first_venue_id",
            sa.Integer(),
            sa.ForeignKey("venues.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "second_venue_id",
            sa.Integer(),
            sa.ForeignKey("venues.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "first_venue_id < second_venue_id AND minutes >= 0", name="ck_travel_time_pair"
        ),
    )
    op.create_index("ix_travel_times_second_venue_id", "travel_times", ["second_venue_id"])
    # A process keeps a service's staff and their shifts while the revision stands.
    setup_revision.install(op.get_bind(), setup_revision.SHARED_STAFF_TABLES)
    # A shared member's changes reach the feed of each venue it works at.
    availability_changes.install_shifts(op.get_bind())


def downgrade() -> None:
    availability_changes.uninstall_shifts(op.get_bind())
    # Dropping a table drops its triggers.
    op.drop_table("travel_times")
    op.drop_table("staff_shifts")
