"""Scopes, for every operation of the URL map: a key without an operation's scope gets
403 (FORBIDDEN), both when the key lacks it everywhere and when it lacks it only at the
venue concerned; with it, the same call goes through; lists show only the venues where
the key has the scope."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bookingsite.accounts import EVERY_SCOPE, create_partner, set_scopes_at
from bookingsite.api.routing import OPERATIONS, Operation
from bookingsite.extensions import db
from bookingsite.models import Partner, Scope, Venue
from tests.functional.api.conftest import Api, create_room_service, error_code

HOLD = {"startTime": "2026-03-02T09:00:00Z"}
BLOCK = {"startTime": "2026-03-05T09:00:00Z", "endTime": "2026-03-05T10:00:00Z"}
NEEDS_MORE_THAN_READ = [op for op in OPERATIONS if not op.public and op.scope != Scope.READ]
# Making a venue concerns no venue yet: only the key's own scopes decide.
KEY_LEVEL_ONLY = {("POST", "/venues")}


def path_of(op: Operation, ids: dict[str, int]) -> str:
    return "/v1" + re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), op.rule)


def call(api: Api, op: Operation, ids: dict[str, int], body: Any = None):
    path = path_of(op, ids)
    if op.method == "GET":
        query = {"serviceId": ids["service"], "from": HOLD["startTime"], "to": BLOCK["endTime"]}
        return api.get(path, **query) if op.rule == "/availability" else api.get(path)
    if op.method == "PATCH":
        return api.patch(path, body or {})
    if op.method == "DELETE":
        return api.delete(path)
    return api.post(path, body or {})


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    # The key's webhook endpoint points at a loopback port (never called here).
    return app_settings | {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True}


@pytest.fixture
def world(api: Api, client, clock) -> dict[str, Any]:
    """The venue's room, service, a block and a held booking of the scoped key, which
    may do everything, and at this venue only what each test leaves it."""
    ids = create_room_service(api)
    ids["allocation"] = api.post(
        "/v1/allocations", {"resourceId": ids["room"], **BLOCK}
    ).get_json()["id"]
    venue = db.session.get(Venue, ids["venue"])
    partner, key = create_partner("Scoped", [venue], scopes=EVERY_SCOPE, now=clock.now())
    scoped = Api(client, key)
    held = scoped.post("/v1/bookings", {"serviceId": ids["service"], **HOLD})
    assert held.status_code == 201, held.get_json()
    endpoint = scoped.post(
        "/v1/webhook-endpoints",
        {"venueId": ids["venue"], "url": "http://127.0.0.1:9/", "eventTypes": ["booking.held"]},
    )
    assert endpoint.status_code == 201, endpoint.get_json()
    ids |= {
        "endpoint_id": endpoint.get_json()["id"],
        "venue_id": ids["venue"],
        "resource_id": ids["room"],
        "service_id": ids["service"],
        "allocation_id": ids["allocation"],
        "booking_id": held.get_json()["id"],
    }
    return {"ids": ids, "api": scoped, "partner_id": partner.id, "venue": venue}


def bodies(ids: dict[str, int]) -> dict[tuple[str, str], Any]:
    """A valid body for each operation that needs more than `read`, about the venue."""
    return {
        ("POST", "/bookings"): {"serviceId": ids["service"], "startTime": "2026-03-02T11:30:00Z"},
        ("POST", "/bookings/<int:booking_id>/confirm"): {},
        ("POST", "/bookings/<int:booking_id>/cancel"): None,
        ("PATCH", "/venues/<int:venue_id>"): {"name": "Renamed"},
        ("POST", "/resources"): {"venueId": ids["venue"], "name": "Room B"},
        ("PATCH", "/resources/<int:resource_id>"): {"name": "Room A2"},
        ("POST", "/services"): {
            "venueId": ids["venue"],
            "name": "Short",
            "resourceIds": [ids["room"]],
            "variants": [{"durationMinutes": 30}],
        },
        ("PATCH", "/services/<int:service_id>"): {"name": "Meeting"},
        ("POST", "/allocations"): {"resourceId": ids["room"], **BLOCK}
        | {
            "startTime": "2026-03-06T09:00:00Z",
            "endTime": "2026-03-06T10:00:00Z",
        },
        ("DELETE", "/allocations/<int:allocation_id>"): None,
    }


def scoped_at_venue(world: dict[str, Any], scopes: set[Scope]) -> None:
    partner = db.session.get(Partner, world["partner_id"])
    set_scopes_at(partner, world["venue"], scopes)
    db.session.commit()


def test_every_operation_that_needs_more_than_read_has_a_body_here(world) -> None:
    declared = {(op.method, op.rule) for op in NEEDS_MORE_THAN_READ} - KEY_LEVEL_ONLY
    assert declared == set(bodies(world["ids"]))


@pytest.mark.parametrize("op", NEEDS_MORE_THAN_READ, ids=lambda op: f"{op.method} {op.rule}")
def test_a_key_without_the_scope_anywhere_gets_403(world, op: Operation) -> None:
    partner = db.session.get(Partner, world["partner_id"])
    partner.scopes = frozenset(EVERY_SCOPE - {op.scope})
    db.session.commit()
    response = call(world["api"], op, world["ids"], bodies(world["ids"]).get((op.method, op.rule)))
    assert response.status_code == 403, response.get_json()
    assert error_code(response) == "FORBIDDEN"


@pytest.mark.parametrize(
    "op",
    [op for op in NEEDS_MORE_THAN_READ if (op.method, op.rule) not in KEY_LEVEL_ONLY],
    ids=lambda op: f"{op.method} {op.rule}",
)
def test_a_key_without_the_scope_at_the_venue_gets_403_and_with_it_goes_through(
    world, op: Operation
) -> None:
    body = bodies(world["ids"])[(op.method, op.rule)]
    scoped_at_venue(world, EVERY_SCOPE - {op.scope})
    refused = call(world["api"], op, world["ids"], body)
    assert refused.status_code == 403, refused.get_json()
    assert error_code(refused) == "FORBIDDEN"

    scoped_at_venue(world, {op.scope})
    allowed = call(world["api"], op, world["ids"], body)
    assert allowed.status_code < 400, allowed.get_json()


def test_read_alone_reads_everything_at_the_venue(world) -> None:
    scoped_at_venue(world, {Scope.READ})
    reads = [op for op in OPERATIONS if not op.public and op.method == "GET"]
    for op in reads:
        response = call(world["api"], op, world["ids"])
        assert response.status_code == 200, (op.rule, response.get_json())
    assert [v["id"] for v in world["api"].get("/v1/venues").get_json()["data"]] == [
        world["ids"]["venue"]
    ]


def test_lists_show_the_venues_where_the_key_has_the_scope(api: Api, world, clock) -> None:
    """A second venue the key reaches with `read` only: listed for reading; making a
    resource there is refused while the first venue still accepts it."""
    second = create_room_service(api, name="Second")
    partner = db.session.get(Partner, world["partner_id"])
    set_scopes_at(partner, db.session.get(Venue, second["venue"]), {Scope.READ})
    db.session.commit()
    listed = world["api"].get("/v1/venues").get_json()["data"]
    assert sorted(v["id"] for v in listed) == sorted([world["ids"]["venue"], second["venue"]])
    room = {"name": "Room C"}
    assert (
        world["api"].post("/v1/resources", {"venueId": second["venue"], **room}).status_code == 403
    )
    assert (
        world["api"].post("/v1/resources", {"venueId": world["ids"]["venue"], **room}).status_code
        == 201
    )
