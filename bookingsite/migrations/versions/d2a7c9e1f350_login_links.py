"""login links: one-time, expiring links e-mailed to set a password (reset, invitation)

Also a session version per manager: part of the id every session cookie carries, so
that raising it (a new password, a person removed) ends their open sessions.

Revision ID: d2a7c9e1f350
Revises: c0f6b2d4e58a
Create Date: 2026-12-07 09:35:00

"""

import sqlalchemy as sa
from alembic import op

from bookingsite.models import UTCDateTime

revision = "d2a7c9e1f350"
down_revision = "c0f6b2d4e58a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("reset", "invite", name="loginlinkpurpose", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "purpose <> 'reset' OR manager_id IS NOT NULL", name="ck_login_link_reset_manager"
        ),
        sa.CheckConstraint("expires_at >= created_at", name="ck_login_link_expiry"),
        sa.ForeignKeyConstraint(["manager_id"], ["managers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["managers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_login_links_manager_id", "login_links", ["manager_id"])
    # A plain ALTER TABLE … ADD COLUMN on both databases (no batch: nothing is rebuilt).
    op.add_column(
        "managers",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), as in the earlier migrations.
    op.drop_column("managers", "session_version")
    op.drop_index("ix_login_links_manager_id", "login_links")
    op.drop_table("login_links")
