"""Fixtures for the partner API: keys, and a client that sends them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bookingsite.accounts import BOOKING_SCOPES, EVERY_SCOPE, create_partner
from bookingsite.clock import FrozenClock


class Api:
    """The test client with a partner's key on every call."""

    def __init__(self, client: FlaskClient, key: str | None) -> None:
        self.client = client
        self.key = key

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        base = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return base | (headers or {})

    def get(self, path: str, **params: Any) -> TestResponse:
        return self.client.get(path, query_string=params, headers=self._headers(None))

    def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> TestResponse:
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def patch(self, path: str, json: Any = None) -> TestResponse:
        return self.client.patch(path, json=json, headers=self._headers(None))

    def delete(self, path: str) -> TestResponse:
        return self.client.delete(path, headers=self._headers(None))


def new_key(clock: FrozenClock, *, manage: bool, venues: list | None = None, name="p") -> str:
    scopes = EVERY_SCOPE if manage else BOOKING_SCOPES
    _partner, key = create_partner(name, venues or [], scopes=scopes, now=clock.now())
    return key


@pytest.fixture
def api(app: Flask, client: FlaskClient, clock: FrozenClock) -> Api:
    """A partner with the manage scope."""
    return Api(client, new_key(clock, manage=True, name="Acme"))


@pytest.fixture
def other_api(app: Flask, clock: FrozenClock) -> Api:
    """A second partner, also with the manage scope, and its own venues."""
    return Api(app.test_client(), new_key(clock, manage=True, name="Globex"))


def error_code(response: TestResponse) -> str:
    return response.get_json()["error"]["code"]


ROOM_DAY = "2026-03-01"


def create_room_service(api: Api, **service: Any) -> dict[str, int]:
    """The seed's set-up: a venue at UTC+1, a 24/7 room, a 60-minute service with a
    15-minute after-buffer on a 15-minute grid. Returns the ids."""
    venue = api.post("/v1/venues", {"name": "Rooms", "timezone": "Europe/Berlin"})
    assert venue.status_code == 201, venue.get_json()
    venue_id = venue.get_json()["id"]
    room = api.post(
        "/v1/resources",
        {
            "venueId": venue_id,
            "name": "Room A",
            "kind": "room",
            "capacity": 8,
            "metadata": {"floor": 2},
            "workingHours": None,
        },
    )
    assert room.status_code == 201, room.get_json()
    room_id = room.get_json()["id"]
    fields = {
        "venueId": venue_id,
        "name": "Meeting room, 1 hour",
        "resourceIds": [room_id],
        "variants": [{"name": "1 hour", "durationMinutes": 60}],
        "bufferAfterMinutes": 15,
        "gridAlignmentMinutes": 15,
    } | service
    created = api.post("/v1/services", fields)
    assert created.status_code == 201, created.get_json()
    return {"venue": venue_id, "room": room_id, "service": created.get_json()["id"]}
