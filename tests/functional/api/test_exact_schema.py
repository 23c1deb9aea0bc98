"""The OpenAPI document says exactly what the server takes: instants as RFC 3339 text
with an offset in the supported years (never a number read as a Unix time), dates as
YYYY-MM-DD, time zones from zoneinfo's set, null only where the server takes it. Each
value below is judged twice, by the document (formats asserted, as Schemathesis does)
and by the server, and the two must agree."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

import jsonschema_rs
import pytest

from bookingsite.api.types import DAY_PATTERN, INSTANT_PATTERN
from bookingsite.bounds import EARLIEST_YEAR, LATEST_YEAR
from tests.functional.api.conftest import Api, create_room_service, error_code

INSTANT_MESSAGE = "Give an ISO-8601 instant with its offset, like 2026-03-01T09:00:00Z."
BOUNDS_MESSAGE = "Give an instant between the years 1970 and 2200."


@pytest.fixture
def spec(client) -> dict[str, Any]:
    return client.get("/v1/openapi.json").get_json()


def schema_takes(spec: dict, schema: dict, value: Any) -> bool:
    root = schema | {"components": spec["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True).is_valid(value)


def body_property(spec: dict, model: str, name: str) -> dict:
    return spec["components"]["schemas"][model]["properties"][name]


def query_parameter(spec: dict, path: str, name: str) -> dict:
    parameters = spec["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


def refused_on(response, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    assert error_code(response) == "VALIDATION_ERROR"
    fields = response.get_json()["error"]["fields"]
    assert field in fields, fields
    return fields[field]


# --- instants ---------------------------------------------------------------------------

GOOD_INSTANTS = [
    "2026-03-02T09:00:00Z",
    "2026-03-02T10:00:00+01:00",
    "2026-03-02T04:00:00-05:00",
    "2026-03-02T09:00:00.5Z",
    "2026-03-02T09:00:00.123456789Z",
    "2000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2200-12-31T23:59:59Z",
]
NOT_INSTANTS = [
    "0.5",
    "1772442000",
    "2026-03-02T09:00Z",  # no seconds
    "2026-03-02 09:00:00Z",
    "2026-03-02t09:00:00z",
    "2026-03-02T09:00:00",  # no offset
    "2026-03-02",
    "2026-02-30T09:00:00Z",
    "2026-03-02T24:00:00Z",
    "2026-03-02T09:00:60Z",
    "2026-03-02T09:00:00+24:00",
    "tomorrow",
    "",
]
OUT_OF_BOUNDS = ["1969-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T00:00:00Z"]


@pytest.mark.parametrize("value", GOOD_INSTANTS + NOT_INSTANTS + OUT_OF_BOUNDS)
def test_the_document_and_the_server_agree_on_query_instants(api: Api, spec, value) -> None:
    response = api.get("/v1/bookings", to=value)
    takes = schema_takes(spec, query_parameter(spec, "/v1/bookings", "to"), value)
    assert takes == (response.status_code == 200), response.get_json()
    if not takes:
        expected = BOUNDS_MESSAGE if value in OUT_OF_BOUNDS else INSTANT_MESSAGE
        assert refused_on(response, "to") == expected


@pytest.mark.parametrize("value", [0.5, 0, 1772442000, True, None, [], {}])
def test_no_number_is_an_instant_in_a_body(api: Api, spec, value) -> None:
    ids = create_room_service(api)
    response = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": value})
    assert refused_on(response, "startTime") == INSTANT_MESSAGE
    assert not schema_takes(spec, body_property(spec, "BookingIn", "startTime"), value)


@pytest.mark.parametrize("value", GOOD_INSTANTS + NOT_INSTANTS + OUT_OF_BOUNDS)
def test_the_document_and_the_server_agree_on_body_instants(api: Api, spec, value) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120}
    )
    response = api.post(
        f"/v1/services/{ids['service']}/availability/end-times", {"startTime": value}
    )
    takes = schema_takes(spec, body_property(spec, "EndTimesQuery", "startTime"), value)
    assert takes == (response.status_code == 200), response.get_json()
    if not takes:
        expected = BOUNDS_MESSAGE if value in OUT_OF_BOUNDS else INSTANT_MESSAGE
        assert refused_on(response, "startTime") == expected


@pytest.mark.parametrize("value", OUT_OF_BOUNDS)
def test_instants_outside_the_supported_years_are_refused(api: Api, value: str) -> None:
    ids = create_room_service(api)
    for response, field in [
        (api.get("/v1/bookings", **{"from": value}), "from"),
        (api.get("/v1/allocations", to=value), "to"),
        (api.get("/v1/availability", serviceId=ids["service"], to=value, **{"from": value}), "to"),
        (api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": value}), "startTime"),
        (
            api.post(
                f"/v1/services/{ids['service']}/availability/slots",
                {"startTime": "2026-03-02T00:00:00Z", "endTime": value},
            ),
            "endTime",
        ),
    ]:
        assert refused_on(response, field) == BOUNDS_MESSAGE


def test_the_document_states_the_written_form_and_bounds(spec) -> None:
    instant = body_property(spec, "BookingIn", "startTime")
    assert instant["type"] == "string"
    assert instant["format"] == "date-time"
    assert instant["pattern"].startswith("^(?:19[7-9][0-9]|2[01][0-9]{2}|2200)-")
    assert "1970" in instant["description"] and "2200" in instant["description"]
    day = body_property(spec, "DaysQuery", "firstDay")
    assert day | {"type": "string", "format": "date"} == day


def test_the_patterns_take_exactly_the_supported_years() -> None:
    for year in range(1000, 10000):
        day = f"{year}-06-15"
        supported = EARLIEST_YEAR <= year <= LATEST_YEAR
        assert bool(re.fullmatch(DAY_PATTERN, day)) is supported, year
        assert bool(re.fullmatch(INSTANT_PATTERN, day + "T12:00:00Z")) is supported, year


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-03-02", 20260302, 0, "0", "2026-3-2", "2026-02-30", "9999-12-31"]
)
def test_the_document_and_the_server_agree_on_dates(api: Api, spec, value) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "DAY", "minDays": 1, "maxDays": 3}
    )
    response = api.post(
        f"/v1/services/{ids['service']}/availability/days",
        {"firstDay": value, "lastDay": "2026-03-05"},
    )
    takes = schema_takes(spec, body_property(spec, "DaysQuery", "firstDay"), value)
    assert takes == (response.status_code == 200), response.get_json()
    if not takes:
        refused_on(response, "firstDay")


@pytest.mark.parametrize("key", ["2026-12-25", "0266-06-20", "2026-02-30", "2026-12-25T00:00:00Z"])
def test_the_document_and_the_server_agree_on_dates_as_keys(api: Api, spec, key) -> None:
    ids = create_room_service(api)
    response = api.patch(f"/v1/resources/{ids['room']}", {"exceptions": {key: []}})
    takes = schema_takes(spec, body_property(spec, "ResourcePatch", "exceptions"), {key: []})
    assert takes == (response.status_code == 200), response.get_json()


# --- time zones -------------------------------------------------------------------------


def test_the_document_lists_the_zones_the_server_accepts(spec) -> None:
    zones = spec["components"]["schemas"]["TimeZone"]
    assert zones["type"] == "string"
    assert zones["enum"] == sorted(available_timezones())
    assert body_property(spec, "VenueIn", "timezone") == {"$ref": "#/components/schemas/TimeZone"}


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Berlin",
        "UTC",
        "America/Argentina/Buenos_Aires",
        "Mars/Olympus",
        "europe/berlin",
        "",
        " UTC",
        "+01:00",
        1,
        None,
    ],
)
def test_the_document_and_the_server_agree_on_venue_zones(api: Api, spec, zone) -> None:
    response = api.post("/v1/venues", {"name": "Somewhere", "timezone": zone})
    takes = schema_takes(spec, body_property(spec, "VenueIn", "timezone"), zone)
    assert takes == (response.status_code == 201), response.get_json()
    if not takes:
        refused_on(response, "timezone")


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Not/AZone", None])
def test_the_document_and_the_server_agree_on_resource_zones(api: Api, spec, zone) -> None:
    ids = create_room_service(api)
    created = api.post("/v1/resources", {"venueId": ids["venue"], "name": "B", "timezone": zone})
    patched = api.patch(f"/v1/resources/{ids['room']}", {"timezone": zone})
    for response, model in [(created, "ResourceIn"), (patched, "ResourcePatch")]:
        takes = schema_takes(spec, body_property(spec, model, "timezone"), zone)
        assert takes == (response.status_code in (200, 201)), (model, response.get_json())
    if zone is None:  # null: the venue's zone
        assert created.get_json()["timezone"] == patched.get_json()["timezone"] == "Europe/Berlin"


# --- null -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "nullable"),
    [
        ("timezone", True),
        ("workingHours", True),
        ("name", False),
        ("capacity", False),
        ("active", False),
        ("exceptions", False),
    ],
)
def test_a_patch_takes_null_exactly_where_the_document_says(
    api: Api, spec, field: str, nullable: bool
) -> None:
    ids = create_room_service(api)
    response = api.patch(f"/v1/resources/{ids['room']}", {field: None})
    assert schema_takes(spec, body_property(spec, "ResourcePatch", field), None) is nullable
    if nullable:
        assert response.status_code == 200, response.get_json()
    else:
        assert refused_on(response, field) == "This field cannot be null."


@pytest.mark.parametrize("body", [{"customer": None}, {}, {"customer": {"name": "Ada"}}])
def test_confirm_takes_a_null_customer_and_the_document_says_so(api: Api, spec, body) -> None:
    ids = create_room_service(api)
    held = api.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2026-03-02T09:00:00Z"}
    )
    assert held.status_code == 201, held.get_json()
    ref = spec["paths"]["/v1/bookings/{bookingId}/confirm"]["post"]["requestBody"]
    assert schema_takes(spec, ref["content"]["application/json"]["schema"], body)
    confirmed = api.post(f"/v1/bookings/{held.get_json()['id']}/confirm", body)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["customer"]["name"] == (body.get("customer") or {}).get("name", "")


def test_a_query_never_offers_null(spec) -> None:
    """A query string cannot say null: an optional parameter is left out instead."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation["parameters"]:
                text = repr(parameter["schema"])
                assert "'null'" not in text and "'default': None" not in text, (
                    method,
                    path,
                    parameter,
                )
