"""The availability rules, each written once, and the searches built on them.

Two ways to ask the same question share the rules below:

* one range on one resource (`why_not`, `pick`, `end_times`, the daily searches) runs the
  checks in `_place_reason`, `_staff_serves` and `_conflict`;
* a whole window (`find_slots`, `next_available`) lists the grid starts that fit the hours,
  window, lead time and horizon once (`_Query.starts`), then per resource, lowest id
  first, takes the starts still unserved whose occupied range meets nothing busy
  (`_Occupied.free`). Sets of starts are sets of candidate indices, and the per-item
  work (bisections, additions, building the slots) runs in C through `map`, so the
  Python-level cost is per resource rather than per start or per busy interval.

The property tests check that both ways agree.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from itertools import compress, repeat
from operator import add, attrgetter, eq, itemgetter, sub
from zoneinfo import ZoneInfo

from .model import (
    MIDNIGHT,
    ZERO,
    Anchor,
    Busy,
    BusyKind,
    DayEnd,
    DaySlot,
    EndOption,
    Interval,
    Reason,
    Request,
    Resource,
    Slot,
    WorkingHours,
    require_utc,
)
from .wallclock import (
    ONE_DAY,
    ONE_US,
    Period,
    block_instants,
    boundary,
    days,
    local_date,
    open_spans,
    working_periods,
)

Span = tuple[datetime, datetime]
_by_id = attrgetter("id")
# Makes a Slot from a tuple of its fields in C, without the named tuple's Python __new__:
# a search returns thousands.
_new_slot = tuple.__new__
_first = itemgetter(0)
_second = itemgetter(1)


class _Query:
    """One engine call: the request's limits, and caches that live as long as the call
    (working periods per hours, busy intervals per resource)."""

    def __init__(self, req: Request) -> None:
        policy = req.policy
        self.req = req
        self.before = policy.buffer_before
        self.after = policy.buffer_after
        self.anchor = policy.grid.anchor
        self.earliest = req.now + policy.lead_time
        self.latest = req.now + policy.horizon
        self._periods: dict[tuple[WorkingHours, date, date], list[Period]] = {}
        self._busy: dict[tuple[int, bool], list[Busy]] = {}

    def step(self, duration: timedelta) -> timedelta:
        policy = self.req.policy
        return policy.grid.step_for(duration, policy.buffers)

    def places(self, resource_id: int | None = None) -> list[Resource]:
        wanted = self.req.resource_id if resource_id is None else resource_id
        return sorted((p for p in self.req.places if wanted is None or p.id == wanted), key=_by_id)

    def staff(self, only: Collection[int] | None = None) -> list[Resource] | None:
        """Qualified staff by id (among `only`, if given), or None when the service needs
        nobody."""
        required = self.req.policy.required_skills
        if not required:
            return None
        # By id, each member once: a team never counts one person twice.
        qualified = {
            s.id: s
            for s in self.req.staff
            if required <= s.skills and (only is None or s.id in only)
        }
        return sorted(qualified.values(), key=_by_id)

    @property
    def team_size(self) -> int:
        """How many staff members serve a booking together, when it needs any."""
        return self.req.staff_count

    def periods(self, hours: WorkingHours, lo: datetime, hi: datetime) -> list[Period]:
        """Working periods of every local date that instants lo..hi can touch."""
        zone = hours.tz
        key = (hours, local_date(lo, zone) - ONE_DAY, local_date(hi, zone) + ONE_DAY)
        if key not in self._periods:
            self._periods[key] = working_periods(*key)
        return self._periods[key]

    def spans(self, hours: WorkingHours, lo: datetime, hi: datetime) -> list[Span]:
        return open_spans(self.periods(hours, lo, hi))

    def busy(
        self, resource: Resource, lo: datetime, hi: datetime, *, staff: bool = False
    ) -> list[Busy]:
        """The resource's bookings and allocations, plus its recurring blocks around lo..hi.
        For staff, a booking at another venue than the service's is widened on both sides
        by the travel time between the two venues."""
        key = (id(resource), staff)
        if key not in self._busy:
            self._busy[key] = self._read_busy(resource, staff)
        taken = self._busy[key]
        if not resource.recurring_blocks:
            return taken
        zone = resource.hours.tz
        first, last = local_date(lo, zone) - ONE_DAY, local_date(hi, zone)
        return taken + [
            Busy(start, end, BusyKind.ALLOCATION)
            for block in resource.recurring_blocks
            for start, end in block_instants(block, zone, first, last)
        ]

    def _read_busy(self, resource: Resource, staff: bool) -> list[Busy]:
        policy = self.req.policy
        if not (staff and policy.venue_id is not None and policy.longest_travel):
            return list(resource.busy)
        widened = []
        for busy in resource.busy:
            travel = policy.travel_from(busy.venue_id)
            widened.append(
                Busy(busy.start - travel, busy.end + travel, busy.kind, busy.venue_id)
                if travel
                else busy
            )
        return widened

    def starts(
        self, hours: WorkingHours, lo: datetime, hi: datetime, duration: timedelta, step: timedelta
    ) -> list[datetime]:
        """Grid starts from lo to hi (inclusive) whose [start, start + duration) stays in
        open time, in order."""
        periods = self.periods(hours, lo, hi + duration)
        spans = open_spans(periods)
        zone = hours.tz
        starts: list[datetime] = []
        span = 0
        for period in periods:
            while spans[span][1] < period.close:
                span += 1
            last = min(hi, spans[span][1] - duration)
            if last < lo or period.close <= lo:
                continue
            grid = grid_points(period, step, zone, self.anchor)
            starts.extend(grid[bisect_left(grid, lo) : bisect_right(grid, last)])
        return starts


def grid_points(period: Period, step: timedelta, zone: ZoneInfo, anchor: Anchor) -> list[datetime]:
    """Rule 2 for one working period: its start grid as sorted instants. From the opening,
    opening + k * step; on the clock, local midnight + k * step from the opening on.
    Both in wall time, with the period's rules for a gap or a fold (`Period.grid`)."""
    if anchor is Anchor.CLOCK:
        clocked = _from_the_clock(period, step, zone)
        return [] if clocked is None else clocked.grid(step, zone)
    return period.grid(step, zone)


