"""Rows into response models. Local wall times are ISO-8601 with their offset."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookingsite import availability as engine
from bookingsite.api import schemas as s
from bookingsite.availability_changes import Change as AvailabilityChange
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.clock import format_instant
from bookingsite.models import (
    Allocation,
    Booking,
    BookingStatus,
    Resource,
    Service,
    Venue,
    WebhookDelivery,
    WebhookEndpoint,
)
from bookingsite.staff import pair_times
from bookingsite.webhooks.endpoints import disabled_text

# An answer already in its JSON form, as the operation's response model would dump it.
Wire = dict[str, Any]


def local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).isoformat()


def slots_answer(timezone: str, found: Iterable[engine.Slot], zones: dict[int, str]) -> Wire:
    """`SlotsOut` in its JSON form, written out directly: an answer holds thousands of
    slots, and building and validating a model for each costs more than the search. The
    API tests check this shape against the schema. `timezone` is the venue's; each slot
    carries its resource's (`zones`), the zone of its local times."""
    zone_of = {rid: ZoneInfo(name) for rid, name in zones.items()}
    slots = []
    for slot in found:
        start, end, rid = slot.start, slot.end, slot.resource_id
        zone = zone_of[rid]
        slots.append(
            {
                "startTime": format_instant(start),
                "endTime": format_instant(end),
                "resourceId": rid,
                "timezone": zones[rid],
                "localStartTime": start.astimezone(zone).isoformat(),
                "localEndTime": end.astimezone(zone).isoformat(),
            }
        )
    return {"timezone": timezone, "slots": slots}


def venue(row: Venue) -> s.VenueOut:
    return s.VenueOut(
        id=row.id,
        name=row.name,
        slug=row.slug,
        timezone=row.timezone,
        city=row.city,
        description=row.description,
        locale=row.default_locale,
        currency=row.currency,
        hold_ttl_minutes=row.hold_ttl_minutes,
        travel_buffer_minutes=row.travel_buffer_minutes,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        notification_email=row.notification_email,
        reminder_hours=row.reminder_hours,
        cancel_cutoff_hours=row.cancel_cutoff_hours,
        change_cutoff_hours=row.change_cutoff_hours,
        active=row.active,
        travel_times=[
            s.TravelTimeOut(venue_id=other, minutes=minutes)
            for other, minutes in sorted(pair_times(row.id).items())
        ],
    )


def resource(row: Resource) -> s.ResourceOut:
    return s.ResourceOut(
        id=row.id,
        venue_id=row.venue_id,
        name=row.name,
        kind=row.kind,
        timezone=row.zone,
        capacity=row.capacity,
        metadata=row.attributes or {},
        skills=row.skills or [],
        working_hours=row.weekly_hours,
        exceptions=row.hour_exceptions or {},
        active=row.active,
        shifts=[
            s.ShiftOut(
                venue_id=shift.venue_id,
                working_hours=shift.weekly_hours,
                exceptions=shift.hour_exceptions or {},
            )
            for shift in row.shifts
        ],
    )


def _duration_range(row: Service) -> s.DurationRangeOut | None:
    if row.is_hourly:
        return s.DurationRangeOut(
            unit="HOUR", min_minutes=row.min_minutes, max_minutes=row.max_minutes
        )
    if row.is_daily:
        return s.DurationRangeOut(unit="DAY", min_days=row.min_days, max_days=row.max_days)
    return None


def service(row: Service) -> s.ServiceOut:
    return s.ServiceOut(
        id=row.id,
        venue_id=row.venue_id,
        name=row.name,
        description=row.description,
        resource_ids=[r.id for r in row.resources],
        variants=[
            s.VariantOut(
                id=v.id,
                name=v.name,
                duration_minutes=v.duration_minutes,
                guests=v.guests,
                price_cents=v.price_cents,
                staff_count=v.staff_count,
            )
            for v in row.variants
        ],
        duration_range=_duration_range(row),
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes,
        grid_alignment_minutes=row.grid_alignment_minutes,
        grid_step_minutes=row.grid_step_minutes,
        start_alignment=row.start_alignment,
        lead_time_minutes=row.lead_time_minutes,
        horizon_days=row.horizon_days,
        required_skills=row.required_skills or [],
        cancel_cutoff_hours=row.cancel_cutoff_hours,
        change_cutoff_hours=row.change_cutoff_hours,
        active=row.active,
    )


def allocation(row: Allocation) -> s.AllocationOut:
    recurrence = None
    if row.is_recurring:
        recurrence = s.RecurrenceOut(
            weekdays=[WEEKDAY_KEYS[i] for i in sorted(row.weekdays)], until=row.repeat_until
        )
    return s.AllocationOut(
        id=row.id,
        resource_id=row.resource_id,
        start_time=row.start_at,
        end_time=row.end_at,
        reason=row.reason,
        recurrence=recurrence,
    )


def booking_status(row: Booking, now: datetime) -> BookingStatus:
    """A lapsed hold is expired even before a write has marked it so."""
    return BookingStatus.EXPIRED if row.hold_has_lapsed(now) else row.status


def booking(row: Booking, now: datetime) -> s.BookingOut:
    status = booking_status(row, now)
    return s.BookingOut(
        id=row.id,
        reference=row.reference,
        status=status,
        venue_id=row.venue_id,
        service_id=row.service_id,
        variant_id=row.variant_id,
        resource_ids=[o.resource_id for o in row.occupancies],
        start_time=row.start_at,
        end_time=row.end_at,
        expires_at=row.hold_expires_at if status == BookingStatus.HOLD else None,
        guests=row.guests,
        customer=s.CustomerOut(
            name=row.customer_name,
            email=row.customer_email,
            phone=row.customer_phone,
            notes=row.notes,
        ),
        group_id=row.group_id,
        created_at=row.created_at,
        terms=s.TermsOut(
            service_name=row.service_name,
            option_name=row.option_name,
            price_cents=row.price_cents,
            currency=row.currency,
            buffer_before_minutes=row.buffer_before_minutes,
            buffer_after_minutes=row.buffer_after_minutes,
            cancel_until_hours_before=row.cancel_cutoff_hours,
            change_until_hours_before=row.change_cutoff_hours,
        ),
    )


def webhook_endpoint(row: WebhookEndpoint) -> s.WebhookEndpointOut:
    return s.WebhookEndpointOut(
        id=row.id,
        venue_id=row.venue_id,
        url=row.url,
        description=row.description,
        event_types=row.event_types,
        enabled=row.enabled,
        disabled_reason=None if row.enabled else row.disabled_reason,
        disabled_message=disabled_text(row),
        disabled_at=None if row.enabled else row.disabled_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def webhook_delivery(row: WebhookDelivery) -> s.WebhookDeliveryOut:
    return s.WebhookDeliveryOut(
        id=row.id,
        endpoint_id=row.endpoint_id,
        message_id=row.event.uid,
        event_type=row.event.type,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_latency_ms=row.last_latency_ms,
        last_error=row.last_error,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        payload=json.loads(row.event.payload),
    )


def availability_change(change: AvailabilityChange) -> s.AvailabilityChangeOut:
    return s.AvailabilityChangeOut(
        resource_id=change.resource_id,
        service_ids=list(change.service_ids),
        start_time=change.start,
        end_time=change.end,
    )
