"""Configuration in layers: defaults here, then BOOKINGSITE_* environment variables,
then the mapping a caller (usually a test) passes to create_app."""

import json
import os
from collections.abc import Mapping
from typing import Any

ENV_PREFIX = "BOOKINGSITE_"


class Defaults:
    SECRET_KEY = "dev-only-change-me"
    # None means "a SQLite file in the instance folder"; resolved by create_app.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    FROZEN_NOW: str | None = None
    SEED_DEMO: bool = False
    DEFAULT_HOLD_TTL_MINUTES = 10
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "fr", "de")
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    API_RATE_LIMIT = "120 per minute"
    LOGIN_RATE_LIMIT = "10 per minute"
    SESSION_COOKIE_SAMESITE = "Lax"
    # werkzeug's scrypt; tests lower the cost so that seeding demo managers stays quick.
    PASSWORD_HASH_METHOD = "scrypt"


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
