"""Rate-limit counters in this process's memory, safe when requests run in threads.

Why not limits' own `memory://`: in limits 5.8.0 (the newest release available) every
`incr` checks `if not self.timer.is_alive()` and then creates and starts a new expiry
timer, without a lock. Two request threads can both find the timer dead; one assigns its
new timer and the other then calls `start()` on that same, already started timer:
`RuntimeError: threads can only be started once`, a 500 for about one in a few thousand
concurrent requests under gunicorn's threads (upstream: alisaifee/limits#352). Its
per-key locks are also dropped while held, so racing hits can be lost.

This storage keeps fixed-window counters behind one lock and expires them lazily, with no
timer thread. It counts for one process; several workers or machines share their counts
through Redis (`redis://`) instead. Only the fixed-window strategy (Flask-Limiter's
default, the one this site uses) is supported."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import Storage

# Expired windows are dropped on access; a sweep this often bounds memory for keys that
# are never seen again (addresses and e-mail addresses that tried once).
SWEEP_INTERVAL_SECONDS = 60.0


@dataclass(slots=True)
class _Window:
    count: int
    ends_at: float


class ThreadSafeMemoryStorage(Storage):
    STORAGE_SCHEME = ["threadsafe-memory"]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # Wall-clock seconds, like the reset times limits and Flask-Limiter compute.
        self.now: Callable[[], float] = time.time
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _live_window(self, key: str, now: float) -> _Window | None:
        window = self._windows.get(key)
        if window is not None and window.ends_at <= now:
            del self._windows[key]
            return None
        return window

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._windows = {k: w for k, w in self._windows.items() if w.ends_at > now}
        self._next_sweep = now + SWEEP_INTERVAL_SECONDS

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.now()
        with self._lock:
            self._sweep(now)
            window = self._live_window(key, now)
            if window is None:
                window = self._windows[key] = _Window(0, now + expiry)
            window.count += amount
            return window.count

    def get(self, key: str) -> int:
        with self._lock:
            window = self._live_window(key, self.now())
            return window.count if window else 0

    def get_expiry(self, key: str) -> float:
        now = self.now()
        with self._lock:
            window = self._live_window(key, now)
            return window.ends_at if window else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            cleared = len(self._windows)
            self._windows.clear()
            return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
