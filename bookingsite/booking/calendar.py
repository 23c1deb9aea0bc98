"""iCalendar documents for a booking: one event per linked day, each with a stable UID
(its booking's), so that a later document updates or cancels the same events.

PUBLISH is the file a customer downloads. REQUEST and CANCEL are iTIP scheduling
messages (RFC 5546) sent by e-mail: they carry the organizer (the site's sender address)
and the attendee (the customer), and the booking's `calendar_sequence`, which is raised
on every change so that calendar apps take the newest document over the older ones."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import Literal

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress

from bookingsite.models import Booking

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
METHODS: tuple[Method, ...] = ("PUBLISH", "REQUEST", "CANCEL")


def event_uid(booking: Booking) -> str:
    return f"{booking.reference}-{booking.id}@bookingsite"


def booking_ics(group: list[Booking], now: datetime, *, method: Method = "PUBLISH") -> bytes:
    """The group's events as one iCalendar document; `now` is the DTSTAMP."""
    if method not in METHODS:
        raise ValueError(f"unknown iCalendar method {method!r}")
    calendar = Calendar()
    calendar.add("prodid", "-//bookingsite//booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for booking in group:
        event = Event()
        event.add("uid", event_uid(booking))
        event.add("sequence", booking.calendar_sequence)
        event.add("dtstamp", now)
        event.add("dtstart", booking.start_at)
        event.add("dtend", booking.end_at)
        service_name = booking.service_name or booking.service.name  # the kept name
        event.add("summary", f"{service_name} — {booking.venue.name}")
        event.add("location", f"{booking.venue.name}, {booking.venue.city}")
        event.add("description", f"{_('Reference')}: {booking.reference}")
        if method == "CANCEL":
            event.add("status", "CANCELLED")
        elif booking.is_confirmed:
            event.add("status", "CONFIRMED")
        if method != "PUBLISH":
            _add_participants(event, booking)
        calendar.add_component(event)
    return calendar.to_ical()


def _add_participants(event: Event, booking: Booking) -> None:
    sender_name, sender_address = parseaddr(current_app.config["MAIL_SENDER"])
    organizer = vCalAddress(f"mailto:{sender_address}")
    if sender_name:
        organizer.params["CN"] = sender_name
    event.add("organizer", organizer)
    if booking.customer_email:
        # The customer booked it themselves: accepted already, no reply expected.
        attendee = vCalAddress(f"mailto:{booking.customer_email}")
        if booking.customer_name:
            attendee.params["CN"] = booking.customer_name
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "ACCEPTED"
        attendee.params["RSVP"] = "FALSE"
        event.add("attendee", attendee)
