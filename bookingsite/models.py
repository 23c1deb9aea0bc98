"""The data model. Every instant is stored as UTC and comes back as an aware UTC datetime.

Locking rules (see bookingsite/integrity.py for the database objects):
- a booking occupies one `Occupancy` row per resource, over its range *with* buffers;
- only active occupancies (hold or confirmed) may overlap nothing on the same resource;
  PostgreSQL enforces it with an exclusion constraint, SQLite with triggers;
- occupancies are active exactly while their booking is `hold` or `confirmed`: code only
  changes a booking's status, and the database brings the occupancies along in the same
  statement and refuses any other combination (integrity.py);
- a hold past its expiry keeps its occupancies until it is marked expired (reads ignore
  it meanwhile): a hold marks the lapsed holds on its own resources, under their row
  locks; a periodic sweep marks the rest.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bookingsite.extensions import db


class UTCDateTime(TypeDecorator):
    """Refuses naive datetimes; returns aware UTC on every database.

    SQLite has no time zone type and silently drops offsets, so values are stored there as
    naive UTC text in one fixed format (text order is then time order, which the
    integrity triggers rely on)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_cls: type[StrEnum]) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def new_reference() -> str:
    # Short enough to read out on the phone, long enough not to be guessed (32^10).
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "BK-" + "".join(secrets.choice(alphabet) for _ in range(10))


class BookingStatus(StrEnum):
    HOLD = "hold"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Channel(StrEnum):
    WEB = "web"
    ADMIN = "admin"
    PARTNER = "partner"


class DurationMode(StrEnum):
    FIXED = "fixed"
    HOURLY = "hourly"
    DAILY = "daily"


class MessageKind(StrEnum):
    BOOKING_CONFIRMED = "confirmed"
    BOOKING_CANCELLED = "cancelled"
    BOOKING_MOVED = "moved"
    # To the venue's notification address.
    VENUE_NEW = "venue_new"
    VENUE_CANCELLED = "venue_cancelled"
    VENUE_MOVED = "venue_moved"
    REMINDER = "reminder"
    # A customer's upcoming bookings with their links, asked for by e-mail address.
    BOOKINGS_LIST = "bookings_list"
    # A one-time link to choose a new password, asked for by a manager.
    PASSWORD_RESET = "password_reset"
    # An owner's invitation to take up a role at a venue, with a one-time link.
    INVITATION = "invitation"


class MessageStatus(StrEnum):
    PENDING = "pending"  # recorded with its cause, not tried yet
    SENDING = "sending"  # claimed by a job worker
    RETRYING = "retrying"  # a try failed; the next is scheduled
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # every try failed
    LOGGED = "logged"  # no mail server is configured: kept in the message log only


class ResourceKind(StrEnum):
    ROOM = "room"
    COURT = "court"
    DESK = "desk"
    EQUIPMENT = "equipment"
    VEHICLE = "vehicle"
    STAFF = "staff"


service_resources = sa.Table(
    "service_resources",
    db.metadata,
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("resource_id", sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
)


class Role(StrEnum):
    """What a person may do at a venue; each role may do everything the next may."""

    OWNER = "owner"  # everything: people, partner keys, webhook endpoints, the venue
    MANAGER = "manager"  # set-up (resources, services, hours, blocks), messages, reports
    FRONT_DESK = "front_desk"  # the timeline and bookings

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) <= order.index(needed)


class Organisation(db.Model):
    """Owns venues, the people who run them and partner keys: a group of venues, or one."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    venues: Mapped[list[Venue]] = relationship(back_populates="organisation", order_by="Venue.name")


class Membership(db.Model):
    """A person's role at one venue."""

    __tablename__ = "manager_venues"

    manager_id: Mapped[int] = mapped_column(
        sa.ForeignKey("managers.id", ondelete="CASCADE"), primary_key=True
    )
    venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.OWNER)

    manager: Mapped[Manager] = relationship(back_populates="memberships")
    venue: Mapped[Venue] = relationship()


