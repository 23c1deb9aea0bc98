"""bookingsite: a server-rendered booking website for venues that rent out time."""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _prefer_packaged_tz_rules() -> str | None:
    """Time-zone rules from the `tzdata` package installed with the project, not the
    host's copy (which may be years old: zoneinfo reads the system's first). Returns the
    IANA version in use, or None when the package is missing and the host's rules apply.
    Done once, at import, before any zone is loaded."""
    try:
        import tzdata
    except ImportError:
        return None
    zoneinfo.reset_tzpath(to=())
    zoneinfo.ZoneInfo.clear_cache()
    return tzdata.IANA_VERSION


# The IANA time-zone database version every zone of the project follows (None: the host's).
TZ_RULES_VERSION = _prefer_packaged_tz_rules()

from flask import Flask  # noqa: E402  (the zone rules are chosen before anything loads one)

from bookingsite import bounds, config, security  # noqa: E402
from bookingsite.clock import Clock, clock_from_config  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config.load(settings))
    security.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'bookingsite.sqlite3'}"
        )
    app.extensions["bookingsite.clock"] = clock or clock_from_config(app.config["FROZEN_NOW"])
    # Services' set-up as last read, by id: (set-up revision, detached graph).
    app.extensions["service_setups"] = {}
    # Partner keys as last read, by key prefix: (set-up revision, detached partner).
    app.extensions["partner_keys"] = {}
    # Venues with a webhook endpoint: (set-up revision, frozenset of venue ids).
    app.extensions["webhook_venues"] = {}
    # Travel times between a venue and the others of its organisation, by venue id.
    app.extensions["travel_times"] = {}

    _init_extensions(app)
    bounds.init_app(app)
    _register_blueprints(app)

    from bookingsite import cli, jobs, web

    jobs.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from bookingsite import i18n, integrity, models  # noqa: F401  (models register tables)
    from bookingsite.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    integrity.attach_to_metadata(db.metadata)
    with app.app_context():
        integrity.configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from bookingsite.admin import bp as admin_bp
    from bookingsite.api import bp as api_bp
    from bookingsite.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
