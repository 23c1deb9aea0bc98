"""The availability rules one by one, as tables, plus the seed documents' worked examples."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookingsite.availability import (
    DayEnd,
    EndOption,
    Grid,
    Interval,
    Reason,
    RecurringBlock,
    Slot,
    WorkingHours,
    day_slots,
    end_days,
    end_times,
    find_slots,
    next_available,
    overlaps,
    pick,
    why_not,
)
from bookingsite.availability import engine as engine_module

from .engine_factories import (
    allocation,
    booking,
    hours,
    make_request,
    make_resource,
    minutes,
    policy,
    span,
    utc,
)

HOUR = timedelta(hours=1)
NINE_TO_FIVE = hours("UTC", (time(9), time(17)))


def starts(slots: list[Slot]) -> list[str]:
    return [f"{s.start:%H:%M}" for s in slots]


# --- intervals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param((9, 10), (10, 11), False, id="touching-ends-do-not-overlap"),
        pytest.param((9, 11), (10, 12), True, id="partial"),
        pytest.param((9, 12), (10, 11), True, id="containing"),
        pytest.param((9, 10), (11, 12), False, id="apart"),
    ],
)
def test_overlaps_is_half_open(a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    first = span(utc(2026, 3, 1, a[0]), utc(2026, 3, 1, a[1]))
    second = span(utc(2026, 3, 1, b[0]), utc(2026, 3, 1, b[1]))
    assert overlaps(first, second) is expected
    assert overlaps(second, first) is expected


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Interval(utc(2026, 3, 1, 10), utc(2026, 3, 1, 10)), id="empty"),
        pytest.param(
            lambda: Interval(utc(2026, 3, 1, 10).replace(tzinfo=None), utc(2026, 3, 1, 11)),
            id="naive",
        ),
        pytest.param(
            lambda: Interval(
                utc(2026, 3, 1, 10).astimezone(ZoneInfo("Europe/Paris")), utc(2026, 3, 1, 11)
            ),
            id="not-utc",
        ),
        pytest.param(lambda: WorkingHours("Mars/Olympus"), id="unknown-zone"),
        pytest.param(lambda: WorkingHours("UTC", ((),) * 6), id="six-weekdays"),
        pytest.param(lambda: hours("UTC", (time(10), time(9))), id="closes-before-opening"),
        pytest.param(
            lambda: hours("UTC", (time(9), time(12)), (time(11), time(13))),
            id="overlapping-periods",
        ),
        pytest.param(
            lambda: make_request(now=utc(2026, 1, 1).replace(tzinfo=None)), id="naive-now"
        ),
        pytest.param(lambda: make_request(guests=0), id="no-guests"),
    ],
)
def test_invalid_values_are_refused(make) -> None:
    with pytest.raises((ValueError, LookupError)):
        make()


# --- seed worked examples -----------------------------------------------------------------


def test_seed_000_room_with_maintenance_block_and_after_buffer() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    room = make_resource(
        hours=WorkingHours("Europe/Berlin"),
        busy=(allocation(utc(2026, 3, 1, 8), utc(2026, 3, 1, 9)),),
    )
    req = make_request(
        room, policy=policy(buffer_after=minutes(15), grid=Grid(alignment_minutes=15))
    )
    window = span(utc(2026, 3, 1, 9), utc(2026, 3, 1, 18))

    slots = find_slots(req, window, HOUR)

    local = [f"{s.start.astimezone(berlin):%H:%M}" for s in slots]
    assert local == ["10:00", "11:15", "12:30", "13:45", "15:00", "16:15", "17:30"]
    assert all(s.end - s.start == HOUR for s in slots)
    block = span(utc(2026, 3, 1, 8), utc(2026, 3, 1, 9))
    assert not any(overlaps(s.occupied, block) for s in slots)
    assert all(not overlaps(a.occupied, b.occupied) for a, b in zip(slots, slots[1:], strict=False))


def test_seed_002_spa_steps_every_30_minutes_from_opening_after_lead_time() -> None:
    spa = make_resource(hours=hours("Europe/Paris", (time(9), time(20))))
    now = utc(2026, 5, 12, 7, 10)  # 09:10 in Paris
    req = make_request(spa, now=now, policy=policy(lead_time=2 * HOUR, grid=Grid(step_minutes=30)))

    slots = find_slots(req, span(utc(2026, 5, 12, 7), utc(2026, 5, 12, 18)), HOUR)

    paris = [f"{s.start.astimezone(ZoneInfo('Europe/Paris')):%H:%M}" for s in slots]
    assert paris[:3] == ["11:30", "12:00", "12:30"]
    assert paris[-1] == "19:00"
    assert all(b.start - a.start == minutes(30) for a, b in zip(slots, slots[1:], strict=False))
    assert slots[0].start >= now + 2 * HOUR


# --- rule 1: working hours -------------------------------------------------------------------

MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("working_hours", "expected"),
    [
        pytest.param(
            NINE_TO_FIVE,
            ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
            id="weekly",
        ),
        pytest.param(
            hours("UTC", (time(9), time(12)), (time(13), time(15))),
            ["09:00", "10:00", "11:00", "13:00", "14:00"],
            id="lunch-break",
        ),
        pytest.param(
            hours("UTC", (time(9), time(17)), exceptions={MONDAY: ((time(10), time(12)),)}),
            ["10:00", "11:00"],
            id="exception-replaces-the-day",
        ),
        pytest.param(
            hours("UTC", (time(9), time(17)), exceptions={MONDAY: ()}),
            [],
            id="exception-closes-the-day",
        ),
        pytest.param(
            hours("UTC", exceptions={MONDAY: ((time(20), time(0)),)}),
            ["20:00", "21:00", "22:00", "23:00"],
            id="24-7-with-exception-closing-at-midnight",
        ),
    ],
)
def test_rule_1_slots_lie_within_working_hours(
    working_hours: WorkingHours, expected: list[str]
) -> None:
    req = make_request(
        make_resource(hours=working_hours), policy=policy(grid=Grid(step_minutes=60))
    )
    assert starts(find_slots(req, span(utc(2026, 3, 2), utc(2026, 3, 3)), HOUR)) == expected


def test_rule_1_around_the_clock_a_slot_may_run_past_midnight() -> None:
    req = make_request(policy=policy(grid=Grid(step_minutes=60)))
    slots = find_slots(req, span(utc(2026, 3, 2, 22), utc(2026, 3, 3, 3)), 2 * HOUR)
    assert starts(slots) == ["22:00", "23:00", "00:00", "01:00"]


# --- rule 2: grid ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grid", "duration", "buffers", "expected"),
    [
        pytest.param(
            Grid(15),
            HOUR,
            (0, 15),
            ["09:10", "10:25", "11:40"],
            id="default-step-duration-plus-buffer",
        ),
        pytest.param(
            Grid(15), minutes(50), (0, 0), ["09:10", "10:10", "11:10"], id="default-step-rounds-up"
        ),
        pytest.param(
            Grid(15, step_minutes=30),
            HOUR,
            (0, 0),
            ["09:10", "09:40", "10:10", "10:40", "11:10", "11:40"],
            id="explicit-step",
        ),
        pytest.param(
            Grid(15, step_minutes=45),
            HOUR,
            (10, 5),
            ["10:40", "11:25"],
            id="grid-stays-put-around-a-booking",
        ),
    ],
)
def test_rule_2_grid_is_anchored_at_the_opening(
    grid: Grid, duration: timedelta, buffers: tuple[int, int], expected: list[str]
) -> None:
    place = make_resource(
        hours=hours("UTC", (time(9, 10), time(12, 40))),
        busy=(booking(utc(2026, 3, 2, 9), utc(2026, 3, 2, 9, 50)),) if buffers == (10, 5) else (),
    )
    req = make_request(
        place,
        policy=policy(
            grid=grid, buffer_before=minutes(buffers[0]), buffer_after=minutes(buffers[1])
        ),
    )
    assert starts(find_slots(req, span(utc(2026, 3, 2), utc(2026, 3, 3)), duration)) == expected


def test_grid_step_for_rounds_duration_and_buffers_up_to_the_alignment() -> None:
    assert Grid(15).step_for(HOUR, minutes(15)) == minutes(75)
    assert Grid(15).step_for(minutes(61), timedelta(0)) == minutes(75)
    assert Grid(15, step_minutes=30).step_for(HOUR, minutes(15)) == minutes(30)


# --- rule 3: lead time and horizon --------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "horizon", "expected"),
    [
        pytest.param(
            timedelta(0), timedelta(days=365), ["09:00", "10:00", "11:00"], id="no-limits"
        ),
        pytest.param(
            HOUR, timedelta(days=365), ["10:00", "11:00"], id="lead-time-excludes-the-first"
        ),
        pytest.param(
            minutes(61), timedelta(days=365), ["11:00"], id="lead-time-is-elapsed-not-rounded"
        ),
        pytest.param(
            timedelta(0), 2 * HOUR, ["09:00", "10:00", "11:00"], id="horizon-includes-its-end"
        ),
        pytest.param(timedelta(0), minutes(119), ["09:00", "10:00"], id="horizon-excludes-later"),
    ],
)
def test_rule_3_lead_time_and_horizon(
    lead: timedelta, horizon: timedelta, expected: list[str]
) -> None:
    req = make_request(
        make_resource(hours=hours("UTC", (time(9), time(12)))),
        now=utc(2026, 3, 2, 9),
        policy=policy(lead_time=lead, horizon=horizon, grid=Grid(step_minutes=60)),
    )
    assert starts(find_slots(req, span(utc(2026, 3, 2), utc(2026, 3, 3)), HOUR)) == expected


# --- rule 4: busy time and buffers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("busy", "before", "after", "expected"),
    [
        pytest.param((), 0, 0, ["09:00", "10:00", "11:00"], id="free"),
        pytest.param(
            (booking(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)),),
            0,
            0,
            ["09:00", "11:00"],
            id="booking-touching-is-fine",
        ),
        pytest.param(
            (booking(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)),),
            0,
            5,
            ["11:00"],
            id="after-buffer-reaches-booking",
        ),
        pytest.param(
            (booking(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)),),
            5,
            0,
            ["09:00"],
            id="before-buffer-reaches-booking",
        ),
        pytest.param(
            (allocation(utc(2026, 3, 2, 11, 30), utc(2026, 3, 2, 11, 31)),),
            0,
            0,
            ["09:00", "10:00"],
            id="allocation",
        ),
        pytest.param(
            (allocation(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9)),),
            10,
            0,
            ["10:00", "11:00"],
            id="buffer-may-not-cover-block-outside-hours",
        ),
        pytest.param((), 30, 30, ["09:00", "10:00", "11:00"], id="buffers-may-reach-outside-hours"),
    ],
)
def test_rule_4_busy_time_with_buffers(
    busy: tuple, before: int, after: int, expected: list[str]
) -> None:
    req = make_request(
        make_resource(hours=hours("UTC", (time(9), time(12))), busy=busy),
        policy=policy(
            buffer_before=minutes(before), buffer_after=minutes(after), grid=Grid(step_minutes=60)
        ),
    )
    assert starts(find_slots(req, span(utc(2026, 3, 2), utc(2026, 3, 3)), HOUR)) == expected


ALL_FOUR = ["11:00", "12:00", "13:00", "14:00"]  # 12:00-16:00 in Paris, as UTC


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        pytest.param(
            RecurringBlock(time(12), time(13), frozenset({0}), date(2026, 1, 1)),
            ["12:00", "13:00", "14:00"],
            id="weekly-lunch",
        ),
        pytest.param(
            RecurringBlock(time(12), time(13), frozenset({1}), date(2026, 1, 1)),
            ALL_FOUR,
            id="other-weekday",
        ),
        pytest.param(
            RecurringBlock(time(12), time(13), frozenset({0}), date(2026, 3, 3)),
            ALL_FOUR,
            id="not-started-yet",
        ),
        pytest.param(
            RecurringBlock(
                time(12), time(13), frozenset({0}), date(2026, 1, 1), until=date(2026, 3, 1)
            ),
            ALL_FOUR,
            id="ended",
        ),
        pytest.param(
            RecurringBlock(time(23), time(12, 30), frozenset({6}), date(2026, 1, 1)),
            ["12:00", "13:00", "14:00"],
            id="overnight-from-sunday",
        ),
    ],
)
def test_rule_4_recurring_blocks_in_local_time(block: RecurringBlock, expected: list[str]) -> None:
    # Paris is UTC+1 in early March: local 12:00 is 11:00Z.
    place = make_resource(
        hours=hours("Europe/Paris", (time(12), time(16))), recurring_blocks=(block,)
    )
    req = make_request(place, policy=policy(grid=Grid(step_minutes=60)))
    assert starts(find_slots(req, span(utc(2026, 3, 2), utc(2026, 3, 3)), HOUR)) == expected


# --- rule 5: capacity, and "any free place" ------------------------------------------------------


def test_rule_5_capacity_and_lowest_free_place_serves() -> None:
    small = make_resource(
        1, hours=NINE_TO_FIVE, capacity=2, busy=(booking(utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)),)
    )
    large = make_resource(2, hours=NINE_TO_FIVE, capacity=6)
    window = span(utc(2026, 3, 2, 9), utc(2026, 3, 2, 11))
    grid = policy(grid=Grid(step_minutes=60))

    two = find_slots(make_request(large, small, policy=grid, guests=2), window, HOUR)
    five = find_slots(make_request(small, large, policy=grid, guests=5), window, HOUR)
    only_small = find_slots(make_request(small, large, policy=grid, resource_id=1), window, HOUR)

    assert [(f"{s.start:%H}", s.resource_id) for s in two] == [("09", 2), ("10", 1)]
    assert [s.resource_id for s in five] == [2, 2]
    assert starts(only_small) == ["10:00"]


# --- rule 6: staff ----------------------------------------------------------------------------------

ROOM = make_resource(10, hours=NINE_TO_FIVE)


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        pytest.param((), [], id="nobody"),
        pytest.param((make_resource(1, skills=frozenset({"nails"})),), [], id="lacks-the-skill"),
        pytest.param(
            (
                make_resource(
                    1,
                    skills=frozenset({"massage", "nails"}),
                    hours=hours("UTC", (time(10), time(12))),
                ),
            ),
            [("10", 1), ("11", 1)],
            id="on-shift-only",
        ),
        pytest.param(
            (
                make_resource(
                    2, skills=frozenset({"massage"}), hours=hours("UTC", (time(9), time(12)))
                ),
                make_resource(
                    1,
                    skills=frozenset({"massage"}),
                    hours=hours("UTC", (time(9), time(12))),
                    busy=(booking(utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)),),
                ),
            ),
            [("09", 2), ("10", 1), ("11", 1)],
            id="lowest-free-member",
        ),
        pytest.param(
            (
                make_resource(
                    1,
                    skills=frozenset({"massage"}),
                    busy=(booking(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), venue_id=7),),
                ),
            ),
            [("10", 1), ("11", 1)],
            id="travel-from-another-venue",
        ),
        pytest.param(
            (
                make_resource(
                    1,
                    skills=frozenset({"massage"}),
                    busy=(booking(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), venue_id=5),),
                ),
            ),
            [("09", 1), ("10", 1), ("11", 1)],
            id="no-travel-at-the-same-venue",
        ),
    ],
)
def test_rule_6_qualified_staff_on_shift_and_free(
    staff: tuple, expected: list[tuple[str, int]]
) -> None:
    req = make_request(
        ROOM,
        staff=staff,
        policy=policy(
            required_skills=frozenset({"massage"}),
            grid=Grid(step_minutes=60),
            travel_buffer=minutes(30),
            venue_id=5,
        ),
    )
    slots = find_slots(req, span(utc(2026, 3, 2, 9), utc(2026, 3, 2, 12)), HOUR)
    assert [(f"{s.start:%H}", s.staff_id) for s in slots] == expected
    assert all(s.resource_id == 10 for s in slots)


def test_each_other_venue_keeps_its_own_travel_time() -> None:
    """Busy at venue 7 (a pair's own 90 minutes) and at venue 8 (the default 30):
    a booking here keeps each one's own gap, exactly, at both ends."""
    member = make_resource(
        1,
        skills=frozenset({"massage"}),
        busy=(
            booking(utc(2026, 3, 2, 7), utc(2026, 3, 2, 8), venue_id=7),
            booking(utc(2026, 3, 2, 13), utc(2026, 3, 2, 14), venue_id=8),
        ),
    )
    req = make_request(
        make_resource(10),
        staff=(member,),
        policy=policy(
            required_skills=frozenset({"massage"}),
            grid=Grid(step_minutes=30),
            travel_buffer=minutes(30),
            travel_buffers={7: minutes(90)},
            venue_id=5,
        ),
    )
    slots = find_slots(req, span(utc(2026, 3, 2, 8), utc(2026, 3, 2, 14)), HOUR)
    assert [f"{s.start:%H:%M}" for s in slots] == ["09:30", "10:00", "10:30", "11:00", "11:30"]


def test_policy_refuses_a_negative_travel_time() -> None:
    with pytest.raises(ValueError):
        policy(travel_buffers={7: minutes(-1)})


def test_staff_is_ignored_when_no_skill_is_required() -> None:
    req = make_request(
        ROOM,
        staff=(make_resource(1, hours=hours("UTC", (time(9), time(10)))),),
        policy=policy(grid=Grid(step_minutes=60)),
    )
    slots = find_slots(req, span(utc(2026, 3, 2, 9), utc(2026, 3, 2, 12)), HOUR)
    assert [s.staff_id for s in slots] == [None, None, None]


# --- why_not and pick ---------------------------------------------------------------------------------

REASONS_PLACE = make_resource(
    1,
    hours=hours("UTC", (time(9), time(17))),
    capacity=4,
    busy=(
        booking(utc(2026, 3, 2, 12), utc(2026, 3, 2, 13)),
        allocation(utc(2026, 3, 2, 14), utc(2026, 3, 2, 15)),
    ),
)
REASONS_POLICY = policy(
    buffer_after=minutes(15),
    grid=Grid(step_minutes=30),
    lead_time=HOUR,
    horizon=timedelta(days=30),
    required_skills=frozenset({"guide"}),
)


@pytest.mark.parametrize(
    ("start", "end", "guests", "staff_hours", "expected"),
    [
        pytest.param(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 1, None, None, id="bookable"),
        pytest.param(
            utc(2026, 3, 2, 10),
            utc(2026, 3, 2, 10),
            1,
            None,
            Reason.INVALID_DURATION,
            id="invalid-duration",
        ),
        pytest.param(
            utc(2026, 3, 2, 16, 30), utc(2026, 3, 2, 17, 30), 1, None, Reason.CLOSED, id="closed"
        ),
        pytest.param(
            utc(2026, 3, 2, 10, 10),
            utc(2026, 3, 2, 11, 10),
            1,
            None,
            Reason.OFF_GRID,
            id="off-grid",
        ),
        pytest.param(
            utc(2026, 3, 2, 9), utc(2026, 3, 2, 10), 1, None, Reason.TOO_SOON, id="too-soon"
        ),
        pytest.param(
            utc(2026, 4, 2, 10),
            utc(2026, 4, 2, 11),
            1,
            None,
            Reason.BEYOND_HORIZON,
            id="beyond-horizon",
        ),
        pytest.param(
            utc(2026, 3, 2, 10),
            utc(2026, 3, 2, 11),
            5,
            None,
            Reason.OVER_CAPACITY,
            id="over-capacity",
        ),
        pytest.param(
            utc(2026, 3, 2, 13, 30), utc(2026, 3, 2, 14, 30), 1, None, Reason.BLOCKED, id="blocked"
        ),
        pytest.param(
            utc(2026, 3, 2, 11, 30),
            utc(2026, 3, 2, 14, 30),
            1,
            None,
            Reason.BLOCKED,
            id="blocked-before-booked",
        ),
        pytest.param(
            utc(2026, 3, 2, 12, 30), utc(2026, 3, 2, 13, 30), 1, None, Reason.BOOKED, id="booked"
        ),
        pytest.param(utc(2026, 3, 2, 11), utc(2026, 3, 2, 12), 1, None, Reason.BUFFER, id="buffer"),
        pytest.param(
            utc(2026, 3, 2, 10),
            utc(2026, 3, 2, 11),
            1,
            (time(11), time(17)),
            Reason.NO_STAFF,
            id="no-staff",
        ),
    ],
)
def test_why_not_gives_the_first_failing_reason(start, end, guests, staff_hours, expected) -> None:
    guide = make_resource(
        99, skills=frozenset({"guide"}), hours=hours("UTC", staff_hours or (time(0), time(0)))
    )
    req = make_request(
        REASONS_PLACE,
        staff=(guide,),
        policy=REASONS_POLICY,
        now=utc(2026, 3, 2, 8, 30),
        guests=guests,
    )
    assert why_not(req, start, end) is expected
    chosen = pick(req, start, end)
    assert (chosen is None) is (expected is not None)
    if chosen is not None:
        assert (chosen.resource_id, chosen.staff_id) == (1, 99)
        assert chosen.occupied == span(start, end + minutes(15))


def test_why_not_reports_the_place_that_got_furthest() -> None:
    closed = make_resource(1, hours=hours("UTC", (time(9), time(10))))
    booked = make_resource(
        2, hours=NINE_TO_FIVE, busy=(booking(utc(2026, 3, 2, 11), utc(2026, 3, 2, 12)),)
    )
    req = make_request(closed, booked, policy=policy(grid=Grid(step_minutes=60)))
    assert why_not(req, utc(2026, 3, 2, 11), utc(2026, 3, 2, 12)) is Reason.BOOKED
    assert why_not(req, utc(2026, 3, 2, 11), utc(2026, 3, 2, 12), resource_id=1) is Reason.CLOSED


def test_why_not_takes_the_grid_of_the_minimum_duration_for_hourly_ranges() -> None:
    req = make_request(make_resource(hours=NINE_TO_FIVE), policy=policy(buffer_after=minutes(15)))
    start, end = utc(2026, 3, 2, 10, 15), utc(2026, 3, 2, 12, 15)  # 75-minute grid of 1 hour
    assert why_not(req, start, end) is Reason.OFF_GRID
    assert why_not(req, start, end, grid_duration=HOUR) is None
    assert pick(req, start, end, grid_duration=HOUR) is not None


# --- rule 7: hourly ranges --------------------------------------------------------------------


def test_rule_7_end_times_run_from_min_to_max_cut_at_the_first_conflict() -> None:
    first = make_resource(
        1, hours=NINE_TO_FIVE, busy=(booking(utc(2026, 3, 2, 11), utc(2026, 3, 2, 12)),)
    )
    second = make_resource(
        2, hours=NINE_TO_FIVE, busy=(allocation(utc(2026, 3, 2, 12, 30), utc(2026, 3, 2, 13)),)
    )
    req = make_request(
        first, second, policy=policy(buffer_after=minutes(15), grid=Grid(30, step_minutes=60))
    )

    ends = end_times(req, utc(2026, 3, 2, 9), HOUR, 5 * HOUR)

    assert [(f"{o.end:%H:%M}", o.resource_id) for o in ends] == [
        ("10:00", 1),
        ("10:30", 1),
        ("11:00", 2),
        ("11:30", 2),
        ("12:00", 2),
    ]
    assert ends == sorted(ends)
    assert all(isinstance(o, EndOption) and o.staff_id is None for o in ends)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(utc(2026, 3, 2, 9, 30), [], id="start-off-grid"),
        pytest.param(utc(2026, 3, 2, 16), ["17:00"], id="cut-at-closing"),
        pytest.param(utc(2026, 3, 2, 17), [], id="start-at-closing"),
    ],
)
def test_rule_7_end_times_need_a_bookable_start(start, expected) -> None:
    req = make_request(
        make_resource(hours=NINE_TO_FIVE), policy=policy(grid=Grid(30, step_minutes=60))
    )
    assert [f"{o.end:%H:%M}" for o in end_times(req, start, HOUR, 3 * HOUR)] == expected


