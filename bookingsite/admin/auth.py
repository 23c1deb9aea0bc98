"""Logging in and out, a forgotten password (a one-time link by e-mail,
bookingsite/login_links.py), and the venue scope every admin URL runs in."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import sqlalchemy as sa
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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash

from bookingsite import jobs, login_links
from bookingsite.accounts import ROLE_HINTS, ROLE_NAMES, authenticate_manager
from bookingsite.admin import bp
from bookingsite.admin.forms import (
    ForgotPasswordForm,
    JoinForm,
    JoinWithAccountForm,
    LoginForm,
    NewPasswordForm,
)
from bookingsite.clock import utcnow
from bookingsite.extensions import db, limiter, login_manager
from bookingsite.models import LoginLinkPurpose, Manager, Role, Venue
from bookingsite.safe_redirect import same_site_path

log = logging.getLogger(__name__)

# Endpoints a visitor may reach without being logged in: logging in, getting back in
# with a forgotten password (asking for a link, and following it), and taking up an
# invitation.
OPEN_ENDPOINTS = frozenset(
    {"admin.login", "admin.forgot_password", "admin.password_reset", "admin.invitation"}
)


@login_manager.user_loader
def load_manager(user_id: str) -> Manager | None:
    """The manager a session or remember-me cookie names, while it is still theirs: its
    id carries the session version of when it began (Manager.get_id), which a new
    password or accounts.end_sessions raises."""
    manager_id, _sep, version = user_id.partition(":")
    try:
        manager = db.session.get(Manager, int(manager_id))
        if manager is None or int(version) != manager.session_version:
            return None
    except ValueError:
        return None
    return manager


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
        role = current_user.role_at(venue.id) if venue is not None else None
        if role is None:
            abort(404)
        if not role.allows(role_needed(request.endpoint)):
            abort(403)
        g.venue, g.role = venue, role
    return None


# The least role a venue's page needs, by the module that serves it; any other needs an
# owner (people, partner keys, webhook endpoints, the venue's settings), so that a page
# added later is closed until it says otherwise.
_ROLE_BY_MODULE = {
    "bookingsite.admin.bookings": Role.FRONT_DESK,
    "bookingsite.admin.timeline": Role.FRONT_DESK,
    "bookingsite.admin.setup": Role.MANAGER,
    "bookingsite.admin.messages": Role.MANAGER,
    "bookingsite.admin.reports": Role.MANAGER,
}
# The venue's home is everyone's.
_ROLE_BY_ENDPOINT = {"admin.venue_home": Role.FRONT_DESK}


def role_needed(endpoint: str | None) -> Role:
    if endpoint in _ROLE_BY_ENDPOINT:
        return _ROLE_BY_ENDPOINT[endpoint]
    view = current_app.view_functions.get(endpoint or "")
    return _ROLE_BY_MODULE.get(getattr(view, "__module__", ""), Role.OWNER)


@bp.app_template_global()
def may_open(endpoint: str) -> bool:
    """Whether the person's role at the venue shown lets them open `endpoint` (links
    they could not follow are not shown)."""
    role = g.get("role")
    return role is not None and role.allows(role_needed(endpoint))


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
    """The login form and the "forgot your password" form are the limited admin pages:
    over a limit each answers with its form and a message (Flask-Limiter adds
    Retry-After), not a bare error page."""
    if request.endpoint == "admin.forgot_password":
        return _forgot_page(ForgotPasswordForm(formdata=None), limited=True), 429
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
    # Where the person may add a venue: each organisation they own a venue of, through
    # that venue's "new venue" page.
    owned = {}
    for membership in current_user.memberships:
        if membership.role is Role.OWNER:
            owned.setdefault(membership.venue.organisation, membership.venue)
    return render_template("admin/index.html", venues=venues, owned=owned)


@bp.get("/venues/<int:venue_id>/")
def venue_home():
    return render_template("admin/venue.html", venue=g.venue)


# A forgotten password ---------------------------------------------------------------------
# Asking sends e-mail to whatever address is typed in: limited per client address, and per
# address asked about from any number of clients (settings), like the login.


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_email_limit() -> str:
    return current_app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"]


def _posted_reset_key() -> str:
    # Hashed: the limit storage holds no e-mail addresses.
    return "password-reset:" + hashlib.sha256(_posted_email().encode()).hexdigest()


def _forgot_page(form: ForgotPasswordForm, *, sent: bool = False, limited: bool = False) -> str:
    return render_template("admin/password_forgot.html", form=form, sent=sent, limited=limited)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(
    _reset_email_limit, methods=["POST"], key_func=_posted_reset_key, exempt_when=_no_posted_email
)
def forgot_password():
    """One answer for every well-formed address, a manager's or not, and the same work
    behind it: the request only queues the job that looks the address up and, for an
    active manager, e-mails a link (login_links.send_password_reset)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The link's address: PUBLIC_URL when set, else this request's (a job has none).
        root = None if current_app.config.get("PUBLIC_URL") else request.url_root
        try:
            jobs.jobs().send_password_reset(form.email.data, str(get_locale()), root)
        except Exception:  # noqa: BLE001 - the queue is down: the answer stays the same
            log.exception("password reset not queued")
        # Not echoed back: the page reads the same, byte for byte, for any address.
        return _forgot_page(ForgotPasswordForm(formdata=None), sent=True)
    status = 422 if form.is_submitted() else 200
    return _forgot_page(form), status


