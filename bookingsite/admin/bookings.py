"""Bookings: the list with its filters, a booking's page, cancel and move, and the CSV
export (the reports page is admin/reports.py).

A booking is shown with the terms it keeps (service and option names, price, currency,
cutoffs), as the customer agreed to them: later edits of the service change none of it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bookingsite import errors
from bookingsite.admin import bp
from bookingsite.admin.forms import (
    BookingFilterForm,
    CancelForm,
    MoveForm,
    PhoneBookingForm,
    RangeForm,
)
from bookingsite.admin.hours import NonexistentTime, to_utc
from bookingsite.availability import Reason, RecurringBlock, block_instants
from bookingsite.booking import service as booking_service
from bookingsite.booking.reasons import REASON_TEXT, status_text
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.clock import local_day_range, parse_instant, utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.i18n import local_datetime, local_time
from bookingsite.models import (
    Allocation,
    Booking,
    BookingEvent,
    BookingStatus,
    Manager,
    Occupancy,
    Resource,
)
from bookingsite.web import render_page

LIST_LIMIT = 500
MOVE_FIELDS = {"resourceId": "resource", "startTime": "at", "endTime": "at"}


def venue_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.venue_id != g.venue.id:
        abort(404)
    return booking


def shown_status(booking: Booking, now: datetime) -> str:
    """A hold past its expiry shows as expired even before a write has marked it."""
    if booking.hold_has_lapsed(now):
        return status_text(BookingStatus.EXPIRED)
    return status_text(booking.status)


# What each history entry says; an action not listed here shows as recorded.
EVENT_TEXT = {
    "cancel": _l("Cancelled"),
    "move": _l("Moved"),
    "reschedule": _l("Time changed by the customer"),
    "release": _l("Hold released"),
    booking_service.PHONE: _l("Booked by phone"),
}


def event_text(action: str) -> str:
    text = EVENT_TEXT.get(action)
    return action if text is None else str(text)


def span_text(start: datetime, end: datetime, zone: str) -> str:
    """A range in the venue's local time as its country writes it: "02/03/2026,
    10:00–11:00", with the end's date too when it falls on another day."""
    tz = ZoneInfo(zone)
    if start.astimezone(tz).date() == end.astimezone(tz).date():
        return f"{local_datetime(start, zone, 'short')}–{local_time(end, zone)}"
    return f"{local_datetime(start, zone, 'short')} – {local_datetime(end, zone, 'short')}"


def event_change(event: BookingEvent, zone: str) -> str:
    """What a move or a reschedule changed: from → to, each side its local range and
    resources; "" for an event that moved nothing."""
    if not event.moved:
        return ""
    return _(
        "from %(before)s → to %(after)s",
        before=_(
            "%(when)s on %(resources)s",
            when=span_text(event.previous_start_at, event.previous_end_at, zone),
            resources=event.previous_resources or "—",
        ),
        after=_(
            "%(when)s on %(resources)s",
            when=span_text(event.new_start_at, event.new_end_at, zone),
            resources=event.new_resources or "—",
        ),
    )


def kept_service_name(booking: Booking) -> str:
    """The service's name as the booking keeps it; today's only for a booking kept
    without one."""
    return booking.service_name or booking.service.name


def kept_amount(booking: Booking) -> Decimal | None:
    """The kept price in major units (the minor unit is a hundredth, as in the forms)."""
    return None if booking.price_cents is None else Decimal(booking.price_cents).scaleb(-2)


def kept_currency(booking: Booking) -> str:
    return booking.currency or g.venue.currency


def kept_price(booking: Booking) -> str:
    """The kept price in the kept currency, in the page's locale; "" when unpriced."""
    amount = kept_amount(booking)
    return "" if amount is None else format_currency(amount, kept_currency(booking))


def _venue_resources() -> list[Resource]:
    return list(
        db.session.scalars(
            sa.select(Resource).where(Resource.venue_id == g.venue.id).order_by(Resource.name)
        )
    )


def _today() -> date:
    return utcnow().astimezone(_zone_info()).date()


def _zone_info() -> ZoneInfo:
    return ZoneInfo(g.venue.timezone)


