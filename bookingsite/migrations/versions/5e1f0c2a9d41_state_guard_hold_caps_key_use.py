"""state guard for occupancies, lapsed-hold index, hold caps per client, key last use

Revision ID: 5e1f0c2a9d41
Revises: b3cd4897d7aa
Create Date: 2026-12-02 09:40:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite import integrity
from bookingsite.models import UTCDateTime

revision = "5e1f0c2a9d41"
down_revision = "b3cd4897d7aa"
branch_labels = None
depends_on = None

LIVE_HOLD = sa.text("status = 'hold'")
LIVE = (
    "(SELECT b.status IN ('hold', 'confirmed') FROM bookings b WHERE b.id = occupancies.booking_id)"
)


def upgrade():
    bind = op.get_bind()
    TRUE, FALSE = ("true", "false") if bind.dialect.name == "postgresql" else ("1", "0")
    # Repair what the old expiry could leave behind: a confirmed booking whose
    # occupancies a concurrent expiry turned off gets its guard back, unless another
    # booking has taken the range since (a double booking for a person to resolve;
    # the guard only judges new writes).
    bind.execute(sa.text(f"UPDATE occupancies SET active = {FALSE} WHERE active AND NOT {LIVE}"))
    bind.execute(
        sa.text(
            f"UPDATE occupancies SET active = {TRUE} WHERE NOT active AND {LIVE}"
            " AND NOT EXISTS (SELECT 1 FROM occupancies o WHERE o.active"
            " AND o.resource_id = occupancies.resource_id"
            " AND o.start_at < occupancies.end_at AND o.end_at > occupancies.start_at)"
        )
    )
    with op.batch_alter_table("partners") as batch_op:
        batch_op.add_column(sa.Column("last_used_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.add_column(sa.Column("client_hash", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_bookings_hold_expiry",
        "bookings",
        ["hold_expires_at"],
        postgresql_where=LIVE_HOLD,
        sqlite_where=LIVE_HOLD,
    )
    integrity.install_state_guard(bind)


def downgrade():
    integrity.uninstall_state_guard(op.get_bind())
    op.drop_index("ix_bookings_hold_expiry", table_name="bookings")
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.drop_column("client_hash")
    with op.batch_alter_table("partners") as batch_op:
        batch_op.drop_column("last_used_at")
