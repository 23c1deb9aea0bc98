"""`PATCH /v1/venues/{id}` and `PATCH /v1/services/{id}`: partial updates by the create
rules, and retiring a service (`active: false`) with the resources' rule for bookings
still to come. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic.alias_generators import to_camel

from bookingsite.api import schemas
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import Venue
from tests.functional.api.conftest import Api, create_room_service, error_code, new_key

pytestmark = pytest.mark.usefixtures("backend")

TEN = "2026-03-02T09:00:00Z"  # 10:00 in Berlin, on the service's grid
MORNING = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T12:00:00Z"}


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


def refused(response: Any, field: str) -> str:
    """422 on `field`: malformed (VALIDATION_ERROR) or against a rule the document cannot
    state (RULE_BROKEN); test_schema_mismatches tells the two apart."""
    assert response.status_code == 422, response.get_json()
    assert error_code(response) in ("VALIDATION_ERROR", "RULE_BROKEN")
    fields = response.get_json()["error"]["fields"]
    assert field in fields, fields
    return fields[field]


def starts(api: Api, service_id: int) -> list[str]:
    response = api.post(f"/v1/services/{service_id}/availability/slots", MORNING)
    assert response.status_code == 200, response.get_json()
    return [slot["startTime"][11:16] for slot in response.get_json()["slots"]]


def hold(api: Api, service_id: int, start: str = TEN) -> dict:
    held = api.post("/v1/bookings", {"serviceId": service_id, "startTime": start})
    assert held.status_code == 201, held.get_json()
    return held.get_json()


def confirmed(api: Api, service_id: int, start: str = TEN) -> dict:
    booking = api.post(f"/v1/bookings/{hold(api, service_id, start)['id']}/confirm")
    assert booking.status_code == 200, booking.get_json()
    return booking.get_json()


# --- venues -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Rooms by the lake"),
        ("city", "Potsdam"),
        ("description", "Quiet rooms."),
        ("timezone", "Europe/Lisbon"),
        ("locale", "fr"),
        ("currency", "CHF"),
        ("holdTtlMinutes", 30),
        ("contactEmail", "desk@example.com"),
        ("contactPhone", "+49 30 1234567"),
        ("notificationEmail", "bookings@example.com"),
        ("reminderHours", 24),
        ("cancelCutoffHours", 48),
        ("changeCutoffHours", 12),
    ],
)
def test_each_venue_field_updates_and_the_others_stay(
    api: Api, ids: dict, field: str, value: Any
) -> None:
    path = f"/v1/venues/{ids['venue']}"
    before = api.get(path).get_json()

    response = api.patch(path, {field: value})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == before | {field: value}
    assert api.get(path).get_json() == before | {field: value}


def test_reminders_turn_off_with_null_and_addresses_clear_with_empty(api: Api, ids: dict) -> None:
    path = f"/v1/venues/{ids['venue']}"
    api.patch(path, {"reminderHours": 24, "contactEmail": "desk@example.com"})
    response = api.patch(path, {"reminderHours": None, "contactEmail": ""})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reminderHours"] is None
    assert response.get_json()["contactEmail"] == ""
    venue = db.session.get(Venue, ids["venue"])
    assert venue.reminder_hours is None and venue.contact_email == ""


def test_a_venue_is_created_with_its_customer_settings(api: Api) -> None:
    created = api.post(
        "/v1/venues",
        {
            "name": "Spa",
            "timezone": "Europe/Berlin",
            "contactEmail": " desk@example.com ",
            "reminderHours": 24,
            "cancelCutoffHours": 24,
        },
    )
    assert created.status_code == 201, created.get_json()
    venue = created.get_json()
    assert venue["contactEmail"] == "desk@example.com"  # trimmed, as the admin does
    assert venue["contactPhone"] == venue["notificationEmail"] == ""
    assert (venue["reminderHours"], venue["cancelCutoffHours"], venue["changeCutoffHours"]) == (
        24,
        24,
        0,
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": ""}, "name", "At least 1 needed."),
        ({"name": None}, "name", "This field cannot be null."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown IANA time zone."),
        ({"timezone": None}, "timezone", "This field cannot be null."),
        ({"locale": "xx"}, "locale", None),
        ({"currency": "eur"}, "currency", None),
        ({"holdTtlMinutes": 0}, "holdTtlMinutes", "Must be at least 1."),
        ({"contactEmail": "not an address"}, "contactEmail", "Invalid email address."),
        ({"notificationEmail": "a@"}, "notificationEmail", "Invalid email address."),
        ({"contactPhone": "1" * 41}, "contactPhone", "At most 40 allowed."),
        ({"reminderHours": 0}, "reminderHours", "Must be at least 1."),
        ({"reminderHours": 169}, "reminderHours", "Must be at most 168."),
        ({"cancelCutoffHours": 721}, "cancelCutoffHours", "Must be at most 720."),
        ({"changeCutoffHours": -1}, "changeCutoffHours", "Must be at least 0."),
        ({"cancelCutoffHours": None}, "cancelCutoffHours", "This field cannot be null."),
        ({"slug": "mine"}, "slug", "Unknown field."),
    ],
)
def test_invalid_venue_values_are_refused_and_nothing_changes(
    api: Api, ids: dict, body: dict, field: str, message: str | None
) -> None:
    path = f"/v1/venues/{ids['venue']}"
    before = api.get(path).get_json()
    text = refused(api.patch(path, body | {"city": "Elsewhere"}), field)
    if message is not None:
        assert text == message
    assert api.get(path).get_json() == before


def test_a_new_venue_zone_moves_availability_not_bookings(api: Api) -> None:
    ids = create_room_service(api, bufferAfterMinutes=0)
    api.patch(
        f"/v1/resources/{ids['room']}",
        {"timezone": None, "workingHours": {"mon": [["09:00", "11:00"]]}},
    )
    booking = confirmed(api, ids["service"], "2026-03-02T08:00:00Z")  # 09:00 in Berlin
    assert starts(api, ids["service"]) == ["09:00"]  # 10:00-11:00 Berlin is free

    response = api.patch(f"/v1/venues/{ids['venue']}", {"timezone": "UTC", "cancelCutoffHours": 48})

    assert response.status_code == 200, response.get_json()
    assert starts(api, ids["service"]) == ["09:00", "10:00"]  # 09:00-11:00 UTC now
    kept = api.get(f"/v1/bookings/{booking['id']}").get_json()
    assert kept == booking  # same instants, same terms (the cutoff it was made under)
    assert kept["terms"]["cancelUntilHoursBefore"] == 0


# --- services ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Board room"}, None),
        ({"description": "With a screen."}, None),
        ({"bufferBeforeMinutes": 15}, None),
        ({"bufferAfterMinutes": 0}, None),
        ({"gridAlignmentMinutes": 30}, None),
        ({"gridStepMinutes": 30}, None),
        ({"leadTimeMinutes": 120}, None),
        ({"horizonDays": 30}, None),
        ({"cancelCutoffHours": 24}, None),
        ({"changeCutoffHours": 0}, None),
        ({"requiredSkills": []}, None),
        (
            {"variants": [{"name": "Half hour", "durationMinutes": 30, "priceCents": 1500}]},
            "variants",
        ),
        ({"durationRange": {"unit": "HOUR", "minMinutes": 60, "maxMinutes": 180}}, "range"),
        ({"durationRange": {"unit": "DAY", "minDays": 1, "maxDays": 7}}, "range"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_each_service_field_updates_and_the_others_stay(
    api: Api, ids: dict, body: dict, expected: str | None
) -> None:
    path = f"/v1/services/{ids['service']}"
    before = api.get(path).get_json()

    response = api.patch(path, body)

    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert api.get(path).get_json() == after
    if expected is None:
        assert after == before | body
    elif expected == "variants":
        (variant,) = after["variants"]
        assert variant == {"id": variant["id"], "name": "Half hour", "durationMinutes": 30} | {
            "guests": 1,
            "priceCents": 1500,
            "staffCount": 1,
        }
        assert after == before | {"variants": after["variants"]}
    else:  # a range drops the fixed options
        assert (
            after["durationRange"]
            == {"minMinutes": None, "maxMinutes": None}
            | {
                "minDays": None,
                "maxDays": None,
            }
            | body["durationRange"]
        )
        assert after == before | {"variants": [], "durationRange": after["durationRange"]}


def test_resources_and_skills_change_together(api: Api, ids: dict) -> None:
    ana = api.post(
        "/v1/resources",
        {"venueId": ids["venue"], "name": "Ana", "kind": "staff", "skills": ["massage"]},
    ).get_json()
    path = f"/v1/services/{ids['service']}"

    alone = api.patch(path, {"resourceIds": [ids["room"], ana["id"]]})
    assert refused(alone, "requiredSkills") == (
        "Staff members are only booked when the service requires skills: name them."
    )
    both = api.patch(
        path, {"resourceIds": [ana["id"], ids["room"]], "requiredSkills": [" Massage"]}
    )
    assert both.status_code == 200, both.get_json()
    assert both.get_json()["resourceIds"] == [ids["room"], ana["id"]]
    assert both.get_json()["requiredSkills"] == ["massage"]


def test_options_keep_their_ids_and_booked_ones_stay(api: Api, ids: dict) -> None:
    path = f"/v1/services/{ids['service']}"
    (hour,) = api.get(path).get_json()["variants"]
    booking = confirmed(api, ids["service"])

    changed = api.patch(
        path,
        {
            "variants": [
                {"id": hour["id"], "name": "1 hour", "durationMinutes": 60, "priceCents": 5000},
                {"name": "2 hours", "durationMinutes": 120},
            ]
        },
    )
    assert changed.status_code == 200, changed.get_json()
    variants = changed.get_json()["variants"]
    assert variants[0] == hour | {"priceCents": 5000}
    assert variants[1]["name"] == "2 hours"

    dropped = api.patch(path, {"variants": [{"name": "2 hours", "durationMinutes": 120}]})
    assert refused(dropped, "variants") == (
        "An option that has bookings cannot be removed; deactivate the service instead."
    )
    to_range = api.patch(
        path, {"durationRange": {"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120}}
    )
    assert refused(to_range, "variants")
    assert api.get(path).get_json()["variants"] == variants
    kept = api.get(f"/v1/bookings/{booking['id']}").get_json()
    assert kept == booking and kept["terms"]["priceCents"] is None  # made unpriced


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": ""}, "name", "At least 1 needed."),
        ({"name": None}, "name", "This field cannot be null."),
        ({"active": None}, "active", "This field cannot be null."),
        ({"variants": None}, "variants", "This field cannot be null."),
        ({"resourceIds": []}, "resourceIds", "At least 1 needed."),
        (
            {"resourceIds": [999_999]},
            "resourceIds",
            "Every resource must belong to the venue, or be a staff member with a shift there.",
        ),
        ({"bufferAfterMinutes": -1}, "bufferAfterMinutes", "Must be at least 0."),
        ({"gridAlignmentMinutes": 0}, "gridAlignmentMinutes", "Must be at least 1."),
        (
            {"gridStepMinutes": 20},
            "gridStepMinutes",
            "The step must be a multiple of the 15-minute alignment.",
        ),
        (
            {"leadTimeMinutes": 3 * 24 * 60, "horizonDays": 2},
            "leadTimeMinutes",
            "The lead time is longer than the horizon: nothing could ever be booked.",
        ),
        (
            {"durationRange": {"unit": "HOUR", "minMinutes": 50, "maxMinutes": 60}},
            "durationRange.minMinutes",
            "Durations must be a multiple of the 15-minute alignment.",
        ),
        (
            {"variants": []},
            "variants",
            "A service with fixed options needs at least one option.",
        ),
        (
            {"variants": [{"id": 999_999, "durationMinutes": 60}]},
            "variants.0.id",
            "Give the id of one of this service's options, each once, or none.",
        ),
        (
            {"requiredSkills": ["massage"]},
            "requiredSkills",
            "No chosen staff member has all these skills: choose one who has them.",
        ),
        ({"cancelCutoffHours": 721}, "cancelCutoffHours", "Must be at most 720."),
        ({"slug": "mine"}, "slug", "Unknown field."),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_invalid_service_values_are_refused_and_nothing_changes(
    api: Api, ids: dict, body: dict, field: str, message: str | None
) -> None:
    path = f"/v1/services/{ids['service']}"
    before = api.get(path).get_json()
    response = api.patch(path, body | {"description": "Changed?"})
    text = refused(response, field)
    if message is not None:
        assert text == message
    assert api.get(path).get_json() == before


def test_a_range_service_back_to_fixed_needs_options(api: Api) -> None:
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 120}
    )
    path = f"/v1/services/{ids['service']}"
    assert refused(api.patch(path, {"durationRange": None}), "variants") == (
        "A service with fixed options needs at least one option."
    )
    fixed = api.patch(path, {"durationRange": None, "variants": [{"durationMinutes": 30}]})
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["durationRange"] is None


def test_service_edits_reach_availability_at_once_and_bookings_keep_their_terms(
    api: Api,
) -> None:
    ids = create_room_service(api, bufferAfterMinutes=0, gridStepMinutes=60)
    booking = confirmed(api, ids["service"])
    assert starts(api, ids["service"]) == ["08:00", "10:00", "11:00"]

    response = api.patch(
        f"/v1/services/{ids['service']}",
        {"name": "Board room", "bufferBeforeMinutes": 60, "cancelCutoffHours": 48},
    )

    assert response.status_code == 200, response.get_json()
    # A new booking now needs the hour before it free: 10:00 would reach into 09:00-10:00.
    assert starts(api, ids["service"]) == ["08:00", "11:00"]
    assert api.get(f"/v1/bookings/{booking['id']}").get_json() == booking
    assert booking["terms"]["serviceName"] == "Meeting room, 1 hour"
    assert hold(api, ids["service"], "2026-03-02T11:00:00Z")["terms"] == {
        "serviceName": "Board room",
        "optionName": "1 hour",
        "priceCents": None,
        "currency": "EUR",
        "bufferBeforeMinutes": 60,
        "bufferAfterMinutes": 0,
        "cancelUntilHoursBefore": 48,
        "changeUntilHoursBefore": 0,
    }


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["venues", "services"])
def test_another_partners_venue_or_service_is_not_found(
    api: Api, other_api: Api, ids: dict, kind: str
) -> None:
    key = "venue" if kind == "venues" else "service"
    path = f"/v1/{kind}/{ids[key]}"
    before = api.get(path).get_json()
    response = other_api.patch(path, {"name": "Mine now"})
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert other_api.patch(f"/v1/{kind}/999999", {"name": "x"}).status_code == 404
    assert api.get(path).get_json() == before


@pytest.mark.parametrize("kind", ["venues", "services"])
def test_a_read_only_key_is_forbidden(
    api: Api, client: FlaskClient, clock: FrozenClock, ids: dict, kind: str
) -> None:
    venue = db.session.get(Venue, ids["venue"])
    reader = Api(client, new_key(clock, manage=False, venues=[venue], name="Reader"))
    key = "venue" if kind == "venues" else "service"
    path = f"/v1/{kind}/{ids[key]}"
    before = api.get(path).get_json()
    response = reader.patch(path, {"name": "Mine now"})
    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"
    assert api.get(path).get_json() == before


# --- retiring a service -----------------------------------------------------------------


def test_retiring_with_bookings_to_come_answers_409_until_forced(api: Api, ids: dict) -> None:
    first = confirmed(api, ids["service"])
    second = hold(api, ids["service"], "2026-03-03T09:00:00Z")  # a live hold counts too
    path = f"/v1/services/{ids['service']}"
    before = api.get(path).get_json()

    refusal = api.patch(path, {"active": False, "name": "Gone"})

    assert refusal.status_code == 409
    error = refusal.get_json()["error"]
    assert error["code"] == "HAS_FUTURE_BOOKINGS"
    assert error["futureBookings"] == 2
    assert "force=true" in error["message"]
    assert api.get(path).get_json() == before  # nothing changed, the name neither

    retired = api.patch(f"{path}?force=true", {"active": False})

    assert retired.status_code == 200, retired.get_json()
    assert retired.get_json() == before | {"active": False}
    for booking in (first, second):
        assert api.get(f"/v1/bookings/{booking['id']}").get_json() == booking
    # No longer offered: not listed, not found, not bookable.
    assert api.get(path).status_code == 404
    assert ids["service"] not in [
        s["id"] for s in api.get("/v1/services", venueId=ids["venue"]).get_json()["data"]
    ]
    again = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert again.status_code == 404

    back = api.patch(path, {"active": True})
    assert back.status_code == 200 and back.get_json()["active"] is True
    assert api.get(path).get_json() == before


def test_retiring_without_bookings_to_come_is_one_call(api: Api, ids: dict) -> None:
    cancelled = confirmed(api, ids["service"])
    assert api.post(f"/v1/bookings/{cancelled['id']}/cancel").status_code == 200
    response = api.patch(f"/v1/services/{ids['service']}", {"active": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    # A retired service is still checked like any other.
    invalid = api.patch(f"/v1/services/{ids['service']}", {"active": True, "horizonDays": 0})
    assert refused(invalid, "horizonDays") == "Must be at least 1."


def test_an_invalid_edit_is_refused_before_asking_about_bookings(api: Api, ids: dict) -> None:
    confirmed(api, ids["service"])
    response = api.patch(f"/v1/services/{ids['service']}", {"active": False, "name": ""})
    assert refused(response, "name")


# --- the document -----------------------------------------------------------------------


def test_the_document_shows_both_patches_exactly(client) -> None:
    spec = client.get("/v1/openapi.json").get_json()
    service = spec["paths"]["/v1/services/{serviceId}"]["patch"]
    venue = spec["paths"]["/v1/venues/{venueId}"]["patch"]
    assert [p["name"] for p in service["parameters"] if p["in"] == "query"] == ["force"]
    assert "HAS_FUTURE_BOOKINGS" in service["responses"]["409"]["description"]
    assert "HAS_FUTURE_BOOKINGS" in venue["responses"]["409"]["description"]
    for operation in (service, venue):
        assert {"200", "401", "403", "404", "422", "429"} <= set(operation["responses"])
    for model, patch in [
        ("VenuePatch", schemas.VenuePatch),
        ("ServicePatch", schemas.ServicePatch),
    ]:
        properties = spec["components"]["schemas"][model]["properties"]
        assert set(properties) == {f.alias for f in patch.model_fields.values()}
        nullable = {
            name for name, prop in properties.items() if {"type": "null"} in prop.get("anyOf", [])
        }
        assert nullable == {to_camel(name) for name in patch.NULLABLE}
