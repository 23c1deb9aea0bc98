"""hold / confirm / cancel / move / expire_lapsed.

Each operation reads `now` once, loads rows, asks the availability engine, writes, and
commits in one transaction. The engine's verdict is checked inside the transaction, as
late as possible; the database constraint decides races, and its refusal becomes
SLOT_TAKEN. On SQLite every transaction starts with BEGIN IMMEDIATE (see integrity.py),
so writers are serialised; on PostgreSQL the exclusion constraint settles concurrent
inserts.

Locking rules (PostgreSQL):
- a booking's status changes only under its row lock (`SELECT ... FOR UPDATE`); the
  database moves its occupancies in the same statement (the state guard);
- confirm, cancel and move lock the booking first and read `now` after the lock;
- expiry locks lapsed holds in id order and skips rows locked by someone else: a hold
  being confirmed right now is that transaction's to decide, never expired under it;
- a deadlock or serialisation failure is run again from the start (`_retrying`). Out of
  attempts, a deadlock while committing occupancies is a lost race between writers of
  overlapping ranges (one of them got through): SLOT_TAKEN. Anywhere else: BUSY;
- the constraint sees overlaps on one resource, not the travel time a staff member
  shared between venues keeps between them: writers that may book such a member take a
  transaction lock on it, in id order, before reading its busy time
  (`_lock_shared_staff`), so the second reads what the first wrote.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached

from bookingsite import availability as engine
from bookingsite import errors
from bookingsite.booking import questions
from bookingsite.booking.inputs import load_service
from bookingsite.booking.questions import invalid
from bookingsite.booking.reasons import reason_text, status_text
from bookingsite.clock import format_instant, local_date, utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.integrity import begin_write, is_slot_conflict, is_transient
from bookingsite.mail import outbox
from bookingsite.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Channel,
    MessageKind,
    Occupancy,
    Resource,
    Service,
    ServiceVariant,
    WebhookEventType,
    new_reference,
    new_token,
)
from bookingsite.webhooks import events as webhook_events

ALTERNATIVES_SHOWN = 3
# pg_advisory_xact_lock's first key for a shared staff member's lock (the second: its id).
SHARED_STAFF_LOCK = 0x5354
# The rule a manager overrides when moving a booking past the customer's deadline.
CHANGE_CUTOFF = "change_cutoff"
CONFLICT_REASONS = frozenset({engine.Reason.BOOKED, engine.Reason.BUFFER})
# A transaction that lost to another one's timing (deadlock, serialisation) is run again.
ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Customer:
    name: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True)
class HoldRequest:
    service_id: int
    start: datetime
    end: datetime | None = None  # None: the variant's duration (fixed services)
    variant_id: int | None = None
    resource_id: int | None = None
    guests: int = 1
    customer: Customer = Customer()
    channel: Channel = Channel.WEB
    partner_id: int | None = None
    idempotency_key: str | None = None
    locale: str = "en"
    # The web visitor's address (live holds are capped per address) and the hold this
    # visitor placed before, which the new one replaces, the way a basket works.
    client_address: str | None = None
    replaces_booking_id: int | None = None


@dataclass(frozen=True)
class _Plan:
    """What a valid hold will write: the booked ranges and who serves them."""

    parts: tuple[engine.Interval, ...]
    resource_ids: tuple[int, ...]
    variant: ServiceVariant | None
    guests: int


def _question(service: Service, request: HoldRequest) -> questions.Question:
    """The hold's question: its option, length and party, settled as every audience's."""
    if request.end is None and not service.is_fixed:
        raise invalid(
            "endTime", _("Choose an end date.") if service.is_daily else _("Choose an end time.")
        )
    length = request.end - request.start if request.end and not service.is_daily else None
    return questions.ask(
        service,
        variant_id=request.variant_id,
        duration=length,
        guests=request.guests,
        resource_id=request.resource_id,
    )


def _lock_shared_staff(service: Service) -> None:
    """On PostgreSQL, queue behind any other writer that may book one of the service's
    staff members who also work at another venue (see the module's locking rules).
    SQLite has one writer at a time already."""
    shared = sorted(r.id for r in service.staff if r.shifts or r.venue_id != service.venue_id)
    if not shared or db.session.get_bind().dialect.name != "postgresql":
        return
    for member_id in shared:
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:kind, :member)"),
            {"kind": SHARED_STAFF_LOCK, "member": member_id},
        )


def _plan(
    service: Service,
    request: HoldRequest,
    now: datetime,
    *,
    exclude_booking_ids: frozenset[int] = frozenset(),
) -> _Plan:
    """Settle the question, then check every availability rule for its range (leaving
    out `exclude_booking_ids`: a booking being moved does not stand in its own way)."""
    _lock_shared_staff(service)
    question = _question(service, request)
    start = request.start
    end = request.end if question.duration is None else start + question.duration
    if request.end is not None and request.end != end:
        raise invalid("endTime", _("The end does not match the chosen option."))
    req = question.request(start, end, now, exclude_booking_ids=exclude_booking_ids)
    if service.is_daily:
        run = _daily_run(question, req, start, end, exclude_booking_ids)
        return _Plan(run.parts, (run.resource_id,), None, question.guests)
    grid_duration = question.grid_duration
    reason = engine.why_not(
        req, start, end, resource_id=request.resource_id, grid_duration=grid_duration
    )
    if reason is not None:
        raise _unavailable(
            reason,
            question,
            start,
            grid_duration or end - start,
            now,
            exclude_booking_ids=exclude_booking_ids,
        )
    slot = engine.pick(req, start, end, grid_duration=grid_duration)
    if slot is None:  # why_not and pick share their rules; this only guards a broken engine
        raise DomainError(errors.SLOT_TAKEN)
    # The place and every staff member: one occupancy each, written together, so that the
    # database's guard takes them all or none (a duo: the room and both therapists).
    ids = (slot.resource_id, *slot.staff_ids)
    return _Plan((engine.Interval(start, end),), ids, question.variant, question.guests)


def _daily_run(
    question: questions.Question,
    req: engine.Request,
    start: datetime,
    end: datetime,
    exclude_booking_ids: frozenset[int],
) -> engine.DayEnd:
    service = question.service
    # The day as the place counts it (a place may keep its own zone).
    day = local_date(start, req.places[0].hours.zone if req.places else question.zone)
    if not any(d.interval.start == start for d in engine.day_slots(req, day, day)):
        reason = engine.why_not(req, start, end, resource_id=req.resource_id)
        raise _unavailable(
            reason or engine.Reason.CLOSED,
            question,
            start,
            end - start,
            req.now,
            exclude_booking_ids=exclude_booking_ids,
        )
    for run in engine.end_days(req, day, service.min_days, service.max_days):
        if run.parts[-1].end == end and run.parts[0].start == start:
            return run
    raise invalid(
        "endTime",
        _(
            "Choose an end date between %(min)d and %(max)d days after the start, with every day free.",
            min=service.min_days,
            max=service.max_days,
        ),
    )


def _unavailable(
    reason: engine.Reason,
    question: questions.Question,
    start: datetime,
    duration: timedelta,
    now: datetime,
    *,
    exclude_booking_ids: frozenset[int] = frozenset(),
) -> DomainError:
    if reason in CONFLICT_REASONS:
        alternatives = _alternatives(question, start, duration, now, exclude_booking_ids)
        return DomainError(errors.SLOT_TAKEN, extra={"alternatives": alternatives})
    error = DomainError(
        errors.SLOT_UNAVAILABLE, extra={"reason": reason.value}, reason=reason_text(reason)
    )
    error.fields = {"startTime": error.message}
    return error


def _alternatives(
    question: questions.Question,
    start: datetime,
    duration: timedelta,
    now: datetime,
    exclude_booking_ids: frozenset[int],
) -> list[str]:
    """The next few free starts within a day after a taken one, for the SLOT_TAKEN
    answer (a question of its own: it reads that day, not only the taken range)."""
    window = engine.Interval(start, start + timedelta(days=1) + duration)
    req = question.request(window.start, window.end, now, exclude_booking_ids=exclude_booking_ids)
    found = engine.find_slots(req, window, duration)
    starts = sorted({s.start for s in found if s.start != start})
    return [format_instant(s) for s in starts[:ALTERNATIVES_SHOWN]]


def expire_lapsed(
    now: datetime,
    *,
    resource_ids: Collection[int] | None = None,
    within: engine.Interval | None = None,
    limit: int | None = None,
) -> int:
    """Mark lapsed holds expired (those occupying `resource_ids` over `within` only, if
    given); the state guard frees their occupancies in the same statement. Returns how
    many were marked.

    Each hold is locked first, in id order; one locked by another transaction (a confirm
    under way) is skipped — that transaction decides it. Reads ignore lapsed holds, so
    nothing depends on this having run; it only makes room for a new active range."""
    lapsed = sa.select(Booking.id).where(Booking.hold_has_lapsed(now))
    if resource_ids is not None:
        occupying = sa.select(Occupancy.booking_id).where(
            Occupancy.resource_id.in_(resource_ids), Occupancy.active
        )
        if within is not None:
            occupying = occupying.where(
                Occupancy.end_at > within.start, Occupancy.start_at < within.end
            )
        lapsed = lapsed.where(Booking.id.in_(occupying))
    lapsed = lapsed.order_by(Booking.id).limit(limit).with_for_update(skip_locked=True)
    ids = db.session.scalars(lapsed).all()
    if ids:
        db.session.execute(
            sa.update(Booking)
            .where(Booking.id.in_(ids))
            .values(status=BookingStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        webhook_events.holds_expired(ids, now)
    return len(ids)


def sweep_lapsed_holds(batch: int = 500) -> int:
    """Mark every lapsed hold expired, in short transactions (the periodic sweep)."""
    total = 0
    while True:
        begin_write(db.session())
        marked = expire_lapsed(utcnow(), limit=batch)
        db.session.commit()
        total += marked
        if marked < batch:
            return total


class _RacingWriters(Exception):
    """A deadlock while committing new or moved occupancies: writers racing for
    overlapping ranges, of which the database let at least one through."""


def _retrying(operation: Callable[[], T], *, after_conflict: Callable[[], T] | None = None) -> T:
    """Run a write transaction; again from the start when the database gave up on it
    only for its timing with another one. Domain errors roll back and pass through.

    The database refusing the range answers SLOT_TAKEN, or, given `after_conflict`, runs
    that instead, once. Out of attempts, a deadlock between racing occupancy writers is
    what it is, a lost race for the range (SLOT_TAKEN); any other transient failure
    answers BUSY."""
    for attempt in range(1, ATTEMPTS + 1):
        last = attempt == ATTEMPTS
        try:
            return operation()
        except DomainError:
            db.session.rollback()
            raise
        except _RacingWriters as race:
            db.session.rollback()
            if last:
                raise DomainError(errors.SLOT_TAKEN) from race
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            if is_slot_conflict(error):
                if after_conflict is None or last:
                    raise DomainError(errors.SLOT_TAKEN) from error
                operation, after_conflict = after_conflict, None
                continue
            if not is_transient(error):
                raise
            if last:
                raise DomainError(errors.BUSY) from error
    raise AssertionError("unreachable")


def _commit_occupancies() -> None:
    try:
        db.session.commit()
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise _RacingWriters() from error
        raise


def _flush_occupancies() -> None:
    """Write the changes so far (a race lost here is lost as at commit)."""
    try:
        db.session.flush()
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise _RacingWriters() from error
        raise


def _commit_keeping_rows() -> None:
    """Commit a hold without expiring what the session holds: its new rows are exactly
    what it wrote (no trigger changes an insert), and the answer reads them at once; a
    refresh would only read them back."""
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        _commit_occupancies()
    finally:
        session.expire_on_commit = expiring


def client_hash(address: str) -> str:
    """A keyed hash of a client address: enough to count its holds, useless to read."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def _live_holds(now: datetime, *conditions: Any) -> int:
    """Live holds matching `conditions`; linked days of one rental count once."""
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Booking.rental_key))).where(
            Booking.is_live_hold_at(now), *conditions
        )
    )


