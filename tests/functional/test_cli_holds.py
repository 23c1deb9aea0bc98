"""`flask holds sweep`: the periodic tidy-up of lapsed holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus
from tests.factories import make_service

T10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_sweep_marks_lapsed_holds_and_leaves_live_ones(app, clock):
    svc = make_service(grid_step_minutes=60)
    service.hold(HoldRequest(service_id=svc.id, start=T10))
    clock.advance(timedelta(minutes=11))
    service.hold(HoldRequest(service_id=make_service().id, start=T10))

    result = app.test_cli_runner().invoke(args=["holds", "sweep"])

    assert result.exit_code == 0, result.output
    assert "Lapsed holds marked expired: 1" in result.output
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Booking.status).order_by(Booking.id)).all()
    assert statuses == [BookingStatus.EXPIRED, BookingStatus.HOLD]
