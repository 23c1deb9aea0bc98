"""The same question through the customer page, the partner API and a hold gets the same
answer: they all ask through the question layer (booking/questions.py).

The tennis courts' options are for one guest and the courts seat four: a party of four
is judged by capacity everywhere (the API used to refuse it while a hold accepted it), a
party of five is refused everywhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bookingsite import demo
from bookingsite.clock import format_instant, local_day_range, parse_instant
from tests.functional.api.conftest import Api, new_key

DAY = "2026-03-02"
COURT = "/venues/riverside-tennis/court"
ZONE = "America/New_York"
HALF_HOUR_MS = 30 * 60 * 1000


@pytest.fixture
def world(app, client, clock):
    venues = {v.slug: v for v in demo.seed(datetime(2026, 3, 1, tzinfo=UTC))}
    tennis = venues["riverside-tennis"]
    service = next(s for s in tennis.services if s.slug == "court")
    court = service.places[0]
    partner = Api(app.test_client(), new_key(clock, manage=False, venues=[tennis]))
    return service, court, partner


def page_starts(client, court_id: int, guests: int) -> list[str]:
    html = client.get(
        f"{COURT}?date={DAY}&view=day&resource={court_id}&guests={guests}",
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    return re.findall(r'<button class="slot" name="start" value="([^"]+)"', html)


def api_starts(partner: Api, service_id: int, court_id: int, guests: int) -> list[str]:
    # The venue's local day, as the page shows it.
    start, end = local_day_range(date.fromisoformat(DAY), date.fromisoformat(DAY), ZONE)
    response = partner.post(
        f"/v1/services/{service_id}/availability/slots",
        {
            "startTime": format_instant(start),
            "endTime": format_instant(end),
            "durationMs": HALF_HOUR_MS,
            "resourceId": court_id,
            "guests": guests,
        },
    )
    assert response.status_code == 200, response.get_json()
    return [slot["startTime"] for slot in response.get_json()["slots"]]


def hold(partner: Api, service_id: int, court_id: int, start: str, guests: int):
    end = parse_instant(start) + timedelta(milliseconds=HALF_HOUR_MS)
    return partner.post(
        "/v1/bookings",
        {
            "serviceId": service_id,
            "resourceId": court_id,
            "startTime": start,
            "endTime": format_instant(end),
            "guests": guests,
        },
    )


def test_a_party_the_court_seats_is_offered_everywhere_and_can_be_held(client, world):
    service, court, partner = world
    on_page = page_starts(client, court.id, guests=4)
    through_api = api_starts(partner, service.id, court.id, guests=4)
    assert on_page and on_page == through_api
    held = hold(partner, service.id, court.id, through_api[0], guests=4)
    assert held.status_code == 201, held.get_json()
    assert held.get_json()["guests"] == 4


def test_a_party_too_large_for_the_court_is_refused_everywhere(client, world):
    service, court, partner = world
    free_for_two = api_starts(partner, service.id, court.id, guests=2)
    assert page_starts(client, court.id, guests=5) == []
    assert api_starts(partner, service.id, court.id, guests=5) == []
    refused = hold(partner, service.id, court.id, free_for_two[0], guests=5)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["reason"] == "over_capacity"
