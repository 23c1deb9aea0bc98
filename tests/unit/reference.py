"""A deliberately simple availability oracle, minute by minute.

It shares nothing with the engine but the input types. Every instant is a whole UTC
minute, and every rule is read straight off its definition:

* a wall-clock boundary is the first minute whose local wall time reaches it (which is
  the first occurrence in a fold, and the moment of the jump in a gap);
* a minute is open if it lies between some period's opening and close;
* a grid point is the first minute showing opening + k * step on the wall clock (on the
  clock: midnight of the opening's date + k * step, from the opening on);
* a slot fits if every minute of it is open and no minute of its buffered range is busy;
* a team is the first `staff_count` qualified members, by id, that each fit.

Slow and obviously correct: the differential test holds the engine to it, and the bench
times it beside the engine.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bookingsite.availability import Interval, Request, Resource, Slot
from bookingsite.availability.model import Anchor

MINUTE = timedelta(minutes=1)


def _minutes(start: datetime, end: datetime) -> range:
    """Whole minutes since the epoch, as a range over [start, end)."""
    epoch = datetime(1970, 1, 1, tzinfo=start.tzinfo)
    return range((start - epoch) // MINUTE, (end - epoch) // MINUTE)


class _Clock:
    """Local wall time of each UTC minute, in one zone."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.walls: dict[int, datetime] = {}

    def wall(self, minute: int) -> datetime:
        if minute not in self.walls:
            instant = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC")) + minute * MINUTE
            self.walls[minute] = instant.astimezone(self.zone).replace(tzinfo=None)
        return self.walls[minute]

    def first_reaching(self, wall: datetime) -> int:
        """The first minute whose wall time is at or after `wall`."""
        minute = (wall - datetime(1970, 1, 1)) // MINUTE - 15 * 60  # no zone is 15 h ahead
        while self.wall(minute) < wall:
            minute += 1
        return minute


@cache
def _clock(zone: str) -> _Clock:
    """One clock per zone for the whole run: wall times never change."""
    return _Clock(zone)


def _local_dates(window: Interval) -> list[date]:
    # a local date is at most one day off the UTC date
    first = window.start.date() - timedelta(days=1)
    return [first + timedelta(days=i) for i in range((window.end.date() - first).days + 2)]


def _periods(
    resource: Resource, clock: _Clock, window: Interval
) -> list[tuple[datetime, int, int]]:
    """(opening wall time, first minute, end minute) of each working period."""
    periods = []
    for day in _local_dates(window):
        for open_time, close_time in resource.hours.periods_on(day):
            open_wall = datetime.combine(day, open_time)
            close_day = day + timedelta(days=1) if close_time == time(0) else day
            close_wall = datetime.combine(close_day, close_time)
            periods.append(
                (open_wall, clock.first_reaching(open_wall), clock.first_reaching(close_wall))
            )
    return periods


def _busy_minutes(
    resource: Resource, clock: _Clock, window: Interval, travel: timedelta, venue: int | None
) -> set[int]:
    busy: set[int] = set()
    for entry in resource.busy:
        start, end = entry.interval.start, entry.interval.end
        # A booking elsewhere: at a known venue other than the service's (known) one.
        if travel and venue is not None and entry.venue_id not in (None, venue):
            start, end = start - travel, end + travel
        busy.update(_minutes(start, end))
    for block in resource.recurring_blocks:
        for day in _local_dates(window):
            if day.weekday() not in block.weekdays or day < block.first_date:
                continue
            if block.until is not None and day > block.until:
                continue
            end_day = day if block.end_time > block.start_time else day + timedelta(days=1)
            first = clock.first_reaching(datetime.combine(day, block.start_time))
            last = clock.first_reaching(datetime.combine(end_day, block.end_time))
            busy.update(range(first, last))
    return busy


class _Calendar:
    """One resource's open, busy and grid minutes around a window."""

    def __init__(
        self,
        resource: Resource,
        window: Interval,
        step: int,
        travel: timedelta,
        venue: int | None,
        anchor: Anchor = Anchor.OPENING,
    ):
        clock = _clock(resource.hours.zone)
        self.open: set[int] = set()
        self.grid: set[int] = set()
        for open_wall, first, end in _periods(resource, clock, window):
            self.open.update(range(first, end))
            origin = open_wall
            if anchor is Anchor.CLOCK:
                origin = datetime.combine(open_wall.date(), time(0))
            seen = set()
            for minute in range(first, end):
                wall = clock.wall(minute)
                if wall >= open_wall and (wall - origin) // MINUTE % step == 0 and wall not in seen:
                    seen.add(wall)
                    self.grid.add(minute)
        self.busy = _busy_minutes(resource, clock, window, travel, venue)

    def fits(self, start: int, length: int, before: int, after: int) -> bool:
        inside = all(m in self.open for m in range(start, start + length))
        return inside and not any(
            m in self.busy for m in range(start - before, start + length + after)
        )


def reference_slots(req: Request, window: Interval, duration: timedelta) -> list[Slot]:
    policy = req.policy
    length = duration // MINUTE
    before, after = policy.buffer_before // MINUTE, policy.buffer_after // MINUTE
    if policy.grid.step_minutes is not None:
        step = policy.grid.step_minutes
    else:
        align = policy.grid.alignment_minutes
        step = -(-(length + before + after) // align) * align
    places = sorted(
        (p for p in req.places if req.resource_id in (None, p.id) and req.guests <= p.capacity),
        key=lambda p: p.id,
    )
    calendars = {
        p.id: _Calendar(p, window, step, timedelta(0), None, policy.grid.anchor) for p in places
    }
    staff = None
    if policy.required_skills:
        qualified = sorted(
            (s for s in req.staff if policy.required_skills <= s.skills), key=lambda s: s.id
        )
        staff = {
            s.id: _Calendar(s, window, step, policy.travel_buffer, policy.venue_id)
            for s in qualified
        }
    now = _minutes(req.now, req.now + MINUTE)[0]
    earliest = now + policy.lead_time // MINUTE
    latest = now + policy.horizon // MINUTE
    slots = []
    for start in _minutes(window.start, window.end - duration + MINUTE):
        if not earliest <= start <= latest:
            continue
        place = next(
            (
                pid
                for pid, cal in calendars.items()
                if start in cal.grid and cal.fits(start, length, before, after)
            ),
            None,
        )
        if place is None:
            continue
        team: list[int] = []
        if staff is not None:
            team = [sid for sid, cal in staff.items() if cal.fits(start, length, before, after)]
            team = team[: req.staff_count]
            if len(team) < req.staff_count:
                continue
        begins = window.start + (start - _minutes(window.start, window.end)[0]) * MINUTE
        slots.append(
            Slot(
                begins,
                begins + duration,
                place,
                team[0] if team else None,
                policy.buffer_before,
                policy.buffer_after,
                tuple(team[1:]),
            )
        )
    return slots
