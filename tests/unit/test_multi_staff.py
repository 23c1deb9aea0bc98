"""Options served by a team: a duo massage needs one room and two distinct therapists,
each qualified, on shift and free for the whole occupied range, or it is not offered."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookingsite.availability import (
    Grid,
    Reason,
    day_slots,
    end_days,
    end_times,
    find_slots,
    next_available,
    pick,
    why_not,
)

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
from .reference import reference_slots

HOUR = timedelta(hours=1)
MASSAGE = frozenset({"massage"})
SUITE = make_resource(1, capacity=2)
DUO_POLICY = policy(required_skills=MASSAGE, grid=Grid(step_minutes=60), buffer_after=minutes(15))
T10, T11 = utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)


def therapist(id: int, *busy, **overrides):
    overrides.setdefault("skills", MASSAGE)
    return make_resource(id, busy=tuple(busy), **overrides)


def duo(*staff, **overrides):
    overrides.setdefault("policy", DUO_POLICY)
    overrides.setdefault("staff_count", 2)
    return make_request(SUITE, staff=staff, guests=2, **overrides)


BUSY_AT_TEN = booking(utc(2026, 3, 2, 9, 30), utc(2026, 3, 2, 10, 30))


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        pytest.param((therapist(11), therapist(12), therapist(13)), (11, 12), id="all-free"),
        pytest.param(
            (therapist(11, BUSY_AT_TEN), therapist(12), therapist(13)), (12, 13), id="two-of-three"
        ),
        pytest.param(
            (therapist(13), therapist(11), therapist(12, BUSY_AT_TEN)), (11, 13), id="any-order"
        ),
        pytest.param(
            (therapist(11, BUSY_AT_TEN), therapist(12, BUSY_AT_TEN), therapist(13)),
            None,
            id="one-free",
        ),
        pytest.param((therapist(11),), None, id="one-on-the-books"),
        pytest.param((therapist(11), therapist(11)), None, id="the-same-one-twice"),
        pytest.param(
            (therapist(11), therapist(12, skills=frozenset({"facial"})), therapist(13)),
            (11, 13),
            id="only-the-qualified",
        ),
    ],
)
def test_a_duo_needs_two_distinct_free_therapists(staff, expected) -> None:
    req = duo(*staff)
    slot = pick(req, T10, T11)
    found = [s for s in find_slots(req, span(T10, T11), HOUR) if s.start == T10]
    if expected is None:
        assert slot is None and found == []
        assert why_not(req, T10, T11) is not None
        return
    assert slot is not None and slot.staff_ids == expected
    assert (slot.resource_id, slot.staff_id, slot.more_staff_ids) == (1, expected[0], expected[1:])
    assert found == [slot]
    assert why_not(req, T10, T11) is None


def test_a_single_option_still_takes_one_therapist() -> None:
    req = duo(therapist(11), therapist(12), staff_count=1)
    slot = pick(req, T10, T11)
    assert slot is not None and slot.staff_ids == (11,) and slot.more_staff_ids == ()


def test_a_team_of_three() -> None:
    staff = [therapist(i) for i in (14, 12, 13, 11)]
    slot = pick(duo(*staff, staff_count=3), T10, T11)
    assert slot is not None and slot.staff_ids == (11, 12, 13)
    assert pick(duo(*staff[:2], staff_count=3), T10, T11) is None


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        pytest.param(
            (therapist(11), therapist(12, BUSY_AT_TEN)),
            Reason.BOOKED,
            id="booked-the-time-is-taken",
        ),
        pytest.param(
            (therapist(11), therapist(12, booking(T11, utc(2026, 3, 2, 12)))),
            Reason.BUFFER,
            id="buffer-the-time-is-taken",
        ),
        pytest.param(
            (therapist(11), therapist(12, hours=hours("UTC", (time(12), time(18))))),
            Reason.NO_STAFF,
            id="off-shift",
        ),
        pytest.param(
            (therapist(11), therapist(12, allocation(T10, T11))), Reason.NO_STAFF, id="blocked"
        ),
        pytest.param((therapist(11),), Reason.NO_STAFF, id="too-few-at-all"),
        pytest.param(
            (
                therapist(11),
                therapist(12, hours=hours("UTC", (time(12), time(18)))),
                therapist(13, BUSY_AT_TEN),
            ),
            Reason.BOOKED,
            id="one-away-one-booked",
        ),
    ],
)
def test_why_a_team_is_missing(staff, expected) -> None:
    """Bookings in the way make the time taken, as on a place (SLOT_TAKEN for a hold);
    too few people on shift or unblocked is NO_STAFF."""
    assert why_not(duo(*staff), T10, T11) is expected


def test_why_not_among_given_staff() -> None:
    req = duo(therapist(11), therapist(12), therapist(13, BUSY_AT_TEN))
    assert why_not(req, T10, T11, staff_ids={11, 12}) is None
    assert why_not(req, T10, T11, staff_ids={12, 13}) is Reason.BOOKED
    assert why_not(req, T10, T11, staff_ids={12}) is Reason.NO_STAFF


def test_the_window_search_forms_each_team_from_whoever_is_free() -> None:
    """Each start gets its own team, the two lowest-id members free for it."""
    staff = (
        therapist(11, booking(utc(2026, 3, 2, 9), T10)),
        therapist(12, booking(T11, utc(2026, 3, 2, 12))),
        therapist(13, booking(utc(2026, 3, 2, 12), utc(2026, 3, 2, 13))),
    )
    req = duo(*staff, policy=policy(required_skills=MASSAGE, grid=Grid(step_minutes=60)))
    window = span(utc(2026, 3, 2, 9), utc(2026, 3, 2, 14))
    slots = find_slots(req, window, HOUR)
    assert [(f"{s.start:%H}", s.staff_ids) for s in slots] == [
        ("09", (12, 13)),
        ("10", (11, 12)),
        ("11", (11, 13)),
        ("12", (11, 12)),
        ("13", (11, 12)),
    ]
    assert slots == reference_slots(req, window, HOUR)
    for slot in slots:
        assert pick(req, slot.start, slot.end) == slot


def test_next_available_waits_for_a_whole_team() -> None:
    staff = (
        therapist(11),
        therapist(12, booking(utc(2026, 3, 2, 0), utc(2026, 3, 3, 9))),
        therapist(13, booking(utc(2026, 3, 2, 0), utc(2026, 3, 3, 12))),
    )
    req = duo(*staff, now=utc(2026, 3, 2), policy=policy(required_skills=MASSAGE))
    slot = next_available(req, utc(2026, 3, 2), HOUR)
    assert slot is not None
    assert (slot.start, slot.staff_ids) == (utc(2026, 3, 3, 9), (11, 12))


@pytest.mark.parametrize(
    ("day", "local_start", "expected"),
    [
        pytest.param(28, "10:00", (11, 13), id="winter-time"),
        pytest.param(29, "10:00", (11, 13), id="the-day-of-the-change"),
        pytest.param(29, "17:00", (12, 13), id="the-day-of-the-change-late"),
        pytest.param(30, "10:00", (11, 13), id="summer-time"),
    ],
)
def test_teams_follow_wall_clock_shifts_across_a_daylight_saving_change(
    day, local_start, expected
) -> None:
    """Paris springs forward on 29 March 2026: shifts in wall time move in UTC, and the
    team at each local start is still the two lowest-id members on shift."""
    paris = "Europe/Paris"
    staff = (
        therapist(11, hours=hours(paris, (time(9), time(15)))),
        therapist(12, hours=hours(paris, (time(14), time(20)))),
        therapist(13, hours=hours(paris, (time(9), time(20)))),
    )
    spa = make_resource(1, capacity=2, hours=hours(paris, (time(9), time(20))))
    req = make_request(
        spa,
        staff=staff,
        guests=2,
        staff_count=2,
        now=utc(2026, 3, 20),
        policy=policy(required_skills=MASSAGE, grid=Grid(step_minutes=60)),
    )
    window = span(utc(2026, 3, 28), utc(2026, 4, 1))
    slots = find_slots(req, window, HOUR)
    assert slots == reference_slots(req, window, HOUR)
    zone = ZoneInfo(paris)
    at = {(s.start.astimezone(zone).day, f"{s.start.astimezone(zone):%H:%M}"): s for s in slots}
    assert at[(day, local_start)].staff_ids == expected
    # 14:00-15:00 is the only hour when all three are on shift; a team is still two.
    assert all(len(s.staff_ids) == 2 for s in slots)
    assert (29, "20:00") not in at and (29, "08:00") not in at


def test_end_times_stop_when_the_team_breaks_up() -> None:
    staff = (
        therapist(11),
        therapist(12, booking(utc(2026, 3, 2, 12), utc(2026, 3, 2, 13))),
        therapist(13, booking(utc(2026, 3, 2, 13), utc(2026, 3, 2, 14))),
    )
    req = duo(*staff, policy=policy(required_skills=MASSAGE, grid=Grid(60, step_minutes=60)))
    ends = end_times(req, T10, HOUR, 5 * HOUR)
    assert [(f"{o.end:%H}", o.staff_ids) for o in ends] == [
        ("11", (11, 12)),
        ("12", (11, 12)),
        ("13", (11, 13)),
    ]


def test_whole_days_need_the_whole_team() -> None:
    staff = (
        therapist(11),
        therapist(12, booking(utc(2026, 3, 3, 10), T11.replace(day=3))),
        therapist(13, booking(utc(2026, 3, 4, 10), T11.replace(day=4))),
    )
    req = duo(*staff, policy=policy(required_skills=MASSAGE))
    first, last = utc(2026, 3, 2).date(), utc(2026, 3, 5).date()
    assert [(d.day.day, d.staff_ids) for d in day_slots(req, first, last)] == [
        (2, (11, 12)),
        (3, (11, 13)),
        (4, (11, 12)),
        (5, (11, 12)),
    ]
    runs = end_days(req, first, 1, 4)
    assert [(r.last_day.day, r.staff_ids) for r in runs] == [(2, (11, 12)), (3, (11, 13))]


def test_a_request_needs_at_least_one_staff_member() -> None:
    with pytest.raises(ValueError, match="at least one staff member"):
        duo(therapist(11), staff_count=0)