def filtered_bookings(form: BookingFilterForm, now: datetime) -> sa.Select:
    query = (
        sa.select(Booking)
        .where(Booking.venue_id == g.venue.id)
        .options(
            selectinload(Booking.occupancies).selectinload(Occupancy.resource),
            selectinload(Booking.service),
        )
        .order_by(Booking.start_at, Booking.id)
    )
    zone = g.venue.timezone
    if form.date_from.data:
        query = query.where(
            Booking.start_at >= local_day_range(form.date_from.data, form.date_from.data, zone)[0]
        )
    if form.date_to.data:
        query = query.where(
            Booking.start_at < local_day_range(form.date_to.data, form.date_to.data, zone)[1]
        )
    status = form.status.data
    if status == BookingStatus.HOLD.value:
        query = query.where(Booking.is_live_hold_at(now))
    elif status == BookingStatus.EXPIRED.value:
        query = query.where(
            sa.or_(Booking.status == BookingStatus.EXPIRED, Booking.hold_has_lapsed(now))
        )
    elif status:
        query = query.where(Booking.status == BookingStatus(status))
    if form.resource.data:
        query = query.where(
            Booking.occupancies.any(Occupancy.resource_id == int(form.resource.data))
        )
    if form.q.data and form.q.data.strip():
        needle = f"%{form.q.data.strip()}%"
        query = query.where(
            sa.or_(
                Booking.customer_name.ilike(needle),
                Booking.customer_email.ilike(needle),
                Booking.customer_phone.ilike(needle),
                Booking.reference.ilike(needle),
            )
        )
    return query


@bp.get("/venues/<int:venue_id>/bookings/")
def bookings():
    now = utcnow()
    form = BookingFilterForm(request.args, resources=_venue_resources())
    if not request.args:
        form.date_from.data = _today()
    rows: list[Booking] = []
    status = 200
    if form.validate():
        rows = list(db.session.scalars(filtered_bookings(form, now).limit(LIST_LIMIT + 1)))
    else:
        status = 422
    return render_page(
        "admin/bookings.html",
        "admin/_bookings_table.html",
        status=status,
        form=form,
        rows=rows[:LIST_LIMIT],
        truncated=len(rows) > LIST_LIMIT,
        now=now,
        shown_status=shown_status,
        kept_service_name=kept_service_name,
        kept_price=kept_price,
    )


def _detail(
    booking: Booking,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
    conflict: MoveConflict | None = None,
):
    now = utcnow()
    events = db.session.execute(
        sa.select(BookingEvent, Manager.email)
        .outerjoin(Manager, Manager.id == BookingEvent.manager_id)
        .where(BookingEvent.booking_id == booking.id)
        .order_by(BookingEvent.at, BookingEvent.id)
    ).all()
    move_form = move_form or move_form_for(booking, formdata=None)
    cancel_form = cancel_form or CancelForm(formdata=None)
    # Past the customer's deadline a manager may still cancel, with a reason; the booking
    # service decides that (and says so on the note), the page only asks for it up front.
    needs_reason = booking.is_confirmed and not booking.may_cancel(now)
    if needs_reason:
        cancel_form.note.label.text = _("Reason (required)")
    return render_template(
        "admin/booking.html",
        booking=booking,
        now=now,
        events=events,
        group=booking_service.group_of(booking),
        shown_status=shown_status,
        move_form=move_form,
        cancel_form=cancel_form,
        cancel_needs_reason=needs_reason,
        cancel_terms=cancel_terms(booking.cancel_cutoff_hours),
        change_terms=change_terms(booking.change_cutoff_hours),
        kept_service_name=kept_service_name(booking),
        kept_price=kept_price(booking),
        event_text=event_text,
        event_change=event_change,
        reason_text=_overridden_rule_text,
        is_active=booking.is_active_at(now),
        booking_day=booking.start_at.astimezone(_zone_info()).date(),
        conflict=conflict,
    ), status


def _overridden_rule_text(code: str | None) -> str:
    if code == booking_service.CHANGE_CUTOFF:
        return _("the customer's deadline for changing the time")
    return str(REASON_TEXT.get(_reason(code), code or ""))


