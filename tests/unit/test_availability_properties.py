"""Hypothesis: the rules hold for every offered slot, and the engine agrees exactly with the
minute-by-minute reference on random small inputs (zones with daylight saving included,
starts counted from each opening or on the clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookingsite.availability import (
    Busy,
    BusyKind,
    Grid,
    Interval,
    Policy,
    RecurringBlock,
    Request,
    Resource,
    WorkingHours,
    find_slots,
    overlaps,
    pick,
    why_not,
)
from bookingsite.availability.model import Anchor

from .reference import reference_slots

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]
DAYS = [
    date(2026, 6, 15),
    date(2026, 3, 29),  # Paris springs forward
    date(2026, 10, 25),  # Paris falls back
    date(2026, 3, 8),  # New York springs forward
    date(2026, 11, 1),  # New York falls back
    date(2026, 4, 5),  # Lord Howe falls back half an hour
    date(2026, 10, 4),  # Lord Howe springs forward half an hour
]
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


def _minutes(draw, low: int, high: int, step: int = 15) -> timedelta:
    return timedelta(minutes=draw(st.integers(low // step, high // step)) * step)


@st.composite
def working_hours(draw) -> WorkingHours:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        return WorkingHours(zone)
    opens = _minutes(draw, 0, 20 * 60)
    closes = min(opens + _minutes(draw, 60, 10 * 60), timedelta(hours=24))
    periods = [(opens, closes)]
    if closes < timedelta(hours=22) and draw(st.booleans()):
        reopens = closes + _minutes(draw, 15, 120)
        periods.append((reopens, min(reopens + _minutes(draw, 30, 4 * 60), timedelta(hours=24))))
    day = tuple((_wall(a), _wall(b)) for a, b in periods)
    return WorkingHours(zone, (day,) * 7)


def _wall(offset: timedelta) -> time:
    return (datetime(2000, 1, 1) + offset).time()  # 24:00 wraps to time(0): end of day


@st.composite
def resources(draw, resource_id: int, window: Interval, skills: frozenset[str]) -> Resource:
    busy = []
    for _ in range(draw(st.integers(0, 4))):
        start = window.start + _minutes(draw, -120, 36 * 60, 5)
        end = start + _minutes(draw, 5, 180, 5)
        kind = draw(st.sampled_from(BusyKind))
        busy.append(Busy(start, end, kind, draw(st.sampled_from([None, 1, 2]))))
    blocks = ()
    if draw(st.integers(0, 3)) == 0:
        start = _wall(_minutes(draw, 0, 23 * 60))
        end = _wall(_minutes(draw, 0, 23 * 60))
        weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
        blocks = (RecurringBlock(start, end, weekdays, window.start.date() - timedelta(days=3)),)
    return Resource(
        resource_id,
        draw(working_hours()),
        capacity=draw(st.integers(1, 3)),
        skills=skills,
        busy=tuple(busy),
        recurring_blocks=blocks,
    )


@st.composite
def searches(draw) -> tuple[Request, Interval, timedelta]:
    day = draw(st.sampled_from(DAYS))
    start = datetime.combine(day, time(0), UTC) + _minutes(draw, -12 * 60, 12 * 60)
    window = Interval(start, start + _minutes(draw, 2 * 60, 30 * 60))
    count = draw(st.integers(1, 3))
    places = tuple(
        draw(resources(i, window, frozenset())) for i in draw(st.permutations(range(1, count + 1)))
    )
    needs_staff = draw(st.booleans())
    staff = ()
    if needs_staff:
        staff = tuple(
            draw(
                resources(
                    10 + i,
                    window,
                    draw(
                        st.sampled_from([frozenset({"x"}), frozenset({"x", "y"}), frozenset({"y"})])
                    ),
                )
            )
            for i in range(draw(st.integers(0, 3)))
        )
    policy = Policy(
        buffer_before=draw(
            st.sampled_from([timedelta(0), timedelta(minutes=5), timedelta(minutes=30)])
        ),
        buffer_after=draw(st.sampled_from([timedelta(0), timedelta(minutes=15)])),
        grid=Grid(
            alignment_minutes=draw(st.sampled_from([5, 15, 30])),
            step_minutes=draw(st.sampled_from([None, 15, 20, 60])),
            anchor=draw(st.sampled_from(Anchor)),
        ),
        lead_time=draw(st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(hours=10)])),
        horizon=draw(st.sampled_from([timedelta(hours=20), timedelta(days=365)])),
        required_skills=frozenset({"x"}) if needs_staff else frozenset(),
        travel_buffer=draw(st.sampled_from([timedelta(0), timedelta(minutes=30)])),
        venue_id=draw(st.sampled_from([None, 1])),
    )
    now = window.start - _minutes(draw, 0, 12 * 60)
    req = Request(
        places,
        staff,
        policy,
        now=now,
        guests=draw(st.integers(1, 2)),
        resource_id=draw(st.sampled_from([None, 1])),
        staff_count=draw(st.sampled_from([1, 1, 2])) if needs_staff else 1,
    )
    duration = draw(st.sampled_from([timedelta(minutes=m) for m in (15, 30, 45, 60, 90)]))
    return req, window, duration


def _on_grid_in_hours(
    place: Resource, start: datetime, step: timedelta, anchor: Anchor = Anchor.OPENING
) -> bool:
    """The start's local wall time is opening + k * step of a period of its local date
    (on the clock: midnight + k * step, at or after the opening), and it is that wall
    time's first occurrence."""
    tz = ZoneInfo(place.hours.zone)
    wall = start.astimezone(tz).replace(tzinfo=None)
    if wall.replace(tzinfo=tz).astimezone(UTC) != start:
        return False
    for opens, closes in place.hours.periods_on(wall.date()):
        opening = datetime.combine(wall.date(), opens)
        closing = datetime.combine(wall.date() + timedelta(days=closes == time(0)), closes)
        origin = opening if anchor is Anchor.OPENING else datetime.combine(wall.date(), time(0))
        if opening <= wall < closing and (wall - origin) % step == timedelta(0):
            return True
    return False


