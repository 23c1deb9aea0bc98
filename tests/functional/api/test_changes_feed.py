"""The availability-change feed over HTTP, and ETag / 304 on slot answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookingsite.accounts import EVERY_SCOPE, create_partner, set_scopes_at
from bookingsite.extensions import db
from bookingsite.models import Partner, Scope, Venue
from tests.functional.api.conftest import Api, create_room_service, error_code

CHANGES = "/v1/availability/changes"
TEN = "2026-03-02T09:00:00Z"
WINDOW = {"startTime": "2026-03-02T08:00:00Z", "endTime": "2026-03-02T18:00:00Z"}


def follow(api: Api, venue_id: int, cursor: str | None = None, limit: int = 2) -> tuple[list, str]:
    """Every page from `cursor` until there is nothing new: the entries and the cursor
    to poll with."""
    entries: list = []
    while True:
        params = {"venueId": venue_id, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = api.get(CHANGES, **params)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        assert set(page) == {"data", "nextCursor"} and len(page["data"]) <= limit
        assert page["nextCursor"]
        if not page["data"]:
            assert cursor is None or page["nextCursor"] == cursor
            return entries, page["nextCursor"]
        entries += page["data"]
        cursor = page["nextCursor"]


@pytest.mark.usefixtures("backend")
def test_a_partner_follows_the_feed(api: Api) -> None:
    ids = create_room_service(api)
    set_up, cursor = follow(api, ids["venue"])
    # Linking the room to the service is itself a change, open-ended.
    assert {(e["resourceId"], e["endTime"]) for e in set_up} == {(ids["room"], None)}

    # Nothing new: the same cursor comes back, to poll with.
    again, same = follow(api, ids["venue"], cursor)
    assert again == [] and same == cursor

    held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert held.status_code == 201
    block = api.post(
        "/v1/allocations",
        {
            "resourceId": ids["room"],
            "startTime": "2026-03-03T09:00:00Z",
            "endTime": "2026-03-03T12:00:00Z",
        },
    )
    assert block.status_code == 201
    assert api.post(f"/v1/bookings/{held.get_json()['id']}/cancel").status_code == 200
    entries, cursor = follow(api, ids["venue"], cursor, limit=1)
    booked = {"resourceId": ids["room"], "serviceIds": [ids["service"]]}
    assert entries == [
        # The hold's range, its 15-minute buffer included.
        booked | {"startTime": TEN, "endTime": "2026-03-02T10:15:00Z"},
        booked | {"startTime": "2026-03-03T09:00:00Z", "endTime": "2026-03-03T12:00:00Z"},
        booked | {"startTime": TEN, "endTime": "2026-03-02T10:15:00Z"},
    ]
    assert follow(api, ids["venue"], cursor) == ([], cursor)


def test_an_empty_feed_answers_a_cursor_to_poll_with(api: Api) -> None:
    venue = api.post("/v1/venues", {"name": "Empty", "timezone": "UTC"}).get_json()["id"]
    entries, cursor = follow(api, venue)
    assert entries == []
    room = api.post("/v1/resources", {"venueId": venue, "name": "Room"}).get_json()["id"]
    assert (
        api.post(
            "/v1/allocations",
            {
                "resourceId": room,
                "startTime": "2026-03-03T09:00:00Z",
                "endTime": "2026-03-03T10:00:00Z",
            },
        ).status_code
        == 201
    )
    entries, _ = follow(api, venue, cursor)
    assert [(e["resourceId"], e["serviceIds"]) for e in entries] == [(room, [])]


@pytest.mark.parametrize("cursor", ["x", "bm90IGpzb24", "WzEsMl0x", "WyJhIiwxXQ", "Wy0xLDBd"])
def test_a_cursor_not_given_by_the_feed_is_refused(api: Api, cursor: str) -> None:
    ids = create_room_service(api)
    response = api.get(CHANGES, venueId=ids["venue"], cursor=cursor)
    assert response.status_code == 422
    assert error_code(response) == "RULE_BROKEN"  # of the documented form, but no answer's
    assert "cursor" in response.get_json()["error"]["fields"]


def test_another_partners_venue_is_not_found(api: Api, other_api: Api) -> None:
    ids = create_room_service(api)
    assert other_api.get(CHANGES, venueId=ids["venue"]).status_code == 404
    assert api.get(CHANGES, venueId=ids["venue"] + 1000).status_code == 404
    # Without venueId: every venue of the key, and only those.
    mine = {e["resourceId"] for e in api.get(CHANGES).get_json()["data"]}
    theirs = other_api.get(CHANGES)
    assert mine == {ids["room"]} and theirs.get_json()["data"] == []


def test_a_key_without_read_at_the_venue_is_forbidden(api: Api, client, clock) -> None:
    ids = create_room_service(api)
    venue = db.session.get(Venue, ids["venue"])
    partner, key = create_partner("Scoped", [venue], scopes=EVERY_SCOPE, now=clock.now())
    scoped = Api(client, key)
    assert scoped.get(CHANGES, venueId=ids["venue"]).status_code == 200
    # Keys always keep `read` (set_scopes_at adds it); a grant written without it, as
    # a hand-made row could be, is refused all the same.
    set_scopes_at(db.session.get(Partner, partner.id), venue, {Scope.BOOK})
    for grant in db.session.get(Partner, partner.id).grants:
        grant.scopes = frozenset({Scope.BOOK})
    db.session.commit()
    response = scoped.get(CHANGES, venueId=ids["venue"])
    assert response.status_code == 403 and error_code(response) == "FORBIDDEN"


# --- ETag / 304 -------------------------------------------------------------------------


def slots(api: Api, service_id: int, etag: str | None = None, body: dict | None = None):
    headers = {"If-None-Match": etag} if etag else None
    return api.post(
        f"/v1/services/{service_id}/availability/slots", body or WINDOW, headers=headers
    )


@pytest.mark.usefixtures("backend")
def test_an_unchanged_answer_is_not_modified_and_a_hold_changes_it(api: Api, clock) -> None:
    ids = create_room_service(api)
    first = slots(api, ids["service"])
    assert first.status_code == 200 and first.headers["ETag"]
    etag = first.headers["ETag"]

    unchanged = slots(api, ids["service"], etag)
    assert unchanged.status_code == 304
    assert unchanged.data == b"" and unchanged.headers["ETag"] == etag
    # Another question is another answer.
    other = slots(api, ids["service"], etag, WINDOW | {"endTime": "2026-03-02T17:00:00Z"})
    assert other.status_code == 200 and other.headers["ETag"] != etag

    held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN})
    assert held.status_code == 201
    fresh = slots(api, ids["service"], etag)
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert len(fresh.get_json()["slots"]) < len(first.get_json()["slots"])
    assert slots(api, ids["service"], fresh.headers["ETag"]).status_code == 304

    # Confirming takes nothing more: the answer is the same, and so is its tag.
    assert api.post(f"/v1/bookings/{held.get_json()['id']}/confirm", {}).status_code == 200
    assert slots(api, ids["service"], fresh.headers["ETag"]).status_code == 304


def test_the_tag_moves_with_the_time_bucket_and_the_set_up(api: Api, clock) -> None:
    ids = create_room_service(api)  # a 15-minute grid alignment
    etag = slots(api, ids["service"]).headers["ETag"]
    clock.advance(timedelta(minutes=14, seconds=59))
    assert slots(api, ids["service"], etag).status_code == 304
    clock.advance(timedelta(seconds=1))
    moved = slots(api, ids["service"], etag)
    assert moved.status_code == 200
    etag = moved.headers["ETag"]
    renamed = api.patch(f"/v1/venues/{ids['venue']}", {"name": "Rooms, renamed"})
    assert renamed.status_code == 200
    assert slots(api, ids["service"], etag).status_code == 200


def test_end_times_carry_a_tag_too(api: Api) -> None:
    room_service = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 180}
    )
    path = f"/v1/services/{room_service['service']}/availability/end-times"
    first = api.post(path, {"startTime": TEN})
    assert first.status_code == 200, first.get_json()
    again = api.post(path, {"startTime": TEN}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
