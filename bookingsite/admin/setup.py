"""Set-up pages: resources (staff included), their hours and blocks, and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from bookingsite.admin import bp
from bookingsite.admin.forms import (
    AROUND_THE_CLOCK,
    MAX_CUTOFF_HOURS,
    MAX_PERIODS,
    SET_HOURS,
    ActionForm,
    BlockForm,
    ExceptionForm,
    HoursForm,
    NewResourceForm,
    ResourceForm,
    ServiceForm,
    kind_labels,
    split_words,
    weekday_names,
)
from bookingsite.admin.hours import format_periods
from bookingsite.admin.hours_preview import preview_hours
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.booking.orphans import future_bookings_count
from bookingsite.booking.reasons import reason_text
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    DurationMode,
    Resource,
    ResourceKind,
    Service,
    ServiceVariant,
    StaffShift,
    Venue,
)
from bookingsite.setup_rules import free_slug
from bookingsite.staff import remove_shift, set_shift, visiting_staff


def venue_resource(resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.venue_id != g.venue.id:
        abort(404)
    return resource


def venue_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.venue_id != g.venue.id:
        abort(404)
    return service


def _status(form: Any) -> int:
    """A submitted form that failed validation answers 422, a first display 200."""
    return 422 if form.is_submitted() and form.errors else 200


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def _amount(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


# Deactivation ------------------------------------------------------------------------
# Switching off a resource or a service that still has bookings to come leaves them as
# they are; the manager is told how many and confirms (`confirm=1`) before it happens.
# Until then nothing changes and the page answers 409, like the API's HAS_FUTURE_BOOKINGS.


@dataclass(frozen=True)
class Deactivation:
    """A deactivation waiting for the manager's confirmation."""

    name: str
    future_bookings: int
    bookings_url: str | None  # the bookings list filtered to it, where such a filter exists


def _unconfirmed_deactivation(
    name: str,
    *,
    was_active: bool,
    stays_active: bool,
    resource_id: int | None = None,
    service_id: int | None = None,
) -> Deactivation | None:
    """What to ask the manager before deactivating, or None to go ahead: nothing is
    switched off, there is nothing still to come, or the manager has confirmed."""
    if not was_active or stays_active or request.form.get("confirm") == "1":
        return None
    now = utcnow()
    count = future_bookings_count(now=now, resource_id=resource_id, service_id=service_id)
    if not count:
        return None
    bookings_url = None
    if resource_id is not None:
        today = now.astimezone(ZoneInfo(g.venue.timezone)).date()
        bookings_url = url_for("admin.bookings", resource=resource_id, date_from=today)
    return Deactivation(name, count, bookings_url)


def _confirm_page(deactivation: Deactivation, action_url: str, back_url: str):
    return render_template(
        "admin/deactivate.html",
        deactivation=deactivation,
        action_url=action_url,
        back_url=back_url,
    ), 409


# Resources ---------------------------------------------------------------------------


@bp.get("/venues/<int:venue_id>/resources/")
def resources():
    rows = db.session.scalars(
        sa.select(Resource).where(Resource.venue_id == g.venue.id).order_by(Resource.name)
    ).all()
    return render_template(
        "admin/resources.html",
        resources=rows,
        kinds=kind_labels(),
        format_periods=format_periods,
        weekday_keys=WEEKDAY_KEYS,
    )


def _fill_resource(resource: Resource, form: ResourceForm) -> None:
    resource.name = form.name.data.strip()
    resource.kind = ResourceKind(form.kind.data)
    resource.capacity = form.capacity.data
    resource.timezone = form.timezone.data or None
    resource.skills = split_words(form.skills.data)
    resource.attributes = form.attribute_dict()
    resource.active = form.active.data


