"""A booking on the admin pages is shown with the terms it keeps: a later edit of the
service changes neither its names nor its price on the booking's page, in the list or in
the CSV. Past the customer's cancellation deadline a manager cancels only with a reason."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingEvent
from tests.functional.admin.conftest import MONDAY_10, World, url

pytestmark = pytest.mark.usefixtures("backend")

HOUR = timedelta(hours=1)


def page(response) -> str:
    return response.get_data(as_text=True)


def book(world: World, start, name: str = "Grace Hopper") -> Booking:
    customer = Customer(name=name, email="grace@example.com")
    booking = service.hold(HoldRequest(service_id=world.service.id, start=start, customer=customer))
    return service.confirm(booking.id, customer)


def reload(booking: Booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


def detail_url(world: World, booking: Booking) -> str:
    return url("admin.booking_detail", venue_id=world.venue.id, booking_id=booking.id)


def cancel_url(world: World, booking: Booking) -> str:
    return url("admin.booking_cancel", venue_id=world.venue.id, booking_id=booking.id)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error" class="field-error">([^<]*)<', html)
    assert match, f"no error shown for {field_id}"
    return unescape(match.group(1))


# Kept names and price -----------------------------------------------------------------


@pytest.fixture
def priced(admin, world: World) -> Booking:
    """A booking made at 35 EUR, after which the manager renames the service and its
    option and raises the price to 50 on the service form."""
    variant = world.service.variants[0]
    variant.price_cents = 3500
    db.session.commit()
    booking = book(world, MONDAY_10 + timedelta(days=1))
    assert (booking.price_cents, booking.currency) == (3500, "EUR")
    edit = url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id)
    response = admin.post(
        edit,
        data={
            "name": "Renamed hour",
            "slug": world.service.slug,
            "duration_mode": "fixed",
            "variants-0-variant_id": str(variant.id),
            "variants-0-name": "Long hour",
            "variants-0-duration_minutes": "60",
            "variants-0-guests": "1",
            "variants-0-price": "50.00",
            "buffer_before_minutes": "0",
            "buffer_after_minutes": "15",
            "grid_alignment_minutes": "15",
            "lead_time_minutes": "0",
            "horizon_days": "365",
            "resources": [str(world.room.id)],
            "active": "y",
        },
    )
    assert response.status_code == 302
    admin.get(response.headers["Location"])  # shows (and so clears) the "saved" flash
    db.session.expire_all()
    assert world.service.name == "Renamed hour" and world.service.variants[0].price_cents == 5000
    return reload(booking)


def test_the_detail_page_shows_the_kept_names_and_price(admin, world, priced):
    html = page(admin.get(detail_url(world, priced)))
    assert "alpha hour — 60 min" in html
    assert "€35.00" in html
    assert "Renamed hour" not in html and "Long hour" not in html and "€50.00" not in html


def test_the_list_shows_the_kept_names_and_price(admin, world, priced):
    html = page(admin.get(url("admin.bookings", venue_id=world.venue.id, date_from="2026-03-03")))
    assert priced.reference in html
    assert "<td>alpha hour<br>" in html and "60 min" in html and "€35.00" in html
    assert "Renamed hour" not in html and "Long hour" not in html


def test_the_csv_has_the_kept_names_and_price(admin, world, priced):
    response = admin.get(
        url(
            "admin.bookings_csv",
            venue_id=world.venue.id,
            date_from="2026-03-03",
            date_to="2026-03-03",
        )
    )
    rows = list(csv.DictReader(io.StringIO(page(response))))
    assert [
        (r["reference"], r["service"], r["option"], r["price"], r["currency"]) for r in rows
    ] == [(priced.reference, "alpha hour", "60 min", "35.00", "EUR")]


def test_an_unpriced_booking_has_an_empty_price(admin, world):
    response = admin.get(
        url(
            "admin.bookings_csv",
            venue_id=world.venue.id,
            date_from="2026-03-02",
            date_to="2026-03-02",
        )
    )
    (row,) = csv.DictReader(io.StringIO(page(response)))
    assert (row["price"], row["currency"]) == ("", "EUR")


def test_a_booking_kept_without_a_service_name_shows_todays(admin, world):
    db.session.execute(
        sa.update(Booking).where(Booking.id == world.booking.id).values(service_name="")
    )
    db.session.commit()
    html = page(admin.get(detail_url(world, world.booking)))
    assert "alpha hour — 60 min" in html


def test_the_detail_page_shows_the_kept_customer_terms(admin, world):
    world.service.cancel_cutoff_hours = 2
    world.service.change_cutoff_hours = 1
    db.session.commit()
    booking = book(world, MONDAY_10 + timedelta(days=1))
    world.service.cancel_cutoff_hours = 72  # later: does not apply to the booking
    db.session.commit()
    html = page(admin.get(detail_url(world, booking)))
    assert "You can cancel online until 2 hours before the start." in html
    assert "You can change the time online until 1 hour before the start." in html
    assert "72 hours" not in html


def test_a_customers_new_time_shows_in_the_history(admin, world):
    service.reschedule(world.booking.id, start=MONDAY_10 + timedelta(days=1))
    html = page(admin.get(detail_url(world, world.booking)))
    assert "Time changed by the customer" in html
    assert "<strong>reschedule</strong>" not in html


# Cancelling past the customer's deadline ------------------------------------------------


@pytest.fixture
def late(world: World) -> Booking:
    """A booking 35 hours ahead whose terms let the customer cancel until 48 hours before."""
    world.service.cancel_cutoff_hours = 48
    db.session.commit()
    booking = book(world, MONDAY_10 + 2 * HOUR)
    assert booking.cancel_cutoff_hours == 48
    return booking


def test_within_the_deadline_the_note_stays_optional(admin, world):
    html = page(admin.get(detail_url(world, world.booking)))
    assert "Note (optional)" in html
    assert "deadline to cancel has passed" not in html


def test_past_the_deadline_the_page_asks_for_a_reason(admin, world, late):
    html = page(admin.get(detail_url(world, late)))
    assert "deadline to cancel has passed" in html
    assert "You can cancel online until 48 hours before the start." in html
    assert "Reason (required)" in html
    assert re.search(r'<textarea[^>]*aria-required="true"[^>]*name="note"[^>]*required', html)


@pytest.mark.parametrize("note", ["", "   "], ids=["empty", "blank"])
def test_past_the_deadline_a_cancel_without_reason_is_refused_inline(admin, world, late, note):
    response = admin.post(cancel_url(world, late), data={"note": note})
    html = page(response)
    assert response.status_code == 422
    assert "give a reason" in field_error(html, "note")
    assert 'aria-invalid="true"' in html
    assert reload(late).is_confirmed
    assert db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "cancel")) is None


def test_past_the_deadline_a_cancel_with_reason_is_recorded(admin, world, late):
    response = admin.post(cancel_url(world, late), data={"note": "Flooded room"})
    assert response.status_code == 302
    assert reload(late).is_cancelled
    event = db.session.scalar(
        sa.select(BookingEvent).where(
            BookingEvent.booking_id == late.id, BookingEvent.action == "cancel"
        )
    )
    assert event.manager_id == world.manager.id and event.note == "Flooded room"
    html = page(admin.get(detail_url(world, late)))
    assert "Flooded room" in html and "Cancelled" in html
