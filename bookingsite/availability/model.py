"""The values the availability engine takes and returns: frozen, validated on creation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
MIDNIGHT = time(0)

# A day's working periods: (open, close) wall-clock pairs; a close of midnight ends the day.
Periods = tuple[tuple[time, time], ...]
ALL_DAY: Periods = ((MIDNIGHT, MIDNIGHT),)


def require_utc(name: str, instant: datetime) -> None:
    if instant.tzinfo is UTC:  # the common case, decided without calling utcoffset()
        return
    if instant.tzinfo is None or instant.utcoffset() != ZERO:
        raise ValueError(f"{name} must be an aware UTC datetime, got {instant!r}")


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open range of instants, [start, end), in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_utc("start", self.start)
        require_utc("end", self.end)
        if not self.start < self.end:
            raise ValueError(f"an interval needs start < end, got {self.start} .. {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether two half-open intervals share an instant; touching ends do not overlap."""
    return a.start < b.end and b.start < a.end


def _checked_periods(periods: Periods, where: str) -> Periods:
    ordered = tuple(sorted(periods))
    for open_time, close_time in ordered:
        if open_time.tzinfo is not None or close_time.tzinfo is not None:
            raise ValueError(f"{where}: working hours are naive wall-clock times")
        if not (open_time < close_time or close_time == MIDNIGHT):
            raise ValueError(f"{where}: period {open_time}-{close_time} closes before it opens")
    for (_, close_time), (next_open, _) in zip(ordered, ordered[1:], strict=False):
        if close_time == MIDNIGHT or next_open < close_time:
            raise ValueError(f"{where}: periods overlap")
    return ordered


@dataclass(frozen=True)
class WorkingHours:
    """When a resource can be booked, in wall-clock time of `zone`.

    `weekly[0]` is Monday .. `weekly[6]` Sunday, each a tuple of (open, close) periods with
    close > open; a close of `time(0)` means the end of that day (midnight), so no period
    runs overnight. `exceptions` maps a local date to the periods of that date alone (an
    empty tuple closes the day). `weekly=None` means open around the clock; exceptions
    still replace single days."""

    zone: str
    weekly: tuple[Periods, ...] | None = None
    # A read-only view of a copy, so the hours stay frozen; left out of the hash because a
    # mapping has none (equal hours still hash equal).
    exceptions: Mapping[date, Periods] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)  # an unknown zone fails here, not in the middle of a search
        if self.weekly is not None:
            if len(self.weekly) != 7:
                raise ValueError("weekly hours need seven days, Monday first")
            weekly = tuple(
                _checked_periods(day, f"weekday {i}") for i, day in enumerate(self.weekly)
            )
            object.__setattr__(self, "weekly", weekly)
        exceptions = {
            day: _checked_periods(periods, str(day)) for day, periods in self.exceptions.items()
        }
        object.__setattr__(self, "exceptions", MappingProxyType(exceptions))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)  # ZoneInfo caches its instances

    def periods_on(self, day: date) -> Periods:
        """The wall-clock periods of one local date."""
        if day in self.exceptions:
            return self.exceptions[day]
        if self.weekly is None:
            return ALL_DAY
        return self.weekly[day.weekday()]


class BusyKind(StrEnum):
    BOOKING = "booking"
    ALLOCATION = "allocation"


class Busy(NamedTuple):
    """Time a resource is taken, [start, end) in UTC. A booking's range already includes
    its own buffers; `venue_id` says where it takes place (staff need travel time between
    venues).

    A plain tuple, not validated on creation: a request carries thousands, read from
    rows the database has checked, and the engine walks them as tuples."""

    start: datetime
    end: datetime
    kind: BusyKind
    venue_id: int | None = None

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class RecurringBlock:
    """An allocation repeating weekly in the resource's wall-clock time: `start_time` to
    `end_time` on each of `weekdays` (0 = Monday) from `first_date` to `until` inclusive
    (None: forever). An `end_time` at or before `start_time` ends on the next day."""

    start_time: time
    end_time: time
    weekdays: frozenset[int]
    first_date: date
    until: date | None = None

    def __post_init__(self) -> None:
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError("weekdays run from 0 (Monday) to 6 (Sunday)")
        if self.until is not None and self.until < self.first_date:
            raise ValueError("a recurring block cannot end before it starts")

    def occurs_on(self, day: date) -> bool:
        in_range = self.first_date <= day and (self.until is None or day <= self.until)
        return in_range and day.weekday() in self.weekdays


