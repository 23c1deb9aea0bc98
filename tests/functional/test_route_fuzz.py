"""Every route, fed hostile input, answers without a server error.

The test walks `app.url_map` as the three audiences: a customer and a partner key with
the manage scope, over two demo venues (an hourly and a daily service), and the first
venue's manager, logged in. For every allowed method it sends: zero, negative and huge
ids in each int path argument and id parameter; out-of-range and malformed dates and
instants in each date parameter the views read (the query string on GET, form fields or
the JSON body on writes), one at a time and all at once; malformed zones where a zone is
read (the visitor's cookie, the resource form, API bodies); bodies over
MAX_CONTENT_LENGTH and malformed JSON on writes. It prints the answers per blueprint and
status (run with -s to see them) and fails on any 5xx: the app's catch-all handler turns
an exception into a 500 page, so the status is what tells."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from bookingsite import demo, login_links
from bookingsite.accounts import create_partner, partner_for_key
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import (
    Booking,
    LoginLink,
    LoginLinkPurpose,
    Manager,
    Message,
    MessageKind,
    MessageStatus,
    Venue,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.factories import make_allocation
from tests.functional.api.conftest import new_key

BAD_IDS = (0, -1, 2**63, 2**64, 10**30)
# The demo's owner of every venue: every admin page opens for them.
OWNER = "admin@example.com"
BAD_DAYS = ("0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "someday")
# Bare dates are malformed instants too; the offsets push the edges past datetime's range.
BAD_INSTANTS = (*BAD_DAYS, "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00")
BAD_ZONES = ("Not/AZone", "../../etc/passwd", "")
BAD_TEXT = ("0", "..%2F..%2Fetc%2Fpasswd", "x" * 300)
MALFORMED_JSON = b'{"startTime": "2026-03-03T09:00:00Z", '
WRITES = frozenset({"POST", "PATCH", "PUT"})
# Walked last, so that the other routes still find the booking and the block.
ENDING_WORDS = ("cancel", "delete", "logout")

DAY_NAMES = frozenset(
    {
        "date",
        "date_from",
        "date_to",
        "day",
        "start_date",
        "end_date",
        "repeat_until",
        "start_day",
        "firstDay",
        "lastDay",
        "until",
    }
)
INSTANT_NAMES = frozenset({"start", "end", "from", "to", "startTime", "endTime"})
ID_NAMES = frozenset({"resource", "variant", "venueId", "serviceId", "resourceId"})
DATE_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a date as a JSON key: resource exceptions
PATH_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")

DAY, START, END = "2026-03-03", "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z"
EXCEPTION_DAY = "2026-12-24"


def hostile_values(name: str) -> tuple[Any, ...]:
    if name in DAY_NAMES:
        return BAD_DAYS
    if name in INSTANT_NAMES:
        return BAD_INSTANTS
    if name in ID_NAMES:
        return BAD_IDS
    return BAD_ZONES if name == "timezone" else ()


@dataclass(frozen=True)
class Place:
    """The ids of one demo venue's rows that valid paths, queries and bodies point at."""

    venue_id: int
    venue_slug: str
    resource_id: int
    service_id: int
    service_slug: str
    booking_id: int
    token: str
    allocation_id: int
    message_id: int
    endpoint_id: int
    delivery_id: int
    partner_id: int
    person_id: int
    invitation_id: int
    # Another venue of the organisation: where a staff member may have a shift.
    sibling_venue_id: int = 0

    def path_values(self) -> dict[str, str]:
        return {
            "venue_id": str(self.venue_id),
            "resource_id": str(self.resource_id),
            "service_id": str(self.service_id),
            "booking_id": str(self.booking_id),
            "block_id": str(self.allocation_id),
            "allocation_id": str(self.allocation_id),
            "message_id": str(self.message_id),
            "endpoint_id": str(self.endpoint_id),
            "delivery_id": str(self.delivery_id),
            "partner_id": str(self.partner_id),
            "person_id": str(self.person_id),
            "invitation_id": str(self.invitation_id),
            "at_venue_id": str(self.sibling_venue_id),
            "venue_slug": self.venue_slug,
            "service_slug": self.service_slug,
            "token": self.token,
            "day": EXCEPTION_DAY,
            "filename": "app.css",
        }

    def page_query(self, blueprint: str) -> dict[str, Any]:
        """What the pages read from a query string, valid."""
        if blueprint == "admin":
            return {"date": DAY, "date_from": DAY, "date_to": DAY, "resource": self.resource_id}
        return {"date": DAY, "start_day": DAY, "start": START, "resource": self.resource_id}

    def page_form(self, blueprint: str) -> dict[str, Any]:
        """What the pages' forms read, valid, so that one hostile value at a time gets as
        deep as it can (a form ignores the fields it does not have)."""
        if blueprint == "admin":
            return {
                "day": DAY,
                "at": "10:00",
                "resource": self.resource_id,
                "start_date": DAY,
                "start_time": "10:00",
                "end_date": DAY,
                "end_time": "11:00",
                "repeat_until": "2026-06-01",
                "weekdays": 1,
                "reason": "Fuzz",
                "periods": "09:00-17:00",
                "name": "Fuzz",
                "kind": "room",
                "capacity": 2,
                "timezone": "Europe/Berlin",
                "note": "Fuzz",
                "duration_mode": "fixed",
                "variants-0-duration_minutes": 60,
                "grid_alignment_minutes": 15,
                "buffer_before_minutes": 0,
                "buffer_after_minutes": 0,
                "lead_time_minutes": 0,
                "horizon_days": 90,
            }
        return {
            "start": START,
            "end": END,
            "date": DAY,
            "start_day": DAY,
            "resource": self.resource_id,
            "guests": 1,
            "name": "Fuzz",
            "email": "fuzz@example.com",
            "lang": "en",
        }

    def api_query(self, endpoint: str) -> dict[str, Any]:
        """The API's query models refuse parameters they do not know: one set each."""
        return {
            "api.list_allocations": {
                "resourceId": self.resource_id,
                "from": START,
                "to": END,
                "limit": 10,
            },
            "api.availability": {"serviceId": self.service_id, "from": START, "to": END},
            "api.list_bookings": {"venueId": self.venue_id, "from": START, "to": END, "limit": 10},
            "api.list_resources": {"venueId": self.venue_id, "limit": 10},
            "api.list_services": {"venueId": self.venue_id, "limit": 10},
            "api.list_venues": {"limit": 10},
            "api.list_webhook_endpoints": {"venueId": self.venue_id, "limit": 10},
            "api.list_webhook_deliveries": {"limit": 10},
        }.get(endpoint, {})

    def api_body(self, endpoint: str) -> dict[str, Any]:
        bodies = {
            "api.create_venue": {"name": "Fuzz", "timezone": "Europe/Berlin"},
            "api.create_resource": {
                "venueId": self.venue_id,
                "name": "Fuzz",
                "timezone": "Europe/Berlin",
                "exceptions": {DAY: []},
            },
            "api.patch_venue": {"timezone": "Europe/Berlin", "reminderHours": 24},
            "api.patch_resource": {"timezone": "Europe/Berlin", "exceptions": {DAY: []}},
            "api.create_service": {
                "venueId": self.venue_id,
                "name": "Fuzz",
                "resourceIds": [self.resource_id],
                "variants": [{"durationMinutes": 60}],
            },
            "api.patch_service": {
                "name": "Fuzz",
                "resourceIds": [self.resource_id],
                "variants": [{"durationMinutes": 60}],
                "cancelCutoffHours": 24,
            },
            "api.create_allocation": {
                "resourceId": self.resource_id,
                "startTime": START,
                "endTime": END,
                "recurrence": {"weekdays": ["mon"], "until": "2026-06-01"},
            },
            "api.create_booking": {
                "serviceId": self.service_id,
                "startTime": START,
                "endTime": END,
                "resourceId": self.resource_id,
            },
            "api.confirm_booking": {"customer": {"name": "Fuzz"}},
            "api.cancel_booking": {},
            "api.find_slots": {"startTime": START, "endTime": END},
            "api.end_times": {"startTime": START},
            "api.free_days": {"firstDay": DAY, "lastDay": "2026-03-05"},
            "api.create_webhook_endpoint": {
                "venueId": self.venue_id,
                "url": "https://hooks.example.org/in",
                "eventTypes": ["booking.held"],
            },
            "api.patch_webhook_endpoint": {"eventTypes": ["booking.held"], "enabled": True},
            "api.rotate_webhook_secret": {},
            "api.redeliver_webhook": {},
        }
        if endpoint not in bodies:
            pytest.fail(f"give {endpoint} a valid body in Place.api_body")
        return bodies[endpoint]