class SetupRevision(db.Model):
    """One row whose value the database raises on every change to venues, services,
    their options, resources and the links between them (triggers, see
    bookingsite/setup_revision.py): a process may keep a service's set-up between
    requests for as long as this value is the one it was read under."""

    __tablename__ = "setup_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger)


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64))
    default_locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    hold_ttl_minutes: Mapped[int] = mapped_column(default=10)
    # Staff shared with another venue of the organisation keep the longer of the two
    # venues' times free between a booking there and one here (a TravelTime row may set
    # the pair's own).
    travel_buffer_minutes: Mapped[int] = mapped_column(default=0)
    # Where new, changed and cancelled bookings are announced; empty: nowhere.
    notification_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # Shown to customers (venue page, messages, a manage page past its cutoff).
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # Customers are reminded this long before the start; None: no reminders.
    reminder_hours: Mapped[int | None]
    # Customers may cancel, and change the time, until this long before the start (0:
    # until the start); a service may set its own. Managers are not bound by them.
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=0)
    change_cutoff_hours: Mapped[int] = mapped_column(default=0)
    # A retired venue is neither listed nor bookable; its bookings stay as they are.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    organisation: Mapped[Organisation] = relationship(back_populates="venues")
    resources: Mapped[list[Resource]] = relationship(back_populates="venue", order_by="Resource.id")
    services: Mapped[list[Service]] = relationship(back_populates="venue", order_by="Service.id")

    __table_args__ = (sa.CheckConstraint("hold_ttl_minutes > 0", name="ck_venue_hold_ttl"),)


class Resource(db.Model):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind), default=ResourceKind.ROOM)
    # None means "the venue's zone".
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    capacity: Mapped[int] = mapped_column(default=1)
    # Free-form: floor, section, location...
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # {"mon": [["09:00", "18:00"]], ...}; None means open around the clock.
    weekly_hours: Mapped[dict[str, list[list[str]]] | None] = mapped_column(sa.JSON)
    # {"2026-12-25": []} closes a day; {"2026-12-24": [["09:00", "13:00"]]} changes it.
    hour_exceptions: Mapped[dict[str, list[list[str]]]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    venue: Mapped[Venue] = relationship(back_populates="resources")
    allocations: Mapped[list[Allocation]] = relationship(back_populates="resource")
    # A staff member's hours at other venues of the organisation (its own venue's are
    # `weekly_hours` above).
    shifts: Mapped[list[StaffShift]] = relationship(
        back_populates="resource", order_by="StaffShift.venue_id", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("capacity >= 1", name="ck_resource_capacity"),)

    @property
    def zone(self) -> str:
        return self.timezone or self.venue.timezone

    @property
    def is_staff(self) -> bool:
        return self.kind == ResourceKind.STAFF

    @property
    def is_always_open(self) -> bool:
        return self.weekly_hours is None

    def shift_at(self, venue_id: int) -> StaffShift | None:
        return next((s for s in self.shifts if s.venue_id == venue_id), None)

    def works_at(self, venue_id: int) -> bool:
        """Its own venue, or one where it has a shift."""
        return self.venue_id == venue_id or self.shift_at(venue_id) is not None


class StaffShift(db.Model):
    """A staff member's working hours at another venue of its organisation than its own
    (seed 002's staff shared between venues), in that venue's zone. Bookings there and
    at its own venue take the same person: the travel time between the two venues is
    kept free between them."""

    __tablename__ = "staff_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="CASCADE"), index=True
    )
    # As a resource's: {"mon": [["09:00", "18:00"]], ...} and dated exceptions.
    weekly_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(sa.JSON, default=dict)
    hour_exceptions: Mapped[dict[str, list[list[str]]]] = mapped_column(sa.JSON, default=dict)

    resource: Mapped[Resource] = relationship(back_populates="shifts")
    venue: Mapped[Venue] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("resource_id", "venue_id", name="uq_staff_shift_resource_venue"),
    )


class TravelTime(db.Model):
    """The travel time between two venues where it is not the longer of their own
    settings (Venue.travel_buffer_minutes). One row per pair, the lower venue id first."""

    __tablename__ = "travel_times"

    first_venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True
    )
    second_venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    minutes: Mapped[int]

    __table_args__ = (
        sa.CheckConstraint(
            "first_venue_id < second_venue_id AND minutes >= 0", name="ck_travel_time_pair"
        ),
    )


