"""Configuration in layers: defaults here, then BOOKINGSITE_* environment variables,
then the mapping a caller (usually a test) passes to create_app."""

import json
import os
from collections.abc import Mapping
from typing import Any

ENV_PREFIX = "BOOKINGSITE_"


class Defaults:
    # None: production refuses to start; elsewhere bookingsite.security generates one into
    # the instance folder once and reuses it.
    SECRET_KEY: str | None = None
    # Set BOOKINGSITE_PRODUCTION=1 on a public server: it requires SECRET_KEY and sends
    # cookies only over HTTPS.
    PRODUCTION = False
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
    # (client address for rate limits, https for cookies and HSTS); 0 trusts none.
    TRUSTED_PROXIES = 0
    # None means "a SQLite file in the instance folder"; resolved by create_app.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    FROZEN_NOW: str | None = None
    SEED_DEMO: bool = False
    # Keep the customer picker's rendered parts while the venue's availability is the
    # same (bookingsite/public/picker.py FragmentCache).
    PICKER_FRAGMENT_CACHE = True
    DEFAULT_HOLD_TTL_MINUTES = 10
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "fr", "de")
    WTF_CSRF_TIME_LIMIT = None
    # Explicit, so that one app disabling the shared limiter does not disable the next.
    RATELIMIT_ENABLED = True
    # One process, thread-safe (bookingsite.rate_limit_storage); redis:// for several.
    RATELIMIT_STORAGE_URI = "threadsafe-memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # A rate-limit store that fails (Redis down) lets requests through, logged, rather
    # than answering 500: limits protect the site, they must not take it down.
    RATELIMIT_SWALLOW_ERRORS = True
    API_RATE_LIMIT = "120 per minute"
    # Login attempts per client address, and per account (the posted e-mail address) from
    # any number of addresses.
    LOGIN_RATE_LIMIT = "10 per minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "20 per hour"
    # "Find my booking" requests per client address, and per e-mail address asked about.
    FIND_BOOKING_RATE_LIMIT = "5 per 15 minutes"
    FIND_BOOKING_EMAIL_RATE_LIMIT = "3 per hour"
    # Live (unconfirmed) holds one caller may have at once; 0 turns a cap off. A web
    # visitor has one per browser session (a new one replaces it), and one address
    # (an office, a bot with fresh sessions) this many.
    MAX_LIVE_HOLDS_PER_PARTNER = 20
    MAX_LIVE_HOLDS_PER_ADDRESS = 10
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # No form or JSON body the site takes comes near this; larger ones answer 413.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Background jobs (huey): None means a SQLite queue in the instance folder, which the
    # web process works through itself under `flask serve`; redis://host:port shares one
    # queue between any number of web and job workers (`flask jobs work`). "immediate"
    # runs each job in the process that queues it, at once (tests).
    JOBS_URL: str | None = None
    # The queue's name: sites sharing one Redis need different ones.
    JOBS_NAME = "bookingsite"
    JOBS_WORKERS = 2
    # E-mail. With no MAIL_HOST, messages are still written and kept in each venue's
    # message log, marked as not sent. MAIL_SECURITY: "none", "starttls" or "ssl".
    MAIL_HOST = ""
    MAIL_PORT = 25
    MAIL_SECURITY = "none"
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "bookingsite <bookings@localhost>"
    MAIL_TIMEOUT_SECONDS = 10
    # A message is tried this many times in all, waiting MESSAGE_RETRY_SECONDS after the
    # first failure and twice as long after each next one (60 s and 8 tries: about 2 hours).
    MESSAGE_TRIES = 8
    MESSAGE_RETRY_SECONDS = 60
    # The site's public address for links in messages (https://book.example.com); empty:
    # the address of the request that caused the message.
    PUBLIC_URL = ""
    # Webhooks (bookingsite/webhooks). Each try of a delivery waits this long to connect
    # and this long for each read of the answer.
    WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 5.0
    WEBHOOKS_READ_TIMEOUT_SECONDS = 5.0
    # A delivery is tried this many times in all, waiting WEBHOOKS_RETRY_SECONDS after the
    # first failure and twice as long after each next one (30 s and 12 tries: the last
    # try about 17 hours after the first).
    WEBHOOKS_ATTEMPTS = 12
    WEBHOOKS_RETRY_SECONDS = 30
    # An endpoint is disabled (with its reason shown) once this many deliveries in a row
    # have used up every try, or once a delivery uses up its tries after every try to
    # the endpoint has failed for this many hours; a success resets both.
    WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = 3
    WEBHOOKS_DISABLE_AFTER_FAILING_HOURS = 24
    # After a rotation, the previous secret signs too for this long (a second signature).
    WEBHOOKS_PREVIOUS_SECRET_HOURS = 24
    # Targets on private, loopback, link-local, multicast or reserved addresses are refused
    # (at registration and again at each delivery) unless this is true: tests, and sites
    # whose partners live on the same private network.
    WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    # werkzeug's scrypt; tests lower the cost so that seeding demo managers stays quick.
    PASSWORD_HASH_METHOD = "scrypt"
    # Passwords managers choose (a reset, an invitation) have at least this many characters.
    PASSWORD_MIN_LENGTH = 10
    # E-mailed one-time links (bookingsite/login_links.py) work this long: a password reset
    # link, and an invitation to manage a venue.
    PASSWORD_RESET_LINK_MINUTES = 60
    INVITATION_LINK_DAYS = 7
    # "Forgot your password?" requests per client address, and per e-mail address asked
    # about from any number of clients.
    PASSWORD_RESET_RATE_LIMIT = "5 per 15 minutes"
    PASSWORD_RESET_EMAIL_RATE_LIMIT = "3 per hour"


def _parse_env_value(raw: str) -> Any:
    """Environment values are strings; accept JSON literals (true, 5, {...}) too."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        key.removeprefix(ENV_PREFIX): _parse_env_value(value)
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX)
    }


def load(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    settings = {k: v for k, v in vars(Defaults).items() if k.isupper()}
    settings.update(from_environment(os.environ))
    settings.update(overrides or {})
    # Accept the common shorthand DATABASE_URL as well as the SQLAlchemy key.
    if "DATABASE_URL" in settings:
        settings["SQLALCHEMY_DATABASE_URI"] = settings.pop("DATABASE_URL")
    return settings
