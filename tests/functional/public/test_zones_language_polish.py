"""Issue 13's trust and polish points through the test client: the visitor's time-zone
cookie, zone names, the language rule, past and closing days, the favicon, prices, and
the wording of daily rentals."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import tzdata
from flask import Flask

from bookingsite.extensions import db
from bookingsite.i18n import local_datetime
from bookingsite.models import Venue
from tests.functional.public.test_pages import rental_run

ROOMS = "/venues/spreeblick-rooms/meeting-room-1h"
KIT = "/venues/harbour-rentals/camera-kit"
VAN = "/venues/harbour-rentals/van"
BERLIN_DAY = f"{ROOMS}?date=2026-03-02&view=day"

pytestmark = pytest.mark.usefixtures("demo_venues")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def page(client, url: str, *, zone_cookie: str | None = None) -> str:
    if zone_cookie is not None:
        client.set_cookie("visitor_tz", zone_cookie)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def words(text: str) -> str:
    """Text as axe compares it: punctuation dropped, any run of spaces one space."""
    return " ".join(re.sub(r"[^\w:]", " ", text).split())


def slot_buttons(html: str) -> list[str]:
    return re.findall(r'<button class="slot" name="start".*?</button>', html, re.S)


# The visitor's zone cookie ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    ["America%2FNew_York", "America/New_York"],
    ids=["url-encoded-as-site-js-writes-it", "plain"],
)
def test_the_visitors_zone_cookie_adds_their_time(client, cookie):
    html = page(client, BERLIN_DAY, zone_cookie=cookie)
    assert "Your time zone, Eastern Time · New York, differs from the venue's." in html
    # 10:00 in Berlin on 2 March is 04:00 in New York.
    ten = next(b for b in slot_buttons(html) if 'value="2026-03-02T09:00:00Z"' in b)
    assert "10:00\u202fAM" in ten and "4:00\u202fAM your time" in ten


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "Not/AZone",
        "..%2F..%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "%E0%A4%A",  # a broken escape
        "Europe%2FBerlin",  # the venue's own zone: nothing to add
        "America/New_York\x00",
        "x" * 300,
    ],
    ids=["empty", "unknown", "encoded-path", "path", "bad-escape", "venues-own", "nul", "long"],
)
def test_junk_or_the_venues_own_zone_adds_nothing(client, cookie):
    html = page(client, BERLIN_DAY, zone_cookie=cookie)
    assert "your time" not in html
    assert 'id="zone-differs"' not in html
    assert "Times in Central European Time · Berlin" in html


def test_each_slots_spoken_name_holds_every_time_it_shows(client):
    """axe's label-content-name-mismatch: the aria-label must contain the visible text."""
    html = page(client, BERLIN_DAY, zone_cookie="America%2FNew_York")
    buttons = slot_buttons(html)
    assert buttons
    for button in buttons:
        label = re.search(r'aria-label="([^"]+)"', button).group(1)
        visible = re.sub(r"<[^>]+>", "", button.split(">", 1)[1])
        assert "(" not in label  # axe ignores words in parentheses
        assert words(visible) in words(label), button


def test_a_second_line_on_another_date_names_its_weekday(client):
    # 8 AM in New York on Monday 2 March is midnight on Tuesday in Sydney.
    court = "/venues/riverside-tennis/court?date=2026-03-02"
    html = page(client, court, zone_cookie="Australia%2FSydney")
    eight = next(b for b in slot_buttons(html) if 'value="2026-03-02T13:00:00Z"' in b)
    assert "12:00\u202fAM Tue your time" in eight


