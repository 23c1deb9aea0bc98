from datetime import UTC, datetime

import pytest

from bookingsite import demo


@pytest.fixture
def demo_venues(app):
    """The four demo venues, seeded at the frozen clock's instant (2026-03-01T00:00Z)."""
    return {v.slug: v for v in demo.seed(datetime(2026, 3, 1, tzinfo=UTC))}


@pytest.fixture
def client(client):
    """Venues have their own default language; these tests read English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
