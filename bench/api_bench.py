"""API benchmark: `POST /v1/services/{id}/availability/slots` against the plain pipeline
for the same answer, through the Flask test client.

The endpoint is timed with everything a partner's call costs (authentication, SQL,
engine, JSON); the plain pipeline, written below, computes the same bytes the shortest
way we know: one SQL query for the busy rows (read two ways: through SQLAlchemy Core with
the model's column types, and as plain SQL parsed by hand), the sorted sweep of
bench/sweep_reference.py, the lowest-id resource per start, and the same JSON path
(Flask's JSON provider). The answers are compared byte for byte before any timing.

Data: one venue (zone UTC, so working hours are UTC spans), 80 resources open 08:00-20:00
every day, fixed 30-minute services on a 15-minute grid over 5, 20 and 80 of them, and
about 10 bookings per resource per day for 31 days (mostly confirmed; a few cancelled,
lapsed holds and live holds, so the "active" predicate matters). The main comparison
asks for 30 days on the 20-resource service, any resource.

Backends: SQLite (a temp file built by the real migrations) and, when a server answers at
127.0.0.1:5432 (or BENCH_POSTGRES), PostgreSQL in a throwaway database; `--sqlite`
skips PostgreSQL. Numbers only; nothing is asserted except that the answers match.

    .venv/bin/python bench/api_bench.py [--sqlite] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sweep_reference import sweep_slots  # noqa: E402
from bookingsite import create_app  # noqa: E402
from bookingsite.accounts import create_partner  # noqa: E402
from bookingsite.clock import FrozenClock, format_instant  # noqa: E402
from bookingsite.extensions import db  # noqa: E402
from bookingsite.models import (  # noqa: E402
    Booking,
    BookingStatus,
    Occupancy,
    Organisation,
    Resource,
    Service,
    ServiceVariant,
    Venue,
)
from tests import postgres  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
WINDOW_START = NOW + DAY
RESOURCES = 80
SERVICE_SIZES = (5, 20, 80)
MAIN_SIZE = 20
BOOKED_DAYS = 31
PER_DAY = 10
DURATION = timedelta(minutes=30)
STEP = timedelta(minutes=15)
OPENS, CLOSES = timedelta(hours=8), timedelta(hours=20)
WEEKLY = {k: [["08:00", "20:00"]] for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
WINDOW_DAYS = (1, 7, 30, 92)
SETTINGS = {"SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "MAX_LIVE_HOLDS_PER_PARTNER": 0}


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# Databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="bookingsite-api-bench-")
    try:
        yield f"sqlite:///{folder}/bench.sqlite3"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_database() -> AbstractContextManager[str]:
    """A database created for this run and dropped after it (the tests' own helper)."""
    return postgres.throwaway_database(SERVER)


def postgres_answers() -> bool:
    return postgres.answers(SERVER)


# Data ----------------------------------------------------------------------------------


def seed() -> tuple[dict[int, int], str]:
    """The venue, resources, services (id by size) and a partner key."""
    venue = Venue(
        slug="bench",
        name="Bench",
        organisation=Organisation(name="Bench", created_at=NOW),
        timezone="UTC",
    )
    resources = [
        Resource(venue=venue, name=f"R{i:02}", capacity=1, weekly_hours=WEEKLY)
        for i in range(RESOURCES)
    ]
    services = {
        size: Service(
            venue=venue,
            slug=f"svc-{size}",
            name=f"{size} resources",
            grid_step_minutes=15,
            horizon_days=365,
            resources=resources[:size],
            variants=[ServiceVariant(duration_minutes=30, guests=1)],
        )
        for size in SERVICE_SIZES
    }
    db.session.add_all([venue, *services.values()])
    db.session.commit()
    _, key = create_partner("bench", [venue], now=NOW)

    bookings, occupancies = [], []
    n = 0
    for k, resource in enumerate(resources):
        for d in range(BOOKED_DAYS):
            day = NOW + d * DAY
            for j in range(PER_DAY):
                n += 1
                # 72 minutes apart from 08:00, shifted per resource by 0..39 minutes, so
                # that resources differ and some bookings sit off the 15-minute grid.
                start = day + OPENS + timedelta(minutes=j * 72 + (k * 7) % 40)
                if n % 53 == 0:
                    status, expires = BookingStatus.CANCELLED, None
                elif n % 97 == 1:
                    status, expires = BookingStatus.HOLD, NOW - timedelta(minutes=5)
                elif n % 97 == 2:
                    status, expires = BookingStatus.HOLD, NOW + timedelta(minutes=10)
                else:
                    status, expires = BookingStatus.CONFIRMED, None
                bookings.append(
                    {
                        "id": n,
                        "reference": f"BK-{n}",
                        "manage_token": f"tok-{n}",
                        "venue_id": venue.id,
                        "service_id": services[RESOURCES].id,
                        "status": status,
                        "start_at": start,
                        "end_at": start + DURATION,
                        "hold_expires_at": expires,
                        "created_at": NOW - DAY,
                    }
                )
                occupancies.append(
                    {
                        "booking_id": n,
                        "resource_id": resource.id,
                        "start_at": start,
                        "end_at": start + DURATION,
                        "active": status in (BookingStatus.HOLD, BookingStatus.CONFIRMED),
                    }
                )
    db.session.execute(sa.insert(Booking), bookings)
    db.session.execute(sa.insert(Occupancy), occupancies)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval('bookings_id_seq', :n)"), {"n": n})
    db.session.commit()
    return {size: s.id for size, s in services.items()}, key


# The plain pipeline --------------------------------------------------------------------

_Place = namedtuple("_Place", "id busy")

BUSY_ROWS = (
    sa.select(Occupancy.resource_id, Occupancy.start_at, Occupancy.end_at)
    .join(Booking, Booking.id == Occupancy.booking_id)
    .where(
        Occupancy.active,
        Occupancy.resource_id.in_(sa.bindparam("ids", expanding=True)),
        Occupancy.end_at > sa.bindparam("lo", type_=Occupancy.start_at.type),
        Occupancy.start_at < sa.bindparam("hi", type_=Occupancy.start_at.type),
        sa.or_(
            Booking.status == BookingStatus.CONFIRMED,
            sa.and_(
                Booking.status == BookingStatus.HOLD,
                Booking.hold_expires_at > sa.bindparam("now", type_=Booking.hold_expires_at.type),
            ),
        ),
    )
)


# The same query in plain SQL, read without type processing: SQLite's stored UTC text, with
# its offset appended, goes through datetime.fromisoformat (five times faster than setting
# the zone with replace); PostgreSQL sends seconds since the epoch.
RAW_BUSY_ROWS = """
    SELECT o.resource_id, {start}, {end}
    FROM occupancies AS o JOIN bookings AS b ON b.id = o.booking_id
    WHERE {active} AND o.resource_id IN :ids AND o.end_at > :lo AND o.start_at < :hi
        AND (b.status = 'confirmed' OR (b.status = 'hold' AND b.hold_expires_at > :now))
"""
SQLITE_TEXT = "%Y-%m-%d %H:%M:%S.%f"


def raw_query(dialect: str) -> sa.TextClause:
    if dialect == "postgresql":
        columns = {
            "start": "date_part('epoch', o.start_at)",
            "end": "date_part('epoch', o.end_at)",
            "active": "o.active",
        }
    else:  # as the partial index ix_occupancies_active_resource_end says it
        columns = {
            "start": "o.start_at || '+00:00'",
            "end": "o.end_at || '+00:00'",
            "active": "o.active = 1",
        }
    text = sa.text(RAW_BUSY_ROWS.format(**columns))
    return text.bindparams(sa.bindparam("ids", expanding=True))


def raw_busy(
    engine: sa.Engine, resource_ids: list[int], lo: datetime, hi: datetime
) -> dict[int, list]:
    busy: dict[int, list] = {rid: [] for rid in resource_ids}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            params = {"ids": resource_ids, "lo": lo, "hi": hi, "now": NOW}
            rows = conn.execute(raw_query("postgresql"), params)
            stamp = datetime.fromtimestamp
            for rid, start, end in rows:
                busy[rid].append((stamp(start, UTC), stamp(end, UTC)))
        else:
            text = {k: v.strftime(SQLITE_TEXT) for k, v in (("lo", lo), ("hi", hi), ("now", NOW))}
            rows = conn.execute(raw_query("sqlite"), {"ids": resource_ids, **text})
            parse = datetime.fromisoformat
            for rid, start, end in rows:
                busy[rid].append((parse(start), parse(end)))
    return busy


def utc_spans(lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """The working hours 08:00-20:00 of every day touching [lo, hi), as UTC spans."""
    first = lo.replace(hour=0, minute=0, second=0, microsecond=0) - DAY
    days = (hi - first) // DAY + 1
    return [(first + d * DAY + OPENS, first + d * DAY + CLOSES) for d in range(days)]


def core_busy(
    engine: sa.Engine, resource_ids: list[int], lo: datetime, hi: datetime
) -> dict[int, list]:
    busy: dict[int, list] = {rid: [] for rid in resource_ids}
    with engine.connect() as conn:
        rows = conn.execute(BUSY_ROWS, {"ids": resource_ids, "lo": lo, "hi": hi, "now": NOW})
        for rid, start, end in rows:
            busy[rid].append((start, end))
    return busy


def pipeline(
    app: Flask,
    engine: sa.Engine,
    resource_ids: list[int],
    lo: datetime,
    hi: datetime,
    *,
    raw: bool = False,
) -> bytes:
    """The same answer the endpoint gives, the plain way: the busy rows read through
    SQLAlchemy Core with the model's column types, or (`raw`) as plain SQL parsed here."""
    busy = (raw_busy if raw else core_busy)(engine, resource_ids, lo, hi)
    places = [_Place(rid, busy[rid]) for rid in resource_ids]
    zero = timedelta(0)
    found = sweep_slots(places, utc_spans(lo, hi), DURATION, STEP, zero, zero, lo, hi - DURATION)
    slots = []
    name = "UTC"  # the venue's; the resources have no zone of their own
    zone = ZoneInfo(name)
    for slot in found:
        start, end = slot.start, slot.end
        slots.append(
            {
                "startTime": format_instant(start),
                "endTime": format_instant(end),
                "resourceId": slot.resource_id,
                "timezone": name,
                "localStartTime": start.astimezone(zone).isoformat(),
                "localEndTime": end.astimezone(zone).isoformat(),
            }
        )
    return app.json.response({"timezone": name, "slots": slots}).get_data()


# The endpoint --------------------------------------------------------------------------


def endpoint_call(client, key: str, service_id: int, days: int) -> Callable[[], bytes]:
    url = f"/v1/services/{service_id}/availability/slots"
    body = {
        "startTime": format_instant(WINDOW_START),
        "endTime": format_instant(WINDOW_START + days * DAY),
    }
    headers = {"Authorization": f"Bearer {key}"}

    def call() -> bytes:
        response = client.post(url, json=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)}")
        return response.get_data()

    return call


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def ms(samples: list[float]) -> str:
    best, median = min(samples), statistics.median(samples)
    return f"best {best * 1000:7.2f} ms, median {median * 1000:7.2f} ms"


@contextmanager
def counting(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def bench_backend(name: str, url: str, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **SETTINGS}, clock=FrozenClock(NOW))
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        services, key = seed()
        if name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as c:
                c.exec_driver_sql("ANALYZE")
        bookings = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        ids = list(
            db.session.scalars(sa.select(Resource.id).order_by(Resource.id).limit(MAIN_SIZE))
        )
        engine = db.engine
        db.session.remove()
    print(f"\n######## {name} ########")
    print(
        f"seeded {bookings:,} bookings on {RESOURCES} resources in {time.perf_counter() - started:.1f} s"
    )
    # Requests run outside any app context, as served: each gets its own context and
    # session (inside one, the test client would share a session across requests).
    try:
        client = app.test_client()
        compare(app, engine, client, key, services[MAIN_SIZE], ids, runs)
        windows(client, key, services[MAIN_SIZE], runs)
        query_counts(app, engine, client, key, services)
    finally:
        engine.dispose()


def compare(
    app: Flask, engine: sa.Engine, client, key: str, service_id: int, ids: list[int], runs: int
) -> None:
    lo, hi = WINDOW_START, WINDOW_START + 30 * DAY
    endpoint = endpoint_call(client, key, service_id, 30)

    contenders = {
        "endpoint": endpoint,
        "pipeline (Core, typed)": lambda: pipeline(app, engine, ids, lo, hi),
        "pipeline (raw SQL)": lambda: pipeline(app, engine, ids, lo, hi, raw=True),
    }
    answer = endpoint()
    for name, call in contenders.items():
        expected = call()
        if answer != expected:
            raise AssertionError(
                f"the endpoint and {name} disagree: {len(answer)} vs {len(expected)} bytes;"
                f" {answer[:300]!r} vs {expected[:300]!r}"
            )
    slots = answer.count(b'"startTime"')
    print(
        f"\n== 30 days, any of {len(ids)} resources: {slots} slots, {len(answer):,} bytes;"
        " endpoint == both pipelines byte for byte =="
    )
    for _ in range(3):  # warm them all
        for call in contenders.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders.items())
    for i in range(runs):  # interleaved, rotating which goes first
        for name, call in order[i % 3 :] + order[: i % 3]:
            samples[name].append(timed(call))
    for name, values in samples.items():
        print(f"  {name:<23}: {ms(values)}  ({runs} interleaved runs)")
    ep = samples["endpoint"]
    for name, values in list(samples.items())[1:]:
        print(
            f"  ratio endpoint / {name:<23}: best {min(ep) / min(values):.2f}x,"
            f" median {statistics.median(ep) / statistics.median(values):.2f}x"
        )
    print(f"  (load average {load()})")


