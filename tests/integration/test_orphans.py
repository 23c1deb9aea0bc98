"""future_bookings_count on both databases: what a deactivation would leave behind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookingsite.booking.orphans import future_bookings_count
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus, Occupancy, ResourceKind
from tests.conftest import DEFAULT_NOW as NOW
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")

HOUR = timedelta(hours=1)


def book(service, resources, start, status=BookingStatus.CONFIRMED, **fields) -> Booking:
    """A one-hour booking row written directly, so that any status and time can be set."""
    live = status in (BookingStatus.HOLD, BookingStatus.CONFIRMED)
    booking = Booking(
        venue_id=service.venue_id,
        service_id=service.id,
        status=status,
        start_at=start,
        end_at=start + HOUR,
        created_at=NOW - timedelta(days=30),
        occupancies=[
            Occupancy(resource_id=r.id, start_at=start, end_at=start + HOUR, active=live)
            for r in resources
        ],
        **fields,
    )
    db.session.add(booking)
    db.session.commit()
    return booking


@pytest.fixture
def setting(app):
    venue = make_venue()
    room, other_room = make_resource(venue), make_resource(venue)
    therapist = make_resource(venue, kind=ResourceKind.STAFF, skills=["massage"])
    service = make_service([room, other_room])
    return room, other_room, therapist, service


def counts(room, service) -> tuple[int, int]:
    return (
        future_bookings_count(resource_id=room.id, now=NOW),
        future_bookings_count(service_id=service.id, now=NOW),
    )


def test_nothing_booked_counts_nothing(setting):
    room, _other, _therapist, service = setting
    assert counts(room, service) == (0, 0)


@pytest.mark.parametrize(
    ("status", "start", "hold_expires_at", "counted"),
    [
        (BookingStatus.CONFIRMED, NOW + 24 * HOUR, None, 1),
        (BookingStatus.CONFIRMED, NOW - HOUR / 2, None, 1),
        (BookingStatus.CONFIRMED, NOW - HOUR, None, 0),
        (BookingStatus.CONFIRMED, NOW - 48 * HOUR, None, 0),
        (BookingStatus.HOLD, NOW + HOUR, NOW + timedelta(minutes=5), 1),
        (BookingStatus.HOLD, NOW + HOUR, NOW, 0),
        (BookingStatus.EXPIRED, NOW + HOUR, NOW - HOUR, 0),
        (BookingStatus.CANCELLED, NOW + HOUR, None, 0),
    ],
    ids=[
        "confirmed-tomorrow",
        "confirmed-under-way",
        "ended-just-now",
        "past",
        "live-hold",
        "lapsed-hold",
        "expired",
        "cancelled",
    ],
)
def test_only_live_bookings_not_yet_over_count(setting, status, start, hold_expires_at, counted):
    room, _other, _therapist, service = setting
    book(service, [room], start, status, hold_expires_at=hold_expires_at)
    assert counts(room, service) == (counted, counted)


def test_a_resource_counts_what_occupies_it_and_a_service_what_it_sold(setting):
    room, other_room, therapist, service = setting
    massage = make_service([other_room], required_skills=["massage"])
    book(service, [room], NOW + HOUR)
    book(service, [other_room], NOW + HOUR)
    book(massage, [other_room, therapist], NOW + 3 * HOUR)

    assert future_bookings_count(resource_id=room.id, now=NOW) == 1
    assert future_bookings_count(resource_id=other_room.id, now=NOW) == 2
    assert future_bookings_count(resource_id=therapist.id, now=NOW) == 1
    assert future_bookings_count(service_id=service.id, now=NOW) == 2
    assert future_bookings_count(service_id=massage.id, now=NOW) == 1


def test_the_linked_days_of_one_rental_count_once(setting):
    room, _other, _therapist, service = setting
    group_id = Booking.new_group_id()
    for day in range(3):
        book(service, [room], NOW + timedelta(days=day, hours=9), group_id=group_id)
    book(service, [room], NOW + timedelta(days=5))

    assert counts(room, service) == (2, 2)


def test_name_exactly_one_of_resource_and_service(app):
    with pytest.raises(TypeError):
        future_bookings_count(now=NOW)
    with pytest.raises(TypeError):
        future_bookings_count(resource_id=1, service_id=1, now=NOW)
