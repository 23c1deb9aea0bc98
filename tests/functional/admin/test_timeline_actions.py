"""Acting on the timeline: a booking taken by phone, a block, a move and a cancellation,
each a real form (htmx enhances it), each allowed to every role of the venue and a 404
elsewhere; bad input answers the form with its message and changes nothing. Also: live
holds with the time they have left, the week's readable day labels, where a narrow
screen opens the day, and the booking history's from → to."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    BookingEvent,
    BookingStatus,
    Channel,
    Message,
    MessageKind,
    Role,
)
from tests.factories import make_organisation, make_resource, make_venue
from tests.functional.admin.conftest import MONDAY_10, World, log_in, url

# The actions write through the booking service: on both databases.
pytestmark = pytest.mark.usefixtures("backend")

HOUR = timedelta(hours=1)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROLE_PASSWORD = "a role password"


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def value_of(html: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', html).group(1)


def field_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error">([^<]*)<', html)


def offer(world: World) -> str:
    return f"{world.service.id}:{world.service.variants[0].id}"


def phone_data(world: World, **changes) -> dict:
    """A phone booking for Monday 2 March, 13:00 Berlin, on the world's room."""
    data = {
        "resource": str(world.room.id),
        "offer": offer(world),
        "day": "2026-03-02",
        "at": "13:00",
        "guests": "1",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "phone": "+49 30 1234567",
        "notes": "Called at 9",
        "locale": "de",
    } | changes
    return {f"phone-{k}": v for k, v in data.items() if v is not None}


def book(client, world, headers=None, extra=None, **changes):
    return client.post(
        url("admin.timeline_book", venue_id=world.venue.id, date="2026-03-02", view="day"),
        data=phone_data(world, **changes) | (extra or {}),
        headers=headers,
    )


def block_data(world: World, **changes) -> dict:
    data = {
        "resource": str(world.room.id),
        "start_date": "2026-03-02",
        "start_time": "17:00",
        "end_time": "18:30",
        "reason": "Net repair",
    } | changes
    return {f"block-{k}": v for k, v in data.items() if v is not None}


def block(client, world, **changes):
    return client.post(
        url("admin.timeline_block", venue_id=world.venue.id, date="2026-03-02", view="day"),
        data=block_data(world, **changes),
    )


def move(client, world, booking=None, **changes):
    booking = booking or world.booking
    data = {"day": "2026-03-02", "at": "12:00", "resource": str(world.room.id)} | changes
    return client.post(
        url(
            "admin.timeline_move",
            venue_id=world.venue.id,
            booking_id=booking.id,
            date="2026-03-02",
            view="day",
        ),
        data={k: v for k, v in data.items() if v is not None},
    )


def cancel(client, world, booking=None, **data):
    booking = booking or world.booking
    return client.post(
        url(
            "admin.timeline_cancel",
            venue_id=world.venue.id,
            booking_id=booking.id,
            date="2026-03-02",
            view="day",
        ),
        data=data,
    )


def state() -> tuple:
    """What an action may change: bookings (their status and range), blocks, history."""
    db.session.expire_all()
    bookings = db.session.execute(
        sa.select(Booking.id, Booking.status, Booking.start_at).order_by(Booking.id)
    ).all()
    blocks = db.session.scalar(sa.select(sa.func.count()).select_from(Allocation))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(BookingEvent))
    return tuple(bookings), blocks, events


def phone_bookings() -> list[Booking]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Booking).where(Booking.channel == Channel.ADMIN)))


@pytest.fixture(params=[Role.OWNER, Role.MANAGER, Role.FRONT_DESK])
def desk(request, client, world):
    """A client logged in with each role of the world's venue."""
    role = request.param
    if role is Role.OWNER:
        log_in(client, world.manager.email)
    else:
        email = f"{role.value}.desk@example.com"
        create_manager(email, ROLE_PASSWORD, [world.venue], role=role)
        log_in(client, email, ROLE_PASSWORD)
    return client