class Service(db.Model):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    duration_mode: Mapped[DurationMode] = mapped_column(
        _enum(DurationMode), default=DurationMode.FIXED
    )
    min_minutes: Mapped[int | None]
    max_minutes: Mapped[int | None]
    min_days: Mapped[int | None]
    max_days: Mapped[int | None]
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    grid_alignment_minutes: Mapped[int] = mapped_column(default=15)
    # None: each start follows the previous slot plus its buffers, rounded up to the alignment.
    grid_step_minutes: Mapped[int | None]
    # Where the steps count from, in local wall time (the engine's Anchor): "opening", each
    # working period's opening; "clock", local midnight (every :00, :15...), whatever the
    # opening.
    start_alignment: Mapped[str] = mapped_column(sa.String(16), default="opening")
    lead_time_minutes: Mapped[int] = mapped_column(default=0)
    horizon_days: Mapped[int] = mapped_column(default=90)
    required_skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Price per hour (hourly) or per day (daily), in minor units of the venue's currency.
    unit_price_cents: Mapped[int | None]
    # None: the venue's cutoffs.
    cancel_cutoff_hours: Mapped[int | None]
    change_cutoff_hours: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)

    venue: Mapped[Venue] = relationship(back_populates="services")
    variants: Mapped[list[ServiceVariant]] = relationship(
        back_populates="service", order_by="ServiceVariant.id", cascade="all, delete-orphan"
    )
    resources: Mapped[list[Resource]] = relationship(
        secondary=service_resources, order_by="Resource.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("venue_id", "slug", name="uq_service_venue_slug"),
        sa.CheckConstraint(
            "(duration_mode = 'fixed' AND min_minutes IS NULL AND max_minutes IS NULL"
            " AND min_days IS NULL AND max_days IS NULL)"
            " OR (duration_mode = 'hourly' AND min_minutes >= 1 AND max_minutes >= min_minutes"
            " AND min_days IS NULL AND max_days IS NULL)"
            " OR (duration_mode = 'daily' AND min_days >= 1 AND max_days >= min_days"
            " AND min_minutes IS NULL AND max_minutes IS NULL)",
            name="ck_service_duration_mode",
        ),
        sa.CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0"
            " AND grid_alignment_minutes >= 1 AND lead_time_minutes >= 0 AND horizon_days >= 1",
            name="ck_service_policy",
        ),
        sa.CheckConstraint(
            "start_alignment IN ('opening', 'clock')", name="ck_service_start_alignment"
        ),
    )

    @property
    def offered(self) -> bool:
        """Listed and bookable: neither the service nor its venue is retired."""
        return self.active and self.venue.active

    @property
    def is_fixed(self) -> bool:
        return self.duration_mode == DurationMode.FIXED

    @property
    def is_hourly(self) -> bool:
        return self.duration_mode == DurationMode.HOURLY

    @property
    def is_daily(self) -> bool:
        return self.duration_mode == DurationMode.DAILY

    @property
    def places(self) -> list[Resource]:
        return [r for r in self.resources if r.active and not r.is_staff]

    @property
    def cancel_cutoff(self) -> timedelta:
        hours = self.cancel_cutoff_hours
        return timedelta(hours=self.venue.cancel_cutoff_hours if hours is None else hours)

    @property
    def change_cutoff(self) -> timedelta:
        hours = self.change_cutoff_hours
        return timedelta(hours=self.venue.change_cutoff_hours if hours is None else hours)

    def range_price_cents(self, *, minutes: int = 0, days: int = 0) -> int | None:
        """What an hourly or daily booking costs, in minor units; None when unpriced."""
        if self.unit_price_cents is None or self.is_fixed:
            return None
        if self.is_hourly:
            return round(self.unit_price_cents * minutes / 60)
        return self.unit_price_cents * days

    @property
    def staff(self) -> list[Resource]:
        return [r for r in self.resources if r.active and r.is_staff]


class ServiceVariant(db.Model):
    __tablename__ = "service_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: every question loads its service's options.
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    duration_minutes: Mapped[int]
    guests: Mapped[int] = mapped_column(default=1)
    price_cents: Mapped[int | None]
    # How many qualified staff members serve the option together (a duo massage: two
    # therapists), when the service requires skills.
    staff_count: Mapped[int] = mapped_column(default=1, server_default="1")

    service: Mapped[Service] = relationship(back_populates="variants")

    __table_args__ = (
        sa.CheckConstraint("duration_minutes >= 1 AND guests >= 1", name="ck_variant_positive"),
        sa.CheckConstraint("staff_count >= 1", name="ck_variant_staff_count"),
    )


