"""Reminders before the start: each venue's `reminder_hours` ahead, once per booking (a
multi-day rental: once, before its first day), never for a cancelled booking. A booking
moved before its reminder went out is reminded of its new time, since the sweep reads
the time it has when the reminder falls due."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from bookingsite.booking.service import group_of
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.mail import outbox
from bookingsite.models import Booking, BookingStatus, MessageKind, Venue

BATCH = 200


def _due(venue: Venue, now: datetime) -> sa.Select:
    return (
        sa.select(Booking)
        .where(
            Booking.venue_id == venue.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            Booking.start_at > now,
            Booking.start_at <= now + timedelta(hours=venue.reminder_hours or 0),
        )
        .order_by(Booking.start_at)
        .limit(BATCH)
    )


def send_due_reminders(now: datetime | None = None) -> int:
    """Record the reminders that have fallen due; how many. Each in a transaction of its
    own that first marks the booking reminded, only if nobody has yet, so that sweeps
    running side by side never remind twice."""
    now = now or utcnow()
    venues = db.session.scalars(sa.select(Venue).where(Venue.reminder_hours.is_not(None))).all()
    sent = 0
    for venue in venues:
        for booking in db.session.scalars(_due(venue, now)).all():
            group = group_of(booking)
            if group[0].id != booking.id:
                continue  # a later day of a rental: its first day's reminder covers it
            ids = [member.id for member in group]
            marked = db.session.execute(
                sa.update(Booking)
                .where(Booking.id.in_(ids), Booking.reminder_sent_at.is_(None))
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != len(ids):  # another sweep got there first
                db.session.rollback()
                continue
            outbox.record(group, now, customer=MessageKind.REMINDER)
            db.session.commit()
            sent += 1
    db.session.rollback()
    return sent
