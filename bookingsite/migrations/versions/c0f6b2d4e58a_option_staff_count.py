"""option staff count: an option may need more than one staff member

Revision ID: c0f6b2d4e58a
Revises: b8d4f0a2c369
Create Date: 2026-12-07 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c0f6b2d4e58a"
down_revision = "b8d4f0a2c369"
branch_labels = None
depends_on = None


def upgrade():
    # Existing options keep needing one staff member. SQLite takes the CHECK with the
    # column (ALTER TABLE ... ADD COLUMN, in place): batch mode would rebuild the table
    # and lose the set-up revision's triggers on it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE service_variants ADD COLUMN staff_count INTEGER DEFAULT 1 NOT NULL"
            " CONSTRAINT ck_variant_staff_count CHECK (staff_count >= 1)"
        )
        return
    op.add_column(
        "service_variants",
        sa.Column("staff_count", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_check_constraint("ck_variant_staff_count", "service_variants", "staff_count >= 1")


def downgrade():
    # SQLite drops a column with its own CHECK in place (3.35+).
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_variant_staff_count", "service_variants", type_="check")
    op.drop_column("service_variants", "staff_count")
