"""Bookings: hold, confirm, cancel, read, list. The booking service does the work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import request

from bookingsite import errors
from bookingsite.api import access, paging, present
from bookingsite.api import schemas as s
from bookingsite.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from bookingsite.api.routing import operation
from bookingsite.booking import service as booking_service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.clock import utcnow
from bookingsite.models import Booking, BookingStatus, Channel, Scope

BOOKINGS = "Bookings"


def _customer(body: s.CustomerIn) -> Customer:
    return Customer(name=body.name, email=body.email, phone=body.phone, notes=body.notes)


@operation(
    "POST",
    "/bookings",
    summary="Hold a slot",
    tag=BOOKINGS,
    body=s.BookingIn,
    response=s.BookingOut,
    status=201,
    errors=(
        errors.SLOT_TAKEN,
        errors.SLOT_UNAVAILABLE,
        errors.NOT_FOUND,
        errors.TOO_MANY_HOLDS,
        errors.BUSY,
    ),
    scope=Scope.BOOK,
)
def create_booking(body: s.BookingIn) -> s.BookingOut:
    """Places a hold that lapses at `expiresAt` unless confirmed. A taken range answers
    409 SLOT_TAKEN with the next free starts in `alternatives`; a range the rules refuse
    (closed, off the grid, too soon...) answers 422 SLOT_UNAVAILABLE. A key may have
    `MAX_LIVE_HOLDS_PER_PARTNER` unconfirmed holds at once (default 20); beyond that,
    429 TOO_MANY_HOLDS until one is confirmed, cancelled or lapses. Daily services:
    start at the first day's opening, end at the last day's close; linked daily bookings
    share `groupId`."""
    service = access.service(body.service_id)
    booking = booking_service.hold(
        HoldRequest(
            service_id=service.id,
            start=body.start_time,
            end=body.end_time,
            variant_id=body.variant_id,
            resource_id=body.resource_id,
            guests=body.guests,
            customer=_customer(body.customer),
            channel=Channel.PARTNER,
            partner_id=access.partner().id,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            locale=service.venue.default_locale,
        )
    )
    return present.booking(booking, utcnow())


@operation(
    "POST",
    "/bookings/<int:booking_id>/confirm",
    summary="Confirm a hold",
    tag=BOOKINGS,
    body=s.ConfirmIn,
    response=s.BookingOut,
    errors=(errors.HOLD_EXPIRED, errors.INVALID_STATE),
    scope=Scope.BOOK,
)
def confirm_booking(booking_id: int, body: s.ConfirmIn) -> s.BookingOut:
    """Turns a live hold into a booking (and its linked days); confirming twice is
    harmless. After the hold lapsed: 409 HOLD_EXPIRED."""
    booking = access.booking(booking_id)
    customer = _customer(body.customer) if body.customer is not None else None
    return present.booking(booking_service.confirm(booking.id, customer), utcnow())


@operation(
    "POST",
    "/bookings/<int:booking_id>/cancel",
    summary="Cancel a booking",
    tag=BOOKINGS,
    response=s.BookingOut,
    scope=Scope.BOOK,
)
def cancel_booking(booking_id: int) -> s.BookingOut:
    """Frees the range at once (and the linked days); cancelling twice is harmless."""
    booking = access.booking(booking_id)
    return present.booking(booking_service.cancel(booking.id), utcnow())


@operation(
    "GET",
    "/bookings/<int:booking_id>",
    summary="Get a booking",
    tag=BOOKINGS,
    response=s.BookingOut,
)
def get_booking(booking_id: int) -> s.BookingOut:
    return present.booking(access.booking(booking_id), utcnow())


def _status_filter(status: BookingStatus, now: datetime) -> sa.ColumnElement[bool]:
    if status == BookingStatus.HOLD:
        return Booking.is_live_hold_at(now)
    if status == BookingStatus.EXPIRED:
        return sa.or_(Booking.status == BookingStatus.EXPIRED, Booking.hold_has_lapsed(now))
    return Booking.status == status


@operation(
    "GET",
    "/bookings",
    summary="List the key's bookings",
    tag=BOOKINGS,
    query=s.BookingsQuery,
    response=s.BookingPage,
)
def list_bookings(query: s.BookingsQuery) -> s.BookingPage:
    """The bookings this key made, by start time. Pass `nextCursor` back as `cursor` for
    the next page; it is null on the last one."""
    now = utcnow()
    statement = access.own_bookings()
    if query.venue_id is not None:
        statement = statement.where(Booking.venue_id == query.venue_id)
    if query.from_ is not None:
        statement = statement.where(Booking.end_at > query.from_)
    if query.to is not None:
        statement = statement.where(Booking.start_at < query.to)
    if query.status is not None:
        statement = statement.where(_status_filter(query.status, now))
    page = paging.page(
        statement, (Booking.start_at, Booking.id), cursor=query.cursor, limit=query.limit
    )
    return s.BookingPage(
        data=[present.booking(b, now) for b in page.rows], next_cursor=page.next_cursor
    )
