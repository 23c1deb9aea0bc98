"""Options served by a team, end to end through the test client: a partner sets up a duo
option needing two therapists and books it; a manager sets one up in the admin form; the
confirmation e-mail, the customer's page and the admin's booking page name both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.mail import compose
from bookingsite.models import (
    Booking,
    MessageKind,
    ResourceKind,
    Service,
    ServiceVariant,
    Venue,
)
from tests.factories import make_resource, make_service, make_venue
from tests.functional.admin.conftest import World, build_world, log_in, url
from tests.functional.api.conftest import Api, new_key

TEN = "2026-03-02T10:00:00Z"


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def api(app, client, clock) -> Api:
    return Api(client, new_key(clock, manage=True, name="Acme"))


def _post(api: Api, path: str, body: dict) -> dict:
    response = api.post(path, body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_partner_sets_up_and_books_a_duo(api: Api) -> None:
    venue = _post(api, "/v1/venues", {"name": "Spa", "timezone": "UTC"})["id"]
    suite = _post(api, "/v1/resources", {"venueId": venue, "name": "Suite", "capacity": 2})["id"]
    staff = [
        _post(
            api,
            "/v1/resources",
            {"venueId": venue, "name": name, "kind": "staff", "skills": ["massage"]},
        )["id"]
        for name in ("Claire", "Marc", "Lina")
    ]
    created = _post(
        api,
        "/v1/services",
        {
            "venueId": venue,
            "name": "Massage",
            "resourceIds": [suite, *staff],
            "requiredSkills": ["massage"],
            "variants": [
                {"name": "Single", "durationMinutes": 60},
                {"name": "Duo", "durationMinutes": 60, "guests": 2, "staffCount": 2},
            ],
        },
    )
    single, duo = created["variants"]
    assert (single["staffCount"], duo["staffCount"]) == (1, 2)
    assert api.get(f"/v1/services/{created['id']}").get_json()["variants"][1]["staffCount"] == 2

    booking = _post(
        api,
        "/v1/bookings",
        {"serviceId": created["id"], "startTime": TEN, "variantId": duo["id"], "guests": 2},
    )
    assert sorted(booking["resourceIds"]) == [suite, staff[0], staff[1]]

    # An option left out of a PATCH keeps its count; one sent without it needs one.
    renamed = api.patch(f"/v1/services/{created['id']}", {"name": "Massages"})
    assert renamed.get_json()["variants"][1]["staffCount"] == 2
    variants = [
        {"id": single["id"], "durationMinutes": 60},
        {"id": duo["id"], "durationMinutes": 60, "guests": 2, "staffCount": 3},
    ]
    changed = api.patch(f"/v1/services/{created['id']}", {"variants": variants})
    assert changed.status_code == 200, changed.get_json()
    assert [v["staffCount"] for v in changed.get_json()["variants"]] == [1, 3]


@pytest.mark.parametrize("count", [0, 21, "two"])
def test_the_api_refuses_a_staff_count_out_of_bounds(api: Api, count) -> None:
    venue = _post(api, "/v1/venues", {"name": "Spa", "timezone": "UTC"})["id"]
    suite = _post(api, "/v1/resources", {"venueId": venue, "name": "Suite"})["id"]
    response = api.post(
        "/v1/services",
        {
            "venueId": venue,
            "name": "Massage",
            "resourceIds": [suite],
            "variants": [{"durationMinutes": 60, "staffCount": count}],
        },
    )
    assert response.status_code == 422
    assert "variants.0.staffCount" in response.get_json()["error"]["fields"]


@pytest.fixture
def world(app) -> World:
    return build_world("manager@example.com", slug="alpha")


@pytest.fixture
def admin(client, world: World):
    assert log_in(client, world.manager.email).status_code == 302
    return client


def test_a_manager_sets_how_many_staff_an_option_needs(admin, world: World) -> None:
    therapists = [
        make_resource(world.venue, name=name, kind=ResourceKind.STAFF, skills=["massage"])
        for name in ("Claire", "Marc")
    ]
    data = {
        "name": "Massage",
        "slug": "massage",
        "duration_mode": "fixed",
        "variants-0-name": "Duo",
        "variants-0-duration_minutes": "60",
        "variants-0-guests": "2",
        "variants-0-staff_count": "2",
        "variants-1-name": "Single",
        "variants-1-duration_minutes": "60",
        "variants-1-guests": "1",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "grid_alignment_minutes": "15",
        "lead_time_minutes": "0",
        "horizon_days": "30",
        "required_skills": "massage",
        "resources": [str(world.room.id), *(str(t.id) for t in therapists)],
        "active": "y",
    }
    created = admin.post(url("admin.service_new", venue_id=world.venue.id), data=data)
    assert created.status_code == 302, created.get_data(as_text=True)
    svc = db.session.scalar(sa.select(Service).where(Service.slug == "massage"))
    assert [(v.name, v.staff_count) for v in svc.variants] == [("Duo", 2), ("Single", 1)]

    edit = url("admin.service_edit", venue_id=world.venue.id, service_id=svc.id)
    page = admin.get(edit).get_data(as_text=True)
    assert "Staff needed" in page
    assert 'name="variants-0-staff_count"' in page and 'value="2"' in page

    refused = admin.post(edit, data=data | {"variants-0-staff_count": "0"})
    assert refused.status_code == 422
    assert 'id="variants-0-staff_count-error"' in refused.get_data(as_text=True)


def _duo_booking(venue: Venue | None = None) -> Booking:
    venue = venue or make_venue(timezone="UTC")
    suite = make_resource(venue, name="Suite Duo", capacity=2)
    staff = [
        make_resource(venue, name=name, kind=ResourceKind.STAFF, skills=["massage"])
        for name in ("Claire", "Marc", "Lina")
    ]
    svc = make_service(
        [suite, *staff],
        required_skills=["massage"],
        variants=[
            ServiceVariant(name="Duo, 60 minutes", duration_minutes=60, guests=2, staff_count=2)
        ],
    )
    held = service.hold(
        HoldRequest(
            service_id=svc.id,
            start=datetime(2026, 3, 3, 10, tzinfo=UTC),
            variant_id=svc.variants[0].id,
            guests=2,
        )
    )
    return service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))


def test_the_confirmation_names_both_therapists(app) -> None:
    booking = _duo_booking()
    with app.test_request_context():
        draft = compose.for_customer(MessageKind.BOOKING_CONFIRMED, [booking], booking.created_at)
    assert "With: Claire, Marc" in draft.body_text
    assert "Claire, Marc" in draft.body_html


def test_the_customers_page_names_both_therapists(app, client) -> None:
    booking = _duo_booking()
    page = client.get(url("public.manage", token=booking.manage_token))
    assert "Suite Duo, Claire, Marc" in page.get_data(as_text=True)


def test_the_admins_booking_page_names_both_therapists(admin, world: World) -> None:
    booking = _duo_booking(world.venue)
    detail = url("admin.booking_detail", venue_id=world.venue.id, booking_id=booking.id)
    assert "Suite Duo, Claire, Marc" in admin.get(detail).get_data(as_text=True)
