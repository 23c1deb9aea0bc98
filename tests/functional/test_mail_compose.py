"""The e-mails about a booking, composed on both databases: language, the venue's time
with its zone named, links, price, and the calendar attachment read back.

The app fixture is an app context with no request, like a job or the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from flask import has_request_context
from icalendar import Calendar
from jinja2.ext import babel_extract

from bookingsite.booking.calendar import booking_ics
from bookingsite.booking.service import group_of
from bookingsite.extensions import db
from bookingsite.mail import compose
from bookingsite.models import Booking, BookingStatus, DurationMode, MessageKind, Occupancy
from tests.conftest import DEFAULT_NOW as NOW
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# 10:00-11:00 in Berlin (CET), a Tuesday.
START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
BEFORE = (START - DAY, START - DAY + HOUR)


def book(service, start: datetime, *, length: timedelta = HOUR, **fields) -> Booking:
    """A confirmed booking row written directly (any time, any field), with the terms
    kept from its service as a hold keeps them."""
    variant = service.variants[0] if service.variants else None
    fields = {
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "customer_phone": "+49 30 123456",
        "locale": "en",
        "variant": variant,
        "service_name": service.name,
        "option_name": variant.name if variant else "",
        "price_cents": variant.price_cents if variant else None,
        "currency": service.venue.currency,
    } | fields
    booking = Booking(
        venue_id=service.venue_id,
        service=service,
        status=BookingStatus.CONFIRMED,
        start_at=start,
        end_at=start + length,
        created_at=NOW,
        occupancies=[
            Occupancy(resource_id=r.id, start_at=start, end_at=start + length)
            for r in service.resources
        ],
        **fields,
    )
    db.session.add(booking)
    db.session.commit()
    return booking


@pytest.fixture
def venue(app):
    return make_venue(
        name="Haus am See",
        city="Berlin",
        timezone="Europe/Berlin",
        notification_email="desk@haus.example",
    )


@pytest.fixture
def room(venue):
    service = make_service([make_resource(venue)], name="Meeting room")
    service.variants[0].price_cents = 2550
    db.session.commit()
    return service


def plain(text: str) -> str:
    """Babel separates with no-break spaces (10:00 AM, 25,50 €); compare with spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def parsed(draft: compose.Draft) -> Calendar:
    assert draft.calendar is not None
    return Calendar.from_ical(draft.calendar)


# The words the catalogs translate already; the date, time and price are Babel's.
LANGUAGES = {
    "en": {
        "short": "Tue, Mar 3, 10:00 AM",
        "day": "Tuesday, March 3, 2026",
        "span": "Tuesday, March 3, 2026, 10:00 AM – 11:00 AM",
        "before": "Monday, March 2, 2026, 10:00 AM – 11:00 AM",
        "price": "€25.50",
        "when": "When",
        "zone": "Times in Europe/Berlin",
    },
    "fr": {
        "short": "mar. 3 mars, 10:00",
        "day": "mardi 3 mars 2026",
        "span": "mardi 3 mars 2026, 10:00 – 11:00",
        "before": "lundi 2 mars 2026, 10:00 – 11:00",
        "price": "25,50 €",
        "when": "Quand",
        "zone": "Heures indiquées en Europe/Berlin",
    },
    "de": {
        "short": "Di., 3. März, 10:00",
        "day": "Dienstag, 3. März 2026",
        "span": "Dienstag, 3. März 2026, 10:00 – 11:00",
        "before": "Montag, 2. März 2026, 10:00 – 11:00",
        "price": "25,50 €",
        "when": "Wann",
        "zone": "Zeiten in Europe/Berlin",
    },
}

CUSTOMER_KINDS = [
    pytest.param(MessageKind.BOOKING_CONFIRMED, "REQUEST", 0, id="confirmed"),
    pytest.param(MessageKind.BOOKING_CANCELLED, "CANCEL", 1, id="cancelled"),
    pytest.param(MessageKind.BOOKING_MOVED, "REQUEST", 2, id="moved"),
]


