"""Human words for the engine's reasons and the booking states, shared by every audience."""

from flask_babel import lazy_gettext as _l

from bookingsite import availability as engine
from bookingsite.models import BookingStatus

REASON_TEXT = {
    engine.Reason.CLOSED: _l("closed at that time"),
    engine.Reason.OFF_GRID: _l("not a start time offered for this service"),
    engine.Reason.TOO_SOON: _l("too soon to book"),
    engine.Reason.BEYOND_HORIZON: _l("too far ahead to book"),
    engine.Reason.BOOKED: _l("already booked"),
    engine.Reason.BUFFER: _l("too close to another booking"),
    engine.Reason.BLOCKED: _l("blocked by the venue"),
    engine.Reason.NO_STAFF: _l("no qualified staff member is free"),
    engine.Reason.OVER_CAPACITY: _l("too many guests for this place"),
    engine.Reason.INVALID_DURATION: _l("the end must come after the start"),
}


def reason_text(reason: engine.Reason) -> str:
    return str(REASON_TEXT[reason])


STATUS_TEXT = {
    BookingStatus.HOLD: _l("on hold"),
    BookingStatus.CONFIRMED: _l("confirmed"),
    BookingStatus.CANCELLED: _l("cancelled"),
    BookingStatus.EXPIRED: _l("expired"),
}


def status_text(status: BookingStatus) -> str:
    return str(STATUS_TEXT[status])