def _check_hold_caps(request: HoldRequest, now: datetime) -> None:
    """One caller may not sit on a venue's calendar: live holds are capped per partner
    key and per web client address (settings; 0 turns a cap off)."""
    config = current_app.config
    caps = []
    if request.partner_id is not None:
        caps.append(
            (config["MAX_LIVE_HOLDS_PER_PARTNER"], Booking.partner_id == request.partner_id)
        )
    if request.client_address:
        caps.append(
            (
                config["MAX_LIVE_HOLDS_PER_ADDRESS"],
                Booking.client_hash == client_hash(request.client_address),
            )
        )
    for cap, condition in caps:
        if cap and _live_holds(now, condition) >= cap:
            raise DomainError(errors.TOO_MANY_HOLDS, count=cap)


def _release_previous(booking_id: int, now: datetime) -> None:
    """End the visitor's previous hold (and its linked days) if it is still live. In the
    new hold's transaction: should the new hold fail, the previous one stays."""
    previous = db.session.scalar(
        sa.select(Booking).where(Booking.id == booking_id).with_for_update()
    )
    if previous is None or not previous.is_live_hold_at(now):
        return
    members = group_of(previous, lock=True)
    for member in members:
        _deactivate(member, BookingStatus.EXPIRED)
        record_event(member, "release", now)
    db.session.flush()
    webhook_events.booking_changed(WebhookEventType.BOOKING_EXPIRED, members, now)
    webhook_events.availability_of(members, now)


