"""The app as gunicorn serves it in the TTL race, with one difference: each request
brings its own `now` in a header, so a test can put two concurrent requests on either
side of a hold's expiry without sleeping until it lapses. Test code only."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request

from bookingsite import create_app
from bookingsite.clock import parse_instant

NOW_HEADER = "X-Test-Now"


class RequestClock:
    def now(self) -> datetime:
        return parse_instant(request.headers[NOW_HEADER])


def create() -> Flask:
    """gunicorn 'tests.request_clock_app:create()'"""
    return create_app(clock=RequestClock())