def windows(client, key: str, service_id: int, runs: int) -> None:
    print(f"\n== endpoint by window, any of {MAIN_SIZE} resources ==")
    calls = {days: endpoint_call(client, key, service_id, days) for days in WINDOW_DAYS}
    for call in calls.values():
        call()
    samples: dict[int, list[float]] = {days: [] for days in WINDOW_DAYS}
    for _ in range(runs):  # interleaved across windows
        for days, call in calls.items():
            samples[days].append(timed(call))
    for days in WINDOW_DAYS:
        slots = calls[days]().count(b'"startTime"')
        print(f"  {days:>3} days: {ms(samples[days])}  ({slots} slots)")
    print(f"  (load average {load()})")


def query_counts(app: Flask, engine: sa.Engine, client, key: str, services: dict[int, int]) -> None:
    """Per request, for a process's first question about a service (its set-up is read)
    and for the next ones (its kept copy is current: one revision read instead)."""
    print("\n== SQL statements per request (the whole request: auth, service, reads) ==")
    print("                            first  later")

    def count(call: Callable[[], bytes]) -> int:
        statements.clear()
        call()
        return len(statements)

    with counting(engine) as statements:
        for days, size in [(d, MAIN_SIZE) for d in WINDOW_DAYS] + [(30, s) for s in SERVICE_SIZES]:
            call = endpoint_call(client, key, services[size], days)
            call()  # the key's last-used write happens at most once a minute
            app.extensions["service_setups"].clear()
            first, later = count(call), count(call)
            print(f"  {size:>3} resources, {days:>3} days: {first:>5} {later:>6}")
        if os.environ.get("BENCH_SHOW_SQL"):
            for statement in statements:
                print("   ", " ".join(statement.split())[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"load average at start: {load()}; {os.cpu_count()} CPUs")
    with sqlite_database() as url:
        bench_backend("sqlite", url, args.runs)
    if args.sqlite:
        return
    if not postgres_answers():
        print(f"\nno PostgreSQL at {SERVER}: skipped")
        return
    with postgres_database() as url:
        bench_backend("postgresql", url, args.runs)


if __name__ == "__main__":
    main()