def test_zone_names_follow_the_visitors_language(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = page(client, BERLIN_DAY, zone_cookie="America%2FNew_York")
    assert "heure d’Europe centrale · Berlin" in html
    assert "heure de l’Est nord-américain · New York" in html
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert "Mitteleuropäische Zeit · Berlin" in page(client, "/venues/spreeblick-rooms")


def test_admin_datetimes_name_the_venues_zone(app: Flask):
    nine_in_berlin = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = local_datetime(nine_in_berlin, "Europe/Berlin", "full")
    assert "9:00:00\u202fAM Central European Standard Time" in text
    assert "Coordinated Universal Time" not in text


# The language rule, on every page -----------------------------------------------------------

PAGES = {"home": "/", "berlin venue": "/venues/spreeblick-rooms", "berlin service": ROOMS}


@pytest.mark.parametrize(
    ("accept_language", "chosen", "expected"),
    [
        ("en-US,en;q=0.9", None, {"home": "en", "berlin venue": "en", "berlin service": "en"}),
        ("fr-CH, fr;q=0.9", None, {"home": "fr", "berlin venue": "fr", "berlin service": "fr"}),
        ("de-AT", None, {"home": "de", "berlin venue": "de", "berlin service": "de"}),
        ("es, fr;q=0.5", None, {"home": "fr", "berlin venue": "fr", "berlin service": "fr"}),
        # Nothing we speak, or nothing stated: the venue's own language, else the site's.
        ("es", None, {"home": "en", "berlin venue": "de", "berlin service": "de"}),
        (None, None, {"home": "en", "berlin venue": "de", "berlin service": "de"}),
        ("*", None, {"home": "en", "berlin venue": "de", "berlin service": "de"}),
        ("en;q=0", None, {"home": "en", "berlin venue": "de", "berlin service": "de"}),
        # The visitor's own choice beats everything.
        ("de", "fr", {"home": "fr", "berlin venue": "fr", "berlin service": "fr"}),
        (None, "en", {"home": "en", "berlin venue": "en", "berlin service": "en"}),
    ],
    ids=[
        "english",
        "swiss-french",
        "austrian-german",
        "first-spoken",
        "unspoken",
        "none-stated",
        "wildcard",
        "refused",
        "choice-over-browser",
        "choice-over-venue",
    ],
)
def test_language_negotiation(app: Flask, accept_language, chosen, expected):
    visitor = app.test_client()
    if accept_language is not None:
        visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    if chosen is not None:
        home = visitor.get("/").get_data(as_text=True)
        visitor.post("/language", data={"csrf_token": csrf_of(home), "lang": chosen})
    shown = {
        name: re.search(r'<html lang="([^"]+)"', visitor.get(url).get_data(as_text=True)).group(1)
        for name, url in PAGES.items()
    }
    assert shown == expected


# Polish -------------------------------------------------------------------------------------


def test_past_days_say_past(client):
    # The clock is frozen at 1 March 2026 00:00Z, a Sunday: the week from Friday 27 Feb.
    html = page(client, f"{ROOMS}?date=2026-02-27&view=week")
    reasons = re.findall(r'<p class="muted reason">([^<]*)</p>', html)
    assert reasons[:2] == ["past", "past"]
    assert "too soon to book" not in html


def test_past_days_of_a_rental_say_past(client):
    html = page(client, f"{KIT}?date=2026-02-27&view=week")
    assert re.findall(r'<p class="muted reason">([^<]*)</p>', html)[:2] == ["past", "past"]
    month = page(client, f"{KIT}?month=2026-02")
    assert re.findall(
        r'<li class="past"><a[^>]*data-day="2026-02-2[78]"[^>]*>.*?<i>(\w+)</i>', month
    ) == [
        "past",
        "past",
    ]


def test_the_venue_page_lists_closing_days(client, demo_venues):
    rooms: Venue = demo_venues["spreeblick-rooms"]
    places = [r for r in rooms.resources if not r.is_staff]
    for place in places:
        place.hour_exceptions = {"2026-04-03": [], "2026-12-25": []}
    places[0].hour_exceptions |= {"2026-03-10": [], "2026-03-11": [["09:00", "13:00"]]}
    places[0].hour_exceptions |= {"2026-02-20": []}  # already past
    db.session.commit()
    html = page(client, "/venues/spreeblick-rooms")
    section = html.split('id="closing-title"')[1].split("</section>")[0]
    assert "Tuesday, March 10, 2026: closed: Room Alster" in section
    assert "Friday, April 3, 2026: the whole venue is closed" in section
    assert "March 11" not in section  # shorter hours, not closed
    assert "February 20" not in section  # past
    assert "December 25" not in section  # beyond the coming weeks


def test_no_closing_days_no_section(client):
    assert "Closing days" not in page(client, "/venues/spreeblick-rooms")


def test_the_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg")
    assert 'rel="icon"' in page(client, "/")


@pytest.mark.parametrize(
    ("language", "price"),
    [("en", "A$90.00"), ("fr", "90,00\xa0$AU"), ("de", "90,00\xa0AU$")],
)
def test_prices_carry_the_currency_in_the_visitors_locale(client, language, price):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert price in page(client, "/venues/harbour-rentals")


def test_healthz_names_the_zone_rules_in_use(client):
    assert client.get("/healthz").get_json()["tzdata"] == tzdata.IANA_VERSION


# Daily rentals, in words ----------------------------------------------------------------------


def test_an_around_the_clock_rental_is_spelled_out(client):
    html = page(client, f"{VAN}?start_day=2026-03-03")
    assert "12:00\u202fAM–12:00\u202fAM" not in html
    assert '<h2 id="range-title" class="rental-start">From 12:00\u202fAM Tue, Mar 3</h2>' in html
    two_days = re.search(r'data-last-day="2026-03-04">(.*?)</a>', html).group(1)
    assert "2 days · to 12:00\u202fAM Thu, Mar 5 · A$300.00" in two_days
    html, start, end = rental_run(client, VAN, "2026-03-03", "2026-03-04")
    assert "From 12:00\u202fAM Tue, Mar 3 to 12:00\u202fAM Thu, Mar 5, 2 days" in html
    held = client.post(
        f"{VAN}/hold", data={"csrf_token": csrf_of(html), "start": start, "end": end}
    )
    checkout = page(client, held.headers["Location"])
    assert "From 12:00\u202fAM Tue, Mar 3 to 12:00\u202fAM Thu, Mar 5, 2 days" in checkout


def test_a_rental_with_hours_says_pick_up_and_return(client):
    html = page(client, f"{KIT}?start_day=2026-03-03")
    assert (
        '<h2 id="range-title" class="rental-start">Pick up Tue, Mar 3 from 9:00\u202fAM</h2>'
        in html
    )
    three_days = re.search(r'data-last-day="2026-03-05">(.*?)</a>', html).group(1)
    assert "3 days · return by 6:00\u202fPM · A$270.00" in three_days
    html = rental_run(client, KIT, "2026-03-03", "2026-03-05")[0]
    assert "Pick up Tue, Mar 3 from 9:00\u202fAM · return Thu, Mar 5 by 6:00\u202fPM" in html
    assert "3 days · <strong>A$270.00</strong>" in html


@pytest.mark.parametrize(
    ("url", "asked"),
    [(KIT, False), (VAN, True), (ROOMS, True)],
    ids=["kits-of-one", "van-of-three-seats", "rooms"],
)
def test_guests_asked_only_where_they_can_matter(client, url, asked):
    html = page(client, f"{url}?date=2026-03-02")
    assert ('<label for="guests">' in html) is asked


def test_guests_not_asked_at_checkout_for_places_of_one(client):
    html, start, end = rental_run(client, KIT, "2026-03-03", "2026-03-03")
    held = client.post(
        f"{KIT}/hold", data={"csrf_token": csrf_of(html), "start": start, "end": end}
    )
    checkout = page(client, held.headers["Location"])
    assert '<label for="guests">' not in checkout
    assert "<dt>Guests</dt>" not in checkout
    confirmed = client.post(
        held.headers["Location"],
        data={
            "csrf_token": csrf_of(checkout),
            "name": "Ada",
            "email": "ada@example.com",
            "guests": 1,
        },
    )
    assert confirmed.status_code == 303
