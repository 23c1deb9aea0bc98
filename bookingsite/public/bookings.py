"""A customer's own booking, through its private link: the manage page, the calendar
file, cancelling (after a confirmation page) and choosing a new time; and "Find my
booking", which e-mails those links to the address that booked.

What the customer may still do is the booking's kept terms (`may_cancel`, `may_change`);
the booking service judges again in its transaction, and its refusal lands on the page."""

from __future__ import annotations

import hashlib

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf import FlaskForm

from bookingsite import errors
from bookingsite.booking import service as bookings
from bookingsite.booking.calendar import booking_ics
from bookingsite.booking.inputs import load_service
from bookingsite.booking.reasons import status_text
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import limiter
from bookingsite.i18n import local_date, local_time
from bookingsite.mail import outbox
from bookingsite.models import Booking, Service
from bookingsite.public import bp
from bookingsite.public.forms import FindBookingForm, RescheduleForm, instant_or_none
from bookingsite.public.picker import (
    DAY,
    MONTH,
    Move,
    grid_context,
    grid_query,
    picker_error,
    picker_part_response,
)
from bookingsite.public.views import booking_or_404
from bookingsite.web import error_response, is_htmx, render_page, see_other

# Refusals that the manage page explains (with the venue's contacts), not the picker.
MANAGE_PAGE_ERRORS = frozenset({"TOO_LATE_TO_CHANGE", "TOO_LATE_TO_CANCEL", "INVALID_STATE"})


def _manage_page(booking: Booking, *, status: int = 200, error: str | None = None):
    now = utcnow()
    return render_template(
        "public/manage.html",
        booking=booking,
        group=bookings.group_of(booking),
        zone=booking.venue.timezone,
        now=now,
        error=error,
        just_confirmed=request.args.get("confirmed") == "1" and error is None,
    ), status


def _to_manage_page(booking: Booking, message: str | None = None) -> Response:
    if message:
        flash(message, "error")
    return redirect(url_for("public.manage", token=booking.manage_token), 303)


def _refused(booking: Booking, error: DomainError):
    """A refusal the manage page explains. htmx, which swaps the picker alone, is sent
    there instead of getting a whole page inside the picker."""
    if is_htmx():
        flash(error.message, "error")
        return see_other(url_for("public.manage", token=booking.manage_token))
    return _manage_page(booking, status=error.status, error=error.message)


@bp.get("/bookings/<token>")
def manage(token: str):
    return _manage_page(booking_or_404(token))


