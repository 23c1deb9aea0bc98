"""Slot-grid partial benchmark: a 7-day week of a 20-resource service with 10 bookings per
resource per day. Prints SQL queries per request, server time beside a trivial route's, and
HTML bytes. Numbers only; nothing is asserted.

    .venv/bin/python bench/grid_bench.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from bookingsite import create_app
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import (
    Booking,
    BookingStatus,
    Occupancy,
    Resource,
    Service,
    ServiceVariant,
    Venue,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RESOURCES, BOOKINGS_PER_DAY, DAYS = 20, 10, 7
REPEATS = 30


def seed() -> str:
    venue = Venue(slug="bench", name="Bench", timezone="Europe/Berlin")
    hours = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    resources = [
        Resource(venue=venue, name=f"R{i}", capacity=4, weekly_hours=hours)
        for i in range(RESOURCES)
    ]
    service = Service(
        venue=venue,
        slug="svc",
        name="Bench service",
        grid_alignment_minutes=15,
        grid_step_minutes=15,
        resources=resources,
        variants=[ServiceVariant(duration_minutes=30, guests=1)],
    )
    db.session.add_all([venue, service])
    db.session.flush()
    first = date(2026, 3, 2)
    for day in range(DAYS):
        opening = datetime.combine(first + timedelta(days=day), datetime.min.time(), UTC)
        opening += timedelta(hours=7)  # 08:00 Berlin
        for resource in resources:
            for k in range(BOOKINGS_PER_DAY):
                start = opening + timedelta(minutes=70 * k)
                end = start + timedelta(minutes=30)
                db.session.add(
                    Booking(
                        venue_id=venue.id,
                        service_id=service.id,
                        status=BookingStatus.CONFIRMED,
                        start_at=start,
                        end_at=end,
                        created_at=NOW,
                        occupancies=[
                            Occupancy(resource_id=resource.id, start_at=start, end_at=end)
                        ],
                    )
                )
    db.session.commit()
    return "/venues/bench/svc?view=week&date=2026-03-02"


def timed(client, url: str, headers: dict) -> list[float]:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return samples


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "RATELIMIT_ENABLED": False},
        clock=FrozenClock(NOW),
    )
    with app.app_context():
        upgrade()
        url = seed()
        engine = db.engine
    # Requests run outside any app context, as served: each with its own session.
    statements: list[str] = []
    sa.event.listen(
        engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql)
    )
    client = app.test_client()
    htmx = {"HX-Request": "true"}
    client.get(url, headers=htmx)  # warm caches and templates
    statements.clear()
    html = client.get(url, headers=htmx).data
    queries = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    grid = timed(client, url, htmx)
    trivial = timed(client, "/healthz", {})
    slots = html.count(b'class="slot"')
    print(f"grid partial: {RESOURCES} resources x {BOOKINGS_PER_DAY} bookings/day x {DAYS} days")
    print(f"  SQL queries per request : {len(queries)}")
    print(f"  HTML bytes              : {len(html):,} ({slots} slot buttons)")
    print(
        f"  server time, median     : {statistics.median(grid) * 1000:.1f} ms "
        f"(p90 {sorted(grid)[int(REPEATS * 0.9)] * 1000:.1f} ms)"
    )
    print(f"  trivial route, median   : {statistics.median(trivial) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
