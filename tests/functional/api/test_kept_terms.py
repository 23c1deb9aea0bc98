"""A booking's terms through the API: what was agreed, whatever the service says later."""

from __future__ import annotations

import pytest

from bookingsite.extensions import db
from bookingsite.models import Service
from tests.functional.api.conftest import Api, create_room_service

TEN = "2026-03-02T09:00:00Z"
pytestmark = pytest.mark.usefixtures("backend")


def test_a_booking_shows_the_terms_it_was_made_under(api: Api) -> None:
    ids = create_room_service(api)
    service = db.session.get(Service, ids["service"])
    service.variants[0].price_cents = 3600
    service.cancel_cutoff_hours = 24
    db.session.commit()
    held = api.post("/v1/bookings", {"serviceId": ids["service"], "startTime": TEN}).get_json()

    service = db.session.get(Service, ids["service"])
    service.name = "Board room"
    service.variants[0].price_cents = 5000
    service.buffer_after_minutes = 30
    db.session.commit()

    terms = api.get(f"/v1/bookings/{held['id']}").get_json()["terms"]
    assert terms == {
        "serviceName": "Meeting room, 1 hour",
        "optionName": "1 hour",
        "priceCents": 3600,
        "currency": "EUR",
        "bufferBeforeMinutes": 0,
        "bufferAfterMinutes": 15,
        "cancelUntilHoursBefore": 24,
        "changeUntilHoursBefore": 0,
    }
