"""Bookings: hold, confirm, cancel, read, list; every error code they can answer."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from tests.functional.api.conftest import Api, create_room_service, error_code

TEN = "2026-03-02T09:00:00Z"  # 10:00 in Berlin, on the service's 75-minute grid


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


def hold(api: Api, service_id: int, start: str = TEN, **fields) -> dict:
    response = api.post("/v1/bookings", {"serviceId": service_id, "startTime": start} | fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_hold_answers_201_with_the_booking(api: Api, ids: dict) -> None:
    booking = hold(api, ids["service"], customer={"name": "Ada", "email": "ada@example.org"})
    assert booking == booking | {
        "status": "hold",
        "venueId": ids["venue"],
        "serviceId": ids["service"],
        "resourceIds": [ids["room"]],
        "startTime": TEN,
        "endTime": "2026-03-02T10:00:00Z",
        "expiresAt": "2026-03-01T00:10:00Z",
        "guests": 1,
        "groupId": None,
        "createdAt": "2026-03-01T00:00:00Z",
    }
    assert booking["reference"].startswith("BK-")
    assert booking["customer"]["name"] == "Ada"
    assert api.get(f"/v1/bookings/{booking['id']}").get_json() == booking


def test_a_taken_range_gets_409_slot_taken_with_alternatives(api: Api, ids: dict) -> None:
    hold(api, ids["service"])
    # Overlapping through the after-buffer counts too.
    response = api.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2026-03-02T10:15:00Z"}
    )
    assert response.status_code == 201
    taken = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert taken.status_code == 409
    error = taken.get_json()["error"]
    assert error["code"] == "SLOT_TAKEN"
    assert error["message"]
    assert error["alternatives"] == [
        "2026-03-02T11:30:00Z",
        "2026-03-02T12:45:00Z",
        "2026-03-02T14:00:00Z",
    ]


@pytest.mark.parametrize(
    ("start", "reason"),
    [("2026-03-02T09:05:00Z", "off_grid"), ("2025-12-01T09:00:00Z", "too_soon")],
)
def test_a_range_the_rules_refuse_gets_422_slot_unavailable(
    api: Api, ids: dict, start: str, reason: str
) -> None:
    response = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": start})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "SLOT_UNAVAILABLE"
    assert error["reason"] == reason
    assert "startTime" in error["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endTime": "2026-03-02T08:00:00Z"}, "endTime"),
        ({"endTime": "2026-03-02T09:30:00Z"}, "endTime"),  # no option lasts 30 minutes
        ({"guests": 0}, "guests"),
        ({"resourceId": 424242}, "resourceId"),
        ({"customer": {"name": 5}}, "customer.name"),
        ({"startTime": None}, "startTime"),
    ],
)
def test_booking_input_is_validated(api: Api, ids: dict, body: dict, field: str) -> None:
    response = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN} | body)
    assert response.status_code == 422
    # An end before the start breaks a rule (RULE_BROKEN); test_schema_mismatches tells
    # the two codes apart.
    assert response.get_json()["error"]["code"] in ("VALIDATION_ERROR", "RULE_BROKEN")
    assert field in response.get_json()["error"]["fields"], response.get_json()


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1, 2]", b"\xff\xfe", b"null", b"[" * 100_000],
    ids=["cut", "array", "bytes", "null", "deep"],
)
def test_a_malformed_body_gets_422_not_500(api: Api, raw: bytes) -> None:
    response = api.client.post(
        "/v1/bookings",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "The body must be a JSON object."}


def test_an_unknown_service_or_booking_gets_404(api: Api) -> None:
    response = api.post("/v1/bookings", {"serviceId": 777, "startTime": TEN})
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert api.get("/v1/bookings/777").status_code == 404
    assert api.get("/v1/bookings/99999999999999999999").status_code == 404
    assert error_code(api.get("/v1/no-such-thing")) == "NOT_FOUND"


def test_a_wrong_method_gets_405_in_the_envelope(api: Api) -> None:
    response = api.client.put("/v1/bookings")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_confirm_then_confirm_again(api: Api, ids: dict) -> None:
    booking = hold(api, ids["service"])
    confirmed = api.post(
        f"/v1/bookings/{booking['id']}/confirm",
        {"customer": {"name": "Grace", "phone": "+49 30 1234"}},
    )
    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["customer"]["name"] == "Grace"
    again = api.post(f"/v1/bookings/{booking['id']}/confirm")
    assert again.status_code == 200
    assert again.get_json()["status"] == "confirmed"


def test_confirming_after_the_hold_lapsed_gets_409_hold_expired(
    api: Api, ids: dict, clock: FrozenClock
) -> None:
    booking = hold(api, ids["service"])
    clock.advance(timedelta(minutes=10))
    assert api.get(f"/v1/bookings/{booking['id']}").get_json()["status"] == "expired"
    response = api.post(f"/v1/bookings/{booking['id']}/confirm")
    assert response.status_code == 409
    assert error_code(response) == "HOLD_EXPIRED"
    # The lapsed hold blocks nothing: the same range can be held again.
    assert (
        api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN}).status_code == 201
    )


def test_cancel_frees_the_range_and_a_cancelled_booking_cannot_be_confirmed(
    api: Api, ids: dict
) -> None:
    booking = hold(api, ids["service"])
    cancelled = api.post(f"/v1/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["expiresAt"] is None
    assert api.post(f"/v1/bookings/{booking['id']}/cancel").status_code == 200  # harmless
    response = api.post(f"/v1/bookings/{booking['id']}/confirm")
    assert response.status_code == 409
    assert error_code(response) == "INVALID_STATE"
    assert (
        api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN}).status_code == 201
    )


def test_hourly_and_daily_bookings(api: Api) -> None:
    hourly = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        gridAlignmentMinutes=30,
        durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 180},
    )
    two_hours = hold(api, hourly["service"], endTime="2026-03-02T11:00:00Z")
    assert two_hours["variantId"] is None
    too_long = api.post(
        "/v1/bookings",
        {
            "serviceId": hourly["service"],
            "startTime": "2026-03-03T09:00:00Z",
            "endTime": "2026-03-03T14:00:00Z",
        },
    )
    assert too_long.status_code == 422
    assert "endTime" in too_long.get_json()["error"]["fields"]

    daily = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        durationRange={"unit": "DAY", "minDays": 1, "maxDays": 3},
    )
    # Around the clock, a two-day rental is one continuous booking.
    rental = hold(
        api, daily["service"], start="2026-03-01T23:00:00Z", endTime="2026-03-03T23:00:00Z"
    )
    assert (rental["startTime"], rental["endTime"]) == (
        "2026-03-01T23:00:00Z",
        "2026-03-03T23:00:00Z",
    )


def test_list_bookings_pages_with_a_cursor_and_filters(
    api: Api, ids: dict, clock: FrozenClock
) -> None:
    starts = [
        "2026-03-02T09:00:00Z",
        "2026-03-02T10:15:00Z",
        "2026-03-02T11:30:00Z",
        "2026-03-03T09:00:00Z",
        "2026-03-03T10:15:00Z",
    ]
    made = [hold(api, ids["service"], start=s) for s in starts]
    api.post(f"/v1/bookings/{made[0]['id']}/confirm")
    api.post(f"/v1/bookings/{made[1]['id']}/cancel")

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/v1/bookings", **params).get_json()
        seen += [b["id"] for b in page["data"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [b["id"] for b in made]

    def ids_for(**params) -> list[int]:
        return [b["id"] for b in api.get("/v1/bookings", **params).get_json()["data"]]

    assert ids_for(status="confirmed") == [made[0]["id"]]
    assert ids_for(status="cancelled") == [made[1]["id"]]
    assert ids_for(**{"from": "2026-03-03T00:00:00Z"}) == [made[3]["id"], made[4]["id"]]
    assert ids_for(to="2026-03-02T10:15:00Z") == [made[0]["id"]]
    assert ids_for(venueId=ids["venue"], status="hold") == [b["id"] for b in made[2:]]
    clock.advance(timedelta(hours=1))
    assert ids_for(status="hold") == []
    assert ids_for(status="expired") == [b["id"] for b in made[2:]]

    bad = api.get("/v1/bookings", cursor="not-a-cursor")
    assert bad.status_code == 422
    assert "cursor" in bad.get_json()["error"]["fields"]
    assert api.get("/v1/bookings", status="lost").status_code == 422
    assert api.get("/v1/bookings", limit=0).status_code == 422


def test_a_hold_is_one_short_transaction(api: Api, ids: dict, backend: str) -> None:
    """Served as in production (a thread of its own, so its own app context and session),
    a hold reads the set-up revision (the key's partner, the service with its options
    and resources, and which venues have webhook endpoints are this process's copies,
    current under it), the key's live holds (its cap) and the busy time of the asked
    range (occupancies, then blocks), then writes one row per booking and occupancy: no
    scan, no sweep of lapsed holds, no read back after the commit. (SQLite reads the
    revision again in its write transaction: taking the write lock ends the read one.)"""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(" ".join(statement.split()))

    def hold_in_own_context(start: str) -> int:
        answer: list[int] = []
        body = {"serviceId": ids["service"], "startTime": start}
        thread = threading.Thread(
            target=lambda: answer.append(api.post("/v1/bookings", body).status_code)
        )
        thread.start()
        thread.join()
        return answer[0]

    assert hold_in_own_context(TEN) == 201  # the key's first use is recorded once
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert hold_in_own_context("2026-03-02T11:30:00Z") == 201
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    work = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # A service's resources are read through the link table, by whichever side.
    read_from = [
        s.split(" FROM ")[1].split()[0].rstrip(",") for s in work if s.startswith("SELECT")
    ]
    reads = [table.removeprefix("service_") for table in read_from]
    revision = ["setup_revision"] * (2 if backend == "sqlite" else 1)
    assert reads == [*revision, "bookings", "occupancies", "allocations"], work
    writes = [s.split()[2] for s in work if not s.startswith("SELECT")]
    assert writes == ["bookings", "occupancies"], work
