"""Keys, scopes and scoping: 401 without a valid key, 403 for set-up without the manage
scope, 404 for anything outside the key's venues or bookings."""

from __future__ import annotations

import pytest

from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import Partner, Venue
from tests.functional.api.conftest import Api, create_room_service, error_code, new_key

BOOKING = {"startTime": "2026-03-02T09:00:00Z", "endTime": "2026-03-02T10:00:00Z"}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer bk_not-a-real-key", "Basic dXNlcjpwYXNz", "Bearer bk_é"],
    ids=["missing", "empty", "unknown", "wrong-scheme", "non-ascii"],
)
def test_a_missing_or_invalid_key_gets_401(client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/venues", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_inactive_partner_gets_401(api: Api) -> None:
    db.session.execute(db.update(Partner).values(active=False))
    db.session.commit()
    assert api.get("/v1/venues").status_code == 401


def test_a_key_without_manage_scope_cannot_create_resources(
    api: Api, client, clock: FrozenClock
) -> None:
    ids = create_room_service(api)
    reader = Api(client, new_key(clock, manage=False, venues=[db.session.get(Venue, ids["venue"])]))

    response = reader.post("/v1/resources", {"venueId": ids["venue"], "name": "Room B"})
    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"
    for path, body in [
        ("/v1/venues", {"name": "X", "timezone": "UTC"}),
        (
            "/v1/services",
            {
                "venueId": ids["venue"],
                "name": "S",
                "resourceIds": [ids["room"]],
                "variants": [{"durationMinutes": 30}],
            },
        ),
        ("/v1/allocations", {"resourceId": ids["room"], **BOOKING}),
    ]:
        assert reader.post(path, body).status_code == 403
    assert reader.patch(f"/v1/resources/{ids['room']}", {"name": "Y"}).status_code == 403
    # ...but it can read its venue and book there.
    assert reader.get(f"/v1/resources/{ids['room']}").status_code == 200
    held = reader.post("/v1/bookings", {"serviceId": ids["service"], **BOOKING})
    assert held.status_code == 201


def test_partners_cannot_see_each_others_venues_or_objects(api: Api, other_api: Api) -> None:
    ids = create_room_service(api)
    allocation = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-05T09:00:00Z",
            "endTime": "2026-03-05T10:00:00Z",
        },
    ).get_json()
    for path in [
        f"/v1/venues/{ids['venue']}",
        f"/v1/resources/{ids['room']}",
        f"/v1/services/{ids['service']}",
        f"/v1/allocations/{allocation['id']}",
    ]:
        response = other_api.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "NOT_FOUND"
    assert other_api.get("/v1/venues").get_json() == {"data": [], "nextCursor": None}
    assert other_api.get("/v1/resources").get_json() == {"data": [], "nextCursor": None}
    assert other_api.get("/v1/services").get_json() == {"data": [], "nextCursor": None}
    assert other_api.get("/v1/allocations").get_json() == {"data": [], "nextCursor": None}
    assert other_api.delete(f"/v1/allocations/{allocation['id']}").status_code == 404
    assert other_api.patch(f"/v1/resources/{ids['room']}", {"name": "Mine"}).status_code == 404
    assert (
        other_api.post("/v1/resources", {"venueId": ids["venue"], "name": "R"}).status_code == 404
    )
    slots = other_api.post(
        f"/v1/services/{ids['service']}/availability/slots",
        {"startTime": "2026-03-02T09:00:00Z", "endTime": "2026-03-02T18:00:00Z"},
    )
    assert slots.status_code == 404
    assert (
        other_api.post("/v1/bookings", {"serviceId": ids["service"], **BOOKING}).status_code == 404
    )


def test_partners_cannot_see_each_others_bookings(api: Api, client, clock: FrozenClock) -> None:
    ids = create_room_service(api)
    venue = db.session.get(Venue, ids["venue"])
    # Two partners at the same venue: each sees only the bookings it made.
    other = Api(client, new_key(clock, manage=False, venues=[venue], name="Other"))
    mine = api.post("/v1/bookings", {"serviceId": ids["service"], **BOOKING}).get_json()
    theirs = other.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2026-03-02T10:15:00Z"}
    ).get_json()

    assert other.get(f"/v1/bookings/{mine['id']}").status_code == 404
    assert other.post(f"/v1/bookings/{mine['id']}/confirm").status_code == 404
    assert other.post(f"/v1/bookings/{mine['id']}/cancel").status_code == 404
    assert [b["id"] for b in other.get("/v1/bookings").get_json()["data"]] == [theirs["id"]]
    assert [b["id"] for b in api.get("/v1/bookings").get_json()["data"]] == [mine["id"]]
    assert api.get(f"/v1/bookings/{mine['id']}").status_code == 200


def test_a_created_venue_joins_the_keys_venues(api: Api) -> None:
    created = api.post("/v1/venues", {"name": "Studio", "timezone": "Europe/Paris"})
    assert created.status_code == 201
    venue = created.get_json()
    assert venue["timezone"] == "Europe/Paris"
    assert venue["slug"] == "studio"
    assert [v["id"] for v in api.get("/v1/venues").get_json()["data"]] == [venue["id"]]
    assert api.get(f"/v1/venues/{venue['id']}").get_json() == venue
