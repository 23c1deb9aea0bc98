"""Recording events, in the transaction of the change that causes them.

The booking service calls `booking_changed` (and `holds_expired` for holds marked
expired in bulk) and `availability_changed` next to its writes. Each call looks up the
venue's enabled endpoints that want the event (once per transaction), writes the event
with its body fixed, and a pending delivery per endpoint; the deliveries are handed to
the job queue once the transaction commits (jobs.after_commit) and vanish with it if it
rolls back. With no endpoint listening nothing is written.

`availability.changed` is coalesced: one event per venue and transaction, whose body
lists every (resource, range) the transaction freed or took, merged per resource.

Who hears what: an endpoint made by a partner key hears about the bookings that partner
made; one made by a venue's manager hears about every booking of the venue; both hear
`availability.changed`, which carries no customer data."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from bookingsite import jobs, setup_revision
from bookingsite.clock import format_instant, utcnow
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    AvailabilityChange,
    Booking,
    Partner,
    PartnerGrant,
    Resource,
    Service,
    ServiceVariant,
    Venue,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)

# Per session, for its open transaction only: {venue_id: [enabled endpoints]} read so
# far, the availability event being gathered per venue, and the venues whose set-up
# it wrote (with, on SQLite, the last feed row before its first such write).
_ENDPOINTS = "bookingsite.webhooks.endpoints"
_AVAILABILITY = "bookingsite.webhooks.availability"
_SET_UP = "bookingsite.webhooks.set_up"


@dataclass(frozen=True)
class Change:
    """A range of a resource whose availability a write may have changed; an end of
    None: from the start on (set-up such as hours, as the feed records it)."""

    resource_id: int
    start: datetime
    end: datetime | None


# A partner's endpoint hears a venue only while its key is active and reaches the venue:
# revoking the key or withdrawing the venue silences it too.
_partner_still_reaches_venue = (
    sa.select(PartnerGrant.partner_id)
    .join(Partner, Partner.id == PartnerGrant.partner_id)
    .where(
        PartnerGrant.partner_id == WebhookEndpoint.partner_id,
        PartnerGrant.venue_id == WebhookEndpoint.venue_id,
        Partner.active,
    )
    .exists()
)


def _venues_with_endpoints() -> frozenset[int]:
    """Venues with an enabled endpoint, as this process keeps them under the set-up
    revision: nearly every write is at a venue without one and reads nothing more."""
    # The caller's pending changes are its own to flush, when it chooses.
    with db.session.no_autoflush:
        return setup_revision.kept_value(
            db.session(),
            current_app.extensions["webhook_venues"],
            None,
            lambda: frozenset(
                db.session.scalars(
                    sa.select(WebhookEndpoint.venue_id).where(WebhookEndpoint.enabled).distinct()
                )
            ),
        )


def _listening(venue_ids: Collection[int]) -> dict[int, list[WebhookEndpoint]]:
    known: dict[int, list[WebhookEndpoint]] = db.session.info.setdefault(_ENDPOINTS, {})
    missing = set(venue_ids) - known.keys()
    if missing:
        for venue_id in missing:
            known[venue_id] = []
        missing &= _venues_with_endpoints()
    if missing:
        # The caller's pending changes are its own to flush, when it chooses.
        with db.session.no_autoflush:
            found = db.session.scalars(
                sa.select(WebhookEndpoint)
                .where(
                    WebhookEndpoint.venue_id.in_(missing),
                    WebhookEndpoint.enabled,
                    sa.or_(WebhookEndpoint.partner_id.is_(None), _partner_still_reaches_venue),
                )
                .order_by(WebhookEndpoint.id)
            ).all()
        for endpoint in found:
            known[endpoint.venue_id].append(endpoint)
    return {venue_id: known[venue_id] for venue_id in venue_ids}


def body(event_type: str, now: datetime, data: dict[str, Any]) -> str:
    """The JSON body, as the specification shapes it: type, timestamp, data."""
    return json.dumps(
        {"type": event_type, "timestamp": format_instant(now), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _record(
    event_type: str,
    venue_id: int,
    endpoints: Sequence[WebhookEndpoint],
    payload: str,
    now: datetime,
    booking_id: int | None = None,
) -> int:
    """Insert the event and its deliveries; the event's id. Statements of their own on
    the transaction's connection: the change itself stays the caller's to flush."""
    connection = db.session.connection()
    events, deliveries = WebhookEvent.__table__, WebhookDelivery.__table__
    event_id = connection.scalar(
        sa.insert(events)
        .values(
            venue_id=venue_id,
            type=event_type,
            booking_id=booking_id,
            payload=payload,
            created_at=now,
        )
        .returning(events.c.id)
    )
    rows = [
        {
            "endpoint_id": endpoint.id,
            "event_id": event_id,
            "status": WebhookDeliveryStatus.PENDING,
            "attempts": 0,
            "last_error": "",
            "created_at": now,
        }
        for endpoint in endpoints
    ]
    delivery_ids = connection.scalars(
        sa.insert(deliveries).returning(deliveries.c.id, sort_by_parameter_order=True), rows
    ).all()
    jobs.after_commit(jobs.deliver_webhook_later, delivery_ids)
    return event_id


def _booking_data(booking: Booking, now: datetime) -> dict[str, Any]:
    # The partner API's representation: partners read one shape wherever it comes from.
    from bookingsite.api import present

    return present.booking(booking, now).model_dump(mode="json", by_alias=True)


def booking_changed(
    event_type: WebhookEventType,
    bookings: Iterable[Booking],
    now: datetime,
    *,
    previous: dict[int, tuple[datetime, datetime]] | None = None,
) -> None:
    """Record `event_type` for each booking (each day of a rental is a booking of its
    own), for the endpoints that want it. `previous`: a moved booking's former range."""
    bookings = list(bookings)
    listening = _listening({b.venue_id for b in bookings}) if bookings else {}
    for booking in bookings:
        endpoints = [
            e
            for e in listening[booking.venue_id]
            if e.wants(event_type) and e.partner_id in (None, booking.partner_id)
        ]
        if not endpoints:
            continue
        data = _booking_data(booking, now)
        if previous and booking.id in previous:
            start, end = previous[booking.id]
            data["previousStartTime"] = format_instant(start)
            data["previousEndTime"] = format_instant(end)
        _record(
            event_type,
            booking.venue_id,
            endpoints,
            body(event_type, now, data),
            now,
            booking_id=booking.id,
        )


