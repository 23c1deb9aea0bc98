"""Set-up calls (manage scope): venues, resources, services, allocations."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from bookingsite import errors
from bookingsite.accounts import grant_venue
from bookingsite.api import access, paging, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import broken, setup_error
from bookingsite.api.routing import operation
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.booking.orphans import future_bookings_count
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    DurationMode,
    Partner,
    Resource,
    ResourceKind,
    Scope,
    Service,
    ServiceVariant,
    Venue,
)
from bookingsite.setup_rules import (
    Block,
    ChosenResource,
    Mode,
    ServicePolicy,
    StartAlignment,
    block_problems,
    free_slug,
    resource_problems,
    service_problems,
)
from bookingsite.staff import remove_shift, set_shift, set_travel_time

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


def _set_shifts(resource: Resource, shifts: Sequence[s.ShiftIn]) -> None:
    """The staff member's shifts, all of them: each at another venue of its organisation
    that the key reaches (else RULE_BROKEN on shifts)."""
    if shifts and not resource.is_staff:
        raise broken("shifts", _("Only staff members work shifts at other venues."))
    venue_ids = [shift.venue_id for shift in shifts]
    if len(set(venue_ids)) != len(venue_ids):
        raise broken("shifts", _("Give each venue one shift."))
    venues = {v.id: v for v in _organisation_venues(resource.venue, venue_ids, "shifts")}
    if resource.venue_id in venues:
        raise broken("shifts", _("A staff member's hours at its own venue are its working hours."))
    for gone in [kept.venue_id for kept in resource.shifts if kept.venue_id not in venues]:
        remove_shift(resource, gone)
    for shift in shifts:
        set_shift(resource, venues[shift.venue_id], shift.working_hours, shift.exceptions)


def _organisation_venues(venue: Venue, ids: Sequence[int], field: str) -> list[Venue]:
    """The venues of `ids`: of `venue`'s organisation and reached by the key with the
    operation's scope (else RULE_BROKEN on `field`)."""
    reached = access.venue_ids()
    venues = db.session.scalars(
        sa.select(Venue).where(Venue.id.in_(ids), Venue.organisation_id == venue.organisation_id)
    ).all()
    if len(venues) != len(set(ids)) or not {v.id for v in venues} <= reached:
        raise broken(field, _("Name venues of the same organisation that this key manages."))
    return list(venues)


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


def _copy_sent(row: object, body: s.Patch, columns: dict[str, str]) -> None:
    """Copy the fields the patch sent onto the row's columns of the same meaning."""
    for name in body.model_fields_set & columns.keys():
        setattr(row, columns[name], getattr(body, name))


def _refuse_unconfirmed_deactivation(
    active: bool,
    body: s.ResourcePatch | s.ServicePatch | s.VenuePatch,
    query: s.DeactivationQuery,
    **target: int,
) -> None:
    """Switching off a resource or a service with bookings still to come (they stay as
    they are) answers 409 HAS_FUTURE_BOOKINGS with their number unless `force=true`."""
    if not active or body.active is not False or query.force:
        return
    count = future_bookings_count(now=utcnow(), **target)
    if count:
        raise DomainError(errors.HAS_FUTURE_BOOKINGS, count=count, extra={"futureBookings": count})


# --- venues -----------------------------------------------------------------------------


@operation(
    "POST",
    "/venues",
    summary="Create a venue",
    tag=SETUP,
    body=s.VenueIn,
    response=s.VenueOut,
    status=201,
    scope=Scope.MANAGE,
)
def create_venue(body: s.VenueIn) -> s.VenueOut:
    """The venue joins the calling key's venues."""
    venue = _add_with_slug(
        lambda slug: Venue(
            slug=slug,
            organisation_id=access.partner().organisation_id,
            name=body.name,
            city=body.city,
            description=body.description,
            timezone=body.timezone,
            default_locale=body.locale,
            currency=body.currency,
            hold_ttl_minutes=body.hold_ttl_minutes,
            travel_buffer_minutes=body.travel_buffer_minutes,
            contact_email=body.contact_email,
            contact_phone=body.contact_phone,
            notification_email=body.notification_email,
            reminder_hours=body.reminder_hours,
            cancel_cutoff_hours=body.cancel_cutoff_hours,
            change_cutoff_hours=body.change_cutoff_hours,
        ),
        body.name,
        sa.select(Venue.slug),
    )
    grant_venue(db.session.get(Partner, access.partner().id), venue)
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
    """Open venues, by id (a retired one is found by its id). Pass `nextCursor` back as `cursor` for the next page; it is null on the
    last one."""
    statement = sa.select(Venue).where(Venue.id.in_(access.venue_ids()), Venue.active)
    page = paging.page(statement, (Venue.id,), cursor=query.cursor, limit=query.limit)
    return s.VenueList(data=[present.venue(v) for v in page.rows], next_cursor=page.next_cursor)