@bp.route("/venues/<int:venue_id>/resources/new", methods=["GET", "POST"])
def resource_new():
    form = NewResourceForm()
    if form.validate_on_submit():
        # "At set hours": a week with no period yet, so that it cannot be booked until
        # the manager has given them (never a silent "around the clock").
        always = form.hours_mode.data == AROUND_THE_CLOCK
        weekly = None if always else {key: [] for key in WEEKDAY_KEYS}
        resource = Resource(venue_id=g.venue.id, weekly_hours=weekly, hour_exceptions={})
        _fill_resource(resource, form)
        db.session.add(resource)
        db.session.commit()
        if always:
            message = _("%(name)s was created, open around the clock.", name=resource.name)
        else:
            message = _(
                "%(name)s was created. It cannot be booked until you set its hours below.",
                name=resource.name,
            )
        flash(message, "success")
        return redirect(url_for("admin.resource_hours", resource_id=resource.id))
    return render_template("admin/resource_form.html", form=form, resource=None), _status(form)


@bp.route("/venues/<int:venue_id>/resources/<int:resource_id>/edit", methods=["GET", "POST"])
def resource_edit(resource_id: int):
    resource = venue_resource(resource_id)
    form = ResourceForm(obj=resource if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = resource.kind.value
        form.skills.data = ", ".join(resource.skills or ())
        form.attributes.data = "\n".join(
            f"{k}: {v}" for k, v in (resource.attributes or {}).items()
        )
        form.timezone.data = resource.timezone or ""
    if form.validate_on_submit():
        deactivation = _unconfirmed_deactivation(
            resource.name,
            was_active=resource.active,
            stays_active=form.active.data,
            resource_id=resource.id,
        )
        if deactivation is not None:
            return render_template(
                "admin/resource_form.html",
                form=form,
                resource=resource,
                deactivation=deactivation,
            ), 409
        _fill_resource(resource, form)
        db.session.commit()
        flash(_("%(name)s was saved.", name=resource.name), "success")
        return redirect(url_for("admin.resources"))
    return render_template("admin/resource_form.html", form=form, resource=resource), _status(form)


@bp.post("/venues/<int:venue_id>/resources/<int:resource_id>/active")
def resource_toggle(resource_id: int):
    resource = venue_resource(resource_id)
    form = ActionForm()
    if form.validate_on_submit():
        deactivation = _unconfirmed_deactivation(
            resource.name,
            was_active=resource.active,
            stays_active=False,
            resource_id=resource.id,
        )
        if deactivation is not None:
            return _confirm_page(
                deactivation,
                url_for("admin.resource_toggle", resource_id=resource.id),
                url_for("admin.resources"),
            )
        resource.active = not resource.active
        db.session.commit()
        message = (
            _("%(name)s is active again.", name=resource.name)
            if resource.active
            else _("%(name)s was deactivated: it is no longer offered.", name=resource.name)
        )
        flash(message, "success")
    return redirect(url_for("admin.resources"))


# Hours and exceptions -----------------------------------------------------------------


def _stored_hours_form(resource: Resource) -> HoursForm:
    form = HoursForm(formdata=None)
    form.fill(resource.weekly_hours)
    return form


# The hours form's buttons: save (also Enter), preview, copy Monday, add a period to a
# day. Only "save" writes; the others answer the same page, nothing stored.
SAVE, PREVIEW, COPY_MONDAY, ADD_PREFIX = "save", "preview", "copy-monday", "add-"


@bp.route("/venues/<int:venue_id>/resources/<int:resource_id>/hours", methods=["GET", "POST"])
def resource_hours(resource_id: int):
    resource = venue_resource(resource_id)
    if request.method == "GET":
        return _hours_page(resource, _stored_hours_form(resource), ExceptionForm(formdata=None))
    form = HoursForm()
    action = request.form.get("action", SAVE)
    if action not in (SAVE, PREVIEW):
        notice = _edit_in_place(form, action)
        return _hours_page(resource, form, ExceptionForm(formdata=None), notice=notice)
    if not form.validate_on_submit():
        return _hours_page(resource, form, ExceptionForm(formdata=None), status=422)
    if action == PREVIEW:
        preview = preview_hours(resource, form.weekly, utcnow())
        resource = venue_resource(resource_id)
        return _hours_page(resource, form, ExceptionForm(formdata=None), preview=preview)
    resource.weekly_hours = form.weekly
    db.session.commit()
    flash(_("The hours of %(name)s were saved.", name=resource.name), "success")
    return redirect(url_for("admin.resource_hours", resource_id=resource.id))


def _edit_in_place(form: HoursForm, action: str) -> str | None:
    """The hours form's buttons that change the form, not the stored hours (copy Monday,
    add a period); what to tell, if anything. Any other action is a bad request."""
    if action == COPY_MONDAY:
        form.copy_monday()
        return _("Monday's hours were copied to Tuesday to Friday. Save to keep them.")
    if action.startswith(ADD_PREFIX) and action.removeprefix(ADD_PREFIX) in WEEKDAY_KEYS:
        if not form.add_period(action.removeprefix(ADD_PREFIX)):
            return _("A day has room for %(n)d periods at most.", n=MAX_PERIODS)
        return None
    abort(400)


def _hours_page(
    resource: Resource,
    form: HoursForm,
    exception_form: ExceptionForm,
    status: int = 200,
    **context: Any,
):
    exceptions = sorted((resource.hour_exceptions or {}).items())
    return render_template(
        "admin/resource_hours.html",
        resource=resource,
        shifts=_shifts_elsewhere(resource),
        weekday_names=list(zip(WEEKDAY_KEYS, weekday_names(), strict=True)),
        form=form,
        exception_form=exception_form,
        exceptions=exceptions,
        format_periods=format_periods,
        parse_date=date.fromisoformat,
        delete_form=ActionForm(formdata=None),
        actions={"save": SAVE, "preview": PREVIEW, "copy_monday": COPY_MONDAY, "add": ADD_PREFIX},
        max_periods=MAX_PERIODS,
        reason_text=reason_text,
        **context,
    ), status


# Shifts at other venues -----------------------------------------------------------------


def _shifts_elsewhere(resource: Resource) -> list[tuple[Venue, StaffShift | None]]:
    """For a staff member: each other venue of the organisation, with its shift there."""
    if not resource.is_staff:
        return []
    others = [v for v in g.venue.organisation.venues if v.id != g.venue.id]
    return [(venue, resource.shift_at(venue.id)) for venue in others]


def _shift_venue(resource: Resource, at_venue_id: int) -> Venue:
    """Another venue of the organisation, where a staff member may have a shift."""
    venue = db.session.get(Venue, at_venue_id)
    if (
        not resource.is_staff
        or venue is None
        or venue.id == g.venue.id
        or venue.organisation_id != g.venue.organisation_id
    ):
        abort(404)
    return venue


@bp.route(
    "/venues/<int:venue_id>/resources/<int:resource_id>/shifts/<int:at_venue_id>",
    methods=["GET", "POST"],
)
def resource_shift(resource_id: int, at_venue_id: int):
    """A staff member's hours at another venue: its services may then draw on it."""
    resource = venue_resource(resource_id)
    at = _shift_venue(resource, at_venue_id)
    shift = resource.shift_at(at.id)
    if request.method == "GET":
        form = HoursForm(formdata=None)
        form.fill(shift.weekly_hours if shift else {})
        form.mode.data = SET_HOURS
        return _shift_page(resource, at, form)
    form = HoursForm()
    form.mode.data = SET_HOURS  # a shift has hours; "around the clock" is not offered
    action = request.form.get("action", SAVE)
    if action != SAVE:
        return _shift_page(resource, at, form, notice=_edit_in_place(form, action))
    if not form.validate_on_submit():
        return _shift_page(resource, at, form, status=422)
    set_shift(resource, at, form.weekly)
    db.session.commit()
    flash(
        _("The shifts of %(name)s at %(venue)s were saved.", name=resource.name, venue=at.name),
        "success",
    )
    return redirect(url_for("admin.resource_hours", resource_id=resource.id))


def _shift_page(resource: Resource, at: Venue, form: HoursForm, status: int = 200, **context):
    return render_template(
        "admin/resource_shift.html",
        resource=resource,
        at=at,
        form=form,
        actions={"save": SAVE, "copy_monday": COPY_MONDAY, "add": ADD_PREFIX},
        max_periods=MAX_PERIODS,
        **context,
    ), status


@bp.post("/venues/<int:venue_id>/resources/<int:resource_id>/shifts/<int:at_venue_id>/delete")
def resource_shift_delete(resource_id: int, at_venue_id: int):
    resource = venue_resource(resource_id)
    at = _shift_venue(resource, at_venue_id)
    if ActionForm().validate_on_submit():
        remove_shift(resource, at.id)
        db.session.commit()
        flash(
            _("%(name)s no longer works at %(venue)s.", name=resource.name, venue=at.name),
            "success",
        )
    return redirect(url_for("admin.resource_hours", resource_id=resource.id))


@bp.post("/venues/<int:venue_id>/resources/<int:resource_id>/exceptions")
def exception_add(resource_id: int):
    resource = venue_resource(resource_id)
    form = ExceptionForm()
    if form.validate_on_submit():
        exceptions = dict(resource.hour_exceptions or {})
        exceptions[form.day.data.isoformat()] = form.parsed
        resource.hour_exceptions = exceptions
        db.session.commit()
        flash(_("The exception was saved."), "success")
        return redirect(url_for("admin.resource_hours", resource_id=resource.id))
    return _hours_page(resource, _stored_hours_form(resource), form, 422)


@bp.post("/venues/<int:venue_id>/resources/<int:resource_id>/exceptions/<day>/delete")
def exception_delete(resource_id: int, day: str):
    resource = venue_resource(resource_id)
    exceptions = dict(resource.hour_exceptions or {})
    if day not in exceptions:
        abort(404)
    if ActionForm().validate_on_submit():
        del exceptions[day]
        resource.hour_exceptions = exceptions
        db.session.commit()
        flash(_("The exception was removed."), "success")
    return redirect(url_for("admin.resource_hours", resource_id=resource.id))


# Blocks ------------------------------------------------------------------------------


@bp.route("/venues/<int:venue_id>/resources/<int:resource_id>/blocks", methods=["GET", "POST"])
def resource_blocks(resource_id: int):
    resource = venue_resource(resource_id)
    form = BlockForm(zone=resource.zone)
    if form.validate_on_submit():
        db.session.add(
            Allocation(
                resource_id=resource.id,
                start_at=form.start_at,
                end_at=form.end_at,
                reason=form.reason.data.strip(),
                weekdays=sorted(form.weekdays.data) or None,
                repeat_until=form.repeat_until.data if form.weekdays.data else None,
            )
        )
        db.session.commit()
        flash(_("The block was saved."), "success")
        return redirect(url_for("admin.resource_blocks", resource_id=resource.id))
    blocks = db.session.scalars(
        sa.select(Allocation)
        .where(Allocation.resource_id == resource.id)
        .order_by(Allocation.start_at)
    ).all()
    return render_template(
        "admin/resource_blocks.html",
        resource=resource,
        form=form,
        blocks=blocks,
        weekday_names=weekday_names(),
        delete_form=ActionForm(formdata=None),
    ), _status(form)


@bp.post("/venues/<int:venue_id>/resources/<int:resource_id>/blocks/<int:block_id>/delete")
def block_delete(resource_id: int, block_id: int):
    resource = venue_resource(resource_id)
    allocation = db.session.get(Allocation, block_id)
    if allocation is None or allocation.resource_id != resource.id:
        abort(404)
    if ActionForm().validate_on_submit():
        db.session.delete(allocation)
        db.session.commit()
        flash(_("The block was removed."), "success")
    return redirect(url_for("admin.resource_blocks", resource_id=resource.id))


# Services ----------------------------------------------------------------------------


@bp.get("/venues/<int:venue_id>/services/")
def services():
    rows = db.session.scalars(
        sa.select(Service).where(Service.venue_id == g.venue.id).order_by(Service.name)
    ).all()
    return render_template("admin/services.html", services=rows)


def _venue_resources() -> list[Resource]:
    """What a service of the venue may use: the venue's resources, then the staff of
    other venues of the organisation with a shift here."""
    own = db.session.scalars(
        sa.select(Resource).where(Resource.venue_id == g.venue.id).order_by(Resource.name)
    )
    return [*own, *visiting_staff(g.venue)]


def _service_form(service: Service | None) -> ServiceForm:
    resources = _venue_resources()
    if request.method == "POST" or service is None:
        form = ServiceForm(resources=resources, venue_id=g.venue.id)
        if request.method == "GET":
            form.variants.append_entry()
        return form
    form = ServiceForm(obj=service, resources=resources, venue_id=g.venue.id)
    form.duration_mode.data = service.duration_mode.value
    form.required_skills.data = ", ".join(service.required_skills or ())
    form.resources.data = [r.id for r in service.resources]
    form.unit_price.data = _amount(service.unit_price_cents)
    while len(form.variants):
        form.variants.pop_entry()
    for variant in service.variants:
        entry = form.variants.append_entry()
        entry.form.variant_id.data = str(variant.id)
        entry.form.name.data = variant.name
        entry.form.duration_minutes.data = variant.duration_minutes
        entry.form.guests.data = variant.guests
        entry.form.staff_count.data = variant.staff_count
        entry.form.price.data = _amount(variant.price_cents)
    for _extra in range(2):
        form.variants.append_entry()
    return form


def _other_slugs(service: Service | None) -> set[str]:
    """The slugs of the venue's other services (unique per venue)."""
    query = sa.select(Service.slug).where(Service.venue_id == g.venue.id)
    if service is not None:
        query = query.where(Service.id != service.id)
    return set(db.session.scalars(query))


def _slug_for(form: ServiceForm, service: Service | None) -> str | None:
    """The typed slug if no other service of the venue has it (else None, with a field
    error), or one made from the name when the field was left empty."""
    taken = _other_slugs(service)
    if not form.slug.data:
        return free_slug(form.name.data, taken, fallback="service")
    if form.slug.data in taken:
        form.slug.errors.append(_("Another service of this venue uses this address name."))
        return None
    return form.slug.data


def _committed(form: ServiceForm, slug: str, service: Service | None) -> bool:
    """Commit; the unique constraint has the last word on the slug: should another
    manager have taken it meanwhile, roll back and say so on the field."""
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        if slug not in _other_slugs(service):
            raise
        form.slug.errors.append(_("Another service of this venue uses this address name."))
        return False
    return True


def _save_service(service: Service, form: ServiceForm, slug: str) -> bool:
    """Copy the form onto the service; False (with a field error) if a variant in use
    would have to be deleted. Reads before it writes, so that only the commit can meet
    the slug's unique constraint."""
    venue_resources = _venue_resources()
    mode = DurationMode(form.duration_mode.data)
    hourly, daily = mode == DurationMode.HOURLY, mode == DurationMode.DAILY
    kept: list[ServiceVariant] = []
    existing = {str(v.id): v for v in service.variants}
    for row in form.filled_variants if mode == DurationMode.FIXED else []:
        variant = existing.get(row.variant_id.data or "") or ServiceVariant()
        variant.name = (row.name.data or "").strip()
        variant.duration_minutes = row.duration_minutes.data
        variant.guests = row.guests.data or 1
        variant.staff_count = row.staff_count.data or 1
        variant.price_cents = _cents(row.price.data)
        kept.append(variant)
    dropped = [v for v in service.variants if v not in kept and v.id is not None]
    if dropped:
        used = db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.variant_id.in_([v.id for v in dropped])
            )
        )
        if used:
            form.variants.errors.append(
                _("An option that has bookings cannot be removed; deactivate the service instead.")
            )
            return False
    service.name = form.name.data.strip()
    service.slug = slug
    service.description = form.description.data or ""
    service.duration_mode = mode
    service.variants = kept
    service.min_minutes = form.min_minutes.data if hourly else None
    service.max_minutes = form.max_minutes.data if hourly else None
    service.min_days = form.min_days.data if daily else None
    service.max_days = form.max_days.data if daily else None
    service.unit_price_cents = _cents(form.unit_price.data) if hourly or daily else None
    service.buffer_before_minutes = form.buffer_before_minutes.data
    service.buffer_after_minutes = form.buffer_after_minutes.data
    service.grid_alignment_minutes = form.grid_alignment_minutes.data
    service.grid_step_minutes = form.grid_step_minutes.data
    service.start_alignment = form.start_alignment.data
    service.lead_time_minutes = form.lead_time_minutes.data
    service.horizon_days = form.horizon_days.data
    service.cancel_cutoff_hours = form.cancel_cutoff_hours.data  # None: the venue's
    service.change_cutoff_hours = form.change_cutoff_hours.data
    service.required_skills = split_words(form.required_skills.data)
    chosen = set(form.resources.data or [])
    service.resources = [r for r in venue_resources if r.id in chosen]
    service.active = form.active.data
    return True


