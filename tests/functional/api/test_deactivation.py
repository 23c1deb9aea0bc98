"""`PATCH /v1/resources/{id}` with `active: false`: 409 HAS_FUTURE_BOOKINGS while bookings
are still to come, unless `force=true`; the bookings stay as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookingsite.clock import FrozenClock
from tests.functional.api.conftest import Api, create_room_service, error_code

TEN = "2026-03-02T09:00:00Z"  # 10:00 in Berlin, on the service's grid


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


def confirmed_booking(api: Api, ids: dict, start: str = TEN) -> dict:
    held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": start})
    assert held.status_code == 201, held.get_json()
    confirmed = api.post(f"/v1/bookings/{held.get_json()['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()
    return confirmed.get_json()


def room(api: Api, ids: dict) -> dict:
    return api.get(f"/v1/resources/{ids['room']}").get_json()


def test_bookings_to_come_answer_409_with_their_count_until_forced(api: Api, ids: dict) -> None:
    first = confirmed_booking(api, ids)
    second = confirmed_booking(api, ids, "2026-03-03T09:00:00Z")
    held = api.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2026-03-04T09:00:00Z"}
    )
    assert held.status_code == 201  # a live hold counts too
    path = f"/v1/resources/{ids['room']}"
    before = room(api, ids)

    refused = api.patch(path, {"active": False, "name": "Room B"})

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "HAS_FUTURE_BOOKINGS"
    assert error["futureBookings"] == 3
    assert "3" in error["message"] and "force=true" in error["message"]
    assert room(api, ids) == before  # nothing changed, the name neither

    forced = api.patch(f"{path}?force=true", {"active": False})

    assert forced.status_code == 200
    assert forced.get_json()["active"] is False
    for booking in (first, second, held.get_json()):
        assert api.get(f"/v1/bookings/{booking['id']}").get_json() == booking


def test_without_bookings_to_come_it_is_one_call(api: Api, ids: dict) -> None:
    response = api.patch(f"/v1/resources/{ids['room']}", {"active": False})
    assert response.status_code == 200
    assert response.get_json()["active"] is False


def cancelled(api: Api, ids: dict, clock: FrozenClock) -> None:
    booking = confirmed_booking(api, ids)
    assert api.post(f"/v1/bookings/{booking['id']}/cancel").status_code == 200


def past(api: Api, ids: dict, clock: FrozenClock) -> None:
    confirmed_booking(api, ids)
    clock.advance(timedelta(days=2))


def lapsed_hold(api: Api, ids: dict, clock: FrozenClock) -> None:
    api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    clock.advance(timedelta(minutes=10))


@pytest.mark.parametrize("situation", [cancelled, past, lapsed_hold])
def test_past_cancelled_and_lapsed_bookings_do_not_count(
    api: Api, ids: dict, clock: FrozenClock, situation
) -> None:
    situation(api, ids, clock)
    response = api.patch(f"/v1/resources/{ids['room']}", {"active": False})
    assert response.status_code == 200, response.get_json()


def test_other_changes_and_reactivation_never_ask(api: Api, ids: dict) -> None:
    confirmed_booking(api, ids)
    path = f"/v1/resources/{ids['room']}"
    assert api.patch(path, {"name": "Room B", "active": True}).status_code == 200
    assert api.patch(f"{path}?force=true", {"active": False}).status_code == 200
    assert api.patch(path, {"active": False}).status_code == 200  # already inactive
    assert api.patch(path, {"active": True}).status_code == 200


def test_force_must_be_a_boolean(api: Api, ids: dict) -> None:
    response = api.patch(f"/v1/resources/{ids['room']}?force=maybe", {"active": False})
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"
    assert "force" in response.get_json()["error"]["fields"]


def test_the_document_shows_force_and_the_409(client) -> None:
    spec = client.get("/v1/openapi.json").get_json()
    patch = spec["paths"]["/v1/resources/{resourceId}"]["patch"]
    force = next(p for p in patch["parameters"] if p["name"] == "force")
    assert force["in"] == "query" and force["schema"]["type"] == "boolean"
    assert "HAS_FUTURE_BOOKINGS" in patch["responses"]["409"]["description"]
    error_body = spec["components"]["schemas"]["ErrorBody"]["properties"]
    assert error_body["futureBookings"]["anyOf"][0]["type"] == "integer"
