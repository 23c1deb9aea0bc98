"""Set-up calls (manage scope): venues, resources, services, allocations."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from bookingsite import errors
from bookingsite.api import access, paging, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import invalid, setup_error
from bookingsite.api.routing import operation
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.booking.orphans import future_bookings_count
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    DurationMode,
    Resource,
    ResourceKind,
    Service,
    ServiceVariant,
    Venue,
)
from bookingsite.setup_rules import (
    Block,
    ChosenResource,
    block_problems,
    free_slug,
    resource_problems,
    service_problems,
)

SETUP = "Set-up"
SLUG_ATTEMPTS = 5
Row = TypeVar("Row", Venue, Service)


def _add_with_slug(build: Callable[[str], Row], name: str, slugs: sa.Select) -> Row:
    """Build and add a row under the first slug made from `name` that `slugs` (the
    slugs it must differ from) lacks. The request's write transaction makes the look-up
    safe on SQLite; on PostgreSQL a concurrent request may take the same slug first:
    then the unique constraint refuses it, the savepoint (and the row built inside it)
    is rolled back, and the next free slug is tried."""
    for attempt in itertools.count(1):
        slug = free_slug(name, set(db.session.scalars(slugs)))
        try:
            with db.session.begin_nested():
                row = build(slug)
                db.session.add(row)
            return row
        except sa.exc.IntegrityError:
            if attempt == SLUG_ATTEMPTS or slug not in set(db.session.scalars(slugs)):
                raise


def _check_resource(kind: ResourceKind, skills: Collection[str]) -> None:
    problems = resource_problems(is_staff=kind == ResourceKind.STAFF, skills=skills)
    if problems:
        raise setup_error(problems, s.RESOURCE_FIELDS)


def _venues(venue_id: int | None) -> set[int]:
    """The key's venues, or only `venue_id` among them."""
    venues = access.venue_ids()
    return venues if venue_id is None else venues & {venue_id}


def _hours(value: dict | None) -> dict | None:
    return None if value is None else {day: periods for day, periods in value.items()}


def _exceptions(value: dict) -> dict:
    return {day.isoformat(): periods for day, periods in value.items()}


# --- venues -----------------------------------------------------------------------------


@operation(
    "POST",
    "/venues",
    summary="Create a venue",
    tag=SETUP,
    body=s.VenueIn,
    response=s.VenueOut,
    status=201,
    manage=True,
)
def create_venue(body: s.VenueIn) -> s.VenueOut:
    """The venue joins the calling key's venues."""
    venue = _add_with_slug(
        lambda slug: Venue(
            slug=slug,
            name=body.name,
            city=body.city,
            description=body.description,
            timezone=body.timezone,
            default_locale=body.locale,
            currency=body.currency,
            hold_ttl_minutes=body.hold_ttl_minutes,
        ),
        body.name,
        sa.select(Venue.slug),
    )
    access.partner().venues.append(venue)
    db.session.commit()
    return present.venue(venue)


@operation(
    "GET",
    "/venues",
    summary="List the key's venues",
    tag=SETUP,
    query=s.PageQuery,
    response=s.VenueList,
)
def list_venues(query: s.PageQuery) -> s.VenueList:
    """By id. Pass `nextCursor` back as `cursor` for the next page; it is null on the
    last one."""
    statement = sa.select(Venue).where(Venue.id.in_(access.venue_ids()))
    page = paging.page(statement, (Venue.id,), cursor=query.cursor, limit=query.limit)
    return s.VenueList(data=[present.venue(v) for v in page.rows], next_cursor=page.next_cursor)


@operation("GET", "/venues/<int:venue_id>", summary="Get a venue", tag=SETUP, response=s.VenueOut)
def get_venue(venue_id: int) -> s.VenueOut:
    return present.venue(access.venue(venue_id))


# --- resources --------------------------------------------------------------------------


@operation(
    "POST",
    "/resources",
    summary="Create a resource",
    tag=SETUP,
    body=s.ResourceIn,
    response=s.ResourceOut,
    status=201,
    manage=True,
)
def create_resource(body: s.ResourceIn) -> s.ResourceOut:
    """A room, court, kit, vehicle or staff member, with its working hours
    (`null`: around the clock) and dated exceptions, in its own zone. Only staff
    members have skills."""
    venue = access.venue(body.venue_id)
    _check_resource(body.kind, body.skills)
    resource = Resource(
        venue=venue,
        name=body.name,
        kind=body.kind,
        timezone=body.timezone,
        capacity=body.capacity,
        attributes=body.metadata,
        skills=list(body.skills),
        weekly_hours=_hours(body.working_hours),
        hour_exceptions=_exceptions(body.exceptions),
    )
    db.session.add(resource)
    db.session.commit()
    return present.resource(resource)


