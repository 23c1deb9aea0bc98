"""Bookings: list and filters, detail, cancel, move (with a recorded override), the CSV
export and utilisation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingEvent, Occupancy
from tests.factories import make_resource
from tests.functional.admin.conftest import MONDAY_10, url

HOUR = timedelta(hours=1)


def page(response) -> str:
    return response.get_data(as_text=True)


def book(world, start, name="Grace Hopper", confirm=True, email="grace@example.com"):
    booking = service.hold(
        HoldRequest(
            service_id=world.service.id, start=start, customer=Customer(name=name, email=email)
        )
    )
    if confirm:
        booking = service.confirm(booking.id, Customer(name=name, email=email))
    return booking


def list_url(world, **filters) -> str:
    return url("admin.bookings", venue_id=world.venue.id, **filters)


# List and filters ------------------------------------------------------------------------


def test_list_shows_upcoming_bookings_by_default(admin, world):
    html = page(admin.get(list_url(world)))
    assert world.booking.reference in html and "Ada Lovelace" in html
    # The venue's local time, written as in its country (Germany) in the page's language.
    assert "02/03/2026, 10:00" in html


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"q": "grace"}, {"grace"}),
        ({"q": "ADA@example"}, {"ada"}),
        ({"status": "hold"}, {"hold"}),
        ({"status": "confirmed"}, {"ada", "grace"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"date_from": "2026-03-03", "date_to": "2026-03-03"}, {"grace"}),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, {"ada", "hold", "cancelled"}),
    ],
    ids=[
        "customer-name",
        "customer-email",
        "live-holds",
        "confirmed",
        "cancelled",
        "one-day",
        "another-day",
    ],
)
def test_filters(admin, world, filters, expected):
    book(world, MONDAY_10 + timedelta(days=1), name="Grace")
    book(world, MONDAY_10 + 2 * HOUR, name="Hold", confirm=False, email="hold@example.com")
    cancelled = book(world, MONDAY_10 + 3.5 * HOUR, name="Cancelled", email="c@example.com")
    service.cancel(cancelled.id)
    html = page(admin.get(list_url(world, **({"date_from": "2026-03-01"} | filters))))
    names = {"ada": "Ada Lovelace", "grace": "Grace", "hold": "Hold", "cancelled": "Cancelled"}
    shown = {key for key, name in names.items() if f"<td>{name}<br>" in html}
    assert shown == expected


def test_filter_by_resource(admin, world):
    other = make_resource(world.venue, name="Other room")
    world.service.resources.append(other)
    db.session.commit()
    booking = service.hold(
        HoldRequest(
            service_id=world.service.id,
            start=MONDAY_10,
            resource_id=other.id,
            customer=Customer(name="Elsewhere"),
        )
    )
    html = page(admin.get(list_url(world, resource=str(other.id))))
    assert booking.reference in html and world.booking.reference not in html


def test_htmx_gets_the_results_table_only(admin, world):
    response = admin.get(list_url(world, q="ada"), headers={"HX-Request": "true"})
    html = page(response)
    assert "<html" not in html and world.booking.reference in html
    assert "HX-Request" in response.headers["Vary"]


def test_backwards_range_is_explained(admin, world):
    response = admin.get(list_url(world, date_from="2026-03-05", date_to="2026-03-01"))
    assert response.status_code == 422
    assert "The end of the range comes before its start." in page(response)


# Detail and cancel --------------------------------------------------------------------------


def detail_url(world, booking=None) -> str:
    booking = booking or world.booking
    return url("admin.booking_detail", venue_id=world.venue.id, booking_id=booking.id)


def test_detail_shows_the_booking_in_local_time(admin, world):
    html = page(admin.get(detail_url(world)))
    assert world.booking.reference in html and "ada@example.com" in html
    assert "10:00" in html  # 09:00Z is 10:00 in Berlin
    assert "alpha room" in html


def test_cancel_records_the_manager_and_note(admin, world):
    response = admin.post(
        url("admin.booking_cancel", venue_id=world.venue.id, booking_id=world.booking.id),
        data={"note": "Customer phoned"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).is_cancelled
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "cancel"))
    assert event.manager_id == world.manager.id and event.note == "Customer phoned"
    html = page(admin.get(detail_url(world)))
    assert "Customer phoned" in html and "manager@example.com" in html
    assert "Cancel the booking" not in html  # nothing left to cancel


# Move -----------------------------------------------------------------------------------------


def move(admin, world, **data):
    return admin.post(
        url("admin.booking_move", venue_id=world.venue.id, booking_id=world.booking.id), data=data
    )


def reload(booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


def test_move_to_a_free_time(admin, world):
    response = move(admin, world, day="2026-03-03", at="11:30", resource=str(world.room.id))
    assert response.status_code == 302
    moved = reload(world.booking)
    assert (moved.start_at, moved.end_at) == (
        datetime(2026, 3, 3, 10, 30, tzinfo=UTC),
        datetime(2026, 3, 3, 11, 30, tzinfo=UTC),
    )
    occupancy = moved.occupancies[0]
    assert occupancy.end_at == moved.end_at + timedelta(minutes=15)  # the buffer moves along
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "move"))
    assert event.manager_id == world.manager.id and event.overridden_rule is None


def test_move_onto_a_block_is_refused_with_the_reason(admin, world):
    # The world's maintenance block is 15:00-16:00 local on Monday.
    response = move(admin, world, day="2026-03-02", at="15:00", resource=str(world.room.id))
    assert response.status_code == 422
    assert "blocked by the venue" in page(response)
    assert reload(world.booking).start_at == MONDAY_10


def test_override_needs_a_reason(admin, world):
    response = move(
        admin,
        world,
        day="2026-03-02",
        at="15:00",
        resource=str(world.room.id),
        override="y",
        override_reason="  ",
    )
    assert response.status_code == 422
    assert "Say why you override the rules; it is recorded." in page(response)


def test_an_explicit_override_is_recorded_with_who_and_why(admin, world):
    response = move(
        admin,
        world,
        day="2026-03-02",
        at="15:00",
        resource=str(world.room.id),
        override="y",
        override_reason="Maintenance postponed, customer agreed",
    )
    assert response.status_code == 302
    assert reload(world.booking).start_at == MONDAY_10 + 5 * HOUR
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "move"))
    assert (event.manager_id, event.overridden_rule, event.note) == (
        world.manager.id,
        "blocked",
        "Maintenance postponed, customer agreed",
    )
    html = page(admin.get(detail_url(world)))
    assert "Overrode: blocked by the venue" in html and "Maintenance postponed" in html


def test_an_override_outside_the_hours_is_recorded_as_closed(admin, world):
    response = move(
        admin,
        world,
        day="2026-03-02",
        at="21:00",
        resource=str(world.room.id),
        override="y",
        override_reason="Late event",
    )
    assert response.status_code == 302
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "move"))
    assert event.overridden_rule == "closed"


def test_even_an_override_cannot_double_book(admin, world):
    other = book(world, MONDAY_10 + 2 * HOUR)
    response = move(
        admin,
        world,
        day="2026-03-02",
        at="12:00",
        resource=str(world.room.id),
        override="y",
        override_reason="Squeeze in",
    )
    assert response.status_code == 409
    # Manager wording: which resource, and (tests/functional/admin/test_move_conflicts.py)
    # which booking is in the way.
    assert f"This time is taken on {world.room.name}" in page(response)
    assert reload(world.booking).start_at == MONDAY_10
    assert reload(other).start_at == MONDAY_10 + 2 * HOUR
    assert (
        db.session.scalar(
            sa.select(sa.func.count(BookingEvent.id)).where(BookingEvent.action == "move")
        )
        == 0
    )


def test_move_to_another_resource(admin, world):
    other = make_resource(world.venue, name="Second room")
    world.service.resources.append(other)
    db.session.commit()
    response = move(admin, world, day="2026-03-02", at="10:00", resource=str(other.id))
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(Occupancy.resource_id).where(Occupancy.booking_id == world.booking.id)
        )
        == other.id
    )


def test_a_resource_outside_the_service_is_not_a_choice(admin, world):
    stranger = make_resource(world.venue, name="Not for this service")
    response = move(admin, world, day="2026-03-02", at="10:00", resource=str(stranger.id))
    assert response.status_code == 422
    assert "Not a valid choice" in page(response)


def test_a_cancelled_booking_cannot_be_moved(admin, world):
    service.cancel(world.booking.id)
    response = move(admin, world, day="2026-03-03", at="10:00", resource=str(world.room.id))
    assert response.status_code == 409
    assert "This booking is cancelled, so that cannot be done." in page(response)


# CSV and utilisation ------------------------------------------------------------------------------


def test_csv_export_of_a_date_range(admin, world):
    book(world, MONDAY_10 + timedelta(days=1), name='=HYPERLINK("x")')
    book(world, MONDAY_10 + timedelta(days=7), name="Outside the range")
    response = admin.get(
        url(
            "admin.bookings_csv",
            venue_id=world.venue.id,
            date_from="2026-03-02",
            date_to="2026-03-03",
        )
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="bookings-alpha-2026-03-02-2026-03-03.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(page(response))))
    assert [r["customer_name"] for r in rows] == ["Ada Lovelace", '\'=HYPERLINK("x")']
    ada = rows[0]
    assert ada == ada | {
        "reference": world.booking.reference,
        "status": "confirmed",
        "service": "alpha hour",
        "option": "60 min",
        "resources": "alpha room",
        "start_local": "2026-03-02T10:00+01:00",
        "end_local": "2026-03-02T11:00+01:00",
        "timezone": "Europe/Berlin",
        "start_utc": "2026-03-02T09:00:00Z",
        "end_utc": "2026-03-02T10:00:00Z",
        "guests": "1",
        "customer_email": "ada@example.com",
        "channel": "web",
    }


def test_csv_keeps_phone_numbers_as_written_and_quotes_formulas(admin, world):
    phones = ["+49 30 1234567", "+1 (212) 555-0100", "+SUM(A1:A9)", "-2+3"]
    for n, phone in enumerate(phones, start=1):
        held = service.hold(
            HoldRequest(
                service_id=world.service.id,
                start=MONDAY_10 + timedelta(days=1, hours=2 * n),
                customer=Customer(name=f"Caller {n}", email="c@example.com", phone=phone),
            )
        )
        service.confirm(held.id)
    response = admin.get(
        url(
            "admin.bookings_csv",
            venue_id=world.venue.id,
            date_from="2026-03-03",
            date_to="2026-03-03",
        )
    )
    rows = list(csv.DictReader(io.StringIO(page(response))))
    assert [r["customer_phone"] for r in rows] == [
        "+49 30 1234567",
        "+1 (212) 555-0100",
        "'+SUM(A1:A9)",
        "'-2+3",
    ]


def test_csv_needs_a_valid_range(admin, world):
    response = admin.get(
        url(
            "admin.bookings_csv",
            venue_id=world.venue.id,
            date_from="2026-03-05",
            date_to="2026-03-01",
        )
    )
    assert response.status_code == 422


def test_utilisation_is_booked_over_open_hours(admin, world):
    # The room opens 08:00-20:00 every day: 12 h on Monday 2 March. Ada has 1 h confirmed;
    # add 2 h more, and a hold that does not count.
    book(world, MONDAY_10 + 2 * HOUR)
    book(world, MONDAY_10 + 3.5 * HOUR)
    book(world, MONDAY_10 + 6 * HOUR, confirm=False)
    response = admin.get(
        url("admin.reports", venue_id=world.venue.id, date_from="2026-03-02", date_to="2026-03-02")
    )
    html = page(response)
    assert "<td>3</td>" in html and "<td>12</td>" in html and "25%" in html


def test_utilisation_of_the_reports_page_defaults_to_this_week(admin, world):
    html = page(admin.get(url("admin.reports", venue_id=world.venue.id)))
    assert 'value="2026-02-23"' in html and 'value="2026-03-01"' in html
    assert "<td>84</td>" in html  # 7 days x 12 h