# Every role may act -----------------------------------------------------------------


def test_each_role_opens_the_panel_for_a_free_range(desk, world):
    response = desk.get(
        url(
            "admin.timeline_new",
            venue_id=world.venue.id,
            date="2026-03-02",
            resource=world.room.id,
            **{"from": "2026-03-02T12:00:00Z", "to": "2026-03-02T13:30:00Z"},
        )
    )
    assert response.status_code == 200
    html = page(response)
    assert "Free time on alpha room" in html and "Booking taken by phone" in html
    # The range, in the room's wall-clock time (Berlin, UTC+1), fills both forms.
    assert value_of(html, "phone-at") == value_of(html, "block-start_time") == "13:00"
    assert value_of(html, "phone-until") == value_of(html, "block-end_time") == "14:30"
    assert value_of(html, "phone-day") == "2026-03-02"
    assert f'<option selected value="{offer(world)}">' in html
    assert '<option selected value="en">English' in html  # the venue's language


def test_each_role_takes_a_booking_by_phone(desk, world, app):
    response = book(desk, world)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        url("admin.timeline", venue_id=world.venue.id, date="2026-03-02", view="day")
    )
    (booking,) = phone_bookings()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.start_at == datetime(2026, 3, 2, 12, tzinfo=UTC)  # 13:00 Berlin
    assert (booking.customer_name, booking.customer_phone, booking.notes, booking.locale) == (
        "Grace Hopper",
        "+49 30 1234567",
        "Called at 9",
        "de",
    )
    confirmation = db.session.scalar(
        sa.select(Message).where(
            Message.booking_id == booking.id, Message.kind == MessageKind.BOOKING_CONFIRMED
        )
    )
    assert confirmation.recipient == "grace@example.com"
    flash = page(desk.get(response.headers["Location"]))
    assert (
        f"Booking {booking.reference} for Grace Hopper on 02/03/2026, 13:00 is confirmed" in flash
    )


def test_each_role_blocks_a_range(desk, world):
    response = block(desk, world)
    assert response.status_code == 303
    db.session.expire_all()
    (added,) = db.session.scalars(sa.select(Allocation).where(Allocation.reason == "Net repair"))
    assert (added.resource_id, added.start_at, added.end_at) == (
        world.room.id,
        datetime(2026, 3, 2, 16, tzinfo=UTC),
        datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
    )


def test_each_role_opens_a_booking_with_the_clicked_start_and_resource(desk, world):
    court = make_resource(world.venue, name="Court B")
    world.service.resources.append(court)
    db.session.commit()
    response = desk.get(
        url(
            "admin.timeline_booking",
            venue_id=world.venue.id,
            booking_id=world.booking.id,
            date="2026-03-02",
            resource=court.id,
            **{"from": "2026-03-02T13:30:00Z"},
        )
    )
    assert response.status_code == 200
    html = page(response)
    assert f"Booking {world.booking.reference}" in html and "Ada Lovelace" in html
    assert value_of(html, "at") == "14:30"
    assert f'<option selected value="{court.id}">Court B</option>' in html
    # Every free range now moves the booking there.
    assert "Move " + world.booking.reference + " here: alpha room, free" in html


def test_each_role_moves_a_booking_and_the_customer_is_told(desk, world):
    response = move(desk, world, at="12:30")
    assert response.status_code == 303
    db.session.expire_all()
    moved = db.session.get(Booking, world.booking.id)
    assert moved.start_at == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    kinds = db.session.scalars(sa.select(Message.kind).where(Message.booking_id == moved.id))
    assert MessageKind.BOOKING_MOVED in set(kinds)
    assert "was moved to 02/03/2026, 12:30" in page(desk.get(response.headers["Location"]))


def test_each_role_cancels_a_booking(desk, world):
    response = cancel(desk, world, note="Rain")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).status == BookingStatus.CANCELLED


