"""Every list pages the same way: `limit` (1..100, default 50), an opaque `cursor`, and
`nextCursor` in the answer (null on the last page); a walk is stable under inserts."""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bookingsite.api.routing import OPERATIONS
from tests.factories import make_venue
from tests.functional.api.conftest import Api, create_room_service, error_code, new_key

Ids = dict[str, int]
counter = itertools.count(1)


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add_venue(api: Api, ids: Ids) -> int:
    return _created(api.post("/v1/venues", {"name": f"Venue {next(counter)}", "timezone": "UTC"}))


def add_resource(api: Api, ids: Ids) -> int:
    body = {"venueId": ids["venue"], "name": f"Room {next(counter)}"}
    return _created(api.post("/v1/resources", body))


def add_service(api: Api, ids: Ids) -> int:
    body = {
        "venueId": ids["venue"],
        "name": f"Service {next(counter)}",
        "resourceIds": [ids["room"]],
        "variants": [{"durationMinutes": 60}],
    }
    return _created(api.post("/v1/services", body))


def add_allocation(api: Api, ids: Ids) -> int:
    day = 2 + next(counter) % 25
    body = {
        "resourceId": ids["room"],
        "startTime": f"2026-04-{day:02}T09:00:00Z",
        "endTime": f"2026-04-{day:02}T09:30:00Z",
    }
    return _created(api.post("/v1/allocations", body))


def add_booking(api: Api, ids: Ids) -> int:
    # Each later than the last (bookings list by start): one a day, 10:00 in Berlin.
    n = len(api.get("/v1/bookings", limit=100).get_json()["data"])
    start = (date(2026, 3, 3) + timedelta(days=n)).isoformat() + "T09:00:00Z"
    return _created(api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": start}))


def add_endpoint(api: Api, ids: Ids) -> int:
    body = {
        "venueId": ids["venue"],
        "url": f"http://127.0.0.1:9/hook/{next(counter)}",
        "eventTypes": ["booking.held"],
    }
    return _created(api.post("/v1/webhook-endpoints", body))


LISTS: dict[str, Callable[[Api, Ids], int]] = {
    "/v1/venues": add_venue,
    "/v1/resources": add_resource,
    "/v1/services": add_service,
    "/v1/allocations": add_allocation,
    "/v1/bookings": add_booking,
    "/v1/webhook-endpoints": add_endpoint,
}


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    # Endpoints point at a loopback port (never called here).
    return app_settings | {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True}


def test_every_list_is_paged() -> None:
    lists = {op.path for op in OPERATIONS if op.method == "GET" and "{" not in op.path}
    # The changes feed pages by the same `limit` and opaque `cursor`, but its rows have
    # no ids and its `nextCursor` is never null (a partner polls with it): it has its own
    # walk in tests/functional/api/test_changes_feed.py.
    assert lists - {"/v1/availability", "/v1/availability/changes"} == set(LISTS)


def everything(api: Api, path: str) -> list[int]:
    page = api.get(path, limit=100).get_json()
    assert page["nextCursor"] is None
    return [row["id"] for row in page["data"]]


def walk(api: Api, path: str, limit: int, between: Callable[[], None]) -> list[int]:
    """Every page in turn, calling `between` after each but the last."""
    seen: list[int] = []
    cursor = None
    while True:
        response = api.get(path, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        assert set(page) == {"data", "nextCursor"}
        assert len(page["data"]) <= limit
        seen += [row["id"] for row in page["data"]]
        cursor = page["nextCursor"]
        if cursor is None:
            return seen
        assert len(page["data"]) == limit
        between()


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("path", LISTS)
def test_a_walk_sees_each_row_once_and_rows_added_meanwhile(api: Api, path: str) -> None:
    ids = create_room_service(api)
    add = LISTS[path]
    for _ in range(5):
        add(api, ids)
    before = everything(api, path)
    assert len(before) >= 5

    added: list[int] = []
    seen = walk(api, path, 2, lambda: added.append(add(api, ids)))

    assert len(added) >= 2
    assert seen == before + added  # in the list's order, none twice, none missed
    assert everything(api, path) == seen


@pytest.mark.parametrize("path", LISTS)
def test_the_last_page_has_no_cursor(api: Api, path: str) -> None:
    ids = create_room_service(api)
    for _ in range(2):
        LISTS[path](api, ids)
    rows = everything(api, path)
    exact = api.get(path, limit=len(rows)).get_json()
    assert [row["id"] for row in exact["data"]] == rows
    assert exact["nextCursor"] is None
    first = api.get(path, limit=len(rows) - 1).get_json()
    last = api.get(path, limit=len(rows), cursor=first["nextCursor"]).get_json()
    assert [row["id"] for row in last["data"]] == rows[-1:]
    assert last["nextCursor"] is None


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "not base64 json": "not-a-cursor",
    "outside the alphabet": "a+b/c=",
    "empty": "",
    "too long": "A" * 201,
    "not a list": _cursor({"id": 1}),
    "too many keys": _cursor([1, 2, 3]),
    "id zero": _cursor([0]),
    "id too large": _cursor([2**31]),
    "id as text": _cursor(["1"]),
    "id as a float": _cursor([1.5]),
    "id as true": _cursor([True]),
    "instant as a number": _cursor([0.5, 1]),
    "instant out of bounds": _cursor(["9999-01-01T00:00:00+00:00", 1]),
    "nested": base64.urlsafe_b64encode(b"[" * 70 + b"]" * 70).decode(),
}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_a_bad_cursor_is_a_validation_error(api: Api, path: str, cursor: str) -> None:
    response = api.get(path, cursor=cursor)
    assert response.status_code == 422, response.get_json()
    # Of the documented form but no page's: a broken rule; else malformed.
    documented = re.fullmatch(r"[A-Za-z0-9_-]{1,200}", cursor)
    assert error_code(response) == ("RULE_BROKEN" if documented else "VALIDATION_ERROR")
    assert set(response.get_json()["error"]["fields"]) == {"cursor"}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["0", "101", "-1", "x", "1.5", ""])
def test_limit_lies_between_1_and_100(api: Api, path: str, limit: str) -> None:
    response = api.get(path, limit=limit)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["fields"]) == {"limit"}
    assert api.get(path, limit=1).status_code == 200
    assert api.get(path, limit=100).status_code == 200


def test_a_page_holds_50_rows_unless_asked(app, client, clock) -> None:
    venues = [make_venue() for _ in range(51)]
    venue_ids = sorted(v.id for v in venues)
    api = Api(client, new_key(clock, manage=False, venues=venues))
    first = api.get("/v1/venues").get_json()
    assert len(first["data"]) == 50
    rest = api.get("/v1/venues", cursor=first["nextCursor"]).get_json()
    assert [v["id"] for v in first["data"] + rest["data"]] == venue_ids
    assert rest["nextCursor"] is None


def test_the_document_describes_paging_on_every_list(client) -> None:
    spec = client.get("/v1/openapi.json").get_json()
    for path in LISTS:
        operation = spec["paths"][path]["get"]
        parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert (
            parameters["limit"] | {"minimum": 1, "maximum": 100, "default": 50}
            == (parameters["limit"])
        )
        assert parameters["cursor"]["type"] == "string"
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert set(page["required"]) == {"data", "nextCursor"}