def _dead_link(token: str) -> Response:
    """A link that does not work (any more): why, in general terms, and a way to ask for
    a new one. 410 for a link that existed (used, replaced or expired), 404 otherwise."""
    status = 410 if login_links.find(token) is not None else 404
    return _private(render_template("admin/password_link_dead.html"), status)


def _private(page: str, status: int = 200) -> Response:
    # The token is in the address: no cache keeps the page.
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    """Choose a new password with a reset link. Opening the link spends nothing (mail
    scanners open links too); the form spends it, changes the password, ends every
    session of the manager, and logs this browser in."""
    link = login_links.find(token)
    if link is None or not link.is_usable_at(utcnow()):
        return _dead_link(token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        manager = login_links.reset_password(token, form.password.data)
        if manager is None:  # spent or expired meanwhile
            return _dead_link(token)
        login_user(manager)
        flash(_("Your new password is set, and you are logged in."), "success")
        return redirect(url_for("admin.index"))
    status = 422 if form.is_submitted() else 200
    page = render_template("admin/password_reset.html", form=form, email=link.email, token=token)
    return _private(page, status)


# An invitation ---------------------------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Take up an invitation: a new person chooses a name and a password; a person with
    an account confirms it with their password. Opening the link spends nothing; the
    form spends it and logs this browser in as the invited person."""
    link = login_links.find(token)
    if (
        link is None
        or link.purpose is not LoginLinkPurpose.INVITE
        or not link.is_usable_at(utcnow())
    ):
        status = 410 if link is not None else 404
        return _private(render_template("admin/invitation_dead.html"), status)
    person = db.session.scalar(sa.select(Manager).where(Manager.email == link.email))
    form = JoinWithAccountForm() if person is not None else JoinForm()
    if form.validate_on_submit():
        if person is not None and not check_password_hash(person.password_hash, form.password.data):
            form.password.errors.append(
                _("This is not the password of %(email)s.", email=link.email)
            )
        else:
            name = getattr(form, "name", None)
            joined = login_links.accept_invitation(
                token,
                name=name.data if name is not None else "",
                password=form.password.data if person is None else None,
            )
            if joined is None:  # spent or withdrawn meanwhile
                return _private(render_template("admin/invitation_dead.html"), 410)
            logout_user()
            login_user(joined)
            flash(_("Welcome to %(venue)s.", venue=link.venue.name), "success")
            return redirect(url_for("admin.venue_home", venue_id=link.venue_id))
    status = 422 if form.is_submitted() else 200
    page = render_template(
        "admin/invitation.html",
        form=form,
        link=link,
        role_names=ROLE_NAMES,
        role_hints=ROLE_HINTS,
        has_account=person is not None,
        token=token,
    )
    return _private(page, status)