def test_another_organisation_s_manager_gets_404_for_every_action(app, client, world):
    elsewhere = make_venue(slug="gamma", organisation=make_organisation("Another group"))
    create_manager("elsewhere@example.com", ROLE_PASSWORD, [elsewhere])
    log_in(client, "elsewhere@example.com", ROLE_PASSWORD)
    before = state()
    venue, booking = world.venue.id, world.booking.id
    for response in (
        client.get(url("admin.timeline_new", venue_id=venue)),
        client.get(url("admin.timeline_booking", venue_id=venue, booking_id=booking)),
        book(client, world),
        block(client, world),
        move(client, world),
        cancel(client, world),
    ):
        assert response.status_code == 404
    assert state() == before


def test_a_booking_of_another_venue_is_404_on_my_timeline(admin, world, other_world):
    for response in (
        admin.get(
            url(
                "admin.timeline_booking", venue_id=world.venue.id, booking_id=other_world.booking.id
            )
        ),
        move(admin, world, booking=other_world.booking),
        cancel(admin, world, booking=other_world.booking),
    ):
        assert response.status_code == 404


# Bad input: an inline message, nothing changed, never a 500 -------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"phone": "call me"}, "Use digits, spaces and an optional +."),
        ({"day": "2026-02-30"}, "Not a valid date value."),
        ({"day": "9999-01-01"}, "Choose a date between the years"),
        ({"at": "25:00"}, "Not a valid time value."),
        ({"guests": "0"}, "Number must be between 1 and"),
        ({"offer": "999:999"}, "Not a valid choice."),
        ({"resource": "999999"}, "Not a valid choice."),
        ({"override": "y", "override_reason": "  "}, "Say why you override the rules"),
        ({"day": "2026-03-29", "at": "02:30"}, "This time does not exist that day"),
    ],
    ids=[
        "no-name",
        "bad-email",
        "bad-phone",
        "no-such-date",
        "far-year",
        "bad-time",
        "no-guests",
        "unknown-offer",
        "unknown-resource",
        "override-without-reason",
        "spring-forward-gap",
    ],
)
def test_a_bad_phone_booking_is_answered_on_its_form(admin, world, changes, message):
    before = state()
    response = book(admin, world, **changes)
    assert response.status_code == 422
    html = page(response)
    assert any(message in error for error in field_errors(html)), field_errors(html)
    assert 'id="phone-booking"' in html  # the panel, with what was typed
    assert 'value="Grace Hopper"' in html or changes.get("name") == ""
    assert state() == before


def test_a_bad_alternative_is_answered_on_the_form(admin, world):
    before = state()
    response = book(admin, world, extra={"alternative": "yesterday"})
    assert response.status_code == 422
    assert "This time is not valid: choose it again." in page(response)
    assert state() == before


def test_a_resource_of_another_venue_is_not_a_choice(admin, world, other_world):
    before = state()
    response = book(admin, world, resource=str(other_world.room.id))
    assert response.status_code == 422 and "Not a valid choice." in field_errors(page(response))
    response = block(admin, world, resource=str(other_world.room.id))
    assert response.status_code == 422 and "Not a valid choice." in field_errors(page(response))
    assert state() == before


def test_a_staff_member_is_not_a_place_to_book(admin, world):
    from bookingsite.models import ResourceKind

    therapist = make_resource(world.venue, name="Claire", kind=ResourceKind.STAFF)
    before = state()
    response = book(admin, world, resource=str(therapist.id))
    assert response.status_code == 422
    assert state() == before


