"""Holds benchmark on PostgreSQL behind gunicorn: partner holds per second on 64 different
resources, against `/healthz` under the same load in the same run, and a burst of 64
clients racing for one slot.

Builds a throwaway database (created and dropped here) on the server at 127.0.0.1:5432
(or BENCH_POSTGRES) with the real migrations, then: one venue (zone UTC, hold TTL 10
minutes), 64 resources open around the clock, one service per resource (a fixed
60-minute option on a 60-minute grid, so starts fall on every hour), a partner key, and
about 100k existing bookings (per resource: every hour of the past 1400, and every odd
hour of the next 361; one in 47 cancelled) so that scans would show. Holds go to even
hours, each request to a range nobody has asked for.

Serves the app with `gunicorn --workers 4` (pinned to CPU 1 with taskset; the load
generator, Python threads in this process, on CPU 0; BENCH_PIN=0 turns pinning off).
Each repetition runs, one after the other with the same 64 clients:
  1. GET /healthz for DURATION seconds: the baseline, req/s;
  2. POST /v1/bookings, client i on resource i, for DURATION seconds: holds/s (201s);
  3. a burst: 64 clients released at once on one slot of one resource: answered per
     second (64 / the burst's wall time), and its statuses (one 201 is the right answer).
Prints each repetition and the best and median of 3. Ends with a cProfile of one hold
through the Flask test client (in this process, same database), and its SQL statements.

    .venv/bin/python bench/holds_bench.py [--duration 5] [--repetitions 3]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import serving  # noqa: E402
from bookingsite import create_app  # noqa: E402
from bookingsite.accounts import create_partner  # noqa: E402
from bookingsite.clock import format_instant  # noqa: E402
from bookingsite.extensions import db  # noqa: E402
from bookingsite.models import Organisation, Resource, Service, ServiceVariant, Venue  # noqa: E402
from tests import postgres  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RESOURCES = 64
CLIENTS = 64
WORKERS = 4
PAST_HOURS, FUTURE_HOURS = 1400, 361
HOUR = timedelta(hours=1)
MAX_PER_CLIENT = 400  # holds per client and phase: a bound on the loop, not a target
BURST_HOUR_BASE = 6000  # far beyond the hours the clients walk through
PROFILE_HOUR_BASE = 7000
TIMEOUT = 30
PIN = os.environ.get("BENCH_PIN", "1") != "0" and (os.cpu_count() or 1) >= 2
SECRET = "bench-" + uuid.uuid4().hex


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def throwaway_database() -> AbstractContextManager[str]:
    """A database created for this run and dropped after it (the tests' own helper)."""
    return postgres.throwaway_database(SERVER)


@dataclass(frozen=True)
class Seeded:
    now: datetime  # the hour the bookings are laid out from
    key: str
    targets: list[tuple[int, int]]  # (service id, resource id), one per client


def seed(now: datetime) -> Seeded:
    venue = Venue(
        slug="bench",
        name="Bench",
        organisation=Organisation(name="Bench", created_at=now),
        timezone="UTC",
        hold_ttl_minutes=10,
    )
    resources = [Resource(venue=venue, name=f"R{i:02}", weekly_hours=None) for i in range(64)]
    services = [
        Service(
            venue=venue,
            slug=f"svc-{i:02}",
            name=f"Service {i}",
            grid_step_minutes=60,
            horizon_days=365,
            resources=[resource],
            variants=[ServiceVariant(duration_minutes=60, guests=1)],
        )
        for i, resource in enumerate(resources)
    ]
    db.session.add_all([venue, *services])
    db.session.commit()
    _, key = create_partner("bench", [venue], now=now)
    params = {
        "rids": [r.id for r in resources],
        "sids": [s.id for s in services],
        "venue": venue.id,
        "now": now,
        "past": PAST_HOURS,
        "future": FUTURE_HOURS,
    }
    db.session.execute(
        sa.text(
            """
            INSERT INTO bookings (reference, manage_token, venue_id, service_id, status,
                start_at, end_at, guests, customer_name, customer_email, customer_phone,
                notes, locale, channel, created_at)
            SELECT 'BK-' || m.rid || '-' || h, 'tok-' || m.rid || '-' || h, :venue, m.sid,
                CASE WHEN (m.rid + h) % 47 = 0 THEN 'cancelled' ELSE 'confirmed' END,
                CAST(:now AS timestamptz) + h * interval '1 hour',
                CAST(:now AS timestamptz) + (h + 1) * interval '1 hour',
                1, '', '', '', '', 'en', 'web', CAST(:now AS timestamptz)
            FROM unnest(CAST(:rids AS int[]), CAST(:sids AS int[])) AS m(rid, sid),
                generate_series(-CAST(:past AS int), CAST(:future AS int)) AS h
            WHERE h < 0 OR h % 2 = 1
            """
        ),
        params,
    )
    db.session.execute(
        sa.text(
            """
            INSERT INTO occupancies (booking_id, resource_id, start_at, end_at, active)
            SELECT b.id, m.rid, b.start_at, b.end_at, b.status IN ('hold', 'confirmed')
            FROM bookings AS b
            JOIN unnest(CAST(:rids AS int[]), CAST(:sids AS int[])) AS m(rid, sid)
                ON m.sid = b.service_id
            """
        ),
        params,
    )
    db.session.commit()
    targets = [(s.id, r.id) for s, r in zip(services, resources, strict=True)]
    return Seeded(now, key, targets)


# The server ----------------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, log_dir: str) -> Iterator[int]:
    env = {
        **os.environ,
        "BOOKINGSITE_DATABASE_URL": url,
        "BOOKINGSITE_SECRET_KEY": SECRET,
        "BOOKINGSITE_RATELIMIT_ENABLED": "false",
        "BOOKINGSITE_MAX_LIVE_HOLDS_PER_PARTNER": "0",
    }
    log = Path(log_dir) / "gunicorn.log"
    options = ("--backlog", "256")
    with serving.gunicorn(env, log, workers=WORKERS, pin=PIN, options=options) as port:
        yield port


# The load generator --------------------------------------------------------------------


def request(
    port: int, method: str, path: str, body: bytes | None = None, key: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {"Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key:
            headers["Authorization"] = f"Bearer {key}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Phase:
    elapsed: float = 0.0
    generator_cpu: float = 0.0  # CPU seconds this process (the load generator) used
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, latency: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(latency)

    @property
    def generator_share(self) -> str:
        return f"generator CPU {100 * self.generator_cpu / self.elapsed:.0f}% of a core"

    @property
    def per_second(self) -> float:
        return sum(self.statuses.values()) / self.elapsed

    @property
    def created_per_second(self) -> float:
        return self.statuses[201] / self.elapsed

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def counts(self) -> str:
        s = self.statuses
        other = sum(v for k, v in s.items() if k not in (200, 201, 409) and k < 500)
        fails = sum(v for k, v in s.items() if k >= 500 or k < 100)
        return f"200={s[200]} 201={s[201]} 409={s[409]} 5xx/failed={fails} other={other}"


def hold_body(target: tuple[int, int], start: datetime) -> bytes:
    service_id, resource_id = target
    return json.dumps(
        {
            "serviceId": service_id,
            "resourceId": resource_id,
            "startTime": format_instant(start),
            "endTime": format_instant(start + HOUR),
        }
    ).encode()


def run_clients(worker, duration: float) -> Phase:
    """CLIENTS threads running worker(i, phase, deadline) together; wall time measured
    from the release of all of them to the last one's end."""
    phase = Phase()
    barrier = threading.Barrier(CLIENTS + 1)
    started: list[float] = []

    def body(i: int) -> None:
        barrier.wait()
        worker(i, phase, started[0] + duration)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started.append(time.perf_counter())
    barrier.wait()
    for t in threads:
        t.join(timeout=duration + TIMEOUT * 2)
    phase.elapsed = time.perf_counter() - started[0]
    after = resource.getrusage(resource.RUSAGE_SELF)
    phase.generator_cpu = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    return phase


def timed_request(phase: Phase, port: int, method: str, path: str, body=None, key="") -> None:
    t = time.perf_counter()
    try:
        status, _ = request(port, method, path, body, key)
    except OSError:
        status = 0
    phase.record(status, time.perf_counter() - t)


def healthz_phase(port: int, duration: float) -> Phase:
    def worker(_i: int, phase: Phase, deadline: float) -> None:
        for _ in range(MAX_PER_CLIENT * 10):
            if time.perf_counter() >= deadline:
                return
            timed_request(phase, port, "GET", "/healthz")

    return run_clients(worker, duration)


def holds_phase(port: int, seeded: Seeded, hours: list[Iterator[int]], duration: float) -> Phase:
    def worker(i: int, phase: Phase, deadline: float) -> None:
        target = seeded.targets[i]
        for _ in range(MAX_PER_CLIENT):
            if time.perf_counter() >= deadline:
                return
            start = seeded.now + next(hours[i]) * HOUR
            timed_request(phase, port, "POST", "/v1/bookings", hold_body(target, start), seeded.key)

    return run_clients(worker, duration)


def burst_phase(port: int, seeded: Seeded, repetition: int) -> Phase:
    body = hold_body(seeded.targets[0], seeded.now + (BURST_HOUR_BASE + 2 * repetition) * HOUR)

    def worker(_i: int, phase: Phase, _deadline: float) -> None:
        timed_request(phase, port, "POST", "/v1/bookings", body, seeded.key)

    return run_clients(worker, 0.0)


# The profile of one hold ---------------------------------------------------------------


def profile_one_hold(url: str, seeded: Seeded) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "MAX_LIVE_HOLDS_PER_PARTNER": 0,
        }
    )
    with app.app_context():
        engine = db.engine
    # Requests run outside any app context, as served: each with its own session.
    try:
        client = app.test_client()
        target = seeded.targets[-1]
        headers = {"Authorization": f"Bearer {seeded.key}"}
        hour = itertools.count(PROFILE_HOUR_BASE, 2)

        def hold() -> int:
            start = seeded.now + next(hour) * HOUR
            body = json.loads(hold_body(target, start))
            return client.post("/v1/bookings", json=body, headers=headers).status_code

        for _ in range(5):  # warm caches, pools and the key's last-used write
            hold()
        samples = []
        for _ in range(20):
            t = time.perf_counter()
            hold()
            samples.append(time.perf_counter() - t)
        statements: list[list] = []

        def before(_conn, _cursor, statement, _parameters, _context, _many) -> None:
            statements.append([" ".join(statement.split()), time.perf_counter()])

        def after(_conn, _cursor, _statement, _parameters, _context, _many) -> None:
            statements[-1][1] = time.perf_counter() - statements[-1][1]

        # Timed once without the profiler (statement times), then once with it.
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        t = time.perf_counter()
        hold()
        whole = time.perf_counter() - t
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        profiler = cProfile.Profile()
        profiler.enable()
        status = hold()
        profiler.disable()
        print(
            f"\n== one hold through the test client (in-process, same database): status"
            f" {status}; best {min(samples) * 1000:.1f} ms, median"
            f" {statistics.median(samples) * 1000:.1f} ms over 20 =="
        )
        in_sql = sum(spent for _, spent in statements)
        print(
            f"  SQL statements: {len(statements)}, {in_sql * 1000:.1f} ms in execute of"
            f" {whole * 1000:.1f} ms for the whole request (unprofiled)"
        )
        for statement, spent in statements:
            print(f"    {spent * 1000:5.2f} ms  {statement[:130]}")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"bookingsite|flask|sqlalchemy", 30)
        stats.sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    finally:
        engine.dispose()


