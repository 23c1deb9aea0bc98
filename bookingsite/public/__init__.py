from flask import Blueprint

bp = Blueprint("public", __name__)

from bookingsite.public import bookings, views  # noqa: E402, F401
