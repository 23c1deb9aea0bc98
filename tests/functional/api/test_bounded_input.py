"""API input outside the site's bounds: ids are 404s before anything else (whatever
method shares the path), dates and instants are validation errors, bodies too large get
a JSON 413."""

from __future__ import annotations

import pytest
from flask import Flask

from bookingsite.bounds import MAX_ID
from tests.functional.api.conftest import Api, create_room_service, error_code


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


@pytest.mark.parametrize("bad_id", [0, MAX_ID + 1, 2**63, 10**30], ids=str)
def test_ids_outside_the_supported_range_are_not_found(api: Api, ids, bad_id: int) -> None:
    for response in (
        api.get(f"/v1/venues/{bad_id}"),
        # Its GET shares the path: still a 404, not a 405 naming GET.
        api.patch(f"/v1/resources/{bad_id}", {"name": "Renamed"}),
        api.delete(f"/v1/allocations/{bad_id}"),
        api.post(f"/v1/bookings/{bad_id}/cancel"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "NOT_FOUND"


def test_days_outside_the_supported_years_are_validation_errors(api: Api, ids) -> None:
    response = api.post(
        f"/v1/services/{ids['service']}/availability/days",
        {"firstDay": "9999-12-30", "lastDay": "9999-12-31"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "firstDay": "Give a date between the years 1970 and 2200.",
        "lastDay": "Give a date between the years 1970 and 2200.",
    }


def test_an_instant_past_the_last_year_in_utc_is_a_validation_error(api: Api, ids) -> None:
    # 23:59 on the last day at UTC-12 is already the year after in UTC.
    response = api.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2200-12-31T23:59:00-12:00"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "startTime": "Give an instant between the years 1970 and 2200."
    }


def test_a_body_over_the_limit_gets_a_json_413(app: Flask, api: Api) -> None:
    response = api.client.post(
        "/v1/venues",
        data=b'{"name": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"
    assert response.get_json()["error"]["message"] == "This request is too large."