def _reason(code: str | None) -> Reason | None:
    try:
        return Reason(code)
    except ValueError:
        return None


def move_form_for(booking: Booking, **kwargs) -> MoveForm:
    form = MoveForm(**kwargs)
    places = [r for r in booking.service.resources if not r.is_staff]
    form.resource.choices = [SelectChoice(r.id, r.name) for r in places]
    if kwargs.get("formdata", True) is None:
        local = booking.start_at.astimezone(_zone_info())
        form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
        current = next(
            (o.resource_id for o in booking.occupancies if not o.resource.is_staff), None
        )
        form.resource.data = current
    return form


@bp.get("/venues/<int:venue_id>/bookings/<int:booking_id>")
def booking_detail(booking_id: int):
    return _detail(venue_booking(booking_id))


def try_cancel(booking: Booking, form: CancelForm) -> int | None:
    """A manager's cancellation, tried: None when done, else the status to answer with
    (the reasons are on the form). The booking page and the timeline share it."""
    if not form.validate_on_submit():
        return 422
    try:
        booking_service.cancel(booking.id, manager_id=current_user.id, note=form.note.data or "")
    except DomainError as error:
        for name, message in error.fields.items():
            (form[name].errors if name in form else form.form_errors).append(message)
        if not error.fields:
            form.form_errors.append(error.message)
        return error.status
    return None


@bp.post("/venues/<int:venue_id>/bookings/<int:booking_id>/cancel")
def booking_cancel(booking_id: int):
    booking = venue_booking(booking_id)
    form = CancelForm()
    reference = booking.reference
    status = try_cancel(booking, form)
    if status is not None:
        return _detail(venue_booking(booking_id), cancel_form=form, status=status)
    flash(_("Booking %(reference)s was cancelled.", reference=reference), "success")
    return redirect(url_for("admin.booking_detail", booking_id=booking_id))


def move_zone(booking: Booking) -> str:
    """The zone a manager's new date and time are read in: the booking's place's."""
    return booking.service.resources[0].zone if booking.service.resources else g.venue.timezone


@dataclass(frozen=True)
class Alternative:
    """A free start offered instead of a refused one, as the move form would send it."""

    start: datetime
    day: date
    at: time


@dataclass
class MoveConflict:
    """What is in the way of a refused move on `resource`: other bookings and live holds
    (with their kept buffers), blocks, and the nearest free starts."""

    resource: Resource
    bookings: list[Booking] = field(default_factory=list)
    blocks: list[Allocation] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def is_named(self) -> bool:
        return bool(self.bookings or self.blocks)


CONFLICT_KINDS = (errors.SLOT_TAKEN, errors.SLOT_UNAVAILABLE)
CONFLICT_REASONS = {Reason.BOOKED.value, Reason.BUFFER.value, Reason.BLOCKED.value}


def recurring_block(allocation: Allocation, zone: str) -> RecurringBlock:
    """A weekly block as the engine reads it: its wall-clock times in `zone`."""
    tz = ZoneInfo(zone)
    start, end = allocation.start_at.astimezone(tz), allocation.end_at.astimezone(tz)
    return RecurringBlock(
        start_time=start.time().replace(tzinfo=None),
        end_time=end.time().replace(tzinfo=None),
        weekdays=frozenset(allocation.weekdays or ()),
        first_date=start.date(),
        until=allocation.repeat_until,
    )


def move_conflict(
    booking: Booking, resource: Resource, start: datetime, end: datetime, error: DomainError
) -> MoveConflict | None:
    """For a move refused because the time is taken or blocked: who or what holds
    [start, end) on `resource`, widened by the booking's kept buffers (other bookings'
    occupancies include theirs). Two queries; the booking's own rows are left out."""
    return conflict_on(
        resource,
        start - timedelta(minutes=booking.buffer_before_minutes),
        end + timedelta(minutes=booking.buffer_after_minutes),
        error,
        zone=move_zone(booking),
        excluding=booking.id,
    )


