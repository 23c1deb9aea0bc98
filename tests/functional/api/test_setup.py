"""Set-up calls: venues, resources, services, allocations, and their validation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from wtforms.validators import NumberRange

from bookingsite import setup_rules
from bookingsite.admin.forms import ResourceForm, ServiceForm, VariantForm
from bookingsite.api import schemas
from bookingsite.api.views import setup as setup_views
from bookingsite.extensions import db
from bookingsite.models import Service, Venue
from tests.functional.api.conftest import Api, create_room_service, error_code

NEVER_OPEN = "Give at least one opening period, or open the resource around the clock."


@pytest.fixture
def venue_id(api: Api) -> int:
    return api.post("/v1/venues", {"name": "Spa", "timezone": "Europe/Berlin"}).get_json()["id"]


HOURS = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "00:00"]]}


def test_resource_create_read_patch(api: Api, venue_id: int) -> None:
    created = api.post(
        "/v1/resources",
        {
            "venueId": venue_id,
            "name": "Therapist Ana",
            "kind": "staff",
            "capacity": 1,
            "timezone": "Europe/Lisbon",
            "metadata": {"languages": ["pt", "en"]},
            "skills": ["massage"],
            "workingHours": HOURS,
            "exceptions": {"2026-12-25": []},
        },
    )
    assert created.status_code == 201
    resource = created.get_json()
    assert resource == {
        "id": resource["id"],
        "venueId": venue_id,
        "name": "Therapist Ana",
        "kind": "staff",
        "timezone": "Europe/Lisbon",
        "capacity": 1,
        "metadata": {"languages": ["pt", "en"]},
        "skills": ["massage"],
        "workingHours": HOURS,
        "exceptions": {"2026-12-25": []},
        "active": True,
        "shifts": [],
    }
    assert api.get(f"/v1/resources/{resource['id']}").get_json() == resource
    assert api.get("/v1/resources", venueId=venue_id).get_json() == {
        "data": [resource],
        "nextCursor": None,
    }

    patched = api.patch(
        f"/v1/resources/{resource['id']}", {"workingHours": None, "capacity": 2}
    ).get_json()
    assert patched["workingHours"] is None  # now around the clock
    assert patched["capacity"] == 2
    assert patched["name"] == "Therapist Ana"  # unsent fields stay


def test_a_resource_defaults_to_its_venues_zone_and_24_7(api: Api, venue_id: int) -> None:
    resource = api.post("/v1/resources", {"venueId": venue_id, "name": "Court 1"}).get_json()
    assert resource["timezone"] == "Europe/Berlin"
    assert resource["workingHours"] is None
    assert resource["kind"] == "room"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"kind": "boat"}, "kind"),
        ({"workingHours": {"mon": [["18:00", "09:00"]]}}, "workingHours"),
        ({"workingHours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "workingHours"),
        ({"workingHours": {"monday": [["09:00", "12:00"]]}}, "workingHours.monday"),
        ({"workingHours": {"mon": [["9am", "12:00"]]}}, "workingHours.mon.0.0"),
        ({"exceptions": {"not-a-date": []}}, "exceptions.not-a-date"),
        ({"metadata": {"x": "y" * 5000}}, "metadata"),
        ({"surprise": 1}, "surprise"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_resource_validation_names_the_field(
    api: Api, venue_id: int, fields: dict, field: str
) -> None:
    response = api.post("/v1/resources", {"venueId": venue_id, "name": "R"} | fields)
    assert response.status_code == 422
    error = response.get_json()["error"]
    # Periods out of order and metadata over its size break a rule the document cannot
    # state; test_schema_mismatches tells the two codes apart.
    assert error["code"] in ("VALIDATION_ERROR", "RULE_BROKEN")
    assert field in error["fields"], error
    assert error["message"]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            {"workingHours": {"tue": [["18:00", "09:00"]]}},
            "The period 18:00-09:00 closes before it opens.",
        ),
        (
            {"workingHours": {"tue": [["11:00", "14:00"], ["09:00", "12:00"]]}},
            "The periods overlap.",
        ),
        (
            {"exceptions": {"2026-12-24": [["20:00", "00:00"], ["21:00", "22:00"]]}},
            "The periods overlap.",
        ),
        ({"workingHours": {}}, NEVER_OPEN),
        ({"workingHours": {"mon": [], "sun": []}}, NEVER_OPEN),
    ],
    ids=["backwards", "overlap", "exception-overlap", "never-open", "every-day-closed"],
)
def test_hours_are_refused_with_the_admins_messages(
    api: Api, venue_id: int, hours: dict, message: str
) -> None:
    response = api.post("/v1/resources", {"venueId": venue_id, "name": "R"} | hours)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"].values()) == [message]


def test_hours_midnight_closes_the_day_and_periods_come_back_ordered(
    api: Api, venue_id: int
) -> None:
    hours = {"fri": [["18:00", "00:00"], ["08:00", "12:00"]]}
    response = api.post("/v1/resources", {"venueId": venue_id, "name": "R", "workingHours": hours})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["workingHours"] == {"fri": [["08:00", "12:00"], ["18:00", "00:00"]]}


def test_patch_refuses_hours_that_never_open(api: Api, venue_id: int) -> None:
    resource = api.post("/v1/resources", {"venueId": venue_id, "name": "R"}).get_json()
    response = api.patch(f"/v1/resources/{resource['id']}", {"workingHours": {}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"workingHours": NEVER_OPEN}


def test_only_staff_members_have_skills(api: Api, venue_id: int) -> None:
    room = api.post("/v1/resources", {"venueId": venue_id, "name": "R", "skills": ["massage"]})
    assert room.status_code == 422
    assert room.get_json()["error"]["fields"] == {"skills": "Only staff members have skills."}

    ana = api.post(
        "/v1/resources",
        {"venueId": venue_id, "name": "Ana", "kind": "staff", "skills": ["massage"]},
    ).get_json()
    # A staff member turned into a place would keep skills no rule reads: refused...
    to_room = api.patch(f"/v1/resources/{ana['id']}", {"kind": "room"})
    assert to_room.status_code == 422
    assert to_room.get_json()["error"]["fields"] == {"skills": "Only staff members have skills."}
    # ...unless they go in the same call.
    cleared = api.patch(f"/v1/resources/{ana['id']}", {"kind": "room", "skills": []})
    assert cleared.status_code == 200, cleared.get_json()
    assert (cleared.get_json()["kind"], cleared.get_json()["skills"]) == ("room", [])


def test_skills_are_spelled_as_the_admin_spells_them(api: Api) -> None:
    ids = create_room_service(api)
    staff = api.post(
        "/v1/resources",
        {
            "venueId": ids["venue"],
            "name": "Ana",
            "kind": "staff",
            "skills": [" Massage", "facial", "massage"],
        },
    )
    assert staff.get_json()["skills"] == ["facial", "massage"]
    service = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Massage",
            "resourceIds": [ids["room"], staff.get_json()["id"]],
            "variants": [{"durationMinutes": 60}],
            "requiredSkills": ["MASSAGE "],
        },
    )
    assert service.status_code == 201, service.get_json()
    assert service.get_json()["requiredSkills"] == ["massage"]


def test_patch_refuses_null_for_required_fields(api: Api, venue_id: int) -> None:
    resource = api.post("/v1/resources", {"venueId": venue_id, "name": "R"}).get_json()
    response = api.patch(f"/v1/resources/{resource['id']}", {"name": None})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]


def test_services_with_variants_or_a_duration_range(api: Api) -> None:
    ids = create_room_service(api)
    fixed = api.get(f"/v1/services/{ids['service']}").get_json()
    assert fixed["variants"][0]["durationMinutes"] == 60
    assert fixed["durationRange"] is None
    assert fixed["bufferAfterMinutes"] == 15
    assert fixed["gridStepMinutes"] is None

    hourly = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Studio by the hour",
            "resourceIds": [ids["room"]],
            "durationRange": {"unit": "HOUR", "minMinutes": 60, "maxMinutes": 240},
            "gridAlignmentMinutes": 30,
            "leadTimeMinutes": 60,
            "horizonDays": 30,
        },
    )
    assert hourly.status_code == 201
    assert hourly.get_json()["durationRange"] == {
        "unit": "HOUR",
        "minMinutes": 60,
        "maxMinutes": 240,
        "minDays": None,
        "maxDays": None,
    }
    assert hourly.get_json()["variants"] == []
    daily = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Van",
            "resourceIds": [ids["room"]],
            "durationRange": {"unit": "DAY", "minDays": 1, "maxDays": 7},
        },
    )
    assert daily.get_json()["durationRange"]["maxDays"] == 7
    listed = api.get("/v1/services", venueId=ids["venue"]).get_json()["data"]
    assert [s["id"] for s in listed] == [
        ids["service"],
        hourly.get_json()["id"],
        daily.get_json()["id"],
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "variants"),  # neither
        (
            {
                "variants": [{"durationMinutes": 60}],
                "durationRange": {"unit": "DAY", "minDays": 1, "maxDays": 2},
            },
            "variants",
        ),  # both
        (
            {"durationRange": {"unit": "HOUR", "minMinutes": 120, "maxMinutes": 60}},
            "durationRange.minMinutes",
        ),
        ({"durationRange": {"unit": "DAY", "minDays": 3, "maxDays": 1}}, "durationRange.minDays"),
        (
            {"durationRange": {"unit": "HOUR", "minMinutes": 50, "maxMinutes": 120}},
            "durationRange.minMinutes",
        ),  # off the 15-minute alignment
        ({"durationRange": {"unit": "WEEK"}}, "durationRange"),
        ({"variants": [{"durationMinutes": 0}]}, "variants.0.durationMinutes"),
        ({"variants": [{"durationMinutes": 60}], "resourceIds": []}, "resourceIds"),
        ({"variants": [{"durationMinutes": 60}], "resourceIds": [999]}, "resourceIds"),
        (
            {"variants": [{"durationMinutes": 60}], "gridAlignmentMinutes": 0},
            "gridAlignmentMinutes",
        ),
    ],
    ids=[
        "neither",
        "both",
        "min-over-max",
        "days-min-over-max",
        "off-alignment",
        "unknown-unit",
        "zero-duration",
        "no-resource",
        "foreign-resource",
        "zero-alignment",
    ],
)
def test_service_validation_names_the_field(api: Api, fields: dict, field: str) -> None:
    ids = create_room_service(api)
    body = {"venueId": ids["venue"], "name": "S", "resourceIds": [ids["room"]]} | fields
    response = api.post("/v1/services", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


def _staff(api: Api, venue: int, skills: list[str]) -> int:
    staff = api.post(
        "/v1/resources", {"venueId": venue, "name": "Ana", "kind": "staff", "skills": skills}
    )
    assert staff.status_code == 201, staff.get_json()
    return staff.get_json()["id"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"leadTimeMinutes": 2 * 24 * 60 + 1, "horizonDays": 2},
            "leadTimeMinutes",
            "The lead time is longer than the horizon: nothing could ever be booked.",
        ),
        (
            {"gridStepMinutes": 20},
            "gridStepMinutes",
            "The step must be a multiple of the 15-minute alignment.",
        ),
        (
            {"requiredSkills": ["massage"], "staff": ["facial"]},
            "requiredSkills",
            "No chosen staff member has all these skills: choose one who has them.",
        ),
        (
            {"requiredSkills": ["massage"]},
            "requiredSkills",
            "No chosen staff member has all these skills: choose one who has them.",
        ),
        (
            {"staff": ["massage"]},
            "requiredSkills",
            "Staff members are only booked when the service requires skills: name them.",
        ),
        (
            {"staff": ["massage"], "requiredSkills": ["massage"], "onlyStaff": True},
            "resourceIds",
            "Choose at least one place (a resource that is not staff).",
        ),
    ],
    ids=[
        "lead-over-horizon",
        "step-off-alignment",
        "skills-nobody-chosen-has",
        "skills-without-staff",
        "staff-without-skills",
        "staff-only",
    ],
)
def test_service_set_up_rules_are_the_admins(
    api: Api, fields: dict, field: str, message: str
) -> None:
    """The same rules (bookingsite.setup_rules) refuse the same set-up on both sides."""
    ids = create_room_service(api)
    chosen = [ids["room"]]
    if "staff" in fields:
        staff = _staff(api, ids["venue"], fields.pop("staff"))
        chosen = [staff] if fields.pop("onlyStaff", False) else [*chosen, staff]
    body = {
        "venueId": ids["venue"],
        "name": "S",
        "resourceIds": chosen,
        "variants": [{"durationMinutes": 60}],
    } | fields
    response = api.post("/v1/services", body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "RULE_BROKEN"
    assert error["fields"][field] == message, error


def test_a_service_with_skilled_staff_and_a_place_is_accepted(api: Api) -> None:
    ids = create_room_service(api)
    staff = _staff(api, ids["venue"], ["facial", "massage"])
    response = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Massage",
            "resourceIds": [ids["room"], staff],
            "variants": [{"durationMinutes": 60}],
            "requiredSkills": ["massage"],
            "gridStepMinutes": 30,
            "leadTimeMinutes": 24 * 60,
            "horizonDays": 1,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["requiredSkills"] == ["massage"]


def test_allocations_create_list_get_delete(api: Api) -> None:
    ids = create_room_service(api)
    one_off = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T08:00:00+01:00",
            "endTime": "2026-03-02T09:00:00+01:00",
            "reason": "cleaning",
        },
    )
    assert one_off.status_code == 201
    assert one_off.get_json() == {
        "id": one_off.get_json()["id"],
        "resourceId": ids["room"],
        "startTime": "2026-03-02T07:00:00Z",
        "endTime": "2026-03-02T08:00:00Z",
        "reason": "cleaning",
        "recurrence": None,
    }
    lunch = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T11:00:00Z",
            "endTime": "2026-03-02T12:00:00Z",
            "reason": "lunch",
            "recurrence": {"weekdays": ["fri", "mon"], "until": "2026-06-30"},
        },
    ).get_json()
    assert lunch["recurrence"] == {"weekdays": ["mon", "fri"], "until": "2026-06-30"}

    listed = api.get(
        "/v1/allocations",
        resourceId=ids["room"],
        **{"from": "2026-04-01T00:00:00Z", "to": "2026-04-02T00:00:00Z"},
    )
    assert [a["id"] for a in listed.get_json()["data"]] == [lunch["id"]]  # recurring: always
    assert api.get(f"/v1/allocations/{lunch['id']}").get_json() == lunch

    deleted = api.delete(f"/v1/allocations/{lunch['id']}")
    assert deleted.status_code == 204
    assert api.get(f"/v1/allocations/{lunch['id']}").status_code == 404


def test_a_recurring_allocation_blocks_slots_every_week(api: Api) -> None:
    ids = create_room_service(api, gridStepMinutes=60, bufferAfterMinutes=0)
    api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T11:00:00Z",
            "endTime": "2026-03-02T12:00:00Z",
            "recurrence": {"weekdays": ["mon"]},
        },
    )
    slots = api.post(
        f"/v1/services/{ids['service']}/availability/slots",
        {"startTime": "2026-03-09T09:00:00Z", "endTime": "2026-03-09T14:00:00Z"},
    )
    starts = [s["startTime"][11:16] for s in slots.get_json()["slots"]]
    assert starts == ["09:00", "10:00", "12:00", "13:00"]


def test_allocation_validation(api: Api) -> None:
    ids = create_room_service(api)
    backwards = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T10:00:00Z",
            "endTime": "2026-03-02T09:00:00Z",
        },
    )
    assert backwards.status_code == 422
    assert backwards.get_json()["error"]["fields"] == {
        "endTime": "The block must end after it starts."
    }
    naive = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T10:00:00",
            "endTime": "2026-03-02T11:00:00Z",
        },
    )
    assert naive.status_code == 422
    assert "startTime" in naive.get_json()["error"]["fields"]
    unknown = api.post(
        "/v1/allocations",
        {
            "resourceId": 12345,
            "startTime": "2026-03-02T10:00:00Z",
            "endTime": "2026-03-02T11:00:00Z",
        },
    )
    assert unknown.status_code == 404
    assert error_code(unknown) == "NOT_FOUND"


@pytest.mark.parametrize(
    ("times", "recurrence", "fields"),
    [
        # Monday 10:00 to Tuesday 10:00 in Berlin, every Monday.
        (
            ("2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z"),
            {"weekdays": ["mon"]},
            {"endTime": "A weekly block must end less than a day after it starts."},
        ),
        # 23:30Z on Sunday 1 March is already Monday 2 March in Berlin.
        (
            ("2026-03-01T23:30:00Z", "2026-03-02T00:30:00Z"),
            {"weekdays": ["mon"], "until": "2026-03-01"},
            {"recurrence.until": "The repetition cannot end before it starts."},
        ),
    ],
    ids=["weekly-a-whole-day", "until-before-the-local-start"],
)
def test_allocations_follow_the_admins_block_rules(
    api: Api, times: tuple[str, str], recurrence: dict, fields: dict
) -> None:
    ids = create_room_service(api)
    response = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": times[0],
            "endTime": times[1],
            "recurrence": recurrence,
        },
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["fields"]) == ("RULE_BROKEN", fields)


def test_a_weekly_allocation_may_run_overnight(api: Api) -> None:
    ids = create_room_service(api)
    night = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-02T21:00:00Z",
            "endTime": "2026-03-03T05:00:00Z",
            "recurrence": {"weekdays": ["mon"], "until": "2026-03-02"},
        },
    )
    assert night.status_code == 201, night.get_json()


def _maximum(model: type, path: str) -> int:
    """The `le` bound of a field of a pydantic model ("durationRange.maxMinutes" style)."""
    spec = model.model_json_schema(by_alias=True)
    node = spec
    for name in path.split("."):
        node = node["properties"][name]
        node = spec["$defs"][node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node
    options = node.get("anyOf", [node])
    return next(o["maximum"] for o in options if "maximum" in o)


def _admin_maximum(form: type, name: str) -> int:
    validators = getattr(form, name).kwargs["validators"]
    return next(v.max for v in validators if isinstance(v, NumberRange))


@pytest.mark.parametrize(
    ("admin", "api", "bound"),
    [
        ((ResourceForm, "capacity"), (schemas.ResourceIn, "capacity"), "MAX_CAPACITY"),
        ((VariantForm, "guests"), (schemas.VariantIn, "guests"), "MAX_CAPACITY"),
        (
            (VariantForm, "duration_minutes"),
            (schemas.VariantIn, "durationMinutes"),
            "MAX_DURATION_MINUTES",
        ),
        ((ServiceForm, "max_minutes"), (schemas.HourRange, "maxMinutes"), "MAX_DURATION_MINUTES"),
        ((ServiceForm, "max_days"), (schemas.DayRange, "maxDays"), "MAX_DURATION_DAYS"),
        (
            (ServiceForm, "buffer_after_minutes"),
            (schemas.ServiceIn, "bufferAfterMinutes"),
            "MAX_BUFFER_MINUTES",
        ),
        (
            (ServiceForm, "grid_step_minutes"),
            (schemas.ServiceIn, "gridStepMinutes"),
            "MAX_GRID_MINUTES",
        ),
        (
            (ServiceForm, "lead_time_minutes"),
            (schemas.ServiceIn, "leadTimeMinutes"),
            "MAX_LEAD_TIME_MINUTES",
        ),
        ((ServiceForm, "horizon_days"), (schemas.ServiceIn, "horizonDays"), "MAX_HORIZON_DAYS"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_the_admin_and_the_api_enforce_the_same_bounds(
    admin: tuple[type, str], api: tuple[type, str], bound: str
) -> None:
    expected = getattr(setup_rules, bound)
    assert _admin_maximum(*admin) == expected
    assert _maximum(*api) == expected


def _slugs(model: type) -> list[str]:
    return list(db.session.scalars(sa.select(model.slug).order_by(model.id)))


def test_slugs_are_made_from_the_name_and_kept_unique(api: Api) -> None:
    first = create_room_service(api)
    create_room_service(api)  # a second venue named "Rooms", with the same service name
    assert _slugs(Venue) == ["rooms", "rooms-2"]
    api.post(
        "/v1/services",
        {
            "venueId": first["venue"],
            "name": "Meeting room, 1 hour",
            "resourceIds": [first["room"]],
            "variants": [{"durationMinutes": 30}],
        },
    )
    # Unique per venue: the second venue's service needs no suffix.
    assert _slugs(Service) == [
        "meeting-room-1-hour",
        "meeting-room-1-hour",
        "meeting-room-1-hour-2",
    ]


def test_a_slug_taken_meanwhile_is_retried_not_a_500(api: Api, monkeypatch) -> None:
    """A concurrent request that took the slug after the look-up: the unique constraint
    refuses it and the next free slug is used."""
    ids = create_room_service(api)
    looked_up: list[str] = []

    def stale(name: str, taken: set[str], **kw) -> str:
        looked_up.append(name)
        return setup_rules.free_slug(name, set() if len(looked_up) == 1 else taken, **kw)

    monkeypatch.setattr(setup_views, "free_slug", stale)
    response = api.post(
        "/v1/services",
        {
            "venueId": ids["venue"],
            "name": "Meeting room, 1 hour",
            "resourceIds": [ids["room"]],
            "variants": [{"durationMinutes": 30}],
        },
    )
    assert response.status_code == 201, response.get_json()
    assert len(looked_up) == 2
    assert _slugs(Service) == ["meeting-room-1-hour", "meeting-room-1-hour-2"]
    assert api.get(f"/v1/services/{response.get_json()['id']}").get_json()["variants"]
