"""Bookings still to come on a resource or a service that is about to be deactivated.

Deactivating stops new bookings but leaves existing ones as they are, so the admin pages
and the API count these first and ask for an explicit confirmation when there are any."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Booking, Occupancy


def future_bookings_count(
    *,
    now: datetime,
    resource_id: int | None = None,
    service_id: int | None = None,
    venue_id: int | None = None,
) -> int:
    """How many confirmed bookings and live holds, not yet over at `now`, occupy the
    resource, belong to the service or are at the venue (name exactly one). The linked
    days of one multi-day rental count once: the customer made one booking."""
    named = [x for x in (resource_id, service_id, venue_id) if x is not None]
    if len(named) != 1:
        raise TypeError("name exactly one of resource_id, service_id and venue_id")
    query = sa.select(sa.func.count(sa.distinct(Booking.rental_key))).where(
        Booking.is_active_at(now), Booking.end_at > now
    )
    if resource_id is not None:
        query = query.where(Booking.occupancies.any(Occupancy.resource_id == resource_id))
    elif service_id is not None:
        query = query.where(Booking.service_id == service_id)
    else:
        query = query.where(Booking.venue_id == venue_id)
    return db.session.scalar(query)
