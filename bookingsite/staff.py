"""Staff shared between the venues of an organisation (seed 002): where a staff member
works besides its own venue, and the travel time kept free between its bookings at two
venues. The availability engine applies the gap (Policy.travel_from); this module says
how long it is, and keeps shifts and the services that draw on them consistent.

The gap between two venues is their pair's own travel time where one is set, else the
longer of the two venues' own settings: the same both ways, so that a booking at either
end sees it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from bookingsite import setup_revision
from bookingsite.extensions import db
from bookingsite.models import Resource, Service, StaffShift, TravelTime, Venue


def travel_minutes(own: int, theirs: int, pair: int | None) -> int:
    """The gap between two venues: the pair's own, else the longer of theirs."""
    return max(own, theirs) if pair is None else pair


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def pair_times(venue_id: int) -> dict[int, int]:
    """The travel times set for pairs with `venue_id`, by the other venue's id."""
    rows = db.session.execute(
        sa.select(TravelTime).where(
            sa.or_(TravelTime.first_venue_id == venue_id, TravelTime.second_venue_id == venue_id)
        )
    ).scalars()
    return {
        row.second_venue_id if row.first_venue_id == venue_id else row.first_venue_id: row.minutes
        for row in rows
    }


def _travel_times(venue_id: int) -> dict[int, timedelta]:
    """One statement: the other venues of the organisation, each with its pair's row."""
    here = db.session.get(Venue, venue_id)
    pair = sa.or_(
        sa.and_(TravelTime.first_venue_id == venue_id, TravelTime.second_venue_id == Venue.id),
        sa.and_(TravelTime.first_venue_id == Venue.id, TravelTime.second_venue_id == venue_id),
    )
    others = db.session.execute(
        sa.select(Venue.id, Venue.travel_buffer_minutes, TravelTime.minutes)
        .outerjoin(TravelTime, pair)
        .where(Venue.organisation_id == here.organisation_id, Venue.id != venue_id)
    ).all()
    return {
        other: timedelta(minutes=travel_minutes(here.travel_buffer_minutes, theirs, minutes))
        for other, theirs, minutes in others
    }


def travel_times(venue_id: int) -> dict[int, timedelta]:
    """The gap a staff member keeps between a booking at `venue_id` and one at each
    other venue of its organisation. Kept in the process while the set-up revision
    stands: every hold of a service with staff asks."""
    return setup_revision.kept_value(
        db.session(),
        current_app.extensions["travel_times"],
        venue_id,
        lambda: _travel_times(venue_id),
    )


def set_travel_time(venue: Venue, other: Venue, minutes: int | None) -> None:
    """The pair's own travel time; None: the longer of the two venues' settings."""
    first, second = _pair(venue.id, other.id)
    row = db.session.get(TravelTime, (first, second))
    if minutes is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(TravelTime(first_venue_id=first, second_venue_id=second, minutes=minutes))
    else:
        row.minutes = minutes


def set_shift(
    member: Resource,
    venue: Venue,
    weekly_hours: dict[str, list[list[str]]],
    hour_exceptions: dict[str, list[list[str]]] | None = None,
) -> StaffShift:
    """The member's hours at `venue`, another venue of its organisation."""
    shift = member.shift_at(venue.id)
    if shift is None:
        shift = StaffShift(venue=venue, weekly_hours={}, hour_exceptions={})
        member.shifts.append(shift)
    shift.weekly_hours = weekly_hours
    if hour_exceptions is not None:
        shift.hour_exceptions = hour_exceptions
    return shift


def remove_shift(member: Resource, venue_id: int) -> None:
    """The member no longer works at `venue_id`: its services there stop drawing on it
    (its bookings there stay as they are)."""
    shift = member.shift_at(venue_id)
    if shift is None:
        return
    member.shifts.remove(shift)
    for service in db.session.scalars(sa.select(Service).where(Service.venue_id == venue_id)):
        if member in service.resources:
            service.resources.remove(member)


def visiting_staff(venue: Venue) -> list[Resource]:
    """Active staff of other venues with a shift at `venue`, by name."""
    return list(
        db.session.scalars(
            sa.select(Resource)
            .join(StaffShift, StaffShift.resource_id == Resource.id)
            .where(StaffShift.venue_id == venue.id, Resource.active)
            .order_by(Resource.name)
        )
    )
