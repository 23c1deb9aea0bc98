"""Customer pages. Views parse, call the engine or the booking service, render."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bookingsite.booking import questions
from bookingsite.booking import service as bookings
from bookingsite.booking.calendar import booking_ics
from bookingsite.booking.reasons import reason_text
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.bounds import browsable
from bookingsite.clock import format_instant, local_day_start, utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Booking, Channel, Resource, Service, Venue
from bookingsite.public import bp
from bookingsite.public.forms import CheckoutForm, GridQueryForm, HoldForm, instant_or_none
from bookingsite.safe_redirect import same_site_path
from bookingsite.web import is_htmx, render_page

WEEK_DAYS = 7
VISITOR_ZONE_COOKIE = "visitor_tz"
# The visitor's live hold: a new hold replaces it (one per browser session).
VISITOR_HOLD_KEY = "hold_id"


@bp.context_processor
def _template_helpers() -> dict:
    return {"reason_text": reason_text, "iso": format_instant}


@bp.get("/")
def home():
    min_capacity = request.args.get("capacity", type=int)
    attribute = {k: v for k in ("floor", "location") if (v := request.args.get(k, "").strip())}
    venues = db.session.scalars(
        sa.select(Venue)
        .order_by(Venue.name)
        .options(selectinload(Venue.services), selectinload(Venue.resources))
    ).all()

    def matches(resource: Resource) -> bool:
        if not resource.active or resource.is_staff:
            return False
        if min_capacity and resource.capacity < min_capacity:
            return False
        return all(str(resource.attributes.get(k, "")) == v for k, v in attribute.items())

    filtering = bool(min_capacity or attribute)
    listed = [v for v in venues if not filtering or any(matches(r) for r in v.resources)]
    floors = sorted(
        {str(r.attributes["floor"]) for v in venues for r in v.resources if "floor" in r.attributes}
    )
    locations = sorted(
        {
            str(r.attributes["location"])
            for v in venues
            for r in v.resources
            if "location" in r.attributes
        }
    )
    return render_template(
        "public/home.html",
        venues=listed,
        floors=floors,
        locations=locations,
        filters={"capacity": min_capacity or "", **attribute},
    )


@bp.post("/language")
def set_language():
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    # Only paths on this site: never let the form redirect elsewhere.
    return redirect(same_site_path(request.form.get("next")) or url_for("public.home"))


def _venue_or_404(slug: str) -> Venue:
    venue = db.session.scalar(
        sa.select(Venue)
        .where(Venue.slug == slug)
        .options(selectinload(Venue.services), selectinload(Venue.resources))
    )
    if venue is None:
        abort(404)
    g.venue = venue
    return venue


def _service_or_404(venue_slug: str, service_slug: str) -> Service:
    service = db.session.scalar(
        sa.select(Service)
        .join(Venue)
        .where(Venue.slug == venue_slug, Service.slug == service_slug, Service.active)
        .options(
            selectinload(Service.venue),
            selectinload(Service.resources),
            selectinload(Service.variants),
        )
    )
    if service is None:
        abort(404)
    g.venue = service.venue
    return service


@bp.get("/venues/<venue_slug>")
def venue(venue_slug: str):
    venue = _venue_or_404(venue_slug)
    return render_template("public/venue.html", venue=venue)


def visitor_zone(venue_zone: str) -> str | None:
    """The visitor's own zone (set by a small script), when it differs from the venue's."""
    zone = request.cookies.get(VISITOR_ZONE_COOKIE, "")
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return None
    return zone if zone and zone != venue_zone else None


def _grid_context(service: Service, query: GridQueryForm, now: datetime) -> dict:
    zone = service.venue.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    first_day = query.date.data or today
    if not browsable(first_day, today):
        query.date.errors = [_("Choose a date closer to today.")]
        first_day = today
    view = query.view.data if query.view.data in ("day", "week") else "week"
    days = 1 if view == "day" else WEEK_DAYS
    # The form offers only this service's options and places; anything else in a
    # shared or edited URL falls back to the first option and any place.
    variant_ids = [v.id for v in service.variants]
    variant_id = query.variant.data if query.variant.data in variant_ids else None
    if service.is_fixed and variant_id is None and variant_ids:
        variant_id = variant_ids[0]
    guests = query.guests.data or 1
    resource_id = query.resource.data or None
    if resource_id not in {r.id for r in service.places}:
        resource_id = None
    start = instant_or_none(query.start.data) if service.is_hourly else None
    start_day = query.start_day.data if service.is_daily else None
    if start_day and not browsable(start_day, today):
        query.start_day.errors = [_("Choose a date closer to today.")]
        start_day = None

    question = questions.ask(service, variant_id=variant_id, guests=guests, resource_id=resource_id)
    variant = question.variant
    grid = questions.grid(question, first_day, days, now)
    ends = questions.end_options(question, start, now) if start else []
    end_days = questions.day_runs(question, start_day, now) if start_day else []
    step = timedelta(days=days)
    state = {
        "variant": variant.id if variant else None,
        "guests": guests,
        "resource": resource_id,
        "date": first_day.isoformat(),
        "view": view,
    }

    def grid_url(**changes: str) -> str:
        params = {k: v for k, v in (state | changes).items() if v not in (None, "")}
        return url_for(
            "public.service", venue_slug=service.venue.slug, service_slug=service.slug, **params
        )

    next_available_day = (
        grid.next_available.start.astimezone(ZoneInfo(zone)).date().isoformat()
        if grid.next_available
        else None
    )
    return {
        "state": state,
        "grid_url": grid_url,
        "next_available_day": next_available_day,
        "grid_start": local_day_start(first_day, zone),
        "service": service,
        "venue": service.venue,
        "zone": zone,
        "visitor_zone": visitor_zone(zone),
        "query": query,
        "grid": grid,
        "view": view,
        "first_day": first_day,
        "today": today,
        "prev_day": first_day - step,
        "next_day": first_day + step,
        "variant": variant,
        "guests": guests,
        "resource_id": resource_id,
        "start": start,
        "ends": ends,
        "start_day": start_day,
        "end_days": end_days,
    }


def _grid_query(service: Service, source) -> GridQueryForm:
    query = GridQueryForm(formdata=source)
    query.variant.choices = [SelectChoice(v.id, v.name) for v in service.variants]
    query.resource.choices = [SelectChoice(0, _("Any available"))] + [
        SelectChoice(r.id, r.name) for r in service.places
    ]
    query.validate()
    # Fields that failed validation are ignored (and their messages shown).
    for field in query:
        if field.errors:
            field.data = field.default if field.name not in ("date", "start_day") else None
    return query


@bp.get("/venues/<venue_slug>/<service_slug>")
def service(venue_slug: str, service_slug: str):
    service = _service_or_404(venue_slug, service_slug)
    query = _grid_query(service, request.args)
    context = _grid_context(service, query, utcnow())
    return render_page("public/service.html", "public/_booking_panel.html", **context)


@bp.post("/venues/<venue_slug>/<service_slug>/hold")
def hold(venue_slug: str, service_slug: str):
    service = _service_or_404(venue_slug, service_slug)
    form = HoldForm()
    error: DomainError | None = None
    if form.validate_on_submit():
        try:
            booking = bookings.hold(
                HoldRequest(
                    service_id=service.id,
                    start=instant_or_none(form.start.data),
                    end=instant_or_none(form.end.data),
                    variant_id=form.variant.data,
                    resource_id=form.resource.data or None,
                    guests=form.guests.data or 1,
                    channel=Channel.WEB,
                    locale=str(get_locale()),
                    client_address=request.remote_addr,
                    replaces_booking_id=session.get(VISITOR_HOLD_KEY),
                )
            )
        except DomainError as exc:
            error = exc
        else:
            session[VISITOR_HOLD_KEY] = booking.id
            target = url_for("public.checkout", token=booking.manage_token)
            if is_htmx():
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, 303)
    status = error.status if error else 422
    if error is None:
        message = _("Please choose a time from the grid.")
    else:  # the field's own words say more than the catalogue's summary
        message = " ".join(error.fields.values()) if error.fields else error.message
    query = _grid_query(service, request.form)
    context = _grid_context(service, query, utcnow())
    return render_page(
        "public/service.html",
        "public/_booking_panel.html",
        status=status,
        hold_error=message,
        alternatives=[instant_or_none(a) for a in error.extra.get("alternatives", [])]
        if error
        else [],
        **context,
    )


def _booking_or_404(token: str) -> Booking:
    booking = db.session.scalar(sa.select(Booking).where(Booking.manage_token == token))
    if booking is None:
        abort(404)
    g.venue = booking.venue
    return booking


@bp.route("/checkout/<token>", methods=["GET", "POST"])
def checkout(token: str):
    booking = _booking_or_404(token)
    if booking.is_confirmed:
        return redirect(url_for("public.manage", token=token), 303)
    now = utcnow()
    form = CheckoutForm()
    if request.method == "GET":
        form.guests.data = booking.guests
    expired = not booking.is_active_at(now)
    status = 200
    if not expired and _checkout_valid(form, booking):
        try:
            bookings.confirm(
                booking.id,
                Customer(
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data or "",
                    notes=form.notes.data or "",
                ),
            )
        except DomainError as exc:
            expired = exc.code == "HOLD_EXPIRED"
            status = exc.status
        else:
            return redirect(url_for("public.manage", token=token, confirmed=1), 303)
    elif request.method == "POST":
        status = 409 if expired else 422
    return render_template(
        "public/checkout.html",
        booking=booking,
        group=bookings.group_of(booking),
        form=form,
        expired=expired,
        now=now,
        zone=booking.venue.timezone,
        seconds_left=max(0, int((booking.hold_expires_at - now).total_seconds()))
        if booking.hold_expires_at
        else 0,
    ), status


def _checkout_valid(form: CheckoutForm, booking: Booking) -> bool:
    if not form.validate_on_submit():
        return False
    if form.guests.data > booking.guests:
        form.guests.errors.append(
            _(
                "This hold is for at most %(n)d guests; choose a time again for more.",
                n=booking.guests,
            )
        )
        return False
    return True


@bp.get("/bookings/<token>")
def manage(token: str):
    booking = _booking_or_404(token)
    return render_template(
        "public/manage.html",
        booking=booking,
        group=bookings.group_of(booking),
        zone=booking.venue.timezone,
        just_confirmed=request.args.get("confirmed") == "1",
    )


@bp.get("/bookings/<token>/calendar.ics")
def calendar(token: str):
    booking = _booking_or_404(token)
    if not booking.is_confirmed:
        abort(404)
    response = make_response(booking_ics(bookings.group_of(booking), utcnow()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@bp.post("/bookings/<token>/cancel")
def cancel(token: str) -> Response:
    booking = _booking_or_404(token)
    if not FlaskForm().validate_on_submit():
        abort(400)
    bookings.cancel(booking.id)
    flash(_("Your booking %(reference)s is cancelled.", reference=booking.reference), "success")
    return redirect(url_for("public.manage", token=token), 303)
