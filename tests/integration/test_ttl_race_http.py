"""Holds racing at their TTL boundary over real HTTP: gunicorn workers on PostgreSQL.

80 rounds on a venue with a one-minute TTL. In each, a partner holds a range; then,
at the moment the hold lapses, it confirms that hold (its clock a few milliseconds
before the expiry) while the same body is held again (a few milliseconds after it),
concurrently. Each request carries its own `now` (tests/request_clock_app.py). Whatever the
interleaving: no 5xx, never two active occupancies over one range, and no confirmed
booking without its guard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bookingsite.accounts import create_partner
from bookingsite.clock import format_instant, parse_instant
from bookingsite.extensions import db
from tests.factories import make_resource, make_service, make_venue
from tests.functional.api.http import post
from tests.integration.test_expiry_interleaving import (
    mismatched_occupancies,
    overlapping_active_pairs,
)
from tests.request_clock_app import NOW_HEADER

ROUNDS = 80
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
# Bounds for the server's start-up and for each request; never timing assertions.
STARTUP_ATTEMPTS = 300
REQUEST_TIMEOUT = 30

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def gunicorn(postgresql_url: str) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {
        "BOOKINGSITE_DATABASE_URL": postgresql_url,
        "BOOKINGSITE_SECRET_KEY": "ttl-race",
        "BOOKINGSITE_RATELIMIT_ENABLED": "false",
        "BOOKINGSITE_MAX_LIVE_HOLDS_PER_PARTNER": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "tests.request_clock_app:create()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    started = threading.Event()
    for _ in range(STARTUP_ATTEMPTS):
        if _answers(url) or server.poll() is not None:
            break
        started.wait(0.05)
    if server.poll() is not None:
        pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")
    try:
        yield url
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
        assert b"Traceback" not in errors, errors.decode()[-4000:]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_confirm_and_rehold_at_the_ttl_boundary(app, backend, gunicorn):
    url = gunicorn
    venue = make_venue(hold_ttl_minutes=1)
    room = make_resource(venue)
    svc = make_service([room], grid_step_minutes=60)
    _partner, key = create_partner("race", [venue], now=START)
    db.session.commit()

    def at(now: datetime) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", NOW_HEADER: format_instant(now)}

    outcomes: Counter = Counter()
    for round_ in range(ROUNDS):
        start = START + timedelta(days=1, hours=round_)
        body = {
            "serviceId": svc.id,
            "resourceId": room.id,
            "startTime": format_instant(start),
            "endTime": format_instant(start + timedelta(hours=1)),
        }
        placed_at = START + timedelta(minutes=2 * round_)
        status, held = post(f"{url}/v1/bookings", body, at(placed_at))
        assert status == 201, held
        expires = parse_instant(held["expiresAt"])
        # The confirm just before the expiry, the new hold just after it (1-5 ms).
        margin = timedelta(milliseconds=1 + round_ % 5)
        confirm_url = f"{url}/v1/bookings/{held['id']}/confirm"
        results = _concurrently(
            confirm=partial(post, confirm_url, {}, at(expires - margin)),
            hold=partial(post, f"{url}/v1/bookings", body, at(expires + margin)),
        )
        outcomes[(_outcome(*results["confirm"]), _outcome(*results["hold"]))] += 1

    print(f"TTL race over {ROUNDS} rounds (confirm, hold again): {dict(outcomes)}")
    db.session.rollback()
    assert not [o for o in outcomes for status in o if status.startswith("5")]
    assert ("200", "201") not in outcomes, "both the confirm and the new hold won"
    assert overlapping_active_pairs() == 0
    assert mismatched_occupancies() == []


def _concurrently(**calls: Callable[[], Any]) -> dict[str, Any]:
    """Run the calls in threads released together; their results by name."""
    barrier = threading.Barrier(len(calls))
    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[name] = call()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT)
    return results


def _outcome(status: int, payload: dict) -> str:
    code = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
    return f"{status}" + (f" {code}" if code else "")
