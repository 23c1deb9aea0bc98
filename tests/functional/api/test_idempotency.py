"""Idempotency-Key with Stripe's semantics: replay, mismatch, 24-hour life, and
concurrent retries that create exactly one booking."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import Booking, IdempotencyRecord
from tests.functional.api.conftest import Api, create_room_service, error_code
from tests.functional.api.http import race

RACERS = 16


@pytest.fixture
def body(api: Api) -> dict:
    ids = create_room_service(api)
    return {"serviceId": ids["service"], "startTime": "2026-03-02T09:00:00Z"}


def bookings() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Booking.id)))


def test_the_same_key_and_body_replay_the_first_answer(api: Api, body: dict) -> None:
    first = api.post("/v1/bookings", body, headers={"Idempotency-Key": "order-1"})
    again = api.post("/v1/bookings", body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert bookings() == 1
    # Key order in the JSON does not matter.
    reordered = dict(reversed(list(body.items())))
    assert (
        api.post("/v1/bookings", reordered, headers={"Idempotency-Key": "order-1"}).get_json()
        == first.get_json()
    )


def test_a_stored_error_replays_too(api: Api, body: dict) -> None:
    api.post("/v1/bookings", body)
    taken = api.post("/v1/bookings", body, headers={"Idempotency-Key": "k"})
    assert error_code(taken) == "SLOT_TAKEN"
    api.post(f"/v1/bookings/{db.session.scalar(sa.select(Booking.id))}/cancel")
    replay = api.post("/v1/bookings", body, headers={"Idempotency-Key": "k"})
    assert replay.status_code == 409
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_gets_422(api: Api, body: dict) -> None:
    api.post("/v1/bookings", body, headers={"Idempotency-Key": "order-2"})
    other = api.post(
        "/v1/bookings",
        body | {"guests": 1, "startTime": "2026-03-02T10:15:00Z"},
        headers={"Idempotency-Key": "order-2"},
    )
    assert other.status_code == 422
    assert error_code(other) == "IDEMPOTENCY_KEY_REUSED"
    elsewhere = api.post(
        "/v1/venues", {"name": "V", "timezone": "UTC"}, headers={"Idempotency-Key": "order-2"}
    )
    assert error_code(elsewhere) == "IDEMPOTENCY_KEY_REUSED"
    assert bookings() == 1


def test_keys_are_per_partner(api: Api, other_api: Api, body: dict) -> None:
    api.post("/v1/bookings", body, headers={"Idempotency-Key": "shared"})
    theirs = other_api.post(
        "/v1/venues", {"name": "V", "timezone": "UTC"}, headers={"Idempotency-Key": "shared"}
    )
    assert theirs.status_code == 201


def test_a_request_that_failed_validation_leaves_the_key_free(api: Api, body: dict) -> None:
    invalid = api.post("/v1/bookings", body | {"guests": 0}, headers={"Idempotency-Key": "v"})
    assert invalid.status_code == 422
    assert api.post("/v1/bookings", body, headers={"Idempotency-Key": "v"}).status_code == 201


def test_keys_live_24_hours(api: Api, body: dict, clock: FrozenClock) -> None:
    first = api.post("/v1/bookings", body, headers={"Idempotency-Key": "daily"}).get_json()
    api.post(f"/v1/bookings/{first['id']}/cancel")
    clock.advance(timedelta(hours=23, minutes=59))
    assert (
        api.post("/v1/bookings", body, headers={"Idempotency-Key": "daily"}).get_json()["id"]
        == first["id"]
    )
    clock.advance(timedelta(minutes=1))
    later = dict(body, startTime="2026-03-03T09:00:00Z")  # another body: no mismatch now
    fresh = api.post("/v1/bookings", later, headers={"Idempotency-Key": "daily"})
    assert fresh.status_code == 201
    assert fresh.get_json()["id"] != first["id"]
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 1


def test_a_key_still_in_progress_gets_409(api: Api, body: dict) -> None:
    api.post("/v1/bookings", body, headers={"Idempotency-Key": "slow"})
    # As if the first request were still running: its record has no answer yet.
    db.session.execute(
        sa.update(IdempotencyRecord).values(response_status=None, response_body=None)
    )
    db.session.commit()
    response = api.post("/v1/bookings", body, headers={"Idempotency-Key": "slow"})
    assert response.status_code == 409
    assert error_code(response) == "IDEMPOTENCY_IN_PROGRESS"


@pytest.mark.parametrize("key", ["", "x" * 201, "naïve"], ids=["empty", "long", "non-ascii"])
def test_a_malformed_key_gets_422(api: Api, body: dict, key: str) -> None:
    response = api.client.post(
        "/v1/bookings",
        json=body,
        headers={
            "Authorization": f"Bearer {api.key}",
            "Idempotency-Key": key.encode().decode("latin-1"),
        },
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RACERS + 2}}


@pytest.mark.slow
@pytest.mark.usefixtures("backend")
def test_concurrent_retries_with_one_key_create_exactly_one_booking(
    api: Api, body: dict, live_server
) -> None:
    headers = {"Authorization": f"Bearer {api.key}", "Idempotency-Key": "retry-storm"}
    results = race(f"{live_server.url}/v1/bookings", body, headers, RACERS)

    created = {payload["id"] for status, payload in results if status == 201}
    others = Counter(payload["error"]["code"] for status, payload in results if status != 201)
    print(f"idempotent retries: {len(results) - sum(others.values())} x 201, {dict(others)}")
    assert len(created) == 1
    assert set(others) <= {"IDEMPOTENCY_IN_PROGRESS"}
    assert bookings() == 1