def conflict_on(
    resource: Resource,
    low: datetime,
    high: datetime,
    error: DomainError,
    *,
    zone: str,
    excluding: int | None = None,
) -> MoveConflict | None:
    """For a booking or a move refused because the time is taken or blocked: the other
    bookings, live holds and blocks over [low, high) (buffers included) on `resource`,
    and the refusal's nearest free starts, read in `zone` as a form would send them.
    Two queries; the booking `excluding` (the one being moved) is left out."""
    if error.kind not in CONFLICT_KINDS:
        return None
    if error.kind == errors.SLOT_UNAVAILABLE and error.extra.get("reason") not in CONFLICT_REASONS:
        return None
    now = utcnow()
    others = [Occupancy.booking_id != excluding] if excluding is not None else []
    in_the_way = db.session.scalars(
        sa.select(Booking)
        .join(Occupancy, Occupancy.booking_id == Booking.id)
        .where(
            Occupancy.resource_id == resource.id,
            Occupancy.active,
            *others,
            Occupancy.start_at < high,
            Occupancy.end_at > low,
            Booking.is_active_at(now),
        )
        .order_by(Occupancy.start_at, Booking.id)
    ).unique()
    conflict = MoveConflict(resource, bookings=list(in_the_way))
    allocations = db.session.scalars(
        sa.select(Allocation)
        .where(
            Allocation.resource_id == resource.id,
            sa.or_(
                Allocation.weekdays.is_not(None),
                sa.and_(Allocation.start_at < high, Allocation.end_at > low),
            ),
        )
        .order_by(Allocation.start_at, Allocation.id)
    )
    resource_zone = ZoneInfo(resource.zone)
    first = low.astimezone(resource_zone).date() - timedelta(days=1)
    last = high.astimezone(resource_zone).date()
    for allocation in allocations:
        if not allocation.is_recurring:
            if allocation.start_at < high and allocation.end_at > low:
                conflict.blocks.append(allocation)
        elif any(
            s < high and e > low
            for s, e in block_instants(
                recurring_block(allocation, resource.zone), resource_zone, first, last
            )
        ):
            conflict.blocks.append(allocation)
    alternatives_zone = ZoneInfo(zone)
    for text in error.extra.get("alternatives", []):
        try:
            instant = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        local = instant.astimezone(alternatives_zone)
        conflict.alternatives.append(
            Alternative(instant, local.date(), local.time().replace(tzinfo=None))
        )
    return conflict


@dataclass
class MoveOutcome:
    """A manager's move, tried: the new start once done; else the status to answer with
    and, when the time is taken or blocked, what is in the way (the reasons are on the
    form)."""

    start: datetime | None = None
    status: int = 200
    conflict: MoveConflict | None = None

    @property
    def done(self) -> bool:
        return self.start is not None


def alternative_chosen(form: MoveForm | PhoneBookingForm, zone: str) -> bool:
    """One of the nearest free times offered under a refusal, sent by its button inside
    the form (`alternative`: the instant): it replaces the form's date and start time.
    False, with the form's message, when the instant is not one."""
    text = request.form.get("alternative")
    if not text:
        return True
    try:
        instant = parse_instant(text)
    except ValueError:
        form.form_errors.append(_("This time is not valid: choose it again."))
        return False
    local = instant.astimezone(ZoneInfo(zone))
    form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
    return True


