"""With CSRF on (as in production), a POST without the token changes nothing."""

from __future__ import annotations

import re

import pytest

from bookingsite.extensions import db
from bookingsite.models import Booking, Venue
from tests.functional.admin.conftest import PASSWORD, url
from tests.functional.admin.test_venue_settings import settings_data


@pytest.fixture
def csrf_enabled() -> bool:
    return True


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_login_without_token_is_refused(client, world):
    response = client.post(
        url("admin.login"), data={"email": world.manager.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def logged_in(client, world):
    token = csrf_token(client, url("admin.login"))
    response = client.post(
        url("admin.login"),
        data={"email": world.manager.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def test_cancel_without_token_changes_nothing(client, world):
    logged_in(client, world)
    path = url("admin.booking_cancel", venue_id=world.venue.id, booking_id=world.booking.id)
    assert client.post(path, data={}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).is_confirmed


def test_cancel_with_token_works(client, world):
    logged_in(client, world)
    detail = url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id)
    token = csrf_token(client, detail)
    path = url("admin.booking_cancel", venue_id=world.venue.id, booking_id=world.booking.id)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).is_cancelled


def test_settings_without_token_change_nothing(client, world):
    logged_in(client, world)
    path = url("admin.venue_settings", venue_id=world.venue.id)
    data = settings_data(notification_email="desk@alpha.example", cancel_cutoff_hours="5")

    def saved() -> tuple:
        db.session.expire_all()
        venue = db.session.get(Venue, world.venue.id)
        return venue.notification_email, venue.cancel_cutoff_hours

    assert client.post(path, data=data).status_code == 400
    assert saved() == ("", 0)
    token = csrf_token(client, path)
    assert client.post(path, data=data | {"csrf_token": token}).status_code == 302
    assert saved() == ("desk@alpha.example", 5)


def test_the_token_also_rides_in_the_htmx_header(client, world):
    logged_in(client, world)
    html = client.get(url("admin.timeline", venue_id=world.venue.id)).get_data(as_text=True)
    header = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    path = url("admin.booking_cancel", venue_id=world.venue.id, booking_id=world.booking.id)
    response = client.post(path, headers={"X-CSRFToken": header, "HX-Request": "true"})
    assert response.status_code == 302


def test_every_admin_form_carries_a_token(client, world):
    logged_in(client, world)
    pages = [
        url("admin.resource_new", venue_id=world.venue.id),
        url("admin.resource_edit", venue_id=world.venue.id, resource_id=world.room.id),
        url("admin.resource_hours", venue_id=world.venue.id, resource_id=world.room.id),
        url("admin.resource_blocks", venue_id=world.venue.id, resource_id=world.room.id),
        url("admin.service_new", venue_id=world.venue.id),
        url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id),
        url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id),
        url("admin.resources", venue_id=world.venue.id),
        url("admin.services", venue_id=world.venue.id),
        url("admin.venue_settings", venue_id=world.venue.id),
    ]
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        for form in re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S):
            assert 'name="csrf_token"' in form, (page, form[:120])