# --- rule 8: daily ranges ----------------------------------------------------------------------

VAN_HOURS = WorkingHours("UTC", ((((time(8), time(18)),),) * 6) + ((),))  # closed on Sunday


def test_rule_8_day_slots_need_the_whole_day_free() -> None:
    vans = (
        make_resource(
            1, hours=VAN_HOURS, busy=(booking(utc(2026, 3, 3, 17), utc(2026, 3, 3, 19)),)
        ),
        make_resource(
            2,
            hours=VAN_HOURS,
            busy=(
                booking(utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)),
                booking(utc(2026, 3, 4, 9), utc(2026, 3, 4, 10)),
            ),
        ),
    )
    req = make_request(*vans, now=utc(2026, 3, 2, 9))
    slots = day_slots(req, date(2026, 3, 2), date(2026, 3, 8))
    assert [(s.day.isoformat(), s.resource_id) for s in slots] == [
        # Monday began before now, Tuesday is taken on both vans, Sunday is closed.
        ("2026-03-04", 1),
        ("2026-03-05", 1),
        ("2026-03-06", 1),
        ("2026-03-07", 1),
    ]
    assert slots[0].interval == span(utc(2026, 3, 4, 8), utc(2026, 3, 4, 18))
    assert why_not(req, slots[0].interval.start, slots[0].interval.end) is None


