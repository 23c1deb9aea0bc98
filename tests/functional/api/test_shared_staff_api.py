"""Shared staff through /v1: a staff member's shifts at other venues of the
organisation, services of those venues naming it, and travel times between venues —
and each of them refused with a clear RULE_BROKEN where it breaks a rule."""

from __future__ import annotations

import pytest

from tests.functional.api.conftest import Api, error_code

pytestmark = pytest.mark.usefixtures("backend")

EVERY_DAY = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
MONDAY = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T17:00:00Z"}


def _venue(api: Api, name: str, travel: int) -> int:
    body = {"name": name, "timezone": "Europe/Berlin", "travelBufferMinutes": travel}
    return api.post("/v1/venues", body).get_json()["id"]


@pytest.fixture
def group(api: Api) -> dict[str, int]:
    hotel, marais = _venue(api, "Hotel spa", 30), _venue(api, "Marais", 20)
    claire = api.post(
        "/v1/resources",
        {
            "venueId": hotel,
            "name": "Claire",
            "kind": "staff",
            "skills": ["massage"],
            "workingHours": EVERY_DAY,
            "shifts": [{"venueId": marais, "workingHours": {"mon": [["13:00", "17:00"]]}}],
        },
    )
    assert claire.status_code == 201, claire.get_json()
    ids = {"hotel": hotel, "marais": marais, "claire": claire.get_json()["id"]}
    for name in ("hotel", "marais"):
        cabin = api.post(
            "/v1/resources", {"venueId": ids[name], "name": "Cabin", "workingHours": EVERY_DAY}
        ).get_json()["id"]
        created = api.post(
            "/v1/services",
            {
                "venueId": ids[name],
                "name": "Massage",
                "resourceIds": [cabin, ids["claire"]],
                "requiredSkills": ["massage"],
                "variants": [{"durationMinutes": 60}],
                "gridStepMinutes": 30,
            },
        )
        assert created.status_code == 201, created.get_json()
        ids[f"{name}_service"] = created.get_json()["id"]
    return ids


def _starts(api: Api, service_id: int) -> list[str]:
    response = api.post(f"/v1/services/{service_id}/availability/slots", MONDAY)
    assert response.status_code == 200, response.get_json()
    return [s["startTime"][11:16] for s in response.get_json()["slots"]]


def test_a_shift_shows_on_the_resource_and_its_venue_s_service_draws_on_it(api: Api, group):
    resource = api.get(f"/v1/resources/{group['claire']}").get_json()
    assert resource["shifts"] == [
        {
            "venueId": group["marais"],
            "workingHours": {"mon": [["13:00", "17:00"]]},
            "exceptions": {},
        }
    ]
    # Berlin is UTC+1 in March: the Marais shift runs 12:00-16:00 UTC.
    assert _starts(api, group["marais_service"]) == [
        "12:00",
        "12:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
    ]


def test_a_booking_at_one_venue_keeps_travel_time_free_at_the_other(api: Api, group):
    held = api.post(
        "/v1/bookings",
        {"serviceId": group["hotel_service"], "startTime": "2026-03-02T13:00:00Z"},
    )
    assert held.status_code == 201, held.get_json()
    # Hotel 13:00-14:00 UTC; 30 minutes each way (the longer of 30 and 20): the shift's
    # 12:00 would end just as the hotel booking starts.
    assert _starts(api, group["marais_service"]) == ["14:30", "15:00"]
    patched = api.patch(
        f"/v1/venues/{group['hotel']}",
        {"travelTimes": [{"venueId": group["marais"], "minutes": 0}]},
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["travelTimes"] == [{"venueId": group["marais"], "minutes": 0}]
    assert _starts(api, group["marais_service"]) == ["12:00", "14:00", "14:30", "15:00"]
    reset = api.patch(
        f"/v1/venues/{group['marais']}",
        {"travelTimes": [{"venueId": group["hotel"], "minutes": None}]},
    )
    assert reset.get_json()["travelTimes"] == []
    assert _starts(api, group["marais_service"]) == ["14:30", "15:00"]


def test_removing_a_shift_stops_the_venue_s_services_drawing_on_it(api: Api, group):
    patched = api.patch(f"/v1/resources/{group['claire']}", {"shifts": []})
    assert patched.status_code == 200 and patched.get_json()["shifts"] == []
    service = api.get(f"/v1/services/{group['marais_service']}").get_json()
    assert group["claire"] not in service["resourceIds"]


@pytest.mark.parametrize(
    "shifts, message",
    [
        (lambda g: [{"venueId": g["hotel"], "workingHours": EVERY_DAY}], "own venue"),
        (
            lambda g: [
                {"venueId": g["marais"], "workingHours": EVERY_DAY},
                {"venueId": g["marais"], "workingHours": EVERY_DAY},
            ],
            "one shift",
        ),
        (lambda g: [{"venueId": 99999, "workingHours": EVERY_DAY}], "same organisation"),
    ],
)
def test_bad_shifts_are_refused_and_change_nothing(api: Api, group, shifts, message):
    response = api.patch(f"/v1/resources/{group['claire']}", {"shifts": shifts(group)})
    assert response.status_code == 422
    assert error_code(response) == "RULE_BROKEN"
    assert message in response.get_json()["error"]["fields"]["shifts"]
    assert len(api.get(f"/v1/resources/{group['claire']}").get_json()["shifts"]) == 1


def test_a_place_works_no_shifts(api: Api, group):
    response = api.post(
        "/v1/resources",
        {
            "venueId": group["hotel"],
            "name": "Cabin",
            "shifts": [{"venueId": group["marais"], "workingHours": EVERY_DAY}],
        },
    )
    assert response.status_code == 422 and error_code(response) == "RULE_BROKEN"


def test_another_partner_s_venue_cannot_be_named(api: Api, other_api: Api, group):
    elsewhere = _venue(other_api, "Elsewhere", 0)
    shift = api.patch(
        f"/v1/resources/{group['claire']}",
        {"shifts": [{"venueId": elsewhere, "workingHours": EVERY_DAY}]},
    )
    travel = api.patch(
        f"/v1/venues/{group['hotel']}", {"travelTimes": [{"venueId": elsewhere, "minutes": 5}]}
    )
    assert (shift.status_code, travel.status_code) == (422, 422)
    assert error_code(travel) == "RULE_BROKEN"


def test_a_staff_member_without_a_shift_there_cannot_serve_a_venue(api: Api, group):
    api.patch(f"/v1/resources/{group['claire']}", {"shifts": []})
    response = api.patch(
        f"/v1/services/{group['marais_service']}",
        {"resourceIds": [group["claire"]]},
    )
    assert response.status_code == 422
    assert "shift there" in response.get_json()["error"]["fields"]["resourceIds"]


def test_a_venue_names_itself_or_twice_in_travel_times(api: Api, group):
    own = api.patch(
        f"/v1/venues/{group['hotel']}", {"travelTimes": [{"venueId": group["hotel"], "minutes": 5}]}
    )
    assert own.status_code == 422 and error_code(own) == "RULE_BROKEN"
