"""The timeline: what it shows, in local time, on normal and daylight-saving days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bookingsite.admin.timeline import SegmentKind, Window, build_lanes, window_for
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from tests.factories import make_allocation
from tests.functional.admin.conftest import MONDAY_10, url


def page(response) -> str:
    return response.get_data(as_text=True)


def timeline(admin, world, headers=None, **args):
    return admin.get(url("admin.timeline", venue_id=world.venue.id, **args), headers=headers)


def kinds(html: str) -> list[str]:
    return re.findall(r'data-kind="(\w+)"', html)


def test_day_view_shows_each_kind_distinctly(admin, world):
    service.hold(
        HoldRequest(
            service_id=world.service.id,
            start=MONDAY_10 + timedelta(hours=2),
            customer=Customer(name="On hold"),
        )
    )
    html = page(timeline(admin, world, date="2026-03-02"))
    assert sorted(set(kinds(html))) == ["block", "booking", "buffer", "closed", "hold"]
    assert "Ada Lovelace" in html and "Maintenance" in html and "On hold" in html
    # 10:00-11:00 local on a 24-hour day: 10/24 of the width from the left.
    assert re.search(r'seg-booking" style="left: 41.6667%; width: 4.1667%"', html)
    # A booking opens its panel on the timeline (move, cancel, a link to its page).
    panel = url("admin.timeline_booking", venue_id=world.venue.id, booking_id=world.booking.id)
    assert f'href="{panel}?' in html


def test_expired_holds_and_cancelled_bookings_are_not_shown(admin, world, clock):
    service.hold(
        HoldRequest(
            service_id=world.service.id,
            start=MONDAY_10 + timedelta(hours=2),
            customer=Customer(name="Lapsed"),
        )
    )
    service.cancel(world.booking.id)
    clock.advance(timedelta(hours=1))
    html = page(timeline(admin, world, date="2026-03-02"))
    assert "Lapsed" not in html and "Ada Lovelace" not in html
    assert "booking" not in kinds(html) and "hold" not in kinds(html)


def hour_labels(html: str) -> list[str]:
    axis = html.split("timeline-axis", 1)[1].split("</div>\n  </div>", 1)[0]
    return [
        label.replace("\u202f", " ") for label in re.findall(r'class="tick"[^>]*>([^<]+)<', axis)
    ]


def test_hour_marks_are_written_as_in_the_venue_s_country(admin, world):
    """An English page: a Berlin venue's hours as Germany writes them, a New York venue's
    as the United States does."""
    assert hour_labels(page(timeline(admin, world, date="2026-03-02")))[13] == "13:00"
    world.venue.timezone = "America/New_York"
    db.session.commit()
    assert hour_labels(page(timeline(admin, world, date="2026-03-02")))[13] == "1 PM"


def test_a_normal_day_has_24_hour_marks(admin, world):
    labels = hour_labels(page(timeline(admin, world, date="2026-03-02")))
    assert len(labels) == 24 and labels[:3] == ["00:00", "01:00", "02:00"]


def test_spring_forward_day_has_23_hours_and_skips_2am(admin, world):
    html = page(timeline(admin, world, date="2026-03-29"))
    labels = hour_labels(html)
    assert len(labels) == 23
    assert labels[:3] == ["00:00", "01:00", "03:00"]
    assert "this day has 23 hours" in html


def test_fall_back_day_has_25_hours_and_2am_twice(admin, world):
    html = page(timeline(admin, world, date="2026-10-25"))
    labels = hour_labels(html)
    assert len(labels) == 25 and labels[1:5] == ["01:00", "02:00", "02:00", "03:00"]


def test_opening_hours_follow_the_wall_clock_on_dst_days(app, world):
    """The room opens 08:00-20:00 local: on 29 March that is 06:00-18:00Z, not 07:00Z."""
    window = window_for(date(2026, 3, 29), "day", "Europe/Berlin")
    (lane,) = build_lanes([world.room], window, MONDAY_10, world.venue)
    closed = [(s.start, s.end) for s in lane.segments if s.kind == SegmentKind.CLOSED]
    assert closed == [
        (window.start, datetime(2026, 3, 29, 6, tzinfo=UTC)),
        (datetime(2026, 3, 29, 18, tzinfo=UTC), window.end),
    ]
    assert window.end - window.start == timedelta(hours=23)


def test_recurring_blocks_appear_on_each_matching_day(app, world):
    make_allocation(
        world.room,
        datetime(2026, 3, 2, 11, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 12, 30, tzinfo=UTC),
        reason="Lunch",
        weekdays=[0, 2],
    )
    window = window_for(date(2026, 3, 4), "week", "Europe/Berlin")
    (lane,) = build_lanes([world.room], window, MONDAY_10, world.venue)
    lunches = [s.start for s in lane.segments if s.label == "Lunch"]
    assert lunches == [
        datetime(2026, 3, 2, 11, 30, tzinfo=UTC),
        datetime(2026, 3, 4, 11, 30, tzinfo=UTC),
    ]


def test_week_view_marks_each_local_day(admin, world):
    html = page(timeline(admin, world, date="2026-03-04", view="week"))
    labels = hour_labels(html)
    assert labels == [
        "Mon 2 Mar",
        "Tue 3 Mar",
        "Wed 4 Mar",
        "Thu 5 Mar",
        "Fri 6 Mar",
        "Sat 7 Mar",
        "Sun 8 Mar",
    ]
    assert "Ada Lovelace" in html


def test_navigation_links_are_real_urls_that_htmx_enhances(admin, world):
    html = page(timeline(admin, world, date="2026-03-02"))
    previous = url("admin.timeline", venue_id=world.venue.id, date="2026-03-01", view="day")
    assert (
        f'href="{previous}" hx-get="{previous}" hx-target="#timeline" hx-push-url="true"'
        in html.replace("&amp;", "&")
    )


def test_htmx_requests_get_the_partial_and_history_restores_the_page(admin, world):
    partial = timeline(admin, world, date="2026-03-03", headers={"HX-Request": "true"})
    assert "<html" not in page(partial) and "timeline-toolbar" in page(partial)
    assert "HX-Request" in partial.headers["Vary"]
    restore = timeline(
        admin,
        world,
        date="2026-03-03",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in page(restore)


@pytest.mark.parametrize("value", ["not-a-date", "2026-13-01"])
def test_a_bad_date_falls_back_to_today(admin, world, value):
    html = page(timeline(admin, world, date=value))
    assert "Sunday, 1 March 2026" in html


def test_window_positions_are_fractions_of_elapsed_time():
    start = datetime(2026, 3, 29, 0, tzinfo=UTC)
    window = Window(date(2026, 3, 29), date(2026, 3, 29), start, start + timedelta(hours=23))
    assert window.position(start + timedelta(hours=23), start + timedelta(hours=24)) is None
    assert window.position(start - timedelta(hours=1), start + timedelta(hours=1)) == (0, 4.3478)