@operation(
    "GET",
    "/resources",
    summary="List resources",
    tag=SETUP,
    query=s.ListQuery,
    response=s.ResourceList,
)
def list_resources(query: s.ListQuery) -> s.ResourceList:
    """By id, inactive ones too. Pass `nextCursor` back as `cursor` for the next page;
    it is null on the last one."""
    statement = sa.select(Resource).where(Resource.venue_id.in_(_venues(query.venue_id)))
    page = paging.page(statement, (Resource.id,), cursor=query.cursor, limit=query.limit)
    return s.ResourceList(
        data=[present.resource(r) for r in page.rows], next_cursor=page.next_cursor
    )


@operation(
    "GET",
    "/resources/<int:resource_id>",
    summary="Get a resource",
    tag=SETUP,
    response=s.ResourceOut,
)
def get_resource(resource_id: int) -> s.ResourceOut:
    return present.resource(access.resource(resource_id))


@operation(
    "PATCH",
    "/resources/<int:resource_id>",
    summary="Change a resource",
    tag=SETUP,
    body=s.ResourcePatch,
    query=s.DeactivationQuery,
    response=s.ResourceOut,
    errors=(errors.HAS_FUTURE_BOOKINGS,),
    manage=True,
)
def patch_resource(
    resource_id: int, body: s.ResourcePatch, query: s.DeactivationQuery
) -> s.ResourceOut:
    """Only the fields sent change. Existing bookings stay as they are. `active: false`
    on a resource with confirmed bookings or live holds still to come answers 409
    HAS_FUTURE_BOOKINGS with their number (`futureBookings`) unless `force=true`."""
    resource = access.resource(resource_id)
    sent = body.model_fields_set
    if sent & {"kind", "skills"}:
        _check_resource(
            body.kind if "kind" in sent else resource.kind,
            body.skills if "skills" in sent else resource.skills or (),
        )
    if resource.active and body.active is False and not query.force:
        count = future_bookings_count(resource_id=resource.id, now=utcnow())
        if count:
            raise DomainError(
                errors.HAS_FUTURE_BOOKINGS, count=count, extra={"futureBookings": count}
            )
    simple = {
        "name": "name",
        "kind": "kind",
        "timezone": "timezone",
        "capacity": "capacity",
        "metadata": "attributes",
        "active": "active",
    }
    for field, column in simple.items():
        if field in sent:
            setattr(resource, column, getattr(body, field))
    if "skills" in sent:
        resource.skills = list(body.skills)
    if "working_hours" in sent:
        resource.weekly_hours = _hours(body.working_hours)
    if "exceptions" in sent:
        resource.hour_exceptions = _exceptions(body.exceptions)
    db.session.commit()
    return present.resource(resource)


# --- services ---------------------------------------------------------------------------


def _new_service(
    body: s.ServiceIn, venue: Venue, resources: Sequence[Resource], slug: str
) -> Service:
    service = Service(
        venue=venue,
        slug=slug,
        name=body.name,
        description=body.description,
        resources=list(resources),
        buffer_before_minutes=body.buffer_before_minutes,
        buffer_after_minutes=body.buffer_after_minutes,
        grid_alignment_minutes=body.grid_alignment_minutes,
        grid_step_minutes=body.grid_step_minutes,
        lead_time_minutes=body.lead_time_minutes,
        horizon_days=body.horizon_days,
        required_skills=list(body.required_skills),
    )
    span = body.duration_range
    if isinstance(span, s.HourRange):
        service.duration_mode = DurationMode.HOURLY
        service.min_minutes, service.max_minutes = span.min_minutes, span.max_minutes
    elif isinstance(span, s.DayRange):
        service.duration_mode = DurationMode.DAILY
        service.min_days, service.max_days = span.min_days, span.max_days
    else:
        service.duration_mode = DurationMode.FIXED
        service.variants = [
            ServiceVariant(
                name=v.name,
                duration_minutes=v.duration_minutes,
                guests=v.guests,
                price_cents=v.price_cents,
            )
            for v in body.variants or ()
        ]
    return service


@operation(
    "POST",
    "/services",
    summary="Create a service",
    tag=SETUP,
    body=s.ServiceIn,
    response=s.ServiceOut,
    status=201,
    manage=True,
)
def create_service(body: s.ServiceIn) -> s.ServiceOut:
    """Either fixed `variants` (duration x guests) or a `durationRange` by the hour or
    by the day; any free resource of `resourceIds` serves it. A set-up that contradicts
    itself (a lead time beyond the horizon, a step off the alignment, required skills no
    chosen staff member has...) is refused with VALIDATION_ERROR on the field concerned,
    by the same rules as the admin pages."""
    venue = access.venue(body.venue_id)
    resources = db.session.scalars(
        sa.select(Resource).where(Resource.id.in_(body.resource_ids), Resource.venue_id == venue.id)
    ).all()
    if len(resources) != len(set(body.resource_ids)):
        raise invalid("resourceIds", _("Every resource must belong to the venue."))
    chosen = [ChosenResource(r.is_staff, frozenset(r.skills or ())) for r in resources]
    problems = service_problems(body.policy(chosen))
    if problems:
        raise setup_error(problems, s.SERVICE_FIELDS)
    service = _add_with_slug(
        lambda slug: _new_service(body, venue, resources, slug),
        body.name,
        sa.select(Service.slug).where(Service.venue_id == venue.id),
    )
    db.session.commit()
    return present.service(service)


