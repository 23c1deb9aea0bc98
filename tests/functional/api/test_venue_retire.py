"""`PATCH /v1/venues/{id}` with `active: false` retires a venue: 409 HAS_FUTURE_BOOKINGS
while bookings are still to come unless `force=true`; then neither the venue nor its
services are listed or bookable (API and public pages), its bookings stay as they are,
the availability feed says every resource of it changed, and `active: true` opens it
again. On both databases."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from bookingsite.extensions import db
from bookingsite.models import Service
from tests.functional.api.conftest import Api, create_room_service, error_code
from tests.functional.api.test_changes_feed import follow

pytestmark = pytest.mark.usefixtures("backend")

TEN = "2026-03-02T09:00:00Z"  # 10:00 in Berlin, on the service's grid
DAY = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T18:00:00Z"}


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


def slots(api: Api, ids: dict):
    return api.post(f"/v1/services/{ids['service']}/availability/slots", DAY)


def retire(api: Api, ids: dict, *, force: bool = False):
    path = f"/v1/venues/{ids['venue']}" + ("?force=true" if force else "")
    return api.patch(path, {"active": False})


def test_bookings_to_come_answer_409_with_their_count_until_forced(api: Api, ids: dict) -> None:
    held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert held.status_code == 201
    before = api.get(f"/v1/venues/{ids['venue']}").get_json()

    refused = retire(api, ids)

    assert refused.status_code == 409
    assert error_code(refused) == "HAS_FUTURE_BOOKINGS"
    assert refused.get_json()["error"]["futureBookings"] == 1
    assert api.get(f"/v1/venues/{ids['venue']}").get_json() == before
    assert slots(api, ids).status_code == 200

    forced = retire(api, ids, force=True)

    assert forced.status_code == 200
    assert forced.get_json() == before | {"active": False}
    # The booking stays as it was, and its holder can still read and cancel it.
    booking = held.get_json()
    assert api.get(f"/v1/bookings/{booking['id']}").get_json() == booking
    assert api.post(f"/v1/bookings/{booking['id']}/cancel").status_code == 200


def test_a_retired_venue_is_neither_listed_nor_bookable(
    api: Api, ids: dict, client: FlaskClient
) -> None:
    venue_slug = api.get(f"/v1/venues/{ids['venue']}").get_json()["slug"]
    service_slug = db.session.get(Service, ids["service"]).slug
    service_page = f"/venues/{venue_slug}/{service_slug}"
    assert client.get(f"/venues/{venue_slug}").status_code == 200
    assert client.get(service_page).status_code == 200

    assert retire(api, ids).status_code == 200

    assert api.get("/v1/venues").get_json()["data"] == []
    assert api.get("/v1/services").get_json()["data"] == []
    assert api.get(f"/v1/venues/{ids['venue']}").get_json()["active"] is False
    assert error_code(slots(api, ids)) == "NOT_FOUND"
    hold = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert hold.status_code == 404
    assert venue_slug not in client.get("/").get_data(as_text=True)
    assert client.get(f"/venues/{venue_slug}").status_code == 404
    assert client.get(service_page).status_code == 404

    reopened = api.patch(f"/v1/venues/{ids['venue']}", {"active": True})

    assert reopened.status_code == 200 and reopened.get_json()["active"] is True
    assert [v["id"] for v in api.get("/v1/venues").get_json()["data"]] == [ids["venue"]]
    assert slots(api, ids).status_code == 200
    assert client.get(service_page).status_code == 200


def test_the_feed_says_every_resource_of_the_venue_changed(api: Api, ids: dict) -> None:
    other = api.post("/v1/resources", {"venueId": ids["venue"], "name": "Room B"})
    assert other.status_code == 201
    _, cursor = follow(api, ids["venue"])

    assert retire(api, ids).status_code == 200

    entries, _ = follow(api, ids["venue"], cursor)
    assert sorted((e["resourceId"], e["endTime"]) for e in entries) == [
        (ids["room"], None),
        (other.get_json()["id"], None),
    ]


def test_null_is_not_a_state(api: Api, ids: dict) -> None:
    response = api.patch(f"/v1/venues/{ids['venue']}", {"active": None})
    assert response.status_code == 422
    assert api.get(f"/v1/venues/{ids['venue']}").get_json()["active"] is True