@pytest.mark.parametrize("locale", list(LANGUAGES))
@pytest.mark.parametrize(("kind", "method", "sequence"), CUSTOMER_KINDS)
def test_the_customer_reads_the_booking_in_its_language(room, locale, kind, method, sequence):
    words = LANGUAGES[locale]
    booking = book(room, START, locale=locale, calendar_sequence=sequence)
    if kind == MessageKind.BOOKING_CANCELLED:
        booking.status = BookingStatus.CANCELLED
        db.session.commit()
    previous = BEFORE if kind == MessageKind.BOOKING_MOVED else None
    assert not has_request_context()

    draft = compose.for_customer(kind, [booking], NOW, previous=previous)

    assert draft is not None
    assert (draft.kind, draft.recipient, draft.locale) == (kind, "ada@example.com", locale)
    assert plain(draft.subject).endswith(f"Meeting room, {words['short']}")
    manage = f"http://localhost/bookings/{booking.manage_token}"
    for body in (plain(draft.body_text), plain(draft.body_html)):
        assert words["span"] in body
        assert words["zone"] in body
        assert words["when"] in body
        assert words["price"] in body
        assert booking.reference in body
        assert "Haus am See, Berlin" in body
        assert manage in body
        assert (words["before"] in body) == (kind == MessageKind.BOOKING_MOVED)
    calendar = parsed(draft)
    assert str(calendar["METHOD"]) == method
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{booking.reference}-{booking.id}@bookingsite"
    assert event["SEQUENCE"] == sequence
    assert event.decoded("DTSTART") == booking.start_at
    assert event.decoded("DTEND") == booking.end_at
    assert str(event["ORGANIZER"]) == "mailto:bookings@localhost"
    assert str(event["ATTENDEE"]) == "mailto:ada@example.com"
    assert event["ATTENDEE"].params["CN"] == "Ada Lovelace"
    assert (event.get("STATUS") == "CANCELLED") == (method == "CANCEL")


def test_english_subjects_say_what_happened(room):
    booking = book(room, START)
    subjects = {
        kind: plain(compose.for_customer(kind, [booking], NOW, previous=BEFORE).subject)
        for kind in compose.CUSTOMER_KINDS
    }
    assert subjects == {
        MessageKind.BOOKING_CONFIRMED: "Booking confirmed: Meeting room, Tue, Mar 3, 10:00 AM",
        MessageKind.BOOKING_CANCELLED: "Booking cancelled: Meeting room, Tue, Mar 3, 10:00 AM",
        MessageKind.BOOKING_MOVED: "New time for your booking: Meeting room, Tue, Mar 3, 10:00 AM",
        MessageKind.REMINDER: "Reminder: Meeting room, Tue, Mar 3, 10:00 AM",
    }


def test_times_are_the_venues_wall_clock_not_utc(app):
    venue = make_venue(timezone="America/New_York")
    service = make_service([make_resource(venue)], name="Court")
    # 03:00 UTC on Tuesday is 22:00 on Monday in New York.
    booking = book(service, datetime(2026, 3, 3, 3, 0, tzinfo=UTC))
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)
    text = plain(draft.body_text)
    assert "Monday, March 2, 2026, 10:00 PM – 11:00 PM" in text
    assert "Times in America/New_York" in text
    assert plain(draft.subject).endswith("Mon, Mar 2, 10:00 PM")