def test_rule_8_end_days_break_at_a_closed_day_and_split_into_linked_days() -> None:
    req = make_request(make_resource(1, hours=VAN_HOURS))
    ends = end_days(req, date(2026, 3, 5), 1, 5)  # Thursday; Sunday the 8th is closed
    assert [e.last_day.isoformat() for e in ends] == ["2026-03-05", "2026-03-06", "2026-03-07"]
    assert len(ends[-1].parts) == 3 and not ends[-1].continuous
    assert ends[-1].parts[1] == span(utc(2026, 3, 6, 8), utc(2026, 3, 6, 18))
    assert all(why_not(req, part.start, part.end) is None for part in ends[-1].parts)


def test_rule_8_end_days_on_24_7_are_one_continuous_booking_cut_at_the_first_busy_day() -> None:
    vans = (
        make_resource(
            1,
            hours=WorkingHours("Europe/Paris"),
            busy=(booking(utc(2026, 3, 7, 10), utc(2026, 3, 7, 11)),),
        ),
        make_resource(
            2,
            hours=WorkingHours("Europe/Paris"),
            busy=(booking(utc(2026, 3, 8, 10), utc(2026, 3, 8, 11)),),
        ),
    )
    req = make_request(*vans)
    ends = end_days(req, date(2026, 3, 5), 2, 5)
    assert [(e.last_day.isoformat(), e.resource_id) for e in ends] == [
        ("2026-03-06", 1),
        ("2026-03-07", 2),
    ]
    assert ends[1] == DayEnd(date(2026, 3, 7), 2, (span(utc(2026, 3, 4, 23), utc(2026, 3, 7, 23)),))
    assert ends[1].continuous
    assert why_not(req, ends[1].interval.start, ends[1].interval.end, resource_id=2) is None
    assert end_days(req, date(2026, 3, 5), 3, 2) == []


