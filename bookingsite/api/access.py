"""Who is calling, and what they may see.

A key is scoped to its partner's venues: anything outside them answers 404, exactly like
something that does not exist, so nothing leaks. Bookings are narrower still: a partner
sees only the bookings it made. Set-up calls need the `manage` scope (else 403)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import g, request
from flask_limiter.util import get_remote_address

from bookingsite import errors
from bookingsite.accounts import partner_for_key, record_key_use
from bookingsite.booking.inputs import load_service
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    Partner,
    Resource,
    Service,
    Venue,
)

BEARER = "bearer "


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER) :].strip() or None


def rate_limit_key() -> str:
    """Limits count per API key; requests without one count per address."""
    token = _bearer_token()
    if token is None:
        return "ip:" + (get_remote_address() or "")
    return "key:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def authenticate(*, manage: bool) -> Partner:
    token = _bearer_token()
    partner = partner_for_key(token) if token and token.isascii() else None
    if partner is None:
        raise DomainError(errors.UNAUTHORIZED)
    record_key_use(partner, utcnow())
    if manage and not partner.can_manage:
        raise DomainError(errors.FORBIDDEN)
    g.partner = partner
    return partner


def partner() -> Partner:
    return g.partner


def venue_ids() -> set[int]:
    return {venue.id for venue in partner().venues}


def _not_found() -> DomainError:
    return DomainError(errors.NOT_FOUND)


def _visible(row: object | None, venue_id: int | None) -> bool:
    return row is not None and venue_id in venue_ids()


def venue(venue_id: int) -> Venue:
    row = db.session.get(Venue, venue_id)
    if not _visible(row, venue_id):
        raise _not_found()
    return row


def resource(resource_id: int) -> Resource:
    row = db.session.get(Resource, resource_id)
    if row is None or not _visible(row, row.venue_id):
        raise _not_found()
    return row


def service(service_id: int, *, retired: bool = False) -> Service:
    """An active service of the key's venues; `retired=True` (set-up calls that may
    bring one back) finds an inactive one too."""
    row = load_service(service_id)
    if row is None or not _visible(row, row.venue_id) or not (row.active or retired):
        raise _not_found()
    return row


def allocation(allocation_id: int) -> Allocation:
    row = db.session.get(Allocation, allocation_id)
    if row is None or not _visible(row, row.resource.venue_id):
        raise _not_found()
    return row


def booking(booking_id: int) -> Booking:
    row = db.session.get(Booking, booking_id)
    if row is None or row.partner_id != partner().id or not _visible(row, row.venue_id):
        raise _not_found()
    return row


def own_bookings() -> sa.Select:
    return sa.select(Booking).where(
        Booking.partner_id == partner().id, Booking.venue_id.in_(venue_ids())
    )
