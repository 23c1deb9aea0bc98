"""Factory helpers: make_x(**overrides) builds a valid row with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    DurationMode,
    Organisation,
    Resource,
    ResourceKind,
    Service,
    ServiceVariant,
    Venue,
)

_sequence = count(1)


def make_organisation(name: str = "Test group") -> Organisation:
    organisation = Organisation(name=name, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    db.session.add(organisation)
    db.session.commit()
    return organisation


def _first_organisation() -> Organisation:
    """The test's venues share one organisation unless a test says otherwise."""
    found = db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    return found or make_organisation()


def make_venue(**overrides: Any) -> Venue:
    n = next(_sequence)
    fields = {
        "slug": f"venue-{n}",
        "name": f"Venue {n}",
        "city": "Berlin",
        "timezone": "Europe/Berlin",
    }
    if "organisation" not in overrides and "organisation_id" not in overrides:
        fields["organisation"] = _first_organisation()
    venue = Venue(**(fields | overrides))
    db.session.add(venue)
    db.session.commit()
    return venue


def make_resource(venue: Venue | None = None, **overrides: Any) -> Resource:
    venue = venue or make_venue()
    n = next(_sequence)
    fields = {
        "name": f"Resource {n}",
        "kind": ResourceKind.ROOM,
        "capacity": 4,
        "weekly_hours": None,
    }
    resource = Resource(venue=venue, **(fields | overrides))
    db.session.add(resource)
    db.session.commit()
    return resource


def make_service(
    resources: list[Resource] | None = None,
    *,
    durations: tuple[int, ...] = (60,),
    **overrides: Any,
) -> Service:
    resources = resources or [make_resource()]
    n = next(_sequence)
    fields: dict[str, Any] = {
        "slug": f"service-{n}",
        "name": f"Service {n}",
        "grid_alignment_minutes": 15,
        "horizon_days": 365,
    }
    fields |= overrides
    if fields.get("duration_mode", DurationMode.FIXED) == DurationMode.FIXED:
        fields.setdefault(
            "variants",
            [ServiceVariant(name=f"{m} min", duration_minutes=m, guests=1) for m in durations],
        )
    service = Service(venue=resources[0].venue, resources=resources, **fields)
    db.session.add(service)
    db.session.commit()
    return service


def make_allocation(resource: Resource, start: datetime, end: datetime, **overrides: Any):
    allocation = Allocation(resource=resource, start_at=start, end_at=end, **overrides)
    db.session.add(allocation)
    db.session.commit()
    return allocation
