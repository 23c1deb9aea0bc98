"""setup revision: a counter the database raises on every set-up change

Lets a process keep a service's set-up (venue, options, resources) between requests and
know, with one primary-key read, whether it is still current.

Revision ID: 9a4f6c1d2e85
Revises: 472e8a480cbe
Create Date: 2026-12-07 05:40:00

"""

import random

import sqlalchemy as sa
from alembic import op

from bookingsite import setup_revision

revision = "9a4f6c1d2e85"
down_revision = "472e8a480cbe"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "setup_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "value": random.randrange(10**9)}])
    setup_revision.install(op.get_bind(), setup_revision.FIRST_SETUP_TABLES)


def downgrade():
    setup_revision.uninstall(op.get_bind(), setup_revision.FIRST_SETUP_TABLES)
    op.drop_table("setup_revision")
