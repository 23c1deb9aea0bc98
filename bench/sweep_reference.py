"""The yardstick for the engine's speed: a plain sorted sweep, the simplest fast code that
gives the engine's answer on the bench's workload.

It covers only what that workload needs: working hours already given as UTC spans (no
zones, no daylight saving), a grid anchored at each span's opening, a duration with
buffers, lead time and horizon, and "any resource" meaning the lowest id free. It walks
the grid once; each resource's busy intervals are sorted and merged the first time a
start asks about it, and one bisection finds the first that ends after a start's
occupied range begins.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter

from bookingsite.availability import Resource, Slot

Span = tuple[datetime, datetime]
_first = itemgetter(0)


def grid_starts(
    spans: Iterable[Span], step: timedelta, duration: timedelta, lo: datetime, hi: datetime
) -> list[datetime]:
    """Starts opening + k * step whose [start, start + duration) fits the span, lo..hi."""
    starts = []
    for opens, closes in spans:
        start = opens
        while start + duration <= closes:
            if lo <= start <= hi:
                starts.append(start)
            start += step
    return starts


def merged_busy(resource: Resource) -> tuple[list[datetime], list[datetime]]:
    """The starts and the ends of the resource's busy intervals (tuples that begin with
    start and end, like the engine's Busy), sorted, with intervals
    that overlap merged (so that both lists are sorted)."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for busy_start, busy_end, *_ in sorted(resource.busy, key=_first):
        if ends and busy_start < ends[-1]:
            ends[-1] = max(ends[-1], busy_end)
        else:
            starts.append(busy_start)
            ends.append(busy_end)
    return starts, ends


def sweep_slots(
    resources: Sequence[Resource],
    spans: Sequence[Span],
    duration: timedelta,
    step: timedelta,
    before: timedelta,
    after: timedelta,
    lo: datetime,
    hi: datetime,
) -> list[Slot]:
    """Every start from lo to hi (inclusive) on the grid of `spans` with a free resource,
    served by the lowest-id one, as the engine's slots."""
    ordered = sorted(resources, key=attrgetter("id"))
    calendars: list[tuple[list[datetime], list[datetime]] | None] = [None] * len(ordered)
    reach = duration + after
    slots = []
    for start in grid_starts(spans, step, duration, lo, hi):
        begins, ends = start - before, start + reach  # the occupied range
        for k, resource in enumerate(ordered):
            calendar = calendars[k]
            if calendar is None:
                calendar = calendars[k] = merged_busy(resource)
            busy_starts, busy_ends = calendar
            i = bisect_right(busy_ends, begins)
            if i == len(busy_starts) or ends <= busy_starts[i]:
                slots.append(Slot(start, start + duration, resource.id, None, before, after))
                break
    return slots
