"""Who is calling, and what they may see and do.

A key reaches its partner's venues: anything outside them answers 404, exactly like
something that does not exist, so nothing leaks. Bookings are narrower still: a partner
sees only the bookings it made. Each operation needs a scope (`read`, `book` or
`manage`): a key without it at all, or at the venue of the object asked about, gets 403.
Lists show only the venues where the key has the operation's scope."""

from __future__ import annotations

import hashlib
from typing import TypeVar

import sqlalchemy as sa
from flask import g, request
from flask_limiter.util import get_remote_address

from bookingsite import errors
from bookingsite.accounts import KeyHolder, partner_for_key, record_key_use
from bookingsite.booking.inputs import load_service
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    Resource,
    Scope,
    Service,
    Venue,
)

BEARER = "bearer "
Row = TypeVar("Row")
KEY_PARTNER = "bookingsite.api_key_partner"


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


def key_for_request() -> KeyHolder | None:
    """The active partner whose key the request carries, read once per request (the
    rate limit asks before the operation does). Kept in the WSGI environ, which is the
    request's own: `g` may outlive a request (a test's app context spans many)."""
    environ = request.environ
    if KEY_PARTNER not in environ:
        token = _bearer_token()
        environ[KEY_PARTNER] = partner_for_key(token) if token and token.isascii() else None
    return environ[KEY_PARTNER]


def authenticate(*, scope: Scope) -> KeyHolder:
    partner = key_for_request()
    if partner is None:
        raise DomainError(errors.UNAUTHORIZED)
    record_key_use(partner, utcnow())
    if scope not in partner.scopes:
        raise DomainError(errors.FORBIDDEN)
    g.partner, g.scope = partner, scope
    return partner


def partner() -> KeyHolder:
    return g.partner


def venue_ids() -> set[int]:
    """The key's venues where it has the operation's scope."""
    return {venue_id for venue_id in partner().grants if g.scope in partner().scopes_at(venue_id)}


def _reachable(row: Row | None, venue_id: int | None) -> Row:
    """`row` if the key reaches its venue with the operation's scope: 404 where the venue
    is not the key's (or there is no row), 403 where the scope is missing there."""
    scopes = None if row is None else partner().scopes_at(venue_id)
    if scopes is None:
        raise DomainError(errors.NOT_FOUND)
    if g.scope not in scopes:
        raise DomainError(errors.FORBIDDEN)
    return row


def venue(venue_id: int) -> Venue:
    return _reachable(db.session.get(Venue, venue_id), venue_id)


def resource(resource_id: int) -> Resource:
    row = db.session.get(Resource, resource_id)
    return _reachable(row, row and row.venue_id)


def service(service_id: int, *, retired: bool = False) -> Service:
    """An offered service (active, at an open venue) of the key's venues; `retired=True`
    (set-up calls that may bring one back) finds a retired one too."""
    row = load_service(service_id)
    if row is not None and not (row.offered or retired):
        row = None
    return _reachable(row, row and row.venue_id)


def allocation(allocation_id: int) -> Allocation:
    row = db.session.get(Allocation, allocation_id)
    return _reachable(row, row and row.resource.venue_id)


def booking(booking_id: int) -> Booking:
    row = db.session.get(Booking, booking_id)
    if row is not None and row.partner_id != partner().id:
        row = None
    return _reachable(row, row and row.venue_id)


def own_bookings() -> sa.Select:
    return sa.select(Booking).where(
        Booking.partner_id == partner().id, Booking.venue_id.in_(venue_ids())
    )
