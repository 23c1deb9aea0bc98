"""Availability calls: slots, end times (hourly), free days (daily), slot objects."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bookingsite.api import schemas
from bookingsite.api.routing import OPERATIONS
from bookingsite.extensions import db
from tests.functional.api.conftest import Api, create_room_service

DAY = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T12:00:00Z"}


def slots(api: Api, service_id: int, **body) -> list[dict]:
    response = api.post(f"/v1/services/{service_id}/availability/slots", DAY | body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slots"]


def test_slots_default_to_the_shortest_option(api: Api) -> None:
    ids = create_room_service(
        api,
        variants=[{"durationMinutes": 90}, {"durationMinutes": 30}],
        bufferAfterMinutes=0,
        gridStepMinutes=30,
    )
    found = slots(api, ids["service"])
    assert [s["startTime"][11:16] for s in found][:3] == ["08:00", "08:30", "09:00"]
    assert found[0]["endTime"] == "2026-03-02T08:30:00Z"
    longer = slots(api, ids["service"], durationMs=90 * 60_000)
    assert longer[-1] == longer[-1] | {
        "startTime": "2026-03-02T10:30:00Z",
        "endTime": "2026-03-02T12:00:00Z",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endTime": "2026-03-02T08:00:00Z"}, "endTime"),
        ({"endTime": "2026-06-03T08:00:00Z"}, "endTime"),  # over 92 days
        ({"durationMs": 45 * 60_000}, "durationMs"),
        ({"durationMs": 60 * 60_000 + 1}, "durationMs"),
        ({"resourceId": 9999}, "resourceId"),
        ({"startTime": "tomorrow"}, "startTime"),
        ({"startTime": "0001-01-01T00:00:00+01:00"}, "startTime"),
    ],
)
def test_slot_queries_are_validated(api: Api, body: dict, field: str) -> None:
    ids = create_room_service(api)
    response = api.post(f"/v1/services/{ids['service']}/availability/slots", DAY | body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


def test_local_times_follow_the_resources_zone(api: Api) -> None:
    ids = create_room_service(api)
    api.patch(f"/v1/resources/{ids['room']}", {"timezone": "America/New_York"})
    first = slots(api, ids["service"])[0]
    assert first["localStartTime"].endswith("-05:00")


def test_each_slot_names_its_resources_zone_and_the_answer_the_venues(api: Api) -> None:
    """A venue in Berlin with a room of its own in New York and one in the venue's zone:
    each slot (and each end time) says which zone its local times are in."""
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120}
    )
    api.patch(f"/v1/resources/{ids['room']}", {"timezone": "America/New_York"})
    berlin = api.post("/v1/resources", {"venueId": ids["venue"], "name": "Room B"}).get_json()
    service = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Either room",
            "resourceIds": [ids["room"], berlin["id"]],
            "durationRange": {"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120},
        },
    ).get_json()
    zones = {ids["room"]: ("America/New_York", "-05:00"), berlin["id"]: ("Europe/Berlin", "+01:00")}

    for resource_id, (zone, offset) in zones.items():
        answer = api.post(
            f"/v1/services/{service['id']}/availability/slots", DAY | {"resourceId": resource_id}
        ).get_json()
        assert answer["timezone"] == "Europe/Berlin"  # the venue's
        assert answer["slots"]
        for slot in answer["slots"]:
            assert slot["resourceId"] == resource_id
            assert slot["timezone"] == zone
            assert slot["localStartTime"].endswith(offset)
            assert slot["localEndTime"].endswith(offset)

    for resource_id, (zone, offset) in zones.items():
        ends = api.post(
            f"/v1/services/{service['id']}/availability/end-times",
            {"startTime": "2026-03-02T09:00:00Z", "resourceId": resource_id},
        ).get_json()
        assert ends["timezone"] == "Europe/Berlin"
        assert ends["endTimes"]
        assert all(e["timezone"] == zone for e in ends["endTimes"])
        assert all(e["localEndTime"].endswith(offset) for e in ends["endTimes"])


def test_the_document_says_whose_zone_each_timezone_is(client) -> None:
    schemas = client.get("/v1/openapi.json").get_json()["components"]["schemas"]
    for answer, entry in [("SlotsOut", "SlotOut"), ("EndTimesOut", "EndTimeOut")]:
        assert "venue's" in schemas[answer]["properties"]["timezone"]["description"]
        assert "resource's" in schemas[entry]["properties"]["timezone"]["description"]
        assert "timezone" in schemas[entry]["required"]


def test_end_times_for_an_hourly_range_stop_at_the_first_conflict(api: Api) -> None:
    ids = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        gridAlignmentMinutes=30,
        durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 240},
    )
    api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T11:30:00Z",
            "endTime": "2026-03-02T12:00:00Z",
        },
    )
    response = api.post(
        f"/v1/services/{ids['service']}/availability/end-times",
        {"startTime": "2026-03-02T09:00:00Z"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["startTime"] == "2026-03-02T09:00:00Z"
    assert [(e["endTime"][11:16], e["durationMinutes"]) for e in body["endTimes"]] == [
        ("10:00", 60),
        ("10:30", 90),
        ("11:00", 120),
        ("11:30", 150),
    ]
    # Slots of an hourly range are listed for its minimum duration.
    listed = slots(api, ids["service"])
    assert listed[0]["endTime"] == "2026-03-02T09:00:00Z"

    fixed = create_room_service(api)
    refused = api.post(
        f"/v1/services/{fixed['service']}/availability/end-times",
        {"startTime": "2026-03-02T09:00:00Z"},
    )
    assert refused.status_code == 422


def test_daily_ranges_answer_per_day_with_their_end_days(api: Api) -> None:
    ids = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        durationRange={"unit": "DAY", "minDays": 1, "maxDays": 3},
    )
    # A booking on the 4th cuts runs starting on the 2nd after two days.
    api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-04T10:00:00Z",
            "endTime": "2026-03-04T11:00:00Z",
        },
    )
    response = api.post(
        f"/v1/services/{ids['service']}/availability/days",
        {"firstDay": "2026-03-02", "lastDay": "2026-03-05"},
    )
    assert response.status_code == 200
    days = response.get_json()["days"]
    assert [d["day"] for d in days] == ["2026-03-02", "2026-03-03", "2026-03-05"]
    assert days[0]["startTime"] == "2026-03-01T23:00:00Z"  # local midnight, UTC+1
    assert [e["lastDay"] for e in days[0]["endDays"]] == ["2026-03-02", "2026-03-03"]
    assert days[0]["endDays"][-1]["endTime"] == "2026-03-03T23:00:00Z"

    ends = api.post(
        f"/v1/services/{ids['service']}/availability/end-times",
        {"startTime": "2026-03-01T23:00:00Z"},
    ).get_json()["endTimes"]
    assert [e["endTime"] for e in ends] == ["2026-03-02T23:00:00Z", "2026-03-03T23:00:00Z"]

    # The slot search lists whole days too.
    whole = api.post(
        f"/v1/services/{ids['service']}/availability/slots",
        {"startTime": "2026-03-01T23:00:00Z", "endTime": "2026-03-03T23:00:00Z"},
    )
    assert [s["startTime"] for s in whole.get_json()["slots"]] == [
        "2026-03-01T23:00:00Z",
        "2026-03-02T23:00:00Z",
    ]

    hourly_only = create_room_service(api)
    assert (
        api.post(
            f"/v1/services/{hourly_only['service']}/availability/days",
            {"firstDay": "2026-03-02", "lastDay": "2026-03-05"},
        ).status_code
        == 422
    )
    too_many = api.post(
        f"/v1/services/{ids['service']}/availability/days",
        {"firstDay": "2026-03-02", "lastDay": "2026-09-05"},
    )
    assert too_many.status_code == 422
    assert "lastDay" in too_many.get_json()["error"]["fields"]


def test_get_availability_returns_slot_objects_per_variant(api: Api) -> None:
    ids = create_room_service(
        api,
        variants=[{"durationMinutes": 60}, {"durationMinutes": 120}],
        bufferAfterMinutes=0,
        gridStepMinutes=60,
    )
    service = api.get(f"/v1/services/{ids['service']}").get_json()
    short, long = (v["id"] for v in service["variants"])
    window = {
        "serviceId": ids["service"],
        "from": "2026-03-02T09:00:00Z",
        "to": "2026-03-02T11:00:00Z",
    }
    response = api.get("/v1/availability", **window)
    assert response.status_code == 200
    assert response.get_json()["slots"] == [
        {
            "startTime": "2026-03-02T09:00:00Z",
            "endTime": "2026-03-02T10:00:00Z",
            "venueId": ids["venue"],
            "serviceId": ids["service"],
            "variantId": short,
            "resourceId": ids["room"],
            "durationMinutes": 60,
        },
        {
            "startTime": "2026-03-02T09:00:00Z",
            "endTime": "2026-03-02T11:00:00Z",
            "venueId": ids["venue"],
            "serviceId": ids["service"],
            "variantId": long,
            "resourceId": ids["room"],
            "durationMinutes": 120,
        },
        {
            "startTime": "2026-03-02T10:00:00Z",
            "endTime": "2026-03-02T11:00:00Z",
            "venueId": ids["venue"],
            "serviceId": ids["service"],
            "variantId": short,
            "resourceId": ids["room"],
            "durationMinutes": 60,
        },
    ]
    only_long = api.get("/v1/availability", **window, variantId=long).get_json()["slots"]
    assert [s["variantId"] for s in only_long] == [long]
    wrong = api.get("/v1/availability", **window, variantId=99999)
    assert wrong.status_code == 422
    missing = api.get("/v1/availability", serviceId=ids["service"])
    assert set(missing.get_json()["error"]["fields"]) == {"from", "to"}


def test_get_availability_for_hourly_and_daily_services(api: Api) -> None:
    hourly = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120},
    )
    found = api.get(
        "/v1/availability",
        serviceId=hourly["service"],
        **{"from": "2026-03-02T09:00:00Z", "to": "2026-03-02T10:00:00Z"},
    )
    assert [(s["variantId"], s["durationMinutes"]) for s in found.get_json()["slots"]] == [
        (None, 60)
    ]
    daily = create_room_service(
        api,
        variants=None,
        bufferAfterMinutes=0,
        durationRange={"unit": "DAY", "minDays": 1, "maxDays": 2},
    )
    days = api.get(
        "/v1/availability",
        serviceId=daily["service"],
        **{"from": "2026-03-01T23:00:00Z", "to": "2026-03-02T23:00:00Z"},
    )
    assert [(s["startTime"], s["durationMinutes"]) for s in days.get_json()["slots"]] == [
        ("2026-03-01T23:00:00Z", 1440)
    ]


def test_lead_time_and_horizon_come_from_the_service(api: Api) -> None:
    ids = create_room_service(
        api, leadTimeMinutes=600, horizonDays=1, gridStepMinutes=60, bufferAfterMinutes=0
    )
    found = api.post(
        f"/v1/services/{ids['service']}/availability/slots",
        {"startTime": "2026-03-01T00:00:00Z", "endTime": "2026-03-03T00:00:00Z"},
    )
    starts = [s["startTime"] for s in found.get_json()["slots"]]
    assert starts[0] == "2026-03-01T10:00:00Z"  # now + 10 h, on the local hour grid
    assert starts[-1] == "2026-03-02T00:00:00Z"  # no later than now + 1 day


def test_the_slots_answer_is_what_its_schema_says(api: Api) -> None:
    """The slots answer is written out as JSON directly (for speed), not dumped from its
    model: it must still be exactly what the model would give."""
    ids = create_room_service(api)
    api.patch(f"/v1/resources/{ids['room']}", {"timezone": "America/New_York"})
    response = api.post(f"/v1/services/{ids['service']}/availability/slots", DAY)
    answer = response.get_json()
    assert answer["slots"]
    model = schemas.SlotsOut.model_validate(answer)
    assert model.model_dump(mode="json", by_alias=True) == answer


def test_searches_read_without_taking_the_write_lock(api: Api) -> None:
    """A search is a POST that only reads: on SQLite it must not queue behind holds for
    the write lock, and an Idempotency-Key means nothing to it."""
    ids = create_room_service(api)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        searched = api.post(f"/v1/services/{ids['service']}/availability/slots", DAY)
        searching = statements[:]
        first = searched.get_json()["slots"][0]["startTime"]
        held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": first})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert searched.status_code == 200
    assert "BEGIN IMMEDIATE" not in searching
    assert held.status_code == 201, held.get_json()
    assert "BEGIN IMMEDIATE" in statements[len(searching) :]
    searches = [op for op in OPERATIONS if op.search]
    assert len(searches) == 3
    assert not any(op.idempotent for op in searches)