def blueprint_of(rule: Rule) -> str:
    return rule.endpoint.partition(".")[0] if "." in rule.endpoint else "app"


def fill(rule: Rule, values: dict[str, str]) -> str:
    return PATH_ARGUMENT.sub(lambda match: values[match.group(2)], rule.rule)


def hostile_paths(rule: Rule, values: dict[str, str]) -> Iterator[str]:
    for converter, name in PATH_ARGUMENT.findall(rule.rule):
        if converter == "int":
            bad: tuple[Any, ...] = BAD_IDS
        else:
            bad = BAD_DAYS if name == "day" else BAD_TEXT
        for value in bad:
            yield fill(rule, values | {name: str(value)})


def one_hostile_value(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Copies of a (JSON-like) payload, each with one value, or one date used as a key,
    replaced by a hostile one."""
    for key, value in payload.items():
        for bad in hostile_values(key):
            yield payload | {key: bad}
        if DATE_KEY.fullmatch(key):
            for bad in BAD_DAYS:
                yield {bad if k == key else k: v for k, v in payload.items()}
        if isinstance(value, dict):
            for inner in one_hostile_value(value):
                yield payload | {key: inner}


def hostile_dates_at_once(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Copies with every top-level date set to the same hostile day: a range that lies
    wholly out of bounds (from and to in the year 9999) passes any ordering check."""
    dates = DAY_NAMES & payload.keys()
    for bad in BAD_DAYS if len(dates) > 1 else ():
        yield payload | dict.fromkeys(dates, bad)


def as_text(payload: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in payload.items()}


def requests_for(rule: Rule, method: str, place: Place, max_body: int) -> Iterator[dict]:
    """Keyword arguments for FlaskClient.open: the hostile requests for one rule and
    method, each differing from a valid request in one respect."""
    values = place.path_values()
    path = fill(rule, values)
    for bad_path in hostile_paths(rule, values):
        yield {"path": bad_path}
    blueprint = blueprint_of(rule)
    write = method in WRITES
    if blueprint == "api":
        payload = place.api_body(rule.endpoint) if write else place.api_query(rule.endpoint)
    elif blueprint in ("admin", "public"):
        payload = place.page_form(blueprint) if write else place.page_query(blueprint)
    else:
        payload = {}
    variants = (payload, *one_hostile_value(payload), *hostile_dates_at_once(payload))
    for variant in variants:
        if not write:
            yield {"path": path, "query_string": as_text(variant)}
        elif blueprint == "api":
            yield {"path": path, "json": variant}
        else:
            yield {"path": path, "data": as_text(variant)}
    if write:
        kind = "application/json" if blueprint == "api" else "application/x-www-form-urlencoded"
        yield {"path": path, "data": b"x" * (max_body + 1), "content_type": kind}
        yield {"path": path, "data": MALFORMED_JSON, "content_type": "application/json"}
    if blueprint == "public" and not write:
        for zone in BAD_ZONES:  # the visitor's own zone, which a script stores
            yield {"path": path, "headers": {"Cookie": f"visitor_tz={zone}"}}


def make_place(
    app: Flask, venue: Venue, service_slug: str, hold: tuple[str, str], key: str
) -> Place:
    service = next(s for s in venue.services if s.slug == service_slug)
    resource = next(r for r in service.resources if not r.is_staff)
    resource.hour_exceptions = {EXCEPTION_DAY: []}
    allocation = make_allocation(
        resource,
        datetime(2026, 3, 4, 9, tzinfo=UTC),
        datetime(2026, 3, 4, 10, tzinfo=UTC),
        reason="Fuzz",
    )
    held = app.test_client().post(
        "/v1/bookings",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "serviceId": service.id,
            "startTime": hold[0],
            "endTime": hold[1],
            "resourceId": resource.id,
        },
    )
    assert held.status_code == 201, held.get_json()
    booking = db.session.get(Booking, held.get_json()["id"])
    message = Message(
        venue_id=venue.id,
        booking_id=booking.id,
        kind=MessageKind.BOOKING_CONFIRMED,
        recipient="fuzz@example.com",
        locale="en",
        subject="Fuzz",
        body_text="Fuzz",
        body_html="<p>Fuzz</p>",
        calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        status=MessageStatus.SENT,
        created_at=booking.created_at,
    )
    db.session.add(message)
    # The key's endpoint with a failed delivery (as if registered and given up on).
    endpoint = WebhookEndpoint(
        venue_id=venue.id,
        partner_id=partner_for_key(key).id,
        url="https://hooks.example.org/in",
        event_types=["booking.held"],
        secret="whsec_ZnV6eg==",
        created_at=booking.created_at,
    )
    event = WebhookEvent(
        venue_id=venue.id, type="booking.held", payload="{}", created_at=booking.created_at
    )
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event=event,
        status=WebhookDeliveryStatus.FAILED,
        created_at=booking.created_at,
    )
    db.session.add(delivery)
    # A pending invitation to the venue.
    login_links.issue(
        LoginLinkPurpose.INVITE,
        email="invited@fuzz.example",
        now=booking.created_at,
        venue_id=venue.id,
        role="front_desk",
    )
    db.session.flush()
    invitation = db.session.scalar(sa.select(LoginLink).where(LoginLink.venue_id == venue.id))
    # A key of the venue alone, for its admin pages (the fuzzing key must keep working).
    probe, _key = create_partner("Fuzz", [venue], now=booking.created_at)
    return Place(
        venue.id,
        venue.slug,
        resource.id,
        service.id,
        service.slug,
        booking.id,
        booking.manage_token,
        allocation.id,
        message.id,
        endpoint.id,
        delivery.id,
        probe.id,
        db.session.scalar(sa.select(Manager.id).where(Manager.email == OWNER)),
        invitation.id,
    )


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    # CSRF off so that writes reach the views; exceptions become the catch-all's 500 page.
    return {**app_settings, "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


@pytest.mark.usefixtures("backend")
def test_no_route_answers_a_server_error(app: Flask, clock: FrozenClock) -> None:
    venues = {venue.slug: venue for venue in demo.seed(clock.now())}
    key = new_key(clock, manage=True, venues=list(venues.values()))
    sibling = venues["lumiere-marais"].id
    places = [
        make_place(app, venues["spreeblick-rooms"], "workspace-by-the-hour", (START, END), key),
        # Sydney: a day of the van runs from local midnight, 13:00Z.
        make_place(
            app,
            venues["harbour-rentals"],
            "van",
            ("2026-03-02T13:00:00Z", "2026-03-03T13:00:00Z"),
            key,
        ),
    ]
    places = [dataclasses.replace(place, sibling_venue_id=sibling) for place in places]
    db.session.commit()
    max_body = app.config["MAX_CONTENT_LENGTH"]
    assert max_body, "MAX_CONTENT_LENGTH bounds every body"
    rules = sorted(
        app.url_map.iter_rules(),
        key=lambda rule: (any(word in rule.endpoint for word in ENDING_WORDS), rule.rule),
    )
    tally: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []

    def send(client: FlaskClient, blueprint: str, method: str, **request: Any) -> None:
        # A context per request, as in production: `g` (and the logged-in user it
        # caches) must not carry over from the fixture's context to the next request.
        with app.app_context():
            status = client.open(method=method, **request).status_code
        tally[blueprint, status] += 1
        if status >= 500:
            shown = {
                k: f"<{len(v)} bytes>" if isinstance(v, bytes) else v for k, v in request.items()
            }
            failures.append(f"{method} {shown} -> {status}")

    def log_in(client: FlaskClient, place: Place) -> None:
        with app.app_context():
            response = client.post(
                "/admin/login",
                data={
                    "email": OWNER,
                    "password": demo.DEMO_PASSWORD,
                },
            )
        assert response.status_code == 302

    api_headers = {"Authorization": f"Bearer {key}"}
    for place in places:
        # The customer sends its cookies by hand (the visitor's zone).
        customer = app.test_client(use_cookies=False)
        manager, partner = app.test_client(), app.test_client()
        log_in(manager, place)
        for rule in rules:
            blueprint = blueprint_of(rule)
            if blueprint == "admin" and place != places[0]:
                continue  # the admin's pages do not depend on the kind of service
            client = {"admin": manager, "api": partner}.get(blueprint, customer)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for request in requests_for(rule, method, place, max_body):
                    headers = api_headers if blueprint == "api" else {}
                    send(client, blueprint, method, **{"headers": headers, **request})
                    if rule.endpoint == "admin.logout":
                        log_in(manager, place)
    print(table(tally))
    assert not failures, "\n".join(failures[:40])


def table(tally: Counter[tuple[str, int]]) -> str:
    lines = ["blueprint  requests  statuses"]
    for blueprint in sorted({name for name, _status in tally}):
        counts = sorted((status, n) for (name, status), n in tally.items() if name == blueprint)
        statuses = "  ".join(f"{status}×{n}" for status, n in counts)
        lines.append(f"{blueprint:<9}  {sum(n for _s, n in counts):>8}  {statuses}")
    return "\n".join(lines)
