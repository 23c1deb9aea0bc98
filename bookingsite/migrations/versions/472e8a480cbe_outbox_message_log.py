"""after the booking: the outbox and message log, kept terms, customer policy, reminders
(and the index on a service's options that every question reads)

Bookings keep the terms they were made under (names, price, buffers, cutoffs); existing
bookings get them from their service as it is now, the best record there is.

Revision ID: 472e8a480cbe
Revises: 7c2d9e4b1a63
Create Date: 2026-12-07 03:58:00

"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

from bookingsite.models import UTCDateTime

revision = "472e8a480cbe"
down_revision = "7c2d9e4b1a63"
branch_labels = None
depends_on = None

UNFINISHED = sa.text("status IN ('pending', 'sending', 'retrying')")
NOT_REMINDED = sa.text("status = 'confirmed' AND reminder_sent_at IS NULL")


def upgrade():
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "confirmed",
                "cancelled",
                "moved",
                "venue_new",
                "venue_cancelled",
                "venue_moved",
                "reminder",
                "bookings_list",
                name="messagekind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("calendar", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "retrying",
                "sent",
                "failed",
                "logged",
                name="messagestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_messages_booking_id", "messages", ["booking_id"])
    op.create_index("ix_messages_venue_created", "messages", ["venue_id", "created_at"])
    op.create_index(
        "ix_messages_unfinished",
        "messages",
        ["created_at"],
        postgresql_where=UNFINISHED,
        sqlite_where=UNFINISHED,
    )
    with op.batch_alter_table("venues") as batch_op:
        for name in ("notification_email", "contact_email"):
            batch_op.add_column(
                sa.Column(name, sa.String(length=254), nullable=False, server_default="")
            )
        batch_op.add_column(
            sa.Column("contact_phone", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("reminder_hours", sa.Integer(), nullable=True))
        for name in ("cancel_cutoff_hours", "change_cutoff_hours"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("services") as batch_op:
        for name in ("cancel_cutoff_hours", "change_cutoff_hours"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.add_column(sa.Column("reminder_sent_at", UTCDateTime(), nullable=True))
        for name in ("service_name", "option_name"):
            batch_op.add_column(
                sa.Column(name, sa.String(length=200), nullable=False, server_default="")
            )
        batch_op.add_column(sa.Column("price_cents", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="")
        )
        for name in (
            "calendar_sequence",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "cancel_cutoff_hours",
            "change_cutoff_hours",
        ):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_bookings_reminder_due",
        "bookings",
        ["venue_id", "start_at"],
        postgresql_where=NOT_REMINDED,
        sqlite_where=NOT_REMINDED,
    )
    op.create_index("ix_bookings_customer_email", "bookings", [sa.text("lower(customer_email)")])
    op.create_index("ix_service_variants_service_id", "service_variants", ["service_id"])
    _keep_terms_of_existing_bookings()


def _keep_terms_of_existing_bookings() -> None:
    """Each booking's terms from its service, option and venue as they are now; prices
    as the site computed them: the option's, or the hourly rate by the minute, or the
    daily rate by the day (a 23- or 25-hour day is a day)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT b.id, b.start_at, b.end_at, s.name, v.name, v.price_cents,"
            " s.duration_mode, s.unit_price_cents, s.buffer_before_minutes,"
            " s.buffer_after_minutes, venues.currency"
            " FROM bookings AS b JOIN services AS s ON s.id = b.service_id"
            " JOIN venues ON venues.id = b.venue_id"
            " LEFT JOIN service_variants AS v ON v.id = b.variant_id"
        )
    ).all()
    update = sa.text(
        "UPDATE bookings SET service_name = :service_name, option_name = :option_name,"
        " price_cents = :price_cents, currency = :currency,"
        " buffer_before_minutes = :before, buffer_after_minutes = :after WHERE id = :id"
    )
    for id_, start, end, service, option, option_price, mode, unit, before, after, currency in rows:
        length = _as_instant(end) - _as_instant(start)
        price = option_price
        if mode == "hourly" and unit is not None:
            price = round(unit * round(length / timedelta(minutes=1)) / 60)
        elif mode == "daily" and unit is not None:
            price = unit * max(1, round(length / timedelta(days=1)))
        bind.execute(
            update,
            {
                "id": id_,
                "service_name": service,
                "option_name": option or "",
                "price_cents": price,
                "currency": currency,
                "before": before,
                "after": after,
            },
        )


def _as_instant(value: datetime | str) -> datetime:
    # SQLite hands back its stored text.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch would rebuild the tables,
    # which neither the guard's triggers nor the rows referring to them would survive.
    op.drop_index("ix_bookings_reminder_due", "bookings")
    op.drop_index("ix_bookings_customer_email", "bookings")
    op.drop_index("ix_service_variants_service_id", "service_variants")
    for name in (
        "reminder_sent_at",
        "service_name",
        "option_name",
        "price_cents",
        "currency",
        "calendar_sequence",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "cancel_cutoff_hours",
        "change_cutoff_hours",
    ):
        op.drop_column("bookings", name)
    op.drop_column("services", "cancel_cutoff_hours")
    op.drop_column("services", "change_cutoff_hours")
    for name in (
        "notification_email",
        "contact_email",
        "contact_phone",
        "reminder_hours",
        "cancel_cutoff_hours",
        "change_cutoff_hours",
    ):
        op.drop_column("venues", name)
    op.drop_table("messages")