@operation("GET", "/venues/<int:venue_id>", summary="Get a venue", tag=SETUP, response=s.VenueOut)
def get_venue(venue_id: int) -> s.VenueOut:
    return present.venue(access.venue(venue_id))


# The patch's fields that are the venue's own columns (travel times are rows of their own).
VENUE_COLUMNS = {name: name for name in s.VenuePatch.model_fields if name != "travel_times"} | {
    "locale": "default_locale"
}


@operation(
    "PATCH",
    "/venues/<int:venue_id>",
    summary="Change or retire a venue",
    tag=SETUP,
    body=s.VenuePatch,
    query=s.DeactivationQuery,
    response=s.VenueOut,
    errors=(errors.HAS_FUTURE_BOOKINGS,),
    scope=Scope.MANAGE,
)
def patch_venue(venue_id: int, body: s.VenuePatch, query: s.DeactivationQuery) -> s.VenueOut:
    """Only the fields sent change; the slug stays. Availability follows at once (a new
    `timezone` moves the hours of the resources that follow the venue's zone). Bookings
    already made keep their times and the terms they were made under (currency,
    cutoffs); live holds keep their expiry. `active: false` retires the venue: neither
    it nor its services are listed or bookable any more, and its bookings stay as they
    are; with confirmed bookings or live holds still to come it answers 409
    HAS_FUTURE_BOOKINGS with their number (`futureBookings`) unless `force=true`. A
    retired venue is found here and by id only; `active: true` opens it again."""
    venue = access.venue(venue_id)
    _refuse_unconfirmed_deactivation(venue.active, body, query, venue_id=venue.id)
    _copy_sent(venue, body, VENUE_COLUMNS)
    if body.travel_times is not None:
        named = [t.venue_id for t in body.travel_times]
        if venue.id in named or len(set(named)) != len(named):
            raise broken("travelTimes", _("Name each other venue once."))
        others = {v.id: v for v in _organisation_venues(venue, named, "travelTimes")}
        for travel in body.travel_times:
            set_travel_time(venue, others[travel.venue_id], travel.minutes)
    db.session.commit()
    return present.venue(venue)


# --- resources --------------------------------------------------------------------------


@operation(
    "POST",
    "/resources",
    summary="Create a resource",
    tag=SETUP,
    body=s.ResourceIn,
    response=s.ResourceOut,
    status=201,
    scope=Scope.MANAGE,
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
    _set_shifts(resource, body.shifts)
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


RESOURCE_COLUMNS = {
    "name": "name",
    "kind": "kind",
    "timezone": "timezone",
    "capacity": "capacity",
    "metadata": "attributes",
    "active": "active",
}


@operation(
    "PATCH",
    "/resources/<int:resource_id>",
    summary="Change a resource",
    tag=SETUP,
    body=s.ResourcePatch,
    query=s.DeactivationQuery,
    response=s.ResourceOut,
    errors=(errors.HAS_FUTURE_BOOKINGS,),
    scope=Scope.MANAGE,
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
    _refuse_unconfirmed_deactivation(resource.active, body, query, resource_id=resource.id)
    _copy_sent(resource, body, RESOURCE_COLUMNS)
    if "skills" in sent:
        resource.skills = list(body.skills)
    if "working_hours" in sent:
        resource.weekly_hours = _hours(body.working_hours)
    if "exceptions" in sent:
        resource.hour_exceptions = _exceptions(body.exceptions)
    if body.shifts is not None:
        _set_shifts(resource, body.shifts)
    elif resource.shifts and not resource.is_staff:
        raise broken("kind", _("Only staff members work shifts at other venues."))
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
        start_alignment=body.start_alignment.value,
        lead_time_minutes=body.lead_time_minutes,
        horizon_days=body.horizon_days,
        required_skills=list(body.required_skills),
        cancel_cutoff_hours=body.cancel_cutoff_hours,
        change_cutoff_hours=body.change_cutoff_hours,
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
                staff_count=v.staff_count,
            )
            for v in body.variants or ()
        ]
    return service


def _venue_resources(venue_id: int, ids: Sequence[int]) -> Sequence[Resource]:
    """The resources of `ids`: the venue's, or staff members with a shift there (else
    RULE_BROKEN on resourceIds)."""
    resources = db.session.scalars(
        sa.select(Resource).where(Resource.id.in_(ids)).order_by(Resource.id)
    ).all()
    if len(resources) != len(set(ids)) or not all(
        r.works_at(venue_id) if r.is_staff else r.venue_id == venue_id for r in resources
    ):
        raise broken(
            "resourceIds",
            _("Every resource must belong to the venue, or be a staff member with a shift there."),
        )
    return resources