def test_a_room_that_does_not_serve_the_service_is_named_on_the_field(admin, world):
    other_room = make_resource(world.venue, name="Store room")
    before = state()
    response = book(admin, world, resource=str(other_room.id))
    assert response.status_code == 422
    assert "This resource does not serve the service." in field_errors(page(response))
    assert state() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"reason": ""}, "This field is required."),
        ({"end_time": "16:00"}, ""),
        ({"start_date": "nope"}, "Not a valid date value."),
        ({"start_date": "2026-03-29", "start_time": "02:15"}, "This time does not exist"),
    ],
    ids=["no-reason", "end-before-start", "bad-date", "spring-forward-gap"],
)
def test_a_bad_block_is_answered_on_its_form(admin, world, changes, message):
    before = state()
    response = block(admin, world, **changes)
    assert response.status_code == 422
    html = page(response)
    assert field_errors(html) and all(message in e for e in field_errors(html)[:1])
    assert 'id="timeline-block"' in html
    assert state() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"day": "2026-13-01"}, "Not a valid date value."),
        ({"at": ""}, "This field is required."),
        ({"resource": "999999"}, "Not a valid choice."),
        ({"override": "y", "override_reason": ""}, "Say why you override the rules"),
        ({"at": "21:00"}, "closed at that time"),
        ({"day": "2026-03-29", "at": "02:30"}, "This time does not exist that day"),
    ],
    ids=["bad-date", "no-time", "unknown-resource", "no-reason", "closed", "gap"],
)
def test_a_bad_move_is_answered_on_its_form(admin, world, changes, message):
    before = state()
    response = move(admin, world, **changes)
    assert response.status_code == 422
    html = page(response)
    assert any(message in e for e in field_errors(html)), field_errors(html)
    assert 'id="move"' in html and 'id="timeline-panel"' in html
    assert state() == before


def test_a_bad_cancellation_is_answered_on_its_form(admin, world, clock):
    before = state()
    response = cancel(admin, world, note="x" * 1001)
    assert response.status_code == 422
    assert field_errors(page(response))
    # Past the customer's deadline a reason is needed, as on the booking page.
    world.booking.cancel_cutoff_hours = 48
    db.session.commit()
    clock.set(MONDAY_10 - HOUR)
    response = cancel(admin, world)
    assert response.status_code == 422
    assert "The customer's cancellation deadline has passed: give a reason." in page(response)
    assert state() == before


@pytest.mark.parametrize(
    "args",
    [
        {"from": "garbage", "to": "2026-03-02T13:00:00Z"},
        {"from": "2026-03-02T15:00:00Z", "to": "2026-03-02T13:00:00Z"},
        {"resource": "abc", "date": "2026-02-31"},
        {"resource": "999999", "from": "9999-12-31T23:00:00Z"},
        {"from": "2026-03-02T12:00:00"},  # no offset
    ],
    ids=["bad-from", "end-before-start", "bad-resource-and-date", "far-away", "naive"],
)
def test_a_malformed_selection_still_opens_the_panel(admin, world, args):
    response = admin.get(url("admin.timeline_new", venue_id=world.venue.id, **args))
    assert response.status_code == 200 and 'id="phone-booking"' in page(response)
    response = admin.get(
        url("admin.timeline_booking", venue_id=world.venue.id, booking_id=world.booking.id, **args)
    )
    assert response.status_code == 200 and 'id="move"' in page(response)


# The rules, the override, what is in the way ----------------------------------------


def test_a_taken_time_names_the_booking_in_the_way_and_offers_free_times(admin, world):
    before = state()
    response = book(admin, world, at="10:30")
    assert response.status_code == 409
    html = page(response)
    assert "This time is taken on alpha room." in field_errors(html)
    assert "This time is taken on alpha room by:" in html
    assert f">{world.booking.reference}</a> · Ada Lovelace" in html
    alternatives = re.findall(r'name="alternative" value="([^"]+)"', html)
    assert alternatives and all(a.endswith("Z") for a in alternatives)
    assert state() == before
    # An offered time sends the same form again, at that time.
    response = book(admin, world, at="10:30", extra={"alternative": alternatives[0]})
    assert response.status_code == 303
    (booking,) = phone_bookings()
    assert booking.start_at.strftime("%Y-%m-%dT%H:%M:%SZ") == alternatives[0]