def _from_the_clock(period: Period, step: timedelta, zone: ZoneInfo) -> Period | None:
    """The period as if it opened at its first clock time (the first wall time at or after
    its opening that is a whole number of steps from its date's midnight): its grid from
    the opening is then the clock grid. None when no clock time falls inside it."""
    midnight = datetime.combine(period.day, MIDNIGHT)
    first = midnight - (midnight - period.open_wall) // step * step  # rounded up
    if first == period.open_wall:
        return period
    if first >= period.close_wall:
        return None
    if period.close - period.open == period.close_wall - period.open_wall:
        opens = period.open + (first - period.open_wall)  # no offset change in the period
    else:
        opens = boundary(first, zone)  # as an opening there would be (a gap, a fold)
    return Period(period.day, first, period.close_wall, opens, period.close)


# --- the rules, for one range on one resource ----------------------------------------


def _day_hulls(periods: list[Period]) -> dict[date, Span]:
    """Each local date's working time as one range: its first opening to its last close."""
    hulls: dict[date, Span] = {}
    for period in periods:
        opens = hulls[period.day][0] if period.day in hulls else period.open
        hulls[period.day] = (opens, period.close)
    return hulls


def _inside_hours(q: _Query, hours: WorkingHours, start: datetime, end: datetime) -> bool:
    """Rule 1: [start, end) lies in open time, or is exactly one local date's working time
    (a daily booking spans that day's breaks)."""
    if any(opens <= start and end <= closes for opens, closes in q.spans(hours, start, end)):
        return True
    return (start, end) in _day_hulls(q.periods(hours, start, end)).values()