# Main ----------------------------------------------------------------------------------


def summary(name: str, values: list[float], digits: int = 2) -> str:
    best, median = max(values), statistics.median(values)
    return f"  {name:<26} best {best:9.{digits}f}  median {median:9.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per phase")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    if PIN:
        os.sched_setaffinity(0, {0})  # threads started from here on inherit it
    print(
        f"load average at start: {load()}; {os.cpu_count()} CPUs;"
        f" pinning {'server CPU 1, load generator CPU 0' if PIN else 'off'}"
    )
    log_dir = tempfile.mkdtemp(prefix="bookingsite-holds-bench-")
    try:
        with throwaway_database() as url:
            now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                seeded = seed(now)
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE")
                count = db.session.scalar(sa.text("SELECT count(*) FROM bookings"))
                print(
                    f"seeded {count:,} bookings on {RESOURCES} resources"
                    f" in {time.perf_counter() - started:.1f} s"
                )
                db.session.remove()
                db.engine.dispose()
            # Client i walks the even hours of resource i, from two hours ahead.
            hours = [itertools.count(2, 2) for _ in range(CLIENTS)]
            rows = []
            with gunicorn(url, log_dir) as port:
                # Warm the workers (imports, pools) before measuring.
                for i in range(8):
                    start = now + next(hours[i]) * HOUR
                    request(
                        port,
                        "POST",
                        "/v1/bookings",
                        hold_body(seeded.targets[i], start),
                        seeded.key,
                    )
                    request(port, "GET", "/healthz")
                print(
                    f"\n{CLIENTS} clients, {WORKERS} gunicorn sync workers,"
                    f" {args.duration:.0f} s per phase"
                )
                for rep in range(args.repetitions):
                    health = healthz_phase(port, args.duration)
                    holds = holds_phase(port, seeded, hours, args.duration)
                    burst = burst_phase(port, seeded, rep)
                    holds_rate = holds.created_per_second
                    ratio = holds_rate / health.per_second
                    burst_rate = CLIENTS / burst.elapsed
                    burst_ratio = burst_rate / holds_rate if holds_rate else float("nan")
                    rows.append((holds_rate, health.per_second, ratio, burst_ratio, burst_rate))
                    print(f"\n-- repetition {rep + 1} (load average {load()})")
                    print(
                        f"  healthz: {health.per_second:8.1f} req/s, p50"
                        f" {health.percentile_ms(0.5):6.1f} ms, p95"
                        f" {health.percentile_ms(0.95):6.1f} ms  [{health.counts()}]"
                        f" {health.generator_share}"
                    )
                    print(
                        f"  holds  : {holds_rate:8.1f} holds/s, p50"
                        f" {holds.percentile_ms(0.5):6.1f} ms, p95"
                        f" {holds.percentile_ms(0.95):6.1f} ms  [{holds.counts()}]"
                        f" {holds.generator_share}"
                    )
                    print(
                        f"  burst  : 64 on one slot in {burst.elapsed * 1000:.0f} ms ="
                        f" {burst_rate:.1f} answered/s, p50 {burst.percentile_ms(0.5):.1f} ms,"
                        f" p95 {burst.percentile_ms(0.95):.1f} ms  [{burst.counts()}]"
                    )
                    print(
                        f"  ratio holds/s / healthz req/s = {ratio:.4f};"
                        f" burst ratio (answered/s / holds/s) = {burst_ratio:.2f}"
                    )
            print(f"\n== over {len(rows)} repetitions (best = highest) ==")
            print(summary("holds/s", [r[0] for r in rows]))
            print(summary("healthz req/s", [r[1] for r in rows]))
            print(summary("holds / healthz", [r[2] for r in rows], digits=3))
            print(summary("burst answered/s", [r[4] for r in rows]))
            print(summary("burst / holds", [r[3] for r in rows], digits=3))
            print(f"  load average {load()}")
            if not args.no_profile:
                profile_one_hold(url, seeded)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