class Allocation(db.Model):
    """Time on a resource that cannot be booked. Recurring ones repeat weekly, on
    `weekdays` (0 = Monday), at the local wall time of the first occurrence."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    weekdays: Mapped[list[int] | None] = mapped_column(sa.JSON)
    repeat_until: Mapped[date | None]
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))

    resource: Mapped[Resource] = relationship(back_populates="allocations")

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="ck_allocation_range"),
        # The read of a window: led by the end, so the scan runs from the window's start
        # to the last block ahead, and past blocks (which only grow) are never walked.
        sa.Index("ix_allocations_resource_end", "resource_id", "end_at", "start_at"),
        # Weekly blocks, whatever their first date. "No repeat" may be stored as JSON null.
        sa.Index(
            "ix_allocations_recurring",
            "resource_id",
            postgresql_where=sa.text("weekdays IS NOT NULL AND CAST(weekdays AS TEXT) <> 'null'"),
            sqlite_where=sa.text("weekdays IS NOT NULL AND CAST(weekdays AS TEXT) <> 'null'"),
        ),
    )

    @property
    def is_recurring(self) -> bool:
        return bool(self.weekdays)


class Booking(db.Model):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True, default=new_reference)
    manage_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_variants.id"))
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guests: Mapped[int] = mapped_column(default=1)
    customer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    customer_email: Mapped[str] = mapped_column(sa.String(254), default="")
    customer_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    # Linked daily bookings of one multi-day rental share this id.
    group_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.WEB)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    # A keyed hash of the address a web hold came from: caps live holds per client
    # without keeping the address itself.
    client_hash: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The calendar event's SEQUENCE: raised on every change the customer is told of, so
    # that calendar apps update the event (its UID is the booking's) instead of adding one.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The terms the customer was shown and agreed to, kept as they were: later edits of
    # the service never change a booking's. Written with the hold (checkout shows them).
    service_name: Mapped[str] = mapped_column(sa.String(200), default="")
    option_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # This booking's price in minor units (a day of a linked multi-day rental: that day's).
    price_cents: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.String(3), default="")
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=0)
    change_cutoff_hours: Mapped[int] = mapped_column(default=0)

    venue: Mapped[Venue] = relationship()
    service: Mapped[Service] = relationship()
    variant: Mapped[ServiceVariant | None] = relationship()
    occupancies: Mapped[list[Occupancy]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="Occupancy.id"
    )

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="ck_booking_range"),
        sa.CheckConstraint("guests >= 1", name="ck_booking_guests"),
        sa.CheckConstraint(
            "status <> 'hold' OR hold_expires_at IS NOT NULL", name="ck_booking_hold_expiry"
        ),
        # Holds only: finding lapsed holds (and counting live ones) stays cheap however
        # many bookings the table has.
        sa.Index(
            "ix_bookings_hold_expiry",
            "hold_expires_at",
            postgresql_where=sa.text("status = 'hold'"),
            sqlite_where=sa.text("status = 'hold'"),
        ),
        # "Find my booking" looks bookings up by address, as typed in any case.
        sa.Index("ix_bookings_customer_email", sa.text("lower(customer_email)")),
        # Reminders not sent yet, by venue and start: the sweep's read every minute.
        sa.Index(
            "ix_bookings_reminder_due",
            "venue_id",
            "start_at",
            postgresql_where=sa.text("status = 'confirmed' AND reminder_sent_at IS NULL"),
            sqlite_where=sa.text("status = 'confirmed' AND reminder_sent_at IS NULL"),
        ),
    )

    @staticmethod
    def new_group_id() -> str:
        return str(uuid.uuid4())

    @property
    def is_hold(self) -> bool:
        return self.status == BookingStatus.HOLD

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED

    @property
    def is_cancelled(self) -> bool:
        return self.status == BookingStatus.CANCELLED

    @property
    def is_expired(self) -> bool:
        return self.status == BookingStatus.EXPIRED

    # Each of these reads the same in Python (on a booking) and in SQL (on the class), so
    # the rules of what counts as live are written once for queries and for pages.
    @hybrid_method
    def hold_has_lapsed(self, now: datetime) -> bool:
        return self.is_hold and self.hold_expires_at is not None and self.hold_expires_at <= now

    @hold_has_lapsed.inplace.expression
    @classmethod
    def _hold_has_lapsed(cls, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(cls.status == BookingStatus.HOLD, cls.hold_expires_at <= now)

    @hybrid_method
    def is_live_hold_at(self, now: datetime) -> bool:
        return self.is_hold and not self.hold_has_lapsed(now)

    @is_live_hold_at.inplace.expression
    @classmethod
    def _is_live_hold_at(cls, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(cls.status == BookingStatus.HOLD, cls.hold_expires_at > now)

    @hybrid_method
    def is_active_at(self, now: datetime) -> bool:
        return self.is_confirmed or self.is_live_hold_at(now)

    @is_active_at.inplace.expression
    @classmethod
    def _is_active_at(cls, now: datetime) -> sa.ColumnElement[bool]:
        return sa.or_(cls.status == BookingStatus.CONFIRMED, cls.is_live_hold_at(now))

    @hybrid_property
    def rental_key(self) -> str:
        """What one customer booked: linked days of a multi-day rental share it."""
        return self.group_id or str(self.id)

    @rental_key.inplace.expression
    @classmethod
    def _rental_key(cls) -> sa.ColumnElement[str]:
        return sa.func.coalesce(cls.group_id, sa.cast(cls.id, sa.String))

    @property
    def resources(self) -> list[Resource]:
        return [o.resource for o in self.occupancies]

    def may_cancel(self, now: datetime) -> bool:
        """Whether the customer may still cancel, under the kept terms."""
        return now < self.start_at - timedelta(hours=self.cancel_cutoff_hours)

    def may_change(self, now: datetime) -> bool:
        """Whether the customer may still change the time, under the kept terms."""
        return now < self.start_at - timedelta(hours=self.change_cutoff_hours)


class Occupancy(db.Model):
    """The range a booking takes on one resource, buffers included."""

    __tablename__ = "occupancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # True while the booking is a live hold or confirmed; only active rows may not overlap.
    active: Mapped[bool] = mapped_column(default=True)

    booking: Mapped[Booking] = relationship(back_populates="occupancies")
    resource: Mapped[Resource] = relationship()

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="ck_occupancy_range"),
        sa.Index("ix_occupancies_resource_range", "resource_id", "start_at", "end_at"),
        # The availability read: active rows only, led by the end so the scan runs from
        # the window's start to the last booking ahead (bounded by the horizon) however
        # much history piles up, and covering, so no table row is fetched.
        sa.Index(
            "ix_occupancies_active_resource_end",
            "resource_id",
            "end_at",
            "start_at",
            "booking_id",
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active = 1"),
        ),
    )


class BookingEvent(db.Model):
    """Audit trail: who did what to a booking, and why when a rule was overridden."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(sa.String(40))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("managers.id"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    overridden_rule: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # What a move or a reschedule changed: the range and the resources' names before and
    # after (names as they were then; None for events that moved nothing).
    previous_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_resources: Mapped[str | None] = mapped_column(sa.String(400))
    new_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_resources: Mapped[str | None] = mapped_column(sa.String(400))

    @property
    def moved(self) -> bool:
        """Whether the event records a from → to."""
        return self.previous_start_at is not None and self.new_start_at is not None


