"""The thread-safe in-memory rate-limit storage: fixed windows, lazy expiry, exact counts
under threads. Its clock is replaced, so windows pass without waiting."""

from __future__ import annotations

import threading

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from bookingsite.rate_limit_storage import SWEEP_INTERVAL_SECONDS, ThreadSafeMemoryStorage


class FakeWallClock:
    def __init__(self) -> None:
        self.seconds = 1_000_000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def wall_clock() -> FakeWallClock:
    return FakeWallClock()


@pytest.fixture
def storage(wall_clock: FakeWallClock) -> ThreadSafeMemoryStorage:
    storage = ThreadSafeMemoryStorage()
    storage.now = wall_clock
    return storage


def test_the_configured_scheme_builds_this_storage():
    assert isinstance(storage_from_string("threadsafe-memory://"), ThreadSafeMemoryStorage)


def test_a_window_counts_until_it_ends_then_starts_again(storage, wall_clock):
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == wall_clock.seconds + 60
    wall_clock.seconds += 59.9
    assert storage.incr("k", 60, amount=2) == 5
    wall_clock.seconds += 0.1
    assert storage.get("k") == 0
    assert storage.get_expiry("k") == wall_clock.seconds
    assert storage.incr("k", 60) == 1


def test_keys_never_seen_again_are_swept(storage, wall_clock):
    for n in range(100):
        storage.incr(f"address-{n}", 60)
    wall_clock.seconds += SWEEP_INTERVAL_SECONDS + 60
    storage.incr("another", 60)
    assert storage.reset() == 1


def test_clear_forgets_one_key(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)


def test_the_fixed_window_strategy_allows_exactly_the_limit(storage):
    limiter = FixedWindowRateLimiter(storage)
    per_minute = RateLimitItemPerMinute(3)
    assert [limiter.hit(per_minute, "client") for _ in range(5)] == [True] * 3 + [False] * 2
    assert limiter.get_window_stats(per_minute, "client").remaining == 0


def test_racing_threads_lose_no_hit():
    storage = ThreadSafeMemoryStorage()
    threads, hits_each = 32, 500
    start = threading.Barrier(threads)

    def hammer() -> None:
        start.wait()
        for _ in range(hits_each):
            storage.incr("shared", 3600)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get("shared") == threads * hits_each
