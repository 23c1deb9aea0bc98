"""key scopes: what a partner key may do, per venue, and its own rate limit

`can_manage` becomes the key's scopes ("read book", plus "manage" where it was set); each
of the key's venues gets the same scopes, which its managers may then narrow.

Revision ID: e5b7c9d1f324
Revises: d8e2f4a6b013
Create Date: 2026-12-07 06:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5b7c9d1f324"
down_revision = "d8e2f4a6b013"
branch_labels = None
depends_on = None

BOOKING_SCOPES = "read book"
ALL_SCOPES = "read book manage"


def upgrade():
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("scopes", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("rate_limit", sa.String(length=40), nullable=True))
    with op.batch_alter_table("partner_venues") as batch:
        batch.add_column(sa.Column("scopes", sa.String(length=40), nullable=True))
    op.execute(
        sa.text(
            "UPDATE partners SET scopes = CASE WHEN can_manage THEN :all ELSE :booking END"
        ).bindparams(all=ALL_SCOPES, booking=BOOKING_SCOPES)
    )
    op.execute(
        "UPDATE partner_venues SET scopes = (SELECT scopes FROM partners p WHERE p.id = partner_id)"
    )
    with op.batch_alter_table("partners") as batch:
        batch.alter_column("scopes", existing_type=sa.String(length=40), nullable=False)
        batch.drop_column("can_manage")
    with op.batch_alter_table("partner_venues") as batch:
        batch.alter_column("scopes", existing_type=sa.String(length=40), nullable=False)


def downgrade():
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("can_manage", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE partners SET can_manage = scopes LIKE '%manage%'")
    with op.batch_alter_table("partner_venues") as batch:
        batch.drop_column("scopes")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("rate_limit")
        batch.drop_column("scopes")
