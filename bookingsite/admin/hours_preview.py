"""The customer's start times for the coming week under hours not yet saved.

The question layer reads a resource's hours from its row, so the preview puts the typed
hours on the (unsaved) row, asks exactly what the customer's grid asks, and rolls the
session back: nothing is flushed meanwhile (`no_autoflush`) and nothing is kept after.
The answer is therefore the one customers will see once the hours are saved — the same
question, the same engine, the same bookings, blocks and lead time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from bookingsite.booking.questions import GridDay, ask, grid
from bookingsite.clock import local_date
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Resource, Service

PREVIEW_DAYS = 7


@dataclass(frozen=True)
class ServicePreview:
    name: str
    days: tuple[GridDay, ...] = ()  # empty when the service cannot be asked about
    problem: str | None = None


@dataclass(frozen=True)
class HoursPreview:
    first_day: date
    zone: str  # the venue's: the customer's grid is in it
    services: tuple[ServicePreview, ...]


def _services_of(resource: Resource) -> list[Service]:
    return list(
        db.session.scalars(
            sa.select(Service)
            .where(Service.venue_id == resource.venue_id, Service.active)
            .where(Service.resources.any(Resource.id == resource.id))
            .order_by(Service.name)
        )
    )


def preview_hours(
    resource: Resource, weekly: dict[str, list[list[str]]] | None, now: datetime
) -> HoursPreview:
    """The next PREVIEW_DAYS local days (venue zone) of each active service the resource
    serves, as its customers would see them with `weekly` as the resource's hours."""
    zone = resource.venue.timezone
    first_day = local_date(now, zone)
    services = _services_of(resource)
    answers = []
    try:
        with db.session.no_autoflush:
            resource.weekly_hours = weekly
            for service in services:
                # A staff member is never chosen by customers: they see the service's grid.
                resource_id = None if resource.is_staff else resource.id
                try:
                    question = ask(service, resource_id=resource_id)
                except DomainError as error:
                    message = next(iter(error.fields.values()), error.message)
                    answers.append(ServicePreview(service.name, problem=str(message)))
                    continue
                answer = grid(question, first_day, PREVIEW_DAYS, now)
                answers.append(ServicePreview(service.name, answer.days))
    finally:
        db.session.rollback()
    return HoursPreview(first_day, zone, tuple(answers))
