"""What customers may change after booking, under the terms kept with the booking:
cancelling and changing the time until their cutoffs, managers past them with a reason,
and two customers racing to move into the same free time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.clock import FrozenClock
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingEvent, BookingStatus, DurationMode, Occupancy
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")

MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def service_id(app) -> int:
    venue = make_venue(cancel_cutoff_hours=24, change_cutoff_hours=12)
    room = make_resource(venue, capacity=1)
    return make_service([room], name="Meeting room", grid_step_minutes=15).id


def book(service_id: int, start: datetime = MONDAY_10) -> Booking:
    held = service.hold(HoldRequest(service_id=service_id, start=start))
    return service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))


def test_a_booking_keeps_its_terms_when_the_service_changes(service_id: int) -> None:
    from bookingsite.models import Service

    booking = book(service_id)
    svc = db.session.get(Service, service_id)
    svc.name = "Board room"
    svc.variants[0].price_cents = 5000
    svc.cancel_cutoff_hours = 1
    db.session.commit()
    db.session.rollback()  # a fresh read: the changes came through sessions of their own
    kept = db.session.get(Booking, booking.id)
    assert kept.service_name == "Meeting room"
    assert kept.cancel_cutoff_hours == 24 and kept.change_cutoff_hours == 12
    assert kept.price_cents is None  # the option had no price when it was booked
    later = book(service_id, MONDAY_10 + 3 * HOUR)
    assert (later.service_name, later.price_cents, later.cancel_cutoff_hours) == (
        "Board room",
        5000,
        1,
    )


def test_customers_cancel_until_their_cutoff(service_id: int, clock: FrozenClock) -> None:
    early, late = book(service_id), book(service_id, MONDAY_10 + 2 * HOUR)
    clock.set(MONDAY_10 - 24 * HOUR - timedelta(minutes=1))
    assert service.cancel(early.id, by_customer=True).status == BookingStatus.CANCELLED
    clock.set(MONDAY_10 + 2 * HOUR - 24 * HOUR)  # the cutoff itself is too late
    with pytest.raises(DomainError) as refused:
        service.cancel(late.id, by_customer=True)
    assert refused.value.code == "TOO_LATE_TO_CANCEL"
    assert db.session.get(Booking, late.id).status == BookingStatus.CONFIRMED


def test_managers_cancel_past_the_cutoff_with_a_reason(service_id: int, clock: FrozenClock) -> None:
    booking = book(service_id)
    manager = create_manager("desk@example.test", "a long password", [booking.venue])
    clock.set(MONDAY_10 - HOUR)
    with pytest.raises(DomainError) as refused:
        service.cancel(booking.id, manager_id=manager.id, note="  ")
    assert refused.value.code == "VALIDATION_ERROR"  # no reason given
    assert set(refused.value.fields) == {"note"}
    service.cancel(booking.id, manager_id=manager.id, note="Customer phoned: flight cancelled")
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "cancel"))
    assert event.note == "Customer phoned: flight cancelled"


def test_a_customer_changes_the_time_on_any_free_place(service_id: int) -> None:
    booking = book(service_id)
    later = MONDAY_10 + 3 * HOUR
    moved = service.reschedule(booking.id, start=later)
    db.session.rollback()  # a fresh read: the changes came through sessions of their own
    moved = db.session.get(Booking, booking.id)
    assert (moved.start_at, moved.end_at, moved.calendar_sequence) == (later, later + HOUR, 1)
    assert [(o.start_at, o.end_at) for o in moved.occupancies] == [(later, later + HOUR)]
    # Overlapping its own old time is no conflict: it is the same booking moving.
    service.reschedule(booking.id, start=later + timedelta(minutes=30))
    assert db.session.get(Booking, booking.id).start_at == later + timedelta(minutes=30)


def test_changing_the_time_past_the_cutoff_is_refused(service_id: int, clock: FrozenClock) -> None:
    booking = book(service_id)
    clock.set(MONDAY_10 - 11 * HOUR)
    with pytest.raises(DomainError) as refused:
        service.reschedule(booking.id, start=MONDAY_10 + 3 * HOUR)
    assert refused.value.code == "TOO_LATE_TO_CHANGE"
    assert db.session.get(Booking, booking.id).start_at == MONDAY_10


def test_a_taken_time_leaves_the_booking_where_it_was(service_id: int) -> None:
    mine, theirs = book(service_id), book(service_id, MONDAY_10 + 3 * HOUR)
    with pytest.raises(DomainError) as taken:
        service.reschedule(mine.id, start=theirs.start_at)
    assert taken.value.code == "SLOT_TAKEN" and taken.value.extra["alternatives"]
    db.session.rollback()  # a fresh read: the changes came through sessions of their own
    assert db.session.get(Booking, mine.id).start_at == MONDAY_10


@pytest.mark.slow
def test_two_customers_racing_for_one_free_time(app, service_id: int) -> None:
    """Real concurrent reschedules into the same free hour: one wins, the other keeps
    the time it had; no two active occupancies overlap."""
    first, second = book(service_id), book(service_id, MONDAY_10 + 2 * HOUR)
    target = MONDAY_10 + 5 * HOUR
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def customer(booking_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                service.reschedule(booking_id, start=target)
                outcomes[booking_id] = "moved"
            except DomainError as error:
                outcomes[booking_id] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=customer, args=(b.id,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["SLOT_TAKEN", "moved"]
    db.session.rollback()  # a fresh read: the changes came through sessions of their own
    loser = next(i for i, o in outcomes.items() if o == "SLOT_TAKEN")
    kept = {first.id: MONDAY_10, second.id: MONDAY_10 + 2 * HOUR}[loser]
    assert db.session.get(Booking, loser).start_at == kept
    active = db.session.scalars(sa.select(Occupancy).where(Occupancy.active)).all()
    assert sorted(o.start_at for o in active) == sorted([target, kept])


def test_a_new_time_keeps_the_length_agreed(app) -> None:
    venue = make_venue()
    hourly = make_service(
        [make_resource(venue)],
        duration_mode=DurationMode.HOURLY,
        min_minutes=60,
        max_minutes=240,
        grid_step_minutes=60,
    )
    held = service.hold(HoldRequest(service_id=hourly.id, start=MONDAY_10, end=MONDAY_10 + HOUR))
    booking = service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))
    later = MONDAY_10 + 4 * HOUR
    with pytest.raises(DomainError) as longer:
        service.reschedule(booking.id, start=later, end=later + 2 * HOUR)
    assert set(longer.value.fields) == {"endTime"}
    service.reschedule(booking.id, start=later, end=later + HOUR)
    assert db.session.get(Booking, booking.id).start_at == later


def test_a_moved_booking_keeps_its_buffers(service_id: int) -> None:
    """Buffers are part of the terms: a later edit of the service's buffers does not
    widen a booking that a customer or a manager moves."""
    from bookingsite.models import Service

    booking = book(service_id)
    svc = db.session.get(Service, service_id)
    svc.buffer_after_minutes = 30
    db.session.commit()
    later = MONDAY_10 + 3 * HOUR
    service.reschedule(booking.id, start=later)
    (resource_id,) = {o.resource_id for o in booking.occupancies}
    service.move(
        booking.id,
        start=later + HOUR,
        end=later + 2 * HOUR,
        resource_id=resource_id,
        manager_id=None,
    )
    db.session.rollback()
    (occupancy,) = db.session.get(Booking, booking.id).occupancies
    assert (occupancy.start_at, occupancy.end_at) == (later + HOUR, later + 2 * HOUR)
