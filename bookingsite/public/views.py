"""Customer pages. Views parse, call the engine or the booking service, render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from bookingsite.booking import service as bookings
from bookingsite.booking.inputs import load_service
from bookingsite.booking.reasons import reason_text
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.clock import format_instant, utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Booking, Channel, Resource, Service, Venue
from bookingsite.public import bp
from bookingsite.public.forms import CheckoutForm, HoldForm, instant_or_none
from bookingsite.public.money import money
from bookingsite.public.picker import (
    DAY,
    MONTH,
    FragmentCache,
    asks_guests,
    grid_context,
    grid_query,
    picker_error,
    picker_part_response,
    visitor_zone,
)
from bookingsite.safe_redirect import same_site_path
from bookingsite.web import is_htmx, render_page, see_other

# The visitor's live hold: a new hold replaces it (one per browser session).
VISITOR_HOLD_KEY = "hold_id"


@bp.context_processor
def _template_helpers() -> dict:
    return {
        "reason_text": reason_text,
        "iso": format_instant,
        "money": money,
        "cancel_terms": cancel_terms,
        "change_terms": change_terms,
        "asks_guests": asks_guests,
        "visitor_zone_for": visitor_zone,
    }


def _terms_of(service: Service) -> dict:
    """The service's live cutoffs in whole hours, as a hold would keep them."""
    return {
        "cancel_hours": service.cancel_cutoff // timedelta(hours=1),
        "change_hours": service.change_cutoff // timedelta(hours=1),
    }


@bp.get("/")
def home():
    min_capacity = request.args.get("capacity", type=int)
    attribute = {k: v for k in ("floor", "location") if (v := request.args.get(k, "").strip())}
    venues = db.session.scalars(
        sa.select(Venue)
        .where(Venue.active)
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
        .where(Venue.slug == slug, Venue.active)
        .options(selectinload(Venue.services), selectinload(Venue.resources))
    )
    if venue is None:
        abort(404)
    g.venue = venue
    return venue


def _service_or_404(venue_slug: str, service_slug: str) -> Service:
    """An offered service (active, at an open venue) by its slugs, with its venue, options and places: one lookup of
    its id, then the question layer's loader, which copies this process's set-up of the
    service while the set-up revision says it is current."""
    service_id = db.session.scalar(
        sa.select(Service.id)
        .join(Venue)
        .where(Venue.slug == venue_slug, Service.slug == service_slug, Service.active, Venue.active)
    )
    service = load_service(service_id) if service_id is not None else None
    if service is None:
        abort(404)
    g.venue = service.venue
    return service


# How far ahead the venue page lists the days its places close.
CLOSING_DAYS_AHEAD = timedelta(weeks=8)


@dataclass(frozen=True)
class ClosingDay:
    """A day some of the venue's places close on (a dated exception with no hours)."""

    day: date
    places: tuple[str, ...]
    whole_venue: bool


def closing_days(places: Sequence[Resource], first: date, last: date) -> list[ClosingDay]:
    """The days in [first, last] on which a dated exception closes one or more places."""
    closed: dict[date, list[str]] = {}
    for place in places:
        for text, periods in (place.hour_exceptions or {}).items():
            try:
                day = date.fromisoformat(text)
            except ValueError:
                continue
            if not periods and first <= day <= last:
                closed.setdefault(day, []).append(place.name)
    return [
        ClosingDay(day, tuple(names), whole_venue=len(names) == len(places))
        for day, names in sorted(closed.items())
    ]


@bp.get("/venues/<venue_slug>")
def venue(venue_slug: str):
    venue = _venue_or_404(venue_slug)
    places = [r for r in venue.resources if r.active and not r.is_staff]
    today = utcnow().astimezone(ZoneInfo(venue.timezone)).date()
    return render_template(
        "public/venue.html",
        venue=venue,
        closing_days=closing_days(places, today, today + CLOSING_DAYS_AHEAD),
    )


@bp.get("/venues/<venue_slug>/<service_slug>")
def service(venue_slug: str, service_slug: str):
    service = _service_or_404(venue_slug, service_slug)
    query = grid_query(service, request.args)
    context = grid_context(service, query, utcnow())
    return render_page(
        "public/service.html", "public/_booking_panel.html", **context, **_terms_of(service)
    )


@bp.get("/venues/<venue_slug>/<service_slug>/days")
def service_days(venue_slug: str, service_slug: str):
    """A month's day states (and a rental's chosen days): what a click on the month's
    arrows or a rental's day fetches. Without htmx, the whole page."""
    return _picker_part(venue_slug, service_slug, MONTH)


@bp.get("/venues/<venue_slug>/<service_slug>/times")
def service_times(venue_slug: str, service_slug: str):
    """One day's start times: what a click on a day of the month fetches."""
    return _picker_part(venue_slug, service_slug, DAY)


def _picker_part(venue_slug: str, service_slug: str, part: str):
    now = utcnow()
    cache = FragmentCache.for_app() if is_htmx() else None
    if cache is not None and (kept := cache.get(now)) is not None:
        return kept
    service = _service_or_404(venue_slug, service_slug)
    if cache is not None:
        # The state is read before the answer, so that it never labels a newer one.
        state = FragmentCache.state(service.venue_id, service.grid_alignment_minutes, now)
        context = grid_context(service, grid_query(service, request.args), now, part=part)
        return cache.put(service, state, picker_part_response(part, context))
    query = grid_query(service, request.args)
    if is_htmx():
        context = grid_context(service, query, now, part=part)
        return picker_part_response(part, context)
    # A shared or reloaded fragment URL: the whole page, in the same state.
    context = grid_context(service, query, now)
    return render_page("public/service.html", "", **context, **_terms_of(service))


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
            return see_other(url_for("public.checkout", token=booking.manage_token))
    query = grid_query(service, request.form)
    context = grid_context(service, query, utcnow())
    status, refusal = picker_error(error)
    return render_page(
        "public/service.html",
        "public/_booking_panel.html",
        status=status,
        **refusal,
        **context,
        **_terms_of(service),
    )


def booking_or_404(token: str) -> Booking:
    booking = db.session.scalar(sa.select(Booking).where(Booking.manage_token == token))
    if booking is None:
        abort(404)
    g.venue = booking.venue
    return booking


@bp.route("/checkout/<token>", methods=["GET", "POST"])
def checkout(token: str):
    booking = booking_or_404(token)
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