def hold(request: HoldRequest) -> Booking:
    """Place a hold. Returns the (first) booking; linked daily bookings share its group."""
    return _retrying(
        lambda: _hold(request), after_conflict=lambda: _hold(request, clear_lapsed=True)
    )


def _hold(request: HoldRequest, *, clear_lapsed: bool = False) -> Booking:
    """The hold's transaction. Reads ignore lapsed holds that no write has marked
    expired yet, but the database's guard does not: when it refused the range, the
    hold runs again with `clear_lapsed`, marking those in its way first (a writer that
    won the range meanwhile is then seen by the plan, which answers with alternatives).
    Nearly every hold thus costs no statement for them."""
    begin_write(db.session())
    now = utcnow()
    service = load_service(request.service_id)
    if service is None or not service.offered:
        raise DomainError(errors.NOT_FOUND)
    if request.start.tzinfo is None:
        raise invalid("startTime", _("Give the time with its UTC offset."))
    if request.replaces_booking_id is not None:
        _release_previous(request.replaces_booking_id, now)
    _check_hold_caps(request, now)
    plan = _plan(service, request, now)
    if clear_lapsed:
        reach = engine.Interval(
            plan.parts[0].start - timedelta(minutes=service.buffer_before_minutes),
            plan.parts[-1].end + timedelta(minutes=service.buffer_after_minutes),
        )
        expire_lapsed(now, resource_ids=plan.resource_ids, within=reach)
    bookings = _write_hold(service, request, plan, now)
    webhook_events.booking_changed(WebhookEventType.BOOKING_HELD, bookings, now)
    webhook_events.availability_of(bookings, now)
    _commit_keeping_rows()
    return bookings[0]