def _on_grid(q: _Query, hours: WorkingHours, start: datetime, step: timedelta) -> bool:
    """Rule 2: start is a grid point of the working period it falls in."""
    for period in q.periods(hours, start, start):
        if period.open <= start < period.close:
            return start in grid_points(period, step, hours.tz, q.anchor)
    return False


def _conflict(
    busy: list[Busy], start: datetime, end: datetime, before: timedelta, after: timedelta
) -> Reason | None:
    """Rule 4: the bare range must miss every allocation and booking, the buffered range
    [start - before, end + after) must miss everything."""
    booked = buffered = False
    for busy_start, busy_end, kind, _ in busy:
        if busy_start < end and start < busy_end:
            if kind is BusyKind.ALLOCATION:
                return Reason.BLOCKED
            booked = True
        elif busy_start < end + after and start - before < busy_end:
            buffered = True
    return Reason.BOOKED if booked else Reason.BUFFER if buffered else None


def _place_reason(
    q: _Query, place: Resource, start: datetime, end: datetime, step: timedelta | None
) -> Reason | None:
    """Rules 1-5 for a place, first failure first. `step` None skips the grid: whole days
    start at an opening by construction."""
    if not _inside_hours(q, place.hours, start, end):
        return Reason.CLOSED
    if step is not None and not _on_grid(q, place.hours, start, step):
        return Reason.OFF_GRID
    if start < q.earliest:
        return Reason.TOO_SOON
    if start > q.latest:
        return Reason.BEYOND_HORIZON
    if q.req.guests > place.capacity:
        return Reason.OVER_CAPACITY
    busy = q.busy(place, start - q.before, end + q.after)
    return _conflict(busy, start, end, q.before, q.after)


def _staff_reason(q: _Query, member: Resource, start: datetime, end: datetime) -> Reason | None:
    """Rule 6 for one member: on shift for [start, end) (else CLOSED) and free over the
    occupied range (else the conflict, as for a place)."""
    if not _inside_hours(q, member.hours, start, end):
        return Reason.CLOSED
    busy = q.busy(member, start - q.before, end + q.after, staff=True)
    return _conflict(busy, start, end, q.before, q.after)


def _staff_serves(q: _Query, member: Resource, start: datetime, end: datetime) -> bool:
    return _staff_reason(q, member, start, end) is None


_TAKEN = (Reason.BOOKED, Reason.BUFFER)


def _team(
    q: _Query, staff: list[Resource], start: datetime, end: datetime
) -> tuple[int, ...] | Reason:
    """Rule 6 for a range: the ids of the first `staff_count` distinct qualified members
    who serve it, lowest first. Else why not: when bookings alone keep enough of them
    away, the booking's conflict (BOOKED or BUFFER, as a place would say: the time is
    taken); otherwise NO_STAFF (too few on shift or unblocked)."""
    need = q.team_size
    team: list[int] = []
    taken: list[Reason] = []
    for member in staff:
        reason = _staff_reason(q, member, start, end)
        if reason is None:
            team.append(member.id)
            if len(team) == need:
                return tuple(team)
        elif reason in _TAKEN:
            taken.append(reason)
    if taken and len(team) + len(taken) >= need:
        return max(taken, key=_rank)
    return Reason.NO_STAFF


def _rank(reason: Reason) -> int:
    return reason.rank


def _check(
    req: Request,
    start: datetime,
    end: datetime,
    resource_id: int | None,
    staff_ids: Collection[int] | None,
    grid_duration: timedelta | None,
) -> tuple[Reason | None, Resource | None, tuple[int, ...]]:
    """The first failing reason, or None with the place and the staff members that serve
    (none when the service needs nobody)."""
    require_utc("start", start)
    require_utc("end", end)
    if end <= start:
        return Reason.INVALID_DURATION, None, ()
    q = _Query(req)
    step = q.step(grid_duration if grid_duration is not None else end - start)
    best = Reason.CLOSED
    for place in q.places(resource_id):
        reason = _place_reason(q, place, start, end, step)
        if reason is None:
            break
        if reason.rank > best.rank:
            best = reason
    else:
        return best, None, ()
    staff = q.staff(staff_ids)
    if staff is None:
        return None, place, ()
    team = _team(q, staff, start, end)
    if isinstance(team, Reason):
        return team, None, ()
    return None, place, team


