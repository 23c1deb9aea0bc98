"""A customer's own booking through its private link: the terms shown before and after
booking, cancelling after a confirmation page, and choosing a new time, within the kept
cutoffs and past them. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from bookingsite.extensions import db
from bookingsite.models import Booking, Resource, Service, Venue
from tests.functional.public.test_pages import (
    KIT,
    ROOMS,
    STUDIO,
    VAN,
    csrf_of,
    fresh_visitor,
    hold,
    hold_error,
    rental_run,
)

pytestmark = pytest.mark.usefixtures("backend")

TOO_LATE_TO_CANCEL = "It is too late to cancel this booking online. Please contact the venue."
TOO_LATE_TO_CHANGE = (
    "It is too late to change the time of this booking online. Please contact the venue."
)


def book(client, url: str, **fields) -> str:
    """Hold and confirm through the pages; the booking's manage token."""
    held = hold(client, url, **fields)
    assert held.status_code == 303, hold_error(held.get_data(as_text=True))
    token = held.headers["Location"].rsplit("/", 1)[1]
    checkout = client.get(held.headers["Location"]).get_data(as_text=True)
    confirmed = client.post(
        f"/checkout/{token}",
        data={
            "csrf_token": csrf_of(checkout),
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "guests": 1,
        },
    )
    assert confirmed.status_code == 303
    return token


def booking_of(token: str) -> Booking:
    db.session.expire_all()
    return db.session.scalar(sa.select(Booking).where(Booking.manage_token == token))


def rows_of(token: str) -> list[tuple[datetime, datetime, str]]:
    group_id = booking_of(token).group_id
    condition = Booking.group_id == group_id if group_id else Booking.manage_token == token
    bookings = db.session.scalars(sa.select(Booking).where(condition).order_by(Booking.start_at))
    return [(b.start_at, b.end_at, b.status.value) for b in bookings]


def venue(slug: str) -> Venue:
    return db.session.scalar(sa.select(Venue).where(Venue.slug == slug))


@pytest.fixture(autouse=True)
def plain_venues(demo_venues) -> None:
    """No cutoffs and no contacts, whatever the demo has: each test sets its own."""
    for place in demo_venues.values():
        place.cancel_cutoff_hours = place.change_cutoff_hours = 0
        place.contact_phone = place.contact_email = ""
    db.session.commit()


def set_cutoffs(slug: str, *, cancel: int, change: int, contacts: bool = True) -> None:
    place = venue(slug)
    place.cancel_cutoff_hours, place.change_cutoff_hours = cancel, change
    if contacts:
        place.contact_phone, place.contact_email = "+49 30 1234567", "desk@spreeblick.example"
    db.session.commit()


def only_alster() -> None:
    """Room Bode off: the meeting-room service has one place, so a time can be taken."""
    db.session.scalar(sa.select(Resource).where(Resource.name == "Room Bode")).active = False
    db.session.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Terms ----------------------------------------------------------------------------------


def test_service_page_shows_the_live_terms(client):
    set_cutoffs("spreeblick-rooms", cancel=24, change=2)
    service = db.session.scalar(sa.select(Service).where(Service.slug == "meeting-room-1h"))
    service.change_cutoff_hours = 6  # the service's own setting wins over the venue's
    db.session.commit()
    page = text_of(client.get(ROOMS).get_data(as_text=True))
    assert "You can cancel online until 24 hours before the start." in page
    assert "You can change the time online until 6 hours before the start." in page


