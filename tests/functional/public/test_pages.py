"""Customer pages through the test client: pages, htmx partials, holds, checkout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from bookingsite.extensions import db
from bookingsite.models import Booking

ROOMS = "/venues/spreeblick-rooms/meeting-room-1h"
MASSAGE = "/venues/lumiere-spa/swedish-massage"
COURT = "/venues/riverside-tennis/court"
KIT = "/venues/harbour-rentals/camera-kit"
VAN = "/venues/harbour-rentals/van"
STUDIO = "/venues/spreeblick-rooms/workspace-by-the-hour"

pytestmark = pytest.mark.usefixtures("demo_venues")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def slot_starts(html: str) -> list[str]:
    return re.findall(r'<button class="slot" name="start" value="([^"]+)"', html)


def hold_error(html: str) -> str:
    """The message the grid shows above itself after a refused hold."""
    return re.search(r'id="hold-error">(.*?)</div>', html, re.S).group(1)


def fresh_visitor(app: Flask) -> FlaskClient:
    """Another visitor: a client with no cookies (its own session, its own hold). The
    tests run inside one app context, where Flask-WTF keeps the last CSRF token in `g`;
    a new visitor must get a token of its own."""
    g.pop("csrf_token", None)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def rental_run(client, url: str, start_day: str, last_day: str, prefix: str = "") -> tuple:
    """A rental picked in the range picker (pick-up day, then return day): the page, and
    the start and end its "Reserve these days" form posts."""
    html = client.get(f"{prefix}{url}?start_day={start_day}&end_day={last_day}").get_data(
        as_text=True
    )
    choice = html.split('class="choice"')[1]
    start = re.search(r'name="start" value="([^"]+)"', choice).group(1)
    end = re.search(rf'name="end" value="([^"]+)" data-last-day="{last_day}"', choice).group(1)
    return html, start, end


def hold(client, url: str, **fields):
    page = client.get(url + "?date=" + fields.pop("date", "2026-03-02")).get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "guests": 1} | fields
    return client.post(url + "/hold", data=data)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?capacity=10",
        "/?floor=2",
        "/venues/spreeblick-rooms",
        "/venues/lumiere-spa",
        "/venues/riverside-tennis",
        "/venues/harbour-rentals",
        ROOMS,
        MASSAGE,
        COURT,
        KIT,
        VAN,
        STUDIO,
        f"{STUDIO}?start=2026-03-02T09:00:00Z",
        f"{KIT}?start_day=2026-03-03",
        f"{VAN}?start_day=2026-03-03",
        f"{ROOMS}?view=day&date=2026-03-02",
    ],
)
def test_every_page_renders(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"<html" in response.data


@pytest.mark.parametrize("url", [ROOMS, MASSAGE, KIT, f"{STUDIO}?start=2026-03-02T09:00:00Z"])
def test_htmx_gets_the_panel_alone(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert b'id="booking-panel"' in response.data
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_full_page(client):
    response = client.get(
        ROOMS, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in response.data


def test_capacity_filter_keeps_only_venues_with_a_large_room(client):
    html = client.get("/?capacity=10").get_data(as_text=True)
    assert "Spreeblick Meeting Rooms" in html
    assert "Riverside Tennis Club" not in html


def test_venue_page_shows_local_opening_hours(client):
    html = client.get("/venues/riverside-tennis").get_data(as_text=True)
    assert "7:00\u202fAM–10:00\u202fPM" in html


def test_seed_000_grid_in_berlin_time(client):
    # Room Alster is blocked 09:00–10:00 Berlin on 2 March; the grid shows both rooms
    # (any free one), on the 75-minute grid from midnight.
    html = client.get(f"{ROOMS}?view=day&date=2026-03-02&resource=1").get_data(as_text=True)
    starts = slot_starts(html)
    assert "2026-03-02T09:00:00Z" in starts  # 10:00 Berlin
    assert "2026-03-02T07:45:00Z" not in starts  # 08:45 would run into the block
    assert "Central European Time · Berlin" in html


def test_hold_redirects_to_checkout_and_confirm_books(client):
    response = hold(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    assert response.status_code == 303
    checkout = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-seconds-left="600"' in checkout
    token = response.headers["Location"].rsplit("/", 1)[1]
    confirmed = client.post(
        f"/checkout/{token}",
        data={
            "csrf_token": csrf_of(checkout),
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+49 30 1234567",
            "guests": 1,
        },
    )
    assert confirmed.status_code == 303
    page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    booking = db.session.scalar(sa.select(Booking))
    assert booking.is_confirmed and booking.reference in page
    ics = client.get(f"/bookings/{token}/calendar.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert b"DTSTART:20260302T090000Z" in ics.data


def test_htmx_hold_redirects_with_a_header(client):
    page = client.get(ROOMS).get_data(as_text=True)
    response = client.post(
        f"{ROOMS}/hold",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_of(page), "start": "2026-03-02T09:00:00Z", "guests": 1},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/checkout/")


def test_hold_without_csrf_is_refused(client):
    response = client.post(f"{ROOMS}/hold", data={"start": "2026-03-02T09:00:00Z"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_form_without_csrf_token_is_rejected_with_400(client):
    response = client.post("/language", data={"lang": "fr"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "fields", "message"),
    [
        (ROOMS, {"start": "2026-03-02T09:05:00Z"}, "not a start time offered"),
        (ROOMS, {"start": "2026-03-02T07:45:00Z", "resource": 1}, "blocked by the venue"),
        (MASSAGE, {"start": "2026-03-03T09:00:00Z", "guests": 3}, "too many guests"),
        (ROOMS, {"start": "2027-06-01T08:00:00Z"}, "too far ahead"),
        (
            ROOMS,
            {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:45:00Z"},
            "No option of this service has that duration",
        ),
        (
            STUDIO,
            {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T18:00:00Z"},
            "Choose between 60 and 480 minutes",
        ),
        (ROOMS, {"start": "not-a-time"}, "Please choose a time"),
        (KIT, {"start": "2026-03-03T23:00:00Z", "end": "2026-03-04T08:00:00Z"}, "closed"),
    ],
    ids=[
        "off-grid",
        "blocked",
        "over-capacity",
        "beyond-horizon",
        "wrong-duration",
        "over-max-range",
        "garbage-start",
        "daily-not-a-day",
    ],
)
def test_tampered_holds_are_refused_with_the_reason(client, url, fields, message):
    response = hold(client, url, **fields)
    assert response.status_code in (409, 422)
    assert message in hold_error(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_too_soon_is_refused(client, clock):
    clock.set(clock.now().replace(day=2, hour=8))  # 09:00 in Paris; lead time is 2 h
    response = hold(client, MASSAGE, start="2026-03-02T09:00:00Z")
    assert response.status_code == 422
    assert "too soon to book" in hold_error(response.get_data(as_text=True))


def test_taken_slot_shows_a_friendly_message_and_alternatives(app, client):
    assert hold(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1).status_code == 303
    response = hold(fresh_visitor(app), ROOMS, start="2026-03-02T09:00:00Z", resource=1)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "someone else has just taken this time" in hold_error(html)
    assert "Other times that are still free" in hold_error(html)
    assert 'id="booking-panel"' in html


def test_checkout_validates_inline(client):
    response = hold(client, ROOMS, start="2026-03-02T09:00:00Z")
    checkout_url = response.headers["Location"]
    page = client.get(checkout_url).get_data(as_text=True)
    invalid = client.post(
        checkout_url, data={"csrf_token": csrf_of(page), "name": "", "email": "nope", "guests": 0}
    )
    assert invalid.status_code == 422
    html = invalid.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Invalid email address" in html
    assert db.session.scalar(sa.select(Booking)).is_hold


def test_expired_hold_says_so_and_links_back(client, clock):
    response = hold(client, ROOMS, start="2026-03-02T09:00:00Z")
    clock.advance(timedelta(minutes=11))
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Your hold has expired" in html
    assert "Choose a time again" in html


def test_cancel_through_the_manage_link(client):
    response = hold(client, ROOMS, start="2026-03-02T09:00:00Z")
    token = response.headers["Location"].rsplit("/", 1)[1]
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    cancelled = client.post(f"/bookings/{token}/cancel", data={"csrf_token": csrf_of(manage)})
    assert cancelled.status_code == 303
    assert db.session.scalar(sa.select(Booking)).is_cancelled
    assert hold(client, ROOMS, start="2026-03-02T09:00:00Z").status_code == 303


@pytest.mark.parametrize(
    "url",
    [
        "/checkout/nope",
        "/bookings/nope",
        "/bookings/nope/calendar.ics",
        "/venues/nope",
        "/venues/spreeblick-rooms/nope",
    ],
)
def test_unknown_references_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "date=foo",
        "date=2026-02-30",
        "guests=-1",
        "guests=abc",
        "guests=99999999999999999999",
        "variant=abc",
        "variant=999",
        "resource=xyz",
        "resource=999",
        "view=month",
        "start=garbage",
        "start=2026-03-02T09:00:00",
        "start_day=yesterday",
        "date=9999-12-31",
        "date=0001-01-01",
        "capacity=abc",
        "lang=xx",
        "date=2026-03-02&view=day&guests=0",
    ],
)
@pytest.mark.parametrize("base", [ROOMS, STUDIO, KIT, "/"])
def test_no_500_on_malformed_query_strings(client, base, query):
    response = client.get(f"{base}?{query}")
    assert response.status_code in (200, 404)


def test_daily_rental_offers_end_days_and_books_linked_days(client):
    page = client.get(f"{KIT}?start_day=2026-03-03").get_data(as_text=True)
    returns = re.findall(r'data-last-day="([^"]+)">', page)
    assert returns == ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"]
    page, start, end = rental_run(client, KIT, "2026-03-03", "2026-03-05")
    assert "Pick up Tue, Mar 3 from 9:00\u202fAM · return Thu, Mar 5 by 6:00\u202fPM" in page
    response = client.post(
        f"{KIT}/hold", data={"csrf_token": csrf_of(page), "start": start, "end": end, "guests": 1}
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 3
    checkout = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A$270.00" in checkout  # 3 days at A$90
    # One pick-up and one return, spelled out, rather than three 9-to-6 lines.
    assert "Pick up Tue, Mar 3 from 9:00\u202fAM · return Thu, Mar 5 by 6:00\u202fPM" in checkout
    assert 'name="guests"' in checkout and 'type="hidden" name="guests"' in checkout


def test_language_switch_and_accept_language(client):
    html = client.get(ROOMS, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr"' in html
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_of(page), "lang": "de", "next": "/"})
    assert 'lang="de"' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    page = client.get("/").get_data(as_text=True)
    response = client.post(
        "/language", data={"csrf_token": csrf_of(page), "lang": "de", "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "2026-03-02T09:00:00Z", "guests": "abc"},
        {"start": "2026-03-02T09:00:00Z", "guests": "0"},
        {"start": "2026-03-02T09:00:00Z", "guests": str(10**30)},
        {"start": "2026-03-02T09:00:00Z", "variant": "abc"},
        {"start": "2026-03-02T09:00:00Z", "variant": "999"},
        {"start": "2026-03-02T09:00:00Z", "resource": "abc"},
        {"start": "2026-03-02T09:00:00Z", "resource": "999"},
        {"start": ""},
        {"start": "2026-03-02T09:00:00+14:00"},
        {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T08:00:00Z"},
        {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:00:00Z"},
        {"start": "0001-01-01T00:00:00Z"},
        {"start": "9999-12-31T23:59:00Z"},
        {"start": "2026-03-02T09:00:00Z", "end": "9999-12-31T23:59:00Z"},
    ],
    ids=[
        "guests-text",
        "guests-zero",
        "guests-huge",
        "variant-text",
        "variant-unknown",
        "resource-text",
        "resource-unknown",
        "start-empty",
        "start-offset",
        "end-before",
        "end-equal",
        "start-year-1",
        "start-year-9999",
        "end-year-9999",
    ],
)
@pytest.mark.parametrize("url", [ROOMS, STUDIO, KIT])
def test_no_500_on_malformed_holds(client, url, fields):
    response = hold(client, url, **fields)
    assert response.status_code in (303, 409, 422)
    if response.status_code != 303:
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0