def why_not(
    req: Request,
    start: datetime,
    end: datetime,
    resource_id: int | None = None,
    staff_ids: Collection[int] | None = None,
    grid_duration: timedelta | None = None,
) -> Reason | None:
    """None if [start, end) is bookable on the given place (or any, lowest id first) with
    `req.staff_count` qualified staff members (among `staff_ids`, if given) where the
    service needs any; otherwise the first failing reason of the most promising place.
    `grid_duration` is the duration the start grid was built for when it differs from
    end - start (hourly ranges list starts for the minimum)."""
    reason, _, _ = _check(req, start, end, resource_id, staff_ids, grid_duration)
    return reason


def pick(
    req: Request, start: datetime, end: datetime, grid_duration: timedelta | None = None
) -> Slot | None:
    """The place and staff members, lowest ids first, that would serve [start, end)."""
    reason, place, team = _check(req, start, end, None, None, grid_duration)
    if reason is not None or place is None:
        return None
    policy = req.policy
    staff_id = team[0] if team else None
    return Slot(start, end, place.id, staff_id, policy.buffer_before, policy.buffer_after, team[1:])


# --- searching a window ---------------------------------------------------------------

# Candidate starts are known by their index in the sorted list of all candidates; sets of
# them are sets of indices, so set operations in C do the per-resource bookkeeping.


class _Occupied:
    """Where each candidate start's occupied range [s - before, s + duration + after)
    begins and ends, in candidate order (both sorted, like the starts)."""

    def __init__(self, starts: list[datetime], ahead: timedelta, behind: timedelta) -> None:
        self.begins = list(map(sub, starts, repeat(behind)))
        self.ends = list(map(add, starts, repeat(ahead)))

    def free(self, busy: list[Busy], among: set[int]) -> set[int]:
        """The candidates of `among` whose occupied range meets no busy interval.

        Works from the smaller side, each time with two bisections per item run in C:
        per busy interval [b, e), the candidates whose range ends after b and begins
        before e; or per candidate [x, y), the busy intervals that begin before y less
        those that end by x (those end before y too, so the difference is the number
        that meet it)."""
        if len(busy) <= len(among):
            firsts = map(bisect_right, repeat(self.ends), map(_first, busy))
            stops = map(bisect_left, repeat(self.begins), map(_second, busy))
            return among.difference(*map(range, firsts, stops))
        candidates = list(among)
        busy_starts = sorted(map(_first, busy))
        busy_ends = sorted(map(_second, busy))
        begun = map(bisect_left, repeat(busy_starts), map(self.ends.__getitem__, candidates))
        ended = map(bisect_right, repeat(busy_ends), map(self.begins.__getitem__, candidates))
        return set(compress(candidates, map(eq, begun, ended)))


def _within(starts: list[datetime], spans: list[Span], duration: timedelta) -> set[int]:
    """The starts s with [s, s + duration) inside one of the spans."""
    inside: set[int] = set()
    for opens, closes in spans:
        first = bisect_left(starts, opens)
        inside.update(range(first, bisect_right(starts, closes - duration, first)))
    return inside


def _candidates(
    starts_by_hours: dict[WorkingHours, list[datetime]],
) -> tuple[list[datetime], dict[WorkingHours, set[int]]]:
    """All candidate starts in order, and per working hours the set of its own."""
    if len(starts_by_hours) == 1:
        ((hours, starts),) = starts_by_hours.items()
        return starts, {hours: set(range(len(starts)))}
    merged = sorted(set().union(*starts_by_hours.values()))
    index = {start: i for i, start in enumerate(merged)}
    own = {hours: set(map(index.__getitem__, starts)) for hours, starts in starts_by_hours.items()}
    return merged, own


