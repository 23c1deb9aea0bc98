"""The venue's partner API keys: the keys that reach the venue, making one for it, and
per key what it may do here, its rate limit, withdrawing it from the venue, rotating
and revoking it.

A key may reach several venues. What it may do at this venue is this venue's business;
its rate limit, its secret and whether it works at all are the whole key's, so only a
manager of every venue the key reaches may change them (anyone else sees why not).
A new or rotated key is shown once, on the page that answers the POST, and never kept."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from werkzeug import Response
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from bookingsite import accounts
from bookingsite.admin import bp
from bookingsite.admin.forms import ActionForm, strip
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import Partner, PartnerGrant, Scope
from bookingsite.web import see_other

NAME_LENGTH = 200  # the column's

SCOPE_NAMES = {
    Scope.READ: _l("Read"),
    Scope.BOOK: _l("Book"),
    Scope.MANAGE: _l("Manage"),
}
SCOPE_HINTS = {
    Scope.READ: _l(
        "The venue's set-up, its free times and the key's own bookings. Always on: "
        "every other scope needs it."
    ),
    Scope.BOOK: _l("Hold, confirm and cancel its own bookings."),
    Scope.MANAGE: _l(
        "Change the set-up: resources, services, hours and blocks. A key created with it "
        "may also create new venues."
    ),
}
# The scopes a manager chooses: `read` always comes with them.
CHOSEN_SCOPES = (Scope.BOOK, Scope.MANAGE)


def scope_text(scopes: frozenset[Scope]) -> str:
    return ", ".join(str(SCOPE_NAMES[scope]) for scope in Scope if scope in scopes)


def _hints() -> dict[str, Any]:
    return {scope.value: hint for scope, hint in SCOPE_HINTS.items()}


def _valid_rate_limit(_form: Any, field: Any) -> None:
    if field.data and (error := accounts.rate_limit_error(field.data)):
        raise ValidationError(error)


def _rate_limit_field() -> StringField:
    return StringField(
        _l("Rate limit (optional)"),
        filters=[strip],
        validators=[Optional(), _valid_rate_limit],
    )


class ScopesForm(FlaskForm):
    """What a key may do at the venue, beyond reading."""

    book = BooleanField(SCOPE_NAMES[Scope.BOOK])
    manage = BooleanField(SCOPE_NAMES[Scope.MANAGE])

    def chosen(self) -> frozenset[Scope]:
        return frozenset({Scope.READ}) | {
            scope for scope in CHOSEN_SCOPES if self.scope_field(scope).data
        }

    def scope_field(self, scope: Scope) -> BooleanField:
        return getattr(self, scope.value)


class KeyForm(ScopesForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=NAME_LENGTH)],
    )
    book = BooleanField(SCOPE_NAMES[Scope.BOOK], default=True)
    rate_limit = _rate_limit_field()


class RateLimitForm(FlaskForm):
    rate_limit = _rate_limit_field()


def venue_key(partner_id: int) -> Partner:
    """The key, if it reaches this venue: anything else is a 404, like a key that does
    not exist."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.scopes_at(g.venue.id) is None:
        abort(404)
    return partner


def _venues_not_managed(partner: Partner) -> int:
    managed = {venue.id for venue in current_user.venues}
    return len({grant.venue_id for grant in partner.grants} - managed)


def whole_key_refusal(partner: Partner) -> str | None:
    """Why the manager may not change the whole key (rate limit, rotate, revoke), or
    None when they manage every venue it reaches."""
    others = _venues_not_managed(partner)
    if not others:
        return None
    return ngettext(
        "This key also reaches %(num)d venue that you do not manage. Only a manager of "
        "every venue it reaches, or the site's operators, may change its rate limit, "
        "rotate it or revoke it.",
        "This key also reaches %(num)d venues that you do not manage. Only a manager of "
        "every venue it reaches, or the site's operators, may change its rate limit, "
        "rotate it or revoke it.",
        others,
    )


