"""Rate limits under load: many threads hammer a limited URL through a real threaded HTTP
server. No request may end in a 5xx (limits' own `memory://` storage raised "threads can
only be started once" about once in 3,200 such requests), and exactly the budget passes
before every further call is refused with 429. Run on the default in-memory storage and
on Redis."""

from __future__ import annotations

import http.client
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bookingsite.accounts import create_partner
from tests.redis_storage import LimitStorage

pytestmark = pytest.mark.slow

THREADS = 32
REQUESTS_PER_THREAD = 100
BUDGET = 50
# A bound on the whole run, far above what it takes, so that a hang fails instead of stalling.
RUN_TIMEOUT_SECONDS = 120
# Python switches threads every 5 ms by default; switching far more often makes races
# show within one bounded run: with it, memory:// gave 500s in each of four runs here.
SWITCH_INTERVAL_SECONDS = 1e-5


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    default = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    yield
    sys.setswitchinterval(default)


@pytest.fixture
def app_settings(app_settings: dict, storage: LimitStorage) -> dict:
    # An hour: the window starts at the first hit, so the whole run falls inside it.
    return (
        app_settings
        | storage.settings
        | {
            "RATELIMIT_ENABLED": True,
            "API_RATE_LIMIT": f"{BUDGET} per hour",
        }
    )


def hammer(url: str, path: str, headers: dict[str, str]) -> Counter[int]:
    """THREADS keep-alive connections send REQUESTS_PER_THREAD requests each, all
    starting together; returns how many answers had each status."""
    address = urlsplit(url)
    statuses: Counter[int] = Counter()
    count_lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def client() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        start.wait()
        try:
            for _ in range(REQUESTS_PER_THREAD):
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                with count_lock:
                    statuses[response.status] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RUN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "the run did not finish in time"
    return statuses


def test_racing_requests_get_200_or_429_and_never_a_5xx(
    app, live_server, clock, storage, frequent_thread_switches
):
    _partner, key = create_partner("Load", [], now=clock.now())
    statuses = hammer(live_server.url, "/v1/venues", {"Authorization": f"Bearer {key}"})
    assert sum(statuses.values()) == THREADS * REQUESTS_PER_THREAD
    assert statuses == {200: BUDGET, 429: THREADS * REQUESTS_PER_THREAD - BUDGET}