def _service_page(form: ServiceForm, service: Service | None, **context: Any) -> str:
    """The service form; an empty cutoff field says what the venue's default is."""
    return render_template(
        "admin/service_form.html",
        form=form,
        service=service,
        venue_cancel_terms=cancel_terms(g.venue.cancel_cutoff_hours),
        venue_change_terms=change_terms(g.venue.change_cutoff_hours),
        max_cutoff_hours=MAX_CUTOFF_HOURS,
        **context,
    )


@bp.route("/venues/<int:venue_id>/services/new", methods=["GET", "POST"])
def service_new():
    form = _service_form(None)
    if form.validate_on_submit():
        slug = _slug_for(form, None)
        service = Service(venue_id=g.venue.id)
        if slug is not None and _save_service(service, form, slug):
            db.session.add(service)
            if _committed(form, slug, None):
                flash(_("%(name)s was created.", name=service.name), "success")
                return redirect(url_for("admin.services"))
        db.session.rollback()
    return _service_page(form, None), _status(form)


@bp.route("/venues/<int:venue_id>/services/<int:service_id>/edit", methods=["GET", "POST"])
def service_edit(service_id: int):
    service = venue_service(service_id)
    form = _service_form(service)
    if form.validate_on_submit():
        deactivation = _unconfirmed_deactivation(
            service.name,
            was_active=service.active,
            stays_active=form.active.data,
            service_id=service.id,
        )
        if deactivation is not None:
            return _service_page(form, service, deactivation=deactivation), 409
        slug = _slug_for(form, service)
        if (
            slug is not None
            and _save_service(service, form, slug)
            and _committed(form, slug, service)
        ):
            flash(_("%(name)s was saved.", name=service.name), "success")
            return redirect(url_for("admin.services"))
        db.session.rollback()
        service = venue_service(service_id)
    return _service_page(form, service), _status(form)


@bp.post("/venues/<int:venue_id>/services/<int:service_id>/active")
def service_toggle(service_id: int):
    service = venue_service(service_id)
    if ActionForm().validate_on_submit():
        deactivation = _unconfirmed_deactivation(
            service.name, was_active=service.active, stays_active=False, service_id=service.id
        )
        if deactivation is not None:
            return _confirm_page(
                deactivation,
                url_for("admin.service_toggle", service_id=service.id),
                url_for("admin.services"),
            )
        service.active = not service.active
        db.session.commit()
        message = (
            _("%(name)s is offered again.", name=service.name)
            if service.active
            else _("%(name)s was deactivated: customers no longer see it.", name=service.name)
        )
        flash(message, "success")
    return redirect(url_for("admin.services"))
