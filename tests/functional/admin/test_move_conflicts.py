"""A manager's move that is refused names what is in the way (bookings with their
reference and customer, live holds with when they lapse, blocks by their reason) and
offers the nearest free times, each a real form that makes the move."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking
from tests.factories import make_allocation
from tests.functional.admin.conftest import MONDAY_10, PASSWORD, url

HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def book(world, start, *, name="Grace Hopper", confirm=True) -> Booking:
    customer = Customer(name=name, email="grace@example.com")
    booking = service.hold(HoldRequest(service_id=world.service.id, start=start, customer=customer))
    return service.confirm(booking.id, customer) if confirm else booking


def move(client, world, **data):
    """The world's booking (Monday 10:00-11:00 Berlin, 15 minutes' buffer after) to
    Monday 12:00 on its room, unless told otherwise."""
    return client.post(
        url("admin.booking_move", venue_id=world.venue.id, booking_id=world.booking.id),
        data={"day": "2026-03-02", "at": "12:00", "resource": str(world.room.id)} | data,
    )


def start_of(booking: Booking) -> datetime:
    db.session.expire_all()
    return db.session.get(Booking, booking.id).start_at


def alternative_forms(html: str) -> list[dict[str, str]]:
    section = html[html.index('id="move-conflict"') :]
    section = section[: section.index("</section>")]
    return [dict(HIDDEN.findall(form)) for form in section.split("<form")[1:]]


def test_moving_onto_another_booking_names_it(admin, world):
    other = book(world, MONDAY_10 + 2 * HOUR)  # 12:00-13:00 Berlin
    response = move(admin, world)
    assert response.status_code == 409
    html = page(response)
    assert "This time is taken on alpha room by:" in html
    detail = url("admin.booking_detail", venue_id=world.venue.id, booking_id=other.id)
    assert f'<a href="{detail}">{other.reference}</a> · Grace Hopper' in html
    assert "12:00" in html.split(other.reference, 1)[1].split("</li>", 1)[0]
    assert "someone else has just taken this time" not in html
    assert start_of(world.booking) == MONDAY_10


def test_an_override_that_would_double_book_names_the_booking(admin, world):
    other = book(world, MONDAY_10 + 2 * HOUR)
    response = move(admin, world, at="12:30", override="y", override_reason="Squeeze in")
    assert response.status_code == 409
    html = page(response)
    assert "This time is taken on alpha room by:" in html
    assert f">{other.reference}</a> · Grace Hopper" in html
    assert start_of(world.booking) == MONDAY_10


def test_the_moved_bookings_buffer_counts(admin, world):
    # 11:00-12:00 keeps its 15 minutes after, which reach into the booking at 12:00.
    other = book(world, MONDAY_10 + 2 * HOUR)
    html = page(move(admin, world, at="11:00"))
    assert f">{other.reference}</a> · Grace Hopper" in html


def test_its_own_time_and_cancelled_bookings_are_not_named(admin, world):
    gone = book(world, MONDAY_10 + 2 * HOUR, name="Gone Customer")
    service.cancel(gone.id, manager_id=None, note="")
    assert move(admin, world, at="10:30").status_code == 302  # overlaps only itself


def test_moving_onto_a_live_hold_says_when_it_lapses(admin, world):
    hold = book(world, MONDAY_10 + 2 * HOUR, confirm=False)
    response = move(admin, world)
    assert response.status_code == 409
    html = page(response)
    lapses = hold.hold_expires_at.astimezone(BERLIN)
    assert lapses.utcoffset() == HOUR  # the venue's time differs from UTC's
    assert f"a hold until {lapses:%H:%M}" in html
    assert hold.reference not in html


def test_a_lapsed_hold_is_not_in_the_way(admin, world, clock):
    hold = book(world, MONDAY_10 + 2 * HOUR, confirm=False)
    clock.set(hold.hold_expires_at + timedelta(minutes=1))
    assert move(admin, world).status_code == 302


def test_moving_onto_a_block_names_its_reason(admin, world):
    # The world's "Maintenance" block is 15:00-16:00 Berlin on Monday.
    response = move(admin, world, at="15:00")
    assert response.status_code == 422
    html = page(response)
    assert "This time is taken on alpha room by:" in html
    assert "a block: Maintenance" in html
    assert start_of(world.booking) == MONDAY_10


def test_a_weekly_block_is_named(admin, world):
    # Every Monday 17:00-18:00 Berlin, from a week before.
    start = datetime(2026, 2, 23, 16, 0, tzinfo=UTC)
    make_allocation(world.room, start, start + HOUR, reason="Cleaning", weekdays=[0])
    html = page(move(admin, world, at="17:00"))
    assert "a weekly block: Cleaning" in html


def test_a_rule_that_is_not_a_conflict_names_nothing(admin, world):
    response = move(admin, world, at="21:00")  # after closing
    assert response.status_code == 422
    assert 'id="move-conflict"' not in page(response)


def test_a_free_move_still_works(admin, world):
    response = move(admin, world, day="2026-03-03", at="11:30")
    assert response.status_code == 302
    assert start_of(world.booking) == datetime(2026, 3, 3, 10, 30, tzinfo=UTC)


# The offered times: real forms, with CSRF on as in production ---------------------------


def csrf_token(client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(path)))
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.mark.parametrize("csrf_enabled", [True])
def test_the_nearest_free_times_are_forms_that_make_the_move(client, world):
    login = url("admin.login")
    credentials = {"email": world.manager.email, "password": PASSWORD}
    token = csrf_token(client, login)
    assert client.post(login, data=credentials | {"csrf_token": token}).status_code == 302
    book(world, MONDAY_10 + 2 * HOUR)  # 12:00-13:00 Berlin
    detail = url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id)
    response = move(client, world, csrf_token=csrf_token(client, detail))
    assert response.status_code == 409
    forms = alternative_forms(page(response))
    assert forms, "no free times offered"
    assert all(f["resource"] == str(world.room.id) and f["csrf_token"] for f in forms)
    # Nothing before the other booking's end and buffer (13:15) fits on the grid.
    assert forms[0]["day"] == "2026-03-02" and forms[0]["at"] >= "13:15"
    chosen = forms[0]
    hour, minute = map(int, chosen["at"].split(":"))
    shown = datetime(2026, 3, 2, hour, minute).strftime("%H:%M")
    assert shown in page(response).replace("\u202f", " ")  # in the venue's time
    moved = client.post(
        url("admin.booking_move", venue_id=world.venue.id, booking_id=world.booking.id),
        data=chosen,
    )
    assert moved.status_code == 302
    expected = datetime(2026, 3, 2, hour, minute, tzinfo=BERLIN).astimezone(UTC)
    assert start_of(world.booking) == expected