def _search(
    q: _Query,
    window_lo: datetime,
    window_hi: datetime,
    duration: timedelta,
    first_only: bool = False,
) -> list[Slot]:
    """Slots with window_lo <= start and start + duration <= window_hi, one per start,
    served by the lowest-id free place (and staff member)."""
    lo = max(window_lo, q.earliest)
    hi = min(window_hi - duration, q.latest)
    places = [p for p in q.places() if q.req.guests <= p.capacity]
    staff = q.staff()
    if lo > hi or not places or staff == []:
        return []
    step = q.step(duration)
    starts_by_hours: dict[WorkingHours, list[datetime]] = {}
    for place in places:
        if place.hours not in starts_by_hours:
            starts_by_hours[place.hours] = q.starts(place.hours, lo, hi, duration, step)
    starts, own_starts = _candidates(starts_by_hours)
    reach_lo, reach_hi = lo - q.before, hi + duration + q.after
    occupied = _Occupied(starts, duration + q.after, q.before)

    unserved = set().union(*own_starts.values())
    place_of: dict[int, int] = {}  # candidate index -> the place that serves it
    for place in places:
        open_to_it = own_starts[place.hours] & unserved
        if not open_to_it:
            continue
        free = occupied.free(q.busy(place, reach_lo, reach_hi), open_to_it)
        place_of.update(zip(free, repeat(place.id)))
        unserved -= free
        if not unserved:
            break

    staff_of: dict[int, int] | None = None  # candidate index -> its (first) staff member
    more_of: dict[int, tuple[int, ...]] | None = None  # -> the others, for a team
    if staff is not None:
        span_of = (lo, hi, duration, reach_lo, reach_hi)
        if q.team_size == 1:
            staff_of = _staff_of(q, staff, starts, occupied, set(place_of), *span_of)
        else:
            teams = _teams_of(q, staff, starts, occupied, set(place_of), *span_of)
            staff_of = {i: team[0] for i, team in teams.items()}
            more_of = {i: team[1:] for i, team in teams.items()}

    served = sorted(place_of if staff_of is None else staff_of)
    if first_only:
        served = served[:1]
    chosen = list(map(starts.__getitem__, served))
    return list(
        map(
            _new_slot,
            repeat(Slot),
            zip(
                chosen,
                map(add, chosen, repeat(duration)),
                map(place_of.__getitem__, served),
                repeat(None) if staff_of is None else map(staff_of.__getitem__, served),
                repeat(q.before),
                repeat(q.after),
                repeat(()) if more_of is None else map(more_of.__getitem__, served),
            ),
        )
    )


def _staff_of(
    q: _Query,
    staff: list[Resource],
    starts: list[datetime],
    occupied: _Occupied,
    unstaffed: set[int],
    lo: datetime,
    hi: datetime,
    duration: timedelta,
    reach_lo: datetime,
    reach_hi: datetime,
) -> dict[int, int]:
    """Rule 6 over the candidates `unstaffed`: the lowest-id member who serves each.
    The one-member case of `_teams_of`, kept apart because nearly every service is
    served by one member and a list per candidate would slow the sweep down."""
    staff_of: dict[int, int] = {}
    for member in staff:
        on_shift = _within(starts, q.spans(member.hours, lo, hi + duration), duration)
        on_shift &= unstaffed
        if not on_shift:
            continue
        free = occupied.free(q.busy(member, reach_lo, reach_hi, staff=True), on_shift)
        staff_of.update(zip(free, repeat(member.id)))
        unstaffed -= free
        if not unstaffed:
            break
    return staff_of


