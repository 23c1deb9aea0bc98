"""Real concurrent holds: 32 threads, each with its own session, race for one range.

The normal race goes through the whole service. The database-only race stubs the engine
out, so every racer reaches the INSERT and only the database guard stands in the way;
its negative control drops that guard and must then find a double booking — proof
that the race can fail."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite import availability as engine
from bookingsite import integrity
from bookingsite.booking import service
from bookingsite.booking.service import HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from tests.factories import make_resource, make_service, make_venue

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.slow]

RACERS = 32
ROUNDS = 20
# The database-only race repeats what the full race proved; fewer rounds keep CI short.
DATABASE_ONLY_ROUNDS = 5
BASE = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    # Every racer gets its own connection at once.
    return app_settings | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RACERS + 2}}


def race(app, requests: list[HoldRequest]) -> Counter:
    barrier = threading.Barrier(len(requests))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def racer(request: HoldRequest) -> None:
        with app.app_context():
            barrier.wait()
            try:
                service.hold(request)
                outcome = "ok"
            except DomainError as error:
                outcome = error.code
            except Exception as error:  # noqa: BLE001 - any other error is a finding
                outcome = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=racer, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _same_range(svc, day: int) -> list[HoldRequest]:
    start = BASE + timedelta(days=day, hours=10)
    return [HoldRequest(service_id=svc.id, start=start) for _ in range(RACERS)]


def _overlapping_ranges(svc, day: int) -> list[HoldRequest]:
    # Starts 15 minutes apart over 1-hour bookings with a 15-minute after-buffer: every
    # pair within 75 minutes collides, so a valid outcome admits no overlap.
    start = BASE + timedelta(days=day, hours=8)
    return [
        HoldRequest(service_id=svc.id, start=start + timedelta(minutes=15 * (i % 8)))
        for i in range(RACERS)
    ]


def _active_ranges(resource_id: int) -> list[tuple[datetime, datetime]]:
    from bookingsite.models import Occupancy

    return sorted(
        db.session.execute(
            sa.select(Occupancy.start_at, Occupancy.end_at).where(
                Occupancy.resource_id == resource_id, Occupancy.active
            )
        ).all()
    )


def _no_overlap(ranges: list[tuple[datetime, datetime]]) -> bool:
    return all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_same_range_exactly_one_wins(app):
    svc = make_service(grid_step_minutes=15)
    for day in range(ROUNDS):
        outcomes = race(app, _same_range(svc, day))
        assert outcomes == Counter({"ok": 1, "SLOT_TAKEN": RACERS - 1}), f"round {day}"


def test_overlapping_ranges_with_buffers_never_overlap(app):
    svc = make_service(buffer_after_minutes=15, grid_step_minutes=15)
    for day in range(ROUNDS):
        outcomes = race(app, _overlapping_ranges(svc, day))
        assert set(outcomes) <= {"ok", "SLOT_TAKEN"}, outcomes
        assert outcomes["ok"] >= 1
    assert _no_overlap(_active_ranges(svc.resources[0].id))


@pytest.fixture
def engine_says_yes(monkeypatch):
    """Every racer passes the Python checks; only the database can refuse."""
    monkeypatch.setattr(engine, "why_not", lambda *a, **k: None)
    monkeypatch.setattr(
        engine, "pick", lambda req, s, e, **_: engine.Slot(s, e, req.places[0].id, None)
    )


@pytest.mark.usefixtures("engine_says_yes")
def test_database_alone_lets_exactly_one_win(app):
    svc = make_service([make_resource(make_venue())], buffer_after_minutes=15, grid_step_minutes=15)
    for day in range(DATABASE_ONLY_ROUNDS):
        outcomes = race(app, _same_range(svc, day))
        assert outcomes == Counter({"ok": 1, "SLOT_TAKEN": RACERS - 1}), f"round {day}"
    for day in range(DATABASE_ONLY_ROUNDS, 2 * DATABASE_ONLY_ROUNDS):
        outcomes = race(app, _overlapping_ranges(svc, day))
        assert set(outcomes) <= {"ok", "SLOT_TAKEN"}, outcomes
    assert _no_overlap(_active_ranges(svc.resources[0].id))


@pytest.mark.usefixtures("engine_says_yes")
def test_negative_control_without_the_guard_double_books(app):
    svc = make_service(grid_step_minutes=15)
    with db.engine.begin() as connection:
        integrity.uninstall(connection)
    try:
        outcomes = race(app, _same_range(svc, 0))
        assert outcomes["ok"] > 1, "without the guard the race should double book"
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM occupancies"))
            integrity.install(connection)
