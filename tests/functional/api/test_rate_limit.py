"""Rate limits count per API key (Flask-Limiter) and answer 429 with Retry-After."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Partner
from tests.functional.api.conftest import Api


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "API_RATE_LIMIT": "3 per minute",
    }


def test_the_fourth_call_in_a_minute_gets_429_with_retry_after(api: Api, other_api: Api) -> None:
    for _ in range(3):
        assert api.get("/v1/venues").status_code == 200
    limited = api.get("/v1/venues")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "RATE_LIMITED"
    assert limited.get_json()["error"]["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # POSTs count too, and answer the same way.
    assert api.post("/v1/venues", {"name": "V", "timezone": "UTC"}).status_code == 429
    # Another key has its own budget.
    assert other_api.get("/v1/venues").status_code == 200


def test_a_key_s_own_limit_replaces_the_api_s(api: Api, other_api: Api) -> None:
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.id))
    for partner, limit in zip(partners, ["2/minute", "5/minute"], strict=True):
        partner.rate_limit = limit
    db.session.commit()
    assert [api.get("/v1/venues").status_code for _ in range(3)] == [200, 200, 429]
    assert [other_api.get("/v1/venues").status_code for _ in range(6)] == [200] * 5 + [429]