def test_outside_the_hours_needs_an_override_and_its_reason_is_recorded(admin, world):
    before = state()
    response = book(admin, world, at="21:00")
    assert response.status_code == 422
    html = page(response)
    assert "closed at that time" in " ".join(field_errors(html))
    assert '<details class="override-box" open>' in html
    assert state() == before
    response = book(admin, world, at="21:00", override="y", override_reason="Late team event")
    assert response.status_code == 303
    (booking,) = phone_bookings()
    (event,) = db.session.scalars(
        sa.select(BookingEvent).where(BookingEvent.booking_id == booking.id)
    )
    assert (event.action, event.overridden_rule, event.note, event.manager_id) == (
        "phone",
        "closed",
        "Late team event",
        world.manager.id,
    )
    detail = page(
        admin.get(url("admin.booking_detail", venue_id=world.venue.id, booking_id=booking.id))
    )
    assert "Booked by phone" in detail and "Overrode: closed at that time" in detail
    assert "Late team event" in detail


def test_an_override_never_double_books(admin, world):
    before = state()
    response = book(admin, world, at="10:00", override="y", override_reason="VIP")
    assert response.status_code == 409
    assert state() == before


def test_a_service_by_the_hour_takes_its_end_time(admin, world):
    from bookingsite.models import DurationMode
    from tests.factories import make_service

    hourly = make_service(
        [world.room],
        slug="by-hour",
        name="Room by the hour",
        duration_mode=DurationMode.HOURLY,
        min_minutes=60,
        max_minutes=240,
        grid_step_minutes=30,
    )
    response = book(admin, world, offer=str(hourly.id), at="13:00", until=None)
    assert response.status_code == 422
    assert "Give the end time." in field_errors(page(response))
    response = book(admin, world, offer=str(hourly.id), at="12:30", until="14:45")
    assert response.status_code == 303, field_errors(page(response))
    (booking,) = phone_bookings()
    assert booking.end_at - booking.start_at == timedelta(hours=2, minutes=15)


def test_a_rental_by_the_day_takes_its_last_day(admin, world):
    from bookingsite.models import DurationMode
    from tests.factories import make_service

    daily = make_service(
        [world.room],
        slug="by-day",
        name="Room by the day",
        duration_mode=DurationMode.DAILY,
        min_days=1,
        max_days=3,
    )
    before = state()
    # Monday has Ada's booking: the days from Monday are not free in a row.
    response = book(admin, world, offer=str(daily.id), day="2026-03-02", last_day="2026-03-03")
    assert response.status_code == 422
    assert "These days are not free in a row on alpha room." in field_errors(page(response))
    assert state() == before
    response = book(admin, world, offer=str(daily.id), day="2026-03-03", last_day="2026-03-04")
    assert response.status_code == 303
    days = sorted(phone_bookings(), key=lambda b: b.start_at)
    # Open 08:00-20:00: a linked booking per day, each its day's opening hours in Berlin.
    assert [(b.start_at.hour, b.end_at.hour) for b in days] == [(7, 19), (7, 19)]
    assert days[0].group_id is not None and days[0].group_id == days[1].group_id


# htmx: the partial with its message, or a redirect ----------------------------------


def test_htmx_gets_the_region_back_on_error_and_a_redirect_on_success(admin, world):
    htmx = {"HX-Request": "true"}
    response = book(admin, world, headers=htmx, name="")
    assert response.status_code == 422
    assert "<html" not in page(response) and 'id="timeline-panel"' in page(response)
    response = book(admin, world, headers=htmx)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == url(
        "admin.timeline", venue_id=world.venue.id, date="2026-03-02", view="day"
    )


