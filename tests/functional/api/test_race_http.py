"""32 partners' apps race over real HTTP for one range: exactly one hold, 31 SLOT_TAKEN,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Booking
from tests.functional.api.conftest import Api, create_room_service
from tests.functional.api.http import race

RACERS = 32

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.slow]


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RACERS + 2}}


def test_32_concurrent_posts_for_one_range_give_exactly_one_201(api: Api, live_server) -> None:
    ids = create_room_service(api)
    body = {
        "serviceId": ids["service"],
        "resourceId": ids["room"],
        "startTime": "2026-03-02T09:00:00Z",
        "endTime": "2026-03-02T10:00:00Z",
    }

    results = race(
        f"{live_server.url}/v1/bookings", body, {"Authorization": f"Bearer {api.key}"}, RACERS
    )

    outcomes = Counter(
        (status, payload.get("error", {}).get("code", "created")) for status, payload in results
    )
    print(f"HTTP race ({db.engine.dialect.name}): {dict(outcomes)}")
    assert outcomes == {(201, "created"): 1, (409, "SLOT_TAKEN"): RACERS - 1}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 1