def _chosen(resources: Iterable[Resource]) -> list[ChosenResource]:
    return [ChosenResource(r.is_staff, frozenset(r.skills or ())) for r in resources]


@operation(
    "POST",
    "/services",
    summary="Create a service",
    tag=SETUP,
    body=s.ServiceIn,
    response=s.ServiceOut,
    status=201,
    scope=Scope.MANAGE,
)
def create_service(body: s.ServiceIn) -> s.ServiceOut:
    """Either fixed `variants` (duration x guests) or a `durationRange` by the hour or
    by the day; any free resource of `resourceIds` serves it. A set-up that contradicts
    itself (a lead time beyond the horizon, a step off the alignment, required skills no
    chosen staff member has...) is refused with RULE_BROKEN on the field concerned,
    by the same rules as the admin pages."""
    venue = access.venue(body.venue_id)
    resources = _venue_resources(venue.id, body.resource_ids)
    problems = service_problems(body.policy(_chosen(resources)))
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
    """Active services of open venues, by id. Pass `nextCursor` back as `cursor` for the next page; it
    is null on the last one."""
    statement = (
        sa.select(Service)
        .join(Service.venue)
        .where(Service.venue_id.in_(_venues(query.venue_id)), Service.active, Venue.active)
    )
    page = paging.page(statement, (Service.id,), cursor=query.cursor, limit=query.limit)
    return s.ServiceList(data=[present.service(r) for r in page.rows], next_cursor=page.next_cursor)


@operation(
    "GET", "/services/<int:service_id>", summary="Get a service", tag=SETUP, response=s.ServiceOut
)
def get_service(service_id: int) -> s.ServiceOut:
    return present.service(access.service(service_id))


@dataclass(frozen=True)
class ServiceEdit:
    """A service as a patch leaves it, checked before anything is written."""

    mode: DurationMode
    span: s.HourRange | s.DayRange | None
    variants: Sequence[s.VariantEdit]
    resources: Sequence[Resource]


def _service_edit(service: Service, body: s.ServicePatch) -> ServiceEdit:
    """Merge the patch with the service and check the result by the rules every
    audience shares (RULE_BROKEN on the field concerned, as on create)."""
    sent = body.model_fields_set
    span: s.HourRange | s.DayRange | None
    if "duration_range" in sent:
        span = body.duration_range
    elif service.is_hourly:
        span = s.HourRange.model_construct(
            unit="HOUR", min_minutes=service.min_minutes, max_minutes=service.max_minutes
        )
    elif service.is_daily:
        span = s.DayRange.model_construct(
            unit="DAY", min_days=service.min_days, max_days=service.max_days
        )
    else:
        span = None
    mode = (
        DurationMode.HOURLY
        if isinstance(span, s.HourRange)
        else DurationMode.DAILY
        if isinstance(span, s.DayRange)
        else DurationMode.FIXED
    )
    if "variants" in sent:
        variants = body.variants
        _check_variant_ids(service, variants)
    elif mode == DurationMode.FIXED:
        variants = [
            s.VariantEdit.model_construct(
                id=v.id,
                name=v.name,
                duration_minutes=v.duration_minutes,
                guests=v.guests,
                price_cents=v.price_cents,
                staff_count=v.staff_count,
            )
            for v in service.variants
        ]
    else:
        variants = []  # a range has no options (as in the admin's form)
    resources = (
        _venue_resources(service.venue_id, body.resource_ids)
        if "resource_ids" in sent
        else service.resources
    )

    def value(name: str) -> Any:
        return getattr(body if name in sent else service, name)

    policy = ServicePolicy(
        mode=Mode(mode.value),
        variant_minutes=tuple(v.duration_minutes for v in variants),
        variant_staff_counts=tuple(v.staff_count for v in variants),
        min_minutes=span.min_minutes if isinstance(span, s.HourRange) else None,
        max_minutes=span.max_minutes if isinstance(span, s.HourRange) else None,
        min_days=span.min_days if isinstance(span, s.DayRange) else None,
        max_days=span.max_days if isinstance(span, s.DayRange) else None,
        alignment_minutes=value("grid_alignment_minutes"),
        step_minutes=value("grid_step_minutes"),
        start_alignment=StartAlignment(value("start_alignment")),
        buffer_minutes=value("buffer_before_minutes") + value("buffer_after_minutes"),
        lead_time_minutes=value("lead_time_minutes"),
        horizon_days=value("horizon_days"),
        required_skills=frozenset(value("required_skills") or ()),
        resources=tuple(_chosen(resources)),
    )
    problems = service_problems(policy)
    if problems:
        raise setup_error(problems, s.SERVICE_FIELDS)
    kept = {v.id for v in variants}
    _check_dropped_variants([v for v in service.variants if v.id not in kept])
    return ServiceEdit(mode=mode, span=span, variants=variants, resources=resources)