# --- next available --------------------------------------------------------------------------------


def test_next_available_finds_a_slot_300_days_out_in_a_few_searches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    search = engine_module._search

    def counting(*args, **kwargs):
        calls.append(args[1:3])
        return search(*args, **kwargs)

    monkeypatch.setattr(engine_module, "_search", counting)
    free_from = utc(2026, 10, 28, 9)  # 300 days after 2026-01-01
    place = make_resource(hours=NINE_TO_FIVE, busy=(allocation(utc(2026, 1, 1), free_from),))
    req = make_request(
        place, policy=policy(grid=Grid(step_minutes=60), horizon=timedelta(days=365))
    )

    slot = next_available(req, utc(2026, 1, 1), HOUR)

    assert slot is not None and slot.start == free_from
    assert len(calls) <= 10  # windows of 1, 2, 4 ... 256 days; day by day would take 300


@pytest.mark.parametrize(
    ("after", "horizon", "expected"),
    [
        pytest.param(
            utc(2026, 3, 2, 9, 1), timedelta(days=365), utc(2026, 3, 2, 10), id="next-grid-point"
        ),
        pytest.param(
            utc(2026, 3, 2, 16, 30), timedelta(days=365), utc(2026, 3, 3, 9), id="next-day"
        ),
        pytest.param(utc(2026, 3, 2, 16, 30), timedelta(days=61), None, id="beyond-horizon"),
    ],
)
def test_next_available(after, horizon, expected) -> None:
    req = make_request(
        make_resource(hours=NINE_TO_FIVE),
        now=utc(2026, 1, 1),
        policy=policy(grid=Grid(step_minutes=60), horizon=horizon),
    )
    found = next_available(req, after, HOUR)
    assert (found.start if found else None) == expected
