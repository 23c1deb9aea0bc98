"""A manager moving a booking past the customer's own deadline for changes: allowed, but
only as an explicit override with a reason, which the history shows."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Booking, BookingEvent
from tests.functional.admin.conftest import MONDAY_10, url

HOUR = timedelta(hours=1)


def move(admin, world, **data):
    return admin.post(
        url("admin.booking_move", venue_id=world.venue.id, booking_id=world.booking.id),
        data={"day": "2026-03-02", "at": "13:00", "resource": str(world.room.id)} | data,
    )


def past_the_deadline(world, clock) -> None:
    booking = db.session.get(Booking, world.booking.id)
    booking.change_cutoff_hours = 24  # the terms it was booked under
    db.session.commit()
    clock.set(MONDAY_10 - 2 * HOUR)


def test_past_the_deadline_a_move_asks_for_an_override(admin, world, clock):
    past_the_deadline(world, clock)
    response = move(admin, world)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "deadline for changing the time has passed" in html
    assert '<details class="override-box" open>' in html
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).start_at == MONDAY_10


def test_with_a_reason_the_move_is_made_and_recorded(admin, world, clock):
    past_the_deadline(world, clock)
    response = move(admin, world, override="y", override_reason="Customer phoned, running late")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, world.booking.id).start_at == MONDAY_10 + 3 * HOUR
    event = db.session.scalar(sa.select(BookingEvent).where(BookingEvent.action == "move"))
    assert (event.overridden_rule, event.note) == (
        "change_cutoff",
        "Customer phoned, running late",
    )
    detail = admin.get(
        url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id)
    )
    assert "the customer&#39;s deadline for changing the time" in detail.get_data(as_text=True)


def test_before_the_deadline_no_override_is_needed(admin, world):
    assert move(admin, world).status_code == 302