def _check_variant_ids(service: Service, variants: Sequence[s.VariantEdit]) -> None:
    own = {v.id for v in service.variants}
    seen: set[int] = set()
    for index, variant in enumerate(variants):
        if variant.id is None:
            continue
        if variant.id not in own or variant.id in seen:
            raise broken(
                f"variants.{index}.id",
                _("Give the id of one of this service's options, each once, or none."),
            )
        seen.add(variant.id)


def _check_dropped_variants(dropped: Sequence[ServiceVariant]) -> None:
    """Bookings point at their option: one that has bookings stays (as in the admin)."""
    if not dropped:
        return
    used = db.session.scalar(
        sa.select(sa.func.count(Booking.id)).where(Booking.variant_id.in_([v.id for v in dropped]))
    )
    if used:
        raise broken(
            "variants",
            _("An option that has bookings cannot be removed; deactivate the service instead."),
        )


SERVICE_COLUMNS = {
    name: name
    for name in (
        "name",
        "description",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "grid_alignment_minutes",
        "grid_step_minutes",
        "start_alignment",
        "lead_time_minutes",
        "horizon_days",
        "cancel_cutoff_hours",
        "change_cutoff_hours",
        "active",
    )
}


def _apply_service_edit(service: Service, body: s.ServicePatch, edit: ServiceEdit) -> None:
    _copy_sent(service, body, SERVICE_COLUMNS)
    if "required_skills" in body.model_fields_set:
        service.required_skills = list(body.required_skills)
    service.resources = list(edit.resources)
    span = edit.span
    if edit.mode == DurationMode.FIXED and not service.is_fixed:
        service.unit_price_cents = None  # a price per hour or per day (as in the admin)
    service.duration_mode = edit.mode
    service.min_minutes = span.min_minutes if isinstance(span, s.HourRange) else None
    service.max_minutes = span.max_minutes if isinstance(span, s.HourRange) else None
    service.min_days = span.min_days if isinstance(span, s.DayRange) else None
    service.max_days = span.max_days if isinstance(span, s.DayRange) else None
    existing = {v.id: v for v in service.variants}
    kept = []
    for item in edit.variants:
        variant = existing.get(item.id) if item.id is not None else None
        variant = variant or ServiceVariant()
        variant.name = item.name
        variant.duration_minutes = item.duration_minutes
        variant.guests = item.guests
        variant.price_cents = item.price_cents
        variant.staff_count = item.staff_count
        kept.append(variant)
    service.variants = kept


@operation(
    "PATCH",
    "/services/<int:service_id>",
    summary="Change or retire a service",
    tag=SETUP,
    body=s.ServicePatch,
    query=s.DeactivationQuery,
    response=s.ServiceOut,
    errors=(errors.HAS_FUTURE_BOOKINGS,),
    scope=Scope.MANAGE,
)
def patch_service(
    service_id: int, body: s.ServicePatch, query: s.DeactivationQuery
) -> s.ServiceOut:
    """Only the fields sent change, checked by the same rules as on create; the slug
    stays. Availability follows at once; bookings already made keep their times and
    the terms they were made under. `active: false` retires the service: it is no
    longer listed or bookable, and its bookings stay as they are; with confirmed
    bookings or live holds still to come it answers 409 HAS_FUTURE_BOOKINGS with their
    number (`futureBookings`) unless `force=true`. A retired service is found here
    only; `active: true` offers it again."""
    service = access.service(service_id, retired=True)
    edit = _service_edit(service, body)
    _refuse_unconfirmed_deactivation(service.active, body, query, service_id=service.id)
    _apply_service_edit(service, body, edit)
    db.session.commit()
    return present.service(service)


# --- allocations ------------------------------------------------------------------------


@operation(
    "POST",
    "/allocations",
    summary="Block time on a resource",
    tag=SETUP,
    body=s.AllocationIn,
    response=s.AllocationOut,
    status=201,
    scope=Scope.MANAGE,
)
def create_allocation(body: s.AllocationIn) -> s.AllocationOut:
    """Maintenance, set-up, a private event, a lunch break: not bookable, respected by
    every availability query. `recurrence` repeats it weekly at the same local time.
    Refused with RULE_BROKEN by the admin's rules: an end not after the start, a
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
    scope=Scope.MANAGE,
)
def delete_allocation(allocation_id: int) -> None:
    db.session.delete(access.allocation(allocation_id))
    db.session.commit()
