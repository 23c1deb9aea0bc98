"""The outbox: a message is a row written in the transaction of the change that causes
it, so that a booking is never confirmed without its confirmation on record, nor a
message recorded for a change that rolled back. Once that transaction commits, its
messages are handed to the job queue; a periodic job hands over any that were recorded
but never taken (a crash between the commit and the queue, a queue that was down)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from bookingsite import jobs
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.mail import compose
from bookingsite.models import Booking, BookingStatus, Message, MessageKind, MessageStatus

log = logging.getLogger(__name__)

# How long an unfinished message may wait before the sweep hands it over again: a
# recorded one not yet taken, a claim whose worker died mid-send, a retry never run.
NOT_TAKEN_AFTER = timedelta(minutes=2)
CLAIM_LEASE = timedelta(minutes=10)
RETRY_LATE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


def record(
    group: list[Booking],
    now: datetime,
    *,
    customer: MessageKind,
    venue: MessageKind | None = None,
    previous: tuple[datetime, datetime] | None = None,
) -> None:
    """Write the customer's message and, with `venue`, the venue's notice about `group`
    in the current transaction; they are handed to the job queue when it commits."""
    drafts = [compose.for_customer(customer, group, now, previous=previous)]
    if venue is not None:
        drafts.append(compose.for_venue(venue, group, now, previous=previous))
    messages = [
        _message(draft, venue_id=group[0].venue_id, booking_id=group[0].id, now=now)
        for draft in drafts
        if draft is not None
    ]
    if not messages:
        return
    db.session.add_all(messages)
    db.session.flush()  # their ids, for the hand-over after the commit
    jobs.after_commit(jobs.deliver_later, [m.id for m in messages])


def _message(
    draft: compose.Draft, *, venue_id: int, booking_id: int | None, now: datetime
) -> Message:
    return Message(
        venue_id=venue_id,
        booking_id=booking_id,
        kind=draft.kind,
        recipient=draft.recipient,
        locale=draft.locale,
        subject=draft.subject,
        body_text=draft.body_text,
        body_html=draft.body_html,
        calendar=draft.calendar,
        created_at=now,
    )


def record_to_manager(draft: compose.Draft, *, venue_id: int, now: datetime) -> None:
    """Write a message to a manager (a one-time login link) in the current transaction,
    kept in the log of `venue_id`; it is handed to the job queue when that commits."""
    message = _message(draft, venue_id=venue_id, booking_id=None, now=now)
    db.session.add(message)
    db.session.flush()
    jobs.after_commit(jobs.deliver_later, [message.id])


def send_again(message: Message) -> None:
    """A manager's retry of a failed message: it starts over with a fresh set of tries."""
    message.status = MessageStatus.PENDING
    message.next_attempt_at = None
    jobs.after_commit(jobs.deliver_later, [message.id])
    db.session.commit()


def hand_over_unsent(now: datetime | None = None) -> int:
    """Queue again every unfinished message that has waited too long; how many."""
    now = now or utcnow()
    unfinished = sa.select(Message.id).where(
        sa.or_(
            sa.and_(
                Message.status == MessageStatus.PENDING,
                Message.created_at < now - NOT_TAKEN_AFTER,
            ),
            sa.and_(
                Message.status == MessageStatus.SENDING,
                Message.claimed_at < now - CLAIM_LEASE,
            ),
            sa.and_(
                Message.status == MessageStatus.RETRYING,
                Message.next_attempt_at < now - RETRY_LATE_AFTER,
            ),
        )
    )
    message_ids = list(db.session.scalars(unfinished.order_by(Message.id).limit(SWEEP_BATCH)))
    db.session.rollback()
    if message_ids:
        log.info("handing over %d unsent messages", len(message_ids))
        jobs.hand_over(jobs.deliver_later, message_ids)
    return len(message_ids)


def send_bookings_list(email: str) -> None:
    """ "Find my booking": record, for each venue where `email` has upcoming bookings,
    one message listing them with their private links, in the language of the request.
    Nothing for an address without bookings; the page that asks answers the same."""
    address = email.strip().lower()
    now = utcnow()
    upcoming = db.session.scalars(
        sa.select(Booking)
        .where(
            sa.func.lower(Booking.customer_email) == address,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.end_at > now,
        )
        .order_by(Booking.venue_id, Booking.start_at)
    ).all()
    rentals: dict[int, dict[str, list[Booking]]] = {}
    for booking in upcoming:
        rentals.setdefault(booking.venue_id, {}).setdefault(booking.rental_key, []).append(booking)
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    for venue_id, by_rental in rentals.items():
        listed = list(by_rental.values())
        # To the address as the bookings have it: the one that booked.
        draft = compose.bookings_list(listed[0][0].customer_email, listed, locale)
        message = _message(draft, venue_id=venue_id, booking_id=None, now=now)
        db.session.add(message)
        db.session.flush()
        jobs.after_commit(jobs.deliver_later, [message.id])
    db.session.commit()