def _teams_of(
    q: _Query,
    staff: list[Resource],
    starts: list[datetime],
    occupied: _Occupied,
    unstaffed: set[int],
    lo: datetime,
    hi: datetime,
    duration: timedelta,
    reach_lo: datetime,
    reach_hi: datetime,
) -> dict[int, tuple[int, ...]]:
    """Rule 6 for a team of `staff_count`: the lowest-id distinct members who serve each
    candidate of `unstaffed`; candidates with too few are left out. Members are taken
    in id order, so each team is in id order too."""
    need = q.team_size
    found: dict[int, list[int]] = {}
    for member in staff:
        on_shift = _within(starts, q.spans(member.hours, lo, hi + duration), duration)
        on_shift &= unstaffed
        if not on_shift:
            continue
        for index in occupied.free(q.busy(member, reach_lo, reach_hi, staff=True), on_shift):
            team = found.setdefault(index, [])
            team.append(member.id)
            if len(team) == need:
                unstaffed.discard(index)
        if not unstaffed:
            break
    return {index: tuple(team) for index, team in found.items() if len(team) == need}


def find_slots(req: Request, window: Interval, duration: timedelta) -> list[Slot]:
    """Every bookable slot lying wholly inside the window, sorted by start, one per start
    (the lowest-id free place; `req.resource_id` restricts to one)."""
    if duration <= ZERO:
        raise ValueError("a slot needs a positive duration")
    return _search(_Query(req), window.start, window.end, duration)


def next_available(req: Request, after: datetime, duration: timedelta) -> Slot | None:
    """The earliest slot starting at or after `after`, within lead time and horizon.

    Searches windows that double in length (a day, two, four...), so a first free slot
    n days out costs about log2(n) searches, not n."""
    require_utc("after", after)
    if duration <= ZERO:
        raise ValueError("a slot needs a positive duration")
    q = _Query(req)
    width = ONE_DAY
    lo = max(after, q.earliest)
    while lo <= q.latest:
        hi = min(lo + width, q.latest)  # starts from lo to hi, both included
        found = _search(q, lo, hi + duration, duration, first_only=True)
        if found:
            return found[0]
        lo, width = hi + ONE_US, width * 2
    return None


# --- hourly ranges --------------------------------------------------------------------


def _latest_end(
    q: _Query, resource: Resource, start: datetime, until: datetime, *, staff: bool
) -> datetime:
    """How far a booking from `start` can run on a resource that serves its minimum: to the
    end of the open span or to the next busy interval, less the after-buffer."""
    latest = next(
        closes for opens, closes in q.spans(resource.hours, start, until) if opens <= start < closes
    )
    for busy_start, busy_end, *_ in q.busy(
        resource, start - q.before, until + q.after, staff=staff
    ):
        if busy_end > start - q.before:
            latest = min(latest, busy_start - q.after)
    return latest


def end_times(
    req: Request, start: datetime, min_duration: timedelta, max_duration: timedelta
) -> list[EndOption]:
    """Rule 7: the possible ends for a chosen start, from start + min to start + max in
    steps of the grid's alignment, cut at the first conflict; each end once, with the
    lowest-id place (and staff members) that can serve it. Empty when the start is not
    bookable for the minimum duration."""
    require_utc("start", start)
    if min_duration <= ZERO:
        raise ValueError("a slot needs a positive duration")
    q = _Query(req)
    step = q.step(min_duration)
    until = start + max_duration
    place_reach = [
        (place.id, _latest_end(q, place, start, until, staff=False))
        for place in q.places()
        if _place_reason(q, place, start, start + min_duration, step) is None
    ]
    staff = q.staff()
    need = 1 if staff is None else q.team_size
    staff_reach: list[tuple[int | None, datetime]] = (
        [(None, until)]
        if staff is None
        else [
            (m.id, _latest_end(q, m, start, until, staff=True))
            for m in staff
            if _staff_serves(q, m, start, start + min_duration)
        ]
    )
    options = []
    alignment = req.policy.grid.alignment
    end = start + min_duration
    while end <= until:
        place_id = next((rid for rid, reach in place_reach if reach >= end), None)
        team = [sid for sid, reach in staff_reach if reach >= end][:need]
        if place_id is None or len(team) < need:
            break
        options.append(EndOption(end, place_id, team[0], tuple(team[1:])))
        end += alignment
    return options


