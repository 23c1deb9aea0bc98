"""The picker's kept parts: answered again while the venue's availability and the time
bucket are the same, fresh after any change — whichever process or connection made it —
and kept apart for each language and visitor zone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Service, Venue

DAY_URL = "/venues/spreeblick-rooms/meeting-room-1h/times?date=2026-03-02"
HTMX = {"HX-Request": "true"}


def room_ids() -> list[int]:
    service = db.session.scalar(sa.select(Service).where(Service.slug == "meeting-room-1h"))
    return [r.id for r in service.resources]


def written_elsewhere(statement: str, **values: object) -> None:
    """As another worker (or psql) would write: its own connection and transaction."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), values)


def reads_busy_time(sent: list[str]) -> bool:
    return any("FROM occupancies" in s for s in sent)


def test_a_kept_part_is_answered_without_reading_busy_time(client, demo_venues, count_queries):
    first = client.get(DAY_URL, headers=HTMX)
    count_queries.clear()
    again = client.get(DAY_URL, headers=HTMX)
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["HX-Push-Url"] == first.headers["HX-Push-Url"]
    assert not reads_busy_time(count_queries)


def test_a_change_made_elsewhere_is_seen_by_the_next_request(client, demo_venues, count_queries):
    """Every room blocked all day through another connection: the kept part is not
    answered again, and the day has no time left."""
    before = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    assert "start times free" in before
    for room_id in room_ids():
        written_elsewhere(
            "INSERT INTO allocations (resource_id, start_at, end_at, reason)"
            " VALUES (:room, '2026-03-01 20:00:00.000000', '2026-03-03 00:00:00.000000', 'x')",
            room=room_id,
        )
    db.session.rollback()
    count_queries.clear()
    after = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    assert reads_busy_time(count_queries)
    assert "start times free" not in after


def test_an_hours_change_made_elsewhere_is_seen(client, demo_venues):
    before = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    for room_id in room_ids():
        written_elsewhere(
            "UPDATE resources SET weekly_hours = :closed WHERE id = :room",
            closed='{"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}',
            room=room_id,
        )
    db.session.rollback()
    after = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    assert after != before and "start times free" not in after


def test_the_clock_moving_past_a_bucket_computes_again(client, demo_venues, clock, count_queries):
    client.get(DAY_URL, headers=HTMX)
    clock.advance(timedelta(minutes=15))  # the service's grid alignment
    count_queries.clear()
    client.get(DAY_URL, headers=HTMX)
    assert reads_busy_time(count_queries)


def test_each_language_and_visitor_zone_has_its_own_part(client, demo_venues):
    english = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    german = client.get(DAY_URL, headers=HTMX | {"Accept-Language": "de"}).get_data(as_text=True)
    client.set_cookie("visitor_tz", "America/New_York")
    new_york = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    assert len({english, german, new_york}) == 3
    assert "Startzeit" in german or "Startzeiten" in german


def test_turned_off_every_request_computes(app, client, demo_venues, count_queries):
    app.config["PICKER_FRAGMENT_CACHE"] = False
    client.get(DAY_URL, headers=HTMX)
    count_queries.clear()
    client.get(DAY_URL, headers=HTMX)
    assert reads_busy_time(count_queries)


def test_a_venue_s_zone_change_is_seen(client, demo_venues):
    """Set-up the feed does not list (a venue's zone) still changes the set-up revision."""
    before = client.get(DAY_URL, headers=HTMX).get_data(as_text=True)
    venue = db.session.scalar(sa.select(Venue).where(Venue.slug == "spreeblick-rooms"))
    written_elsewhere("UPDATE venues SET timezone = 'Asia/Tokyo' WHERE id = :id", id=venue.id)
    db.session.rollback()
    assert client.get(DAY_URL, headers=HTMX).get_data(as_text=True) != before