@PROPERTY_SETTINGS
@given(searches())
def test_every_offered_slot_keeps_every_rule(search) -> None:
    req, window, duration = search
    policy = req.policy
    step = policy.grid.step_for(duration, policy.buffers)
    places = {p.id: p for p in req.places}
    staff = {s.id: s for s in req.staff}

    slots = find_slots(req, window, duration)

    assert slots == sorted(slots)
    assert len({s.start for s in slots}) == len(slots)
    for slot in slots:
        assert window.start <= slot.start and slot.end <= window.end
        assert slot.end - slot.start == duration
        assert req.now + policy.lead_time <= slot.start <= req.now + policy.horizon
        place = places[slot.resource_id]
        assert req.resource_id in (None, place.id) and req.guests <= place.capacity
        assert _on_grid_in_hours(place, slot.start, step, policy.grid.anchor)
        assert not any(overlaps(slot.occupied, busy.interval) for busy in place.busy)
        if policy.required_skills:
            team = slot.staff_ids
            assert len(team) == len(set(team)) == req.staff_count
            assert list(team) == sorted(team)
            for member in map(staff.__getitem__, team):
                assert policy.required_skills <= member.skills
                assert not any(overlaps(slot.occupied, busy.interval) for busy in member.busy)
        else:
            assert slot.staff_id is None
        # the single-range rules (why_not, pick) agree with the window search
        assert why_not(req, slot.start, slot.end) is None
        assert pick(req, slot.start, slot.end) == slot


@settings(max_examples=150, deadline=None, derandomize=True)
@given(searches())
def test_engine_agrees_with_the_minute_by_minute_reference(search) -> None:
    req, window, duration = search
    assert find_slots(req, window, duration) == reference_slots(req, window, duration)
