"""The slot grid's SQL stays constant in days and resources (no query per day or slot)."""

from __future__ import annotations

import pytest

MAX_QUERIES = 6
# A picker part may ask two questions, each reading busy time in two statements: a
# rental's month and the runs from its pick-up day; a day with nothing free and the next
# day with a free time.
MAX_FRAGMENT_QUERIES = 8


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize(
    "url",
    [
        "/venues/spreeblick-rooms/meeting-room-1h",
        "/venues/lumiere-spa/swedish-massage",
        "/venues/harbour-rentals/camera-kit",
    ],
)
def test_grid_partial_query_count(client, demo_venues, count_queries, url, view):
    client.get(f"{url}?view={view}&date=2026-03-02", headers={"HX-Request": "true"})
    count_queries.clear()
    response = client.get(f"{url}?view={view}&date=2026-03-03", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(count_queries) <= MAX_QUERIES, "\n".join(count_queries)


@pytest.mark.parametrize(
    ("url", "first", "second"),
    [
        ("/venues/spreeblick-rooms/meeting-room-1h/days", "month=2026-03", "month=2026-04"),
        ("/venues/spreeblick-rooms/meeting-room-1h/times", "date=2026-03-02", "date=2026-03-03"),
        ("/venues/lumiere-spa/swedish-massage/times", "date=2026-03-02", "date=2026-03-03"),
        ("/venues/harbour-rentals/camera-kit/days", "start_day=2026-03-02", "start_day=2026-03-03"),
    ],
)
def test_picker_fragment_query_count(client, demo_venues, count_queries, url, first, second):
    """A month's day states or a day's times: a constant number of statements, whatever
    the number of days or slots (the fragment cache is bypassed: another query string)."""
    client.get(f"{url}?{first}", headers={"HX-Request": "true"})
    count_queries.clear()
    response = client.get(f"{url}?{second}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(count_queries) <= MAX_FRAGMENT_QUERIES, "\n".join(count_queries)
