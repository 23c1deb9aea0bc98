"""Webhook endpoints through the partner API: registering (and the SSRF guard), reading,
changing, rotating, deleting, the delivery log and redelivery, each key seeing only its
own endpoints, and an endpoint that never answers shown disabled with its reason. Events
go to a real HTTP receiver on a loopback port."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from bookingsite.clock import FrozenClock
from bookingsite.webhooks import delivery
from tests.functional.api.conftest import Api, create_room_service, error_code
from tests.webhook_receiver import LOOPBACK_SETTINGS, Receiver

ENDPOINTS = "/v1/webhook-endpoints"
ALL_TYPES = [
    "availability.changed",
    "booking.cancelled",
    "booking.confirmed",
    "booking.expired",
    "booking.held",
    "booking.moved",
]


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | LOOPBACK_SETTINGS


@pytest.fixture
def ids(api: Api) -> dict[str, int]:
    return create_room_service(api)


def register(api: Api, venue_id: int, url: str, types=None, **fields) -> dict:
    response = api.post(
        ENDPOINTS, {"venueId": venue_id, "url": url, "eventTypes": types or ALL_TYPES, **fields}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def hold(api: Api, ids: dict, start: str = "2026-03-02T09:00:00Z") -> dict:
    response = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": start})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_endpoint_is_registered_read_changed_and_deleted(
    api: Api, ids: dict, receiver: Receiver, backend: str
) -> None:
    created = register(api, ids["venue"], receiver.url, ["booking.held"], description="CRM")
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True and created["disabledReason"] is None
    assert created["eventTypes"] == ["booking.held"] and created["description"] == "CRM"
    path = f"{ENDPOINTS}/{created['id']}"

    shown = api.get(path).get_json()
    assert "secret" not in shown  # shown once
    assert shown == {k: v for k, v in created.items() if k != "secret"}

    changed = api.patch(
        path, {"eventTypes": ["booking.held", "booking.cancelled"], "enabled": False}
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["eventTypes"] == ["booking.cancelled", "booking.held"]
    assert body["enabled"] is False and body["disabledReason"] == "manual"
    assert body["disabledMessage"] and body["disabledAt"]
    hold(api, ids)
    assert receiver.received == []  # switched off: nothing recorded, nothing sent

    back = api.patch(path, {"enabled": True}).get_json()
    assert back["enabled"] is True and back["disabledReason"] is None
    assert back["disabledMessage"] is None
    assert api.patch(path, {"url": None}).status_code == 422  # nothing takes null

    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_endpoints_are_listed_a_page_at_a_time(api: Api, ids: dict, receiver: Receiver) -> None:
    made = [register(api, ids["venue"], f"{receiver.url}/{n}")["id"] for n in range(3)]
    first = api.get(ENDPOINTS, limit=2).get_json()
    assert [e["id"] for e in first["data"]] == made[:2]
    rest = api.get(ENDPOINTS, limit=2, cursor=first["nextCursor"]).get_json()
    assert [e["id"] for e in rest["data"]] == made[2:] and rest["nextCursor"] is None
    assert api.get(ENDPOINTS, venueId=ids["venue"] + 1000).get_json()["data"] == []
    assert api.get(ENDPOINTS, cursor="nonsense").status_code == 422


def test_rotating_gives_a_new_secret_once(
    api: Api, ids: dict, receiver: Receiver, clock: FrozenClock
) -> None:
    created = register(api, ids["venue"], receiver.url)
    rotated = api.post(f"{ENDPOINTS}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.get_json()
    body = rotated.get_json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    assert body["previousSecretValidUntil"] == "2026-03-02T00:00:00Z"  # a day from now


def test_other_keys_see_nothing_of_an_endpoint(
    api: Api, other_api: Api, ids: dict, receiver: Receiver
) -> None:
    created = register(api, ids["venue"], receiver.url)
    path = f"{ENDPOINTS}/{created['id']}"
    assert other_api.get(path).status_code == 404
    assert other_api.patch(path, {"enabled": False}).status_code == 404
    assert other_api.post(f"{path}/rotate-secret").status_code == 404
    assert other_api.get(f"{path}/deliveries").status_code == 404
    assert other_api.delete(path).status_code == 404
    assert other_api.get(ENDPOINTS).get_json()["data"] == []
    refused = other_api.post(
        ENDPOINTS, {"venueId": ids["venue"], "url": receiver.url, "eventTypes": ["booking.held"]}
    )
    assert refused.status_code == 404  # not its venue
    assert api.get(path).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.20:8080/hook",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://2130706433/",  # 127.0.0.1 as one number
    ],
)
def test_private_targets_are_refused(app: Flask, api: Api, ids: dict, url: str) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = False
    response = api.post(
        ENDPOINTS, {"venueId": ids["venue"], "url": url, "eventTypes": ["booking.held"]}
    )
    assert response.status_code == 422, response.get_json()
    assert "private" in response.get_json()["error"]["fields"]["url"]


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "http://user:pw@example.com/"]
)
def test_only_plain_http_and_https_targets_are_taken(api: Api, ids: dict, url: str) -> None:
    response = api.post(
        ENDPOINTS, {"venueId": ids["venue"], "url": url, "eventTypes": ["booking.held"]}
    )
    assert response.status_code == 422
    assert "url" in response.get_json()["error"]["fields"]


def test_a_change_of_url_is_checked_like_a_registration(
    app: Flask, api: Api, ids: dict, receiver: Receiver
) -> None:
    created = register(api, ids["venue"], receiver.url)
    app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = False
    changed = api.patch(f"{ENDPOINTS}/{created['id']}", {"url": "http://10.1.2.3/hook"})
    assert changed.status_code == 422
    assert api.get(f"{ENDPOINTS}/{created['id']}").get_json()["url"] == receiver.url


def test_the_delivery_log_and_a_redelivery(
    api: Api, ids: dict, receiver: Receiver, backend: str
) -> None:
    created = register(api, ids["venue"], receiver.url, ["booking.held", "booking.confirmed"])
    booking = hold(api, ids)
    api.post(f"/v1/bookings/{booking['id']}/confirm", {})
    assert receiver.types == ["booking.held", "booking.confirmed"]
    # The event carries the API's own representation of the booking.
    assert receiver.received[0].json["data"] == booking

    log = f"{ENDPOINTS}/{created['id']}/deliveries"
    first = api.get(log, limit=1).get_json()
    (held,) = first["data"]
    assert held["eventType"] == "booking.held" and held["status"] == "succeeded"
    assert held["attempts"] == 1 and held["lastStatusCode"] == 200
    assert held["lastLatencyMs"] >= 0 and held["deliveredAt"]
    assert held["messageId"] == receiver.received[0].headers["webhook-id"]
    assert held["payload"] == receiver.received[0].json
    rest = api.get(log, cursor=first["nextCursor"]).get_json()
    assert [d["eventType"] for d in rest["data"]] == ["booking.confirmed"]

    again = api.post(f"{log}/{held['id']}/redeliver")
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["id"] != held["id"]
    assert receiver.types[-1] == "booking.held"
    assert receiver.received[-1].headers["webhook-id"] == held["messageId"]
    assert receiver.received[-1].body == receiver.received[0].body
    assert len(api.get(log).get_json()["data"]) == 3
    assert api.post(f"{log}/999999/redeliver").status_code == 404


def test_an_endpoint_that_never_answers_is_shown_disabled(
    app: Flask, api: Api, ids: dict, receiver: Receiver, clock: FrozenClock
) -> None:
    app.config |= {"WEBHOOKS_ATTEMPTS": 2, "WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES": 1}
    receiver.hang = True
    created = register(api, ids["venue"], receiver.url, ["booking.held"])
    hold(api, ids)
    clock.advance(timedelta(seconds=30))
    assert delivery.hand_over_due() == 1

    shown = api.get(f"{ENDPOINTS}/{created['id']}").get_json()
    assert shown["enabled"] is False and shown["disabledReason"] == "failing"
    assert "kept failing" in shown["disabledMessage"]
    assert "ReadTimeout" in shown["lastError"]
    log = api.get(f"{ENDPOINTS}/{created['id']}/deliveries").get_json()["data"]
    assert [(d["status"], d["attempts"]) for d in log] == [("failed", 2)]
    refused = api.post(f"{ENDPOINTS}/{created['id']}/deliveries/{log[0]['id']}/redeliver")
    assert refused.status_code == 409 and error_code(refused) == "WEBHOOK_ENDPOINT_DISABLED"

    receiver.hang = False  # fixed: switched back on, the lost event sent again
    assert api.patch(f"{ENDPOINTS}/{created['id']}", {"enabled": True}).status_code == 200
    again = api.post(f"{ENDPOINTS}/{created['id']}/deliveries/{log[0]['id']}/redeliver")
    assert again.status_code == 201 and again.get_json()["status"] == "succeeded"