def holds_expired(booking_ids: Collection[int], now: datetime) -> None:
    """`booking.expired` and the freed ranges for holds just marked expired in bulk."""
    if not booking_ids:
        return
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(Booking.id.in_(booking_ids))
        .options(selectinload(Booking.occupancies))
        .order_by(Booking.id)
        .execution_options(populate_existing=True)
    ).all()
    if not any(_listening({b.venue_id for b in bookings}).values()):
        return
    booking_changed(WebhookEventType.BOOKING_EXPIRED, bookings, now)
    availability_of(bookings, now)


def _wants_availability(venue_id: int) -> bool:
    return any(
        e.wants(WebhookEventType.AVAILABILITY_CHANGED) for e in _listening({venue_id})[venue_id]
    )


def availability_of(bookings: Iterable[Booking], now: datetime) -> None:
    """The ranges these bookings take, or took until now, changed (a hold placed, a
    booking cancelled, a hold expired): added to their venue's availability event.
    Nothing is read when no endpoint of the venue listens."""
    for booking in bookings:
        if _wants_availability(booking.venue_id):
            availability_changed(booking.venue_id, occupied(booking), now)


def occupied(booking: Booking) -> list[Change]:
    """The ranges a booking takes (or took), buffers included, per resource."""
    return [Change(o.resource_id, o.start_at, o.end_at) for o in booking.occupancies]


def _merged(changes: Iterable[Change]) -> list[Change]:
    merged: list[Change] = []
    for change in sorted(set(changes), key=lambda c: (c.resource_id, c.start)):
        last = merged[-1] if merged else None
        if (
            last
            and last.resource_id == change.resource_id
            and (last.end is None or change.start <= last.end)
        ):
            end = None if None in (last.end, change.end) else max(last.end, change.end)
            merged[-1] = Change(last.resource_id, last.start, end)
        else:
            merged.append(change)
    return merged


def _availability_body(venue_id: int, changes: Iterable[Change], now: datetime) -> str:
    ranges = [
        {
            "resourceId": c.resource_id,
            "startTime": format_instant(c.start),
            "endTime": None if c.end is None else format_instant(c.end),
        }
        for c in _merged(changes)
    ]
    return body(
        WebhookEventType.AVAILABILITY_CHANGED, now, {"venueId": venue_id, "changes": ranges}
    )