def _no_store(response: Response) -> Response:
    """A page with a key on it: kept by no cache, not even the browser's history."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _list_page(form: KeyForm, status: int = 200) -> Response:
    partners = db.session.scalars(
        sa.select(Partner)
        .join(PartnerGrant)
        .where(PartnerGrant.venue_id == g.venue.id)
        .options(selectinload(Partner.grants))
        .order_by(Partner.created_at.desc(), Partner.id.desc())
    ).all()
    return make_response(
        render_template(
            "admin/keys.html",
            partners=partners,
            form=form,
            scope_text=scope_text,
            scope_hints=_hints(),
            api_default=current_app.config["API_RATE_LIMIT"],
        ),
        status,
    )


@bp.get("/venues/<int:venue_id>/keys")
def keys():
    return _list_page(KeyForm(formdata=None))


@bp.post("/venues/<int:venue_id>/keys")
def key_create():
    form = KeyForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    partner, key = accounts.create_partner(
        form.name.data, [g.venue], scopes=form.chosen(), now=utcnow()
    )
    if form.rate_limit.data:
        partner.rate_limit = form.rate_limit.data
        db.session.commit()
    flash(
        _(
            "The key “%(name)s” is created. Copy it now: it will not be shown again.",
            name=partner.name,
        ),
        "success",
    )
    return _shown_once(partner, key, 201)


def _shown_once(partner: Partner, key: str, status: int) -> Response:
    return _no_store(
        make_response(
            render_template(
                "admin/key_shown.html",
                partner=partner,
                key=key,
                scope_text=scope_text,
            ),
            status,
        )
    )


def _detail(
    partner: Partner,
    *,
    scopes_form: ScopesForm | None = None,
    limit_form: RateLimitForm | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> Response:
    effective = partner.scopes_at(g.venue.id) or frozenset()
    if scopes_form is None:
        scopes_form = ScopesForm(
            formdata=None, data={s.value: s in effective for s in CHOSEN_SCOPES}
        )
    if limit_form is None:
        limit_form = RateLimitForm(formdata=None, data={"rate_limit": partner.rate_limit or ""})
    return make_response(
        render_template(
            "admin/key_detail.html",
            partner=partner,
            scopes_here=effective,
            scopes_form=scopes_form,
            limit_form=limit_form,
            action_form=action_form or ActionForm(formdata=None),
            refusal=whole_key_refusal(partner),
            other_venues=_venues_not_managed(partner),
            beyond=[scope.value for scope in CHOSEN_SCOPES if scope not in partner.scopes],
            scope_text=scope_text,
            scope_hints=_hints(),
            api_default=current_app.config["API_RATE_LIMIT"],
        ),
        status,
    )


@bp.get("/venues/<int:venue_id>/keys/<int:partner_id>")
def key_detail(partner_id: int):
    return _detail(venue_key(partner_id))


@bp.post("/venues/<int:venue_id>/keys/<int:partner_id>/scopes")
def key_scopes(partner_id: int):
    partner = venue_key(partner_id)
    form = ScopesForm()
    if not form.validate_on_submit():
        return _detail(partner, scopes_form=form, status=422)
    beyond = [scope for scope in CHOSEN_SCOPES if scope in form.chosen() - partner.scopes]
    for scope in beyond:
        form.scope_field(scope).errors.append(
            _(
                "This key may not do this anywhere: it was created without it. Nothing "
                "was changed. Create a new key to give it."
            )
        )
    if beyond:
        return _detail(partner, scopes_form=form, status=422)
    accounts.set_scopes_at(partner, g.venue, form.chosen())
    db.session.commit()
    flash(
        _(
            "At %(venue)s, “%(name)s” may now: %(scopes)s.",
            venue=g.venue.name,
            name=partner.name,
            scopes=scope_text(form.chosen()),
        ),
        "success",
    )
    return see_other(url_for("admin.key_detail", partner_id=partner.id))


def _refused(partner: Partner, form: ActionForm | None = None) -> Response | None:
    """The detail page answering 403 when the manager may not change the whole key."""
    refusal = whole_key_refusal(partner)
    if refusal is None:
        return None
    form = form or ActionForm(formdata=None)
    form.form_errors.append(refusal)
    return _detail(partner, action_form=form, status=403)


@bp.post("/venues/<int:venue_id>/keys/<int:partner_id>/limit")
def key_limit(partner_id: int):
    partner = venue_key(partner_id)
    form = RateLimitForm()
    if (refused := _refused(partner)) is not None:
        return refused
    if not form.validate_on_submit():
        return _detail(partner, limit_form=form, status=422)
    partner.rate_limit = form.rate_limit.data or None
    db.session.commit()
    if partner.rate_limit:
        message = _(
            "The rate limit of “%(name)s” is now %(limit)s.",
            name=partner.name,
            limit=partner.rate_limit,
        )
    else:
        message = _("“%(name)s” has the API's default rate limit again.", name=partner.name)
    flash(message, "success")
    return see_other(url_for("admin.key_detail", partner_id=partner.id))


# Withdraw, rotate and revoke: a GET shows what will happen and asks; the POST does it.


def _confirm_page(partner: Partner, action: str) -> Response:
    return make_response(
        render_template(
            "admin/key_confirm.html",
            partner=partner,
            action=action,
            last_venue=len(partner.grants) == 1,
        )
    )


@bp.get("/venues/<int:venue_id>/keys/<int:partner_id>/withdraw")
def key_withdraw_confirm(partner_id: int):
    return _confirm_page(venue_key(partner_id), "withdraw")


@bp.post("/venues/<int:venue_id>/keys/<int:partner_id>/withdraw")
def key_withdraw(partner_id: int):
    partner = venue_key(partner_id)
    accounts.withdraw_venue(partner, g.venue.id)
    db.session.commit()
    flash(
        _("“%(name)s” no longer reaches %(venue)s.", name=partner.name, venue=g.venue.name),
        "success",
    )
    return see_other(url_for("admin.keys"))


@bp.get("/venues/<int:venue_id>/keys/<int:partner_id>/rotate")
def key_rotate_confirm(partner_id: int):
    partner = venue_key(partner_id)
    return _refused(partner) or _confirm_page(partner, "rotate")


@bp.post("/venues/<int:venue_id>/keys/<int:partner_id>/rotate")
def key_rotate(partner_id: int):
    partner = venue_key(partner_id)
    if (refused := _refused(partner)) is not None:
        return refused
    key = accounts.rotate_key(partner)
    flash(
        _(
            "“%(name)s” has a new key and the old one no longer works. Copy the new key "
            "now: it will not be shown again.",
            name=partner.name,
        ),
        "success",
    )
    return _shown_once(partner, key, 200)


@bp.get("/venues/<int:venue_id>/keys/<int:partner_id>/revoke")
def key_revoke_confirm(partner_id: int):
    partner = venue_key(partner_id)
    if not partner.active:
        return redirect(url_for("admin.key_detail", partner_id=partner.id))
    return _refused(partner) or _confirm_page(partner, "revoke")


@bp.post("/venues/<int:venue_id>/keys/<int:partner_id>/revoke")
def key_revoke(partner_id: int):
    partner = venue_key(partner_id)
    if (refused := _refused(partner)) is not None:
        return refused
    if partner.active:
        accounts.revoke_partner(partner)
        flash(
            _("The key of “%(name)s” is revoked: its next call is refused.", name=partner.name),
            "success",
        )
    else:
        flash(_("The key of “%(name)s” was already revoked.", name=partner.name), "info")
    return see_other(url_for("admin.key_detail", partner_id=partner.id))
