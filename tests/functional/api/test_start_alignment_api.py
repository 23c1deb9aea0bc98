"""`startAlignment` on services: created, read, patched and refused like every other set-up
field, and the slots follow it. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.api.conftest import Api, create_room_service, error_code

pytestmark = pytest.mark.usefixtures("backend")

# Monday 2 March 2026, 09:00-12:00 in Berlin (UTC+1); the room opens 09:10-12:00 there, and
# the starts below are UTC (a 60-minute slot every 30 minutes).
OPENING_STARTS = ["08:10", "08:40", "09:10", "09:40"]  # 09:10, 09:40... in Berlin
CLOCK_STARTS = ["08:30", "09:00", "09:30", "10:00"]  # 09:30, 10:00... in Berlin
MORNING = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T11:00:00Z"}


def refused(response: Any, field: str) -> str:
    """422 on `field`: malformed (VALIDATION_ERROR) or against a rule the document cannot
    state (RULE_BROKEN); test_schema_mismatches tells the two apart."""
    assert response.status_code == 422, response.get_json()
    assert error_code(response) in ("VALIDATION_ERROR", "RULE_BROKEN")
    fields = response.get_json()["error"]["fields"]
    assert field in fields, fields
    return fields[field]


def utc_starts(api: Api, service_id: int) -> list[str]:
    response = api.post(f"/v1/services/{service_id}/availability/slots", MORNING)
    assert response.status_code == 200, response.get_json()
    return [slot["startTime"][11:16] for slot in response.get_json()["slots"]]


def opening_at_ten_past_nine(api: Api, ids: dict[str, int]) -> None:
    response = api.patch(
        f"/v1/resources/{ids['room']}", {"workingHours": {"mon": [["09:10", "12:00"]]}}
    )
    assert response.status_code == 200, response.get_json()


def test_existing_behaviour_is_the_default(api: Api) -> None:
    ids = create_room_service(api, bufferAfterMinutes=0, gridStepMinutes=30)
    service = api.get(f"/v1/services/{ids['service']}").get_json()
    assert service["startAlignment"] == "opening"
    opening_at_ten_past_nine(api, ids)
    assert utc_starts(api, ids["service"]) == OPENING_STARTS


def test_create_on_the_clock_and_read_it_back(api: Api) -> None:
    ids = create_room_service(api, bufferAfterMinutes=0, gridStepMinutes=30, startAlignment="clock")
    path = f"/v1/services/{ids['service']}"

    service = api.get(path).get_json()
    listed = api.get("/v1/services", venueId=ids["venue"]).get_json()["data"]

    assert service["startAlignment"] == "clock"
    assert [s["startAlignment"] for s in listed] == ["clock"]
    opening_at_ten_past_nine(api, ids)
    assert utc_starts(api, ids["service"]) == CLOCK_STARTS


def test_patch_switches_the_grid_and_back(api: Api) -> None:
    ids = create_room_service(api, bufferAfterMinutes=0, gridStepMinutes=30)
    opening_at_ten_past_nine(api, ids)
    path = f"/v1/services/{ids['service']}"
    before = api.get(path).get_json()

    on_the_clock = api.patch(path, {"startAlignment": "clock"})

    assert on_the_clock.status_code == 200, on_the_clock.get_json()
    assert on_the_clock.get_json() == before | {"startAlignment": "clock"}
    assert api.get(path).get_json() == on_the_clock.get_json()
    assert utc_starts(api, ids["service"]) == CLOCK_STARTS

    back = api.patch(path, {"startAlignment": "opening"})
    assert back.get_json() == before
    assert utc_starts(api, ids["service"]) == OPENING_STARTS


@pytest.mark.parametrize("value", ["sideways", "CLOCK", "", 1, None])
def test_an_unknown_alignment_is_refused(api: Api, value: Any) -> None:
    ids = create_room_service(api)
    path = f"/v1/services/{ids['service']}"
    before = api.get(path).get_json()

    assert refused(api.patch(path, {"startAlignment": value}), "startAlignment")
    created = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Other",
            "resourceIds": [ids["room"]],
            "variants": [{"durationMinutes": 60}],
            "startAlignment": value,
        },
    )
    assert refused(created, "startAlignment")
    assert api.get(path).get_json() == before


def test_on_the_clock_the_step_must_divide_a_day(api: Api) -> None:
    """The seed's service steps by its hour plus 15 minutes: fine from each opening,
    refused on the clock (it would drift from day to day), by the admin's rule."""
    ids = create_room_service(api)  # 60 minutes + 15 after, no step: 75 minutes
    path = f"/v1/services/{ids['service']}"

    message = refused(api.patch(path, {"startAlignment": "clock"}), "gridStepMinutes")

    assert message == (
        "Starts on the clock need a step that divides a day evenly, such as 15, 30 or 60 "
        "minutes; the step here is 75 minutes."
    )
    both = api.patch(path, {"startAlignment": "clock", "gridStepMinutes": 15})
    assert both.status_code == 200, both.get_json()
    # back to no step: 60 + 40 minutes, rounded up to the 15-minute alignment, is 105
    drifting = api.patch(path, {"bufferAfterMinutes": 40, "gridStepMinutes": None})
    assert "105 minutes" in refused(drifting, "gridStepMinutes")


def test_the_document_describes_the_field(client) -> None:
    spec = client.get("/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for model in ("ServiceIn", "ServicePatch", "ServiceOut"):
        prop = schemas[model]["properties"]["startAlignment"]
        assert "clock" in prop["description"] and "opening" in prop["description"]
    assert sorted(schemas["StartAlignment"]["enum"]) == ["clock", "opening"]
    assert "startAlignment" in schemas["ServiceOut"]["required"]
