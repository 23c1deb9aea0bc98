"""booking history: what a change moved, from and to

Revision ID: a2d4f6b8c031
Revises: f1c3a5e7b924
Create Date: 2026-12-07 12:10:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite.models import UTCDateTime

revision = "a2d4f6b8c031"
down_revision = "f1c3a5e7b924"
branch_labels = None
depends_on = None


# A move or a reschedule records where the booking was and where it went: its range and
# the names of the resources it took (kept as written then, like a booking's terms).
def _columns() -> list[sa.Column]:
    return [
        sa.Column("previous_start_at", UTCDateTime(), nullable=True),
        sa.Column("previous_end_at", UTCDateTime(), nullable=True),
        sa.Column("previous_resources", sa.String(400), nullable=True),
        sa.Column("new_start_at", UTCDateTime(), nullable=True),
        sa.Column("new_end_at", UTCDateTime(), nullable=True),
        sa.Column("new_resources", sa.String(400), nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): SQLite alters the table in place, and
    # earlier events simply have no from/to.
    for column in _columns():
        op.add_column("booking_events", column)


def downgrade() -> None:
    # SQLite drops a plain column in place (3.35+); no batch rebuild.
    for column in reversed(_columns()):
        op.drop_column("booking_events", column.name)
