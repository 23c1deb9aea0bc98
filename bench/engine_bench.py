"""CPU time of `find_slots` beside a plain sorted sweep (bench/sweep_reference.py).

The workload (issue 10): 20 resources open 08:00-20:00 in Paris, 10 existing 30-minute
bookings per resource per day, a 30-minute service on a 15-minute grid; over 30 days and
over 92 days. Two questions each:

* any: every start with a free resource, the lowest-id one (one call for the window);
* each: every free start of every resource (one call per resource).

Engine and sweep run interleaved, so both see the same load; the script first checks that
they give exactly the same slots. Nothing is asserted about time.

Run: .venv/bin/python bench/engine_bench.py [repetitions]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sweep_reference import Span, sweep_slots  # noqa: E402
from bookingsite.availability import (  # noqa: E402
    Busy,
    BusyKind,
    Grid,
    Interval,
    Policy,
    Request,
    Resource,
    Slot,
    WorkingHours,
    find_slots,
)

ZONE = "Europe/Paris"
FIRST_DAY = datetime(2026, 6, 1, tzinfo=UTC)  # summer time throughout: 08:00 Paris is 06:00Z
QUARTER = timedelta(minutes=15)
DURATION = timedelta(minutes=30)
RESOURCES = 20


def build_case(days: int, resources: int, seed: int = 2026) -> tuple[Request, Interval]:
    rng = random.Random(seed)
    twelve_hours = WorkingHours(ZONE, weekly=(((wall_time(8), wall_time(20)),),) * 7)
    places = []
    for resource_id in range(1, resources + 1):
        busy = []
        for day in range(days):
            opening = FIRST_DAY + timedelta(days=day, hours=6)
            # ten non-overlapping 30-minute bookings on quarter hours within the 48 quarters
            for i, position in enumerate(sorted(rng.sample(range(48 - 10), 10))):
                start = opening + (position + i) * QUARTER
                busy.append(Busy(start, start + DURATION, BusyKind.BOOKING))
        rng.shuffle(busy)
        places.append(Resource(resource_id, twelve_hours, busy=tuple(busy)))
    policy = Policy(grid=Grid(alignment_minutes=15, step_minutes=15))
    req = Request(tuple(places), policy=policy, now=FIRST_DAY - timedelta(days=1))
    return req, Interval(FIRST_DAY, FIRST_DAY + timedelta(days=days))


def utc_spans(days: int) -> list[Span]:
    """The working hours as UTC spans, as the sweep takes them."""
    return [
        (FIRST_DAY + timedelta(days=day, hours=6), FIRST_DAY + timedelta(days=day, hours=18))
        for day in range(days)
    ]


def questions(
    req: Request, window: Interval, spans: list[Span]
) -> dict[str, tuple[Callable[[], list[Slot]], Callable[[], list[Slot]]]]:
    """Per question, the engine's and the sweep's way to answer it."""
    policy = req.policy
    step = timedelta(minutes=policy.grid.step_minutes or 0)
    lo = max(window.start, req.now + policy.lead_time)
    hi = min(window.end - DURATION, req.now + policy.horizon)
    by_id = {place.id: place for place in req.places}
    one_each = [Request(req.places, policy=policy, now=req.now, resource_id=i) for i in by_id]

    def sweep(resources: list[Resource]) -> list[Slot]:
        before, after = policy.buffer_before, policy.buffer_after
        return sweep_slots(resources, spans, DURATION, step, before, after, lo, hi)

    return {
        "any": (
            lambda: find_slots(req, window, DURATION),
            lambda: sweep(list(req.places)),
        ),
        "each": (
            lambda: [s for r in one_each for s in find_slots(r, window, DURATION)],
            lambda: [s for i in by_id for s in sweep([by_id[i]])],
        ),
    }


def cpu_ms(run: Callable[[], object]) -> float:
    started = time.process_time()
    run()
    return (time.process_time() - started) * 1000


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'workload':<22} {'question':<5} {'slots':>6}  {'engine ms':>15}  {'sweep ms':>15}"
        f"  {'ratio':>11}"
    )
    print(f"{'':<36}{'best':>8}{'median':>8}  {'best':>7}{'median':>8}  {'best':>5}{'median':>7}")
    for days in (30, 92):
        req, window = build_case(days, RESOURCES)
        for name, (engine, sweep) in questions(req, window, utc_spans(days)).items():
            slots = engine()
            assert slots == sweep(), f"engine and sweep disagree: {days} days, {name}"
            engine_ms, sweep_ms = [], []
            for _ in range(repetitions):
                engine_ms.append(cpu_ms(engine))
                sweep_ms.append(cpu_ms(sweep))
            ratios = [e / s for e, s in zip(engine_ms, sweep_ms, strict=True)]
            print(
                f"{f'{RESOURCES} res x {days} days':<22} {name:<5} {len(slots):>6}"
                f"  {min(engine_ms):>7.2f}{statistics.median(engine_ms):>8.2f}"
                f"  {min(sweep_ms):>7.2f}{statistics.median(sweep_ms):>8.2f}"
                f"  {min(engine_ms) / min(sweep_ms):>5.2f}{statistics.median(ratios):>7.2f}"
            )
    print(f"load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
