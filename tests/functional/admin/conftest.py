"""Admin fixtures: a venue with one of everything, its manager, and a logged-in client.

CSRF is off here except in the tests that ask for it (override `csrf_enabled`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app, url_for

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.models import Booking, Manager, Resource, Service, Venue
from tests.factories import make_allocation, make_resource, make_service, make_venue

PASSWORD = "correct horse battery"
# Monday 2 March 2026, 10:00 in Berlin (UTC+1); the frozen clock says 1 March 00:00Z.
MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def csrf_enabled() -> bool:
    return False


@pytest.fixture
def app_settings(app_settings: dict, csrf_enabled: bool) -> dict:
    return {**app_settings, "WTF_CSRF_ENABLED": csrf_enabled}


@dataclass
class World:
    venue: Venue
    room: Resource
    service: Service
    booking: Booking
    manager: Manager


def build_world(email: str, *, slug: str) -> World:
    venue = make_venue(slug=slug, name=slug.title(), timezone="Europe/Berlin")
    room = make_resource(
        venue,
        name=f"{slug} room",
        weekly_hours={
            day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    svc = make_service(
        [room],
        slug=f"{slug}-hour",
        name=f"{slug} hour",
        buffer_after_minutes=15,
        grid_step_minutes=30,
    )
    make_allocation(
        room, MONDAY_10 + timedelta(hours=5), MONDAY_10 + timedelta(hours=6), reason="Maintenance"
    )
    booking = service.hold(
        HoldRequest(service_id=svc.id, start=MONDAY_10, customer=Customer(name="Ada Lovelace"))
    )
    booking = service.confirm(booking.id, Customer(name="Ada Lovelace", email="ada@example.com"))
    manager = create_manager(email, PASSWORD, [venue])
    return World(venue, room, svc, booking, manager)


@pytest.fixture
def world(app) -> World:
    return build_world("manager@example.com", slug="alpha")


@pytest.fixture
def other_world(app) -> World:
    return build_world("other@example.com", slug="beta")


def url(endpoint: str, **values) -> str:
    """url_for outside a request: tests name endpoints, never paths."""
    app = current_app._get_current_object()
    with app.test_request_context():
        return url_for(endpoint, **values)


def log_in(client, email: str, password: str = PASSWORD):
    return client.post(url("admin.login"), data={"email": email, "password": password})


@pytest.fixture
def admin(client, world: World):
    """A test client logged in as the manager of `world`."""
    response = log_in(client, world.manager.email)
    assert response.status_code == 302
    return client
