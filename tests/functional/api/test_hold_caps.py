"""Hold flooding through the API (OWASP API6): live holds are capped per key."""

from __future__ import annotations

from datetime import timedelta

from bookingsite.extensions import db
from bookingsite.models import Venue
from tests.functional.api.conftest import Api, create_room_service, error_code, new_key


def _hold(api: Api, ids: dict[str, int], hour: int):
    return api.post(
        "/v1/bookings",
        json={
            "serviceId": ids["service"],
            "resourceId": ids["room"],
            "startTime": f"2026-03-02T{hour:02d}:00:00Z",
            "endTime": f"2026-03-02T{hour + 1:02d}:00:00Z",
        },
    )


def test_a_key_at_its_cap_gets_too_many_holds_until_one_ends(app, api: Api, clock) -> None:
    app.config["MAX_LIVE_HOLDS_PER_PARTNER"] = 3
    ids = create_room_service(api, gridStepMinutes=60)
    held = [_hold(api, ids, hour) for hour in (6, 8, 10)]
    assert [r.status_code for r in held] == [201, 201, 201]

    refused = _hold(api, ids, 12)
    assert refused.status_code == 429 and error_code(refused) == "TOO_MANY_HOLDS"
    assert "Confirm or cancel" in refused.get_json()["error"]["message"]

    # A confirmed booking no longer counts...
    assert api.post(f"/v1/bookings/{held[0].get_json()['id']}/confirm").status_code == 200
    assert _hold(api, ids, 12).status_code == 201
    assert error_code(_hold(api, ids, 14)) == "TOO_MANY_HOLDS"
    # ...nor does a lapsed hold.
    clock.advance(timedelta(minutes=11))
    assert _hold(api, ids, 14).status_code == 201


def test_the_cap_is_per_key(app, api: Api, clock) -> None:
    app.config["MAX_LIVE_HOLDS_PER_PARTNER"] = 1
    ids = create_room_service(api, gridStepMinutes=60)
    venue = db.session.get(Venue, ids["venue"])
    colleague = Api(app.test_client(), new_key(clock, manage=False, venues=[venue]))
    assert _hold(api, ids, 8).status_code == 201
    assert error_code(_hold(api, ids, 10)) == "TOO_MANY_HOLDS"
    assert _hold(colleague, ids, 10).status_code == 201