def test_every_action_is_a_real_form_that_htmx_enhances(admin, world):
    html = page(admin.get(url("admin.timeline_new", venue_id=world.venue.id, date="2026-03-02")))
    for endpoint in ("admin.timeline_book", "admin.timeline_block"):
        action = url(endpoint, venue_id=world.venue.id, date="2026-03-02", view="day")
        assert f'method="post" action="{action}" hx-post="{action}" hx-target="#timeline"' in html
    html = page(
        admin.get(
            url("admin.timeline_booking", venue_id=world.venue.id, booking_id=world.booking.id)
        )
    )
    for endpoint in ("admin.timeline_move", "admin.timeline_cancel"):
        action = url(
            endpoint,
            venue_id=world.venue.id,
            booking_id=world.booking.id,
            date="2026-03-02",
            view="day",
        )
        assert f'method="post" action="{action}" hx-post="{action}"' in html


def test_free_ranges_are_links_to_the_panel(admin, world):
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-02")))
    # Open 08:00-20:00; Ada 10:00-11:00 (+15 min buffer); maintenance 15:00-16:00.
    gaps = re.findall(r'<li class="gap"[^>]*><a class="gap-link" href="([^"]+)"', html)
    assert len(gaps) == 3
    assert "from=2026-03-02T07:00:00Z" in gaps[0] and "to=2026-03-02T09:00:00Z" in gaps[0]
    assert "alpha room is free 11:15–15:00: take a booking or block it" in html


# What the lanes show ---------------------------------------------------------------


def test_live_holds_show_the_minutes_they_have_left(admin, world, clock):
    service.hold(
        HoldRequest(
            service_id=world.service.id,
            start=MONDAY_10 + 3 * HOUR,
            customer=Customer(name="Jean Valjean"),
        )
    )
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-02")))
    assert "Hold — 10 min left" in html
    clock.advance(timedelta(minutes=3, seconds=20))
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-02")))
    assert 'title="Hold — 7 min left · Jean Valjean · 13:00–14:00"' in html
    assert '<strong class="hold-left">7 min</strong> Jean Valjean' in html
    clock.advance(timedelta(minutes=7))
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-02")))
    assert "Jean Valjean" not in html


def test_the_week_labels_each_day_with_a_count_and_a_short_name(admin, world):
    for hours, name in ((3, "Bartholomew Featherstonehaugh"), (6.5, "Cy")):
        booking = service.hold(
            HoldRequest(
                service_id=world.service.id,
                start=MONDAY_10 + timedelta(hours=hours),
                customer=Customer(name=name),
            )
        )
        service.confirm(booking.id, Customer(name=name, email="x@example.com"))
    html = page(
        admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-04", view="week"))
    )
    (cell,) = re.findall(r'<li class="day-cell[^"]*"[^>]*>.*?</li>', html)
    assert '<span class="day-count">3</span> <span class="day-name">Ada</span>' in cell
    title = re.search(r'title="([^"]+)"', cell).group(1)
    # The accessible name starts with what is seen, then says it all (as the title does).
    assert f'<span class="visually-hidden"> — {title}</span>' in cell
    assert title.startswith("Mon 2 Mar, alpha room: 3 bookings. 10:00–11:00 Ada Lovelace;")
    assert "13:00–14:00 Bartholomew Featherstonehaugh" in title
    day_view = url("admin.timeline", venue_id=world.venue.id, date="2026-03-02", view="day")
    assert f'href="{day_view}"' in cell
    # Bars carry no label to cut; the day's label is the way in for the keyboard.
    assert 'class="seg-label"' not in html.split('class="timeline view-week"')[1]


def test_a_long_first_name_is_cut_with_an_ellipsis_not_to_a_letter(app):
    from bookingsite.admin.timeline import Segment, SegmentKind, short_name

    def named(label):
        at = datetime(2026, 3, 2, tzinfo=UTC)
        return Segment(SegmentKind.BOOKING, at, at, 0, 1, label)

    assert short_name(named("Konstantinopel Augustus")) == "Konstantino…"
    assert short_name(named("Maximilianus Augustus")) == "Maximilianus"
    assert short_name(named("Ada Lovelace")) == "Ada"
    assert short_name(named("")) == ""