def availability_changed(venue_id: int, changes: Iterable[Change], now: datetime) -> None:
    """Add ranges to the venue's one `availability.changed` event of this transaction."""
    changes = list(changes)
    if not changes:
        return
    gathering: dict[int, tuple[int, list[Change]] | None]
    gathering = db.session.info.setdefault(_AVAILABILITY, {})
    if venue_id not in gathering:
        endpoints = [
            e
            for e in _listening({venue_id})[venue_id]
            if e.wants(WebhookEventType.AVAILABILITY_CHANGED)
        ]
        gathering[venue_id] = None
        if endpoints:
            event_id = _record(
                WebhookEventType.AVAILABILITY_CHANGED,
                venue_id,
                endpoints,
                _availability_body(venue_id, changes, now),
                now,
            )
            gathering[venue_id] = (event_id, changes)
            return
    gathered = gathering[venue_id]
    if gathered is not None:
        event_id, so_far = gathered
        so_far.extend(changes)
        db.session.connection().execute(
            sa.update(WebhookEvent.__table__)
            .where(WebhookEvent.__table__.c.id == event_id)
            .values(payload=_availability_body(venue_id, so_far, now))
        )


# Set-up whose writes the database's triggers record in the availability feed
# (bookingsite/availability_changes.py): those rows go out as the transaction's
# availability event too. Bookings add their ranges themselves (`availability_of`).
_SET_UP_ROWS = (Allocation, Resource, Service, ServiceVariant, Venue)


def _venue_of(row: object) -> int | None:
    if isinstance(row, Venue):
        return row.id
    if isinstance(row, Allocation):
        return row.resource.venue_id if row.resource is not None else None
    if isinstance(row, ServiceVariant):
        return row.service.venue_id if row.service is not None else None
    # A resource or a service; a new one may know its venue by the relationship only.
    return row.venue_id if row.venue_id is not None else getattr(row.venue, "id", None)


@sa.event.listens_for(Session, "before_flush")
def _note_set_up(session: Session, _context: object, _instances: object) -> None:
    with session.no_autoflush:
        venues = {
            _venue_of(row)
            for rows in (session.new, session.dirty, session.deleted)
            for row in rows
            if isinstance(row, _SET_UP_ROWS)
        } - {None}
        if not venues:
            return
        noted = session.info.get(_SET_UP)
        if noted is None:
            # SQLite has one writer at a time: this transaction's feed rows are those
            # after the last one now. PostgreSQL's carry the transaction's id.
            last = 0
            if session.get_bind().dialect.name != "postgresql":
                last = session.scalar(sa.select(sa.func.max(AvailabilityChange.id))) or 0
            noted = session.info[_SET_UP] = (last, set())
        noted[1].update(venues)


@sa.event.listens_for(Session, "before_commit")
def _announce_set_up(session: Session) -> None:
    """The feed rows the transaction's set-up writes made, for the venues that listen,
    added to their availability event before the commit. The commit would flush next;
    flushing first lets the hook see what that flush writes."""
    session.flush()
    noted = session.info.pop(_SET_UP, None)
    if noted is None:
        return
    last, venues = noted
    listening = sorted(v for v in venues if _wants_availability(v))
    if not listening:
        return
    if session.get_bind().dialect.name == "postgresql":
        mine = AvailabilityChange.txid == sa.literal_column("pg_current_xact_id()::text::bigint")
    else:
        mine = AvailabilityChange.id > last
    rows = session.execute(
        sa.select(
            AvailabilityChange.venue_id,
            AvailabilityChange.resource_id,
            AvailabilityChange.start_at,
            AvailabilityChange.end_at,
        ).where(AvailabilityChange.venue_id.in_(listening), mine)
    ).all()
    now = utcnow()
    for venue_id in listening:
        availability_changed(
            venue_id, [Change(r, start, end) for v, r, start, end in rows if v == venue_id], now
        )


@sa.event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: object) -> None:
    if getattr(transaction, "parent", None) is None:
        session.info.pop(_ENDPOINTS, None)
        session.info.pop(_AVAILABILITY, None)
        session.info.pop(_SET_UP, None)
