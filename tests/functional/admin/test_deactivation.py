"""Deactivating a resource or a service that still has bookings to come asks first, says
how many, and changes nothing until confirmed; the bookings stay as they were."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, Resource, Service
from tests.functional.admin.conftest import MONDAY_10, PASSWORD, url


def page(response) -> str:
    return response.get_data(as_text=True)


def toggle_url(world, target: str) -> str:
    if target == "resource":
        return url("admin.resource_toggle", venue_id=world.venue.id, resource_id=world.room.id)
    return url("admin.service_toggle", venue_id=world.venue.id, service_id=world.service.id)


def stored(world, target: str) -> Resource | Service:
    """The row as the database has it now."""
    db.session.expire_all()
    if target == "resource":
        return db.session.get(Resource, world.room.id)
    return db.session.get(Service, world.service.id)


def is_active(world, target: str) -> bool:
    return stored(world, target).active


def booking_state(booking_id: int) -> tuple:
    db.session.expire_all()
    booking = db.session.get(Booking, booking_id)
    occupied = [(o.resource_id, o.start_at, o.end_at, o.active) for o in booking.occupancies]
    return booking.status, booking.start_at, booking.end_at, occupied


def hold(world, start) -> Booking:
    return service.hold(
        HoldRequest(service_id=world.service.id, start=start, customer=Customer(name="Hal"))
    )


def warning(html: str) -> str:
    """The text of the deactivation warning, without its markup."""
    match = re.search(r'<div[^>]*id="deactivation">(.*?)</div>', html, flags=re.S)
    assert match, "no deactivation warning on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def confirming_form(html: str) -> str:
    """The form that holds the confirm button (the layout has a log-out form too)."""
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    return next(form for form in forms if 'name="confirm"' in form)


TARGETS = ["resource", "service"]


# One click when nothing is still to come ----------------------------------------------


def cancelled(world, clock) -> None:
    service.cancel(world.booking.id)


def over(world, clock) -> None:
    clock.set(world.booking.end_at)


def only_a_lapsed_hold(world, clock) -> None:
    service.cancel(world.booking.id)
    hold(world, MONDAY_10 + timedelta(hours=2))
    clock.advance(timedelta(minutes=world.venue.hold_ttl_minutes))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "situation", [cancelled, over, only_a_lapsed_hold], ids=["cancelled", "past", "lapsed-hold"]
)
def test_without_bookings_to_come_it_takes_one_click(admin, world, clock, target, situation):
    situation(world, clock)

    response = admin.post(toggle_url(world, target))

    assert response.status_code == 302
    assert not is_active(world, target)


# Bookings to come: ask first -----------------------------------------------------------


def test_a_resource_with_bookings_to_come_asks_first_and_changes_nothing(admin, world):
    hold(world, MONDAY_10 + timedelta(hours=2))  # a live hold counts too
    before = booking_state(world.booking.id)

    response = admin.post(toggle_url(world, "resource"))

    assert response.status_code == 409
    html = page(response)
    assert warning(html).startswith(
        "alpha room has 2 bookings (confirmed or on hold) from now on; they stay as they are."
    )
    filtered = url(
        "admin.bookings", venue_id=world.venue.id, resource=world.room.id, date_from="2026-03-01"
    )
    assert f'href="{escape(filtered)}"' in html
    assert f'action="{escape(toggle_url(world, "resource"))}"' in html
    assert 'name="confirm" value="1"' in html
    assert is_active(world, "resource")
    assert booking_state(world.booking.id) == before


def test_a_service_with_bookings_to_come_asks_first_and_changes_nothing(admin, world):
    response = admin.post(toggle_url(world, "service"))

    assert response.status_code == 409
    assert warning(page(response)).startswith(
        "alpha hour has 1 booking (confirmed or on hold) from now on; it stays as it is."
    )
    assert "bookings list" not in warning(page(response))  # the list has no service filter
    assert is_active(world, "service")


@pytest.mark.parametrize("target", TARGETS)
def test_confirming_deactivates_and_leaves_the_bookings_as_they_were(admin, world, target):
    before = booking_state(world.booking.id)

    response = admin.post(toggle_url(world, target), data={"confirm": "1"})

    assert response.status_code == 302
    assert not is_active(world, target)
    assert booking_state(world.booking.id) == before
    # Switching it back on never asks.
    assert admin.post(toggle_url(world, target)).status_code == 302
    assert is_active(world, target)


# The edit forms' "active" box ------------------------------------------------------------


def resource_data(**overrides) -> dict:
    return {"name": "Court 2", "kind": "room", "capacity": "4", **overrides}


def service_data(world, **overrides) -> dict:
    variant = world.service.variants[0]
    return {
        "name": "Court hour",
        "slug": world.service.slug,
        "duration_mode": "fixed",
        "variants-0-variant_id": str(variant.id),
        "variants-0-duration_minutes": "60",
        "variants-0-guests": "1",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "15",
        "grid_alignment_minutes": "15",
        "grid_step_minutes": "30",
        "lead_time_minutes": "0",
        "horizon_days": "365",
        "resources": [str(world.room.id)],
        **overrides,
    }


def edit_form(world, target: str, **overrides) -> tuple[str, dict]:
    """The edit page's address and a valid submission that renames the row."""
    if target == "resource":
        path = url("admin.resource_edit", venue_id=world.venue.id, resource_id=world.room.id)
        return path, resource_data(**overrides)
    path = url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id)
    return path, service_data(world, **overrides)


@pytest.mark.parametrize("target", TARGETS)
def test_unticking_active_on_the_edit_form_asks_first(admin, world, target):
    path, data = edit_form(world, target)  # no "active": the box is unticked
    old_name = stored(world, target).name

    response = admin.post(path, data=data)

    assert response.status_code == 409
    html = page(response)
    assert warning(html).startswith(f"{old_name} has 1 booking (confirmed or on hold) from now on")
    assert f'value="{data["name"]}"' in html  # what the manager typed is kept for the resend
    form = confirming_form(html)
    assert form.index('type="submit"') < form.index('name="confirm"')  # Enter still saves
    assert (stored(world, target).name, is_active(world, target)) == (old_name, True)

    assert admin.post(path, data={**data, "confirm": "1"}).status_code == 302
    assert (stored(world, target).name, is_active(world, target)) == (data["name"], False)


@pytest.mark.parametrize("target", TARGETS)
def test_saving_the_edit_form_with_active_ticked_never_asks(admin, world, target):
    path, data = edit_form(world, target, active="y")
    assert admin.post(path, data=data).status_code == 302
    assert is_active(world, target)


# With CSRF on, as in production ----------------------------------------------------------


class TestWithCsrf:
    @pytest.fixture
    def csrf_enabled(self) -> bool:
        return True

    @staticmethod
    def token(html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def test_the_confirmation_page_sends_its_own_form(self, client, world):
        login = page(client.get(url("admin.login")))
        client.post(
            url("admin.login"),
            data={
                "email": world.manager.email,
                "password": PASSWORD,
                "csrf_token": self.token(login),
            },
        )
        resources = page(client.get(url("admin.resources", venue_id=world.venue.id)))

        asked = client.post(
            toggle_url(world, "resource"), data={"csrf_token": self.token(resources)}
        )
        assert asked.status_code == 409

        html = page(asked)
        action = re.search(r'action="([^"]+)"', confirming_form(html)).group(1)
        answered = client.post(action, data={"csrf_token": self.token(html), "confirm": "1"})
        assert answered.status_code == 302
        assert not is_active(world, "resource")
