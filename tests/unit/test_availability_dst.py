"""Daylight-saving days: the spring-forward and fall-back dates of 2026 and 2027 in three
zones, found with zoneinfo (and named in the test ids), against hours that open before,
across and after the change, afternoon hours, and whole-day rentals around the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookingsite.availability import (
    Grid,
    Interval,
    WorkingHours,
    day_slots,
    end_days,
    find_slots,
    why_not,
)

from .engine_factories import hours, make_request, make_resource, minutes, policy
from .reference import reference_slots

ZONES = ("Europe/Paris", "America/New_York", "Australia/Lord_Howe")


def changes(zone_name: str, year: int) -> list[tuple[date, str, timedelta]]:
    """(local date, "spring" or "fall", length of that local day) of each offset change."""
    zone = ZoneInfo(zone_name)
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        midnight = datetime.combine(day, time(0), zone).astimezone(UTC)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        length = next_midnight - midnight
        if length != timedelta(days=1):
            found.append((day, "spring" if length < timedelta(days=1) else "fall", length))
        day += timedelta(days=1)
    return found


DST_DAYS = [
    pytest.param(zone, day, kind, length, id=f"{zone}-{day}-{kind}")
    for zone in ZONES
    for year in (2026, 2027)
    for day, kind, length in changes(zone, year)
]

HOURS = {
    "opens-before-closes-after": (time(0, 30), time(6)),
    "opens-in-the-change": (time(2, 15), time(6)),
    "closes-in-the-change": (time(0), time(2, 45)),
    "after-the-change": (time(9), time(17)),
    "afternoon": (time(13), time(22, 30)),
}


def test_the_matrix_has_the_expected_dates() -> None:
    assert len(DST_DAYS) == 12
    assert [p.id for p in DST_DAYS][:2] == [
        "Europe/Paris-2026-03-29-spring",
        "Europe/Paris-2026-10-25-fall",
    ]


def _month_before(day: date) -> datetime:
    return datetime.combine(day - timedelta(days=30), time(0), UTC)


def _local_window(zone: str, day: date) -> Interval:
    tz = ZoneInfo(zone)
    start = datetime.combine(day - timedelta(days=1), time(12), tz).astimezone(UTC)
    return Interval(start, start + timedelta(days=2))


@pytest.mark.parametrize(("zone", "day", "kind", "length"), DST_DAYS)
@pytest.mark.parametrize("period", list(HOURS.values()), ids=list(HOURS))
@pytest.mark.parametrize("step", [15, 30, 60], ids=["step-15", "step-30", "step-60"])
def test_slots_on_a_daylight_saving_day(zone, day, kind, length, period, step) -> None:
    tz = ZoneInfo(zone)
    req = make_request(
        make_resource(hours=hours(zone, period)),
        policy=policy(grid=Grid(15, step_minutes=step)),
        now=_month_before(day),
    )
    window = _local_window(zone, day)
    duration = minutes(45)

    slots = find_slots(req, window, duration)

    assert slots == reference_slots(req, window, duration)
    walls = [s.start.astimezone(tz).replace(tzinfo=None) for s in slots]
    assert len(set(walls)) == len(walls), "a wall-clock start offered twice"
    for slot, wall in zip(slots, walls, strict=True):
        # the first occurrence of an existing wall time, on the grid from the opening
        assert wall.replace(tzinfo=tz).astimezone(UTC) == slot.start
        opening = datetime.combine(wall.date(), period[0])
        assert wall >= opening and (wall - opening) % minutes(step) == timedelta(0)
        last_instant = (slot.end - timedelta(microseconds=1)).astimezone(tz)
        assert last_instant.replace(tzinfo=None) < datetime.combine(wall.date(), period[1])
        assert why_not(req, slot.start, slot.end) is None
    assert any(w.date() == day for w in walls) or period == HOURS["closes-in-the-change"]


@pytest.mark.parametrize(("zone", "day", "kind", "length"), DST_DAYS)
def test_24_7_daily_rental_across_the_change(zone, day, kind, length) -> None:
    tz = ZoneInfo(zone)
    req = make_request(make_resource(hours=WorkingHours(zone)), now=_month_before(day))

    slots = day_slots(req, day - timedelta(days=1), day + timedelta(days=1))
    ends = end_days(req, day - timedelta(days=1), 1, 3)

    assert [s.day for s in slots] == [day - timedelta(days=1), day, day + timedelta(days=1)]
    assert [s.interval.duration for s in slots] == [timedelta(days=1), length, timedelta(days=1)]
    assert slots[1].interval.start == datetime.combine(day, time(0), tz).astimezone(UTC)
    run = ends[-1]
    assert run.continuous
    assert run.parts[0].duration == timedelta(days=2) + length
    assert why_not(req, run.parts[0].start, run.parts[0].end) is None


@pytest.mark.parametrize(("zone", "day", "kind", "length"), DST_DAYS)
def test_hourly_24_7_grid_restarts_at_local_midnight(zone, day, kind, length) -> None:
    tz = ZoneInfo(zone)
    req = make_request(
        make_resource(hours=WorkingHours(zone)),
        policy=policy(grid=Grid(15, step_minutes=60)),
        now=_month_before(day),
    )
    window = _local_window(zone, day)

    slots = find_slots(req, window, minutes(30))

    assert slots == reference_slots(req, window, minutes(30))
    on_the_day = [s for s in slots if s.start.astimezone(tz).date() == day]
    walls = {s.start.astimezone(tz).replace(tzinfo=None) for s in on_the_day}
    # every existing whole local hour once: 02:00 is skipped on a spring day (in all three
    # zones, Lord Howe's half-hour gap included) and not repeated on a fall day
    assert len(on_the_day) == len(walls) == (23 if kind == "spring" else 24)
    assert all(w.minute == 0 for w in walls)
