"""Seed 000, through HTTP, exactly: block 08:00-09:00Z, ask for 09:00-18:00Z, book the
first slot (10:00 local), see the second request refused, confirm."""

from __future__ import annotations

from tests.functional.api.conftest import Api, create_room_service, error_code


def test_seed_000_walkthrough(api: Api) -> None:
    ids = create_room_service(api)

    block = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-01T08:00:00Z",
            "endTime": "2026-03-01T09:00:00Z",
            "reason": "maintenance",
        },
    )
    assert block.status_code == 201
    assert block.get_json()["resourceId"] == ids["room"]

    slots = api.post(
        f"/v1/services/{ids['service']}/availability/slots",
        {
            "startTime": "2026-03-01T09:00:00Z",
            "endTime": "2026-03-01T18:00:00Z",
            "durationMs": 3600000,
        },
    )
    assert slots.status_code == 200
    body = slots.get_json()
    assert body["timezone"] == "Europe/Berlin"
    local_starts = [s["localStartTime"][11:16] for s in body["slots"]]
    assert local_starts == ["10:00", "11:15", "12:30", "13:45", "15:00", "16:15", "17:30"]
    first = body["slots"][0]
    assert first == {
        "startTime": "2026-03-01T09:00:00Z",
        "endTime": "2026-03-01T10:00:00Z",
        "resourceId": ids["room"],
        "timezone": "Europe/Berlin",  # the resource's (here the venue's) zone
        "localStartTime": "2026-03-01T10:00:00+01:00",
        "localEndTime": "2026-03-01T11:00:00+01:00",
    }

    booking = {
        "serviceId": ids["service"],
        "resourceId": ids["room"],
        "startTime": "2026-03-01T09:00:00Z",
        "endTime": "2026-03-01T10:00:00Z",
    }
    held = api.post("/v1/bookings", booking)
    assert held.status_code == 201
    hold = held.get_json()
    assert hold["status"] == "hold"
    assert hold["expiresAt"] == "2026-03-01T00:10:00Z"  # the venue's 10-minute TTL

    again = api.post("/v1/bookings", booking)
    assert again.status_code == 409
    assert error_code(again) == "SLOT_TAKEN"
    assert again.get_json()["error"]["alternatives"][0] == "2026-03-01T10:15:00Z"

    confirmed = api.post(f"/v1/bookings/{hold['id']}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["expiresAt"] is None
