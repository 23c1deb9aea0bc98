"""venue active: a venue can be retired, and the feed records a venue's zone or active
flag changing (one open-ended row per resource of the venue)

Revision ID: b8d4f0a2c369
Revises: a7c3e9f1b258
Create Date: 2026-12-07 09:30:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite import availability_changes, setup_revision

revision = "b8d4f0a2c369"
down_revision = "a7c3e9f1b258"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not batch mode: SQLite keeps the venue table and its
    # set-up revision triggers.
    op.add_column(
        "venues", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    availability_changes.install(op.get_bind(), ("venues",))


def downgrade():
    availability_changes.uninstall(op.get_bind(), ("venues",))
    with op.batch_alter_table("venues") as batch:
        batch.drop_column("active")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Batch mode rebuilt the table without the set-up revision's triggers.
        venues = {"venues": setup_revision.FIRST_SETUP_TABLES["venues"]}
        setup_revision.uninstall(bind, venues)
        setup_revision.install(bind, venues)
