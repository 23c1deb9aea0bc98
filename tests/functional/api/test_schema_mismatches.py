"""One regression test per kind of mismatch Schemathesis found between the OpenAPI
document and the server: each value is judged by the document (formats asserted, as
Schemathesis does) and by the server, and the two must agree. Where the document takes a
value and the server still refuses it, the refusal is RULE_BROKEN (a rule no schema
states), never VALIDATION_ERROR (which says the document refuses it too)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookingsite.api.routing import OPERATIONS
from tests.functional.api.conftest import Api, create_room_service, error_code

CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def spec(client) -> dict[str, Any]:
    return client.get("/v1/openapi.json").get_json()


def takes(spec: dict, schema: dict, value: Any) -> bool:
    root = schema | {"components": spec["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True).is_valid(value)


def body_schema(spec: dict, model: str) -> dict:
    return {"$ref": f"#/components/schemas/{model}"}


def refused(response, code: str, field: str) -> None:
    assert response.status_code == 422, response.get_json()
    assert error_code(response) == code, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()


# --- NUL characters: the document's pattern and the server's check ---------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Room\x00A"}, "name"),
        ({"skills": ["ok", "mass\x00age"]}, "skills.1"),
        ({"metadata": {"floor": "2\x00"}}, "metadata"),
        ({"metadata": {"deep": [{"k\x00ey": 1}]}}, "metadata"),
    ],
    ids=["name", "skills", "metadata-value", "metadata-key"],
)
def test_nul_is_refused_by_the_document_and_the_server(
    api: Api, spec, fields: dict, field: str
) -> None:
    ids = create_room_service(api)
    body = {"venueId": ids["venue"], "name": "B"} | fields
    assert not takes(spec, body_schema(spec, "ResourceIn"), body)
    refused(api.post("/v1/resources", body), "VALIDATION_ERROR", field)


def test_metadata_of_any_json_without_nul_is_taken_by_both(api: Api, spec) -> None:
    ids = create_room_service(api)
    metadata = {"floor": 2, "tags": ["a", None, True, 1.5], "where": {"wing": "east"}}
    body = {"venueId": ids["venue"], "name": "B", "metadata": metadata}
    assert takes(spec, body_schema(spec, "ResourceIn"), body)
    created = api.post("/v1/resources", body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["metadata"] == metadata


# --- rules no schema states: RULE_BROKEN, on a body the document takes ------------------


def test_an_end_before_the_start_is_a_broken_rule(api: Api, spec) -> None:
    ids = create_room_service(api)
    body = {
        "serviceId": ids["service"],
        "startTime": "2026-03-02T10:00:00Z",
        "endTime": "2026-03-02T09:00:00Z",
    }
    assert takes(spec, body_schema(spec, "BookingIn"), body)
    refused(api.post("/v1/bookings", body), "RULE_BROKEN", "endTime")

    window = {"startTime": "2026-03-02T10:00:00Z", "endTime": "2026-03-02T09:00:00Z"}
    assert takes(spec, body_schema(spec, "SlotsQuery"), window)
    slots = api.post(f"/v1/services/{ids['service']}/availability/slots", window)
    refused(slots, "RULE_BROKEN", "endTime")


def test_a_last_day_before_the_first_is_a_broken_rule(api: Api, spec) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "DAY", "minDays": 1, "maxDays": 3}
    )
    body = {"firstDay": "2026-03-05", "lastDay": "2026-03-02"}
    assert takes(spec, body_schema(spec, "DaysQuery"), body)
    days = api.post(f"/v1/services/{ids['service']}/availability/days", body)
    refused(days, "RULE_BROKEN", "lastDay")


@pytest.mark.parametrize(
    "hours",
    [{"mon": [["18:00", "09:00"]]}, {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}],
    ids=["closes-before-it-opens", "overlapping"],
)
def test_periods_out_of_order_are_a_broken_rule(api: Api, spec, hours: dict) -> None:
    ids = create_room_service(api)
    body = {"venueId": ids["venue"], "name": "B", "workingHours": hours}
    assert takes(spec, body_schema(spec, "ResourceIn"), body)
    refused(api.post("/v1/resources", body), "RULE_BROKEN", "workingHours")


def test_a_rule_and_a_malformed_value_together_are_malformed(api: Api) -> None:
    ids = create_room_service(api)
    body = {"venueId": ids["venue"], "name": "", "workingHours": {"mon": [["18:00", "09:00"]]}}
    response = api.post("/v1/resources", body)
    refused(response, "VALIDATION_ERROR", "name")
    assert "workingHours" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("cursor", "code"),
    [("WzEsMl0x", "RULE_BROKEN"), ("not a cursor!", "VALIDATION_ERROR")],
    ids=["of-the-form-but-no-pages", "malformed"],
)
def test_a_cursor_no_page_gave_is_a_broken_rule(api: Api, spec, cursor: str, code: str) -> None:
    parameters = spec["paths"]["/v1/venues"]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == "cursor")
    assert takes(spec, schema, cursor) is (code == "RULE_BROKEN")
    refused(api.get("/v1/venues", cursor=cursor), code, "cursor")


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("desk@rooms.example.com", None),
        ("desk@rooms.test", "RULE_BROKEN"),  # a special-use domain: no mail goes there
        ("not an address", "RULE_BROKEN"),
        ("desk\x00@rooms.example.com", "VALIDATION_ERROR"),
    ],
    ids=["deliverable", "special-use", "no-address", "nul"],
)
def test_addresses_the_mail_checker_refuses_are_a_broken_rule(
    api: Api, spec, address: str, code: str | None
) -> None:
    body = {"name": "Rooms", "timezone": "Europe/Berlin", "contactEmail": address}
    assert takes(spec, body_schema(spec, "VenueIn"), body) is (code != "VALIDATION_ERROR")
    response = api.post("/v1/venues", body)
    if code is None:
        assert response.status_code == 201, response.get_json()
    else:
        refused(response, code, "contactEmail")


# --- patterns that mean the same to ECMA 262, Python and Rust ---------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/in",
        "http://127.0.0.1:9/\u00e9t\u00e9",
        "http://127.0.0.1:9/a b",
        "http://127.0.0.1:9/\x85",
        "http://127.0.0.1:9/\x1c",
        "http://127.0.0.1:9/\u3000",
        "http://127.0.0.1:9/\x00",
        "ftp://127.0.0.1:9/in",
    ],
    ids=["plain", "unicode", "space", "nel", "file-separator", "ideographic-space", "nul", "ftp"],
)
def test_the_document_and_the_server_agree_on_webhook_urls(
    app: Flask, api: Api, spec, url: str
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = True  # a host that needs no DNS
    ids = create_room_service(api)
    body = {"venueId": ids["venue"], "url": url, "eventTypes": ["booking.held"]}
    response = api.post("/v1/webhook-endpoints", body)
    documented = takes(spec, body_schema(spec, "WebhookEndpointIn"), body)
    assert documented == (response.status_code == 201), response.get_json()
    if not documented:
        refused(response, "VALIDATION_ERROR", "url")


# --- whole minutes, stated as multipleOf ------------------------------------------------


@pytest.mark.parametrize("duration_ms", [3_600_000, 90_000, 60_001])
def test_durations_are_whole_minutes_in_the_document_too(api: Api, spec, duration_ms: int) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 240}
    )
    body = {
        "startTime": "2026-03-02T08:00:00Z",
        "endTime": "2026-03-02T12:00:00Z",
        "durationMs": duration_ms,
    }
    documented = takes(spec, body_schema(spec, "SlotsQuery"), body)
    assert documented is (duration_ms % 60_000 == 0)
    response = api.post(f"/v1/services/{ids['service']}/availability/slots", body)
    if documented:
        assert response.status_code == 200, response.get_json()
    else:
        refused(response, "VALIDATION_ERROR", "durationMs")


# --- the 422's codes, request headers, ETag and 304 -------------------------------------


def test_every_operation_that_reads_values_lists_rule_broken(spec) -> None:
    for op in OPERATIONS:
        answers = spec["paths"][op.path][op.method.lower()]["responses"]
        if op.body or op.query:
            assert "RULE_BROKEN" in answers["422"]["description"], op.endpoint


def test_request_headers_are_described_where_they_are_taken(spec) -> None:
    for op in OPERATIONS:
        operation = spec["paths"][op.path][op.method.lower()]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) is op.idempotent, op.endpoint
        assert ("If-None-Match" in headers) is op.conditional, op.endpoint
        assert ("304" in operation["responses"]) is op.conditional, op.endpoint
    assert {op.endpoint for op in OPERATIONS if op.conditional} == {
        "find_slots",
        "end_times",
        "free_days",
    }


@pytest.mark.usefixtures("backend")
def test_an_etag_and_its_304_match_the_document(app: Flask, api: Api) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 240}
    )
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    operation = schema["/v1/services/{serviceId}/availability/slots"]["POST"]
    auth = {"Authorization": f"Bearer {api.key}"}
    body = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T12:00:00Z"}

    first = operation.Case(path_parameters={"serviceId": ids["service"]}, body=body)
    answer = first.call(headers=auth)
    assert answer.status_code == 200
    first.validate_response(answer, checks=CONFORMANCE, headers=auth)

    [tag] = answer.headers["etag"]  # wire form: lower-case names, lists of values
    again = operation.Case(
        path_parameters={"serviceId": ids["service"]}, body=body, headers={"If-None-Match": tag}
    )
    unchanged = again.call(headers=auth)
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == [tag] and unchanged.content == b""
    again.validate_response(unchanged, checks=CONFORMANCE, headers=auth)