class Message(db.Model):
    """An e-mail to send: the outbox (recorded in the transaction of the change that
    causes it, delivered by a job after the commit) and the venue's message log."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries: the Message-ID, so that a resend is recognisably the same.
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id"))
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # An iCalendar invitation or cancellation, attached as invite.ics.
    calendar: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    venue: Mapped[Venue] = relationship()
    booking: Mapped[Booking | None] = relationship()

    __table_args__ = (
        # The venue's message log, newest first.
        sa.Index("ix_messages_venue_created", "venue_id", "created_at"),
        # The sweep for messages a job never took: only the unfinished ones.
        sa.Index(
            "ix_messages_unfinished",
            "created_at",
            postgresql_where=sa.text("status IN ('pending', 'sending', 'retrying')"),
            sqlite_where=sa.text("status IN ('pending', 'sending', 'retrying')"),
        ),
    )


class Scope(StrEnum):
    """What a partner key may do at a venue. `read`: set-up and availability, and the
    key's own bookings; `book`: hold, confirm and cancel them; `manage`: set-up."""

    READ = "read"
    BOOK = "book"
    MANAGE = "manage"


class ScopeSet(TypeDecorator):
    """A set of scopes, stored as their names separated by spaces (OAuth's form)."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return " ".join(scope.value for scope in Scope if scope in value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> frozenset[Scope] | None:
        if value is None:
            return None
        return frozenset(Scope(name) for name in value.split())


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A key reaches venues of its own organisation only.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The first characters of the key find the row; only a hash of the key is kept.
    key_prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(128))
    # The most the key may do anywhere; `manage` here also lets it create venues.
    scopes: Mapped[frozenset[Scope]] = mapped_column(ScopeSet)
    # Flask-Limiter's notation ("600/minute"); None: the API's default.
    rate_limit: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    grants: Mapped[list[PartnerGrant]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerGrant.venue_id"
    )
    venues: Mapped[list[Venue]] = relationship(
        secondary="partner_venues", order_by="Venue.id", viewonly=True
    )

    def scopes_at(self, venue_id: int | None) -> frozenset[Scope] | None:
        """What the key may do at the venue; None when the venue is not the key's."""
        for grant in self.grants:
            if grant.venue_id == venue_id:
                return grant.scopes & self.scopes
        return None