@dataclass(frozen=True)
class Resource:
    """A place (room, court, kit, van) or a staff member. `busy` may come unsorted."""

    id: int
    hours: WorkingHours
    capacity: int = 1
    skills: frozenset[str] = frozenset()
    venue_id: int | None = None
    busy: tuple[Busy, ...] = ()
    recurring_blocks: tuple[RecurringBlock, ...] = ()


class Anchor(StrEnum):
    """Where a start grid counts its steps from, in the resource's wall-clock time."""

    OPENING = "opening"  # each working period's opening (local midnight around the clock)
    CLOCK = "clock"  # the local midnight of the period's date: every :00, :15, :30...


@dataclass(frozen=True)
class Grid:
    """Where starts may fall, in wall time: every `step` from each working period's
    opening, or with `anchor=Anchor.CLOCK` every `step` from local midnight (the first at
    or after the opening), whatever the opening. Either way a wall time that does not
    exist that day is skipped and one that happens twice is kept at its first occurrence.
    Around the clock both anchors agree: the periods open at midnight."""

    alignment_minutes: int = 15
    step_minutes: int | None = None  # None: duration plus buffers, rounded up to the alignment
    anchor: Anchor = Anchor.OPENING  # a plain "clock" or "opening" is accepted too

    def __post_init__(self) -> None:
        if self.alignment_minutes <= 0 or (
            self.step_minutes is not None and self.step_minutes <= 0
        ):
            raise ValueError("grid alignment and step must be positive")
        object.__setattr__(self, "anchor", Anchor(self.anchor))  # an unknown one fails here

    @property
    def alignment(self) -> timedelta:
        return timedelta(minutes=self.alignment_minutes)

    def step_for(self, duration: timedelta, buffers: timedelta) -> timedelta:
        if self.step_minutes is not None:
            return timedelta(minutes=self.step_minutes)
        unit = self.alignment
        return -((duration + buffers) // -unit) * unit


@dataclass(frozen=True)
class Policy:
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO
    grid: Grid = Grid()
    lead_time: timedelta = ZERO
    horizon: timedelta = timedelta(days=365)
    required_skills: frozenset[str] = frozenset()
    travel_buffer: timedelta = ZERO  # staff: the gap needed next to a booking at another venue
    # ...next to a booking at each venue named here, where it differs from travel_buffer.
    travel_buffers: Mapping[int, timedelta] = field(default_factory=dict, hash=False)
    venue_id: int | None = None  # the service's venue, to tell which bookings are elsewhere

    def __post_init__(self) -> None:
        for name in ("buffer_before", "buffer_after", "lead_time", "horizon", "travel_buffer"):
            if getattr(self, name) < ZERO:
                raise ValueError(f"{name} cannot be negative")
        if any(gap < ZERO for gap in self.travel_buffers.values()):
            raise ValueError("travel_buffers cannot be negative")

    def travel_from(self, venue_id: int | None) -> timedelta:
        """The gap a staff member keeps next to a booking at `venue_id`: none at the
        service's own venue (or an unknown one, a block)."""
        if venue_id is None or venue_id == self.venue_id:
            return ZERO
        return self.travel_buffers.get(venue_id, self.travel_buffer)

    @property
    def longest_travel(self) -> timedelta:
        return max((self.travel_buffer, *self.travel_buffers.values()))

    @property
    def buffers(self) -> timedelta:
        return self.buffer_before + self.buffer_after


@dataclass(frozen=True)
class Request:
    """Who could serve a booking and under which policy, as of `now`.

    `places` are the service's resources, any free one will do (or only `resource_id`);
    `staff` are only consulted when the policy requires skills, and then `staff_count`
    distinct qualified members serve together (a duo treatment: two therapists)."""

    places: tuple[Resource, ...]
    staff: tuple[Resource, ...] = ()
    policy: Policy = Policy()
    now: datetime = field(kw_only=True)
    guests: int = 1
    resource_id: int | None = None
    staff_count: int = 1

    def __post_init__(self) -> None:
        require_utc("now", self.now)
        if self.guests < 1:
            raise ValueError("a booking is for at least one guest")
        if self.staff_count < 1:
            raise ValueError("a booking needs at least one staff member where it needs any")


class Slot(NamedTuple):
    """A bookable [start, end) and who would serve it. The buffers ride along so that
    `occupied` can say how long the resources stay taken. An immutable named tuple rather
    than a dataclass: a search builds thousands, and tuples cost a fifth to make.

    `staff_id` is the (lowest-id) staff member, None when the service needs nobody;
    `more_staff_ids` the others, in id order, when the option needs several."""

    start: datetime
    end: datetime
    resource_id: int
    staff_id: int | None = None
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO
    more_staff_ids: tuple[int, ...] = ()

    @property
    def staff_ids(self) -> tuple[int, ...]:
        """Every staff member serving the slot, lowest id first."""
        return () if self.staff_id is None else (self.staff_id, *self.more_staff_ids)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def occupied(self) -> Interval:
        return Interval(self.start - self.buffer_before, self.end + self.buffer_after)


class Reason(StrEnum):
    """Why a range is not bookable, in the order `why_not` checks them."""

    INVALID_DURATION = "invalid_duration"
    CLOSED = "closed"
    OFF_GRID = "off_grid"
    TOO_SOON = "too_soon"
    BEYOND_HORIZON = "beyond_horizon"
    OVER_CAPACITY = "over_capacity"
    BLOCKED = "blocked"
    BOOKED = "booked"
    BUFFER = "buffer"
    NO_STAFF = "no_staff"

    @property
    def rank(self) -> int:
        """Position in the checking order: a higher rank got further before failing."""
        return _REASON_ORDER.index(self)


_REASON_ORDER = tuple(Reason)


@dataclass(frozen=True, order=True)
class EndOption:
    end: datetime
    resource_id: int
    staff_id: int | None = None
    more_staff_ids: tuple[int, ...] = ()

    @property
    def staff_ids(self) -> tuple[int, ...]:
        return () if self.staff_id is None else (self.staff_id, *self.more_staff_ids)


@dataclass(frozen=True, order=True)
class DaySlot:
    """A whole local day: `interval` runs from the day's first opening to its last close
    (local midnight to midnight around the clock)."""

    day: date
    interval: Interval
    resource_id: int
    staff_id: int | None = None
    more_staff_ids: tuple[int, ...] = ()

    @property
    def staff_ids(self) -> tuple[int, ...]:
        return () if self.staff_id is None else (self.staff_id, *self.more_staff_ids)


@dataclass(frozen=True, order=True)
class DayEnd:
    """A run of whole days from the chosen start day to `last_day`. `parts` are the bookings
    it becomes: one per day where the days do not touch (a resource with hours: linked
    daily bookings), merged into one where they do (around the clock: one booking)."""

    last_day: date
    resource_id: int
    parts: tuple[Interval, ...]
    staff_id: int | None = None
    more_staff_ids: tuple[int, ...] = ()

    @property
    def staff_ids(self) -> tuple[int, ...]:
        return () if self.staff_id is None else (self.staff_id, *self.more_staff_ids)

    @property
    def continuous(self) -> bool:
        return len(self.parts) == 1

    @property
    def interval(self) -> Interval:
        return Interval(self.parts[0].start, self.parts[-1].end)
