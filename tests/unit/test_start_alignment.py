"""Starts on the clock (local midnight + k * step, whatever the opening) beside starts from
each opening (opening + k * step): the same wall-clock grid rules on ordinary days and on
the daylight-saving days of the engine's DST tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookingsite.availability import (
    Grid,
    Interval,
    Reason,
    WorkingHours,
    find_slots,
    next_available,
    pick,
    why_not,
)
from bookingsite.availability.model import Anchor

from .engine_factories import hours, make_request, make_resource, minutes, policy
from .reference import reference_slots
from .test_availability_dst import DST_DAYS, HOURS

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
ORDINARY_DAY = date(2026, 6, 15)  # a Monday, summer time all day


def _request(zone: str, opens: time, closes: time, step: int, anchor: Anchor, *, day: date):
    return make_request(
        make_resource(hours=hours(zone, (opens, closes))),
        policy=policy(grid=Grid(15, step_minutes=step, anchor=anchor)),
        now=datetime.combine(day - timedelta(days=30), time(0), UTC),
    )


def _day_window(zone: str, day: date) -> Interval:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return Interval(start, end)


def _walls(zone: str, slots) -> list[str]:
    tz = ZoneInfo(zone)
    return [f"{s.start.astimezone(tz):%H:%M}" for s in slots]


def _utc(slots) -> list[str]:
    return [f"{s.start:%H:%MZ}" for s in slots]


# --- an ordinary day: where the first start falls ------------------------------------------


@pytest.mark.parametrize(
    ("opens", "step", "anchor", "first_starts"),
    [
        (time(9, 10), 15, Anchor.CLOCK, ["09:15", "09:30", "09:45", "10:00"]),
        (time(9, 10), 15, Anchor.OPENING, ["09:10", "09:25", "09:40", "09:55"]),
        (time(9, 10), 30, Anchor.CLOCK, ["09:30", "10:00", "10:30", "11:00"]),
        (time(9, 10), 30, Anchor.OPENING, ["09:10", "09:40", "10:10", "10:40"]),
        # a step that does not divide the hour still counts from midnight: 09:00, 09:45...
        (time(9, 10), 45, Anchor.CLOCK, ["09:45", "10:30", "11:15", "12:00"]),
        # an opening on the clock grid: both anchors agree
        (time(9, 0), 30, Anchor.CLOCK, ["09:00", "09:30", "10:00", "10:30"]),
        (time(9, 0), 30, Anchor.OPENING, ["09:00", "09:30", "10:00", "10:30"]),
    ],
    ids=[
        "0910-step15-clock",
        "0910-step15-opening",
        "0910-step30-clock",
        "0910-step30-opening",
        "0910-step45-clock",
        "0900-step30-clock",
        "0900-step30-opening",
    ],
)
def test_first_starts_of_the_day(opens, step, anchor, first_starts) -> None:
    req = _request(BERLIN, opens, time(17), step, anchor, day=ORDINARY_DAY)
    window = _day_window(BERLIN, ORDINARY_DAY)

    slots = find_slots(req, window, minutes(15))

    assert _walls(BERLIN, slots)[:4] == first_starts
    assert slots == reference_slots(req, window, minutes(15))


def test_the_clock_grid_ends_where_the_service_still_fits() -> None:
    req = _request(BERLIN, time(9, 10), time(12, 50), 30, Anchor.CLOCK, day=ORDINARY_DAY)
    slots = find_slots(req, _day_window(BERLIN, ORDINARY_DAY), minutes(60))
    assert _walls(BERLIN, slots) == ["09:30", "10:00", "10:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("anchor", "on_grid", "off_grid"),
    [(Anchor.CLOCK, time(9, 15), time(9, 10)), (Anchor.OPENING, time(9, 10), time(9, 15))],
    ids=["clock", "opening"],
)
def test_single_range_checks_use_the_same_grid(anchor, on_grid, off_grid) -> None:
    req = _request(BERLIN, time(9, 10), time(17), 15, anchor, day=ORDINARY_DAY)
    tz = ZoneInfo(BERLIN)

    def at(wall: time) -> tuple[datetime, datetime]:
        start = datetime.combine(ORDINARY_DAY, wall, tz).astimezone(UTC)
        return start, start + minutes(30)

    assert why_not(req, *at(on_grid)) is None
    assert pick(req, *at(on_grid)) is not None
    assert why_not(req, *at(off_grid)) is Reason.OFF_GRID
    after = datetime.combine(ORDINARY_DAY, time(0), tz).astimezone(UTC)
    assert next_available(req, after, minutes(30)).start == at(on_grid)[0]


def test_any_available_is_one_regular_list_on_the_clock() -> None:
    """Two rooms opening at different times: on the clock one list of half hours, each
    served by the lowest-id free room; from each opening the two grids interleave."""

    def both(anchor: Anchor):
        late, early = (
            make_resource(1, hours=hours(BERLIN, (time(9, 10), time(12)))),
            make_resource(2, hours=hours(BERLIN, (time(8, 0), time(12)))),
        )
        req = make_request(
            late,
            early,
            policy=policy(grid=Grid(15, step_minutes=30, anchor=anchor)),
            now=datetime(2026, 6, 1, tzinfo=UTC),
        )
        return find_slots(req, _day_window(BERLIN, ORDINARY_DAY), minutes(60))

    clock = both(Anchor.CLOCK)
    assert _walls(BERLIN, clock) == [
        "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
    ]  # fmt: skip
    assert [s.resource_id for s in clock] == [2, 2, 2, 1, 1, 1, 1]
    assert _walls(BERLIN, both(Anchor.OPENING)) == [
        "08:00", "08:30", "09:00", "09:10", "09:30", "09:40", "10:00", "10:10", "10:30",
        "10:40", "11:00",
    ]  # fmt: skip


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, "Asia/Kolkata"])
def test_around_the_clock_both_anchors_agree(zone) -> None:
    window = _day_window(zone, ORDINARY_DAY)
    found = [
        find_slots(
            make_request(
                make_resource(hours=WorkingHours(zone)),
                policy=policy(grid=Grid(15, step_minutes=45, anchor=anchor)),
            ),
            window,
            minutes(30),
        )
        for anchor in Anchor
    ]
    assert found[0] == found[1]
    assert _walls(zone, found[0])[:3] == ["00:00", "00:45", "01:30"]


def test_the_anchor_may_be_given_as_its_stored_text() -> None:
    assert Grid(anchor="clock").anchor is Anchor.CLOCK
    assert Grid().anchor is Anchor.OPENING
    with pytest.raises(ValueError):
        Grid(anchor="sideways")


# --- daylight saving: the wall-clock rules hold for both anchors ---------------------------

# (zone, day, opens, closes, step, anchor, local starts, the same in UTC) for a 30-minute
# slot; spring: the skipped hour's grid times are not offered; fall: the repeated hour's
# times are offered once, at their first occurrence.
DST_CASES = {
    "berlin-spring-clock": (
        BERLIN, date(2026, 3, 29), time(1, 10), time(5), 30, Anchor.CLOCK,
        ["01:30", "03:00", "03:30", "04:00", "04:30"],
        ["00:30Z", "01:00Z", "01:30Z", "02:00Z", "02:30Z"],
    ),
    "berlin-spring-opening": (
        BERLIN, date(2026, 3, 29), time(1, 10), time(5), 30, Anchor.OPENING,
        ["01:10", "01:40", "03:10", "03:40", "04:10"],
        ["00:10Z", "00:40Z", "01:10Z", "01:40Z", "02:10Z"],
    ),
    "berlin-spring-opens-in-the-gap-clock": (
        BERLIN, date(2026, 3, 29), time(2, 15), time(5), 30, Anchor.CLOCK,
        ["03:00", "03:30", "04:00", "04:30"],
        ["01:00Z", "01:30Z", "02:00Z", "02:30Z"],
    ),
    "berlin-spring-opens-in-the-gap-opening": (
        BERLIN, date(2026, 3, 29), time(2, 15), time(5), 30, Anchor.OPENING,
        ["03:15", "03:45", "04:15"],
        ["01:15Z", "01:45Z", "02:15Z"],
    ),
    "berlin-fall-clock": (
        BERLIN, date(2026, 10, 25), time(1, 10), time(5), 30, Anchor.CLOCK,
        ["01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"],
        ["23:30Z", "00:00Z", "00:30Z", "02:00Z", "02:30Z", "03:00Z", "03:30Z"],
    ),
    "berlin-fall-opening": (
        BERLIN, date(2026, 10, 25), time(1, 10), time(5), 30, Anchor.OPENING,
        ["01:10", "01:40", "02:10", "02:40", "03:10", "03:40", "04:10"],
        ["23:10Z", "23:40Z", "00:10Z", "00:40Z", "02:10Z", "02:40Z", "03:10Z"],
    ),
    "new-york-spring-clock": (
        NEW_YORK, date(2026, 3, 8), time(1, 10), time(5), 30, Anchor.CLOCK,
        ["01:30", "03:00", "03:30", "04:00", "04:30"],
        ["06:30Z", "07:00Z", "07:30Z", "08:00Z", "08:30Z"],
    ),
    "new-york-spring-opening": (
        NEW_YORK, date(2026, 3, 8), time(1, 10), time(5), 30, Anchor.OPENING,
        ["01:10", "01:40", "03:10", "03:40", "04:10"],
        ["06:10Z", "06:40Z", "07:10Z", "07:40Z", "08:10Z"],
    ),
    "new-york-fall-clock": (
        NEW_YORK, date(2026, 11, 1), time(0, 40), time(4), 30, Anchor.CLOCK,
        ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"],
        ["05:00Z", "05:30Z", "07:00Z", "07:30Z", "08:00Z", "08:30Z"],
    ),
    "new-york-fall-opening": (
        NEW_YORK, date(2026, 11, 1), time(0, 40), time(4), 30, Anchor.OPENING,
        ["00:40", "01:10", "01:40", "02:10", "02:40", "03:10"],
        ["04:40Z", "05:10Z", "05:40Z", "07:10Z", "07:40Z", "08:10Z"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "day", "opens", "closes", "step", "anchor", "walls", "instants"),
    list(DST_CASES.values()),
    ids=list(DST_CASES),
)
def test_daylight_saving_days(zone, day, opens, closes, step, anchor, walls, instants) -> None:
    req = _request(zone, opens, closes, step, anchor, day=day)
    window = _day_window(zone, day)

    slots = find_slots(req, window, minutes(30))

    assert _walls(zone, slots) == walls
    assert _utc(slots) == instants
    assert slots == reference_slots(req, window, minutes(30))
    for slot in slots:
        assert why_not(req, slot.start, slot.end) is None


@pytest.mark.parametrize(("zone", "day", "kind", "length"), DST_DAYS)
@pytest.mark.parametrize("period", list(HOURS.values()), ids=list(HOURS))
@pytest.mark.parametrize("step", [15, 30, 45, 60], ids=["step-15", "step-30", "step-45", "step-60"])
@pytest.mark.parametrize("opens_late", [False, True], ids=["on-the-hours", "ten-past"])
def test_clock_starts_on_every_daylight_saving_day(
    zone, day, kind, length, period, step, opens_late
) -> None:
    """The engine's DST matrix (three zones, 2026 and 2027) on the clock, with the hours
    as given and opening ten minutes later: every start is an existing wall time, a
    whole number of steps from its date's midnight, at or after the opening, offered once
    at its first occurrence, exactly as the minute-by-minute reference says."""
    tz = ZoneInfo(zone)
    opens, closes = period
    if opens_late:
        opens = (datetime.combine(day, opens) + minutes(10)).time()
    req = make_request(
        make_resource(hours=hours(zone, (opens, closes))),
        policy=policy(grid=Grid(15, step_minutes=step, anchor=Anchor.CLOCK)),
        now=datetime.combine(day - timedelta(days=30), time(0), UTC),
    )
    start = datetime.combine(day - timedelta(days=1), time(12), tz).astimezone(UTC)
    window = Interval(start, start + timedelta(days=2))

    slots = find_slots(req, window, minutes(45))

    assert slots == reference_slots(req, window, minutes(45))
    walls = [s.start.astimezone(tz).replace(tzinfo=None) for s in slots]
    assert len(set(walls)) == len(walls), "a wall-clock start offered twice"
    for slot, wall in zip(slots, walls, strict=True):
        assert wall.replace(tzinfo=tz).astimezone(UTC) == slot.start  # first occurrence
        midnight = datetime.combine(wall.date(), time(0))
        assert (wall - midnight) % minutes(step) == timedelta(0)
        assert wall >= datetime.combine(wall.date(), opens)
        assert why_not(req, slot.start, slot.end) is None