class PartnerGrant(db.Model):
    """A venue a partner key reaches, and what it may do there (within the key's own
    scopes): a venue's managers narrow or widen it for their venue alone."""

    __tablename__ = "partner_venues"

    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True
    )
    scopes: Mapped[frozenset[Scope]] = mapped_column(ScopeSet)

    partner: Mapped[Partner] = relationship(back_populates="grants")
    venue: Mapped[Venue] = relationship()


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (sa.UniqueConstraint("partner_id", "key", name="uq_idempotency_key"),)


class Manager(UserMixin, db.Model):
    __tablename__ = "managers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id each session and remember-me cookie carries (get_id): raising it
    # ends every session the person has open (accounts.end_sessions).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="manager", cascade="all, delete-orphan", order_by="Membership.venue_id"
    )
    venues: Mapped[list[Venue]] = relationship(
        secondary="manager_venues", order_by="Venue.id", viewonly=True
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative id": the one that sessions and remember-me cookies
        carry, checked by the user loader (admin/auth.py). A cookie made before the
        session version last changed no longer logs anyone in."""
        return f"{self.id}:{self.session_version}"

    def role_at(self, venue_id: int) -> Role | None:
        """The person's role at the venue; None where they have none."""
        return next((m.role for m in self.memberships if m.venue_id == venue_id), None)


class LoginLinkPurpose(StrEnum):
    RESET = "reset"  # choose a new password (forgotten)
    INVITE = "invite"  # set a first password and take up the role granted


class LoginLink(db.Model):
    """A one-time, expiring link e-mailed to set a password (bookingsite/login_links.py).
    Only a hash of its token is kept; the token itself exists in the e-mail alone. A
    link is spent by one conditional UPDATE (used_at IS NULL, not revoked, not expired),
    so that two uses racing each other never both succeed."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token, hex: tokens carry 192 random bits, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[LoginLinkPurpose] = mapped_column(_enum(LoginLinkPurpose))
    # Whose password it sets. An invitation may be made before the person's row (then
    # None, and `email` says whom it was sent to); a reset always names a manager.
    manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("managers.id", ondelete="CASCADE"), index=True
    )
    # The address it was sent to, normalised as accounts stores addresses.
    email: Mapped[str] = mapped_column(sa.String(254))
    # What an invitation grants, taken up when it is used: a role at a venue.
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(sa.String(16))
    # Who made it (an owner inviting); None for a reset, which the person asks for.
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("managers.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Made void before use: a newer link of the same purpose, a password changed, an
    # invitation withdrawn.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped[Manager | None] = relationship(foreign_keys=[manager_id])
    venue: Mapped[Venue | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "purpose <> 'reset' OR manager_id IS NOT NULL", name="ck_login_link_reset_manager"
        ),
        sa.CheckConstraint("expires_at >= created_at", name="ck_login_link_expiry"),
    )

    def is_usable_at(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


# --- webhooks (Standard Webhooks; bookingsite/webhooks) --------------------------------


class WebhookEventType(StrEnum):
    BOOKING_HELD = "booking.held"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_MOVED = "booking.moved"
    BOOKING_EXPIRED = "booking.expired"
    AVAILABILITY_CHANGED = "availability.changed"


class WebhookDisabledReason(StrEnum):
    MANUAL = "manual"  # switched off by its partner or a manager
    FAILING = "failing"  # switched off by the site: its deliveries kept failing


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"  # recorded with its cause, not tried yet
    SENDING = "sending"  # claimed by a job worker
    RETRYING = "retrying"  # a try failed; the next is scheduled
    SUCCEEDED = "succeeded"  # the endpoint answered 2xx
    FAILED = "failed"  # every try failed, or the endpoint was off


class WebhookEndpoint(db.Model):
    """Where a venue's events go. Made by a partner key (`partner_id`): it hears about
    that partner's own bookings only; made by a manager (no partner): about every booking
    of the venue. `availability.changed` carries no customer data and goes to both."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id", ondelete="CASCADE"))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    # WebhookEventType values, sorted.
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # "whsec_" + base64 of random bytes: the HMAC key itself, since signing needs it
    # (Standard Webhooks' symmetric scheme). Shown once, when made or rotated.
    secret: Mapped[str] = mapped_column(sa.String(100))
    # After a rotation the old secret signs too until `previous_secret_until`, so that a
    # receiver can switch over without losing a message (several signatures per header).
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[WebhookDisabledReason | None] = mapped_column(
        _enum(WebhookDisabledReason)
    )
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deliveries in a row that used up every try, and since when every try has failed
    # (None: the last one succeeded): the site disables an endpoint that keeps failing.
    failed_deliveries_in_row: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    venue: Mapped[Venue] = relationship()
    partner: Mapped[Partner | None] = relationship()

    __table_args__ = (sa.Index("ix_webhook_endpoints_venue", "venue_id", "enabled"),)

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.event_types

    @property
    def is_disabled_for_failing(self) -> bool:
        return not self.enabled and self.disabled_reason == WebhookDisabledReason.FAILING


