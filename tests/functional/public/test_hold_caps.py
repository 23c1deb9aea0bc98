"""Hold flooding from the browser: one live hold per visitor, a cap per client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bookingsite.clock import format_instant, parse_instant
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus
from tests.functional.public.test_pages import (
    ROOMS,
    fresh_visitor,
    hold,
    hold_error,
    slot_starts,
)

pytestmark = pytest.mark.usefixtures("demo_venues")


@pytest.fixture
def starts(client) -> list[str]:
    """Free starts of room 1 on 2 March, from the grid itself, each at least an hour and
    its 15-minute reset after the one before (so that no two of them overlap)."""
    page = client.get(f"{ROOMS}?view=day&date=2026-03-02&resource=1").get_data(as_text=True)
    apart: list[str] = []
    for start in slot_starts(page):
        if not apart or parse_instant(start) >= parse_instant(apart[-1]) + timedelta(minutes=75):
            apart.append(start)
    return apart


def statuses() -> list[BookingStatus]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Booking.status).order_by(Booking.id)).all()


def test_a_new_hold_replaces_the_visitors_previous_one(client, starts):
    assert hold(client, ROOMS, start=starts[0], resource=1).status_code == 303
    assert hold(client, ROOMS, start=starts[1], resource=1).status_code == 303
    assert statuses() == [BookingStatus.EXPIRED, BookingStatus.HOLD]


def test_the_replaced_hold_frees_its_range_for_the_same_visitor(client, starts):
    # Picking the same time again must not collide with the visitor's own basket.
    assert hold(client, ROOMS, start=starts[0], resource=1).status_code == 303
    assert hold(client, ROOMS, start=starts[0], resource=1).status_code == 303
    assert statuses() == [BookingStatus.EXPIRED, BookingStatus.HOLD]


def test_a_confirmed_booking_is_never_released_by_a_later_hold(client, starts):
    first = hold(client, ROOMS, start=starts[0], resource=1)
    db.session.execute(sa.update(Booking).values(status=BookingStatus.CONFIRMED))
    db.session.commit()
    assert first.status_code == 303
    assert hold(client, ROOMS, start=starts[1], resource=1).status_code == 303
    assert statuses() == [BookingStatus.CONFIRMED, BookingStatus.HOLD]


def test_fresh_sessions_from_one_address_are_capped(app, starts):
    app.config["MAX_LIVE_HOLDS_PER_ADDRESS"] = 3
    for start in starts[:3]:  # a bot throwing its session away after each hold
        assert hold(fresh_visitor(app), ROOMS, start=start, resource=1).status_code == 303
    refused = hold(fresh_visitor(app), ROOMS, start=starts[3], resource=1)
    assert refused.status_code == 429
    assert "Confirm or cancel" in hold_error(refused.get_data(as_text=True))
    assert statuses() == [BookingStatus.HOLD] * 3


def test_another_address_is_not_affected(app, starts):
    app.config["MAX_LIVE_HOLDS_PER_ADDRESS"] = 1
    assert hold(fresh_visitor(app), ROOMS, start=starts[0], resource=1).status_code == 303
    elsewhere = fresh_visitor(app)
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert hold(elsewhere, ROOMS, start=starts[1], resource=1).status_code == 303


def test_a_refused_new_hold_keeps_the_previous_one(client, starts):
    assert hold(client, ROOMS, start=starts[0], resource=1).status_code == 303
    off_grid = format_instant(parse_instant(starts[0]) + timedelta(minutes=7))
    assert hold(client, ROOMS, start=off_grid, resource=1).status_code == 422
    assert statuses() == [BookingStatus.HOLD]