def test_checkout_and_manage_show_the_kept_terms_not_the_live_service(client):
    set_cutoffs("spreeblick-rooms", cancel=24, change=1)
    held = hold(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    checkout = text_of(client.get(held.headers["Location"]).get_data(as_text=True))
    assert "You can cancel online until 24 hours before the start." in checkout
    assert "You can change the time online until 1 hour before the start." in checkout
    assert "Meeting room, 1 hour" in checkout and "€35.00" in checkout

    token = book(fresh_visitor(client.application), ROOMS, start="2026-03-02T10:15:00Z")
    # The manager edits the service and the venue afterwards: the booking keeps its terms.
    service = db.session.scalar(sa.select(Service).where(Service.slug == "meeting-room-1h"))
    service.name, service.variants[0].name, service.variants[0].price_cents = "Room", "1 h", 1
    set_cutoffs("spreeblick-rooms", cancel=0, change=0)
    html = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert '<h2 id="summary-title">Meeting room, 1 hour</h2>' in html
    assert "<dd>1 hour</dd>" in html and "€35.00" in html and "€0.01" not in html
    manage = text_of(html)
    assert "You can cancel online until 24 hours before the start." in manage
    assert "You can change the time online until 1 hour before the start." in manage


def test_venue_page_shows_its_contacts_when_set(client):
    assert "tel:" not in client.get("/venues/spreeblick-rooms").get_data(as_text=True)
    set_cutoffs("spreeblick-rooms", cancel=0, change=0)
    page = client.get("/venues/spreeblick-rooms").get_data(as_text=True)
    assert 'href="tel:+49301234567"' in page
    assert 'href="mailto:desk@spreeblick.example"' in page


# Cancelling -----------------------------------------------------------------------------


def test_cancelling_asks_first_then_cancels(client):
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert f'href="/bookings/{token}/cancel"' in manage
    assert f'action="/bookings/{token}/cancel"' not in manage  # a link, no longer a form

    confirm = client.get(f"/bookings/{token}/cancel")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Yes, cancel this booking" in page and f'href="/bookings/{token}"' in page
    assert "You can cancel online until the start." in text_of(page)
    assert booking_of(token).is_confirmed  # asking changes nothing

    cancelled = client.post(f"/bookings/{token}/cancel", data={"csrf_token": csrf_of(page)})
    assert cancelled.status_code == 303
    assert booking_of(token).is_cancelled
    after = client.get(cancelled.headers["Location"]).get_data(as_text=True)
    assert "is cancelled" in after and "Change the time" not in after


def test_cancel_without_csrf_is_refused(client):
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    assert client.post(f"/bookings/{token}/cancel").status_code == 400
    assert booking_of(token).is_confirmed


def test_past_the_cancel_cutoff_the_manage_page_says_whom_to_call(client, clock):
    set_cutoffs("spreeblick-rooms", cancel=24, change=24)
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    form = client.get(f"/bookings/{token}/cancel").get_data(as_text=True)
    clock.set(datetime(2026, 3, 1, 10, tzinfo=UTC))  # 23 hours before the start

    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert f'href="/bookings/{token}/cancel"' not in manage
    assert f'href="/bookings/{token}/reschedule"' not in manage
    assert "It is too late to cancel or change this booking online." in manage
    assert 'href="tel:+49301234567"' in manage and "desk@spreeblick.example" in manage

    asked = client.get(f"/bookings/{token}/cancel")
    assert asked.status_code == 303 and asked.headers["Location"] == f"/bookings/{token}"

    # A confirmation page opened in time, submitted too late.
    refused = client.post(f"/bookings/{token}/cancel", data={"csrf_token": csrf_of(form)})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert TOO_LATE_TO_CANCEL in page and "desk@spreeblick.example" in page
    assert booking_of(token).is_confirmed


def test_only_the_passed_cutoff_is_withheld(client, clock):
    set_cutoffs("spreeblick-rooms", cancel=2, change=24, contacts=False)
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    clock.set(datetime(2026, 3, 1, 10, tzinfo=UTC))
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert f'href="/bookings/{token}/cancel"' in manage
    assert f'href="/bookings/{token}/reschedule"' not in manage
    assert "It is too late to change the time of this booking online." in manage
    assert "Please contact Spreeblick Meeting Rooms." in manage


# A new time -----------------------------------------------------------------------------


def test_reschedule_a_fixed_booking(client):
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert f'href="/bookings/{token}/reschedule"' in manage

    picker = client.get(f"/bookings/{token}/reschedule")
    assert picker.status_code == 200
    page = picker.get_data(as_text=True)
    assert 'id="booking-panel"' in page and "2026-03-02" in page  # opens at its date
    current = re.search(r'<span class="slot slot-current" data-start="([^"]+)"', page)
    assert current.group(1) == "2026-03-02T09:00:00Z"
    assert "your current time" in page
    assert 'name="guests"' not in page  # the party is the booking's

    moved = client.post(
        f"/bookings/{token}/reschedule",
        data={"csrf_token": csrf_of(page), "start": "2026-03-02T10:15:00Z"},
    )
    assert moved.status_code == 303 and moved.headers["Location"] == f"/bookings/{token}"
    start = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert rows_of(token) == [(start, start + timedelta(hours=1), "confirmed")]
    after = text_of(client.get(f"/bookings/{token}").get_data(as_text=True))
    assert "Your booking now starts at Monday, March 2, 2026, 11:15" in after


def test_htmx_gets_the_picker_alone_and_a_redirect_header(client):
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    partial = client.get(
        f"/bookings/{token}/reschedule?date=2026-03-03", headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.data and b'id="booking-panel"' in partial.data
    page = client.get(f"/bookings/{token}/reschedule").get_data(as_text=True)
    moved = client.post(
        f"/bookings/{token}/reschedule",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_of(page), "start": "2026-03-03T09:00:00Z"},
    )
    assert moved.status_code == 204
    assert moved.headers["HX-Redirect"] == f"/bookings/{token}"


def test_a_taken_time_shows_alternatives_and_leaves_the_booking(app, client):
    only_alster()
    mine = book(client, ROOMS, start="2026-03-02T10:15:00Z")
    book(fresh_visitor(app), ROOMS, start="2026-03-02T09:00:00Z")
    g.pop("csrf_token", None)  # the first visitor's own token again (see fresh_visitor)
    page = client.get(f"/bookings/{mine}/reschedule").get_data(as_text=True)
    refused = client.post(
        f"/bookings/{mine}/reschedule",
        data={"csrf_token": csrf_of(page), "start": "2026-03-02T09:00:00Z", "date": "2026-03-02"},
    )
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "someone else has just taken this time" in hold_error(html)
    assert "Other times that are still free" in hold_error(html)
    alternatives = re.findall(r'name="start" value="([^"]+)"', hold_error(html))
    assert alternatives and "2026-03-02T09:00:00Z" not in alternatives
    assert f'action="/bookings/{mine}/reschedule"' in hold_error(html)
    start = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert rows_of(mine) == [(start, start + timedelta(hours=1), "confirmed")]


def test_an_unbookable_time_is_refused_with_the_reason(client):
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    page = client.get(f"/bookings/{token}/reschedule").get_data(as_text=True)
    refused = client.post(
        f"/bookings/{token}/reschedule",
        data={"csrf_token": csrf_of(page), "start": "2026-03-02T09:05:00Z"},
    )
    assert refused.status_code == 422
    assert "not a start time offered" in hold_error(refused.get_data(as_text=True))
    assert booking_of(token).start_at == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_past_the_change_cutoff_there_is_no_new_time(client, clock):
    set_cutoffs("spreeblick-rooms", cancel=0, change=48)
    token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert f'href="/bookings/{token}/reschedule"' not in manage
    assert "It is too late to change the time of this booking online." in manage
    assert "desk@spreeblick.example" in manage

    asked = client.get(f"/bookings/{token}/reschedule")
    assert asked.status_code == 303 and asked.headers["Location"] == f"/bookings/{token}"
    assert TOO_LATE_TO_CHANGE in client.get(asked.headers["Location"]).get_data(as_text=True)

    refused = client.post(
        f"/bookings/{token}/reschedule",
        data={"csrf_token": csrf_of(manage), "start": "2026-03-03T09:00:00Z"},
    )
    assert refused.status_code == 409
    assert TOO_LATE_TO_CHANGE in refused.get_data(as_text=True)
    assert booking_of(token).start_at == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_reschedule_an_hourly_booking_keeps_its_length(client):
    token = book(client, STUDIO, start="2026-03-02T09:00:00Z", end="2026-03-02T11:00:00Z")
    picker = client.get(f"/bookings/{token}/reschedule?start=2026-03-03T09:00:00Z")
    page = picker.get_data(as_text=True)
    button = re.search(r'<button name="start" value="([^"]+)">Move my booking to', page)
    assert button.group(1) == "2026-03-03T09:00:00Z"
    moved = client.post(
        f"/bookings/{token}/reschedule",
        # A tampered end is not read: the booking keeps its two hours.
        data={"csrf_token": csrf_of(page), "start": button.group(1), "end": "2026-03-03T17:00Z"},
    )
    assert moved.status_code == 303
    start = datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert rows_of(token) == [(start, start + timedelta(hours=2), "confirmed")]


def test_reschedule_linked_rental_days_keeps_their_number(client):
    _page, start, end = rental_run(client, KIT, "2026-03-03", "2026-03-05")
    assert start == "2026-03-02T22:00:00Z"  # 09:00 in Sydney
    token = book(client, KIT, start=start, end=end)
    assert len(rows_of(token)) == 3

    picker = client.get(f"/bookings/{token}/reschedule?start_day=2026-03-10&date=2026-03-09")
    html = picker.get_data(as_text=True)
    # The month marks the booking's current first day, 3 March.
    assert re.search(r'<li class="[^"]*current"><a [^>]*data-day="2026-03-03"', html)
    start, last_day = re.search(
        r'<button name="start" value="([^"]+)" data-last-day="([^"]+)">Move my booking', html
    ).groups()
    assert last_day == "2026-03-12"
    moved = client.post(
        f"/bookings/{token}/reschedule", data={"csrf_token": csrf_of(html), "start": start}
    )
    assert moved.status_code == 303
    days = rows_of(token)
    assert [s.date().isoformat() for s, _e, _st in days] == [
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
    ]  # 09:00 in Sydney is 22:00Z the day before
    assert all(e - s == timedelta(hours=9) and st == "confirmed" for s, e, st in days)


def test_reschedule_an_around_the_clock_rental_keeps_its_days(client):
    _page, start, end = rental_run(client, VAN, "2026-03-04", "2026-03-09")
    token = book(client, VAN, start=start, end=end)
    picker = client.get(f"/bookings/{token}/reschedule").get_data(as_text=True)
    assert "your current first day" in picker
    moved = client.post(
        f"/bookings/{token}/reschedule",
        # 20 March in Sydney begins at 13:00Z on the 19th; the posted end is not read.
        data={
            "csrf_token": csrf_of(picker),
            "start": "2026-03-19T13:00:00Z",
            "end": "2026-03-20T13:00:00Z",
        },
    )
    assert moved.status_code == 303
    [(new_start, new_end, status)] = rows_of(token)
    assert new_start == datetime(2026, 3, 19, 13, tzinfo=UTC)
    assert new_end - new_start == timedelta(days=6) and status == "confirmed"


def test_a_rental_run_that_is_not_free_is_refused(app, client):
    page, start, end = rental_run(client, VAN, "2026-03-04", "2026-03-05")
    mine = book(client, VAN, start=start, end=end)  # 4 and 5 March
    # Someone else has the van on 12 March: three days from the 10th do not fit.
    book(fresh_visitor(app), VAN, start="2026-03-11T13:00:00Z", end="2026-03-12T13:00:00Z")
    picker = client.get(f"/bookings/{mine}/reschedule?start_day=2026-03-11&date=2026-03-09")
    assert "Your booking needs 2 free days in a row" in picker.get_data(as_text=True)
    refused = client.post(
        f"/bookings/{mine}/reschedule",
        data={"csrf_token": csrf_of(page), "start": "2026-03-10T13:00:00Z"},
    )
    assert refused.status_code == 422
    assert "Your booking needs 2 free days in a row" in hold_error(refused.get_data(as_text=True))
    assert rows_of(mine)[0][0] == datetime(2026, 3, 3, 13, tzinfo=UTC)


def test_a_hold_cannot_be_rescheduled(client):
    held = hold(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    token = held.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/bookings/{token}/reschedule").status_code == 303
    assert booking_of(token).is_hold


@pytest.mark.parametrize(
    "query",
    [
        "date=foo",
        "date=9999-12-31",
        "start=garbage",
        "start=9999-12-31T23:59:00Z",
        "start_day=yesterday",
        "guests=99&variant=999&resource=999",
    ],
)
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (ROOMS, {"start": "2026-03-02T09:00:00Z", "resource": 1}),
        (STUDIO, {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T11:00:00Z"}),
        (VAN, {"start": "2026-03-03T13:00:00Z", "end": "2026-03-05T13:00:00Z"}),
    ],
    ids=["fixed", "hourly", "daily"],
)
def test_no_500_on_malformed_reschedule_input(client, url, fields, query):
    token = book(client, url, **fields)
    page = client.get(f"/bookings/{token}/reschedule?{query}")
    assert page.status_code == 200
    name, _sep, value = query.partition("&")[0].partition("=")
    posted = client.post(
        f"/bookings/{token}/reschedule",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "start": value, name: value},
    )
    assert posted.status_code in (409, 422)
    assert booking_of(token).start_at == datetime.fromisoformat(fields["start"])
