"""CPU time of `find_slots` on the issue's case, beside the minute-by-minute reference.

The case: a 30-day window, 20 resources with 12-hour days, 10 existing 30-minute bookings
per resource per day, a 30-minute service on a 15-minute grid (about 28,000 candidate
starts); then the same with 4x the days, and with 4x the resources.

Run: .venv/bin/python bench/engine_bench.py
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bookingsite.availability import (  # noqa: E402
    Busy,
    BusyKind,
    Grid,
    Interval,
    Policy,
    Request,
    Resource,
    WorkingHours,
    find_slots,
)
from tests.unit.reference import reference_slots  # noqa: E402

ZONE = "Europe/Paris"
FIRST_DAY = datetime(2026, 6, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)
DURATION = timedelta(minutes=30)


def build_case(days: int, resources: int, seed: int = 2026) -> tuple[Request, Interval]:
    rng = random.Random(seed)
    twelve_hours = WorkingHours(ZONE, weekly=(((wall_time(8), wall_time(20)),),) * 7)
    places = []
    for resource_id in range(1, resources + 1):
        busy = []
        for day in range(days):
            opening = FIRST_DAY + timedelta(days=day, hours=6)  # 08:00 in Paris in summer
            # ten non-overlapping 30-minute bookings on quarter hours within the 48 quarters
            for i, position in enumerate(sorted(rng.sample(range(48 - 10), 10))):
                start = opening + (position + i) * QUARTER
                busy.append(Busy(Interval(start, start + DURATION), BusyKind.BOOKING))
        rng.shuffle(busy)
        places.append(Resource(resource_id, twelve_hours, busy=tuple(busy)))
    policy = Policy(grid=Grid(alignment_minutes=15, step_minutes=15))
    req = Request(tuple(places), policy=policy, now=FIRST_DAY - timedelta(days=1))
    return req, Interval(FIRST_DAY, FIRST_DAY + timedelta(days=days))


def cpu_ms(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best * 1000


def main() -> None:
    print(
        f"{'case':<34} {'starts':>7} {'slots':>6} {'engine ms':>10} {'reference ms':>13}"
        f" {'agree':>7}"
    )
    for label, days, resources in (
        ("30 days x 20 resources", 30, 20),
        ("120 days x 20 resources (4x)", 120, 20),
        ("30 days x 80 resources (4x)", 30, 80),
    ):
        req, window = build_case(days, resources)
        slots = find_slots(req, window, DURATION)
        engine = cpu_ms(lambda req=req, window=window: find_slots(req, window, DURATION), 100)
        reference = cpu_ms(lambda req=req, window=window: reference_slots(req, window, DURATION), 1)
        agrees = reference_slots(req, window, DURATION) == slots
        starts = days * resources * 47
        print(
            f"{label:<34} {starts:>7} {len(slots):>6} {engine:>10.2f} {reference:>13.0f}"
            f" {'yes' if agrees else 'NO':>7}"
        )


if __name__ == "__main__":
    main()
