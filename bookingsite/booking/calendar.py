"""An .ics file for a confirmed booking (one event per linked day)."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from bookingsite.models import Booking


def booking_ics(group: list[Booking], now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//bookingsite//booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for booking in group:
        event = Event()
        event.add("uid", f"{booking.reference}-{booking.id}@bookingsite")
        event.add("dtstamp", now)
        event.add("dtstart", booking.start_at)
        event.add("dtend", booking.end_at)
        event.add("summary", f"{booking.service.name} — {booking.venue.name}")
        event.add("location", f"{booking.venue.name}, {booking.venue.city}")
        event.add("description", f"Reference {booking.reference}")
        calendar.add_component(event)
    return calendar.to_ical()