def test_a_group_of_linked_days_is_one_message_with_an_event_per_day(app, venue):
    service = make_service(
        [make_resource(venue)],
        name="Boat",
        duration_mode=DurationMode.DAILY,
        min_days=1,
        max_days=7,
        unit_price_cents=10000,
    )
    group_id = Booking.new_group_id()
    days = [
        book(service, START + n * DAY, length=8 * HOUR, group_id=group_id, price_cents=10000)
        for n in range(3)
    ]

    group = group_of(days[1])
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, group, NOW)

    events = parsed(draft).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{b.reference}-{b.id}@bookingsite" for b in days]
    assert [e.decoded("DTSTART") for e in events] == [b.start_at for b in days]
    text = plain(draft.body_text)
    for day in ("Tuesday, March 3", "Wednesday, March 4", "Thursday, March 5"):
        assert f"{day}, 2026, 10:00 AM – 6:00 PM" in text
    assert "€300.00" in text
    assert plain(draft.subject) == "Booking confirmed: Boat, Tue, Mar 3 – Thu, Mar 5"
    assert f"/bookings/{days[0].manage_token}" in text


def test_the_kept_terms_are_told_not_the_services_current_ones(room):
    booking = book(room, START)
    room.name, room.variants[0].price_cents = "Renamed room", 9900
    db.session.commit()
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)
    assert "Meeting room" in draft.subject
    assert "€25.50" in draft.body_text and "Renamed" not in draft.body_text
    assert "SUMMARY:Meeting room" in draft.calendar


def test_an_unpriced_booking_says_no_price(room):
    booking = book(room, START, price_cents=None)
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)
    assert "Price" not in draft.body_text and "Price" not in draft.body_html


def test_the_customer_is_told_how_to_reach_the_venue(room, venue):
    venue.contact_email, venue.contact_phone = "hello@haus.example", "+49 30 999"
    db.session.commit()
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [book(room, START)], NOW)
    for body in (draft.body_text, draft.body_html):
        assert "hello@haus.example" in body and "+49 30 999" in body


def test_no_address_no_message(room, venue):
    booking = book(room, START, customer_email="")
    assert compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW) is None
    venue.notification_email = ""
    db.session.commit()
    assert compose.for_venue(MessageKind.VENUE_NEW, [booking], NOW) is None


@pytest.mark.parametrize("kind", sorted(compose.VENUE_KINDS))
def test_the_venue_is_told_in_its_own_language(room, venue, kind):
    venue.default_locale = "de"
    db.session.commit()
    booking = book(room, START, locale="fr", notes="Beamer bitte <b>bereit</b>")
    draft = compose.for_venue(kind, [booking], NOW, previous=BEFORE)

    assert (draft.recipient, draft.locale, draft.calendar) == ("desk@haus.example", "de", None)
    assert booking.reference in draft.subject
    assert "Di., 3. März" in draft.subject
    admin_link = f"http://localhost/admin/venues/{venue.id}/bookings/{booking.id}"
    for body in (plain(draft.body_text), plain(draft.body_html)):
        assert "Dienstag, 3. März 2026, 10:00 – 11:00" in body
        assert "Ada Lovelace" in body
        assert "ada@example.com" in body
        assert "+49 30 123456" in body
        assert "Gäste" in body
        assert admin_link in body
        assert ("Montag, 2. März 2026" in body) == (kind == MessageKind.VENUE_MOVED)
    assert "Beamer bitte <b>bereit</b>" in draft.body_text
    assert "Beamer bitte &lt;b&gt;bereit&lt;/b&gt;" in draft.body_html
    if kind == MessageKind.VENUE_CANCELLED:  # a sentence the catalogs know already
        assert f"Die Buchung {booking.reference} wurde storniert." in draft.body_text


def test_html_escapes_and_text_keeps_what_people_typed(room):
    booking = book(room, START, customer_name='<script>alert("x")</script> & Co')
    draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)
    assert "<script>" not in draft.body_html
    assert "&lt;script&gt;" in draft.body_html
    assert '<script>alert("x")</script> & Co' in draft.body_text


def test_text_lines_are_wrapped_but_links_stay_whole(room, venue):
    booking = book(room, START, notes="Please have the projector ready. " * 10)
    text = compose.for_venue(MessageKind.VENUE_NEW, [booking], NOW).body_text
    for line in text.splitlines():
        assert len(line) <= compose.TEXT_WIDTH or " " not in line.strip()
    assert f"http://localhost/admin/venues/{venue.id}/bookings/{booking.id}" in text.split()


