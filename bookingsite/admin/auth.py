"""Logging in and out, and the venue scope every admin URL runs in."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user

from bookingsite.accounts import authenticate_manager
from bookingsite.admin import bp
from bookingsite.admin.forms import LoginForm
from bookingsite.extensions import db, limiter, login_manager
from bookingsite.models import Manager, Venue
from bookingsite.safe_redirect import same_site_path

# Endpoints a visitor may reach without being logged in.
OPEN_ENDPOINTS = frozenset({"admin.login"})


@login_manager.user_loader
def load_manager(manager_id: str) -> Manager | None:
    try:
        return db.session.get(Manager, int(manager_id))
    except ValueError:
        return None


@bp.record_once
def _configure_login(state: Any) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"


@bp.url_value_preprocessor
def _pull_venue_id(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.venue_id = values.pop("venue_id", None) if values else None


@bp.url_defaults
def _add_venue_id(endpoint: str, values: dict[str, Any]) -> None:
    """Inside a venue's pages, url_for('admin.x') stays in that venue."""
    venue = g.get("venue")
    if (
        venue is not None
        and "venue_id" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "venue_id")
    ):
        values["venue_id"] = venue.id


@bp.before_request
def _require_manager() -> Response | None:
    # Managers read their venue's dates the way its country writes them (i18n).
    g.regional_dates = True
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if g.venue_id is not None:
        venue = db.session.get(Venue, g.venue_id)
        if venue is None or venue.id not in {v.id for v in current_user.venues}:
            abort(404)
        g.venue = venue
    return None


def _next_page() -> str:
    # Only paths on this site: the login form never redirects elsewhere.
    return same_site_path(request.args.get("next")) or url_for("admin.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _posted_email() -> str:
    # Normalised as accounts stores it, so that "Ann@X" and "ann@x " count as one account.
    return request.form.get("email", "").strip().lower()


def _posted_account_key() -> str:
    # Hashed: the limit storage (Redis, shared by workers) holds no e-mail addresses.
    return "login-account:" + hashlib.sha256(_posted_email().encode()).hexdigest()


def _no_posted_email() -> bool:
    return not _posted_email()


@bp.route("/login", methods=["GET", "POST"])
# Per client address (behind a proxy, the one TRUSTED_PROXIES names), and per account,
# so that a bot rotating addresses cannot keep guessing one manager's password.
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(
    _login_account_limit,
    methods=["POST"],
    key_func=_posted_account_key,
    exempt_when=_no_posted_email,
)
def login():
    if current_user.is_authenticated:
        return redirect(_next_page())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        manager = authenticate_manager(form.email.data, form.password.data)
        if manager is not None:
            login_user(manager, remember=form.remember.data)
            return redirect(_next_page())
        form.form_errors.append(_("The e-mail address or the password is not right."))
    if form.is_submitted():
        status = 422
    return render_template("admin/login.html", form=form), status


@bp.errorhandler(RateLimitExceeded)
def _too_many_login_attempts(_exc: RateLimitExceeded) -> tuple[str, int]:
    """The login form is the only limited admin page: over a limit it answers with the
    form and a message (Flask-Limiter adds Retry-After), not a bare error page."""
    form = LoginForm()
    form.form_errors.append(
        _("Too many attempts to log in. Please wait a few minutes, then try again.")
    )
    return render_template("admin/login.html", form=form), 429


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
def index():
    venues = current_user.venues
    return render_template("admin/index.html", venues=venues)


@bp.get("/venues/<int:venue_id>/")
def venue_home():
    return render_template("admin/venue.html", venue=g.venue)