def try_move(booking: Booking, form: MoveForm) -> MoveOutcome:
    """Move `booking` as the submitted `form` says, through the booking service (the
    same rules, the override with its reason). The booking page and the timeline share
    it."""
    booking_id = booking.id
    valid = form.validate_on_submit()
    if not (alternative_chosen(form, move_zone(booking)) and valid):
        return MoveOutcome(status=422)
    try:
        start = to_utc(form.day.data, form.at.data, move_zone(booking))
    except NonexistentTime:
        form.at.errors.append(_("This time does not exist that day: the clocks go forward."))
        return MoveOutcome(status=422)
    end = start + (booking.end_at - booking.start_at)
    try:
        booking_service.move(
            booking_id,
            start=start,
            end=end,
            resource_id=form.resource.data,
            manager_id=current_user.id,
            override_reason=form.override_reason.data if form.override.data else None,
        )
    except DomainError as error:
        booking = venue_booking(booking_id)
        resource = db.session.get(Resource, form.resource.data)
        conflict = None
        if resource is not None and resource.venue_id == g.venue.id:
            conflict = move_conflict(booking, resource, start, end, error)
        if conflict is not None and error.kind == errors.SLOT_TAKEN:
            # The manager's wording: the list under the form says who holds the time.
            form.at.errors.append(_("This time is taken on %(resource)s.", resource=resource.name))
        elif error.kind == errors.INVALID_STATE:
            form.form_errors.append(error.message)
        elif error.fields:
            for name, message in error.fields.items():
                getattr(form, MOVE_FIELDS.get(name, "at")).errors.append(message)
        else:
            form.at.errors.append(error.message)
        form.offer_override = error.kind in (errors.SLOT_UNAVAILABLE, errors.PAST_CHANGE_CUTOFF)
        return MoveOutcome(status=error.status, conflict=conflict)
    return MoveOutcome(start=start)


@bp.post("/venues/<int:venue_id>/bookings/<int:booking_id>/move")
def booking_move(booking_id: int):
    booking = venue_booking(booking_id)
    form = move_form_for(booking)
    reference = booking.reference
    outcome = try_move(booking, form)
    if not outcome.done:
        return _detail(
            venue_booking(booking_id),
            move_form=form,
            status=outcome.status,
            conflict=outcome.conflict,
        )
    flash(
        _(
            "Booking %(reference)s was moved to %(when)s.",
            reference=reference,
            when=local_datetime(outcome.start, g.venue.timezone, "short"),
        ),
        "success",
    )
    return redirect(url_for("admin.booking_detail", booking_id=booking_id))


# CSV export (the reports page, admin/reports.py, links here) -----------------------------


CSV_COLUMNS = (
    "reference",
    "status",
    "service",
    "option",
    "resources",
    "start_local",
    "end_local",
    "timezone",
    "start_utc",
    "end_utc",
    "guests",
    "customer_name",
    "customer_email",
    "customer_phone",
    "channel",
    "created_utc",
    "price",
    "currency",
)


# Digits and a phone number's punctuation: no letters, so no function or cell reference a
# spreadsheet could run. "+49 30 1234567" stays as written.
_NUMBER_LIKE = re.compile(r"[+\-]?[0-9 ().\-/]*")


def _cell(value: object) -> str:
    """Text that a spreadsheet would run as a formula is quoted; a phone number is not."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER_LIKE.fullmatch(text):
        return "'" + text
    return text


def _iso(instant: datetime | None, zone=None) -> str:
    if instant is None:
        return ""
    if zone is None:
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    return instant.astimezone(zone).isoformat(timespec="minutes")


@bp.get("/venues/<int:venue_id>/bookings.csv")
def bookings_csv():
    form = RangeForm(request.args)
    if not form.validate():
        return render_template("admin/reports.html", form=form, rows=[]), 422
    now = utcnow()
    filters = BookingFilterForm(
        data={"date_from": form.date_from.data, "date_to": form.date_to.data}
    )
    filters.status.data = filters.resource.data = filters.q.data = ""
    zone = _zone_info()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for booking in db.session.scalars(filtered_bookings(filters, now)):
        status = BookingStatus.EXPIRED if booking.hold_has_lapsed(now) else booking.status
        writer.writerow(
            _cell(v)
            for v in (
                booking.reference,
                status.value,
                kept_service_name(booking),
                booking.option_name,
                "; ".join(o.resource.name for o in booking.occupancies),
                _iso(booking.start_at, zone),
                _iso(booking.end_at, zone),
                g.venue.timezone,
                _iso(booking.start_at),
                _iso(booking.end_at),
                booking.guests,
                booking.customer_name,
                booking.customer_email,
                booking.customer_phone,
                booking.channel.value,
                _iso(booking.created_at),
                kept_amount(booking),
                kept_currency(booking),
            )
        )
    filename = f"bookings-{g.venue.slug}-{form.date_from.data}-{form.date_to.data}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
