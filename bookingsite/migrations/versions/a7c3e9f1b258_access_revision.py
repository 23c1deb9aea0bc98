"""access revision: partner keys, their venues and webhook endpoints raise the set-up
revision too

A process then keeps a key's partner and the venues with endpoints between requests,
and a hold reads neither.

Revision ID: a7c3e9f1b258
Revises: f2a8c4e6b135
Create Date: 2026-12-07 09:30:00

"""

from alembic import op

from bookingsite import setup_revision

revision = "a7c3e9f1b258"
down_revision = "f2a8c4e6b135"
branch_labels = None
depends_on = None


WATCHED_THEN = setup_revision.FIRST_SETUP_TABLES | setup_revision.ACCESS_TABLES


def upgrade():
    bind = op.get_bind()
    setup_revision.uninstall(bind, setup_revision.FIRST_SETUP_TABLES)
    setup_revision.install(bind, WATCHED_THEN)


def downgrade():
    bind = op.get_bind()
    setup_revision.uninstall(bind, WATCHED_THEN)
    setup_revision.install(bind, setup_revision.FIRST_SETUP_TABLES)