# --- daily ranges ---------------------------------------------------------------------


def _runs(q: _Query, resource: Resource, first_day: date, count: int, *, staff: bool) -> list[Span]:
    """Rule 8 for one resource: the whole-day parts from first_day on, as long as each day
    has working time and is free (at most `count` days). A day without working time ends
    the run: consecutive means calendar days, not working days."""
    hulls = _day_hulls(
        working_periods(resource.hours, first_day, first_day + timedelta(days=count - 1))
    )
    parts: list[Span] = []
    for day in days(first_day, first_day + timedelta(days=count - 1)):
        if day not in hulls:
            break
        start, end = hulls[day]
        if staff:
            fits = _staff_serves(q, resource, start, end)
        elif not parts:
            fits = _place_reason(q, resource, start, end, None) is None
        else:  # lead time, horizon and capacity concern the first day only
            busy = q.busy(resource, start - q.before, end + q.after)
            fits = _conflict(busy, start, end, q.before, q.after) is None
        if not fits:
            break
        parts.append((start, end))
    return parts


def _parts(pieces: Sequence[Span]) -> tuple[Interval, ...]:
    """Whole-day parts as bookings: days that touch (around the clock) become one."""
    merged: list[Span] = []
    for start, end in pieces:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(Interval(start, end) for start, end in merged)


def _daily_staff(q: _Query, first_day: date, count: int) -> list[tuple[int | None, int]]:
    """(staff id, days served in a row) per qualified member; one entry of None when the
    service needs nobody."""
    staff = q.staff()
    if staff is None:
        return [(None, count)]
    return [(m.id, len(_runs(q, m, first_day, count, staff=True))) for m in staff]


def _split(team: Sequence[int | None]) -> tuple[int | None, tuple[int, ...]]:
    """A team as the results carry it: the first member and the others."""
    return team[0], tuple(m for m in team[1:] if m is not None)


def day_slots(req: Request, first_day: date, last_day: date) -> list[DaySlot]:
    """Rule 8: per local date, the lowest-id place whose whole working time that day is
    free, from first_day to last_day. Days without working time are not offered."""
    q = _Query(req)
    staff = q.staff()
    offered: dict[date, DaySlot] = {}
    for place in q.places():
        hulls = _day_hulls(working_periods(place.hours, first_day, last_day))
        for day, (start, end) in hulls.items():
            if day in offered or _place_reason(q, place, start, end, None) is not None:
                continue
            team: tuple[int, ...] | Reason = ()
            if staff is not None:
                team = _team(q, staff, start, end)
                if isinstance(team, Reason):
                    continue
            staff_id, more = _split(team) if team else (None, ())
            offered[day] = DaySlot(day, Interval(start, end), place.id, staff_id, more)
    return sorted(offered.values())


def end_days(req: Request, start_day: date, min_days: int, max_days: int) -> list[DayEnd]:
    """Rule 8: the possible last days for a run starting on start_day, from
    start_day + min_days - 1 to start_day + max_days - 1, cut at the first day that is not
    free (or has no working time); each with the lowest-id place serving the whole run."""
    if min_days < 1:
        raise ValueError("a daily booking lasts at least one day")
    if max_days < min_days:
        return []
    q = _Query(req)
    place_runs = [(p.id, _runs(q, p, start_day, max_days, staff=False)) for p in q.places()]
    staff_runs = _daily_staff(q, start_day, max_days)
    need = 1 if q.staff() is None else q.team_size
    ends = []
    for length in range(min_days, max_days + 1):
        place = next(((rid, run) for rid, run in place_runs if len(run) >= length), None)
        team = [sid for sid, days_in_a_row in staff_runs if days_in_a_row >= length][:need]
        if place is None or len(team) < need:
            break
        resource_id, run = place
        last_day = start_day + timedelta(days=length - 1)
        staff_id, more = _split(team)
        ends.append(DayEnd(last_day, resource_id, _parts(run[:length]), staff_id, more))
    return ends