def test_the_dst_week_has_a_short_sunday(admin, world):
    html = page(
        admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-29", view="week"))
    )
    labels = re.findall(r'class="tick" style="left: ([\d.]+)%">([^<]+)<', html)
    assert [label for _left, label in labels][-1] == "Sun 29 Mar"
    # 6 days of 24 hours and one of 23: the Sunday starts 144/167 of the way along.
    assert float(labels[-1][0]) == pytest.approx(144 / 167 * 100, abs=1e-3)


def test_a_narrow_screen_opens_the_day_at_the_current_time(admin, world, clock):
    clock.set(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))  # 14:30 Berlin
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id)))
    left = float(re.search(r'data-scroll-left="([\d.]+)"', html).group(1))
    assert left == pytest.approx(14.5 / 24 * 100, abs=1e-3)
    assert 'class="now-line"' in html
    # Another day opens at its first booking or opening, not at midnight.
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id, date="2026-03-03")))
    left = float(re.search(r'data-scroll-left="([\d.]+)"', html).group(1))
    assert left == pytest.approx(8 / 24 * 100, abs=1e-3)


def test_the_timeline_loads_its_script_from_the_site(admin, world):
    html = page(admin.get(url("admin.timeline", venue_id=world.venue.id)))
    assert '<script src="/static/js/timeline.js" defer></script>' in html
    assert "<script>" not in html


# History: from → to, who, when and why ---------------------------------------------


def test_the_history_shows_a_move_from_and_to_in_the_venue_s_formats(admin, world):
    court = make_resource(
        world.venue, name="Court B", weekly_hours={d: [["08:00", "20:00"]] for d in EVERY_DAY}
    )
    world.service.resources.append(court)
    db.session.commit()
    assert move(admin, world, at="12:30", resource=str(court.id)).status_code == 303
    detail = page(
        admin.get(url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id))
    )
    history = detail.split("<h2>History</h2>", 1)[1]
    assert "Local time in Central European Time · Berlin." in history
    assert (
        "from 02/03/2026, 10:00–11:00 on alpha room → to 02/03/2026, 12:30–13:30 on Court B"
        in history
    )
    assert "<strong>Moved</strong> · 01/03/2026, 01:00 · manager@example.com" in history
    # The booking's own time names its zone (not UTC).
    assert "Central European Standard Time" in detail
    assert "Coordinated Universal Time" not in detail


def test_a_move_past_the_deadline_records_who_and_why(admin, world, clock):
    world.booking.change_cutoff_hours = 48
    db.session.commit()
    clock.set(MONDAY_10 - HOUR)
    response = move(admin, world, at="12:30")
    assert response.status_code == 422
    response = move(admin, world, at="12:30", override="y", override_reason="Customer called")
    assert response.status_code == 303
    detail = page(
        admin.get(url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id))
    )
    assert "Overrode: the customer's deadline for changing the time" in detail
    assert "<q>Customer called</q>" in detail
    assert "→ to 02/03/2026, 12:30–13:30 on alpha room" in detail


# With CSRF on, as in production: the panel's forms carry their own token ------------


class TestWithCsrf:
    @pytest.fixture
    def csrf_enabled(self) -> bool:
        return True

    def test_the_prefixed_forms_post_with_their_token_and_without_it_change_nothing(
        self, client, world
    ):
        from tests.functional.admin.test_csrf import logged_in

        logged_in(client, world)
        panel = page(client.get(url("admin.timeline_new", venue_id=world.venue.id)))
        token = re.search(r'name="phone-csrf_token" type="hidden" value="([^"]+)"', panel)
        before = state()
        assert book(client, world).status_code == 400  # no token: refused
        assert state() == before
        response = book(client, world, csrf_token=token.group(1))
        assert response.status_code == 303
        assert len(phone_bookings()) == 1
