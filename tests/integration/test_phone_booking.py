"""Bookings taken by phone (booking.service.book_by_phone) on both databases: the rules
of any hold, an explicit override with a reason, the customer's confirmation, and the
history's from → to when the booking is moved afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Channel,
    Message,
    MessageKind,
    ResourceKind,
)
from tests.factories import make_allocation, make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")

# Monday 2 March 2026 in Berlin (UTC+1); the frozen clock says 1 March 00:00Z.
TEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 local
HOUR = timedelta(hours=1)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALLER = Customer(name="Grace Hopper", email="grace@example.com", phone="+49 30 1234567")


@pytest.fixture
def court(app):
    venue = make_venue(timezone="Europe/Berlin")
    hours = {day: [["08:00", "20:00"]] for day in EVERY_DAY}
    room = make_resource(venue, name="Court A", weekly_hours=hours, capacity=4)
    other = make_resource(venue, name="Court B", weekly_hours=hours, capacity=4)
    svc = make_service([room, other], buffer_after_minutes=15, grid_step_minutes=30)
    manager = create_manager("desk@example.com", "a long password here", [venue])
    return svc, room, other, manager


def phone(svc, start, *, resource=None, manager=None, override=None, **kw):
    return service.book_by_phone(
        HoldRequest(
            service_id=svc.id,
            start=start,
            resource_id=resource.id if resource else None,
            customer=kw.pop("customer", CALLER),
            **kw,
        ),
        manager_id=manager.id if manager else None,
        override_reason=override,
    )


def refused(fn) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn()
    db.session.rollback()
    return caught.value


def events_of(booking_id: int) -> list[BookingEvent]:
    return list(
        db.session.scalars(
            sa.select(BookingEvent)
            .where(BookingEvent.booking_id == booking_id)
            .order_by(BookingEvent.id)
        )
    )


def test_a_phone_booking_is_confirmed_on_channel_admin_and_the_customer_is_told(app, court):
    svc, room, _other, manager = court
    booking = phone(svc, TEN, resource=room, manager=manager, locale="de")
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert booking.channel == Channel.ADMIN
    assert (booking.customer_name, booking.customer_email, booking.customer_phone) == (
        "Grace Hopper",
        "grace@example.com",
        "+49 30 1234567",
    )
    assert [o.resource_id for o in booking.occupancies] == [room.id]
    kinds = db.session.scalars(
        sa.select(Message.kind).where(Message.booking_id == booking.id).order_by(Message.id)
    ).all()
    assert MessageKind.BOOKING_CONFIRMED in kinds
    confirmation = db.session.scalar(
        sa.select(Message).where(
            Message.booking_id == booking.id, Message.kind == MessageKind.BOOKING_CONFIRMED
        )
    )
    assert confirmation.recipient == "grace@example.com" and confirmation.locale == "de"
    (event,) = events_of(booking.id)
    assert (event.action, event.manager_id, event.overridden_rule) == ("phone", manager.id, None)


def test_a_taken_time_is_refused_even_with_an_override(app, court):
    svc, room, _other, manager = court
    phone(svc, TEN, resource=room, manager=manager)
    error = refused(lambda: phone(svc, TEN, resource=room, manager=manager))
    assert error.code == "SLOT_TAKEN" and error.extra["alternatives"]
    error = refused(lambda: phone(svc, TEN, resource=room, manager=manager, override="VIP"))
    assert error.code == "SLOT_TAKEN"
    # The buffer after the first booking counts too.
    error = refused(lambda: phone(svc, TEN + HOUR, resource=room, manager=manager, override="VIP"))
    assert error.code == "SLOT_TAKEN"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1


def test_outside_the_hours_needs_an_override_with_a_reason(app, court):
    svc, room, _other, manager = court
    late = TEN + 10 * HOUR  # 20:00 local: closed
    error = refused(lambda: phone(svc, late, resource=room, manager=manager))
    assert error.code == "SLOT_UNAVAILABLE" and error.extra["reason"] == "closed"
    booking = phone(svc, late, resource=room, manager=manager, override="  Team event  ")
    (event,) = events_of(booking.id)
    assert (event.overridden_rule, event.note, event.manager_id) == (
        "closed",
        "Team event",
        manager.id,
    )
    assert booking.start_at == late and [o.resource_id for o in booking.occupancies] == [room.id]


def test_an_override_passes_a_block_and_the_grid_but_not_a_blank_reason(app, court):
    svc, room, _other, manager = court
    make_allocation(room, TEN, TEN + 2 * HOUR, reason="Repairs")
    error = refused(lambda: phone(svc, TEN, resource=room, manager=manager, override="   "))
    assert error.code == "SLOT_UNAVAILABLE" and error.extra["reason"] == "blocked"
    booking = phone(svc, TEN, resource=room, manager=manager, override="Repairs done early")
    assert events_of(booking.id)[0].overridden_rule == "blocked"
    off_grid = TEN + 3 * HOUR + timedelta(minutes=10)
    assert refused(lambda: phone(svc, off_grid, resource=room)).extra["reason"] == "off_grid"
    assert phone(svc, off_grid, resource=room, override="Asked for 13:10").start_at == off_grid


def test_too_soon_is_overridden_but_other_bookings_never_are(app, court, clock):
    svc, room, _other, manager = court
    svc.lead_time_minutes = 24 * 60
    db.session.commit()
    clock.set(TEN - 2 * HOUR)
    error = refused(lambda: phone(svc, TEN, resource=room))
    assert error.extra["reason"] == "too_soon"
    booking = phone(svc, TEN, resource=room, manager=manager, override="Walk-in")
    assert events_of(booking.id)[0].overridden_rule == "too_soon"


def test_a_staff_service_gets_its_therapist_under_an_override(app):
    venue = make_venue(timezone="Europe/Berlin")
    cabin = make_resource(venue, name="Cabin", capacity=1)
    claire = make_resource(
        venue,
        name="Claire",
        kind=ResourceKind.STAFF,
        skills=["massage"],
        weekly_hours={day: [["10:00", "18:00"]] for day in EVERY_DAY},
    )
    massage = make_service([cabin, claire], required_skills=["massage"])
    early = TEN - 2 * HOUR  # 08:00 local: before Claire's shift
    assert refused(lambda: phone(massage, early, resource=cabin)).extra["reason"] == "no_staff"
    booking = phone(massage, early, resource=cabin, override="Claire comes in early")
    assert sorted(o.resource_id for o in booking.occupancies) == [cabin.id, claire.id]
    # Claire is now taken at 08:00: a second one is refused, override or not.
    other_cabin = make_resource(venue, name="Cabin 2", capacity=1)
    massage.resources.append(other_cabin)
    db.session.commit()
    error = refused(lambda: phone(massage, early, resource=other_cabin, override="again"))
    assert error.code == "SLOT_TAKEN"


def test_a_moved_phone_booking_shows_from_and_to_in_its_history(app, court):
    svc, room, other, manager = court
    booking = phone(svc, TEN, resource=room, manager=manager)
    service.move(
        booking.id,
        start=TEN + 2 * HOUR,
        end=TEN + 3 * HOUR,
        resource_id=other.id,
        manager_id=manager.id,
    )
    first, moved = events_of(booking.id)
    assert first.action == "phone" and not first.moved
    assert moved.action == "move" and moved.moved
    assert (moved.previous_start_at, moved.previous_end_at, moved.previous_resources) == (
        TEN,
        TEN + HOUR,
        "Court A",
    )
    assert (moved.new_start_at, moved.new_end_at, moved.new_resources) == (
        TEN + 2 * HOUR,
        TEN + 3 * HOUR,
        "Court B",
    )
    kinds = db.session.scalars(
        sa.select(Message.kind).where(Message.booking_id == booking.id).order_by(Message.id)
    ).all()
    assert MessageKind.BOOKING_MOVED in kinds


def test_a_customer_s_reschedule_records_from_and_to(app, court):
    svc, room, _other, _manager = court
    booking = phone(svc, TEN, resource=room)
    service.reschedule(booking.id, start=TEN + 4 * HOUR)
    event = events_of(booking.id)[-1]
    assert event.action == "reschedule"
    assert (event.previous_start_at, event.new_start_at) == (TEN, TEN + 4 * HOUR)
    assert event.previous_resources == event.new_resources == "Court A"


def test_a_bad_request_changes_nothing(app, court):
    svc, room, _other, _manager = court
    error = refused(lambda: phone(svc, TEN.replace(tzinfo=None), resource=room))
    assert error.code == "VALIDATION_ERROR"
    staff_lane = make_resource(room.venue, name="Not a place", kind=ResourceKind.STAFF)
    error = refused(lambda: phone(svc, TEN, resource=staff_lane, override="x"))
    assert error.code == "VALIDATION_ERROR" and "resourceId" in error.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookingEvent)) == 0


def test_the_history_columns_migrate_up_and_down(empty_database: str) -> None:
    """a2d4f6b8c031 adds the from/to columns in place and drops them again (on both
    databases); events recorded before it keep no from/to."""
    from flask_migrate import downgrade, upgrade

    from bookingsite import create_app

    columns = {
        "previous_start_at",
        "previous_end_at",
        "previous_resources",
        "new_start_at",
        "new_end_at",
        "new_resources",
    }
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="a2d4f6b8c031")
        with db.engine.connect() as connection:
            found = {c["name"] for c in sa.inspect(connection).get_columns("booking_events")}
            assert columns <= found
        downgrade(revision="f1c3a5e7b924")
        with db.engine.connect() as connection:
            found = {c["name"] for c in sa.inspect(connection).get_columns("booking_events")}
            assert not columns & found and {"action", "note"} <= found
        upgrade(revision="a2d4f6b8c031")
        db.engine.dispose()
