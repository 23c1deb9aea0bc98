"""Read-path benchmark on PostgreSQL: how `build_request` reads a busy venue.

Builds a throwaway database (created and dropped here) on the server at 127.0.0.1:5432
(or BENCH_POSTGRES) with 200k bookings over 200 resources, 10 a day each for 100
days (60 past, 40 ahead), a few lapsed and live holds, cancellations, and one-off and
weekly blocks. Then prints, for a 1-resource 1-day and a 20-resource 30-day request:
EXPLAIN (ANALYZE, BUFFERS) of the busy-time read (occupancies and allocations), rows, and
build_request times; and SQL queries per request across window lengths and service
sizes (they must not grow). Numbers only; nothing is asserted.

    .venv/bin/python bench/read_path_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

# The tests' throwaway-database helper lives beside the package, in the repository.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bookingsite import create_app  # noqa: E402
from bookingsite.booking.inputs import build_request, load_service  # noqa: E402
from bookingsite.extensions import db  # noqa: E402
from bookingsite.models import Organisation, Resource, Service, ServiceVariant, Venue  # noqa: E402
from tests import postgres  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 3, 2, tzinfo=UTC)
RESOURCES = 200
BOOKINGS_PER_DAY = 10
DAYS_PAST, DAYS_AHEAD = 60, 40
SERVICE_SIZES = (5, 20, 80, 200)
WINDOW_DAYS = (1, 7, 30, 92)
RUNS = 15
DAY = timedelta(days=1)
WINDOW_START = NOW + DAY


def throwaway_database() -> AbstractContextManager[str]:
    """A database created for this run and dropped after it (the tests' own helper)."""
    return postgres.throwaway_database(SERVER)


@dataclass
class Counter:
    """SQL statements and rows seen on the engine's connections."""

    statements: list[tuple[str, object]]
    rows: int = 0

    def reset(self) -> None:
        self.statements.clear()
        self.rows = 0


def seed() -> dict[int, int]:
    """The venue, its resources and one service per size; returns service id by size."""
    venue = Venue(
        slug="bench",
        name="Bench",
        organisation=Organisation(name="Bench", created_at=NOW),
        timezone="Europe/Berlin",
        travel_buffer_minutes=0,
    )
    resources = [Resource(venue=venue, name=f"R{i}", capacity=4) for i in range(RESOURCES)]
    services = {
        size: Service(
            venue=venue,
            slug=f"svc-{size}",
            name=f"{size} resources",
            buffer_after_minutes=15,
            horizon_days=365,
            resources=resources[:size],
            variants=[ServiceVariant(duration_minutes=60, guests=1)],
        )
        for size in SERVICE_SIZES
    }
    db.session.add_all([venue, *services.values()])
    db.session.commit()
    first_resource = resources[0].id
    params = {
        "venue": venue.id,
        "service": services[RESOURCES].id,
        "first_resource": first_resource,
        "resources": RESOURCES,
        "per_day": BOOKINGS_PER_DAY,
        "base": NOW - timedelta(days=DAYS_PAST),
        "now": NOW,
        "total": RESOURCES * BOOKINGS_PER_DAY * (DAYS_PAST + DAYS_AHEAD),
    }
    # Booking n is on resource n % 200, the (n / 200)th of its bookings: day j / 10,
    # 45 minutes from 08:00 + (j % 10) hours UTC. One in 47 cancelled, one in 499 a
    # hold (half of them lapsed but not yet marked), the rest confirmed: 47 and 499 are
    # prime to 200, so every resource gets its share.
    db.session.execute(
        sa.text(
            """
            INSERT INTO bookings (id, reference, manage_token, venue_id, service_id, status,
                start_at, end_at, hold_expires_at, guests, customer_name, customer_email,
                customer_phone, notes, locale, channel, created_at)
            SELECT n + 1, 'BK-' || n, 'tok-' || n, :venue, :service,
                CASE WHEN n % 47 = 0 THEN 'cancelled'
                     WHEN n % 499 IN (1, 2) THEN 'hold' ELSE 'confirmed' END,
                start_at, start_at + interval '45 minutes',
                CASE WHEN n % 499 = 1 THEN CAST(:now AS timestamptz) - interval '5 minutes'
                     WHEN n % 499 = 2 THEN CAST(:now AS timestamptz) + interval '10 minutes'
                END,
                1, '', '', '', '', 'en', 'web', :now
            FROM (
                SELECT n, CAST(:base AS timestamptz)
                    + ((n / :resources) / :per_day) * interval '1 day'
                    + (8 + (n / :resources) % :per_day) * interval '1 hour' AS start_at
                FROM generate_series(0, :total - 1) AS n
            ) AS planned
            """
        ),
        params,
    )
    db.session.execute(
        sa.text(
            """
            INSERT INTO occupancies (booking_id, resource_id, start_at, end_at, active)
            SELECT id, :first_resource + (id - 1) % :resources, start_at,
                end_at + interval '15 minutes', status IN ('hold', 'confirmed')
            FROM bookings
            """
        ),
        params,
    )
    # Per resource: a one-off block every other day over the whole span (half of them
    # written with weekdays = JSON null, as the admin form does), and one weekly block.
    db.session.execute(
        sa.text(
            """
            INSERT INTO allocations (resource_id, start_at, end_at, reason, weekdays)
            SELECT :first_resource + r, CAST(:base AS timestamptz) + d * interval '1 day'
                    + interval '19 hours',
                CAST(:base AS timestamptz) + d * interval '1 day' + interval '20 hours',
                'maintenance', CASE WHEN d % 4 = 0 THEN CAST('null' AS json) END
            FROM generate_series(0, :resources - 1) AS r,
                generate_series(0, 99, 2) AS d
            """
        ),
        params,
    )
    db.session.execute(
        sa.text(
            """
            INSERT INTO allocations (resource_id, start_at, end_at, reason, weekdays)
            SELECT :first_resource + r, CAST(:base AS timestamptz) + interval '12 hours',
                CAST(:base AS timestamptz) + interval '13 hours', 'lunch',
                CAST('[0, 2, 4]' AS json)
            FROM generate_series(0, :resources - 1) AS r
            """
        ),
        params,
    )
    db.session.execute(sa.text("SELECT setval('bookings_id_seq', :total)"), params)
    db.session.commit()
    return {size: service.id for size, service in services.items()}


@contextmanager
def counting(engine: sa.Engine) -> Iterator[Counter]:
    counter = Counter([])

    def before(_conn, _cursor, statement, parameters, _context, _many) -> None:
        counter.statements.append((statement, parameters))

    def after(_conn, cursor, _statement, _parameters, _context, _many) -> None:
        counter.rows += max(cursor.rowcount, 0)

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def one_request(service_id: int, days: int, resource_id: int | None = None):
    """A fresh session's view: load the service, then build the engine's request."""
    db.session.remove()
    service = load_service(service_id)
    started = time.perf_counter()
    req = build_request(
        service,
        window_start=WINDOW_START,
        window_end=WINDOW_START + days * DAY,
        now=NOW,
        resource_id=resource_id,
    )
    return req, time.perf_counter() - started


def busy_rows(req) -> int:
    return sum(len(r.busy) + len(r.recurring_blocks) for r in (*req.places, *req.staff))


def explain(counter: Counter) -> None:
    reads = [
        (sql, params)
        for sql, params in counter.statements
        if "FROM occupancies" in sql or "FROM allocations" in sql
    ]
    connection = db.session.connection()
    for sql, params in reads:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("  -- a busy-time read (occupancies, then allocations)")
        for (line,) in plan:
            print(f"     {line}")


def measure(title: str, service_id: int, days: int, resource_id: int | None = None) -> None:
    print(f"\n== {title} ==")
    with counting(db.engine) as counter:
        req, _ = one_request(service_id, days, resource_id)
        print(f"  queries (load_service + build_request): {len(counter.statements)}")
        print(f"  rows fetched by those queries         : {counter.rows}")
        print(f"  busy rows handed to the engine        : {busy_rows(req)}")
        explain(counter)
    samples = [one_request(service_id, days, resource_id)[1] for _ in range(RUNS)]
    print(
        f"  build_request: best {min(samples) * 1000:.1f} ms,"
        f" median {statistics.median(samples) * 1000:.1f} ms over {RUNS} runs"
        f" (load average {', '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )


def query_counts(services: dict[int, int]) -> None:
    print("\n== queries per request (load_service + build_request) ==")
    with counting(db.engine) as counter:
        for days in WINDOW_DAYS:
            counter.reset()
            one_request(services[20], days)
            print(f"  20 resources, {days:>3} days: {len(counter.statements)}")
        for size in SERVICE_SIZES:
            counter.reset()
            one_request(services[size], 30)
            print(f"  {size:>3} resources,  30 days: {len(counter.statements)}")


def main() -> None:
    with throwaway_database() as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            services = seed()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            counts = db.session.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM allocations)"
                )
            ).one()
            print(
                f"seeded {counts[0]:,} bookings and {counts[1]:,} allocations on"
                f" {RESOURCES} resources in {time.perf_counter() - started:.1f} s"
            )
            first_resource = db.session.scalar(sa.select(sa.func.min(Resource.id)))
            measure("1 resource, 1 day", services[20], 1, first_resource)
            measure("20 resources, 30 days", services[20], 30)
            query_counts(services)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
