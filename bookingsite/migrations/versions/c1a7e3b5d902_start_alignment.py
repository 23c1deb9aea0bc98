"""start alignment: services start on the clock or from each opening

Revision ID: c1a7e3b5d902
Revises: 9a4f6c1d2e85
Create Date: 2026-12-07 05:40:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite import setup_revision

revision = "c1a7e3b5d902"
down_revision = "9a4f6c1d2e85"
branch_labels = None
depends_on = None


def upgrade():
    # Existing services keep today's grid: every step from each opening.
    with op.batch_alter_table("services") as batch_op:
        batch_op.add_column(
            sa.Column(
                "start_alignment", sa.String(length=16), nullable=False, server_default="opening"
            )
        )
        batch_op.create_check_constraint(
            "ck_service_start_alignment", "start_alignment IN ('opening', 'clock')"
        )
    _restore_setup_revision_triggers()


def downgrade():
    with op.batch_alter_table("services") as batch_op:
        batch_op.drop_constraint("ck_service_start_alignment", type_="check")
        batch_op.drop_column("start_alignment")
    _restore_setup_revision_triggers()


def _restore_setup_revision_triggers() -> None:
    """SQLite's batch mode rebuilds the services table, and the set-up revision's triggers
    on it go with the old table: install them again (PostgreSQL alters in place)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        setup_revision.uninstall(bind, setup_revision.FIRST_SETUP_TABLES)
        setup_revision.install(bind, setup_revision.FIRST_SETUP_TABLES)