def _write_hold(
    service: Service, request: HoldRequest, plan: _Plan, now: datetime
) -> list[Booking]:
    """Insert the hold's bookings and occupancies, one statement per table, and give
    them back as ORM objects without another statement: the rows are exactly what was
    written, so they join the session as loaded (make_transient_to_detached), not as
    pending rows for the unit of work, which would cost more than the insert itself."""
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    group_id = Booking.new_group_id() if len(plan.parts) > 1 else None
    shared = {
        "venue_id": service.venue_id,
        "service_id": service.id,
        "variant_id": plan.variant.id if plan.variant else None,
        "status": BookingStatus.HOLD,
        "hold_expires_at": now + timedelta(minutes=service.venue.hold_ttl_minutes),
        "guests": plan.guests,
        "customer_name": request.customer.name,
        "customer_email": request.customer.email,
        "customer_phone": request.customer.phone,
        "notes": request.customer.notes,
        "locale": request.locale,
        "group_id": group_id,
        "idempotency_key": request.idempotency_key,
        "channel": request.channel,
        "partner_id": request.partner_id,
        "client_hash": client_hash(request.client_address) if request.client_address else None,
        "created_at": now,
        "confirmed_at": None,
        "cancelled_at": None,
        "calendar_sequence": 0,
        "reminder_sent_at": None,
        # The terms, as checkout shows them and the booking keeps them.
        "service_name": service.name,
        "option_name": plan.variant.name if plan.variant else "",
        "currency": service.venue.currency,
        "buffer_before_minutes": service.buffer_before_minutes,
        "buffer_after_minutes": service.buffer_after_minutes,
        "cancel_cutoff_hours": service.cancel_cutoff // timedelta(hours=1),
        "change_cutoff_hours": service.change_cutoff // timedelta(hours=1),
    }
    booking_rows = [
        shared
        | {
            "reference": new_reference(),
            "manage_token": new_token(),
            "start_at": part.start,
            "end_at": part.end,
            "price_cents": _price(service, plan.variant, part),
        }
        for part in plan.parts
    ]
    booking_ids = _inserted_ids(Booking, booking_rows)
    occupancy_rows = [
        {
            "booking_id": booking_id,
            "resource_id": rid,
            "start_at": part.start - before,
            "end_at": part.end + after,
            "active": True,
        }
        for booking_id, part in zip(booking_ids, plan.parts, strict=True)
        for rid in plan.resource_ids
    ]
    occupancy_ids = iter(_inserted_ids(Occupancy, occupancy_rows))
    occupancies = iter(occupancy_rows)
    bookings = []
    for booking_id, row in zip(booking_ids, booking_rows, strict=True):
        booking = Booking(
            id=booking_id,
            **row,
            occupancies=[
                Occupancy(id=next(occupancy_ids), **next(occupancies)) for _ in plan.resource_ids
            ],
        )
        for written in (*booking.occupancies, booking):
            make_transient_to_detached(written)
        db.session.add(booking)
        bookings.append(booking)
    return bookings


def days_counted(length: timedelta) -> int:
    """The days a rental of `length` is priced as: a 23- or 25-hour day is a day."""
    return max(1, round(length / timedelta(days=1)))


def _price(service: Service, variant: ServiceVariant | None, part: engine.Interval) -> int | None:
    """One booking's price in minor units: the option's, or the hourly rate by the
    minute, or the daily rate by the day (23- and 25-hour days are days)."""
    if variant is not None:
        return variant.price_cents
    length = part.end - part.start
    return service.range_price_cents(
        minutes=round(length / timedelta(minutes=1)),
        days=days_counted(length),
    )