class WebhookEvent(db.Model):
    """One event as sent: the body is fixed when the change commits, so every try and
    every redelivery carries the same bytes under the same `uid` (the webhook-id)."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(
        sa.String(40), unique=True, default=lambda: f"msg_{uuid.uuid4().hex}"
    )
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(40))
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(db.Model):
    """One event to one endpoint: a sequence of tries (a redelivery starts a new one)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        _enum(WebhookDeliveryStatus), default=WebhookDeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_latency_ms: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[WebhookEvent] = relationship()

    __table_args__ = (
        # The endpoint's delivery log, newest first.
        sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
        # The sweep for deliveries a job never took or whose retry is due.
        sa.Index(
            "ix_webhook_deliveries_unfinished",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('pending', 'sending', 'retrying')"),
            sqlite_where=sa.text("status IN ('pending', 'sending', 'retrying')"),
        ),
    )

    @property
    def is_finished(self) -> bool:
        return self.status in (WebhookDeliveryStatus.SUCCEEDED, WebhookDeliveryStatus.FAILED)


class AvailabilityChange(db.Model):
    """A range of a resource's time whose availability changed: written by triggers on
    every table availability is read from (bookingsite/availability_changes.py), read
    by partners as a feed in (txid, id) order."""

    __tablename__ = "availability_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The writing transaction (PostgreSQL's pg_current_xact_id; 0 on SQLite, where id
    # order is commit order): the feed's order, with the id.
    txid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id", ondelete="CASCADE"))
    # No foreign keys: the history outlives a resource, a service or a link.
    resource_id: Mapped[int]
    # Set when the change is a service's (its set-up, or a link to the resource).
    service_id: Mapped[int | None]
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: open-ended (set-up changes, recurring blocks).
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The feed's read and its position (the ETag of slot answers).
        sa.Index("ix_availability_changes_venue_position", "venue_id", "txid", "id"),
    )