@bp.get("/bookings/<token>/calendar.ics")
def calendar(token: str):
    booking = booking_or_404(token)
    if not booking.is_confirmed:
        abort(404)
    response = make_response(booking_ics(bookings.group_of(booking), utcnow()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


# Cancelling -----------------------------------------------------------------------------


@bp.get("/bookings/<token>/cancel")
def confirm_cancel(token: str):
    """Are you sure? The booking, its terms, and a form that cancels it."""
    booking = booking_or_404(token)
    if not (booking.is_confirmed or booking.is_hold):
        return _to_manage_page(booking)
    if booking.is_confirmed and not booking.may_cancel(utcnow()):
        return _to_manage_page(booking, DomainError(errors.TOO_LATE_TO_CANCEL).message)
    return render_template(
        "public/cancel.html",
        booking=booking,
        group=bookings.group_of(booking),
        zone=booking.venue.timezone,
    )


@bp.post("/bookings/<token>/cancel")
def cancel(token: str):
    booking = booking_or_404(token)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        bookings.cancel(booking.id, by_customer=True)
    except DomainError as error:
        if error.code not in MANAGE_PAGE_ERRORS:
            raise
        return _refused(booking, error)
    flash(_("Your booking %(reference)s is cancelled.", reference=booking.reference), "success")
    return redirect(url_for("public.manage", token=token), 303)


# A new time -----------------------------------------------------------------------------


def _move_or_refusal(booking: Booking, now) -> tuple[Move, Service, DomainError | None]:
    """The booking's group as a move, its service, and why it may not move (or None)."""
    move = Move.of(bookings.group_of(booking))
    service = load_service(move.booking.service_id)
    refusal: DomainError | None = None
    if not move.booking.is_confirmed:
        refusal = DomainError(errors.INVALID_STATE, status=status_text(move.booking.status))
    elif not move.booking.may_change(now):
        refusal = DomainError(errors.TOO_LATE_TO_CHANGE)
    else:
        try:  # the service may have changed under the booking (an option removed)
            move.question(service)
        except DomainError:
            refusal = DomainError(errors.TOO_LATE_TO_CHANGE)
    return move, service, refusal


@bp.route("/bookings/<token>/reschedule", methods=["GET", "POST"])
def reschedule(token: str):
    """The picker for a new time (GET, with the grid's query string), and the chosen
    time (POST: its start; the end follows from the booking)."""
    booking = booking_or_404(token)
    now = utcnow()
    move, service, refusal = _move_or_refusal(booking, now)
    if refusal is not None:
        if request.method == "GET":
            return _to_manage_page(booking, refusal.message)
        return _refused(booking, refusal)

    if request.method == "GET":
        context = grid_context(service, grid_query(service, request.args), now, move=move)
        return render_page("public/reschedule.html", "public/_booking_panel.html", **context)

    form = RescheduleForm()
    error: DomainError | None = None
    if form.validate_on_submit():
        start = instant_or_none(form.start.data)
        end = move.end_for(service, start, now)
        if service.is_daily and end is None:
            error = _days_not_free(move.days)
        else:
            try:
                moved = bookings.reschedule(move.booking.id, start=start, end=end)
            except DomainError as exc:
                if exc.code in MANAGE_PAGE_ERRORS:
                    return _refused(booking, exc)
                error = exc
            else:
                zone = service.venue.timezone
                when = local_date(moved.start_at, zone) + ", " + local_time(moved.start_at, zone)
                flash(_("Your booking now starts at %(when)s.", when=when), "success")
                return see_other(url_for("public.manage", token=token))
    status, shown = picker_error(error)
    context = grid_context(service, grid_query(service, request.form), now, move=move)
    return render_page(
        "public/reschedule.html", "public/_booking_panel.html", status=status, **shown, **context
    )


@bp.get("/bookings/<token>/reschedule/days")
def reschedule_days(token: str):
    """The new time's month (and a rental's chosen days), as the service page's."""
    return _reschedule_part(token, MONTH)


@bp.get("/bookings/<token>/reschedule/times")
def reschedule_times(token: str):
    """The new time's day: its start times."""
    return _reschedule_part(token, DAY)


def _reschedule_part(token: str, part: str):
    booking = booking_or_404(token)
    now = utcnow()
    move, service, refusal = _move_or_refusal(booking, now)
    if refusal is not None:
        return (
            _refused(booking, refusal) if is_htmx() else _to_manage_page(booking, refusal.message)
        )
    query = grid_query(service, request.args)
    if is_htmx():
        return picker_part_response(part, grid_context(service, query, now, move=move, part=part))
    context = grid_context(service, query, now, move=move)
    return render_page("public/reschedule.html", "", **context)


def _days_not_free(days: int) -> DomainError:
    message = ngettext(
        "Your booking needs %(num)d free day from this one. Please choose another day.",
        "Your booking needs %(num)d free days in a row from this one. Please choose another day.",
        days,
    )
    return DomainError(errors.VALIDATION_ERROR, fields={"startTime": message})


# Find my booking ------------------------------------------------------------------------
# It sends e-mail to whatever address is typed in: limited per client address, and per
# address asked about from any number of clients (settings).


def _find_limit() -> str:
    return current_app.config["FIND_BOOKING_RATE_LIMIT"]


def _find_email_limit() -> str:
    return current_app.config["FIND_BOOKING_EMAIL_RATE_LIMIT"]


def _posted_email() -> str:
    return request.form.get("email", "").strip().lower()


def _posted_email_key() -> str:
    # Hashed: the limit storage (Redis, shared by workers) holds no e-mail addresses.
    return "find-booking:" + hashlib.sha256(_posted_email().encode()).hexdigest()


def _no_posted_email() -> bool:
    return not _posted_email()


@bp.route("/bookings/find", methods=["GET", "POST"])
@limiter.limit(_find_limit, methods=["POST"])
@limiter.limit(
    _find_email_limit, methods=["POST"], key_func=_posted_email_key, exempt_when=_no_posted_email
)
def find():
    """One answer for every well-formed address, whether it booked anything or not: the
    page never tells who is a customer."""
    form = FindBookingForm()
    if form.validate_on_submit():
        outbox.send_bookings_list(form.email.data)
        # Not echoed back: the page reads the same, byte for byte, for any address.
        return render_template("public/find.html", form=FindBookingForm(formdata=None), sent=True)
    status = 422 if form.is_submitted() else 200
    return render_template("public/find.html", form=form, sent=False), status


@bp.errorhandler(RateLimitExceeded)
def _too_many_requests(exc: RateLimitExceeded):
    """Over a limit, "Find my booking" answers with its page and a message (Flask-Limiter
    adds Retry-After); any other limited page with the error page."""
    if request.endpoint != "public.find":
        return error_response(DomainError(errors.RATE_LIMITED))
    form = FindBookingForm(formdata=None)
    return render_template("public/find.html", form=form, sent=False, limited=True), 429