def _inserted_ids(model: type[Booking] | type[Occupancy], rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; their new ids in the rows' order. A deadlock here is writers
    racing for overlapping ranges, like one at commit."""
    table = model.__table__
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    try:
        # Core on the session's connection: the ORM's bulk path costs twice as much.
        return list(db.session.connection().scalars(statement, rows))
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise _RacingWriters() from error
        raise


def group_of(booking: Booking, *, lock: bool = False) -> list[Booking]:
    """The booking and its linked days, in time order; with `lock`, each row locked (in
    id order, like every writer) so that no expiry can take one of them meanwhile."""
    if booking.group_id is None:
        return [booking]
    members = sa.select(Booking).where(Booking.group_id == booking.group_id)
    if lock:
        db.session.scalars(members.order_by(Booking.id).with_for_update()).all()
    return list(db.session.scalars(members.order_by(Booking.start_at)))


def _locked(booking_id: int) -> Booking:
    begin_write(db.session())
    booking = db.session.scalar(
        sa.select(Booking).where(Booking.id == booking_id).with_for_update()
    )
    if booking is None:
        raise DomainError(errors.NOT_FOUND)
    return booking


def _deactivate(booking: Booking, status: BookingStatus) -> None:
    # The state guard turns the occupancies off in the same UPDATE (integrity.py).
    booking.status = status


def confirm(booking_id: int, customer: Customer | None = None) -> Booking:
    """Turn a live hold into a booking. Confirming a confirmed booking changes nothing."""
    return _retrying(lambda: _confirm(booking_id, customer))


def _confirm(booking_id: int, customer: Customer | None) -> Booking:
    booking = _locked(booking_id)
    # Read after the lock: an expiry that waited for it must agree with this verdict.
    now = utcnow()
    if booking.is_confirmed:
        db.session.rollback()
        return booking
    members = group_of(booking, lock=True)
    if booking.is_hold and booking.hold_has_lapsed(now):
        for member in members:
            _deactivate(member, BookingStatus.EXPIRED)
        webhook_events.booking_changed(WebhookEventType.BOOKING_EXPIRED, members, now)
        webhook_events.availability_of(members, now)
        db.session.commit()
        raise DomainError(errors.HOLD_EXPIRED)
    if booking.is_expired:
        db.session.rollback()
        raise DomainError(errors.HOLD_EXPIRED)
    if not booking.is_hold:
        db.session.rollback()
        raise DomainError(errors.INVALID_STATE, status=status_text(booking.status))
    for member in members:
        member.status = BookingStatus.CONFIRMED
        member.confirmed_at = now
        member.hold_expires_at = None
        if customer is not None:
            member.customer_name = customer.name
            member.customer_email = customer.email
            member.customer_phone = customer.phone
            member.notes = customer.notes
    outbox.record(members, now, customer=MessageKind.BOOKING_CONFIRMED, venue=MessageKind.VENUE_NEW)
    webhook_events.booking_changed(WebhookEventType.BOOKING_CONFIRMED, members, now)
    db.session.commit()
    return booking


def cancel(
    booking_id: int, *, manager_id: int | None = None, note: str = "", by_customer: bool = False
) -> Booking:
    """Cancel a hold or a booking (and its linked days). Cancelling twice is harmless.

    A customer may cancel a booking until its kept cutoff; a manager may at any time,
    but past the customer's cutoff only with a reason, which the history keeps."""
    return _retrying(lambda: _cancel(booking_id, manager_id, note.strip(), by_customer))


def _cancel(booking_id: int, manager_id: int | None, note: str, by_customer: bool) -> Booking:
    booking = _locked(booking_id)
    now = utcnow()
    if booking.is_cancelled or booking.is_expired:
        db.session.rollback()
        return booking
    was_confirmed = booking.is_confirmed
    if was_confirmed and not booking.may_cancel(now):
        if by_customer:
            db.session.rollback()
            raise DomainError(errors.TOO_LATE_TO_CANCEL)
        if manager_id is not None and not note:
            db.session.rollback()
            raise invalid(
                "note", _("The customer's cancellation deadline has passed: give a reason.")
            )
    members = group_of(booking, lock=True)
    for member in members:
        _deactivate(member, BookingStatus.CANCELLED)
        member.cancelled_at = now
        member.calendar_sequence += 1
        db.session.add(
            BookingEvent(
                booking_id=member.id, at=now, action="cancel", manager_id=manager_id, note=note
            )
        )
    if was_confirmed:  # a hold let go was never announced
        outbox.record(
            members,
            now,
            customer=MessageKind.BOOKING_CANCELLED,
            venue=MessageKind.VENUE_CANCELLED,
        )
    webhook_events.booking_changed(WebhookEventType.BOOKING_CANCELLED, members, now)
    webhook_events.availability_of(members, now)
    db.session.commit()
    return booking


def reschedule(booking_id: int, *, start: datetime, end: datetime | None = None) -> Booking:
    """A customer's new time, from the manage link: the same service, option and party
    at `start` (until `end` for hourly and daily services; a rental keeps its number of
    days), on whichever place is free, every rule checked as for a hold.

    One transaction that updates each occupancy in place: the database guards the new
    range in the same statement that lets the old one go, so a time taken meanwhile
    leaves the booking where it was (SLOT_TAKEN, with alternatives)."""
    # A loser of the race for the range runs again, to answer with alternatives.
    again = lambda: _reschedule(booking_id, start, end)  # noqa: E731
    return _retrying(again, after_conflict=again)


def _reschedule(booking_id: int, start: datetime, end: datetime | None) -> Booking:
    booking = _locked(booking_id)
    now = utcnow()
    if not booking.is_confirmed:
        raise DomainError(errors.INVALID_STATE, status=status_text(booking.status))
    if not booking.may_change(now):
        raise DomainError(errors.TOO_LATE_TO_CHANGE)
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise invalid("startTime", _("Give the time with its UTC offset."))
    members = group_of(booking, lock=True)
    service = load_service(booking.service_id)
    request = HoldRequest(
        service_id=service.id,
        start=start,
        end=end,
        variant_id=booking.variant_id,
        guests=booking.guests,
    )
    plan = _plan(service, request, now, exclude_booking_ids=frozenset(m.id for m in members))
    agreed = [engine.Interval(m.start_at, m.end_at) for m in members]
    if _length(service, plan.parts) != _length(service, agreed):
        # The customer agreed to this length and price: a new time keeps them.
        raise invalid("endTime", _("Keep the length of the booking."))
    if any(len(m.occupancies) != len(plan.resource_ids) for m in members):
        # The service changed what a booking takes (a therapist now, say): only the
        # venue can move this one.
        raise DomainError(errors.TOO_LATE_TO_CHANGE)
    before = timedelta(minutes=booking.buffer_before_minutes)
    after = timedelta(minutes=booking.buffer_after_minutes)
    expire_lapsed(
        now,
        resource_ids=plan.resource_ids,
        within=engine.Interval(plan.parts[0].start - before, plan.parts[-1].end + after),
    )
    previous = (members[0].start_at, members[-1].end_at)
    freed = [change for member in members for change in webhook_events.occupied(member)]
    ranges = {member.id: (member.start_at, member.end_at) for member in members}
    resources = {r.id: r for r in service.resources}
    place_id, *staff_ids = plan.resource_ids
    for member, part in zip(members, plan.parts, strict=True):
        was = _whereabouts(member)
        member.start_at, member.end_at = part.start, part.end
        member.calendar_sequence += 1
        _reassign(member.occupancies, resources, place_id, staff_ids)
        for occupancy in member.occupancies:
            occupancy.start_at, occupancy.end_at = part.start - before, part.end + after
        record_event(member, "reschedule", now, **_change_fields(was, member))
    outbox.record(
        members,
        now,
        customer=MessageKind.BOOKING_MOVED,
        venue=MessageKind.VENUE_MOVED,
        previous=previous,
    )
    webhook_events.booking_changed(WebhookEventType.BOOKING_MOVED, members, now, previous=ranges)
    webhook_events.availability_changed(booking.venue_id, freed, now)
    webhook_events.availability_of(members, now)
    _commit_occupancies()
    return booking


def _length(service: Service, parts: Collection[engine.Interval]) -> timedelta | int:
    """A booking's length as its price counts it: days for daily services (23- and
    25-hour days are days), time for the others."""
    if service.is_daily:
        return sum(days_counted(p.end - p.start) for p in parts)
    return sum((p.end - p.start for p in parts), timedelta(0))


def record_event(booking: Booking, action: str, now: datetime, **fields: Any) -> None:
    db.session.add(BookingEvent(booking_id=booking.id, at=now, action=action, **fields))


def move(
    booking_id: int,
    *,
    start: datetime,
    end: datetime,
    resource_id: int,
    manager_id: int | None,
    override_reason: str | None = None,
) -> Booking:
    """Move a live booking to [start, end) on `resource_id` (one of its service's places).

    The same rules as a hold, judged by the engine with the booking itself left out. With
    an `override_reason` a manager may overrule the engine's verdict; the event records
    who did it, which rule and why. The database's guard against double booking is never
    overruled: an overlap still ends in SLOT_TAKEN."""
    override_reason = (override_reason or "").strip() or None
    return _retrying(
        lambda: _move(booking_id, start, end, resource_id, manager_id, override_reason)
    )


def _move(
    booking_id: int,
    start: datetime,
    end: datetime,
    resource_id: int,
    manager_id: int | None,
    override_reason: str | None,
) -> Booking:
    booking = _locked(booking_id)
    now = utcnow()
    if not booking.is_active_at(now):
        raise DomainError(errors.INVALID_STATE, status=status_text(booking.status))
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("startTime", _("Give the time with its UTC offset."))
    if end <= start:
        raise invalid("endTime", reason_text(engine.Reason.INVALID_DURATION))
    service = load_service(booking.service_id)
    places = {r.id: r for r in service.resources if not r.is_staff}
    if resource_id not in places:
        raise invalid("resourceId", _("This resource does not serve the service."))
    # The booking keeps its terms: its buffers go with it.
    before = timedelta(minutes=booking.buffer_before_minutes)
    after = timedelta(minutes=booking.buffer_after_minutes)
    expire_lapsed(
        now,
        resource_ids=[r.id for r in service.resources],
        within=engine.Interval(start - before, end + after),
    )
    _lock_shared_staff(service)
    # The booking keeps its option and party; only its time and place are asked about.
    question = questions.Question(service, booking.variant, None, booking.guests, resource_id)
    req = question.request(start, end, now, exclude_booking_ids=frozenset({booking.id}))
    staff_ids, reason = _move_verdict(booking, req, start, end, resource_id, question.grid_duration)
    if reason is not None and override_reason is None:
        raise _unavailable(
            reason, question, start, end - start, now, exclude_booking_ids=frozenset({booking.id})
        )
    # Past the customer's own deadline the venue may still move it, saying why.
    past_cutoff = booking.is_confirmed and not booking.may_change(now)
    if past_cutoff and override_reason is None:
        raise DomainError(errors.PAST_CHANGE_CUTOFF)
    previous = (booking.start_at, booking.end_at)
    was = _whereabouts(booking)
    freed = webhook_events.occupied(booking)
    booking.start_at, booking.end_at = start, end
    _reassign(booking.occupancies, {r.id: r for r in service.resources}, resource_id, staff_ids)
    for occupancy in booking.occupancies:
        occupancy.start_at, occupancy.end_at = start - before, end + after
    record_event(
        booking,
        "move",
        now,
        manager_id=manager_id,
        overridden_rule=(
            reason.value if reason is not None else CHANGE_CUTOFF if past_cutoff else None
        ),
        note=override_reason or "",
        **_change_fields(was, booking),
    )
    if booking.is_confirmed and previous != (start, end):
        booking.calendar_sequence += 1
        outbox.record(
            [booking],
            now,
            customer=MessageKind.BOOKING_MOVED,
            venue=MessageKind.VENUE_MOVED,
            previous=previous,
        )
    _flush_occupancies()  # the moved rows as written, for the events
    if freed != webhook_events.occupied(booking):
        webhook_events.booking_changed(
            WebhookEventType.BOOKING_MOVED, [booking], now, previous={booking.id: previous}
        )
        webhook_events.availability_changed(booking.venue_id, freed, now)
        webhook_events.availability_of([booking], now)
    _commit_occupancies()
    return booking


def _move_verdict(
    booking: Booking,
    req: engine.Request,
    start: datetime,
    end: datetime,
    resource_id: int,
    grid_duration: timedelta | None,
) -> tuple[tuple[int, ...], engine.Reason | None]:
    """The staff members who would serve the moved booking (the same ones if they are
    free, else the lowest-id qualified ones), and the engine's reason against the move,
    if any (against it, the booking keeps its staff)."""
    current = tuple(sorted(o.resource_id for o in booking.occupancies if o.resource.is_staff))
    reason = engine.why_not(req, start, end, resource_id=resource_id, grid_duration=grid_duration)
    if reason is not None or not req.policy.required_skills:
        return current, reason
    same = engine.why_not(
        req, start, end, resource_id=resource_id, staff_ids=current, grid_duration=grid_duration
    )
    if current and same is None:
        return current, None
    slot = engine.pick(req, start, end, grid_duration=grid_duration)
    return (slot.staff_ids if slot is not None else current), reason


def _reassign(
    occupancies: Sequence[Occupancy],
    resources: dict[int, Resource],
    place_id: int,
    staff_ids: Sequence[int],
) -> None:
    """Put a booking's occupancies on the place and staff members it moves to. An
    occupancy whose resource stays keeps it; the others take the newcomers in id order.
    The guard judges each row as it is written, so two of the booking's own rows never
    hold one resource, even for a moment. Staff rows keep their members when their
    number no longer matches (the option changed since): only the venue moves those."""
    places = [o for o in occupancies if not o.resource.is_staff]
    staff = [o for o in occupancies if o.resource.is_staff]
    for rows, ids in ((places, (place_id,)), (staff, tuple(staff_ids))):
        if len(rows) != len(ids):
            continue
        staying = {o.resource_id for o in rows} & set(ids)
        newcomers = iter(sorted(set(ids) - staying))
        for occupancy in rows:
            if occupancy.resource_id not in staying:
                occupancy.resource = resources[next(newcomers)]


# History: what a move or a reschedule changed ------------------------------------------


def _resource_names(booking: Booking) -> str:
    """The names of the resources a booking takes, place first, as written now."""
    rows = sorted(booking.occupancies, key=lambda o: (o.resource.is_staff, o.resource.name))
    return ", ".join(o.resource.name for o in rows)[:400]  # the column's length


def _whereabouts(booking: Booking) -> tuple[datetime, datetime, str]:
    return booking.start_at, booking.end_at, _resource_names(booking)


def _change_fields(was: tuple[datetime, datetime, str], booking: Booking) -> dict[str, Any]:
    """The from → to of a booking event: `was` (from `_whereabouts` before the change)
    and where `booking` is now."""
    start, end, names = was
    return {
        "previous_start_at": start,
        "previous_end_at": end,
        "previous_resources": names,
        "new_start_at": booking.start_at,
        "new_end_at": booking.end_at,
        "new_resources": _resource_names(booking),
    }


# Bookings taken by phone ---------------------------------------------------------------

# The history's word for a booking a manager took for a customer (channel admin).
PHONE = "phone"


def book_by_phone(
    request: HoldRequest, *, manager_id: int | None, override_reason: str | None = None
) -> Booking:
    """A booking a manager takes for a customer (on the phone, at the desk): placed and
    confirmed in one transaction, on channel `admin`, under the same rules as any hold;
    the customer gets the usual confirmation, the venue its notice.

    With an `override_reason` a manager may book outside the hours, the grid, the notice,
    the horizon, a block or the capacity; the history records who, which rule and why.
    Other bookings are never overruled: a taken time answers SLOT_TAKEN with the nearest
    free starts, and the database's guard has the last word. Rentals by the day follow
    their rules without override."""
    override_reason = (override_reason or "").strip() or None
    request = replace(request, channel=Channel.ADMIN, partner_id=None, client_address=None)
    return _retrying(
        lambda: _book_by_phone(request, manager_id, override_reason),
        after_conflict=lambda: _book_by_phone(
            request, manager_id, override_reason, clear_lapsed=True
        ),
    )


def _book_by_phone(
    request: HoldRequest,
    manager_id: int | None,
    override_reason: str | None,
    *,
    clear_lapsed: bool = False,
) -> Booking:
    begin_write(db.session())
    now = utcnow()
    service = load_service(request.service_id)
    if service is None or not service.offered:
        raise DomainError(errors.NOT_FOUND)
    if request.start.tzinfo is None or (request.end is not None and request.end.tzinfo is None):
        raise invalid("startTime", _("Give the time with its UTC offset."))
    try:
        plan, overridden = _plan(service, request, now), None
    except DomainError as error:
        if override_reason is None or error.kind != errors.SLOT_UNAVAILABLE:
            raise
        plan, overridden = _overridden_plan(service, request, now, error)
    if clear_lapsed:
        reach = engine.Interval(
            plan.parts[0].start - timedelta(minutes=service.buffer_before_minutes),
            plan.parts[-1].end + timedelta(minutes=service.buffer_after_minutes),
        )
        expire_lapsed(now, resource_ids=plan.resource_ids, within=reach)
    bookings = _write_hold(service, request, plan, now)
    for booking in bookings:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.hold_expires_at = None
        record_event(
            booking,
            PHONE,
            now,
            manager_id=manager_id,
            overridden_rule=overridden.value if overridden is not None else None,
            note=override_reason or "",
        )
    outbox.record(
        bookings, now, customer=MessageKind.BOOKING_CONFIRMED, venue=MessageKind.VENUE_NEW
    )
    webhook_events.booking_changed(WebhookEventType.BOOKING_CONFIRMED, bookings, now)
    webhook_events.availability_of(bookings, now)
    _commit_occupancies()
    return bookings[0]


def _overridden_plan(
    service: Service, request: HoldRequest, now: datetime, refused: DomainError
) -> tuple[_Plan, engine.Reason]:
    """A manager's override of the rule the engine gave (`refused`): the same question
    asked again with only other bookings and their buffers standing in the way, so that
    the engine still chooses the place and the staff. Answers the plan and the rule
    overridden; a time taken by another booking is refused as ever."""
    if service.is_daily:
        raise refused
    question = _question(service, request)
    start = request.start
    end = request.end if question.duration is None else start + question.duration
    real = question.request(start, end, now)
    grid_duration = question.grid_duration
    overridden = engine.why_not(
        real, start, end, resource_id=request.resource_id, grid_duration=grid_duration
    )
    relaxed = _bookings_only(real, start)
    reason = engine.why_not(
        relaxed, start, end, resource_id=request.resource_id, grid_duration=grid_duration
    )
    slot = engine.pick(relaxed, start, end, grid_duration=grid_duration)
    if reason is not None or slot is None or overridden is None:
        raise _unavailable(reason or engine.Reason.BOOKED, question, start, end - start, now)
    plan = _Plan(
        (engine.Interval(start, end),),
        (slot.resource_id, *slot.staff_ids),
        question.variant,
        question.guests,
    )
    return plan, overridden


def _bookings_only(req: engine.Request, start: datetime) -> engine.Request:
    """`req` with every rule a manager may override lifted: each resource open around
    the clock, unblocked and big enough; any minute a start; no notice or horizon. What
    is left in the way is other bookings, with their buffers."""

    def lifted(resource: engine.Resource) -> engine.Resource:
        return replace(
            resource,
            hours=engine.WorkingHours(resource.hours.zone),
            capacity=max(resource.capacity, req.guests),
            busy=tuple(b for b in resource.busy if b.kind is not engine.BusyKind.ALLOCATION),
            recurring_blocks=(),
        )

    now = min(req.now, start)
    policy = replace(
        req.policy,
        grid=engine.Grid(alignment_minutes=1, step_minutes=1),
        lead_time=timedelta(0),
        horizon=max(req.policy.horizon, start - now + timedelta(days=1)),
    )
    return replace(
        req,
        places=tuple(map(lifted, req.places)),
        staff=tuple(map(lifted, req.staff)),
        policy=policy,
        now=now,
    )