def test_a_subject_is_one_line(app):
    service = make_service(name="Room\r\nBcc: someone@example.com")
    booking = book(service, START)
    subject = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW).subject
    assert "\n" not in subject and "\r" not in subject


def test_an_unknown_language_falls_back_to_the_default(room):
    booking = book(room, START, locale="xx")
    assert compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW).locale == "en"


def test_kinds_go_to_their_audience(room):
    booking = book(room, START)
    with pytest.raises(ValueError):
        compose.for_customer(MessageKind.VENUE_NEW, [booking], NOW)
    with pytest.raises(ValueError):
        compose.for_venue(MessageKind.BOOKING_CONFIRMED, [booking], NOW)


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        pytest.param("https://book.example.com", "https://book.example.com/bookings/T", id="host"),
        pytest.param("https://example.com/book/", "https://example.com/book/bookings/T", id="path"),
        pytest.param("book.example.com", "https://book.example.com/bookings/T", id="bare-host"),
        pytest.param("", "http://localhost/bookings/T", id="fallback"),
    ],
)
def test_links_outside_a_request(app, monkeypatch, public_url, expected):
    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url)
    assert not has_request_context()
    assert compose.absolute_url("public.manage", token="T") == expected


def test_links_in_a_request_take_its_address_unless_public_url_is_set(app, monkeypatch):
    with app.test_request_context("/", base_url="https://site.example:8443"):
        assert compose.absolute_url("public.manage", token="T") == (
            "https://site.example:8443/bookings/T"
        )
        monkeypatch.setitem(app.config, "PUBLIC_URL", "https://book.example.com")
        assert compose.absolute_url("public.manage", token="T") == (
            "https://book.example.com/bookings/T"
        )


@pytest.mark.parametrize("public_url", ["", "https://book.example.com"])
def test_a_message_composed_in_a_request(room, app, monkeypatch, public_url):
    """The booking service composes in the request that confirms: that works as well."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url)
    booking = book(room, START, locale="de")
    with app.test_request_context("/", base_url="https://site.example"):
        draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)
    base = public_url or "https://site.example"
    assert f"{base}/bookings/{booking.manage_token}" in draft.body_text
    assert "Dienstag, 3. März 2026" in plain(draft.body_text)


def test_the_download_stays_a_publication(room):
    booking = book(room, START, calendar_sequence=3)
    calendar = Calendar.from_ical(booking_ics([booking], NOW))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event["SEQUENCE"] == 3
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    with pytest.raises(ValueError):
        booking_ics([booking], NOW, method="REPLY")  # type: ignore[arg-type]


def test_the_organizer_is_the_configured_sender(room, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SENDER", "Haus am See <hello@haus.example>")
    booking = book(room, START, customer_name="")
    [event] = parsed(compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], NOW)).walk(
        "VEVENT"
    )
    assert str(event["ORGANIZER"]) == "mailto:hello@haus.example"
    assert event["ORGANIZER"].params["CN"] == "Haus am See"
    assert "CN" not in event["ATTENDEE"].params


def _messages(paths: list[Path]) -> set[str]:
    found = set()
    for path in paths:
        with path.open("rb") as handle:
            for _line, _function, message, _comments in babel_extract(
                handle, DEFAULT_KEYWORDS, [], {}
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_text_parts_say_nothing_the_catalogs_would_miss():
    """The catalogs are extracted from templates/**.html: each sentence of a .txt part
    is also in an .html part, so it is extracted (and translated) there."""
    folder = Path(__file__).resolve().parents[2] / "templates" / "mail"
    text = _messages(sorted(folder.glob("*.txt")))
    assert text
    assert text <= _messages(sorted(folder.glob("*.html")))