@operation(
    "GET",
    "/services",
    summary="List services",
    tag=SETUP,
    query=s.ListQuery,
    response=s.ServiceList,
)
def list_services(query: s.ListQuery) -> s.ServiceList:
    """Active services, by id. Pass `nextCursor` back as `cursor` for the next page; it
    is null on the last one."""
    statement = sa.select(Service).where(
        Service.venue_id.in_(_venues(query.venue_id)), Service.active
    )
    page = paging.page(statement, (Service.id,), cursor=query.cursor, limit=query.limit)
    return s.ServiceList(data=[present.service(r) for r in page.rows], next_cursor=page.next_cursor)


@operation(
    "GET", "/services/<int:service_id>", summary="Get a service", tag=SETUP, response=s.ServiceOut
)
def get_service(service_id: int) -> s.ServiceOut:
    return present.service(access.service(service_id))


# --- allocations ------------------------------------------------------------------------


@operation(
    "POST",
    "/allocations",
    summary="Block time on a resource",
    tag=SETUP,
    body=s.AllocationIn,
    response=s.AllocationOut,
    status=201,
    manage=True,
)
def create_allocation(body: s.AllocationIn) -> s.AllocationOut:
    """Maintenance, set-up, a private event, a lunch break: not bookable, respected by
    every availability query. `recurrence` repeats it weekly at the same local time.
    Refused with VALIDATION_ERROR by the admin's rules: an end not after the start, a
    weekly block of a day or more, an `until` before its first local date."""
    resource = access.resource(body.resource_id)
    weekdays: frozenset[int] = frozenset()
    until = None
    if body.recurrence is not None:
        weekdays = frozenset(WEEKDAY_KEYS.index(d) for d in body.recurrence.weekdays)
        until = body.recurrence.until
    problems = block_problems(
        Block(
            start=body.start_time,
            end=body.end_time,
            zone=resource.zone,
            weekdays=weekdays,
            repeat_until=until,
        )
    )
    if problems:
        raise setup_error(problems, s.ALLOCATION_FIELDS)
    allocation = Allocation(
        resource=resource,
        start_at=body.start_time,
        end_at=body.end_time,
        reason=body.reason,
        partner_id=access.partner().id,
    )
    if weekdays:
        allocation.weekdays = sorted(weekdays)
        allocation.repeat_until = until
    db.session.add(allocation)
    db.session.commit()
    return present.allocation(allocation)


@operation(
    "GET",
    "/allocations",
    summary="List allocations",
    tag=SETUP,
    query=s.AllocationQuery,
    response=s.AllocationList,
)
def list_allocations(query: s.AllocationQuery) -> s.AllocationList:
    """By id; recurring allocations are listed whatever the range. Pass `nextCursor`
    back as `cursor` for the next page; it is null on the last one."""
    statement = (
        sa.select(Allocation)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Resource.venue_id.in_(_venues(query.venue_id)))
    )
    if query.resource_id is not None:
        statement = statement.where(Allocation.resource_id == query.resource_id)
    recurring = Allocation.weekdays.is_not(None)
    if query.from_ is not None:
        statement = statement.where(sa.or_(recurring, Allocation.end_at > query.from_))
    if query.to is not None:
        statement = statement.where(sa.or_(recurring, Allocation.start_at < query.to))
    page = paging.page(statement, (Allocation.id,), cursor=query.cursor, limit=query.limit)
    return s.AllocationList(
        data=[present.allocation(a) for a in page.rows], next_cursor=page.next_cursor
    )


@operation(
    "GET",
    "/allocations/<int:allocation_id>",
    summary="Get an allocation",
    tag=SETUP,
    response=s.AllocationOut,
)
def get_allocation(allocation_id: int) -> s.AllocationOut:
    return present.allocation(access.allocation(allocation_id))


@operation(
    "DELETE",
    "/allocations/<int:allocation_id>",
    summary="Remove an allocation",
    tag=SETUP,
    status=204,
    manage=True,
)
def delete_allocation(allocation_id: int) -> None:
    db.session.delete(access.allocation(allocation_id))
    db.session.commit()
