"""The venue managers' pages, under /admin: log in, set up, see the day, act on bookings.

Every URL here but the login page needs a logged-in manager, and every URL with a
`venue_id` needs a manager of that venue (anything else is a 404): `auth.py` checks both
before any view runs, so a new view is protected without having to remember it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from bookingsite.admin import (  # noqa: E402, F401  (the modules register their views)
    auth,
    bookings,
    keys,
    messages,
    people,
    reports,
    settings,
    setup,
    timeline,
    webhooks,
)
