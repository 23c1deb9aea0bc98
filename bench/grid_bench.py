"""The customer picker's fragments under gunicorn, beside `/healthz` on the same server in
the same run: requests per second, their ratio, the fragments' sizes and the load average.

A 20-resource service (08:00–20:00 Berlin, a 30-minute option on a 15-minute grid) with 10
bookings per resource per day over the 35 days from 2 March 2026; the clock frozen at
1 March 2026. The fragments a customer's click fetches (htmx requests):

  - month: a month's day states (`…/svc/days?month=2026-03`)
  - day:   one day's start times (`…/svc/times?date=2026-03-04`)

Extra URLs to compare (for example the old week grid) with `--url name=/path?query`.

Each database is measured twice: as served (the picker's fragment cache on, see
FragmentCache in bookingsite/public/picker.py) and with that cache off, where every request
reads the month's bookings and renders. As served, each request reads the venue's
availability version (one statement) and answers the kept part while nothing changed:
nothing is booked during the load, so this is a popular month between bookings, the
release-morning case; every booking, block or hours change makes the next request compute.

Runs on SQLite (a temporary file) and on PostgreSQL (a throwaway database on the server at
127.0.0.1:5432, or BENCH_POSTGRES), each with the real migrations. gunicorn (2 sync
workers) is pinned to CPU 1 and wrk (Debian's `wrk`) to CPU 0 with taskset when there are
two cores or more. Each URL is loaded for DURATION seconds, `/healthz` first; the best of
the repetitions is kept. Numbers only; nothing is asserted.

    .venv/bin/python bench/grid_bench.py [--db sqlite|postgresql|both] [--duration 5]
        [--repetitions 2] [--url week=/venues/bench/svc?view=week&date=2026-03-02]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import serving  # noqa: E402
from bookingsite import create_app  # noqa: E402
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

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RESOURCES, BOOKINGS_PER_DAY, DAYS = 20, 10, 35
FIRST_DAY = date(2026, 3, 2)
SERVER = os.environ.get("BENCH_POSTGRES", postgres.DEFAULT_URL)
WORKERS = 2
CONNECTIONS = 8
PIN = os.environ.get("BENCH_PIN", "1") != "0" and (os.cpu_count() or 1) >= 2
FRAGMENTS = {
    "month": "/venues/bench/svc/days?month=2026-03",
    "day": "/venues/bench/svc/times?date=2026-03-04",
}
FRAGMENT_LIMIT = 15 * 1024


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def seed() -> None:
    venue = Venue(
        slug="bench",
        name="Bench",
        organisation=Organisation(name="Bench", created_at=NOW),
        timezone="Europe/Berlin",
    )
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
        variants=[ServiceVariant(name="30 minutes", duration_minutes=30, guests=1)],
    )
    db.session.add_all([venue, service])
    db.session.flush()
    for day in range(DAYS):
        opening = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time(), UTC)
        opening += timedelta(hours=7)  # 08:00 Berlin (winter time; near enough after)
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


def prepare(url: str) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}, clock=FrozenClock(NOW)
    )
    with app.app_context():
        upgrade()
        seed()
        db.engine.dispose()


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="grid-bench-")
    try:
        yield f"sqlite:///{folder}/bench.sqlite3"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgresql_database() -> Iterator[str]:
    with postgres.throwaway_database(SERVER) as url:
        yield url


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


@contextmanager
def gunicorn(url: str, extra_env: dict[str, str]) -> Iterator[int]:
    env = {
        **os.environ,
        **extra_env,
        "BOOKINGSITE_DATABASE_URL": url,
        "BOOKINGSITE_SECRET_KEY": "grid-bench",
        "BOOKINGSITE_RATELIMIT_ENABLED": "false",
        "BOOKINGSITE_FROZEN_NOW": format_instant(NOW),
    }
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "gunicorn.log"
        options = ("--log-level", "warning")
        with serving.gunicorn(env, log, workers=WORKERS, pin=PIN, options=options) as port:
            yield port


def wrk(port: int, path: str, duration: float, headers: dict[str, str]) -> tuple[float, int]:
    """Requests per second and non-2xx/3xx answers under CONNECTIONS connections."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(duration))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    if PIN:
        command = ["taskset", "-c", "0", *command]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


MODES = {
    "as served (fragment cache on, the default)": {},
    "fragment cache off (every request computes)": {"BOOKINGSITE_PICKER_FRAGMENT_CACHE": "false"},
}


def run(name: str, url: str, targets: dict[str, str], duration: float, repetitions: int) -> None:
    prepare(url)
    for mode, extra_env in MODES.items():
        print(f"\n== {name}: {mode} ==")
        measure(url, extra_env, targets, duration, repetitions)


def measure(
    url: str, extra_env: dict[str, str], targets: dict[str, str], duration: float, repetitions: int
) -> None:
    htmx = {"HX-Request": "true"}
    with gunicorn(url, extra_env) as port:
        sizes = {}
        for label, path in targets.items():
            status, body = fetch(port, path, htmx)
            sizes[label] = len(body)
            if status != 200:
                print(f"  {label}: status {status}")
        for _ in range(2):  # warm every worker's caches and templates
            for path in ["/healthz", *targets.values()]:
                wrk(port, path, 1, htmx)
        best: dict[str, float] = {}
        for repetition in range(repetitions):
            for label, path in [("healthz", "/healthz"), *targets.items()]:
                rate, bad = wrk(port, path, duration, {} if label == "healthz" else htmx)
                best[label] = max(best.get(label, 0.0), rate)
                flag = f"  ({bad} non-2xx)" if bad else ""
                print(f"  run {repetition + 1}: {label:8} {rate:9.1f} req/s{flag}")
            print(f"  load average: {load()}")
    print(f"  best of {repetitions}, {duration:g} s each, {CONNECTIONS} connections:")
    print(f"    {'healthz':8} {best['healthz']:9.1f} req/s")
    for label in targets:
        ratio = best[label] / best["healthz"]
        verdict = "ok" if ratio >= 0.25 else "below 0.25"
        size = f"{sizes[label]:,} bytes" + (
            " (over 15 KB)" if sizes[label] > FRAGMENT_LIMIT else ""
        )
        print(f"    {label:8} {best[label]:9.1f} req/s  ratio {ratio:.3f} ({verdict})  {size}")
    print(f"  load average: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--repetitions", type=int, default=2)
    parser.add_argument("--url", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--only-extra", action="store_true", help="skip the default fragments")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    targets = {} if args.only_extra else dict(FRAGMENTS)
    targets |= dict(item.split("=", 1) for item in args.url)
    print(
        f"{RESOURCES} resources x {BOOKINGS_PER_DAY} bookings/day x {DAYS} days;"
        f" gunicorn {WORKERS} workers{' on CPU 1, wrk on CPU 0' if PIN else ''};"
        f" load average before: {load()}"
    )
    databases = {"sqlite": sqlite_database, "postgresql": postgresql_database}
    for name in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        with databases[name]() as url:
            run(name, url, targets, args.duration, args.repetitions)


if __name__ == "__main__":
    main()
